//! Federation with real processes (DESIGN §8): a hub and an edge as two
//! `kiosque` processes on loopback, each with its own data directory;
//! crashes are `kill -9`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiosque::domain::{Details, Item, ItemId, Login, Space, Status};
use kiosque::federation::wire::{self, Envelope, Grant, Receipt, Submission};
use kiosque::store::Store;
use scraper::Html;

use crate::support::{DEMO_PASSWORD, accept_charter, attrs, csrf_of, demo_template, new_client};

/// A free loopback port (the hub must come back on the same ports).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `kiosque` process and what it logged.
struct Process {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Process {
    fn start(config: &Path) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiosque"))
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("KIOSQUE_LOG", "kiosque=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for stream in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let sink = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    sink.lock().unwrap().push(strip_ansi(&line));
                }
            });
        }
        let process = Process { child, log };
        process.wait_for_line("kiosque is serving", Duration::from_secs(30));
        process
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits for a log line containing `needle`; returns it.
    fn wait_for_line(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.lines().into_iter().find(|l| l.contains(needle)) {
                return line;
            }
            if Instant::now() > deadline {
                panic!(
                    "no log line with {needle:?}; log:\n{}",
                    self.lines().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn stop(mut self) {
        // SIGTERM: a graceful stop.
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A hub's configuration and directories (demo directory and content).
struct Hub {
    dir: PathBuf,
    config: PathBuf,
    web: String,
    federation: String,
}

impl Hub {
    fn new(root: &Path, extra_items: usize) -> Hub {
        let dir = root.join("hub");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(demo_template(), dir.join("kiosque.redb")).unwrap();
        if extra_items > 0 {
            let store = Store::open(&dir.join("kiosque.redb")).unwrap();
            store.put_items(&bulk_items(extra_items)).unwrap();
        }
        let (web, fed) = (free_port(), free_port());
        let config = dir.join("kiosque.toml");
        std::fs::write(
            &config,
            format!(
                "demo = true\ndata_dir = {:?}\nlisten = \"127.0.0.1:{web}\"\npublic_url = \"http://127.0.0.1:{web}\"\n[federation]\nlisten = \"127.0.0.1:{fed}\"\n",
                dir.display()
            ),
        )
        .unwrap();
        Hub {
            dir,
            config,
            web: format!("http://127.0.0.1:{web}"),
            federation: format!("https://127.0.0.1:{fed}"),
        }
    }

    fn start(&self) -> Process {
        Process::start(&self.config)
    }
}

/// An edge's configuration and directories.
struct Edge {
    dir: PathBuf,
    config: PathBuf,
    web: String,
    kiosk: String,
}

impl Edge {
    /// An edge whose agents' phones reach the hub's public URL, with a
    /// borne's kiosk listener.
    fn new(root: &Path, name: &str, hub: &Hub) -> Edge {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let (web, kiosk) = (free_port(), free_port());
        let config = dir.join("kiosque.toml");
        std::fs::write(
            &config,
            format!(
                "data_dir = {:?}\nlisten = \"127.0.0.1:{web}\"\npublic_url = {:?}\n[kiosk]\nlisten = \"127.0.0.1:{kiosk}\"\nname = \"Borne\"\n[federation]\nupstream = {:?}\nretry_max_seconds = 1\n",
                dir.display(),
                hub.web,
                hub.federation
            ),
        )
        .unwrap();
        Edge {
            dir,
            config,
            web: format!("http://127.0.0.1:{web}"),
            kiosk: format!("http://127.0.0.1:{kiosk}"),
        }
    }

    /// `kiosque enroll HUB CODE`; returns (success, stdout + stderr).
    fn enroll(&self, hub: &Hub, code: &str) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_kiosque"))
            .arg("--config")
            .arg(&self.config)
            .args(["enroll", &hub.federation, code])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn start(&self) -> Process {
        Process::start(&self.config)
    }

    /// A client with the edge's own certificate, as a forger holding the box would have.
    fn federation_client(&self) -> reqwest::Client {
        let dir = self.dir.join("federation");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
        let tls = kiosque::federation::pki::client_config(
            &read("ca.pem"),
            &read("edge.pem"),
            &read("edge.key"),
        )
        .unwrap();
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .build()
            .unwrap()
    }
}

fn bulk_items(count: usize) -> Vec<Item> {
    let base = crate::support::now() - jiff::SignedDuration::from_hours(24 * 60);
    (0..count)
        .map(|i| {
            let at = base + jiff::SignedDuration::from_secs(i as i64);
            Item {
                id: ItemId::new(at, 1_000_000 + i as u128),
                space: Space::Actus,
                title: format!("Actu d'archive n° {i}"),
                summary: "Une actu parmi beaucoup d'autres.".into(),
                body: "Le texte de l'actu, assez court.".into(),
                author: Login::new("webmestre"),
                author_name: "Service communication".into(),
                status: Status::Published,
                created: at,
                updated: at,
                publish_at: None,
                expires_at: None,
                version: 1,
                media: vec![],
                signage: false,
                details: Details::Actu,
                acknowledgement: None,
            }
        })
        .collect()
}

/// A signed-in client on `base` (charter accepted), with a page's CSRF token.
async fn sign_in(base: &str, login: &str) -> reqwest::Client {
    let client = new_client();
    let response = client
        .post(format!("{base}/connexion"))
        .form(&[
            ("identifiant", login),
            ("mot_de_passe", DEMO_PASSWORD),
            ("retour", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        303,
        "sign-in of {login} on {base}"
    );
    accept_charter(&client, base).await;
    client
}

async fn page(client: &reqwest::Client, url: &str) -> (u16, Html) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        Html::parse_document(&response.text().await.unwrap()),
    )
}

async fn csrf(client: &reqwest::Client, base: &str) -> String {
    csrf_of(&page(client, &format!("{base}/mes-publications")).await.1)
}

/// An admin creates an invite on the hub's page; returns the code shown.
async fn invite(hub: &Hub, name: &str) -> String {
    let admin = sign_in(&hub.web, "dsi").await;
    let token = csrf(&admin, &hub.web).await;
    let response = admin
        .post(format!("{}/admin/bornes/invitation", hub.web))
        .form(&[
            ("csrf", token.as_str()),
            ("nom", name),
            ("lieu", "Salle de pause du centre technique"),
            ("type", "borne"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let html = Html::parse_document(&response.text().await.unwrap());
    crate::support::text(&html, ".enroll-code code")
}

/// Publishes an actu on the hub as the webmaster; returns its id.
async fn publish_actu(hub: &Hub, client: &reqwest::Client, title: &str) -> String {
    let token = csrf(client, &hub.web).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .text("titre", title.to_owned())
        .text("resume", "Publié sur le serveur principal.")
        .text("texte", "Le texte.")
        .text("action", "enregistrer");
    let response = client
        .post(format!("{}/publier?espace=actus", hub.web))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location.rsplit('/').next().unwrap().to_owned()
}

/// Waits until `check` holds; returns how long it took.
async fn within<F, Fut>(timeout: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < timeout, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn catch_up_of(line: &str) -> (u64, u64) {
    let tail = &line[line.find("catch-up ").unwrap() + "catch-up ".len()..];
    let pair = tail.split_whitespace().next().unwrap();
    let (a, b) = pair.split_once('/').unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edge_enrolls_catches_up_follows_the_hub_and_is_revoked() {
    let root = tempfile::tempdir().unwrap();
    let hub = Hub::new(root.path(), 10_000);
    let hub_process = hub.start();
    let edge = Edge::new(root.path(), "borne", &hub);

    // Enrollment: a wrong code is refused, a right one works once.
    let (ok, out) = edge.enroll(&hub, "AAAA-BBBB-CCCC-DDDD");
    assert!(!ok && out.contains("unknown enrollment code"), "{out}");
    let code = invite(&hub, "Borne du centre technique").await;
    assert_eq!(code.len(), 19, "{code}");
    let (ok, out) = edge.enroll(&hub, &code);
    assert!(ok, "{out}");
    assert!(out.contains("Borne du centre technique"), "{out}");
    let other = Edge::new(root.path(), "intruse", &hub);
    let (ok, out) = other.enroll(&hub, &code);
    assert!(!ok && out.contains("already used"), "{out}");

    // Catch-up of 10,000 items (and the demo), killed half-way, resumed.
    let started = Instant::now();
    let edge_process = edge.start();
    let first = edge_process.wait_for_line("catch-up ", Duration::from_secs(60));
    let (reached, head) = catch_up_of(&first);
    assert!(reached < head, "{first}");
    edge_process.kill9();
    let edge_process = edge.start();
    let resumed = edge_process.wait_for_line("replica at cursor", Duration::from_secs(10));
    let cursor: u64 = resumed.rsplit(' ').next().unwrap().trim().parse().unwrap();
    assert!(
        cursor >= reached,
        "resumed at {cursor}, had reached {reached}"
    );
    let done =
        edge_process.wait_for_line(&format!("catch-up {head}/{head}"), Duration::from_secs(120));
    let elapsed = started.elapsed();
    println!(
        "catch-up of {head} changes in {:.2} s (debug build, one kill -9 on the way): {:.0} items/s — {done}",
        elapsed.as_secs_f64(),
        head as f64 / elapsed.as_secs_f64()
    );

    // Reading on the edge, signed in through the hub (sign-in relay).
    let agent = sign_in(&edge.web, "agent").await;
    let last = bulk_items(10_000).pop().unwrap();
    let (status, html) = page(&agent, &format!("{}/actus/{}", edge.web, last.id)).await;
    assert_eq!(status, 200);
    assert!(html.html().contains("Actu d'archive n° 9999"));

    // A change on the hub reaches the edge within a second.
    let webmaster = sign_in(&hub.web, "webmestre").await;
    let title = "Fermeture exceptionnelle de la piscine";
    let id = publish_actu(&hub, &webmaster, title).await;
    let item_url = format!("{}/actus/{id}", edge.web);
    let latency = within(Duration::from_secs(1), "propagation", || async {
        page(&agent, &item_url).await.0 == 200
    })
    .await;
    println!("hub → edge propagation: {} ms", latency.as_millis());

    // Deletion propagates too.
    let token = csrf(&webmaster, &hub.web).await;
    let deleted = webmaster
        .post(format!("{}/supprimer/{id}", hub.web))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 303);
    within(Duration::from_secs(1), "deletion", || async {
        page(&agent, &item_url).await.0 == 404
    })
    .await;

    // Edits and moderation are the hub's.
    let (status, html) = page(&agent, &format!("{}/moderation", edge.web)).await;
    assert_eq!(status, 403);
    assert!(html.html().contains("intranet principal"));

    // Revocation: the edge's certificate stops working at once.
    let admin = sign_in(&hub.web, "dsi").await;
    let (_, html) = page(&admin, &format!("{}/admin/bornes", hub.web)).await;
    let action = attrs(&html, "table.edges form", "action").remove(0);
    let token = csrf_of(&html);
    let revoked = admin
        .post(format!("{}{action}", hub.web))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 303);
    let forged = edge
        .federation_client()
        .get(format!("{}/fed/v1/changes?since=0", hub.federation))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let after = publish_actu(&hub, &webmaster, "Après la révocation").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        page(&agent, &format!("{}/actus/{after}", edge.web)).await.0,
        404,
        "a revoked edge receives nothing"
    );
    // It keeps serving its copy, and says the hub is out of reach.
    let (status, html) = page(&agent, &format!("{}/actus", edge.web)).await;
    assert_eq!(status, 200);
    assert!(
        html.html()
            .contains("Liaison avec l'intranet principal interrompue")
    );
    edge_process.stop();
    hub_process.stop();
}

/// A demo hub and a borne enrolled with it, both started, the borne's copy made.
async fn hub_and_borne(root: &Path, name: &str) -> (Hub, Process, Edge, Process) {
    let hub = Hub::new(root, 0);
    let hub_process = hub.start();
    let edge = Edge::new(root, "borne", &hub);
    let code = invite(&hub, name).await;
    assert!(edge.enroll(&hub, &code).0);
    let edge_process = edge.start();
    edge_process.wait_for_line("catch-up ", Duration::from_secs(30));
    (hub, hub_process, edge, edge_process)
}

/// Counts the hub's items titled `prefix…` (hub stopped).
fn titles_on(store_path: &Path, prefix: &str) -> Vec<String> {
    let store = Store::open(store_path).unwrap();
    let mut titles: Vec<String> = store
        .items_of(&Login::new("agent"), 10_000)
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .filter(|t| t.starts_with(prefix))
        .collect();
    titles.sort();
    titles
}

async fn pending_on_hub(hub: &Hub, webmaster: &reqwest::Client, prefix: &str) -> usize {
    let (_, html) = page(webmaster, &format!("{}/moderation", hub.web)).await;
    html.html().matches(prefix).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_made_on_an_edge_reaches_the_hub_exactly_once() {
    let root = tempfile::tempdir().unwrap();
    let (hub, hub_process, edge, edge_process) =
        hub_and_borne(root.path(), "Borne du réfectoire").await;
    let agent = sign_in(&edge.web, "agent").await;

    // The hub goes away; the agent goes on publishing annonces on the borne.
    hub_process.stop();
    const PREFIX: &str = "Annonce fédérée n°";
    for n in 0..50 {
        let token = csrf(&agent, &edge.web).await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", token)
            .text("titre", format!("{PREFIX} {n:02}"))
            .text("categorie", "vente")
            .text("prix", "10 €")
            .text("contact", "poste 1234")
            .text("texte", "En bon état.")
            .text("action", "enregistrer");
        let response = agent
            .post(format!("{}/publier?espace=annonces", edge.web))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "annonce {n}");
        assert_eq!(
            response.headers()["location"],
            "/mes-publications?attente=1"
        );
    }
    let (_, mine) = page(&agent, &format!("{}/mes-publications", edge.web)).await;
    let mine = mine.html();
    // 50 annonces (and the charter the agent accepted here, unless it left
    // before the hub stopped).
    let waiting = mine
        .matches("</strong> — <span class=\"status-pending\">en attente de connexion")
        .count();
    assert!(waiting >= 50, "{waiting} waiting: {mine}");
    assert!(mine.contains("Liaison avec l'intranet principal interrompue"));

    // The hub comes back; the edge is killed twice while it sends.
    let hub_process = hub.start();
    let webmaster = sign_in(&hub.web, "webmestre").await;
    let mut edge_process = Some(edge_process);
    let mut kills_midway = 0;
    for _ in 0..2 {
        let seen = pending_on_hub(&hub, &webmaster, PREFIX).await;
        within(Duration::from_secs(30), "delivery resumes", || async {
            pending_on_hub(&hub, &webmaster, PREFIX).await > seen
        })
        .await;
        edge_process.take().unwrap().kill9();
        let count = pending_on_hub(&hub, &webmaster, PREFIX).await;
        if count < 50 {
            kills_midway += 1;
        }
        edge_process = Some(edge.start());
    }
    within(Duration::from_secs(60), "all 50 delivered", || async {
        pending_on_hub(&hub, &webmaster, PREFIX).await >= 50
    })
    .await;
    // The borne says "envoyé" for each.
    let agent = sign_in(&edge.web, "agent").await;
    let mine = within(Duration::from_secs(10), "deliveries recorded", || async {
        let (_, html) = page(&agent, &format!("{}/mes-publications", edge.web)).await;
        html.html()
            .matches("envoyé, en attente de validation")
            .count()
            >= 20
    })
    .await;
    let _ = mine;

    // A forged grant and a replay, from a client holding the edge's certificate.
    edge_process.take().unwrap().stop();
    let grant: Grant = {
        let store = Store::open(&edge.dir.join("kiosque.redb")).unwrap();
        wire::decode(&store.grant_of(&Login::new("agent")).unwrap().unwrap()).unwrap()
    };
    let client = edge.federation_client();
    let send = |envelope: Envelope| {
        let client = client.clone();
        let url = format!("{}/fed/v1/submissions", hub.federation);
        async move {
            let response = client
                .post(url)
                .body(wire::encode(&envelope))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            wire::decode::<Receipt>(&response.bytes().await.unwrap()).unwrap()
        }
    };
    let report = |key: u128, grant: Grant| Envelope {
        key,
        created: jiff::Timestamp::now(),
        grant,
        submission: Submission::CharterAcceptance { version: 1 },
    };
    let mut forged = grant.clone();
    forged.mac[0] ^= 1;
    assert!(matches!(
        send(report(1, forged)).await,
        Receipt::Refused { .. }
    ));
    let mut other_login = grant.clone();
    other_login.login = Login::new("dsi");
    assert!(matches!(
        send(report(2, other_login)).await,
        Receipt::Refused { .. }
    ));
    let annonce = |key: u128| Envelope {
        key,
        created: jiff::Timestamp::now(),
        grant: grant.clone(),
        submission: Submission::Create {
            draft: Box::new(wire::DraftMessage {
                space: Space::Annonces,
                title: format!("{PREFIX} rejouée"),
                summary: String::new(),
                body: "Rejouée deux fois.".into(),
                details: Details::Annonce {
                    category: kiosque::domain::AnnonceCategory::Vente,
                    price: Some("5 €".into()),
                    contact: "poste 4321".into(),
                },
                publish_at: None,
                expires_at: None,
                media: vec![],
                signage: false,
            }),
            attachments: vec![],
        },
    };
    let key = ulid::Ulid::new().0;
    let first = send(annonce(key)).await;
    let replay = send(annonce(key)).await;
    assert!(
        matches!(first, Receipt::Accepted { pending: true, .. }),
        "{first:?}"
    );
    assert_eq!(first, replay);

    hub_process.stop();
    let titles = titles_on(&hub.dir.join("kiosque.redb"), PREFIX);
    let mut expected: Vec<String> = (0..50).map(|n| format!("{PREFIX} {n:02}")).collect();
    expected.push(format!("{PREFIX} rejouée"));
    expected.sort();
    assert_eq!(titles, expected, "each write exactly once");
    println!(
        "exactly-once: 50 annonces made while the hub was down, edge killed twice during delivery ({kills_midway} kill(s) mid-way), {} items on the hub, 1 replayed submission applied once, 2 forged grants refused",
        titles.len() - 1
    );
    assert!(kills_midway >= 1, "the edge was never killed mid-delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_borne_of_an_edge_hands_off_to_the_phone_through_the_hub() {
    let root = tempfile::tempdir().unwrap();
    let (hub, hub_process, edge, edge_process) =
        hub_and_borne(root.path(), "Borne de la médiathèque").await;

    // On the borne: "Continuer sur mon téléphone" with the session.
    let borne = sign_in(&edge.kiosk, "agent").await;
    let token = csrf(&borne, &edge.kiosk).await;
    let response = borne
        .post(format!("{}/continuer", edge.kiosk))
        .form(&[
            ("csrf", token.as_str()),
            ("chemin", "/annonces"),
            ("session", "oui"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let html = Html::parse_document(&response.text().await.unwrap());
    let url = crate::support::text(&html, ".qr-link .url");
    assert!(url.starts_with(&format!("{}/continuer/", hub.web)), "{url}");
    // The borne's session ended when it showed the code.
    let after = borne
        .get(format!("{}/mes-publications", edge.kiosk))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 303, "signed out on the borne");

    // On the phone, against the hub: "Continuer en tant que …".
    let phone = new_client();
    let (status, confirm) = page(&phone, &url).await;
    assert_eq!(status, 200);
    assert!(confirm.html().contains("Camille"), "{}", confirm.html());
    let taken = phone.post(&url).send().await.unwrap();
    assert_eq!(taken.status().as_u16(), 303);
    assert_eq!(taken.headers()["location"], "/annonces");
    let (status, _) = page(&phone, &format!("{}/mes-publications", hub.web)).await;
    assert_eq!(status, 200, "signed in on the phone");
    let (status, _) = page(&new_client(), &url).await;
    assert_eq!(status, 410, "single use");

    // Without the hub, the QR is a plain link to the page.
    let borne = sign_in(&edge.kiosk, "agent").await;
    let (_, list) = page(&borne, &format!("{}/actus", edge.kiosk)).await;
    let item = attrs(&list, "a[href^='/actus/']", "href").remove(0);
    let (_, html) = page(&borne, &format!("{}{item}", edge.kiosk)).await;
    let linked = crate::support::text(&html, ".qr-link .url");
    assert!(
        linked.starts_with(&format!("{}/continuer/", hub.web)),
        "{linked}"
    );
    hub_process.stop();
    let plain = format!("{}{item}", hub.web);
    within(Duration::from_secs(5), "plain link", || async {
        let (_, html) = page(&borne, &format!("{}{item}", edge.kiosk)).await;
        crate::support::text(&html, ".qr-link .url") == plain
    })
    .await;
    edge_process.stop();
}

/// Issue 9: a union-list subscription made on an edge goes to the hub through
/// the outbox, the edge shows « Demande envoyée » (it never knows the state),
/// and once delivered nothing of it stays on the edge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_made_on_an_edge_reaches_the_hub_and_stays_off_the_edge() {
    let root = tempfile::tempdir().unwrap();
    let hub = Hub::new(root.path(), 0);
    let hub_process = hub.start();
    let edge = Edge::new(root.path(), "boitier", &hub);
    // The edge's configuration names the unions, as the hub's does.
    let mut config = std::fs::read_to_string(&edge.config).unwrap();
    config.push_str(
        "[[unions]]\nslug = \"cgt\"\nname = \"CGT des territoriaux\"\neditor_group = \"syndicat-cgt\"\n",
    );
    std::fs::write(&edge.config, config).unwrap();
    let code = invite(&hub, "Boîtier des ateliers").await;
    assert!(edge.enroll(&hub, &code).0);
    let edge_process = edge.start();
    edge_process.wait_for_line("catch-up ", Duration::from_secs(30));

    let on_edge = sign_in(&edge.web, "agent").await;
    let (status, html) = page(&on_edge, &format!("{}/syndicats/cgt", edge.web)).await;
    assert_eq!(status, 200);
    assert!(
        crate::support::select(&html, ".subscription-state").is_empty(),
        "the edge does not know the state"
    );
    let response = on_edge
        .post(format!("{}/syndicats/cgt/abonnement", edge.web))
        .form(&[("csrf", csrf_of(&html).as_str()), ("abonner", "oui")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("demande=abonnement"), "{location}");
    let (_, sent) = page(&on_edge, &format!("{}{location}", edge.web)).await;
    assert!(
        crate::support::text(&sent, ".subscription-state").starts_with("Demande envoyée."),
        "{}",
        sent.html()
    );
    // The list never leaves the hub: even its editor is sent there.
    let editor_on_edge = sign_in(&edge.web, "syndicat").await;
    let (status, _) = page(
        &editor_on_edge,
        &format!("{}/syndicats/cgt/abonnes", edge.web),
    )
    .await;
    assert_eq!(status, 403);

    let on_hub = sign_in(&hub.web, "agent").await;
    within(
        Duration::from_secs(10),
        "subscription on the hub",
        || async {
            let (_, html) = page(&on_hub, &format!("{}/syndicats/cgt", hub.web)).await;
            crate::support::text(&html, ".subscription-state") == "Vous êtes abonné(e)."
        },
    )
    .await;
    let (_, mine) = page(&on_edge, &format!("{}/mes-publications", edge.web)).await;
    assert!(!mine.html().contains("syndicale"), "not listed on the edge");
    edge_process.stop();
    hub_process.stop();
    let store = Store::open(&edge.dir.join("kiosque.redb")).unwrap();
    assert!(
        store.outbox(100).unwrap().iter().all(|e| !e.discreet),
        "delivered"
    );
    let (_, answered) = store.sent_by(&Login::new("agent"), 100).unwrap();
    assert!(
        answered.iter().all(|d| !d.label.contains("syndicale")),
        "no trace kept"
    );
    let cgt = kiosque::domain::UnionSlug::parse("cgt").unwrap();
    assert!(store.subscribers(&cgt).unwrap().is_empty());
}

/// Participation on an edge (issue 11): a note asked on the hub reaches the
/// borne, whose "J'ai lu" and star travel through the outbox to the hub;
/// what is not replicated (questionnaires) is left to the hub in French.
#[tokio::test]
async fn read_confirmations_and_favourites_made_on_a_borne_reach_the_hub() {
    let root = tempfile::tempdir().unwrap();
    let (hub, hub_process, edge, edge_process) =
        hub_and_borne(root.path(), "Borne du réfectoire").await;

    // On the hub: the webmaster publishes a note and asks everyone to confirm.
    let webmaster = sign_in(&hub.web, "webmestre").await;
    let id = publish_actu(&hub, &webmaster, "Note de service : port des EPI").await;
    let token = csrf(&webmaster, &hub.web).await;
    let asked = webmaster
        .post(format!("{}/suivi-lecture/{id}", hub.web))
        .form(&[
            ("csrf", token.as_str()),
            ("public", "tous"),
            ("action", "demander"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status().as_u16(), 303);

    // On the borne: the note waits on the home page; "J'ai lu", then a star.
    let borne = sign_in(&edge.kiosk, "agent").await;
    within(Duration::from_secs(10), "the note on the borne", || async {
        let (_, home) = page(&borne, &format!("{}/", edge.kiosk)).await;
        crate::support::text(&home, ".ack-list a") == "Note de service : port des EPI"
    })
    .await;
    let token = csrf(&borne, &edge.kiosk).await;
    let done = borne
        .post(format!("{}/lu/{id}", edge.kiosk))
        .form(&[("csrf", token.as_str()), ("retour", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 303);
    let (_, home) = page(&borne, &format!("{}/", edge.kiosk)).await;
    assert!(
        crate::support::select(&home, ".ack-list").is_empty(),
        "done at once on the borne"
    );
    let starred = borne
        .post(format!("{}/favori/{id}", edge.kiosk))
        .form(&[
            ("csrf", token.as_str()),
            ("etat", "oui"),
            ("retour", "/mon-espace"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(starred.status().as_u16(), 303);

    // The hub's follow-up counts Camille; her favourite is on the hub.
    within(
        Duration::from_secs(10),
        "the confirmation on the hub",
        || async {
            let (_, follow) = page(&webmaster, &format!("{}/suivi-lecture/{id}", hub.web)).await;
            crate::support::text(&follow, "table[aria-labelledby=titre-lu] tbody")
                .contains("Camille Lefèvre")
        },
    )
    .await;
    let phone = sign_in(&hub.web, "agent").await;
    within(
        Duration::from_secs(10),
        "the favourite on the hub",
        || async {
            let (_, mine) = page(&phone, &format!("{}/mon-espace", hub.web)).await;
            crate::support::text(&mine, "ul.favourites li a") == "Note de service : port des EPI"
        },
    )
    .await;

    // Making a questionnaire is the hub's: the borne says where to go.
    let (status, html) = page(&borne, &format!("{}/questionnaires/nouveau", edge.kiosk)).await;
    assert_eq!(status, 403);
    assert!(
        html.html().contains("intranet principal"),
        "{}",
        html.html()
    );
    edge_process.stop();
    hub_process.stop();
}

/// Posts a form; returns the status and the `Location` (if any).
async fn post_form(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = client.post(url).form(form).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questionnaires_comments_and_espaces_work_on_a_borne_through_the_hub() {
    let root = tempfile::tempdir().unwrap();
    let (hub, hub_process, edge, edge_process) =
        hub_and_borne(root.path(), "Borne du centre technique").await;
    let webmaster = sign_in(&hub.web, "webmestre").await;
    let token = csrf(&webmaster, &hub.web).await;

    // On the hub: a questionnaire open from today, an actu with comments
    // open, an espace d'échange, and a note to confirm that the agent
    // confirms at their desk.
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(paris).date();
    let (opens, closes) = (
        today.to_string(),
        (today + jiff::Span::new().days(7)).to_string(),
    );
    let mut fields = crate::participation::survey_fields(&token, "Le réfectoire", true);
    fields.retain(|(k, _)| *k != "ouverture" && *k != "cloture");
    fields.push(("ouverture", &opens));
    fields.push(("cloture", &closes));
    let (status, _) = post_form(
        &webmaster,
        &format!("{}/questionnaires/nouveau", hub.web),
        &fields,
    )
    .await;
    assert_eq!(status, 303);
    let actu = publish_actu(&hub, &webmaster, "Les nouveaux vestiaires").await;
    let (status, _) = post_form(
        &webmaster,
        &format!("{}/commentaires/{actu}/ouverture", hub.web),
        &[("csrf", &token), ("etat", "oui")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, space) = post_form(
        &webmaster,
        &format!("{}/echanges", hub.web),
        &[
            ("csrf", &token),
            ("nom", "Agents des espaces verts"),
            ("description", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let note = publish_actu(&hub, &webmaster, "Note de service : astreintes").await;
    let (status, _) = post_form(
        &webmaster,
        &format!("{}/suivi-lecture/{note}", hub.web),
        &[("csrf", &token), ("public", "tous"), ("action", "demander")],
    )
    .await;
    assert_eq!(status, 303);
    let desk = sign_in(&hub.web, "agent").await;
    let desk_token = csrf(&desk, &hub.web).await;
    let (status, _) = post_form(
        &desk,
        &format!("{}/lu/{note}", hub.web),
        &[("csrf", &desk_token), ("retour", "/")],
    )
    .await;
    assert_eq!(status, 303);

    // On the borne: the questionnaire arrives and is answered there; the
    // note confirmed at the desk is not asked again.
    let borne = sign_in(&edge.kiosk, "agent").await;
    let home_url = format!("{}/", edge.kiosk);
    within(Duration::from_secs(10), "the note on the borne", || async {
        page(&borne, &home_url)
            .await
            .1
            .html()
            .contains("Note de service : astreintes")
    })
    .await;
    let (_, home) = page(&borne, &home_url).await;
    assert!(
        crate::support::select(&home, ".ack-list").is_empty(),
        "confirmed on the hub, so not asked on the borne"
    );
    let list_url = format!("{}/questionnaires", edge.kiosk);
    let find_survey = || async {
        let (_, list) = page(&borne, &list_url).await;
        crate::support::select(&list, "a")
            .into_iter()
            .find(|a| a.text().collect::<String>().contains("Le réfectoire"))
            .and_then(|a| a.value().attr("href").map(str::to_owned))
    };
    within(
        Duration::from_secs(10),
        "the questionnaire on the borne",
        || async { find_survey().await.is_some() },
    )
    .await;
    let survey = find_survey().await.unwrap();
    let token = csrf(&borne, &edge.kiosk).await;
    // A wrong answer is refused on the borne itself, in French, text kept.
    let (status, _) = post_form(
        &borne,
        &format!("{}{survey}", edge.kiosk),
        &[("csrf", &token), ("q4", "Plus de légumes")],
    )
    .await;
    assert_eq!(status, 422);
    let (status, location) = post_form(
        &borne,
        &format!("{}{survey}", edge.kiosk),
        &[
            ("csrf", &token),
            ("q0", "0"),
            ("q1", "4"),
            ("q3", "Plus de légumes"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.ends_with("?merci=1")),
        (303, true),
        "{location}"
    );
    let (_, answered) = page(&borne, &format!("{}{survey}", edge.kiosk)).await;
    assert!(
        answered
            .html()
            .contains("Vous avez répondu à ce questionnaire"),
        "answered, on the borne"
    );

    // A comment and a message written on the borne reach the hub, and come
    // back to the borne as the hub recorded them.
    let (status, _) = post_form(
        &borne,
        &format!("{}/commentaires/{actu}", edge.kiosk),
        &[
            ("csrf", &token),
            ("texte", "Enfin des casiers qui ferment !"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post_form(
        &borne,
        &format!("{}{space}", edge.kiosk),
        &[("csrf", &token), ("texte", "Qui a les clés du local ?")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post_form(
        &borne,
        &format!("{}{space}/suivre", edge.kiosk),
        &[("csrf", &token), ("etat", "oui"), ("retour", "/mon-espace")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post_form(
        &borne,
        &format!("{}/emploi/profil", edge.kiosk),
        &[
            ("csrf", &token),
            ("categorie", "C"),
            ("filiere", "Technique"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let actu_url = format!("{}/actus/{actu}", hub.web);
    within(
        Duration::from_secs(10),
        "the comment on the hub",
        || async {
            page(&webmaster, &actu_url)
                .await
                .1
                .html()
                .contains("Enfin des casiers qui ferment !")
        },
    )
    .await;
    within(
        Duration::from_secs(10),
        "the message on the hub",
        || async {
            let (_, html) = page(&webmaster, &format!("{}{space}", hub.web)).await;
            crate::support::text(&html, "ol.comment-list").contains("Qui a les clés du local ?")
        },
    )
    .await;
    within(
        Duration::from_secs(10),
        "the comment back on the borne",
        || async {
            let (_, html) = page(&borne, &format!("{}/actus/{actu}", edge.kiosk)).await;
            crate::support::text(&html, "ol.comment-list").contains("Enfin des casiers")
                && crate::support::select(&html, "ul.waiting").is_empty()
        },
    )
    .await;
    // The agent corrects the comment on the borne, within the 15 minutes.
    let (_, on_borne) = page(&borne, &format!("{}/actus/{actu}", edge.kiosk)).await;
    let edit = attrs(&on_borne, "li.comment a.button", "href").remove(0);
    let (status, _) = post_form(
        &borne,
        &format!("{}{edit}", edge.kiosk),
        &[
            ("csrf", &token),
            ("texte", "Enfin des casiers qui ferment à clé !"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    within(
        Duration::from_secs(10),
        "the correction on the hub",
        || async {
            page(&webmaster, &actu_url)
                .await
                .1
                .html()
                .contains("Enfin des casiers qui ferment à clé !")
        },
    )
    .await;
    within(Duration::from_secs(10), "the answer on the hub", || async {
        let (_, html) = page(&webmaster, &format!("{}{survey}/resultats", hub.web)).await;
        html.html().contains("1 réponse(s)")
    })
    .await;
    within(Duration::from_secs(10), "the follow on the hub", || async {
        let (_, mine) = page(&desk, &format!("{}/mon-espace", hub.web)).await;
        crate::support::text(&mine, "ul.my-discussions").contains("Agents des espaces verts")
    })
    .await;
    within(
        Duration::from_secs(10),
        "the job profile on the hub",
        || async {
            let (_, profile) = page(&desk, &format!("{}/emploi/profil", hub.web)).await;
            attrs(&profile, "input[name=categorie][checked]", "value") == vec!["C"]
        },
    )
    .await;

    // The authors' side stays on the hub.
    let (status, _) = post_form(
        &borne,
        &format!("{}/echanges", edge.kiosk),
        &[("csrf", &token), ("nom", "Pirates")],
    )
    .await;
    assert_eq!(status, 403);
    edge_process.stop();
    hub_process.stop();
}
