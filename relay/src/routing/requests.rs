//! A visitor's request, from the ask to the delivery: under `targeted`,
//! coalesced per page, within its address's budget of asks (past it, it
//! waits), one host at a time (chosen by tier, this node's own hosts
//! before other nodes), failover when the host leaves, lies or lets its
//! deadline pass; only an asked host's answer is read; under the two baselines the benchmark compares it
//! with, what they ask and whom they answer.

use super::effects::{Effect, Effects};
use super::page::{InFlight, Page};
use super::peer::{Peer, SocketId};
use super::pick::{any, either, untried};
use super::policy::Policy;
use super::Hub;
use crate::frame::SharedFrame;
use ep2p_core::protocol::PageHash;
use rand::Rng;
use std::sync::Arc;
use std::time::Instant;

impl Hub {
    /// A visitor on `want:H` sent `content_request`.
    pub(super) fn request(&self, visitor: Peer, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        self.metrics.requests.inc();
        // Another node's visitors are budgeted on their own node.
        let address = visitor.socket().and_then(|socket| self.sockets.budgeted(socket));
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
                    let (burst, every) = (self.config.asks_per_address, self.config.ask_every);
                    let budget =
                        address.map_or(Ok(()), |address| page.asks.ready(address, now, burst, every));
                    if page.in_flight.is_some() {
                        self.metrics.coalesced.inc();
                    } else if let (Err(due), Some(address)) = (budget, address) {
                        // Its address had hosts asked often enough lately:
                        // the request waits for its budget, or for another
                        // visitor's ask to bring the page.
                        self.metrics.held_requests.inc();
                        page.held.entry(address).or_insert(due);
                        page.schedule(hash, due, &mut fx);
                    } else {
                        self.ask_next(page, hash, now, Vec::new(), &mut fx);
                        if let (Some(address), Some(_)) = (address, &page.in_flight) {
                            page.asks.spend(address, now, every);
                        }
                    }
                }
                baseline => {
                    let asked = baseline_asks(baseline, page);
                    for &host in &asked {
                        page.hosts.ask(host);
                    }
                    self.metrics.asks.inc_by(asked.len() as u64);
                    fx.extend(asked.into_iter().map(|host| Effect::Ask { host: Peer::Socket(host), hash }));
                }
            }
        });
        fx
    }

    /// A host on `have:H` (or another node) sent `content` whose hash the
    /// caller checked: it goes to every visitor waiting on the page, or for
    /// a one-time page (`once`) to the first of them only, and then the
    /// page is read. (Bad content removes the host instead: see `Hub::handle`.)
    pub(super) fn content(
        &self,
        host: Peer,
        hash: PageHash,
        frame: Arc<SharedFrame>,
        once: bool,
        now: Instant,
    ) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            if let Peer::Socket(socket) = host {
                if !page.hosts.answered(socket) {
                    // Nobody asked this host: its page goes nowhere and
                    // proves nothing; the host is probed before it counts.
                    self.metrics.unsolicited.inc();
                    self.unasked(page, hash, socket, now, &mut fx);
                    return;
                }
                self.sockets.vouch_for(socket);
            }
            let counted = page.counted();
            match host {
                Peer::Socket(socket) => page.hosts.prove(socket),
                Peer::Node(node) => page.remote.answered(node),
            }
            if page.counted() != counted {
                page.count_changed(hash, now, self.config.count_window, &mut fx);
            }
            let waited = page.waiting_since.map(|since| now.saturating_duration_since(since));
            let mut visitors = recipients(self.config.policy, page);
            page.in_flight = None;
            if visitors.is_empty() {
                self.metrics.unsolicited.inc();
                return;
            }
            if once {
                // One reader, one of this node's own sockets (another node
                // could not tell a reader from its gateway); the others
                // waiting get nothing, ever.
                visitors.retain(|v| v.is_local());
                visitors.truncate(1);
                if visitors.is_empty() {
                    return;
                }
                fx.push(Effect::Read { host, hash });
            }
            self.metrics.deliveries.inc_by(visitors.len() as u64);
            if let Some(waited) = waited {
                self.metrics.time_to_content_seconds.observe(waited.as_secs_f64());
            }
            fx.push(Effect::Deliver { frame, visitors });
        });
        fx
    }

    /// At a wake-up: requests that waited for their address's budget are
    /// asked for once it allows (charged to it), if anyone still waits.
    pub(super) fn ask_for_held(&self, page: &mut Page, hash: PageHash, now: Instant, fx: &mut Effects) {
        let Some(due) = page.held.iter().find(|(_, at)| **at <= now).map(|(address, _)| *address) else {
            return;
        };
        page.held.retain(|_, at| *at > now);
        if page.asking > 0 && page.in_flight.is_none() {
            self.ask_next(page, hash, now, Vec::new(), fx);
            if page.in_flight.is_some() {
                page.asks.spend(due, now, self.config.ask_every);
            }
        }
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
            .or_else(|| {
                crossing.then(|| remote.ready().and_then(|nodes| untried(nodes, &tried, rng))).flatten()
            })
            .or_else(|| untried(&hosts.slow, &tried, rng))
            .or_else(|| {
                crossing.then(|| remote.late_ones().and_then(|nodes| untried(nodes, &tried, rng))).flatten()
            });
        let Some(host) = picked else {
            page.in_flight = None;
            page.drop_remote_asking();
            return;
        };
        tried.push(host);
        if let Peer::Socket(socket) = host {
            page.hosts.ask(socket);
        }
        let deadline = now + self.config.request_timeout;
        page.in_flight = Some(InFlight { host, deadline, tried });
        self.metrics.asks.inc();
        if !host.is_local() {
            self.metrics.cross_node_asks.inc();
        }
        fx.push(Effect::Ask { host, hash });
        page.schedule(hash, deadline, fx);
    }
}

/// The hosts a baseline policy asks for one request: under `random-drop`
/// each host passes it on with probability 1/n, independently (the
/// original's `handle_out`); under `broadcast`, every host.
fn baseline_asks(policy: Policy, page: &mut Page) -> Vec<SocketId> {
    let hosts = page.hosts.all();
    match policy {
        Policy::RandomDrop => {
            let n = hosts.len();
            hosts.into_iter().filter(|_| page.rng.gen_range(0..n) == 0).collect()
        }
        Policy::Broadcast | Policy::Targeted => hosts,
    }
}

/// Who a verified answer goes to: under `targeted`, every visitor that
/// asked, once per request; the original and the naive design forward
/// every answer to every visitor.
fn recipients(policy: Policy, page: &mut Page) -> Vec<Peer> {
    match policy {
        Policy::Targeted => page.take_asking(),
        Policy::RandomDrop | Policy::Broadcast => page.visitors.keys().copied().collect(),
    }
}
