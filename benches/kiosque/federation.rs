//! Federation rows of the benchmark: an edge's catch-up from empty (against
//! a local redb copy of the same items, in the same run) and hub → edge
//! propagation, with the release binary as two real processes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiosque::store::Store;

use super::{Row, free_port, percentile, row, sign_in};

struct Process {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    fn start(bin: &Path, config: &Path) -> Process {
        let mut child = Command::new(bin)
            .arg("--config")
            .arg(config)
            .env("KIOSQUE_LOG", "kiosque=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the release binary");
        let log = Arc::new(Mutex::new(Vec::new()));
        // Logs go to stderr (journald-friendly); read both streams.
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for stream in [
            Box::new(out) as Box<dyn std::io::Read + Send>,
            Box::new(err),
        ] {
            let sink = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    sink.lock().unwrap().push(line);
                }
            });
        }
        let process = Process { child, log };
        process.wait_for("kiosque is serving", Duration::from_secs(120));
        process
    }

    fn wait_for(&self, needle: &str, timeout: Duration) -> Instant {
        let deadline = Instant::now() + timeout;
        loop {
            if self.log.lock().unwrap().iter().any(|l| l.contains(needle)) {
                return Instant::now();
            }
            assert!(Instant::now() < deadline, "no log line {needle:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn field<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html.find(marker).unwrap() + marker.len();
    &html[start..start + html[start..].find(['"', '<']).unwrap()]
}

/// Catch-up and propagation, on a copy of the benchmark's data set.
pub async fn rows(bin: &Path, root: &Path, data: &Path, items: u64) -> Vec<Row> {
    let hub_dir = root.join("fed-hub");
    std::fs::create_dir_all(&hub_dir).unwrap();
    std::fs::copy(data.join("kiosque.redb"), hub_dir.join("kiosque.redb")).unwrap();

    // The baseline: the same items copied into a new redb, batch by batch.
    let baseline = {
        let source = Store::open(&hub_dir.join("kiosque.redb")).unwrap();
        let target = Store::open(&root.join("local-copy.redb")).unwrap();
        let started = Instant::now();
        let mut since = 0;
        let mut copied = 0u64;
        loop {
            let (entries, reached) = source.replicas_since(since, 1000).unwrap();
            if reached == since {
                break;
            }
            let batch: Vec<kiosque::domain::Item> = entries
                .into_iter()
                .filter_map(|e| match e {
                    kiosque::store::Replica::Item(item) => Some(*item),
                    kiosque::store::Replica::Gone { .. } => None,
                })
                .collect();
            copied += batch.len() as u64;
            target.put_items(&batch).unwrap();
            since = reached;
        }
        copied as f64 / started.elapsed().as_secs_f64()
    };

    let (web, fed) = (free_port(), free_port());
    let hub_config = hub_dir.join("kiosque.toml");
    std::fs::write(
        &hub_config,
        format!(
            "demo = true\ndata_dir = {:?}\nlisten = \"127.0.0.1:{web}\"\npublic_url = \"http://127.0.0.1:{web}\"\n[federation]\nlisten = \"127.0.0.1:{fed}\"\n",
            hub_dir.display()
        ),
    )
    .unwrap();
    let hub = Process::start(bin, &hub_config);
    let hub_web = format!("http://127.0.0.1:{web}");

    // An invite, as an administrator makes it.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let admin = sign_in(&hub_web, "dsi", kiosque::demo::PASSWORD).await;
    let page = |cookie: String, path: String| {
        let client = client.clone();
        async move {
            client
                .get(path)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let html = page(admin.clone(), format!("{hub_web}/admin/bornes")).await;
    let csrf = field(&html, "name=\"csrf\" value=\"").to_owned();
    let invited = client
        .post(format!("{hub_web}/admin/bornes/invitation"))
        .header("cookie", &admin)
        .form(&[
            ("csrf", csrf.as_str()),
            ("nom", "Borne de banc d'essai"),
            ("type", "borne"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = field(&invited, "class=\"enroll-code\"><code>").to_owned();

    let edge_dir = root.join("fed-edge");
    std::fs::create_dir_all(&edge_dir).unwrap();
    let edge_web = free_port();
    let edge_config = edge_dir.join("kiosque.toml");
    std::fs::write(
        &edge_config,
        format!(
            "data_dir = {:?}\nlisten = \"127.0.0.1:{edge_web}\"\npublic_url = \"{hub_web}\"\n[federation]\nupstream = \"https://127.0.0.1:{fed}\"\n",
            edge_dir.display()
        ),
    )
    .unwrap();
    let enrolled = Command::new(bin)
        .arg("--config")
        .arg(&edge_config)
        .args(["enroll", &format!("https://127.0.0.1:{fed}"), &code])
        .output()
        .unwrap();
    assert!(enrolled.status.success(), "enroll: {enrolled:?}");

    let started = Instant::now();
    let edge = Process::start(bin, &edge_config);
    // The edge logs "catch-up N/N (100 %)" when it has everything.
    let done = edge.wait_for("(100 %)", Duration::from_secs(600));
    let catch_up = done.duration_since(started);
    let rate = items as f64 / catch_up.as_secs_f64();
    let mut rows = vec![row(
        &format!("edge catch-up from empty ({items} items), items/s"),
        format!("{rate:.0} items/s ({:.2} s)", catch_up.as_secs_f64()),
        format!(
            "{:.2}× a local redb copy ({baseline:.0} items/s)",
            rate / baseline
        ),
        if rate >= 10_000.0 {
            "≥ 10k items/s: met"
        } else {
            "≥ 10k items/s: MISSED"
        },
    )];

    // Propagation: publish on the hub, watch the edge.
    let webmaster = sign_in(&hub_web, "webmestre", kiosque::demo::PASSWORD).await;
    let agent = sign_in(
        &format!("http://127.0.0.1:{edge_web}"),
        "agent",
        kiosque::demo::PASSWORD,
    )
    .await;
    let mut samples = Vec::new();
    for n in 0..50 {
        let html = page(webmaster.clone(), format!("{hub_web}/mes-publications")).await;
        let csrf = field(&html, "name=\"csrf\" value=\"").to_owned();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("titre", format!("Propagation n° {n}"))
            .text("resume", "Mesure.")
            .text("texte", "Mesure de la propagation.")
            .text("action", "enregistrer");
        let published = client
            .post(format!("{hub_web}/publier?espace=actus"))
            .header("cookie", &webmaster)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let at = Instant::now();
        let location = published.headers()["location"].to_str().unwrap().to_owned();
        let url = format!("http://127.0.0.1:{edge_web}{location}");
        loop {
            let status = client
                .get(&url)
                .header("cookie", &agent)
                .send()
                .await
                .unwrap()
                .status();
            if status.as_u16() == 200 {
                samples.push(at.elapsed());
                break;
            }
            assert!(at.elapsed() < Duration::from_secs(10), "not propagated");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    samples.sort();
    let p99 = percentile(&samples, 0.99);
    rows.push(row(
        "hub → edge propagation p50 / p99 (50 actus)",
        format!("{:.1} / {:.1} ms", percentile(&samples, 0.5), p99),
        "—".into(),
        if p99 < 1000.0 {
            "p99 < 1 s: met"
        } else {
            "p99 < 1 s: MISSED"
        },
    ));
    drop(edge);
    drop(hub);
    rows
}
