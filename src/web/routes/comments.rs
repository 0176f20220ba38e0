//! Comments under actus and events. Edges hold a copy (the shared log); an
//! agent's comment, edit or report made on an edge goes to the hub through
//! the outbox and comes back with the copy. Opening and removing stay on the hub.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::outbox::{queue, waiting};
use super::spaces::parse_id;
use crate::content::{WriteError, new_id};
use crate::domain::participation::Thread;
use crate::domain::policy::{Action, decide};
use crate::domain::{Item, ItemId, User};
use crate::federation::wire::Submission;
use crate::web::auth::{Agent, check_csrf};
use crate::web::views::Section;
use crate::web::views::comments::{self, CommentPage, CommentsBox};
use crate::web::views::items::item_url;
use crate::web::{AppState, WebError};

/// What an item's page shows `user` about its comments (None: not an item
/// that takes comments). On an edge, opening and removing are the hub's; the
/// agent's comments still on their way are shown as such.
pub async fn comments_for(
    state: &AppState,
    user: &User,
    item: &Item,
) -> Result<Option<CommentsBox>, WebError> {
    if !decide(user, &Action::Comment { open: true }, Some(item)).allowed() {
        return Ok(None);
    }
    let id = item.id;
    let waiting = waiting(state, user, move |s| match s {
        Submission::Comment { item, body } if item == id => Some(body),
        _ => None,
    })
    .await?;
    let on_hub = !state.federation.is_edge();
    let found = state.content.comments(item.id).await?;
    let now = state.clock.now();
    let editable = found
        .list
        .iter()
        .filter(|c| {
            let action = Action::EditComment {
                author: c.author.clone(),
                within_window: c.within_edit_window(now),
            };
            decide(user, &action, None).allowed()
        })
        .map(|c| c.id)
        .collect();
    let reportable = found
        .list
        .iter()
        .filter(|c| !c.removed && c.author != user.login)
        .map(|c| c.id)
        .collect();
    Ok(Some(CommentsBox {
        can_comment: decide(user, &Action::Comment { open: found.open }, Some(item)).allowed(),
        can_toggle: on_hub && decide(user, &Action::ToggleComments, Some(item)).allowed(),
        can_remove: on_hub && decide(user, &Action::RemoveComment, None).allowed(),
        open: found.open,
        list: found.list,
        editable,
        reportable,
        waiting,
    }))
}

fn parse_comment(raw: &str) -> Result<u128, WebError> {
    ulid::Ulid::from_string(raw)
        .map(|u| u.0)
        .map_err(|_| WebError::NotFound)
}

async fn item_of(state: &AppState, id: ItemId) -> Result<Item, WebError> {
    state
        .content
        .store()
        .run(move |s| s.get_item(id))
        .await?
        .ok_or(WebError::NotFound)
}

fn back_to(item: &Item, anchor: &str) -> Response {
    Redirect::to(&format!("{}#{anchor}", item_url(item))).into_response()
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    texte: String,
    #[serde(default)]
    etat: String,
    #[serde(default)]
    motif: String,
}

pub async fn post_comment(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let user = &signed_in.user;
    let made = state
        .content
        .new_comment(user, id, new_id(now), &form.texte, now)
        .await;
    match made {
        Ok(comment) => {
            let item = item_of(&state, id).await?;
            let anchor = format!("commentaire-{}", ulid::Ulid(comment.id));
            match &state.federation.edge {
                Some(edge) => {
                    let label = format!("Commentaire sur « {} »", item.title);
                    let body = comment.body;
                    queue(edge, user, label, Submission::Comment { item: id, body })?;
                    Ok(back_to(&item, "commentaires"))
                }
                None => {
                    state
                        .content
                        .save_message(Thread::Comments, comment)
                        .await?;
                    Ok(back_to(&item, &anchor))
                }
            }
        }
        Err(WriteError::Invalid(message)) => {
            let item = item_of(&state, id).await?;
            let chrome = state.chrome(Section::Other, &visitor);
            let page = comments::comment_page(
                &chrome,
                &CommentPage {
                    back_title: &item.title,
                    back_href: format!("{}#commentaires", item_url(&item)),
                    heading: "Votre commentaire",
                    action: format!("/commentaires/{id}"),
                    text: &form.texte,
                    error: Some(message),
                },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn post_toggle(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let item = state
        .content
        .set_comments_open(&signed_in.user, id, form.etat == "oui", state.clock.now())
        .await?;
    Ok(back_to(&item, "commentaires"))
}

pub async fn get_edit(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, String)>,
) -> Result<Markup, WebError> {
    let (id, comment) = (parse_id(&id)?, parse_comment(&comment)?);
    let found = state
        .content
        .editable_message(
            Thread::Comments,
            &signed_in.user,
            (id, comment),
            state.clock.now(),
        )
        .await
        .map_err(edit_error)?;
    let item = item_of(&state, id).await?;
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(comments::comment_page(
        &chrome,
        &CommentPage {
            back_title: &item.title,
            back_href: format!("{}#commentaires", item_url(&item)),
            heading: "Modifier votre commentaire",
            action: format!("/commentaires/{id}/{}/modifier", ulid::Ulid(comment)),
            text: &found.body,
            error: None,
        },
    ))
}

/// After 15 minutes (or for someone else's comment) a clear sentence.
fn edit_error(e: WriteError) -> WebError {
    match e {
        WriteError::Denied => WebError::BadRequest(
            "Ce commentaire ne peut plus être modifié : on peut modifier son propre commentaire pendant 15 minutes.",
        ),
        other => other.into(),
    }
}

pub async fn post_edit(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, String)>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (id, comment) = (parse_id(&id)?, parse_comment(&comment)?);
    let now = state.clock.now();
    let user = &signed_in.user;
    match state
        .content
        .edited_message(Thread::Comments, user, (id, comment), &form.texte, now)
        .await
    {
        Ok(edited) => {
            let item = item_of(&state, id).await?;
            match &state.federation.edge {
                Some(edge) => {
                    let label = format!("Commentaire modifié sur « {} »", item.title);
                    let submission = Submission::EditComment {
                        item: id,
                        comment,
                        body: edited.body,
                    };
                    queue(edge, user, label, submission)?;
                }
                None => {
                    state.content.save_message(Thread::Comments, edited).await?;
                }
            }
            Ok(back_to(
                &item,
                &format!("commentaire-{}", ulid::Ulid(comment)),
            ))
        }
        Err(WriteError::Invalid(message)) => {
            let item = item_of(&state, id).await?;
            let chrome = state.chrome(Section::Other, &visitor);
            let page = comments::comment_page(
                &chrome,
                &CommentPage {
                    back_title: &item.title,
                    back_href: format!("{}#commentaires", item_url(&item)),
                    heading: "Modifier votre commentaire",
                    action: format!("/commentaires/{id}/{}/modifier", ulid::Ulid(comment)),
                    text: &form.texte,
                    error: Some(message),
                },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(edit_error(e)),
    }
}

pub async fn post_remove(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, String)>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (id, comment) = (parse_id(&id)?, parse_comment(&comment)?);
    state
        .content
        .remove_message(
            Thread::Comments,
            &signed_in.user,
            (id, comment),
            state.clock.now(),
        )
        .await?;
    let item = item_of(&state, id).await?;
    Ok(back_to(
        &item,
        &format!("commentaire-{}", ulid::Ulid(comment)),
    ))
}

pub async fn post_report(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, String)>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (id, comment) = (parse_id(&id)?, parse_comment(&comment)?);
    let (user, now) = (&signed_in.user, state.clock.now());
    let reported = match &state.federation.edge {
        Some(edge) => match state
            .content
            .reportable_message(Thread::Comments, user, (id, comment), &form.motif)
            .await
        {
            Ok((_, reason)) => {
                let submission = Submission::ReportComment {
                    item: id,
                    comment,
                    reason,
                };
                queue(
                    edge,
                    user,
                    "Signalement d'un commentaire".into(),
                    submission,
                )?;
                Ok(())
            }
            Err(e) => Err(e),
        },
        None => {
            state
                .content
                .report_message(
                    Thread::Comments,
                    user,
                    (id, comment),
                    &form.motif,
                    new_id(now),
                    now,
                )
                .await
        }
    };
    match reported {
        Ok(()) => {
            let item = item_of(&state, id).await?;
            Ok(Redirect::to(&format!("{}?signale=1", item_url(&item))).into_response())
        }
        Err(WriteError::Invalid(_)) => Err(WebError::BadRequest(
            "Indiquez en quelques mots ce qui ne va pas dans ce commentaire.",
        )),
        Err(e) => Err(e.into()),
    }
}
