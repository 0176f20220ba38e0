//! Operations: what an IT team needs to run kiosque on a box. TLS on the web
//! listener (`tls`), systemd readiness, watchdog and socket activation
//! (`systemd`), the metrics registry and its Prometheus text (`metrics`), and
//! online backup and restore (`backup`).
//!
//! Invariant: ops never names redb (the table-by-table copy lives in
//! `store::backup`) nor maud; it names axum only for listener plumbing (the TLS
//! listener, the HTTP → HTTPS redirect).

pub mod backup;
pub mod metrics;
pub mod systemd;
pub mod tls;
