//! Questionnaires: the list, the author's form, the answer form (borne and
//! phone alike) and the results as server-drawn bar charts with their table.

use maud::{Markup, html};

use super::acknowledgements::units_fieldset;
use super::format;
use super::layout::{Chrome, csrf_field, page};
use crate::content::SurveyList;
use crate::domain::DeviceClass;
use crate::domain::participation::{AnswerErrors, QuestionKind, Survey, Tally};

/// How many question slots the author's form offers.
pub const QUESTION_SLOTS: usize = 6;

fn survey_url(survey: &Survey) -> String {
    format!("/questionnaires/{}", survey.id)
}

fn period(survey: &Survey, chrome: &Chrome) -> Markup {
    let tz = chrome.tz();
    // `closes` is the start of the day after the last one.
    let last = survey.closes - jiff::SignedDuration::from_secs(1);
    html! {
        "du " (format::date_long(survey.opens, tz)) " au " (format::date_long(last, tz)) " inclus"
    }
}

pub struct ListPage<'a> {
    pub list: &'a SurveyList,
    pub can_create: bool,
    pub message: Option<&'a str>,
}

pub fn list(chrome: &Chrome, data: &ListPage) -> Markup {
    let list = data.list;
    page(
        chrome,
        "Questionnaires",
        html! {
            h1 { "Questionnaires" }
            p.intro { "Donnez votre avis : chaque réponse compte. Les questionnaires anonymes ne gardent aucun lien entre vous et vos réponses." }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            @if data.can_create { p { a.button.button-primary href="/questionnaires/nouveau" { "Créer un questionnaire" } } }
            section aria-labelledby="titre-en-cours" {
                h2 #titre-en-cours { "En cours" }
                @if list.open.is_empty() { p.empty { "Aucun questionnaire ne vous attend pour le moment." } }
                ul.survey-list {
                    @for (survey, answered) in &list.open {
                        li {
                            a href=(survey_url(survey)) { (survey.title) }
                            " — " (period(survey, chrome))
                            @if survey.anonymous { " · " span.badge { "Anonyme" } }
                            @if *answered { " · " span.badge { "✓ Vous avez répondu" } }
                        }
                    }
                }
            }
            @if !list.results.is_empty() {
                section aria-labelledby="titre-resultats" {
                    h2 #titre-resultats { "Résultats" }
                    ul.survey-list {
                        @for survey in &list.results {
                            li { a href=(format!("{}/resultats", survey_url(survey))) { (survey.title) } }
                        }
                    }
                }
            }
            @if !list.mine.is_empty() {
                section aria-labelledby="titre-mes-questionnaires" {
                    h2 #titre-mes-questionnaires { "Mes questionnaires" }
                    ul.survey-list {
                        @for survey in &list.mine {
                            li {
                                a href=(survey_url(survey)) { (survey.title) } " — " (period(survey, chrome))
                                " · " a href=(format!("{}/resultats", survey_url(survey))) { "Résultats" }
                                " · " a href=(format!("{}/export.csv", survey_url(survey))) download { "Export CSV" }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The author's form, with what was typed and the errors by field.
pub struct EditorPage<'a> {
    /// The submitted fields (empty on first display).
    pub fields: &'a [(String, String)],
    pub units: &'a [String],
    pub errors: &'a [(String, &'static str)],
    /// Default dates (YYYY-MM-DD) when nothing was typed.
    pub default_opens: String,
    pub default_closes: String,
}

impl EditorPage<'_> {
    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn error(&self, name: &str) -> Option<&'static str> {
        self.errors.iter().find(|(k, _)| k == name).map(|(_, m)| *m)
    }
}

fn text_input(data: &EditorPage, name: &str, label: &str, kind: &str, value: &str) -> Markup {
    let error = data.error(name);
    let error_id = format!("erreur-{name}");
    html! {
        div.field.field-error[error.is_some()] {
            label for=(name) { (label) }
            @if let Some(error) = error { p.form-error #(error_id) { (error) } }
            input #(name) name=(name) type=(kind) value=(value)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
        }
    }
}

pub fn editor(chrome: &Chrome, data: &EditorPage) -> Markup {
    let first = data.fields.is_empty();
    let or = |name: &str, default: &str| -> String {
        if first {
            default.to_owned()
        } else {
            data.get(name).to_owned()
        }
    };
    let chosen: Vec<String> = data
        .fields
        .iter()
        .filter(|(k, _)| k == "unites")
        .map(|(_, v)| v.clone())
        .collect();
    let kiosk = chrome.device == DeviceClass::Kiosk;
    page(
        chrome,
        "Créer un questionnaire",
        html! {
            h1 { "Créer un questionnaire" }
            @if !data.errors.is_empty() {
                div.form-error role="alert" {
                    p { "Le questionnaire n'a pas été enregistré. Corrigez ce qui est signalé ; tout ce que vous avez saisi est conservé." }
                    ul { @for (field, message) in data.errors { li { a href=(format!("#{field}")) { (message) } } } }
                }
            }
            form.form-card method="post" action="/questionnaires/nouveau" autocomplete=[kiosk.then_some("off")] {
                (csrf_field(chrome))
                (text_input(data, "titre", "Titre", "text", data.get("titre")))
                div.field {
                    label for="intro" { "Présentation (facultatif)" }
                    textarea #intro name="intro" rows="3" { (data.get("intro")) }
                }
                fieldset #public {
                    legend { "Qui peut répondre ?" }
                    label.checkbox { input type="radio" name="public" value="tous" checked[data.get("public") != "unites"]; span { "Tous les agents" } }
                    label.checkbox { input type="radio" name="public" value="unites" checked[data.get("public") == "unites"]; span { "Seulement les services ou directions cochés ci-dessous" } }
                    @if let Some(error) = data.error("public") { p.form-error #erreur-public { (error) } }
                }
                (units_fieldset(data.units, &chosen, data.error("public").is_some()))
                (text_input(data, "ouverture", "Ouvert à partir du", "date", &or("ouverture", &data.default_opens)))
                (text_input(data, "cloture", "Jusqu'au (inclus)", "date", &or("cloture", &data.default_closes)))
                fieldset {
                    legend { "Options" }
                    label.checkbox { input type="checkbox" name="anonyme" value="oui" checked[data.get("anonyme") == "oui"]; span { "Anonyme : les réponses ne gardent aucun lien avec les agents" } }
                    label.checkbox { input type="checkbox" name="direct" value="oui" checked[data.get("direct") == "oui"]; span { "Montrer les résultats aux agents pendant le questionnaire (sinon, à la clôture)" } }
                }
                @for n in 1..=QUESTION_SLOTS {
                    (question_slot(data, n))
                }
                div.form-actions { button.button.button-primary type="submit" { "Enregistrer le questionnaire" } }
            }
        },
    )
}

fn question_slot(data: &EditorPage, n: usize) -> Markup {
    let label = format!("q{n}_libelle");
    let kind = format!("q{n}_type");
    let choices = format!("q{n}_choix");
    let required = format!("q{n}_obligatoire");
    let current = data.get(&kind);
    let error = data.error(&label).or(data.error(&choices));
    html! {
        fieldset.question-slot #(format!("q{n}")) {
            legend { "Question " (n) @if n > 1 { " (facultative : laissez vide si inutile)" } }
            @if let Some(error) = error { p.form-error { (error) } }
            div.field {
                label for=(label) { "Intitulé" }
                input #(label) name=(label) type="text" value=(data.get(&label));
            }
            div.field {
                label for=(kind) { "Type de réponse" }
                select #(kind) name=(kind) {
                    @for (value, text) in [("unique", "Un seul choix"), ("multiple", "Plusieurs choix possibles"), ("echelle", "Note de 1 à 5"), ("texte", "Réponse courte")] {
                        option value=(value) selected[current == value] { (text) }
                    }
                }
            }
            div.field {
                label for=(choices) { "Choix proposés (un par ligne, pour les questions à choix)" }
                textarea #(choices) name=(choices) rows="3" { (data.get(&choices)) }
            }
            label.checkbox { input type="checkbox" name=(required) value="oui" checked[data.get(&required) == "oui"]; span { "Réponse obligatoire" } }
        }
    }
}

/// The answer form, or where the agent stands.
pub struct AnswerPage<'a> {
    pub survey: &'a Survey,
    pub answered: bool,
    pub open: bool,
    /// Values sent, per question (kept on error).
    pub sent: &'a [Vec<String>],
    pub errors: &'a AnswerErrors,
    pub results_visible: bool,
    pub message: Option<&'a str>,
}

pub fn answer(chrome: &Chrome, data: &AnswerPage) -> Markup {
    let survey = data.survey;
    let kiosk = chrome.device == DeviceClass::Kiosk;
    let sent = |i: usize| -> &[String] { data.sent.get(i).map(Vec::as_slice).unwrap_or(&[]) };
    let error = |i: usize| data.errors.iter().find(|(q, _)| *q == i).map(|(_, m)| *m);
    page(
        chrome,
        &survey.title,
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Accueil" } " › " a href="/questionnaires" { "Questionnaires" } }
            h1 { (survey.title) }
            p.card-meta {
                "Ouvert " (period(survey, chrome)) " · par " (survey.author_name)
                @if survey.anonymous { " · " span.badge { "Anonyme" } }
            }
            @if let Some(message) = data.message { p.notice role="status" { (message) } }
            @if survey.anonymous {
                p.hint { "Ce questionnaire est anonyme : votre réponse est enregistrée sans votre nom, sans date ni heure. L'intranet retient seulement que vous avez répondu, pour éviter les doublons." }
            }
            @if !survey.intro.is_empty() { p { (survey.intro) } }
            @if data.answered {
                p.notice role="status" { "✓ Vous avez répondu à ce questionnaire. Merci !" }
            } @else if !data.open {
                p.notice { "Ce questionnaire n'est pas ouvert en ce moment." }
            } @else {
                @if !data.errors.is_empty() {
                    div.form-error role="alert" {
                        p { "Votre réponse n'est pas encore enregistrée. Complétez ce qui est signalé ; vos choix sont conservés." }
                        ul { @for (q, message) in data.errors { li { a href=(format!("#question-{}", q + 1)) { "Question " (q + 1) " : " (message) } } } }
                    }
                }
                form.form-card.survey-form method="post" action=(survey_url(survey)) autocomplete=[kiosk.then_some("off")] {
                    (csrf_field(chrome))
                    @for (i, question) in survey.questions.iter().enumerate() {
                        @let name = format!("q{i}");
                        @let id = format!("question-{}", i + 1);
                        @let error_id = format!("erreur-question-{}", i + 1);
                        fieldset.question #(id) aria-describedby=[error(i).map(|_| error_id.as_str())] {
                            legend {
                                (i + 1) ". " (question.label)
                                @if question.required { " " abbr title="obligatoire" { "*" } }
                            }
                            @if let Some(message) = error(i) { p.form-error #(error_id) { (message) } }
                            @match &question.kind {
                                QuestionKind::Single(options) => {
                                    @for (k, option) in options.iter().enumerate() {
                                        label.checkbox {
                                            input type="radio" name=(name) value=(k) checked[sent(i).contains(&k.to_string())];
                                            span { (option) }
                                        }
                                    }
                                }
                                QuestionKind::Multiple(options) => {
                                    p.hint { "Plusieurs réponses possibles." }
                                    @for (k, option) in options.iter().enumerate() {
                                        label.checkbox {
                                            input type="checkbox" name=(name) value=(k) checked[sent(i).contains(&k.to_string())];
                                            span { (option) }
                                        }
                                    }
                                }
                                QuestionKind::Scale => {
                                    p.hint { "De 1 (pas du tout) à 5 (tout à fait)." }
                                    div.scale {
                                        @for k in 1..=5u8 {
                                            label.checkbox.scale-point {
                                                input type="radio" name=(name) value=(k) checked[sent(i).contains(&k.to_string())];
                                                span { (k) }
                                            }
                                        }
                                    }
                                }
                                QuestionKind::Text => {
                                    label.visually-hidden for=(format!("{name}-texte")) { "Votre réponse à la question " (i + 1) }
                                    input #(format!("{name}-texte")) type="text" name=(name) maxlength="500" value=(sent(i).first().map(String::as_str).unwrap_or(""));
                                }
                            }
                        }
                    }
                    div.form-actions { button.button.button-primary type="submit" { "Envoyer ma réponse" } }
                }
            }
            @if data.results_visible {
                p { a.button href=(format!("{}/resultats", survey_url(survey))) { "Voir les résultats" } }
            }
        },
    )
}

pub struct ResultsPage<'a> {
    pub survey: &'a Survey,
    pub tallies: &'a [Tally],
    pub respondents: usize,
    pub can_export: bool,
}

pub fn results(chrome: &Chrome, data: &ResultsPage) -> Markup {
    let survey = data.survey;
    page(
        chrome,
        &format!("Résultats : {}", survey.title),
        html! {
            nav.breadcrumb aria-label="Fil d'Ariane" { a href="/" { "Accueil" } " › " a href="/questionnaires" { "Questionnaires" } " › " a href=(survey_url(survey)) { (survey.title) } }
            h1 { "Résultats : " (survey.title) }
            p.card-meta {
                (data.respondents) " réponse(s) · "
                @if survey.is_closed_at(chrome.now) { "questionnaire clos" } @else { "résultats provisoires, le questionnaire est encore ouvert" }
                @if survey.anonymous { " · anonyme" }
            }
            @if data.can_export {
                p { a.button href=(format!("{}/export.csv", survey_url(survey))) download { "Télécharger les réponses (CSV)" } }
            }
            @for (i, (question, tally)) in survey.questions.iter().zip(data.tallies).enumerate() {
                section.result aria-labelledby=(format!("resultat-{i}")) {
                    h2 #(format!("resultat-{i}")) { (i + 1) ". " (question.label) }
                    @match tally {
                        Tally::Counts(counts) => {
                            (bar_chart(&format!("graphique-{i}"), &question.label, counts))
                            table.result-table {
                                caption { "Détail des réponses à la question " (i + 1) }
                                thead { tr { th scope="col" { "Réponse" } th scope="col" { "Nombre" } th scope="col" { "Part" } } }
                                tbody {
                                    @for (label, count) in counts {
                                        tr { th scope="row" { (label) } td { (count) } td { (percent(*count, data.respondents)) } }
                                    }
                                }
                            }
                        }
                        Tally::Texts(texts) => {
                            @if texts.is_empty() { p.empty { "Aucune réponse écrite." } }
                            ul.text-answers { @for text in texts { li { (text) } } }
                        }
                    }
                }
            }
        },
    )
}

fn percent(count: usize, total: usize) -> String {
    if total == 0 {
        return "0 %".into();
    }
    format!("{} %", (count * 100 + total / 2) / total)
}

/// A horizontal bar chart drawn on the server. Each bar carries its label and
/// its count as text (no information by colour alone); screen readers get the
/// chart's summary and the table below it.
pub fn bar_chart(id: &str, title: &str, counts: &[(String, usize)]) -> Markup {
    const ROW: usize = 36;
    const LABEL_W: usize = 220;
    const BAR_W: usize = 360;
    let max = counts.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    let height = counts.len() * ROW + 8;
    let summary = counts
        .iter()
        .map(|(label, count)| format!("{label} : {count}"))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        svg.bar-chart #(id) xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {} {height}", LABEL_W + BAR_W + 60))
            aria-labelledby=(format!("{id}-titre {id}-desc")) {
            title #(format!("{id}-titre")) { "Graphique : " (title) }
            desc #(format!("{id}-desc")) { (summary) }
            @for (row, (label, count)) in counts.iter().enumerate() {
                @let y = row * ROW + 4;
                @let w = if *count == 0 { 2 } else { count * BAR_W / max };
                text x=(LABEL_W - 8) y=(y + 22) text-anchor="end" font-size="15" fill="#222" { (truncate(label, 28)) }
                rect x=(LABEL_W) y=(y + 4) width=(w) height=(ROW - 10) fill="#1f4e79" {}
                text x=(LABEL_W + w + 6) y=(y + 22) font-size="15" fill="#222" { (count) }
            }
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
