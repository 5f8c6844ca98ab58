//! `eventpbx check`'s local checks (settings, data folder, database) on a temporary folder, and
//! the command's lines and exit status.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use eventpbx::config::Settings;
use eventpbx::service::check;

fn settings_for(data: &Path) -> Settings {
    let sounds = Path::new(env!("CARGO_MANIFEST_DIR")).join("sounds");
    Settings::from_toml(&format!(
        "[data]\ndir = {:?}\n[ari]\npassword = \"x\"\n[prompts]\nsounds_dir = {:?}\n",
        data.display().to_string(),
        sounds.display().to_string()
    ))
    .unwrap()
}

fn outcome<'a>(checks: &'a [check::Check], name: &str) -> &'a Result<String, String> {
    &checks.iter().find(|c| c.name == name).unwrap().outcome
}

fn migrate(settings: &Settings) {
    eventpbx::db::open_and_migrate(&settings.db_path(), std::time::Duration::from_millis(500))
        .unwrap();
}

#[test]
fn a_migrated_private_folder_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let settings = settings_for(&tmp.path().join("data"));
    migrate(&settings);
    let checks = check::local(&settings);
    for c in &checks {
        assert!(c.passed(), "{c}");
    }
    assert!(outcome(&checks, "database")
        .as_ref()
        .unwrap()
        .contains("(current), integrity ok"));
}

#[test]
fn a_missing_database_fails_and_is_not_created() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let settings = settings_for(&data);
    let checks = check::local(&settings);
    assert!(outcome(&checks, "data").is_err());
    assert!(outcome(&checks, "database")
        .as_ref()
        .unwrap_err()
        .contains("run eventpbx migrate"));
    assert!(!data.exists(), "a check must not create the data folder");
}

#[test]
fn open_modes_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let settings = settings_for(&data);
    migrate(&settings);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(settings.db_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let checks = check::local(&settings);
    assert!(outcome(&checks, "data")
        .as_ref()
        .unwrap_err()
        .contains("0755"));
    assert!(outcome(&checks, "database")
        .as_ref()
        .unwrap_err()
        .contains("0644"));
}

#[test]
fn an_old_schema_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let settings = settings_for(&tmp.path().join("data"));
    migrate(&settings);
    let conn = rusqlite::Connection::open(settings.db_path()).unwrap();
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);
    let checks = check::local(&settings);
    assert!(outcome(&checks, "database")
        .as_ref()
        .unwrap_err()
        .contains("schema version 2"));
}

#[test]
fn a_broken_database_file_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let settings = settings_for(&data);
    migrate(&settings);
    // Overwrite the middle of the file: pages of tables and indexes no longer match.
    let mut bytes = std::fs::read(settings.db_path()).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0x5a;
    }
    std::fs::write(settings.db_path(), bytes).unwrap();
    let checks = check::local(&settings);
    assert!(outcome(&checks, "database").is_err(), "{checks:?}");
}

#[test]
fn the_command_prints_one_line_per_check_and_fails_without_asterisk() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let settings = settings_for(&data);
    migrate(&settings);
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_eventpbx"))
        .arg("check")
        .env_remove("EVENTPBX_CONFIG")
        .env("EVENTPBX_DATA__DIR", &data)
        .env("EVENTPBX_ARI__PASSWORD", "x")
        .env("EVENTPBX_ARI__URL", format!("http://127.0.0.1:{port}/ari"))
        .env(
            "EVENTPBX_PROMPTS__SOUNDS_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("sounds"),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert!(lines[0].starts_with("ok   settings: "), "{stdout}");
    assert!(lines[1].starts_with("ok   data: "), "{stdout}");
    assert!(lines[2].starts_with("ok   database: "), "{stdout}");
    assert!(lines[3].starts_with("ok   sounds: "), "{stdout}");
    assert_eq!(
        lines[4], "ok   ldap: off (ldap.enabled = false)",
        "{stdout}"
    );
    assert_eq!(
        lines[5],
        format!("FAIL ari: connection refused at 127.0.0.1:{port}")
    );
    assert!(lines[6].starts_with("FAIL modules: "), "{stdout}");
}

#[test]
fn an_ldap_bind_without_its_password_fails_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let mut settings = settings_for(&tmp.path().join("data"));
    migrate(&settings);
    settings.ldap.enabled = true;
    assert!(outcome(&check::local(&settings), "ldap").is_ok());
    settings.ldap.bind_dn = "cn=phones,dc=eventpbx".into();
    let failed = outcome(&check::local(&settings), "ldap")
        .clone()
        .unwrap_err();
    assert!(failed.contains("LDAP bind password"), "{failed}");
    std::fs::write(settings.data.dir.join("ldap.secret"), "pw\n").unwrap();
    assert!(outcome(&check::local(&settings), "ldap").is_ok());
}
