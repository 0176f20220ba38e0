//! Blobs by hash. Only re-encoded media are ever stored, and they are served
//! with a type the store recorded, `nosniff` and a sandboxing CSP.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::domain::BlobHash;
use crate::web::auth::Visitor;
use crate::web::{AppState, WebError};

/// How many items a borne's idle screen cycles.
pub const SIGNAGE_ITEMS: usize = 12;

pub async fn get_media(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(hex): Path<String>,
) -> Result<Response, WebError> {
    let hash = BlobHash::from_hex(&hex).ok_or(WebError::NotFound)?;
    if visitor.signed_in.is_none() {
        // A signed-out borne sees only the photos of its idle screen.
        let signage = state
            .content
            .signage(state.clock.now(), SIGNAGE_ITEMS)
            .await?;
        let shown = signage
            .iter()
            .flat_map(|item| item.visible_photos())
            .any(|m| m.hash == hash || m.thumbnail == Some(hash));
        if !shown {
            return Err(WebError::NotFound);
        }
    }
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
