//! Random identifiers and secrets, all from the operating system's CSPRNG.

use rand::distributions::{Alphanumeric, Distribution, Uniform};
use rand::rngs::OsRng;

/// Lower-case letters and digits without look-alikes (no 0/o, 1/l), for SIP usernames people
/// may have to type.
const USERNAME_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A device's SIP username: a one-letter kind prefix plus 10 random characters.
/// It is also the device's endpoint, auth and AOR id, and never changes.
pub fn sip_username(prefix: char) -> String {
    let dist = Uniform::from(0..USERNAME_ALPHABET.len());
    let mut s = String::with_capacity(11);
    s.push(prefix);
    for _ in 0..10 {
        s.push(char::from(USERNAME_ALPHABET[dist.sample(&mut OsRng)]));
    }
    s
}

/// A SIP password: 20 random letters and digits (about 119 bits).
pub fn sip_password() -> String {
    Alphanumeric
        .sample_iter(&mut OsRng)
        .take(20)
        .map(char::from)
        .collect()
}

/// `n` random decimal digits (registration tokens).
pub fn digits(n: usize) -> String {
    let dist = Uniform::from(b'0'..=b'9');
    (0..n)
        .map(|_| char::from(dist.sample(&mut OsRng)))
        .collect()
}

/// A uniform random number below `n` (n > 0).
pub fn random_below(n: u64) -> u64 {
    Uniform::from(0..n.max(1)).sample(&mut OsRng)
}

/// 32 random bytes as hex: session ids, API keys, ARI secrets.
pub fn hex256() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut OsRng, &mut bytes);
    hex::encode(bytes)
}

/// A password hash could not be made (argon2 refused its parameters or the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("argon2: {0}")]
pub struct HashError(String);

/// OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
fn argon2id() -> Result<argon2::Argon2<'static>, HashError> {
    let params =
        argon2::Params::new(19 * 1024, 2, 1, None).map_err(|e| HashError(e.to_string()))?;
    Ok(argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

/// Hashes a password with argon2id and a fresh salt, in PHC string form. It takes tens of
/// milliseconds of CPU: async callers run it off the reactor (`service::users` does).
pub fn hash_password(password: &str) -> Result<String, HashError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2id()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks a password against a stored PHC hash. The parameters come from the stored hash, so
/// older hashes keep working if the defaults change; an unreadable hash matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let u = sip_username('h');
        assert_eq!(u.len(), 11);
        assert!(u.starts_with('h'));
        assert!(u.bytes().skip(1).all(|b| USERNAME_ALPHABET.contains(&b)));
        assert_eq!(sip_password().len(), 20);
        let d = digits(10);
        assert_eq!(d.len(), 10);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(hex256().len(), 64);
        assert_ne!(hex256(), hex256());
    }

    #[test]
    fn argon2id_hashes_verify_only_their_password() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterx"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
        assert!(!verify_password("not a hash", "correct horse battery"));
    }
}
