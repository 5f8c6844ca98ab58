//! People's accounts: usernames, display names, passwords and roles, validated at the edge.

use std::fmt;

/// Why account input was refused. The message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Username shape.
    #[error("A username is 3 to 32 characters: letters, digits, '.', '-' or '_'.")]
    BadUsername,
    /// Display name shape.
    #[error("A name is 1 to 60 characters, without line breaks.")]
    BadName,
    /// Too short.
    #[error("Use a password of at least {MIN_PASSWORD} characters.")]
    PasswordTooShort,
    /// Too long (argon2 would happily hash megabytes; nobody types that).
    #[error("Use a password of at most {MAX_PASSWORD} characters.")]
    PasswordTooLong,
    /// On the short list of passwords everybody tries first, or the username itself.
    #[error("That password is too easy to guess. Pick another one.")]
    PasswordGuessable,
    /// Unknown role name.
    #[error("{0:?} is not a role: use attendee, helpdesk, operator or admin.")]
    BadRole(String),
}

/// Shortest accepted password.
pub const MIN_PASSWORD: usize = 10;
/// Longest accepted password.
pub const MAX_PASSWORD: usize = 256;

/// A login name: 3 to 32 of `[A-Za-z0-9._-]`. Unique without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Checks the shape.
    pub fn parse(text: &str) -> Result<Username, AccountError> {
        let t = text.trim();
        if !(3..=32).contains(&t.len())
            || !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(AccountError::BadUsername);
        }
        Ok(Username(t.to_string()))
    }

    /// The name as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name shown to people (and in the phonebook): 1 to 60 characters, no control characters.
/// Anything else is allowed; pages escape it.
pub fn display_name(text: &str) -> Result<String, AccountError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 60 || t.chars().any(char::is_control) {
        return Err(AccountError::BadName);
    }
    Ok(t.to_string())
}

/// Checks a new password against length and the obvious guesses.
pub fn check_password(password: &str, username: &str) -> Result<(), AccountError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD {
        return Err(AccountError::PasswordTooShort);
    }
    if len > MAX_PASSWORD {
        return Err(AccountError::PasswordTooLong);
    }
    const COMMON: &[&str] = &[
        "1234567890",
        "12345678901",
        "123456789012",
        "0123456789",
        "password123",
        "password1234",
        "passwort123",
        "qwertyuiop",
        "qwertzuiop",
        "1q2w3e4r5t",
        "iloveyou123",
        "abcdefghij",
        "aaaaaaaaaa",
        "letmein123",
        "eventpbx123",
    ];
    let lower = password.to_lowercase();
    let one_char = password.chars().all(|c| password.starts_with(c));
    if one_char || COMMON.contains(&lower.as_str()) || lower.contains(&username.to_lowercase()) {
        return Err(AccountError::PasswordGuessable);
    }
    Ok(())
}

/// What a person may do. Each role includes the ones before it. The CLI parses it with clap
/// under the names [`Role::as_str`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Role {
    /// Own extensions only.
    Attendee,
    /// Plus helping anyone with theirs: search every user and extension (unlisted ones too),
    /// see and renew tokens and SIP passwords, unbind and release handsets, hand out loaners,
    /// each written to the audit log (`/helpdesk`).
    Helpdesk,
    /// Plus the live view.
    Operator,
    /// Plus users, all extensions and numbering.
    Admin,
}

impl Role {
    /// The value stored in `users.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Attendee => "attendee",
            Role::Helpdesk => "helpdesk",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed role name.
    pub fn parse(text: &str) -> Result<Role, AccountError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "attendee" => Ok(Role::Attendee),
            "helpdesk" => Ok(Role::Helpdesk),
            "operator" => Ok(Role::Operator),
            "admin" => Ok(Role::Admin),
            _ => Err(AccountError::BadRole(text.to_string())),
        }
    }

    /// All roles, least powerful first.
    pub const ALL: [Role; 4] = [Role::Attendee, Role::Helpdesk, Role::Operator, Role::Admin];

    /// Whether this role may look at and fix other people's extensions: the help desk's
    /// pages (`/helpdesk`) and every page that serves the help desk (the "why didn't it
    /// ring" page of any extension) ask this one question. Operators and admins include
    /// the help desk.
    pub fn can_help_others(self) -> bool {
        self >= Role::Helpdesk
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" alice ").unwrap().as_str(), "alice");
        for bad in ["al", "a b c", "<script>", &"x".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(
            check_password("short", "alice"),
            Err(AccountError::PasswordTooShort)
        );
        assert_eq!(
            check_password("Password123", "bob"),
            Err(AccountError::PasswordGuessable)
        );
        assert_eq!(
            check_password("xxalice-2026", "alice"),
            Err(AccountError::PasswordGuessable)
        );
        assert!(check_password("correct horse battery", "alice").is_ok());
    }

    #[test]
    fn roles_order_and_names() {
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Attendee);
        assert!(Role::Operator > Role::Helpdesk && Role::Helpdesk > Role::Attendee);
        assert_eq!(Role::parse("helpdesk").unwrap(), Role::Helpdesk);
        assert_eq!(Role::parse("Admin").unwrap(), Role::Admin);
        assert!(Role::parse("root").is_err());
        assert!(display_name("<script>alert(1)</script>").is_ok());
        assert!(display_name("a\nb").is_err());
    }

    #[test]
    fn helping_others_starts_at_the_help_desk() {
        let helpers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.can_help_others())
            .collect();
        assert_eq!(helpers, [Role::Helpdesk, Role::Operator, Role::Admin]);
    }

    #[test]
    fn the_cli_names_roles_as_they_are_stored() {
        use clap::ValueEnum;
        for role in Role::ALL {
            let name = role.to_possible_value().map(|v| v.get_name().to_string());
            assert_eq!(name.as_deref(), Some(role.as_str()));
            assert_eq!(Role::parse(role.as_str()).ok(), Some(role));
        }
    }
}
