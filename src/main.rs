//! The `kiosque` binary: parse the command line, load the configuration, run.

use clap::Parser;
use std::process::ExitCode;

use kiosque::cli::{Cli, Command};
use kiosque::config::{Config, Overrides};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One TLS provider for LDAP, federation and the web listener.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KIOSQUE_LOG")
                .unwrap_or_else(|_| "kiosque=info,tower_http=warn".into()),
        )
        .with_target(false)
        .init();
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
        Command::Reindex => {
            let config = match Config::load(cli.config.as_deref(), env, &overrides) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match kiosque::app::reindex(&config) {
                Ok(report) => {
                    println!(
                        "Index de recherche reconstruit : {} contenus et {} agents en {:.1} s ({} Mo sur le disque).",
                        report.items,
                        report.people,
                        report.elapsed.as_secs_f64(),
                        report.bytes / 1_000_000
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
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
        Command::Enroll { hub, code } => {
            let config = match Config::load(cli.config.as_deref(), env, &overrides) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(kiosque::federation::edge::enroll(
                &config.data_dir,
                &hub,
                &code,
            )) {
                Ok(identity) => {
                    println!(
                        "Enrôlé : « {} » ({}), identifiant {}.",
                        identity.name, identity.place, identity.id
                    );
                    if config.federation.upstream.as_deref() != Some(hub.trim_end_matches('/')) {
                        println!(
                            "Indiquez maintenant dans la configuration :\n  [federation]\n  upstream = \"{}\"\npuis redémarrez kiosque.",
                            hub.trim_end_matches('/')
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
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
            match runtime.block_on(kiosque::app::serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
