//! Static assets (CSS, JS, icons) embedded in the binary. URLs carry a content
//! version so browsers may cache them for a year; ETags answer revalidation.

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use serde::Deserialize;

use super::error::WebError;

#[derive(RustEmbed)]
#[folder = "assets/static/"]
struct Static;

fn version(path: &str) -> Option<String> {
    Static::get(path).map(|file| {
        file.metadata.sha256_hash()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// The versioned URL of an asset, e.g. `/static/kiosque.css?v=1a2b…`.
pub fn asset_url(path: &str) -> String {
    match version(path) {
        Some(v) => format!("/static/{path}?v={v}"),
        None => format!("/static/{path}"),
    }
}

#[derive(Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

pub async fn get_asset(
    Path(path): Path<String>,
    Query(query): Query<AssetQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let file = Static::get(&path).ok_or(WebError::NotFound)?;
    let etag = format!("\"{}\"", version(&path).unwrap_or_default());
    let cache = if query.v.is_some() {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = file.metadata.mimetype().to_owned();
        ([(header::CONTENT_TYPE, mime)], file.data.into_owned()).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    Ok(response)
}
