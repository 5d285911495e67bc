//! One client of the relay, in two roles: the visitor of a page
//! (`machine`) and the keeper of "Your pages" (`keeper`). Both speak
//! Phoenix Channels V2 like the official client (string refs from a
//! counter, join_ref = the join's ref, a heartbeat every 30 s, frames whose
//! join_ref is stale dropped) and host pages the same way; this module is
//! what they share, so the two roles keep only what differs. Plain Rust, no
//! I/O: the browser glue (`socket.rs`) and the mirror feed a machine
//! [`Event`]s and carry out the [`Command`]s it returns.
//!
//! * `connection` — one socket's life: heartbeats, refs, reconnecting.
//! * `channels` — the channels wanted on it, joined and read frame by frame.
//! * `hosting` — what a host of a page answers: the page, the chat.
//!
//! One rule for a join the relay refuses (its per-socket caps, so the same
//! answer every time), in both roles, as phoenix.js does it: the topic stays
//! wanted and the socket stays up; a rejoin timer ([`Timer::Rejoin`]) joins
//! every refused topic again after 1 s, 2 s, 5 s, then every 10 s
//! ([`REJOIN_AFTER`], jittered), and a retried join that gets in starts
//! those delays over. Only when nothing at all is joined on the connection
//! (the visitor's one topic refused, every join of a keeper refused) is the
//! socket closed and a new one opened on the reconnect back-off, which such
//! a connection does not start over: a relay that refuses everything is
//! asked later each time.

pub(crate) mod channels;
pub(crate) mod connection;
pub(crate) mod hosting;

pub use channels::{rejoin_after, REJOIN_AFTER};
pub use connection::{Backoff, Connection, HEARTBEAT_EVERY};

use crate::chat::Message;
use crate::chunk::ChunkId;
use std::time::Duration;

/// What the browser glue (and the mirror) drives: events in, commands out,
/// with the wall clock set before each step.
pub trait Machine {
    /// Sets the wall clock (ms since the epoch) the next step sees.
    fn set_now(&mut self, now_ms: u64);
    /// Advances the machine by one event.
    fn step(&mut self, event: Event) -> Vec<Command>;
    /// The file page whose chunks this machine takes, and its manifest's
    /// wire text (for the glue's storage commands).
    fn file_page(&self) -> Option<(crate::protocol::PageHash, &str)> {
        None
    }
    /// The page's text this machine hosts, for a visitor that asks over a
    /// direct connection.
    fn page_text(&self) -> Option<&str> {
        None
    }
}

/// Timers the machine arms; arming one again replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Ask for the page again.
    Retry,
    /// Send a heartbeat (or give up on a connection whose last one went unanswered).
    Heartbeat,
    /// Open a new connection.
    Reconnect,
    /// Join again, on the open connection, the topics whose join was refused.
    Rejoin,
    /// Ask for a file page's chunks again (one refused as unavailable, or
    /// after the relay's rate).
    Files,
    /// A direct connection's deadline: one not open in time gives way to
    /// the relay, one that broke is tried again, a host's unopened ones close.
    Direct,
    /// The page's end (SPEC §15): this tab lets it go.
    End,
}

/// What happens to the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The WebSocket opened.
    Opened,
    /// The WebSocket closed or failed (or was closed by a `Disconnect`).
    Closed,
    /// A text frame arrived.
    Frame(String),
    /// A timer fired.
    Timer(Timer),
    /// The page's text as the server put it in the first response, not yet
    /// checked: kept and hosted if it hashes to the page, discarded (and
    /// the peers asked as usual) if not.
    Offered(String),
    /// This tab says something in the page's chat (only a host can).
    Say(Message),
    /// A binary frame arrived (a file page's chunk).
    Binary(Vec<u8>),
    /// The glue opened a file page's storage ([`Command::OpenFiles`]):
    /// these chunks are held already (every one, for the files' author).
    FilesReady(Vec<ChunkId>),
    /// The glue stored a chunk ([`Command::StoreChunk`]), or could not.
    ChunkStored(ChunkId, bool),
    /// The glue read a chunk asked for ([`Command::ReadChunk`]): its
    /// payload as it travels (id, proof, bytes), or none.
    ChunkRead(ChunkId, Option<Vec<u8>>),
    /// The person paused (true) or resumed (false) the download.
    PauseFiles(bool),
    /// A direct connection (WebRTC) did something, or brought the page.
    Direct(DirectEvent),
}

/// What the glue's peer connections report (SPEC §14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectEvent {
    /// The visitor's connection to a host of the page.
    Visitor(crate::signal::VisitorEvent),
    /// One of this host's connections to a visitor.
    Host(crate::signal::HostEvent),
    /// One answer put together on the visitor's channel (unchecked): the
    /// page's text while the page is wanted, else a chunk's payload.
    Answer(Vec<u8>),
    /// The host the visitor is connected to does not hold this chunk.
    NotHeld(ChunkId),
    /// A visitor connected to this host asks for a chunk.
    Asked { peer: u32, id: ChunkId },
}

/// What the glue must do with peer connections; signals to send are the
/// machine's own business (it pushes them on the page's topics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectCommand {
    Visitor(crate::signal::VisitorCommand),
    Host(crate::signal::HostCommand),
    /// Ask the connected host for the page (`page`).
    AskPage,
    /// Ask the connected host for a chunk (`chunk F I`).
    AskChunk(ChunkId),
    /// Send a visitor a chunk's payload (in parts, then `end`), queued
    /// behind what is sent already and paced by the channel's buffer.
    SendChunk {
        peer: u32,
        payload: Vec<u8>,
    },
    /// Tell a visitor this host does not hold a chunk (`none F I`).
    NotHeld {
        peer: u32,
        id: ChunkId,
    },
}

/// What the glue must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Open a WebSocket to the relay (`/ws/websocket?vsn=2.0.0`).
    Connect,
    /// Close the current WebSocket; the glue then reports `Closed`.
    Disconnect,
    /// Send a text frame.
    Send(String),
    /// Arm a timer, replacing the same one if armed.
    Schedule(Timer, Duration),
    /// Disarm a timer.
    Cancel(Timer),
    /// Send a binary frame.
    SendBinary(Vec<u8>),
    /// The page is a file page: open its storage and answer
    /// [`Event::FilesReady`] with the chunks already held.
    OpenFiles,
    /// Store this checked chunk (its payload as it travelled, proof
    /// included, so it can be served as it came); answer [`Event::ChunkStored`].
    StoreChunk(ChunkId, Vec<u8>),
    /// Read this held chunk's payload for a visitor; answer [`Event::ChunkRead`].
    ReadChunk(ChunkId),
    /// Make, answer, feed or close a peer connection; ask over an open one.
    Direct(DirectCommand),
}

/// Frames as the relay sends them, for the machines' tests.
#[cfg(test)]
pub(crate) mod test_frames {
    use super::Event;
    use crate::phoenix::{self, Ref, Vsn};
    use crate::protocol::Topic;

    /// A frame from the relay; `payload` is the JSON object's text.
    pub(crate) fn server(
        join_ref: Option<&str>,
        msg_ref: Option<&str>,
        topic: Topic,
        event: &str,
        payload: &str,
    ) -> Event {
        let payload: &serde_json::value::RawValue = serde_json::from_str(payload).unwrap();
        Event::Frame(phoenix::encode(
            Vsn::V2,
            join_ref.map(Ref::from).as_ref(),
            msg_ref.map(Ref::from).as_ref(),
            &topic.to_string(),
            event,
            payload,
        ))
    }
}
