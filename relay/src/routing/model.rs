//! The hub driven by arbitrary bytes, checked against a plain model after
//! every step. The property test in `tests` feeds it random bytes; the
//! cargo-fuzz target `fuzz/fuzz_targets/hub.rs` feeds it coverage-guided ones.

use super::{Answer, Effect, Effects, Hub, HubConfig, Input, NodeId, Peer, Policy, SocketId};
use crate::frame::SharedFrame;
use crate::metrics::Metrics;
use ep2p_core::protocol::PageHash;
use std::collections::{BTreeMap, BTreeSet};
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
/// content delivered, pages kept with nobody on them.
pub fn run(policy: Policy, ops: &[u8]) {
    let hub = Hub::new(HubConfig { policy, ..HubConfig::default() }, Arc::new(Metrics::new()), 7);
    let pages: Vec<PageHash> = (0..3u8).map(|i| PageHash::of(&i.to_string())).collect();
    let mut model = Model::default();
    let mut now = Instant::now();
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
        let effects = hub.handle(input, now);
        check(&hub, &mut model, &pages, &effects, verified);
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
                assert!(model.has_host(hash, host), "asked a non-host")
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
        }
    }
}
