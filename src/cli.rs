//! The command line: `kiosque [serve]`, `kiosque check-config FILE`, `kiosque user …`,
//! `kiosque enroll HUB CODE`, `kiosque reindex`.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "kiosque",
    version,
    about = "L'intranet de la collectivité en un seul programme."
)]
pub struct Cli {
    /// Configuration file (TOML). Without one, kiosque runs the demo.
    #[arg(long, global = true, env = "KIOSQUE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (store, generated files).
    #[arg(long, global = true, env = "KIOSQUE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address of the web listener, e.g. 127.0.0.1:8080.
    #[arg(long, global = true, env = "KIOSQUE_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the intranet (the default).
    Serve,
    /// Check a configuration file and report every problem precisely.
    CheckConfig {
        /// The file to check.
        file: PathBuf,
    },
    /// Rebuild the search index from the store (stop the server first).
    Reindex,
    /// Manage accounts of the local directory (sites without LDAP, the demo).
    #[command(subcommand)]
    User(UserCommand),
    /// Enroll this box as an edge of a hub, with a one-time code made on the
    /// hub (Administration → Bornes et boîtiers).
    Enroll {
        /// The hub's federation URL, e.g. https://intranet.ville.fr:7443
        hub: String,
        /// The enrollment code, e.g. K7QF-93PD-XM2A-4RTE
        code: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from the terminal (or one line of stdin).
    Add {
        login: String,
        #[arg(long)]
        given_name: String,
        #[arg(long)]
        surname: String,
        #[arg(long, default_value = "")]
        mail: String,
        #[arg(long, default_value = "")]
        service: String,
        #[arg(long, default_value = "")]
        function: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// publisher, manager, webmaster, admin or union:<slug>; repeat for several.
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// Set a new password (read from the terminal or one line of stdin).
    Passwd { login: String },
    /// Disable an account and end its sessions at once.
    Disable { login: String },
    /// Enable a disabled account again.
    Enable { login: String },
}
