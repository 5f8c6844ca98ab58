//! Recently verified API keys, so a busy client costs no database read per request.
//!
//! A key's answer is trusted for at most [`TRUST_FOR`], and not at all once this process has
//! committed any write since (a revocation through the web or the API takes effect at once).
//! A revocation by the CLI, another process, takes effect within [`TRUST_FOR`]. Only keys that
//! verified are kept, so unknown keys cannot fill the cache.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::db::api_keys::Verified as Key;

/// How long a verified key is believed without asking the database again.
pub const TRUST_FOR: Duration = Duration::from_secs(1);

/// More live keys than this at once means something odd; start over rather than grow.
const MAX_ENTRIES: usize = 1024;

/// A verified key, with when and at which write count it was verified.
#[derive(Debug, Clone)]
struct Cached {
    key: Key,
    at: Instant,
    writes: u64,
}

/// The cache, shared by all requests.
#[derive(Debug, Default)]
pub struct KeyCache {
    // By SHA-256 of the key: the key itself is not kept in memory longer than a request.
    verified: Mutex<HashMap<[u8; 32], Cached>>,
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl KeyCache {
    /// The cached answer for `key`, if it is still to be trusted given `writes`, this
    /// process's count of committed writes.
    pub fn get(&self, key: &str, writes: u64) -> Option<Key> {
        let verified = self.verified.lock().ok()?;
        let v = verified.get(&digest(key))?;
        (v.writes == writes && v.at.elapsed() < TRUST_FOR).then(|| v.key.clone())
    }

    /// Remembers that `key` verified as `known` when `writes` writes had been made.
    pub fn put(&self, key: &str, known: &Key, writes: u64) {
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= MAX_ENTRIES {
                verified.clear();
            }
            verified.insert(
                digest(key),
                Cached {
                    key: known.clone(),
                    at: Instant::now(),
                    writes,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verified_key_is_trusted_until_a_write_or_the_time_is_up() {
        let cache = KeyCache::default();
        assert!(cache.get("k", 0).is_none());
        let known = Key {
            id: 1,
            name: "sync".into(),
            scope: crate::db::api_keys::Scope::Read,
        };
        cache.put("k", &known, 7);
        assert_eq!(cache.get("k", 7), Some(known));
        assert!(cache.get("k", 8).is_none(), "a write since: ask again");
        assert!(cache.get("other", 7).is_none());
        if let Ok(mut v) = cache.verified.lock() {
            for entry in v.values_mut() {
                entry.at = Instant::now() - TRUST_FOR;
            }
        }
        assert!(cache.get("k", 7).is_none(), "too old: ask again");
    }
}
