//! Job offers by profile: the profile form (/emploi/profil) and the block of
//! matching offers shown first on /emploi.

use maud::{Markup, html};

use super::items::item_url;
use super::layout::{Chrome, csrf_field, page};
use crate::domain::participation::{FILIERES, JobProfile};
use crate::domain::{Details, Item};

/// The block above the list of offers: matching ones first, or an invitation.
pub fn matching_block(profile: Option<&JobProfile>, matching: &[Item]) -> Markup {
    html! {
        section.block.job-profile aria-labelledby="titre-profil" {
            h2 #titre-profil { "Pour votre profil" }
            @match profile {
                None => {
                    p { "Indiquez une fois pour toutes les offres qui vous intéressent (catégorie, filière, service) : elles s'afficheront ici en premier et vous serez prévenu des nouvelles." }
                    a.button href="/emploi/profil" { "Définir mon profil" }
                }
                Some(_) => {
                    @if matching.is_empty() { p.empty { "Aucune offre en ligne ne correspond à votre profil pour le moment." } }
                    ul.matching-jobs {
                        @for item in matching {
                            li {
                                a href=(item_url(item)) { (item.title) }
                                @if let Details::Job(job) = &item.details {
                                    " — catégorie " (job.category)
                                    @if !job.filiere.is_empty() { ", filière " (job.filiere) }
                                    ", " (job.service)
                                }
                            }
                        }
                    }
                    a.more href="/emploi/profil" { "Modifier mon profil →" }
                }
            }
        }
    }
}

pub struct ProfilePage<'a> {
    pub profile: &'a JobProfile,
    /// Services of the directory and of the offers.
    pub services: &'a [String],
    pub message: Option<&'a str>,
}

pub fn profile_form(chrome: &Chrome, data: &ProfilePage) -> Markup {
    let profile = data.profile;
    let checked = |list: &[String], value: &str| list.iter().any(|v| v == value);
    page(
        chrome,
        "Mon profil emploi",
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Accueil" } " › " a href="/emploi" { "Emploi et formation" } }
            h1 { "Mon profil emploi" }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            p { "Cochez ce qui vous intéresse. Rien de coché dans un groupe veut dire « peu importe ». Les offres qui correspondent s'affichent en premier dans Emploi et formation, et vous êtes prévenu dans « Mon espace » quand une nouvelle est publiée." }
            form.form-card method="post" action="/emploi/profil" {
                (csrf_field(chrome))
                fieldset {
                    legend { "Catégorie" }
                    @for c in ['A', 'B', 'C'] {
                        label.checkbox { input type="checkbox" name="categorie" value=(c) checked[profile.categories.contains(&c)]; span { "Catégorie " (c) } }
                    }
                }
                fieldset {
                    legend { "Filière" }
                    div.unit-grid {
                        @for f in FILIERES {
                            label.checkbox { input type="checkbox" name="filiere" value=(f) checked[checked(&profile.filieres, f)]; span { (f) } }
                        }
                    }
                }
                fieldset {
                    legend { "Service" }
                    div.unit-grid {
                        @for (i, s) in data.services.iter().enumerate() {
                            label.checkbox for=(format!("service-{i}")) { input #(format!("service-{i}")) type="checkbox" name="service" value=(s) checked[checked(&profile.services, s)]; span { (s) } }
                        }
                    }
                }
                div.form-actions { button.button.button-primary type="submit" { "Enregistrer mon profil" } }
            }
        },
    )
}
