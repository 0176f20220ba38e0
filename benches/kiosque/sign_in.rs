//! Sign-in rows of the benchmark: a sign-in through kiosque against a real
//! slapd (StartTLS, nested groups), beside a raw ldap3 bind in the same run,
//! and a throttled attempt.

use std::path::Path;
use std::time::Instant;

use super::{Row, percentile, row, slapd, start_server};

pub async fn sign_in_latency(bin: &Path, root: &Path, seconds: u64) -> Vec<Row> {
    let slapd = slapd::Slapd::start();
    let dir = root.join("ldap");
    std::fs::create_dir_all(&dir).unwrap();
    let toml = format!(
        "[directory]\nbackend = \"ldap\"\nurl = \"{}\"\nstarttls = true\nca_file = \"{}\"\nbind_dn = \"{}\"\nbind_password = \"{}\"\nbase_dn = \"{}\"\nnested_groups = true\n[roles]\npublisher = [\"intranet-publication\"]\n",
        slapd.url,
        slapd.ca_file.display(),
        slapd.service_dn,
        slapd.service_password,
        slapd.base_dn
    );
    let file = dir.join("kiosque.toml");
    std::fs::write(&file, toml).unwrap();
    let (server, _) = start_server(bin, &dir.join("data"), Some(&file));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let rounds = (seconds as usize * 40).max(100);
    let mut kiosque = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let response = client
            .post(format!("{}/connexion", server.base))
            .form(&[
                ("identifiant", "hmarchand"),
                ("mot_de_passe", slapd::AGENT_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        kiosque.push(started.elapsed());
    }
    // The baseline: a raw ldap3 StartTLS connection and bind as the same user.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tls = {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&slapd.ca_file).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        std::sync::Arc::new(
            rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    };
    let mut raw = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let settings = ldap3::LdapConnSettings::new()
            .set_starttls(true)
            .set_config(tls.clone());
        let (conn, mut ldap) = ldap3::LdapConnAsync::with_settings(settings, &slapd.url)
            .await
            .unwrap();
        ldap3::drive!(conn);
        ldap.simple_bind(
            "uid=hmarchand,ou=people,dc=val-de-lys,dc=fr",
            slapd::AGENT_PASSWORD,
        )
        .await
        .unwrap()
        .success()
        .unwrap();
        let _ = ldap.unbind().await;
        raw.push(started.elapsed());
    }
    kiosque.sort();
    raw.sort();
    // A throttled attempt: after 5 failures for one account.
    for _ in 0..5 {
        client
            .post(format!("{}/connexion", server.base))
            .form(&[("identifiant", "clefevre"), ("mot_de_passe", "faux")])
            .send()
            .await
            .unwrap();
    }
    let started = Instant::now();
    let throttled = client
        .post(format!("{}/connexion", server.base))
        .form(&[
            ("identifiant", "clefevre"),
            ("mot_de_passe", slapd::AGENT_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let throttled_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(throttled.status().as_u16(), 429);
    vec![
        row(
            "sign-in against slapd (StartTLS, nested groups), p50 / p99",
            format!(
                "{:.1} / {:.1} ms",
                percentile(&kiosque, 0.5),
                percentile(&kiosque, 0.99)
            ),
            format!(
                "raw ldap3 StartTLS bind {:.1} / {:.1} ms (×{:.1} at p50)",
                percentile(&raw, 0.5),
                percentile(&raw, 0.99),
                percentile(&kiosque, 0.5) / percentile(&raw, 0.5)
            ),
            "—",
        ),
        row(
            "a throttled sign-in attempt",
            format!("{throttled_ms:.1} ms"),
            "answered without asking the directory".into(),
            "—",
        ),
    ]
}
