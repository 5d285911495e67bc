//! The routing's tunables and its policies by name: `targeted` (the
//! product's) and the two baselines the benchmark compares it with. What
//! each policy does with a request is in `requests.rs`.

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
    /// Asks of a page's hosts the visitors of one client address may cause
    /// at once (a burst)…
    pub asks_per_address: u32,
    /// …then one more per this long. Past it, their request waits (for the
    /// budget, or for another visitor's ask to bring the page).
    pub ask_every: Duration,
    /// How long a host asked for a file's chunk has before the next
    /// holder is asked (a chunk is up to 4 MiB: longer than for a page).
    pub chunk_timeout: Duration,
    /// Whether visitors' offers pair them with hosts for direct
    /// connections (`--direct off`: every byte goes through the relay).
    pub direct: bool,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            policy: Policy::Targeted,
            request_timeout: Duration::from_secs(1),
            count_window: Duration::from_millis(250),
            suspect_for: Duration::from_secs(60),
            asks_per_address: 10,
            ask_every: Duration::from_secs(2),
            chunk_timeout: Duration::from_secs(10),
            direct: true,
        }
    }
}
