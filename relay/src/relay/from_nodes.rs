//! What the site's other nodes say, carried out: the relay is the
//! backplane's [`Handler`] through its weak handle, and every event turns
//! into the routing's inputs, checked again first (the backplane and the
//! other nodes are not trusted either).

use super::{wall_ms, Relay, WeakRelay};
use crate::backplane::{Event, Handler};
use crate::frame::{ChunkFrame, SharedFrame};
use crate::routing::{Answer, ChunkAnswer, Input, NodeId, Peer, Side};
use ep2p_core::chat;
use ep2p_core::protocol::{PageHash, Topic};

/// The relay hears the backplane through its weak handle: a backplane's
/// task never keeps a relay alive.
impl Handler for WeakRelay {
    fn handle(&self, event: Event<'_>) {
        if let Some(relay) = self.upgrade() {
            relay.on_backplane(event);
        }
    }

    fn local_count(&self, page: PageHash) -> usize {
        self.upgrade().map_or(0, |relay| relay.0.hub.local_count(page))
    }
}

impl Relay {
    /// What another node said, carried out: every input the site's
    /// events give the routing is here. To the routing, another node is one
    /// more host with a count, or one more visitor ([`Peer::Node`]).
    pub fn on_backplane(&self, event: Event<'_>) {
        match event {
            Event::Count { node, page, count } => {
                self.handle(Input::RemoteCount { node, hash: page, count });
            }
            // A one-time page goes to a reader on its author's node only:
            // another node could not tell a reader from its own gateway.
            Event::Ask { page, .. } if self.0.once.is_one_time(page) => {}
            Event::Ask { node, page } => {
                let asker = Peer::Node(node);
                self.handle(Input::JoinVisitor { visitor: asker, hash: page });
                self.handle(Input::Request { visitor: asker, hash: page });
            }
            Event::Content { node, page, content } => {
                // Checked again here: the backplane and the other node are not trusted either.
                let text = serde_json::from_str::<String>(content.get()).ok();
                let verified = text.as_ref().is_some_and(|text| page.matches(text));
                let ended =
                    text.as_deref().is_some_and(|text| ep2p_core::lifetime::has_ended(text, wall_ms()));
                let text_once = text.as_deref().is_some_and(ep2p_core::lifetime::is_once);
                if let Some(text) = text.filter(|_| verified) {
                    self.learn_files(page, &text);
                }
                let answer = match (verified, ended) {
                    (true, false) if text_once => Answer::Once(SharedFrame::content(page, content)),
                    (true, false) => Answer::Verified(SharedFrame::content(page, content)),
                    (true, true) => Answer::Ended,
                    (false, _) => Answer::Forged,
                };
                self.handle(Input::Content { host: Peer::Node(node), hash: page, answer });
            }
            Event::Chat { node, page, message } => {
                // Checked again: the backplane and the other node are not trusted either.
                let checked = chat::read_message(message.get()).and_then(|m| m.check_date(wall_ms()));
                if checked.is_ok() && self.0.hub.host_sockets(page) > 0 {
                    self.chat(Peer::Node(node), page, SharedFrame::chat(page, message));
                }
            }
            Event::HistoryAsk { node, page } => {
                self.handle(Input::HistoryRequest { asker: Peer::Node(node), hash: page });
            }
            Event::History { node, page, messages } => {
                let answer = chat::check_history(messages, wall_ms())
                    .ok()
                    .map(|_| SharedFrame::history(page, messages));
                self.handle(Input::HistoryAnswer { host: Peer::Node(node), hash: page, answer });
            }
            Event::ChunkAsk { node, page, chunk } => {
                self.handle(Input::ChunkRequest { visitor: Peer::Node(node), hash: page, chunk });
            }
            Event::Chunk { node, page, chunk, payload: None } => {
                self.handle(Input::ChunkRefused { node, hash: page, chunk });
            }
            Event::Chunk { node, page, chunk, payload: Some(payload) } => {
                // Checked again here: the backplane and the other node are not trusted either.
                let checked = ep2p_core::chunk::ChunkPayload::parse(payload)
                    .ok()
                    .filter(|p| p.id == chunk && self.0.hub.files(page).is_some_and(|index| index.verify(p)));
                let answer = match checked {
                    Some(p) => ChunkAnswer::Verified(ChunkFrame::new(page, chunk, payload, p.data.len())),
                    None => ChunkAnswer::Forged(chunk),
                };
                self.handle(Input::Chunk { host: Peer::Node(node), hash: page, answer });
            }
            Event::Signal { node, page, pair, signal } => {
                self.signal_from_node(node, page, pair, signal.get())
            }
            Event::NodeGone { node, pages } => {
                for page in pages {
                    self.handle(Input::RemoteCount { node, hash: *page, count: 0 });
                }
            }
        }
    }

    /// A direct connection's signal another node passed on: checked as
    /// strictly as a socket's (the backplane and the other node are not
    /// trusted either), and forwarded to the side of the pair here.
    fn signal_from_node(&self, node: NodeId, page: PageHash, pair: u32, json: &str) {
        use ep2p_core::signal::{Signal, SignalFrame};
        let Ok(signal) = SignalFrame::parse(json).map_err(|_| self.0.metrics.backplane_malformed.inc())
        else {
            return;
        };
        if signal.peer != Some(pair) {
            self.0.metrics.backplane_malformed.inc();
            return;
        }
        let (offer, bye) = (matches!(signal.signal, Signal::Offer(_)), signal.signal == Signal::Bye);
        let Some((socket, side, peer)) = self.0.hub.signal_from_node(node, page, pair, offer, bye) else {
            return;
        };
        // Offers and candidates from the visitor's side go to the host
        // (have:H), answers and the host's candidates to the visitor (want:H).
        let misplaced = matches!(
            (side, &signal.signal),
            (Side::Host, Signal::Answer(_)) | (Side::Visitor, Signal::Offer(_))
        );
        if !misplaced {
            let topic = match side {
                Side::Host => Topic::Have(page),
                Side::Visitor => Topic::Want(page),
            };
            self.signal(socket, topic, signal.for_peer(peer).to_json());
        }
    }
}
