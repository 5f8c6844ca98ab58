//! Validated values, checked once at the edge: numbers, SIP identities, secrets.

pub mod accounts;
pub mod conference;
pub mod dect;
pub mod dn;
pub mod event;
pub mod export;
pub mod extension;
pub mod history;
pub mod lang;
pub mod lockout;
pub mod metrics;
pub mod numbering;
pub mod presence;
pub mod ring_test;
pub mod routing;
pub mod secrets;
pub mod stats;
pub mod throttle;

use std::fmt;

pub use extension::ExtensionKind;

/// Why a value was refused. The message is safe to show to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Not a dialable number.
    #[error("{0:?} is not a number: use 1 to 15 digits")]
    BadNumber(String),
    /// Not shaped like a registration token.
    #[error("a registration token is 8 to 20 digits")]
    BadToken,
}

/// A dialable number: 1 to 15 ASCII digits (E.164's length limit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(String);

impl Number {
    /// The longest number: the dialplan renders one routing pattern per length up to this.
    pub const MAX_DIGITS: usize = 15;

    /// Checks that `text` is 1 to 15 digits.
    pub fn parse(text: &str) -> Result<Number, DomainError> {
        let t = text.trim();
        if t.is_empty() || t.len() > Self::MAX_DIGITS || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::BadNumber(text.to_string()));
        }
        Ok(Number(t.to_string()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registration token as dialled: 8 to 20 digits. Whether it exists is the database's call.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token(String);

impl Token {
    /// The shortest token accepted.
    pub const MIN_DIGITS: usize = 8;
    /// The longest token accepted: the dialplan renders the en-bloc registration pattern for
    /// every length up to this.
    pub const MAX_DIGITS: usize = 20;

    /// Checks the shape of dialled or typed digits.
    pub fn parse(text: &str) -> Result<Token, DomainError> {
        let t = text.trim();
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&t.len())
            || !t.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DomainError::BadToken);
        }
        Ok(Token(t.to_string()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tokens are secrets: never print them in logs by accident.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(<{} digits>)", self.0.len())
    }
}

/// Hides registration tokens in text others can read (the operator view, the channel list of
/// the API, eventpbx's logs): every run of digits that starts with the registration code and
/// goes on keeps the code and shows a bullet for each further digit, so `99551234567890`
/// becomes `9955••••••••••`. The code alone and other numbers are left as they are. This is
/// the one place that decides what a token looks like when shown.
pub fn mask_tokens<'a>(register_code: &str, text: &'a str) -> std::borrow::Cow<'a, str> {
    if register_code.is_empty() || !text.contains(register_code) {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    let mut changed = false;
    while i < bytes.len() {
        let starts_run = i == 0 || !bytes[i - 1].is_ascii_digit();
        if starts_run && text[i..].starts_with(register_code) {
            let after = i + register_code.len();
            let end = after
                + bytes[after..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            out.push_str(register_code);
            if end > after {
                out.extend(std::iter::repeat_n('•', end - after));
                changed = true;
            }
            i = end;
            continue;
        }
        // Copy one whole character (text may hold non-ASCII from a hostile dial string).
        let len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + len]);
        i += len;
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Dialplan context of devices with full calling rights (bound handsets, SIP phones).
pub const CONTEXT_EXTENSIONS: &str = "eventpbx-extensions";
/// Dialplan context of temporary handsets: service codes, emergency and help desk only.
pub const CONTEXT_TEMPORARY: &str = "eventpbx-temporary";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_8_to_20_digits_and_not_logged() {
        assert!(Token::parse("12345678").is_ok());
        assert!(Token::parse("1234567").is_err());
        assert!(Token::parse("123456789012345678901").is_err());
        assert!(Token::parse("12345678#").is_err());
        assert!(Token::parse("").is_err());
        let t = Token::parse("1234567890").unwrap();
        assert!(!format!("{t:?}").contains("1234"));
    }

    #[test]
    fn tokens_are_masked_wherever_they_appear() {
        assert_eq!(mask_tokens("9955", "99551234567890"), "9955••••••••••");
        assert_eq!(mask_tokens("9955", "9955"), "9955");
        assert_eq!(mask_tokens("9955", "4711"), "4711");
        // Not the start of a number: another number that happens to contain the code.
        assert_eq!(mask_tokens("9955", "199551234"), "199551234");
        assert_eq!(
            mask_tokens("9955", "register,h3k,99551234567890 and 9955000"),
            "register,h3k,9955•••••••••• and 9955•••"
        );
        assert_eq!(
            mask_tokens("9955", "Stasis(eventpbx,register,ab,1234)"),
            "Stasis(eventpbx,register,ab,1234)"
        );
        assert_eq!(mask_tokens("9955", "ü99551ö"), "ü9955•ö");
        assert_eq!(mask_tokens("", "99551234"), "99551234");
    }

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(Number::parse(" 4711 ").unwrap().as_str(), "4711");
        for bad in ["", "47a1", "+4711", "1234567890123456", "47 11", "4711;x"] {
            assert!(Number::parse(bad).is_err(), "{bad}");
        }
    }
}
