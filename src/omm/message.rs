//! AXI messages as the OMM sends them: one XML element per message, NUL-terminated on the
//! wire, attributes carrying the values and child elements the records (`<pp .../>`,
//! `<user .../>`). Everything here treats the OMM's bytes as untrusted: a message is parsed
//! whole or refused whole with an error naming why, and nothing is acted on before that.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The longest message accepted. A page of 20 `pp` or `user` records is a few kilobytes;
/// anything near this is not an answer we asked for, and a peer that never sends the NUL
/// must not make us buffer without end.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// How deep elements nest. AXI uses a root and one level of records (the public key, `pp`,
/// `user`, `e`); a little room stays for records we do not read.
const MAX_DEPTH: usize = 4;

/// Why a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// More than [`MAX_MESSAGE_BYTES`] without a terminating NUL.
    #[error("message longer than {MAX_MESSAGE_BYTES} bytes")]
    TooLong,
    /// Not UTF-8.
    #[error("message is not UTF-8")]
    NotUtf8,
    /// Not well-formed XML (or more or less than one root element).
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// Nesting deeper than AXI uses.
    #[error("elements nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// A DOCTYPE: AXI never sends one, and entity declarations are a classic attack.
    #[error("DOCTYPE not allowed")]
    Doctype,
    /// A value holds a control character (NUL included, however it was encoded): it would
    /// break the framing when sent back, and no AXI value has one.
    #[error("control character in attribute {0}")]
    ControlCharacter(String),
    /// A value we were about to send holds something that cannot go on the wire.
    #[error("cannot send attribute {0}: it holds a control character")]
    Unsendable(String),
}

/// One element: its name, its attributes in order, and its child elements (text is ignored;
/// AXI carries nothing in text that this client reads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The element name, e.g. `GetPPDevResp`.
    pub name: String,
    attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// An element without attributes or children.
    pub fn new(name: impl Into<String>) -> Element {
        Element {
            name: name.into(),
            ..Element::default()
        }
    }

    /// Adds (or replaces) an attribute.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Element {
        self.set(key, value);
        self
    }

    /// Adds a child element.
    pub fn with_child(mut self, child: Element) -> Element {
        self.children.push(child);
        self
    }

    /// Sets an attribute, replacing one of the same name.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attributes.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attributes.push((key.to_string(), value)),
        }
    }

    /// An attribute's (unescaped) value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All attributes in order.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first child of that name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The children of that name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element as one line of XML, without declaration or whitespace between elements
    /// (mitel-ommclient2 reads whitespace as a child and fails on it).
    pub fn to_xml(&self) -> Result<String, MessageError> {
        let mut out = String::new();
        self.write_into(&mut out)?;
        Ok(out)
    }

    fn write_into(&self, out: &mut String) -> Result<(), MessageError> {
        out.push('<');
        out.push_str(&self.name);
        for (key, value) in &self.attributes {
            if value.chars().any(char::is_control) {
                return Err(MessageError::Unsendable(key.clone()));
            }
            out.push(' ');
            out.push_str(key);
            out.push_str("=\"");
            out.push_str(&quick_xml::escape::escape(value.as_str()));
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return Ok(());
        }
        out.push('>');
        for child in &self.children {
            child.write_into(out)?;
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
        Ok(())
    }
}

/// Parses one message (the bytes between two NULs).
pub fn parse(bytes: &[u8]) -> Result<Element, MessageError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(MessageError::TooLong);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| MessageError::NotUtf8)?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| MessageError::Malformed(e.to_string()))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(malformed("a second root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(MessageError::TooDeep);
                }
                stack.push(element_of(&start)?);
            }
            Event::Empty(start) => {
                if root.is_some() {
                    return Err(malformed("a second root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(MessageError::TooDeep);
                }
                let element = element_of(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(malformed("a closing tag without an opening one"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                // Whitespace between elements is harmless; anything else outside the root
                // means this is not one AXI message.
                if stack.is_empty() && !t.iter().all(u8::is_ascii_whitespace) {
                    return Err(malformed("text outside the root element"));
                }
            }
            Event::DocType(_) => return Err(MessageError::Doctype),
            Event::Eof => break,
            // Declarations, comments, CDATA and processing instructions carry nothing we read.
            Event::Decl(_) | Event::Comment(_) | Event::CData(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(malformed("unclosed element"));
    }
    root.ok_or_else(|| malformed("no element"))
}

fn malformed(what: &str) -> MessageError {
    MessageError::Malformed(what.to_string())
}

fn element_of(start: &BytesStart<'_>) -> Result<Element, MessageError> {
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|_| MessageError::NotUtf8)?
        .to_string();
    let mut element = Element::new(name);
    // The attribute iterator refuses duplicates and unquoted values (its checks are on).
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| MessageError::Malformed(e.to_string()))?;
        let key = std::str::from_utf8(attribute.key.as_ref())
            .map_err(|_| MessageError::NotUtf8)?
            .to_string();
        let value: Cow<'_, str> = attribute
            .unescape_value()
            .map_err(|e| MessageError::Malformed(e.to_string()))?;
        // `&#0;` or a raw control byte: refused however it arrived (tab, CR and LF are
        // whitespace XML allows, but no AXI value we read has one either).
        if value.chars().any(char::is_control) {
            return Err(MessageError::ControlCharacter(key));
        }
        element.attributes.push((key, value.into_owned()));
    }
    Ok(element)
}

/// Splits the byte stream into NUL-terminated messages.
#[derive(Debug, Default)]
pub struct Framer {
    buffer: Vec<u8>,
    /// How far `buffer` is known to hold no NUL, so each byte is scanned once.
    scanned: usize,
}

impl Framer {
    /// Appends bytes as they arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete message, if one is buffered. [`MessageError::TooLong`] when more
    /// than [`MAX_MESSAGE_BYTES`] arrived without a NUL: the stream cannot be trusted to
    /// resynchronise, so the caller drops the connection.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, MessageError> {
        match self.buffer[self.scanned..].iter().position(|b| *b == 0) {
            Some(at) => {
                let end = self.scanned + at;
                let message: Vec<u8> = self.buffer[..end].to_vec();
                self.buffer.drain(..=end);
                self.scanned = 0;
                if message.len() > MAX_MESSAGE_BYTES {
                    return Err(MessageError::TooLong);
                }
                Ok(Some(message))
            }
            None => {
                self.scanned = self.buffer.len();
                if self.buffer.len() > MAX_MESSAGE_BYTES {
                    return Err(MessageError::TooLong);
                }
                Ok(None)
            }
        }
    }
}

/// One message ready for the wire: its XML and the terminating NUL.
pub fn frame(element: &Element) -> Result<Vec<u8>, MessageError> {
    let mut bytes = element.to_xml()?.into_bytes();
    bytes.push(0);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_response_with_records() {
        let m = parse(br#"<GetPPDevResp seq="7"><pp ppn="1" ipei="03103 0024641 3" relType="Unbound"/><pp ppn="2" relType="Dynamic" uid="5"/></GetPPDevResp>"#).unwrap();
        assert_eq!(m.name, "GetPPDevResp");
        assert_eq!(m.get("seq"), Some("7"));
        let pps: Vec<_> = m.children_named("pp").collect();
        assert_eq!(pps.len(), 2);
        assert_eq!(pps[0].get("ipei"), Some("03103 0024641 3"));
        assert_eq!(pps[1].get("uid"), Some("5"));
    }

    #[test]
    fn whitespace_and_declaration_are_tolerated() {
        let m =
            parse(b"<?xml version=\"1.0\"?>\n<PingResp seq=\"1\">\n  <x a=\"1\"/>\n</PingResp>\n")
                .unwrap();
        assert_eq!(m.name, "PingResp");
        assert_eq!(m.children.len(), 1);
    }

    #[test]
    fn escaping_round_trips_every_special_character() {
        let hostile = r#"A&B <c> "d" 'e' &amp; ü 📞"#;
        let sent = Element::new("SetPPUser").with_child(Element::new("user").with("name", hostile));
        let xml = sent.to_xml().unwrap();
        assert!(!xml.contains("<c>"), "{xml}");
        let back = parse(xml.as_bytes()).unwrap();
        assert_eq!(back.child("user").unwrap().get("name"), Some(hostile));
        assert_eq!(back, sent);
    }

    #[test]
    fn no_whitespace_between_elements_on_the_wire() {
        let xml = Element::new("SetPP")
            .with_child(Element::new("pp").with("ppn", "1"))
            .with_child(Element::new("user").with("uid", "2"))
            .to_xml()
            .unwrap();
        assert_eq!(xml, r#"<SetPP><pp ppn="1"/><user uid="2"/></SetPP>"#);
    }

    #[test]
    fn malformed_xml_is_refused() {
        for bad in [
            &b"<Open"[..],
            b"<a></b>",
            b"<a>",
            b"</a>",
            b"",
            b"   ",
            b"<a/><b/>",
            b"<a/>junk",
            b"<a x=1/>",
            b"<a x=\"1\" x=\"2\"/>",
            b"<a x=\"&bogus;\"/>",
        ] {
            let r = parse(bad);
            assert!(
                matches!(r, Err(MessageError::Malformed(_))),
                "{:?}: {r:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn doctype_and_entities_are_refused() {
        let r = parse(b"<!DOCTYPE a [<!ENTITY x \"boom\">]><a v=\"&x;\"/>");
        assert_eq!(r, Err(MessageError::Doctype));
    }

    #[test]
    fn nul_and_control_characters_in_values_are_refused() {
        for bad in [
            &b"<a v=\"x&#0;y\"/>"[..],
            b"<a v=\"x&#x1b;y\"/>",
            b"<a v=\"x\x07y\"/>",
            b"<a v=\"\x00\"/>",
        ] {
            let r = parse(bad);
            assert!(
                matches!(r, Err(MessageError::ControlCharacter(ref k)) if k == "v")
                    || matches!(r, Err(MessageError::Malformed(_))),
                "{:?}: {r:?}",
                String::from_utf8_lossy(bad)
            );
            assert!(r.is_err());
        }
        // quick-xml refuses `&#0;` itself; other control characters are ours to refuse.
        assert!(matches!(
            parse(b"<a v=\"x&#0;y\"/>"),
            Err(MessageError::Malformed(_))
        ));
        let r = parse(b"<a v=\"x&#x1b;y\"/>");
        assert_eq!(r, Err(MessageError::ControlCharacter("v".into())));
    }

    #[test]
    fn values_that_would_break_the_framing_are_not_sent() {
        let r = Element::new("SetPPUser").with("name", "a\0b").to_xml();
        assert_eq!(r, Err(MessageError::Unsendable("name".into())));
        assert!(frame(&Element::new("x").with("n", "line\nbreak")).is_err());
    }

    #[test]
    fn non_utf8_is_refused() {
        assert_eq!(parse(b"<a v=\"\xff\"/>"), Err(MessageError::NotUtf8));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = "<a>".repeat(10) + &"</a>".repeat(10);
        assert_eq!(parse(deep.as_bytes()), Err(MessageError::TooDeep));
    }

    #[test]
    fn framer_splits_at_nul_across_reads() {
        let mut f = Framer::default();
        f.push(b"<PingResp seq=\"1\"/>\0<Ping");
        assert_eq!(f.next_message().unwrap().unwrap(), b"<PingResp seq=\"1\"/>");
        assert_eq!(f.next_message().unwrap(), None);
        f.push(b"Resp seq=\"2\"/>\0\0");
        assert_eq!(f.next_message().unwrap().unwrap(), b"<PingResp seq=\"2\"/>");
        // An empty message between two NULs is handed on; parsing refuses it.
        assert_eq!(f.next_message().unwrap().unwrap(), b"");
        assert_eq!(f.next_message().unwrap(), None);
    }

    #[test]
    fn framer_caps_a_message_without_nul() {
        let mut f = Framer::default();
        let chunk = vec![b'a'; 64 * 1024];
        let mut refused = false;
        for _ in 0..8 {
            f.push(&chunk);
            if f.next_message() == Err(MessageError::TooLong) {
                refused = true;
                break;
            }
        }
        assert!(
            refused,
            "a stream with no NUL must be refused once past the cap"
        );
        let mut g = Framer::default();
        let mut long = vec![b'a'; MAX_MESSAGE_BYTES + 1];
        long.push(0);
        g.push(&long);
        assert_eq!(g.next_message(), Err(MessageError::TooLong));
        assert_eq!(
            parse(&long[..MAX_MESSAGE_BYTES + 1]),
            Err(MessageError::TooLong)
        );
    }
}
