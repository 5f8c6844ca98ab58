//! The OMM's public key and the encryption of the secrets sent to it: `sipPw` (and `pin`)
//! travel RSA PKCS#1 v1.5 encrypted with the key of `OpenResp`/`GetPublicKeyResp`, then
//! base64. Both independent clients read modulus and exponent as hex (mitel-ommclient2's
//! `int(x, 16)`, mitel-api's `StringToByteArray`) and encrypt the same way.

use base64::Engine as _;
use rsa::{BigUint, Pkcs1v15Encrypt, RsaPublicKey};

use super::message::Element;

/// Why a key or an encryption failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The element carries no `modulus`/`exponent`.
    #[error("no public key in {0}")]
    Missing(String),
    /// Not hex, or not an RSA key the `rsa` crate accepts (it refuses moduli above
    /// 4096 bits, so a hostile key cannot make encryption expensive).
    #[error("invalid public key: {0}")]
    Invalid(String),
    /// The secret does not fit the key.
    #[error("cannot encrypt: {0}")]
    Encrypt(String),
}

/// The shortest modulus accepted: a smaller key would make the encryption pointless.
const MIN_MODULUS_BITS: usize = 1024;

/// The OMM's RSA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmmPublicKey(RsaPublicKey);

impl OmmPublicKey {
    /// Reads the key from hex modulus and exponent.
    pub fn from_hex(modulus: &str, exponent: &str) -> Result<OmmPublicKey, KeyError> {
        let hex = |text: &str| {
            let text = text.trim();
            if text.is_empty() || text.len() > 2048 || !text.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(KeyError::Invalid("not hex".into()));
            }
            BigUint::parse_bytes(text.as_bytes(), 16)
                .ok_or_else(|| KeyError::Invalid("not hex".into()))
        };
        let n = hex(modulus)?;
        if n.bits() < MIN_MODULUS_BITS {
            return Err(KeyError::Invalid(format!("modulus of {} bits", n.bits())));
        }
        let key =
            RsaPublicKey::new(n, hex(exponent)?).map_err(|e| KeyError::Invalid(e.to_string()))?;
        Ok(OmmPublicKey(key))
    }

    /// Reads the key of an `OpenResp` (its `publicKey` child, as mitel-api reads it) or of a
    /// `GetPublicKeyResp` (attributes on the root, as mitel-ommclient2 reads it).
    pub fn from_response(response: &Element) -> Result<OmmPublicKey, KeyError> {
        let holder = response.child("publicKey").unwrap_or(response);
        match (holder.get("modulus"), holder.get("exponent")) {
            (Some(m), Some(e)) => OmmPublicKey::from_hex(m, e),
            _ => Err(KeyError::Missing(response.name.clone())),
        }
    }

    /// The secret encrypted for the OMM, base64.
    pub fn encrypt(&self, secret: &str) -> Result<String, KeyError> {
        let mut rng = rand::thread_rng();
        let sealed = self
            .0
            .encrypt(&mut rng, Pkcs1v15Encrypt, secret.as_bytes())
            .map_err(|e| KeyError::Encrypt(e.to_string()))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(sealed))
    }

    /// The key itself (the fake OMM in the tests compares it).
    pub fn key(&self) -> &RsaPublicKey {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::traits::PublicKeyParts;
    use rsa::RsaPrivateKey;

    fn hex_of(n: &BigUint) -> String {
        n.to_str_radix(16)
    }

    #[test]
    fn encrypts_so_the_private_key_reads_it_back() {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap();
        let public = private.to_public_key();
        let response = Element::new("OpenResp").with_child(
            Element::new("publicKey")
                .with("modulus", hex_of(public.n()))
                .with("exponent", hex_of(public.e())),
        );
        let key = OmmPublicKey::from_response(&response).unwrap();
        let sealed = key.encrypt("s3cret-Passw0rd!").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed.as_bytes())
            .unwrap();
        assert_eq!(bytes.len(), 128, "one RSA block");
        let clear = private.decrypt(Pkcs1v15Encrypt, &bytes).unwrap();
        assert_eq!(clear, b"s3cret-Passw0rd!");
        // PKCS#1 v1.5 pads randomly: the same secret never looks the same twice.
        assert_ne!(key.encrypt("s3cret-Passw0rd!").unwrap(), sealed);
    }

    #[test]
    fn hostile_keys_are_refused() {
        assert!(matches!(
            OmmPublicKey::from_response(&Element::new("OpenResp")),
            Err(KeyError::Missing(_))
        ));
        for (m, e) in [("zz", "10001"), ("", "10001"), ("ff", "10001"), ("-1", "3")] {
            assert!(OmmPublicKey::from_hex(m, e).is_err(), "{m}/{e}");
        }
        // 8192 bits: above what the rsa crate accepts.
        let huge = "f".repeat(2048);
        assert!(OmmPublicKey::from_hex(&huge, "10001").is_err());
    }
}
