//! Request accounting and `/metrics`: every request gets a request id (kept from
//! a reverse proxy's `X-Request-Id` when it looks like one), is logged in one
//! line with its route template, status and duration, and counted in
//! [`crate::ops::metrics::Metrics`].
//!
//! Invariant: logs and metrics name the route template (`/continuer/{token}`),
//! never the raw path or query, so no token, login or search reaches them.
//! `/metrics` answers loopback peers that did not come through a proxy, and
//! anyone presenting `metrics.bearer_token`; nobody else.

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;
use tracing::Instrument;

use super::AppState;
use crate::ops::metrics::Sampled;
use crate::session::Listener;

const REQUEST_ID: &str = "x-request-id";

/// The outermost layer (it still runs after routing: `Router::layer` wraps
/// each route, so the route template is known): request id, one log line, the
/// counters.
pub async fn track(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID, value);
    }
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "(aucune)".to_owned());
    let span = tracing::info_span!("request", id = %id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    let elapsed = started.elapsed();
    state
        .metrics
        .observe(method.as_str(), &route, status.as_u16(), elapsed);
    span.in_scope(|| {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::warn!(%method, %route, status = status.as_u16(), ms, "request");
        } else {
            tracing::debug!(%method, %route, status = status.as_u16(), ms, "request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// `GET /metrics`: the Prometheus text exposition.
pub async fn get_metrics(State(state): State<AppState>, request: Request) -> Response {
    if !may_read_metrics(&state, &request) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "/metrics: loopback only, or Authorization: Bearer <metrics.bearer_token>\n",
        )
            .into_response();
    }
    let sessions = match state.sessions.count_by_device().await {
        Ok(counts) => counts.iter().map(|(d, n)| (d.key(), *n)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot count sessions");
            Vec::new()
        }
    };
    let store_bytes = std::fs::metadata(state.config.store_path())
        .map(|m| m.len())
        .unwrap_or(0);
    let text = state.metrics.render(&Sampled {
        sessions,
        store_bytes,
    });
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

fn may_read_metrics(state: &AppState, request: &Request) -> bool {
    if let Some(token) = &state.config.metrics.bearer_token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(presented) = presented
            && constant_time_eq(presented.as_bytes(), token.expose().as_bytes())
        {
            return true;
        }
    }
    let on_kiosk = request.extensions().get::<Listener>() == Some(&Listener::Kiosk);
    // A reverse proxy on this host makes every visitor look local.
    let proxied = request.headers().contains_key("x-forwarded-for")
        || request.headers().contains_key(header::FORWARDED);
    let loopback = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback());
    loopback && !proxied && !on_kiosk
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
