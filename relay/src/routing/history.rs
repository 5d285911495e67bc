//! A chat history asked for on a page: who waits for it, who was asked.
//! How it is routed is in `chat.rs`.

use super::peer::Peer;
use std::time::Instant;

/// A chat history asked for. The askers are hosts of the page themselves
/// (or other nodes): never asked.
#[derive(Debug)]
pub(super) struct HistoryAsk {
    /// Who waits for the answer.
    pub askers: Vec<Peer>,
    /// The host asked last.
    pub host: Peer,
    /// When the next host is asked if this one has not answered.
    pub deadline: Instant,
    /// Hosts already asked.
    pub tried: Vec<Peer>,
}
