//! Writing: the chooser, the editor (new and edit), deleting, renewing,
//! reporting and asking for a photo's removal.

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::outbox::{queue, queue_creation};
use super::spaces::parse_id;
use crate::content::{Draft, WriteError};
use crate::domain::policy::{Action, Decision, decide};
use crate::domain::{BlobHash, Item, Kind, Space};
use crate::web::auth::{Agent, check_csrf};
use crate::web::forms::{FieldErrors, FormInput, parse_draft};
use crate::web::uploads::collect_media;
use crate::web::views::editor::{self, Choice, EditorPage};
use crate::web::views::{Section, items::item_url};
use crate::web::{AppState, WebError};

/// The kind of item each space's editor writes.
fn kind_of(space: &Space) -> Kind {
    match space {
        Space::Actus | Space::Rh | Space::Syndicat(_) => Kind::Actu,
        Space::Agenda => Kind::Event,
        Space::Annonces => Kind::Annonce,
        Space::Emploi => Kind::Job,
        Space::Pages => Kind::Page,
        Space::Liens => Kind::Link,
    }
}

fn heading(space: &Space, kind: Kind, decision: Decision) -> String {
    let verb = if decision == Decision::Propose {
        "Proposer"
    } else {
        "Publier"
    };
    let what = match (space, kind) {
        (Space::Rh, _) => "une information RH",
        (Space::Syndicat(_), _) => "dans l'espace syndical",
        (_, Kind::Actu) => "une actu",
        (_, Kind::Event) => "un événement",
        (_, Kind::Annonce) => "une petite annonce",
        (_, Kind::Job) => "une offre, une formation ou un concours",
        (_, Kind::Page) => "une page",
        (_, Kind::Link) => "un lien",
    };
    format!("{verb} {what}")
}

#[derive(Deserialize)]
pub struct SpaceQuery {
    espace: Option<String>,
}

fn all_spaces(state: &AppState) -> Vec<Space> {
    let mut spaces = Space::FIXED.to_vec();
    spaces.extend(state.config.union_slugs().into_iter().map(Space::Syndicat));
    spaces
}

fn space_of(raw: Option<&str>, state: &AppState) -> Result<Space, WebError> {
    let space = raw.and_then(Space::from_key).ok_or(WebError::NotFound)?;
    if let Space::Syndicat(slug) = &space
        && !state.config.union_slugs().contains(slug)
    {
        return Err(WebError::NotFound);
    }
    Ok(space)
}

async fn page_choices(state: &AppState, now: Timestamp) -> Result<Vec<(String, String)>, WebError> {
    let tree = state.content.page_tree(now).await?;
    let mut out = Vec::new();
    fn walk(nodes: &[crate::content::PageNode], depth: usize, out: &mut Vec<(String, String)>) {
        for node in nodes {
            out.push((
                node.item.id.to_string(),
                format!("{}{}", "— ".repeat(depth), node.item.title),
            ));
            walk(&node.children, depth + 1, out);
        }
    }
    walk(&tree, 0, &mut out);
    Ok(out)
}

pub async fn get_publish(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<SpaceQuery>,
) -> Result<Response, WebError> {
    let user = &signed_in.user;
    let chrome = state.chrome(Section::Other, &visitor);
    let Some(raw) = query.espace.as_deref() else {
        let choices: Vec<Choice> = all_spaces(&state)
            .into_iter()
            .filter_map(|space| {
                let kind = kind_of(&space);
                let decision = decide(
                    user,
                    &Action::Create {
                        space: space.clone(),
                        kind,
                    },
                    None,
                );
                decision.allowed().then(|| Choice {
                    label: match &space {
                        Space::Syndicat(slug) => format!(
                            "{} {}",
                            heading(&space, kind, decision),
                            slug.as_str().to_uppercase()
                        ),
                        _ => heading(&space, kind, decision),
                    },
                    href: format!("/publier?espace={}", space.key()),
                    proposal: decision == Decision::Propose,
                })
            })
            .collect();
        return Ok(editor::chooser(&chrome, &choices).into_response());
    };
    let space = space_of(Some(raw), &state)?;
    let kind = kind_of(&space);
    let decision = decide(
        user,
        &Action::Create {
            space: space.clone(),
            kind,
        },
        None,
    );
    if !decision.allowed() {
        return Err(WebError::Forbidden);
    }
    let pages = if kind == Kind::Page {
        page_choices(&state, chrome.now).await?
    } else {
        vec![]
    };
    let input = FormInput::default();
    Ok(editor::editor(
        &chrome,
        &EditorPage {
            heading: heading(&space, kind, decision),
            action: format!("/publier?espace={}", space.key()),
            kind,
            input: &input,
            errors: &Vec::new(),
            preview: false,
            media: &[],
            proposal: decision == Decision::Propose,
            can_signage: decision == Decision::Publish,
            pages: &pages,
            general_error: None,
        },
    )
    .into_response())
}

/// What both the new-item and edit routes do with a submitted form.
struct Submission {
    input: FormInput,
    errors: FieldErrors,
    media: Vec<crate::domain::Media>,
    draft: Option<Draft>,
    preview: bool,
}

async fn read_submission(
    state: &AppState,
    user_csrf: &crate::web::auth::SignedIn,
    multipart: Multipart,
    space: &Space,
    kind: Kind,
    existing: Vec<crate::domain::Media>,
) -> Result<Submission, WebError> {
    let mut input = FormInput::read(multipart)
        .await
        .map_err(WebError::BadRequest)?;
    check_csrf(user_csrf, input.get("csrf"))?;
    let preview = input.get("action") == "apercu";
    let store = state.content.store().clone();
    let (key, login) = (*state.upload_key, user_csrf.user.login.as_str().to_owned());
    let (input, media, mut errors) = store
        .run(move |store| {
            let mut errors = FieldErrors::new();
            let signer = crate::web::uploads::UploadSigner {
                key: &key,
                login: &login,
            };
            let media = collect_media(&mut input, store, &existing, signer, &mut errors);
            Ok((input, media, errors))
        })
        .await?;
    let tz: &TimeZone = &state.site.tz;
    let draft = parse_draft(space.clone(), kind, &input, tz, media.clone(), &mut errors);
    Ok(Submission {
        input,
        errors,
        media,
        draft,
        preview,
    })
}

#[allow(clippy::too_many_arguments)]
fn render_editor(
    state: &AppState,
    visitor: &crate::web::auth::Visitor,
    heading: String,
    action: String,
    kind: Kind,
    decision: Decision,
    submission: &Submission,
    pages: &[(String, String)],
    general_error: Option<&str>,
) -> Response {
    let chrome = state.chrome(Section::Other, visitor);
    let status = if submission.errors.is_empty() && general_error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = editor::editor(
        &chrome,
        &EditorPage {
            heading,
            action,
            kind,
            input: &submission.input,
            errors: &submission.errors,
            preview: submission.preview,
            media: &submission.media,
            proposal: decision == Decision::Propose,
            can_signage: decision == Decision::Publish,
            pages,
            general_error,
        },
    );
    (status, page).into_response()
}

fn after_write(item: &Item, user: &crate::domain::User) -> Redirect {
    if item.status == crate::domain::Status::Pending && item.author == user.login {
        Redirect::to("/mes-publications?envoye=1")
    } else {
        Redirect::to(&item_url(item))
    }
}

pub async fn post_publish(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<SpaceQuery>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let space = space_of(query.espace.as_deref(), &state)?;
    let kind = kind_of(&space);
    let user = &signed_in.user;
    let decision = decide(
        user,
        &Action::Create {
            space: space.clone(),
            kind,
        },
        None,
    );
    if !decision.allowed() {
        return Err(WebError::Forbidden);
    }
    let submission = read_submission(&state, &signed_in, multipart, &space, kind, vec![]).await?;
    let now = state.clock.now();
    let pages = if kind == Kind::Page {
        page_choices(&state, now).await?
    } else {
        vec![]
    };
    let (heading, action) = (
        heading(&space, kind, decision),
        format!("/publier?espace={}", space.key()),
    );
    let draft = match (&submission.draft, submission.preview) {
        (Some(draft), false) => draft.clone(),
        _ => {
            return Ok(render_editor(
                &state,
                &visitor,
                heading,
                action,
                kind,
                decision,
                &submission,
                &pages,
                None,
            ));
        }
    };
    if let Some(edge) = &state.federation.edge {
        return queue_creation(&state, edge, user, draft).await;
    }
    match state
        .content
        .create(user, draft, &state.site.unions, now)
        .await
    {
        Ok(item) => Ok(after_write(&item, user).into_response()),
        Err(WriteError::Store(crate::store::StoreError::SlugTaken(_))) => Ok(render_editor(
            &state,
            &visitor,
            heading,
            action,
            kind,
            decision,
            &submission,
            &pages,
            Some("Une autre page utilise déjà cette adresse : choisissez-en une autre."),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn get_edit(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let user = &signed_in.user;
    let item = state.content.editable(user, id).await?;
    let decision = decide(user, &Action::Edit, Some(&item));
    let now = state.clock.now();
    let pages = if item.kind() == Kind::Page {
        page_choices(&state, now).await?
    } else {
        vec![]
    };
    let submission = Submission {
        input: crate::web::forms::input_of(&item, &state.site.tz),
        errors: vec![],
        media: item.media.clone(),
        draft: None,
        preview: false,
    };
    Ok(render_editor(
        &state,
        &visitor,
        format!("Modifier « {} »", item.title),
        format!("/modifier/{id}"),
        item.kind(),
        decision,
        &submission,
        &pages,
        None,
    ))
}

pub async fn post_edit(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let user = &signed_in.user;
    let item = state.content.editable(user, id).await?;
    let decision = decide(user, &Action::Edit, Some(&item));
    let submission = read_submission(
        &state,
        &signed_in,
        multipart,
        &item.space,
        item.kind(),
        item.media.clone(),
    )
    .await?;
    let now = state.clock.now();
    let pages = if item.kind() == Kind::Page {
        page_choices(&state, now).await?
    } else {
        vec![]
    };
    let (heading, action) = (
        format!("Modifier « {} »", item.title),
        format!("/modifier/{id}"),
    );
    let draft = match (&submission.draft, submission.preview) {
        (Some(draft), false) => draft.clone(),
        _ => {
            return Ok(render_editor(
                &state,
                &visitor,
                heading,
                action,
                item.kind(),
                decision,
                &submission,
                &pages,
                None,
            ));
        }
    };
    match state.content.update(user, id, draft, now).await {
        Ok(item) => Ok(after_write(&item, user).into_response()),
        Err(WriteError::Store(crate::store::StoreError::SlugTaken(_))) => Ok(render_editor(
            &state,
            &visitor,
            heading,
            action,
            item.kind(),
            decision,
            &submission,
            &pages,
            Some("Une autre page utilise déjà cette adresse : choisissez-en une autre."),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    motif: String,
    #[serde(default)]
    photo: String,
}

pub async fn post_delete(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let item = state
        .content
        .delete(&signed_in.user, id, state.clock.now())
        .await?;
    let back = if item.author == signed_in.user.login {
        "/mes-publications?supprime=1".to_owned()
    } else {
        format!("/{}", item.space.key())
    };
    Ok(Redirect::to(&back).into_response())
}

pub async fn post_renew(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let item = state
        .content
        .renew(&signed_in.user, id, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("{}?renouvele=1", item_url(&item))).into_response())
}

pub async fn post_report(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    if let Some(edge) = &state.federation.edge {
        let reason = form.motif.trim().to_owned();
        if reason.is_empty() {
            return Err(WebError::BadRequest(
                "Indiquez en quelques mots ce qui ne va pas dans ce contenu.",
            ));
        }
        let item = state
            .content
            .store()
            .run(move |s| s.get_item(id))
            .await?
            .ok_or(WebError::NotFound)?;
        let submission = crate::federation::wire::Submission::Report { item: id, reason };
        queue(
            edge,
            &signed_in.user,
            format!("Signalement de « {} »", item.title),
            submission,
        )?;
        return Ok(Redirect::to(&format!("{}?signale=1", item_url(&item))).into_response());
    }
    match state
        .content
        .report(
            &signed_in.user,
            id,
            form.motif.trim().to_owned(),
            state.clock.now(),
        )
        .await
    {
        Ok(report) => {
            let item = state
                .content
                .store()
                .run(move |s| s.get_item(report.item))
                .await?
                .ok_or(WebError::NotFound)?;
            Ok(Redirect::to(&format!("{}?signale=1", item_url(&item))).into_response())
        }
        Err(WriteError::Invalid(_)) => Err(WebError::BadRequest(
            "Indiquez en quelques mots ce qui ne va pas dans ce contenu.",
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn post_photo_removal(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    check_csrf(&signed_in, &form.csrf)?;
    let id = parse_id(&id)?;
    let photo = BlobHash::from_hex(&form.photo).ok_or(WebError::NotFound)?;
    if let Some(edge) = &state.federation.edge {
        let item = state
            .content
            .store()
            .run(move |s| s.get_item(id))
            .await?
            .ok_or(WebError::NotFound)?;
        let media = item
            .media
            .iter()
            .find(|m| m.hash == photo)
            .ok_or(WebError::NotFound)?;
        // Hidden here at once; the hub hides it everywhere when the request arrives.
        let blobs: Vec<BlobHash> = std::iter::once(media.hash).chain(media.thumbnail).collect();
        state
            .content
            .store()
            .run(move |s| s.block_blobs(&blobs, true))
            .await?;
        queue(
            edge,
            &signed_in.user,
            format!("Retrait d'une photo de « {} »", item.title),
            crate::federation::wire::Submission::PhotoRemoval { item: id, photo },
        )?;
        return Ok(Redirect::to(&format!("{}?photo=1", item_url(&item))).into_response());
    }
    state
        .content
        .request_photo_removal(&signed_in.user, id, photo, state.clock.now())
        .await?;
    let item = state
        .content
        .store()
        .run(move |s| s.get_item(id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Redirect::to(&format!("{}?photo=1", item_url(&item))).into_response())
}
