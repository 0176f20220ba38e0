//! `cargo bench --bench kiosque` (run by `./scripts/bench`): measures the release
//! binary against its own limits and prints one table, each figure beside a
//! baseline measured in the same run. The load generator is `wrk`; the
//! directory is a real slapd. Nothing here is a timed unit test: it reports.
//! The search rows build the index with `kiosque reindex` (time, size on disk),
//! load `/recherche` with wrk, and time a mix of queries from one client.
//!
//! Options (after `--`): `--items N` extra items in the data set (default 10000),
//! `--seconds S` per load run (default 5), `--data DIR` to keep the data set in
//! DIR and reuse it on the next run (when profiling), `--only pages` for the
//! page rows alone (no index build, starts, sign-in or federation).

#[path = "kiosque/federation.rs"]
mod federation;
#[path = "kiosque/sign_in.rs"]
mod sign_in_rows;

#[path = "support/load.rs"]
mod load;
#[path = "support/search.rs"]
mod search;
#[path = "../tests/it/slapd.rs"]
#[allow(dead_code)]
mod slapd;

use load::{percentile, rss_kb, wrk, wrk_with};
use search::{file_size, reindex, search_latency};

use jiff::{SignedDuration, Timestamp};
use kiosque::config::{Config, Overrides};
use kiosque::domain::{
    AnnonceCategory, Details, EventDetails, Item, ItemId, Login, Space, Status, User,
};
use kiosque::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Options {
    items: usize,
    seconds: u64,
    data: Option<PathBuf>,
    pages_only: bool,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    Options {
        items: value("--items").unwrap_or(10_000),
        seconds: value("--seconds").map(|s: usize| s as u64).unwrap_or(5),
        data: args
            .iter()
            .position(|a| a == "--data")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from),
        pages_only: args.windows(2).any(|w| w[0] == "--only" && w[1] == "pages"),
    }
}

/// One row of the report.
struct Row {
    what: String,
    figure: String,
    against: String,
    target: String,
}

fn row(what: &str, figure: String, against: String, target: &str) -> Row {
    Row {
        what: what.into(),
        figure,
        against,
        target: target.into(),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The data set: the demo (directory, content, accounts), more agents up to
/// 2,000, and `items` generated items spread over the spaces.
fn build_data_set(dir: &Path, items: usize) -> Config {
    let overrides = Overrides {
        data_dir: Some(dir.to_owned()),
        listen: None,
    };
    let config = Config::merge(None, [], &overrides).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let store = Store::open(&config.store_path()).unwrap();
    let now = Timestamp::now();
    kiosque::demo::seed_if_empty(&store, &config, now).unwrap();
    let have = store.user_count().unwrap() as usize;
    let extra: Vec<User> = (have..2000)
        .map(|i| User {
            login: Login::new(&format!("agent{i:04}")),
            given_name: format!("Agent{i}"),
            surname: "Banc-d'Essai".into(),
            mail: format!("agent{i}@val-de-lys.fr"),
            service: format!("Service {}", i % 30),
            direction: "Pôle Technique".into(),
            function: "Agent d'entretien".into(),
            phone: "02 99 00 00 00".into(),
            roles: vec![],
            disabled: false,
            photo: None,
            manager: None,
        })
        .collect();
    store.put_users(&extra).unwrap();
    let body = "## Contexte\n\nUn texte de longueur réaliste pour un article de l'intranet, avec une **mise en forme** et une liste :\n\n- premier point ;\n- deuxième point ;\n- troisième point.\n\nLes services de la ville se mobilisent pour la réussite de ce projet, en lien avec les élus et les habitants.\n".repeat(3);
    let mut batch = Vec::with_capacity(1000);
    for i in 0..items {
        let created = now - SignedDuration::from_mins(10 + i as i64 * 7);
        let (space, details) = match i % 4 {
            0 | 1 => (Space::Actus, Details::Actu),
            2 => (
                Space::Annonces,
                Details::Annonce {
                    category: AnnonceCategory::ALL[i % 6],
                    price: None,
                    contact: "poste 1234".into(),
                },
            ),
            _ => {
                // Spread over ten years around now, as a town's agenda fills
                // up: ~5 events a week at 10k items, ~50 at 100k.
                let span_hours = 10 * 365 * 24;
                let slot = (i / 4) as i64 * span_hours / (items / 4).max(1) as i64;
                let start = now - SignedDuration::from_hours(span_hours / 2 - slot);
                (
                    Space::Agenda,
                    Details::Event(EventDetails {
                        start,
                        end: start + SignedDuration::from_hours(1),
                        all_day: false,
                        place: "Salle du conseil".into(),
                    }),
                )
            }
        };
        batch.push(Item {
            id: ItemId::new(created, i as u128 + 1_000_000),
            space,
            title: format!("Élément de banc d'essai n° {i}"),
            summary: "Un résumé d'une phrase pour les listes.".into(),
            body: body.clone(),
            author: Login::new("codir"),
            author_name: "Hélène Marchand".into(),
            status: Status::Published,
            created,
            updated: created,
            publish_at: None,
            expires_at: None,
            version: 1,
            media: vec![],
            signage: false,
            details,
            acknowledgement: None,
        });
        if batch.len() == 1000 {
            store.put_items(&batch).unwrap();
            batch.clear();
        }
    }
    store.put_items(&batch).unwrap();
    config
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Kills it like a power cut (SIGKILL): its next start repairs the store.
    fn crash(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    /// Stops it as systemd would (SIGTERM, then a kill after 10 s), so that
    /// the next start is an ordinary one, not a repair after a crash.
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(bin: &Path, dir: &Path, config_file: Option<&Path>) -> (Server, Duration) {
    let port = free_port();
    let mut command = Command::new(bin);
    command
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env_remove("KIOSQUE_CONFIG")
        .env("KIOSQUE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(file) = config_file {
        command.args(["--config", file.to_str().unwrap()]);
    }
    let started = Instant::now();
    let child = command.spawn().expect("the release binary");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = started + Duration::from_secs(60);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ =
                stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        std::thread::sleep(Duration::from_millis(2));
    }
    (Server { child, base }, started.elapsed())
}

/// Signs in (and accepts the charter); returns the session cookie.
async fn sign_in(base: &str, login: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(format!("{base}/connexion"))
        .form(&[("identifiant", login), ("mot_de_passe", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "sign-in");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = client
        .get(format!("{base}/charte/accepter"))
        .send()
        .await
        .unwrap();
    if page.status().as_u16() == 200 {
        let html = page.text().await.unwrap();
        let pick = |name: &str| {
            let marker = format!("name=\"{name}\" value=\"");
            let start = html.find(&marker).unwrap() + marker.len();
            html[start..start + html[start..].find('"').unwrap()].to_owned()
        };
        client
            .post(format!("{base}/charte/accepter"))
            .form(&[
                ("csrf", pick("csrf")),
                ("version", pick("version")),
                ("retour", "/".into()),
            ])
            .send()
            .await
            .unwrap();
    }
    cookie
}

fn main() {
    let options = options();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_kiosque"));
    let root = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    eprintln!(
        "kiosque bench: building a data set of {} extra items and 2,000 agents…",
        options.items
    );
    let data = options
        .data
        .clone()
        .unwrap_or_else(|| root.path().join("data"));
    let built = Instant::now();
    let config = if data.join("kiosque.redb").exists() && options.data.is_some() {
        eprintln!("  reusing the data set in {}", data.display());
        Config::merge(
            None,
            [],
            &Overrides {
                data_dir: Some(data.clone()),
                listen: None,
            },
        )
        .unwrap()
    } else {
        build_data_set(&data, options.items)
    };
    let item_count = Store::open(&config.store_path())
        .unwrap()
        .item_count()
        .unwrap();
    eprintln!(
        "  {item_count} items in {:.1} s",
        built.elapsed().as_secs_f64()
    );

    let mut rows = Vec::new();
    if options.pages_only {
        if !data.join("search").exists() {
            reindex(&bin, &data);
        }
        let (server, _) = start_server(&bin, &data, None);
        let cookie = runtime.block_on(sign_in(&server.base, "agent", kiosque::demo::PASSWORD));
        page_rows(&mut rows, &server.base, &cookie, options.seconds, &runtime);
        drop(server);
        print_table(rows, item_count, options.seconds);
        return;
    }
    // The search index, built once by the command an operator would run (the
    // server would build it in the background on its first start).
    let (build_ms, index_bytes) = reindex(&bin, &data);
    rows.push(row(
        &format!("search index build (`kiosque reindex`, {item_count} items + 2,000 agents); size on disk"),
        format!("{:.1} s; {:.1} MB", build_ms / 1000.0, index_bytes as f64 / 1_048_576.0),
        format!("store {:.1} MB", file_size(&config.store_path()) as f64 / 1_048_576.0),
        "—",
    ));
    // Cold start to ready, median of three.
    let mut starts: Vec<Duration> = (0..3).map(|_| start_server(&bin, &data, None).1).collect();
    starts.sort();
    let start_ms = starts[1].as_secs_f64() * 1000.0;
    rows.push(row(
        &format!("cold start to ready ({item_count} items)"),
        format!("{start_ms:.0} ms"),
        "—".into(),
        if start_ms < 500.0 {
            "< 500 ms: met"
        } else {
            "< 500 ms: MISSED"
        },
    ));

    // After a power cut: the store is repaired on open (redb), which costs
    // time and memory once.
    let (crashed, _) = start_server(&bin, &data, None);
    crashed.crash();
    let (repaired, repair_start) = start_server(&bin, &data, None);
    std::thread::sleep(Duration::from_millis(300));
    let repair_rss = rss_kb(repaired.child.id(), "VmRSS:");
    drop(repaired);
    rows.push(row(
        "start to ready after a power cut (`kill -9`: redb repairs the store); RSS then",
        format!(
            "{:.0} ms; {:.1} MB",
            repair_start.as_secs_f64() * 1000.0,
            repair_rss as f64 / 1024.0
        ),
        "—".into(),
        "—",
    ));

    let (server, _) = start_server(&bin, &data, None);
    let pid = server.child.id();
    std::thread::sleep(Duration::from_millis(300));
    let idle = rss_kb(pid, "VmRSS:");
    let cookie = runtime.block_on(sign_in(&server.base, "agent", kiosque::demo::PASSWORD));
    let base = &server.base;
    let health = page_rows(&mut rows, base, &cookie, options.seconds, &runtime);
    let search_path = "/recherche?q=cong%C3%A9s%20maternit%C3%A9";
    let load = wrk(
        &format!("{base}{search_path}"),
        Some(&cookie),
        options.seconds,
    );
    rows.push(row(
        "search query (`/recherche?q=congés maternité`) req/s, p50 / p99",
        format!(
            "{:.0} req/s, {:.2} / {:.2} ms",
            load.rps, load.p50, load.p99
        ),
        format!("{:.2}× `/healthz`", load.rps / health.rps),
        "—",
    ));
    let (p50, p99, queries) = runtime.block_on(search_latency(base, &cookie));
    rows.push(row(
        &format!("search p50 / p99 over {item_count} items (one client, {queries} queries)"),
        format!("{p50:.2} / {p99:.2} ms"),
        "mix: words, accents, typos, phrases, annuaire, very common words".into(),
        "—",
    ));
    let peak = rss_kb(pid, "VmHWM:");
    rows.push(row(
        "RSS idle / peak under load",
        format!(
            "{:.1} MB / {:.1} MB",
            idle as f64 / 1024.0,
            peak as f64 / 1024.0
        ),
        "—".into(),
        &format!(
            "< 40 MB idle: {}; < 80 MB under load: {}",
            if idle < 40 * 1024 { "met" } else { "MISSED" },
            if peak < 80 * 1024 { "met" } else { "MISSED" }
        ),
    ));
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    let home_bytes = runtime.block_on(async {
        let client = reqwest::Client::new();
        let response = client
            .get(format!("{base}/"))
            .header("cookie", &cookie)
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap().len()
    });
    rows.push(row(
        "binary size; home page on the wire (br)",
        format!(
            "{:.1} MB; {:.1} KB",
            size as f64 / 1_048_576.0,
            home_bytes as f64 / 1024.0
        ),
        "—".into(),
        if home_bytes < 50 * 1024 {
            "home < 50 KB: met"
        } else {
            "home < 50 KB: MISSED"
        },
    ));
    drop(server);

    rows.extend(runtime.block_on(sign_in_rows::sign_in_latency(
        &bin,
        root.path(),
        options.seconds,
    )));
    eprintln!("  federation: an edge's catch-up and propagation…");
    rows.extend(runtime.block_on(federation::rows(&bin, root.path(), &data, item_count)));

    print_table(rows, item_count, options.seconds);
}

/// `/healthz`, then the pages against it (and the home page uncompressed);
/// returns the `/healthz` load, the baseline of the later rows.
fn page_rows(
    rows: &mut Vec<Row>,
    base: &str,
    cookie: &str,
    seconds: u64,
    runtime: &tokio::runtime::Runtime,
) -> load::Load {
    let item_url = runtime.block_on(async {
        let client = reqwest::Client::new();
        let html = client
            .get(format!("{base}/actus"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let start = html.find("href=\"/actus/").unwrap() + 6;
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    });

    eprintln!("  load runs of {} s each at 64 connections…", seconds);
    // The home pages between two runs of the baseline, against their mean:
    // a machine shared with others drifts by more than the ratios' margin.
    let before = wrk(&format!("{base}/healthz"), None, seconds);
    let home = wrk(&format!("{base}/"), Some(cookie), seconds);
    // What a borne gets from its loopback listener: not compressed.
    let plain = wrk_with(&format!("{base}/"), Some(cookie), seconds, false);
    let after = wrk(&format!("{base}/healthz"), None, seconds);
    let health = load::Load {
        rps: (before.rps + after.rps) / 2.0,
        p50: (before.p50 + after.p50) / 2.0,
        p99: (before.p99 + after.p99) / 2.0,
    };
    rows.push(row(
        "`/healthz` (the baseline) req/s, p50 / p99",
        format!(
            "{:.0} req/s, {:.2} / {:.2} ms",
            health.rps, health.p50, health.p99
        ),
        format!(
            "mean of a run before the home pages ({:.0} req/s) and one after ({:.0} req/s)",
            before.rps, after.rps
        ),
        "—",
    ));
    let figure = |load: &load::Load| {
        format!(
            "{:.0} req/s, {:.2} / {:.2} ms",
            load.rps, load.p50, load.p99
        )
    };
    for (what, load) in [
        ("signed-in home page (br)", &home),
        (
            "signed-in home page, not compressed (a borne's loopback listener)",
            &plain,
        ),
    ] {
        let ratio = load.rps / health.rps;
        rows.push(row(
            &format!("{what} req/s, p50 / p99"),
            figure(load),
            format!("{ratio:.2}× `/healthz`"),
            &format!(
                "≥ 0.6× and p99 < 5 ms: {}",
                if ratio >= 0.6 && load.p99 < 5.0 {
                    "met"
                } else {
                    "MISSED"
                }
            ),
        ));
    }
    for (what, path) in [
        ("item page", item_url.as_str()),
        ("agenda week", "/agenda"),
        ("annonces list", "/annonces"),
    ] {
        let load = wrk(&format!("{base}{path}"), Some(cookie), seconds);
        rows.push(row(
            &format!("{what} req/s, p50 / p99"),
            figure(&load),
            format!("{:.2}× `/healthz`", load.rps / health.rps),
            "—",
        ));
    }
    health
}

fn print_table(rows: Vec<Row>, item_count: u64, seconds: u64) {
    println!();
    println!(
        "kiosque benchmark — {item_count} items, 2,000 agents, wrk -t2 -c64, {} s per run, {} cores",
        seconds,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!("| what | figure | against | target |");
    println!("|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.what, r.figure, r.against, r.target
        );
    }
}
