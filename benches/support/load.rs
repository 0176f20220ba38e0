//! Load and memory measurements for the benchmark: `wrk` runs, latency
//! percentiles, a process's resident memory.

use std::process::Command;
use std::time::Duration;

pub fn rss_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub struct Load {
    pub rps: f64,
    pub p50: f64,
    pub p99: f64,
}

fn millis(raw: &str) -> f64 {
    let (number, factor) = if let Some(v) = raw.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = raw.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = raw.strip_suffix('s') {
        (v, 1000.0)
    } else {
        (raw, 1.0)
    };
    number.parse::<f64>().unwrap_or(f64::NAN) * factor
}

/// A wrk run at 64 connections on 2 threads, asking for compressed answers
/// as browsers do.
pub fn wrk(url: &str, cookie: Option<&str>, seconds: u64) -> Load {
    wrk_with(url, cookie, seconds, true)
}

/// A wrk run; `compressed: false` asks for plain answers (what a borne's
/// browser gets from its loopback listener, which does not compress).
pub fn wrk_with(url: &str, cookie: Option<&str>, seconds: u64, compressed: bool) -> Load {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency"]);
    if compressed {
        command.args(["-H", "Accept-Encoding: br, gzip"]);
    }
    if let Some(cookie) = cookie {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let output = command
        .arg(url)
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "wrk saw errors on {url}:\n{text}"
    );
    let find = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("nan")
            .to_owned()
    };
    Load {
        rps: find("Requests/sec:").parse().unwrap_or(f64::NAN),
        p50: millis(&find("50%")),
        p99: millis(&find("99%")),
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}
