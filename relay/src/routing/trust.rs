//! Trust on a page: a host that lets a deadline pass is demoted to slow
//! (and its address made suspect, so its fellows on the page are probed);
//! a host from a suspect address is probed before it counts. The tiers
//! themselves are in `tiers.rs`.

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
        let Some(address) = page.hosts.make_slow(host) else {
            return;
        };
        self.sockets.missed_deadline(host, address, now, self.config.suspect_for);
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
            page.count_changed(hash, now, self.config.count_window, fx);
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
