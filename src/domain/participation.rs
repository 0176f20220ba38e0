//! Participation (issue 11): who an acknowledgement request or a survey is
//! for, surveys and their answers, and the pure rules on them (open period,
//! answer validation, result counts). No IO and no clock: time is a parameter.
//!
//! Invariant: an anonymous survey's [`Answer`] carries no login and no time;
//! the only trace of an agent is the separate "has answered" flag.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::text::fold;
use super::user::{Login, User};

pub use super::community::{
    COMMENT_EDIT_WINDOW, COMMENT_MAX, Comment, Discussion, FILIERES, JobProfile, Thread,
    comment_text,
};

/// Who must read an item, or may answer a survey: everyone, or the agents of
/// some services or directions (matched on the directory's `service` and
/// `direction` fields, accents and case folded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    Everyone,
    Units(Vec<String>),
}

impl Audience {
    pub fn includes(&self, user: &User) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Units(units) => units.iter().any(|unit| {
                let unit = fold(unit.trim());
                !unit.is_empty() && (unit == fold(&user.service) || unit == fold(&user.direction))
            }),
        }
    }

    /// A short French description ("tous les agents", "Espaces verts, Pôle Technique").
    pub fn describe(&self) -> String {
        match self {
            Audience::Everyone => "tous les agents".into(),
            Audience::Units(units) => units.join(", "),
        }
    }
}

/// A time-ordered survey id (ULID as u128).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SurveyId(pub ulid::Ulid);

impl SurveyId {
    pub fn new(now: Timestamp, random: u128) -> Self {
        let ms = u64::try_from(now.as_millisecond()).unwrap_or(0);
        Self(ulid::Ulid::from_parts(ms, random))
    }
    pub fn to_u128(self) -> u128 {
        self.0.0
    }
    pub fn from_u128(raw: u128) -> Self {
        Self(ulid::Ulid(raw))
    }
}

impl std::fmt::Display for SurveyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for SurveyId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s).map(Self)
    }
}

/// The kinds of question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionKind {
    /// One of the options.
    Single(Vec<String>),
    /// Any of the options.
    Multiple(Vec<String>),
    /// 1 to 5.
    Scale,
    /// A short text (at most [`TEXT_MAX`] characters).
    Text,
}

/// The longest short-text answer, in characters.
pub const TEXT_MAX: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub label: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    pub id: SurveyId,
    pub title: String,
    #[serde(default)]
    pub intro: String,
    pub author: Login,
    #[serde(default)]
    pub author_name: String,
    pub audience: Audience,
    pub opens: Timestamp,
    pub closes: Timestamp,
    /// Answers keep no link to the agent.
    pub anonymous: bool,
    /// Results shown to the audience while the survey is open.
    pub live_results: bool,
    pub questions: Vec<Question>,
    pub created: Timestamp,
}

impl Survey {
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        self.opens <= now && now < self.closes
    }

    pub fn is_closed_at(&self, now: Timestamp) -> bool {
        self.closes <= now
    }

    /// Whether `user` (of the audience, or its author) may see the results now.
    pub fn results_visible_to(&self, user: &User, now: Timestamp) -> bool {
        let author = self.author == user.login || user.has(&super::user::Role::Webmaster);
        author || (self.audience.includes(user) && (self.is_closed_at(now) || self.live_results))
    }
}

/// One agent's answer to one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerValue {
    Choice(u32),
    Choices(Vec<u32>),
    Scale(u8),
    Text(String),
    Skipped,
}

/// A stored answer to a whole survey. `by` is `None` for an anonymous survey,
/// and there is deliberately no time field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub by: Option<Login>,
    pub values: Vec<AnswerValue>,
}

/// Why an answer was refused: per question, a French sentence.
pub type AnswerErrors = Vec<(usize, &'static str)>;

/// Reads raw form values (per question: the values sent under its name) into
/// answers, or says per question what is missing or wrong.
pub fn read_answers(
    survey: &Survey,
    raw: &[Vec<String>],
) -> Result<Vec<AnswerValue>, AnswerErrors> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (i, question) in survey.questions.iter().enumerate() {
        let sent: Vec<&str> = raw
            .get(i)
            .map(|v| {
                v.iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let option = |s: &str, n: usize| s.parse::<u32>().ok().filter(|&k| (k as usize) < n);
        let value = match &question.kind {
            _ if sent.is_empty() => {
                if question.required {
                    errors.push((i, "Cette question demande une réponse."));
                }
                AnswerValue::Skipped
            }
            QuestionKind::Single(options) => match (sent.len(), option(sent[0], options.len())) {
                (1, Some(k)) => AnswerValue::Choice(k),
                _ => {
                    errors.push((i, "Choisissez une seule réponse parmi celles proposées."));
                    AnswerValue::Skipped
                }
            },
            QuestionKind::Multiple(options) => {
                let mut picked: Vec<u32> = Vec::new();
                for s in &sent {
                    match option(s, options.len()) {
                        Some(k) if !picked.contains(&k) => picked.push(k),
                        Some(_) => {}
                        None => {
                            errors
                                .push((i, "Cette réponse ne fait pas partie des choix proposés."));
                            break;
                        }
                    }
                }
                picked.sort_unstable();
                AnswerValue::Choices(picked)
            }
            QuestionKind::Scale => match sent[0].parse::<u8>() {
                Ok(n @ 1..=5) if sent.len() == 1 => AnswerValue::Scale(n),
                _ => {
                    errors.push((i, "Choisissez une note de 1 à 5."));
                    AnswerValue::Skipped
                }
            },
            QuestionKind::Text => {
                if sent[0].chars().count() > TEXT_MAX {
                    errors.push((i, "Votre réponse est trop longue (500 caractères au plus)."));
                }
                AnswerValue::Text(sent[0].to_owned())
            }
        };
        values.push(value);
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// The results of one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tally {
    /// (label, count) per option or per score 1–5.
    Counts(Vec<(String, usize)>),
    /// Short texts, in storage order (random for an anonymous survey).
    Texts(Vec<String>),
}

/// Counts the answers to each question.
pub fn tally(survey: &Survey, answers: &[Answer]) -> Vec<Tally> {
    survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, question)| {
            let values = answers.iter().filter_map(|a| a.values.get(i));
            match &question.kind {
                QuestionKind::Single(options) | QuestionKind::Multiple(options) => {
                    let mut counts = vec![0usize; options.len()];
                    for value in values {
                        let picked: &[u32] = match value {
                            AnswerValue::Choice(k) => std::slice::from_ref(k),
                            AnswerValue::Choices(ks) => ks,
                            _ => &[],
                        };
                        for &k in picked {
                            if let Some(c) = counts.get_mut(k as usize) {
                                *c += 1;
                            }
                        }
                    }
                    Tally::Counts(options.iter().cloned().zip(counts).collect())
                }
                QuestionKind::Scale => {
                    let mut counts = [0usize; 5];
                    for value in values {
                        if let AnswerValue::Scale(n @ 1..=5) = value {
                            counts[usize::from(*n) - 1] += 1;
                        }
                    }
                    Tally::Counts(
                        counts
                            .iter()
                            .enumerate()
                            .map(|(k, c)| (format!("{}", k + 1), *c))
                            .collect(),
                    )
                }
                QuestionKind::Text => Tally::Texts(
                    values
                        .filter_map(|v| match v {
                            AnswerValue::Text(t) => Some(t.clone()),
                            _ => None,
                        })
                        .collect(),
                ),
            }
        })
        .collect()
}

/// One CSV field, quoted when it must be (RFC 4180), and with a leading `'`
/// when a spreadsheet would read it as a formula.
pub fn csv_field(raw: &str) -> String {
    let guarded = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if guarded.contains([',', ';', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The CSV export of a survey's answers: one row per answer, one column per
/// question (plus the agent for a named survey). Lines end in CRLF.
pub fn csv(survey: &Survey, answers: &[(Option<String>, &Answer)]) -> String {
    let mut out = String::new();
    let mut header: Vec<String> = Vec::new();
    if !survey.anonymous {
        header.push(csv_field("Agent"));
    }
    header.extend(survey.questions.iter().map(|q| csv_field(&q.label)));
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for (who, answer) in answers {
        let mut row: Vec<String> = Vec::new();
        if !survey.anonymous {
            row.push(csv_field(who.as_deref().unwrap_or("")));
        }
        for (question, value) in survey.questions.iter().zip(&answer.values) {
            let options: &[String] = match &question.kind {
                QuestionKind::Single(o) | QuestionKind::Multiple(o) => o,
                _ => &[],
            };
            let label = |k: &u32| options.get(*k as usize).cloned().unwrap_or_default();
            let text = match value {
                AnswerValue::Choice(k) => label(k),
                AnswerValue::Choices(ks) => ks.iter().map(label).collect::<Vec<_>>().join(" | "),
                AnswerValue::Scale(n) => n.to_string(),
                AnswerValue::Text(t) => t.clone(),
                AnswerValue::Skipped => String::new(),
            };
            row.push(csv_field(&text));
        }
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::item::tests::t;

    fn person(service: &str, direction: &str) -> User {
        User {
            given_name: "Camille".into(),
            surname: "Lefèvre".into(),
            service: service.into(),
            direction: direction.into(),
            ..User::for_tests("agent", &[])
        }
    }

    pub fn survey(anonymous: bool) -> Survey {
        let now = t("2026-11-29T10:00:00Z");
        Survey {
            id: SurveyId::new(now, 1),
            title: "Restaurant".into(),
            intro: String::new(),
            author: Login::new("codir"),
            author_name: "Hélène Marchand".into(),
            audience: Audience::Everyone,
            opens: now,
            closes: t("2026-12-10T00:00:00Z"),
            anonymous,
            live_results: false,
            questions: vec![
                Question {
                    label: "Midi ou soir ?".into(),
                    kind: QuestionKind::Single(vec!["Midi".into(), "Soir".into()]),
                    required: true,
                },
                Question {
                    label: "Jours".into(),
                    kind: QuestionKind::Multiple(vec!["Lundi".into(), "Mardi".into()]),
                    required: false,
                },
                Question {
                    label: "Note".into(),
                    kind: QuestionKind::Scale,
                    required: false,
                },
                Question {
                    label: "Un mot".into(),
                    kind: QuestionKind::Text,
                    required: false,
                },
            ],
            created: now,
        }
    }

    fn raw(values: &[&[&str]]) -> Vec<Vec<String>> {
        values
            .iter()
            .map(|v| v.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn an_audience_matches_services_and_directions_folded() {
        let gardener = person("Espaces verts", "Pôle Technique");
        assert!(Audience::Everyone.includes(&gardener));
        assert!(Audience::Units(vec!["espaces VERTS".into()]).includes(&gardener));
        assert!(Audience::Units(vec!["Pole technique".into()]).includes(&gardener));
        assert!(!Audience::Units(vec!["Communication".into()]).includes(&gardener));
        assert!(!Audience::Units(vec![" ".into()]).includes(&person("", "")));
    }

    #[test]
    fn answers_are_read_and_checked_per_question() {
        let s = survey(true);
        let ok = read_answers(
            &s,
            &raw(&[&["1"], &["1", "0", "1"], &["4"], &["Très bien"]]),
        )
        .unwrap();
        assert_eq!(
            ok,
            vec![
                AnswerValue::Choice(1),
                AnswerValue::Choices(vec![0, 1]),
                AnswerValue::Scale(4),
                AnswerValue::Text("Très bien".into())
            ]
        );
        let errors = read_answers(&s, &raw(&[&[], &["7"], &["6"], &[]])).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.0).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        let skipped = read_answers(&s, &raw(&[&["0"]])).unwrap();
        assert_eq!(skipped[3], AnswerValue::Skipped);
        let long = "x".repeat(TEXT_MAX + 1);
        assert!(read_answers(&s, &raw(&[&["0"], &[], &[], &[&long]])).is_err());
    }

    #[test]
    fn tallies_count_options_and_scores() {
        let s = survey(true);
        let a = |v: Vec<AnswerValue>| Answer {
            by: None,
            values: v,
        };
        let answers = vec![
            a(vec![
                AnswerValue::Choice(0),
                AnswerValue::Choices(vec![0, 1]),
                AnswerValue::Scale(5),
                AnswerValue::Text("bien".into()),
            ]),
            a(vec![
                AnswerValue::Choice(0),
                AnswerValue::Skipped,
                AnswerValue::Scale(5),
                AnswerValue::Skipped,
            ]),
        ];
        let tallies = tally(&s, &answers);
        assert_eq!(
            tallies[0],
            Tally::Counts(vec![("Midi".into(), 2), ("Soir".into(), 0)])
        );
        assert_eq!(
            tallies[1],
            Tally::Counts(vec![("Lundi".into(), 1), ("Mardi".into(), 1)])
        );
        let Tally::Counts(scale) = &tallies[2] else {
            panic!()
        };
        assert_eq!(scale[4], ("5".into(), 2));
        assert_eq!(tallies[3], Tally::Texts(vec!["bien".into()]));
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("simple"), "simple");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("dit \"oui\""), "\"dit \"\"oui\"\"\"");
        assert_eq!(csv_field("deux\nlignes"), "\"deux\nlignes\"");
        assert_eq!(csv_field("=SOMME(A1)"), "'=SOMME(A1)");
        let s = survey(false);
        let answer = Answer {
            by: Some(Login::new("agent")),
            values: vec![
                AnswerValue::Choice(1),
                AnswerValue::Choices(vec![0, 1]),
                AnswerValue::Scale(3),
                AnswerValue::Text("ok, merci".into()),
            ],
        };
        let out = csv(&s, &[(Some("Camille Lefèvre".into()), &answer)]);
        assert_eq!(
            out,
            "Agent,Midi ou soir ?,Jours,Note,Un mot\r\nCamille Lefèvre,Soir,Lundi | Mardi,3,\"ok, merci\"\r\n"
        );
        let anonymous = csv(&survey(true), &[(None, &answer)]);
        assert!(anonymous.starts_with("Midi ou soir ?,"), "{anonymous}");
    }

    #[test]
    fn open_period_and_results_visibility() {
        let mut s = survey(true);
        let agent = person("Espaces verts", "Pôle Technique");
        assert!(s.is_open_at(t("2026-11-29T10:00:00Z")));
        assert!(
            !s.is_open_at(t("2026-12-10T00:00:00Z")),
            "closing is exclusive"
        );
        assert!(!s.results_visible_to(&agent, t("2026-11-30T00:00:00Z")));
        assert!(s.results_visible_to(&agent, t("2026-12-10T00:00:00Z")));
        s.live_results = true;
        assert!(s.results_visible_to(&agent, t("2026-11-30T00:00:00Z")));
        s.audience = Audience::Units(vec!["Communication".into()]);
        assert!(!s.results_visible_to(&agent, t("2026-12-11T00:00:00Z")));
    }
}
