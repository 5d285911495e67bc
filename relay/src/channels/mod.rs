//! One socket's Phoenix channels, without the socket: the frames it sends
//! come in as text ([`Session::on_text`]), the replies it is owed queue up
//! in the session's `out`, and what the routing must hear goes to the relay
//! as [`Input`]s. What is common to every topic (decoding, the heartbeat,
//! joins and leaves, stale join_refs, error replies) is here; each topic's
//! own events are handled by its module: [`want`], [`have`], [`watch`].
//! The socket task (`socket.rs`) owns one session and writes `out`.

pub mod direct;
pub mod have;
pub mod want;
pub mod watch;

#[cfg(test)]
mod tests;

use crate::bucket::Bucket;
use crate::metrics::Reject;
use crate::relay::{now, Outbound, Relay};
use crate::routing::{Input, SocketId};
use ep2p_core::chat;
use ep2p_core::chunk::ChunkId;
use ep2p_core::phoenix::binary;
use ep2p_core::phoenix::{self, Empty, Frame, FrameError, Reason, Ref, Reply, Status, Vsn};
use ep2p_core::protocol::{event, PageHash, ProtocolError, Topic, VisitorsCount};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;
use tokio::time::Instant;
use tungstenite::Message;

/// Chunk asks a host may owe at once, as the socket keeps them (each lets
/// it send one chunk): past this, an ask is not passed on and the hub's
/// deadline moves it to another holder. An honest host answers long
/// before; a silent one cannot grow the socket's memory.
const MOST_OWED_CHUNKS: usize = 1024;

/// Close codes (RFC 6455 §7.4.1).
pub mod close_code {
    pub const AWAY: u16 = 1001;
    pub const UNSUPPORTED: u16 = 1003;
    pub const POLICY: u16 = 1008;
    pub const SIZE: u16 = 1009;
}

/// How many log lines about one socket's misbehaviour per interval, at most.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Why a socket is being closed: a WebSocket close code and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    pub(crate) fn new(code: u16, reason: impl Into<String>) -> Self {
        let mut reason: String = reason.into();
        // A close frame's reason has at most 123 bytes.
        while reason.len() > 123 {
            reason.pop();
        }
        Self { code, reason }
    }
}

/// The per-socket protocol state.
pub struct Session {
    pub(crate) conn: SocketId,
    /// The client's address (an IPv6 client's /64), for the log lines an
    /// operator would block it by.
    address: IpAddr,
    vsn: Vsn,
    relay: Relay,
    /// Joined topics and the join_ref each was joined with (refs of at
    /// most `max_ref_bytes`).
    channels: HashMap<Topic, Option<Ref>>,
    /// What the relay asked this socket for (as a host) and it has not yet
    /// answered, with how many times: only while it owes an answer may it
    /// send a message larger than a control frame. At most two entries per
    /// `have:` channel.
    owed: HashMap<have::Ask, u32>,
    /// Chunks the relay asked this socket for (as a host) and it has not
    /// sent, with how many times; and the largest payload any of them
    /// allows since none was owed.
    owed_chunks: HashMap<(PageHash, ChunkId), u32>,
    owed_chunk_limit: usize,
    /// Chunks this socket asked for (as a visitor) and has not been sent
    /// nor told are unavailable: at most `max_chunks_in_flight`.
    wanted: HashSet<(PageHash, ChunkId)>,
    /// Bytes of chunks this socket may ask for, refilled each second.
    chunk_bytes: Bucket,
    /// `content_request`s (and `chat_history` requests) allowed.
    requests: Bucket,
    /// `chat` messages allowed.
    chats: Bucket,
    /// `signal`s allowed (direct connections' set-up).
    signals: Bucket,
    /// Pairs made for this socket whose outcome it has not reported.
    direct_reports: u32,
    /// Of those, reported opened and not reported broken.
    direct_opened: u32,
    /// Frames of any kind allowed.
    frames: Bucket,
    /// Frames to write before reading again.
    pub(crate) out: Vec<Message>,
    /// Misbehaviour is logged once per [`LOG_EVERY`]; until then, counted.
    quiet_until: Option<Instant>,
    unlogged: u32,
}

/// However the socket's task ends, its channels leave the hub: a host that
/// vanishes is counted out and its pending ask goes to another host.
impl Drop for Session {
    fn drop(&mut self) {
        for (topic, _) in std::mem::take(&mut self.channels) {
            self.leave_hub(topic);
        }
    }
}

impl Session {
    /// The session of socket `conn` (registered with `relay`), from `address`.
    pub fn new(conn: SocketId, address: IpAddr, vsn: Vsn, relay: Relay) -> Self {
        let limits = relay.limits().clone();
        Self {
            conn,
            address,
            vsn,
            relay,
            channels: HashMap::new(),
            owed: HashMap::new(),
            owed_chunks: HashMap::new(),
            owed_chunk_limit: 0,
            wanted: HashSet::new(),
            chunk_bytes: Bucket::new(limits.chunk_bytes_per_second, now()),
            requests: Bucket::new(limits.requests_per_second, now()),
            chats: Bucket::per(chat::RATE_MESSAGES, chat::RATE_WINDOW, now()),
            signals: Bucket::new(limits.signals_per_second, now()),
            direct_reports: 0,
            direct_opened: 0,
            frames: Bucket::new(limits.frames_per_second, now()),
            out: Vec::new(),
            quiet_until: None,
            unlogged: 0,
        }
    }

    pub(crate) fn relay(&self) -> &Relay {
        &self.relay
    }

    /// `watch:` topics this socket has joined.
    fn watched(&self) -> usize {
        self.channels.keys().filter(|topic| matches!(topic, Topic::Watch(_))).count()
    }

    /// True when this socket has joined some `have:` topic.
    pub fn hosts_a_page(&self) -> bool {
        self.channels.keys().any(|topic| matches!(topic, Topic::Have(_)))
    }

    /// True while the relay has asked this socket for a page or a chat
    /// history that it has not sent yet: only then may it send a large
    /// message. Hosting a page is not enough (anyone may join `have:`).
    pub fn owes_an_answer(&self) -> bool {
        !self.owed.is_empty()
    }

    /// The socket sent what `ask` asked for (or something in its place).
    fn answered(&mut self, ask: have::Ask) {
        if let Some(count) = self.owed.get_mut(&ask) {
            *count -= 1;
            if *count == 0 {
                self.owed.remove(&ask);
            }
        }
    }

    /// The largest message this socket may send now: a page or a chat
    /// history while it owes the relay one (it was asked and has not
    /// answered), a chunk it owes, else a control frame. Joining `have:`
    /// alone lifts nothing: anyone may.
    pub fn message_limit(&self, limits: &crate::Limits) -> usize {
        if self.owes_an_answer() {
            limits.max_message()
        } else if !self.owed_chunks.is_empty() {
            // The payload and a binary push's header (five length bytes, four short strings).
            (self.owed_chunk_limit + 5 + 4 * binary::MAX_STRING).max(limits.control_frame_limit)
        } else {
            limits.control_frame_limit
        }
    }

    /// The socket's channel on `topic` is gone: so is what it owed or
    /// waited for there.
    fn forget_channel(&mut self, topic: Topic) {
        self.channels.remove(&topic);
        match topic {
            Topic::Have(hash) => {
                self.relay.once().release(hash, self.conn);
                self.owed.retain(|ask, _| ask.page() != hash);
                self.owed_chunks.retain(|(page, _), _| *page != hash);
            }
            Topic::Want(hash) => self.wanted.retain(|(page, _)| *page != hash),
            _ => {}
        }
    }

    /// The socket sent chunk `chunk` of `hash`: true if it was asked for it.
    fn chunk_answered(&mut self, hash: PageHash, chunk: ChunkId) -> bool {
        let key = (hash, chunk);
        let Some(count) = self.owed_chunks.get_mut(&key) else { return false };
        *count -= 1;
        if *count == 0 {
            self.owed_chunks.remove(&key);
        }
        if self.owed_chunks.is_empty() {
            self.owed_chunk_limit = 0;
        }
        true
    }

    /// Takes a frame from the socket's budget; a socket past it is closed.
    pub fn frame_allowed(&mut self) -> Result<(), Close> {
        if self.frames.take(now()) {
            return Ok(());
        }
        self.relay.metrics().reject(Reject::RateLimited);
        Err(Close::new(close_code::POLICY, "too many frames"))
    }

    /// Whether to log one more piece of misbehaviour now; returns how many
    /// went unlogged since the last line (so a flood costs one line per interval).
    fn may_log(&mut self) -> Option<u32> {
        let now = Instant::now();
        if self.quiet_until.is_some_and(|until| now < until) {
            self.unlogged += 1;
            return None;
        }
        self.quiet_until = Some(now + LOG_EVERY);
        Some(std::mem::take(&mut self.unlogged))
    }

    /// A frame the relay queued for this socket, encoded for it.
    pub fn queue_outbound(&mut self, frame: Outbound) {
        match frame {
            Outbound::Shared(shared) => self.out.push(Message::Text(shared.bytes(self.vsn))),
            Outbound::Ask(hash) => self.ask(have::Ask::Page(*hash)),
            Outbound::AskHistory(hash) => self.ask(have::Ask::History(*hash)),
            Outbound::AskChunk(ask) => have::ask_chunk(self, *ask),
            Outbound::Chunk(frame) => {
                // Only what this socket asked for and still waits for.
                if self.wanted.remove(&(frame.hash(), frame.chunk())) {
                    self.out.push(Message::Binary(frame.bytes()));
                }
            }
            Outbound::Signal(signal) => {
                let (topic, payload) = *signal;
                // Only while the socket is still on the page.
                if let Some(join_ref) = self.channels.get(&topic).cloned() {
                    let payload =
                        serde_json::value::RawValue::from_string(payload).expect("a signal is JSON");
                    self.push(join_ref.as_ref(), None, &topic.to_string(), event::SIGNAL, &payload);
                }
            }
            Outbound::Notice(notice) => {
                let (topic, event) = *notice;
                if let Some(join_ref) = self.channels.get(&topic).cloned() {
                    self.push(join_ref.as_ref(), None, &topic.to_string(), event, &Empty {});
                }
            }
            Outbound::ChunkUnavailable(what) => {
                let (hash, chunk) = *what;
                if self.wanted.remove(&(hash, chunk)) {
                    let topic = Topic::Want(hash).to_string();
                    self.push(None, None, &topic, event::CHUNK_UNAVAILABLE, &chunk);
                }
            }
        }
    }

    /// Asks this host for the page (or its chat): `{}` on its `have:H`.
    /// From now until it answers, it may send a large message.
    fn ask(&mut self, ask: have::Ask) {
        let topic = Topic::Have(ask.page());
        // The host may have left since the ask was queued.
        if let Some(join_ref) = self.channels.get(&topic).cloned() {
            *self.owed.entry(ask).or_default() += 1;
            let topic = topic.to_string();
            self.push(join_ref.as_ref(), None, &topic, ask.event(), &Empty {});
        }
    }

    fn push(
        &mut self,
        join_ref: Option<&Ref>,
        msg_ref: Option<&Ref>,
        topic: &str,
        event: &str,
        payload: &impl Serialize,
    ) {
        self.out
            .push(Message::Text(phoenix::encode(self.vsn, join_ref, msg_ref, topic, event, payload).into()));
    }

    fn reply(
        &mut self,
        join_ref: Option<&Ref>,
        msg_ref: Option<&Ref>,
        topic: &str,
        status: Status,
        response: &impl Serialize,
    ) {
        self.push(join_ref, msg_ref, topic, event::REPLY, &Reply { status, response });
    }

    fn error_reply(&mut self, join_ref: Option<&Ref>, frame: &Frame<'_>, reason: &str) {
        self.error_to(join_ref, frame.msg_ref.as_ref(), &frame.topic, reason);
    }

    fn error_to(&mut self, join_ref: Option<&Ref>, msg_ref: Option<&Ref>, topic: &str, reason: &str) {
        self.reply(join_ref, msg_ref, topic, Status::Error, &Reason { reason: reason.into() });
    }

    /// Counts a refusal and answers it with an error reply; the socket stays.
    fn refuse(&mut self, reason: Reject, join_ref: Option<&Ref>, frame: &Frame<'_>, text: &str) {
        self.relay.metrics().reject(reason);
        self.error_reply(join_ref, frame, text);
    }

    /// Handles one text frame. Replies are queued in `self.out`; an `Err`
    /// closes the socket.
    pub fn on_text(&mut self, text: &str) -> Result<(), Close> {
        self.relay.metrics().frames_in.inc();
        self.frame_allowed()?;
        if let Some(handled) = have::content_in_one_pass(self, text) {
            return handled;
        }
        // Only `content` may be large: anything else over the limit is
        // refused as soon as its event is known.
        let frame = Frame::decode_within(
            self.vsn,
            text,
            self.relay.limits().control_frame_limit,
            event::may_be_large,
        )
        .map_err(|error| match error {
            FrameError::TooBig => {
                self.relay.metrics().reject(Reject::TooBig);
                Close::new(close_code::SIZE, "frame too big")
            }
            error => {
                self.relay.metrics().reject(Reject::Malformed);
                Close::new(close_code::POLICY, error.to_string())
            }
        })?;
        self.refs_within_bound(&frame)?;

        let topic = match Topic::parse(&frame.topic) {
            Ok(topic) => topic,
            Err(error) => {
                let reason = match error {
                    ProtocolError::InvalidHash => Reject::InvalidHash,
                    _ => Reject::UnmatchedTopic,
                };
                self.refuse(reason, None, &frame, &error.to_string());
                return Ok(());
            }
        };

        match (topic, frame.event.as_ref()) {
            (Topic::Phoenix, event::HEARTBEAT) => {
                self.reply(None, frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &Empty {});
                Ok(())
            }
            (Topic::Phoenix, _) => {
                self.refuse(Reject::UnmatchedTopic, None, &frame, &ProtocolError::UnmatchedTopic.to_string());
                Ok(())
            }
            (_, event::JOIN) => {
                self.join(topic, &frame);
                Ok(())
            }
            (_, event::LEAVE) => {
                self.leave(topic, &frame);
                Ok(())
            }
            _ => self.channel_event(topic, &frame),
        }
    }

    /// Handles one binary frame: a V2 client push, whose only use is a
    /// host's chunk on `have:H`. Anything else is refused as a text frame
    /// would be; on a V1 socket, binary frames close it (1003).
    pub fn on_binary(&mut self, bytes: &[u8]) -> Result<(), Close> {
        self.relay.metrics().binary_frames_in.inc();
        self.frame_allowed()?;
        if self.vsn != Vsn::V2 {
            self.relay.metrics().reject(Reject::Binary);
            return Err(Close::new(
                close_code::UNSUPPORTED,
                "binary frames need the V2 serializer (vsn=2.0.0)",
            ));
        }
        let push = binary::decode_client_push(bytes).map_err(|error| {
            self.relay.metrics().reject(Reject::Malformed);
            Close::new(close_code::POLICY, format!("malformed binary frame: {error}"))
        })?;
        let join_ref = push.join_ref.map(|r| Ref::Text(r.into()));
        let msg_ref = push.reference.map(|r| Ref::Text(r.into()));
        let most = self.relay.limits().max_ref_bytes;
        if !ref_within(join_ref.as_ref(), most) || !ref_within(msg_ref.as_ref(), most) {
            self.relay.metrics().reject(Reject::LongRef);
            return Err(Close::new(close_code::POLICY, format!("malformed frame: ref over {most} bytes")));
        }
        let refuse = |session: &mut Self, reason: Reject, text: &str| {
            session.relay.metrics().reject(reason);
            session.error_to(join_ref.as_ref(), msg_ref.as_ref(), push.topic, text);
        };
        let topic = match Topic::parse(push.topic) {
            Ok(topic) => topic,
            Err(error) => {
                refuse(self, Reject::UnmatchedTopic, &error.to_string());
                return Ok(());
            }
        };
        let Some(joined) = self.channels.get(&topic).cloned() else {
            refuse(self, Reject::UnmatchedTopic, &ProtocolError::UnmatchedTopic.to_string());
            return Ok(());
        };
        if join_ref.is_some() && join_ref != joined {
            // For an older join of this topic: dropped, as Phoenix does.
            return Ok(());
        }
        match (topic, push.event) {
            (Topic::Have(hash), event::CHUNK) => {
                have::chunk(self, hash, joined.as_ref(), msg_ref.as_ref(), &push);
                Ok(())
            }
            _ => {
                refuse(self, Reject::Binary, "binary frames carry only chunks, on have:H");
                Ok(())
            }
        }
    }

    /// Refs are echoed and a join's is kept: a frame with one longer than
    /// `max_ref_bytes` closes the socket, as any malformed frame does.
    fn refs_within_bound(&self, frame: &Frame<'_>) -> Result<(), Close> {
        let most = self.relay.limits().max_ref_bytes;
        if ref_within(frame.join_ref.as_ref(), most) && ref_within(frame.msg_ref.as_ref(), most) {
            return Ok(());
        }
        self.relay.metrics().reject(Reject::LongRef);
        Err(Close::new(close_code::POLICY, format!("malformed frame: ref over {most} bytes")))
    }

    fn join(&mut self, topic: Topic, frame: &Frame<'_>) {
        let join_ref = frame.join_ref.clone();
        let previous = self.channels.get(&topic).cloned();
        let watch = matches!(topic, Topic::Watch(_));
        let (held, most) = if watch {
            (self.watched(), self.relay.limits().max_watched)
        } else {
            (self.channels.len() - self.watched(), self.relay.limits().max_topics)
        };
        if previous.is_none() && held >= most {
            let reason = if watch { "too many pages watched" } else { "too many channels joined" };
            self.refuse(Reject::TooManyTopics, join_ref.as_ref(), frame, reason);
            return;
        }
        if let Err(reason) = self.may_join_once(topic, frame) {
            self.refuse(Reject::OneTime, join_ref.as_ref(), frame, reason);
            return;
        }
        self.channels.insert(topic, join_ref.clone());
        let (hash, input) = match topic {
            Topic::Have(hash) => (hash, have::joined(self.conn, hash)),
            Topic::Want(hash) => (hash, want::joined(self.conn, hash)),
            Topic::Watch(hash) => (hash, watch::joined(self.conn, hash)),
            Topic::Phoenix => unreachable!("the phoenix topic is refused before"),
        };
        self.relay.handle(input);
        // The joiner learns the count in its join reply: no extra frame.
        let count = VisitorsCount { count: self.relay.health(hash).hosts };
        self.reply(join_ref.as_ref(), frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &count);
        if let Some(old) = previous {
            // A duplicate join replaces the channel; the old one is closed
            // with its own join_ref, which the client has already dropped.
            self.push(old.as_ref(), old.as_ref(), &frame.topic, event::CLOSE, &Empty {});
        }
    }

    fn leave(&mut self, topic: Topic, frame: &Frame<'_>) {
        match self.channels.get(&topic) {
            None => {
                // Phoenix: an ok reply and no phx_close.
                self.reply(
                    frame.join_ref.as_ref(),
                    frame.msg_ref.as_ref(),
                    &frame.topic,
                    Status::Ok,
                    &Empty {},
                );
            }
            Some(stored) if frame.join_ref.is_some() && frame.join_ref != *stored => {
                // A leave for an older join of this topic: dropped, as Phoenix does.
            }
            Some(stored) => {
                let stored = stored.clone();
                self.forget_channel(topic);
                self.leave_hub(topic);
                self.reply(stored.as_ref(), frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &Empty {});
                self.push(stored.as_ref(), stored.as_ref(), &frame.topic, event::CLOSE, &Empty {});
            }
        }
    }

    /// A one-time page's rules for a join (SPEC §15, `crate::once`): its
    /// author claims it as its first host, then nobody else hosts it; once
    /// read, nobody joins it.
    fn may_join_once(&self, topic: Topic, frame: &Frame<'_>) -> Result<(), &'static str> {
        let once = self.relay.once();
        match topic {
            Topic::Have(hash) => {
                #[derive(serde::Deserialize)]
                struct Join {
                    #[serde(default)]
                    once: bool,
                }
                let claims = frame.payload_as::<Join>().is_ok_and(|j| j.once);
                once.may_host(hash, self.conn, claims, self.relay.health(hash).hosts)
            }
            Topic::Want(hash) if once.was_read(hash) => Err(crate::once::ALREADY_READ),
            _ => Ok(()),
        }
    }

    fn leave_hub(&self, topic: Topic) {
        if let Topic::Have(hash) = topic {
            self.relay.once().release(hash, self.conn);
        }
        let input: Input = match topic {
            Topic::Have(hash) => have::left(self.conn, hash),
            Topic::Want(hash) => want::left(self.conn, hash),
            Topic::Watch(hash) => watch::left(self.conn, hash),
            Topic::Phoenix => return,
        };
        self.relay.handle(input);
    }

    /// An event on a joined channel (in good standing), for its topic's handler.
    fn channel_event(&mut self, topic: Topic, frame: &Frame<'_>) -> Result<(), Close> {
        let Some(join_ref) = self.channels.get(&topic).cloned() else {
            self.refuse(Reject::UnmatchedTopic, None, frame, &ProtocolError::UnmatchedTopic.to_string());
            return Ok(());
        };
        if frame.join_ref.is_some() && frame.join_ref != join_ref {
            // A message for an older join of this topic: dropped, as Phoenix does.
            return Ok(());
        }
        let join_ref = join_ref.as_ref();
        match topic {
            Topic::Want(hash) => want::event(self, hash, join_ref, frame),
            Topic::Have(hash) => have::event(self, hash, join_ref, frame),
            Topic::Watch(hash) => watch::event(self, hash, join_ref, frame),
            Topic::Phoenix => unreachable!("the phoenix topic is handled before"),
        }
    }
}

/// A ref no longer than `most` bytes of text (a number as JSON writes it).
pub(crate) fn ref_within(r: Option<&Ref>, most: usize) -> bool {
    match r {
        None => true,
        Some(Ref::Text(text)) => text.len() <= most,
        Some(Ref::Number(number)) => number.to_string().len() <= most,
    }
}
