//! A small SIP user agent for the dialplan fuzz test: it sends requests byte for byte as
//! given (sipp builds its Request-URI from a template and its CSV fields cannot hold `;`),
//! over UDP or TCP, answers Asterisk's digest challenge, and can hold one call open to send
//! in-dialog requests such as REFER. It is a test peer, not a phone: no media, no timers.

use std::net::SocketAddr;
use std::time::Duration;

use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// How the requests travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    fn via(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        }
    }
}

enum Socket {
    Udp(UdpSocket),
    Tcp { stream: TcpStream, buffer: Vec<u8> },
}

/// One SIP message as received.
#[derive(Debug, Clone)]
pub struct Message {
    /// The first line.
    pub start: String,
    /// The whole text.
    pub text: String,
}

impl Message {
    /// The status code of a response (0 for a request).
    pub fn status(&self) -> u16 {
        self.start
            .strip_prefix("SIP/2.0 ")
            .and_then(|r| r.get(..3))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    /// Every value of a header (case-insensitive, full names only).
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.text
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers(name).into_iter().next()
    }
}

/// A device's identity for the agent.
pub struct Agent {
    socket: Socket,
    transport: Transport,
    local: SocketAddr,
    remote: SocketAddr,
    user: String,
    password: String,
    seq: u32,
}

/// An established call (after 200 OK and ACK).
pub struct Dialog {
    call_id: String,
    from_tag: String,
    to: String,
    target: String,
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

fn random_token() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

/// A digest parameter's value from a WWW-Authenticate header.
fn param(header: &str, key: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let part = part.trim().trim_start_matches("Digest ").trim();
        let (k, v) = part.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_string())
    })
}

impl Agent {
    /// Opens a socket from 127.0.0.1:`port` to Asterisk as `user`.
    pub async fn connect(
        transport: Transport,
        remote: SocketAddr,
        port: u16,
        user: &str,
        password: &str,
    ) -> Agent {
        let bind: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let (socket, local) = match transport {
            Transport::Udp => {
                let s = UdpSocket::bind(bind).await.expect("bind udp");
                let local = s.local_addr().unwrap();
                (Socket::Udp(s), local)
            }
            Transport::Tcp => {
                let s = TcpStream::connect(remote).await.expect("connect tcp");
                let local = s.local_addr().unwrap();
                (
                    Socket::Tcp {
                        stream: s,
                        buffer: Vec::new(),
                    },
                    local,
                )
            }
        };
        Agent {
            socket,
            transport,
            local,
            remote,
            user: user.to_string(),
            password: password.to_string(),
            seq: 1,
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        match &mut self.socket {
            Socket::Udp(s) => {
                s.send_to(bytes, self.remote).await.expect("send udp");
            }
            Socket::Tcp { stream, .. } => stream.write_all(bytes).await.expect("send tcp"),
        }
    }

    /// The next message, or None after `wait`.
    async fn recv(&mut self, wait: Duration) -> Option<Message> {
        let raw = match &mut self.socket {
            Socket::Udp(s) => {
                let mut buf = vec![0u8; 65536];
                let (n, _) = tokio::time::timeout(wait, s.recv_from(&mut buf))
                    .await
                    .ok()?
                    .ok()?;
                buf.truncate(n);
                buf
            }
            Socket::Tcp { stream, buffer } => {
                let deadline = tokio::time::Instant::now() + wait;
                loop {
                    // CRLF keep-alives between messages.
                    while buffer.starts_with(b"\r\n") {
                        buffer.drain(..2);
                    }
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                let (n, v) = l.split_once(':')?;
                                let n = n.trim();
                                (n.eq_ignore_ascii_case("content-length") || n == "l")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buffer.len() >= end + 4 + len {
                            break buffer.drain(..end + 4 + len).collect();
                        }
                    }
                    let mut chunk = [0u8; 8192];
                    let n = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
                        .await
                        .ok()?
                        .ok()?;
                    if n == 0 {
                        return None;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
            }
        };
        let text = String::from_utf8_lossy(&raw).to_string();
        let start = text.lines().next().unwrap_or_default().to_string();
        Some(Message { start, text })
    }

    /// Answers a request Asterisk sent us (NOTIFY, BYE, OPTIONS) with 200 OK.
    async fn answer(&mut self, request: &Message) {
        let mut out = String::from("SIP/2.0 200 OK\r\n");
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            for v in request.headers(name) {
                out.push_str(&format!("{name}: {v}\r\n"));
            }
        }
        out.push_str("Content-Length: 0\r\n\r\n");
        self.send(out.as_bytes()).await;
    }

    fn host(&self) -> String {
        self.remote.to_string()
    }

    fn contact(&self) -> String {
        format!(
            "<sip:{}@{};transport={}>",
            self.user,
            self.local,
            self.transport.via().to_lowercase()
        )
    }

    /// Builds a request. `uri_user` is pasted into the Request-URI and To as it is.
    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        method: &str,
        request_uri: &str,
        to: &str,
        call_id: &str,
        from_tag: &str,
        cseq: u32,
        branch: &str,
        extra: &str,
        body: &str,
    ) -> Vec<u8> {
        let mut m = format!(
            "{method} {request_uri} SIP/2.0\r\n\
             Via: SIP/2.0/{} {};branch=z9hG4bK{branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{}@{}>;tag={from_tag}\r\n\
             To: {to}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: {}\r\n\
             User-Agent: eventpbx-fuzz\r\n",
            self.transport.via(),
            self.local,
            self.user,
            self.host(),
            self.contact(),
        );
        m.push_str(extra);
        if body.is_empty() {
            m.push_str("Content-Length: 0\r\n\r\n");
        } else {
            m.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        }
        m.into_bytes()
    }

    fn authorization(&self, challenge: &str, method: &str, uri: &str) -> String {
        let realm = param(challenge, "realm").unwrap_or_default();
        let nonce = param(challenge, "nonce").unwrap_or_default();
        let opaque = param(challenge, "opaque");
        let ha1 = md5_hex(&format!("{}:{realm}:{}", self.user, self.password));
        let ha2 = md5_hex(&format!("{method}:{uri}"));
        let cnonce = random_token();
        let qop = param(challenge, "qop").filter(|q| q.split(',').any(|v| v.trim() == "auth"));
        let (response, qop_part) = match qop {
            Some(_) => (
                md5_hex(&format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")),
                format!(", qop=auth, nc=00000001, cnonce=\"{cnonce}\""),
            ),
            None => (md5_hex(&format!("{ha1}:{nonce}:{ha2}")), String::new()),
        };
        let opaque = opaque.map_or(String::new(), |o| format!(", opaque=\"{o}\""));
        format!(
            "Authorization: Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5{qop_part}{opaque}\r\n",
            self.user
        )
    }

    /// Waits for the final response to (call_id, cseq), answering requests meanwhile.
    async fn final_response(&mut self, call_id: &str, cseq: u32, method: &str) -> Option<Message> {
        // Asterisk answers at once; pjsip drops a request it cannot parse without a word.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let m = self.recv(left).await?;
            if m.status() == 0 {
                self.answer(&m).await;
                continue;
            }
            let ours = m.header("Call-ID").as_deref() == Some(call_id)
                && m.header("CSeq").as_deref() == Some(&format!("{cseq} {method}"));
            if ours && m.status() >= 200 {
                return Some(m);
            }
        }
    }

    fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    /// An out-of-dialog request to the raw Request-URI user part `user_part`; answers the
    /// digest challenge once. Returns the final response, or None if none came (the request
    /// was dropped). For an INVITE, ACKs the final response (and returns a dialog on 2xx).
    pub async fn request(
        &mut self,
        method: &str,
        user_part: &str,
        body: &str,
    ) -> (Option<Message>, Option<Dialog>) {
        let call_id = format!("{}@fuzz", random_token());
        let from_tag = random_token();
        let uri = format!("sip:{user_part}@{}", self.host());
        let to = format!("<{uri}>");
        let (extra, body) = match method {
            "INVITE" => ("Content-Type: application/sdp\r\n".to_string(), self.sdp()),
            "MESSAGE" => ("Content-Type: text/plain\r\n".to_string(), body.to_string()),
            _ => (String::new(), body.to_string()),
        };
        let mut cseq = self.next_seq();
        let mut branch = random_token();
        let msg = self.build(
            method, &uri, &to, &call_id, &from_tag, cseq, &branch, &extra, &body,
        );
        self.send(&msg).await;
        let mut response = self.final_response(&call_id, cseq, method).await;
        let mut auth_round = false;
        loop {
            let Some(r) = response.clone() else {
                return (None, None);
            };
            if method == "INVITE" {
                self.ack(&r, &uri, &call_id, &from_tag, cseq, &branch).await;
            }
            if (r.status() == 401 || r.status() == 407) && !auth_round {
                auth_round = true;
                let name = if r.status() == 401 {
                    "WWW-Authenticate"
                } else {
                    "Proxy-Authenticate"
                };
                let challenge = r
                    .headers(name)
                    .into_iter()
                    .find(|c| param(c, "algorithm").is_none_or(|a| a.eq_ignore_ascii_case("MD5")))
                    .unwrap_or_default();
                let auth = self.authorization(&challenge, method, &uri);
                cseq = self.next_seq();
                branch = random_token();
                let msg = self.build(
                    method,
                    &uri,
                    &to,
                    &call_id,
                    &from_tag,
                    cseq,
                    &branch,
                    &format!("{extra}{auth}"),
                    &body,
                );
                self.send(&msg).await;
                response = self.final_response(&call_id, cseq, method).await;
                continue;
            }
            let dialog = (method == "INVITE" && (200..300).contains(&r.status())).then(|| Dialog {
                call_id: call_id.clone(),
                from_tag: from_tag.clone(),
                to: r.header("To").unwrap_or_default(),
                target: r
                    .header("Contact")
                    .and_then(|c| {
                        let s = c.find('<')? + 1;
                        let e = c.find('>')?;
                        Some(c[s..e].to_string())
                    })
                    .unwrap_or_else(|| uri.clone()),
            });
            return (Some(r), dialog);
        }
    }

    async fn ack(
        &mut self,
        response: &Message,
        uri: &str,
        call_id: &str,
        from_tag: &str,
        cseq: u32,
        branch: &str,
    ) {
        let to = response.header("To").unwrap_or_default();
        let mut m = format!(
            "ACK {uri} SIP/2.0\r\n\
             Via: SIP/2.0/{} {};branch=z9hG4bK{};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{}@{}>;tag={from_tag}\r\n\
             To: {to}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} ACK\r\n\
             Content-Length: 0\r\n\r\n",
            self.transport.via(),
            self.local,
            // A non-2xx is ACKed within its INVITE's transaction (same branch); a 2xx ACK
            // is a new transaction.
            if response.status() >= 300 {
                branch.to_string()
            } else {
                random_token()
            },
            self.user,
            self.host(),
        );
        if response.status() < 300 {
            let target = response
                .header("Contact")
                .and_then(|c| Some(c[c.find('<')? + 1..c.find('>')?].to_string()))
                .unwrap_or_else(|| uri.to_string());
            m = m.replacen(&format!("ACK {uri} "), &format!("ACK {target} "), 1);
        }
        self.send(m.as_bytes()).await;
    }

    fn sdp(&self) -> String {
        let ip = self.local.ip();
        format!(
            "v=0\r\no=fuzz 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
            self.local.port() + 2
        )
    }

    /// Sends an in-dialog request (REFER with `headers`, BYE) and returns its final response.
    pub async fn in_dialog(
        &mut self,
        dialog: &Dialog,
        method: &str,
        headers: &str,
    ) -> Option<Message> {
        let cseq = self.next_seq();
        let branch = random_token();
        let msg = self.build(
            method,
            &dialog.target,
            &dialog.to,
            &dialog.call_id,
            &dialog.from_tag,
            cseq,
            &branch,
            headers,
            "",
        );
        self.send(&msg).await;
        self.final_response(&dialog.call_id, cseq, method).await
    }

    /// Reads and answers whatever Asterisk sends for `wait` (NOTIFYs after a REFER, a BYE).
    pub async fn drain(&mut self, wait: Duration) -> Vec<Message> {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return seen;
            }
            match self.recv(left).await {
                Some(m) => {
                    if m.status() == 0 && !m.start.starts_with("ACK ") {
                        self.answer(&m).await;
                    }
                    seen.push(m);
                }
                None => return seen,
            }
        }
    }

    /// The transport-specific host:port the requests go to.
    pub fn remote_host(&self) -> String {
        self.host()
    }
}
