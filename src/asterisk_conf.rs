//! Renders the Asterisk configuration set eventpbx expects (`asterisk-conf/` and
//! `dialplan/extensions.conf`) from [`Settings`], so the sandbox and a system install share
//! one set of files and one source of truth for paths, ports, codes and the ARI secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{ConfigError, Settings};

/// The templates, embedded so the binary can render them anywhere.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "asterisk.conf",
        include_str!("../asterisk-conf/asterisk.conf"),
    ),
    (
        "modules.conf",
        include_str!("../asterisk-conf/modules.conf"),
    ),
    ("logger.conf", include_str!("../asterisk-conf/logger.conf")),
    ("http.conf", include_str!("../asterisk-conf/http.conf")),
    ("ari.conf", include_str!("../asterisk-conf/ari.conf")),
    ("pjsip.conf", include_str!("../asterisk-conf/pjsip.conf")),
    (
        "sorcery.conf",
        include_str!("../asterisk-conf/sorcery.conf"),
    ),
    (
        "extconfig.conf",
        include_str!("../asterisk-conf/extconfig.conf"),
    ),
    (
        "res_config_sqlite3.conf",
        include_str!("../asterisk-conf/res_config_sqlite3.conf"),
    ),
    ("rtp.conf", include_str!("../asterisk-conf/rtp.conf")),
    ("cdr.conf", include_str!("../asterisk-conf/cdr.conf")),
    ("cel.conf", include_str!("../asterisk-conf/cel.conf")),
    (
        "manager.conf",
        include_str!("../asterisk-conf/manager.conf"),
    ),
    ("stasis.conf", include_str!("../asterisk-conf/stasis.conf")),
    (
        "indications.conf",
        include_str!("../asterisk-conf/indications.conf"),
    ),
    (
        "features.conf",
        include_str!("../asterisk-conf/features.conf"),
    ),
    ("acl.conf", include_str!("../asterisk-conf/acl.conf")),
    ("udptl.conf", include_str!("../asterisk-conf/udptl.conf")),
    (
        "pjproject.conf",
        include_str!("../asterisk-conf/pjproject.conf"),
    ),
    ("ccss.conf", include_str!("../asterisk-conf/ccss.conf")),
    (
        "cli_aliases.conf",
        include_str!("../asterisk-conf/cli_aliases.conf"),
    ),
    (
        "websocket_client.conf",
        include_str!("../asterisk-conf/websocket_client.conf"),
    ),
    (
        "voicemail.conf",
        include_str!("../asterisk-conf/voicemail.conf"),
    ),
    (
        "res_http_media_cache.conf",
        include_str!("../asterisk-conf/res_http_media_cache.conf"),
    ),
    (
        "extensions.conf",
        include_str!("../dialplan/extensions.conf"),
    ),
];

/// Where the rendered set will live, as Asterisk sees the filesystem.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Asterisk's configuration folder (astetcdir), e.g. `/etc/asterisk`.
    pub etc_dir: PathBuf,
    /// Folder for Asterisk's run, log, spool and astdb files.
    pub state_dir: PathBuf,
}

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Settings could not supply a value (the ARI secret, usually).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A setting does not fit Asterisk's syntax.
    #[error("{0}")]
    Invalid(String),
    /// Writing the files failed.
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Absolute form of a path, relative ones taken from the working directory.
fn absolute(path: &Path) -> Result<PathBuf, RenderError> {
    std::path::absolute(path).map_err(|source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Host and port of the ARI URL, which are where Asterisk's HTTP server must listen.
fn http_bind(url: &str) -> Result<(String, u16), RenderError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| RenderError::Invalid(format!("ari.url {url:?} is not http(s)")))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| RenderError::Invalid(format!("ari.url {url:?}: bad port")))?,
        ),
        None => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(RenderError::Invalid(format!("ari.url {url:?}: no host")));
    }
    Ok((host.to_string(), port))
}

/// Renders every file of the set; returns (file name, contents) pairs.
pub fn render(settings: &Settings, layout: &Layout) -> Result<Vec<(String, String)>, RenderError> {
    let password = settings.ari_password()?;
    if password.len() < 16 || !password.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(RenderError::Invalid(
            "the ARI password must be at least 16 letters or digits".into(),
        ));
    }
    let (http_host, http_port) = http_bind(&settings.ari.url)?;
    let prompts = absolute(&settings.prompts.sounds_dir)?.join(&settings.prompts.language);
    let mut allowed = String::new();
    for number in settings
        .numbering
        .emergency
        .iter()
        .chain(settings.numbering.helpdesk.iter())
    {
        allowed.push_str(&format!(
            "exten => {number},1,Goto(eventpbx-route,${{EXTEN}},1)\n"
        ));
    }
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    values.insert("ETC_DIR", layout.etc_dir.display().to_string());
    values.insert("STATE_DIR", layout.state_dir.display().to_string());
    values.insert("LANGUAGE", settings.prompts.language.clone());
    values.insert("HTTP_BIND", http_host);
    values.insert("HTTP_PORT", http_port.to_string());
    values.insert("ARI_USER", settings.ari.username.clone());
    values.insert("ARI_PASSWORD", password);
    values.insert("SIP_BIND", settings.sip.bind.clone());
    values.insert("SIP_PORT", settings.sip.port.to_string());
    values.insert(
        "DB_PATH",
        absolute(&settings.db_path())?.display().to_string(),
    );
    values.insert("APP", settings.ari.app.clone());
    values.insert("CODE_INFO", settings.codes.info.clone());
    values.insert("CODE_ECHO", settings.codes.echo.clone());
    values.insert("CODE_REGISTER", settings.codes.register.clone());
    values.insert(
        "CODE_REGISTER_LEN",
        settings.codes.register.len().to_string(),
    );
    values.insert("PROMPTS", prompts.display().to_string());
    values.insert("ALLOWED_NUMBERS", allowed.trim_end().to_string());
    for (key, value) in &values {
        if value.contains(['\n', ';']) && *key != "ALLOWED_NUMBERS" {
            return Err(RenderError::Invalid(format!(
                "{key} value {value:?} cannot go into an Asterisk config file"
            )));
        }
    }
    TEMPLATES
        .iter()
        .map(|(name, template)| Ok((name.to_string(), substitute(template, &values)?)))
        .collect()
}

fn substitute(template: &str, values: &BTreeMap<&str, String>) -> Result<String, RenderError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('@') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('@')
            .ok_or_else(|| RenderError::Invalid("unterminated @placeholder@".into()))?;
        let key = &after[..end];
        let value = values
            .get(key)
            .ok_or_else(|| RenderError::Invalid(format!("unknown placeholder @{key}@")))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders and writes the set into `out_dir` (mode 0600 files: ari.conf holds the secret).
pub fn write(settings: &Settings, layout: &Layout, out_dir: &Path) -> Result<(), RenderError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let files = render(settings, layout)?;
    std::fs::create_dir_all(out_dir).map_err(|source| RenderError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    for (name, text) in files {
        let path = out_dir.join(&name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&path).map_err(|source| RenderError::Io {
            path: path.clone(),
            source,
        })?;
        file.write_all(text.as_bytes())
            .map_err(|source| RenderError::Io { path, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::from_toml("[ari]\npassword = \"abcdefghijklmnop0123\"\n").unwrap()
    }

    fn layout() -> Layout {
        Layout {
            etc_dir: "/etc/eventpbx".into(),
            state_dir: "/var/lib/eventpbx-asterisk".into(),
        }
    }

    #[test]
    fn renders_every_placeholder() {
        let files = render(&settings(), &layout()).unwrap();
        assert_eq!(files.len(), TEMPLATES.len());
        for (name, text) in &files {
            let stray = text
                .lines()
                .filter(|l| !l.trim_start().starts_with(';'))
                .any(|l| l.contains('@'));
            assert!(!stray, "{name} still has a placeholder");
        }
        let get = |n: &str| files.iter().find(|(f, _)| f == n).unwrap().1.clone();
        assert!(get("http.conf").contains("bindaddr = 127.0.0.1"));
        assert!(get("http.conf").contains("bindport = 8088"));
        assert!(get("ari.conf").contains("password = abcdefghijklmnop0123"));
        assert!(get("res_config_sqlite3.conf").contains("batch = 0"));
        let dialplan = get("extensions.conf");
        assert!(dialplan.contains("exten => 9955,1,Stasis(eventpbx,register,${CHANNEL(endpoint)})"));
        assert!(dialplan.contains("exten => _9955X.,1,Stasis(eventpbx,register,${CHANNEL(endpoint)},${FILTER(0-9,${EXTEN:4})})"));
        assert!(dialplan.contains("exten => 112,1,Goto(eventpbx-route,${EXTEN},1)"));
        assert!(dialplan.contains("exten => 1000,1,Goto(eventpbx-route,${EXTEN},1)"));
    }

    #[test]
    fn refuses_weak_or_missing_secret() {
        let s = Settings::from_toml("[ari]\npassword = \"short\"\n").unwrap();
        assert!(render(&s, &layout()).is_err());
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::from_toml(&format!("[data]\ndir = {:?}\n", dir.path())).unwrap();
        assert!(matches!(render(&s, &layout()), Err(RenderError::Config(_))));
    }

    #[test]
    fn http_bind_parses_the_ari_url() {
        assert_eq!(
            http_bind("http://127.0.0.1:8088/ari").unwrap(),
            ("127.0.0.1".into(), 8088)
        );
        assert_eq!(http_bind("http://[::1]:9/ari").unwrap(), ("::1".into(), 9));
        assert!(http_bind("ftp://x").is_err());
    }
}
