//! The `eventpbx` command: parses arguments and hands over to the library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use eventpbx::app::{self, AppState};
use eventpbx::config::Settings;

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

fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,eventpbx=info".into()),
        )
        .init();
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::AsteriskConf {
            out,
            etc_dir,
            state_dir,
        } => {
            let layout = eventpbx::asterisk_conf::Layout { etc_dir, state_dir };
            eventpbx::asterisk_conf::write(&settings, &layout, &out)?;
            println!("Asterisk configuration written to {}", out.display());
            Ok(())
        }
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

fn serve(settings: Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listen = settings.web.listen;
        let public_url = settings.web.public_url.clone();
        let state = AppState::open(settings)?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        tracing::info!(%listen, "eventpbx web UI at {public_url}");
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
