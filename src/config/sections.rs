//! The sections of [`super::Settings`], each with its defaults. What the keys mean is in
//! `eventpbx.example.toml`; the rules across sections are checked in `super::Settings::validate`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
    /// Followed by a group's number: pauses or resumes the caller's membership in it.
    pub group_toggle: String,
    /// Alone: forwarding off; followed by a number: forwarding always to it.
    pub forward: String,
    /// Toggles do-not-disturb.
    pub dnd: String,
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
    /// Longest stay in a conference room, in seconds: a phone left off-hook in a room would
    /// otherwise hold its channel for the rest of the event.
    pub max_conference_secs: u32,
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
            max_conference_secs: 14_400,
            token_guard_failures: 50,
            token_guard_minutes: 10,
        }
    }
}

/// The call history Asterisk records (CDR, migration 014) and eventpbx ingests.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HistorySettings {
    /// Days a call stays in the history before it is pruned (1 to 3650).
    pub retention_days: u32,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings { retention_days: 30 }
    }
}

/// Automatic backups of the database into `<data.dir>/backups/`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BackupSettings {
    /// Minutes between automatic backups; 0 turns them off. On by default: a lost database
    /// costs an event its accounts and bindings, a backup costs a few megabytes.
    pub interval_minutes: u32,
    /// How many automatic backups to keep (the oldest go first); at least 1.
    pub keep: u32,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            interval_minutes: 60,
            keep: 48,
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
            group_toggle: "9952".into(),
            forward: "9953".into(),
            dnd: "9954".into(),
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

/// The phonebook as a read-only LDAP directory (`crate::ldap`), for DECT systems and desk
/// phones. Off unless enabled.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LdapSettings {
    /// Serve the directory.
    pub enabled: bool,
    /// Address and port to listen on. The directory holds only published entries, but keep it
    /// on the phones' network.
    pub listen: SocketAddr,
    /// The DN of the book's entries' parent; every entry is `uid=<number>,<base_dn>`.
    pub base_dn: String,
    /// A DN clients must bind as before they may search. Empty: anonymous searches, as most
    /// phones expect.
    pub bind_dn: String,
    /// File holding the bind password (first line). Relative paths are under data.dir.
    pub bind_password_file: PathBuf,
    /// The most entries one search returns (phones ask for 20 to 100).
    pub max_results: u32,
    /// The most connections served at once; more are closed at once.
    pub max_connections: u32,
}

impl fmt::Debug for LdapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LdapSettings")
            .field("enabled", &self.enabled)
            .field("listen", &self.listen)
            .field("base_dn", &self.base_dn)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password_file", &self.bind_password_file)
            .field("max_results", &self.max_results)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Default for LdapSettings {
    fn default() -> Self {
        LdapSettings {
            enabled: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 3890)),
            base_dn: "ou=phonebook,dc=eventpbx".into(),
            bind_dn: String::new(),
            bind_password_file: PathBuf::from("ldap.secret"),
            max_results: 500,
            max_connections: 256,
        }
    }
}

/// `GET /metrics` (Prometheus text format). Off unless enabled; a scraper must send the token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Serve `/metrics`.
    pub enabled: bool,
    /// File whose first line is the bearer token a scraper sends
    /// (`Authorization: Bearer <token>`). Relative paths are under data.dir.
    pub token_file: PathBuf,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            enabled: false,
            token_file: PathBuf::from("metrics.secret"),
        }
    }
}

/// eventpbx's own log lines (stderr). `RUST_LOG` picks what is logged, as usual.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// "text" (one readable line each) or "json" (one JSON object each, for log shippers).
    pub format: String,
    /// One line per HTTP request: method, route, status, duration and client address (never
    /// the query string, which may carry search words or stream positions).
    pub access: bool,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: "text".into(),
            access: true,
        }
    }
}

/// The Mitel SIP-DECT OMM the DECT sync logs in to (`service::dect`).
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OmmSettings {
    /// Run the sync. Off by default: most events have no OMM.
    pub enabled: bool,
    /// Where the OMM's AXI listens: `tcp://host:12621` (plain) or `tls://host:12622` (TLS).
    /// The scheme decides, not the port.
    pub url: String,
    /// The OMM account (it needs the rights of a user/device sync client).
    pub user: String,
    /// File holding that account's password. Relative paths are under data.dir.
    pub password_file: PathBuf,
    /// How long the admin page's "open subscription" lets any handset subscribe (1–60).
    pub wildcard_minutes: u8,
    /// When a DECT handset's device is deleted (a loaner handed back), also unsubscribe the
    /// handset in the OMM, so it must subscribe again. Its OMM user is deleted either way;
    /// with this off the handset stays subscribed and comes back as a new temporary handset.
    pub unsubscribe_on_release: bool,
    /// With a `tls://` url: accept whatever certificate the OMM presents (an OMM ships with a
    /// self-signed one). The connection is then encrypted but the OMM is not authenticated.
    /// Off: the certificate must chain to the system's CA store and name the url's host.
    pub tls_accept_self_signed: bool,
}

impl fmt::Debug for OmmSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OmmSettings")
            .field("enabled", &self.enabled)
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password_file", &self.password_file)
            .field("wildcard_minutes", &self.wildcard_minutes)
            .field("unsubscribe_on_release", &self.unsubscribe_on_release)
            .field("tls_accept_self_signed", &self.tls_accept_self_signed)
            .finish()
    }
}

impl Default for OmmSettings {
    fn default() -> Self {
        OmmSettings {
            enabled: false,
            url: "tcp://127.0.0.1:12621".into(),
            user: "omm".into(),
            password_file: PathBuf::from("omm.secret"),
            wildcard_minutes: 10,
            unsubscribe_on_release: true,
            tls_accept_self_signed: false,
        }
    }
}

/// Where the OMM is, from `omm.url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmmAddress {
    /// Host name or address.
    pub host: String,
    /// AXI port.
    pub port: u16,
    /// `tls://`: TLS; `tcp://`: plain.
    pub tls: bool,
}

impl OmmSettings {
    /// Host, port and transport of `url`, or why it is not one.
    pub fn address(&self) -> Result<OmmAddress, String> {
        let (tls, rest) = if let Some(rest) = self.url.strip_prefix("tls://") {
            (true, rest)
        } else if let Some(rest) = self.url.strip_prefix("tcp://") {
            (false, rest)
        } else {
            return Err(format!(
                "{:?} must start with tcp:// (plain, port 12621) or tls:// (TLS, port 12622)",
                self.url
            ));
        };
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| format!("{:?} must name a port", self.url))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port: u16 = port
            .parse()
            .map_err(|_| format!("{:?} has no valid port", self.url))?;
        if host.is_empty() || port == 0 {
            return Err(format!("{:?} must name a host and a port", self.url));
        }
        if self.tls_accept_self_signed && !tls {
            // Someone who set this believes the link is encrypted: say that it is not.
            return Err(format!(
                "{:?} is plain TCP but omm.tls_accept_self_signed is set: use tls://host:12622 \
                 for TLS, or drop the setting",
                self.url
            ));
        }
        Ok(OmmAddress {
            host: host.to_string(),
            port,
            tls,
        })
    }
}

#[cfg(test)]
mod omm_url_tests {
    use super::*;

    fn with_url(url: &str, accept: bool) -> Result<OmmAddress, String> {
        OmmSettings {
            url: url.into(),
            tls_accept_self_signed: accept,
            ..OmmSettings::default()
        }
        .address()
    }

    #[test]
    fn the_scheme_chooses_plain_or_tls() {
        let plain = with_url("tcp://omm.example:12621", false).unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.tls),
            ("omm.example", 12621, false)
        );
        let tls = with_url("tls://[2001:db8::1]:12622", true).unwrap();
        assert_eq!(
            (tls.host.as_str(), tls.port, tls.tls),
            ("2001:db8::1", 12622, true)
        );
        // The port alone does not switch to TLS.
        assert!(!with_url("tcp://omm:12622", false).unwrap().tls);
    }

    #[test]
    fn bad_urls_say_why() {
        let e = with_url("https://omm:12622", false).unwrap_err();
        assert!(e.contains("tcp://") && e.contains("tls://"), "{e}");
        assert!(with_url("tls://omm", false).unwrap_err().contains("port"));
        assert!(with_url("tls://:12622", false)
            .unwrap_err()
            .contains("host"));
        let e = with_url("tcp://omm:12621", true).unwrap_err();
        assert!(
            e.contains("plain") && e.contains("tls_accept_self_signed"),
            "{e}"
        );
    }
}
