//! Background preparation's read per item: everything a draft uses (`DraftInputs::load`:
//! card, customer history, the seller's approved answers to similar items, recent
//! answers), for the top 20 of the queue, at each store size against 10k. Retrieval of
//! approved answers reads a bounded number of candidates, so the cost stays flat in N.
//!
//! `cargo bench --bench prepare` (`AGENTIQ_BENCH_LARGE=100000` for a quicker run).

mod common;

use std::hint::black_box;
use std::time::Duration;

use agentiq::prepare::DraftInputs;
use agentiq::store::{self, QueueFilter, Store};
use common::{Goal, Line};

fn top_items(store: &Store) -> Vec<agentiq::domain::InteractionId> {
    let reader = store.reader().unwrap();
    store::queue_page(&reader, &QueueFilter::default(), 0, 20)
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect()
}

fn main() {
    let sizes = common::sizes();
    let small = sizes[0];
    let stores: Vec<(usize, Store)> = sizes
        .iter()
        .map(|n| (*n, Store::open(common::bench_db(*n)).unwrap()))
        .collect();
    let load_top = |store: &Store, ids: Vec<agentiq::domain::InteractionId>| {
        let reader = store.reader().unwrap();
        move || {
            for id in &ids {
                black_box(DraftInputs::load(&reader, *id).unwrap());
            }
        }
    };
    let mut lines = Vec::new();
    let small_store = &stores[0].1;
    let small_ids = top_items(small_store);
    for (n, store) in stores.iter().skip(1) {
        let ids = top_items(store);
        let (a, b) = common::paired(
            &format!("inputs-top20-{n}"),
            load_top(store, ids),
            &format!("inputs-top20-{small}"),
            load_top(small_store, small_ids.clone()),
            Duration::from_millis(400),
        );
        lines.push(Line::new(
            format!("draft inputs for the top 20, {n} vs {small}"),
            a,
            b,
            Goal::AtMost(1.3),
        ));
    }
    common::report("prepare", &lines);
}
