//! Choosing one host of a tier (or one node) at random: each pick is O(1)
//! whatever the tier's size, from a seeded generator so the routing stays
//! replayable.

use super::peer::{ById, Peer, SocketId};
use rand::rngs::SmallRng;
use rand::Rng;
use std::net::IpAddr;

/// A random host of `set`.
pub(super) fn any(set: &ById<SocketId, IpAddr>, rng: &mut SmallRng) -> Option<SocketId> {
    (!set.is_empty()).then(|| *set.get_index(rng.gen_range(0..set.len())).expect("in range").0)
}

/// A random host of `a` and `b` together, each equally likely.
pub(super) fn either(
    a: &ById<SocketId, IpAddr>,
    b: &ById<SocketId, IpAddr>,
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
    set: &ById<K, V>,
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
pub(super) fn untried<K: Copy + Into<Peer>, V>(
    set: &ById<K, V>,
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
