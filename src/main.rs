//! The `eventpbx` command: parses arguments and hands over to the library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use eventpbx::app::{self, AppState};
use eventpbx::config::Settings;
use eventpbx::domain::accounts::Role;
use eventpbx::domain::ExtensionKind;
use eventpbx::service::handsets::MINT_MAX;

// The commands around one event's data (backups, export, the event itself), kept apart so
// this file stays a table of contents.
#[path = "main/ops.rs"]
mod ops;
use ops::EventAction;

/// Self-service telephony for events, beside a real Asterisk 22.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Settings file (TOML). Without it, defaults plus EVENTPBX_* environment variables apply.
    #[arg(long, global = true, env = "EVENTPBX_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: migrate the database, drive calls over ARI and serve the web UI and API.
    Serve,
    /// Create or upgrade the database schema and exit.
    Migrate,
    /// Check the installation: settings, data folder modes, database schema and integrity,
    /// prompts, ARI and the Asterisk modules eventpbx needs. One line per check; exits
    /// non-zero when one fails. Changes nothing.
    Check,
    /// Print the effective settings (secrets redacted), or one value with --get, and exit.
    Config {
        /// A dotted key such as `data.dir`; prints just its value (for scripts).
        #[arg(long)]
        get: Option<String>,
    },
    /// Render the Asterisk configuration set (asterisk.conf, pjsip.conf, extensions.conf, ...)
    /// from these settings into a folder, for the sandbox or a system install.
    AsteriskConf {
        /// Folder to write the files into.
        #[arg(long)]
        out: PathBuf,
        /// Asterisk's configuration folder as Asterisk will see it (astetcdir).
        #[arg(long, default_value = "/etc/asterisk")]
        etc_dir: PathBuf,
        /// Folder for Asterisk's run, log, spool and astdb files, as Asterisk will see it.
        #[arg(long, default_value = "/var/lib/eventpbx-asterisk")]
        state_dir: PathBuf,
        /// `debian`: the folders of Debian's asterisk package (/etc/asterisk, /var/run,
        /// /var/log, /var/spool and /var/lib/asterisk) instead of --etc-dir and --state-dir.
        #[arg(long, value_parser = ["debian"])]
        layout: Option<String>,
        /// Replace eventpbx's files in a folder that already holds files (changed ones are
        /// backed up into OUT/.eventpbx-backup/ first).
        #[arg(long)]
        force: bool,
        /// Group of the written files (mode 0640); default: asterisk.run_group.
        #[arg(long)]
        group: Option<String>,
    },
    /// Write a consistent copy of the database into FILE (mode 0600: it holds SIP
    /// passwords). Safe while Asterisk and eventpbx run and write.
    Backup {
        /// The new backup file; an existing file is never overwritten.
        file: PathBuf,
    },
    /// Replace the database with the backup FILE, after checking it (SQLite, integrity,
    /// schema version). Refuses while any process (Asterisk, eventpbx serve) has the database
    /// open. Clears the registrations; the replaced database is kept beside it.
    Restore {
        /// The backup file to restore (it is copied, not moved).
        file: PathBuf,
    },
    /// Write users (with password hashes), extensions, groups, forwarding, phonebook entries
    /// and devices (SIP usernames and passwords) into a new JSON file, mode 0600.
    Export {
        /// The new export file; an existing file is never overwritten.
        file: PathBuf,
    },
    /// Create the next event from an export, into an empty database, all or nothing.
    Import {
        /// The export file.
        file: PathBuf,
        /// Required: users and their numbers come back held for their owners (who take them
        /// back by claiming them), handsets as temporary handsets with their SIP identity;
        /// tokens and temporary numbers are new.
        #[arg(long, required = true)]
        next_event: bool,
        /// Days the numbers stay held for their owners.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=366))]
        hold_days: u32,
    },
    /// Show, set or clear the event and its registration window.
    Event {
        #[command(subcommand)]
        action: EventAction,
    },
    /// Manage API keys for other services (DECT syncer, provisioning, dashboards).
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
    /// Manage extensions (numbers) from the command line.
    Extension {
        #[command(subcommand)]
        action: ExtensionAction,
    },
    /// Manage web accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage handsets that cannot be configured (DECT, loaners).
    Handset {
        #[command(subcommand)]
        action: HandsetAction,
    },
}

#[derive(Subcommand)]
enum ApiKeyAction {
    /// Create a key and print it once (only its SHA-256 is stored).
    Create {
        /// A name that says who uses the key.
        name: String,
        /// read (GET only, no secrets), read-write (numbers and handsets; SIP passwords of
        /// what it created) or admin (plus users, roles and every SIP password).
        #[arg(long, default_value = "read", value_parser = ["read", "read-write", "admin"])]
        scope: String,
    },
    /// Revoke the key with this name.
    Revoke { name: String },
    /// List keys (names, scopes, dates; never the keys).
    List,
}

#[derive(Subcommand)]
enum ExtensionAction {
    /// Claim a number under the numbering rules. Prints the token (handset) or the SIP
    /// credentials (sip), tab-separated.
    Add {
        number: String,
        /// Phonebook name.
        name: String,
        /// handset (bind by token) or sip (own SIP phone).
        #[arg(long, value_enum, default_value_t = ExtensionKind::Handset)]
        kind: ExtensionKind,
        /// Keep it out of the public phonebook.
        #[arg(long)]
        unlisted: bool,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account; the password is read from standard input (one line).
    Add {
        /// Login name (3 to 32 letters, digits, '.', '-', '_').
        name: String,
        /// attendee, helpdesk, operator or admin.
        #[arg(long, value_enum, default_value_t = Role::Attendee)]
        role: Role,
        /// Display name; defaults to the login name.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Give an account another role (attendee, helpdesk, operator or admin); it applies from
    /// the user's next request.
    Role {
        /// Login name.
        name: String,
        /// The new role.
        #[arg(value_enum)]
        role: Role,
    },
    /// Set a new password, read from standard input (one line). Ends the user's sessions and
    /// clears the account's login throttling: an admin's way in that no limit can block.
    Password {
        /// Login name.
        name: String,
    },
}

#[derive(Subcommand)]
enum HandsetAction {
    /// Mint temporary handsets and print their credentials, for provisioning loaner phones.
    Temp {
        /// How many.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(MINT_MAX)))]
        count: u32,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The chain of causes, one line, no backtrace: these are messages for operators.
            eprintln!("eventpbx: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, as `RUST_LOG` says (default: info): readable lines, or one JSON object
/// each (`log.format = "json"`) for log shippers.
fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,eventpbx=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        // Colour codes only on a terminal: log files stay greppable.
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let loaded = Settings::load(cli.config.as_deref());
    // Settings that do not load still get their error logged, as text.
    let json = matches!(&loaded, Ok(s) if s.log.format == "json");
    init_logging(json);
    let settings = match (loaded, &cli.command) {
        (Err(e), Command::Check) => {
            // Still one line in the check's own format: the one check that could run.
            println!("FAIL settings: {e}");
            anyhow::bail!("the settings do not load");
        }
        (loaded, _) => loaded?,
    };
    match cli.command {
        Command::Check => check(&settings),
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::AsteriskConf {
            out,
            etc_dir,
            state_dir,
            force,
            group,
            layout,
        } => {
            let layout = match layout.as_deref() {
                Some("debian") => eventpbx::asterisk_conf::Layout::debian(),
                _ => eventpbx::asterisk_conf::Layout::under(etc_dir, &state_dir),
            };
            let options = eventpbx::asterisk_conf::WriteOptions {
                force,
                group: group.unwrap_or_else(|| settings.asterisk.run_group.clone()),
            };
            eventpbx::asterisk_conf::write(&settings, &layout, &out, &options)?;
            println!("Asterisk configuration written to {}", out.display());
            Ok(())
        }
        Command::Backup { file } => ops::backup(&settings, &file),
        Command::Restore { file } => ops::restore(&settings, &file),
        Command::Export { file } => ops::export(settings, &file),
        Command::Import {
            file, hold_days, ..
        } => ops::import(settings, &file, hold_days),
        Command::Event { action } => ops::event(settings, action),
        Command::ApiKey { action } => api_key(&settings, action),
        Command::Handset { action } => handset(settings, action),
        Command::User { action } => user(settings, action),
        Command::Extension { action } => extension(settings, action),
        Command::Config { get: None } => {
            println!("{settings:#?}");
            Ok(())
        }
        Command::Config { get: Some(key) } => {
            println!("{}", settings.get(&key)?);
            Ok(())
        }
    }
}

fn check(settings: &Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let checks = runtime.block_on(eventpbx::service::check::run(settings));
    for c in &checks {
        println!("{c}");
    }
    let failed = checks.iter().filter(|c| !c.passed()).count();
    if failed > 0 {
        anyhow::bail!("{failed} of {} checks failed", checks.len());
    }
    Ok(())
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let path = settings.db_path();
    let (_conn, applied) = eventpbx::db::open_and_migrate(
        &path,
        std::time::Duration::from_millis(settings.data.busy_timeout_ms),
    )
    .with_context(|| format!("opening {}", path.display()))?;
    println!(
        "{}: {applied} migration(s) applied, schema up to date",
        path.display()
    );
    Ok(())
}

/// A migrated connection for one-shot CLI commands.
fn open_db(settings: &Settings) -> anyhow::Result<rusqlite::Connection> {
    let path = settings.db_path();
    let (conn, _) = eventpbx::db::open_and_migrate(
        &path,
        std::time::Duration::from_millis(settings.data.busy_timeout_ms),
    )
    .with_context(|| format!("opening {}", path.display()))?;
    Ok(conn)
}

fn api_key(settings: &Settings, action: ApiKeyAction) -> anyhow::Result<()> {
    use eventpbx::db::{api_keys, write_in};
    let mut conn = open_db(settings)?;
    match action {
        ApiKeyAction::Create { name, scope } => {
            let scope =
                api_keys::Scope::parse(&scope).context("scope is read, read-write or admin")?;
            let key = write_in(&mut conn, |tx| api_keys::create(tx, &name, scope))?;
            eprintln!(
                "API key {name:?} ({}) created. It is shown only now:",
                scope.as_str()
            );
            println!("{key}");
        }
        ApiKeyAction::Revoke { name } => {
            write_in(&mut conn, |tx| api_keys::revoke(tx, &name))
                .with_context(|| format!("no live API key named {name:?}"))?;
            println!("API key {name:?} revoked");
        }
        ApiKeyAction::List => {
            for k in api_keys::list(&conn)? {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "live"
                };
                println!("{}\t{}\t{state}", k.name, k.scope.as_str());
            }
        }
    }
    Ok(())
}

/// The database handle the use cases run on, for one CLI command.
pub(crate) fn open_service_db(settings: &Settings) -> anyhow::Result<eventpbx::db::Db> {
    let path = settings.db_path();
    eventpbx::db::Db::open(
        &path,
        std::time::Duration::from_millis(settings.data.busy_timeout_ms),
    )
    .with_context(|| format!("opening {}", path.display()))
}

fn extension(settings: Settings, action: ExtensionAction) -> anyhow::Result<()> {
    use eventpbx::db::extensions::Created;
    use eventpbx::service::extensions::{claim, Claim, Owner};
    let ExtensionAction::Add {
        number,
        name,
        kind,
        unlisted,
    } = action;
    let request = Claim {
        owner: Owner::Nobody,
        number: number.clone(),
        name,
        kind,
        public: !unlisted,
        // The CLI runs with the database file in hand: an admin act.
        authority: eventpbx::domain::numbering::Authority::Admin,
        by_key: None,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let created = runtime.block_on(async move {
        let db = open_service_db(&settings)?;
        anyhow::Ok(claim(&db, std::sync::Arc::new(settings), request).await?)
    })?;
    let number = number.trim();
    match created {
        Created::Handset { token } => println!("{number}\t{token}"),
        Created::Sip(c) => println!("{number}\t{}\t{}", c.username, c.password),
        Created::Group => println!("{number}\tgroup"),
        Created::Conference => println!("{number}\tconference"),
    }
    Ok(())
}

/// One line from standard input, without its line end.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

fn user(settings: Settings, action: UserAction) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match action {
        UserAction::Add {
            name,
            role,
            display_name,
        } => {
            let password = password_from_stdin()?;
            let display_name = display_name.unwrap_or_else(|| name.clone());
            runtime.block_on(async move {
                let db = open_service_db(&settings)?;
                let user =
                    eventpbx::service::users::add_user(&db, &name, &display_name, &password, role)
                        .await?;
                println!(
                    "user {:?} created with role {}",
                    user.username,
                    role.as_str()
                );
                Ok(())
            })
        }
        UserAction::Role { name, role } => runtime.block_on(async move {
            let db = open_service_db(&settings)?;
            let user = eventpbx::service::users::set_role(
                &db,
                eventpbx::service::users::UserRef::Name(name.clone()),
                role,
            )
            .await
            .map_err(|e| match e {
                eventpbx::service::users::DisableError::NotFound => {
                    anyhow::anyhow!("no user is called {name:?}")
                }
                other => other.into(),
            })?;
            println!("user {:?} is now {}", user.username, role.as_str());
            Ok(())
        }),
        UserAction::Password { name } => {
            let password = password_from_stdin()?;
            runtime.block_on(async move {
                let db = open_service_db(&settings)?;
                let user =
                    eventpbx::service::users::set_password(&db, &name, &password, None).await?;
                println!(
                    "new password set for {:?}; their sessions ended, login throttling cleared",
                    user.username
                );
                Ok(())
            })
        }
    }
}

fn handset(settings: Settings, action: HandsetAction) -> anyhow::Result<()> {
    match action {
        HandsetAction::Temp { count } => {
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            // One transaction: a box of phones is provisioned completely or not at all.
            let minted = runtime.block_on(async {
                let db = open_service_db(&settings)?;
                anyhow::Ok(eventpbx::service::handsets::mint(&db, &settings, count).await?)
            })?;
            let registrar = format!("{}:{}", settings.sip.public_address, settings.sip.port);
            println!("number\tsip_username\tsip_password\tregistrar");
            for h in minted {
                println!(
                    "{}\t{}\t{}\t{registrar}",
                    h.number, h.credentials.username, h.credentials.password
                );
            }
        }
    }
    Ok(())
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // Without ARI no code works; say so now rather than serve a half-working system.
    settings
        .ari_password()
        .context("eventpbx serve needs the ARI password")?;
    runtime.block_on(async move {
        let listen = settings.web.listen;
        let public_url = settings.web.public_url.clone();
        let state = AppState::open(settings)?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        tracing::info!(%listen, "eventpbx web UI at {public_url}");
        // Listening: connections wait in the backlog until the server accepts them.
        app::notify_ready();
        let shutdown = CancellationToken::new();
        let signal_token = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            signal_token.cancel();
        });
        app::run(state, listener, shutdown).await?;
        Ok(())
    })
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
