//! Unit tests of the hub side: grants, enrollment codes, delivered writes.
use super::*;
use crate::clock::ManualClock;
use crate::domain::participation::Thread;

fn hub(dir: &std::path::Path, clock: Arc<ManualClock>) -> Hub {
    let store = Store::open(&dir.join("k.redb")).unwrap();
    let config = crate::config::Config::default();
    let directory = Directory::new(
        Arc::new(crate::directory::LocalBackend::new(store.clone())),
        store.clone(),
        &config,
    );
    let sessions = crate::session::Sessions::new(store.clone(), crate::session::limits(&config));
    let pki = HubPki::load_or_create(&dir.join("federation")).unwrap();
    Hub::new(store, sessions, directory, pki, clock, vec![]).unwrap()
}

#[test]
fn a_grant_is_good_only_for_its_edge_its_agent_and_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let start = "2026-11-29T10:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let hub = hub(dir.path(), clock.clone());
    let grant = hub.grant_for(&Login::new("agent"), "e-1");
    assert_eq!(hub.check_grant(&grant, "e-1", start), Ok(()));
    assert!(
        hub.check_grant(&grant, "e-2", start).is_err(),
        "another edge"
    );
    let mut other = grant.clone();
    other.login = Login::new("dsi");
    assert!(
        hub.check_grant(&other, "e-1", start).is_err(),
        "another agent"
    );
    clock.advance(GRANT_LIFETIME + SignedDuration::from_mins(2));
    let after = start + GRANT_LIFETIME + SignedDuration::from_mins(1);
    assert!(
        hub.check_grant(&grant, "e-1", after).is_err(),
        "made after the grant expired"
    );
    // Made in time, delivered after a long weekend: accepted; much later: not.
    assert_eq!(hub.check_grant(&grant, "e-1", start), Ok(()));
    clock.advance(SignedDuration::from_hours(4 * 24));
    assert_eq!(hub.check_grant(&grant, "e-1", start), Ok(()));
    clock.advance(DELIVERY_WINDOW);
    assert!(hub.check_grant(&grant, "e-1", start).is_err(), "too old");
    assert!(
        hub.check_grant(&grant, "e-1", start + SignedDuration::from_hours(24 * 30))
            .is_err(),
        "made in the future"
    );
    // Another hub's secret signs nothing here.
    let elsewhere = tempfile::tempdir().unwrap();
    let other_hub = super::tests::hub(elsewhere.path(), Arc::new(ManualClock::new(start)));
    let foreign = other_hub.grant_for(&Login::new("agent"), "e-1");
    assert!(hub.check_grant(&foreign, "e-1", start).is_err());
}

/// Applies one envelope from edge `e-1` for `login`, as `post_submission` does.
async fn deliver(hub: &Arc<Hub>, login: &str, key: u128, submission: Submission) -> Receipt {
    let peer = PeerEdge {
        id: "e-1".into(),
        version: "test".into(),
    };
    let envelope = Envelope {
        key,
        created: hub.clock.now(),
        grant: hub.grant_for(&Login::new(login), "e-1"),
        submission,
    };
    match receive::apply(hub, &peer, envelope).await {
        Ok(receipt) => receipt,
        Err(receive::Failure::Refused(message)) => Receipt::Refused { message },
        Err(receive::Failure::Internal(e)) => panic!("{e}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledgements_answers_and_stars_from_an_edge_apply_once() {
    use crate::domain::participation::{AnswerValue, Audience, Question, QuestionKind, Survey};
    let dir = tempfile::tempdir().unwrap();
    let start: jiff::Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let hub = Arc::new(hub(dir.path(), clock.clone()));
    let mut agent = crate::domain::User {
        given_name: "Camille".into(),
        surname: "Lefèvre".into(),
        service: "Espaces verts".into(),
        ..crate::domain::User::for_tests("agent", &[])
    };
    hub.store.put_users(std::slice::from_ref(&agent)).unwrap();
    let mut note = crate::domain::item::tests::actu(start);
    note.acknowledgement = Some(Audience::Units(vec!["Espaces verts".into()]));
    hub.store.put_items(std::slice::from_ref(&note)).unwrap();

    let ack = Submission::Acknowledge { item: note.id };
    let receipt = deliver(&hub, "agent", 1, ack.clone()).await;
    assert!(matches!(receipt, Receipt::Accepted { .. }), "{receipt:?}");
    assert_eq!(
        hub.store.acknowledged_at(note.id, &agent.login).unwrap(),
        Some(start)
    );
    // Delivered again (another key, the edge replaying): still one, the first.
    clock.advance(SignedDuration::from_mins(5));
    deliver(&hub, "agent", 2, ack).await;
    assert_eq!(
        hub.store.acknowledgements_of(note.id).unwrap(),
        vec![(agent.login.clone(), start)]
    );
    // Someone outside the audience is refused with a sentence.
    agent.login = Login::new("autre");
    agent.service = "Communication".into();
    hub.store.put_users(std::slice::from_ref(&agent)).unwrap();
    let refused = deliver(&hub, "autre", 3, Submission::Acknowledge { item: note.id }).await;
    assert!(matches!(refused, Receipt::Refused { .. }));

    let survey = Survey {
        id: crate::domain::SurveyId::new(start, 9),
        title: "Réfectoire".into(),
        intro: String::new(),
        author: Login::new("codir"),
        author_name: String::new(),
        audience: Audience::Everyone,
        opens: start,
        closes: start + SignedDuration::from_hours(48),
        anonymous: true,
        live_results: false,
        questions: vec![Question {
            label: "Note".into(),
            kind: QuestionKind::Scale,
            required: true,
        }],
        created: start,
    };
    hub.store.put_survey(&survey).unwrap();
    let answer = Submission::Answer {
        survey: survey.id,
        values: vec![AnswerValue::Scale(4)],
    };
    for key in [10, 11] {
        let receipt = deliver(&hub, "agent", key, answer.clone()).await;
        assert!(matches!(receipt, Receipt::Accepted { .. }), "{receipt:?}");
    }
    let answers = hub.store.survey_answers(survey.id).unwrap();
    assert_eq!(answers.len(), 1, "one answer however often delivered");
    assert_eq!(answers[0].by, None, "anonymous: no login stored");
    let storage = hub.store.survey_storage(survey.id).unwrap();
    assert_ne!(storage.answers[0].0, 10, "the answer id is not the key");
    assert_eq!(storage.respondents, vec!["agent".to_owned()]);

    // A star sets a state: delivered twice, still one favourite; then off.
    for key in [20, 21] {
        let on = Submission::Favourite {
            item: note.id,
            on: true,
        };
        assert!(matches!(
            deliver(&hub, "agent", key, on).await,
            Receipt::Accepted { .. }
        ));
    }
    let login = Login::new("agent");
    assert_eq!(hub.store.favourites_of(&login).unwrap().len(), 1);
    let off = Submission::Favourite {
        item: note.id,
        on: false,
    };
    deliver(&hub, "agent", 22, off).await;
    assert!(hub.store.favourites_of(&login).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_from_an_edge_apply_once_and_never_replace_anothers() {
    let dir = tempfile::tempdir().unwrap();
    let start: jiff::Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let hub = Arc::new(hub(dir.path(), clock.clone()));
    let person = |login: &str| crate::domain::User::for_tests(login, &[]);
    hub.store
        .put_users(&[person("agent"), person("autre")])
        .unwrap();
    let actu = crate::domain::item::tests::actu(start);
    hub.store.put_items(std::slice::from_ref(&actu)).unwrap();
    let comment = |body: &str| Submission::Comment {
        item: actu.id,
        body: body.into(),
    };

    // Closed comments: refused with the reason.
    let Receipt::Refused { message } = deliver(&hub, "agent", 100, comment("Bonjour")).await else {
        panic!("comments are closed")
    };
    assert!(message.contains("fermés"), "{message}");
    hub.store.set_comments_open(actu.id, true).unwrap();

    // Delivered twice under its key: one comment, its id the key.
    for _ in 0..2 {
        let receipt = deliver(&hub, "agent", 101, comment("Bonjour")).await;
        assert!(matches!(receipt, Receipt::Accepted { .. }), "{receipt:?}");
    }
    let stored = hub
        .store
        .messages(Thread::Comments, actu.id.to_u128())
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, 101);

    // Another agent's write under the same key does not replace it.
    let receipt = deliver(&hub, "autre", 101, comment("écrasé")).await;
    assert!(matches!(receipt, Receipt::Refused { .. }), "{receipt:?}");
    let stored = hub
        .store
        .messages(Thread::Comments, actu.id.to_u128())
        .unwrap();
    assert_eq!(
        (stored[0].author.as_str(), stored[0].body.as_str()),
        ("agent", "Bonjour")
    );

    // A report delivered twice files one report.
    let report = Submission::ReportComment {
        item: actu.id,
        comment: 101,
        reason: "Hors sujet".into(),
    };
    for _ in 0..2 {
        deliver(&hub, "autre", 102, report.clone()).await;
    }
    assert_eq!(hub.store.open_reports().unwrap().len(), 1);

    // Corrections: within 15 minutes of writing; after, refused with why.
    let edit = |body: &str| Submission::EditComment {
        item: actu.id,
        comment: 101,
        body: body.into(),
    };
    clock.advance(SignedDuration::from_mins(10));
    let receipt = deliver(&hub, "agent", 103, edit("Bonjour à tous")).await;
    assert!(matches!(receipt, Receipt::Accepted { .. }), "{receipt:?}");
    clock.advance(SignedDuration::from_mins(10));
    let Receipt::Refused { message } = deliver(&hub, "agent", 104, edit("Trop tard")).await else {
        panic!("past the window")
    };
    assert!(message.contains("15 minutes"), "{message}");
    assert_eq!(
        hub.store
            .messages(Thread::Comments, actu.id.to_u128())
            .unwrap()[0]
            .body,
        "Bonjour à tous"
    );
}

#[test]
fn codes_are_read_as_typed_and_derive_stable_names() {
    let code = new_code();
    assert_eq!(code.len(), 19);
    assert_eq!(
        invite_id(&code),
        invite_id(&code.to_lowercase().replace('-', " "))
    );
    assert_ne!(invite_id(&code), invite_id(&new_code()));
    assert_ne!(mac_key(&code).to_vec(), invite_id(&code).into_bytes());
}
