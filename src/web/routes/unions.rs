//! The unions' spaces: reading, the agent's own subscription to a union's
//! mailing list, and for that union's editors only (`Action::UnionMailingList`)
//! the subscriber list and the messages. Invariant: nothing here records who
//! visits a union page, logs who subscribes, or counts subscribers for anyone
//! but the union's editors.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::page_number;
use super::spaces::parse_id;
use crate::domain::mailing::{UnionMessage, read_unsubscribe_token};
use crate::domain::policy::{Action, decide};
use crate::domain::{Space, UnionSlug, User};
use crate::federation::wire::Submission;
use crate::mailing::UNSUBSCRIBE_SECRET;
use crate::web::auth::{Agent, SignedIn, Visitor, check_csrf};
use crate::web::views::unions::{
    MessageForm, MessagesPage, Subscriber, Subscription, UnionHeader, UnionPage,
};
use crate::web::views::{Section, pages, unions as views};
use crate::web::{AppState, WebError};

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    /// On an edge, after a subscription request: `abonnement` or `desabonnement`.
    demande: Option<String>,
}

pub async fn get_unions(visitor: Visitor, State(state): State<AppState>) -> Markup {
    pages::unions(&state.chrome(Section::Syndicats, &visitor))
}

/// The configured union for a URL slug, or not found.
fn union<'a>(
    state: &'a AppState,
    slug: &str,
) -> Result<(&'a crate::config::UnionConfig, UnionSlug), WebError> {
    let union = state
        .config
        .unions
        .iter()
        .find(|u| u.slug == slug)
        .ok_or(WebError::NotFound)?;
    let slug = UnionSlug::parse(&union.slug).ok_or(WebError::NotFound)?;
    Ok((union, slug))
}

fn header_of<'a>(state: &AppState, union: &'a crate::config::UnionConfig) -> UnionHeader<'a> {
    UnionHeader {
        slug: &union.slug,
        name: &union.name,
        description: &union.description,
        has_logo: state.union_logos.contains_key(&union.slug),
    }
}

fn edits(user: &User, slug: &UnionSlug) -> bool {
    decide(user, &Action::UnionMailingList(slug.clone()), None).allowed()
}

/// The union's editors only, on the hub only (the list never leaves it).
fn editor_of(state: &AppState, signed_in: &SignedIn, slug: &UnionSlug) -> Result<(), WebError> {
    if !edits(&signed_in.user, slug) {
        return Err(WebError::Forbidden);
    }
    if state.federation.is_edge() {
        return Err(WebError::HubOnly);
    }
    Ok(())
}

pub async fn get_union(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, WebError> {
    let page = page_number(query.page.as_deref())?;
    let (union, slug) = union(&state, &slug)?;
    let chrome = state.chrome(Section::Syndicats, &visitor);
    let listing = state
        .content
        .listing(
            Space::Syndicat(slug.clone()),
            page,
            state.config.page_size,
            chrome.now,
            |_| true,
        )
        .await?;
    let subscription = match (visitor.user(), state.federation.is_edge()) {
        (None, _) => Subscription::Unknown,
        (Some(_), true) => match query.demande.as_deref() {
            Some("abonnement") => Subscription::RequestSent { subscribe: true },
            Some("desabonnement") => Subscription::RequestSent { subscribe: false },
            _ => Subscription::Unknown,
        },
        (Some(user), false) => {
            let (slug, login) = (slug.clone(), user.login.clone());
            let subscribed = state
                .content
                .store()
                .run(move |s| s.is_subscribed(&slug, &login))
                .await?;
            if subscribed {
                Subscription::Subscribed
            } else {
                Subscription::NotSubscribed
            }
        }
    };
    let base = format!("/syndicats/{}", union.slug);
    Ok(views::union_space(
        &chrome,
        &UnionPage {
            union: header_of(&state, union),
            listing: &listing,
            base: &base,
            subscription,
            editor: visitor.user().is_some_and(|u| edits(u, &slug)),
        },
    ))
}

#[derive(Deserialize)]
pub struct SubscriptionForm {
    csrf: String,
    /// `oui` or `non`.
    abonner: String,
}

/// One tap: takes effect at once on the hub; on an edge, goes to the hub
/// through the outbox (and leaves no trace here once delivered).
pub async fn post_subscription(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Form(form): Form<SubscriptionForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (union, slug) = union(&state, &slug)?;
    let subscribe = match form.abonner.as_str() {
        "oui" => true,
        "non" => false,
        _ => return Err(WebError::BadRequest("Cette demande n'est pas valable.")),
    };
    if let Some(edge) = &state.federation.edge {
        super::outbox::queue(
            edge,
            &signed_in.user,
            "Liste de diffusion syndicale".into(),
            Submission::Subscription {
                union: slug,
                subscribe,
            },
        )?;
        let demande = if subscribe {
            "abonnement"
        } else {
            "desabonnement"
        };
        return Ok(Redirect::to(&format!(
            "/syndicats/{}?demande={demande}#abonnement",
            union.slug
        ))
        .into_response());
    }
    let (login, at) = (signed_in.user.login.clone(), state.clock.now());
    state
        .content
        .store()
        .run(move |s| s.set_subscription(&slug, &login, subscribe, at))
        .await?;
    Ok(Redirect::to(&format!("/syndicats/{}#abonnement", union.slug)).into_response())
}

pub async fn get_logo(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let bytes = state
        .union_logos
        .get(&slug)
        .cloned()
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

pub async fn get_subscribers(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Markup, WebError> {
    let (union, slug) = union(&state, &slug)?;
    editor_of(&state, &signed_in, &slug)?;
    let list = state
        .content
        .store()
        .run(move |s| {
            let mut out = Vec::new();
            for (login, since) in s.subscribers(&slug)? {
                let user = s.get_user(&login)?;
                out.push(Subscriber {
                    name: user
                        .as_ref()
                        .map(User::display_name)
                        .unwrap_or_else(|| login.to_string()),
                    service: user.map(|u| u.service).unwrap_or_default(),
                    since,
                });
            }
            Ok(out)
        })
        .await?;
    let chrome = state.chrome(Section::Syndicats, &visitor);
    Ok(views::subscribers(
        &chrome,
        &header_of(&state, union),
        &list,
    ))
}

#[derive(Deserialize)]
pub struct MessagesQuery {
    envoye: Option<String>,
}

async fn messages_page(
    state: &AppState,
    visitor: &Visitor,
    union: &crate::config::UnionConfig,
    slug: UnionSlug,
    form: MessageForm,
    error: Option<&'static str>,
    queued: bool,
) -> Result<Markup, WebError> {
    let messages = state
        .content
        .store()
        .run(move |s| s.union_messages(&slug, 50))
        .await?;
    let chrome = state.chrome(Section::Syndicats, visitor);
    Ok(views::messages(
        &chrome,
        &MessagesPage {
            union: header_of(state, union),
            messages: &messages,
            form,
            error,
            queued,
            sending_configured: state.config.smtp.is_some(),
        },
    ))
}

pub async fn get_messages(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<MessagesQuery>,
) -> Result<Markup, WebError> {
    let (union, slug) = union(&state, &slug)?;
    editor_of(&state, &signed_in, &slug)?;
    let queued = query.envoye.is_some();
    messages_page(
        &state,
        &visitor,
        union,
        slug,
        MessageForm::default(),
        None,
        queued,
    )
    .await
}

#[derive(Deserialize)]
pub struct MessageFields {
    csrf: String,
    objet: String,
    message: String,
}

pub async fn post_message(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Form(form): Form<MessageFields>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (union, slug) = union(&state, &slug)?;
    editor_of(&state, &signed_in, &slug)?;
    let subject = form.objet.trim().to_owned();
    let body = form.message.trim().to_owned();
    let error = if subject.is_empty() || body.is_empty() {
        Some("Indiquez un objet et un message.")
    } else if subject.chars().count() > 200 {
        Some("L'objet est trop long : 200 caractères au plus.")
    } else if body.chars().count() > 20_000 {
        Some("Le message est trop long : 20 000 caractères au plus.")
    } else if subject.contains(['\r', '\n']) {
        Some("L'objet doit tenir sur une ligne.")
    } else {
        None
    };
    if let Some(error) = error {
        let kept = MessageForm {
            subject: form.objet,
            body: form.message,
        };
        let page = messages_page(&state, &visitor, union, slug, kept, Some(error), false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = state.clock.now();
    let message = UnionMessage {
        id: ulid::Ulid::from_parts(
            u64::try_from(now.as_millisecond()).unwrap_or(0),
            rand::random(),
        )
        .0,
        union: slug,
        subject,
        body,
        author: signed_in.user.login.clone(),
        created: now,
    };
    state
        .content
        .store()
        .run(move |s| s.queue_message(&message))
        .await?;
    state.mail_wake.notify_one();
    Ok(Redirect::to(&format!("/syndicats/{}/messages?envoye=1", union.slug)).into_response())
}

/// Reads an unsubscribe link's token: the union (still configured) and agent.
async fn unsubscribe_target(
    state: &AppState,
    token: &str,
) -> Result<(String, crate::domain::Login, UnionSlug), WebError> {
    const INVALID: &str = "Ce lien de désabonnement n'est pas valable. Vous pouvez vous désabonner depuis la page du syndicat sur l'intranet.";
    if state.federation.is_edge() {
        return Err(WebError::HubOnly);
    }
    let key = state
        .content
        .store()
        .run(|s| s.secret(UNSUBSCRIBE_SECRET))
        .await?;
    let (slug, login) = read_unsubscribe_token(&key, token).ok_or(WebError::BadRequest(INVALID))?;
    let (union, _) = union(state, slug.as_str()).map_err(|_| WebError::BadRequest(INVALID))?;
    Ok((union.name.clone(), login, slug))
}

pub async fn get_unsubscribe(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Markup, WebError> {
    let (name, _, _) = unsubscribe_target(&state, &token).await?;
    let chrome = state.chrome(Section::Syndicats, &visitor);
    Ok(views::unsubscribe(&chrome, &name, &token, false))
}

/// RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click` here,
/// or the agent presses the confirmation page's button. No session needed.
pub async fn post_unsubscribe(
    visitor: Visitor,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Markup, WebError> {
    let (name, login, slug) = unsubscribe_target(&state, &token).await?;
    let at = state.clock.now();
    state
        .content
        .store()
        .run(move |s| s.set_subscription(&slug, &login, false, at))
        .await?;
    let chrome = state.chrome(Section::Syndicats, &visitor);
    Ok(views::unsubscribe(&chrome, &name, &token, true))
}

pub async fn get_union_item(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<super::spaces::ItemQuery>,
) -> Result<Markup, WebError> {
    let (_, slug) = union(&state, &slug)?;
    let space = Space::Syndicat(slug);
    let id = parse_id(&id)?;
    let chrome = state.chrome(Section::Syndicats, &visitor);
    let item = state
        .content
        .item_for(&signed_in.user, space, id, chrome.now)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut can = super::spaces::actions_for(&signed_in.user, &item, &query);
    can.continue_url = super::spaces::continue_url(&state, &visitor, &item).await?;
    Ok(pages::item(&chrome, &item, &can))
}
