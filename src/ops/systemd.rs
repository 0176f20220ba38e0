//! systemd integration, pure Rust (sd-notify): readiness and stopping
//! notifications, the watchdog, and sockets handed over by socket activation
//! (`LISTEN_FDS`). Without systemd (no `NOTIFY_SOCKET`, no `LISTEN_FDS`) every
//! function here does nothing.
//!
//! Invariant: `WATCHDOG=1` is sent only while the store answers a read, so a
//! wedged process is restarted by systemd instead of being kept alive by a
//! timer that still ticks.

use sd_notify::NotifyState;
use std::net::TcpListener;
use std::time::Duration;
use tokio::sync::watch;

use crate::store::Store;

/// Listening sockets received from systemd, by `FileDescriptorName=`: `web`,
/// `redirect`, `kiosk`. A socket without a name (`systemd-socket-activate`
/// without `--fdname`) is taken as `web`.
#[derive(Debug, Default)]
pub struct Sockets {
    pub web: Option<TcpListener>,
    pub redirect: Option<TcpListener>,
    pub kiosk: Option<TcpListener>,
}

/// Takes the sockets passed by systemd, if any, and unsets `LISTEN_*` so that
/// they are taken once. Call it first thing in `main`, before any thread starts.
pub fn take_sockets() -> std::io::Result<Sockets> {
    // SAFETY: called from `main` before the runtime or any other thread exists
    // (the precondition of `std::env::remove_var`).
    #[allow(unsafe_code)]
    let fds = unsafe { sd_notify::listen_fds_with_names_and_unset_env()? };
    let mut sockets = Sockets::default();
    for (fd, name) in fds {
        // SAFETY: sd-notify checked that LISTEN_PID is this process, so the
        // descriptors from 3 to 3 + LISTEN_FDS were handed to us by the service
        // manager and nothing else in this process owns them; the environment
        // is unset above, so they are wrapped exactly once.
        #[allow(unsafe_code)]
        let listener = unsafe { <TcpListener as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        listener.set_nonblocking(true)?;
        let slot = match name.as_str() {
            "redirect" => &mut sockets.redirect,
            "kiosk" => &mut sockets.kiosk,
            "web" | "unknown" | "" => &mut sockets.web,
            other => {
                tracing::warn!(
                    name = other,
                    "socket from systemd with an unknown name, ignored"
                );
                continue;
            }
        };
        if slot.replace(listener).is_some() {
            tracing::warn!(
                name,
                "two sockets from systemd with the same name; the last one is used"
            );
        }
    }
    Ok(sockets)
}

fn notify(state: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// Listeners are bound and the store is open.
pub fn ready() {
    notify(&[NotifyState::Ready, NotifyState::Status("en service")]);
}

/// Shutdown has begun.
pub fn stopping() {
    notify(&[NotifyState::Stopping, NotifyState::Status("arrêt en cours")]);
}

/// The configuration (certificate) is being read again; `ready` follows.
pub fn reloading() {
    match sd_notify::NotifyState::monotonic_usec_now() {
        Ok(now) => notify(&[NotifyState::Reloading, now]),
        Err(_) => notify(&[NotifyState::Reloading]),
    }
}

/// Pings the watchdog at half its period (if systemd set one) while the store
/// answers; stops when `stopped` turns true.
pub async fn watchdog(store: Store, mut stopped: watch::Receiver<bool>) {
    let Some(period) = sd_notify::watchdog_enabled() else {
        return;
    };
    let mut tick = tokio::time::interval((period / 2).max(Duration::from_millis(100)));
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = tick.tick() => {
                match store.run(|s| s.schema_version()).await {
                    Ok(_) => notify(&[NotifyState::Watchdog]),
                    Err(e) => tracing::error!(error = %e, "store not answering; watchdog not pinged"),
                }
            }
        }
    }
}
