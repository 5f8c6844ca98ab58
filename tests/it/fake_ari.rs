//! A fake ARI server on port 0, where the fake is the point: tests script the websocket
//! (events, drops, clean closes, a peer that stops answering pings, ApplicationReplaced) and
//! the REST answers (404/409/412/401) to test reconnects, ordering and error mapping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::Router;
use tokio::sync::mpsc;

/// One REST request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    /// Path as sent (still percent-encoded), e.g. `/ari/channels/c1/play`.
    pub path: String,
    /// Query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

impl Seen {
    /// The first value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the test tells the current websocket connection to do.
#[derive(Debug, Clone)]
pub enum Script {
    /// Send this text frame.
    Send(String),
    /// Drop the TCP connection without a close frame.
    Drop,
    /// Send a close frame and end.
    Close,
    /// Stop reading (so pings get no pong) but keep the connection open.
    GoSilent,
}

#[derive(Default)]
struct Shared {
    connections: usize,
    scripts: Vec<mpsc::UnboundedSender<Script>>,
    /// REST status to answer for channel operations (200/204 when None).
    channel_status: Option<u16>,
    /// Every REST request (not the websocket upgrade), in order.
    requests: Vec<Seen>,
    /// Canned answers by "METHOD /path", taking precedence over the routes.
    answers: HashMap<String, (u16, String)>,
    /// How long to wait before answering "METHOD /path" (a slow Asterisk).
    delays: HashMap<String, std::time::Duration>,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeAri {
    pub base: String,
    shared: Arc<Mutex<Shared>>,
}

impl FakeAri {
    pub async fn start() -> FakeAri {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let router = Router::new()
            .route("/ari/events", get(events))
            .route("/ari/asterisk/ping", get(|| async { "{}" }))
            .route("/ari/channels", get(|| async { "[]" }))
            .route("/ari/endpoints", get(|| async { "[]" }))
            .route(
                "/ari/applications/{app}/subscription",
                post(|| async { "{}" }),
            )
            .route(
                "/ari/applications/{app}/eventFilter",
                axum::routing::put(|| async { "{}" }),
            )
            .route("/ari/channels/{id}/answer", post(channel_op))
            .route("/ari/channels/{id}", delete(channel_op))
            .route("/ari/channels/{id}/play", any(channel_op))
            // Like Asterisk: an unknown resource is a 404 with a JSON message.
            .fallback(|| async { (StatusCode::NOT_FOUND, r#"{"message":"Resource not found"}"#) })
            .layer(middleware::from_fn_with_state(shared.clone(), record))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/ari", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakeAri { base, shared }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().unwrap().connections
    }

    /// Sends a script step to the newest connection.
    pub fn script(&self, step: Script) {
        let shared = self.shared.lock().unwrap();
        if let Some(tx) = shared.scripts.last() {
            let _ = tx.send(step);
        }
    }

    /// Answers `method` on `path` (e.g. `/ari/bridges/b1`) with `status` and `body` from now on.
    pub fn answer(&self, method: &str, path: &str, status: u16, body: &str) {
        self.shared
            .lock()
            .unwrap()
            .answers
            .insert(format!("{method} {path}"), (status, body.to_string()));
    }

    /// Makes `method` on `path` wait `delay` before it is answered, from now on.
    pub fn delay(&self, method: &str, path: &str, delay: std::time::Duration) {
        self.shared
            .lock()
            .unwrap()
            .delays
            .insert(format!("{method} {path}"), delay);
    }

    /// Forgets the canned answer for `method` on `path`.
    pub fn unanswer(&self, method: &str, path: &str) {
        self.shared
            .lock()
            .unwrap()
            .answers
            .remove(&format!("{method} {path}"));
    }

    /// REST requests seen so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.shared.lock().unwrap().requests.clone()
    }

    /// The last REST request seen.
    pub fn last_request(&self) -> Seen {
        self.requests().pop().expect("a request reached the fake")
    }

    /// Makes channel operations answer with `status`.
    pub fn channel_status(&self, status: u16) {
        self.shared.lock().unwrap().channel_status = Some(status);
    }
}

/// Records every REST request and serves canned answers before routing.
async fn record(State(shared): State<Arc<Mutex<Shared>>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req
        .uri()
        .query()
        .map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap())
        .unwrap_or_default();
    let seen = Seen {
        method: req.method().to_string(),
        path: path.clone(),
        query,
        authorization: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let (canned, delay) = {
        let mut s = shared.lock().unwrap();
        let key = format!("{} {}", seen.method, path);
        // The websocket upgrade is not a REST call; it can still be refused with a canned answer.
        if path != "/ari/events" {
            s.requests.push(seen);
        }
        (s.answers.get(&key).cloned(), s.delays.get(&key).copied())
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match canned {
        Some((status, body)) => (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body,
        )
            .into_response(),
        None => next.run(req).await,
    }
}

async fn channel_op(State(shared): State<Arc<Mutex<Shared>>>, Path(id): Path<String>) -> Response {
    let status = shared.lock().unwrap().channel_status;
    match status {
        None | Some(204) => StatusCode::NO_CONTENT.into_response(),
        Some(code) => (
            StatusCode::from_u16(code).unwrap(),
            format!("{{\"message\":\"channel {id}: {code}\"}}"),
        )
            .into_response(),
    }
}

async fn events(ws: WebSocketUpgrade, State(shared): State<Arc<Mutex<Shared>>>) -> Response {
    let (tx, rx) = mpsc::unbounded_channel();
    {
        let mut s = shared.lock().unwrap();
        s.connections += 1;
        s.scripts.push(tx);
    }
    ws.on_upgrade(move |socket| run_socket(socket, rx))
}

async fn run_socket(mut socket: WebSocket, mut rx: mpsc::UnboundedReceiver<Script>) {
    let mut silent = false;
    loop {
        if silent {
            // Hold the socket without reading: pings stay unanswered.
            std::future::pending::<()>().await;
        }
        tokio::select! {
            step = rx.recv() => match step {
                None => return,
                Some(Script::Send(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() { return; }
                }
                Some(Script::Drop) => return,
                Some(Script::Close) => {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Some(Script::GoSilent) => silent = true,
            },
            // Reading lets axum answer pings.
            frame = socket.recv() => if frame.is_none() { return },
        }
    }
}

/// A StasisStart/ChannelDtmfReceived-style event for channel `id` with a sequence number in
/// the digit field, so tests can check order.
pub fn dtmf_event(channel: &str, seq: usize) -> String {
    format!(
        r#"{{"type":"ChannelDtmfReceived","digit":"{seq}","duration_ms":100,"channel":{{"id":"{channel}","name":"PJSIP/x","state":"Up","caller":{{"name":"","number":""}},"connected":{{"name":"","number":""}},"dialplan":{{"context":"c","exten":"9951","priority":1,"app_name":"Stasis","app_data":""}},"creationtime":"2026-11-22T12:00:00.000+0000","language":"en"}}}}"#
    )
}
