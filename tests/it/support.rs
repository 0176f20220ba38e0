//! Test support: start a kiosque in-process, fetch pages, query HTML by selector.

use jiff::Timestamp;
use kiosque::app::{self, Running};
use kiosque::clock::ManualClock;
use kiosque::config::{Config, Overrides};
use scraper::{Html, Selector};
use std::sync::Arc;

/// The instant every test server believes it is (demo content is relative to it).
pub const NOW: &str = "2026-11-29T10:00:00Z";

pub fn now() -> Timestamp {
    NOW.parse().unwrap()
}

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    running: Option<Running>,
    pub dir: tempfile::TempDir,
}

/// A config for tests: demo or not, port 0, a fresh data directory.
pub fn test_config(dir: &std::path::Path, file: Option<&str>) -> Config {
    let overrides = Overrides {
        data_dir: Some(dir.to_owned()),
        listen: Some("127.0.0.1:0".parse().unwrap()),
    };
    Config::merge(file.map(|t| ("test.toml", t)), [], &overrides).unwrap()
}

/// A demo store seeded at [`NOW`], made once per test run.
pub fn demo_template() -> &'static std::path::Path {
    static TEMPLATE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-template");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = test_config(&dir, None);
        let store = kiosque::store::Store::open(&config.store_path()).unwrap();
        kiosque::demo::seed_if_empty(&store, &config, now()).unwrap();
        config.store_path()
    })
}

impl TestServer {
    /// The demo intranet, as `cargo run` serves it.
    pub async fn demo() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let config = test_config(dir.path(), None);
        // Seeding draws and encodes photos: do it once per test binary and copy.
        std::fs::copy(demo_template(), config.store_path()).unwrap();
        Self::start_in(dir, config).await
    }

    /// The demo intranet with `agent` signed in (charter accepted) on `client`.
    pub async fn demo_as(login: &str) -> TestServer {
        let mut server = Self::demo().await;
        server.client = server.signed_in(login, crate::support::DEMO_PASSWORD).await;
        server
    }

    pub async fn start_in(dir: tempfile::TempDir, config: Config) -> TestServer {
        let clock = Arc::new(ManualClock::new(now()));
        let running = app::start(config, clock.clone()).await.unwrap();
        TestServer {
            base: format!("http://{}", running.addr),
            client: new_client(),
            clock,
            running: Some(running),
            dir,
        }
    }

    pub fn state(&self) -> &kiosque::web::AppState {
        &self.running.as_ref().unwrap().state
    }

    pub fn kiosk_url(&self, path: &str) -> String {
        let addr = self
            .running
            .as_ref()
            .unwrap()
            .kiosk_addr
            .expect("a kiosk listener");
        format!("http://{addr}{path}")
    }

    /// Posts the sign-in form from `client`; returns the response (not followed).
    pub async fn post_sign_in(
        &self,
        client: &reqwest::Client,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/connexion"))
            .form(&[
                ("identifiant", login),
                ("mot_de_passe", password),
                ("retour", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A new client signed in as `login`, charter accepted.
    pub async fn signed_in(&self, login: &str, password: &str) -> reqwest::Client {
        let client = new_client();
        let response = self.post_sign_in(&client, login, password).await;
        assert_eq!(response.status().as_u16(), 303, "sign-in of {login}");
        accept_charter(&client, &self.base).await;
        client
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GETs a page, asserts its status and parses it.
    pub async fn page(&self, path: &str, status: u16) -> Html {
        let response = self.get(path).await;
        assert_eq!(
            response.status().as_u16(),
            status,
            "GET {path} (location {:?})",
            response.headers().get("location")
        );
        Html::parse_document(&response.text().await.unwrap())
    }

    /// Stops the server and hands back its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        self.running.take().unwrap().stop().await.unwrap();
        self.dir
    }
}

pub const DEMO_PASSWORD: &str = "kiosque";

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Accepts the charter if the server asks for it.
pub async fn accept_charter(client: &reqwest::Client, base: &str) {
    let response = client
        .get(format!("{base}/charte/accepter"))
        .send()
        .await
        .unwrap();
    if response.status().as_u16() != 200 {
        return;
    }
    let html = Html::parse_document(&response.text().await.unwrap());
    let form = |name: &str| {
        attrs(
            &html,
            &format!("form[action='/charte/accepter'] input[name={name}]"),
            "value",
        )
        .remove(0)
    };
    let fields = [
        ("csrf", form("csrf")),
        ("version", form("version")),
        ("retour", "/".to_owned()),
    ];
    let accepted = client
        .post(format!("{base}/charte/accepter"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 303);
}

/// The CSRF token of a signed-in page (from the sign-out form every page has).
pub fn csrf_of(html: &Html) -> String {
    attrs(html, "form.logout input[name=csrf]", "value").remove(0)
}

pub fn select<'a>(html: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let parsed = Selector::parse(selector).unwrap();
    html.select(&parsed).collect()
}

pub fn text(html: &Html, selector: &str) -> String {
    select(html, selector)
        .first()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .unwrap_or_default()
}

pub fn attrs(html: &Html, selector: &str, attr: &str) -> Vec<String> {
    select(html, selector)
        .iter()
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}
