//! Direct connections: pairs, and signals only across them.

use super::*;
use crate::routing::direct::{Side, Target, Unpaired};
use crate::routing::pairs::{MOST_PAIRS_PER_HOST, MOST_PAIRS_PER_VISITOR, MOST_SIGNALS_PER_PAIR};

fn direct_hub(direct: bool) -> Hub {
    Hub::new(HubConfig { direct, ..HubConfig::default() }, Arc::new(Metrics::default()), 7)
}

const H: PageHash = PageHash::from_bytes([1; 32]);
const OTHER: PageHash = PageHash::from_bytes([2; 32]);

fn on(hub: &Hub, visitors: &[u64], hosts: &[u64]) {
    let now = Instant::now();
    for &h in hosts {
        hub.handle(Input::JoinHost { host: SocketId(h), hash: H }, now);
    }
    for &v in visitors {
        hub.handle(Input::JoinVisitor { visitor: Peer::Socket(SocketId(v)), hash: H }, now);
    }
}

#[test]
fn an_offer_pairs_a_visitor_with_one_host_and_signals_go_only_across_the_pair() {
    let hub = direct_hub(true);
    on(&hub, &[1, 2], &[10]);
    let (peer, host) = hub.pair(SocketId(1), H).unwrap();
    assert_eq!(host, Target::Socket(SocketId(10)));
    assert_eq!(hub.signal_to(SocketId(10), Side::Host, H, peer, false), Ok(Target::Socket(SocketId(1))));
    assert_eq!(hub.signal_to(SocketId(1), Side::Visitor, H, peer, false), Ok(Target::Socket(SocketId(10))));
    // Another visitor, the host speaking as a visitor, another page, another number: refused.
    assert_eq!(hub.signal_to(SocketId(2), Side::Visitor, H, peer, false), Err(Unpaired::NotYours));
    assert_eq!(hub.signal_to(SocketId(10), Side::Visitor, H, peer, false), Err(Unpaired::NotYours));
    assert_eq!(hub.signal_to(SocketId(1), Side::Visitor, OTHER, peer, false), Err(Unpaired::NotYours));
    assert_eq!(hub.signal_to(SocketId(1), Side::Visitor, H, peer + 1, false), Err(Unpaired::NotYours));
    // The second visitor gets its own pair, with its own number.
    let (second, _) = hub.pair(SocketId(2), H).unwrap();
    assert_ne!(second, peer);
    assert_eq!(hub.pairs(H), 2);
    // Bye ends the pair once delivered.
    assert_eq!(hub.signal_to(SocketId(1), Side::Visitor, H, peer, true), Ok(Target::Socket(SocketId(10))));
    assert_eq!(hub.signal_to(SocketId(10), Side::Host, H, peer, false), Err(Unpaired::NotYours));
    assert_eq!(hub.pairs(H), 1);
}

#[test]
fn no_host_no_visitor_or_direct_off_makes_no_pair() {
    let hub = direct_hub(true);
    on(&hub, &[1], &[]);
    assert_eq!(hub.pair(SocketId(1), H), Err(Unpaired::NoHost));
    on(&hub, &[], &[10]);
    // A socket not on want:H cannot pair.
    assert_eq!(hub.pair(SocketId(3), H), Err(Unpaired::NoHost));
    assert_eq!(hub.pairs(H), 0);
    let off = direct_hub(false);
    on(&off, &[1], &[10]);
    assert_eq!(off.pair(SocketId(1), H), Err(Unpaired::Off));
}

#[test]
fn a_visitor_pairs_with_different_hosts_up_to_its_limit() {
    let hub = direct_hub(true);
    on(&hub, &[1], &[10, 11, 12, 13, 14, 15]);
    let mut hosts = Vec::new();
    for _ in 0..MOST_PAIRS_PER_VISITOR {
        hosts.push(hub.pair(SocketId(1), H).unwrap().1);
    }
    hosts.sort();
    hosts.dedup();
    assert_eq!(hosts.len(), MOST_PAIRS_PER_VISITOR, "each pair is with another host");
    assert_eq!(hub.pair(SocketId(1), H), Err(Unpaired::TooMany));
    // With every host paired once, a visitor with one host left is paired with it.
    let hub = direct_hub(true);
    on(&hub, &[1], &[10, 11]);
    hub.pair(SocketId(1), H).unwrap();
    hub.pair(SocketId(1), H).unwrap();
    assert_eq!(hub.pair(SocketId(1), H), Err(Unpaired::NoHost));
}

#[test]
fn a_host_takes_at_most_its_share_of_pairs() {
    let hub = direct_hub(true);
    let visitors: Vec<u64> = (100..100 + MOST_PAIRS_PER_HOST as u64 + 1).collect();
    on(&hub, &visitors, &[10]);
    for &v in &visitors[..MOST_PAIRS_PER_HOST] {
        hub.pair(SocketId(v), H).unwrap();
    }
    assert_eq!(hub.pair(SocketId(*visitors.last().unwrap()), H), Err(Unpaired::NoHost));
}

#[test]
fn a_pair_carries_a_bounded_number_of_signals_and_then_only_bye() {
    let hub = direct_hub(true);
    on(&hub, &[1], &[10]);
    let (peer, _) = hub.pair(SocketId(1), H).unwrap();
    for _ in 1..MOST_SIGNALS_PER_PAIR {
        hub.signal_to(SocketId(1), Side::Visitor, H, peer, false).unwrap();
    }
    assert_eq!(hub.signal_to(SocketId(10), Side::Host, H, peer, false), Err(Unpaired::Spent));
    assert_eq!(hub.signal_to(SocketId(10), Side::Host, H, peer, true), Ok(Target::Socket(SocketId(1))));
}

#[test]
fn leaving_the_page_ends_the_pairs_and_the_page_is_freed() {
    let hub = direct_hub(true);
    on(&hub, &[1, 2], &[10]);
    let (a, _) = hub.pair(SocketId(1), H).unwrap();
    let (b, _) = hub.pair(SocketId(2), H).unwrap();
    let now = Instant::now();
    hub.handle(Input::LeaveVisitor { visitor: Peer::Socket(SocketId(1)), hash: H }, now);
    assert_eq!(hub.signal_to(SocketId(10), Side::Host, H, a, false), Err(Unpaired::NotYours));
    assert_eq!(hub.signal_to(SocketId(10), Side::Host, H, b, false), Ok(Target::Socket(SocketId(2))));
    hub.handle(Input::LeaveHost { host: SocketId(10), hash: H }, now);
    assert_eq!(hub.signal_to(SocketId(2), Side::Visitor, H, b, false), Err(Unpaired::NotYours));
    assert_eq!(hub.pairs(H), 0);
    hub.handle(Input::LeaveVisitor { visitor: Peer::Socket(SocketId(2)), hash: H }, now);
    assert_eq!(hub.pages(), 0);
}

#[test]
fn a_file_pages_visitor_is_paired_with_a_host_that_holds_every_chunk_when_there_is_one() {
    use ep2p_core::chunk::Holding;
    for seed in 0..8 {
        let hub =
            Hub::new(HubConfig { direct: true, ..HubConfig::default() }, Arc::new(Metrics::default()), seed);
        on(&hub, &[1, 2], &[10, 11, 12]);
        hub.set_files(H, one_file_index(4));
        hub.announce(SocketId(10), H, &Holding::ranges(0, vec![(0, 1)])).unwrap();
        hub.announce(SocketId(11), H, &Holding::all()).unwrap();
        assert_eq!(hub.pair(SocketId(1), H).unwrap().1, Target::Socket(SocketId(11)), "seed {seed}");
        // Its second pair, with the whole host taken by it: another host all the same.
        assert_ne!(hub.pair(SocketId(1), H).unwrap().1, Target::Socket(SocketId(11)));
    }
}

#[test]
fn with_no_host_here_an_offer_goes_to_a_node_that_hosts_the_page_and_its_answer_comes_back() {
    let now = Instant::now();
    // Node A: visitor 1, no host; node 7 counts a host of the page.
    let a = direct_hub(true);
    on(&a, &[1], &[]);
    a.handle(Input::RemoteCount { node: NodeId(7), hash: H, count: 1 }, now);
    let (p, target) = a.pair(SocketId(1), H).unwrap();
    assert_eq!(target, Target::Node(NodeId(7), p));
    // Node B (7): host 10; the offer from A's visitor pairs it with host 10.
    let b = direct_hub(true);
    on(&b, &[], &[10]);
    let (host, side, q) = b.signal_from_node(NodeId(1), H, p, true, false).unwrap();
    assert_eq!((host, side), (SocketId(10), Side::Host));
    // The same offer again pairs nobody more; a non-offer for no pair goes nowhere.
    assert_eq!(b.signal_from_node(NodeId(1), H, p, true, false), None);
    assert_eq!(b.signal_from_node(NodeId(1), H, p + 1, false, false), None);
    assert_eq!(b.signal_from_node(NodeId(2), H, p, false, false), None, "another node, same number");
    assert_eq!(b.pairs(H), 1);
    // The host's answer goes back to A under A's number; A hands it to its visitor.
    assert_eq!(b.signal_to(SocketId(10), Side::Host, H, q, false), Ok(Target::Node(NodeId(1), p)));
    assert_eq!(a.signal_from_node(NodeId(7), H, p, false, false), Some((SocketId(1), Side::Visitor, p)));
    assert_eq!(a.signal_from_node(NodeId(8), H, p, false, false), None, "only the node it was paired with");
    // The visitor's candidates go to B; its leaving ends the pair there too.
    assert_eq!(a.signal_to(SocketId(1), Side::Visitor, H, p, false), Ok(Target::Node(NodeId(7), p)));
    let fx = a.handle(Input::LeaveVisitor { visitor: Peer::Socket(SocketId(1)), hash: H }, now);
    assert!(fx.contains(&Effect::NodeBye { node: NodeId(7), hash: H, pair: p }), "{fx:?}");
    assert_eq!(b.signal_from_node(NodeId(1), H, p, false, true), Some((SocketId(10), Side::Host, q)));
    assert_eq!(b.pairs(H), 0);
    // A host here is preferred to any node.
    let c = direct_hub(true);
    on(&c, &[1], &[10]);
    c.handle(Input::RemoteCount { node: NodeId(7), hash: H, count: 5 }, now);
    assert_eq!(c.pair(SocketId(1), H).unwrap().1, Target::Socket(SocketId(10)));
    // A node that stops hosting the page takes its pairs with it.
    on(&a, &[2], &[]);
    a.pair(SocketId(2), H).unwrap();
    a.handle(Input::RemoteCount { node: NodeId(7), hash: H, count: 0 }, now);
    assert_eq!(a.pairs(H), 0);
}
