//! Demo mode: a living intranet for a fictional town out of the box — a local
//! directory of ~800 agents (one account per role of DESIGN §4) and content in
//! every space, dated relative to the first start. Seeded once, into an empty store.

mod directory;
mod images;

use directory::directory;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Deserialize;
use std::collections::HashMap;

use crate::config::Config;
use crate::domain::{
    AnnonceCategory, Details, EventDetails, Item, ItemId, JobDetails, JobKind, LinkGroup, Login,
    Media, Space, Status, UnionSlug,
};
use crate::media;
use crate::store::{Result, Store, StoreError};

/// The password of every demo account, shown on the sign-in page in demo mode.
pub const PASSWORD: &str = "kiosque";

#[derive(Deserialize)]
struct Files<T> {
    #[serde(
        alias = "actus",
        alias = "rh",
        alias = "agenda",
        alias = "annonces",
        alias = "emploi",
        alias = "pages",
        alias = "liens",
        alias = "syndicats"
    )]
    entries: Vec<T>,
}

#[derive(Deserialize)]
struct Actu {
    title: String,
    #[serde(default)]
    summary: String,
    body: String,
    days_ago: i64,
    author: String,
    #[serde(default)]
    signage: bool,
    photo: Option<String>,
    #[serde(default)]
    photo_alt: String,
    /// For union items: the union's slug.
    #[serde(default)]
    union: Option<String>,
}

#[derive(Deserialize)]
struct Event {
    title: String,
    #[serde(default)]
    summary: String,
    body: String,
    in_days: i64,
    start: String,
    duration_minutes: i64,
    #[serde(default)]
    all_day: bool,
    #[serde(default)]
    place: String,
    author: String,
    #[serde(default)]
    signage: bool,
}

#[derive(Deserialize)]
struct Annonce {
    title: String,
    body: String,
    category: String,
    price: Option<String>,
    contact: String,
    days_ago: i64,
    author: String,
    photo: Option<String>,
    #[serde(default)]
    photo_alt: String,
}

#[derive(Deserialize)]
struct Job {
    title: String,
    #[serde(default)]
    summary: String,
    body: String,
    offer_kind: String,
    service: String,
    category: String,
    #[serde(default)]
    filiere: String,
    deadline_in_days: i64,
    days_ago: i64,
    author: String,
}

#[derive(Deserialize)]
struct Page {
    slug: String,
    title: String,
    body: String,
    parent: Option<String>,
    order: i32,
    author: String,
}

#[derive(Deserialize)]
struct Link {
    title: String,
    url: String,
    icon: String,
    group: String,
    phone: Option<String>,
    #[serde(default)]
    description: String,
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>> {
    let files: Files<T> =
        toml::from_str(text).map_err(|e| StoreError::Invalid(format!("demo file {name}: {e}")))?;
    Ok(files.entries)
}

/// Builds the demo items, blobs and users and writes them, if the store is empty.
pub fn seed_if_empty(store: &Store, config: &Config, now: Timestamp) -> Result<bool> {
    if store.item_count()? > 0 {
        return Ok(false);
    }
    let users = directory()?;
    store.put_users(&users)?;
    // One hash for every demo account: hashing 800 times would slow the first start.
    let logins: Vec<Login> = users.iter().map(|u| u.login.clone()).collect();
    store.set_credentials(&logins, &crate::directory::hash_password(PASSWORD))?;
    let mut builder = Builder {
        store,
        now,
        tz: config.time_zone(),
        names: users
            .iter()
            .map(|u| (u.login.as_str().to_owned(), u.display_name()))
            .collect(),
        counter: 0,
        items: Vec::new(),
        unions: config
            .unions
            .iter()
            .map(|u| (u.slug.clone(), u.name.clone()))
            .collect(),
    };
    builder.actus(
        Space::Actus,
        include_str!("../../assets/demo/actus.toml"),
        "actus.toml",
    )?;
    builder.actus(
        Space::Rh,
        include_str!("../../assets/demo/rh.toml"),
        "rh.toml",
    )?;
    builder.union_items(include_str!("../../assets/demo/syndicats.toml"))?;
    builder.events(include_str!("../../assets/demo/agenda.toml"))?;
    builder.annonces(include_str!("../../assets/demo/annonces.toml"))?;
    builder.jobs(include_str!("../../assets/demo/emploi.toml"))?;
    builder.pages(include_str!("../../assets/demo/pages.toml"))?;
    builder.links(include_str!("../../assets/demo/liens.toml"))?;
    store.put_items(&builder.items)?;
    builder.participation(include_str!("../../assets/demo/participation.toml"))?;
    Ok(true)
}

#[derive(Deserialize)]
struct Participation {
    #[serde(default)]
    questionnaires: Vec<DemoSurvey>,
    #[serde(default)]
    espaces: Vec<DemoSpace>,
}

#[derive(Deserialize)]
struct DemoSurvey {
    title: String,
    intro: String,
    author: String,
    opened_days_ago: i64,
    closes_in_days: i64,
    anonymous: bool,
    live_results: bool,
    questions: Vec<DemoQuestion>,
}

#[derive(Deserialize)]
struct DemoQuestion {
    label: String,
    kind: String,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
struct DemoSpace {
    name: String,
    description: String,
    author: String,
    days_ago: i64,
    messages: Vec<DemoMessage>,
}

#[derive(Deserialize)]
struct DemoMessage {
    author: String,
    days_ago: i64,
    body: String,
}

struct Builder<'a> {
    store: &'a Store,
    now: Timestamp,
    tz: TimeZone,
    names: HashMap<String, String>,
    counter: u128,
    items: Vec<Item>,
    unions: HashMap<String, String>,
}

impl Builder<'_> {
    fn item(
        &mut self,
        space: Space,
        title: String,
        author: &str,
        created: Timestamp,
        details: Details,
    ) -> Item {
        self.counter += 1;
        let author_name = match &space {
            Space::Syndicat(slug) => self.unions.get(slug.as_str()).cloned(),
            _ => self.names.get(author).cloned(),
        };
        Item {
            id: ItemId::new(created, self.counter),
            space,
            title,
            summary: String::new(),
            body: String::new(),
            author: Login::new(author),
            author_name: author_name.unwrap_or_else(|| author.to_owned()),
            status: Status::Published,
            created,
            updated: created,
            publish_at: None,
            expires_at: None,
            version: 1,
            media: Vec::new(),
            signage: false,
            details,
            acknowledgement: None,
        }
    }

    /// A questionnaire open now and espaces d'échange with a few messages.
    fn participation(&mut self, text: &str) -> Result<()> {
        use crate::domain::SurveyId;
        use crate::domain::participation::{
            Audience, Comment, Discussion, Question, QuestionKind, Survey, Thread,
        };
        let data: Participation = toml::from_str(text)
            .map_err(|e| StoreError::Invalid(format!("demo participation.toml: {e}")))?;
        for entry in data.questionnaires {
            self.counter += 1;
            let opens = self.ago(entry.opened_days_ago);
            let mut questions = Vec::new();
            for q in entry.questions {
                let kind = match q.kind.as_str() {
                    "unique" => QuestionKind::Single(q.options),
                    "multiple" => QuestionKind::Multiple(q.options),
                    "echelle" => QuestionKind::Scale,
                    "texte" => QuestionKind::Text,
                    other => {
                        return Err(StoreError::Invalid(format!(
                            "demo participation.toml: unknown question kind {other}"
                        )));
                    }
                };
                questions.push(Question {
                    label: q.label,
                    kind,
                    required: q.required,
                });
            }
            self.store.put_survey(&Survey {
                id: SurveyId::new(opens, self.counter),
                title: entry.title,
                intro: entry.intro,
                author_name: self.names.get(&entry.author).cloned().unwrap_or_default(),
                author: Login::new(&entry.author),
                audience: Audience::Everyone,
                opens,
                closes: self.now + SignedDuration::from_hours(24 * entry.closes_in_days),
                anonymous: entry.anonymous,
                live_results: entry.live_results,
                questions,
                created: opens,
            })?;
        }
        for entry in data.espaces {
            self.counter += 1;
            let created = self.ago(entry.days_ago);
            let id = ulid::Ulid::from_parts(created.as_millisecond() as u64, self.counter).0;
            self.store.put_discussion(&Discussion {
                id,
                name: entry.name,
                description: entry.description,
                created_by: Login::new(&entry.author),
                created,
            })?;
            for message in entry.messages {
                self.counter += 1;
                let at = self.ago(message.days_ago);
                self.store.put_message(
                    Thread::Space,
                    &Comment {
                        id: ulid::Ulid::from_parts(at.as_millisecond() as u64, self.counter).0,
                        item: ItemId::from_u128(id),
                        author_name: self.names.get(&message.author).cloned().unwrap_or_default(),
                        author: Login::new(&message.author),
                        body: message.body,
                        at,
                        edited: None,
                        removed: false,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// `days` days ago, at a working hour that varies with the counter.
    fn ago(&self, days: i64) -> Timestamp {
        let hours = 8 + (self.counter % 9) as i64;
        let back =
            SignedDuration::from_hours(days * 24) - SignedDuration::from_mins((hours - 8) * 37);
        (self.now - back).min(self.now)
    }

    fn photo(&mut self, theme: &str, alt: &str) -> Result<Media> {
        let drawn = images::draw(theme, self.counter as u32);
        let processed = media::encode_versions(&drawn);
        let hash = self.store.put_blob(&processed.display, "image/jpeg")?;
        let thumbnail = self.store.put_blob(&processed.thumbnail, "image/jpeg")?;
        Ok(Media {
            hash,
            thumbnail: Some(thumbnail),
            consent: true,
            hidden: false,
            alt: alt.to_owned(),
            width: processed.width,
            height: processed.height,
            name: String::new(),
        })
    }

    fn actus(&mut self, space: Space, text: &str, name: &str) -> Result<()> {
        for entry in parse::<Actu>(name, text)? {
            let space = match &entry.union {
                Some(slug) => Space::Syndicat(
                    UnionSlug::parse(slug)
                        .ok_or_else(|| StoreError::Invalid(format!("demo: bad union {slug}")))?,
                ),
                None => space.clone(),
            };
            let created = self.ago(entry.days_ago);
            let mut item = self.item(space, entry.title, &entry.author, created, Details::Actu);
            item.summary = entry.summary;
            item.body = entry.body;
            item.signage = entry.signage;
            if let Some(theme) = &entry.photo {
                item.media.push(self.photo(theme, &entry.photo_alt)?);
            }
            self.items.push(item);
        }
        Ok(())
    }

    fn union_items(&mut self, text: &str) -> Result<()> {
        // Union items name a union each; the space comes from that.
        self.actus(Space::Actus, text, "syndicats.toml")
    }

    fn events(&mut self, text: &str) -> Result<()> {
        let today = self.now.to_zoned_datetime(self.tz.clone()).date();
        for entry in parse::<Event>("agenda.toml", text)? {
            let day = today
                .checked_add(entry.in_days.days())
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let time: Time = if entry.all_day {
                Time::midnight()
            } else {
                entry
                    .start
                    .parse()
                    .map_err(|e| StoreError::Invalid(format!("agenda.toml {}: {e}", entry.title)))?
            };
            let start = day
                .to_datetime(time)
                .to_zoned_datetime(self.tz.clone())
                .map_err(|e| StoreError::Invalid(e.to_string()))?
                .timestamp();
            let end = if entry.all_day {
                start + SignedDuration::from_hours(24) - SignedDuration::from_mins(1)
            } else {
                start + SignedDuration::from_mins(entry.duration_minutes.max(15))
            };
            let created = self.ago(3 + entry.in_days % 5);
            let details = Details::Event(EventDetails {
                start,
                end,
                all_day: entry.all_day,
                place: entry.place,
            });
            let mut item = self.item(Space::Agenda, entry.title, &entry.author, created, details);
            item.summary = entry.summary;
            item.body = entry.body;
            item.signage = entry.signage;
            self.items.push(item);
        }
        Ok(())
    }

    fn annonces(&mut self, text: &str) -> Result<()> {
        for entry in parse::<Annonce>("annonces.toml", text)? {
            let category = AnnonceCategory::from_key(&entry.category).ok_or_else(|| {
                StoreError::Invalid(format!("annonces.toml: category {}", entry.category))
            })?;
            let created = self.ago(entry.days_ago);
            let details = Details::Annonce {
                category,
                price: entry.price,
                contact: entry.contact,
            };
            let mut item = self.item(
                Space::Annonces,
                entry.title,
                &entry.author,
                created,
                details,
            );
            item.body = entry.body;
            item.expires_at = Some(Item::annonce_expiry(created));
            if let Some(theme) = &entry.photo {
                item.media.push(self.photo(theme, &entry.photo_alt)?);
            }
            self.items.push(item);
        }
        Ok(())
    }

    fn jobs(&mut self, text: &str) -> Result<()> {
        for entry in parse::<Job>("emploi.toml", text)? {
            let kind = JobKind::from_key(&entry.offer_kind).ok_or_else(|| {
                StoreError::Invalid(format!("emploi.toml: kind {}", entry.offer_kind))
            })?;
            let created = self.ago(entry.days_ago);
            let details = Details::Job(JobDetails {
                kind,
                service: entry.service,
                category: entry.category.chars().next().unwrap_or('C'),
                filiere: entry.filiere,
                deadline: Some(self.now + SignedDuration::from_hours(24 * entry.deadline_in_days)),
            });
            let mut item = self.item(Space::Emploi, entry.title, &entry.author, created, details);
            item.summary = entry.summary;
            item.body = entry.body;
            self.items.push(item);
        }
        Ok(())
    }

    fn pages(&mut self, text: &str) -> Result<()> {
        let entries = parse::<Page>("pages.toml", text)?;
        let created = self.ago(40);
        let mut ids = HashMap::new();
        for entry in &entries {
            self.counter += 1;
            ids.insert(entry.slug.clone(), ItemId::new(created, self.counter));
        }
        for entry in entries {
            let parent = match &entry.parent {
                Some(slug) => Some(*ids.get(slug).ok_or_else(|| {
                    StoreError::Invalid(format!("pages.toml: unknown parent {slug}"))
                })?),
                None => None,
            };
            let details = Details::Page {
                slug: entry.slug.clone(),
                parent,
                order: entry.order,
            };
            let mut item = self.item(Space::Pages, entry.title, &entry.author, created, details);
            item.id = ids[&entry.slug];
            item.body = entry.body;
            self.items.push(item);
        }
        Ok(())
    }

    fn links(&mut self, text: &str) -> Result<()> {
        let entries = parse::<Link>("liens.toml", text)?;
        let count = entries.len() as i64;
        for (i, entry) in entries.into_iter().enumerate() {
            let group = match entry.group.as_str() {
                "assistance" => LinkGroup::Assistance,
                _ => LinkGroup::Clic,
            };
            // Staggered creation times keep the file's order.
            let created = self.now - SignedDuration::from_hours(24 * 40)
                + SignedDuration::from_mins(i as i64 - count);
            let details = Details::Link {
                url: entry.url,
                icon: entry.icon,
                group,
                phone: entry.phone,
            };
            let mut item = self.item(Space::Liens, entry.title, "webmestre", created, details);
            item.summary = entry.description;
            self.items.push(item);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seeds_every_space_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.redb")).unwrap();
        let config = Config::merge(None, [], &Default::default()).unwrap();
        let now: Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        assert!(seed_if_empty(&store, &config, now).unwrap());
        assert!(!seed_if_empty(&store, &config, now).unwrap(), "seeded once");
        let count = |space: Space| {
            store
                .list_space(&space, 0, 1000, |i| i.is_visible_at(now))
                .unwrap()
                .items
                .len()
        };
        assert!(count(Space::Actus) >= 20);
        assert!(count(Space::Agenda) >= 30);
        assert!(count(Space::Annonces) >= 25);
        assert!(count(Space::Rh) >= 10);
        assert!(count(Space::Emploi) >= 10);
        assert!(count(Space::Pages) >= 15);
        assert!(count(Space::Liens) >= 10);
        assert!(count(Space::Syndicat(UnionSlug::parse("cgt").unwrap())) >= 2);
        let users = store.user_count().unwrap();
        assert!((750..=900).contains(&users), "{users} agents");
        let agent = store.get_user(&Login::new("syndicat")).unwrap().unwrap();
        assert_eq!(agent.display_name(), "Anne-Marie N'Diaye");
    }
}
