//! "Espaces d'échange": list, creation (webmasters), following, messages,
//! their edit (15 minutes), report and removal. Edges hold a copy (the
//! shared log): there, an agent's message, edit, report or follow goes to the
//! hub through the outbox; making spaces and removing messages stay on the hub.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use super::outbox::{queue, waiting};
use crate::content::{WriteError, new_id};
use crate::domain::ItemId;
use crate::domain::participation::Thread;
use crate::domain::policy::{Action, decide};
use crate::federation::wire::Submission;
use crate::web::auth::{Agent, check_csrf, safe_return};
use crate::web::views::Section;
use crate::web::views::comments::{self, CommentPage};
use crate::web::views::discussions::{self, ListPage, SpacePage};
use crate::web::{AppState, WebError};

fn parse(raw: &str) -> Result<u128, WebError> {
    ulid::Ulid::from_string(raw)
        .map(|u| u.0)
        .map_err(|_| WebError::NotFound)
}

fn url(id: u128) -> String {
    format!("/echanges/{}", ulid::Ulid(id))
}

#[derive(Deserialize, Default)]
pub struct SpaceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    texte: String,
    #[serde(default)]
    etat: String,
    #[serde(default)]
    retour: String,
    #[serde(default)]
    motif: String,
}

pub async fn get_spaces(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
) -> Result<Markup, WebError> {
    let spaces = state.content.discussions_for(&signed_in.user).await?;
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(discussions::list(
        &chrome,
        &ListPage {
            spaces: &spaces,
            can_create: !state.federation.is_edge()
                && decide(&signed_in.user, &Action::CreateDiscussion, None).allowed(),
            name: "",
            description: "",
            error: None,
        },
    ))
}

pub async fn post_space(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Form(form): Form<SpaceForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let user = &signed_in.user;
    match state
        .content
        .create_discussion(user, &form.nom, &form.description, state.clock.now())
        .await
    {
        Ok(created) => Ok(Redirect::to(&url(created.id)).into_response()),
        Err(WriteError::Invalid(message)) => {
            let spaces = state.content.discussions_for(user).await?;
            let chrome = state.chrome(Section::Other, &visitor);
            let page = discussions::list(
                &chrome,
                &ListPage {
                    spaces: &spaces,
                    can_create: true,
                    name: &form.nom,
                    description: &form.description,
                    error: Some(message),
                },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct SpaceQuery {
    signale: Option<String>,
}

pub async fn get_space(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SpaceQuery>,
) -> Result<Markup, WebError> {
    let id = parse(&id)?;
    let user = &signed_in.user;
    let (space, posts, following) = state.content.discussion(user, id).await?;
    let now = state.clock.now();
    let editable: Vec<u128> = posts
        .iter()
        .filter(|p| {
            let action = Action::EditComment {
                author: p.author.clone(),
                within_window: p.within_edit_window(now),
            };
            decide(user, &action, None).allowed()
        })
        .map(|p| p.id)
        .collect();
    let waiting = waiting(&state, user, move |s| match s {
        Submission::Post { discussion, body } if discussion == id => Some(body),
        _ => None,
    })
    .await?;
    let chrome = state.chrome(Section::Other, &visitor);
    Ok(discussions::space(
        &chrome,
        &SpacePage {
            space: &space,
            posts: &posts,
            following,
            waiting: &waiting,
            can_remove: !state.federation.is_edge()
                && decide(user, &Action::RemoveComment, None).allowed(),
            editable: &editable,
            login: &user.login,
            message: query
                .signale
                .is_some()
                .then_some("Merci : votre signalement est transmis aux webmestres."),
        },
    ))
}

fn text_page(
    state: &AppState,
    visitor: &crate::web::auth::Visitor,
    space: &crate::domain::participation::Discussion,
    action: String,
    text: &str,
    error: Option<&str>,
    heading: &str,
) -> Markup {
    let chrome = state.chrome(Section::Other, visitor);
    comments::comment_page(
        &chrome,
        &CommentPage {
            back_title: &space.name,
            back_href: url(space.id),
            heading,
            action,
            text,
            error,
        },
    )
}

pub async fn post_message(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<SpaceForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse(&id)?;
    let user = &signed_in.user;
    let now = state.clock.now();
    match state
        .content
        .new_message(user, id, new_id(now), &form.texte, now)
        .await
    {
        Ok(post) => match &state.federation.edge {
            Some(edge) => {
                let (space, _, _) = state.content.discussion(user, id).await?;
                let label = format!("Message dans « {} »", space.name);
                let body = post.body;
                queue(
                    edge,
                    user,
                    label,
                    Submission::Post {
                        discussion: id,
                        body,
                    },
                )?;
                Ok(Redirect::to(&format!("{}#titre-messages", url(id))).into_response())
            }
            None => {
                let post = state.content.save_message(Thread::Space, post).await?;
                let target = format!("{}#message-{}", url(id), ulid::Ulid(post.id));
                Ok(Redirect::to(&target).into_response())
            }
        },
        Err(WriteError::Invalid(message)) => {
            let (space, _, _) = state.content.discussion(user, id).await?;
            let page = text_page(
                &state,
                &visitor,
                &space,
                url(id),
                &form.texte,
                Some(message),
                "Votre message",
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn post_follow(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<SpaceForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse(&id)?;
    let (user, on) = (&signed_in.user, form.etat == "oui");
    // On an edge: sent to the hub, then kept here too so that this edge's
    // pages say so at once (a crash in between: the next sign-in brings it).
    if let Some(edge) = &state.federation.edge {
        let label = if on {
            "Espace suivi"
        } else {
            "Espace plus suivi"
        };
        queue(
            edge,
            user,
            label.into(),
            Submission::Follow { discussion: id, on },
        )?;
    }
    state.content.set_following(user, id, on).await?;
    Ok(Redirect::to(&safe_return(Some(&form.retour))).into_response())
}

fn edit_error(e: WriteError) -> WebError {
    match e {
        WriteError::Denied => WebError::BadRequest(
            "Ce message ne peut plus être modifié : on peut modifier son propre message pendant 15 minutes.",
        ),
        other => other.into(),
    }
}

pub async fn get_edit(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path((id, post)): Path<(String, String)>,
) -> Result<Markup, WebError> {
    let (id, post) = (parse(&id)?, parse(&post)?);
    let user = &signed_in.user;
    let message = state
        .content
        .editable_message(
            Thread::Space,
            user,
            (ItemId::from_u128(id), post),
            state.clock.now(),
        )
        .await
        .map_err(edit_error)?;
    let (space, _, _) = state.content.discussion(user, id).await?;
    let action = format!("{}/{}/modifier", url(id), ulid::Ulid(post));
    Ok(text_page(
        &state,
        &visitor,
        &space,
        action,
        &message.body,
        None,
        "Modifier votre message",
    ))
}

pub async fn post_edit(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<SpaceForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (id, post) = (parse(&id)?, parse(&post)?);
    let user = &signed_in.user;
    match state
        .content
        .edited_message(
            Thread::Space,
            user,
            (ItemId::from_u128(id), post),
            &form.texte,
            state.clock.now(),
        )
        .await
    {
        Ok(edited) => {
            match &state.federation.edge {
                Some(edge) => {
                    let submission = Submission::EditPost {
                        discussion: id,
                        post,
                        body: edited.body,
                    };
                    queue(edge, user, "Message modifié".into(), submission)?;
                }
                None => {
                    state.content.save_message(Thread::Space, edited).await?;
                }
            }
            Ok(Redirect::to(&format!("{}#message-{}", url(id), ulid::Ulid(post))).into_response())
        }
        Err(WriteError::Invalid(message)) => {
            let (space, _, _) = state.content.discussion(user, id).await?;
            let action = format!("{}/{}/modifier", url(id), ulid::Ulid(post));
            let page = text_page(
                &state,
                &visitor,
                &space,
                action,
                &form.texte,
                Some(message),
                "Modifier votre message",
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(edit_error(e)),
    }
}

pub async fn post_remove(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<SpaceForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (id, post) = (parse(&id)?, parse(&post)?);
    state
        .content
        .remove_message(
            Thread::Space,
            &signed_in.user,
            (ItemId::from_u128(id), post),
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}#message-{}", url(id), ulid::Ulid(post))).into_response())
}

pub async fn post_report(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path((id, post)): Path<(String, String)>,
    Form(form): Form<SpaceForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let (id, post) = (parse(&id)?, parse(&post)?);
    let (user, now) = (&signed_in.user, state.clock.now());
    let reported = match &state.federation.edge {
        Some(edge) => match state
            .content
            .reportable_message(
                Thread::Space,
                user,
                (ItemId::from_u128(id), post),
                &form.motif,
            )
            .await
        {
            Ok((_, reason)) => {
                let submission = Submission::ReportPost {
                    discussion: id,
                    post,
                    reason,
                };
                queue(edge, user, "Signalement d'un message".into(), submission)?;
                Ok(())
            }
            Err(e) => Err(e),
        },
        None => {
            state
                .content
                .report_message(
                    Thread::Space,
                    user,
                    (ItemId::from_u128(id), post),
                    &form.motif,
                    new_id(now),
                    now,
                )
                .await
        }
    };
    match reported {
        Ok(()) => Ok(Redirect::to(&format!("{}?signale=1", url(id))).into_response()),
        Err(WriteError::Invalid(_)) => Err(WebError::BadRequest(
            "Indiquez en quelques mots ce qui ne va pas dans ce message.",
        )),
        Err(e) => Err(e.into()),
    }
}
