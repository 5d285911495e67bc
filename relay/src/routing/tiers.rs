//! Host trust tiers: how far each host of a page can be trusted to answer
//! (proven, fresh, probed, slow), what the routing remembers of each socket
//! (silent since it let a deadline pass, or proven by an answer) and which
//! addresses are suspect since one of their sockets let one pass.

use super::peer::{ById, SocketId};
use dashmap::DashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The address of sockets the hub was not told about (tests of the hub
/// alone): never suspect, and no fellow of any other socket.
pub(super) const UNKNOWN_ADDRESS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

/// A page's hosts, by how far they can be trusted to answer, each with the
/// address it counts against. A host is in exactly one of the four.
///
/// The page's count is its proven and fresh hosts: a host that let a
/// deadline pass is not counted until it answers again, and a host from an
/// address that did so lately is counted once it has answered a probe.
#[derive(Debug, Default)]
pub(super) struct Hosts {
    /// Answered this page before.
    pub proven: ById<SocketId, IpAddr>,
    /// Not asked yet, and nothing known against them.
    pub fresh: ById<SocketId, IpAddr>,
    /// From a suspect address: asked at once (a probe, with this deadline),
    /// counted once they answer, slow if they do not.
    pub probed: ById<SocketId, (IpAddr, Instant)>,
    /// Let a deadline pass (here, or anywhere since their socket opened):
    /// asked last, and not counted.
    pub slow: ById<SocketId, IpAddr>,
    /// Hosts (of any tier) asked for the page, and how many of those asks
    /// they have not answered: only answers are read. Content nobody asked
    /// for proves nothing.
    asked: ById<SocketId, u32>,
}

impl Hosts {
    pub fn len(&self) -> usize {
        self.proven.len() + self.fresh.len() + self.probed.len() + self.slow.len()
    }

    /// The hosts a page's count shows: those not known, or suspected, to be silent.
    pub fn counted(&self) -> usize {
        self.proven.len() + self.fresh.len()
    }

    pub fn contains(&self, host: SocketId) -> bool {
        self.proven.contains_key(&host)
            || self.fresh.contains_key(&host)
            || self.probed.contains_key(&host)
            || self.slow.contains_key(&host)
    }

    /// Removes a host wherever it is; its address if it was there.
    pub fn remove(&mut self, host: SocketId) -> Option<IpAddr> {
        self.asked.swap_remove(&host);
        self.proven
            .swap_remove(&host)
            .or_else(|| self.fresh.swap_remove(&host))
            .or_else(|| self.probed.swap_remove(&host).map(|(address, _)| address))
            .or_else(|| self.slow.swap_remove(&host))
    }

    /// A host let a deadline pass: slow from now on (an answer to the ask
    /// it missed is still read). Its address, if it is a host here.
    pub fn make_slow(&mut self, host: SocketId) -> Option<IpAddr> {
        let asked = self.asked.get(&host).copied();
        let address = self.remove(host)?;
        self.slow.insert(host, address);
        if let Some(asks) = asked {
            self.asked.insert(host, asks);
        }
        Some(address)
    }

    /// The relay asks `host` for the page.
    pub fn ask(&mut self, host: SocketId) {
        let asks = self.asked.entry(host).or_insert(0);
        *asks = asks.saturating_add(1);
    }

    /// `host` sent the page: true if that answers an ask (one fewer is
    /// then outstanding), false if nobody asked it.
    pub fn answered(&mut self, host: SocketId) -> bool {
        match self.asked.get_mut(&host) {
            Some(asks) if *asks > 1 => {
                *asks -= 1;
                true
            }
            Some(_) => {
                self.asked.swap_remove(&host);
                true
            }
            None => false,
        }
    }

    /// A host answered an ask with a verified page: proven from now on.
    pub fn prove(&mut self, host: SocketId) {
        let address = self
            .fresh
            .swap_remove(&host)
            .or_else(|| self.probed.swap_remove(&host).map(|(address, _)| address))
            .or_else(|| self.slow.swap_remove(&host));
        if let Some(address) = address {
            self.proven.insert(host, address);
        }
    }

    pub fn all(&self) -> Vec<SocketId> {
        let (proven, fresh, slow) = (self.proven.keys(), self.fresh.keys(), self.slow.keys());
        proven.chain(fresh).chain(self.probed.keys()).chain(slow).copied().collect()
    }

    /// The earliest probe deadline.
    pub fn next_probe(&self) -> Option<Instant> {
        self.probed.values().map(|(_, deadline)| *deadline).min()
    }

    /// Probed hosts whose deadline has passed unanswered.
    pub fn overdue_probes(&self, now: Instant) -> Vec<SocketId> {
        self.probed.iter().filter(|(_, (_, deadline))| *deadline <= now).map(|(h, _)| *h).collect()
    }
}

/// What the routing knows of an open socket.
#[derive(Debug, Clone, Copy)]
pub(super) struct SocketRecord {
    /// The address it counts against.
    pub address: IpAddr,
    /// It let a deadline pass and has not answered since: it joins every
    /// page as a slow host, however often it leaves and joins again.
    pub silent: bool,
    /// It has answered with a verified page: trusted even when its address is suspect.
    pub answered: bool,
}

/// Every open socket the relay told the hub about, and the addresses
/// whose sockets let a deadline pass lately: what a host brings with it to
/// every page it joins.
#[derive(Debug, Default)]
pub(super) struct Sockets {
    /// Each open socket's record.
    records: DashMap<SocketId, SocketRecord>,
    /// Addresses whose sockets let a deadline pass lately, and when last.
    suspects: DashMap<IpAddr, Instant>,
}

impl Sockets {
    /// A socket opened, from `address`.
    pub fn open(&self, socket: SocketId, address: IpAddr) {
        self.records.insert(socket, SocketRecord { address, silent: false, answered: false });
    }

    /// A socket closed (after leaving every page).
    pub fn close(&self, socket: SocketId) {
        self.records.remove(&socket);
    }

    /// A socket answered with a verified page: it is silent no more, and
    /// trusted from now on even when its address is suspect.
    pub fn vouch_for(&self, socket: SocketId) {
        if let Some(mut record) = self.records.get_mut(&socket) {
            record.silent = false;
            record.answered = true;
        }
    }

    /// The address a socket's requests are charged to; none for sockets
    /// the hub was not told about (tests of the hub alone).
    pub fn budgeted(&self, socket: SocketId) -> Option<IpAddr> {
        self.records.get(&socket).map(|r| r.address).filter(|address| *address != UNKNOWN_ADDRESS)
    }

    /// No socket is open (the tests check that closing forgets).
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// True when `address` let a deadline pass within `suspect_for` of `now`.
    fn suspect(&self, address: IpAddr, now: Instant, suspect_for: Duration) -> bool {
        self.suspects.get(&address).is_some_and(|since| now.saturating_duration_since(*since) < suspect_for)
    }

    /// Where a socket joining `have:H` starts: its address, whether it is
    /// silent (slow on every page) and whether its address is suspect
    /// (probed before it counts).
    pub fn standing(&self, host: SocketId, now: Instant, suspect_for: Duration) -> (IpAddr, bool, bool) {
        let record = self.records.get(&host).map(|r| *r);
        let address = record.map_or(UNKNOWN_ADDRESS, |r| r.address);
        let silent = record.is_some_and(|r| r.silent);
        let suspect =
            !silent && record.is_some_and(|r| !r.answered && self.suspect(address, now, suspect_for));
        (address, silent, suspect)
    }

    /// `host` let a deadline pass: it and its address are distrusted.
    pub fn missed_deadline(&self, host: SocketId, address: IpAddr, now: Instant, suspect_for: Duration) {
        if let Some(mut record) = self.records.get_mut(&host) {
            record.silent = true;
        }
        self.distrust(address, now, suspect_for);
    }

    /// One of `address`'s sockets misbehaved: for `suspect_for`, the
    /// address's sockets that never answered are probed before they count.
    pub fn distrust(&self, address: IpAddr, now: Instant, suspect_for: Duration) {
        if self.suspects.len() >= 4096 {
            // Forget what has expired before remembering more.
            self.suspects.retain(|_, since| now.saturating_duration_since(*since) < suspect_for);
        }
        if address != UNKNOWN_ADDRESS {
            self.suspects.insert(address, now);
        }
    }
}
