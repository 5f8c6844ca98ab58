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
    (
        "cdr_sqlite3_custom.conf",
        include_str!("../asterisk-conf/cdr_sqlite3_custom.conf"),
    ),
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
        "musiconhold.conf",
        include_str!("../asterisk-conf/musiconhold.conf"),
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
    /// Asterisk's run folder (pid file, control socket): astrundir.
    pub run_dir: PathBuf,
    /// astlogdir.
    pub log_dir: PathBuf,
    /// astspooldir.
    pub spool_dir: PathBuf,
    /// astdbdir (Asterisk's own astdb).
    pub db_dir: PathBuf,
}

impl Layout {
    /// Everything Asterisk writes under one folder (`run`, `log`, `spool`, `lib`), as the
    /// sandbox runs it.
    pub fn under(etc_dir: PathBuf, state_dir: &std::path::Path) -> Layout {
        Layout {
            etc_dir,
            run_dir: state_dir.join("run"),
            log_dir: state_dir.join("log"),
            spool_dir: state_dir.join("spool"),
            db_dir: state_dir.join("lib"),
        }
    }

    /// The folders of Debian's own `asterisk` package (13/sid).
    pub fn debian() -> Layout {
        Layout {
            etc_dir: "/etc/asterisk".into(),
            run_dir: "/var/run/asterisk".into(),
            log_dir: "/var/log/asterisk".into(),
            spool_dir: "/var/spool/asterisk".into(),
            db_dir: "/var/lib/asterisk".into(),
        }
    }
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
    let dialplan = dialplan_patterns(settings);
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    values.insert("ETC_DIR", layout.etc_dir.display().to_string());
    values.insert("RUN_DIR", layout.run_dir.display().to_string());
    values.insert("LOG_DIR", layout.log_dir.display().to_string());
    values.insert("SPOOL_DIR", layout.spool_dir.display().to_string());
    values.insert("DB_DIR", layout.db_dir.display().to_string());
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
    values.insert("RUN_USER", settings.asterisk.run_user.clone());
    values.insert("RUN_GROUP", settings.asterisk.run_group.clone());
    values.insert("LOG_VERBOSE", settings.asterisk.log_verbose.to_string());
    values.insert("CODE_INFO", settings.codes.info.clone());
    values.insert("CODE_ECHO", settings.codes.echo.clone());
    values.insert("CODE_REGISTER", settings.codes.register.clone());
    values.insert("CODE_DND", settings.codes.dnd.clone());
    values.insert("CODE_FORWARD", settings.codes.forward.clone());
    values.insert("CODE_GROUP_TOGGLE", settings.codes.group_toggle.clone());
    values.insert("PROMPTS", prompts.display().to_string());
    values.insert("REGISTER_PATTERNS", dialplan.register);
    values.insert("FEATURE_PATTERNS", dialplan.features);
    values.insert("DESKS", dialplan.desks);
    values.insert("ROUTE_PATTERNS", dialplan.route);
    values.insert("RESTRICTED_PATTERNS", dialplan.restricted);
    values.insert("LEG_PATTERNS", dialplan.legs);
    values.insert("MAX_HOPS", MAX_HOPS.to_string());
    for (key, value) in &values {
        if value.contains(['\n', ';']) && !MULTI_LINE.contains(key) {
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

/// Placeholders that hold rendered dialplan lines rather than one value.
const MULTI_LINE: &[&str] = &[
    "REGISTER_PATTERNS",
    "FEATURE_PATTERNS",
    "DESKS",
    "ROUTE_PATTERNS",
    "RESTRICTED_PATTERNS",
    "LEG_PATTERNS",
];

/// Forwards one call may take before the caller hears busy (docs/routing.md: a loop stops);
/// the rule lives with the routing compiler.
pub use crate::domain::routing::MAX_HOPS;

/// A member leg id (docs/routing.md): two digits giving the number's length, the number, and a
/// three-digit index.
const LEG_EXTRA_DIGITS: usize = 2 + 3;

/// The dialplan lines rendered from the numbering (see `dialplan/extensions.conf` for why each
/// extension is a digits-only pattern of one exact length).
struct DialplanPatterns {
    /// The registration code followed by a token dialled en bloc, one line per token length.
    register: String,
    /// The group and forwarding codes followed by a number, one line per number length.
    features: String,
    /// The emergency and help-desk numbers.
    desks: String,
    /// Every number length, to the numbers table.
    route: String,
    /// Every number length a temporary handset may not dial, to the "restricted" prompt.
    restricted: String,
    /// Every member leg id length, to the leg runner.
    legs: String,
}

/// `_` plus `prefix` plus `len` times `X`: digits only, exactly that long. Asterisk has no
/// "digits, any length" pattern, so callers render one per length.
fn exact_pattern(prefix: &str, len: usize) -> String {
    format!("_{prefix}{}", "X".repeat(len))
}

fn dialplan_patterns(settings: &Settings) -> DialplanPatterns {
    use crate::domain::{Number, Token};
    let app = &settings.ari.app;
    let code = &settings.codes.register;
    let skip = code.len();
    let register = (1..=Token::MAX_DIGITS)
        .map(|len| {
            format!(
                "exten => {},1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis({app},register,${{CHANNEL(endpoint)}},${{EXTEN:{skip}}})\n same => n,Goto(eventpbx-stasis-result,s,1)",
                exact_pattern(code, len)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    // The number after a feature code reaches eventpbx as the Stasis argument only.
    let features = [
        (&settings.codes.group_toggle, "group-toggle"),
        (&settings.codes.forward, "forward"),
    ]
    .iter()
    .flat_map(|(code, flow)| {
        (1..=Number::MAX_DIGITS).map(move |len| {
            format!(
                "exten => {},1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis({app},{flow},${{CHANNEL(endpoint)}},${{EXTEN:{}}})\n same => n,Goto(eventpbx-stasis-result,s,1)",
                exact_pattern(code, len),
                code.len()
            )
        })
    })
    .collect::<Vec<_>>()
    .join("\n");
    let desks = settings
        .numbering
        .emergency
        .iter()
        .chain(settings.numbering.helpdesk.iter())
        .map(|n| {
            format!(
                "exten => {n},1,Set(EVENTPBX_NUMBER={n})\n same => n,Goto(eventpbx-dial,desk,1)"
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    // Temporary numbers are dialable too, whatever length the settings give them.
    let longest = Number::MAX_DIGITS.max(settings.numbering.temporary_first.len());
    let per_length = |target: &str| {
        (1..=longest)
            .map(|len| {
                format!(
                    "exten => {},1,Set(EVENTPBX_NUMBER=${{EXTEN}})\n same => n,Goto(eventpbx-dial,{target},1)",
                    exact_pattern("", len)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Legs belong to routes, which exist for extension and group numbers only.
    let legs = (1..=Number::MAX_DIGITS)
        .map(|len| {
            format!(
                "exten => {},1,Set(EVENTPBX_LEG=${{EXTEN}})\n same => n,Goto(eventpbx-dial,leg,1)",
                exact_pattern("", len + LEG_EXTRA_DIGITS)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    DialplanPatterns {
        register,
        features,
        desks,
        route: per_length("number"),
        restricted: per_length("restricted"),
        legs,
    }
}

/// Replaces each `@NAME@` (NAME: capital letters, digits and `_`) with its value. Any other `@`
/// is Asterisk's own (`GROUP_COUNT(group@category)`, `Local/exten@context`) and stays.
fn substitute(template: &str, values: &BTreeMap<&str, String>) -> Result<String, RenderError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('@') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        if name_len == 0 || after.as_bytes().get(name_len) != Some(&b'@') {
            out.push('@');
            rest = after;
            continue;
        }
        let key = &after[..name_len];
        let value = values
            .get(key)
            .ok_or_else(|| RenderError::Invalid(format!("unknown placeholder @{key}@")))?;
        out.push_str(value);
        rest = &after[name_len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// How [`write`] treats the folder it writes into.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Replace eventpbx's files in a folder that already holds files. Without it a non-empty
    /// folder is refused, so a typo in `--out` cannot overwrite another Asterisk's config.
    pub force: bool,
    /// The group the files get (Asterisk's, which eventpbx shares); read from `/etc/group`.
    pub group: String,
}

/// Renders and writes the set into `out_dir`: files mode 0640 in Asterisk's group (ari.conf
/// holds the ARI secret, Asterisk only needs to read them). A file that would change is first
/// copied into `out_dir/.eventpbx-backup/<time>/`.
pub fn write(
    settings: &Settings,
    layout: &Layout,
    out_dir: &Path,
    options: &WriteOptions,
) -> Result<(), RenderError> {
    let files = render(settings, layout)?;
    let gid = group_id(&options.group)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RenderError::Io { path, source }
    };
    let non_empty = std::fs::read_dir(out_dir)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if non_empty && !options.force {
        return Err(RenderError::Invalid(format!(
            "{} already holds files; pass --force to replace eventpbx's files there (changed ones are backed up first)",
            out_dir.display()
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let backup = out_dir
        .join(".eventpbx-backup")
        .join(time::OffsetDateTime::now_utc().unix_timestamp().to_string());
    for (name, text) in files {
        let path = out_dir.join(&name);
        if let Ok(old) = std::fs::read(&path) {
            if old == text.as_bytes() {
                set_mode_and_group(&path, 0o640, gid)?;
                continue;
            }
            std::fs::create_dir_all(&backup).map_err(io(&backup))?;
            set_mode_and_group(&backup, 0o700, None)?;
            let saved = backup.join(&name);
            std::fs::write(&saved, &old).map_err(io(&saved))?;
            set_mode_and_group(&saved, 0o600, None)?;
        }
        write_private(&path, text.as_bytes())?;
        set_mode_and_group(&path, 0o640, gid)?;
    }
    Ok(())
}

/// Writes a file that is never readable by others, not even for a moment.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), RenderError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).map_err(|source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    file.write_all(bytes).map_err(|source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(unix)]
fn set_mode_and_group(path: &Path, mode: u32, gid: Option<u32>) -> Result<(), RenderError> {
    use std::os::unix::fs::PermissionsExt;
    let err = |source| RenderError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(gid) = gid {
        std::os::unix::fs::chown(path, None, Some(gid)).map_err(err)?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(err)
}

#[cfg(not(unix))]
fn set_mode_and_group(_path: &Path, _mode: u32, _gid: Option<u32>) -> Result<(), RenderError> {
    Ok(())
}

/// The numeric id of a group, from `/etc/group` (the format is `name:x:gid:members`).
fn group_id(name: &str) -> Result<Option<u32>, RenderError> {
    if cfg!(not(unix)) {
        return Ok(None);
    }
    let text = std::fs::read_to_string("/etc/group").map_err(|source| RenderError::Io {
        path: "/etc/group".into(),
        source,
    })?;
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let group = fields.next()?;
            let gid = fields.nth(1)?;
            (group == name).then(|| gid.parse::<u32>().ok())
        })
        .next()
        .flatten()
        .map(Some)
        .ok_or_else(|| {
            RenderError::Invalid(format!(
                "group {name:?} does not exist: create Asterisk's group or set asterisk.run_group (or --group)"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::from_toml("[ari]\npassword = \"abcdefghijklmnop0123\"\n").unwrap()
    }

    fn layout() -> Layout {
        Layout::under(
            "/etc/eventpbx".into(),
            std::path::Path::new("/var/lib/eventpbx-asterisk"),
        )
    }

    #[test]
    fn the_debian_layout_uses_the_package_folders() {
        let files = render(&settings(), &Layout::debian()).unwrap();
        let conf = &files.iter().find(|(n, _)| n == "asterisk.conf").unwrap().1;
        assert!(conf.contains("astetcdir => /etc/asterisk\n"), "{conf}");
        assert!(conf.contains("astrundir => /var/run/asterisk\n"), "{conf}");
        assert!(conf.contains("astdbdir => /var/lib/asterisk\n"), "{conf}");
        assert!(conf.contains("runuser = asterisk\n"), "{conf}");
    }

    #[test]
    fn renders_every_placeholder() {
        let files = render(&settings(), &layout()).unwrap();
        assert_eq!(files.len(), TEMPLATES.len());
        for (name, text) in &files {
            let stray = text.lines().any(|l| {
                l.split('@').skip(1).any(|part| {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                        .collect();
                    !name.is_empty() && part[name.len()..].starts_with('@')
                })
            });
            assert!(!stray, "{name} still has a placeholder");
        }
        let get = |n: &str| files.iter().find(|(f, _)| f == n).unwrap().1.clone();
        assert!(get("http.conf").contains("bindaddr = 127.0.0.1"));
        assert!(get("http.conf").contains("bindport = 8088"));
        assert!(get("ari.conf").contains("password = abcdefghijklmnop0123"));
        assert!(get("res_config_sqlite3.conf").contains("batch = 0"));
        let dialplan = get("extensions.conf");
        assert!(dialplan.contains("exten => 9955,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,register,${CHANNEL(endpoint)})"));
        assert!(dialplan.contains(
            "exten => _9955XXXXXXXXXX,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,register,${CHANNEL(endpoint)},${EXTEN:4})"
        ));
        assert!(dialplan.contains("exten => 112,1,Set(EVENTPBX_NUMBER=112)"));
        assert!(dialplan.contains("exten => 1000,1,Set(EVENTPBX_NUMBER=1000)"));
        let asterisk = get("asterisk.conf");
        assert!(asterisk.contains("runuser = asterisk"));
        assert!(asterisk.contains("live_dangerously = no"));
        assert!(asterisk.contains("verbose = 2"));
        assert!(get("logger.conf").contains("verbose(2)"));
        let modules = get("modules.conf");
        // Browser phones: a ws transport served by the loopback HTTP server, and its module.
        assert!(get("pjsip.conf")
            .contains("[transport-ws]\ntype = transport\nprotocol = ws\nbind = 127.0.0.1\n"));
        assert!(!modules.contains("noload => res_pjsip_transport_websocket.so"));
        for m in [
            "func_shell.so",
            "app_system.so",
            "res_agi.so",
            "func_curl.so",
            "res_pjsip_messaging.so",
        ] {
            assert!(
                modules.contains(&format!("noload => {m}")),
                "{m} must not load"
            );
        }
    }

    /// Extension patterns of `context` and the contexts it includes, in Asterisk's order.
    fn reachable_extensions(dialplan: &str, context: &str) -> Vec<String> {
        let mut contexts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut current = String::new();
        for line in dialplan.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = name.to_string();
                contexts.entry(current.clone()).or_default();
            } else if let Some(rest) = line.strip_prefix("include =>") {
                contexts
                    .entry(current.clone())
                    .or_default()
                    .push(format!("include:{}", rest.trim()));
            } else if let Some(rest) = line.strip_prefix("exten =>") {
                let ext = rest.split(',').next().unwrap().trim().to_string();
                contexts.entry(current.clone()).or_default().push(ext);
            }
        }
        let mut out = Vec::new();
        let mut stack = vec![context.to_string()];
        while let Some(c) = stack.pop() {
            for item in contexts.get(&c).unwrap_or_else(|| panic!("no context {c}")) {
                match item.strip_prefix("include:") {
                    Some(inc) => stack.push(inc.to_string()),
                    None => out.push(item.clone()),
                }
            }
        }
        out
    }

    /// Asterisk's extension matching, written from its documented rules (X, Z, N, [set],
    /// '.' one or more of anything, '!' zero or more), so a loose pattern would be caught.
    fn matches(pattern: &str, dialled: &str) -> bool {
        let Some(p) = pattern.strip_prefix('_') else {
            return pattern == dialled;
        };
        fn go(p: &[u8], d: &[u8]) -> bool {
            match p.first() {
                None => d.is_empty(),
                Some(b'.') => !d.is_empty(),
                Some(b'!') => true,
                Some(c) => {
                    let Some(&x) = d.first() else { return false };
                    let ok = match c {
                        b'X' => x.is_ascii_digit(),
                        b'Z' => (b'1'..=b'9').contains(&x),
                        b'N' => (b'2'..=b'9').contains(&x),
                        b'[' => panic!("sets are not used here"),
                        lit => *lit == x,
                    };
                    ok && go(&p[1..], &d[1..])
                }
            }
        }
        go(p.as_bytes(), dialled.as_bytes())
    }

    /// The rendered `extensions.conf` with the default settings.
    fn rendered_dialplan() -> String {
        render(&settings(), &layout())
            .unwrap()
            .into_iter()
            .find(|(f, _)| f == "extensions.conf")
            .unwrap()
            .1
    }

    #[test]
    fn phones_reach_only_digits() {
        let dialplan = &rendered_dialplan();
        let hostile = [
            "1\"|SHELL(touch${IFS}${HOME}pwn1)|\"",
            "9955${SHELL(id)}",
            "112${DB_DELETE(x/y)}",
            "1000,1",
            "2000)",
            "4711 ",
            "h",
            "s",
            "t",
            "i",
            "99551234567890$[1]",
            "",
        ];
        for context in ["eventpbx-extensions", "eventpbx-temporary"] {
            let exts = reachable_extensions(dialplan, context);
            assert!(!exts.is_empty());
            for dialled in hostile {
                let hit: Vec<_> = exts.iter().filter(|p| matches(p, dialled)).collect();
                assert!(hit.is_empty(), "{context}: {dialled:?} matched {hit:?}");
            }
            for digits in [
                "2000",
                "112",
                "1000",
                "9950",
                "99551234567890",
                "99560001",
                "123456789012345",
            ] {
                assert!(
                    exts.iter().any(|p| matches(p, digits)),
                    "{context}: {digits} must reach some extension"
                );
            }
            assert!(
                !exts.iter().any(|p| matches(p, "1234567890123456")),
                "16 digits is no number"
            );
        }
    }

    #[test]
    fn every_call_into_stasis_first_marks_the_phone_in_a_call() {
        let dialplan = &rendered_dialplan();
        let lines: Vec<&str> = dialplan.lines().collect();
        let mut seen = 0;
        for (i, line) in lines.iter().enumerate() {
            if line.contains("Stasis(") && !line.trim_start().starts_with(';') {
                seen += 1;
                assert!(
                    lines[i - 1].ends_with(",1,Gosub(eventpbx-mark-line,s,1)"),
                    "{} then {line}",
                    lines[i - 1]
                );
            }
        }
        assert!(seen > 30, "{seen} Stasis lines");
    }

    #[test]
    fn feature_codes_reach_their_flows_with_digits_only() {
        let dialplan = &rendered_dialplan();
        assert!(dialplan.contains(
            "exten => 9952,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,group-toggle,${CHANNEL(endpoint)})\n"
        ));
        assert!(dialplan.contains("exten => 9954,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,dnd,${CHANNEL(endpoint)})"));
        assert!(dialplan.contains("exten => 9953,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,forward,${CHANNEL(endpoint)})"));
        assert!(dialplan.contains(
            "exten => _9953XXXX,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,forward,${CHANNEL(endpoint)},${EXTEN:4})"
        ));
        assert!(dialplan.contains(
            "exten => _9952XXXXXXXXXXXXXXX,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,group-toggle,${CHANNEL(endpoint)},${EXTEN:4})"
        ));
        // Both phone contexts reach them (a temporary handset hears that it has no number).
        for context in ["eventpbx-extensions", "eventpbx-temporary"] {
            let exts = reachable_extensions(dialplan, context);
            // Services are included before the number patterns, so they win; within them
            // exactly one pattern matches.
            let services = reachable_extensions(dialplan, "eventpbx-services");
            let first = |dialled: &str| {
                let hits: Vec<_> = services.iter().filter(|p| matches(p, dialled)).collect();
                assert!(hits.len() <= 1, "{dialled}: {hits:?}");
                assert!(hits.iter().all(|h| exts.contains(h)));
                hits.first().map(|h| h.to_string())
            };
            for (dialled, pattern) in [
                ("9954", "9954"),
                ("9953", "9953"),
                ("99534711", "_9953XXXX"),
                ("99532", "_9953X"),
                ("9953123456789012345", "_9953XXXXXXXXXXXXXXX"),
                ("99522100", "_9952XXXX"),
                ("9952", "9952"),
            ] {
                assert_eq!(
                    first(dialled).as_deref(),
                    Some(pattern),
                    "{context}: {dialled}"
                );
            }
            for hostile in ["9953${SHELL(id)}", "99534711,1", "9952*", "99524711)"] {
                let hit: Vec<_> = exts.iter().filter(|p| matches(p, hostile)).collect();
                assert!(hit.is_empty(), "{context}: {hostile:?} matched {hit:?}");
            }
            // Sixteen digits after the code is no number: not a feature code.
            assert!(!exts
                .iter()
                .any(|p| p.starts_with("_9953") && matches(p, "99531234567890123456")));
        }
        // The codes follow the settings.
        let s = Settings::from_toml(
            "[ari]\npassword = \"abcdefghijklmnop0123\"\n[codes]\nforward = \"*21\"\n",
        );
        assert!(s.is_err(), "codes are digits only");
        let s = Settings::from_toml(
            "[ari]\npassword = \"abcdefghijklmnop0123\"\n[codes]\ndnd = \"8888\"\ngroup_toggle = \"8887\"\n",
        )
        .unwrap();
        let text = render(&s, &layout())
            .unwrap()
            .into_iter()
            .find(|(f, _)| f == "extensions.conf")
            .unwrap()
            .1;
        assert!(text.contains(
            "exten => 8888,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,dnd,"
        ));
        assert!(text.contains(
            "exten => _8887XX,1,Gosub(eventpbx-mark-line,s,1)\n same => n,Stasis(eventpbx,group-toggle,${CHANNEL(endpoint)},${EXTEN:4})"
        ));
    }

    #[test]
    fn member_legs_are_digits_of_a_leg_id_length() {
        let dialplan = &rendered_dialplan();
        let exts = reachable_extensions(dialplan, "eventpbx-leg");
        for hostile in [
            "042001000${SHELL(id)}",
            "01100",
            "04200100x",
            "042001000,1",
            "h",
            "s",
            "",
        ] {
            let hit: Vec<_> = exts.iter().filter(|p| matches(p, hostile)).collect();
            assert!(hit.is_empty(), "{hostile:?} matched {hit:?}");
        }
        // Shortest (a one-digit number) to longest (fifteen digits): 2 + n + 3 digits.
        for leg in ["011000", "042001000", "15123456789012345999"] {
            assert!(
                exts.iter().any(|p| matches(p, leg)),
                "{leg} must reach a leg"
            );
        }
        assert!(!exts.iter().any(|p| matches(p, "01100")));
        assert!(!exts.iter().any(|p| matches(p, "151234567890123459990")));
        // No phone reaches the legs or the plan's inner extensions.
        for context in ["eventpbx-extensions", "eventpbx-temporary"] {
            for inner in ["leg", "plan", "hop", "busy", "numbers"] {
                assert!(
                    !reachable_extensions(dialplan, context)
                        .iter()
                        .any(|p| matches(p, inner)),
                    "{context} reaches {inner}"
                );
            }
        }
    }

    #[test]
    fn placeholders_leave_asterisks_own_at_signs() {
        let mut values = BTreeMap::new();
        values.insert("A", "x".to_string());
        assert_eq!(
            substitute("${GROUP_COUNT(${EP}@eventpbx-in)} @A@ a@b@c", &values).unwrap(),
            "${GROUP_COUNT(${EP}@eventpbx-in)} x a@b@c"
        );
        assert!(substitute("@NOPE@", &values).is_err());
    }

    #[test]
    fn no_caller_text_is_evaluated() {
        let dialplan = &rendered_dialplan();
        for line in dialplan
            .lines()
            .filter(|l| !l.trim_start().starts_with(';'))
        {
            if let Some(expr) = line.find("$[") {
                let inner = &line[expr..];
                // Database values in expressions are integers only (no strings: HASH(R,via),
                // dial, endpoints), and a caller's name never.
                for caller in [
                    "EXTEN",
                    "CALLERID",
                    "CONNECTEDLINE",
                    "PJSIP_HEADER",
                    "SIP_HEADER",
                    "EP}",
                    "HASH(R,via",
                    "HASH(R,dial",
                    "HASH(R,forward",
                    "HASH(R,on_",
                    "HASH(R,cw_line",
                    "HASH(L,endpoint",
                    "HASH(L,line",
                    "LINE}",
                    "EPS}",
                    "TARGETS}",
                    "EVENTPBX_VIA",
                    "EVENTPBX_NUMBER",
                    "EVENTPBX_NEXT",
                    "HANGUPCAUSE(",
                ] {
                    assert!(
                        !inner.contains(caller),
                        "caller text in an expression: {line}"
                    );
                }
            }
            for evaluator in ["EVAL(", "ExecIf(", "Exec(", "System(", "SHELL("] {
                assert!(!line.contains(evaluator), "{line}");
            }
            if let Some(rest) = line.trim().strip_prefix("exten =>") {
                let pattern = rest.split(',').next().unwrap().trim();
                assert!(
                    !pattern.contains(['.', '!', '[']),
                    "loose pattern {pattern}: Asterisk has no digits-only wildcard"
                );
            }
        }
    }

    #[test]
    fn write_refuses_a_full_folder_keeps_backups_and_restricts_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("extensions.conf"), "someone else's").unwrap();
        let group = "root".to_string();
        let options = WriteOptions {
            force: false,
            group: group.clone(),
        };
        let err = write(&settings(), &layout(), dir.path(), &options).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("extensions.conf")).unwrap(),
            "someone else's",
            "refused means nothing written"
        );
        let options = WriteOptions { force: true, group };
        write(&settings(), &layout(), dir.path(), &options).unwrap();
        let backups: Vec<_> = std::fs::read_dir(dir.path().join(".eventpbx-backup"))
            .unwrap()
            .collect();
        assert_eq!(backups.len(), 1);
        let saved = backups[0].as_ref().unwrap().path().join("extensions.conf");
        assert_eq!(std::fs::read_to_string(&saved).unwrap(), "someone else's");
        for name in ["ari.conf", "extensions.conf"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o640, "{name}");
        }
        let bad = WriteOptions {
            force: true,
            group: "no-such-group-here".into(),
        };
        assert!(write(&settings(), &layout(), dir.path(), &bad).is_err());
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
