//! Router tests: the application called with `oneshot`, no socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kiosque::clock::ManualClock;
use kiosque::content::Content;
use kiosque::store::Store;
use kiosque::web::{AppState, router};
use std::sync::Arc;
use tower::ServiceExt;

use crate::support::{demo_template, now, test_config};

async fn demo_app() -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), None);
    std::fs::copy(demo_template(), config.store_path()).unwrap();
    let store = Store::open(&config.store_path()).unwrap();
    let state = AppState::new(
        Content::new(store),
        Arc::new(config),
        Arc::new(ManualClock::new(now())),
    );
    (dir, router(state))
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn every_list_route_answers() {
    let (_dir, app) = demo_app().await;
    for uri in [
        "/",
        "/actus",
        "/rh",
        "/agenda",
        "/annonces",
        "/emploi",
        "/pages",
        "/liens",
        "/syndicats",
        "/syndicats/cgt",
        "/connexion",
        "/agenda/jour/2026-12-01",
        "/agenda?semaine=2026-12-07",
        "/emploi?type=formation",
        "/annonces?categorie=don",
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.starts_with("<!DOCTYPE html>"), "{uri}");
    }
}

#[tokio::test]
async fn internal_details_never_reach_the_page() {
    let (_dir, app) = demo_app().await;
    let (status, body) = get(&app, "/agenda?semaine=not-a-date").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!body.contains("Error") && !body.contains("parse"), "{body}");
}
