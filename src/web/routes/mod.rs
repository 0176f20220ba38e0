//! The route table, one file per area.

pub mod account;
mod admin;
mod agenda;
mod comments;
mod discussions;
mod edges;
mod feeds;
mod handoff;
mod home;
mod jobs;
pub mod media;
mod moderation;
mod my_space;
mod outbox;
mod pages;
mod participation;
mod people;
mod publish;
mod search;
mod spaces;
mod surveys;
mod unions;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::{AppState, WebError};
use crate::domain::Space;

/// Uploads: a photo (15 MB), a document (10 MB) and the text fields.
const UPLOAD_LIMIT: usize = 28 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::get_home))
        .route("/healthz", get(home::get_healthz))
        .route("/favicon.ico", get(home::get_favicon))
        .route("/accessibilite", get(home::get_accessibility))
        .route("/continuer", post(handoff::post_continue))
        .route(
            "/continuer/{token}",
            get(handoff::get_continue).post(handoff::post_continue_token),
        )
        .route(
            "/borne/{token}",
            get(handoff::get_approve).post(handoff::post_approve),
        )
        .route("/connexion/telephone", get(handoff::get_phone_sign_in))
        .route("/connexion/telephone/{token}", get(handoff::get_phone_poll))
        .route(
            "/connexion/telephone/{token}/etat",
            get(handoff::get_phone_state),
        )
        .route("/session", get(home::get_session_ping))
        .route(
            "/connexion",
            get(account::get_sign_in).post(account::post_sign_in),
        )
        .route("/deconnexion", post(account::post_sign_out))
        .route("/charte", get(account::get_charter))
        .route(
            "/charte/accepter",
            get(account::get_charter_accept).post(account::post_charter_accept),
        )
        .route("/static/{*path}", get(super::assets::get_asset))
        .route("/media/{hash}", get(media::get_media))
        .route("/actus", get(spaces::get_actus))
        .route(
            "/actus/{id}",
            get(|a, s, p, q| spaces::get_item(Space::Actus, a, s, p, q)),
        )
        .route("/rh", get(spaces::get_rh))
        .route(
            "/rh/{id}",
            get(|a, s, p, q| spaces::get_item(Space::Rh, a, s, p, q)),
        )
        .route("/annonces", get(spaces::get_annonces))
        .route(
            "/annonces/{id}",
            get(|a, s, p, q| spaces::get_item(Space::Annonces, a, s, p, q)),
        )
        .route("/emploi", get(spaces::get_emploi))
        .route(
            "/emploi/{id}",
            get(|a, s, p, q| spaces::get_item(Space::Emploi, a, s, p, q)),
        )
        .route("/agenda", get(agenda::get_week))
        .route("/agenda/jour/{date}", get(agenda::get_day))
        .route(
            "/agenda/{id}",
            get(|a, s, p, q| spaces::get_item(Space::Agenda, a, s, p, q)),
        )
        .route("/pages", get(pages::get_tree))
        .route("/pages/{slug}", get(pages::get_page))
        .route("/liens", get(pages::get_links))
        .route("/recherche", get(search::get_search))
        .route("/compte", get(feeds::get_account))
        .route("/compte/agenda", post(feeds::post_feed_link))
        .route("/compte/agenda/supprimer", post(feeds::post_feed_revoke))
        .route("/ics/{id}", get(feeds::get_event_ics))
        .route(
            "/abonnement/{token}/agenda.ics",
            get(feeds::get_agenda_feed),
        )
        .route("/abonnement/{token}/actus.atom", get(feeds::get_actus_feed))
        .route("/annuaire", get(people::get_annuaire))
        .route("/annuaire/{login}", get(people::get_person))
        .route("/organigramme", get(people::get_org_chart))
        .route("/admin", get(admin::get_admin))
        .route("/admin/sessions", post(admin::post_end_sessions))
        .route("/admin/annuaire", post(admin::post_refresh_annuaire))
        .route("/admin/bornes", get(edges::get_edges))
        .route("/admin/bornes/invitation", post(edges::post_invite))
        .route("/admin/bornes/{id}/revoquer", post(edges::post_revoke))
        .route(
            "/admin/charte",
            get(admin::get_charter_form).post(admin::post_charter),
        )
        .route(
            "/publier",
            get(publish::get_publish)
                .post(publish::post_publish)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/modifier/{id}",
            get(publish::get_edit)
                .post(publish::post_edit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/supprimer/{id}", post(publish::post_delete))
        .route("/renouveler/{id}", post(publish::post_renew))
        .route("/signaler/{id}", post(publish::post_report))
        .route("/photo-retrait/{id}", post(publish::post_photo_removal))
        .route("/moderation", get(moderation::get_queue))
        .route("/moderation/{id}", post(moderation::post_moderate))
        .route(
            "/moderation/signalement/{report}",
            post(moderation::post_close_report),
        )
        .route(
            "/moderation/photo/{id}",
            post(moderation::post_photo_decision),
        )
        .route("/mes-publications", get(moderation::get_mine))
        .route("/flux", get(moderation::get_flux))
        .route("/syndicats", get(unions::get_unions))
        .route("/syndicats/{slug}", get(unions::get_union))
        .route(
            "/syndicats/{slug}/abonnement",
            post(unions::post_subscription),
        )
        .route("/syndicats/{slug}/logo", get(unions::get_logo))
        .route("/syndicats/{slug}/abonnes", get(unions::get_subscribers))
        .route(
            "/syndicats/{slug}/messages",
            get(unions::get_messages).post(unions::post_message),
        )
        .route("/syndicats/{slug}/{id}", get(unions::get_union_item))
        // Participation (issue 11).
        .route("/lu/{id}", post(participation::post_acknowledge))
        .route("/mon-espace", get(my_space::get_my_space))
        .route(
            "/echanges",
            get(discussions::get_spaces).post(discussions::post_space),
        )
        .route(
            "/echanges/{id}",
            get(discussions::get_space).post(discussions::post_message),
        )
        .route("/echanges/{id}/suivre", post(discussions::post_follow))
        .route(
            "/echanges/{id}/{post}/modifier",
            get(discussions::get_edit).post(discussions::post_edit),
        )
        .route(
            "/echanges/{id}/{post}/retirer",
            post(discussions::post_remove),
        )
        .route(
            "/echanges/{id}/{post}/signaler",
            post(discussions::post_report),
        )
        .route("/commentaires/{id}", post(comments::post_comment))
        .route("/commentaires/{id}/ouverture", post(comments::post_toggle))
        .route(
            "/commentaires/{id}/{comment}/modifier",
            get(comments::get_edit).post(comments::post_edit),
        )
        .route(
            "/commentaires/{id}/{comment}/retirer",
            post(comments::post_remove),
        )
        .route(
            "/commentaires/{id}/{comment}/signaler",
            post(comments::post_report),
        )
        .route(
            "/emploi/profil",
            get(jobs::get_profile).post(jobs::post_profile),
        )
        .route("/favori/{id}", post(my_space::post_favourite))
        .route(
            "/suivi-lecture/{id}",
            get(participation::get_follow).post(participation::post_follow),
        )
        .route(
            "/suivi-lecture/{id}/relance",
            post(participation::post_remind),
        )
        .route("/questionnaires", get(surveys::get_surveys))
        .route(
            "/questionnaires/nouveau",
            get(surveys::get_new_survey).post(surveys::post_new_survey),
        )
        .route(
            "/questionnaires/{id}",
            get(surveys::get_survey).post(surveys::post_answer),
        )
        .route("/questionnaires/{id}/resultats", get(surveys::get_results))
        .route("/questionnaires/{id}/export.csv", get(surveys::get_export))
        .route(
            "/desabonnement/{token}",
            get(unions::get_unsubscribe).post(unions::post_unsubscribe),
        )
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// `?page=N` on lists; anything that is not a page number is refused in French.
fn page_number(raw: Option<&str>) -> Result<usize, WebError> {
    match raw {
        None | Some("") => Ok(1),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(WebError::BadRequest("Ce numéro de page n'est pas valable.")),
    }
}
