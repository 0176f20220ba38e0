//! The composition root: open the store, seed the demo, build the state, bind
//! the listener, serve until asked to stop, then shut down gracefully.

use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::content::Content;
use crate::store::Store;
use crate::web::{AppState, router};

/// How long in-flight requests get to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A started server: its bound address and the means to stop it.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (bounded), and returns.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task).await {
            Ok(joined) => joined.context("server task")?.context("server")?,
            Err(_) => {
                tracing::warn!("requests still running after the grace period; stopping anyway");
                self.task.abort();
            }
        }
        Ok(())
    }
}

/// Opens the store (seeding the demo when asked) and starts serving. With
/// `listen` port 0 the OS picks a port, reported in [`Running::addr`].
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let path = config.store_path();
    let store = tokio::task::spawn_blocking(move || Store::open(&path)).await??;
    if config.demo {
        let (store, seed_config, now) = (store.clone(), config.clone(), clock.now());
        let seeded = tokio::task::spawn_blocking(move || {
            crate::demo::seed_if_empty(&store, &seed_config, now)
        })
        .await??;
        if seeded {
            tracing::info!("demo content written to the new store");
        }
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(Content::new(store), Arc::new(config), clock);
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, demo = state.config.demo, "kiosque is serving");
    Ok(Running {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}

/// `kiosque serve`: runs until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let demo = config.demo;
    let running = start(config, Arc::new(SystemClock)).await?;
    if demo {
        println!(
            "kiosque (démonstration) : ouvrez http://{} — comptes de démonstration sur la page de connexion.",
            running.addr
        );
    }
    shutdown_signal().await;
    tracing::info!("stopping");
    running.stop().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
