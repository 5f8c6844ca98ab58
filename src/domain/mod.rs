//! Validated values, checked once at the edge: numbers, SIP identities, secrets.

pub mod accounts;
pub mod numbering;
pub mod secrets;
pub mod throttle;

use std::fmt;

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
    /// Checks that `text` is 1 to 15 digits.
    pub fn parse(text: &str) -> Result<Number, DomainError> {
        let t = text.trim();
        if t.is_empty() || t.len() > 15 || !t.bytes().all(|b| b.is_ascii_digit()) {
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
    /// Checks the shape of dialled or typed digits.
    pub fn parse(text: &str) -> Result<Token, DomainError> {
        let t = text.trim();
        if !(8..=20).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_digit()) {
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
    fn numbers_are_digits_only() {
        assert_eq!(Number::parse(" 4711 ").unwrap().as_str(), "4711");
        for bad in ["", "47a1", "+4711", "1234567890123456", "47 11", "4711;x"] {
            assert!(Number::parse(bad).is_err(), "{bad}");
        }
    }
}
