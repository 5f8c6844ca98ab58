//! `eventpbx check`: is this installation fit to run? One line per check (`ok   name: ...` or
//! `FAIL name: ...`), so an operator (or a package's test) sees every problem at once rather
//! than the first one the daemon trips over.
//!
//! The local checks (settings, data folder, database, sounds) change nothing on disk: the
//! database is opened without creating or migrating it. The Asterisk checks ask ARI with a
//! short timeout.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::ari::{AriClient, AriError};
use crate::config::Settings;

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked: `settings`, `data`, `database`, `sounds`, `ari`, `modules`.
    pub name: &'static str,
    /// Passed, with what was seen; or failed, with why.
    pub outcome: Result<String, String>,
}

impl Check {
    fn new(name: &'static str, outcome: Result<String, String>) -> Check {
        Check { name, outcome }
    }

    /// True when the check passed.
    pub fn passed(&self) -> bool {
        self.outcome.is_ok()
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Ok(detail) => write!(f, "ok   {}: {detail}", self.name),
            Err(why) => write!(f, "FAIL {}: {why}", self.name),
        }
    }
}

/// The Asterisk modules eventpbx relies on: SIP and its realtime tables, the SQLite realtime
/// driver, ARI and Stasis, the applications and functions the rendered dialplan calls, and
/// what browser phones need and what conference rooms use.
pub const REQUIRED_MODULES: &[&str] = &[
    "res_pjsip.so",
    "chan_pjsip.so",
    "res_sorcery_realtime.so",
    "res_config_sqlite3.so",
    "res_http_websocket.so",
    "res_ari.so",
    "res_stasis.so",
    "app_stasis.so",
    "pbx_config.so",
    "app_dial.so",
    "app_playback.so",
    "func_realtime.so",
    "func_channel.so",
    // Browser phones (issue 16): SIP over websocket, DTLS-SRTP, opus.
    "res_pjsip_transport_websocket.so",
    "res_srtp.so",
    "codec_opus_open_source.so",
    // Conference rooms: the mixing bridge, who talks, music for whoever is alone.
    "bridge_softmix.so",
    "func_talkdetect.so",
    "res_musiconhold.so",
];

/// How long ARI may take to answer one check's request.
pub const ARI_TIMEOUT: Duration = Duration::from_secs(3);

/// Every check, local ones first.
pub async fn run(settings: &Settings) -> Vec<Check> {
    let mut checks = local(settings);
    checks.extend(asterisk(settings).await);
    checks
}

/// The checks that need no Asterisk: settings, data folder, database, sounds.
pub fn local(settings: &Settings) -> Vec<Check> {
    vec![
        Check::new("settings", check_settings(settings)),
        Check::new("data", check_data_dir(&settings.data.dir)),
        Check::new("database", check_database(settings)),
        Check::new("sounds", check_sounds(settings)),
        Check::new("ldap", check_ldap(settings)),
    ]
}

fn check_ldap(settings: &Settings) -> Result<String, String> {
    let ldap = &settings.ldap;
    if !ldap.enabled {
        return Ok("off (ldap.enabled = false)".into());
    }
    if ldap.bind_dn.is_empty() {
        return Ok(format!(
            "{} under {}, anonymous searches",
            ldap.listen, ldap.base_dn
        ));
    }
    // The daemon refuses to serve without it rather than serve anonymously.
    settings.ldap_bind_password().map_err(|e| e.to_string())?;
    Ok(format!(
        "{} under {}, clients bind as {}",
        ldap.listen, ldap.base_dn, ldap.bind_dn
    ))
}

fn check_settings(settings: &Settings) -> Result<String, String> {
    // Loading already validated every value; what is left is the secret, read at run time.
    settings
        .ari_password()
        .map_err(|e| format!("no ARI password: {e}"))?;
    Ok(format!(
        "web {} (listening on {}), ARI {} as {:?}",
        settings.web.public_url, settings.web.listen, settings.ari.url, settings.ari.username
    ))
}

/// Judges a data folder's permission bits: it holds SIP passwords in the clear, so no one
/// beyond its owner and Asterisk's shared group may enter it.
pub fn judge_data_dir_mode(mode: u32) -> Result<(), String> {
    if mode & 0o007 != 0 {
        return Err(format!(
            "mode {:04o} lets every user in (it holds SIP passwords): chmod o-rwx",
            mode & 0o7777
        ));
    }
    if mode & 0o700 != 0o700 {
        return Err(format!(
            "mode {:04o}: its owner cannot read, write and enter it",
            mode & 0o7777
        ));
    }
    Ok(())
}

/// Judges the database file's permission bits: never readable or writable by others.
pub fn judge_db_mode(mode: u32) -> Result<(), String> {
    if mode & 0o006 != 0 {
        return Err(format!(
            "mode {:04o} lets every user read or write it (SIP passwords): chmod o-rw",
            mode & 0o7777
        ));
    }
    Ok(())
}

/// Judges a schema version against the newest this binary knows.
pub fn judge_schema(current: usize, latest: usize) -> Result<String, String> {
    match current.cmp(&latest) {
        std::cmp::Ordering::Equal => Ok(format!("schema version {current} (current)")),
        std::cmp::Ordering::Less => Err(format!(
            "schema version {current}, this eventpbx needs {latest}: run eventpbx migrate"
        )),
        std::cmp::Ordering::Greater => Err(format!(
            "schema version {current} is newer than this eventpbx ({latest}): upgrade eventpbx"
        )),
    }
}

fn mode_of(path: &Path) -> Result<u32, String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn check_data_dir(dir: &Path) -> Result<String, String> {
    if !dir.is_dir() {
        return Err(format!(
            "{} is not a folder (eventpbx migrate creates it)",
            dir.display()
        ));
    }
    let mode = mode_of(dir)?;
    judge_data_dir_mode(mode).map_err(|why| format!("{}: {why}", dir.display()))?;
    Ok(format!("{} mode {:04o}", dir.display(), mode & 0o7777))
}

fn check_database(settings: &Settings) -> Result<String, String> {
    use rusqlite::OpenFlags;
    let path = settings.db_path();
    if !path.is_file() {
        return Err(format!(
            "{} does not exist: run eventpbx migrate",
            path.display()
        ));
    }
    judge_db_mode(mode_of(&path)?).map_err(|why| format!("{}: {why}", path.display()))?;
    // No CREATE flag and no migration: a check must not change what it checks.
    let conn = rusqlite::Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let _ = conn.busy_timeout(Duration::from_millis(settings.data.busy_timeout_ms));
    let (current, latest) = crate::db::schema_version(&conn)
        .map_err(|e| format!("{}: cannot read the schema version: {e}", path.display()))?;
    let schema =
        judge_schema(current, latest).map_err(|why| format!("{}: {why}", path.display()))?;
    crate::db::integrity_check(&conn)
        .map_err(|e| format!("{}: integrity check failed to run: {e}", path.display()))?
        .map_err(|found| format!("{}: integrity check: {found}", path.display()))?;
    Ok(format!("{}: {schema}, integrity ok", path.display()))
}

/// The prompt names eventpbx plays: the first column of `sounds/prompts.tsv`.
pub fn prompt_names(tsv: &str) -> Vec<&str> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .collect()
}

fn check_sounds(settings: &Settings) -> Result<String, String> {
    let dir = settings.prompts.sounds_dir.join(&settings.prompts.language);
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let names = prompt_names(include_str!("../../sounds/prompts.tsv"));
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !dir.join(format!("{n}.wav")).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{}: missing {} of {} prompts: {}",
            dir.display(),
            missing.len(),
            names.len(),
            missing.join(", ")
        ));
    }
    Ok(format!("{}: all {} prompts", dir.display(), names.len()))
}

/// The checks against the running Asterisk: ARI answers with our credentials, and the
/// modules eventpbx needs are loaded.
pub async fn asterisk(settings: &Settings) -> Vec<Check> {
    let client = match ari_client(settings) {
        Ok(c) => c,
        Err(why) => {
            return vec![
                Check::new("ari", Err(why)),
                Check::new("modules", Err("not checked: no ARI".into())),
            ]
        }
    };
    let at = host_port(&settings.ari.url);
    let ari = match probe_tcp(&at).await {
        Err(why) => Err(why),
        Ok(()) => match tokio::time::timeout(ARI_TIMEOUT, client.info()).await {
            Err(_) => Err(format!(
                "no answer within {} s at {}",
                ARI_TIMEOUT.as_secs(),
                settings.ari.url
            )),
            Ok(Err(e)) => Err(format!("{e} ({})", settings.ari.url)),
            Ok(Ok(info)) => Ok(format!(
                "Asterisk {} at {}",
                info.system.map(|s| s.version).unwrap_or_default(),
                settings.ari.url
            )),
        },
    };
    let reachable = ari.is_ok();
    let mut checks = vec![Check::new("ari", ari)];
    if !reachable {
        checks.push(Check::new("modules", Err("not checked: no ARI".into())));
        return checks;
    }
    let mut missing = Vec::new();
    for name in REQUIRED_MODULES {
        match tokio::time::timeout(ARI_TIMEOUT, client.module(name)).await {
            Ok(Ok(m)) if m.status.eq_ignore_ascii_case("running") => {}
            Ok(Ok(m)) => missing.push(format!("{name} ({})", m.status)),
            Ok(Err(AriError::NotFound(_))) => missing.push(format!("{name} (not loaded)")),
            Ok(Err(e)) => missing.push(format!("{name} ({e})")),
            Err(_) => missing.push(format!("{name} (no answer)")),
        }
    }
    checks.push(Check::new(
        "modules",
        if missing.is_empty() {
            Ok(format!("all {} loaded", REQUIRED_MODULES.len()))
        } else {
            Err(format!("missing: {}", missing.join(", ")))
        },
    ));
    checks
}

fn ari_client(settings: &Settings) -> Result<AriClient, String> {
    let password = settings
        .ari_password()
        .map_err(|e| format!("no ARI password: {e}"))?;
    AriClient::new(&settings.ari.url, &settings.ari.username, &password).map_err(|e| e.to_string())
}

/// `host:port` of an ARI URL (`http://127.0.0.1:8088/ari` is `127.0.0.1:8088`).
pub fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split('/').next().unwrap_or(rest);
    if host.contains(':') {
        host.to_string()
    } else if url.starts_with("https://") {
        format!("{host}:443")
    } else {
        format!("{host}:80")
    }
}

/// One line for a failed connection: "connection refused at 127.0.0.1:8088" rather than
/// reqwest's chain of causes.
pub fn describe_connect_error(error: &std::io::Error, at: &str) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => format!("connection refused at {at}"),
        _ => format!("{error} at {at}"),
    }
}

/// Opens (and drops) a TCP connection to ARI's port, so a down Asterisk reads as such.
async fn probe_tcp(at: &str) -> Result<(), String> {
    match tokio::time::timeout(ARI_TIMEOUT, tokio::net::TcpStream::connect(at)).await {
        Err(_) => Err(format!(
            "no answer within {} s at {at}",
            ARI_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(describe_connect_error(&e, at)),
        Ok(Ok(_)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_modes() {
        assert!(judge_data_dir_mode(0o40750).is_ok());
        assert!(judge_data_dir_mode(0o42770).is_ok());
        assert!(judge_data_dir_mode(0o40755).unwrap_err().contains("0755"));
        assert!(judge_data_dir_mode(0o40070).is_err());
    }

    #[test]
    fn db_modes() {
        assert!(judge_db_mode(0o100660).is_ok());
        assert!(judge_db_mode(0o100640).is_ok());
        assert!(judge_db_mode(0o100644).is_err());
        assert!(judge_db_mode(0o100662).is_err());
    }

    #[test]
    fn schema_versions() {
        assert!(judge_schema(12, 12).is_ok());
        assert!(judge_schema(3, 12)
            .unwrap_err()
            .contains("eventpbx migrate"));
        assert!(judge_schema(13, 12).unwrap_err().contains("newer"));
    }

    #[test]
    fn prompt_names_skip_header_and_blank_lines() {
        let tsv = "# name\tEnglish\tGerman\nenter-token\ta\tb\n\ngoodbye\tc\td\n";
        assert_eq!(prompt_names(tsv), vec!["enter-token", "goodbye"]);
        assert!(prompt_names(include_str!("../../sounds/prompts.tsv")).len() > 5);
    }

    #[test]
    fn lines_read_ok_or_fail() {
        let ok = Check::new("settings", Ok("fine".into()));
        let bad = Check::new("ari", Err("connection refused at 127.0.0.1:8088".into()));
        assert_eq!(ok.to_string(), "ok   settings: fine");
        assert_eq!(
            bad.to_string(),
            "FAIL ari: connection refused at 127.0.0.1:8088"
        );
        assert!(!bad.passed());
    }

    #[test]
    fn ari_addresses_and_refusals() {
        assert_eq!(host_port("http://127.0.0.1:8088/ari"), "127.0.0.1:8088");
        assert_eq!(host_port("https://pbx.example/ari"), "pbx.example:443");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            describe_connect_error(&refused, "127.0.0.1:8088"),
            "connection refused at 127.0.0.1:8088"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        // A port just freed by the OS: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let at = format!("127.0.0.1:{port}");
        assert_eq!(
            probe_tcp(&at).await.unwrap_err(),
            format!("connection refused at {at}")
        );
    }
}
