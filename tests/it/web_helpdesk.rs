//! The help desk role against a started app over HTTP: each action works and is written to
//! the audit log (never a secret), attendees get none of it, the help desk gets no admin or
//! operator page, and bad input changes nothing.

use eventpbx::domain::accounts::Role;
use reqwest::{Client, StatusCode};

use crate::web_support::{csrf_in, spawn, TestApp};

/// Every row of the tables a help desk or admin form could change, as text: equal before
/// and after means nothing was written.
async fn fingerprint(app: &TestApp) -> String {
    app.state
        .db
        .read(|c| {
            let mut all = String::new();
            for table in [
                "users",
                "extensions",
                "devices",
                "ps_auths",
                "ps_endpoints",
                "numbers",
                "number_ranges",
                "reserved_numbers",
                "app_settings",
                "api_keys",
                "phonebook_entries",
                "event",
                "group_members",
                "used_tokens",
                "audit_log",
            ] {
                let mut stmt = c.prepare(&format!("SELECT * FROM {table} ORDER BY 1"))?;
                let n = stmt.column_count();
                let rows = stmt.query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                })?;
                for row in rows {
                    all.push_str(&format!("{table}: {:?}\n", row?));
                }
            }
            Ok(all)
        })
        .await
        .unwrap()
}

async fn text(app: &TestApp, sql: String) -> Option<String> {
    app.state
        .db
        .read(move |c| {
            Ok(c.query_row(&sql, [], |r| r.get::<_, Option<String>>(0))
                .unwrap_or(None))
        })
        .await
        .unwrap()
}

async fn audit_lines(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM audit_log").await
}

/// The newest audit line: (actor, action, target user, number, handset).
async fn last_line(
    app: &TestApp,
) -> (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
) {
    app.state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT actor, action, target_user, number, handset FROM audit_log
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?)
        })
        .await
        .unwrap()
}

/// Ann claims an unlisted SIP extension 4711 and a handset extension 4712 on her page.
async fn ann_with_extensions(app: &TestApp) -> Client {
    let ann = app.user_with_role("ann", Role::Attendee).await;
    for (number, kind) in [("4711", "sip"), ("4712", "handset")] {
        let fields = [("number", number), ("kind", kind), ("name", "Ann")];
        let r = app
            .submit(&ann, "/account", "/account/claim", &fields)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "claim {number}");
    }
    ann
}

async fn post(app: &TestApp, client: &Client, page: &str, action: &str) -> (StatusCode, String) {
    let r = app
        .submit(client, page, action, &[("confirm", "yes")])
        .await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn web_helpdesk_does_each_action_and_the_audit_log_records_it() {
    let app = spawn().await;
    let _ann = ann_with_extensions(&app).await;
    let helen = app.user_with_role("helen", Role::Helpdesk).await;
    let sip_password = "SELECT password FROM ps_auths WHERE id = (SELECT device_id FROM extensions WHERE number = '4711')";
    let token = "SELECT token FROM extensions WHERE number = '4712'";

    // Search: by username, and by number (unlisted ones too), with the owner.
    let (status, html) = app.get(&helen, "/helpdesk?q=ann").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("href=\"/helpdesk/ext/4711\"")
            && html.contains("href=\"/helpdesk/ext/4712\"")
    );
    let (_, html) = app.get(&helen, "/helpdesk?q=4711").await;
    assert!(html.contains("unlisted") && html.contains("ann"), "{html}");
    assert!(html.contains("Help desk"), "the navigation links the desk");
    assert_eq!(
        audit_lines(&app).await,
        0,
        "searching shows no secret and is not logged"
    );

    // Looking at the SIP credentials, then a new password.
    let old_password = text(&app, sip_password.into()).await.unwrap();
    let (status, html) = app.get(&helen, "/helpdesk/ext/4711").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&old_password),
        "the help desk reads the SIP password"
    );
    assert_eq!(
        last_line(&app).await,
        (
            "helen".into(),
            "viewed".into(),
            Some("ann".into()),
            Some("4711".into()),
            None
        )
    );
    let (status, html) = post(
        &app,
        &helen,
        "/helpdesk/ext/4711",
        "/helpdesk/ext/4711/password",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let new_password = text(&app, sip_password.into()).await.unwrap();
    assert_ne!(new_password, old_password);
    assert!(html.contains(&new_password) && html.contains("new SIP password"));
    let line = last_line(&app).await;
    assert_eq!(
        (line.1.as_str(), line.3.as_deref()),
        ("new-sip-password", Some("4711"))
    );

    // A new token for the handset extension.
    let old_token = text(&app, token.into()).await.unwrap();
    let (_, html) = app.get(&helen, "/helpdesk/ext/4712").await;
    assert!(html.contains(&old_token));
    let (status, html) = post(
        &app,
        &helen,
        "/helpdesk/ext/4712",
        "/helpdesk/ext/4712/token",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new_token = text(&app, token.into()).await.unwrap();
    assert_ne!(new_token, old_token);
    assert!(html.contains(&new_token));
    assert_eq!(last_line(&app).await.1, "new-token");

    // Mint a box of two loaners: the answer is their sheet, QR codes inline.
    let r = app
        .submit(
            &helen,
            "/helpdesk/loaners",
            "/helpdesk/loaners",
            &[("count", "2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let sheet = r.text().await.unwrap();
    assert_eq!(sheet.matches("<article class=\"loaner\"").count(), 2);
    assert_eq!(
        sheet
            .matches("<svg xmlns=\"http://www.w3.org/2000/svg\"")
            .count(),
        2
    );
    assert!(
        !sheet.contains("<?xml"),
        "inline SVG, no XML declaration in the page"
    );
    let loaners: Vec<(String, String)> = app
        .state
        .db
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT n.endpoint, a.password FROM numbers n JOIN ps_auths a ON a.id = n.endpoint
                 WHERE n.kind = 'temporary' ORDER BY n.number",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(loaners.len(), 2);
    for (username, password) in &loaners {
        assert!(
            sheet.contains(username) && sheet.contains(password),
            "{username} on the sheet"
        );
    }
    let line = last_line(&app).await;
    assert_eq!(line.1, "minted");

    // The first loaner binds to 4712 as if it dialled the token; the help desk unbinds it.
    let (loaner, _) = loaners[0].clone();
    let (bind_as, bind_token) = (loaner.clone(), new_token.clone());
    let outcome = app
        .state
        .db
        .write(move |tx| {
            eventpbx::db::handsets::bind(tx, &bind_as, &bind_token, eventpbx::db::now())
        })
        .await
        .unwrap();
    assert!(
        matches!(outcome, eventpbx::db::handsets::BindOutcome::Bound { .. }),
        "{outcome:?}"
    );
    let (_, html) = app.get(&helen, "/helpdesk/ext/4712").await;
    assert!(html.contains(&loaner) && html.contains("Unbind"));
    let (status, html) = post(
        &app,
        &helen,
        "/helpdesk/ext/4712",
        "/helpdesk/ext/4712/unbind",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("is a loaner again"));
    assert_eq!(
        text(
            &app,
            "SELECT device_id FROM extensions WHERE number = '4712'".into()
        )
        .await,
        None
    );
    let line = last_line(&app).await;
    assert_eq!(
        (
            line.1.as_str(),
            line.2.as_deref(),
            line.3.as_deref(),
            line.4.as_deref()
        ),
        ("unbound", Some("ann"), Some("4712"), Some(loaner.as_str()))
    );

    // The second loaner comes back and is released for good.
    let (gone, _) = loaners[1].clone();
    let (status, html) = post(
        &app,
        &helen,
        "/helpdesk/loaners",
        &format!("/helpdesk/handsets/{gone}/release"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("is released"));
    assert_eq!(
        app.count("SELECT count(*) FROM devices WHERE kind = 'handset'")
            .await,
        1
    );
    let line = last_line(&app).await;
    assert_eq!(
        (line.1.as_str(), line.4.as_deref()),
        ("released", Some(gone.as_str()))
    );

    // The sheet of the waiting loaners again (the unbound one is waiting once more).
    let (status, sheet) = app.get(&helen, "/helpdesk/loaners/sheet").await;
    assert_eq!(status, StatusCode::OK);
    assert!(sheet.contains(&loaner) && !sheet.contains(&gone));
    assert_eq!(last_line(&app).await.1, "printed-sheet");

    // The waiting loaner is handed to 4712 at the desk: bound as its token would bind it.
    let temporary = text(
        &app,
        format!("SELECT number FROM numbers WHERE endpoint = '{loaner}' AND kind = 'temporary'"),
    )
    .await
    .unwrap();
    let r = app
        .submit(
            &helen,
            "/helpdesk/ext/4712",
            "/helpdesk/ext/4712/hand-out",
            &[("loaner", &temporary)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("hand it over"));
    assert_eq!(
        text(
            &app,
            "SELECT device_id FROM extensions WHERE number = '4712'".into()
        )
        .await,
        Some(loaner.clone())
    );
    assert_eq!(
        app.count("SELECT count(*) FROM numbers WHERE kind = 'temporary'")
            .await,
        0
    );
    let line = last_line(&app).await;
    assert_eq!(
        (
            line.1.as_str(),
            line.2.as_deref(),
            line.3.as_deref(),
            line.4.as_deref()
        ),
        (
            "handed-out",
            Some("ann"),
            Some("4712"),
            Some(loaner.as_str())
        )
    );

    // The admins read it all, newest first; no secret is in the log.
    let admin = app.user_with_role("root", Role::Admin).await;
    let (status, page) = app.get(&admin, "/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    let order: Vec<usize> = [
        "handed out a loaner",
        "opened the loaner sheet",
        "released the handset",
        "unbound the handset",
        "minted loaners",
        "made a new token",
        "made a new SIP password",
        "looked at the credentials",
    ]
    .iter()
    .map(|words| {
        // The oldest line of each kind: only "looked" comes more than once.
        page.rfind(words)
            .unwrap_or_else(|| panic!("{words} in {page}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "newest first: {order:?}"
    );
    let log = fingerprint(&app).await;
    let log: String = log.lines().filter(|l| l.starts_with("audit_log")).collect();
    for secret in [
        &old_password,
        &new_password,
        &old_token,
        &new_token,
        &loaners[0].1,
        &loaners[1].1,
    ] {
        assert!(
            !log.contains(secret.as_str()) && !page.contains(secret.as_str()),
            "secret {secret} in the log"
        );
    }

    // Operators include the help desk.
    let otto = app.user_with_role("otto", Role::Operator).await;
    assert_eq!(app.get(&otto, "/helpdesk/ext/4711").await.0, StatusCode::OK);
    assert_eq!(last_line(&app).await.0, "otto");
}

#[tokio::test]
async fn web_helpdesk_audit_log_is_paged_for_admins() {
    let app = spawn().await;
    let _ann = ann_with_extensions(&app).await;
    let helen = app.user_with_role("helen", Role::Helpdesk).await;
    for _ in 0..51 {
        assert_eq!(
            app.get(&helen, "/helpdesk/ext/4711").await.0,
            StatusCode::OK
        );
    }
    app.get(&helen, "/helpdesk/ext/4712").await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let (_, first) = app.get(&admin, "/admin/audit").await;
    assert!(first.contains("Audit log (52)") && first.contains("Page 1 of 2"));
    let rows = |html: &str| html.matches("looked at the credentials").count();
    assert_eq!(rows(&first), 50);
    let newest = first.find("4712").unwrap();
    assert!(
        first[..newest].matches("4711").count() == 0,
        "4712 was opened last"
    );
    let (_, second) = app.get(&admin, "/admin/audit?page=2").await;
    assert_eq!(rows(&second), 2);
    assert_eq!(
        app.get(&admin, "/admin/audit?page=x").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// The routes under `prefixes` that the source registers, by their pattern.
fn routes_in_source(dirs: &[&str], prefixes: &[&str]) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/pages");
    let mut found = Vec::new();
    let mut files = Vec::new();
    for dir in dirs {
        let path = root.join(dir);
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                files.push(entry.unwrap().path());
            }
        } else {
            files.push(path);
        }
    }
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for piece in source.split(".route(").skip(1) {
            let Some(start) = piece.find('"') else {
                continue;
            };
            let rest = &piece[start + 1..];
            let path = &rest[..rest.find('"').unwrap()];
            if prefixes.iter().any(|p| path.starts_with(p)) {
                found.push(path.to_string());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// A route pattern with its parameters filled in with things that exist, so that a route
/// without its guard would really change something.
fn concrete(pattern: &str, ids: &Ids) -> String {
    pattern
        .replace("{number}", "4712")
        .replace("{group}", "4800")
        .replace("{member}", "4712")
        .replace("{sip_username}", &ids.loaner)
        .replace("{id}", &ids.user)
        .replace("{channel}", "1")
}

struct Ids {
    loaner: String,
    user: String,
}

/// Asks every route of `patterns` with GET and with a POST carrying the client's own valid
/// CSRF token and every field any of these forms takes: each must be refused (403 "Not
/// allowed") by at least one method and allow the other by neither (405 is "no such
/// method"), and nothing may change.
async fn all_refused(app: &TestApp, client: &Client, patterns: &[String], ids: &Ids) {
    let (_, account) = app.get(client, "/account").await;
    let csrf = csrf_in(&account);
    let fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("confirm", "yes"),
        ("count", "1"),
        ("role", "admin"),
        ("disabled", "yes"),
        ("first", "100"),
        ("last", "199"),
        ("max", "9"),
        ("number", "4999"),
        ("name", "Mallory"),
        ("kind", "sip"),
        ("scope", "admin"),
        ("delay", "5"),
        ("member", "4711"),
        ("active", "no"),
        ("reason", "x"),
        ("opens", "2026-01-01T00:00"),
    ];
    let before = fingerprint(app).await;
    for pattern in patterns {
        let path = concrete(pattern, ids);
        let get = client.get(app.url(&path)).send().await.unwrap();
        let (get_status, get_body) = (get.status(), get.text().await.unwrap());
        let post = client
            .post(app.url(&path))
            .form(&fields)
            .send()
            .await
            .unwrap();
        let (post_status, post_body) = (post.status(), post.text().await.unwrap());
        for (method, status, body) in [
            ("GET", get_status, &get_body),
            ("POST", post_status, &post_body),
        ] {
            assert!(
                status == StatusCode::FORBIDDEN || status == StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {status}"
            );
            if status == StatusCode::FORBIDDEN {
                assert!(
                    body.contains("Not allowed"),
                    "{method} {path}: the role check, not CSRF"
                );
            }
        }
        assert!(
            get_status == StatusCode::FORBIDDEN || post_status == StatusCode::FORBIDDEN,
            "{path} answers neither method"
        );
    }
    assert_eq!(
        fingerprint(app).await,
        before,
        "a refused request changed something"
    );
}

#[tokio::test]
async fn web_helpdesk_routes_refuse_attendees_and_admin_routes_refuse_the_help_desk() {
    let app = spawn().await;
    let ann = ann_with_extensions(&app).await;
    let helen = app.user_with_role("helen", Role::Helpdesk).await;
    let admin = app.user_with_role("root", Role::Admin).await;
    // A loaner and a group, so that routes naming them name something real.
    let r = app
        .submit(&admin, "/admin", "/admin/handsets", &[("count", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .submit(
            &ann,
            "/account",
            "/account/groups",
            &[("number", "4800"), ("name", "Ann's")],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let ids = Ids {
        loaner: text(
            &app,
            "SELECT endpoint FROM numbers WHERE kind = 'temporary'".into(),
        )
        .await
        .unwrap(),
        user: app
            .count("SELECT id FROM users WHERE username = 'ann'")
            .await
            .to_string(),
    };

    let helpdesk = routes_in_source(&["helpdesk"], &["/helpdesk"]);
    assert!(helpdesk.len() >= 8, "{helpdesk:?}");
    all_refused(&app, &ann, &helpdesk, &ids).await;
    // Not logged in: the login page, as elsewhere.
    let anonymous = crate::web_support::browser();
    let r = anonymous.get(app.url("/helpdesk")).send().await.unwrap();
    assert_eq!(crate::web_support::location(&r), "/login");

    let admin_routes = routes_in_source(&["admin", "dect.rs"], &["/admin"]);
    assert!(
        admin_routes.contains(&"/admin/audit".to_string()),
        "{admin_routes:?}"
    );
    assert!(admin_routes.len() >= 25, "{admin_routes:?}");
    all_refused(&app, &helen, &admin_routes, &ids).await;
    let operator = routes_in_source(&["operator.rs"], &["/operator"]);
    assert!(!operator.is_empty());
    let operator: Vec<String> = operator
        .into_iter()
        .filter(|p| p != "/operator/stream")
        .collect();
    all_refused(&app, &helen, &operator, &ids).await;
    let (_, html) = app.get(&helen, "/helpdesk").await;
    assert!(!html.contains("href=\"/admin\"") && !html.contains("href=\"/operator\""));

    // The admin page makes someone help desk; from the next request on they are.
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("<option value=\"helpdesk\""));
    let r = app
        .submit(
            &admin,
            "/admin",
            &format!("/admin/users/{}/role", ids.user),
            &[("role", "helpdesk")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&ann, "/helpdesk").await.0, StatusCode::OK);
    assert_eq!(app.get(&ann, "/admin").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn web_helpdesk_bad_input_gets_a_clear_error_and_changes_nothing() {
    let app = spawn().await;
    let _ann = ann_with_extensions(&app).await;
    let helen = app.user_with_role("helen", Role::Helpdesk).await;
    let before = fingerprint(&app).await;

    // Unknown and malformed numbers.
    let (status, html) = app.get(&helen, "/helpdesk/ext/4999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Extension not found"), "{html}");
    assert_eq!(
        app.get(&helen, "/helpdesk/ext/47%0A11").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&helen, "/helpdesk/ext/abc").await.0,
        StatusCode::NOT_FOUND
    );
    for action in ["token", "password", "unbind"] {
        let (status, html) = post(
            &app,
            &helen,
            "/helpdesk",
            &format!("/helpdesk/ext/4999/{action}"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}");
        assert!(html.contains("Extension not found"), "{action}: {html}");
    }
    let (status, html) = post(
        &app,
        &helen,
        "/helpdesk",
        "/helpdesk/handsets/nobody/release",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Handset not found"), "{html}");

    // What an extension cannot do: a SIP extension has no token, a handset no SIP password,
    // an unbound handset nothing to unbind.
    for (number, action, words) in [
        ("4711", "token", "extension"),
        ("4712", "password", "no SIP password"),
        ("4712", "unbind", "no handset bound"),
    ] {
        let (status, html) = post(
            &app,
            &helen,
            "/helpdesk",
            &format!("/helpdesk/ext/{number}/{action}"),
        )
        .await;
        assert!(status.is_client_error(), "{number} {action}: {status}");
        assert!(html.contains(words), "{number} {action}: {html}");
    }

    // A wrong or missing CSRF token.
    for csrf in ["0000", ""] {
        let r = helen
            .post(app.url("/helpdesk/ext/4711/password"))
            .form(&[("csrf", csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.unwrap().contains("Form expired"));
    }

    // Handing out what is no waiting loaner, or to what takes none.
    for (number, loaner, status, words) in [
        (
            "4712",
            "99560001",
            StatusCode::UNPROCESSABLE_ENTITY,
            "No loaner is waiting",
        ),
        (
            "4712",
            "4711",
            StatusCode::UNPROCESSABLE_ENTITY,
            "No loaner is waiting",
        ),
        (
            "4712",
            "'; DROP TABLE users; --",
            StatusCode::UNPROCESSABLE_ENTITY,
            "No loaner is waiting",
        ),
        (
            "4712",
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
            "No loaner is waiting",
        ),
        ("4711", "99560001", StatusCode::CONFLICT, "takes no loaner"),
        (
            "4999",
            "99560001",
            StatusCode::NOT_FOUND,
            "Extension not found",
        ),
    ] {
        let action = format!("/helpdesk/ext/{number}/hand-out");
        let r = app
            .submit(&helen, "/helpdesk", &action, &[("loaner", loaner)])
            .await;
        assert_eq!(r.status(), status, "{number} {loaner:?}");
        assert!(
            r.text().await.unwrap().contains(words),
            "{number} {loaner:?}"
        );
    }

    // Mint counts out of range or not numbers; a release not confirmed.
    for count in ["0", "201", "abc", "-1", ""] {
        let r = app
            .submit(
                &helen,
                "/helpdesk/loaners",
                "/helpdesk/loaners",
                &[("count", count)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{count:?}");
        assert!(
            r.text().await.unwrap().contains("Mint 1 to 200"),
            "{count:?}"
        );
    }

    let (_, loaners) = app.get(&helen, "/helpdesk/loaners").await;
    let csrf = csrf_in(&loaners);
    let device = text(&app, "SELECT id FROM devices LIMIT 1".into())
        .await
        .unwrap();
    let r = helen
        .post(app.url(&format!("/helpdesk/handsets/{device}/release")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("tick the box"));

    // Huge and strange searches.
    let huge = "4".repeat(10_000);
    let (status, html) = app.get(&helen, &format!("/helpdesk?q={huge}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("at most 60 characters"));
    assert!(
        !html.contains(&huge),
        "the field keeps no more than it takes"
    );
    let (status, html) = app.get(&helen, "/helpdesk?q=a%0Ab").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("control characters"));
    for strange in ["%25", "_", "%27%22", "%3Cscript%3E", "%5C", "%E2%80%AE"] {
        let (status, html) = app.get(&helen, &format!("/helpdesk?q={strange}")).await;
        assert_eq!(status, StatusCode::OK, "{strange}");
        assert!(
            html.contains("No user matches.") && html.contains("No extension matches."),
            "{strange}: matched as text"
        );
        assert!(!html.contains("<script>"));
    }
    for page in ["0", "x", "99999999999"] {
        let (status, html) = app
            .get(&helen, &format!("/helpdesk?q=ann&page={page}"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(html.contains("The page is a number"));
    }
    // Bytes that are not UTF-8 are read as the replacement character, which nothing has.
    let (status, html) = app.get(&helen, "/helpdesk?q=%FF").await;
    assert_eq!(status, StatusCode::OK, "not UTF-8");
    assert!(html.contains("No user matches."));

    assert_eq!(
        fingerprint(&app).await,
        before,
        "bad input changed something"
    );
    assert_eq!(audit_lines(&app).await, 0);
}

#[tokio::test]
async fn web_helpdesk_the_cli_makes_someone_help_desk() {
    let app = spawn().await;
    let ann = app.user_with_role("ann", Role::Attendee).await;
    assert_eq!(app.get(&ann, "/helpdesk").await.0, StatusCode::FORBIDDEN);
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_eventpbx"))
            .args(args)
            .env_remove("EVENTPBX_CONFIG")
            .env("EVENTPBX_DATA__DIR", &app.state.settings.data.dir)
            .output()
            .unwrap()
    };
    let out = cli(&["user", "role", "ann", "helpdesk"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"ann\" is now helpdesk"));
    assert_eq!(
        app.get(&ann, "/helpdesk").await.0,
        StatusCode::OK,
        "from the next request on"
    );
    let before = fingerprint(&app).await;
    let out = cli(&["user", "role", "nobody", "helpdesk"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user is called \"nobody\""));
    let out = cli(&["user", "role", "ann", "root"]);
    assert!(
        !out.status.success(),
        "clap refuses a role that does not exist"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("helpdesk"),
        "and names the roles"
    );
    assert_eq!(fingerprint(&app).await, before);
}
