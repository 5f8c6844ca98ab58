//! `eventpbx check` against the running sandbox Asterisk: every check passes, the Asterisk
//! ones (ARI reachable with our credentials, the needed modules loaded) included.

use std::process::Command;

use crate::support;

#[test]
fn eventpbx_check_passes_against_the_sandbox() {
    let config =
        std::env::var_os("EVENTPBX_CONFIG").expect("EVENTPBX_CONFIG (scripts/test sets it)");
    let out = Command::new(env!("CARGO_BIN_EXE_eventpbx"))
        .arg("check")
        .env("EVENTPBX_CONFIG", config)
        .current_dir(support::root())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    for name in ["settings", "data", "database", "sounds", "ari", "modules"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("ok   {name}: "))),
            "no passing {name} line in:\n{stdout}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok   ari: Asterisk 22.")),
        "{stdout}"
    );
}
