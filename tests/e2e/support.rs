//! Shared pieces of the e2e tests: the sandbox's settings and database, sipp runs, ARI
//! look-ups, and Asterisk's log tail when a test fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use eventpbx::config::Settings;
use eventpbx::db::{devices, numbers, pjsip, Db};
use eventpbx::domain::CONTEXT_EXTENSIONS;

/// The project root (tests run with it as working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The settings the sandbox was started with.
pub fn settings() -> Settings {
    let file = std::env::var_os("EVENTPBX_CONFIG").map(PathBuf::from);
    Settings::load(file.as_deref()).expect("settings")
}

/// Asterisk's messages log, for checking what it did (prompts played, apps run).
pub struct AsteriskLog {
    path: PathBuf,
    start: u64,
}

impl AsteriskLog {
    /// Marks the current end of the log; [`AsteriskLog::since`] reads what came after.
    pub fn mark() -> AsteriskLog {
        let out = Command::new(root().join("scripts/asterisk-sandbox"))
            .arg("log-path")
            .output()
            .expect("scripts/asterisk-sandbox log-path");
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let start = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        AsteriskLog { path, start }
    }

    /// Log text written since the mark.
    pub fn since(&self) -> String {
        let text = std::fs::read(&self.path).unwrap_or_default();
        let from = usize::try_from(self.start).unwrap_or(0).min(text.len());
        String::from_utf8_lossy(&text[from..]).into_owned()
    }
}

/// Prints Asterisk's log tail if the test panics, so a failure can be diagnosed.
pub struct LogOnFailure;

impl Drop for LogOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let out = Command::new(root().join("scripts/asterisk-sandbox"))
                .args(["log", "80"])
                .output();
            if let Ok(out) = out {
                eprintln!(
                    "---- Asterisk messages.log (tail) ----\n{}",
                    String::from_utf8_lossy(&out.stdout)
                );
            }
        }
    }
}

/// Everything a test needs: settings, the shared DB (reset), and the log guard.
pub struct Sandbox {
    pub settings: Settings,
    pub db: Db,
    pub http: reqwest::Client,
    ari_password: String,
    _log: LogOnFailure,
}

impl Sandbox {
    /// Connects to the running sandbox and resets the shared database with DELETEs (never by
    /// replacing the file under Asterisk).
    pub async fn new() -> Sandbox {
        let settings = settings();
        let db = Db::open(&settings.db_path(), Duration::from_millis(5000))
            .expect("open the sandbox database (is scripts/asterisk-sandbox started?)");
        db.write(|tx| {
            for table in [
                "routes",
                "route_legs",
                "group_invitations",
                "group_members",
                "routing",
                "used_tokens",
                "token_attempts",
                "numbers",
                "browser_phones",
                "extensions",
                "devices",
                "ps_endpoints",
                "ps_auths",
                "ps_aors",
                "ps_contacts",
                // DECT handsets go with their devices; their release queue after them.
                "dect_handsets",
                "dect_releases",
            ] {
                tx.execute(&format!("DELETE FROM {table}"), [])?;
            }
            Ok(())
        })
        .await
        .expect("reset database");
        let ari_password = settings.ari_password().expect("ARI secret");
        let sandbox = Sandbox {
            settings,
            db,
            http: reqwest::Client::new(),
            ari_password,
            _log: LogOnFailure,
        };
        sandbox
            .ari_get("/asterisk/ping")
            .await
            .expect("ARI must answer: run scripts/asterisk-sandbox start");
        sandbox
    }

    /// GET on ARI, returning the JSON body.
    pub async fn ari_get(&self, path: &str) -> Result<serde_json::Value, String> {
        let url = format!("{}{}", self.settings.ari.url, path);
        let resp = self
            .http
            .get(&url)
            .basic_auth(&self.settings.ari.username, Some(&self.ari_password))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{url}: {status}: {body}"));
        }
        serde_json::from_str(&body).map_err(|e| format!("{url}: {e}: {body}"))
    }

    /// A SIP device with a number, created the way eventpbx creates them.
    pub async fn device(&self, number: &str, name: &str) -> Device {
        let number = number.to_string();
        let callerid = pjsip::callerid(name, &number);
        let defaults = eventpbx::db::pjsip::EndpointDefaults::from_settings(&self.settings);
        let n = number.clone();
        let creds = self
            .db
            .write(move |tx| {
                let c = devices::create(
                    tx,
                    devices::DeviceKind::Sip,
                    CONTEXT_EXTENSIONS,
                    &callerid,
                    &defaults,
                )?;
                numbers::assign(tx, &n, &c.username, numbers::NumberKind::Extension)?;
                Ok(c)
            })
            .await
            .expect("create device");
        Device {
            number,
            username: creds.username,
            password: creds.password,
            port: next_port(),
        }
    }

    /// A SIP extension (extension row, device and number), claimed through the service as an
    /// admin would: the numbering rules apply and its route is compiled.
    pub async fn extension(&self, number: &str, name: &str) -> Device {
        use eventpbx::db::extensions::{Created, ExtensionKind};
        use eventpbx::service::extensions::{claim, Claim, Owner};
        let c = Claim {
            owner: Owner::Nobody,
            number: number.into(),
            name: name.into(),
            kind: ExtensionKind::Sip,
            public: true,
            authority: eventpbx::domain::numbering::Authority::Admin,
            by_key: None,
        };
        let created = claim(&self.db, std::sync::Arc::new(self.settings.clone()), c)
            .await
            .unwrap_or_else(|e| panic!("claim {number}: {e}"));
        let Created::Sip(creds) = created else {
            panic!("a SIP extension expected")
        };
        Device {
            number: number.into(),
            username: creds.username,
            password: creds.password,
            port: next_port(),
        }
    }

    /// Waits up to `within` until the device's registrations in ps_contacts number `n`.
    pub async fn wait_contacts(&self, id: &str, n: usize, within: Duration) -> Vec<pjsip::Contact> {
        let deadline = Instant::now() + within;
        loop {
            let now = self.contacts(id).await;
            if now.len() == n {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "{id} kept {} registrations, not {n}: {now:?}",
                now.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sets one column of the device's AOR row, e.g. `"qualify_frequency = 0"`.
    pub async fn update_aor(&self, id: &str, assignment: &'static str) {
        let id = id.to_string();
        self.db
            .write(move |tx| {
                tx.execute(
                    &format!("UPDATE ps_aors SET {assignment} WHERE id = ?1"),
                    [&id],
                )?;
                Ok(())
            })
            .await
            .expect("update the AOR");
    }

    /// The device's registrations as Asterisk stored them.
    pub async fn contacts(&self, id: &str) -> Vec<pjsip::Contact> {
        let id = id.to_string();
        self.db
            .read(move |c| pjsip::contacts(c, &id))
            .await
            .expect("contacts")
    }

    /// The endpoint's state as ARI reports it. A realtime endpoint Asterisk has not loaded yet
    /// (nothing registered or called) is unknown to ARI: that counts as "offline".
    pub async fn endpoint_state(&self, id: &str) -> String {
        match self.ari_get(&format!("/endpoints/PJSIP/{id}")).await {
            Ok(ep) => ep["state"].as_str().unwrap_or_default().to_string(),
            Err(e) if e.contains("404") => "offline".into(),
            Err(e) => panic!("ARI: {e}"),
        }
    }

    /// Waits until ARI reports the endpoint in `state` ("online"/"offline").
    pub async fn wait_endpoint_state(&self, id: &str, state: &str) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ep = self.ari_get(&format!("/endpoints/PJSIP/{id}")).await;
            if let Ok(ep) = &ep {
                if ep["state"] == state {
                    return ep.clone();
                }
            }
            assert!(
                Instant::now() < deadline,
                "endpoint {id} never became {state}: {ep:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// An eventpbx running in this test process against the sandbox (same settings, same DB).
pub struct Eventpbx {
    #[allow(dead_code)]
    pub state: eventpbx::app::AppState,
    pub base: String,
    shutdown: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Eventpbx {
    /// eventpbx's own view (GET /healthz): ARI state and live channel count.
    pub async fn health(&self) -> serde_json::Value {
        reqwest::get(format!("{}/healthz", self.base))
            .await
            .expect("healthz")
            .json()
            .await
            .expect("healthz json")
    }

    /// Channels in eventpbx's live registry, through `GET /api/v1/channels` (a reader of
    /// the channels: eventpbx follows every channel only while someone reads them).
    pub async fn live_channel_count(&self) -> usize {
        let (status, page) = self.api_get("/api/v1/channels").await;
        assert_eq!(status, 200, "{page}");
        page["total"].as_u64().unwrap_or(u64::MAX) as usize
    }

    /// GET on eventpbx's JSON API with a read key made for it.
    pub async fn api_get(&self, path: &str) -> (u16, serde_json::Value) {
        let name = format!("e2e-read-{}", std::process::id());
        let key = self
            .state
            .db
            .write(move |tx| {
                // Keys outlive a test in the shared database; the name must be free.
                tx.execute("DELETE FROM api_keys WHERE name = ?1", [&name])?;
                eventpbx::db::api_keys::create(tx, &name, eventpbx::db::api_keys::Scope::Read)
            })
            .await
            .expect("API key");
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await
            .expect("API request");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("API JSON"))
    }

    /// Stops it (as SIGTERM would) and waits until it let go of ARI.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

impl Sandbox {
    /// Starts eventpbx and waits until it holds the Stasis app.
    pub async fn start_eventpbx(&self) -> Eventpbx {
        self.start_eventpbx_with(self.settings.clone()).await
    }

    /// Starts eventpbx with other settings (the same database and Asterisk) and waits until it
    /// holds the Stasis app.
    pub async fn start_eventpbx_with(&self, settings: Settings) -> Eventpbx {
        let state = eventpbx::app::AppState::open(settings).expect("app state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = tokio_util::sync::CancellationToken::new();
        let token = shutdown.clone();
        let app_state = state.clone();
        let task = tokio::spawn(async move {
            eventpbx::app::run(app_state, listener, token)
                .await
                .unwrap();
        });
        let app = Eventpbx {
            state,
            base,
            shutdown,
            task,
        };
        app.wait_ari("connected").await;
        app
    }
}

impl Eventpbx {
    /// Waits until eventpbx's own health says ARI is `status` ("connected", "reconnecting").
    pub async fn wait_ari(&self, status: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let health = self.health().await;
            if health["ari"]
                .as_str()
                .is_some_and(|s| s.starts_with(status))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "eventpbx's ARI never became {status}: {health}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The prompts Asterisk played for eventpbx, in order, named as below `<sounds>/<lang>/`
/// ("echo-intro", "digits/4"), read from its log lines "Playing '<path>.<format>'".
pub fn played(settings: &Settings, log: &str) -> Vec<String> {
    let dir = std::path::absolute(&settings.prompts.sounds_dir).expect("sounds dir");
    let prefix = format!("{}/{}/", dir.display(), settings.prompts.language);
    log.lines()
        .filter_map(|l| {
            let start = l.find("Playing '")? + "Playing '".len();
            let rest = &l[start..];
            let path = &rest[..rest.find('\'')?];
            let name = path.strip_prefix(&prefix)?;
            Some(name.rsplit_once('.').map_or(name, |(n, _)| n).to_string())
        })
        .collect()
}

impl Sandbox {
    /// A handset extension (kind handset, unbound) with its token.
    pub async fn handset_extension(&self, number: &str, name: &str) -> String {
        use eventpbx::db::extensions::{self, Created, ExtensionKind, NewExtension};
        let settings = self.settings.clone();
        let new = NewExtension {
            owner_id: None,
            number: number.to_string(),
            name: name.to_string(),
            kind: ExtensionKind::Handset,
            public: true,
            authority: eventpbx::domain::numbering::Authority::Attendee,
        };
        let created = self
            .db
            .write_as(move |tx| extensions::create(tx, &settings, &new))
            .await
            .expect("claim rules and db");
        match created {
            Created::Handset { token } => token,
            Created::Sip(_) | Created::Group | Created::Conference => panic!("handset expected"),
        }
    }

    /// A temporary handset as eventpbx mints them, as a test device.
    pub async fn temporary_handset(&self) -> Device {
        use eventpbx::db::handsets;
        let plan = handsets::TemporaryPlan::from_settings(&self.settings);
        let h = self
            .db
            .write(move |tx| handsets::create_temporary(tx, &plan))
            .await
            .expect("temporary handset");
        Device {
            number: h.number,
            username: h.credentials.username,
            password: h.credentials.password,
            port: next_port(),
        }
    }

    /// Everything a refused registration must leave as it was: numbers, extensions, tokens,
    /// the PJSIP rows and registrations.
    pub async fn binding_state(&self) -> Vec<String> {
        self.db
            .read(|c| {
                let mut out = Vec::new();
                for q in [
                    "SELECT number || '>' || endpoint || '>' || kind FROM numbers ORDER BY 1",
                    "SELECT number || '|' || coalesce(device_id,'') || '|' || coalesce(token,'') || '|' || coalesce(bound_at,'') FROM extensions ORDER BY 1",
                    "SELECT id || '|' || context || '|' || callerid FROM ps_endpoints ORDER BY 1",
                    "SELECT id || '|' || password FROM ps_auths ORDER BY 1",
                    "SELECT id || '|' || max_contacts FROM ps_aors ORDER BY 1",
                    "SELECT id || '|' || coalesce(call_id,'') FROM ps_contacts ORDER BY 1",
                    "SELECT token || '|' || number FROM used_tokens ORDER BY 1",
                ] {
                    let mut stmt = c.prepare(q)?;
                    let rows: Vec<String> = stmt
                        .query_map([], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    out.push(rows.join("\n"));
                }
                Ok(out)
            })
            .await
            .expect("binding state")
    }

    /// The endpoint the dialplan would ring for `number`.
    pub async fn endpoint_of(&self, number: &str) -> Option<String> {
        let n = number.to_string();
        self.db
            .read(move |c| eventpbx::db::numbers::endpoint_of(c, &n))
            .await
            .expect("numbers")
    }
}

/// Test credentials of one device.
#[derive(Debug, Clone)]
pub struct Device {
    pub number: String,
    pub username: String,
    pub password: String,
    /// The device's own SIP port: every sipp run as this device uses it, like a phone would.
    pub port: u16,
}

/// A unique local SIP port (and media port) per device within this test run.
pub fn next_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    // Spread by process id so a rerun does not collide with lingering sockets.
    let base = 20000 + (std::process::id() % 100) as u16 * 100;
    // sipp also binds media on port+2 and port+4 (RTCP, video): leave room.
    base + (n % 50) * 10
}

/// One sipp run.
pub struct Sipp {
    child: Child,
    pub message_log: PathBuf,
    pub name: String,
    _dir: tempfile::TempDir,
    /// Keeps a rendered scenario alive while sipp runs.
    scenario_dir: Option<tempfile::TempDir>,
}

/// Registers `device` (REGISTER with digest auth, must succeed), then keeps a listener on its
/// address that answers qualify OPTIONS and one call, like a phone on a desk.
pub async fn register_and_listen(settings: &Settings, device: &Device) -> Sipp {
    sipp(settings, "register", device, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    // Asterisk qualifies a new contact at once; its OPTIONS are retransmitted for a few
    // seconds, so the listener, started right away, answers one of them.
    sipp(settings, "answer", device, &[])
}

/// One thing a calling test phone does once the call is up.
#[derive(Debug, Clone)]
pub enum Step {
    /// Wait this many milliseconds.
    Pause(u32),
    /// Send one DTMF key as RFC 2833 events.
    Dtmf(char),
    /// Key a whole sequence with its own timing (a generated RFC 4733 recording); the
    /// scenario waits until its last packet is out.
    Keyed(crate::rtp_events::Keying),
    /// Speak: play this G.711 A-law recording (the call must offer PCMA) in the background;
    /// the steps go on at once.
    Speak(PathBuf),
}

/// How a test call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Wait until Asterisk hangs up.
    AsteriskHangsUp,
    /// Hang up ourselves after the steps.
    CallerHangsUp,
}

/// DTMF keys of `digits`, each followed by a short gap, as steps.
pub fn keys(digits: &str) -> Vec<Step> {
    // sipp's DTMF pcaps last about half a second; a new one must not start before the last
    // one ended, or the events of both are lost.
    digits
        .chars()
        .flat_map(|c| [Step::Dtmf(c), Step::Pause(600)])
        .collect()
}

/// sip-tester's DTMF recordings all share one SSRC, and their RTP sequence numbers and
/// timestamps differ per digit (digit 0's are the highest). Played in a row, a digit whose
/// numbers are lower than the previous one's looks like a stale packet to Asterisk and is
/// dropped. So each key of a call gets a copy renumbered to continue where the last ended.
fn renumbered_dtmf(c: char, index: u32, dir: &std::path::Path) -> PathBuf {
    let name = match c {
        '#' => "pound".to_string(),
        '*' => "star".to_string(),
        d => d.to_string(),
    };
    let mut data = std::fs::read(format!("/usr/share/sip-tester/dtmf_2833_{name}.pcap"))
        .expect("sip-tester's DTMF pcaps (apt-get install sip-tester)");
    let link_len = match u32::from_le_bytes(data[20..24].try_into().unwrap()) {
        1 => 14,   // Ethernet
        113 => 16, // Linux cooked capture
        other => panic!("unexpected pcap link type {other}"),
    };
    let (seq_base, ts_base) = (1000 + index as u16 * 50, 160_000 + index * 16_000);
    let mut first: Option<(u16, u32)> = None;
    let mut off = 24;
    while off + 16 <= data.len() {
        let incl = u32::from_le_bytes(data[off + 8..off + 12].try_into().unwrap()) as usize;
        let pkt = off + 16;
        let ip = pkt + link_len;
        let rtp = ip + usize::from(data[ip] & 0x0f) * 4 + 8;
        let seq = u16::from_be_bytes(data[rtp + 2..rtp + 4].try_into().unwrap());
        let ts = u32::from_be_bytes(data[rtp + 4..rtp + 8].try_into().unwrap());
        let (seq0, ts0) = *first.get_or_insert((seq, ts));
        let new_seq = seq_base.wrapping_add(seq.wrapping_sub(seq0));
        let new_ts = ts_base.wrapping_add(ts.wrapping_sub(ts0));
        data[rtp + 2..rtp + 4].copy_from_slice(&new_seq.to_be_bytes());
        data[rtp + 4..rtp + 8].copy_from_slice(&new_ts.to_be_bytes());
        off = pkt + incl;
    }
    let path = dir.join(format!("dtmf_{index}_{name}.pcap"));
    std::fs::write(&path, data).expect("write pcap");
    path
}

fn render_steps(steps: &[Step], dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut keys = 0;
    for step in steps {
        match step {
            Step::Pause(ms) => out.push_str(&format!("  <pause milliseconds=\"{ms}\"/>\n")),
            Step::Dtmf(c) => {
                let pcap = renumbered_dtmf(*c, keys, dir);
                keys += 1;
                // The pcap plays in the background; the pause lets it finish before the next.
                out.push_str(&format!(
                    "  <nop><action><exec play_pcap_audio=\"{}\"/></action></nop>\n  <pause milliseconds=\"250\"/>\n",
                    pcap.display()
                ));
            }
            Step::Speak(pcap) => out.push_str(&format!(
                "  <nop><action><exec play_pcap_audio=\"{}\"/></action></nop>\n",
                pcap.display()
            )),
            Step::Keyed(keying) => {
                let pcap = dir.join(format!("keyed_{keys}.pcap"));
                // Above the renumbered single keys' numbers, and each recording of the
                // call above the last (10 minutes of media clock apart).
                let mut keying = keying.clone();
                keying.seq_base = 20_000u16.wrapping_add(keys as u16 * 5_000);
                keying.ts_base = 10_000_000 + keys * 4_800_000;
                keys += 1;
                keying.write(&pcap);
                out.push_str(&format!(
                    "  <nop><action><exec play_pcap_audio=\"{}\"/></action></nop>\n  <pause milliseconds=\"{}\"/>\n",
                    pcap.display(),
                    keying.length_ms() + 100
                ));
            }
        }
    }
    out
}

/// Calls `to` as `device`, runs `steps` once answered, then ends as `end` says.
pub fn call(settings: &Settings, device: &Device, to: &str, steps: &[Step], end: End) -> Sipp {
    call_with(settings, device, to, steps, end, &[])
}

/// [`call`] with more sipp arguments (`-rtp_echo`: send back the media it gets).
pub fn call_with(
    settings: &Settings,
    device: &Device,
    to: &str,
    steps: &[Step],
    end: End,
    extra: &[&str],
) -> Sipp {
    let template = match end {
        End::AsteriskHangsUp => "call_dtmf.xml",
        End::CallerHangsUp => "call_dtmf_hangup.xml",
    };
    call_from_template_with(settings, device, to, steps, template, extra)
}

/// Like [`call`], with the scenario template `template` of tests/sipp (one with the STEPS
/// marker).
pub fn call_from_template(
    settings: &Settings,
    device: &Device,
    to: &str,
    steps: &[Step],
    template: &str,
) -> Sipp {
    call_from_template_with(settings, device, to, steps, template, &[])
}

/// [`call_from_template`] with more sipp arguments.
pub fn call_from_template_with(
    settings: &Settings,
    device: &Device,
    to: &str,
    steps: &[Step],
    template: &str,
    extra: &[&str],
) -> Sipp {
    let text = std::fs::read_to_string(root().join("tests/sipp").join(template))
        .expect("scenario template");
    let dir = tempfile::tempdir().expect("tempdir");
    let rendered = text.replace("  <!-- STEPS -->\n", &render_steps(steps, dir.path()));
    let path = dir.path().join(template);
    std::fs::write(&path, rendered).expect("write scenario");
    // Calls go out from the port above the device's own, so a listener on the registered
    // address can keep answering qualify OPTIONS meanwhile (Asterisk identifies the caller by
    // its SIP username and digest auth, not by its port).
    let mut args = vec!["-m", "1", "-key", "dial", to];
    args.extend_from_slice(extra);
    let mut run = sipp_file(settings, &path, device, device.port + 1, &args);
    run.scenario_dir = Some(dir);
    run
}

/// Starts sipp with a scenario from tests/sipp as `device`, plus extra arguments.
pub fn sipp(settings: &Settings, scenario: &str, device: &Device, extra: &[&str]) -> Sipp {
    let path = root().join("tests/sipp").join(format!("{scenario}.xml"));
    sipp_file(settings, &path, device, device.port, extra)
}

/// Starts sipp with the scenario file `scenario_path` as `device`, from local `port`.
pub fn sipp_file(
    settings: &Settings,
    scenario_path: &std::path::Path,
    device: &Device,
    port: u16,
    extra: &[&str],
) -> Sipp {
    let dir = tempfile::tempdir().expect("tempdir");
    let message_log = dir.path().join("messages.log");
    let remote = format!("{}:{}", settings.sip.bind, settings.sip.port);
    let mut cmd = Command::new("sipp");
    cmd.arg(&remote)
        .arg("-sf")
        .arg(scenario_path)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &(port + 10000).to_string()])
        .args(["-s", &device.username])
        .args(["-au", &device.username, "-ap", &device.password])
        .args(["-timeout", "40s", "-timeout_error"])
        .args(["-nostdin", "-trace_msg", "-message_file"])
        .arg(&message_log)
        .args(["-trace_err", "-error_file"])
        .arg(dir.path().join("errors.log"))
        .args(extra)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = cmd
        .spawn()
        .expect("sipp must be installed (apt-get install sip-tester)");
    let scenario = scenario_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Sipp {
        child,
        message_log,
        name: format!("{scenario} as {}", device.username),
        _dir: dir,
        scenario_dir: None,
    }
}

impl Sipp {
    /// Ends a listener and returns what it saw (e.g. to prove a phone never got an INVITE).
    pub fn kill(mut self) -> SippResult {
        let _ = self.child.kill();
        let status = self.child.wait().expect("wait for sipp");
        SippResult {
            success: false,
            code: status.code(),
            messages: std::fs::read_to_string(&self.message_log).unwrap_or_default(),
            errors: std::fs::read_to_string(self._dir.path().join("errors.log"))
                .unwrap_or_default(),
            name: self.name,
        }
    }

    /// Keeps a rendered scenario's folder alive while sipp runs.
    pub fn keep(mut self, dir: tempfile::TempDir) -> Sipp {
        self.scenario_dir = Some(dir);
        self
    }

    /// Messages sipp logged so far, while it runs.
    pub fn messages_so_far(&self) -> String {
        std::fs::read_to_string(&self.message_log).unwrap_or_default()
    }

    /// Ends a listener that is no longer needed.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for sipp to end; returns true if its one call succeeded (exit status 0).
    pub async fn finish(mut self) -> SippResult {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for sipp") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("sipp ({}) did not finish within 60 s", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let messages = std::fs::read_to_string(&self.message_log).unwrap_or_default();
        let errors =
            std::fs::read_to_string(self._dir.path().join("errors.log")).unwrap_or_default();
        SippResult {
            // 97: sipp ended itself through an internal command (answer.xml's stop_now, which
            // it runs only after a completed call).
            success: status.success() || status.code() == Some(97),
            code: status.code(),
            messages,
            errors,
            name: self.name,
        }
    }
}

/// What a finished sipp run left behind.
#[derive(Debug)]
pub struct SippResult {
    pub success: bool,
    pub code: Option<i32>,
    /// Every message sipp sent and received (-trace_msg).
    pub messages: String,
    pub errors: String,
    pub name: String,
}

impl SippResult {
    /// Panics with sipp's own logs unless the scenario passed.
    pub fn assert_ok(&self) {
        assert!(
            self.success,
            "sipp ({}) failed with {:?}\nerrors:\n{}\nmessages:\n{}",
            self.name, self.code, self.errors, self.messages
        );
    }

    /// The first received request of `method`, as sipp logged it.
    pub fn received_request(&self, method: &str) -> Option<String> {
        // sipp logs each message as a block: a dashed line with a timestamp, a line such as
        // "UDP message received [825] bytes :", a blank line, then the message itself.
        self.messages
            .split("----------------------------------------------- ")
            .find_map(|block| {
                let mut parts = block.splitn(3, '\n');
                let _timestamp = parts.next()?;
                let what = parts.next()?;
                let body = parts.next()?.trim_start();
                (what.contains("message received") && body.starts_with(&format!("{method} ")))
                    .then(|| body.to_string())
            })
    }
}

/// A header's value in a SIP message (case-insensitive name, first occurrence).
pub fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        if n.trim().eq_ignore_ascii_case(name) {
            Some(v.trim())
        } else {
            None
        }
    })
}
