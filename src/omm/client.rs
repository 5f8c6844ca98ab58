//! One AXI session: a TCP connection to the OMM, plain (port 12621) or TLS (port 12622), logged
//! in as a user/device sync client, with requests matched to their responses by `seq`, the
//! events the OMM pushes handed on in order, and a ping every minute as both independent
//! clients send. When the connection ends every waiting request fails and the event stream
//! closes; reconnecting is the owner's loop ([`super::Backoff`]).
//!
//! TLS goes through the system's OpenSSL (native-tls): the OMM is said to speak TLS ≤ 1.2 only,
//! with suites rustls does not offer. TLS 1.2 is allowed (native-tls's floor is lower still; the
//! system's OpenSSL configuration may raise it). An OMM ships with a self-signed certificate,
//! which verification refuses unless [`Transport::Tls`] says to accept it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::crypto::{KeyError, OmmPublicKey};
use super::message::{self, Element, Framer, MessageError};
use super::records::{id_value, OmmEvent, PpDev, PpUser, RecordError, RelType, SubscriptionMode};

/// How the bytes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP (the OMM's port 12621).
    Tcp,
    /// TLS (port 12622).
    Tls {
        /// Accept any certificate, for an OMM with its self-signed one: encrypted, but the OMM
        /// is not authenticated. Otherwise it must chain to the system's CA store and name
        /// the host.
        accept_self_signed: bool,
    },
}

/// Where and as whom to log in.
#[derive(Debug, Clone)]
pub struct OmmConfig {
    /// Host name or address of the OMM.
    pub host: String,
    /// Its AXI port (12621 plain, 12622 TLS).
    pub port: u16,
    /// Plain or TLS.
    pub transport: Transport,
    /// The OMM account.
    pub username: String,
    /// Its password.
    pub password: String,
    /// How long a request waits for its response.
    pub request_timeout: Duration,
    /// How often the session pings (both independent clients: 60 s).
    pub ping_every: Duration,
    /// Limit for the TCP connect.
    pub connect_timeout: Duration,
}

impl OmmConfig {
    /// The defaults for everything but where and who (plain TCP; set `transport` for TLS).
    pub fn new(host: &str, port: u16, username: &str, password: &str) -> OmmConfig {
        OmmConfig {
            host: host.to_string(),
            port,
            transport: Transport::Tcp,
            username: username.to_string(),
            password: password.to_string(),
            request_timeout: Duration::from_secs(10),
            ping_every: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Why a request or the session failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OmmError {
    /// The connection could not be made or broke.
    #[error("OMM connection: {0}")]
    Io(String),
    /// The TLS handshake failed (with why, and what to do about a self-signed certificate).
    #[error("OMM TLS: {0}")]
    Tls(String),
    /// The session is closed.
    #[error("OMM session closed")]
    Closed,
    /// No response in time.
    #[error("no response to {0} in time")]
    Timeout(String),
    /// The OMM answered with an error code (`EAuth`, `ENoEnt`, `EExist`, ...).
    #[error("OMM refused {request}: {code}{}", info.as_deref().map(|i| format!(" ({i})")).unwrap_or_default())]
    Refused {
        /// The request.
        request: String,
        /// AXI `errCode`.
        code: String,
        /// AXI `info`, if any.
        info: Option<String>,
    },
    /// The OMM's message could not be read.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// A record in the response did not read.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The public key or an encryption failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl OmmError {
    /// The OMM said there is no such record (also: no more pages).
    pub fn is_no_entry(&self) -> bool {
        matches!(self, OmmError::Refused { code, .. } if code == "ENoEnt")
    }
}

type Pending = Arc<Mutex<HashMap<u32, oneshot::Sender<Element>>>>;

/// A logged-in AXI session; clones share it.
#[derive(Clone)]
pub struct OmmSession {
    inner: Arc<Inner>,
}

/// A plain or TLS connection.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}
type BoxedStream = Box<dyn Stream>;

struct Inner {
    writer: tokio::sync::Mutex<WriteHalf<BoxedStream>>,
    pending: Pending,
    next_seq: AtomicU32,
    closed: CancellationToken,
    request_timeout: Duration,
    key: std::sync::OnceLock<OmmPublicKey>,
}

/// How many events may wait for the owner before the reader waits too.
const EVENT_QUEUE: usize = 1024;

impl OmmSession {
    /// Connects, logs in (`Open` with `UserDeviceSyncClient="true"`, without which the OMM
    /// refuses `SetPP`) and reads the public key. The receiver yields the OMM's events until
    /// the session closes.
    pub async fn connect(
        config: &OmmConfig,
    ) -> Result<(OmmSession, mpsc::Receiver<OmmEvent>), OmmError> {
        let stream = tokio::time::timeout(config.connect_timeout, open_stream(config))
            .await
            .map_err(|_| OmmError::Io("connect timed out".into()))??;
        let (reader, writer) = tokio::io::split(stream);
        let pending: Pending = Arc::default();
        let closed = CancellationToken::new();
        let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
        tokio::spawn(read_loop(
            reader,
            pending.clone(),
            events_tx,
            closed.clone(),
        ));
        let session = OmmSession {
            inner: Arc::new(Inner {
                writer: tokio::sync::Mutex::new(writer),
                pending,
                next_seq: AtomicU32::new(1),
                closed,
                request_timeout: config.request_timeout,
                key: std::sync::OnceLock::new(),
            }),
        };
        let opened = session
            .request(
                Element::new("Open")
                    .with("username", config.username.as_str())
                    .with("password", config.password.as_str())
                    .with("UserDeviceSyncClient", "true"),
            )
            .await;
        let opened = match opened {
            Ok(o) => o,
            Err(e) => {
                session.close();
                return Err(e);
            }
        };
        let key = match OmmPublicKey::from_response(&opened) {
            Ok(key) => key,
            // Older OMMs (and mitel-ommclient2) fetch it separately.
            Err(KeyError::Missing(_)) => {
                let answer = session.request(Element::new("GetPublicKey")).await?;
                OmmPublicKey::from_response(&answer)?
            }
            Err(e) => {
                session.close();
                return Err(e.into());
            }
        };
        let _ = session.inner.key.set(key);
        tokio::spawn(ping_loop(session.clone(), config.ping_every));
        Ok((session, events))
    }

    /// Cancelled when the connection ends.
    pub fn closed(&self) -> CancellationToken {
        self.inner.closed.clone()
    }

    /// Ends the session.
    pub fn close(&self) {
        self.inner.closed.cancel();
    }

    /// Sends a request and waits for its response; an `errCode` answer is an error.
    pub async fn request(&self, mut request: Element) -> Result<Element, OmmError> {
        if self.inner.closed.is_cancelled() {
            return Err(OmmError::Closed);
        }
        let seq = self.inner.next_seq.fetch_add(1, Ordering::Relaxed);
        request.set("seq", seq.to_string());
        let bytes = message::frame(&request)?;
        let (tx, rx) = oneshot::channel();
        lock(&self.inner.pending).insert(seq, tx);
        let written = {
            let mut writer = self.inner.writer.lock().await;
            writer.write_all(&bytes).await
        };
        if let Err(e) = written {
            lock(&self.inner.pending).remove(&seq);
            self.close();
            return Err(OmmError::Io(e.to_string()));
        }
        let response = tokio::select! {
            r = tokio::time::timeout(self.inner.request_timeout, rx) => r,
            () = self.inner.closed.cancelled() => {
                lock(&self.inner.pending).remove(&seq);
                return Err(OmmError::Closed);
            }
        };
        let response = match response {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => return Err(OmmError::Closed),
            Err(_) => {
                lock(&self.inner.pending).remove(&seq);
                return Err(OmmError::Timeout(request.name));
            }
        };
        if let Some(code) = response.get("errCode") {
            return Err(OmmError::Refused {
                request: request.name,
                code: code.to_string(),
                info: response.get("info").map(str::to_string),
            });
        }
        Ok(response)
    }

    fn key(&self) -> Result<&OmmPublicKey, OmmError> {
        self.inner
            .key
            .get()
            .ok_or_else(|| OmmError::Key(KeyError::Missing("session".into())))
    }

    /// One page of devices from `ppn` on (20 records, as both clients page); empty after
    /// the last.
    pub async fn devices_from(&self, ppn: u32) -> Result<Vec<PpDev>, OmmError> {
        let request = Element::new("GetPPDev")
            .with("ppn", ppn.to_string())
            .with("maxRecords", "20");
        match self.request(request).await {
            Ok(r) => Ok(r
                .children_named("pp")
                .map(PpDev::from_element)
                .collect::<Result<_, _>>()?),
            Err(e) if e.is_no_entry() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The user with that number, if any.
    pub async fn user_by_number(&self, num: &str) -> Result<Option<PpUser>, OmmError> {
        match self
            .request(Element::new("GetPPUserByNumber").with("num", num))
            .await
        {
            Ok(r) => r
                .child("user")
                .map(PpUser::from_element)
                .transpose()
                .map_err(Into::into),
            Err(e) if e.is_no_entry() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a user that registers at the SIP server as `sip_user` with that password.
    pub async fn create_user(
        &self,
        sip_user: &str,
        name: &str,
        sip_password: &str,
    ) -> Result<PpUser, OmmError> {
        let sealed = self.key()?.encrypt(sip_password)?;
        let user = Element::new("user")
            .with("num", sip_user)
            .with("name", name)
            .with("sipAuthId", sip_user)
            .with("sipPw", sealed);
        let r = self
            .request(Element::new("CreatePPUser").with_child(user))
            .await?;
        let created = r.child("user").ok_or(RecordError::Missing {
            element: r.name.clone(),
            attribute: "user",
        })?;
        Ok(PpUser::from_element(created)?)
    }

    /// Changes the name a user's handset shows.
    pub async fn set_user_name(&self, uid: u32, name: &str) -> Result<(), OmmError> {
        let user = Element::new("user")
            .with("uid", uid.to_string())
            .with("name", name);
        self.request(Element::new("SetPPUser").with_child(user))
            .await
            .map(drop)
    }

    /// Ties user and device dynamically (the handset logs in as that user).
    pub async fn attach(&self, uid: u32, ppn: u32) -> Result<(), OmmError> {
        self.set_relation(uid, ppn, RelType::Dynamic).await
    }

    async fn set_relation(&self, uid: u32, ppn: u32, rel: RelType) -> Result<(), OmmError> {
        let (pp_uid, user_ppn) = match rel {
            RelType::Unbound => (0, 0),
            _ => (uid, ppn),
        };
        let request = Element::new("SetPP")
            .with_child(
                Element::new("pp")
                    .with("ppn", ppn.to_string())
                    .with("uid", pp_uid.to_string())
                    .with("relType", rel.as_str()),
            )
            .with_child(
                Element::new("user")
                    .with("uid", uid.to_string())
                    .with("ppn", user_ppn.to_string())
                    .with("relType", rel.as_str()),
            );
        self.request(request).await.map(drop)
    }

    /// Unties user and device.
    pub async fn detach(&self, uid: u32, ppn: u32) -> Result<(), OmmError> {
        self.set_relation(uid, ppn, RelType::Unbound).await
    }

    /// Deletes a user (`DeletePPUser`); its handset, if any, is left unbound.
    pub async fn delete_user(&self, uid: u32) -> Result<(), OmmError> {
        self.request(Element::new("DeletePPUser").with("uid", uid.to_string()))
            .await
            .map(drop)
    }

    /// Deletes a device record (`DeletePPDev`): the handset is unsubscribed and must
    /// subscribe again to be used.
    pub async fn delete_device(&self, ppn: u32) -> Result<(), OmmError> {
        self.request(Element::new("DeletePPDev").with("ppn", ppn.to_string()))
            .await
            .map(drop)
    }

    /// Sets the subscription mode; `minutes` bounds a wildcard window (1–60).
    pub async fn set_subscription_mode(
        &self,
        mode: SubscriptionMode,
        minutes: Option<u8>,
    ) -> Result<(), OmmError> {
        let mut request = Element::new("SetDECTSubscriptionMode").with("mode", mode.as_str());
        if let Some(m) = minutes {
            request.set("timeout", m.clamp(1, 60).to_string());
        }
        self.request(request).await.map(drop)
    }

    /// The current subscription mode.
    pub async fn subscription_mode(&self) -> Result<SubscriptionMode, OmmError> {
        let r = self
            .request(Element::new("GetDECTSubscriptionMode"))
            .await?;
        let mode = r.get("mode").and_then(SubscriptionMode::parse);
        Ok(mode.ok_or(RecordError::Invalid {
            element: r.name.clone(),
            attribute: "mode",
        })?)
    }

    /// What a sync client needs (as Eventphone's mgr does it): new subscriptions create a
    /// device record (`SetDevAutoCreate`), and events for every device, every user and the
    /// subscription mode.
    pub async fn subscribe_sync_events(&self) -> Result<(), OmmError> {
        self.request(Element::new("SetDevAutoCreate").with("enable", "true"))
            .await?;
        let on = |event: &str| Element::new("e").with("cmd", "On").with("eventType", event);
        let request = Element::new("Subscribe")
            .with_child(on("PPDevCnf").with("ppn", "-1"))
            .with_child(on("PPCnf").with("ppn", "-1").with("uid", "-1"))
            .with_child(on("PPUserCnf").with("uid", "-1"))
            .with_child(on("DECTSubscriptionMode").with("omm", "-1"));
        self.request(request).await.map(drop)
    }
}

/// The TCP connection, with TLS on top if configured.
async fn open_stream(config: &OmmConfig) -> Result<BoxedStream, OmmError> {
    let tcp = TcpStream::connect((config.host.as_str(), config.port))
        .await
        .map_err(|e| OmmError::Io(e.to_string()))?;
    // Requests are small and the OMM answers each; do not wait to fill segments.
    let _ = tcp.set_nodelay(true);
    let Transport::Tls { accept_self_signed } = config.transport else {
        return Ok(Box::new(tcp));
    };
    let connector = tokio_native_tls::native_tls::TlsConnector::builder()
        // Whatever the OMM presents: the setting's name says what it is for.
        .danger_accept_invalid_certs(accept_self_signed)
        .danger_accept_invalid_hostnames(accept_self_signed)
        .build()
        .map_err(|e| OmmError::Tls(e.to_string()))?;
    let tls = tokio_native_tls::TlsConnector::from(connector)
        .connect(&config.host, tcp)
        .await
        .map_err(|e| OmmError::Tls(tls_failure(&e.to_string(), accept_self_signed)))?;
    Ok(Box::new(tls))
}

/// The handshake's error, and for a refused certificate what the operator can do.
fn tls_failure(error: &str, accept_self_signed: bool) -> String {
    if !accept_self_signed && error.contains("certificate verify failed") {
        format!(
            "the OMM's certificate was refused ({error}); an OMM with its self-signed \
             certificate needs omm.tls_accept_self_signed = true"
        )
    } else {
        format!("handshake failed: {error}")
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the map leaves it consistent (inserts and removes are single
    // calls), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn read_loop(
    mut reader: ReadHalf<BoxedStream>,
    pending: Pending,
    events: mpsc::Sender<OmmEvent>,
    closed: CancellationToken,
) {
    let mut framer = Framer::default();
    let mut buf = vec![0u8; 16 * 1024];
    'read: loop {
        let n = tokio::select! {
            r = reader.read(&mut buf) => r,
            () = closed.cancelled() => break,
        };
        match n {
            Ok(0) => break,
            Ok(n) => framer.push(&buf[..n]),
            Err(e) => {
                tracing::warn!(error = %e, "OMM connection broke");
                break;
            }
        }
        loop {
            let bytes = match framer.next_message() {
                Ok(Some(bytes)) => bytes,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "OMM stream refused; closing the session");
                    break 'read;
                }
            };
            let element = match message::parse(&bytes) {
                Ok(e) => e,
                Err(e) => {
                    // One bad message changes nothing; a request it answered times out.
                    tracing::warn!(error = %e, "OMM message refused");
                    continue;
                }
            };
            if element.name.starts_with("Event") {
                match OmmEvent::from_element(&element) {
                    Ok(event) => {
                        if events.send(event).await.is_err() {
                            break 'read;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "OMM event refused"),
                }
                continue;
            }
            match element.get("seq").and_then(id_value) {
                Some(seq) => match lock(&pending).remove(&seq) {
                    Some(waiter) => {
                        let _ = waiter.send(element);
                    }
                    None => tracing::debug!(seq, "OMM response nobody waits for"),
                },
                None => tracing::debug!(name = %element.name, "OMM message without seq"),
            }
        }
    }
    closed.cancel();
    lock(&pending).clear();
}

async fn ping_loop(session: OmmSession, every: Duration) {
    let closed = session.closed();
    loop {
        tokio::select! {
            () = closed.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let ping = Element::new("Ping").with("timeStamp", now.to_string());
        if let Err(e) = session.request(ping).await {
            tracing::warn!(error = %e, "OMM ping failed; closing the session");
            session.close();
            return;
        }
    }
}
