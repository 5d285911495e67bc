//! Any sequence of joins, leaves, requests, answers (good and bad) and
//! wake-ups, under each policy: the routing keeps every invariant of
//! `routing::model::run`.
#![no_main]

use ep2p_relay::routing::{model, Policy};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&first, ops)) = data.split_first() else { return };
    let policy = [Policy::Targeted, Policy::RandomDrop, Policy::Broadcast][usize::from(first % 3)];
    model::run(policy, ops);
});
