//! The routing's tunables and its policies: `targeted` (the product's, in
//! `requests.rs`) and the two baselines the benchmark compares it with,
//! which are whole here.

use super::page::Page;
use super::peer::{Peer, SocketId};
use rand::Rng;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How a visitor's `content_request` reaches hosts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// One host at a time, chosen at random among those not known to be slow;
    /// concurrent requests coalesced; failover on timeout, leave or bad hash.
    #[default]
    Targeted,
    /// The original app: every host passes a request on with probability 1/n.
    RandomDrop,
    /// The naive storm: every request to every host, every answer forwarded.
    Broadcast,
}

impl Policy {
    /// Every policy, in the order the benchmark compares them.
    pub const ALL: [Policy; 3] = [Policy::Targeted, Policy::RandomDrop, Policy::Broadcast];

    /// The name flags, settings files and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Targeted => "targeted",
            Policy::RandomDrop => "random-drop",
            Policy::Broadcast => "broadcast",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A policy name that is not one of [`Policy::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown routing policy {0:?} (expected targeted, random-drop or broadcast)")]
pub struct UnknownPolicy(String);

impl FromStr for Policy {
    type Err = UnknownPolicy;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Policy::ALL.into_iter().find(|p| p.name() == name).ok_or_else(|| UnknownPolicy(name.to_owned()))
    }
}

/// The hub's tunables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubConfig {
    pub policy: Policy,
    /// How long the asked host has before the next one is asked.
    pub request_timeout: Duration,
    /// At most one `visitors_count` per page per window.
    pub count_window: Duration,
    /// How long an address stays suspect after one of its sockets let a
    /// request's deadline pass: its other hosts are asked last meanwhile.
    pub suspect_for: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            policy: Policy::Targeted,
            request_timeout: Duration::from_secs(1),
            count_window: Duration::from_millis(250),
            suspect_for: Duration::from_secs(60),
        }
    }
}

/// The hosts a baseline policy asks for one request: under `random-drop`
/// each host passes it on with probability 1/n, independently (the
/// original's `handle_out`); under `broadcast`, every host.
pub(super) fn baseline_asks(policy: Policy, page: &mut Page) -> Vec<SocketId> {
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
pub(super) fn recipients(policy: Policy, page: &mut Page) -> Vec<Peer> {
    match policy {
        Policy::Targeted => page.take_asking(),
        Policy::RandomDrop | Policy::Broadcast => page.visitors.keys().copied().collect(),
    }
}
