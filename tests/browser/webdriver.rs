//! A minimal W3C WebDriver client over reqwest: just what the browser tests need.
// Shared by the browser and e2e test binaries; each uses a different part.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver; killed on drop.
pub struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver and chromium, from the environment or Debian's paths; None if missing.
pub fn binaries() -> Option<(String, String)> {
    let driver = std::env::var("EVENTPBX_CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into());
    let browser = std::env::var("EVENTPBX_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    (Path::new(&driver).exists() && Path::new(&browser).exists()).then_some((driver, browser))
}

impl Driver {
    pub async fn start(driver: &str) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let d = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..100 {
            if let Ok(r) = d.http.get(format!("{}/status", d.base)).send().await {
                if r.json::<Value>()
                    .await
                    .map(|v| v["value"]["ready"] == true)
                    .unwrap_or(false)
                {
                    return d;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not become ready");
    }

    /// A headless Chromium window of the given size.
    pub async fn session(&self, browser: &str, width: u32, height: u32) -> Session {
        self.session_with(browser, width, height, &[]).await
    }

    /// Like [`Driver::session`], with more Chromium switches (fake media for the phone).
    pub async fn session_with(
        &self,
        browser: &str,
        width: u32,
        height: u32,
        extra: &[&str],
    ) -> Session {
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        args.push(format!("--window-size={width},{height}"));
        args.extend(extra.iter().map(ToString::to_string));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": browser,
                "args": args
            }
        }}});
        let v = call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/session", self.base),
            Some(caps),
        )
        .await;
        Session {
            url: format!("{}/session/{}", self.base, v["sessionId"].as_str().unwrap()),
            http: self.http.clone(),
        }
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    let mut req = http.request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let v: Value = req.send().await.unwrap().json().await.unwrap();
    if v["value"].get("error").is_some() {
        panic!("webdriver {url}: {}", v["value"]);
    }
    v["value"].clone()
}

/// One browser window.
pub struct Session {
    url: String,
    http: reqwest::Client,
}

/// An element handle.
pub struct Element {
    url: String,
    http: reqwest::Client,
}

impl Session {
    /// Runs a script in the page and returns its result as text.
    pub async fn execute(&self, script: &str) -> String {
        let v = call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/execute/sync", self.url),
            Some(json!({"script": script, "args": []})),
        )
        .await;
        match v {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }

    pub async fn goto(&self, url: &str) {
        call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/url", self.url),
            Some(json!({"url": url})),
        )
        .await;
    }

    pub async fn current_url(&self) -> String {
        call(
            &self.http,
            reqwest::Method::GET,
            &format!("{}/url", self.url),
            None,
        )
        .await
        .as_str()
        .unwrap()
        .to_string()
    }

    pub async fn source(&self) -> String {
        call(
            &self.http,
            reqwest::Method::GET,
            &format!("{}/source", self.url),
            None,
        )
        .await
        .as_str()
        .unwrap()
        .to_string()
    }

    /// Waits (up to 5 s) until the current URL contains `part`: a click that submits a form
    /// may return before the next page has loaded.
    pub async fn wait_url(&self, part: &str) -> String {
        for _ in 0..50 {
            let url = self.current_url().await;
            if url.contains(part) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "never reached a URL containing {part:?}: at {}",
            self.current_url().await
        );
    }

    /// Waits (up to 5 s) until the page's source contains `text`: after a form's redirect
    /// the URL may be the same as before, the page is not.
    pub async fn wait_source(&self, text: &str) -> String {
        for _ in 0..50 {
            let source = self.source().await;
            if source.contains(text) {
                return source;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{text:?} never appeared on {}", self.current_url().await);
    }

    /// The first element matching `css`, waiting up to 5 s for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        for _ in 0..50 {
            let v: Value = self
                .http
                .post(format!("{}/element", self.url))
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = v["value"][ELEMENT_KEY].as_str() {
                return Element {
                    url: format!("{}/element/{id}", self.url),
                    http: self.http.clone(),
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css:?} on {}", self.current_url().await);
    }

    /// Saves a PNG of the window.
    pub async fn screenshot(&self, path: &Path) {
        let v = call(
            &self.http,
            reqwest::Method::GET,
            &format!("{}/screenshot", self.url),
            None,
        )
        .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    pub async fn close(self) {
        call(&self.http, reqwest::Method::DELETE, &self.url, None).await;
    }
}

impl Element {
    pub async fn type_text(&self, text: &str) {
        call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/value", self.url),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Empties an input (before typing a new value over the one the page filled in).
    pub async fn clear(&self) {
        call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/clear", self.url),
            Some(json!({})),
        )
        .await;
    }

    pub async fn click(&self) {
        call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/click", self.url),
            Some(json!({})),
        )
        .await;
    }

    pub async fn property(&self, name: &str) -> String {
        let v = call(
            &self.http,
            reqwest::Method::GET,
            &format!("{}/property/{name}", self.url),
            None,
        )
        .await;
        v.as_str().unwrap_or_default().to_string()
    }
}
