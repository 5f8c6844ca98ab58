//! One typed [`Settings`]: defaults, then `eventpbx.toml`, then `EVENTPBX_*` environment variables.
//!
//! Nested keys use a double underscore in the environment: `EVENTPBX_WEB__LISTEN=0.0.0.0:80`
//! sets `web.listen`. Secrets (the ARI password) are never printed by `Debug`.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::domain::numbering;

mod sections;
mod webrtc;
pub use sections::*;
pub use webrtc::{asterisk_ws_url, WebrtcSettings};

/// Why the settings could not be loaded. The message names the key and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or an environment variable holds a bad value, or an unknown key.
    #[error("configuration error: {0}")]
    Invalid(String),
    /// A value parsed but breaks a rule (ranges overlap, a code is not digits, ...).
    #[error("configuration error: {key}: {problem}")]
    Rule { key: &'static str, problem: String },
    /// A secret file (the ARI password, the LDAP bind password) could not be read.
    #[error("cannot read {what} from {path}: {source}{hint}")]
    Secret {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
        /// What to do about it, starting with a separator; may be empty.
        hint: &'static str,
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
    pub ldap: LdapSettings,
    pub metrics: MetricsSettings,
    pub log: LogSettings,
    pub backup: BackupSettings,
    pub omm: OmmSettings,
    pub history: HistorySettings,
    pub webrtc: WebrtcSettings,
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
        if self.webrtc.enabled && asterisk_ws_url(&self.ari.url).is_none() {
            return Err(ConfigError::Rule {
                key: "webrtc.enabled",
                problem: format!(
                    "browser phones proxy to Asterisk's HTTP server beside ARI, which must be \
                     plain http on loopback; ari.url is {:?}",
                    self.ari.url
                ),
            });
        }
        digits("codes.info", &self.codes.info)?;
        digits("codes.echo", &self.codes.echo)?;
        digits("codes.register", &self.codes.register)?;
        digits("codes.group_toggle", &self.codes.group_toggle)?;
        digits("codes.forward", &self.codes.forward)?;
        digits("codes.dnd", &self.codes.dnd)?;
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
        if self.omm.enabled {
            if let Err(problem) = self.omm.address() {
                return Err(ConfigError::Rule {
                    key: "omm.url",
                    problem,
                });
            }
        }
        if !(1..=60).contains(&self.omm.wildcard_minutes) {
            return Err(ConfigError::Rule {
                key: "omm.wildcard_minutes",
                problem: format!("{} is outside 1..=60", self.omm.wildcard_minutes),
            });
        }
        for (key, secs) in [
            ("calls.max_register_secs", self.calls.max_register_secs),
            ("calls.max_info_secs", self.calls.max_info_secs),
            ("calls.max_echo_secs", self.calls.max_echo_secs),
            ("calls.max_conference_secs", self.calls.max_conference_secs),
        ] {
            if !(1..=86_400).contains(&secs) {
                return Err(ConfigError::Rule {
                    key,
                    problem: format!("{secs} is outside 1..=86400 seconds"),
                });
            }
        }
        if !(1..=3650).contains(&self.history.retention_days) {
            return Err(ConfigError::Rule {
                key: "history.retention_days",
                problem: "must be 1 to 3650 days".into(),
            });
        }
        if self.backup.keep == 0 {
            return Err(ConfigError::Rule {
                key: "backup.keep",
                problem: "must be at least 1 (turn backups off with backup.interval_minutes = 0)"
                    .into(),
            });
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
        self.validate_ldap()?;
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(ConfigError::Rule {
                key: "log.format",
                problem: format!("{:?} is not one of \"text\", \"json\"", self.log.format),
            });
        }
        parse_utc_offset(&self.web.utc_offset).ok_or_else(|| ConfigError::Rule {
            key: "web.utc_offset",
            problem: format!("{:?} is not like +01:00", self.web.utc_offset),
        })?;
        let codes = [
            &self.codes.info,
            &self.codes.echo,
            &self.codes.register,
            &self.codes.group_toggle,
            &self.codes.forward,
            &self.codes.dnd,
        ];
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

    fn validate_ldap(&self) -> Result<(), ConfigError> {
        let ldap = &self.ldap;
        if !matches!(crate::domain::dn::fold(&ldap.base_dn), Some(dn) if !dn.is_empty()) {
            return Err(ConfigError::Rule {
                key: "ldap.base_dn",
                problem: format!(
                    "{:?} is not a DN such as ou=phonebook,dc=eventpbx",
                    ldap.base_dn
                ),
            });
        }
        if !ldap.bind_dn.is_empty() && crate::domain::dn::fold(&ldap.bind_dn).is_none() {
            return Err(ConfigError::Rule {
                key: "ldap.bind_dn",
                problem: format!(
                    "{:?} is not a DN (leave it empty for anonymous searches)",
                    ldap.bind_dn
                ),
            });
        }
        if !(1..=10_000).contains(&ldap.max_results) {
            return Err(ConfigError::Rule {
                key: "ldap.max_results",
                problem: "must be 1 to 10000".into(),
            });
        }
        if !(1..=65_535).contains(&ldap.max_connections) {
            return Err(ConfigError::Rule {
                key: "ldap.max_connections",
                problem: "must be 1 to 65535".into(),
            });
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

    /// The folder of the automatic backups.
    pub fn backup_dir(&self) -> PathBuf {
        self.data.dir.join("backups")
    }

    /// The ARI password: `ari.password` if set, else the secret file's first line.
    pub fn ari_password(&self) -> Result<String, ConfigError> {
        if !self.ari.password.is_empty() {
            return Ok(self.ari.password.clone());
        }
        self.read_secret(
            &self.ari.password_file,
            "the ARI secret",
            " (start the sandbox with scripts/asterisk-sandbox start, or set ari.password)",
        )
    }

    /// The LDAP bind password: the first line of `ldap.bind_password_file`.
    pub fn ldap_bind_password(&self) -> Result<String, ConfigError> {
        self.read_secret(
            &self.ldap.bind_password_file,
            "the LDAP bind password",
            " (ldap.bind_dn is set, so clients must bind with this password)",
        )
    }

    /// The bearer token of `GET /metrics`: the first line of `metrics.token_file`.
    pub fn metrics_token(&self) -> Result<String, ConfigError> {
        self.read_secret(
            &self.metrics.token_file,
            "the metrics token",
            " (metrics.enabled is set; write a long random line into it)",
        )
    }

    /// The first line of a secret file; relative paths are under data.dir.
    fn read_secret(
        &self,
        file: &Path,
        what: &'static str,
        hint: &'static str,
    ) -> Result<String, ConfigError> {
        let path = if file.is_absolute() {
            file.to_path_buf()
        } else {
            self.data.dir.join(file)
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Secret {
            what,
            path,
            source,
            hint,
        })?;
        Ok(text.lines().next().unwrap_or_default().trim().to_string())
    }

    /// The OMM password: the first line of `omm.password_file`.
    pub fn omm_password(&self) -> Result<String, ConfigError> {
        self.read_secret(
            &self.omm.password_file,
            "the OMM password",
            " (omm.enabled is set; write the OMM account's password into it)",
        )
    }

    /// The fixed numbers and temporary range of the settings file; the caller adds the rest.
    pub fn numbering_plan(&self) -> numbering::Plan {
        let mut fixed = vec![
            numbering::FixedNumber {
                number: self.codes.info.clone(),
                what: "the info code".into(),
                kind: numbering::FixedKind::Code,
            },
            numbering::FixedNumber {
                number: self.codes.echo.clone(),
                what: "the echo test code".into(),
                kind: numbering::FixedKind::Code,
            },
            numbering::FixedNumber {
                number: self.codes.register.clone(),
                what: "the registration code".into(),
                kind: numbering::FixedKind::Code,
            },
            numbering::FixedNumber {
                number: self.codes.group_toggle.clone(),
                what: "the group pause code".into(),
                kind: numbering::FixedKind::Code,
            },
            numbering::FixedNumber {
                number: self.codes.forward.clone(),
                what: "the forwarding code".into(),
                kind: numbering::FixedKind::Code,
            },
            numbering::FixedNumber {
                number: self.codes.dnd.clone(),
                what: "the do-not-disturb code".into(),
                kind: numbering::FixedKind::Code,
            },
        ];
        for n in &self.numbering.emergency {
            fixed.push(numbering::FixedNumber {
                number: n.clone(),
                what: "the emergency number".into(),
                kind: numbering::FixedKind::Emergency,
            });
        }
        for n in &self.numbering.helpdesk {
            fixed.push(numbering::FixedNumber {
                number: n.clone(),
                what: "the help desk number".into(),
                kind: numbering::FixedKind::Helpdesk,
            });
        }
        numbering::Plan {
            fixed,
            temporary: numbering::Range::parse(
                &self.numbering.temporary_first,
                &self.numbering.temporary_last,
            )
            .ok(),
            ..numbering::Plan::default()
        }
    }

    /// The global guard against token guessing that `calls.token_guard_*` describe.
    pub fn token_guard(&self) -> crate::domain::lockout::Guard {
        crate::domain::lockout::Guard {
            failures: i64::from(self.calls.token_guard_failures),
            window_secs: i64::from(self.calls.token_guard_minutes) * 60,
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
    fn history_is_kept_thirty_days_unless_told_and_never_zero() {
        assert_eq!(Settings::default().history.retention_days, 30);
        let s = Settings::from_toml("[history]\nretention_days = 7\n").unwrap();
        assert_eq!(s.history.retention_days, 7);
        let err = Settings::from_toml("[history]\nretention_days = 0\n").unwrap_err();
        assert!(err.to_string().contains("history.retention_days"), "{err}");
    }

    #[test]
    fn backups_are_on_by_default_and_keep_at_least_one() {
        let s = Settings::from_toml("").unwrap();
        assert!(s.backup.interval_minutes > 0, "on unless turned off");
        assert_eq!(s.backup_dir(), PathBuf::from("data/backups"));
        let off = Settings::from_toml("[backup]\ninterval_minutes = 0\n").unwrap();
        assert_eq!(off.backup.interval_minutes, 0);
        let err = Settings::from_toml("[backup]\nkeep = 0\n").unwrap_err();
        assert!(err.to_string().contains("backup.keep"), "{err}");
        let err = Settings::from_toml("[backup]\nkeep = -1\n").unwrap_err();
        assert!(err.to_string().contains("keep"), "{err}");
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
        // The feature codes take part in both rules: digits, and prefix-free with the others,
        // the desks and the temporary range.
        let err = Settings::from_toml("[codes]\nforward = \"99a\"\n").unwrap_err();
        assert!(err.to_string().contains("codes.forward"), "{err}");
        let err = Settings::from_toml("[codes]\ndnd = \"995\"\n").unwrap_err();
        assert!(err.to_string().contains("prefix-free"), "{err}");
        let err = Settings::from_toml("[codes]\ngroup_toggle = \"11\"\n").unwrap_err();
        assert!(err.to_string().contains("prefix-free"), "{err}");
        let err = Settings::from_toml("[codes]\nforward = \"9956\"\n").unwrap_err();
        assert!(err.to_string().contains("temporary range"), "{err}");
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
    fn ldap_settings_are_checked() {
        for (toml, key) in [
            ("[ldap]\nbase_dn = \"phonebook\"\n", "ldap.base_dn"),
            ("[ldap]\nbase_dn = \"\"\n", "ldap.base_dn"),
            ("[ldap]\nbind_dn = \"cn=,dc=x\"\n", "ldap.bind_dn"),
            ("[ldap]\nmax_results = 0\n", "ldap.max_results"),
            ("[ldap]\nmax_connections = 0\n", "ldap.max_connections"),
            ("[log]\nformat = \"xml\"\n", "log.format"),
        ] {
            let msg = Settings::from_toml(toml).unwrap_err().to_string();
            assert!(msg.contains(key), "{toml}: {msg}");
        }
        let s =
            Settings::from_toml("[ldap]\nenabled = true\nbind_dn = \"cn=phones,dc=x\"\n").unwrap();
        assert!(!s.ldap.listen.ip().is_unspecified());
        let err = s.ldap_bind_password().unwrap_err().to_string();
        assert!(err.contains("LDAP bind password"), "{err}");
        assert!(!err.contains("ARI"), "{err}");
    }

    #[test]
    fn example_file_parses() {
        let text = include_str!("../../eventpbx.example.toml");
        Settings::from_toml(text).unwrap();
    }
}
