//! A file page's chunks: one holder asked per chunk, the least busy;
//! coalescing; failover when the host lets its deadline pass, leaves or
//! lies; "unavailable" when nobody is left; only asked hosts' answers read.

use super::*;
use crate::frame::ChunkFrame;
use crate::routing::ChunkAnswer;
use ep2p_core::chunk::{ChunkId, ChunkIndex, Holding};
use ep2p_core::manifest::{FileEntry, Manifest, DEFAULT_FILE_LIMIT, MIN_CHUNK};

/// A page of one file of 10 chunks, hosts 1..=n joined (none holds
/// anything yet) and visitors 100.. waiting; its manifest known.
fn file_page(n: u64, visitors: u64) -> (Driver, PageHash, Instant) {
    let (hub, h, now) = hosted(Policy::Targeted, n, visitors);
    let entry = FileEntry {
        name: "f".into(),
        media_type: "application/octet-stream".into(),
        size: 10 * u64::from(MIN_CHUNK),
        root: "0".repeat(64),
    };
    let manifest = Manifest::new(MIN_CHUNK, vec![entry], DEFAULT_FILE_LIMIT).unwrap();
    hub.set_files(h, ChunkIndex::of(&manifest));
    (hub, h, now)
}

fn want(hub: &Driver, visitor: u64, h: PageHash, index: u32, now: Instant) -> Effects {
    hub.handle(
        Input::ChunkRequest { visitor: SocketId(visitor), hash: h, chunk: ChunkId::new(0, index) },
        now,
    )
}

fn send(hub: &Driver, host: u64, h: PageHash, index: u32, now: Instant) -> Effects {
    let chunk = ChunkId::new(0, index);
    let frame = ChunkFrame::new(h, chunk, b"checked by the socket", 21);
    hub.handle(Input::Chunk { host: SocketId(host), hash: h, answer: ChunkAnswer::Verified(frame) }, now)
}

fn asked(fx: &Effects) -> Vec<(u64, u32)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::AskChunk { host, chunk, .. } => Some((host.0, chunk.index)),
            _ => None,
        })
        .collect()
}

fn sent_to(fx: &Effects) -> Vec<u64> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::DeliverChunk { visitors, .. } => visitors.iter().map(|v| v.0).collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn unavailable_to(fx: &Effects) -> Vec<u64> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::ChunkUnavailable { visitors, .. } => visitors.iter().map(|v| v.0).collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn a_chunk_nobody_holds_is_unavailable_at_once() {
    let (hub, h, now) = file_page(2, 1);
    let fx = want(&hub, 100, h, 0, now);
    assert_eq!(unavailable_to(&fx), [100]);
    assert!(asked(&fx).is_empty());
    // A host that holds other chunks is not asked for this one.
    hub.announce(SocketId(1), h, &Holding::ranges(0, vec![(1, 10)])).unwrap();
    assert_eq!(unavailable_to(&want(&hub, 100, h, 0, now)), [100]);
    // Only a host of the page may announce.
    assert!(hub.announce(SocketId(9), h, &Holding::all()).is_err());
}

#[test]
fn one_holder_is_asked_and_everyone_waiting_gets_the_chunk_once() {
    let (hub, h, now) = file_page(2, 3);
    hub.announce(SocketId(2), h, &Holding::all()).unwrap();
    let fx = want(&hub, 100, h, 4, now);
    let Some(Effect::AskChunk { limit, .. }) = fx.first() else { panic!("{fx:?}") };
    assert_eq!(*limit, MIN_CHUNK as usize + ep2p_core::chunk::header_len(ep2p_core::chunk::MAX_PROOF));
    assert_eq!(asked(&fx), [(2, 4)]);
    // Two more visitors want it meanwhile: nobody else is asked.
    assert!(asked(&want(&hub, 101, h, 4, now)).is_empty());
    assert!(asked(&want(&hub, 102, h, 4, now)).is_empty());
    assert_eq!(hub.metrics().chunk_coalesced.get(), 2);
    // Host 1 holds nothing and was not asked: its answer goes nowhere.
    assert!(send(&hub, 1, h, 4, now).is_empty());
    let mut to = sent_to(&send(&hub, 2, h, 4, now));
    to.sort();
    assert_eq!(to, [100, 101, 102]);
    // Answered once: a second copy goes nowhere.
    assert!(send(&hub, 2, h, 4, now).is_empty());
}

#[test]
fn asks_spread_over_the_holders() {
    let (hub, h, now) = file_page(4, 1);
    for host in 1..=4 {
        hub.announce(SocketId(host), h, &Holding::all()).unwrap();
    }
    let mut per_host = [0; 5];
    for index in 0..8 {
        for (host, _) in asked(&want(&hub, 100, h, index, now)) {
            per_host[host as usize] += 1;
        }
    }
    assert_eq!(per_host, [0, 2, 2, 2, 2], "each holder asked for two of eight chunks");
}

#[test]
fn a_missed_deadline_a_departure_or_a_lie_moves_the_chunk_to_another_holder() {
    let (hub, h, now) = file_page(3, 1);
    for host in 1..=3 {
        hub.announce(SocketId(host), h, &Holding::all()).unwrap();
    }
    let first = asked(&want(&hub, 100, h, 0, now))[0].0;
    // Nothing at the deadline: the next holder.
    let later = now + HubConfig::default().chunk_timeout;
    let second = asked(&hub.wake(h, later))[0].0;
    assert_ne!(second, first);
    // The late first host still answers in time for the visitor: taken.
    assert_eq!(sent_to(&send(&hub, first, h, 0, later)), [100]);
    assert!(send(&hub, second, h, 0, later).is_empty(), "answered already");

    // The asked host leaves: the next one is asked at once.
    let asked_now = asked(&want(&hub, 100, h, 1, later))[0].0;
    let fx = hub.leave_host(asked_now, h, later);
    let next = asked(&fx)[0].0;
    assert_ne!(next, asked_now);
    // It lies (its socket found the proof wrong): it is no host any more
    // and the last holder is asked.
    let fx = hub.handle(Input::Chunk { host: SocketId(next), hash: h, answer: ChunkAnswer::Forged }, later);
    assert_eq!(hub.host_sockets(h), 1);
    assert_eq!(hub.metrics().bad_hashes.get(), 1);
    let last = asked(&fx)[0].0;
    assert!(![asked_now, next].contains(&last));
    // The last one lets the deadline pass: nobody is left to try.
    let fx = hub.wake(h, later + HubConfig::default().chunk_timeout);
    assert_eq!(unavailable_to(&fx), [100]);
    assert_eq!(hub.metrics().chunk_failovers.get(), 4);
}

#[test]
fn a_chunk_nobody_waits_for_any_more_is_not_asked_again() {
    let (hub, h, now) = file_page(2, 1);
    for host in 1..=2 {
        hub.announce(SocketId(host), h, &Holding::all()).unwrap();
    }
    assert_eq!(asked(&want(&hub, 100, h, 0, now)).len(), 1);
    hub.leave_visitor(100, h);
    let fx = hub.wake(h, now + HubConfig::default().chunk_timeout);
    assert!(asked(&fx).is_empty() && unavailable_to(&fx).is_empty(), "{fx:?}");
    // A visitor that is not on want:H asks nothing.
    assert!(want(&hub, 100, h, 1, now).is_empty());
}
