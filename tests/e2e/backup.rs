//! `eventpbx backup` and `eventpbx restore` beside the running sandbox Asterisk: a backup is
//! taken while Asterisk has the database open, and a restore is refused because Asterisk
//! would go on using the old file (it keeps its SQLite connection open).

use std::process::Command;

use crate::support;

fn eventpbx(args: &[&str]) -> (bool, String) {
    let config =
        std::env::var_os("EVENTPBX_CONFIG").expect("EVENTPBX_CONFIG (scripts/test sets it)");
    let out = Command::new(env!("CARGO_BIN_EXE_eventpbx"))
        .args(args)
        .env("EVENTPBX_CONFIG", config)
        .current_dir(support::root())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn a_backup_runs_beside_asterisk_and_a_restore_waits_for_it_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.db");
    let file = file.to_str().unwrap();
    let (ok, text) = eventpbx(&["backup", file]);
    assert!(ok, "{text}");
    assert!(text.contains("mode 0600"), "{text}");
    let copy = rusqlite::Connection::open(file).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(copy);
    let (ok, text) = eventpbx(&["restore", file]);
    assert!(
        !ok,
        "a restore under a running Asterisk must be refused: {text}"
    );
    assert!(text.contains("(asterisk)"), "names Asterisk: {text}");
    assert!(text.contains("stop it first"), "{text}");
}
