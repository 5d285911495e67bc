//! Trust on a page: a host that lets a deadline pass is demoted to slow
//! (and its address made suspect, so its fellows on the page are probed);
//! one that sends the page unasked is probed, and its address made suspect
//! the same way; a host from a suspect address is probed before it counts.
//! The tiers themselves are in `tiers.rs`.

use super::effects::{Effect, Effects};
use super::page::Page;
use super::peer::{Peer, SocketId};
use super::tiers::UNKNOWN_ADDRESS;
use super::Hub;
use ep2p_core::protocol::PageHash;
use std::net::IpAddr;
use std::time::Instant;

impl Hub {
    /// A host let a deadline pass (a request's or a probe's): it is slow
    /// from now on (here and on every page it joins) and its address is
    /// suspect for a while, so this page's counted hosts from that address
    /// (fresh or proven) are probed: each is counted again once it answers.
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
        let Some(address) = page.hosts.make_slow(host) else {
            return;
        };
        self.sockets.missed_deadline(host, address, now, self.config.suspect_for);
        self.probe_fellows(page, hash, address, now, fx);
        if page.counted() != counted {
            page.count_changed(hash, now, self.config.count_window, fx);
        }
    }

    /// A host sent the page nobody asked it for. Honest clients only
    /// answer, so the sender and its address are distrusted: it stops
    /// counting and is probed (counted again once it answers an ask), and
    /// so are its address's counted fellows on the page. Sockets that keep
    /// silent after sending the page unasked never raise the count.
    pub(super) fn unasked(
        &self,
        page: &mut Page,
        hash: PageHash,
        host: SocketId,
        now: Instant,
        fx: &mut Effects,
    ) {
        let counted = page.counted();
        let Some(address) =
            page.hosts.fresh.swap_remove(&host).or_else(|| page.hosts.proven.swap_remove(&host))
        else {
            // Probed or slow already: not counted, and asked or distrusted.
            return;
        };
        self.probe(page, hash, host, address, now, fx);
        self.sockets.distrust(address, now, self.config.suspect_for);
        self.probe_fellows(page, hash, address, now, fx);
        if page.counted() != counted {
            page.count_changed(hash, now, self.config.count_window, fx);
        }
    }

    /// Every counted host of `address` on the page (fresh or proven: one
    /// that once answered may be silent now) is probed: each counts again
    /// once it answers. Sockets of an unknown address have no fellows.
    fn probe_fellows(
        &self,
        page: &mut Page,
        hash: PageHash,
        address: IpAddr,
        now: Instant,
        fx: &mut Effects,
    ) {
        if address == UNKNOWN_ADDRESS {
            return;
        }
        let of_address = |set: &super::peer::ById<SocketId, IpAddr>| -> Vec<SocketId> {
            set.iter().filter(|(_, a)| **a == address).map(|(conn, _)| *conn).collect()
        };
        let fellows = [of_address(&page.hosts.fresh), of_address(&page.hosts.proven)].concat();
        for fellow in fellows {
            page.hosts.fresh.swap_remove(&fellow);
            page.hosts.proven.swap_remove(&fellow);
            self.probe(page, hash, fellow, address, now, fx);
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
        page.hosts.ask(host);
        self.metrics.probes.inc();
        fx.push(Effect::Ask { host: Peer::Socket(host), hash });
        page.schedule(hash, deadline, fx);
    }
}
