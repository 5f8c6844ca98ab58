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
}
