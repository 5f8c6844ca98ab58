//! LDAP messages on the wire: `ldap3_proto`'s codec behind a guard that looks at each
//! message's BER header first. The codec alone waits for as many bytes as a header
//! announces, so a client claiming a 2 GiB message would hold its connection until the idle
//! timeout; the guard refuses such a header as soon as it has arrived, and remembers since
//! when a message has been incomplete so the session can give up on a slow sender.

use std::io;
use std::time::Instant;

use ldap3_proto::{LdapCodec, LdapMsg};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

/// The largest message a client may send. Phones send filters of a few hundred bytes.
pub const MAX_MESSAGE: usize = 16 * 1024;

/// The BER tag of an LDAPMessage: a constructed SEQUENCE.
const SEQUENCE: u8 = 0x30;

/// What the guard thinks of the bytes so far.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    /// Not enough bytes to know the length yet.
    Incomplete,
    /// The whole message will be this many bytes, header included.
    Total(usize),
}

/// Reads the tag and length of the message at the start of `buf` (X.690 §8.1.3: short form
/// below 0x80, long form 0x81..=0x84 here; the indefinite form is not allowed in LDAP).
fn header(buf: &[u8]) -> io::Result<Header> {
    let Some(&tag) = buf.first() else {
        return Ok(Header::Incomplete);
    };
    if tag != SEQUENCE {
        return Err(invalid(format!("not an LDAP message (tag {tag:#04x})")));
    }
    let Some(&first) = buf.get(1) else {
        return Ok(Header::Incomplete);
    };
    if first < 0x80 {
        return Ok(Header::Total(2 + usize::from(first)));
    }
    let octets = usize::from(first & 0x7f);
    if octets == 0 || octets > 4 {
        return Err(invalid(format!("length form {first:#04x} is not allowed")));
    }
    let Some(bytes) = buf.get(2..2 + octets) else {
        return Ok(Header::Incomplete);
    };
    let length = bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
    Ok(Header::Total(2 + octets + length))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The guarded codec.
pub struct GuardedCodec {
    inner: LdapCodec,
    /// When the first byte of the message now incomplete arrived.
    partial_since: Option<Instant>,
}

impl Default for GuardedCodec {
    fn default() -> Self {
        GuardedCodec {
            inner: LdapCodec::new(Some(MAX_MESSAGE), None),
            partial_since: None,
        }
    }
}

impl GuardedCodec {
    /// Since when a message has been arriving, if one is incomplete.
    pub fn partial_since(&self) -> Option<Instant> {
        self.partial_since
    }
}

impl Decoder for GuardedCodec {
    type Item = LdapMsg;
    type Error = io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> io::Result<Option<LdapMsg>> {
        match header(buf)? {
            Header::Total(total) if total > MAX_MESSAGE => {
                return Err(invalid(format!(
                    "a message of {total} bytes is larger than {MAX_MESSAGE}"
                )))
            }
            Header::Total(total) if buf.len() >= total => {}
            _ => {
                if buf.is_empty() {
                    self.partial_since = None;
                } else if self.partial_since.is_none() {
                    self.partial_since = Some(Instant::now());
                }
                return Ok(None);
            }
        }
        let message = self.inner.decode(buf)?;
        self.partial_since = if buf.is_empty() {
            None
        } else {
            Some(Instant::now())
        };
        match message {
            Some(m) => Ok(Some(m)),
            // The header said the message is complete; a codec still wanting bytes means the
            // inner lengths disagree with the outer one.
            None => Err(invalid("the message's inner lengths exceed its own".into())),
        }
    }
}

impl Encoder<LdapMsg> for GuardedCodec {
    type Error = io::Error;

    fn encode(&mut self, msg: LdapMsg, buf: &mut BytesMut) -> io::Result<()> {
        self.inner.encode(msg, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::proto::LdapOp;

    fn encoded(msg: LdapMsg) -> BytesMut {
        let mut buf = BytesMut::new();
        GuardedCodec::default().encode(msg, &mut buf).unwrap();
        buf
    }

    #[test]
    fn a_whole_message_decodes_and_a_partial_one_waits() {
        let whole = encoded(LdapMsg::new(7, LdapOp::UnbindRequest));
        let mut codec = GuardedCodec::default();
        let mut buf = BytesMut::from(&whole[..whole.len() - 1]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert!(codec.partial_since().is_some());
        buf.extend_from_slice(&whole[whole.len() - 1..]);
        let msg = codec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(msg.msgid, 7);
        assert!(codec.partial_since().is_none());
    }

    #[test]
    fn a_huge_announced_length_is_refused_from_the_header_alone() {
        let mut codec = GuardedCodec::default();
        // SEQUENCE, length in 4 octets: 2^31.
        let mut buf = BytesMut::from(&[0x30, 0x84, 0x80, 0x00, 0x00, 0x00][..]);
        let err = codec.decode(&mut buf).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn other_tags_and_length_forms_are_refused() {
        for bytes in [
            &[0x04, 0x01, 0x00][..],
            &[0x30, 0x80],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
        ] {
            let mut buf = BytesMut::from(bytes);
            assert!(
                GuardedCodec::default().decode(&mut buf).is_err(),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn garbage_inside_a_well_framed_message_is_an_error() {
        let mut buf = BytesMut::from(&[0x30, 0x03, 0xff, 0xff, 0xff][..]);
        assert!(GuardedCodec::default().decode(&mut buf).is_err());
    }
}
