//! `eventpbx backup`, `restore`, `export`, `import` and `event`: the commands around one
//! event's data. Each parses, calls the library and words its answer.

use anyhow::Context;
use clap::Subcommand;

use eventpbx::config::Settings;

use crate::open_service_db;

#[derive(Subcommand)]
pub enum EventAction {
    /// Print the event (or that none is set: registration always open).
    Show,
    /// Set the event. Sign-up, claiming and binding are closed outside the window.
    Set {
        /// Its name, e.g. "Camp 2027".
        name: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        starts: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        ends: String,
        /// Registration opens, YYYY-MM-DDTHH:MM (UTC).
        #[arg(long)]
        registration_opens: String,
        /// Registration closes, YYYY-MM-DDTHH:MM (UTC).
        #[arg(long)]
        registration_closes: String,
    },
    /// Remove the event: registration is open at all times.
    Clear,
}

pub fn backup(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    use eventpbx::db::backup;
    let busy = std::time::Duration::from_millis(settings.data.busy_timeout_ms);
    let started = std::time::Instant::now();
    let conn = backup::open_existing(&settings.db_path(), busy)?;
    let info = backup::backup_to(&conn, file)?;
    println!(
        "backup written to {} ({} bytes in {:.2} s), mode 0600: it holds SIP passwords",
        info.path.display(),
        info.bytes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn restore(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let busy = std::time::Duration::from_millis(settings.data.busy_timeout_ms);
    let db = settings.db_path();
    let done = eventpbx::db::backup::restore(file, &db, busy)
        .with_context(|| format!("{} not restored", file.display()))?;
    println!("{} restored from {}", db.display(), file.display());
    if done.migrated > 0 {
        println!("{} migration(s) applied to it", done.migrated);
    }
    println!(
        "{} registration(s) cleared: phones register again by themselves",
        done.contacts_cleared
    );
    if let Some(previous) = done.previous {
        println!("the replaced database is kept as {}", previous.display());
    }
    Ok(())
}

pub fn export(settings: Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let started = std::time::Instant::now();
    let done = runtime.block_on(async {
        let db = open_service_db(&settings)?;
        anyhow::Ok(eventpbx::service::transfer::export_to(&db, file).await?)
    })?;
    println!(
        "exported {} users, {} extensions, {} devices to {} ({} bytes in {:.2} s)",
        done.users,
        done.extensions,
        done.devices,
        file.display(),
        done.bytes,
        started.elapsed().as_secs_f64()
    );
    println!("mode 0600: the file holds SIP passwords and password hashes; keep it so");
    Ok(())
}

pub fn import(settings: Settings, file: &std::path::Path, hold_days: u32) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let started = std::time::Instant::now();
    let hold_until = eventpbx::db::now() + i64::from(hold_days) * 86_400;
    let done = runtime.block_on(async {
        let db = open_service_db(&settings)?;
        anyhow::Ok(
            eventpbx::service::transfer::import_next_event(
                &db,
                std::sync::Arc::new(settings),
                file,
                hold_until,
            )
            .await?,
        )
    })?;
    println!(
        "imported {} users; {} extensions held for their owners for {hold_days} days, {} \
         without owner; {} handsets remembered as temporary handsets, {} SIP phones with \
         their extension, {} browser phones; {} phonebook entries ({:.2} s)",
        done.users,
        done.held,
        done.unowned,
        done.handsets,
        done.sip_phones,
        done.browser_phones,
        done.phonebook,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn event(settings: Settings, action: EventAction) -> anyhow::Result<()> {
    use eventpbx::domain::event::{self, Event};
    use eventpbx::service::events;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let db = open_service_db(&settings)?;
    match action {
        EventAction::Show => match runtime.block_on(events::current(&db))? {
            None => println!("no event set: registration is open at all times"),
            Some(e) => println!(
                "{}: {} to {}, registration {} to {} (UTC)",
                e.name,
                event::format_date(e.starts_on),
                event::format_date(e.ends_on),
                event::format_minute(e.registration_opens_at),
                event::format_minute(e.registration_closes_at)
            ),
        },
        EventAction::Set {
            name,
            starts,
            ends,
            registration_opens,
            registration_closes,
        } => {
            let e = Event::new(
                &name,
                event::parse_date("starts", &starts)?,
                event::parse_date("ends", &ends)?,
                event::parse_minute("registration-opens", &registration_opens)?,
                event::parse_minute("registration-closes", &registration_closes)?,
            )?;
            runtime.block_on(events::set(&db, e))?;
            println!("event {name:?} set");
        }
        EventAction::Clear => {
            let had = runtime.block_on(events::clear(&db))?;
            println!(
                "{}: registration is open at all times",
                if had {
                    "event cleared"
                } else {
                    "no event was set"
                }
            );
        }
    }
    Ok(())
}
