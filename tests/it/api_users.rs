//! `/api/v1/users`: list, get, create, disable and enable; never a password hash.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api_support::{detail, Api};
use crate::web_support::{browser, PASSWORD};

fn no_secrets(v: &Value) {
    let text = v.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "{text}"
    );
}

#[tokio::test]
async fn api_users_create_get_list() {
    let api = Api::start().await;
    let (s, u) = api
        .admin(
            Method::POST,
            "/users",
            Some(json!({"username": "alice", "display_name": "Alice A.", "password": PASSWORD, "role": "operator"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    assert_eq!(
        (u["username"].as_str(), u["role"].as_str()),
        (Some("alice"), Some("operator"))
    );
    assert_eq!(u["disabled"], false);
    no_secrets(&u);
    let (s, u) = api
        .admin(
            Method::POST,
            "/users",
            Some(json!({"username": "bob", "display_name": "Bob", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        (s, u["role"].as_str()),
        (StatusCode::CREATED, Some("attendee"))
    );

    let (s, got) = api.ro(Method::GET, "/users/ALICE", None).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["display_name"], "Alice A.");
    no_secrets(&got);
    let (s, v) = api.ro(Method::GET, "/users/nobody", None).await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::NOT_FOUND, "User not found")
    );

    let (s, page) = api.ro(Method::GET, "/users", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["total"], 2);
    no_secrets(&page);
    let (_, page) = api.ro(Method::GET, "/users?q=bo&limit=1", None).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["username"], "bob");
    let (_, page) = api.ro(Method::GET, "/users?limit=1&offset=1", None).await;
    assert_eq!(page["items"][0]["username"], "bob");

    // The user really can log in with the password given.
    let r = api.app.login(&browser(), "alice", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The help desk is a role like the others.
    let (s, u) = api
        .admin(
            Method::POST,
            "/users",
            Some(json!({"username": "helen", "display_name": "Helen", "password": PASSWORD, "role": "helpdesk"})),
        )
        .await;
    assert_eq!(
        (s, u["role"].as_str()),
        (StatusCode::CREATED, Some("helpdesk"))
    );
    let (_, got) = api.ro(Method::GET, "/users/helen", None).await;
    assert_eq!(got["role"], "helpdesk");
}

#[tokio::test]
async fn api_users_refusals() {
    let api = Api::start().await;
    api.admin(
        Method::POST,
        "/users",
        Some(json!({"username": "alice", "display_name": "Alice", "password": PASSWORD})),
    )
    .await;
    let before = api.snapshot().await;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    for (body, status, words) in [
        (
            json!({"username": "Alice", "display_name": "A", "password": PASSWORD}),
            StatusCode::CONFLICT,
            "taken",
        ),
        (
            json!({"username": "x", "display_name": "A", "password": PASSWORD}),
            unprocessable,
            "username",
        ),
        (
            json!({"username": "carol", "display_name": "A", "password": "short"}),
            unprocessable,
            "password",
        ),
        (
            json!({"username": "carol", "display_name": "A", "password": PASSWORD, "role": "god"}),
            unprocessable,
            "role",
        ),
        (
            json!({"username": "carol", "display_name": "A", "password": PASSWORD, "password_hash": "x"}),
            unprocessable,
            "password_hash",
        ),
        (json!({"username": "carol"}), unprocessable, "display_name"),
    ] {
        let (s, v) = api.admin(Method::POST, "/users", Some(body.clone())).await;
        assert_eq!(s, status, "{body} -> {v}");
        assert!(detail(&v).to_lowercase().contains(words), "{body} -> {v}");
    }
    let (s, v) = api
        .raw(
            Method::POST,
            "/users",
            Some("application/json"),
            "{\"username\":",
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = api
        .raw(
            Method::POST,
            "/users",
            Some("application/x-www-form-urlencoded"),
            "username=a",
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(api.snapshot().await, before);
}

#[tokio::test]
async fn api_users_disable_and_enable() {
    let api = Api::start().await;
    // A logged-in user loses the session when disabled.
    let client = api
        .app
        .user_with_role("erin", eventpbx::domain::accounts::Role::Attendee)
        .await;
    let (s, _) = api.app.get(&client, "/account").await;
    assert_eq!(s, StatusCode::OK);
    let (s, u) = api.admin(Method::POST, "/users/erin/disable", None).await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["disabled"], true);
    no_secrets(&u);
    let (s, _) = api.app.get(&client, "/account").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "session ended");
    let r = api.app.login(&browser(), "erin", PASSWORD).await;
    assert_ne!(r.status(), StatusCode::SEE_OTHER, "cannot log in");

    let (s, u) = api.admin(Method::POST, "/users/ERIN/enable", None).await;
    assert_eq!((s, u["disabled"].as_bool()), (StatusCode::OK, Some(false)));
    let r = api.app.login(&browser(), "erin", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    for path in ["/users/nobody/disable", "/users/nobody/enable"] {
        let (s, v) = api.admin(Method::POST, path, None).await;
        assert_eq!(
            (s, detail(&v).as_str()),
            (StatusCode::NOT_FOUND, "User not found")
        );
    }
}

#[tokio::test]
async fn api_users_writes_need_an_admin_key() {
    let api = Api::start().await;
    api.app
        .user_with_role("erin", eventpbx::domain::accounts::Role::Attendee)
        .await;
    let before = api.snapshot().await;
    let create =
        json!({"username": "mallory", "display_name": "M", "password": PASSWORD, "role": "admin"});
    for (path, body) in [
        ("/users", Some(create.clone())),
        ("/users/erin/disable", None),
        ("/users/erin/enable", None),
        // Refused before the lookup, so a read-write key cannot probe usernames either.
        ("/users/nobody/disable", None),
    ] {
        let (s, v) = api.rw(Method::POST, path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
        assert!(detail(&v).contains("admin API key"), "{path}: {v}");
    }
    assert_eq!(api.snapshot().await, before, "refusals changed nothing");
    let (s, v) = api.admin(Method::POST, "/users", Some(create)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = api.admin(Method::POST, "/users/erin/disable", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Reads stay open to every key.
    let (s, _) = api.ro(Method::GET, "/users/erin", None).await;
    assert_eq!(s, StatusCode::OK);
}
