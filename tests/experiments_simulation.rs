//! An experiment between two template versions with a simulated seller who accepts one
//! version's drafts more often than the other's: the real drafter assigns and records the
//! versions, the real outbox records each reply's version and edit distance, and the
//! per-version metrics call the better version the winner. Deterministic: a fixed store,
//! a fixed clock and a seeded seller.

use agentiq::domain::InteractionId;
use agentiq::experiments::{self, metrics, Arm, Catalog, Scope, StartRequest, Verdict};
use agentiq::outbox::{Actor, EnqueueOutcome, ReplyRequest, SentDraft};
use agentiq::prepare::enqueue_checked;
use agentiq::store::{self, Store};
use chrono::{Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};

/// How often the simulated seller sends each version's draft as it is.
const ACCEPTS: [(&str, f64); 2] = [("drafts-ru-v2", 0.35), ("drafts-ru-brief", 0.85)];
/// What the seller writes instead of a draft they do not like.
const OWN_WORDS: &str = "Благодарим, что нашли время написать. Передали ваши слова команде, \
                         каждое мнение помогает нам становиться лучше. Ждём вас снова в магазине!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_better_accepted_version_wins() {
    simulate(600, 90).await;
}

/// The same with four times the replies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: run with --ignored"]
async fn the_better_accepted_version_wins_at_scale() {
    simulate(3000, 400).await;
}

/// `replies` open items of a generated store of `items` drafted under the experiment and
/// answered by the simulated seller.
async fn simulate(items: usize, replies: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.db");
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    agentiq::synthetic::generate_at(&path, items, 11, now).unwrap();
    let store = Store::open(&path).unwrap();
    let writer = store.writer().unwrap();

    let request = StartRequest {
        name: "brief-vs-default".into(),
        arms: ACCEPTS
            .iter()
            .map(|(v, _)| Arm {
                version: v.to_string(),
                weight: 1,
            })
            .collect(),
        scope: Scope::default(),
    };
    let experiment = writer
        .call(move |conn| experiments::start(conn, &Catalog::shipped(), &request, now))
        .await
        .unwrap();

    let ids: Vec<InteractionId> = {
        let reader = store.reader().unwrap();
        let mut stmt = reader
            .prepare(
                "SELECT id FROM interactions WHERE state = 'open'
                 ORDER BY id LIMIT ?1",
            )
            .unwrap();
        stmt.query_map([replies as i64], |r| Ok(InteractionId(r.get(0)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(ids.len(), replies, "only {} open items", ids.len());
    let drafted = agentiq::prepare::draft_items(&store, &writer, ids.clone(), now)
        .await
        .unwrap();
    assert_eq!(drafted, ids.len());

    let mut seller = rand_chacha::ChaCha8Rng::seed_from_u64(18);
    let mut sent = 0;
    for (n, id) in ids.iter().enumerate() {
        let reader = store.reader().unwrap();
        let draft = store::latest_draft(&reader, *id).unwrap().unwrap();
        let (version, experiment_id) = store::draft_version(&reader, draft.id).unwrap().unwrap();
        assert_eq!(experiment_id, Some(experiment.id));
        let accepts = ACCEPTS.iter().find(|(v, _)| *v == version).unwrap().1;
        let text = if seller.random_bool(accepts) {
            draft.text.clone()
        } else {
            OWN_WORDS.to_string()
        };
        let at = now + Duration::minutes(n as i64);
        let outcome = enqueue_checked(
            &store,
            &writer,
            ReplyRequest {
                interaction_id: *id,
                text,
                idempotency_key: format!("sim-{}", id.0),
                draft: Some(SentDraft {
                    id: Some(draft.id),
                    text: draft.text,
                    source: draft.source,
                }),
                override_block: false,
                actor: Actor::Human,
                undo_until: None,
                shadow: false,
            },
            at,
        )
        .await
        .unwrap();
        let EnqueueOutcome::Queued { outbox_id, .. } = outcome else {
            continue;
        };
        // The marketplace accepts it.
        writer
            .call(move |conn| {
                conn.execute(
                    "UPDATE outbox SET state = 'accepted', sent_at = ?2 WHERE id = ?1",
                    (outbox_id, at.timestamp()),
                )?;
                Ok(())
            })
            .await
            .unwrap();
        sent += 1;
    }
    assert!(sent * 10 >= replies * 9, "only {sent} replies went out");

    let reader = store.reader().unwrap();
    let q = agentiq::analytics::MetricsQuery::new(now, now + Duration::days(1));
    let report = metrics::version_report(&reader, &q, Some(experiment.id)).unwrap();
    assert_eq!(report.versions.len(), 2, "{report:?}");
    for v in &report.versions {
        let expected = ACCEPTS.iter().find(|(n, _)| *n == v.version).unwrap().1;
        let rate = v.acceptance.rate.unwrap();
        assert!(
            v.acceptance.low.unwrap() <= expected && expected <= v.acceptance.high.unwrap(),
            "{}: {rate} (interval {:?}..{:?}) vs simulated {expected}",
            v.version,
            v.acceptance.low,
            v.acceptance.high
        );
        assert!(v.acceptance.trials >= 30, "{v:?}");
    }
    match &report.verdict {
        Verdict::Winner { version, p_value } => {
            assert_eq!(version, "drafts-ru-brief");
            assert!(*p_value < 0.01, "{p_value}");
        }
        other => panic!("no winner: {other:?}\n{}", metrics::render_text(&report)),
    }
    let brief = &report.comparisons[0];
    assert_eq!(
        (brief.version.as_str(), brief.baseline.as_str()),
        ("drafts-ru-brief", "drafts-ru-v2")
    );
    assert!(
        brief.test.difference > 0.2 && brief.test.low > 0.0,
        "{brief:?}"
    );
}
