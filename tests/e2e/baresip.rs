//! baresip (Debian's `baresip-core`) as a second, independent SIP client: a real softphone
//! with its own SIP stack, Contact handling and RFC 4733 DTMF, unlike sipp's scripted messages.
//!
//! Each instance runs headless from its own config folder: ALSA's `null` device for sound,
//! `ctrl_tcp` for commands (netstring-framed JSON), SIP and media on loopback. baresip also
//! binds SIP port + 1 (TLS), and puts a fresh random suffix into its Contact user on every
//! start, as many real phones do after a reboot.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use eventpbx::config::Settings;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::Device;

/// One running baresip, registered (or registering) as one device.
pub struct Baresip {
    child: Option<Child>,
    dir: tempfile::TempDir,
    ctrl: TcpStream,
    /// Bytes read from ctrl_tcp that do not yet form a whole netstring.
    buf: Vec<u8>,
    /// Events read while waiting for something else, oldest first.
    pending: VecDeque<Value>,
    /// Every event this instance reported, for failure messages.
    pub seen: Vec<Value>,
    next_token: u32,
    pub device: Device,
    /// The registrar's address as the account's domain (`host:port`).
    registrar: String,
}

/// What the ports of one instance are derived from: the device's port (see `next_port`,
/// which leaves ten ports per device).
fn ctrl_port(device: &Device) -> u16 {
    device.port + 5
}

impl Baresip {
    /// Starts baresip as `device` (SIP on `127.0.0.1:<device.port>`) and waits until its
    /// control port answers. It registers by itself; see [`Baresip::wait_registered`].
    pub async fn start(settings: &Settings, device: &Device) -> Baresip {
        let dir = tempfile::tempdir().expect("tempdir");
        let sip = device.port;
        let rtp = device.port + 10000;
        // net_interface pins the local address to loopback: otherwise baresip takes the
        // default route's address for SDP and media. Only the modules the tests need load.
        // The source is a sine tone, not ALSA's null device: baresip paces its RTP (and so its
        // RFC 4733 key events) by its audio source, and the null device never blocks, so every
        // key left in one burst and Asterisk lost or doubled some. ausine takes only 48 kHz
        // stereo.
        let config = format!(
            "poll_method epoll\n\
             net_interface 127.0.0.1\n\
             sip_listen 127.0.0.1:{sip}\n\
             rtp_ports {rtp}-{rtp_end}\n\
             audio_player alsa,null\n\
             audio_source ausine,440\n\
             ausrc_srate 48000\n\
             ausrc_channels 2\n\
             audio_alert alsa,null\n\
             call_max_calls 2\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             module alsa.so\n\
             module ausine.so\n\
             module_app account.so\n\
             module_app menu.so\n\
             module_app ctrl_tcp.so\n\
             ctrl_tcp_listen 127.0.0.1:{ctrl}\n",
            rtp_end = rtp + 9,
            ctrl = ctrl_port(device),
        );
        std::fs::write(dir.path().join("config"), config).expect("write baresip config");
        let registrar = format!("{}:{}", settings.sip.bind, settings.sip.port);
        let account = format!(
            "<sip:{user}@{registrar}>;auth_user={user};auth_pass={pass};regint=600;answermode=manual\n",
            user = device.username,
            pass = device.password,
        );
        std::fs::write(dir.path().join("accounts"), account).expect("write baresip accounts");
        let log = std::fs::File::create(dir.path().join("baresip.log")).expect("log file");
        let child = Command::new("baresip")
            .arg("-f")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect(
                "baresip must be installed (scripts/setup --test: apt-get install baresip-core)",
            );
        let deadline = Instant::now() + Duration::from_secs(10);
        let ctrl = loop {
            match TcpStream::connect(("127.0.0.1", ctrl_port(device))).await {
                Ok(s) => break s,
                Err(e) => {
                    assert!(
                        Instant::now() < deadline,
                        "baresip's ctrl_tcp never answered: {e}\n{}",
                        std::fs::read_to_string(dir.path().join("baresip.log")).unwrap_or_default()
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        Baresip {
            child: Some(child),
            dir,
            ctrl,
            buf: Vec::new(),
            pending: VecDeque::new(),
            seen: Vec::new(),
            next_token: 0,
            device: device.clone(),
            registrar,
        }
    }

    /// The SIP URI of `user` at the registrar.
    pub fn uri(&self, user: &str) -> String {
        format!("sip:{user}@{}", self.registrar)
    }

    /// baresip's own log (stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("baresip.log")).unwrap_or_default()
    }

    /// Reads one netstring message from ctrl_tcp.
    async fn read_message(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            if let Some(colon) = self.buf.iter().position(|&b| b == b':') {
                let len: usize = std::str::from_utf8(&self.buf[..colon])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("bad netstring from baresip: {:?}", self.buf));
                let end = colon + 1 + len;
                if self.buf.len() > end {
                    assert_eq!(self.buf[end], b',', "netstring must end with ','");
                    let msg: Value = serde_json::from_slice(&self.buf[colon + 1..end])
                        .expect("baresip sends JSON");
                    self.buf.drain(..=end);
                    return Some(msg);
                }
            }
            let mut chunk = [0u8; 4096];
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.ctrl.read(&mut chunk)).await {
                Ok(Ok(0)) => panic!("baresip closed its control connection\n{}", self.log()),
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => panic!("reading from baresip: {e}"),
                Err(_) => return None,
            }
        }
    }

    /// Runs one command (as typed at baresip's long-command prompt, without the `/`) and
    /// returns its response's `data`; panics unless baresip reports it ok.
    pub async fn command(&mut self, command: &str, params: &str) -> String {
        self.next_token += 1;
        let token = format!("t{}", self.next_token);
        let body = json!({"command": command, "params": params, "token": token}).to_string();
        let frame = format!("{}:{},", body.len(), body);
        self.ctrl
            .write_all(frame.as_bytes())
            .await
            .expect("write to baresip");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let Some(msg) = self.read_message(deadline).await else {
                panic!("baresip did not answer `{command} {params}`");
            };
            if msg["response"] == true && msg["token"] == token.as_str() {
                assert!(
                    msg["ok"] == true,
                    "baresip refused `{command} {params}`: {msg}"
                );
                return msg["data"].as_str().unwrap_or_default().to_string();
            }
            if msg["event"] == true {
                self.seen.push(msg.clone());
                self.pending.push_back(msg);
            }
        }
    }

    /// Waits for the first event (from now on, or already read) of `kind`
    /// ("REGISTER_OK", "CALL_INCOMING", "CALL_ESTABLISHED", "CALL_CLOSED", ...).
    pub async fn wait_event(&mut self, kind: &str, within: Duration) -> Value {
        match self.try_event(kind, within).await {
            Some(ev) => ev,
            None => panic!(
                "baresip ({}) reported no {kind} within {within:?}; events: {:#?}\nlog:\n{}",
                self.device.username,
                self.seen,
                self.log()
            ),
        }
    }

    /// Like [`Baresip::wait_event`], but gives `None` when none came.
    pub async fn try_event(&mut self, kind: &str, within: Duration) -> Option<Value> {
        if let Some(i) = self.pending.iter().position(|e| e["type"] == kind) {
            // Events before it are dropped: they happened before what is awaited.
            let ev = self.pending.remove(i);
            self.pending.drain(..i);
            return ev;
        }
        self.pending.clear();
        let deadline = Instant::now() + within;
        loop {
            let msg = self.read_message(deadline).await?;
            if msg["event"] == true {
                self.seen.push(msg.clone());
                if msg["type"] == kind {
                    return Some(msg);
                }
            }
        }
    }

    /// Waits until the registrar accepted the account. The first REGISTER_OK may come before
    /// the control connection is up, so this asks baresip (`reginfo`) rather than waiting for
    /// the event.
    pub async fn wait_registered(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let info = self.command("reginfo", "").await;
            // baresip 1.0 shows a registered account as a (coloured) "OK", one that is not
            // yet or no longer registered as "zzz" or "ERR".
            if info.contains("OK") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "baresip ({}) did not register: {info}\nlog:\n{}",
                self.device.username,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The display name of the latest incoming call's caller. baresip 1.0's events carry
    /// only the peer's URI (`peeruri`, from From); the name is in its log line
    /// "Incoming call from: <name> <uri> - ...".
    pub fn incoming_display_name(&self) -> Option<String> {
        let log = self.log();
        let line = log
            .lines()
            .rev()
            .find(|l| l.contains("Incoming call from: "))?;
        let rest = &line[line.find("Incoming call from: ")? + "Incoming call from: ".len()..];
        let name = &rest[..rest.find("sip:")?];
        Some(name.trim().to_string())
    }

    /// Dials `user` at the registrar.
    pub async fn dial(&mut self, user: &str) {
        let uri = self.uri(user);
        self.command("dial", &uri).await;
    }

    /// Sends DTMF keys on the current call (RFC 4733 events), as one key press each.
    pub async fn send_keys(&mut self, keys: &str) {
        self.command("sndcode", keys).await;
    }

    /// Stops baresip as its own quit does (SIGTERM: it unregisters, then exits) and waits
    /// until it is gone, so its ports are free again.
    pub async fn stop(mut self) -> String {
        self.terminate().await;
        self.log()
    }

    async fn terminate(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Where the instance's files are (config, accounts, log).
    #[allow(dead_code)]
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if std::thread::panicking() {
                eprintln!(
                    "---- baresip {} log ----\n{}\nevents: {:#?}",
                    self.device.username,
                    self.log(),
                    self.seen
                );
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
