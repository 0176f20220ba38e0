//! Notices to agents, reports and photo-removal requests, and the queues
//! webmasters work from.

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::{BlobHash, Item, ItemId, Login, Status};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    Validated,
    Rejected {
        reason: String,
    },
    PhotoRemoved,
    Removed,
    /// "Merci de confirmer votre lecture" of a note de service (issue 11).
    ReadReminder,
    /// A new job offer matches the agent's profile (issue 11).
    MatchingJob,
}

/// An in-app message to an agent about one of their items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub at: Timestamp,
    pub item: ItemId,
    pub title: String,
    pub kind: NoticeKind,
    #[serde(default)]
    pub read: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    /// "This content breaks the charter".
    Content { reason: String },
    /// "I am in this photo and did not agree" (the photo is hidden at once).
    Photo { media: BlobHash },
    /// A comment under the item breaks the charter (issue 11).
    Comment {
        comment: u128,
        excerpt: String,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub id: u128,
    pub at: Timestamp,
    pub item: ItemId,
    pub by: Login,
    pub kind: ReportKind,
    /// Set when a webmaster has dealt with it.
    #[serde(default)]
    pub closed: Option<(Timestamp, Login)>,
}

fn new_id(at: Timestamp) -> u128 {
    ulid::Ulid::from_parts(
        u64::try_from(at.as_millisecond()).unwrap_or(0),
        rand::random(),
    )
    .0
}

impl Store {
    pub fn add_notice(&self, to: &Login, notice: &Notice) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(NOTICES)?.insert(
            (to.as_str(), new_id(notice.at)),
            codec::encode(notice).as_slice(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// An agent's notices, newest first.
    pub fn notices_of(&self, login: &Login, limit: usize) -> Result<Vec<Notice>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(NOTICES)?;
        let mut out = Vec::new();
        for entry in table
            .range((login.as_str(), 0)..=(login.as_str(), u128::MAX))?
            .rev()
            .take(limit)
        {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn add_report(&self, report: &Report) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(REPORTS)?
            .insert(report.id, codec::encode(report).as_slice())?;
        tx.commit()?;
        Ok(())
    }

    pub fn new_report(
        &self,
        at: Timestamp,
        item: ItemId,
        by: Login,
        kind: ReportKind,
    ) -> Result<Report> {
        self.new_report_with_id(new_id(at), at, item, by, kind)
    }

    /// Files report `id` unless it exists (a write delivered twice by an
    /// edge, whose key is the id): then returns the stored one. One transaction.
    pub fn new_report_with_id(
        &self,
        id: u128,
        at: Timestamp,
        item: ItemId,
        by: Login,
        kind: ReportKind,
    ) -> Result<Report> {
        let tx = self.db.begin_write()?;
        let report = {
            let mut table = tx.open_table(REPORTS)?;
            let existing: Option<Report> = table
                .get(id)?
                .map(|v| codec::decode(v.value()))
                .transpose()?;
            match existing {
                Some(existing) => existing,
                None => {
                    let report = Report {
                        id,
                        at,
                        item,
                        by,
                        kind,
                        closed: None,
                    };
                    table.insert(id, codec::encode(&report).as_slice())?;
                    report
                }
            }
        };
        tx.commit()?;
        Ok(report)
    }

    pub fn get_report(&self, id: u128) -> Result<Option<Report>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(REPORTS)?;
        let value = table.get(id)?;
        value.map(|v| codec::decode(v.value())).transpose()
    }

    /// Reports not yet dealt with, oldest first.
    pub fn open_reports(&self) -> Result<Vec<Report>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(REPORTS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let report: Report = codec::decode(entry?.1.value())?;
            if report.closed.is_none() {
                out.push(report);
            }
        }
        Ok(out)
    }

    /// Items with a status, oldest first (the moderation queue for `pending`).
    pub fn items_with_status(&self, status: &Status, limit: usize) -> Result<Vec<Item>> {
        let tx = self.db.begin_read()?;
        let index = tx.open_table(ITEMS_BY_STATUS)?;
        let items = tx.open_table(ITEMS)?;
        let key = status.key();
        let mut out = Vec::new();
        for entry in index.range((key, 0)..=(key, u128::MAX))?.take(limit) {
            let (_, id) = entry?.0.value();
            if let Some(value) = items.get(id)? {
                out.push(codec::decode(value.value())?);
            }
        }
        Ok(out)
    }

    pub fn count_with_status(&self, status: &Status) -> Result<usize> {
        let tx = self.db.begin_read()?;
        let index = tx.open_table(ITEMS_BY_STATUS)?;
        let key = status.key();
        Ok(index.range((key, 0)..=(key, u128::MAX))?.count())
    }

    /// An author's items, newest first.
    pub fn items_of(&self, author: &Login, limit: usize) -> Result<Vec<Item>> {
        let tx = self.db.begin_read()?;
        let index = tx.open_table(ITEMS_BY_AUTHOR)?;
        let items = tx.open_table(ITEMS)?;
        let mut out = Vec::new();
        for entry in index
            .range((author.as_str(), 0)..=(author.as_str(), u128::MAX))?
            .rev()
            .take(limit)
        {
            let (_, id) = entry?.0.value();
            if let Some(value) = items.get(id)? {
                out.push(codec::decode(value.value())?);
            }
        }
        Ok(out)
    }

    /// The most recent changes, newest first (the "flux d'info").
    pub fn recent_changes(&self, limit: usize) -> Result<Vec<super::Change>> {
        let tx = self.db.begin_read()?;
        let changes = tx.open_table(CHANGES)?;
        let mut out = Vec::new();
        for entry in changes.iter()?.rev().take(limit) {
            out.push(codec::decode(entry?.1.value())?);
        }
        Ok(out)
    }
}
