//! The rights table, case by case (DESIGN §4).

use super::*;
use crate::domain::item::tests::{actu, t};
use crate::domain::{Details, Login, UnionSlug};

fn user(login: &str, roles: &[Role]) -> User {
    User::for_tests(login, roles)
}

fn cgt() -> UnionSlug {
    UnionSlug::parse("cgt").unwrap()
}

/// The people of the matrix: one per role of DESIGN §4.
fn people() -> Vec<(&'static str, User)> {
    vec![
        ("agent", user("agent", &[])),
        ("publisher", user("codir", &[Role::Publisher])),
        ("manager", user("rh", &[Role::Manager])),
        (
            "webmaster",
            user("webmestre", &[Role::Manager, Role::Webmaster]),
        ),
        ("admin", user("dsi", &[Role::Admin])),
        ("union", user("syndicat", &[Role::UnionEditor(cgt())])),
    ]
}

fn item_in(space: Space, author: &str, status: Status) -> Item {
    let mut item = actu(t("2026-11-29T10:00:00Z"));
    item.details = match space {
        Space::Annonces => Details::Annonce {
            category: crate::domain::AnnonceCategory::Don,
            price: None,
            contact: "poste 1".into(),
        },
        Space::Pages => Details::Page {
            slug: "p".into(),
            parent: None,
            order: 0,
        },
        _ => Details::Actu,
    };
    item.space = space;
    item.author = Login::new(author);
    item.status = status;
    item
}

use Decision::*;

#[test]
fn who_creates_what() {
    let spaces = [
        (Space::Actus, Kind::Actu),
        (Space::Rh, Kind::Actu),
        (Space::Agenda, Kind::Event),
        (Space::Annonces, Kind::Annonce),
        (Space::Emploi, Kind::Job),
        (Space::Pages, Kind::Page),
        (Space::Liens, Kind::Link),
        (Space::Syndicat(cgt()), Kind::Actu),
        (
            Space::Syndicat(UnionSlug::parse("cfdt").unwrap()),
            Kind::Actu,
        ),
    ];
    // Rows: agent, publisher, manager, webmaster, admin, union editor (CGT).
    let expected = [
        [Propose, Publish, Publish, Publish, Propose, Propose], // actus
        [Deny, Deny, Publish, Publish, Deny, Deny],             // rh
        [Propose, Publish, Publish, Publish, Propose, Propose], // agenda
        [Propose, Propose, Publish, Publish, Propose, Propose], // annonces
        [Deny, Deny, Publish, Publish, Deny, Deny],             // emploi
        [Deny, Publish, Publish, Publish, Deny, Deny],          // pages
        [Deny, Deny, Publish, Publish, Deny, Deny],             // liens
        [Deny, Deny, Deny, Deny, Deny, Publish],                // syndicats/cgt
        [Deny, Deny, Deny, Deny, Deny, Deny],                   // syndicats/cfdt
    ];
    for ((space, kind), row) in spaces.iter().zip(expected) {
        for ((role, person), want) in people().iter().zip(row) {
            let got = decide(
                person,
                &Action::Create {
                    space: space.clone(),
                    kind: *kind,
                },
                None,
            );
            assert_eq!(got, want, "{role} creating in {space}");
        }
    }
    // A space never accepts a foreign kind.
    let webmaster = &people()[3].1;
    assert_eq!(
        decide(
            webmaster,
            &Action::Create {
                space: Space::Agenda,
                kind: Kind::Job
            },
            None
        ),
        Deny
    );
}

#[test]
fn who_edits_and_deletes_what() {
    let cases = [
        // (item space, author, status) → expected for agent, publisher, manager, webmaster, admin, union
        (
            (Space::Actus, "agent", Status::Pending),
            [Propose, Deny, Publish, Publish, Deny, Deny],
        ),
        (
            (Space::Actus, "agent", Status::Published),
            [Deny, Deny, Publish, Publish, Deny, Deny],
        ),
        (
            (
                Space::Actus,
                "agent",
                Status::Rejected { reason: "x".into() },
            ),
            [Propose, Deny, Publish, Publish, Deny, Deny],
        ),
        (
            (Space::Actus, "codir", Status::Published),
            [Deny, Publish, Publish, Publish, Deny, Deny],
        ),
        (
            (Space::Annonces, "agent", Status::Published),
            [Propose, Deny, Publish, Publish, Deny, Deny],
        ),
        (
            (Space::Pages, "codir", Status::Published),
            [Deny, Publish, Publish, Publish, Deny, Deny],
        ),
        (
            (Space::Syndicat(cgt()), "syndicat", Status::Published),
            [Deny, Deny, Deny, Deny, Deny, Publish],
        ),
        (
            (Space::Actus, "agent", Status::Deleted),
            [Deny, Deny, Deny, Deny, Deny, Deny],
        ),
    ];
    for ((space, author, status), row) in cases {
        let item = item_in(space.clone(), author, status.clone());
        for ((role, person), want) in people().iter().zip(row) {
            assert_eq!(
                decide(person, &Action::Edit, Some(&item)),
                want,
                "{role} editing {space} by {author} ({status:?})"
            );
        }
    }
    // Webmasters may delete (not edit) a union item under the charter's moderation.
    let union_item = item_in(Space::Syndicat(cgt()), "syndicat", Status::Published);
    assert_eq!(
        decide(&people()[3].1, &Action::Delete, Some(&union_item)),
        Allow
    );
    assert_eq!(
        decide(&people()[2].1, &Action::Delete, Some(&union_item)),
        Deny
    );
}

#[test]
fn only_webmasters_moderate() {
    let pending = item_in(Space::Actus, "agent", Status::Pending);
    let published = item_in(Space::Actus, "agent", Status::Published);
    let want = [Deny, Deny, Deny, Allow, Deny, Deny];
    for ((role, person), want) in people().iter().zip(want) {
        assert_eq!(
            decide(person, &Action::Moderate, Some(&pending)),
            want,
            "{role}"
        );
        assert_eq!(
            decide(person, &Action::Moderate, Some(&published)),
            Deny,
            "{role}: nothing to validate"
        );
        assert_eq!(
            decide(person, &Action::Moderate, None),
            want,
            "{role}: the queue"
        );
        assert_eq!(
            decide(person, &Action::RemovePhoto, Some(&published)),
            want,
            "{role}: photos"
        );
    }
}

#[test]
fn everyone_reports_and_asks_for_photo_removal_on_published_items() {
    let published = item_in(Space::Actus, "codir", Status::Published);
    let pending = item_in(Space::Actus, "codir", Status::Pending);
    for (role, person) in people() {
        let own = person.login == published.author;
        let want = if own { Deny } else { Allow };
        assert_eq!(
            decide(&person, &Action::Report, Some(&published)),
            want,
            "{role}"
        );
        assert_eq!(
            decide(&person, &Action::RequestPhotoRemoval, Some(&published)),
            Allow,
            "{role}"
        );
        assert_eq!(
            decide(&person, &Action::Report, Some(&pending)),
            Deny,
            "{role}: not published"
        );
    }
}

#[test]
fn annonces_are_renewed_by_their_author_or_a_manager() {
    let annonce = item_in(Space::Annonces, "agent", Status::Published);
    let want = [Allow, Deny, Allow, Allow, Deny, Deny];
    for ((role, person), want) in people().iter().zip(want) {
        assert_eq!(
            decide(person, &Action::Renew, Some(&annonce)),
            want,
            "{role}"
        );
    }
    let actu = item_in(Space::Actus, "agent", Status::Published);
    assert_eq!(decide(&people()[0].1, &Action::Renew, Some(&actu)), Deny);
}

#[test]
fn who_asks_for_and_gives_read_acknowledgements() {
    use crate::domain::participation::Audience;
    // Rows: agent, publisher, manager, webmaster, admin, union editor.
    let cases = [
        (
            (Space::Actus, "codir", Status::Published),
            [Deny, Allow, Allow, Allow, Deny, Deny],
        ),
        (
            (Space::Pages, "codir", Status::Published),
            [Deny, Allow, Allow, Allow, Deny, Deny],
        ),
        (
            (Space::Rh, "rh", Status::Published),
            [Deny, Deny, Allow, Allow, Deny, Deny],
        ),
        (
            (Space::Actus, "agent", Status::Pending),
            [Deny, Deny, Deny, Deny, Deny, Deny],
        ),
        (
            (Space::Annonces, "agent", Status::Published),
            [Deny, Deny, Deny, Deny, Deny, Deny],
        ),
        (
            (Space::Syndicat(cgt()), "syndicat", Status::Published),
            [Deny, Deny, Deny, Deny, Deny, Deny],
        ),
    ];
    for ((space, author, status), row) in cases {
        let item = item_in(space.clone(), author, status.clone());
        for ((role, person), want) in people().iter().zip(row) {
            assert_eq!(
                decide(person, &Action::ManageAcknowledgement, Some(&item)),
                want,
                "{role} asking on {space} by {author} ({status:?})"
            );
        }
    }
    let mut note = item_in(Space::Actus, "codir", Status::Published);
    for (role, person) in people() {
        assert_eq!(
            decide(&person, &Action::Acknowledge, Some(&note)),
            Deny,
            "{role}: nothing asked"
        );
    }
    note.acknowledgement = Some(Audience::Everyone);
    for (role, person) in people() {
        assert_eq!(
            decide(&person, &Action::Acknowledge, Some(&note)),
            Allow,
            "{role}: everyone"
        );
    }
    // The matrix people have no service: a unit audience leaves them out.
    note.acknowledgement = Some(Audience::Units(vec!["Espaces verts".into()]));
    let mut gardener = people()[0].1.clone();
    assert_eq!(decide(&gardener, &Action::Acknowledge, Some(&note)), Deny);
    gardener.service = "Espaces verts".into();
    assert_eq!(decide(&gardener, &Action::Acknowledge, Some(&note)), Allow);
    note.status = Status::Archived;
    assert_eq!(decide(&gardener, &Action::Acknowledge, Some(&note)), Deny);
}

#[test]
fn who_makes_and_follows_surveys() {
    let create = [Deny, Allow, Deny, Allow, Deny, Deny];
    for ((role, person), want) in people().iter().zip(create) {
        assert_eq!(
            decide(person, &Action::CreateSurvey, None),
            want,
            "{role} creating a survey"
        );
    }
    let follow = Action::FollowSurvey {
        author: Login::new("codir"),
    };
    // The author and the webmasters only.
    let want = [Deny, Allow, Deny, Allow, Deny, Deny];
    for ((role, person), want) in people().iter().zip(want) {
        assert_eq!(decide(person, &follow, None), want, "{role} following");
    }
    let item = item_in(Space::Actus, "codir", Status::Published);
    assert_eq!(decide(&people()[1].1, &follow, Some(&item)), Deny);
}

#[test]
fn everyone_stars_published_items_only() {
    let published = item_in(Space::Pages, "codir", Status::Published);
    let pending = item_in(Space::Actus, "agent", Status::Pending);
    for (role, person) in people() {
        assert_eq!(
            decide(&person, &Action::Favourite, Some(&published)),
            Allow,
            "{role}"
        );
        assert_eq!(
            decide(&person, &Action::Favourite, Some(&pending)),
            Deny,
            "{role}"
        );
        assert_eq!(decide(&person, &Action::Favourite, None), Deny, "{role}");
    }
}

#[test]
fn comments_rights_per_role() {
    let actu = item_in(Space::Actus, "agent", Status::Published);
    let pending = item_in(Space::Actus, "agent", Status::Pending);
    let rh = item_in(Space::Rh, "rh", Status::Published);
    let union = item_in(Space::Syndicat(cgt()), "syndicat", Status::Published);
    for (role, person) in people() {
        let comment = |open| Action::Comment { open };
        assert_eq!(
            decide(&person, &comment(true), Some(&actu)),
            Allow,
            "{role}"
        );
        assert_eq!(
            decide(&person, &comment(false), Some(&actu)),
            Deny,
            "{role}: closed"
        );
        assert_eq!(
            decide(&person, &comment(true), Some(&pending)),
            Deny,
            "{role}"
        );
        assert_eq!(
            decide(&person, &comment(true), Some(&rh)),
            Deny,
            "{role}: RH"
        );
        assert_eq!(
            decide(&person, &comment(true), Some(&union)),
            Deny,
            "{role}: union"
        );
    }
    // Opening comments: the author (agent) and the webmasters.
    let want = [Allow, Deny, Deny, Allow, Deny, Deny];
    for ((role, person), want) in people().iter().zip(want) {
        assert_eq!(
            decide(person, &Action::ToggleComments, Some(&actu)),
            want,
            "{role}"
        );
    }
    let want = [Deny, Deny, Deny, Allow, Deny, Deny];
    for ((role, person), want) in people().iter().zip(want) {
        assert_eq!(decide(person, &Action::RemoveComment, None), want, "{role}");
        assert_eq!(
            decide(person, &Action::CreateDiscussion, None),
            want,
            "{role}"
        );
        assert_eq!(
            decide(person, &Action::CreateDiscussion, Some(&actu)),
            Deny,
            "{role}"
        );
    }
    let agent = &people()[0].1;
    let own = |within_window| Action::EditComment {
        author: Login::new("agent"),
        within_window,
    };
    assert_eq!(decide(agent, &own(true), None), Allow);
    assert_eq!(decide(agent, &own(false), None), Deny, "after 15 minutes");
    assert_eq!(decide(&people()[3].1, &own(true), None), Deny, "not theirs");
}

#[test]
fn only_a_unions_editors_reach_its_mailing_list() {
    let cfdt = UnionSlug::parse("cfdt").unwrap();
    let mut people = people();
    people.push((
        "other union",
        user("cfdt", &[Role::UnionEditor(cfdt.clone())]),
    ));
    people.push((
        "everything but this union",
        user(
            "tout",
            &[
                Role::Publisher,
                Role::Manager,
                Role::Webmaster,
                Role::Admin,
                Role::UnionEditor(cfdt.clone()),
            ],
        ),
    ));
    let item = item_in(Space::Syndicat(cgt()), "syndicat", Status::Published);
    for (role, person) in &people {
        let want = if *role == "union" { Allow } else { Deny };
        let action = Action::UnionMailingList(cgt());
        assert_eq!(decide(person, &action, None), want, "{role}");
        assert_eq!(decide(person, &action, Some(&item)), want, "{role}");
    }
    let mut disabled = people[5].1.clone();
    disabled.disabled = true;
    assert_eq!(
        decide(&disabled, &Action::UnionMailingList(cgt()), None),
        Deny
    );
}

#[test]
fn a_disabled_account_may_do_nothing() {
    let mut webmaster = people()[3].1.clone();
    webmaster.disabled = true;
    let pending = item_in(Space::Actus, "agent", Status::Pending);
    assert_eq!(decide(&webmaster, &Action::Moderate, Some(&pending)), Deny);
    assert_eq!(
        decide(
            &webmaster,
            &Action::Create {
                space: Space::Actus,
                kind: Kind::Actu
            },
            None
        ),
        Deny
    );
}

#[test]
fn who_finds_what_in_search() {
    let now = t("2026-11-29T10:00:00Z");
    let all = people();
    let pending = item_in(Space::Annonces, "agent", Status::Pending);
    let mut expired = item_in(Space::Annonces, "agent", Status::Published);
    expired.expires_at = Some(now);
    let mut scheduled = item_in(Space::Actus, "codir", Status::Published);
    scheduled.publish_at = Some(t("2026-12-01T00:00:00Z"));
    let withdrawn = item_in(Space::Actus, "agent", Status::Deleted);
    let rejected = item_in(
        Space::Actus,
        "agent",
        Status::Rejected {
            reason: "doublon".into(),
        },
    );
    for (role, person) in &all {
        let mine = person.login.as_str() == "agent";
        let webmaster = *role == "webmaster";
        assert_eq!(may_find(person, &pending, now), mine || webmaster, "{role}");
        for hidden in [&expired, &scheduled, &withdrawn, &rejected] {
            assert!(
                !may_find(person, hidden, now),
                "{role}: {:?}",
                hidden.status
            );
        }
    }
    let mut disabled = all[0].1.clone();
    disabled.disabled = true;
    assert!(!may_find(&disabled, &pending, now));
}
