//! Browser phones (issue 16): add one to an extension, remove it, read its credentials for
//! the account page's phone. Each is one transaction; an attendee's "not yours" answers like a
//! missing extension.

use crate::config::Settings;
use crate::db::browser::{self, BrowserPhone};
use crate::db::devices::Credentials;
use crate::db::{pjsip, Db};
use crate::service::extensions::{extension_for, Actor, ExtensionError};

/// Gives extension `number` a browser phone (refused for groups and when it has one).
pub async fn add(
    db: &Db,
    settings: &Settings,
    number: &str,
    by: Actor,
) -> Result<Credentials, ExtensionError> {
    let number = number.to_string();
    let defaults = pjsip::EndpointDefaults::from_settings(settings);
    db.write_as(move |tx| {
        let ext = extension_for(tx, &number, by)?;
        Ok(browser::create(tx, &ext.number, &defaults)?)
    })
    .await
}

/// Removes extension `number`'s browser phone, its registration included.
pub async fn remove(db: &Db, number: &str, by: Actor) -> Result<(), ExtensionError> {
    let number = number.to_string();
    db.write_as(move |tx| {
        let ext = extension_for(tx, &number, by)?;
        Ok(browser::remove(tx, &ext.number)?)
    })
    .await
}

/// Extension `number`'s browser phone and its credentials, if `by` may see them.
pub async fn get(db: &Db, number: &str, by: Actor) -> Result<Option<BrowserPhone>, ExtensionError> {
    let number = number.to_string();
    db.read(move |c| {
        let ext = crate::db::extensions::get(c, &number)?;
        if let Actor::Owner(id) = by {
            if ext.owner_id != Some(id) {
                return Err(crate::db::DbError::NotFound);
            }
        }
        browser::get(c, &ext.number)
    })
    .await
    .map_err(ExtensionError::from)
}
