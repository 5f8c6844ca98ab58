//! The help desk's use cases: find anyone's extension, look at it, renew its token or SIP
//! password, unbind or release its handset, mint loaners and print their sheet. Each change
//! goes through the same service function the owner's or the admin's page uses (the `_in`
//! variants of `service::extensions` and `service::handsets`), inside one transaction that
//! also writes the audit line: an action without its line cannot happen, and a refused
//! action writes none.
//!
//! Who may call these is the web layer's guard (`Role::can_help_others`); here every helper
//! acts as staff on any extension.

use rusqlite::{Connection, Transaction};

use crate::config::Settings;
use crate::db::audit::{self, Entry};
use crate::db::extensions::{self, Extension, ExtensionKind, Filter};
use crate::db::handsets::{self, TemporaryHandset, TemporaryPlan};
use crate::db::pjsip::{self, Contact};
use crate::db::users::{self, User};
use crate::db::{Db, DbError};
use crate::service::extensions::{
    self as extension_service, Actor, ExtensionError, SipCredentials,
};
use crate::service::handsets::{self as handset_service, DeleteHandsetError, MintError};

/// The longest search text; longer is refused rather than cut, so the help desk never sees
/// results for a text other than the one typed.
pub const SEARCH_MAX: usize = 60;

/// Results per list of a search page.
pub const SEARCH_PAGE: u32 = 25;

/// The most loaners one printed sheet holds: one mint's worth.
pub const SHEET_MAX: u32 = handset_service::MINT_MAX;

/// The person at the help desk, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    /// Their user id.
    pub id: i64,
    /// Their username.
    pub username: String,
}

/// What the help desk did, as the audit log stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Opened an extension's page, which shows its token or SIP password.
    Viewed,
    /// Gave a handset extension a new registration token.
    NewToken,
    /// Gave a SIP extension a new password.
    NewSipPassword,
    /// Unbound the handset of an extension (it became a loaner again).
    Unbound,
    /// Released (deleted) a handset: a loaner handed back.
    Released,
    /// Minted loaner handsets.
    Minted,
    /// Opened the printable sheet of waiting loaners (their SIP passwords).
    PrintedSheet,
    /// Bound a waiting loaner to a handset extension, as its token would.
    HandedOut,
}

impl Action {
    /// Every action, for the admins' page.
    pub const ALL: [Action; 8] = [
        Action::Viewed,
        Action::NewToken,
        Action::NewSipPassword,
        Action::Unbound,
        Action::Released,
        Action::Minted,
        Action::PrintedSheet,
        Action::HandedOut,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Viewed => "viewed",
            Action::NewToken => "new-token",
            Action::NewSipPassword => "new-sip-password",
            Action::Unbound => "unbound",
            Action::Released => "released",
            Action::Minted => "minted",
            Action::PrintedSheet => "printed-sheet",
            Action::HandedOut => "handed-out",
        }
    }

    /// Plain words for the admins' page; a stored name this binary does not know is shown
    /// as stored.
    pub fn words(stored: &str) -> &str {
        match Action::ALL.into_iter().find(|a| a.as_str() == stored) {
            Some(Action::Viewed) => "looked at the credentials",
            Some(Action::NewToken) => "made a new token",
            Some(Action::NewSipPassword) => "made a new SIP password",
            Some(Action::Unbound) => "unbound the handset",
            Some(Action::Released) => "released the handset",
            Some(Action::Minted) => "minted loaners",
            Some(Action::PrintedSheet) => "opened the loaner sheet",
            Some(Action::HandedOut) => "handed out a loaner",
            None => stored,
        }
    }
}

/// Why a search text was refused (nothing was searched then).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// Longer than [`SEARCH_MAX`] characters.
    #[error(
        "Search for at most {SEARCH_MAX} characters: a number, or part of a name or username."
    )]
    TooLong,
    /// Line breaks, tabs or other control characters: nothing stored has them.
    #[error("The search text has control characters (line breaks, tabs); type plain text.")]
    Control,
}

/// The search text, trimmed, or why it is refused.
pub fn check_search(text: &str) -> Result<String, SearchError> {
    let t = text.trim();
    if t.chars().count() > SEARCH_MAX {
        return Err(SearchError::TooLong);
    }
    if t.chars().any(char::is_control) {
        return Err(SearchError::Control);
    }
    Ok(t.to_string())
}

/// A user found, with the numbers they own.
#[derive(Debug, Clone)]
pub struct FoundUser {
    /// The account.
    pub user: User,
    /// Their extensions' numbers.
    pub numbers: Vec<String>,
}

/// One page of a search: users by username or name, extensions by number or name, listed
/// or not.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Users on this page.
    pub users: Vec<FoundUser>,
    /// Users in all.
    pub users_total: u32,
    /// Extensions on this page.
    pub extensions: Vec<Extension>,
    /// Extensions in all.
    pub extensions_total: u32,
}

/// Searches users and extensions (an already checked text; empty lists everything), the
/// 1-based `page` of each. Reading is not an action: the lists show names and numbers, no
/// secret, so nothing is written to the audit log.
pub async fn search(db: &Db, text: String, page: u32) -> Result<Found, DbError> {
    let offset = page.saturating_sub(1).saturating_mul(SEARCH_PAGE);
    db.read(move |c| {
        let (users, users_total) = users::list(c, &text, SEARCH_PAGE, offset)?;
        let users = users
            .into_iter()
            .map(|user| {
                let filter = Filter {
                    owner_id: Some(user.id),
                    ..Filter::default()
                };
                let (owned, _) = extensions::list(c, &filter, 100, 0)?;
                let numbers = owned.into_iter().map(|e| e.number).collect();
                Ok(FoundUser { user, numbers })
            })
            .collect::<Result<_, DbError>>()?;
        let filter = Filter {
            search: text,
            ..Filter::default()
        };
        let (extensions, extensions_total) = extensions::list(c, &filter, SEARCH_PAGE, offset)?;
        Ok(Found {
            users,
            users_total,
            extensions,
            extensions_total,
        })
    })
    .await
}

/// An extension as the help desk sees it.
#[derive(Debug, Clone)]
pub struct ExtensionDetail {
    /// The extension.
    pub ext: Extension,
    /// Its owner's account, if any.
    pub owner: Option<User>,
    /// The SIP password of a SIP extension.
    pub sip_password: Option<String>,
    /// Its device's registrations now.
    pub contacts: Vec<Contact>,
}

fn detail(c: &Connection, ext: Extension) -> Result<ExtensionDetail, DbError> {
    let owner = ext.owner_id.map(|id| users::get(c, id)).transpose()?;
    let (sip_password, contacts) = match &ext.device_id {
        Some(device) => (
            match ext.kind {
                ExtensionKind::Sip => extensions::sip_password(c, device)?,
                _ => None,
            },
            pjsip::contacts(c, device)?,
        ),
        None => (None, Vec::new()),
    };
    Ok(ExtensionDetail {
        ext,
        owner,
        sip_password,
        contacts,
    })
}

/// An extension as [`open_extension`] shows it, read without a log line: for the page after
/// a help desk action, whose own line covers what it shows.
pub fn read_extension(c: &Connection, number: &str) -> Result<ExtensionDetail, DbError> {
    detail(c, extensions::get(c, number)?)
}

/// What one line of the log says besides who and what.
struct About<'a> {
    number: Option<&'a str>,
    handset: Option<String>,
    detail: String,
}

/// Writes the line of `action` by `helper`; the target user is the extension's owner.
fn record(
    tx: &Transaction<'_>,
    helper: &Helper,
    action: Action,
    about: About<'_>,
) -> Result<(), DbError> {
    let target_user = match about.number {
        Some(n) => extensions::get(tx, n).ok().and_then(|e| e.owner_username),
        None => None,
    };
    let entry = Entry {
        actor_id: helper.id,
        actor: helper.username.clone(),
        action: action.as_str(),
        target_user,
        number: about.number.map(str::to_string),
        handset: about.handset,
        detail: about.detail,
    };
    audit::record(tx, &entry, crate::db::now())
}

/// Opens an extension: its credentials are secrets, so looking is written to the log.
pub async fn open_extension(
    db: &Db,
    helper: Helper,
    number: &str,
) -> Result<ExtensionDetail, ExtensionError> {
    let number = number.to_string();
    db.write_as(move |tx| {
        let ext = extensions::get(tx, &number)?;
        let handset = ext
            .device_id
            .clone()
            .filter(|_| ext.kind == ExtensionKind::Handset);
        let found = detail(tx, ext)?;
        let about = About {
            number: Some(&number),
            handset,
            detail: String::new(),
        };
        record(tx, &helper, Action::Viewed, about)?;
        Ok(found)
    })
    .await
}

/// A new token for an unbound handset extension (the rules of `service::extensions`).
pub async fn new_token(
    db: &Db,
    settings: &Settings,
    helper: Helper,
    number: &str,
) -> Result<String, ExtensionError> {
    let length = settings.numbering.token_length;
    let number = number.to_string();
    db.write_as(move |tx| {
        let token = extension_service::regenerate_token_in(tx, length, &number, Actor::Staff)?;
        let about = About {
            number: Some(&number),
            handset: None,
            detail: String::new(),
        };
        record(tx, &helper, Action::NewToken, about)?;
        Ok(token)
    })
    .await
}

/// A new SIP password for a SIP extension; its phone must be set up again.
pub async fn new_sip_password(
    db: &Db,
    helper: Helper,
    number: &str,
) -> Result<SipCredentials, ExtensionError> {
    let number = number.to_string();
    db.write_as(move |tx| {
        let creds = extension_service::regenerate_sip_password_in(tx, &number, Actor::Staff)?;
        let about = About {
            number: Some(&number),
            handset: Some(creds.username.clone()),
            detail: String::new(),
        };
        record(tx, &helper, Action::NewSipPassword, about)?;
        Ok(creds)
    })
    .await
}

/// Unbinds an extension's handset: the handset becomes a loaner with a temporary number
/// (returned), the extension gets a fresh token.
pub async fn unbind(
    db: &Db,
    settings: &Settings,
    helper: Helper,
    number: &str,
) -> Result<String, ExtensionError> {
    let plan = TemporaryPlan::from_settings(settings);
    let length = settings.numbering.token_length;
    let number = number.to_string();
    db.write_as(move |tx| {
        let handset = extensions::get(tx, &number)?.device_id;
        let temporary = extension_service::unbind_in(tx, &plan, length, &number, Actor::Staff)?;
        let about = About {
            number: Some(&number),
            handset,
            detail: format!("now temporary number {temporary}"),
        };
        record(tx, &helper, Action::Unbound, about)?;
        Ok(temporary)
    })
    .await
}

/// Releases (deletes) a handset by SIP username, a loaner handed back; an extension it was
/// bound to gets a fresh token.
pub async fn release_handset(
    db: &Db,
    settings: &Settings,
    helper: Helper,
    sip_username: &str,
) -> Result<(), DeleteHandsetError> {
    let length = settings.numbering.token_length;
    let id = sip_username.to_string();
    db.write_as(move |tx| {
        let info = handsets::get(tx, &id)?.ok_or(DeleteHandsetError::NotFound)?;
        handset_service::delete_in(tx, &id, length)?;
        let detail = match &info.temporary_number {
            Some(t) => format!("was temporary number {t}"),
            None => String::new(),
        };
        let about = About {
            number: info.extension.as_deref(),
            handset: Some(id.clone()),
            detail,
        };
        record(tx, &helper, Action::Released, about)?;
        Ok(())
    })
    .await
}

/// Mints `count` loaners (the one limit of `service::handsets`), with one line for the box.
pub async fn mint(
    db: &Db,
    settings: &Settings,
    helper: Helper,
    count: u32,
) -> Result<Vec<TemporaryHandset>, MintError> {
    let count = handset_service::check_count(count)?;
    let plan = TemporaryPlan::from_settings(settings);
    db.write_as(move |tx| {
        let minted = handset_service::mint_in(tx, &plan, count)?;
        let numbers: Vec<&str> = minted.iter().map(|h| h.number.as_str()).collect();
        let about = About {
            number: None,
            handset: None,
            detail: format!("{} loaners: {}", minted.len(), numbers.join(", ")),
        };
        record(tx, &helper, Action::Minted, about)?;
        Ok(minted)
    })
    .await
}

/// The waiting loaners with their SIP credentials, newest first, for the printable sheet;
/// the passwords are secrets, so opening it is written to the log.
pub async fn loaner_sheet(db: &Db, helper: Helper) -> Result<Vec<TemporaryHandset>, DbError> {
    db.write(move |tx| {
        let waiting = handsets::list_temporary(tx, SHEET_MAX, 0)?;
        let mut sheet = Vec::with_capacity(waiting.len());
        for h in waiting {
            let password = extensions::sip_password(tx, &h.sip_username)?.unwrap_or_default();
            sheet.push(TemporaryHandset {
                number: h.temporary_number.unwrap_or_default(),
                credentials: crate::db::devices::Credentials {
                    username: h.sip_username,
                    password,
                },
            });
        }
        let about = About {
            number: None,
            handset: None,
            detail: format!("{} loaners", sheet.len()),
        };
        record(tx, &helper, Action::PrintedSheet, about)?;
        Ok(sheet)
    })
    .await
}

/// Why a loaner was not handed out (nothing changed then).
#[derive(Debug, thiserror::Error)]
pub enum HandOutError {
    /// No such extension.
    #[error("Extension not found")]
    NoExtension,
    /// A SIP extension, a group, or a handset extension that has its handset already.
    #[error("{0} takes no loaner: only a handset extension without a bound handset does (unbind its handset first).")]
    NotWaiting(String),
    /// The number is no waiting loaner's temporary number.
    #[error("No loaner is waiting under the temporary number {0:?}.")]
    NoLoaner(String),
    /// Outside the event's registration window handsets are not bound.
    #[error("Handsets cannot be bound now: the event's registration is closed.")]
    Closed,
    /// The loaner dialled too many wrong tokens lately.
    #[error("That loaner is locked out after wrong tokens for a while; take another one.")]
    LockedOut,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Hands a waiting loaner (by its temporary number) to a handset extension: it binds as if
/// it had dialled the extension's token, through the same `db::handsets::bind` and so the
/// same rules (registration window, lockout). Returns the loaner's SIP username.
pub async fn hand_out(
    db: &Db,
    helper: Helper,
    number: &str,
    loaner: &str,
) -> Result<String, HandOutError> {
    let (number, loaner) = (number.to_string(), loaner.trim().to_string());
    db.write_as(move |tx| {
        let ext = match extensions::get(tx, &number) {
            Err(DbError::NotFound) => return Err(HandOutError::NoExtension),
            other => other?,
        };
        let token = match (ext.kind, &ext.device_id, &ext.token) {
            (ExtensionKind::Handset, None, Some(token)) => token.clone(),
            _ => return Err(HandOutError::NotWaiting(number)),
        };
        let no_loaner = || HandOutError::NoLoaner(loaner.chars().take(20).collect());
        if crate::domain::Number::parse(&loaner).is_err() {
            return Err(no_loaner());
        }
        let endpoint = crate::db::numbers::endpoint_of(tx, &loaner)?.ok_or_else(no_loaner)?;
        match handsets::bind(tx, &endpoint, &token, crate::db::now())? {
            handsets::BindOutcome::Bound { .. } => {}
            handsets::BindOutcome::Closed => return Err(HandOutError::Closed),
            handsets::BindOutcome::LockedOut => return Err(HandOutError::LockedOut),
            // Not a temporary handset; the token was read in this transaction, so the
            // others cannot happen, and are refused alike rather than half-done.
            _ => return Err(no_loaner()),
        }
        let about = About {
            number: Some(&number),
            handset: Some(endpoint.clone()),
            detail: format!("was temporary number {loaner}"),
        };
        record(tx, &helper, Action::HandedOut, about)?;
        Ok(endpoint)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_texts_are_checked_not_cut() {
        assert_eq!(check_search("  4711 ").unwrap(), "4711");
        assert_eq!(check_search("100%_'\"<x>").unwrap(), "100%_'\"<x>");
        assert_eq!(check_search(&"a".repeat(61)), Err(SearchError::TooLong));
        assert!(
            check_search(&"ä".repeat(60)).is_ok(),
            "characters, not bytes"
        );
        assert_eq!(check_search("a\nb"), Err(SearchError::Control));
    }

    #[test]
    fn every_action_has_words_and_a_unique_name() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        for name in &names {
            assert_ne!(Action::words(name), *name);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        assert_eq!(Action::words("something-else"), "something-else");
    }
}
