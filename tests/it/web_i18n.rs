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

/// A form posted in `lang`, its token taken from `form_page` first.
async fn post_in(
    app: &TestApp,
    client: &Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
    lang: &str,
) -> (StatusCode, String) {
    let (_, page) = get_in(app, client, form_page, lang).await;
    let csrf = csrf_in(&page);
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let r = client
        .post(app.url(action))
        .header(ACCEPT_LANGUAGE, lang)
        .form(&all)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// A form of a staff page: the page it is on, where it posts, its fields, the status wanted.
type StaffForm<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16);

/// The staff pages (admin, help desk, operator) in the states the page list does not reach:
/// search results, refused forms, what is shown only once, the loaner sheet, the charts.
#[tokio::test]
async fn staff_pages_in_every_state_speak_the_language() {
    let (app, admin, n, h) = populated().await;
    let pages: &[(&str, u16)] = &[
        ("/helpdesk?q=Ada", 200),
        ("/helpdesk?q=i18nadmin", 200),
        ("/helpdesk?page=0", 422),
        ("/helpdesk/ext/{n}", 200),
        ("/helpdesk/ext/{h}", 200),
        ("/helpdesk/loaners", 200),
        ("/helpdesk/loaners/sheet", 200),
        ("/operator", 200),
        ("/admin", 200),
        ("/admin?q=20&uq=i18n", 200),
        ("/admin/audit", 200),
    ];
    for lang in ["en", "de"] {
        for (path, want) in pages {
            let path = path.replace("{n}", &n).replace("{h}", &h);
            let (status, html) = get_in(&app, &admin, &path, lang).await;
            check_page(&path, lang, status, *want, &html);
        }
        let (_, charts) = get_in(&app, &admin, "/operator/charts", lang).await;
        assert!(!charts.contains('⟦'), "{lang} charts: {charts}");
        if lang == "de" {
            let left = english_left(&visible_text(&charts));
            assert!(left.is_empty(), "de charts: {left:?}");
            assert!(charts.contains("Anrufe pro Minute"), "{charts}");
        }
        let forms: &[StaffForm] = &[
            ("/admin", "/admin/max", &[("max", "x")], 422),
            (
                "/admin",
                "/admin/keys",
                &[("name", "k"), ("scope", "x")],
                422,
            ),
            (
                "/admin",
                "/admin/keys",
                &[("name", "key-{lang}"), ("scope", "read")],
                200,
            ),
            ("/admin", "/admin/handsets", &[("count", "1")], 200),
            (
                "/admin",
                "/admin/desks",
                &[("number", "112"), ("kind", "x")],
                422,
            ),
            (
                "/admin",
                "/admin/desks",
                &[("number", "{desk}"), ("kind", "group"), ("name", "Hilfe")],
                200,
            ),
            ("/admin", "/admin/ext/2042/delete", &[], 422),
            (
                "/admin",
                "/admin/groups/1000/members/add",
                &[("member", "x")],
                422,
            ),
            (
                "/helpdesk/loaners",
                "/helpdesk/loaners",
                &[("count", "1")],
                200,
            ),
            ("/helpdesk/ext/{n}", "/helpdesk/ext/{n}/password", &[], 200),
            ("/helpdesk/ext/{h}", "/helpdesk/ext/{h}/token", &[], 200),
            (
                "/helpdesk/loaners",
                "/helpdesk/handsets/nobody/release",
                &[],
                422,
            ),
        ];
        for (page, action, fields, want) in forms {
            let page = page.replace("{n}", &n).replace("{h}", &h);
            let action = action.replace("{n}", &n).replace("{h}", &h);
            // Each language makes its own key and sets up its own desk.
            let key = format!("key-{lang}");
            let desk = if lang == "en" { "1000" } else { "112" };
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|&(k, v)| match v {
                    "key-{lang}" => (k, key.as_str()),
                    "{desk}" => (k, desk),
                    _ => (k, v),
                })
                .collect();
            let (status, html) = post_in(&app, &admin, &page, &action, &fields, lang).await;
            check_page(&action, lang, status, *want, &html);
        }
    }
    // The German sheet and search say it in German.
    let (_, sheet) = get_in(&app, &admin, "/helpdesk/loaners/sheet", "de").await;
    assert!(sheet.contains("Leihgerät"), "{sheet}");
    let (_, admin_page) = get_in(&app, &admin, "/admin", "de").await;
    assert!(admin_page.contains("Nummernplan"), "{admin_page}");
    // The operator page carries the stream's lost-connection words for its script.
    let (_, operator) = get_in(&app, &admin, "/operator", "de").await;
    assert!(
        operator.contains("data-stream-interrupted=\"Live-Aktualisierung unterbrochen"),
        "{operator}"
    );
}

/// The text of the refusal a page shows above its form (`role="alert"`).
fn alert_text(path: &str, html: &str) -> String {
    let at = html
        .find("role=\"alert\"")
        .unwrap_or_else(|| panic!("{path}: no refusal shown:\n{html}"));
    let rest = &html[at..];
    let start = rest.find('>').map_or(0, |i| i + 1);
    let end = rest.find("</p>").unwrap_or(rest.len());
    visible_text(&rest[start..end])
}

/// Posts a form in German as a browser would (its CSRF token from `form_page`), and returns
/// the status, the refusal's text and the page.
async fn refused_in_german(
    app: &TestApp,
    client: &Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let (_, page) = get_in(app, client, form_page, "de").await;
    let csrf = csrf_in(&page);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = client
        .post(app.url(action))
        .header(ACCEPT_LANGUAGE, "de")
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let html = r.text().await.unwrap();
    let alert = alert_text(action, &html);
    let left = english_left(&alert);
    assert!(
        left.is_empty(),
        "de {action}: English ({left:?}) in {alert:?}"
    );
    assert!(!alert.contains('⟦'), "de {action}: {alert:?}");
    (status, alert, html)
}

#[tokio::test]
async fn refused_forms_say_why_in_german() {
    let (app, admin, n, _) = populated().await;
    let mut pages = Vec::new();
    // A number someone has already.
    let attendee = app.user_with_role("i18nclaimer", Role::Attendee).await;
    let claim = |number| [("number", number), ("kind", "sip"), ("name", "Ada")];
    let (status, alert, html) =
        refused_in_german(&app, &attendee, "/account", "/account/claim", &claim(&n)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert.contains(&format!("{n} ist schon vergeben")),
        "{alert}"
    );
    pages.push(("/account/claim (taken)", status, html));
    // Something that is no number.
    let (status, alert, html) = refused_in_german(
        &app,
        &attendee,
        "/account",
        "/account/claim",
        &claim("47x1"),
    )
    .await;
    assert!(alert.contains("ist keine Nummer"), "{alert}");
    pages.push(("/account/claim (not a number)", status, html));
    // A forwarding field that is no number names its field in German.
    let forward = format!("/account/ext/{n}/forwarding");
    let (status, alert, html) =
        refused_in_german(&app, &admin, "/account", &forward, &[("busy", "20x1")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        alert.contains("Bei besetzt an: „20x1“ ist keine Nummer."),
        "{alert}"
    );
    pages.push(("/account/ext/…/forwarding", status, html));
    // Two groups that would ring each other.
    for number in ["2060", "2061"] {
        let r = app
            .submit(
                &attendee,
                "/account",
                "/account/groups",
                &[("number", number), ("name", "Ring")],
            )
            .await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, StatusCode::SEE_OTHER, "group {number}: {body}");
    }
    let r = app
        .submit(
            &attendee,
            "/account",
            "/account/ext/2060/members/add",
            &[("member", "2061"), ("delay", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "2061 joins 2060");
    let (status, alert, html) = refused_in_german(
        &app,
        &attendee,
        "/account",
        "/account/ext/2061/members/add",
        &[("member", "2060"), ("delay", "")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(alert.contains("Schleife: 20"), "{alert}");
    pages.push(("/account/ext/…/members/add (cycle)", status, html));
    // A member delay out of range.
    let (status, alert, html) = refused_in_german(
        &app,
        &attendee,
        "/account",
        "/account/ext/2060/members/2061/delay",
        &[("delay", "999")],
    )
    .await;
    assert!(alert.contains("außerhalb von 0–300 Sekunden"), "{alert}");
    pages.push(("/account/ext/…/delay", status, html));
    // A password too short at sign-up, and a username in use.
    let anonymous = browser();
    let signup = |username, password| {
        [
            ("username", username),
            ("display_name", "Ada"),
            ("password", password),
            ("password2", password),
        ]
    };
    let (status, alert, html) = refused_in_german(
        &app,
        &anonymous,
        "/signup",
        "/signup",
        &signup("i18nshort", "short"),
    )
    .await;
    assert!(alert.contains("mindestens 10 Zeichen"), "{alert}");
    pages.push(("/signup (short password)", status, html));
    let (status, alert, html) = refused_in_german(
        &app,
        &browser(),
        "/signup",
        "/signup",
        &signup("i18nclaimer", crate::web_support::PASSWORD),
    )
    .await;
    assert!(alert.contains("ist schon vergeben"), "{alert}");
    pages.push(("/signup (taken)", status, html));
    // The same refusal in English for a browser that asks for it.
    let (_, page) = get_in(&app, &attendee, "/account", "en").await;
    let r = attendee
        .post(app.url("/account/claim"))
        .header(ACCEPT_LANGUAGE, "en")
        .form(&[
            ("csrf", csrf_in(&page).as_str()),
            ("number", n.as_str()),
            ("kind", "sip"),
            ("name", "Ada"),
        ])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    let alert = alert_text("/account/claim (en)", &html);
    assert!(alert.contains("is already taken"), "{alert}");
    // The whole pages too (red while another area's words on them are English).
    for (path, status, html) in pages {
        check_page(path, "de", status, status.as_u16(), &html);
    }
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

/// A conference room and a browser phone on the account, and the room's own page: both
/// languages, with no message missing and no English left in German.
#[tokio::test]
async fn rooms_and_browser_phones_speak_the_language() {
    let (app, admin, n, _) = populated().await;
    let r = app
        .submit(
            &admin,
            "/account",
            "/account/conferences",
            &[("number", "2060"), ("name", "Plenum"), ("pin", "4711")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "room made");
    let r = app
        .submit(
            &admin,
            "/account",
            &format!("/account/ext/{n}/browser"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "browser phone added");
    for lang in ["en", "de"] {
        for path in ["/account", "/account/conferences/2060"] {
            let (status, html) = get_in(&app, &admin, path, lang).await;
            check_page(path, lang, status, 200, &html);
        }
    }
    // The sections are there (so the check read them), in German.
    let (_, html) = get_in(&app, &admin, "/account", "de").await;
    assert!(
        html.contains("Telefon im Browser") && html.contains("Plenum"),
        "{html}"
    );
}
