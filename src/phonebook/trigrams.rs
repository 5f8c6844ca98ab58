//! A trigram index over folded strings: which of them may contain a piece of text. A string
//! that contains a piece contains every three-byte window of it, so the strings holding all
//! of a piece's trigrams are a superset of those holding the piece; the caller still checks
//! each. Used by the LDAP tree ([`super::ldap`]) so a substring search of three characters
//! or more looks at a handful of entries instead of all.

use std::collections::HashMap;

/// Positions (in the order given) of the strings holding each trigram.
#[derive(Debug, Clone, Default)]
pub struct TrigramIndex {
    postings: HashMap<[u8; 3], Vec<u32>>,
}

impl TrigramIndex {
    /// Indexes the strings; the position of each is its place in `values`.
    pub fn new<'a>(values: impl Iterator<Item = &'a str>) -> TrigramIndex {
        let mut postings: HashMap<[u8; 3], Vec<u32>> = HashMap::new();
        for (i, value) in values.enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            for w in value.as_bytes().windows(3) {
                let list = postings.entry([w[0], w[1], w[2]]).or_default();
                // Positions arrive in order: one push per string and trigram.
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        TrigramIndex { postings }
    }

    /// The positions of the strings that may contain `piece`, ascending; `None` when the
    /// piece is too short to say (shorter than three bytes).
    pub fn candidates(&self, piece: &str) -> Option<Vec<u32>> {
        let bytes = piece.as_bytes();
        if bytes.len() < 3 {
            return None;
        }
        let mut lists: Vec<&[u32]> = Vec::new();
        for w in bytes.windows(3) {
            match self.postings.get(&[w[0], w[1], w[2]]) {
                Some(list) => lists.push(list),
                None => return Some(Vec::new()),
            }
        }
        lists.sort_by_key(|l| l.len());
        let mut result = lists[0].to_vec();
        for list in &lists[1..] {
            result.retain(|i| list.binary_search(i).is_ok());
            if result.is_empty() {
                break;
            }
        }
        Some(result)
    }
}

/// Ascending positions in either list.
pub fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Ascending positions in both lists.
pub fn intersection(a: &[u32], b: &[u32]) -> Vec<u32> {
    a.iter()
        .copied()
        .filter(|i| b.binary_search(i).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_a_superset_and_short_pieces_say_nothing() {
        let values = ["person 123", "person 231", "alice müller", "bob"];
        let index = TrigramIndex::new(values.iter().copied());
        assert_eq!(index.candidates("123"), Some(vec![0]));
        assert_eq!(index.candidates("rson"), Some(vec![0, 1]));
        assert_eq!(index.candidates("müll"), Some(vec![2]));
        assert_eq!(index.candidates("xyz"), Some(vec![]));
        assert_eq!(index.candidates("bo"), None);
        // Every value that contains the piece is among the candidates.
        for piece in ["per", "son 2", "ice m", "bob", "n 1"] {
            let got = index.candidates(piece).unwrap();
            for (i, v) in values.iter().enumerate() {
                if v.contains(piece) {
                    assert!(got.contains(&(i as u32)), "{piece} in {v}");
                }
            }
        }
    }

    #[test]
    fn union_and_intersection_keep_order() {
        assert_eq!(union(&[1, 3, 5], &[2, 3, 6]), [1, 2, 3, 5, 6]);
        assert_eq!(intersection(&[1, 3, 5], &[2, 3, 5]), [3, 5]);
    }
}
