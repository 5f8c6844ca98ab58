//! The DECT sync with a Mitel SIP-DECT OMM: every new handset gets a temporary eventpbx
//! handset (minted like any other, so the one limit holds) and an OMM user that logs it in to
//! Asterisk with that device's SIP credentials; the label the handset shows follows the
//! device's binding ("Alice 4711", back to "New 99561234" after an unbind).
//!
//! Every step is idempotent, so a restart of either side creates nothing twice: handsets are
//! remembered by IPEI (`db::dect`), the OMM user is found by its number before one is created,
//! and labels are compared with the one last sent. New handsets are taken from the OMM's
//! events and from a periodic walk over all devices (`relType=Unbound`), since events are lost
//! while disconnected.
//!
//! Releasing a handset (deleting its device: a loaner handed back) deletes its OMM user and,
//! by default, unsubscribes it ([`release_pending`], from a queue the deleting transaction
//! fills, so it happens whichever front end deleted it and also after the OMM was away).
//!
//! The OMM user registers with SIP user = `num` and authenticates with `sipAuthId`: both are
//! the device's fixed SIP username, so binding stays the one database transaction it always
//! was and only the shown `name` changes in the OMM.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::dect::{self, DectHandset};
use crate::db::handsets::TemporaryPlan;
use crate::db::{Db, DbError};
use crate::domain::dect::handset_label;
use crate::omm::{Backoff, OmmConfig, OmmError, OmmEvent, OmmSession, PpDev, SubscriptionMode};
use crate::service::handsets::{mint_in, MintError};

/// The name part of a handset's label while it has only its temporary number.
const TEMPORARY_NAME: &str = "New";

/// How often all the OMM's devices are walked for new handsets the events missed.
const RECONCILE_EVERY: Duration = Duration::from_secs(60);

/// Why a sync step failed (the loop logs it and tries again later).
#[derive(Debug, thiserror::Error)]
pub enum DectError {
    /// The OMM refused or the session broke.
    #[error(transparent)]
    Omm(#[from] OmmError),
    /// No temporary handset could be minted.
    #[error(transparent)]
    Mint(#[from] MintError),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The connection to the OMM as the pages and `/healthz` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OmmLink {
    /// Trying to connect (or waiting to try again).
    Connecting,
    /// Logged in and subscribed.
    Connected,
    /// The last attempt failed, with why.
    Down(String),
}

/// What the sync knows, for the pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmmStatus {
    /// The connection.
    pub link: OmmLink,
    /// The OMM's subscription mode, when known.
    pub subscription: Option<SubscriptionMode>,
}

impl Default for OmmStatus {
    fn default() -> Self {
        OmmStatus {
            link: OmmLink::Connecting,
            subscription: None,
        }
    }
}

/// Opening or closing the OMM's subscription window (the admin page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowCommand {
    /// Let any handset subscribe for this many minutes (wildcard).
    Open(u8),
    /// Back to configured handsets only.
    Close,
}

/// The handles the web layer holds: the status, and where admin commands go.
#[derive(Debug, Clone)]
pub struct DectControl {
    /// The sync's status.
    pub status: watch::Receiver<OmmStatus>,
    /// Commands for the subscription window.
    pub commands: mpsc::Sender<WindowCommand>,
}

/// What to do for one device the OMM reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adopted {
    /// A handset seen for the first time: a new temporary handset.
    New(String),
    /// A remembered handset (by IPEI) logged in with its old device.
    Remembered(String),
    /// Nothing to do (tied to a user already, or no IPEI to remember it by).
    Skipped,
}

/// Gives the OMM device a user that logs it in as an eventpbx device: a remembered one if
/// its IPEI is known, else a newly minted temporary handset.
pub async fn adopt(
    db: &Db,
    settings: &Settings,
    session: &OmmSession,
    pp: &PpDev,
) -> Result<Adopted, DectError> {
    let Some(ipei) = pp.ipei.clone() else {
        return Ok(Adopted::Skipped);
    };
    if !pp.is_unbound() {
        return Ok(Adopted::Skipped);
    }
    let plan = TemporaryPlan::from_settings(settings);
    let (ppn, uak) = (pp.ppn, pp.uak.clone());
    let (device_id, new) = db
        .write_as(move |tx| -> Result<(String, bool), DectError> {
            if let Some(known) = dect::by_ipei(tx, &ipei)? {
                dect::set_omm_ids(tx, &known.device_id, ppn, None, uak.as_deref())?;
                return Ok((known.device_id, false));
            }
            let minted = mint_in(tx, &plan, 1)?;
            let Some(handset) = minted.into_iter().next() else {
                return Err(MintError::Count.into());
            };
            dect::remember(
                tx,
                &handset.credentials.username,
                &ipei,
                uak.as_deref(),
                ppn,
            )?;
            Ok((handset.credentials.username, true))
        })
        .await?;
    log_in(db, session, &device_id, ppn).await?;
    Ok(if new {
        Adopted::New(device_id)
    } else {
        Adopted::Remembered(device_id)
    })
}

/// Ties the OMM device to the device's OMM user, creating the user if the OMM has none with
/// that number (so a crash between the two steps creates no second user).
async fn log_in(db: &Db, session: &OmmSession, device_id: &str, ppn: u32) -> Result<(), DectError> {
    let id = device_id.to_string();
    let (handset, creds) = db
        .read(move |c| {
            Ok((
                dect::list(c)?.into_iter().find(|h| h.device_id == id),
                dect::credentials(c, &id)?,
            ))
        })
        .await?;
    let (Some(handset), Some(creds)) = (handset, creds) else {
        return Err(DbError::NotFound.into());
    };
    let label = wanted_label(&handset);
    let user = match session.user_by_number(&creds.username).await? {
        Some(user) => user,
        None => {
            session
                .create_user(&creds.username, &label, &creds.password)
                .await?
        }
    };
    session.attach(user.uid, ppn).await?;
    let (id, uid) = (device_id.to_string(), user.uid);
    let shown = if user.name.as_deref() == Some(label.as_str()) || user.name.is_none() {
        Some(label)
    } else {
        None
    };
    db.write(move |tx| {
        dect::set_omm_ids(tx, &id, ppn, Some(uid), None)?;
        if let Some(label) = shown {
            dect::set_shown_label(tx, &id, &label)?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// The label the handset should show now.
pub fn wanted_label(handset: &DectHandset) -> String {
    let name = handset.extension_name.as_deref().unwrap_or(TEMPORARY_NAME);
    handset_label(name, handset.number.as_deref().unwrap_or_default())
}

/// Sends every label that differs from the one last sent; returns how many were sent.
pub async fn push_labels(db: &Db, session: &OmmSession) -> Result<usize, DectError> {
    let handsets = db.read(dect::list).await?;
    let mut sent = 0;
    for handset in handsets {
        let Some(uid) = handset.omm_uid else { continue };
        let label = wanted_label(&handset);
        if handset.shown_label.as_deref() == Some(label.as_str()) {
            continue;
        }
        session.set_user_name(uid, &label).await?;
        let id = handset.device_id.clone();
        db.write(move |tx| dect::set_shown_label(tx, &id, &label))
            .await?;
        sent += 1;
    }
    Ok(sent)
}

/// Removes from the OMM what released handsets left there (queued by migration 015's trigger
/// when a remembered handset's device is deleted): its OMM user, found by number (the deleted
/// device's SIP username), and with `omm.unsubscribe_on_release` its device record, if the
/// record at that ppn still carries the handset's IPEI. What the OMM no longer has counts as
/// done, so a release repeated after a crash or a reconnect changes nothing more. Returns how
/// many releases were completed.
pub async fn release_pending(
    db: &Db,
    settings: &Settings,
    session: &OmmSession,
) -> Result<usize, DectError> {
    let pending = db.read(dect::pending_releases).await?;
    let mut done = 0;
    for release in pending {
        // The record at that ppn, if it is still this handset (after an OMM reset the ppn
        // may name another one, which stays untouched).
        let still_there = match release.omm_ppn {
            Some(ppn) => session
                .devices_from(ppn)
                .await?
                .into_iter()
                .find(|d| d.ppn == ppn && d.ipei.as_deref() == Some(release.ipei.as_str())),
            None => None,
        };
        let unsubscribe = settings.omm.unsubscribe_on_release;
        if let (true, Some(pp)) = (unsubscribe, &still_there) {
            gone_is_done(session.delete_device(pp.ppn).await)?;
        }
        if let Some(user) = session.user_by_number(&release.device_id).await? {
            gone_is_done(session.delete_user(user.uid).await)?;
        }
        let id = release.id;
        db.write(move |tx| dect::release_done(tx, id)).await?;
        if let (false, Some(pp)) = (unsubscribe, still_there) {
            // Still subscribed and now without a user: a fresh temporary handset at once
            // rather than at the next walk.
            let fresh = session
                .devices_from(pp.ppn)
                .await?
                .into_iter()
                .find(|d| d.ppn == pp.ppn);
            if let Some(fresh) = fresh {
                adopt(db, settings, session, &fresh).await?;
            }
        }
        tracing::info!(device = %release.device_id, "released DECT handset removed from the OMM");
        done += 1;
    }
    Ok(done)
}

/// A delete the OMM answers with "no such record" has nothing left to do.
fn gone_is_done(r: Result<(), OmmError>) -> Result<(), OmmError> {
    match r {
        Err(e) if e.is_no_entry() => Ok(()),
        r => r,
    }
}

/// Walks all the OMM's devices and adopts every unbound one; returns how many were adopted.
pub async fn reconcile(
    db: &Db,
    settings: &Settings,
    session: &OmmSession,
) -> Result<usize, DectError> {
    let mut next = 0u32;
    let mut adopted = 0;
    loop {
        let page = session.devices_from(next).await?;
        let Some(last) = page.iter().map(|p| p.ppn).max() else {
            return Ok(adopted);
        };
        for pp in &page {
            if adopt(db, settings, session, pp).await? != Adopted::Skipped {
                adopted += 1;
            }
        }
        next = last.saturating_add(1);
    }
}

/// One event: a device that may be new, or the subscription mode.
async fn handle_event(
    db: &Db,
    settings: &Settings,
    session: &OmmSession,
    status: &watch::Sender<OmmStatus>,
    event: OmmEvent,
) -> Result<(), DectError> {
    let pp = match event {
        OmmEvent::PpDevCnf { pp, deleted: false } => pp,
        OmmEvent::PpCnf { pp: Some(pp), .. } => pp,
        OmmEvent::SubscriptionMode(mode) => {
            status.send_modify(|s| s.subscription = Some(mode));
            return Ok(());
        }
        _ => return Ok(()),
    };
    // A configuration event carries only what changed: read the whole record.
    let full = session
        .devices_from(pp.ppn)
        .await?
        .into_iter()
        .find(|d| d.ppn == pp.ppn);
    if let Some(full) = full {
        let outcome = adopt(db, settings, session, &full).await?;
        if outcome != Adopted::Skipped {
            tracing::info!(ppn = full.ppn, ?outcome, "DECT handset logged in");
        }
    }
    Ok(())
}

/// One logged-in session until it ends or `shutdown`.
async fn serve_session(
    db: &Db,
    settings: &Settings,
    session: &OmmSession,
    mut events: mpsc::Receiver<OmmEvent>,
    status: &watch::Sender<OmmStatus>,
    commands: &mut mpsc::Receiver<WindowCommand>,
    shutdown: &CancellationToken,
) -> Result<(), DectError> {
    session.subscribe_sync_events().await?;
    let mode = session.subscription_mode().await.ok();
    release_pending(db, settings, session).await?;
    status.send_replace(OmmStatus {
        link: OmmLink::Connected,
        subscription: mode,
    });
    let mut writes = db.subscribe_writes();
    let mut reconcile_timer = tokio::time::interval(RECONCILE_EVERY);
    let closed = session.closed();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = closed.cancelled() => return Err(OmmError::Closed.into()),
            event = events.recv() => match event {
                Some(event) => handle_event(db, settings, session, status, event).await?,
                None => return Err(OmmError::Closed.into()),
            },
            _ = reconcile_timer.tick() => {
                release_pending(db, settings, session).await?;
                reconcile(db, settings, session).await?;
                push_labels(db, session).await?;
            }
            // Any committed write (a binding, an unbind, a rename) may change a label.
            changed = writes.changed() => {
                if changed.is_ok() {
                    release_pending(db, settings, session).await?;
                    push_labels(db, session).await?;
                }
            }
            Some(command) = commands.recv() => {
                let (mode, minutes) = match command {
                    WindowCommand::Open(m) => (SubscriptionMode::Wildcard, Some(m)),
                    WindowCommand::Close => (SubscriptionMode::Configured, None),
                };
                session.set_subscription_mode(mode, minutes).await?;
                status.send_modify(|s| s.subscription = Some(mode));
            }
        }
    }
}

/// Keeps a session to the OMM until `shutdown`, reconnecting with backoff.
pub async fn run(
    db: Db,
    settings: Settings,
    config: OmmConfig,
    status: watch::Sender<OmmStatus>,
    mut commands: mpsc::Receiver<WindowCommand>,
    shutdown: CancellationToken,
) {
    let mut backoff = Backoff::new();
    while !shutdown.is_cancelled() {
        status.send_modify(|s| s.link = OmmLink::Connecting);
        let outcome = match OmmSession::connect(&config).await {
            Ok((session, events)) => {
                backoff.reset();
                let r = serve_session(
                    &db,
                    &settings,
                    &session,
                    events,
                    &status,
                    &mut commands,
                    &shutdown,
                )
                .await;
                session.close();
                r
            }
            Err(e) => Err(e.into()),
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "OMM sync interrupted");
            status.send_modify(|s| s.link = OmmLink::Down(e.to_string()));
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}
