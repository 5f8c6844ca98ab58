//! The LDAP directory against real clients: Debian's `ldapsearch`/`ldapmodify` (OpenLDAP's
//! libldap) and Python's `ldap3` (in the `scripts/setup --test` virtualenv), with the filters
//! phones send, plus raw TCP for what no polite client sends. Neither client is optional: a
//! missing one fails the test.
//!
//! The filters, with their sources (the `%` of the phones' templates is what the user typed;
//! the phones add `*` for prefix search):
//! - Yealink, name `(|(cn=%)(sn=%))` and number `(|(telephoneNumber=%)(mobile=%)(ipPhone=%))`:
//!   the examples of Yealink's administrator guides (`ldap.name_filter`, `ldap.number_filter`).
//! - Snom, name `(&(telephoneNumber=*)(sn=%))` and number `(&(telephoneNumber=%)(sn=*))`: the
//!   example configuration of Snom's "LDAP Directory" wiki page.
//! - Mitel SIP-DECT (OMM): its LDAP search is configured by attribute, not by a template; the
//!   OM System Manual was not available here, so `(|(cn=%*)(sn=%*))` and
//!   `(telephoneNumber=%*)` stand for it. Not checked against an OMM.

use std::time::{Duration, Instant};

use base64::Engine;
use eventpbx::ldap::{Limits, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::web_support::{spawn, spawn_with, TestApp};

const BASE: &str = "ou=phonebook,dc=eventpbx";

/// A directory server on its own port beside the test app; stops with the returned token.
struct Directory {
    port: u16,
    _stop: tokio_util::sync::DropGuard,
}

async fn directory(app: &TestApp, limits: Limits) -> Directory {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = CancellationToken::new();
    let server = Server::new(app.state.clone(), limits).unwrap();
    tokio::spawn(server.serve(listener, stop.clone()));
    Directory {
        port,
        _stop: stop.drop_guard(),
    }
}

fn quick() -> Limits {
    Limits {
        idle: Duration::from_secs(2),
        message: Duration::from_millis(400),
    }
}

/// The book every search test uses: names that break naive servers among them.
async fn fill(app: &TestApp) {
    app.add_extension("4711", "Alice Müller", true).await;
    app.add_extension("4712", "Alfred", true).await;
    app.add_extension("4713", "Alina Private", false).await;
    app.add_extension("4800", "Bob (*) \\ x", true).await;
    app.add_extension("4900", "Nul\0Name", true).await;
    app.state
        .db
        .write(|tx| {
            tx.execute(
                "INSERT INTO phonebook_entries (name, number, created_at) VALUES ('Help desk', '1000', 0)",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Runs an OpenLDAP client; returns its exit code and output.
async fn openldap(tool: &str, port: u16, args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut cmd = tokio::process::Command::new(tool);
    cmd.args(["-x", "-H", &format!("ldap://127.0.0.1:{port}")])
        .args(args)
        .env("LDAPTLS_REQCERT", "never")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{tool} (ldap-utils; scripts/setup --test installs it): {e}"));
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("the client finishes")
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

async fn ldapsearch(port: u16, args: &[&str]) -> (i32, String) {
    let mut all = vec!["-LLL", "-o", "ldif-wrap=no"];
    all.extend_from_slice(args);
    openldap("ldapsearch", port, &all, None).await
}

/// The entries of LDIF output as (dn, [(attribute, value)]), base64 values decoded.
fn entries(ldif: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in ldif.lines() {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let value = if let Some(b64) = rest.strip_prefix(": ") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .unwrap();
            String::from_utf8(bytes).unwrap()
        } else {
            rest.strip_prefix(' ').unwrap_or(rest).to_string()
        };
        if name == "dn" {
            out.push((value, Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push((name.to_string(), value));
        }
    }
    out
}

fn values(entry: &(String, Vec<(String, String)>), attribute: &str) -> Vec<String> {
    entry
        .1
        .iter()
        .filter(|(a, _)| a == attribute)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The numbers a subtree search from the base finds.
async fn numbers(port: u16, filter: &str) -> Vec<String> {
    let (code, out) = ldapsearch(port, &["-b", BASE, filter, "telephoneNumber"]).await;
    assert_eq!(code, 0, "{filter}: {out}");
    let mut found: Vec<String> = entries(&out)
        .iter()
        .flat_map(|e| values(e, "telephoneNumber"))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn the_phones_filters_find_published_entries_only() {
    let app = spawn().await;
    fill(&app).await;
    let dir = directory(&app, Limits::default()).await;
    // Yealink
    assert_eq!(
        numbers(dir.port, "(|(cn=al*)(sn=al*))").await,
        ["4711", "4712"]
    );
    assert_eq!(
        numbers(
            dir.port,
            "(|(telephoneNumber=47*)(mobile=47*)(ipPhone=47*))"
        )
        .await,
        ["4711", "4712"]
    );
    // Snom
    assert_eq!(
        numbers(dir.port, "(&(telephoneNumber=*)(sn=ALI*))").await,
        ["4711"]
    );
    assert_eq!(
        numbers(dir.port, "(&(telephoneNumber=4711*)(sn=*))").await,
        ["4711"]
    );
    // Mitel SIP-DECT (stand-in, see the module comment)
    assert_eq!(numbers(dir.port, "(|(cn=help*)(sn=help*))").await, ["1000"]);
    assert_eq!(numbers(dir.port, "(telephoneNumber=10*)").await, ["1000"]);
    // NOT, AND, presence; the private extension never shows.
    assert_eq!(
        numbers(dir.port, "(&(objectClass=inetOrgPerson)(!(cn=a*)))").await,
        ["1000", "4800", "4900"]
    );
    assert!(numbers(dir.port, "(cn=alina*)").await.is_empty());
}

#[tokio::test]
async fn hostile_names_come_back_intact() {
    let app = spawn().await;
    fill(&app).await;
    let dir = directory(&app, Limits::default()).await;
    for (filter, name) in [
        ("(cn=bob \\28\\2a\\29 \\5c x)", "Bob (*) \\ x"),
        ("(cn=*müller)", "Alice Müller"),
        ("(cn=nul\\00name)", "Nul\0Name"),
    ] {
        let (code, out) = ldapsearch(dir.port, &["-b", BASE, filter, "cn"]).await;
        assert_eq!(code, 0, "{out}");
        let found = entries(&out);
        assert_eq!(found.len(), 1, "{filter}: {out}");
        assert_eq!(values(&found[0], "cn"), [name]);
    }
}

#[tokio::test]
async fn scopes_the_root_dse_and_unknown_bases() {
    let app = spawn().await;
    fill(&app).await;
    let dir = directory(&app, Limits::default()).await;
    let (code, out) = ldapsearch(dir.port, &["-s", "base", "-b", "", "(objectClass=*)", "+"]).await;
    assert_eq!(code, 0, "{out}");
    let root = entries(&out);
    assert_eq!(values(&root[0], "namingContexts"), [BASE]);
    assert_eq!(values(&root[0], "supportedLDAPVersion"), ["3"]);

    let count = |out: &str| entries(out).len();
    let (_, out) = ldapsearch(
        dir.port,
        &["-s", "one", "-b", BASE, "(objectClass=*)", "1.1"],
    )
    .await;
    assert_eq!(count(&out), 5, "{out}");
    let (_, out) = ldapsearch(
        dir.port,
        &["-s", "sub", "-b", "dc=eventpbx", "(objectClass=*)", "1.1"],
    )
    .await;
    assert_eq!(count(&out), 6, "the base and its five entries: {out}");
    let (_, out) = ldapsearch(
        dir.port,
        &[
            "-s",
            "base",
            "-b",
            &format!("uid=4711,{BASE}"),
            "(objectClass=*)",
        ],
    )
    .await;
    let entry = &entries(&out)[0];
    assert_eq!(values(entry, "displayName"), ["Alice Müller"]);
    assert_eq!(
        values(entry, "objectClass"),
        ["top", "person", "organizationalPerson", "inetOrgPerson"]
    );

    let (code, out) = ldapsearch(
        dir.port,
        &["-b", &format!("uid=9999,{BASE}"), "(objectClass=*)"],
    )
    .await;
    assert_eq!(code, 32, "noSuchObject: {out}");
    let (code, out) = ldapsearch(dir.port, &["-b", "not a dn", "(objectClass=*)"]).await;
    assert_eq!(code, 34, "invalidDNSyntax: {out}");
}

#[tokio::test]
async fn size_limits_and_paging() {
    let app = spawn_with(|s| s.ldap.max_results = 4).await;
    fill(&app).await;
    let dir = directory(&app, Limits::default()).await;
    // The client's limit.
    let (code, out) = ldapsearch(
        dir.port,
        &["-z", "2", "-b", BASE, "(objectClass=inetOrgPerson)", "1.1"],
    )
    .await;
    assert_eq!(code, 4, "sizeLimitExceeded: {out}");
    assert_eq!(entries(&out).len(), 2);
    // The server's limit (ldap.max_results = 4) holds without one.
    let (code, out) = ldapsearch(
        dir.port,
        &["-b", BASE, "(objectClass=inetOrgPerson)", "1.1"],
    )
    .await;
    assert_eq!(code, 4, "{out}");
    assert_eq!(entries(&out).len(), 4);
    // Pages of 2 up to the server's limit; ldapsearch prints the control of each page.
    let (code, out) = openldap(
        "ldapsearch",
        dir.port,
        &[
            "-E",
            "pr=2/noprompt",
            "-b",
            BASE,
            "(objectClass=inetOrgPerson)",
            "1.1",
        ],
        None,
    )
    .await;
    assert_eq!(code, 4, "{out}");
    assert_eq!(entries(&out).len(), 4, "{out}");
    assert_eq!(
        out.matches("pagedresults: estimate=4 cookie=").count(),
        2,
        "{out}"
    );
    // Within the limit, paging ends with success.
    let (code, out) = openldap(
        "ldapsearch",
        dir.port,
        &["-E", "pr=1/noprompt", "-b", BASE, "(cn=al*)", "1.1"],
        None,
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(entries(&out).len(), 2, "{out}");
}

#[tokio::test]
async fn writes_and_extended_operations_are_refused() {
    let app = spawn().await;
    fill(&app).await;
    let dir = directory(&app, Limits::default()).await;
    let add = format!(
        "dn: uid=666,{BASE}\nobjectClass: inetOrgPerson\ncn: Mallory\nsn: Mallory\ntelephoneNumber: 666\n"
    );
    let (code, out) = openldap("ldapmodify", dir.port, &["-a"], Some(&add)).await;
    assert_eq!(code, 53, "unwillingToPerform: {out}");
    let delete = format!("dn: uid=4711,{BASE}\nchangetype: delete\n");
    let (code, out) = openldap("ldapmodify", dir.port, &[], Some(&delete)).await;
    assert_eq!(code, 53, "{out}");
    // ldapwhoami exits 1 on any failure; the result code is in its message.
    let (code, out) = openldap("ldapwhoami", dir.port, &[], None).await;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("Protocol error (2)"),
        "unknown extended operation: {out}"
    );
    assert_eq!(
        numbers(dir.port, "(telephoneNumber=666)").await,
        Vec::<String>::new()
    );
    assert_eq!(numbers(dir.port, "(telephoneNumber=4711)").await, ["4711"]);
}

#[tokio::test]
async fn a_configured_bind_is_required_and_checked() {
    let app = spawn_with(|s| s.ldap.bind_dn = "cn=phones,dc=eventpbx".into()).await;
    std::fs::write(
        app.state.settings.data.dir.join("ldap.secret"),
        "s3cret words\n",
    )
    .unwrap();
    fill(&app).await;
    let dir = directory(&app, Limits::default()).await;
    let (code, out) = ldapsearch(dir.port, &["-b", BASE, "(cn=al*)"]).await;
    assert_eq!(code, 48, "an anonymous bind is refused: {out}");
    let (code, out) = ldapsearch(
        dir.port,
        &[
            "-D",
            "cn=phones,dc=eventpbx",
            "-w",
            "wrong",
            "-b",
            BASE,
            "(cn=al*)",
        ],
    )
    .await;
    assert_eq!(code, 49, "invalidCredentials: {out}");
    let (code, out) = ldapsearch(
        dir.port,
        &[
            "-D",
            "CN=Phones, DC=EventPBX",
            "-w",
            "s3cret words",
            "-b",
            BASE,
            "(cn=al*)",
            "1.1",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(entries(&out).len(), 2);
}

#[tokio::test]
async fn a_bind_without_its_password_file_refuses_to_start() {
    let app = spawn_with(|s| s.ldap.bind_dn = "cn=phones,dc=eventpbx".into()).await;
    let err = Server::new(app.state.clone(), Limits::default())
        .err()
        .expect("no password file: no server");
    assert!(err.to_string().contains("LDAP bind password"), "{err}");
}

/// Reads until the server closes; returns what it sent and how long that took.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((started + within).into(), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, started.elapsed()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open for {within:?}"),
        }
    }
}

#[tokio::test]
async fn hostile_bytes_close_the_connection_promptly() {
    let app = spawn().await;
    let dir = directory(&app, quick()).await;
    let cases: [(&str, &[u8]); 4] = [
        (
            "a 2 GiB announced length",
            &[0x30, 0x84, 0x80, 0x00, 0x00, 0x00],
        ),
        ("not a SEQUENCE", b"GET / HTTP/1.1\r\n\r\n"),
        ("garbage inside a frame", &[0x30, 0x03, 0xff, 0xff, 0xff]),
        (
            "the indefinite length form",
            &[0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00],
        ),
    ];
    for (what, bytes) in cases {
        let mut stream = TcpStream::connect(("127.0.0.1", dir.port)).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        let (reply, took) = read_until_closed(&mut stream, Duration::from_secs(1)).await;
        assert!(
            took < Duration::from_millis(400),
            "{what}: closed after {took:?}"
        );
        // The notice of disconnection names its OID (RFC 4511 §4.4.1).
        let notice = b"1.3.6.1.4.1.1466.20036";
        assert!(
            reply.windows(notice.len()).any(|w| w == notice),
            "{what}: {reply:?}"
        );
    }
    // The server is still there for the next client.
    app.add_extension("4711", "Alice", true).await;
    assert_eq!(numbers(dir.port, "(cn=alice)").await, ["4711"]);
}

#[tokio::test]
async fn slow_and_idle_clients_are_let_go() {
    let app = spawn().await;
    let dir = directory(&app, quick()).await;
    // One byte of a message, then nothing: closed after the message limit, not the idle one.
    let mut slow = TcpStream::connect(("127.0.0.1", dir.port)).await.unwrap();
    slow.write_all(&[0x30]).await.unwrap();
    let (_, took) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_millis(1900),
        "slow sender closed after {took:?}"
    );
    // Connected and silent: closed after the idle limit.
    let mut idle = TcpStream::connect(("127.0.0.1", dir.port)).await.unwrap();
    let (_, took) = read_until_closed(&mut idle, Duration::from_secs(6)).await;
    assert!(
        took >= Duration::from_millis(1900),
        "idle closed after {took:?}"
    );
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed() {
    let app = spawn_with(|s| s.ldap.max_connections = 2).await;
    app.add_extension("4711", "Alice", true).await;
    let dir = directory(&app, Limits::default()).await;
    let _a = TcpStream::connect(("127.0.0.1", dir.port)).await.unwrap();
    let _b = TcpStream::connect(("127.0.0.1", dir.port)).await.unwrap();
    let mut third = TcpStream::connect(("127.0.0.1", dir.port)).await.unwrap();
    let (reply, _) = read_until_closed(&mut third, Duration::from_secs(2)).await;
    assert!(reply.is_empty());
    drop((_a, _b));
    // A slot frees when a client leaves.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(numbers(dir.port, "(cn=alice)").await, ["4711"]);
}

#[tokio::test]
async fn python_ldap3_agrees() {
    let app = spawn().await;
    fill(&app).await;
    let dir = directory(&app, Limits::default()).await;
    let venv = std::env::var("EVENTPBX_VENV").unwrap_or_else(|_| "/var/cache/eventpbx/venv".into());
    let python = format!("{venv}/bin/python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/ldap3_client.py");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(&python)
            .args([script, &dir.port.to_string(), BASE])
            .output(),
    )
    .await
    .expect("the Python client finishes")
    .unwrap_or_else(|e| panic!("{python} (scripts/setup --test makes it): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("ldap3: all checks passed"), "{text}");
}

#[tokio::test]
async fn the_daemon_serves_the_directory_when_enabled() {
    // A free port, released for the daemon to take.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_with(|s| {
        s.ldap.enabled = true;
        s.ldap.listen = ([127, 0, 0, 1], port).into();
    })
    .await;
    app.add_extension("4711", "Alice", true).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, out) = ldapsearch(port, &["-b", BASE, "(cn=alice)", "telephoneNumber"]).await;
        if code == 0 {
            assert_eq!(values(&entries(&out)[0], "telephoneNumber"), ["4711"]);
            break;
        }
        assert!(Instant::now() < deadline, "no directory on {port}: {out}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
