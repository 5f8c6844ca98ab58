//! One typed [`Settings`]: defaults, then `eventpbx.toml`, then `EVENTPBX_*` environment variables.
//!
//! Nested keys use a double underscore in the environment: `EVENTPBX_WEB__LISTEN=0.0.0.0:80`
//! sets `web.listen`. Secrets (the ARI password) are never printed by `Debug`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Why the settings could not be loaded. The message names the key and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or an environment variable holds a bad value, or an unknown key.
    #[error("configuration error: {0}")]
    Invalid(String),
    /// A value parsed but breaks a rule (ranges overlap, a code is not digits, ...).
    #[error("configuration error: {key}: {problem}")]
    Rule { key: &'static str, problem: String },
    /// The ARI secret file could not be read.
    #[error("cannot read the ARI secret from {path}: {source} (start the sandbox with scripts/asterisk-sandbox start, or set ari.password)")]
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Everything eventpbx can be told. See `eventpbx.example.toml` for each key's meaning.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub data: DataSettings,
    pub web: WebSettings,
    pub ari: AriSettings,
    pub sip: SipSettings,
    pub codes: CodeSettings,
    pub numbering: NumberingSettings,
    pub prompts: PromptSettings,
    pub asterisk: AsteriskSettings,
    pub calls: CallSettings,
}

/// Where the database and the generated secrets live.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DataSettings {
    /// The data folder: `eventpbx.db` and `ari.secret`. Not world-readable (it holds SIP secrets).
    pub dir: PathBuf,
    /// How long a writer waits for a lock held by Asterisk or another writer, in milliseconds.
    pub busy_timeout_ms: u64,
}

/// The web UI and JSON API.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// The URL people open; printed at start and used in links.
    pub public_url: String,
    /// Mark session cookies Secure (set when a TLS proxy fronts eventpbx).
    pub secure_cookies: bool,
    /// IANA-free fixed offset of the event's time zone, e.g. "+01:00".
    pub utc_offset: String,
    /// Reverse proxies (addresses or CIDR networks) whose `X-Forwarded-For` is believed.
    /// Empty: the TCP peer is the client, whatever headers say.
    pub trusted_proxies: Vec<ProxyNet>,
    /// Accounts the sign-up page creates per client address and hour.
    pub signups_per_address_per_hour: u32,
    /// Accounts the sign-up page creates per hour in all (a bound on scripted sign-ups from
    /// many addresses).
    pub signups_per_hour: u32,
}

/// One entry of `web.trusted_proxies`: `10.0.0.5`, `10.0.0.0/8`, `::1` or `fd00::/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProxyNet(ipnet::IpNet);

impl ProxyNet {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl TryFrom<String> for ProxyNet {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<ipnet::IpNet>() {
            // 10.1.2.3/8 is almost certainly a typo for 10.0.0.0/8; say so rather than guess.
            if net.addr() != net.network() {
                return Err(format!(
                    "{text:?} has host bits set; did you mean {}?",
                    net.trunc()
                ));
            }
            return Ok(ProxyNet(net));
        }
        text.parse::<IpAddr>()
            .map(|ip| ProxyNet(ipnet::IpNet::from(ip.to_canonical())))
            .map_err(|_| format!("{text:?} is not an IP address or a network like 10.0.0.0/8"))
    }
}

impl From<ProxyNet> for String {
    fn from(net: ProxyNet) -> String {
        net.0.to_string()
    }
}

/// How to reach Asterisk's REST interface.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AriSettings {
    /// Base URL of ARI, ending in `/ari`.
    pub url: String,
    /// ARI user from ari.conf.
    pub username: String,
    /// ARI password. Empty means: read it from `password_file`.
    pub password: String,
    /// File holding the ARI password (written by the sandbox). Relative paths are under data.dir.
    pub password_file: PathBuf,
    /// Stasis application name; the dialplan sends calls to it.
    pub app: String,
    /// Allow an ARI URL that is not on loopback. ARI can originate calls and run dialplan
    /// applications, and Asterisk's HTTP server serves it without TLS: keep it off the network
    /// unless a TLS tunnel or similar protects it.
    pub allow_remote: bool,
}

impl fmt::Debug for AriSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AriSettings")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("password_file", &self.password_file)
            .field("app", &self.app)
            .field("allow_remote", &self.allow_remote)
            .finish()
    }
}

/// SIP as phones see it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SipSettings {
    /// Address Asterisk's SIP transports bind to.
    pub bind: String,
    /// SIP port (UDP and TCP).
    pub port: u16,
    /// The registrar address the web page tells phones.
    pub public_address: String,
    /// Seconds between OPTIONS pings to each registered device (0: never). Besides spotting
    /// dead handsets, it is what makes Asterisk track the state of a device added at run time.
    pub qualify_frequency: u32,
}

/// Service codes rendered into the dialplan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CodeSettings {
    /// Speaks the caller's own number.
    pub info: String,
    /// Echo test: answers and speaks back each digit.
    pub echo: String,
    /// Registration code; may be followed by the token en bloc.
    pub register: String,
}

/// Numbering that lives in the settings file (the rest is in the DB and admin-editable).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NumberingSettings {
    /// First temporary number handed to new handsets.
    pub temporary_first: String,
    /// Last temporary number.
    pub temporary_last: String,
    /// Emergency numbers every device, temporary or not, may dial.
    pub emergency: Vec<String>,
    /// Help-desk numbers temporary handsets may dial.
    pub helpdesk: Vec<String>,
    /// Digits in a registration token (at least 8).
    pub token_length: usize,
}

/// How the rendered Asterisk configuration runs Asterisk.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AsteriskSettings {
    /// The unprivileged user Asterisk switches to after start (`runuser`). Never root: every
    /// attendee's phone sends text into Asterisk.
    pub run_user: String,
    /// The group Asterisk runs as (`rungroup`), shared with eventpbx: the database, its folder
    /// and the rendered config files belong to it.
    pub run_group: String,
    /// Verbosity of Asterisk's messages log. At 3 and above Asterisk logs every dialplan step,
    /// dialled registration tokens included: keep it at 2 or below outside tests.
    pub log_verbose: u8,
}

impl Default for AsteriskSettings {
    fn default() -> Self {
        AsteriskSettings {
            run_user: "asterisk".into(),
            run_group: "asterisk".into(),
            log_verbose: 2,
        }
    }
}

/// Spoken prompts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PromptSettings {
    /// "en" or "de".
    pub language: String,
    /// Folder with one sub-folder per language. Relative paths are taken from the working directory.
    pub sounds_dir: PathBuf,
}

/// Limits of the calls eventpbx answers itself (the codes).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CallSettings {
    /// Longest registration call, in seconds: three tries fit well within it; a caller that
    /// keeps the line open longer only ties up a channel.
    pub max_register_secs: u32,
    /// Longest info call (speaks the caller's number), in seconds.
    pub max_info_secs: u32,
    /// Longest echo test, in seconds.
    pub max_echo_secs: u32,
    /// More failed tokens than this across all handsets within `token_guard_minutes` raise an
    /// alarm on the operator page and in the events stream.
    pub token_guard_failures: u32,
    /// The guard's window, in minutes.
    pub token_guard_minutes: u32,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            max_register_secs: 120,
            max_info_secs: 60,
            max_echo_secs: 300,
            token_guard_failures: 50,
            token_guard_minutes: 10,
        }
    }
}

impl Default for DataSettings {
    fn default() -> Self {
        DataSettings {
            dir: PathBuf::from("data"),
            busy_timeout_ms: 5000,
        }
    }
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            utc_offset: "+00:00".into(),
            trusted_proxies: Vec::new(),
            signups_per_address_per_hour: 5,
            signups_per_hour: 200,
        }
    }
}

impl Default for AriSettings {
    fn default() -> Self {
        AriSettings {
            url: "http://127.0.0.1:8088/ari".into(),
            username: "eventpbx".into(),
            password: String::new(),
            password_file: PathBuf::from("ari.secret"),
            app: "eventpbx".into(),
            allow_remote: false,
        }
    }
}

impl Default for SipSettings {
    fn default() -> Self {
        SipSettings {
            bind: "127.0.0.1".into(),
            port: 5060,
            public_address: "127.0.0.1".into(),
            qualify_frequency: 60,
        }
    }
}

impl Default for CodeSettings {
    fn default() -> Self {
        CodeSettings {
            info: "9950".into(),
            echo: "9951".into(),
            register: "9955".into(),
        }
    }
}

impl Default for NumberingSettings {
    fn default() -> Self {
        NumberingSettings {
            temporary_first: "99560000".into(),
            temporary_last: "99569999".into(),
            emergency: vec!["112".into()],
            helpdesk: vec!["1000".into()],
            token_length: 10,
        }
    }
}

impl Default for PromptSettings {
    fn default() -> Self {
        PromptSettings {
            language: "en".into(),
            sounds_dir: PathBuf::from("sounds"),
        }
    }
}

impl Settings {
    /// Defaults, overlaid by the TOML file (if given, it must exist), then by `EVENTPBX_*`.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Invalid(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        // Every setting is SECTION__KEY; other EVENTPBX_* variables (EVENTPBX_CONFIG, the
        // scripts' EVENTPBX_BIN, EVENTPBX_SANDBOX_ROOT, ...) are not settings.
        figment = figment.merge(
            Env::prefixed("EVENTPBX_")
                .filter(|key| key.as_str().contains("__"))
                .split("__"),
        );
        Self::from_figment(figment)
    }

    /// Parses settings from TOML text alone (no environment); for tests and tools.
    pub fn from_toml(text: &str) -> Result<Settings, ConfigError> {
        let figment =
            Figment::from(Serialized::defaults(Settings::default())).merge(Toml::string(text));
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(describe_figment_error(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let digits = |key: &'static str, value: &str| -> Result<(), ConfigError> {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ConfigError::Rule {
                    key,
                    problem: format!("{value:?} must be digits only"),
                });
            }
            Ok(())
        };
        digits("codes.info", &self.codes.info)?;
        digits("codes.echo", &self.codes.echo)?;
        digits("codes.register", &self.codes.register)?;
        digits("numbering.temporary_first", &self.numbering.temporary_first)?;
        digits("numbering.temporary_last", &self.numbering.temporary_last)?;
        for n in &self.numbering.emergency {
            digits("numbering.emergency", n)?;
        }
        for n in &self.numbering.helpdesk {
            digits("numbering.helpdesk", n)?;
        }
        if self.numbering.temporary_first.len() != self.numbering.temporary_last.len()
            || self.numbering.temporary_first > self.numbering.temporary_last
        {
            return Err(ConfigError::Rule {
                key: "numbering.temporary_first",
                problem: "the temporary range must be first <= last with equal lengths".into(),
            });
        }
        if self.numbering.token_length < 8 || self.numbering.token_length > 20 {
            return Err(ConfigError::Rule {
                key: "numbering.token_length",
                problem: format!("{} is outside 8..=20", self.numbering.token_length),
            });
        }
        for (key, secs) in [
            ("calls.max_register_secs", self.calls.max_register_secs),
            ("calls.max_info_secs", self.calls.max_info_secs),
            ("calls.max_echo_secs", self.calls.max_echo_secs),
        ] {
            if !(1..=86_400).contains(&secs) {
                return Err(ConfigError::Rule {
                    key,
                    problem: format!("{secs} is outside 1..=86400 seconds"),
                });
            }
        }
        if !(1..=24 * 60).contains(&self.calls.token_guard_minutes) {
            return Err(ConfigError::Rule {
                key: "calls.token_guard_minutes",
                problem: "must be 1 to 1440 minutes".into(),
            });
        }
        if self.sip.qualify_frequency > 86_400 {
            return Err(ConfigError::Rule {
                key: "sip.qualify_frequency",
                problem: "must be at most 86400 seconds".into(),
            });
        }
        if !matches!(self.prompts.language.as_str(), "en" | "de") {
            return Err(ConfigError::Rule {
                key: "prompts.language",
                problem: format!("{:?} is not one of \"en\", \"de\"", self.prompts.language),
            });
        }
        if !self.ari.url.starts_with("http://") && !self.ari.url.starts_with("https://") {
            return Err(ConfigError::Rule {
                key: "ari.url",
                problem: format!("{:?} must start with http:// or https://", self.ari.url),
            });
        }
        if !self.ari.allow_remote && !url_is_loopback(&self.ari.url) {
            return Err(ConfigError::Rule {
                key: "ari.url",
                problem: format!(
                    "{:?} is not on loopback; ARI controls every call, so keep it on 127.0.0.1 (or set ari.allow_remote = true behind a TLS tunnel)",
                    self.ari.url
                ),
            });
        }
        let account = |key: &'static str, value: &str| -> Result<(), ConfigError> {
            if value.is_empty()
                || !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(ConfigError::Rule {
                    key,
                    problem: format!(
                        "{value:?} must be a user or group name (letters, digits, '-', '_')"
                    ),
                });
            }
            if value == "root" {
                return Err(ConfigError::Rule {
                    key,
                    problem: "Asterisk must not run as root".into(),
                });
            }
            Ok(())
        };
        account("asterisk.run_user", &self.asterisk.run_user)?;
        account("asterisk.run_group", &self.asterisk.run_group)?;
        if self.asterisk.log_verbose > 5 {
            return Err(ConfigError::Rule {
                key: "asterisk.log_verbose",
                problem: "must be 0 to 5".into(),
            });
        }
        if self.ari.app.is_empty()
            || !self
                .ari
                .app
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ConfigError::Rule {
                key: "ari.app",
                problem: "must be letters, digits, '-' or '_'".into(),
            });
        }
        parse_utc_offset(&self.web.utc_offset).ok_or_else(|| ConfigError::Rule {
            key: "web.utc_offset",
            problem: format!("{:?} is not like +01:00", self.web.utc_offset),
        })?;
        let codes = [&self.codes.info, &self.codes.echo, &self.codes.register];
        let mut fixed: Vec<&String> = codes.to_vec();
        fixed.extend(self.numbering.emergency.iter());
        fixed.extend(self.numbering.helpdesk.iter());
        for (i, a) in fixed.iter().enumerate() {
            for b in fixed.iter().skip(i + 1) {
                if a.starts_with(b.as_str()) || b.starts_with(a.as_str()) {
                    return Err(ConfigError::Rule {
                        key: "codes",
                        problem: format!(
                            "{a} and {b} clash: service codes, emergency and help-desk numbers must be prefix-free"
                        ),
                    });
                }
            }
        }
        // A code or desk number inside the temporary range (or one that starts a temporary
        // number, or is started by one) would make one of the two undialable.
        let (first, last) = (
            &self.numbering.temporary_first,
            &self.numbering.temporary_last,
        );
        for n in &fixed {
            let clash = if n.len() >= first.len() {
                let head = &n[..first.len()];
                head >= first.as_str() && head <= last.as_str()
            } else {
                n.as_str() >= &first[..n.len()] && n.as_str() <= &last[..n.len()]
            };
            if clash {
                return Err(ConfigError::Rule {
                    key: "numbering.temporary_first",
                    problem: format!(
                        "the temporary range {first}–{last} clashes with {n}: codes, emergency and help-desk numbers must lie outside it"
                    ),
                });
            }
        }
        Ok(())
    }

    /// One value by dotted key (`data.dir`), as text; for scripts. Secrets are refused.
    pub fn get(&self, key: &str) -> Result<String, ConfigError> {
        if key == "ari.password" {
            return Err(ConfigError::Invalid("ari.password is a secret".into()));
        }
        let mut value =
            serde_json::to_value(self).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        for part in key.split('.') {
            value = value
                .get(part)
                .cloned()
                .ok_or_else(|| ConfigError::Invalid(format!("{key}: no such setting")))?;
        }
        Ok(match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// The SQLite file shared with Asterisk.
    pub fn db_path(&self) -> PathBuf {
        self.data.dir.join("eventpbx.db")
    }

    /// The ARI password: `ari.password` if set, else the secret file's first line.
    pub fn ari_password(&self) -> Result<String, ConfigError> {
        if !self.ari.password.is_empty() {
            return Ok(self.ari.password.clone());
        }
        let path = if self.ari.password_file.is_absolute() {
            self.ari.password_file.clone()
        } else {
            self.data.dir.join(&self.ari.password_file)
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ConfigError::Secret { path, source })?;
        Ok(text.trim().to_string())
    }

    /// What every new device's PJSIP rows get from the settings.
    pub fn endpoint_defaults(&self) -> crate::db::pjsip::EndpointDefaults {
        crate::db::pjsip::EndpointDefaults {
            language: self.prompts.language.clone(),
            qualify_frequency: self.sip.qualify_frequency,
        }
    }

    /// The event's time zone as an offset.
    pub fn utc_offset(&self) -> time::UtcOffset {
        parse_utc_offset(&self.web.utc_offset).unwrap_or(time::UtcOffset::UTC)
    }
}

/// Whether an http(s) URL's host is a loopback address or `localhost`.
fn url_is_loopback(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in the URL would be a way to hide the real host after an '@'.
    if authority.contains('@') {
        return false;
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn parse_utc_offset(text: &str) -> Option<time::UtcOffset> {
    let format = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    time::UtcOffset::parse(text, &format).ok()
}

/// figment's own message already names the key ("for key `web.listen`"); add where it came from.
fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                String::from("(top level)")
            } else {
                e.path.join(".")
            };
            let source = match e.metadata.as_ref() {
                Some(m) => match &m.source {
                    Some(figment::Source::File(path)) => format!(" (in {})", path.display()),
                    _ => format!(" (from {})", m.name),
                },
                None => String::new(),
            };
            format!("{key}: {}{source}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_local() {
        let s = Settings::from_toml("").unwrap();
        assert_eq!(s.web.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.ari.url, "http://127.0.0.1:8088/ari");
        assert_eq!(s.ari.app, "eventpbx");
        assert_eq!(s.db_path(), PathBuf::from("data/eventpbx.db"));
    }

    #[test]
    fn bad_value_names_the_key() {
        let err = Settings::from_toml("[web]\nlisten = \"nonsense\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("web.listen"), "{msg}");
    }

    #[test]
    fn trusted_proxies_parse_from_toml_and_bad_ones_name_the_key() {
        let s = Settings::from_toml("[web]\ntrusted_proxies = [\"127.0.0.1\", \"fd00::/8\"]\n")
            .unwrap();
        assert_eq!(s.web.trusted_proxies.len(), 2);
        assert!(s.web.trusted_proxies[0].contains("127.0.0.1".parse().unwrap()));
        assert!(s.web.trusted_proxies[0].contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(s.web.trusted_proxies[1].contains("fd00::5".parse().unwrap()));
        assert!(!s.web.trusted_proxies[1].contains("fe00::5".parse().unwrap()));
        let err = Settings::from_toml("[web]\ntrusted_proxies = [\"10.1.2.3/8\"]\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("trusted_proxies") && msg.contains("10.0.0.0/8"),
            "{msg}"
        );
        assert!(Settings::from_toml("[web]\ntrusted_proxies = [\"nginx\"]\n").is_err());
        assert!(
            Settings::default().web.trusted_proxies.is_empty(),
            "trust nobody by default"
        );
    }

    #[test]
    fn unknown_key_names_the_key() {
        let err = Settings::from_toml("[sip]\nbnid = \"1.2.3.4\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("bnid"), "{msg}");
    }

    #[test]
    fn rule_violations_name_the_key() {
        let err = Settings::from_toml("[numbering]\ntoken_length = 4\n").unwrap_err();
        assert!(err.to_string().contains("numbering.token_length"));
        let err = Settings::from_toml("[codes]\ninfo = \"99\"\necho = \"995\"\n").unwrap_err();
        assert!(err.to_string().contains("prefix-free"), "{err}");
        let err = Settings::from_toml("[codes]\ninfo = \"9x\"\n").unwrap_err();
        assert!(err.to_string().contains("codes.info"));
    }

    #[test]
    fn ari_must_stay_on_loopback_unless_allowed() {
        for url in [
            "http://10.0.0.5:8088/ari",
            "http://evil.example:8088/ari",
            "http://127.0.0.1@10.0.0.5:8088/ari",
        ] {
            let err = Settings::from_toml(&format!("[ari]\nurl = {url:?}\n")).unwrap_err();
            assert!(err.to_string().contains("ari.url"), "{url}: {err}");
        }
        for url in [
            "http://127.0.0.1:8088/ari",
            "http://localhost:8088/ari",
            "http://[::1]:8088/ari",
            "http://127.0.0.2/ari",
        ] {
            Settings::from_toml(&format!("[ari]\nurl = {url:?}\n")).unwrap();
        }
        Settings::from_toml("[ari]\nurl = \"http://10.0.0.5:8088/ari\"\nallow_remote = true\n")
            .unwrap();
    }

    #[test]
    fn temporary_range_may_not_overlap_a_code() {
        for (first, last) in [
            ("99500000", "99599999"), // holds 9950xxxx, which starts with the info code
            ("1120", "1129"),         // starts with the emergency number
            ("9", "9"),               // starts every code
        ] {
            let err = Settings::from_toml(&format!(
                "[numbering]\ntemporary_first = {first:?}\ntemporary_last = {last:?}\n"
            ))
            .unwrap_err();
            assert!(err.to_string().contains("temporary"), "{first}: {err}");
        }
        Settings::from_toml(
            "[numbering]\ntemporary_first = \"99600000\"\ntemporary_last = \"99609999\"\n",
        )
        .unwrap();
    }

    #[test]
    fn asterisk_never_runs_as_root() {
        let err = Settings::from_toml("[asterisk]\nrun_user = \"root\"\n").unwrap_err();
        assert!(err.to_string().contains("asterisk.run_user"), "{err}");
        let err = Settings::from_toml("[asterisk]\nrun_group = \"a b\"\n").unwrap_err();
        assert!(err.to_string().contains("asterisk.run_group"), "{err}");
        let err = Settings::from_toml("[asterisk]\nlog_verbose = 9\n").unwrap_err();
        assert!(err.to_string().contains("asterisk.log_verbose"), "{err}");
    }

    #[test]
    fn debug_never_shows_the_ari_password() {
        let s = Settings::from_toml("[ari]\npassword = \"hunter2hunter2\"\n").unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.ari_password().unwrap(), "hunter2hunter2");
    }

    #[test]
    fn get_reads_dotted_keys() {
        let s = Settings::from_toml("").unwrap();
        assert_eq!(s.get("data.dir").unwrap(), "data");
        assert_eq!(s.get("sip.port").unwrap(), "5060");
        assert!(s.get("sip.nope").is_err());
        assert!(s.get("ari.password").is_err());
    }

    #[test]
    fn example_file_parses() {
        let text = include_str!("../eventpbx.example.toml");
        Settings::from_toml(text).unwrap();
    }
}
