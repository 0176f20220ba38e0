//! The index against a real store: French analysis end to end, typos,
//! phrases, incremental updates and who finds what.

use super::*;
use crate::domain::item::tests::{actu, t};
use crate::domain::{AnnonceCategory, Details, Item, Login, Role, Space, Status, User};

fn user(login: &str, given: &str, surname: &str, roles: &[Role]) -> User {
    User {
        given_name: given.into(),
        surname: surname.into(),
        service: "Restauration scolaire".into(),
        function: "Agent de cantine".into(),
        ..User::for_tests(login, roles)
    }
}

fn item(n: u128, space: Space, title: &str, body: &str, details: Details) -> Item {
    let mut item = actu(t("2026-11-01T10:00:00Z"));
    item.id = ItemId::new(t("2026-11-01T10:00:00Z"), n);
    item.space = space;
    item.title = title.into();
    item.body = body.into();
    item.details = details;
    item
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    search: Search,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("k.redb")).unwrap();
    let annonce = Details::Annonce {
        category: AnnonceCategory::Vente,
        price: None,
        contact: "poste 1234".into(),
    };
    let mut pending = item(
        3,
        Space::Annonces,
        "Vends vélo de cantinière",
        "Presque neuf.",
        annonce.clone(),
    );
    pending.status = Status::Pending;
    pending.author = Login::new("agent");
    let mut expired = item(
        4,
        Space::Annonces,
        "Donne table de cantine",
        "À venir chercher.",
        annonce,
    );
    expired.expires_at = Some(t("2026-11-20T00:00:00Z"));
    let mut deleted = item(
        5,
        Space::Actus,
        "Ancienne cantine fermée",
        "Supprimée.",
        Details::Actu,
    );
    deleted.status = Status::Deleted;
    store
        .put_items(&[
            item(
                1,
                Space::Pages,
                "Congé maternité",
                "Le congé de maternité dure seize semaines. Prévenez l'employeur.",
                Details::Page {
                    slug: "maternite".into(),
                    parent: None,
                    order: 1,
                },
            ),
            item(
                2,
                Space::Actus,
                "La cantine se met au bio",
                "Les écoles de la ville mangent local.",
                Details::Actu,
            ),
            pending,
            expired,
            deleted,
        ])
        .unwrap();
    store
        .put_users(&[
            user("mdupont", "Marc", "Dupont", &[]),
            user("agent", "Alex", "Martin", &[]),
            user("webmestre", "Wanda", "Web", &[Role::Webmaster]),
            user("autre", "Claire", "Autre", &[]),
        ])
        .unwrap();
    let search = Search::create(&dir.path().join("search")).unwrap();
    search.build(&store, &mut |_, _| {}).unwrap();
    Fixture {
        _dir: dir,
        store,
        search,
    }
}

fn now() -> Timestamp {
    t("2026-11-29T10:00:00Z")
}

use jiff::Timestamp;

impl Fixture {
    fn viewer(&self, login: &str) -> User {
        self.store.get_user(&Login::new(login)).unwrap().unwrap()
    }

    fn titles(&self, login: &str, text: &str) -> Vec<String> {
        let request = Request {
            text: text.into(),
            per_group: 20,
            ..Request::default()
        };
        let results = self
            .search
            .find(&self.store, &request, &self.viewer(login), now())
            .unwrap();
        results
            .groups
            .iter()
            .flat_map(|g| g.hits.iter())
            .map(|h| match h {
                Hit::Item { item, .. } => item.title.clone(),
                Hit::Person { user, .. } => user.display_name(),
            })
            .collect()
    }
}

#[test]
fn accents_plurals_and_typos_find_the_same_page() {
    let f = fixture();
    for query in [
        "congé maternité",
        "conges maternite",
        "CONGÉS",
        "congé matrenité",
        "maternités",
    ] {
        assert!(
            f.titles("autre", query)
                .contains(&"Congé maternité".to_owned()),
            "{query}: {:?}",
            f.titles("autre", query)
        );
    }
    assert!(
        f.titles("autre", "\"congé de maternité\"")
            .contains(&"Congé maternité".to_owned())
    );
    assert!(
        f.titles("autre", "\"maternité congé\"").is_empty(),
        "a phrase keeps its order"
    );
    assert_eq!(f.titles("autre", "dupond"), ["Marc Dupont"]);
    assert_eq!(f.titles("autre", "l'employeur"), ["Congé maternité"]);
}

#[test]
fn pending_only_for_author_and_webmasters_expired_and_deleted_for_nobody() {
    let f = fixture();
    let bike = "Vends vélo de cantinière".to_owned();
    assert!(f.titles("agent", "vélo").contains(&bike));
    assert!(f.titles("webmestre", "vélo").contains(&bike));
    assert!(!f.titles("autre", "vélo").contains(&bike));
    for who in ["agent", "webmestre", "autre"] {
        let found = f.titles(who, "cantine");
        assert!(
            found.contains(&"La cantine se met au bio".to_owned()),
            "{found:?}"
        );
        assert!(
            !found.contains(&"Donne table de cantine".to_owned()),
            "{found:?}"
        );
        assert!(
            !found.contains(&"Ancienne cantine fermée".to_owned()),
            "{found:?}"
        );
    }
}

#[test]
fn changes_reach_the_index_and_an_index_reopens_where_it_was() {
    let f = fixture();
    let mut news = item(
        9,
        Space::Rh,
        "Nouvelle mutuelle",
        "Garantie prévoyance.",
        Details::Actu,
    );
    f.store.put_items(std::slice::from_ref(&news)).unwrap();
    assert!(
        f.titles("autre", "mutuelle").is_empty(),
        "not yet caught up"
    );
    assert_eq!(f.search.catch_up(&f.store).unwrap(), 1);
    assert_eq!(f.titles("autre", "mutuelles"), ["Nouvelle mutuelle"]);
    news.status = Status::Deleted;
    news.version = 2;
    f.store.put_items(std::slice::from_ref(&news)).unwrap();
    f.search.catch_up(&f.store).unwrap();
    assert!(f.titles("autre", "mutuelle").is_empty());
    let seq = f.search.indexed_seq();
    let dir = f.search.inner.dir.clone().unwrap();
    drop(f.search);
    let reopened = Search::open(&dir);
    assert!(reopened.is_complete());
    assert_eq!(reopened.indexed_seq(), seq);
}

#[test]
fn a_corrupt_index_is_replaced_by_an_empty_one_to_build() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("meta.json"), b"{ pas du json").unwrap();
    let search = Search::open(&path);
    assert!(!search.is_complete());
    assert_eq!(search.doc_count(), 0);
}

#[test]
fn excerpts_mark_what_matched_even_through_a_typo() {
    let f = fixture();
    let request = Request {
        text: "matrenité".into(),
        per_group: 5,
        ..Request::default()
    };
    let results = f
        .search
        .find(&f.store, &request, &f.viewer("autre"), now())
        .unwrap();
    let Hit::Item { excerpt, .. } = &results.groups[0].hits[0] else {
        panic!("an item")
    };
    let marked: Vec<&str> = excerpt
        .marks
        .iter()
        .map(|r| &excerpt.text[r.clone()])
        .collect();
    assert!(marked.contains(&"maternité"), "{excerpt:?}");
}
