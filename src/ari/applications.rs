//! The ARI application resource: what Asterisk sends our application (event sources and
//! the event filter).

use reqwest::Method;
use serde_json::{json, Value};

use super::client::{seg, AriClient};
use super::error::AriError;

impl AriClient {
    /// Subscribes `app` to event sources such as `channel:` (all channels) or
    /// `endpoint:PJSIP`. They go comma-joined in one parameter: with the parameter repeated,
    /// Asterisk 22 keeps only the last one.
    pub async fn subscribe(&self, app: &str, sources: &[&str]) -> Result<(), AriError> {
        let joined = sources.join(",");
        let _: Value = self
            .json(
                Method::POST,
                &format!("/applications/{}/subscription", seg(app)),
                &[("eventSource", joined.as_str())],
                Some(json!({})),
            )
            .await?;
        Ok(())
    }

    /// Takes back one subscription of `app` to each of `sources`. Asterisk counts
    /// subscriptions per source (each `subscribe` adds one, and they outlive the websocket,
    /// so an earlier connection's or process's are still counted) and stops sending only when
    /// the count reaches zero; once none is left it answers 422 "not subscribed".
    pub async fn unsubscribe(&self, app: &str, sources: &[&str]) -> Result<(), AriError> {
        let joined = sources.join(",");
        let _: Value = self
            .json(
                Method::DELETE,
                &format!("/applications/{}/subscription", seg(app)),
                &[("eventSource", joined.as_str())],
                None,
            )
            .await?;
        Ok(())
    }

    /// Asks Asterisk to send `app` only events of the `allowed` types (Asterisk 16.3 and
    /// later). It replaces the whole filter; an empty list allows everything again.
    pub async fn filter_events(&self, app: &str, allowed: &[&str]) -> Result<(), AriError> {
        let allowed: Vec<Value> = allowed.iter().map(|t| json!({ "type": t })).collect();
        let _: Value = self
            .json(
                Method::PUT,
                &format!("/applications/{}/eventFilter", seg(app)),
                &[],
                Some(json!({ "allowed": allowed, "disallowed": [] })),
            )
            .await?;
        Ok(())
    }
}
