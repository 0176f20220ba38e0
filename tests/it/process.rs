//! The real `kiosque` binary as systemd runs it: the notify protocol read from a
//! datagram socket set as `NOTIFY_SOCKET` (READY after the listeners are bound,
//! WATCHDOG pings, RELOADING on SIGHUP, STOPPING on SIGTERM), a bounded clean
//! exit, no acknowledged write lost across SIGTERM, and socket activation
//! through `systemd-socket-activate`.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_kiosque");

/// A data directory holding a copy of the seeded demo store.
fn demo_data(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(demo_template(), data.join("kiosque.redb")).unwrap();
    data
}

/// Starts `kiosque serve` on a free port; returns the child and its address
/// (read from the line it prints in demo mode).
fn spawn(data: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .env("KIOSQUE_DATA_DIR", data)
        .env("KIOSQUE_LISTEN", "127.0.0.1:0")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, addr)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child to exit, at most `limit`; returns how long it took.
fn wait_exit(child: &mut Child, limit: Duration) -> (std::process::ExitStatus, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("kiosque did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads notify datagrams until one contains `wanted`; returns every line seen.
fn expect_notify(socket: &UnixDatagram, wanted: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("waiting for {wanted}: {e}; saw {seen:?}"));
        let message = String::from_utf8_lossy(&buf[..n]).into_owned();
        let found = message.lines().any(|l| l == wanted);
        seen.extend(message.lines().map(str::to_owned));
        if found {
            return seen;
        }
    }
}

#[tokio::test]
async fn the_notify_protocol_ready_watchdog_reload_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo_data(dir.path());
    let notify_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&notify_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let (mut child, addr) = spawn(
        &data,
        &[
            ("NOTIFY_SOCKET", notify_path.to_str().unwrap()),
            // 400 ms: pings every 200 ms.
            ("WATCHDOG_USEC", "400000"),
        ],
    );
    let first = expect_notify(&socket, "READY=1");
    assert_eq!(first[0], "READY=1", "READY comes first: {first:?}");
    // READY=1 means listening: a request succeeds at once.
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);

    let started = Instant::now();
    expect_notify(&socket, "WATCHDOG=1");
    expect_notify(&socket, "WATCHDOG=1");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "two pings within the period"
    );

    signal(&child, "HUP");
    let reload = expect_notify(&socket, "RELOADING=1");
    assert!(
        reload.iter().any(|l| l.starts_with("MONOTONIC_USEC=")),
        "{reload:?}"
    );
    expect_notify(&socket, "READY=1");
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200, "still serving after SIGHUP");

    signal(&child, "TERM");
    expect_notify(&socket, "STOPPING=1");
    let (status, took) = wait_exit(&mut child, Duration::from_secs(15));
    assert!(status.success(), "clean exit: {status:?}");
    assert!(took < Duration::from_secs(12), "bounded shutdown: {took:?}");
}

#[tokio::test]
async fn a_write_acknowledged_before_sigterm_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo_data(dir.path());
    let before = kiosque::store::Store::open(&data.join("kiosque.redb"))
        .unwrap()
        .item_count()
        .unwrap();
    let (mut child, addr) = spawn(&data, &[]);
    let base = format!("http://{addr}");
    let client = new_client();
    let signed_in = client
        .post(format!("{base}/connexion"))
        .form(&[
            ("identifiant", "agent"),
            ("mot_de_passe", DEMO_PASSWORD),
            ("retour", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303);
    accept_charter(&client, &base).await;
    let home = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&scraper::Html::parse_document(&home));
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("titre", "Écrit juste avant l'arrêt")
        .text("resume", "Une proposition envoyée puis SIGTERM aussitôt.")
        .text("texte", "Rien ne doit se perdre.")
        .text("action", "enregistrer");
    let sent = client
        .post(format!("{base}/publier?espace=actus"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 303, "acknowledged");
    signal(&child, "TERM");
    let (status, _) = wait_exit(&mut child, Duration::from_secs(15));
    assert!(status.success());
    let store = kiosque::store::Store::open(&data.join("kiosque.redb")).unwrap();
    assert_eq!(
        store.item_count().unwrap(),
        before + 1,
        "the proposal is kept"
    );
}

#[tokio::test]
async fn socket_activation_serves_on_the_socket_systemd_passes() {
    if Command::new("systemd-socket-activate")
        .arg("--help")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        panic!("systemd-socket-activate is missing: apt-get install systemd (scripts/test does)");
    }
    let dir = tempfile::tempdir().unwrap();
    let data = demo_data(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("systemd-socket-activate")
        .args([
            "-l",
            &format!("127.0.0.1:{port}"),
            "--fdname=web",
            "-E",
            &format!("KIOSQUE_DATA_DIR={}", data.display()),
            // An address this host cannot bind: serving proves the passed
            // socket was used.
            "-E",
            "KIOSQUE_LISTEN=192.0.2.1:80",
            BIN,
            "serve",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let started = Instant::now();
    let status = loop {
        // systemd-socket-activate binds, then starts kiosque on the first
        // connection; until it has bound, connections are refused.
        match reqwest::get(&url).await {
            Ok(response) => break response.status().as_u16(),
            Err(_) if started.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("no answer on the activated socket: {e}"),
        }
    };
    assert_eq!(status, 200);
    // systemd-socket-activate execs kiosque: same process.
    signal(&child, "TERM");
    let (exit, _) = wait_exit(&mut child, Duration::from_secs(15));
    assert!(exit.success(), "{exit:?}");
}
