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
    // One TLS provider for LDAP, federation and the web listener.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
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
        Command::Backup { file } => {
            let config = match Config::load(
                admin_config(cli.config.as_deref()).as_deref(),
                env,
                &overrides,
            ) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut progress = Progress::new("Sauvegarde");
            match kiosque::ops::backup::backup(&config, &file, &mut |p| progress.show(p)) {
                Ok(summary) => {
                    progress.done();
                    println!(
                        "Sauvegarde terminée : {} ({} éléments, {} fichiers, {} entrées, journal des changements n° {}).",
                        file.display(),
                        summary.items,
                        summary.blobs,
                        summary.entries,
                        summary.seq
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    progress.done();
                    eprintln!("error: backup: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Restore { file } => {
            let config = match Config::load(
                admin_config(cli.config.as_deref()).as_deref(),
                env,
                &overrides,
            ) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut progress = Progress::new("Restauration");
            let now = jiff::Timestamp::now();
            match kiosque::ops::backup::restore(&config, &file, now, &mut |p| progress.show(p)) {
                Ok(restored) => {
                    progress.done();
                    println!(
                        "Restauration terminée : {} éléments, {} fichiers, dans {}.",
                        restored.items,
                        restored.blobs,
                        config.store_path().display()
                    );
                    if let Some(previous) = restored.previous {
                        println!("L'ancienne base est conservée : {}", previous.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    progress.done();
                    eprintln!("error: restore: {e}");
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

/// `backup` and `restore` act on the installed service's store by default:
/// without `--config`, `/etc/kiosque/kiosque.toml` when it exists.
fn admin_config(config: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    const INSTALLED: &str = "/etc/kiosque/kiosque.toml";
    config.map(std::path::Path::to_owned).or_else(|| {
        std::path::Path::new(INSTALLED)
            .is_file()
            .then(|| INSTALLED.into())
    })
}

/// Progress of a long backup or restore on stderr: one updating line on a
/// terminal, a line every 10 % otherwise (logs, cron mails).
struct Progress {
    what: &'static str,
    terminal: bool,
    last: Option<u64>,
}

impl Progress {
    fn new(what: &'static str) -> Self {
        use std::io::IsTerminal;
        Progress {
            what,
            terminal: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    fn show(&mut self, p: kiosque::store::backup::Progress) {
        let percent = p.done * 100 / p.total.max(1);
        let step = if self.terminal {
            percent
        } else {
            percent / 10 * 10
        };
        if self.last == Some(step) {
            return;
        }
        self.last = Some(step);
        if self.terminal {
            eprint!(
                "\r{} : {percent:>3} % ({} / {})",
                self.what, p.done, p.total
            );
        } else {
            eprintln!("{} : {percent} % ({} / {})", self.what, p.done, p.total);
        }
    }

    fn done(&self) {
        if self.terminal && self.last.is_some() {
            eprintln!();
        }
    }
}
