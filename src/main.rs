//! The `kiosque` binary: parse the command line, load the configuration, run.

use clap::Parser;
use std::process::ExitCode;

use kiosque::cli::{Cli, Command};
use kiosque::config::{Config, Overrides};

fn main() -> ExitCode {
    // Before anything else, while this is the only thread: the sockets systemd
    // may have handed over (socket activation).
    let sockets = match kiosque::ops::systemd::take_sockets() {
        Ok(sockets) => sockets,
        Err(e) => {
            eprintln!("error: sockets from systemd (LISTEN_FDS): {e}");
            return ExitCode::FAILURE;
        }
    };
    let cli = Cli::parse();
    init_logs();
    let overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        listen: cli.listen,
    };
    // The environment is read here, once; clap already consumed the variables
    // that are flags.
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| !matches!(k.as_str(), "KIOSQUE_DATA_DIR" | "KIOSQUE_LISTEN"))
        .collect();
    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig { file } => match Config::load(Some(&file), env, &overrides) {
            Ok(config) => {
                println!(
                    "{}: configuration valide (démonstration : {}).",
                    file.display(),
                    if config.demo { "oui" } else { "non" }
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::User(command) => {
            let config = match Config::load(cli.config.as_deref(), env, &overrides) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match kiosque::accounts::run(&config, command) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve => {
            let config = match Config::load(cli.config.as_deref(), env, &overrides) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            // Few blocking threads: store work is short, and every extra thread
            // costs memory on a small box (glibc gives each its own arena).
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .max_blocking_threads(8)
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(kiosque::app::serve(config, sockets)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Logs on stderr: colours only on a terminal; under systemd (`JOURNAL_STREAM`)
/// no timestamp either, journald adds its own.
fn init_logs() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSQUE_LOG")
        .unwrap_or_else(|_| "kiosque=info,tower_http=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}
