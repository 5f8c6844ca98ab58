//! Public pages, escaping, errors and assets.

use eventpbx::domain::accounts::Role;
use reqwest::StatusCode;

use crate::web_support::{browser, spawn};

#[tokio::test]
async fn web_hostile_names_are_escaped() {
    let app = spawn().await;
    let b = browser();
    app.signup(&b, "mallory", "<script>alert(1)</script>").await;
    let r = app
        .submit(
            &b,
            "/account",
            "/account/claim",
            &[
                ("number", "3333"),
                ("kind", "sip"),
                ("name", "<img src=x onerror=alert(1)>\"'&"),
                ("public", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, account) = app.get(&b, "/account").await;
    assert!(!account.contains("<script>alert"));
    assert!(
        account.contains("&lt;img src=x onerror=alert(1)&gt;&quot;'&amp;"),
        "{account}"
    );
    let (_, phonebook) = app.get(&browser(), "/phonebook").await;
    assert!(!phonebook.contains("<img src=x"));
    assert!(phonebook.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let admin = app.user_with_role("root", Role::Admin).await;
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Search terms are escaped too.
    let (_, html) = app.get(&browser(), "/phonebook?q=%3Cscript%3E").await;
    assert!(!html.contains("value=\"<script>"));
}

#[tokio::test]
async fn web_phonebook_pages_and_searches() {
    let app = spawn().await;
    app.state
        .db
        .write(|tx| {
            for i in 0..150 {
                tx.execute(
                    "INSERT INTO extensions (number, name, kind, public, created_at, updated_at)
                     VALUES (?1, ?2, 'handset', ?3, 0, 0)",
                    rusqlite::params![format!("{}", 2000 + i), format!("Person {i}"), i != 7],
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let b = browser();
    let (status, html) = app.get(&b, "/phonebook").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("href=\"tel:").count(), 100);
    assert!(html.contains("Page 1 of 2"));
    assert!(!html.contains("Person 7<"), "unlisted entries stay hidden");
    let (_, html) = app.get(&b, "/phonebook?page=2").await;
    assert_eq!(html.matches("href=\"tel:").count(), 49);
    let (_, html) = app.get(&b, "/phonebook?q=2012").await;
    assert!(html.contains("tel:2012"));
    assert_eq!(html.matches("href=\"tel:").count(), 1);
    let (_, html) = app.get(&b, "/phonebook?q=person%20149").await;
    assert!(html.contains("tel:2149"));
    assert_eq!(html.matches("href=\"tel:").count(), 1);
    let (_, html) = app.get(&b, "/phonebook?q=%25").await;
    assert!(html.contains("Nobody found"), "% is literal");
}

#[tokio::test]
async fn web_errors_are_friendly_and_assets_are_served() {
    let app = spawn().await;
    let b = browser();
    let (status, html) = app.get(&b, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("There is nothing here"));
    let (status, html) = app.get(&b, "/logout").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(html.contains("only takes a form"));
    let (status, html) = app.get(&b, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("9955") && html.contains("How to start"));
    let r = b.get(app.url("/static/app.css")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let r = b.get(app.url("/static/app.js")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("content-security-policy"));
    // The phonebook sets no cookies for anonymous visitors.
    let r = b.get(app.url("/phonebook")).send().await.unwrap();
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn web_internal_errors_do_not_leak() {
    let app = spawn().await;
    let b = app.user_with_role("pia", Role::Attendee).await;
    // Break the database under the running app: the account page's numbering query fails.
    app.state
        .db
        .write(|tx| {
            tx.execute("DROP TABLE reserved_numbers", [])?;
            Ok(())
        })
        .await
        .unwrap();
    let (status, html) = app.get(&b, "/account").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(html.contains("Something went wrong"));
    assert!(!html.contains("reserved_numbers") && !html.to_lowercase().contains("sqlite"));
}

/// A `{number}` in a URL passes `Number::parse` or names nothing: pages answer their 404 page,
/// the API its JSON 404 (400 when the segment does not even decode), and nothing is echoed.
#[tokio::test]
async fn web_and_api_refuse_paths_that_are_not_numbers() {
    let api = crate::api_support::Api::start().await;
    let app = &api.app;
    let admin = app.user_with_role("root", Role::Admin).await;
    let attendee = app.user_with_role("olga", Role::Attendee).await;
    for (client, page, action) in [
        (&admin, "/admin", "/admin/ext/47a1/edit"),
        (&admin, "/admin", "/admin/ext/%3Cb%3E/delete"),
        (&admin, "/admin", "/admin/ext/%FF/release"),
        (&admin, "/admin", "/admin/reserved/12ab/delete"),
        (&attendee, "/account", "/account/ext/1234567890123456/edit"),
        (&attendee, "/account", "/account/ext/-1/token"),
    ] {
        let r = app
            .submit(client, page, action, &[("name", "X"), ("confirm", "yes")])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Not found"), "{action}: the friendly page");
        assert!(!html.contains("<b>"), "{action}: nothing echoed");
    }
    // A number that is well-formed but not there is the same 404 page.
    let r = app
        .submit(
            &attendee,
            "/account",
            "/account/ext/4711/edit",
            &[("name", "X")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let (s, v) = api.rw(reqwest::Method::GET, "/extensions/47a1", None).await;
    assert_eq!(
        (s, v["detail"].as_str()),
        (StatusCode::NOT_FOUND, Some("Extension not found"))
    );
    let (s, v) = api.rw(reqwest::Method::GET, "/extensions/%FF", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}
