//! A fake Mitel OMM speaking AXI as Mitel's document and the independent clients describe it
//! (mitel-ommclient2 0.0.1 and Eventphone's mitel-api): NUL-terminated XML messages, `seq`
//! echoed in each response, `errCode` on failure (`EAuth`, `ENoEnt`, `EInval`), records as
//! child elements without whitespace between them and only attributes mitel-ommclient2 knows
//! (it refuses others), the public key in `OpenResp` (mitel-api) and in `GetPublicKeyResp`
//! (mitel-ommclient2), events after `Subscribe`. It parses with roxmltree and writes by hand,
//! so it shares no code with eventpbx's client; `sipPw` is decrypted with the fake's private
//! key, so a wrongly encrypted password shows as `EInval`.
//!
//! It serves plain TCP ([`FakeOmm::start`]) or TLS capped at 1.2 with a self-signed certificate
//! made at start ([`FakeOmm::start_tls`]), as a real OMM is said to. Shared by the integration
//! tests, the e2e tests and the benchmark's load program (`examples/omm_load.rs`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::Engine as _;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_native_tls::native_tls;

pub const USER: &str = "omm-sync";
pub const PASSWORD: &str = "fake-omm-password";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub ppn: u32,
    pub ipei: String,
    pub rel_type: String,
    pub uid: u32,
    /// When the handset subscribed (its event went out).
    pub subscribed_at: Instant,
    /// When it was first tied to a user that has a SIP password: from then on the handset
    /// is logged in at the SIP server.
    pub logged_in_at: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    pub uid: u32,
    pub num: String,
    pub name: String,
    pub sip_auth_id: String,
    /// Decrypted.
    pub sip_password: Option<String>,
    pub ppn: u32,
    pub rel_type: String,
}

#[derive(Default)]
struct State {
    devices: BTreeMap<u32, Device>,
    users: BTreeMap<u32, User>,
    next_ppn: u32,
    next_uid: u32,
    subscribers: Vec<mpsc::UnboundedSender<String>>,
    mode: String,
    mode_timeout: Option<String>,
    requests: Vec<String>,
}

#[derive(Clone)]
pub struct FakeOmm {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    key: Arc<RsaPrivateKey>,
}

impl FakeOmm {
    /// Plain TCP on a free loopback port.
    pub async fn start() -> FakeOmm {
        FakeOmm::start_on("127.0.0.1:0", false).await
    }

    /// TLS (at most 1.2, self-signed certificate for `localhost`) on a free loopback port.
    pub async fn start_tls() -> FakeOmm {
        FakeOmm::start_on("127.0.0.1:0", true).await
    }

    /// On that address, plain or TLS.
    pub async fn start_on(addr: &str, tls: bool) -> FakeOmm {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tls.then(|| Arc::new(tls_acceptor()));
        let key = Arc::new(RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap());
        let state = Arc::new(Mutex::new(State {
            next_ppn: 1,
            next_uid: 1,
            mode: "Configured".into(),
            ..State::default()
        }));
        let fake = FakeOmm { addr, state, key };
        let server = fake.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = server.clone();
                match acceptor.clone() {
                    None => drop(tokio::spawn(server.serve(stream))),
                    Some(acceptor) => drop(tokio::spawn(async move {
                        // A client that refuses the certificate ends the handshake.
                        if let Ok(stream) = acceptor.accept(stream).await {
                            server.serve(stream).await;
                        }
                    })),
                }
            }
        });
        fake
    }

    /// A handset subscribes: a device record with no user, as the OMM's auto-create makes
    /// it, and `EventPPDevCnf` to every subscriber.
    pub fn subscribe_handset(&self, ipei: &str) -> u32 {
        let mut s = self.state.lock().unwrap();
        let ppn = s.next_ppn;
        s.next_ppn += 1;
        s.devices.insert(
            ppn,
            Device {
                ppn,
                ipei: ipei.to_string(),
                rel_type: "Unbound".into(),
                uid: 0,
                subscribed_at: Instant::now(),
                logged_in_at: None,
            },
        );
        let event = format!(
            r#"<EventPPDevCnf><pp ppn="{ppn}" relType="Unbound" ipei="{}" autoCreate="true"/></EventPPDevCnf>"#,
            esc(ipei)
        );
        s.subscribers.retain(|tx| tx.send(event.clone()).is_ok());
        ppn
    }

    /// A handset subscribes while nobody listens (no event): only the reconcile finds it.
    pub fn subscribe_handset_quietly(&self, ipei: &str) -> u32 {
        let subscribers = std::mem::take(&mut self.state.lock().unwrap().subscribers);
        let ppn = self.subscribe_handset(ipei);
        self.state.lock().unwrap().subscribers = subscribers;
        ppn
    }

    pub fn users(&self) -> Vec<User> {
        self.state.lock().unwrap().users.values().cloned().collect()
    }

    pub fn devices(&self) -> Vec<Device> {
        self.state
            .lock()
            .unwrap()
            .devices
            .values()
            .cloned()
            .collect()
    }

    /// The user logged in on the device, if any.
    pub fn user_of_device(&self, ppn: u32) -> Option<User> {
        let s = self.state.lock().unwrap();
        let d = s.devices.get(&ppn)?;
        s.users.get(&d.uid).cloned()
    }

    pub fn subscription_mode(&self) -> (String, Option<String>) {
        let s = self.state.lock().unwrap();
        (s.mode.clone(), s.mode_timeout.clone())
    }

    /// The names of the requests received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Deletes a user behind eventpbx's back (as an OMM administrator might).
    pub fn forget_user(&self, uid: u32) {
        let mut s = self.state.lock().unwrap();
        if let Some(u) = s.users.remove(&uid) {
            if let Some(d) = s.devices.get_mut(&u.ppn) {
                d.rel_type = "Unbound".into();
                d.uid = 0;
            }
        }
    }

    /// Puts another handset's IPEI on a device record (an OMM reset that reused the ppn).
    pub fn set_device_ipei(&self, ppn: u32, ipei: &str) {
        if let Some(d) = self.state.lock().unwrap().devices.get_mut(&ppn) {
            d.ipei = ipei.to_string();
        }
    }

    /// Forgets everything, as an OMM whose database was reset (connections stay).
    pub fn reset_database(&self) {
        let mut s = self.state.lock().unwrap();
        s.devices.clear();
        s.users.clear();
    }

    async fn serve<S: AsyncRead + AsyncWrite + Send + 'static>(self, stream: S) {
        let (mut reader, mut writer) = tokio::io::split(stream);
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let mut bytes = message.into_bytes();
                bytes.push(0);
                if writer.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        });
        let mut logged_in = false;
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            buffer.extend_from_slice(&chunk[..n]);
            while let Some(end) = buffer.iter().position(|b| *b == 0) {
                let message: Vec<u8> = buffer.drain(..=end).collect();
                let text = String::from_utf8_lossy(&message[..end]).to_string();
                let reply = self.answer(&text, &mut logged_in, &tx);
                if tx.send(reply).is_err() {
                    return;
                }
            }
        }
    }

    fn answer(
        &self,
        text: &str,
        logged_in: &mut bool,
        events: &mpsc::UnboundedSender<String>,
    ) -> String {
        let doc = match roxmltree::Document::parse(text) {
            Ok(d) => d,
            Err(_) => return r#"<ErrorResp errCode="EInval" info="malformed"/>"#.into(),
        };
        let root = doc.root_element();
        let name = root.tag_name().name().to_string();
        let seq = root.attribute("seq").unwrap_or("0").to_string();
        let resp = format!("{name}Resp");
        let fail = |code: &str| format!(r#"<{resp} seq="{seq}" errCode="{code}"/>"#);
        self.state.lock().unwrap().requests.push(name.clone());
        if name == "Open" {
            if root.attribute("username") != Some(USER)
                || root.attribute("password") != Some(PASSWORD)
            {
                return fail("EAuth");
            }
            *logged_in = true;
            let (n, e) = self.public_key_hex();
            return format!(
                r#"<OpenResp seq="{seq}" protocolVersion="45" ommStbState="Alone"><publicKey modulus="{n}" exponent="{e}"/></OpenResp>"#
            );
        }
        if !*logged_in {
            return fail("EAuth");
        }
        let child = |tag: &str| {
            root.children()
                .find(|c| c.is_element() && c.tag_name().name() == tag)
        };
        let mut s = self.state.lock().unwrap();
        match name.as_str() {
            "Ping" => format!(
                r#"<PingResp seq="{seq}" timeStamp="{}"/>"#,
                root.attribute("timeStamp").unwrap_or("0")
            ),
            "GetPublicKey" => {
                drop(s);
                let (n, e) = self.public_key_hex();
                format!(r#"<GetPublicKeyResp seq="{seq}" modulus="{n}" exponent="{e}"/>"#)
            }
            "SetDevAutoCreate" => format!(r#"<SetDevAutoCreateResp seq="{seq}"/>"#),
            "Subscribe" => {
                s.subscribers.push(events.clone());
                format!(r#"<SubscribeResp seq="{seq}"/>"#)
            }
            "GetDECTSubscriptionMode" => {
                format!(
                    r#"<GetDECTSubscriptionModeResp seq="{seq}" mode="{}"/>"#,
                    s.mode
                )
            }
            "SetDECTSubscriptionMode" => {
                let Some(mode) = root.attribute("mode") else {
                    return fail("EMissing");
                };
                if !matches!(mode, "Off" | "Wildcard" | "Configured") {
                    return fail("EInval");
                }
                s.mode = mode.to_string();
                s.mode_timeout = root.attribute("timeout").map(str::to_string);
                let event = format!(r#"<EventDECTSubscriptionMode mode="{mode}"/>"#);
                s.subscribers.retain(|tx| tx.send(event.clone()).is_ok());
                format!(r#"<SetDECTSubscriptionModeResp seq="{seq}"/>"#)
            }
            "GetPPDev" => {
                let from: u32 = root
                    .attribute("ppn")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let max: usize = root
                    .attribute("maxRecords")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                let records: String = s
                    .devices
                    .range(from..)
                    .take(max)
                    .map(|(_, d)| device_xml(d))
                    .collect();
                if records.is_empty() {
                    return fail("ENoEnt");
                }
                format!(r#"<GetPPDevResp seq="{seq}">{records}</GetPPDevResp>"#)
            }
            "GetPPUser" => {
                let from: u32 = root
                    .attribute("uid")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let max: usize = root
                    .attribute("maxRecords")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                let records: String = s
                    .users
                    .range(from..)
                    .take(max)
                    .map(|(_, u)| user_xml(u))
                    .collect();
                if records.is_empty() {
                    return fail("ENoEnt");
                }
                format!(r#"<GetPPUserResp seq="{seq}">{records}</GetPPUserResp>"#)
            }
            "GetPPUserByNumber" => {
                let num = root.attribute("num").unwrap_or_default();
                match s.users.values().find(|u| u.num == num) {
                    Some(u) => format!(
                        r#"<GetPPUserByNumberResp seq="{seq}">{}</GetPPUserByNumberResp>"#,
                        user_xml(u)
                    ),
                    None => fail("ENoEnt"),
                }
            }
            "CreatePPUser" => {
                let Some(u) = child("user") else {
                    return fail("EMissing");
                };
                let num = u.attribute("num").unwrap_or_default().to_string();
                if num.is_empty() {
                    return fail("EMissing");
                }
                if s.users.values().any(|x| x.num == num) {
                    return fail("EExist");
                }
                let sip_password = match u.attribute("sipPw") {
                    Some(sealed) => match self.decrypt(sealed) {
                        Some(p) => Some(p),
                        None => return fail("EInval"),
                    },
                    None => None,
                };
                let uid = s.next_uid;
                s.next_uid += 1;
                let user = User {
                    uid,
                    num,
                    name: u.attribute("name").unwrap_or_default().to_string(),
                    sip_auth_id: u.attribute("sipAuthId").unwrap_or_default().to_string(),
                    sip_password,
                    ppn: 0,
                    rel_type: "Unbound".into(),
                };
                let xml = user_xml(&user);
                s.users.insert(uid, user);
                format!(r#"<CreatePPUserResp seq="{seq}">{xml}</CreatePPUserResp>"#)
            }
            "SetPPUser" => {
                let Some(u) = child("user") else {
                    return fail("EMissing");
                };
                let Some(uid) = u.attribute("uid").and_then(|v| v.parse::<u32>().ok()) else {
                    return fail("EMissing");
                };
                let sealed = u.attribute("sipPw").map(|p| self.decrypt(p));
                if sealed == Some(None) {
                    return fail("EInval");
                }
                let Some(user) = s.users.get_mut(&uid) else {
                    return fail("ENoEnt");
                };
                if let Some(name) = u.attribute("name") {
                    user.name = name.to_string();
                }
                if let Some(num) = u.attribute("num") {
                    user.num = num.to_string();
                }
                if let Some(id) = u.attribute("sipAuthId") {
                    user.sip_auth_id = id.to_string();
                }
                if let Some(Some(p)) = sealed {
                    user.sip_password = Some(p);
                }
                let xml = user_xml(user);
                format!(r#"<SetPPUserResp seq="{seq}">{xml}</SetPPUserResp>"#)
            }
            "SetPP" => {
                let (Some(pp), Some(u)) = (child("pp"), child("user")) else {
                    return fail("EMissing");
                };
                let ppn: u32 = pp
                    .attribute("ppn")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let uid: u32 = u.attribute("uid").and_then(|v| v.parse().ok()).unwrap_or(0);
                let rel = pp.attribute("relType").unwrap_or("Unbound").to_string();
                if !matches!(rel.as_str(), "Unbound" | "Dynamic" | "Fixed") {
                    return fail("EInval");
                }
                if !s.devices.contains_key(&ppn) || !s.users.contains_key(&uid) {
                    return fail("ENoEnt");
                }
                let bound = rel != "Unbound";
                let with_password = s.users[&uid].sip_password.is_some();
                if let Some(d) = s.devices.get_mut(&ppn) {
                    d.rel_type = rel.clone();
                    d.uid = if bound { uid } else { 0 };
                    if bound && with_password && d.logged_in_at.is_none() {
                        d.logged_in_at = Some(Instant::now());
                    }
                }
                if let Some(x) = s.users.get_mut(&uid) {
                    x.rel_type = rel;
                    x.ppn = if bound { ppn } else { 0 };
                }
                let d = device_xml(&s.devices[&ppn]);
                let x = user_xml(&s.users[&uid]);
                format!(r#"<SetPPResp seq="{seq}">{d}{x}</SetPPResp>"#)
            }
            // As mitel-api's DeletePPUserAsync/DeletePPDevAsync and mitel-ommclient2's later
            // releases send them (read, not run: 0.0.1 has neither). Deleting one side leaves
            // the other unbound, as the OMM does.
            "DeletePPUser" => {
                let Some(uid) = root.attribute("uid").and_then(|v| v.parse::<u32>().ok()) else {
                    return fail("EMissing");
                };
                let Some(user) = s.users.remove(&uid) else {
                    return fail("ENoEnt");
                };
                if let Some(d) = s.devices.get_mut(&user.ppn) {
                    d.rel_type = "Unbound".into();
                    d.uid = 0;
                }
                format!(r#"<DeletePPUserResp seq="{seq}"/>"#)
            }
            "DeletePPDev" => {
                let Some(ppn) = root.attribute("ppn").and_then(|v| v.parse::<u32>().ok()) else {
                    return fail("EMissing");
                };
                let Some(device) = s.devices.remove(&ppn) else {
                    return fail("ENoEnt");
                };
                if let Some(u) = s.users.get_mut(&device.uid) {
                    u.rel_type = "Unbound".into();
                    u.ppn = 0;
                }
                format!(r#"<DeletePPDevResp seq="{seq}"/>"#)
            }
            _ => fail("EInval"),
        }
    }

    fn public_key_hex(&self) -> (String, String) {
        let public = self.key.to_public_key();
        (public.n().to_str_radix(16), public.e().to_str_radix(16))
    }

    fn decrypt(&self, sealed: &str) -> Option<String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .ok()?;
        let clear = self.key.decrypt(Pkcs1v15Encrypt, &bytes).ok()?;
        String::from_utf8(clear).ok()
    }
}

/// A TLS acceptor as an OMM is said to be: its own self-signed certificate, TLS 1.2 at most.
fn tls_acceptor() -> tokio_native_tls::TlsAcceptor {
    use openssl::{asn1::Asn1Time, hash::MessageDigest, pkey::PKey, x509};
    let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let mut name = x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "localhost").unwrap();
    let name = name.build();
    let mut cert = x509::X509Builder::new().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    let serial = openssl::bn::BigNum::from_u32(1).unwrap().to_asn1_integer();
    cert.set_serial_number(&serial.unwrap()).unwrap();
    let san = x509::extension::SubjectAlternativeName::new()
        .dns("localhost")
        .ip("127.0.0.1")
        .build(&cert.x509v3_context(None, None))
        .unwrap();
    cert.append_extension(san).unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = cert.build();
    let identity = native_tls::Identity::from_pkcs8(
        &cert.to_pem().unwrap(),
        &key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    let acceptor = native_tls::TlsAcceptor::builder(identity)
        .max_protocol_version(Some(native_tls::Protocol::Tlsv12))
        .build()
        .unwrap();
    tokio_native_tls::TlsAcceptor::from(acceptor)
}

fn esc(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn device_xml(d: &Device) -> String {
    format!(
        r#"<pp ppn="{}" relType="{}" uid="{}" ipei="{}"/>"#,
        d.ppn,
        d.rel_type,
        d.uid,
        esc(&d.ipei)
    )
}

fn user_xml(u: &User) -> String {
    // sipPw never goes back out: the OMM does not reveal secrets.
    format!(
        r#"<user uid="{}" ppn="{}" relType="{}" num="{}" name="{}" sipAuthId="{}"/>"#,
        u.uid,
        u.ppn,
        u.rel_type,
        esc(&u.num),
        esc(&u.name),
        esc(&u.sip_auth_id)
    )
}
