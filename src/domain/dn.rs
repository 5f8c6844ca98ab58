//! LDAP distinguished names, as far as the directory needs them: compared, never parsed
//! into a tree. The settings check the configured base and bind DNs with the same rule the
//! directory uses to compare a search base.

/// A DN folded for comparison: RDNs trimmed and lower-cased, joined by `,`; an escaped comma
/// (`\,`) stays inside its RDN. `None` when it is not a DN (an RDN without a type or value).
/// The empty DN (the root) folds to the empty string.
pub fn fold(dn: &str) -> Option<String> {
    if dn.trim().is_empty() {
        return Some(String::new());
    }
    let mut rdns = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            rdns.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    rdns.push(current);
    let mut folded = Vec::with_capacity(rdns.len());
    for rdn in rdns {
        let (name, value) = rdn.split_once('=')?;
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            return None;
        }
        folded.push(format!("{}={}", name.to_lowercase(), value.to_lowercase()));
    }
    Some(folded.join(","))
}

/// The value of the DN's first RDN (`phonebook` of `ou=phonebook,dc=eventpbx`).
pub fn first_value(dn: &str) -> Option<&str> {
    dn.split(',').next()?.split_once('=').map(|(_, v)| v.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_spaces_around_separators() {
        assert_eq!(
            fold(" OU=Phonebook , DC=EventPBX ").as_deref(),
            Some("ou=phonebook,dc=eventpbx")
        );
        assert_eq!(fold("").as_deref(), Some(""));
        assert_eq!(fold("cn=a\\,b,dc=x").as_deref(), Some("cn=a\\,b,dc=x"));
    }

    #[test]
    fn what_is_not_a_dn() {
        for bad in ["phonebook", "ou=,dc=x", "=x", "ou=a,,dc=x", "ou=a,"] {
            assert_eq!(fold(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn first_value() {
        assert_eq!(
            super::first_value("ou=phonebook,dc=eventpbx"),
            Some("phonebook")
        );
    }
}
