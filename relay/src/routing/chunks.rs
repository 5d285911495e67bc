//! A file page's chunks (docs/protocol.md, "File pages"), with the §3 rules
//! per chunk: one holder asked per chunk (the least busy of a few, so
//! several hosts share a download), every visitor that wants the chunk
//! meanwhile waiting on that one ask, the next holder asked when the host
//! leaves, lies or lets its deadline pass, only an asked host's answer
//! read, and "nobody has it" said at once instead of a silent wait.
//!
//! The chunks a page has come from its manifest, a verified `content` the
//! relay passed on ([`Hub::set_files`]); the sockets check each chunk
//! against it before the hub hears of it.

use super::effects::{Effect, Effects};
use super::files::{Files, Flight, TooFragmented};
use super::page::Page;
use super::peer::{NodeId, Peer, SocketId};
use super::pick::untried;
use super::Hub;
use crate::frame::ChunkFrame;
use ep2p_core::chunk::{ChunkId, ChunkIndex, Holding};
use ep2p_core::protocol::PageHash;
use std::sync::Arc;
use std::time::Instant;

/// Why a `have_chunks` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnnounceError {
    #[error("join have:H before announcing chunks")]
    NotHost,
    #[error("too many separate ranges held: announce fewer, larger ones")]
    TooFragmented,
}

impl From<TooFragmented> for AnnounceError {
    fn from(_: TooFragmented) -> Self {
        AnnounceError::TooFragmented
    }
}

impl Hub {
    /// A verified manifest of page `hash` passed through the relay: its
    /// chunks can be routed and checked from now on, while anyone is on
    /// the page (a page nobody is on is not kept for it).
    pub fn set_files(&self, hash: PageHash, index: ChunkIndex) {
        if let Some(mut page) = self.pages.get_mut(&hash) {
            let files = page.files.get_or_insert_with(Box::default);
            if files.index.is_none() {
                files.index = Some(Arc::new(index));
            }
        }
    }

    /// What checks the page's chunks, once its manifest is known here.
    pub fn files(&self, hash: PageHash) -> Option<Arc<ChunkIndex>> {
        self.pages.get(&hash)?.files.as_ref()?.index.clone()
    }

    /// A host of the page says it holds `holding`. No effect: it is asked
    /// when a visitor wants one of them.
    pub fn announce(&self, host: SocketId, hash: PageHash, holding: &Holding) -> Result<(), AnnounceError> {
        let mut page = self.pages.get_mut(&hash).ok_or(AnnounceError::NotHost)?;
        if !page.hosts.contains(host) {
            return Err(AnnounceError::NotHost);
        }
        Ok(page.files.get_or_insert_with(Box::default).announce(host, holding)?)
    }

    /// A visitor on `want:H` asks for a chunk its socket found in the
    /// index, or another node asks for one for its visitors.
    pub(super) fn chunk_request(
        &self,
        visitor: Peer,
        hash: PageHash,
        chunk: ChunkId,
        now: Instant,
    ) -> Effects {
        let mut fx = Vec::new();
        self.metrics.chunk_requests.inc();
        let mut found = false;
        self.with_page(hash, |page| {
            found = true;
            if visitor.is_local() && !page.visitors.contains_key(&visitor) {
                return;
            }
            let files = page.files.get_or_insert_with(Box::default);
            if let Some(flight) = files.flights.get_mut(&chunk) {
                if !flight.waiting.contains(&visitor) {
                    flight.waiting.push(visitor);
                }
                self.metrics.chunk_coalesced.inc();
                return;
            }
            self.ask_chunk(page, hash, chunk, vec![visitor], Vec::new(), now, &mut fx);
        });
        if !found && !visitor.is_local() {
            // Nobody is on the page here: another node hears so at once.
            fx.push(Effect::ChunkUnavailable { hash, chunk, visitors: vec![visitor] });
        }
        fx
    }

    /// A host's (or node's) chunk, checked by whoever received it.
    pub(super) fn chunk_answer(&self, host: Peer, hash: PageHash, frame: Arc<ChunkFrame>) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            let Some(files) = page.files.as_mut() else { return };
            let chunk = frame.chunk();
            let asked = files.flights.get(&chunk).is_some_and(|f| f.host == host || f.tried.contains(&host));
            if !asked {
                // Late (another host answered first) or never asked: it goes nowhere.
                self.metrics.unsolicited.inc();
                return;
            }
            let flight = files.flights.remove(&chunk).expect("checked above");
            files.done(flight.host);
            if let Peer::Node(node) = host {
                page.remote.answered(node);
            }
            if flight.waiting.is_empty() {
                self.metrics.unsolicited.inc();
            } else {
                self.metrics
                    .chunk_deliveries
                    .inc_by(flight.waiting.iter().filter(|v| v.is_local()).count() as u64);
                fx.push(Effect::DeliverChunk { frame, visitors: flight.waiting });
            }
        });
        fx
    }

    /// Another node has no holder of the chunk it was asked for, or sent
    /// one that failed its proof: the next is asked.
    pub(super) fn chunk_refused(
        &self,
        node: NodeId,
        hash: PageHash,
        chunk: ChunkId,
        now: Instant,
    ) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            let Some(files) = page.files.as_mut() else { return };
            if files.flights.get(&chunk).is_none_or(|f| f.host != Peer::Node(node)) {
                return;
            }
            let flight = files.flights.remove(&chunk).expect("checked above");
            self.chunk_fail_over(page, hash, chunk, flight, now, &mut fx);
        });
        fx
    }

    /// `host` left the page (or lied), or node `host` hosts it no more:
    /// the chunks it was asked for go to other holders.
    pub(super) fn chunks_host_gone(
        &self,
        page: &mut Page,
        hash: PageHash,
        host: Peer,
        now: Instant,
        fx: &mut Effects,
    ) {
        let Some(files) = page.files.as_mut() else { return };
        let moved: Vec<(ChunkId, Flight)> = files
            .remove_host(host)
            .into_iter()
            .filter_map(|chunk| Some((chunk, files.flights.remove(&chunk)?)))
            .collect();
        for (chunk, flight) in moved {
            self.chunk_fail_over(page, hash, chunk, flight, now, fx);
        }
    }

    /// `visitor` left `want:H`: it waits for no chunk any more.
    pub(super) fn chunks_visitor_gone(page: &mut Page, visitor: Peer) {
        if let Some(files) = page.files.as_mut() {
            files.remove_visitor(visitor);
        }
    }

    /// At a wake-up: chunks whose host let the deadline pass go to the
    /// next holder. Returns the next deadline.
    pub(super) fn chunks_due(
        &self,
        page: &mut Page,
        hash: PageHash,
        now: Instant,
        fx: &mut Effects,
    ) -> Option<Instant> {
        let files = page.files.as_mut()?;
        let due: Vec<ChunkId> =
            files.flights.iter().filter(|(_, f)| f.deadline <= now).map(|(chunk, _)| *chunk).collect();
        for chunk in due {
            let flight = page.files.as_mut().and_then(|files| files.flights.remove(&chunk)).expect("listed");
            if let Some(files) = page.files.as_mut() {
                files.done(flight.host);
            }
            if let Peer::Node(node) = flight.host {
                page.remote.late(node);
            }
            self.chunk_fail_over(page, hash, chunk, flight, now, fx);
        }
        page.files.as_ref()?.next_deadline()
    }

    /// The host of `flight` will not answer: the next untried holder is
    /// asked for whoever still waits.
    fn chunk_fail_over(
        &self,
        page: &mut Page,
        hash: PageHash,
        chunk: ChunkId,
        flight: Flight,
        now: Instant,
        fx: &mut Effects,
    ) {
        if flight.waiting.is_empty() {
            return;
        }
        self.metrics.chunk_failovers.inc();
        self.ask_chunk(page, hash, chunk, flight.waiting, flight.tried, now, fx);
    }

    /// Asks a holder of `chunk` here not yet tried, else (for this node's
    /// own visitors only) another node hosting the page; with none, tells
    /// whoever waits that nobody can send it.
    #[allow(clippy::too_many_arguments)]
    fn ask_chunk(
        &self,
        page: &mut Page,
        hash: PageHash,
        chunk: ChunkId,
        waiting: Vec<Peer>,
        mut tried: Vec<Peer>,
        now: Instant,
        fx: &mut Effects,
    ) {
        let files: &mut Files = page.files.get_or_insert_with(Box::default);
        let limit = files.index.as_ref().and_then(|index| index.payload_limit(chunk));
        let local = files.pick(chunk, &tried, &mut page.rng).map(Peer::Socket);
        let crossing = waiting.iter().any(|visitor| visitor.is_local());
        let remote = &page.remote;
        let host = local.or_else(|| {
            crossing.then(|| remote.ready().and_then(|nodes| untried(nodes, &tried, &mut page.rng))).flatten()
        });
        let (Some(limit), Some(host)) = (limit, host) else {
            self.metrics.chunks_unavailable.inc_by(waiting.iter().filter(|v| v.is_local()).count() as u64);
            fx.push(Effect::ChunkUnavailable { hash, chunk, visitors: waiting });
            return;
        };
        tried.push(host);
        let files = page.files.as_mut().expect("made above");
        files.asked(host);
        let deadline = now + self.config.chunk_timeout;
        files.flights.insert(chunk, Flight { host, deadline, tried, waiting });
        self.metrics.chunk_asks.inc();
        if !host.is_local() {
            self.metrics.cross_node_asks.inc();
        }
        fx.push(Effect::AskChunk { host, hash, chunk, limit });
        page.schedule(hash, deadline, fx);
    }
}
