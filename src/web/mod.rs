//! The only module that names maud, and (with the federation peer API) axum:
//! the router, middleware, error pages and the handlers of each area.
//! Invariant: handlers read top to bottom (extract → one operation → one view)
//! and every response carries the security headers.

mod assets;
pub mod auth;
mod error;
pub mod forms;
mod joined;
mod metrics;
mod routes;
pub mod uploads;
pub mod views;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::clock::Clock;
use crate::config::Config;
use crate::content::Content;
use crate::directory::Directory;
use crate::feeds::Feeds;
use crate::search::Search;
use crate::session::{Sessions, Throttle};
use crate::store::Store;
use auth::Visitor;
pub use error::WebError;
use views::{Chrome, Section, Site};

/// Everything a handler may use: one shared allocation, so that the clone
/// every extractor and middleware makes is one reference count.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
#[derive(Debug)]
pub struct Shared {
    pub content: Content,
    /// The full-text index (kept up to date by a background task).
    pub search: Search,
    /// Calendar and news feeds, and their personal tokens.
    pub feeds: Feeds,
    pub directory: Directory,
    pub sessions: Sessions,
    pub throttle: Arc<Throttle>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub site: Arc<Site>,
    /// Addresses of shared service computers.
    pub shared_networks: Arc<Vec<ipnet::IpNet>>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Cookies get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    /// The shared part of the home page (and its brotli stream).
    pub home_cache: Arc<crate::cache::OneSlot<(u64, i64), joined::SharedPart>>,
    /// The compressed texts that repeat between answers (a page's end).
    pub repeated_parts: Arc<joined::RepeatedParts>,
    /// Signs the tokens that carry uploads across a refused form.
    pub upload_key: Arc<[u8; 32]>,
    /// Hub or edge (set by the composition root).
    pub federation: crate::federation::Federation,
    /// Union logos, re-encoded at start: slug → PNG bytes.
    pub union_logos: Arc<std::collections::HashMap<String, Vec<u8>>>,
    /// Wakes the union mail sender when a message is queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Request counters, latency, and gauges other modules register.
    pub metrics: Arc<crate::ops::metrics::Metrics>,
}

impl AppState {
    pub fn new(
        store: Store,
        search: Search,
        directory: Directory,
        config: Arc<Config>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let site = Site {
            name: config.site_name.clone(),
            demo: config.demo,
            css_url: assets::asset_url("kiosque.css"),
            js_url: assets::asset_url("kiosque.js"),
            icon_url: assets::asset_url("favicon.svg"),
            kiosk_css_url: assets::asset_url("kiosk.css"),
            kiosk_js_url: assets::asset_url("kiosk.js"),
            tz: config.time_zone(),
            unions: config
                .unions
                .iter()
                .map(|u| (u.slug.clone(), u.name.clone()))
                .collect(),
            kiosk_name: config.kiosk.name.clone(),
            kiosk_place: config.kiosk.place.clone(),
            kiosk_idle_seconds: config.sessions.kiosk_idle_seconds,
        };
        let shared_networks = config
            .sessions
            .shared_addresses
            .iter()
            .filter_map(|a| crate::config::parse_network(a))
            .collect();
        AppState(Arc::new(Shared {
            content: Content::new(store.clone()),
            search,
            feeds: Feeds::new(store.clone()),
            directory,
            sessions: Sessions::new(store, crate::session::limits(&config)),
            throttle: Arc::new(Throttle::new()),
            secure_cookies: config.public_url.starts_with("https://") || config.tls.enabled,
            shared_networks: Arc::new(shared_networks),
            trusted_proxies: Arc::new(
                config
                    .sessions
                    .trusted_proxies
                    .iter()
                    .filter_map(|a| crate::config::parse_network(a))
                    .collect(),
            ),
            home_cache: Arc::default(),
            repeated_parts: Arc::default(),
            upload_key: Arc::new(rand::random()),
            federation: Default::default(),
            union_logos: Arc::default(),
            mail_wake: Arc::default(),
            metrics: Arc::default(),
            config,
            clock,
            site: Arc::new(site),
        }))
    }

    /// The state's parts, to finish setting them up at construction (the
    /// federation, union logos) before the state is shared.
    pub fn before_sharing(&mut self) -> &mut Shared {
        Arc::get_mut(&mut self.0).expect("the state is not shared yet")
    }

    pub fn chrome<'a>(&'a self, section: Section, visitor: &'a Visitor) -> Chrome<'a> {
        Chrome {
            site: &self.site,
            section,
            now: self.clock.now(),
            user: visitor.user(),
            csrf: visitor.signed_in.as_ref().map(|s| s.session.csrf.as_str()),
            device: visitor.device,
            pending: visitor.pending,
            offline: self
                .federation
                .edge
                .as_ref()
                .filter(|edge| !edge.online())
                .map(|edge| views::layout::Offline {
                    last_contact: edge.status.last_contact(),
                }),
            parts: false,
        }
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole web application, ready to serve or to call with `oneshot`.
pub fn router(state: AppState) -> Router {
    app(state, true)
}

/// The application for a borne's own browser on the loopback kiosk listener:
/// the same, without compression (nothing to save on loopback, CPU to spare
/// on a small box).
pub fn kiosk_router(state: AppState) -> Router {
    app(state, false)
}

fn app(state: AppState, compress: bool) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    let csrf = tower_http::csrf::CsrfLayer::new();
    let csrf = match csrf
        .clone()
        .add_trusted_origin(state.config.public_url.trim_end_matches('/'))
    {
        Ok(with_origin) => with_origin,
        Err(_) => csrf,
    };
    let routes = routes::routes()
        .fallback(routes::not_found)
        // Inside out: the Origin check, French error pages (which see the
        // visitor), then who is asking.
        .layer(csrf)
        .layer(middleware::from_fn_with_state(state.clone(), hub_only))
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        // Handlers may set a stricter policy (media are sandboxed).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let routes = if compress {
        // Brotli and gzip at their fastest level: most of the gain for a
        // fraction of the CPU of their defaults, which matters on a small box.
        routes.layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(1)))
    } else {
        routes
    };
    routes
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // Outside the session and page layers: Prometheus is not an agent.
        .route("/metrics", axum::routing::get(metrics::get_metrics))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// What an edge leaves to the hub: changing or removing published content,
/// moderation, the administration that is the hub's (charter, annuaire), and
/// the authors' and webmasters' side of participation (follow-up of notes,
/// making questionnaires and their export, opening comments, making spaces,
/// removing messages). Agents' own participation works on edges too,
/// through the outbox (issue 11, point 6).
fn is_hub_only(method: &axum::http::Method, path: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "/modifier/",
        "/supprimer/",
        "/renouveler/",
        "/moderation",
        "/admin/charte",
        "/admin/annuaire",
        "/suivi-lecture/",
        "/questionnaires/nouveau",
    ];
    const SUFFIXES: [&str; 3] = ["/export.csv", "/ouverture", "/retirer"];
    PREFIXES.iter().any(|prefix| path.starts_with(prefix))
        || ((path.starts_with("/questionnaires/")
            || path.starts_with("/commentaires/")
            || path.starts_with("/echanges/"))
            && SUFFIXES.iter().any(|suffix| path.ends_with(suffix)))
        || (method == axum::http::Method::POST && path == "/echanges")
}

async fn hub_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.federation.is_edge() && is_hub_only(request.method(), request.uri().path()) {
        return WebError::HubOnly.into_response();
    }
    next.run(request).await
}

/// Turns every error response into a French page in the site's frame, so that
/// no internal detail (nor a bare "405") ever reaches an agent.
async fn render_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let visitor = request.extensions().get::<Visitor>().cloned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        return response;
    }
    let message = response
        .extensions()
        .get::<error::ErrorPage>()
        .map(|p| p.message)
        .unwrap_or_else(|| error::message_for_status(status));
    let visitor = visitor.unwrap_or(Visitor {
        device: crate::domain::DeviceClass::Personal,
        address: std::net::IpAddr::from([127, 0, 0, 1]),
        signed_in: None,
        pending: None,
    });
    let chrome = state.chrome(Section::Other, &visitor);
    let mut page = (
        status,
        views::pages::error(&chrome, status.as_u16(), message),
    )
        .into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        page.headers_mut().insert(header::ALLOW, allow.clone());
    }
    page
}

#[cfg(test)]
mod tests {
    use super::is_hub_only;
    use axum::http::Method;

    #[test]
    fn edges_serve_agents_participation_and_leave_the_authors_side_to_the_hub() {
        let (get, post) = (Method::GET, Method::POST);
        for path in [
            "/questionnaires",
            "/questionnaires/01J0000000000000000000000A",
            "/questionnaires/01J0000000000000000000000A/resultats",
            "/commentaires/01J0000000000000000000000A",
            "/commentaires/01J0000000000000000000000A/01J0000000000000000000000B/modifier",
            "/commentaires/01J0000000000000000000000A/01J0000000000000000000000B/signaler",
            "/echanges/01J0000000000000000000000A",
            "/echanges/01J0000000000000000000000A/suivre",
            "/emploi/profil",
        ] {
            assert!(!is_hub_only(&post, path), "{path} is served on an edge");
        }
        assert!(!is_hub_only(&get, "/echanges"));
        for (method, path) in [
            (&post, "/echanges"),
            (&get, "/questionnaires/nouveau"),
            (
                &get,
                "/questionnaires/01J0000000000000000000000A/export.csv",
            ),
            (&post, "/commentaires/01J0000000000000000000000A/ouverture"),
            (
                &post,
                "/commentaires/01J0000000000000000000000A/01J0000000000000000000000B/retirer",
            ),
            (
                &post,
                "/echanges/01J0000000000000000000000A/01J0000000000000000000000B/retirer",
            ),
            (&get, "/suivi-lecture/01J0000000000000000000000A"),
            (&get, "/moderation"),
            (&post, "/modifier/01J0000000000000000000000A"),
        ] {
            assert!(is_hub_only(method, path), "{path} is the hub's");
        }
    }
}
