//! A file page's chunks: one holder asked per chunk, the least busy;
//! coalescing; failover when the host lets its deadline pass, leaves or
//! lies; "unavailable" when nobody is left; only asked hosts' answers read.

use super::*;
use crate::frame::ChunkFrame;
use crate::routing::ChunkAnswer;
use ep2p_core::chunk::{ChunkId, Holding};
use ep2p_core::manifest::MIN_CHUNK;

/// A page of one file of 10 chunks, hosts 1..=n joined (none holds
/// anything yet) and visitors 100.. waiting; its manifest known.
fn file_page(n: u64, visitors: u64) -> (Driver, PageHash, Instant) {
    let (hub, h, now) = hosted(Policy::Targeted, n, visitors);
    hub.set_files(h, one_file_index(10));
    (hub, h, now)
}

fn want(hub: &Driver, visitor: u64, h: PageHash, index: u32, now: Instant) -> Effects {
    hub.handle(Input::ChunkRequest { visitor: peer(visitor), hash: h, chunk: ChunkId::new(0, index) }, now)
}

fn send(hub: &Driver, host: u64, h: PageHash, index: u32, now: Instant) -> Effects {
    let chunk = ChunkId::new(0, index);
    let frame = ChunkFrame::new(h, chunk, b"checked by the socket", 21);
    hub.handle(Input::Chunk { host: peer(host), hash: h, answer: ChunkAnswer::Verified(frame) }, now)
}

fn asked(fx: &Effects) -> Vec<(u64, u32)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::AskChunk { host: Peer::Socket(host), chunk, .. } => Some((host.0, chunk.index)),
            _ => None,
        })
        .collect()
}

fn sent_to(fx: &Effects) -> Vec<u64> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::DeliverChunk { visitors, .. } => {
                visitors.iter().filter_map(|v| v.socket()).map(|v| v.0).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

fn unavailable_to(fx: &Effects) -> Vec<u64> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::ChunkUnavailable { visitors, .. } => {
                visitors.iter().filter_map(|v| v.socket()).map(|v| v.0).collect()
            }
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
    let fx = hub.handle(
        Input::Chunk { host: peer(next), hash: h, answer: ChunkAnswer::Forged(ChunkId::new(0, 1)) },
        later,
    );
    assert_eq!(hub.host_sockets(h), 1);
    assert_eq!(hub.metrics().bad_hashes.get(), 1);
    let last = asked(&fx)[0].0;
    assert!(![asked_now, next].contains(&last));
    // The last one lets the deadline pass: nobody is left to try.
    let fx = hub.wake(h, later + HubConfig::default().chunk_timeout);
    assert_eq!(unavailable_to(&fx), [100]);
    assert_eq!(hub.metrics().chunk_failovers.get(), 4);
}

fn node_asks(fx: &Effects) -> Vec<u64> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::AskChunk { host: Peer::Node(node), .. } => Some(node.0),
            _ => None,
        })
        .collect()
}

#[test]
fn with_no_holder_here_another_node_hosting_the_page_is_asked_and_its_answer_delivered() {
    let (hub, h, now) = file_page(1, 1);
    // Host 1 holds nothing; node 7 counts hosts of the page.
    hub.set_remote(remote(7), h, 2, now);
    let fx = want(&hub, 100, h, 3, now);
    assert_eq!(node_asks(&fx), [7]);
    assert_eq!(hub.metrics().cross_node_asks.get(), 1);
    // The node's chunk, checked on arrival, goes to the visitor.
    let frame = ChunkFrame::new(h, ChunkId::new(0, 3), b"checked", 7);
    let got =
        hub.handle(Input::Chunk { host: remote(7), hash: h, answer: ChunkAnswer::Verified(frame) }, now);
    assert_eq!(sent_to(&got), [100]);
    // A node that has no holder either: the visitor hears so.
    assert_eq!(node_asks(&want(&hub, 100, h, 4, now)), [7]);
    let refused =
        hub.handle(Input::ChunkRefused { node: NodeId(7), hash: h, chunk: ChunkId::new(0, 4) }, now);
    assert_eq!(unavailable_to(&refused), [100]);
    // A node's own request never goes on to another node: here, nobody holds it.
    let fx = hub.handle(Input::ChunkRequest { visitor: remote(8), hash: h, chunk: ChunkId::new(0, 5) }, now);
    assert!(node_asks(&fx).is_empty());
    assert!(matches!(fx.as_slice(), [Effect::ChunkUnavailable { visitors, .. }] if visitors == &[remote(8)]));
    // A node asking for a chunk of a page nobody is on here hears "unavailable" at once.
    let fx =
        hub.handle(Input::ChunkRequest { visitor: remote(8), hash: page(9), chunk: ChunkId::new(0, 0) }, now);
    assert!(matches!(fx.as_slice(), [Effect::ChunkUnavailable { .. }]));
}

#[test]
fn a_node_that_goes_moves_its_chunks_and_a_local_holder_is_asked_before_any_node() {
    let (hub, h, now) = file_page(2, 1);
    hub.set_remote(remote(7), h, 1, now);
    assert_eq!(node_asks(&want(&hub, 100, h, 0, now)), [7]);
    // The node hosts nothing any more; a local host meanwhile holds the chunk.
    hub.announce(SocketId(2), h, &Holding::all()).unwrap();
    let fx = hub.set_remote(remote(7), h, 0, now);
    assert_eq!(asked(&fx), [(2, 0)]);
    // From now on the local holder is asked first.
    hub.set_remote(remote(7), h, 1, now);
    assert_eq!(asked(&want(&hub, 100, h, 1, now)), [(2, 1)]);
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
