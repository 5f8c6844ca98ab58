//! LDAP: the book as a read-only directory tree, for DECT systems and desk phones that look
//! names up over LDAP (the network side is `crate::ldap`). Pure: a [`Directory`] is built once
//! per phonebook change and answers searches from memory.
//!
//! The tree is one organizational unit (the base DN, `ou=phonebook,dc=eventpbx` by default)
//! with one `inetOrgPerson` child per entry, named by its number: `uid=4711,<base>`. Names
//! are never part of a DN, so no name needs DN escaping; they travel as attribute values,
//! which LDAP carries as raw octets.
//!
//! Matching follows the attribute types' rules (RFC 4517): names, `uid` and `objectClass`
//! compare case-insensitively with insignificant outer spaces; `telephoneNumber` also
//! ignores inner spaces and hyphens (telephoneNumberMatch). Filters use the three-valued
//! logic of RFC 4511 §4.5.1.7: an attribute the directory does not have is Undefined, so
//! `(!(mobile=1*))` matches nothing while `(|(telephoneNumber=1*)(mobile=1*))` matches on
//! the number alone (Yealink's default number filter names `mobile` and `ipPhone`).

use ldap3_proto::proto::{LdapFilter, LdapSearchScope, LdapSubstringFilter};

use super::trigrams::{intersection, union, TrigramIndex};
use super::{EntryKind, Phonebook};
use crate::domain::dn::{first_value, fold as fold_dn};

/// The object classes of every person entry.
const PERSON_CLASSES: [&str; 4] = ["top", "person", "organizationalPerson", "inetOrgPerson"];

/// The control OID of RFC 2696 simple paged results, the one control the server honours.
pub const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";

/// How an attribute's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matching {
    /// caseIgnoreMatch: lower case, outer spaces dropped.
    CaseIgnore,
    /// telephoneNumberMatch: as case-ignore, and spaces and hyphens inside ignored too.
    Telephone,
}

impl Matching {
    fn fold(self, value: &str) -> String {
        let lower = value.trim().to_lowercase();
        match self {
            Matching::CaseIgnore => lower,
            Matching::Telephone => lower.chars().filter(|c| *c != ' ' && *c != '-').collect(),
        }
    }
}

/// The attribute types the directory knows, with their canonical spelling and matching.
const ATTRIBUTES: &[(&str, Matching)] = &[
    ("objectClass", Matching::CaseIgnore),
    ("ou", Matching::CaseIgnore),
    ("uid", Matching::CaseIgnore),
    ("cn", Matching::CaseIgnore),
    ("sn", Matching::CaseIgnore),
    ("displayName", Matching::CaseIgnore),
    ("telephoneNumber", Matching::Telephone),
    ("description", Matching::CaseIgnore),
    ("namingContexts", Matching::CaseIgnore),
    ("supportedLDAPVersion", Matching::CaseIgnore),
    ("supportedControl", Matching::CaseIgnore),
    ("vendorName", Matching::CaseIgnore),
];

/// The known attribute type for a name as a client spells it (case-insensitive; the
/// long names of `cn` and `sn` too).
fn attribute(name: &str) -> Option<(&'static str, Matching)> {
    let name = match name.to_ascii_lowercase().as_str() {
        "commonname" => "cn".to_string(),
        "surname" => "sn".to_string(),
        other => other.to_string(),
    };
    ATTRIBUTES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(&name))
        .copied()
}

/// One attribute of an entry: the values as served, and folded for matching.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Canonical name (`telephoneNumber`).
    pub name: &'static str,
    /// The values as they are sent.
    pub values: Vec<String>,
    folded: Vec<String>,
}

/// One entry of the tree.
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// Its DN as served.
    pub dn: String,
    dn_folded: String,
    /// Its attributes, in a fixed order.
    pub attributes: Vec<Attribute>,
}

impl DirEntry {
    fn new(dn: String, attributes: Vec<(&'static str, Vec<String>)>) -> DirEntry {
        let attributes = attributes
            .into_iter()
            .map(|(name, values)| {
                let matching = attribute(name).map_or(Matching::CaseIgnore, |(_, m)| m);
                Attribute {
                    name,
                    folded: values.iter().map(|v| matching.fold(v)).collect(),
                    values,
                }
            })
            .collect();
        DirEntry {
            dn_folded: fold_dn(&dn).unwrap_or_default(),
            dn,
            attributes,
        }
    }

    fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// Why a search has no answer, as an LDAP result code (RFC 4511 appendix A) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// 34: the base is not a DN.
    InvalidDn(String),
    /// 32: the base names no entry; `matched` is the longest existing part.
    NoSuchObject { matched: String },
    /// 53: a filter element the directory does not evaluate (extensible match).
    Unwilling(String),
}

/// Three-valued filter result (RFC 4511 §4.5.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Undefined,
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

/// The phonebook as an LDAP tree.
#[derive(Debug, Clone)]
pub struct Directory {
    base: DirEntry,
    root_dse: DirEntry,
    people: Vec<DirEntry>,
    /// The people's folded names (`cn`, `sn` and `displayName` hold the same one).
    names: TrigramIndex,
    /// The people's folded numbers.
    numbers: TrigramIndex,
}

/// Which entries a scope reaches before the filter looks at them.
enum Reach<'d> {
    /// These entries.
    Entries(Vec<&'d DirEntry>),
    /// Every person, after the base entry if `with_base`.
    People { with_base: bool },
}

impl Directory {
    /// Builds the tree under `base_dn` (already checked by the settings; an unparsable one
    /// simply matches no search base).
    pub fn new(book: &Phonebook, base_dn: &str) -> Directory {
        let ou = first_value(base_dn).unwrap_or_default().to_string();
        let base = DirEntry::new(
            base_dn.to_string(),
            vec![
                (
                    "objectClass",
                    vec!["top".into(), "organizationalUnit".into()],
                ),
                ("ou", vec![ou]),
            ],
        );
        let root_dse = DirEntry::new(
            String::new(),
            vec![
                ("objectClass", vec!["top".into()]),
                ("namingContexts", vec![base_dn.to_string()]),
                ("supportedLDAPVersion", vec!["3".into()]),
                ("supportedControl", vec![PAGED_RESULTS_OID.into()]),
                ("vendorName", vec!["eventpbx".into()]),
            ],
        );
        let mut uids: Vec<String> = Vec::with_capacity(book.len());
        let people: Vec<DirEntry> = book
            .entries()
            .iter()
            .map(|e| {
                // Two entries may share a number (a service entry naming a group, say):
                // each still needs its own DN.
                let mut uid = e.number.clone();
                let mut n = 1;
                while uids.contains(&uid) {
                    n += 1;
                    uid = format!("{}-{n}", e.number);
                }
                uids.push(uid.clone());
                let description = match e.kind {
                    EntryKind::Extension => "extension",
                    EntryKind::Group => "group",
                    EntryKind::Service => "service",
                };
                DirEntry::new(
                    format!("uid={uid},{base_dn}"),
                    vec![
                        (
                            "objectClass",
                            PERSON_CLASSES.iter().map(|c| c.to_string()).collect(),
                        ),
                        ("uid", vec![uid]),
                        ("cn", vec![e.name.clone()]),
                        ("sn", vec![e.name.clone()]),
                        ("displayName", vec![e.name.clone()]),
                        ("telephoneNumber", vec![e.number.clone()]),
                        ("description", vec![description.into()]),
                    ],
                )
            })
            .collect();
        let folded = |attr: &'static str| {
            people
                .iter()
                .map(|p: &DirEntry| {
                    p.attribute(attr)
                        .and_then(|a| a.folded.first())
                        .map_or("", String::as_str)
                })
                .collect::<Vec<&str>>()
        };
        let names = TrigramIndex::new(folded("cn").into_iter());
        let numbers = TrigramIndex::new(folded("telephoneNumber").into_iter());
        Directory {
            base,
            root_dse,
            people,
            names,
            numbers,
        }
    }

    /// The people a filter can be true for, as positions, when the indexes can tell (see
    /// [`TrigramIndex`]): a superset, never missing one. Nothing below a NOT is used, since
    /// the index says where a piece may be, not where it is not.
    fn candidates(&self, filter: &Compiled) -> Option<Vec<u32>> {
        let index = |attr: &str| match attr {
            "cn" | "sn" | "displayName" => Some(&self.names),
            "telephoneNumber" => Some(&self.numbers),
            _ => None,
        };
        match filter {
            // Undefined or false for everyone: no candidate.
            Compiled::Present(None)
            | Compiled::Compare { attr: None, .. }
            | Compiled::Substring { attr: None, .. } => Some(Vec::new()),
            Compiled::Compare {
                attr: Some(attr),
                want,
                order: Order::Equal,
            } => index(attr)?.candidates(want),
            Compiled::Substring {
                attr: Some(attr),
                parts,
            } => index(attr)?.candidates(parts.longest()?),
            Compiled::Or(parts) => {
                let mut all = Vec::new();
                for part in parts {
                    all = union(&all, &self.candidates(part)?);
                }
                Some(all)
            }
            Compiled::And(parts) => parts
                .iter()
                .filter_map(|p| self.candidates(p))
                .reduce(|a, b| intersection(&a, &b)),
            _ => None,
        }
    }

    /// Number of person entries.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// True when the book is empty.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The entries a search selects, in phonebook order (the base entry first).
    pub fn search(
        &self,
        base: &str,
        scope: &LdapSearchScope,
        filter: &LdapFilter,
    ) -> Result<Vec<&DirEntry>, SearchError> {
        check_filter(filter)?;
        let wanted = fold_dn(base).ok_or_else(|| SearchError::InvalidDn(base.to_string()))?;
        let reach = if wanted.is_empty() {
            // The root DSE answers only base searches (RFC 4512 §5.1); one-level and subtree
            // searches from the root reach the tree, as a client without a base expects.
            match scope {
                LdapSearchScope::Base => Reach::Entries(vec![&self.root_dse]),
                LdapSearchScope::OneLevel => Reach::Entries(vec![&self.base]),
                _ => Reach::People { with_base: true },
            }
        } else if wanted == self.base.dn_folded {
            match scope {
                LdapSearchScope::Base => Reach::Entries(vec![&self.base]),
                LdapSearchScope::OneLevel | LdapSearchScope::Children => {
                    Reach::People { with_base: false }
                }
                LdapSearchScope::Subtree => Reach::People { with_base: true },
            }
        } else if let Some(person) = self.people.iter().find(|p| p.dn_folded == wanted) {
            match scope {
                LdapSearchScope::Base | LdapSearchScope::Subtree => Reach::Entries(vec![person]),
                _ => Reach::Entries(Vec::new()),
            }
        } else if self.base.dn_folded.ends_with(&format!(",{wanted}")) {
            // A superior of the base (`dc=eventpbx`): phones set to the domain still find
            // the book below it. There is no entry for the superior itself.
            let immediate =
                self.base.dn_folded.matches(',').count() == wanted.matches(',').count() + 1;
            match scope {
                LdapSearchScope::Base => {
                    return Err(SearchError::NoSuchObject {
                        matched: String::new(),
                    })
                }
                LdapSearchScope::OneLevel if immediate => Reach::Entries(vec![&self.base]),
                LdapSearchScope::OneLevel => Reach::Entries(Vec::new()),
                _ => Reach::People { with_base: true },
            }
        } else {
            let matched = if wanted.ends_with(&format!(",{}", self.base.dn_folded)) {
                self.base.dn.clone()
            } else {
                String::new()
            };
            return Err(SearchError::NoSuchObject { matched });
        };
        let filter = Compiled::new(filter);
        let holds = |e: &&DirEntry| filter.evaluate(e) == Truth::True;
        Ok(match reach {
            Reach::Entries(entries) => entries.into_iter().filter(holds).collect(),
            Reach::People { with_base } => {
                let base = with_base.then_some(&self.base).into_iter();
                match self.candidates(&filter) {
                    Some(ids) => base
                        .chain(ids.iter().filter_map(|&i| self.people.get(i as usize)))
                        .filter(holds)
                        .collect(),
                    None => base.chain(self.people.iter()).filter(holds).collect(),
                }
            }
        })
    }
}

/// Refuses what the directory does not evaluate, before any entry is looked at.
fn check_filter(filter: &LdapFilter) -> Result<(), SearchError> {
    match filter {
        LdapFilter::And(parts) | LdapFilter::Or(parts) => parts.iter().try_for_each(check_filter),
        LdapFilter::Not(inner) => check_filter(inner),
        LdapFilter::Extensible(_) => Err(SearchError::Unwilling(
            "extensible match filters are not supported".into(),
        )),
        _ => Ok(()),
    }
}

/// How an ordering or equality assertion compares.
#[derive(Debug, Clone, Copy)]
enum Order {
    Equal,
    AtLeast,
    AtMost,
}

/// A filter with its attribute types looked up and its values folded, once per search
/// rather than once per entry. `None` as the attribute: one the directory does not have.
enum Compiled {
    And(Vec<Compiled>),
    Or(Vec<Compiled>),
    Not(Box<Compiled>),
    Present(Option<&'static str>),
    Compare {
        attr: Option<&'static str>,
        want: String,
        order: Order,
    },
    Substring {
        attr: Option<&'static str>,
        parts: FoldedSubstrings,
    },
}

impl Compiled {
    fn new(filter: &LdapFilter) -> Compiled {
        let compare = |name: &str, value: &str, order| {
            let found = attribute(name);
            Compiled::Compare {
                attr: found.map(|(n, _)| n),
                want: found.map_or_else(String::new, |(_, m)| m.fold(value)),
                order,
            }
        };
        match filter {
            LdapFilter::And(parts) => Compiled::And(parts.iter().map(Compiled::new).collect()),
            LdapFilter::Or(parts) => Compiled::Or(parts.iter().map(Compiled::new).collect()),
            LdapFilter::Not(inner) => Compiled::Not(Box::new(Compiled::new(inner))),
            LdapFilter::Present(name) => Compiled::Present(attribute(name).map(|(n, _)| n)),
            LdapFilter::Equality(name, value) | LdapFilter::Approx(name, value) => {
                compare(name, value, Order::Equal)
            }
            LdapFilter::GreaterOrEqual(name, value) => compare(name, value, Order::AtLeast),
            LdapFilter::LessOrEqual(name, value) => compare(name, value, Order::AtMost),
            LdapFilter::Substring(name, parts) => {
                let found = attribute(name);
                Compiled::Substring {
                    attr: found.map(|(n, _)| n),
                    parts: FoldedSubstrings::new(
                        parts,
                        found.map_or(Matching::CaseIgnore, |(_, m)| m),
                    ),
                }
            }
            // Refused by check_filter before a search compiles it.
            LdapFilter::Extensible(_) => Compiled::Or(Vec::new()),
        }
    }

    /// The filter's value for one entry.
    fn evaluate(&self, entry: &DirEntry) -> Truth {
        match self {
            Compiled::And(parts) => {
                let mut result = Truth::True;
                for part in parts {
                    match part.evaluate(entry) {
                        Truth::False => return Truth::False,
                        Truth::Undefined => result = Truth::Undefined,
                        Truth::True => {}
                    }
                }
                result
            }
            Compiled::Or(parts) => {
                let mut result = Truth::False;
                for part in parts {
                    match part.evaluate(entry) {
                        Truth::True => return Truth::True,
                        Truth::Undefined => result = Truth::Undefined,
                        Truth::False => {}
                    }
                }
                result
            }
            Compiled::Not(inner) => match inner.evaluate(entry) {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                Truth::Undefined => Truth::Undefined,
            },
            Compiled::Present(attr) => {
                Truth::from_bool(attr.is_some_and(|a| entry.attribute(a).is_some()))
            }
            Compiled::Compare { attr, want, order } => {
                let Some(attr) = attr else {
                    return Truth::Undefined;
                };
                let Some(values) = entry.attribute(attr) else {
                    return Truth::False;
                };
                Truth::from_bool(values.folded.iter().any(|have| match order {
                    Order::Equal => have == want,
                    Order::AtLeast => have >= want,
                    Order::AtMost => have <= want,
                }))
            }
            Compiled::Substring { attr, parts } => {
                let Some(attr) = attr else {
                    return Truth::Undefined;
                };
                let Some(values) = entry.attribute(attr) else {
                    return Truth::False;
                };
                Truth::from_bool(values.folded.iter().any(|v| parts.matches(v)))
            }
        }
    }
}

/// A substring assertion with its pieces folded like the attribute's values.
struct FoldedSubstrings {
    initial: Option<String>,
    any: Vec<String>,
    last: Option<String>,
}

impl FoldedSubstrings {
    fn new(parts: &LdapSubstringFilter, matching: Matching) -> Self {
        // Pieces are folded without trimming: a space inside `(cn=Al *)` is significant.
        let fold = |s: &String| match matching {
            Matching::CaseIgnore => s.to_lowercase(),
            Matching::Telephone => s
                .to_lowercase()
                .chars()
                .filter(|c| *c != ' ' && *c != '-')
                .collect(),
        };
        FoldedSubstrings {
            initial: parts.initial.as_ref().map(fold),
            any: parts.any.iter().map(fold).collect(),
            last: parts.final_.as_ref().map(fold),
        }
    }

    /// The longest piece, for the index (the most selective); `None` for `(cn=*)`.
    fn longest(&self) -> Option<&str> {
        self.initial
            .iter()
            .chain(self.any.iter())
            .chain(self.last.iter())
            .max_by_key(|p| p.len())
            .map(String::as_str)
    }

    /// True when the pieces occur in `value` in order, without overlapping.
    fn matches(&self, value: &str) -> bool {
        let mut rest = value;
        if let Some(initial) = &self.initial {
            match rest.strip_prefix(initial.as_str()) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        for piece in &self.any {
            match rest.find(piece.as_str()) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        match &self.last {
            Some(last) => rest.ends_with(last.as_str()),
            None => true,
        }
    }
}

/// The attributes of `entry` a search asked for (RFC 4511 §4.5.1.8): none listed or `*` means
/// all user attributes, `1.1` means none, others by name (case-insensitive; unknown ones are
/// left out). The root DSE's attributes are operational, so `+` asks for them too.
pub fn selected<'e>(entry: &'e DirEntry, requested: &[String]) -> Vec<&'e Attribute> {
    let all = requested.is_empty()
        || requested.iter().any(|a| a == "*")
        || (entry.dn.is_empty() && requested.iter().any(|a| a == "+"));
    entry
        .attributes
        .iter()
        .filter(|a| {
            all || requested
                .iter()
                .filter_map(|r| attribute(r))
                .any(|(name, _)| name == a.name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phonebook::Entry;
    use ldap3_proto::parse_ldap_filter_str;

    const BASE: &str = "ou=phonebook,dc=eventpbx";

    fn book() -> Directory {
        Directory::new(
            &Phonebook::new([
                Entry::extension("Alice Müller", "4711"),
                Entry::extension("alfred", "4712"),
                Entry::extension("Bob (*) \\ x", "4800"),
                Entry::group("Infodesk", "1100"),
                Entry::service("Help desk", "1000"),
                Entry::service("Help desk again", "1000"),
            ]),
            BASE,
        )
    }

    /// The numbers (sorted) a filter string selects in a subtree search from the base.
    fn numbers(dir: &Directory, filter: &str) -> Vec<String> {
        numbers_of(dir, &parse_ldap_filter_str(filter).unwrap())
    }

    fn numbers_of(dir: &Directory, filter: &LdapFilter) -> Vec<String> {
        let mut found: Vec<String> = dir
            .search(BASE, &LdapSearchScope::Subtree, filter)
            .unwrap()
            .into_iter()
            .filter_map(|e| e.attribute("telephoneNumber"))
            .map(|a| a.values[0].clone())
            .collect();
        found.sort();
        found
    }

    fn equality(attribute: &str, value: &str) -> LdapFilter {
        LdapFilter::Equality(attribute.into(), value.into())
    }

    #[test]
    fn names_match_case_insensitively_by_prefix_substring_and_equality() {
        let dir = book();
        assert_eq!(numbers(&dir, "(cn=al*)"), ["4711", "4712"]);
        assert_eq!(numbers(&dir, "(cn=*MÜLL*)"), ["4711"]);
        assert_eq!(numbers(&dir, "(sn=ALFRED)"), ["4712"]);
        assert_eq!(numbers(&dir, "(displayName=*desk)"), ["1000", "1100"]);
        assert_eq!(
            numbers(&dir, "(displayName=*desk*)"),
            ["1000", "1000", "1100"]
        );
        assert_eq!(numbers(&dir, "(cn=a*m*r)"), ["4711"]);
        assert_eq!(numbers(&dir, "(cn=a*r*m)"), Vec::<String>::new());
    }

    #[test]
    fn numbers_ignore_spaces_and_hyphens() {
        let dir = book();
        // (The filter-string parser of the test refuses spaces; phones send BER, not strings.)
        assert_eq!(
            numbers_of(&dir, &equality("telephoneNumber", "47 11")),
            ["4711"]
        );
        assert_eq!(numbers(&dir, "(telephoneNumber=4-7*)"), ["4711", "4712"]);
    }

    #[test]
    fn and_or_not_and_presence_follow_three_valued_logic() {
        let dir = book();
        // Yealink's default number filter: mobile and ipPhone are unknown, the number decides.
        assert_eq!(
            numbers(&dir, "(|(telephoneNumber=47*)(mobile=47*)(ipPhone=47*))"),
            ["4711", "4712"]
        );
        // An unknown attribute under NOT stays Undefined: nothing matches.
        assert!(numbers(&dir, "(!(mobile=1*))").is_empty());
        assert_eq!(numbers(&dir, "(&(telephoneNumber=*)(cn=bob*))"), ["4800"]);
        assert_eq!(
            numbers(
                &dir,
                "(&(objectClass=inetOrgPerson)(!(cn=a*))(description=group))"
            ),
            ["1100"]
        );
        assert!(numbers(&dir, "(mobile=*)").is_empty());
    }

    #[test]
    fn hostile_names_are_values_not_syntax() {
        let dir = book();
        // A filter carries them as octets; the value matches as it is.
        assert_eq!(numbers_of(&dir, &equality("cn", "bob (*) \\ x")), ["4800"]);
        let substring = LdapFilter::Substring(
            "cn".into(),
            LdapSubstringFilter {
                initial: Some("BOB".into()),
                any: vec!["(*)".into(), "\\".into()],
                final_: None,
            },
        );
        assert_eq!(numbers_of(&dir, &substring), ["4800"]);
        let found = dir
            .search(
                BASE,
                &LdapSearchScope::Subtree,
                &parse_ldap_filter_str("(telephoneNumber=4800)").unwrap(),
            )
            .unwrap();
        assert_eq!(found[0].attribute("cn").unwrap().values, ["Bob (*) \\ x"]);
        assert_eq!(found[0].dn, format!("uid=4800,{BASE}"));
    }

    #[test]
    fn shared_numbers_get_distinct_dns() {
        let dir = book();
        let all = dir
            .search(
                BASE,
                &LdapSearchScope::OneLevel,
                &parse_ldap_filter_str("(telephoneNumber=1000)").unwrap(),
            )
            .unwrap();
        let dns: Vec<&str> = all.iter().map(|e| e.dn.as_str()).collect();
        assert_eq!(
            dns,
            [format!("uid=1000,{BASE}"), format!("uid=1000-2,{BASE}")]
        );
    }

    #[test]
    fn scopes_base_one_level_and_subtree() {
        let dir = book();
        let any = parse_ldap_filter_str("(objectClass=*)").unwrap();
        let count = |base: &str, scope| dir.search(base, &scope, &any).map(|v| v.len());
        assert_eq!(count(BASE, LdapSearchScope::Base), Ok(1));
        assert_eq!(count(BASE, LdapSearchScope::OneLevel), Ok(6));
        assert_eq!(count(BASE, LdapSearchScope::Subtree), Ok(7));
        // DNs compare case-insensitively, spaces around the separators ignored.
        assert_eq!(
            count("OU=Phonebook, DC=EventPBX", LdapSearchScope::Base),
            Ok(1)
        );
        let person = format!("uid=4711,{BASE}");
        assert_eq!(count(&person, LdapSearchScope::Base), Ok(1));
        assert_eq!(count(&person, LdapSearchScope::OneLevel), Ok(0));
        // From the domain above the base: the book, but no entry for the domain itself.
        assert_eq!(count("dc=eventpbx", LdapSearchScope::Subtree), Ok(7));
        assert_eq!(count("dc=eventpbx", LdapSearchScope::OneLevel), Ok(1));
        assert_eq!(
            count("dc=eventpbx", LdapSearchScope::Base),
            Err(SearchError::NoSuchObject {
                matched: String::new()
            })
        );
    }

    #[test]
    fn unknown_and_malformed_bases_are_errors() {
        let dir = book();
        let any = parse_ldap_filter_str("(objectClass=*)").unwrap();
        assert_eq!(
            dir.search(&format!("uid=9999,{BASE}"), &LdapSearchScope::Base, &any)
                .map(|v| v.len()),
            Err(SearchError::NoSuchObject {
                matched: BASE.to_string()
            })
        );
        assert_eq!(
            dir.search("dc=example,dc=org", &LdapSearchScope::Subtree, &any)
                .map(|v| v.len()),
            Err(SearchError::NoSuchObject {
                matched: String::new()
            })
        );
        assert!(matches!(
            dir.search("not a dn", &LdapSearchScope::Subtree, &any),
            Err(SearchError::InvalidDn(_))
        ));
        let extensible = parse_ldap_filter_str("(cn:caseExactMatch:=Alice)").unwrap();
        assert!(matches!(
            dir.search(BASE, &LdapSearchScope::Subtree, &extensible),
            Err(SearchError::Unwilling(_))
        ));
    }

    #[test]
    fn the_root_dse_names_the_base_and_the_paging_control() {
        let dir = book();
        let any = parse_ldap_filter_str("(objectClass=*)").unwrap();
        let root = dir.search("", &LdapSearchScope::Base, &any).unwrap();
        assert_eq!(root.len(), 1);
        assert_eq!(root[0].dn, "");
        assert_eq!(root[0].attribute("namingContexts").unwrap().values, [BASE]);
        assert_eq!(
            root[0].attribute("supportedControl").unwrap().values,
            [PAGED_RESULTS_OID]
        );
    }

    #[test]
    fn attribute_selection() {
        let dir = book();
        let any = parse_ldap_filter_str("(uid=4711)").unwrap();
        let entry = dir.search(BASE, &LdapSearchScope::Subtree, &any).unwrap()[0];
        let names = |req: &[&str]| -> Vec<&str> {
            let req: Vec<String> = req.iter().map(|s| s.to_string()).collect();
            selected(entry, &req).iter().map(|a| a.name).collect()
        };
        assert_eq!(names(&[]).len(), 7);
        assert_eq!(names(&["*"]).len(), 7);
        assert!(names(&["1.1"]).is_empty());
        assert_eq!(
            names(&["TELEPHONENUMBER", "commonName", "mobile"]),
            ["cn", "telephoneNumber"]
        );
    }

    #[test]
    fn the_index_never_changes_an_answer() {
        let names = [
            "Person 123",
            "Person 1234",
            "Alice Müller",
            "alfred",
            "Bob (*) \\ x",
            "Info-Desk",
            "ÄÖÜ äöü",
            "Person 23",
            "x",
            "",
        ];
        let dir = Directory::new(
            &Phonebook::new(
                names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| Entry::extension(*n, format!("47{i:02}"))),
            ),
            BASE,
        );
        let filters = [
            "(cn=*123*)",
            "(cn=*23*)",
            "(cn=person*)",
            "(sn=*müll*)",
            "(cn=*desk)",
            "(|(cn=*rson*)(sn=*ice*))",
            "(&(cn=*son*)(telephoneNumber=*470*))",
            "(&(cn=*son*)(!(cn=*1234*)))",
            "(|(cn=*xyz*)(mobile=*123*))",
            "(cn=alfred)",
            "(telephoneNumber=*4703*)",
            "(|(cn=*abc*)(objectClass=*))",
            "(&(mobile=*1*)(cn=*son*))",
            "(cn=*)",
            "(displayName=*äöü*)",
        ];
        for text in filters {
            let filter = parse_ldap_filter_str(text).unwrap();
            let compiled = Compiled::new(&filter);
            let brute: Vec<&str> = std::iter::once(&dir.base)
                .chain(dir.people.iter())
                .filter(|e| compiled.evaluate(e) == Truth::True)
                .map(|e| e.dn.as_str())
                .collect();
            let indexed: Vec<&str> = dir
                .search(BASE, &LdapSearchScope::Subtree, &filter)
                .unwrap()
                .into_iter()
                .map(|e| e.dn.as_str())
                .collect();
            assert_eq!(indexed, brute, "{text}");
        }
        // And it does narrow: a three-character piece reaches only its holders.
        let narrow = dir.candidates(&Compiled::new(
            &parse_ldap_filter_str("(cn=*123*)").unwrap(),
        ));
        assert_eq!(narrow.map(|c| c.len()), Some(2));
    }
}
