//! Search measurements for the benchmark: the index build by `kiosque
//! reindex`, its size on disk, and one client's query latencies.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::load::percentile;

pub fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                dir_size(&path)
            } else {
                file_size(&path)
            }
        })
        .sum()
}

/// Runs `kiosque reindex` on the data set: (milliseconds, index bytes).
pub fn reindex(bin: &Path, dir: &Path) -> (f64, u64) {
    let started = Instant::now();
    let output = Command::new(bin)
        .args(["--data-dir", dir.to_str().unwrap(), "reindex"])
        .env_remove("KIOSQUE_CONFIG")
        .env("KIOSQUE_LOG", "warn")
        .output()
        .expect("kiosque reindex");
    assert!(
        output.status.success(),
        "reindex failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    (elapsed, dir_size(&dir.join("search")))
}

/// Sequential searches by one signed-in client: (p50 ms, p99 ms, count).
pub async fn search_latency(base: &str, cookie: &str) -> (f64, f64, usize) {
    let client = reqwest::Client::new();
    let queries = [
        "congés",
        "conges maternite",
        "congé matrenité",
        "cantine",
        "Dupont",
        "dupond",
        "\"mise en forme\"",
        "banc d'essai",
        "projet élus habitants",
        "réunion salle du conseil",
        "xylophone",
        "service",
    ];
    let mut times = Vec::new();
    for round in 0..25 {
        for q in queries {
            let encoded: String = url_encode(q);
            let started = Instant::now();
            let response = client
                .get(format!("{base}/recherche?q={encoded}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200, "{q}");
            response.bytes().await.unwrap();
            if round > 0 {
                times.push(started.elapsed());
            }
        }
    }
    times.sort();
    (
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.len(),
    )
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
