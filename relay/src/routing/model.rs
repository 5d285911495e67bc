//! The hub driven by arbitrary bytes, checked against a plain model after
//! every step. The property test in `tests` feeds it random bytes; the
//! cargo-fuzz target `fuzz/fuzz_targets/hub.rs` feeds it coverage-guided ones.

use super::{Answer, Effect, Effects, Hub, HubConfig, Input, NodeId, Peer, Policy, SocketId};
use crate::frame::SharedFrame;
use crate::metrics::Metrics;
use ep2p_core::protocol::PageHash;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Who is where, as the sockets see it.
#[derive(Default)]
struct Model {
    hosts: BTreeMap<PageHash, BTreeSet<SocketId>>,
    visitors: BTreeMap<PageHash, BTreeSet<SocketId>>,
    /// Other nodes' counts, per page.
    remote: BTreeMap<PageHash, BTreeMap<NodeId, usize>>,
    /// Other nodes that have asked for a page.
    remote_askers: BTreeMap<PageHash, BTreeSet<NodeId>>,
    /// Hosts (and nodes) waiting for a page's chat history.
    history_askers: BTreeMap<PageHash, BTreeSet<Peer>>,
    /// Hosts asked for a page (by the effects), and how many asks they
    /// have not answered: content from any other host has no effect at all.
    asked: BTreeMap<(PageHash, SocketId), u32>,
    /// Per page and client address, since when its visitors' requests have
    /// had hosts asked, and how often: never past the budget.
    charged: BTreeMap<(PageHash, IpAddr), (Instant, u64)>,
}

impl Model {
    fn has<T: Ord>(map: &BTreeMap<PageHash, BTreeSet<T>>, page: &PageHash, who: &T) -> bool {
        map.get(page).is_some_and(|s| s.contains(who))
    }

    fn has_host(&self, page: &PageHash, peer: &Peer) -> bool {
        peer.socket().is_some_and(|socket| Model::has(&self.hosts, page, &socket))
    }

    fn remote_sum(&self, page: &PageHash) -> usize {
        self.remote.get(page).map_or(0, |nodes| nodes.values().sum())
    }

    /// The count a node has for a page here (0: none).
    fn node_count(&self, page: &PageHash, node: &NodeId) -> usize {
        self.remote.get(page).and_then(|nodes| nodes.get(node)).copied().unwrap_or(0)
    }
}

/// A verified answer for page `h` (the hub never looks inside it).
pub fn good(h: PageHash) -> Answer {
    let literal = serde_json::value::to_raw_value("the page").expect("a string serializes");
    Answer::Verified(SharedFrame::content(h, &literal))
}

/// Runs the operations that `ops` spells (3 bytes each: what, who,
/// which page and how much later) and panics at the first broken
/// invariant: counts that disagree with the model, an effect for a
/// socket that is not (or no longer) where it is sent, unverified
/// content delivered, pages kept with nobody on them, content from a host
/// nobody asked having any effect, an address's requests having hosts
/// asked past its budget.
pub fn run(policy: Policy, ops: &[u8]) {
    let hub = Hub::new(HubConfig { policy, ..HubConfig::default() }, Arc::new(Metrics::new()), 7);
    let pages: Vec<PageHash> = (0..3u8).map(|i| PageHash::of(&i.to_string())).collect();
    let mut model = Model::default();
    let mut now = Instant::now();
    // Sockets 0–3 share one address, 4–5 another (their budgets and
    // suspicions are shared); 6 and 7 are unknown to the hub.
    let address = |socket: SocketId| {
        (socket.0 < 6).then(|| IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1 + socket.0 as u8 / 4)))
    };
    for n in 0..6 {
        let socket = SocketId(n);
        let address = address(socket).expect("known");
        assert!(hub.handle(Input::Open { socket, address }, now).is_empty());
    }
    let config = HubConfig::default();
    for op in ops.chunks_exact(3) {
        let socket = SocketId(u64::from(op[1] % 8));
        let conn = Peer::Socket(socket);
        let hash = pages[usize::from(op[2] % 3)];
        let node = NodeId(u64::from(op[1] % 3) + 1);
        now += Duration::from_millis(u64::from(op[2] / 3) * 5);
        let mut verified = true;
        let input = match op[0] % 12 {
            0 => {
                model.hosts.entry(hash).or_default().insert(socket);
                Input::JoinHost { host: socket, hash }
            }
            1 => {
                model.hosts.entry(hash).or_default().remove(&socket);
                model.asked.remove(&(hash, socket));
                model.history_askers.entry(hash).or_default().remove(&conn);
                Input::LeaveHost { host: socket, hash }
            }
            2 => {
                model.visitors.entry(hash).or_default().insert(socket);
                Input::JoinVisitor { visitor: conn, hash }
            }
            3 => {
                model.visitors.entry(hash).or_default().remove(&socket);
                Input::LeaveVisitor { visitor: conn, hash }
            }
            4 | 5 => Input::Request { visitor: conn, hash },
            6 => {
                // Content only comes from hosts (the socket checks the topic).
                if !Model::has(&model.hosts, &hash, &socket) {
                    continue;
                }
                verified = op[0] & 0x80 == 0;
                let asked = model.asked.remove(&(hash, socket)).unwrap_or(0);
                if verified && asked > 1 {
                    model.asked.insert((hash, socket), asked - 1);
                }
                if verified && asked == 0 {
                    // Nobody asked it: it reaches nobody and proves nothing;
                    // its sender (and its address's fellows) may be probed,
                    // and the count may fall, never rise.
                    let counted = hub.health(hash).hosts;
                    let unasked = hub.handle(Input::Content { host: conn, hash, answer: good(hash) }, now);
                    assert!(
                        unasked.iter().all(|e| matches!(
                            e,
                            Effect::Ask { .. } | Effect::Count { .. } | Effect::WakeAt { .. }
                        )),
                        "content nobody asked for did more than probe: {unasked:?}"
                    );
                    assert!(hub.health(hash).hosts <= counted, "content nobody asked for raised the count");
                    check(&hub, &mut model, &pages, &unasked, verified);
                    continue;
                }
                if !verified {
                    model.hosts.entry(hash).or_default().remove(&socket);
                    model.history_askers.entry(hash).or_default().remove(&conn);
                }
                let answer = if verified { good(hash) } else { Answer::Forged };
                Input::Content { host: conn, hash, answer }
            }
            7 => Input::Wake { hash },
            8 => {
                // Another node's count for the page changes (0: gone).
                let count = usize::from(op[1] / 3 % 4);
                let nodes = model.remote.entry(hash).or_default();
                if count == 0 {
                    nodes.remove(&node);
                    // A node that counts nothing waits for no history here.
                    model.history_askers.entry(hash).or_default().remove(&Peer::Node(node));
                } else {
                    nodes.insert(node, count);
                }
                Input::RemoteCount { node, hash, count }
            }
            10 => {
                // A host (or, with the top bit, another node) asks for the chat.
                let asker = if op[0] & 0x80 != 0 { Peer::Node(node) } else { conn };
                if !asker.is_local() || model.has_host(&hash, &asker) {
                    model.history_askers.entry(hash).or_default().insert(asker);
                }
                Input::HistoryRequest { asker, hash }
            }
            11 => {
                // A host answers a history ask (well or not), asked or not.
                if !Model::has(&model.hosts, &hash, &socket) {
                    continue;
                }
                let messages = serde_json::value::to_raw_value(&Vec::<u8>::new()).expect("serializes");
                let answer = (op[0] & 0x80 == 0).then(|| SharedFrame::history(hash, &messages));
                Input::HistoryAnswer { host: conn, hash, answer }
            }
            _ => {
                // Another node asks for the page (routing across nodes is targeted only).
                if policy != Policy::Targeted {
                    continue;
                }
                model.remote_askers.entry(hash).or_default().insert(node);
                let joined = hub.handle(Input::JoinVisitor { visitor: Peer::Node(node), hash }, now);
                assert!(joined.is_empty(), "joining want:H has no effect");
                Input::Request { visitor: Peer::Node(node), hash }
            }
        };
        let charged = match &input {
            Input::Request { visitor: Peer::Socket(socket), hash } if policy == Policy::Targeted => {
                address(*socket).map(|address| (*hash, address))
            }
            _ => None,
        };
        let effects = hub.handle(input, now);
        if let Some(key) = charged {
            let asked = effects.iter().filter(|e| matches!(e, Effect::Ask { .. })).count() as u64;
            if asked > 0 {
                let (since, count) = model.charged.entry(key).or_insert((now, 0));
                *count += asked;
                let refilled = (now - *since).as_nanos() / config.ask_every.as_nanos();
                let most = u64::from(config.asks_per_address) + refilled as u64;
                assert!(
                    *count <= most,
                    "an address had hosts asked {count} times, past its budget of {most}"
                );
            }
        }
        check(&hub, &mut model, &pages, &effects, verified);
        let occupied = |page: &PageHash| {
            model.hosts.get(page).is_some_and(|s| !s.is_empty())
                || model.visitors.get(page).is_some_and(|s| !s.is_empty())
                || model.remote.get(page).is_some_and(|nodes| !nodes.is_empty())
        };
        // A page nobody is on is gone, and its budgets with it.
        let gone: Vec<_> = model.charged.keys().filter(|(page, _)| !occupied(page)).copied().collect();
        for key in gone {
            model.charged.remove(&key);
        }
    }
}

fn check(hub: &Hub, model: &mut Model, pages: &[PageHash], effects: &Effects, verified: bool) {
    for &page in pages {
        let hosts = model.hosts.get(&page).map_or(0, BTreeSet::len);
        let waiting = model.visitors.get(&page).map_or(0, BTreeSet::len);
        assert_eq!((hub.host_sockets(page), hub.waiting(page)), (hosts, waiting));
        let most = hosts + model.remote_sum(&page);
        assert!(hub.health(page).hosts <= most, "silent hosts are not counted, others are");
    }
    let hosts: u64 = model.hosts.values().map(BTreeSet::len).sum::<usize>() as u64;
    let visitors: u64 = model.visitors.values().map(BTreeSet::len).sum::<usize>() as u64;
    assert_eq!(hub.hosts(), hosts);
    assert_eq!(hub.visitors(), visitors);
    let occupied: BTreeSet<_> = model
        .hosts
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(p, _)| p)
        .chain(model.visitors.iter().filter(|(_, s)| !s.is_empty()).map(|(p, _)| p))
        .chain(model.remote.iter().filter(|(_, nodes)| !nodes.is_empty()).map(|(p, _)| p))
        .collect();
    assert_eq!(hub.pages(), occupied.len(), "empty pages are dropped");
    for effect in effects {
        match effect {
            Effect::Ask { host: Peer::Node(node), hash } => {
                assert!(model.node_count(hash, node) > 0, "asked a node that hosts nothing");
            }
            Effect::Ask { host, hash } => {
                assert!(model.has_host(hash, host), "asked a non-host");
                if let Some(socket) = host.socket() {
                    *model.asked.entry((*hash, socket)).or_insert(0) += 1;
                }
            }
            Effect::Deliver { frame, visitors } => {
                let hash = &frame.topic().page().expect("content goes to want:H");
                assert!(verified, "delivered unverified content");
                for v in visitors {
                    let known = match v {
                        Peer::Node(node) => Model::has(&model.remote_askers, hash, node),
                        Peer::Socket(socket) => Model::has(&model.visitors, hash, socket),
                    };
                    assert!(known, "delivered to a socket not on want");
                }
            }
            Effect::Read { .. } => panic!("no one-time page in this model"),
            Effect::Count { hash, hosts, visitors, watchers, count, local } => {
                assert!(watchers.is_empty(), "nobody watches in this model");
                let expected: Vec<_> = model.hosts.get(hash).into_iter().flatten().copied().collect();
                let mut sent = hosts.clone();
                sent.sort();
                assert_eq!(sent, expected, "a count goes to exactly the hosts");
                assert!(*local <= expected.len(), "silent hosts are not counted");
                assert!(*count <= expected.len() + model.remote_sum(hash));
                assert!(visitors.iter().all(|v| Model::has(&model.visitors, hash, v)));
            }
            Effect::AskHistory { host, hash } => {
                let askers = model.history_askers.get(hash);
                assert!(askers.is_none_or(|a| !a.contains(host)), "asked an asker for the history");
                match host {
                    Peer::Node(node) => {
                        assert!(model.node_count(hash, node) > 0, "asked a node that hosts nothing")
                    }
                    Peer::Socket(_) => {
                        assert!(model.has_host(hash, host), "asked a non-host for the history")
                    }
                }
            }
            Effect::History { frame, to } => {
                let hash = frame.topic().page().expect("histories go to have:H");
                assert!(!to.is_empty());
                let is_host = |asker: &Peer| model.has_host(&hash, asker);
                let hosts_ok: Vec<bool> =
                    to.iter().map(|asker| !asker.is_local() || is_host(asker)).collect();
                let askers = model.history_askers.entry(hash).or_default();
                for (asker, host_ok) in to.iter().zip(hosts_ok) {
                    assert!(askers.remove(asker), "a history for someone who did not ask");
                    assert!(host_ok);
                }
            }
            Effect::WakeAt { .. } => {}
            Effect::AskChunk { .. } | Effect::DeliverChunk { .. } | Effect::ChunkUnavailable { .. } => {
                panic!("no host announced a chunk in this model: {effect:?}")
            }
            Effect::NodeBye { .. } => panic!("nobody offered a direct connection in this model: {effect:?}"),
        }
    }
}
