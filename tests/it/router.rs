//! Router tests: the application called with `oneshot`, no socket.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kiosque::clock::ManualClock;
use kiosque::directory::Directory;
use kiosque::domain::{DeviceClass, Login};
use kiosque::store::{Acceptance, Store};
use kiosque::web::{AppState, router};
use std::sync::Arc;
use tower::ServiceExt;

use crate::support::{demo_template, now, test_config};

const LIST_ROUTES: [&str; 17] = [
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
    "/agenda/jour/2026-12-01",
    "/agenda?semaine=2026-12-07",
    "/emploi?type=formation",
    "/annonces?categorie=don",
    "/annuaire",
    "/organigramme",
    "/charte",
];

async fn demo_app() -> (tempfile::TempDir, AppState, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), None);
    std::fs::copy(demo_template(), config.store_path()).unwrap();
    let store = Store::open(&config.store_path()).unwrap();
    store
        .publish_charter(
            "La charte de test, assez longue.",
            &Login::new("dsi"),
            now(),
        )
        .unwrap();
    let directory = Directory::from_config(&config, store.clone()).unwrap();
    let state = AppState::new(
        store,
        kiosque::search::Search::in_memory(),
        directory,
        Arc::new(config),
        Arc::new(ManualClock::new(now())),
    );
    (dir, state.clone(), router(state))
}

/// A session cookie for `login`, charter accepted (as a local-address visitor: personal).
async fn cookie_for(state: &AppState, login: &str) -> String {
    let opened = state
        .sessions
        .open(Login::new(login), DeviceClass::Personal, false, now())
        .await
        .unwrap();
    let store = state.content.store().clone();
    let login = Login::new(login);
    store
        .accept_charter(
            &login,
            &Acceptance {
                version: 1,
                at: now(),
            },
        )
        .unwrap();
    format!("kiosque_session={}", opened.token)
}

async fn get(
    app: &axum::Router,
    uri: &str,
    cookie: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test]
async fn every_page_needs_a_session_but_sign_in_and_health() {
    let (_dir, _, app) = demo_app().await;
    for uri in LIST_ROUTES {
        let (status, location, _) = get(&app, uri, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert!(location.unwrap().starts_with("/connexion"), "{uri}");
    }
    let (status, location, _) = get(&app, "/actus?page=2", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.unwrap(), "/connexion?retour=%2Factus%3Fpage%3D2");
    assert_eq!(get(&app, "/connexion", None).await.0, StatusCode::OK);
    assert_eq!(get(&app, "/healthz", None).await.0, StatusCode::OK);
    assert_eq!(
        get(&app, "/static/kiosque.css", None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_list_route_answers_a_signed_in_agent() {
    let (_dir, state, app) = demo_app().await;
    let cookie = cookie_for(&state, "agent").await;
    for uri in LIST_ROUTES {
        let (status, _, body) = get(&app, uri, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.starts_with("<!DOCTYPE html>"), "{uri}");
    }
}

#[tokio::test]
async fn internal_details_never_reach_the_page() {
    let (_dir, state, app) = demo_app().await;
    let cookie = cookie_for(&state, "agent").await;
    let (status, _, body) = get(&app, "/agenda?semaine=not-a-date", Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!body.contains("Error") && !body.contains("parse"), "{body}");
}

#[tokio::test]
async fn only_admins_reach_administration() {
    let (_dir, state, app) = demo_app().await;
    let agent = cookie_for(&state, "agent").await;
    assert_eq!(
        get(&app, "/admin", Some(&agent)).await.0,
        StatusCode::FORBIDDEN
    );
    let webmaster = cookie_for(&state, "webmestre").await;
    assert_eq!(
        get(&app, "/admin", Some(&webmaster)).await.0,
        StatusCode::FORBIDDEN
    );
    let admin = cookie_for(&state, "dsi").await;
    assert_eq!(get(&app, "/admin", Some(&admin)).await.0, StatusCode::OK);
    assert_eq!(
        get(&app, "/admin/charte", Some(&admin)).await.0,
        StatusCode::OK
    );
}
