//! A visitor's request, from the ask to the delivery: under `targeted`,
//! coalesced per page, one host at a time (chosen by tier, this node's own
//! hosts before other nodes), failover when the host leaves, lies or lets
//! its deadline pass. The baselines are in `policy.rs`.

use super::effects::{Effect, Effects};
use super::input::Answer;
use super::page::{InFlight, Page};
use super::peer::{Peer, SocketId};
use super::policy::{baseline_asks, recipients, Policy};
use super::{schedule, Hub};
use ep2p_core::protocol::PageHash;
use indexmap::IndexMap;
use rand::rngs::SmallRng;
use rand::Rng;
use std::net::IpAddr;
use std::time::Instant;

impl Hub {
    /// A visitor on `want:H` sent `content_request`.
    pub(super) fn request(&self, visitor: Peer, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        self.metrics.requests.inc();
        self.with_page(hash, |page| {
            let first_local = visitor.is_local() && page.asking_local == 0;
            let Some(asking) = page.visitors.get_mut(&visitor) else {
                return;
            };
            match self.config.policy {
                Policy::Targeted => {
                    if first_local && !*asking {
                        page.waiting_since = Some(now);
                    }
                    let was = std::mem::replace(asking, true);
                    page.set_asking(visitor, true, was);
                    if page.in_flight.is_some() {
                        self.metrics.coalesced.inc();
                    } else {
                        self.ask_next(page, hash, now, Vec::new(), &mut fx);
                    }
                }
                baseline => {
                    let asked = baseline_asks(baseline, page);
                    self.metrics.asks.inc_by(asked.len() as u64);
                    fx.extend(asked.into_iter().map(|host| Effect::Ask { host: Peer::Socket(host), hash }));
                }
            }
        });
        fx
    }

    /// A host on `have:H` (or another node) sent `content` whose hash the
    /// caller checked. Bad content removes the host (the caller closes its
    /// channel) and asks the next one; good content goes to every visitor
    /// waiting on the page.
    pub(super) fn content(&self, host: Peer, hash: PageHash, answer: Answer, now: Instant) -> Effects {
        let frame = match answer {
            Answer::Verified(frame) => frame,
            Answer::Forged => {
                self.metrics.bad_hashes.inc();
                return match host {
                    Peer::Socket(socket) => self.leave_host(socket, hash, now),
                    // Another node is no host here: its ask fails over at its deadline.
                    Peer::Node(_) => Vec::new(),
                };
            }
        };
        let mut fx = Vec::new();
        if let Peer::Socket(socket) = host {
            self.vouch_for(socket);
        }
        self.with_page(hash, |page| {
            let counted = page.counted();
            match host {
                Peer::Socket(socket) => page.hosts.prove(socket),
                Peer::Node(node) => page.remote.answered(node),
            }
            if page.counted() != counted {
                self.count_changed(page, hash, now, &mut fx);
            }
            let waited = page.waiting_since.map(|since| now.saturating_duration_since(since));
            let visitors = recipients(self.config.policy, page);
            page.in_flight = None;
            if visitors.is_empty() {
                self.metrics.unsolicited.inc();
                return;
            }
            self.metrics.deliveries.inc_by(visitors.len() as u64);
            if let Some(waited) = waited {
                self.metrics.time_to_content_seconds.observe(waited.as_secs_f64());
            }
            fx.push(Effect::Deliver { frame, visitors });
        });
        fx
    }

    /// The host in flight is gone or too late: the next one is asked if
    /// anyone is still waiting; otherwise the request ends here.
    pub(super) fn fail_over(
        &self,
        page: &mut Page,
        hash: PageHash,
        now: Instant,
        tried: Vec<Peer>,
        fx: &mut Effects,
    ) {
        if page.asking == 0 {
            page.in_flight = None;
            return;
        }
        self.metrics.failovers.inc();
        self.ask_next(page, hash, now, tried, fx);
    }

    /// Asks one host that has not been tried for this request: a proven one
    /// if any, else a fresh one, else a slow one. With nobody left, the
    /// request waits for a host to join or for the visitor's next retry.
    /// Proven and fresh hosts are never among those tried (a host that was
    /// asked and did not answer is slow, or gone): picking one is O(1).
    pub(super) fn ask_next(
        &self,
        page: &mut Page,
        hash: PageHash,
        now: Instant,
        mut tried: Vec<Peer>,
        fx: &mut Effects,
    ) {
        let hosts = &page.hosts;
        let rng = &mut page.rng;
        // The first ask spreads requests over every host not known to be
        // slow; once one has failed this request, hosts that have answered
        // before go first (fake hosts cannot keep a page hidden for long).
        let trusted = if tried.is_empty() { either(&hosts.proven, &hosts.fresh, rng) } else { None };
        // Another node only for this node's own visitors (never a request
        // that came from another node), and only with no local host ready.
        let remote = &page.remote;
        let crossing = page.asking_local > 0;
        let picked = trusted
            .or_else(|| any(&hosts.proven, rng))
            .or_else(|| any(&hosts.fresh, rng))
            .map(Peer::Socket)
            .or_else(|| crossing.then(|| untried(&remote.ready, &tried, rng)).flatten())
            .or_else(|| untried(&hosts.slow, &tried, rng))
            .or_else(|| crossing.then(|| untried(&remote.late, &tried, rng)).flatten());
        let Some(host) = picked else {
            page.in_flight = None;
            page.drop_remote_asking();
            return;
        };
        tried.push(host);
        let deadline = now + self.config.request_timeout;
        page.in_flight = Some(InFlight { host, deadline, tried });
        self.metrics.asks.inc();
        if !host.is_local() {
            self.metrics.cross_node_asks.inc();
        }
        fx.push(Effect::Ask { host, hash });
        schedule(page, hash, deadline, fx);
    }
}

/// A random host of `set`.
fn any(set: &IndexMap<SocketId, IpAddr>, rng: &mut SmallRng) -> Option<SocketId> {
    (!set.is_empty()).then(|| *set.get_index(rng.gen_range(0..set.len())).expect("in range").0)
}

/// A random host of `a` and `b` together, each equally likely.
fn either(
    a: &IndexMap<SocketId, IpAddr>,
    b: &IndexMap<SocketId, IpAddr>,
    rng: &mut SmallRng,
) -> Option<SocketId> {
    let n = a.len() + b.len();
    if n == 0 {
        return None;
    }
    let i = rng.gen_range(0..n);
    let (set, i) = if i < a.len() { (a, i) } else { (b, i - a.len()) };
    set.get_index(i).map(|(host, _)| *host)
}

/// A member of `set` that `skip` does not rule out, from a random start.
/// The ones ruled out (askers and hosts tried) are few, so this stops early.
pub(super) fn other<K: Copy + Into<Peer>, V>(
    set: &IndexMap<K, V>,
    skip: &impl Fn(&Peer) -> bool,
    rng: &mut SmallRng,
) -> Option<Peer> {
    if set.is_empty() {
        return None;
    }
    let start = rng.gen_range(0..set.len());
    (0..set.len())
        .map(|i| (*set.get_index((start + i) % set.len()).expect("in range").0).into())
        .find(|host| !skip(host))
}

/// A slow host (or late node) not tried for this request: from a random
/// start, the first untried one among the next few, so the pick stays O(1)
/// however many slow hosts there are and however many were tried. Finding
/// none, the request waits for the visitor's next retry (which starts a
/// new one) or a new host.
fn untried<K: Copy + Into<Peer>, V>(
    set: &IndexMap<K, V>,
    tried: &[Peer],
    rng: &mut SmallRng,
) -> Option<Peer> {
    const LOOK: usize = 8;
    if set.is_empty() {
        return None;
    }
    let start = rng.gen_range(0..set.len());
    (0..LOOK.min(set.len()))
        .map(|i| (*set.get_index((start + i) % set.len()).expect("in range").0).into())
        .find(|host| !tried.contains(host))
}
