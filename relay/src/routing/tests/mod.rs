//! The routing's unit tests, by concern, and the property test over the
//! model. They drive the hub through [`Hub::handle`] alone, with the
//! [`Driver`] below spelling each input as one short call.

mod baselines;
mod budget;
mod chunks;
mod counts;
mod direct;
mod history;
mod nodes;
mod requests;
mod tiers;

pub(super) use super::model::good;
pub(super) use super::{Answer, Effect, Effects, Hub, HubConfig, Input, NodeId, Peer, Policy, SocketId};
pub(super) use crate::frame::SharedFrame;
pub(super) use crate::metrics::Metrics;
pub(super) use ep2p_core::protocol::{Health, PageHash};
pub(super) use std::net::IpAddr;
pub(super) use std::sync::Arc;
pub(super) use std::time::{Duration, Instant};

/// Socket `n`, as the tests number them.
impl From<u64> for Peer {
    fn from(n: u64) -> Self {
        Peer::Socket(SocketId(n))
    }
}

/// Socket `n`, so effects compare with the tests' plain numbers.
impl PartialEq<u64> for Peer {
    fn eq(&self, n: &u64) -> bool {
        *self == Peer::Socket(SocketId(*n))
    }
}

impl PartialEq<u64> for SocketId {
    fn eq(&self, n: &u64) -> bool {
        self.0 == *n
    }
}

/// Socket `n`.
fn peer(n: u64) -> Peer {
    Peer::Socket(SocketId(n))
}

/// The relay node `n`.
fn remote(n: u64) -> Peer {
    Peer::Node(NodeId(n))
}

/// A hub and one call per input, each through [`Hub::handle`]; the hub's
/// queries through `Deref`.
pub(super) struct Driver(Hub);

impl std::ops::Deref for Driver {
    type Target = Hub;
    fn deref(&self) -> &Hub {
        &self.0
    }
}

impl Driver {
    pub(super) fn new(config: HubConfig, seed: u64) -> Self {
        Driver(Hub::new(config, Arc::new(Metrics::new()), seed))
    }

    /// An input that never has an effect.
    fn quiet(&self, input: Input) {
        let fx = self.0.handle(input, Instant::now());
        assert!(fx.is_empty(), "{fx:?}");
    }

    pub(super) fn connect(&self, socket: u64, address: IpAddr) {
        self.quiet(Input::Open { socket: SocketId(socket), address });
    }

    pub(super) fn forget(&self, socket: u64) {
        self.quiet(Input::Close { socket: SocketId(socket) });
    }

    pub(super) fn join_host(&self, host: impl Into<Peer>, hash: PageHash, now: Instant) -> Effects {
        let host = host.into().socket().expect("hosts are sockets");
        self.0.handle(Input::JoinHost { host, hash }, now)
    }

    pub(super) fn leave_host(&self, host: impl Into<Peer>, hash: PageHash, now: Instant) -> Effects {
        let host = host.into().socket().expect("hosts are sockets");
        self.0.handle(Input::LeaveHost { host, hash }, now)
    }

    pub(super) fn join_visitor(&self, visitor: impl Into<Peer>, hash: PageHash) {
        self.quiet(Input::JoinVisitor { visitor: visitor.into(), hash });
    }

    pub(super) fn leave_visitor(&self, visitor: impl Into<Peer>, hash: PageHash) {
        self.quiet(Input::LeaveVisitor { visitor: visitor.into(), hash });
    }

    pub(super) fn request(&self, visitor: impl Into<Peer>, hash: PageHash, now: Instant) -> Effects {
        self.0.handle(Input::Request { visitor: visitor.into(), hash }, now)
    }

    pub(super) fn content(
        &self,
        host: impl Into<Peer>,
        hash: PageHash,
        answer: Answer,
        now: Instant,
    ) -> Effects {
        self.0.handle(Input::Content { host: host.into(), hash, answer }, now)
    }

    pub(super) fn wake(&self, hash: PageHash, now: Instant) -> Effects {
        self.0.handle(Input::Wake { hash }, now)
    }

    pub(super) fn set_remote(&self, node: Peer, hash: PageHash, count: usize, now: Instant) -> Effects {
        let Peer::Node(node) = node else { panic!("{node:?} is no node") };
        self.0.handle(Input::RemoteCount { node, hash, count }, now)
    }

    pub(super) fn history_request(&self, asker: impl Into<Peer>, hash: PageHash, now: Instant) -> Effects {
        self.0.handle(Input::HistoryRequest { asker: asker.into(), hash }, now)
    }

    pub(super) fn history_answer(
        &self,
        host: impl Into<Peer>,
        hash: PageHash,
        answer: Option<Arc<SharedFrame>>,
        now: Instant,
    ) -> Effects {
        self.0.handle(Input::HistoryAnswer { host: host.into(), hash, answer }, now)
    }
}

fn page(n: u8) -> PageHash {
    PageHash::of(&n.to_string())
}

fn hub(policy: Policy) -> Driver {
    Driver::new(HubConfig { policy, ..HubConfig::default() }, 7)
}

fn asks(fx: &Effects) -> Vec<Peer> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Ask { host, .. } => Some(*host),
            _ => None,
        })
        .collect()
}

fn delivered(fx: &Effects) -> Vec<Peer> {
    fx.iter()
        .flat_map(|e| match e {
            Effect::Deliver { visitors, .. } => visitors.clone(),
            _ => Vec::new(),
        })
        .collect()
}

fn counts(fx: &Effects) -> Vec<usize> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Count { count, .. } => Some(*count),
            _ => None,
        })
        .collect()
}

/// A page with hosts 1..=n and visitors 100.. that is past its first count window.
fn hosted(policy: Policy, n: u64, visitors: u64) -> (Driver, PageHash, Instant) {
    let hub = hub(policy);
    let h = page(0);
    let t0 = Instant::now();
    for host in 1..=n {
        hub.join_host(host, h, t0);
    }
    for v in 0..visitors {
        hub.join_visitor(100 + v, h);
    }
    // Flush the count window the joins opened.
    hub.wake(h, t0 + Duration::from_secs(1));
    (hub, h, t0 + Duration::from_secs(10))
}

#[test]
fn random_operation_sequences_keep_every_invariant() {
    use rand::rngs::SmallRng;
    use rand::{RngCore, SeedableRng};
    for seed in 0..30u64 {
        let mut ops = vec![0u8; 9000];
        SmallRng::seed_from_u64(seed).fill_bytes(&mut ops);
        let policy = [Policy::Targeted, Policy::RandomDrop, Policy::Broadcast][seed as usize % 3];
        super::model::run(policy, &ops);
    }
}

/// The chunk index of a page of one file of `chunks` smallest chunks.
pub(super) fn one_file_index(chunks: u64) -> ep2p_core::chunk::ChunkIndex {
    use ep2p_core::manifest::{FileEntry, Manifest, DEFAULT_FILE_LIMIT, MIN_CHUNK};
    let entry = FileEntry {
        name: "f".into(),
        media_type: "application/octet-stream".into(),
        size: chunks * u64::from(MIN_CHUNK),
        root: "0".repeat(64),
    };
    ep2p_core::chunk::ChunkIndex::of(&Manifest::new(MIN_CHUNK, vec![entry], DEFAULT_FILE_LIMIT).unwrap())
}
