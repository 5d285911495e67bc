//! Any sequence of joins, leaves, requests, answers (good and bad) and
//! wake-ups, under each policy: the hub keeps every invariant of
//! `hub::sequences::run`.
#![no_main]

use ep2p_relay::hub::{sequences, Policy};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&first, ops)) = data.split_first() else { return };
    let policy = [Policy::Targeted, Policy::RandomDrop, Policy::Broadcast][usize::from(first % 3)];
    sequences::run(policy, ops);
});
