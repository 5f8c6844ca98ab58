//! The phonebook over LDAP: a read-only LDAPv3 server (RFC 4511) for DECT systems and desk
//! phones. The wire format is `ldap3_proto`'s; the tree and its filters are
//! [`crate::phonebook::ldap`], answered from the same once-per-change rendering the phonebook
//! files use, so a search costs no database read.
//!
//! What it serves: anonymous or simple binds (`ldap.bind_dn`), searches with every filter
//! but extensible match, base/one-level/subtree scopes, size limits, RFC 2696 paged results,
//! and the root DSE. Writes and extended operations are refused with the result codes
//! RFC 4511 gives for them. Every client is a stranger: messages are capped in size and in
//! the time they may take to arrive ([`wire`]), connections in number and idle time.

mod session;
pub mod wire;

pub use session::{Limits, Server};
