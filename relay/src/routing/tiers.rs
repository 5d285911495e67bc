//! Host trust tiers: how far each host of a page can be trusted to answer
//! (proven, fresh, probed, slow), what the routing remembers of each socket
//! (silent since it let a deadline pass, or proven by an answer) and which
//! addresses are suspect since one of their sockets let one pass.

use super::effects::Effects;
use super::page::Page;
use super::peer::{Peer, SocketId};
use super::{schedule, Hub};
use ep2p_core::protocol::PageHash;
use indexmap::IndexMap;
use std::net::IpAddr;
use std::time::Instant;

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
    pub proven: IndexMap<SocketId, IpAddr>,
    /// Not asked yet, and nothing known against them.
    pub fresh: IndexMap<SocketId, IpAddr>,
    /// From a suspect address: asked at once (a probe, with this deadline),
    /// counted once they answer, slow if they do not.
    pub probed: IndexMap<SocketId, (IpAddr, Instant)>,
    /// Let a deadline pass (here, or anywhere since their socket opened):
    /// asked last, and not counted.
    pub slow: IndexMap<SocketId, IpAddr>,
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
        self.proven
            .swap_remove(&host)
            .or_else(|| self.fresh.swap_remove(&host))
            .or_else(|| self.probed.swap_remove(&host).map(|(address, _)| address))
            .or_else(|| self.slow.swap_remove(&host))
    }

    /// A host answered with a verified page: proven from now on.
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

/// What the hub knows of an open socket.
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

impl Hub {
    /// A socket opened, from `address`.
    pub(super) fn open(&self, socket: SocketId, address: IpAddr) {
        self.sockets.insert(socket, SocketRecord { address, silent: false, answered: false });
    }

    /// A socket closed (after leaving every page).
    pub(super) fn close(&self, socket: SocketId) {
        self.sockets.remove(&socket);
    }

    /// A socket answered with a verified page: it is silent no more, and
    /// trusted from now on even when its address is suspect.
    pub(super) fn vouch_for(&self, socket: SocketId) {
        if let Some(mut record) = self.sockets.get_mut(&socket) {
            record.silent = false;
            record.answered = true;
        }
    }

    /// True when `address` let a deadline pass within `suspect_for` of `now`.
    fn suspect(&self, address: IpAddr, now: Instant) -> bool {
        self.suspects
            .get(&address)
            .is_some_and(|since| now.saturating_duration_since(*since) < self.config.suspect_for)
    }

    /// Where a socket joining `have:H` starts: its address, whether it is
    /// silent (slow on every page) and whether its address is suspect
    /// (probed before it counts).
    pub(super) fn standing(&self, host: SocketId, now: Instant) -> (IpAddr, bool, bool) {
        let record = self.sockets.get(&host).map(|r| *r);
        let address = record.map_or(UNKNOWN_ADDRESS, |r| r.address);
        let silent = record.is_some_and(|r| r.silent);
        let suspect = !silent && record.is_some_and(|r| !r.answered && self.suspect(address, now));
        (address, silent, suspect)
    }

    /// `host` let a deadline pass: it and its address are distrusted.
    fn missed_deadline(&self, host: SocketId, address: IpAddr, now: Instant) {
        if let Some(mut record) = self.sockets.get_mut(&host) {
            record.silent = true;
        }
        if self.suspects.len() >= 4096 {
            // Forget what has expired before remembering more.
            let keep = self.config.suspect_for;
            self.suspects.retain(|_, since| now.saturating_duration_since(*since) < keep);
        }
        if address != UNKNOWN_ADDRESS {
            self.suspects.insert(address, now);
        }
    }

    /// A host let a deadline pass (a request's or a probe's): it is slow
    /// from now on (here and on every page it joins) and its address is
    /// suspect for a while, so this page's fresh hosts from that address
    /// are probed: each is counted again once it answers.
    pub(super) fn demote(&self, page: &mut Page, hash: PageHash, host: Peer, now: Instant, fx: &mut Effects) {
        let host = match host {
            Peer::Socket(socket) => socket,
            Peer::Node(node) => {
                // Another node, late: asked after the others next time. Its
                // count is its own to tell.
                page.remote.late(node);
                return;
            }
        };
        let counted = page.counted();
        let Some(address) = page.hosts.remove(host) else {
            return;
        };
        page.hosts.slow.insert(host, address);
        self.missed_deadline(host, address, now);
        let fellows: Vec<SocketId> = if address == UNKNOWN_ADDRESS {
            Vec::new()
        } else {
            page.hosts.fresh.iter().filter(|(_, a)| **a == address).map(|(conn, _)| *conn).collect()
        };
        for fellow in fellows {
            page.hosts.fresh.swap_remove(&fellow);
            self.probe(page, hash, fellow, address, now, fx);
        }
        if page.counted() != counted {
            self.count_changed(page, hash, now, fx);
        }
    }

    /// Asks a host from a suspect address for the page, to see whether it answers.
    pub(super) fn probe(
        &self,
        page: &mut Page,
        hash: PageHash,
        host: SocketId,
        address: IpAddr,
        now: Instant,
        fx: &mut Effects,
    ) {
        let deadline = now + self.config.request_timeout;
        page.hosts.probed.insert(host, (address, deadline));
        self.metrics.probes.inc();
        fx.push(super::Effect::Ask { host: Peer::Socket(host), hash });
        schedule(page, hash, deadline, fx);
    }
}
