//! Publishing operations and the read side of content: what a reader may see,
//! in which order. Invariant: nothing leaves this module for readers unless
//! [`Item::is_visible_at`] holds at the request's instant.

use jiff::Timestamp;
use std::collections::BTreeMap;

use crate::domain::{BlobHash, Details, Item, ItemId, LinkGroup, Space};
use crate::store::{Notice, Report, Result, Store};

mod comments;
mod discussions;
mod participation;
mod threads;
mod write;
pub use comments::Comments;
pub use participation::{AcknowledgementReport, SurveyList, SurveyResults, Waiting};
pub use write::{Draft, WriteError};

/// A new time-ordered id (ULID as u128) for a comment or a message.
pub fn new_id(now: jiff::Timestamp) -> u128 {
    ulid::Ulid::from_parts(
        u64::try_from(now.as_millisecond()).unwrap_or(0),
        rand::random(),
    )
    .0
}

/// How many entries each block of the home page shows.
const HOME_BLOCK: usize = 6;

/// The read side of content.
#[derive(Clone, Debug)]
pub struct Content {
    store: Store,
    /// What the home page asks of agents, per change and minute.
    asks: std::sync::Arc<crate::cache::OneSlot<(u64, u64, i64), participation::Asks>>,
}

/// What the home page shows.
#[derive(Debug, Default)]
pub struct Home {
    pub une: Vec<Item>,
    pub rh: Vec<Item>,
    pub agenda: Vec<Item>,
    pub annonces: Vec<Item>,
    pub clic: Vec<Item>,
    pub assistance: Vec<Item>,
}

/// One page of a list.
#[derive(Debug, Default)]
pub struct Listing {
    pub items: Vec<Item>,
    /// 1-based page number.
    pub page: usize,
    pub has_more: bool,
}

/// A page and its sub-pages, in their order.
#[derive(Debug, Clone)]
pub struct PageNode {
    pub item: Item,
    pub children: Vec<PageNode>,
}

impl Content {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            asks: Default::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn home(&self, now: Timestamp) -> Result<Home> {
        self.store
            .run(move |store| {
                let visible = |i: &Item| i.is_visible_at(now);
                let links = links(store, now)?;
                Ok(Home {
                    une: store
                        .list_space(&Space::Actus, 0, HOME_BLOCK, visible)?
                        .items,
                    rh: store.list_space(&Space::Rh, 0, 3, visible)?.items,
                    agenda: upcoming(store, now, HOME_BLOCK)?,
                    annonces: store
                        .list_space(&Space::Annonces, 0, HOME_BLOCK, visible)?
                        .items,
                    clic: links.0,
                    assistance: links.1,
                })
            })
            .await
    }

    /// Page `page` (1-based) of a space, newest first, filtered by `keep`.
    pub async fn listing(
        &self,
        space: Space,
        page: usize,
        per_page: usize,
        now: Timestamp,
        keep: impl Fn(&Item) -> bool + Send + 'static,
    ) -> Result<Listing> {
        let page = page.max(1);
        self.store
            .run(move |store| {
                let found = store.list_space(&space, (page - 1) * per_page, per_page, |i| {
                    i.is_visible_at(now) && keep(i)
                })?;
                Ok(Listing {
                    items: found.items,
                    page,
                    has_more: found.has_more,
                })
            })
            .await
    }

    /// An item a reader may see, in the space named by the URL.
    pub async fn item(&self, space: Space, id: ItemId, now: Timestamp) -> Result<Option<Item>> {
        self.store
            .run(move |store| {
                Ok(store
                    .get_item(id)?
                    .filter(|i| i.space == space && i.is_visible_at(now)))
            })
            .await
    }

    /// Events starting in `[from, to)`.
    pub async fn agenda(
        &self,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<Item>> {
        self.store
            .run(move |store| store.events_between(from, to, 500, |i| i.is_visible_at(now)))
            .await
    }

    /// The page tree, each level in its `order`.
    pub async fn page_tree(&self, now: Timestamp) -> Result<Vec<PageNode>> {
        self.store
            .run(move |store| {
                let pages = store
                    .list_space(&Space::Pages, 0, usize::MAX, |i| i.is_visible_at(now))?
                    .items;
                Ok(build_tree(pages))
            })
            .await
    }

    /// A page by slug with its ancestors (root first) and its sub-pages.
    pub async fn page(
        &self,
        slug: String,
        now: Timestamp,
    ) -> Result<Option<(Vec<Item>, PageNode)>> {
        let tree = self.page_tree(now).await?;
        Ok(find_in_tree(&tree, &slug, &mut Vec::new()))
    }

    /// An item for its page: visible ones for everybody; the author, webmasters
    /// and managers also see it pending, rejected or scheduled.
    pub async fn item_for(
        &self,
        viewer: &crate::domain::User,
        space: Space,
        id: ItemId,
        now: Timestamp,
    ) -> Result<Option<Item>> {
        let staff = viewer.has_any(&[crate::domain::Role::Webmaster, crate::domain::Role::Manager]);
        let login = viewer.login.clone();
        self.store
            .run(move |store| {
                Ok(store.get_item(id)?.filter(|i| {
                    i.space == space
                        && (i.is_visible_at(now)
                            || (i.status != crate::domain::Status::Deleted
                                && (i.author == login || staff)))
                }))
            })
            .await
    }

    /// What a borne's idle screen cycles: items flagged for display, visible,
    /// newest first; never an annonce (personal contact details).
    pub async fn signage(&self, now: Timestamp, limit: usize) -> Result<Vec<Item>> {
        self.store
            .run(move |store| {
                let keep = |i: &Item| i.signage && i.is_visible_at(now);
                let mut items = store.list_space(&Space::Actus, 0, limit, keep)?.items;
                items.extend(store.list_space(&Space::Rh, 0, limit, keep)?.items);
                let soon = now + jiff::SignedDuration::from_hours(24 * 14);
                items.extend(store.events_between(now, soon, limit, keep)?);
                // The town's own spaces only: never an annonce, nor a union's item.
                items.retain(|i| matches!(i.space, Space::Actus | Space::Rh | Space::Agenda));
                items.sort_by_key(|i| std::cmp::Reverse(i.published_time()));
                items.truncate(limit);
                Ok(items)
            })
            .await
    }

    /// The webmasters' queue: proposals oldest first, and open reports.
    pub async fn queue(&self) -> Result<(Vec<Item>, Vec<(Report, Option<Item>)>)> {
        self.store
            .run(|store| {
                let pending = store.items_with_status(&crate::domain::Status::Pending, 500)?;
                let mut reports = Vec::new();
                for report in store.open_reports()? {
                    let item = store.get_item(report.item)?;
                    reports.push((report, item));
                }
                Ok((pending, reports))
            })
            .await
    }

    pub async fn pending_count(&self) -> Result<usize> {
        self.store
            .run(|store| store.count_with_status(&crate::domain::Status::Pending))
            .await
    }

    /// An agent's own items (deleted ones left out) and notices (those dated
    /// later, for an offer scheduled to show then, left out until then).
    pub async fn mine(
        &self,
        login: crate::domain::Login,
        now: Timestamp,
    ) -> Result<(Vec<Item>, Vec<Notice>)> {
        self.store
            .run(move |store| {
                let mut items = store.items_of(&login, 500)?;
                items.retain(|i| i.status != crate::domain::Status::Deleted);
                let mut notices = store.notices_of(&login, 60)?;
                notices.retain(|n| n.at <= now);
                // An offer withdrawn (or moved later) since: its notice goes.
                let mut shown = Vec::with_capacity(notices.len());
                for notice in notices {
                    if notice.kind == crate::store::NoticeKind::MatchingJob {
                        let visible = store
                            .get_item(notice.item)?
                            .is_some_and(|item| item.is_visible_at(now));
                        if !visible {
                            continue;
                        }
                    }
                    shown.push(notice);
                }
                let mut notices = shown;
                notices.truncate(30);
                Ok((items, notices))
            })
            .await
    }

    /// The "flux d'info": the latest published or updated items, newest first.
    pub async fn flux(&self, now: Timestamp, limit: usize) -> Result<Vec<Item>> {
        self.store
            .run(move |store| {
                let mut seen = std::collections::HashSet::new();
                let mut out = Vec::new();
                for change in store.recent_changes(limit * 8)? {
                    if !seen.insert(change.id) {
                        continue;
                    }
                    if let Some(item) = store.get_item(change.id)?
                        && item.is_visible_at(now)
                        && !matches!(item.space, Space::Liens)
                    {
                        out.push(item);
                        if out.len() == limit {
                            break;
                        }
                    }
                }
                Ok(out)
            })
            .await
    }

    pub async fn links(&self, now: Timestamp) -> Result<(Vec<Item>, Vec<Item>)> {
        self.store.run(move |store| links(store, now)).await
    }

    pub async fn blob(&self, hash: BlobHash) -> Result<Option<(Vec<u8>, String)>> {
        self.store.run(move |store| store.get_blob(hash)).await
    }
}

fn upcoming(store: &Store, now: Timestamp, limit: usize) -> Result<Vec<Item>> {
    // Events that started up to 12 hours ago are still "today's".
    let from = now - jiff::SignedDuration::from_hours(12);
    let far = now + jiff::SignedDuration::from_hours(24 * 400);
    let mut events = store.events_between(from, far, limit * 2, |i| i.is_visible_at(now))?;
    events.retain(|e| match &e.details {
        Details::Event(d) => d.end > now,
        _ => false,
    });
    events.truncate(limit);
    Ok(events)
}

/// "En 1 clic" links and assistance numbers, oldest first (the order they were set up).
fn links(store: &Store, now: Timestamp) -> Result<(Vec<Item>, Vec<Item>)> {
    let mut all = store
        .list_space(&Space::Liens, 0, 200, |i| i.is_visible_at(now))?
        .items;
    all.reverse();
    Ok(all.into_iter().partition(|i| {
        matches!(
            i.details,
            Details::Link {
                group: LinkGroup::Clic,
                ..
            }
        )
    }))
}

fn page_parent_and_order(item: &Item) -> (Option<ItemId>, i32) {
    match &item.details {
        Details::Page { parent, order, .. } => (*parent, *order),
        _ => (None, 0),
    }
}

/// Builds the page tree; pages whose parent is not visible become roots.
pub fn build_tree(pages: Vec<Item>) -> Vec<PageNode> {
    let ids: std::collections::HashSet<ItemId> = pages.iter().map(|p| p.id).collect();
    let mut children: BTreeMap<Option<ItemId>, Vec<Item>> = BTreeMap::new();
    for page in pages {
        let (parent, _) = page_parent_and_order(&page);
        let parent = parent.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(page);
    }
    fn grow(
        parent: Option<ItemId>,
        children: &mut BTreeMap<Option<ItemId>, Vec<Item>>,
        depth: usize,
    ) -> Vec<PageNode> {
        let mut level = children.remove(&parent).unwrap_or_default();
        level.sort_by_key(|p| (page_parent_and_order(p).1, p.title.clone()));
        level
            .into_iter()
            .map(|item| {
                // Depth bound: a parent cycle cannot recurse forever.
                let sub = if depth < 16 {
                    grow(Some(item.id), children, depth + 1)
                } else {
                    vec![]
                };
                PageNode {
                    item,
                    children: sub,
                }
            })
            .collect()
    }
    grow(None, &mut children, 0)
}

fn find_in_tree(
    nodes: &[PageNode],
    slug: &str,
    path: &mut Vec<Item>,
) -> Option<(Vec<Item>, PageNode)> {
    for node in nodes {
        if matches!(&node.item.details, Details::Page { slug: s, .. } if s == slug) {
            return Some((path.clone(), node.clone()));
        }
        path.push(node.item.clone());
        if let Some(found) = find_in_tree(&node.children, slug, path) {
            return Some(found);
        }
        path.pop();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::item::tests::{actu, t};

    fn page(slug: &str, parent: Option<ItemId>, order: i32, random: u128) -> Item {
        let mut item = actu(t("2026-11-01T00:00:00Z"));
        item.id = ItemId::new(t("2026-11-01T00:00:00Z"), random);
        item.space = Space::Pages;
        item.title = slug.into();
        item.details = Details::Page {
            slug: slug.into(),
            parent,
            order,
        };
        item
    }

    #[test]
    fn pages_form_an_ordered_tree() {
        let root = page("procedures", None, 0, 1);
        let b = page("badge", Some(root.id), 2, 2);
        let a = page("conges", Some(root.id), 1, 3);
        let orphan = page(
            "orpheline",
            Some(ItemId::new(t("2020-01-01T00:00:00Z"), 9)),
            5,
            4,
        );
        let tree = build_tree(vec![b, orphan, root, a]);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].item.title, "procedures");
        let kids: Vec<_> = tree[0]
            .children
            .iter()
            .map(|c| c.item.title.as_str())
            .collect();
        assert_eq!(kids, ["conges", "badge"]);
        let (path, node) = find_in_tree(&tree, "badge", &mut vec![]).unwrap();
        assert_eq!(path.len(), 1);
        assert_eq!(node.item.title, "badge");
    }
}
