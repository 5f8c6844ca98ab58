//! The admin page edits numbering rules and extensions.

use eventpbx::domain::accounts::Role;
use reqwest::StatusCode;

use crate::web_support::spawn;

#[tokio::test]
async fn web_admin_edits_numbering_and_extensions() {
    let app = spawn().await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let user = app.user_with_role("olga", Role::Attendee).await;

    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/ranges",
            &[("first", "300"), ("last", "399")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/ranges",
            &[("first", "500"), ("last", "49")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("same number of digits"));
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/reserved",
            &[("number", "310"), ("reason", "<boss>")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(&admin, "/admin", "/admin/max", &[("max", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("300–399") && html.contains("&lt;boss&gt;"));
    assert!(
        html.contains("99560000–99569999"),
        "temporary range shown read-only"
    );

    // The rules apply at once to attendees.
    let claim = |n: &'static str| [("number", n), ("kind", "handset"), ("name", "Olga")];
    let r = app
        .submit(&user, "/account", "/account/claim", &claim("310"))
        .await;
    assert!(r.text().await.unwrap().contains("310 is reserved"));
    let r = app
        .submit(&user, "/account", "/account/claim", &claim("311"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(&user, "/account", "/account/claim", &claim("312"))
        .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("the most one person may have"));

    // The admin renames, then deletes, the attendee's extension.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/ext/311/edit",
            &[("name", "Front desk")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get(&user, "/account").await;
    assert!(html.contains("Front desk"));
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/ext/311/delete",
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 0);

    // Freeing the reserved number and removing the range.
    let r = app
        .submit(&admin, "/admin", "/admin/reserved/310/delete", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let range_id = app
        .count("SELECT id FROM number_ranges WHERE first = '300'")
        .await;
    let r = app
        .submit(
            &admin,
            "/admin",
            &format!("/admin/ranges/{range_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM number_ranges").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM reserved_numbers").await, 0);

    // An admin cannot demote or disable themselves.
    let me = app
        .count("SELECT id FROM users WHERE username = 'root'")
        .await;
    let r = app
        .submit(
            &admin,
            "/admin",
            &format!("/admin/users/{me}/role"),
            &[("role", "attendee")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
}

#[tokio::test]
async fn web_admin_mints_handsets_and_manages_api_keys() {
    let app = spawn().await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let attendee = app.user_with_role("olga", Role::Attendee).await;

    let r = app
        .submit(&admin, "/admin", "/admin/handsets", &[("count", "2")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "no-store",
        "credentials are not cached"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("shown only now"));
    // The answer shows the handsets section as it is now, and only that section.
    assert!(html.contains(r#"id="handsets""#), "{html}");
    assert!(!html.contains(r#"id="users""#), "{html}");
    assert!(html.contains(r#"href="/admin""#), "the way back");
    let waiting = app
        .count("SELECT count(*) FROM numbers WHERE kind = 'temporary'")
        .await;
    assert_eq!(waiting, 2);
    let r = app
        .submit(&admin, "/admin", "/admin/handsets", &[("count", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Attendees cannot mint.
    let r = app
        .submit(&attendee, "/account", "/admin/handsets", &[("count", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Delete one handset from the list.
    let user: String = app
        .state
        .db
        .read(|c| Ok(c.query_row("SELECT id FROM devices LIMIT 1", [], |r| r.get(0))?))
        .await
        .unwrap();
    let r = app
        .submit(
            &admin,
            "/admin",
            &format!("/admin/handsets/{user}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM devices").await, 1);

    // API keys: created with a scope, shown once, work, and can be revoked.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/keys",
            &[("name", "dect-sync"), ("scope", "read-write")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let key = html
        .split("epbx_")
        .nth(1)
        .map(|rest| format!("epbx_{}", &rest[..64]))
        .expect("the key is shown once");
    let api = reqwest::Client::new();
    let status = |k: String| {
        let api = api.clone();
        let url = app.url("/api/v1/extensions/4711");
        async move { api.get(url).bearer_auth(k).send().await.unwrap().status() }
    };
    assert_eq!(
        status(key.clone()).await,
        StatusCode::NOT_FOUND,
        "key accepted"
    );
    let (_, page) = app.get(&admin, "/admin").await;
    assert!(
        page.contains("dect-sync") && !page.contains(&key),
        "listed, never shown again"
    );
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/keys/revoke",
            &[("name", "dect-sync")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(status(key).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn web_admin_only_admins_set_up_the_emergency_desk_and_warnings_go() {
    let app = spawn().await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let ops = app.user_with_role("otto", Role::Operator).await;
    let user = app.user_with_role("olga", Role::Attendee).await;
    let warning = "112 (emergency): no desk is set up";
    for (client, page) in [(&admin, "/admin"), (&ops, "/operator")] {
        let (_, html) = app.get(client, page).await;
        assert!(html.contains(warning), "{page}: {html}");
        assert!(
            html.contains("1000 (help desk): no desk is set up"),
            "{page}"
        );
    }

    // An attendee still gets the clash, on the account page as before.
    let r = app
        .submit(
            &user,
            "/account",
            "/account/claim",
            &[("number", "112"), ("kind", "sip"), ("name", "Olga")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("clashes with the emergency number"));
    // Nor may anyone but an admin post the desk form.
    let r = app
        .submit(
            &ops,
            "/operator",
            "/admin/desks",
            &[("number", "112"), ("kind", "sip"), ("name", "Desk")],
        )
        .await;
    assert_ne!(r.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 0);

    // Bad input changes nothing.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/desks",
            &[("number", "11"), ("kind", "sip"), ("name", "Desk")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("clashes with the emergency number"));
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 0);

    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/desks",
            &[("number", "112"), ("kind", "sip"), ("name", "First aid")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Desk 112 set up"), "{html}");
    assert_eq!(
        app.count("SELECT count(*) FROM numbers WHERE number = '112'")
            .await,
        1
    );
    for (client, page) in [(&admin, "/admin"), (&ops, "/operator")] {
        let (_, html) = app.get(client, page).await;
        assert!(!html.contains(warning), "{page}");
        assert!(
            html.contains("1000 (help desk): no desk is set up"),
            "{page}"
        );
    }
    // The help desk as a handset: routed only once a handset binds.
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/desks",
            &[("number", "1000"), ("kind", "handset"), ("name", "Help")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("1000 (help desk): its desk handset is not bound yet"));
}

#[tokio::test]
async fn web_admin_creates_admin_keys_and_refuses_unknown_scopes() {
    let app = crate::web_support::spawn().await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let before = app.count("SELECT count(*) FROM api_keys").await;
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/keys",
            &[("name", "god-mode"), ("scope", "superuser")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("read, read-write or admin"));
    assert_eq!(app.count("SELECT count(*) FROM api_keys").await, before);
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/keys",
            &[("name", "user-sync"), ("scope", "admin")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let key = html
        .split("epbx_")
        .nth(1)
        .map(|rest| format!("epbx_{}", &rest[..64]))
        .expect("the key is shown once");
    // An admin key may create users.
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&key)
        .json(&serde_json::json!({
            "username": "newbie", "display_name": "Newbie", "password": "a long enough secret"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}
