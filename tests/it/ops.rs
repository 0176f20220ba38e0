//! Operations in-process: HTTPS with the self-signed certificate, a certificate
//! reload that drops no connection, the HTTP → HTTPS redirect, HSTS, Secure
//! cookies, and who may read `/metrics`.

use std::net::SocketAddr;
use std::path::Path;

use crate::support::*;
use kiosque::app;
use kiosque::clock::ManualClock;
use std::sync::Arc;

/// A client trusting only `cert_pem`, reaching `localhost` at `addr`.
fn https_client(cert_pem: &[u8], addr: SocketAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert_pem).unwrap()])
        .resolve("localhost", addr)
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

fn write_cert(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.pem())
}

#[tokio::test]
async fn https_with_a_self_signed_certificate_hsts_secure_cookies_and_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let file = "demo = true\npublic_url = \"https://localhost\"\n[tls]\nenabled = true\nredirect_listen = \"127.0.0.1:0\"\n";
    let config = test_config(dir.path(), Some(file));
    let clock = Arc::new(ManualClock::new(now()));
    let running = app::start(config, clock).await.unwrap();
    let cert = std::fs::read(dir.path().join("tls/cert.pem")).expect("made on first start");
    let client = https_client(&cert, running.addr);
    let base = format!("https://localhost:{}", running.addr.port());

    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(
        health.headers()["strict-transport-security"],
        "max-age=31536000"
    );

    let signed_in = client
        .post(format!("{base}/connexion"))
        .header("origin", "https://localhost")
        .form(&[
            ("identifiant", "agent"),
            ("mot_de_passe", DEMO_PASSWORD),
            ("retour", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-"), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");

    // Plain HTTP on the TLS port gets no page.
    let plain = new_client()
        .get(format!("http://{}/healthz", running.addr))
        .send()
        .await;
    assert!(
        plain.is_err(),
        "plain HTTP must not be served on the TLS port"
    );

    let redirect = running.redirect_addr.expect("redirect listener");
    let moved = new_client()
        .post(format!("http://{redirect}/actus?page=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status().as_u16(), 308);
    assert_eq!(
        moved.headers()["location"],
        "https://localhost/actus?page=2"
    );
    running.stop().await.unwrap();

    // The certificate is kept: a restart serves the same one.
    let config = test_config(dir.path(), Some(file));
    let running = app::start(config, Arc::new(ManualClock::new(now())))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("tls/cert.pem")).unwrap(),
        cert
    );
    let client = https_client(&cert, running.addr);
    let base = format!("https://localhost:{}", running.addr.port());
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_certificate_reload_serves_the_new_one_and_keeps_open_connections() {
    let dir = tempfile::tempdir().unwrap();
    let pems = tempfile::tempdir().unwrap();
    let (cert, key, old_pem) = write_cert(pems.path(), "old");
    let file = format!(
        "demo = true\n[tls]\nenabled = true\ncert_file = {:?}\nkey_file = {:?}\n",
        cert.display().to_string(),
        key.display().to_string()
    );
    let config = test_config(dir.path(), Some(&file));
    let running = app::start(config, Arc::new(ManualClock::new(now())))
        .await
        .unwrap();
    let base = format!("https://localhost:{}", running.addr.port());
    let old_client = https_client(old_pem.as_bytes(), running.addr);
    let get = |client: reqwest::Client| {
        let url = format!("{base}/healthz");
        async move { client.get(url).send().await.map(|r| r.status().as_u16()) }
    };
    assert_eq!(get(old_client.clone()).await.unwrap(), 200);

    // New certificate and key in place of the old ones, then SIGHUP's reload.
    let (new_cert, new_key, new_pem) = write_cert(pems.path(), "new");
    std::fs::rename(new_cert, &cert).unwrap();
    std::fs::rename(new_key, &key).unwrap();
    let new_client_before = https_client(new_pem.as_bytes(), running.addr);
    running.reload_tls().unwrap();

    assert_eq!(
        get(https_client(new_pem.as_bytes(), running.addr))
            .await
            .unwrap(),
        200,
        "new handshakes get the new certificate"
    );
    assert_eq!(
        get(old_client.clone()).await.unwrap(),
        200,
        "the connection opened before the reload still works (a new handshake would fail)"
    );
    assert!(
        get(https_client(old_pem.as_bytes(), running.addr))
            .await
            .is_err(),
        "a new connection trusting only the old certificate fails"
    );
    drop(new_client_before);

    // A broken file: the reload fails and the certificate stays in service.
    std::fs::write(&key, "pas une clé").unwrap();
    assert!(running.reload_tls().is_err());
    assert_eq!(
        get(https_client(new_pem.as_bytes(), running.addr))
            .await
            .unwrap(),
        200
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_answer_loopback_and_the_bearer_token_only() {
    let server = TestServer::demo().await;
    server.get("/actus").await;
    server.get("/continuer/un-jeton-secret").await;
    let response = server.get("/metrics").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            "kiosque_http_requests_total{method=\"GET\",route=\"/actus\",status=\"303\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("route=\"/continuer/{token}\""), "{text}");
    assert!(!text.contains("un-jeton-secret"), "raw paths never appear");
    assert!(text.contains("kiosque_sessions{device=\"personal\"}"));
    assert!(text.contains("kiosque_outbox_depth 0"));
    let store_bytes: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("kiosque_store_bytes "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(store_bytes > 0);

    let proxied = server
        .client
        .get(server.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status().as_u16(), 403, "through a proxy: no");
    server.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let config = test_config(
        dir.path(),
        Some("demo = true\n[metrics]\nbearer_token = \"jeton-de-prometheus-0123\"\n"),
    );
    let server = TestServer::start_in(dir, config).await;
    for (token, status) in [
        (Some("jeton-de-prometheus-0123"), 200),
        (Some("mauvais-jeton-0123456789"), 403),
        (None, 403),
    ] {
        let mut request = server
            .client
            .get(server.url("/metrics"))
            .header("x-forwarded-for", "203.0.113.9");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(
            request.send().await.unwrap().status().as_u16(),
            status,
            "{token:?}"
        );
    }
    server.stop().await;
}
