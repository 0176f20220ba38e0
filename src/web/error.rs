//! The web boundary's error type and the one place that maps errors to statuses
//! and French pages. The log gets the detail; the agent gets a helpful sentence.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// A request the agent can fix; the message is French and shown as is.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The page needs a signed-in agent.
    #[error("sign-in required")]
    SignInRequired,
    #[error("forbidden")]
    Forbidden,
    /// On an edge: this is done on the hub (moderation, edits, administration).
    #[error("hub only")]
    HubOnly,
    #[error("internal error: {0}")]
    Internal(String),
}

/// A refused or impossible change to content. Handlers whose agents need a
/// more precise sentence for `Invalid` map it themselves.
impl From<crate::content::WriteError> for WebError {
    fn from(e: crate::content::WriteError) -> Self {
        use crate::content::WriteError;
        match e {
            WriteError::Denied => WebError::Forbidden,
            WriteError::NotFound => WebError::NotFound,
            WriteError::Invalid(_) => WebError::BadRequest("Cette demande n'est pas valable."),
            WriteError::Store(e) => e.into(),
        }
    }
}

impl From<crate::search::SearchError> for WebError {
    fn from(e: crate::search::SearchError) -> Self {
        WebError::Internal(e.to_string())
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        WebError::Internal(e.to_string())
    }
}

/// Attached to error responses; the error-page middleware turns it into HTML
/// with the site's frame.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub message: &'static str,
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::SignInRequired => StatusCode::SEE_OTHER,
            WebError::Forbidden | WebError::HubOnly => StatusCode::FORBIDDEN,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> &'static str {
        match self {
            WebError::NotFound => {
                "Cette page n'existe pas ou n'est plus en ligne. Elle a peut-être été retirée ou déplacée."
            }
            WebError::BadRequest(message) => message,
            WebError::SignInRequired => "Connectez-vous pour continuer.",
            WebError::Forbidden => {
                "Vous n'avez pas accès à cette page ou à cette action. Si vous pensez que c'est une erreur, contactez l'assistance informatique."
            }
            WebError::HubOnly => {
                "Cela se fait sur l'intranet principal, depuis un ordinateur ou votre téléphone. Sur cet appareil, vous pouvez consulter l'intranet, publier une annonce, proposer un contenu ou signaler un problème."
            }
            WebError::Internal(_) => {
                "Un problème technique nous empêche d'afficher cette page. Réessayez dans un instant ; si cela continue, prévenez l'assistance informatique."
            }
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        if let WebError::SignInRequired = self {
            return axum::response::Redirect::to("/connexion").into_response();
        }
        let mut response = (self.status(), self.message()).into_response();
        response.extensions_mut().insert(ErrorPage {
            message: self.message(),
        });
        response
    }
}

/// The French sentence for an error status that did not come from a handler
/// (an unknown method, a body over the limit, a timeout…).
pub fn message_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => WebError::NotFound.message(),
        StatusCode::METHOD_NOT_ALLOWED => "Cette action n'est pas possible à cette adresse.",
        StatusCode::PAYLOAD_TOO_LARGE => "Le contenu envoyé est trop volumineux.",
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => {
            "La page a mis trop de temps à répondre. Réessayez dans un instant."
        }
        StatusCode::FORBIDDEN => WebError::Forbidden.message(),
        s if s.is_client_error() => "La demande n'a pas pu être comprise.",
        _ => WebError::Internal(String::new()).message(),
    }
}
