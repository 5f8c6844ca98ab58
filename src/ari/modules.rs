//! `GET /asterisk/modules/{name}`: whether a module eventpbx depends on is loaded (for
//! `eventpbx check`).

use reqwest::Method;
use serde::Deserialize;

use super::client::AriClient;
use super::error::AriError;

/// A loaded Asterisk module as ARI describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AsteriskModule {
    /// e.g. `res_pjsip.so`.
    #[serde(default)]
    pub name: String,
    /// `Running` once loaded and started.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub description: String,
}

impl AriClient {
    /// One module by its file name (`res_pjsip.so`); [`AriError::NotFound`] when it is not
    /// loaded.
    pub async fn module(&self, name: &str) -> Result<AsteriskModule, AriError> {
        // Module names are letters, digits, '_' and '.'; nothing to escape.
        self.json(Method::GET, &format!("/asterisk/modules/{name}"), &[], None)
            .await
    }
}
