//! The process's metrics and their Prometheus text exposition (format 0.0.4),
//! written by hand: counters of requests by route template and status, a
//! latency histogram by route template, and named gauges other modules register
//! (federation: edge lag, outbox depth). Values sampled at scrape time (sessions,
//! store size) are passed to [`Metrics::render`].
//!
//! Invariant: labels are route templates (`/actus/{id}`), never raw paths, so
//! no token, login or search term reaches a metric, and the series stay few.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A gauge another module sets; reads as 0 until it does.
#[derive(Clone, Debug, Default)]
pub struct Gauge(Arc<AtomicI64>);

impl Gauge {
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default)]
struct Histogram {
    /// Per bucket (not cumulative); the last slot is +Inf.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    /// (method, route template, status) → count.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route template → latency.
    latency: BTreeMap<String, Histogram>,
    /// name → (help, gauge).
    gauges: BTreeMap<&'static str, (&'static str, Gauge)>,
}

/// Every metric of one kiosque process (no global registry: a hub and an edge
/// in one test process keep their own).
#[derive(Debug)]
pub struct Metrics {
    inner: Mutex<Inner>,
    /// Edge side of federation: seconds since the last change pulled from the hub.
    pub edge_lag_seconds: Gauge,
    /// Edge side of federation: writes waiting in the outbox.
    pub outbox_depth: Gauge,
}

/// What is sampled when `/metrics` is read.
#[derive(Debug, Default)]
pub struct Sampled {
    /// (device class key, open sessions).
    pub sessions: Vec<(&'static str, usize)>,
    /// Size of the store file in bytes.
    pub store_bytes: u64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let metrics = Metrics {
            inner: Mutex::default(),
            edge_lag_seconds: Gauge::default(),
            outbox_depth: Gauge::default(),
        };
        // Left at 0 until federation sets them (src/federation/ wires them).
        metrics.register_existing(
            "kiosque_edge_lag_seconds",
            "Seconds since this edge last applied a change from the hub (0 on a hub).",
            metrics.edge_lag_seconds.clone(),
        );
        metrics.register_existing(
            "kiosque_outbox_depth",
            "Writes waiting in this edge's outbox for the hub (0 on a hub).",
            metrics.outbox_depth.clone(),
        );
        metrics
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register_existing(&self, name: &'static str, help: &'static str, gauge: Gauge) {
        self.lock().gauges.insert(name, (help, gauge));
    }

    /// A named gauge (`kiosque_…`), created on first use; the same gauge after.
    pub fn gauge(&self, name: &'static str, help: &'static str) -> Gauge {
        self.lock()
            .gauges
            .entry(name)
            .or_insert_with(|| (help, Gauge::default()))
            .1
            .clone()
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut inner = self.lock();
        *inner
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = match inner.latency.get_mut(route) {
            Some(h) => h,
            None => inner.latency.entry(route.to_owned()).or_default(),
        };
        let slot = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        histogram.counts[slot] += 1;
        histogram.sum += seconds;
        histogram.count += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, sampled: &Sampled) -> String {
        let inner = self.lock();
        let mut out = String::with_capacity(4096);
        let _ = writeln!(
            out,
            "# HELP kiosque_http_requests_total HTTP requests answered, by route template and status.\n# TYPE kiosque_http_requests_total counter"
        );
        for ((method, route, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "kiosque_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(method),
                escape(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP kiosque_http_request_duration_seconds Time to answer, by route template.\n# TYPE kiosque_http_request_duration_seconds histogram"
        );
        for (route, h) in &inner.latency {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "kiosque_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "kiosque_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nkiosque_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\nkiosque_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP kiosque_sessions Open sessions by device class.\n# TYPE kiosque_sessions gauge"
        );
        for (device, count) in &sampled.sessions {
            let _ = writeln!(out, "kiosque_sessions{{device=\"{device}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "# HELP kiosque_store_bytes Size of the store file.\n# TYPE kiosque_store_bytes gauge\nkiosque_store_bytes {}",
            sampled.store_bytes
        );
        for (name, (help, gauge)) in &inner.gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                gauge.get()
            );
        }
        out
    }
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_latency_render_as_prometheus_text() {
        let metrics = Metrics::new();
        metrics.observe("GET", "/actus/{id}", 200, Duration::from_millis(3));
        metrics.observe("GET", "/actus/{id}", 200, Duration::from_millis(30));
        metrics.observe("GET", "/actus/{id}", 404, Duration::from_secs(20));
        let text = metrics.render(&Sampled {
            sessions: vec![("kiosk", 2)],
            store_bytes: 4096,
        });
        assert!(text.contains(
            "kiosque_http_requests_total{method=\"GET\",route=\"/actus/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "kiosque_http_request_duration_seconds_bucket{route=\"/actus/{id}\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "kiosque_http_request_duration_seconds_bucket{route=\"/actus/{id}\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "kiosque_http_request_duration_seconds_bucket{route=\"/actus/{id}\",le=\"10\"} 2"
        ));
        assert!(text.contains(
            "kiosque_http_request_duration_seconds_bucket{route=\"/actus/{id}\",le=\"+Inf\"} 3"
        ));
        assert!(
            text.contains("kiosque_http_request_duration_seconds_count{route=\"/actus/{id}\"} 3")
        );
        assert!(text.contains("kiosque_sessions{device=\"kiosk\"} 2"));
        assert!(text.contains("kiosque_store_bytes 4096"));
        assert!(text.contains("kiosque_outbox_depth 0"));
        assert!(text.contains("kiosque_edge_lag_seconds 0"));
    }

    #[test]
    fn gauges_are_shared_by_name() {
        let metrics = Metrics::new();
        metrics.gauge("kiosque_test_things", "Things.").set(7);
        assert_eq!(metrics.gauge("kiosque_test_things", "Things.").get(), 7);
        metrics.outbox_depth.set(3);
        let text = metrics.render(&Sampled::default());
        assert!(text.contains("# TYPE kiosque_test_things gauge\nkiosque_test_things 7"));
        assert!(text.contains("kiosque_outbox_depth 3"));
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
