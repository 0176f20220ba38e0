//! The annuaire, agents' cards and the org chart, from the directory cache.

use axum::extract::{Path, Query, State};
use maud::Markup;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::domain::text::fold;
use crate::domain::{Login, User};
use crate::web::auth::Agent;
use crate::web::views::Section;
use crate::web::views::people::{self, OrgNode};
use crate::web::{AppState, WebError};

/// At most this many people are listed for one search.
const MAX_RESULTS: usize = 60;

#[derive(Deserialize)]
pub struct AnnuaireQuery {
    q: Option<String>,
    service: Option<String>,
}

/// Whether every word of the query appears in the person's name, service or function.
fn matches(user: &User, words: &[String]) -> bool {
    let haystack = fold(&format!(
        "{} {} {} {} {}",
        user.given_name, user.surname, user.service, user.function, user.login
    ));
    words.iter().all(|w| haystack.contains(w.as_str()))
}

async fn everyone(state: &AppState) -> Result<Vec<User>, WebError> {
    let mut users = state.content.store().run(|store| store.all_users()).await?;
    users.retain(|u| !u.disabled);
    users.sort_by_cached_key(|u| (fold(&u.surname), fold(&u.given_name)));
    Ok(users)
}

pub async fn get_annuaire(
    Agent(_, visitor): Agent,
    State(state): State<AppState>,
    Query(query): Query<AnnuaireQuery>,
) -> Result<Markup, WebError> {
    let users = everyone(&state).await?;
    let q = query.q.unwrap_or_default();
    let service = query.service.unwrap_or_default();
    let words: Vec<String> = fold(&q).split_whitespace().map(str::to_owned).collect();
    let mut services: BTreeMap<&str, usize> = BTreeMap::new();
    for user in &users {
        if !user.service.is_empty() {
            *services.entry(user.service.as_str()).or_default() += 1;
        }
    }
    let searched = !words.is_empty() || !service.is_empty();
    let found: Vec<&User> = if searched {
        users
            .iter()
            .filter(|u| service.is_empty() || u.service == service)
            .filter(|u| matches(u, &words))
            .collect()
    } else {
        Vec::new()
    };
    let chrome = state.chrome(Section::Annuaire, &visitor);
    Ok(people::annuaire(
        &chrome,
        &people::AnnuairePage {
            query: &q,
            service: &service,
            services: services.into_iter().collect(),
            total: found.len(),
            results: found.into_iter().take(MAX_RESULTS).collect(),
            searched,
        },
    ))
}

pub async fn get_person(
    Agent(signed_in, visitor): Agent,
    State(state): State<AppState>,
    Path(login): Path<String>,
) -> Result<Markup, WebError> {
    let login = if login == "moi" {
        signed_in.user.login.clone()
    } else {
        Login::new(&login)
    };
    let users = everyone(&state).await?;
    let user = users
        .iter()
        .find(|u| u.login == login)
        .ok_or(WebError::NotFound)?;
    let manager = user
        .manager
        .as_ref()
        .and_then(|m| users.iter().find(|u| &u.login == m));
    let reports: Vec<User> = users
        .iter()
        .filter(|u| u.manager.as_ref() == Some(&login))
        .cloned()
        .collect();
    let chrome = state.chrome(Section::Annuaire, &visitor);
    Ok(people::person(
        &chrome,
        user,
        manager,
        &reports,
        state.config.directory.show_phones,
    ))
}

pub async fn get_org_chart(
    Agent(_, visitor): Agent,
    State(state): State<AppState>,
) -> Result<Markup, WebError> {
    let users = everyone(&state).await?;
    let mut reports: BTreeMap<&Login, Vec<&User>> = BTreeMap::new();
    for user in &users {
        if let Some(manager) = &user.manager {
            reports.entry(manager).or_default().push(user);
        }
    }
    let known: std::collections::HashSet<&Login> = users.iter().map(|u| &u.login).collect();
    // Roots: people with reports whose own manager is unknown.
    let roots: Vec<&User> = users
        .iter()
        .filter(|u| reports.contains_key(&u.login))
        .filter(|u| u.manager.as_ref().is_none_or(|m| !known.contains(m)))
        .collect();
    fn grow<'a>(
        user: &'a User,
        reports: &BTreeMap<&Login, Vec<&'a User>>,
        depth: usize,
    ) -> OrgNode<'a> {
        let team = reports.get(&user.login).cloned().unwrap_or_default();
        // Draw managers only: a team of agents without reports is summarised.
        let managers: Vec<OrgNode<'a>> = if depth < 6 {
            team.iter()
                .filter(|u| reports.contains_key(&u.login))
                .map(|u| grow(u, reports, depth + 1))
                .collect()
        } else {
            Vec::new()
        };
        OrgNode {
            user,
            team_size: team.len(),
            reports: managers,
        }
    }
    let tree: Vec<OrgNode> = roots.into_iter().map(|r| grow(r, &reports, 0)).collect();
    let chrome = state.chrome(Section::Annuaire, &visitor);
    Ok(people::org_chart(&chrome, &tree))
}
