//! Job offers by profile: the agent's profile (/emploi/profil), and the
//! offers matching it, shown first on /emploi.

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use serde::Deserialize;

use crate::domain::participation::JobProfile;
use crate::domain::{Details, Item, Space, User};
use crate::web::auth::{Agent, check_csrf};
use crate::web::views::Section;
use crate::web::views::jobs::{self, ProfilePage};
use crate::web::{AppState, WebError};

/// The agent's profile and the visible offers matching it (all of them:
/// a municipality has tens of offers, not thousands).
pub async fn matching(
    state: &AppState,
    user: &User,
) -> Result<(Option<JobProfile>, Vec<Item>), WebError> {
    let login = user.login.clone();
    let profile = state
        .content
        .store()
        .run(move |s| s.job_profile(&login))
        .await?
        .filter(|p| !p.is_empty());
    let Some(wanted) = profile.clone() else {
        return Ok((None, vec![]));
    };
    let listing = state
        .content
        .listing(
            Space::Emploi,
            1,
            200,
            state.clock.now(),
            move |item| matches!(&item.details, Details::Job(job) if wanted.matches(job)),
        )
        .await?;
    Ok((profile, listing.items))
}

/// Services of the directory and of the offers online.
async fn services(state: &AppState) -> Result<Vec<String>, WebError> {
    let users = state.content.store().run(|s| s.all_users()).await?;
    let offers = state
        .content
        .listing(Space::Emploi, 1, 500, state.clock.now(), |_| true)
        .await?;
    let mut services: Vec<String> = users
        .iter()
        .map(|u| u.service.trim().to_owned())
        .chain(offers.items.iter().filter_map(|i| match &i.details {
            Details::Job(job) => Some(job.service.trim().to_owned()),
            _ => None,
        }))
        .filter(|s| !s.is_empty())
        .collect();
    services.sort_by_key(|s| crate::domain::text::fold(s));
    services.dedup();
    Ok(services)
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    enregistre: Option<String>,
}

pub async fn get_profile(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<ProfileQuery>,
) -> Result<Markup, WebError> {
    let login = signed_in.user.login.clone();
    let profile = state
        .content
        .store()
        .run(move |s| s.job_profile(&login))
        .await?
        .unwrap_or_default();
    let services = services(&state).await?;
    let chrome = state.chrome(Section::Emploi, &visitor);
    Ok(jobs::profile_form(
        &chrome,
        &ProfilePage {
            profile: &profile,
            services: &services,
            message: query.enregistre.is_some().then_some(
                "Votre profil est enregistré. Les offres qui y correspondent s'affichent en premier.",
            ),
        },
    ))
}

pub async fn post_profile(
    Agent(signed_in, _): Agent,
    State(state): State<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    check_csrf(&signed_in, csrf)?;
    let values = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    };
    let categories: Vec<char> = values("categorie")
        .iter()
        .filter_map(|c| match c.as_str() {
            "A" | "B" | "C" => c.chars().next(),
            _ => None,
        })
        .collect();
    let profile = JobProfile {
        categories,
        filieres: values("filiere"),
        services: values("service"),
    };
    // On an edge: sent to the hub (which tells the agent about new offers),
    // then kept here so that this edge's lists sort by it at once.
    if let Some(edge) = &state.federation.edge {
        let submission = crate::federation::wire::Submission::JobProfile {
            profile: profile.clone(),
        };
        super::outbox::queue(edge, &signed_in.user, "Profil emploi".into(), submission)?;
    }
    let login = signed_in.user.login.clone();
    state
        .content
        .store()
        .run(move |s| s.put_job_profile(&login, &profile))
        .await?;
    Ok(Redirect::to("/emploi/profil?enregistre=1").into_response())
}
