//! Cross-checks the fake OMM with an independent AXI client: the Python package
//! mitel-ommclient2 0.0.1 in the `scripts/setup --test` virtualenv drives it (login, GetPPDev,
//! GetPPUser, CreatePPUser, SetPPUser, SetPP, errors). A missing virtualenv or package fails
//! the test: run `scripts/setup --test`.

use std::path::Path;
use std::process::Command;

use crate::fake_omm::{self, FakeOmm};

/// Where `scripts/setup --test` makes the virtualenv (`EVENTPBX_VENV` as in scripts/setup).
fn venv_python() -> String {
    std::env::var("EVENTPBX_VENV").unwrap_or_else(|_| "/var/cache/eventpbx/venv".into())
        + "/bin/python"
}

#[tokio::test]
async fn mitel_ommclient2_speaks_with_the_fake_omm() {
    let python = venv_python();
    assert!(
        Path::new(&python).exists(),
        "{python} is missing: run scripts/setup --test (it installs mitel-ommclient2)"
    );
    let omm = FakeOmm::start().await;
    let ipei = "03103 0024641 3";
    omm.subscribe_handset(ipei);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/omm/ommclient2_check.py");
    let port = omm.addr.port().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args([script, &port, fake_omm::USER, fake_omm::PASSWORD, ipei])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(
        stdout.matches("ok: ").count(),
        18,
        "every check ran:\n{stdout}"
    );
    // What the Python client left behind is visible in the fake, too.
    let users = omm.users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name, "Alice & <Bob>");
}
