//! The composition root: open the store, seed the demo, build the state, bind
//! the listener, serve until asked to stop, then shut down gracefully.

use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::directory::Directory;
use crate::domain::Login;
use crate::federation::pki::HubPki;
use crate::federation::{EdgeLink, Federation, Hub, Relay};
use crate::ops::systemd::{self, Sockets};
use crate::ops::tls::Tls;
use crate::search::Search;
use crate::session::Listener;
use crate::store::Store;
use crate::web::{AppState, router};
use axum::http::{HeaderValue, header};
use axum::serve::ListenerExt;
use tower_http::set_header::SetResponseHeaderLayer;

/// How long in-flight requests get to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A started server: its bound addresses and the means to stop it.
#[derive(Debug)]
pub struct Running {
    /// The web listener (HTTPS when `tls.enabled`).
    pub addr: SocketAddr,
    /// The kiosk listener, when configured.
    pub kiosk_addr: Option<SocketAddr>,
    /// The HTTP → HTTPS redirect listener, when configured.
    pub redirect_addr: Option<SocketAddr>,
    /// The hub's federation listener, when configured.
    pub federation_addr: Option<SocketAddr>,
    pub state: AppState,
    /// TLS of the web listener, when on.
    pub tls: Option<Tls>,
    stopped: watch::Receiver<bool>,
    stop: Option<watch::Sender<bool>>,
    task: JoinHandle<std::io::Result<()>>,
    maintenance: JoinHandle<()>,
    /// The admin socket (online backup); holds the store until it ends.
    admin: JoinHandle<()>,
    /// The union mail sender, which holds the store: awaited at stop so that
    /// the store is closed when `stop` returns.
    mailer: Option<JoinHandle<()>>,
    /// The search indexer; it holds the store until it ends.
    indexer: JoinHandle<()>,
}

impl Running {
    /// Reads the TLS certificate and key again (SIGHUP); new connections get
    /// them, open ones are not dropped. Without TLS, nothing to do.
    pub fn reload_tls(&self) -> anyhow::Result<()> {
        if let Some(tls) = &self.tls {
            tls.reload()?;
            tracing::info!("TLS certificate reloaded");
        }
        Ok(())
    }

    /// Becomes true when shutdown begins (for tasks tied to the server's life).
    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stopped.clone()
    }

    /// Stops accepting, lets in-flight requests finish (bounded), and returns.
    /// Every write acknowledged before is committed (redb commits are durable).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        self.state.search.halt();
        let served = match tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task).await {
            Ok(joined) => joined.context("server task")?.context("server"),
            Err(_) => {
                tracing::warn!("requests still running after the grace period; stopping anyway");
                self.task.abort();
                Ok(())
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.maintenance).await;
        // A backup in progress is abandoned (the command then reports it).
        self.admin.abort();
        let _ = (&mut self.admin).await;
        if let Some(mailer) = self.mailer.take() {
            // It stops at the signal (an SMTP exchange in progress is bounded
            // by the client's timeout).
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, mailer).await;
        }
        // A build stops at its next batch: the store is released when we return.
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.indexer)
            .await
            .is_err()
        {
            tracing::warn!("the search indexer did not stop in time");
        }
        served
    }
}

/// Opens the store (seeding the demo when asked) and starts serving. With
/// `listen` port 0 the OS picks a port, reported in [`Running::addr`].
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    start_with(config, clock, Sockets::default()).await
}

/// [`start`], serving on the sockets systemd handed over where there are some
/// (socket activation) and binding the configured addresses otherwise.
pub async fn start_with(
    config: Config,
    clock: Arc<dyn Clock>,
    sockets: Sockets,
) -> anyhow::Result<Running> {
    // One TLS provider for LDAP, federation and the web listener (a second
    // call, e.g. from `main`, changes nothing).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let path = config.store_path();
    let store = tokio::task::spawn_blocking(move || Store::open(&path)).await??;
    let edge = config.federation.upstream.is_some();
    // An edge's content is the hub's: it never seeds its own.
    if config.demo && !edge {
        let (store, seed_config, now) = (store.clone(), config.clone(), clock.now());
        let seeded = tokio::task::spawn_blocking(move || {
            crate::demo::seed_if_empty(&store, &seed_config, now)
        })
        .await??;
        if seeded {
            tracing::info!("demo content written to the new store");
        }
    }
    {
        let (store, now) = (store.clone(), clock.now());
        tokio::task::spawn_blocking(move || seed_charter(&store, now)).await??;
    }
    let listener = bind(sockets.web, config.listen, "listen").await?;
    let addr = listener.local_addr()?;
    let kiosk_listener = match (sockets.kiosk, config.kiosk.listen) {
        (Some(inherited), _) => Some(TcpListener::from_std(inherited)?),
        (None, Some(kiosk)) => Some(bind(None, kiosk, "kiosk.listen").await?),
        (None, None) => None,
    };
    let kiosk_addr = kiosk_listener
        .as_ref()
        .map(|l| l.local_addr())
        .transpose()?;
    let tls = if config.tls.enabled {
        let config = config.clone();
        Some(tokio::task::spawn_blocking(move || Tls::from_config(&config)).await??)
    } else {
        None
    };
    let redirect_listener = match (sockets.redirect, config.tls.redirect_listen) {
        (Some(inherited), _) => Some(TcpListener::from_std(inherited)?),
        (None, Some(at)) => Some(bind(None, at, "tls.redirect_listen").await?),
        (None, None) => None,
    };
    let redirect_addr = redirect_listener
        .as_ref()
        .map(|l| l.local_addr())
        .transpose()?;
    let mut federation = Federation::default();
    let directory = match &config.federation.upstream {
        Some(upstream) => {
            let retry_max = Duration::from_secs(config.federation.retry_max_seconds);
            let link = EdgeLink::new(
                &config.data_dir,
                upstream,
                retry_max,
                store.clone(),
                clock.clone(),
            )
            .context("federation")?;
            tracing::info!(edge = %link.identity.id, name = %link.identity.name, hub = %upstream, "this box is an edge");
            let link = Arc::new(link);
            federation.edge = Some(link.clone());
            Directory::new(Arc::new(Relay { link }), store.clone(), &config)
        }
        None => Directory::from_config(&config, store.clone())
            .map_err(|e| anyhow::anyhow!("directory: {e}"))?,
    };
    // Never fails: a missing or damaged index is replaced and rebuilt below.
    let search_dir = crate::search::index_dir(&config.data_dir);
    let search = tokio::task::spawn_blocking(move || Search::open(&search_dir)).await?;
    let hsts = crate::ops::tls::hsts_value(&config);
    let public_url = config.public_url.clone();
    let (stop, stopped) = watch::channel(false);
    let mut servers: Vec<BoxFuture> = Vec::new();
    let mut federation_addr = None;
    if let Some(listen) = config.federation.listen {
        let pki =
            HubPki::load_or_create(&crate::federation::edge::federation_dir(&config.data_dir))
                .context("federation certificates")?;
        let tls = Arc::new(pki.server_config().context("federation TLS")?);
        let unions = config
            .unions
            .iter()
            .map(|u| (u.slug.clone(), u.name.clone()))
            .collect();
        let hub = Arc::new(Hub::new(
            store.clone(),
            crate::session::Sessions::new(store.clone(), crate::session::limits(&config)),
            directory.clone(),
            pki,
            clock.clone(),
            unions,
        )?);
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen} (federation.listen)"))?;
        federation_addr = Some(listener.local_addr()?);
        let peer_api = crate::federation::hub::serve(listener, tls, hub.router(), stopped.clone());
        servers.push(Box::pin(async move {
            peer_api.await;
            Ok(())
        }));
        federation.hub = Some(hub);
    }
    if let Some(link) = &federation.edge {
        tokio::spawn(link.clone().pull(stopped.clone()));
        tokio::spawn(link.clone().send(stopped.clone()));
    }
    let union_logos = load_union_logos(&config)?;
    let mut state = AppState::new(store, search, directory, Arc::new(config), clock);
    {
        let shared = state.before_sharing();
        shared.federation = federation;
        shared.union_logos = Arc::new(union_logos);
    }
    // Union messages leave from the hub only (an edge never holds the lists).
    let mut mailer_task = None;
    if let (Some(smtp), false) = (&state.config.smtp, state.federation.is_edge()) {
        let mailer = crate::mailing::Mailer::new(
            &state.config,
            smtp,
            state.content.store().clone(),
            state.clock.clone(),
            state.mail_wake.clone(),
        )
        .context("smtp")?;
        mailer_task = Some(tokio::spawn(mailer.run(stopped.clone())));
    }
    let app = router(state.clone());
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let admin = crate::ops::backup::serve_admin(
        &state.config.data_dir,
        state.content.store().clone(),
        stopped.clone(),
    )
    .context("cannot open the admin socket (admin.sock) in the data directory")?;
    match &tls {
        Some(tls) => {
            let mut web_app = app.clone();
            if let Some(hsts) = hsts.and_then(|v| HeaderValue::from_str(&v).ok()) {
                web_app = web_app.layer(SetResponseHeaderLayer::overriding(
                    header::STRICT_TRANSPORT_SECURITY,
                    hsts,
                ));
            }
            let web = axum::serve(
                tls.listen(listener)?.tap_io(|_| {}),
                web_app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(until_stopped(stopped.clone()));
            servers.push(Box::pin(web.into_future()));
        }
        None => {
            let web = axum::serve(
                listener,
                app.clone()
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(until_stopped(stopped.clone()));
            servers.push(Box::pin(web.into_future()));
        }
    }
    if let Some(listener) = kiosk_listener {
        // Requests on this listener are kiosk requests, whatever they claim.
        let kiosk_app =
            crate::web::kiosk_router(state.clone()).layer(axum::Extension(Listener::Kiosk));
        let kiosk = axum::serve(
            listener,
            kiosk_app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(until_stopped(stopped.clone()));
        servers.push(Box::pin(kiosk.into_future()));
    }
    if let Some(listener) = redirect_listener {
        let redirect = axum::serve(listener, crate::ops::tls::redirect_router(&public_url))
            .with_graceful_shutdown(until_stopped(stopped.clone()));
        servers.push(Box::pin(redirect.into_future()));
    }
    let maintenance = tokio::spawn(maintenance(state.clone(), stopped.clone()));
    let indexer = tokio::spawn(crate::search::keep_up_to_date(
        state.search.clone(),
        state.content.store().clone(),
        stopped.clone(),
    ));
    let task = tokio::spawn(serve_all(servers));
    tracing::info!(
        %addr,
        kiosk = ?kiosk_addr,
        redirect = ?redirect_addr,
        federation = ?federation_addr,
        tls = tls.is_some(),
        demo = state.config.demo,
        "kiosque is serving"
    );
    Ok(Running {
        addr,
        kiosk_addr,
        redirect_addr,
        federation_addr,
        state,
        tls,
        stopped,
        stop: Some(stop),
        task,
        maintenance,
        admin,
        mailer: mailer_task,
        indexer,
    })
}

/// Reads, checks and re-encodes each union's logo (never served as given).
fn load_union_logos(config: &Config) -> anyhow::Result<std::collections::HashMap<String, Vec<u8>>> {
    let mut logos = std::collections::HashMap::new();
    for union in &config.unions {
        let Some(path) = &union.logo else { continue };
        let bytes = std::fs::read(path).with_context(|| {
            format!(
                "unions: cannot read the logo of {} ({})",
                union.slug,
                path.display()
            )
        })?;
        let png = crate::media::process_logo(&bytes).with_context(|| {
            format!(
                "unions: the logo of {} ({}) is not a usable image",
                union.slug,
                path.display()
            )
        })?;
        logos.insert(union.slug.clone(), png);
    }
    Ok(logos)
}

type BoxFuture = std::pin::Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;

/// Runs the servers side by side until every one has ended; the first error
/// wins. Dropping this future (the grace period ran out) aborts them all.
async fn serve_all(servers: Vec<BoxFuture>) -> std::io::Result<()> {
    let mut set = tokio::task::JoinSet::new();
    for server in servers {
        set.spawn(server);
    }
    let mut result = Ok(());
    while let Some(joined) = set.join_next().await {
        let ended = joined.unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if result.is_ok() {
            result = ended;
        }
    }
    result
}

/// The socket systemd handed over, or a new one bound to `at`.
async fn bind(
    inherited: Option<std::net::TcpListener>,
    at: SocketAddr,
    key: &str,
) -> anyhow::Result<TcpListener> {
    match inherited {
        Some(socket) => Ok(TcpListener::from_std(socket)?),
        None => TcpListener::bind(at)
            .await
            .with_context(|| format!("cannot listen on {at} ({key})")),
    }
}

/// Publishes the default charter (version 1) into a store that has none.
fn seed_charter(store: &Store, now: jiff::Timestamp) -> crate::store::Result<()> {
    if store.current_charter()?.is_none() {
        store.publish_charter(
            include_str!("../assets/charte.md"),
            &Login::new("kiosque"),
            now,
        )?;
    }
    Ok(())
}

/// Ends the sessions of agents whose account was disabled or removed in the
/// directory; returns how many agents lost their sessions. A directory that
/// does not answer ends nothing.
pub async fn end_sessions_of_inactive_accounts(state: &AppState) -> usize {
    let logins = match state.sessions.signed_in_logins().await {
        Ok(logins) => logins,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list sessions");
            return 0;
        }
    };
    let mut ended = 0;
    for login in logins {
        match state.directory.is_active(&login).await {
            Ok(true) => {}
            Ok(false) => {
                if state.sessions.close_all(login.clone()).await.is_ok() {
                    tracing::info!("sessions ended: account disabled or removed in the directory");
                    ended += 1;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "account check skipped: directory unavailable");
                break;
            }
        }
    }
    ended
}

/// Periodic work: purge ended sessions, end sessions of disabled accounts,
/// refresh the annuaire from an LDAP directory.
async fn maintenance(state: AppState, mut stopped: watch::Receiver<bool>) {
    let minutes = |n: u64| Duration::from_secs(n.max(1) * 60);
    let mut purge = tokio::time::interval(Duration::from_secs(60));
    let mut accounts =
        tokio::time::interval(minutes(state.config.directory.disabled_check_minutes));
    let mut annuaire = tokio::time::interval(minutes(state.config.directory.refresh_minutes));
    // An edge's directory is the hub's: it has no annuaire of its own to refresh.
    let ldap = state.config.directory.backend == crate::config::DirectoryBackend::Ldap
        && !state.federation.is_edge();
    let mut link = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = link.tick(), if state.federation.is_edge() => {
                federation_gauges(&state).await;
            }
            _ = purge.tick() => {
                if let Err(e) = state.sessions.purge(state.clock.now()).await {
                    tracing::warn!(error = %e, "session purge failed");
                }
                if !state.federation.is_edge() {
                    let now = state.clock.now();
                    let logged = state.content.store().run(move |s| s.log_closed_surveys(now)).await;
                    if let Err(e) = logged {
                        tracing::warn!(error = %e, "naming closed questionnaires for edges failed");
                    }
                }
            }
            _ = accounts.tick() => {
                end_sessions_of_inactive_accounts(&state).await;
            }
            _ = annuaire.tick(), if ldap => {
                match state.directory.refresh().await {
                    Ok(count) => tracing::info!(count, "annuaire refreshed"),
                    Err(e) => tracing::warn!(error = %e, "annuaire refresh failed"),
                }
            }
        }
    }
}

/// `kiosque reindex`: rebuilds the search index from the store, with the
/// server stopped (the store is opened exclusively). Prints what it did.
pub fn reindex(config: &Config) -> anyhow::Result<crate::search::BuildReport> {
    let store = Store::open(&config.store_path())?;
    let dir = crate::search::index_dir(&config.data_dir);
    let search = Search::create(&dir)
        .with_context(|| format!("cannot write the search index in {}", dir.display()))?;
    let mut shown = 0;
    let report = search.build(&store, &mut |done, total| {
        let percent = done * 100 / total.max(1);
        if percent >= shown {
            println!("{done} / {total} contenus parcourus ({percent} %)");
            shown = percent + 10;
        }
    })?;
    Ok(report)
}

/// An edge's link in `/metrics`: how long since it last heard from its hub
/// while behind or cut off (0 when up to date), and its outbox depth.
async fn federation_gauges(state: &AppState) {
    use std::sync::atomic::Ordering;
    let Some(edge) = &state.federation.edge else {
        return;
    };
    let status = &edge.status;
    let up_to_date = edge.online()
        && status.cursor.load(Ordering::Relaxed) >= status.head.load(Ordering::Relaxed);
    let lag = match status.last_contact() {
        _ if up_to_date => 0,
        Some(at) => state.clock.now().duration_since(at).as_secs().max(0),
        None => 0,
    };
    state.metrics.edge_lag_seconds.set(lag);
    if let Ok(depth) = state.content.store().run(|s| s.outbox_len()).await {
        state.metrics.outbox_depth.set(depth as i64);
    }
}

/// `kiosque serve`: tells systemd when it is ready, pings the watchdog,
/// reloads the certificate on SIGHUP, runs until SIGINT or SIGTERM.
pub async fn serve(config: Config, sockets: Sockets) -> anyhow::Result<()> {
    let demo = config.demo;
    // Handlers first: a SIGTERM that comes as soon as the server answers
    // (systemd stopping a unit just started) must stop it gracefully, not
    // kill it with the signal's default action.
    let stop = shutdown_signal()?;
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let running = start_with(config, Arc::new(SystemClock), sockets).await?;
    if demo {
        let scheme = if running.tls.is_some() {
            "https"
        } else {
            "http"
        };
        println!(
            "kiosque (démonstration) : ouvrez {scheme}://{} — comptes de démonstration sur la page de connexion.",
            running.addr
        );
    }
    systemd::ready();
    tokio::spawn(systemd::watchdog(
        running.state.content.store().clone(),
        running.stopped(),
    ));
    tokio::pin!(stop);
    loop {
        #[cfg(unix)]
        let reload = hangup.recv();
        #[cfg(not(unix))]
        let reload = std::future::pending::<Option<()>>();
        tokio::select! {
            () = &mut stop => break,
            _ = reload => {
                systemd::reloading();
                if let Err(e) = running.reload_tls() {
                    tracing::error!(error = %format!("{e:#}"), "reload failed; the previous certificate stays in service");
                }
                systemd::ready();
            }
        }
    }
    tracing::info!("stopping");
    systemd::stopping();
    running.stop().await
}

/// Installs the SIGINT and SIGTERM handlers now; the future resolves at the
/// first of them.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
