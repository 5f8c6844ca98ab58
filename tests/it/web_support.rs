//! Starting the app for web tests, and a browser-like client.

use std::net::SocketAddr;

use eventpbx::app::{self, AppState};
use eventpbx::config::Settings;
use eventpbx::domain::accounts::Role;
use eventpbx::service::users;
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use tokio_util::sync::CancellationToken;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    token: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

impl TestApp {
    /// Stops the daemon as a shutdown would: its streams end and it stops listening.
    #[allow(dead_code)] // the browser tests use it; this file is shared with them
    pub fn stop(&self) {
        self.token.cancel();
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.data.dir = dir.path().join("data");
    change(&mut settings);
    let state = AppState::open(settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    tokio::spawn(app::run(state.clone(), listener, token.clone()));
    TestApp {
        base: format!("http://{addr}"),
        state,
        token,
        _dir: dir,
    }
}

/// A browser: keeps cookies, does not follow redirects (tests look at them).
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden csrf field of a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

/// The value a response sets for a cookie, if it sets it.
pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

impl TestApp {
    /// Inserts a SIP extension the way the claim and the CLI end up storing it (phonebook
    /// tests: only its name, number and whether it is published matter).
    pub async fn add_extension(&self, number: &str, name: &str, public: bool) {
        let (number, name) = (number.to_string(), name.to_string());
        self.state
            .db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO extensions (number, name, kind, public, created_at, updated_at)
                     VALUES (?1, ?2, 'sip', ?3, 0, 0)",
                    rusqlite::params![number, name, public],
                )?;
                Ok(())
            })
            .await
            .unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, client: &Client, path: &str) -> (StatusCode, String) {
        let r = client.get(self.url(path)).send().await.unwrap();
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// Posts a form, taking the CSRF token from the page at `form_page` first.
    pub async fn submit(
        &self,
        client: &Client,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let (_, html) = self.get(client, form_page).await;
        let csrf = csrf_in(&html);
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        client
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub async fn signup(&self, client: &Client, username: &str, name: &str) -> Response {
        self.submit(
            client,
            "/signup",
            "/signup",
            &[
                ("username", username),
                ("display_name", name),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await
    }

    pub async fn login(&self, client: &Client, username: &str, password: &str) -> Response {
        self.submit(
            client,
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// A user made directly (as the CLI would), logged in on a fresh browser.
    pub async fn user_with_role(&self, username: &str, role: Role) -> Client {
        users::add_user(&self.state.db, username, username, PASSWORD, role)
            .await
            .unwrap();
        let client = browser();
        let r = self.login(&client, username, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {username}");
        client
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        self.state
            .db
            .read(move |c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .await
            .unwrap()
    }
}
