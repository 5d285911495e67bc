//! Chat-history routing: a host (or another node, for its hosts) asks for
//! the page's chat; under every policy it is routed like a targeted
//! request — one other host at a time, coalesced, failover at the deadline
//! — and the answer goes only to whoever asked.

use super::effects::{Effect, Effects};
use super::history::HistoryAsk;
use super::page::Page;
use super::peer::Peer;
use super::pick::other;
use super::Hub;
use crate::frame::SharedFrame;
use ep2p_core::protocol::PageHash;
use std::sync::Arc;
use std::time::Instant;

impl Hub {
    /// A host of the page (or another node for its hosts) asks for the
    /// chat's history: one other host is asked, or the request joins the
    /// one in flight. With nobody else to ask, the asker gets an empty
    /// history at once.
    pub(super) fn history_request(&self, asker: Peer, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        let mut known = false;
        self.with_page(hash, |page| {
            if let Peer::Socket(socket) = asker {
                if !page.hosts.contains(socket) {
                    return;
                }
            }
            known = true;
            self.metrics.history_requests.inc();
            if let Some(ask) = &mut page.history {
                if !ask.askers.contains(&asker) {
                    ask.askers.push(asker);
                }
                return;
            }
            page.history = Some(Box::new(HistoryAsk {
                askers: vec![asker],
                host: asker,
                deadline: now,
                tried: Vec::new(),
            }));
            self.ask_history_next(page, hash, now, &mut fx);
        });
        if !known && !asker.is_local() {
            // Another node asks for a page nobody here hosts any more.
            fx.push(Effect::History { frame: SharedFrame::empty_history(hash), to: vec![asker] });
        }
        fx
    }

    /// A host's answer to `chat_history`: `Some` (checked by the caller)
    /// goes to everyone who asked; `None` (refused) asks the next host.
    /// An answer nobody asked this host for is dropped.
    pub(super) fn history_answer(
        &self,
        host: Peer,
        hash: PageHash,
        answer: Option<Arc<SharedFrame>>,
        now: Instant,
    ) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            if page.history.as_ref().is_none_or(|ask| ask.host != host) {
                return;
            }
            match answer {
                Some(frame) => {
                    let ask = page.history.take().expect("checked above");
                    self.metrics.history_served.inc_by(ask.askers.len() as u64);
                    fx.push(Effect::History { frame, to: ask.askers });
                }
                None => {
                    self.metrics.history_failovers.inc();
                    self.ask_history_next(page, hash, now, &mut fx);
                }
            }
        });
        fx
    }

    /// `peer` (a host or another node) is gone from the page: it waits for
    /// no history any more, and a history asked of it is asked elsewhere.
    pub(super) fn history_gone(
        &self,
        page: &mut Page,
        hash: PageHash,
        peer: Peer,
        now: Instant,
        fx: &mut Effects,
    ) {
        let Some(ask) = &mut page.history else { return };
        ask.askers.retain(|asker| *asker != peer);
        if ask.askers.is_empty() {
            page.history = None;
        } else if ask.host == peer {
            self.metrics.history_failovers.inc();
            self.ask_history_next(page, hash, now, fx);
        }
    }

    /// Asks the next host for the history: a proven one, else a fresh one,
    /// else (for this node's own hosts) another node, else a slow one —
    /// never an asker, never one already tried. With nobody left, the
    /// askers get an empty history: nobody else has one.
    pub(super) fn ask_history_next(&self, page: &mut Page, hash: PageHash, now: Instant, fx: &mut Effects) {
        let Some(ask) = page.history.as_mut() else { return };
        let rng = &mut page.rng;
        let skip = |host: &Peer| ask.askers.contains(host) || ask.tried.contains(host);
        let crossing = ask.askers.iter().any(|asker| asker.is_local());
        let hosts = &page.hosts;
        let remote = &page.remote;
        let picked = other(&hosts.proven, &skip, rng)
            .or_else(|| other(&hosts.fresh, &skip, rng))
            .or_else(|| crossing.then(|| remote.ready().and_then(|nodes| other(nodes, &skip, rng))).flatten())
            .or_else(|| other(&hosts.slow, &skip, rng))
            .or_else(|| other(&hosts.probed, &skip, rng))
            .or_else(|| {
                crossing.then(|| remote.late_ones().and_then(|nodes| other(nodes, &skip, rng))).flatten()
            });
        let Some(host) = picked else {
            let ask = page.history.take().expect("checked above");
            fx.push(Effect::History { frame: SharedFrame::empty_history(hash), to: ask.askers });
            return;
        };
        ask.host = host;
        ask.tried.push(host);
        ask.deadline = now + self.config.request_timeout;
        self.metrics.history_asks.inc();
        fx.push(Effect::AskHistory { host, hash });
        let deadline = ask.deadline;
        page.schedule(hash, deadline, fx);
    }
}
