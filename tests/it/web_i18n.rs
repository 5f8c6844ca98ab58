//! German and English pages (issue 15 §5): every page renders in both languages with no
//! missing message (`⟦id⟧`), `<html lang>` follows the language, and the German pages carry
//! no English sentence left over. The language comes from the user's setting, else the
//! browser's `Accept-Language`, else the event's default; the footer switches it, and bad
//! input to the switch changes nothing.

use eventpbx::domain::accounts::Role;
use reqwest::header::ACCEPT_LANGUAGE;
use reqwest::{Client, StatusCode};

use crate::web_support::{browser, csrf_in, location, set_cookie, spawn, spawn_with, TestApp};

/// Every page a browser can open, with the status it should answer. `{n}` is the admin's
/// own extension, `{h}` their handset extension.
const PAGES: &[(&str, u16)] = &[
    ("/", 200),
    ("/phonebook", 200),
    ("/phonebook?q=zz", 200),
    ("/account", 200),
    ("/account?done=claimed", 200),
    ("/account/password", 200),
    ("/ext/{n}/why", 200),
    ("/ext/{h}/why", 200),
    ("/helpdesk", 200),
    ("/helpdesk?q=i18n", 200),
    ("/helpdesk/ext/{n}", 200),
    ("/helpdesk/ext/{h}", 200),
    ("/helpdesk/loaners", 200),
    ("/operator", 200),
    ("/admin", 200),
    ("/admin/audit", 200),
    ("/no-such-page", 404),
    ("/ext/9999/why", 404),
];

/// Pages only a visitor who is not logged in sees.
const ANONYMOUS_PAGES: &[(&str, u16)] = &[("/login", 200), ("/signup", 200), ("/", 200)];

/// Words that give an English sentence away. User data in this test avoids them.
const ENGLISH: &[&str] = &[
    " the ", " your ", " you ", " and ", " with ", " is ", " not ", " this ", " for ", " to ",
    " of ", " has ", " no ", " here",
];

/// The text a reader sees: tags, scripts and styles removed, entities left as they are.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tail = &rest[open..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|t| tail.starts_with(*t))
            .map(|t| format!("</{}>", &t[1..]));
        rest = match skip_to {
            Some(end) => tail.find(&end).map_or("", |i| &tail[i + end.len()..]),
            None => tail.find('>').map_or("", |i| &tail[i + 1..]),
        };
    }
    out.push_str(rest);
    format!(" {} ", out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// English words left in a German page's visible text.
fn english_left(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    ENGLISH
        .iter()
        .copied()
        .filter(|w| lower.contains(w))
        .collect()
}

fn check_page(path: &str, lang: &str, status: StatusCode, want: u16, html: &str) {
    assert_eq!(status.as_u16(), want, "{lang} {path}");
    assert!(
        html.contains(&format!("<html lang=\"{lang}\">")),
        "{lang} {path}: <html lang> follows the language"
    );
    assert!(
        !html.contains('⟦'),
        "{lang} {path}: a message is missing:\n{html}"
    );
    if lang == "de" {
        let text = visible_text(html);
        let left = english_left(&text);
        assert!(
            left.is_empty(),
            "de {path}: English left over ({left:?}) in:\n{text}"
        );
    }
}

async fn get_in(app: &TestApp, client: &Client, path: &str, lang: &str) -> (StatusCode, String) {
    let r = client
        .get(app.url(path))
        .header(ACCEPT_LANGUAGE, lang)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// An admin with a SIP extension, a handset extension, and one minted loaner, so the pages
/// show their lists rather than their empty states.
async fn populated() -> (TestApp, Client, String, String) {
    let app = spawn().await;
    let admin = app.user_with_role("i18nadmin", Role::Admin).await;
    for (number, kind) in [("2042", "sip"), ("2043", "handset")] {
        let r = app
            .submit(
                &admin,
                "/account",
                "/account/claim",
                &[
                    ("number", number),
                    ("kind", kind),
                    ("name", "Ada Desk"),
                    ("public", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "claim {number}");
    }
    let r = app
        .submit(
            &admin,
            "/helpdesk/loaners",
            "/helpdesk/loaners",
            &[("count", "1")],
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success());
    (app, admin, "2042".into(), "2043".into())
}

#[tokio::test]
async fn every_page_renders_in_both_languages() {
    let (app, admin, n, h) = populated().await;
    for lang in ["en", "de"] {
        for (path, want) in PAGES {
            let path = path.replace("{n}", &n).replace("{h}", &h);
            let (status, html) = get_in(&app, &admin, &path, lang).await;
            check_page(&path, lang, status, *want, &html);
        }
        let anonymous = browser();
        for (path, want) in ANONYMOUS_PAGES {
            let (status, html) = get_in(&app, &anonymous, path, lang).await;
            check_page(path, lang, status, *want, &html);
        }
    }
}

#[tokio::test]
async fn pages_differ_between_the_languages() {
    let (app, admin, n, _) = populated().await;
    for path in ["/account", "/admin", "/operator", &format!("/ext/{n}/why")] {
        let (_, en) = get_in(&app, &admin, path, "en").await;
        let (_, de) = get_in(&app, &admin, path, "de").await;
        assert_ne!(visible_text(&en), visible_text(&de), "{path}");
    }
}

#[tokio::test]
async fn refusals_and_error_pages_speak_the_language() {
    let (app, admin, _, _) = populated().await;
    // A refused claim (not a number), shown above the form.
    let (_, page) = get_in(&app, &admin, "/account", "de").await;
    let csrf = csrf_in(&page);
    let r = admin
        .post(app.url("/account/claim"))
        .header(ACCEPT_LANGUAGE, "de")
        .form(&[
            ("csrf", csrf.as_str()),
            ("number", "47x1"),
            ("kind", "sip"),
            ("name", "Ada"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let html = r.text().await.unwrap();
    check_page("/account/claim (refused)", "de", status, 422, &html);
    // A forged form: the CSRF error page.
    let r = admin
        .post(app.url("/account/claim"))
        .header(ACCEPT_LANGUAGE, "de")
        .form(&[("csrf", "forged"), ("number", "2050")])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let html = r.text().await.unwrap();
    check_page("/account/claim (forged)", "de", status, 403, &html);
    assert!(html.contains("Formular abgelaufen"), "{html}");
    // The help desk's pages refused to an attendee.
    let attendee = app.user_with_role("i18nattendee", Role::Attendee).await;
    let (status, html) = get_in(&app, &attendee, "/admin", "de").await;
    check_page("/admin (attendee)", "de", status, 403, &html);
    assert!(html.contains("Nicht erlaubt"), "{html}");
}

#[tokio::test]
async fn the_language_comes_from_setting_then_browser_then_event() {
    // The event's default when the browser says nothing we speak.
    let app = spawn_with(|s| s.prompts.language = "de".into()).await;
    let anonymous = browser();
    let (_, html) = get_in(&app, &anonymous, "/", "fr-FR, fr;q=0.9").await;
    assert!(html.contains("<html lang=\"de\">"));
    let (_, html) = get_in(&app, &anonymous, "/", "fr, en;q=0.5").await;
    assert!(html.contains("<html lang=\"en\">"));

    // A logged-in user's choice beats the browser's wish, on every browser they log in on.
    let user = app.user_with_role("i18nuser", Role::Attendee).await;
    let (_, page) = get_in(&app, &user, "/account", "en").await;
    let r = user
        .post(app.url("/language"))
        .form(&[
            ("csrf", csrf_in(&page).as_str()),
            ("lang", "de"),
            ("back", "/account?x=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account?x=1");
    assert!(set_cookie(&r, "epbx_lang").is_some_and(|c| c.starts_with("epbx_lang=de;")));
    assert_eq!(stored(&app, "i18nuser").await.as_deref(), Some("de"));
    let other = browser();
    let r = app
        .login(&other, "i18nuser", crate::web_support::PASSWORD)
        .await;
    assert!(set_cookie(&r, "epbx_lang").is_some_and(|c| c.starts_with("epbx_lang=de;")));
    let (_, html) = get_in(&app, &other, "/account", "en").await;
    assert!(
        html.contains("<html lang=\"de\">"),
        "the setting wins over Accept-Language"
    );
}

async fn stored(app: &TestApp, username: &'static str) -> Option<String> {
    app.state
        .db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT language FROM users WHERE username = ?1",
                [username],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_switch_refuses_bad_input_and_changes_nothing() {
    let app = spawn().await;
    let user = app.user_with_role("i18nbad", Role::Attendee).await;
    let (_, page) = get_in(&app, &user, "/account", "en").await;
    let csrf = csrf_in(&page);
    // No token, a language we do not speak, a code with a region: refused, nothing stored.
    for (token, lang, want) in [
        ("forged", "de", StatusCode::FORBIDDEN),
        (csrf.as_str(), "fr", StatusCode::UNPROCESSABLE_ENTITY),
        (csrf.as_str(), "de-AT", StatusCode::UNPROCESSABLE_ENTITY),
        (csrf.as_str(), "", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = user
            .post(app.url("/language"))
            .form(&[("csrf", token), ("lang", lang), ("back", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), want, "{lang}");
        assert!(set_cookie(&r, "epbx_lang").is_none(), "{lang}");
        assert_eq!(stored(&app, "i18nbad").await, None, "{lang}");
    }
    // Back to another site is not followed.
    let r = user
        .post(app.url("/language"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "en"),
            ("back", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/");

    // The link for visitors who are not logged in: sets the cookie only.
    let anonymous = browser();
    let r = anonymous
        .get(app.url("/language/de?back=%2Fphonebook"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/phonebook");
    let (_, html) = app.get(&anonymous, "/phonebook").await;
    assert!(html.contains("<html lang=\"de\">"));
    let r = anonymous.get(app.url("/language/xx")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(set_cookie(&r, "epbx_lang").is_none());
    let r = anonymous
        .get(app.url("/language/en?back=https://evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/");
}

/// Sets `client`'s language through the footer switch (stored with the account too).
async fn switch_to(app: &TestApp, client: &Client, lang: &str) {
    let (_, page) = app.get(client, "/account").await;
    let r = client
        .post(app.url("/language"))
        .form(&[
            ("csrf", csrf_in(&page).as_str()),
            ("lang", lang),
            ("back", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "switch to {lang}");
}

/// Posts a form of `form_page` and checks the page that comes back.
async fn post_checked(
    app: &TestApp,
    client: &Client,
    lang: &str,
    (form_page, action, want): (&str, &str, u16),
    fields: &[(&str, &str)],
) -> String {
    let r = app.submit(client, form_page, action, fields).await;
    let status = r.status();
    let html = r.text().await.unwrap();
    check_page(&format!("POST {action}"), lang, status, want, &html);
    html
}

/// The pages of the start page, phonebook, login, sign-up, password, "My extensions" and
/// "why didn't it ring" in the states the list above does not reach: every confirmation, a
/// group with a member and an invitation, the invitation seen by its invitee, memberships,
/// and the refusals these pages word themselves.
#[tokio::test]
async fn account_states_render_in_both_languages() {
    let (app, admin, n, h) = populated().await;
    let other = app.user_with_role("i18nother", Role::Attendee).await;
    let claim = [("number", "2044"), ("kind", "sip"), ("name", "Bea Desk")];
    let r = app
        .submit(&other, "/account", "/account/claim", &claim)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let group = [("number", "2090"), ("name", "Ada Team"), ("public", "on")];
    let r = app
        .submit(&admin, "/account", "/account/groups", &group)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "group");
    for (action, member, delay) in [
        ("/account/ext/2090/members/add", "2042", "0"),
        ("/account/ext/2090/invite", "2044", "5"),
    ] {
        let fields = [("member", member), ("delay", delay)];
        let r = app.submit(&admin, "/account", action, &fields).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}");
    }
    let (_, page) = app.get(&admin, "/account").await;
    assert!(page.contains("Invited, not answered yet"), "{page}");
    assert!(page.contains("My group memberships"), "{page}");
    let (_, page) = app.get(&other, "/account").await;
    assert!(
        page.contains("invites your 2044 to ring after 5 s"),
        "{page}"
    );

    for lang in ["en", "de"] {
        switch_to(&app, &admin, lang).await;
        switch_to(&app, &other, lang).await;
        let mut pages: Vec<String> = [
            "claimed",
            "taken-back",
            "saved",
            "password",
            "deleted",
            "routing",
            "group",
            "members",
            "invited",
            "joined",
            "declined",
            "paused",
            "resumed",
        ]
        .iter()
        .map(|d| format!("/account?done={d}&n=2090"))
        .collect();
        pages.extend([
            "/ext/2090/why".into(),
            format!("/ext/{n}/why"),
            format!("/ext/{h}/why"),
        ]);
        for path in &pages {
            let (status, html) = app.get(&admin, path).await;
            check_page(path, lang, status, 200, &html);
        }
        let (status, html) = app.get(&other, "/account").await;
        check_page("/account (invited)", lang, status, 200, &html);

        // Refusals the pages word themselves.
        let account = |action: &'static str, want| ("/account", action, want);
        post_checked(
            &app,
            &admin,
            lang,
            account("/account/ext/2042/delete", 422),
            &[],
        )
        .await;
        post_checked(
            &app,
            &admin,
            lang,
            account("/account/ext/2042/take-back", 404),
            &[],
        )
        .await;
        let empty = [("number", ""), ("kind", "sip"), ("name", "Ada")];
        post_checked(&app, &admin, lang, account("/account/claim", 422), &empty).await;
        let no_kind = [("number", "2050"), ("kind", "group"), ("name", "Ada")];
        post_checked(&app, &admin, lang, account("/account/claim", 422), &no_kind).await;
        let empty = [("number", ""), ("name", "Ada")];
        post_checked(&app, &admin, lang, account("/account/groups", 422), &empty).await;
        let empty = [("member", ""), ("delay", "0")];
        post_checked(
            &app,
            &admin,
            lang,
            account("/account/ext/2090/invite", 422),
            &empty,
        )
        .await;
        let password = ("/account/password", "/account/password", 422);
        let differ = [
            ("current", "x"),
            ("password", "a-long-password-1"),
            ("password2", "b"),
        ];
        post_checked(&app, &admin, lang, password, &differ).await;
        let wrong = [
            ("current", "not-the-password"),
            ("password", "a-long-password-1"),
            ("password2", "a-long-password-1"),
        ];
        post_checked(&app, &admin, lang, password, &wrong).await;
        let why = format!("/ext/{n}/why");
        let ring = format!("/ext/{n}/why/ring");
        let stranger = [("target", "no-such-phone")];
        post_checked(&app, &admin, lang, (&why, &ring, 400), &stranger).await;
        let html = post_checked(
            &app,
            &admin,
            lang,
            (&why, &ring, 503),
            &[("target", "route")],
        )
        .await;
        if lang == "de" {
            assert!(html.contains("nicht mit Asterisk verbunden"), "{html}");
        }

        // Someone not logged in: the pages and their refusals.
        let anonymous = browser();
        let r = anonymous
            .get(app.url(&format!("/language/{lang}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        for path in ["/", "/login", "/signup", "/phonebook", "/phonebook?q=Ada"] {
            let (status, html) = app.get(&anonymous, path).await;
            check_page(path, lang, status, 200, &html);
        }
        let wrong = [("username", "i18nother"), ("password", "not-the-password")];
        post_checked(&app, &anonymous, lang, ("/login", "/login", 401), &wrong).await;
        let differ = [
            ("username", "i18nnew"),
            ("display_name", "Cleo"),
            ("password", "a-long-password-1"),
            ("password2", "a-long-password-2"),
        ];
        post_checked(&app, &anonymous, lang, ("/signup", "/signup", 422), &differ).await;
        if lang == "de" {
            let (_, html) = app.get(&anonymous, "/").await;
            assert!(html.contains("So geht’s los"), "{html}");
        }
    }
}
