//! Blobs by hash. Only re-encoded media are ever stored, and they are served
//! with a type the store recorded, `nosniff` and a sandboxing CSP.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::domain::BlobHash;
use crate::web::{AppState, WebError};

pub async fn get_media(
    State(state): State<AppState>,
    Path(hex): Path<String>,
) -> Result<Response, WebError> {
    let hash = BlobHash::from_hex(&hex).ok_or(WebError::NotFound)?;
    let (bytes, media_type) = state.content.blob(hash).await?.ok_or(WebError::NotFound)?;
    let mut response = ([(header::CONTENT_TYPE, media_type)], bytes).into_response();
    let h = response.headers_mut();
    // Content-addressed: the bytes behind a hash never change.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}
