//! One task per WebSocket: a `select!` loop over the socket, the outbound
//! queue, the idle deadline and shutdown. The socket's channels (topic →
//! join_ref) belong to this task alone, so they need no lock. Errors are
//! decided here, at the edge: an error reply, or a close with a reason.

use crate::bucket::Bucket;
use crate::frame::SharedFrame;
use crate::hub::{Answer, ConnId};
use crate::meter::{MessageTooBig, Meter};
use crate::metrics::Reject;
use crate::relay::{now, wall_ms, Admission, Outbound, Relay};
use ep2p_core::chat::{self, ChatError, RawHistory};
use ep2p_core::protocol::{
    self, event, ContentFrame, ContentRequest, Empty, Frame, PageHash, ProtocolError, RawContent, Reason,
    Ref, Reply, Status, Topic, VisitorsCount, Vsn,
};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::WebSocketStream;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, Utf8Bytes};

/// A client's WebSocket, its bytes metered (see `meter`).
pub type WebSocket = WebSocketStream<Meter<TokioIo<hyper::upgrade::Upgraded>>>;

/// Close codes (RFC 6455 §7.4.1).
mod close_code {
    pub const AWAY: u16 = 1001;
    pub const UNSUPPORTED: u16 = 1003;
    pub const POLICY: u16 = 1008;
    pub const SIZE: u16 = 1009;
}

/// How many log lines about one socket's misbehaviour per interval, at most.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Frames written per flush at most, so one busy socket cannot starve its
/// own reads.
const WRITE_BATCH: usize = 64;

/// How long a closing socket waits for the client's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Why a socket is being closed: a WebSocket close code and a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        let mut reason: String = reason.into();
        // A close frame's reason has at most 123 bytes.
        while reason.len() > 123 {
            reason.pop();
        }
        Self { code, reason }
    }
}

/// Resolves once the server starts shutting down (or the relay is gone).
async fn shutdown_requested(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|down| *down).await;
}

/// Runs one socket until it closes.
pub async fn serve_socket(mut socket: WebSocket, relay: Relay, vsn: Vsn, admission: Admission) {
    let address = admission.address();
    let mut reg = relay.register(admission);
    let limits = relay.limits().clone();
    let mut session = Session {
        conn: reg.conn,
        address,
        vsn,
        relay: relay.clone(),
        channels: HashMap::new(),
        requests: Bucket::new(limits.requests_per_second, now()),
        chats: Bucket::per(chat::RATE_MESSAGES, chat::RATE_WINDOW, now()),
        frames: Bucket::new(limits.frames_per_second, now()),
        out: Vec::new(),
        quiet_until: None,
        unlogged: 0,
    };
    tracing::debug!(conn = reg.conn, %address, ?vsn, "socket opened");

    // Futures that live as long as the socket: made once, not per frame.
    let idle = sleep_until(Instant::now() + limits.heartbeat_timeout.min(limits.message_timeout));
    let overflowed = reg.overflow.notified();
    let shutdown = shutdown_requested(&mut reg.shutdown);
    tokio::pin!(idle, overflowed, shutdown);
    // Moving a timer on every frame costs more than checking when it fires.
    let mut last_heard = Instant::now();
    let close = loop {
        tokio::select! {
            biased;
            _ = &mut shutdown => break Some(Close::new(close_code::AWAY, "server shutting down")),
            _ = &mut overflowed => break Some(Close::new(close_code::POLICY, "too slow: outbound queue full")),
            _ = &mut idle => {
                let now = Instant::now();
                if let Some(close) = overdue(&socket, last_heard, now, &limits, &relay) {
                    break Some(close);
                }
                // Checked again by the heartbeat deadline, or sooner while a
                // message is in progress (it must not take longer than allowed).
                idle.as_mut().reset((last_heard + limits.heartbeat_timeout).min(now + limits.message_timeout));
            }
            inbound = socket.next() => {
                let message = match inbound {
                    None | Some(Ok(Message::Close(_))) => break None,
                    Some(Err(error)) => break session.transport_error(error),
                    Some(Ok(message)) => message,
                };
                let result = match message {
                    Message::Text(text) => {
                        last_heard = Instant::now();
                        session.on_text(&text)
                    }
                    Message::Binary(_) => {
                        relay.metrics().reject(Reject::Binary);
                        Err(Close::new(close_code::UNSUPPORTED, "binary frames are not supported"))
                    }
                    // Pings are answered by the WebSocket layer. They are
                    // frames like any other for the rate limit, but keep
                    // nothing alive: only Phoenix messages do.
                    _ => session.frame_allowed(),
                };
                // A socket that hosts a page may send it; others only small frames.
                let limit = if session.hosts_a_page() { limits.max_message() } else { limits.control_frame_limit };
                socket.get_mut().set_limit(limit);
                let written = session.flush_replies(&mut socket, limits.write_timeout).await;
                if let Err(close) = result {
                    break Some(close);
                }
                if !written {
                    break None;
                }
                if let Some(close) = overdue(&socket, last_heard, Instant::now(), &limits, &relay) {
                    break Some(close);
                }
            }
            Some(first) = reg.outbound.recv() => {
                session.queue_outbound(first);
                for _ in 1..WRITE_BATCH {
                    match reg.outbound.try_recv() {
                        Ok(next) => session.queue_outbound(next),
                        Err(_) => break,
                    }
                }
                if !session.flush_replies(&mut socket, limits.write_timeout).await {
                    break None;
                }
            }
        }
    };
    if let Some(close) = close {
        // The reason may quote what a client sent: only the code is logged.
        tracing::debug!(conn = reg.conn, code = close.code, "closing socket");
        let frame = Message::Close(Some(CloseFrame {
            code: CloseCode::from(close.code),
            reason: close.reason.into(),
        }));
        if let Ok(Ok(())) = timeout(limits.write_timeout, socket.send(frame)).await {
            // Read until the client answers the close (or a short while), so
            // unread input does not make the kernel reset the connection and
            // lose the close frame on the way.
            let drain = async {
                while let Some(Ok(message)) = socket.next().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            };
            let _ = timeout(CLOSE_GRACE, drain).await;
        }
    }
    tracing::debug!(conn = reg.conn, "socket closed");
    // Dropping `session` leaves its channels; dropping `reg` then removes the socket.
}

/// Why a socket must close for taking too long: nothing but pings for the
/// heartbeat timeout, or a message begun longer ago than allowed.
fn overdue(
    socket: &WebSocket,
    last_heard: Instant,
    now: Instant,
    limits: &crate::Limits,
    relay: &Relay,
) -> Option<Close> {
    if now >= last_heard + limits.heartbeat_timeout {
        relay.metrics().reject(Reject::HeartbeatTimeout);
        return Some(Close::new(close_code::AWAY, "heartbeat timeout"));
    }
    let started = socket.get_ref().busy_since()?;
    if now.saturating_duration_since(started) > limits.message_timeout {
        relay.metrics().reject(Reject::SlowMessage);
        return Some(Close::new(close_code::POLICY, "message too slow"));
    }
    None
}

/// The per-socket protocol state.
struct Session {
    conn: ConnId,
    /// The client's address (an IPv6 client's /64), for the log lines an
    /// operator would block it by.
    address: IpAddr,
    vsn: Vsn,
    relay: Relay,
    /// Joined topics and the join_ref each was joined with.
    channels: HashMap<Topic, Option<Ref>>,
    /// `content_request`s (and `chat_history` requests) allowed.
    requests: Bucket,
    /// `chat` messages allowed.
    chats: Bucket,
    /// Frames of any kind allowed.
    frames: Bucket,
    /// Frames to write before reading again.
    out: Vec<Utf8Bytes>,
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
    fn transport_error(&self, error: tungstenite::Error) -> Option<Close> {
        let too_big = match &error {
            tungstenite::Error::Capacity(_) => true,
            tungstenite::Error::Io(io) => io.get_ref().is_some_and(|inner| inner.is::<MessageTooBig>()),
            _ => false,
        };
        if too_big {
            self.relay.metrics().reject(Reject::TooBig);
            return Some(Close::new(close_code::SIZE, "frame too big"));
        }
        tracing::debug!(conn = self.conn, %error, "socket error");
        None
    }

    /// `watch:` topics this socket has joined.
    fn watched(&self) -> usize {
        self.channels.keys().filter(|topic| matches!(topic, Topic::Watch(_))).count()
    }

    /// True when this socket has joined some `have:` topic.
    fn hosts_a_page(&self) -> bool {
        self.channels.keys().any(|topic| matches!(topic, Topic::Have(_)))
    }

    /// Takes a frame from the socket's budget; a socket past it is closed.
    fn frame_allowed(&mut self) -> Result<(), Close> {
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

    /// Writes queued frames; false if the peer is gone or stalled.
    async fn flush_replies(&mut self, socket: &mut WebSocket, limit: Duration) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let frames = std::mem::take(&mut self.out);
        let count = frames.len() as u64;
        let bytes: usize = frames.iter().map(|f| f.len()).sum();
        let write = async {
            for frame in frames {
                socket.feed(Message::Text(frame)).await?;
            }
            socket.flush().await
        };
        match timeout(limit, write).await {
            Ok(Ok(())) => {
                let metrics = self.relay.metrics();
                metrics.frames_out.inc_by(count);
                metrics.bytes_out.inc_by(bytes as u64);
                true
            }
            Ok(Err(_)) => false,
            Err(_) => {
                self.relay.metrics().reject(Reject::SlowConsumer);
                false
            }
        }
    }

    fn queue_outbound(&mut self, frame: Outbound) {
        match frame {
            Outbound::Shared(shared) => self.out.push(shared.bytes(self.vsn)),
            Outbound::Ask(hash) => self.ask(hash, event::CONTENT_REQUEST),
            Outbound::AskHistory(hash) => self.ask(hash, event::CHAT_HISTORY),
        }
    }

    /// Asks this host for the page (or its chat): `{}` on its `have:H`.
    fn ask(&mut self, hash: PageHash, event: &str) {
        let topic = Topic::Have(hash);
        // The host may have left since the ask was queued.
        if let Some(join_ref) = self.channels.get(&topic).cloned() {
            let topic = topic.to_string();
            self.push(join_ref.as_ref(), None, &topic, event, &Empty {});
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
        self.out.push(protocol::encode(self.vsn, join_ref, msg_ref, topic, event, payload).into());
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
    fn on_text(&mut self, text: &str) -> Result<(), Close> {
        self.relay.metrics().frames_in.inc();
        self.frame_allowed()?;
        if let Some(handled) = self.content_in_one_pass(text) {
            return handled;
        }
        // Only `content` may be large: anything else over the limit is
        // refused as soon as its event is known.
        let frame = Frame::decode_within(self.vsn, text, self.relay.limits().control_frame_limit).map_err(
            |error| match error {
                ProtocolError::TooBig => {
                    self.relay.metrics().reject(Reject::TooBig);
                    Close::new(close_code::SIZE, "frame too big")
                }
                error => {
                    self.relay.metrics().reject(Reject::Malformed);
                    Close::new(close_code::POLICY, error.to_string())
                }
            },
        )?;

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

    /// A host's answer on a channel in good standing, read in one pass.
    /// Anything unusual (another event, a topic not joined, a stale
    /// join_ref, V1) returns `None` and takes the general path, which
    /// decides what to reply.
    fn content_in_one_pass(&mut self, text: &str) -> Option<Result<(), Close>> {
        if self.vsn != Vsn::V2 || text.len() < 1024 {
            return None;
        }
        let frame = ContentFrame::decode_v2(text)?;
        let Ok(topic @ Topic::Have(hash)) = Topic::parse(&frame.topic) else { return None };
        let join_ref = self.channels.get(&topic)?.clone();
        if frame.join_ref.is_some() && frame.join_ref != join_ref {
            return None;
        }
        Some(self.content(hash, join_ref, frame.msg_ref.as_ref(), &frame.topic, frame.content))
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
        self.channels.insert(topic, join_ref.clone());
        let hub = self.relay.hub();
        let hash = topic.page().expect("the phoenix topic is refused before");
        let effects = match topic {
            Topic::Have(_) => hub.join_host(self.conn, hash, now()),
            Topic::Watch(_) => {
                hub.join_watcher(self.conn, hash);
                Vec::new()
            }
            _ => {
                hub.join_visitor(self.conn, hash);
                Vec::new()
            }
        };
        // The joiner learns the count in its join reply: no extra frame.
        let count = VisitorsCount { count: hub.health(hash).hosts };
        self.reply(join_ref.as_ref(), frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &count);
        if let Some(old) = previous {
            // A duplicate join replaces the channel; the old one is closed
            // with its own join_ref, which the client has already dropped.
            self.push(old.as_ref(), old.as_ref(), &frame.topic, event::CLOSE, &Empty {});
        }
        self.relay.apply(effects);
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
                self.channels.remove(&topic);
                self.leave_hub(topic);
                self.reply(stored.as_ref(), frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &Empty {});
                self.push(stored.as_ref(), stored.as_ref(), &frame.topic, event::CLOSE, &Empty {});
            }
        }
    }

    fn leave_hub(&self, topic: Topic) {
        let hub = self.relay.hub();
        match topic {
            Topic::Have(hash) => self.relay.apply(hub.leave_host(self.conn, hash, now())),
            Topic::Want(hash) => hub.leave_visitor(self.conn, hash),
            Topic::Watch(hash) => hub.leave_watcher(self.conn, hash),
            Topic::Phoenix => {}
        }
    }

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
        match (topic, frame.event.as_ref()) {
            (Topic::Want(hash), event::CONTENT_REQUEST) => {
                let request: ContentRequest = match frame.payload_as() {
                    Ok(request) => request,
                    Err(error) => {
                        self.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
                        return Ok(());
                    }
                };
                if !request.names(hash) {
                    self.refuse(Reject::InvalidHash, join_ref, frame, "hash does not match the topic");
                    return Ok(());
                }
                if !self.requests.take(now()) {
                    self.refuse(Reject::RateLimited, join_ref, frame, "rate limited");
                    return Ok(());
                }
                // Served requests get no reply (Phoenix's `:noreply`, as in the
                // original app): the content is the answer.
                let effects = self.relay.hub().request(self.conn, hash, now());
                self.relay.apply(effects);
                Ok(())
            }
            (Topic::Have(hash), event::CHAT) => {
                self.chat(hash, join_ref, frame);
                Ok(())
            }
            (Topic::Have(hash), event::CHAT_HISTORY) => {
                self.chat_history(hash, join_ref, frame);
                Ok(())
            }
            (Topic::Watch(_), _) => {
                self.refuse(Reject::UnknownEvent, join_ref, frame, "a watch only receives the host count");
                Ok(())
            }
            (Topic::Want(hash), event::CHAT | event::CHAT_HISTORY) => {
                let reason = format!("only hosts chat: join have:{hash} once you have the page");
                self.refuse(Reject::UnknownEvent, join_ref, frame, &reason);
                Ok(())
            }
            (Topic::Have(hash), event::CONTENT) => match frame.payload_as::<RawContent>() {
                Ok(content) => {
                    self.content(hash, join_ref.cloned(), frame.msg_ref.as_ref(), &frame.topic, content)
                }
                Err(error) => {
                    self.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
                    Ok(())
                }
            },
            _ => {
                self.refuse(Reject::UnknownEvent, join_ref, frame, "unknown event");
                Ok(())
            }
        }
    }

    /// A host says something: checked, within the socket's chat rate, then
    /// passed to every other host of the page (on every node). The relay
    /// keeps nothing; the sender gets an ok reply.
    fn chat(&mut self, hash: PageHash, join_ref: Option<&Ref>, frame: &Frame<'_>) {
        if !self.chats.take(now()) {
            self.refuse(Reject::RateLimited, join_ref, frame, "rate_limited");
            return;
        }
        let checked = chat::read_message(frame.payload.get()).and_then(|m| m.check_date(wall_ms()));
        if let Err(error) = checked {
            self.refuse(chat_reject(&error), join_ref, frame, &error.to_string());
            return;
        }
        self.relay.chat(self.conn, hash, SharedFrame::chat(hash, frame.payload));
        self.reply(join_ref, frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &Empty {});
    }

    /// `chat_history` from a host: without messages, it asks for the
    /// history (routed to one other host); with them, it answers an ask
    /// (checked, then passed to whoever asked; refused, the next host is asked).
    fn chat_history(&mut self, hash: PageHash, join_ref: Option<&Ref>, frame: &Frame<'_>) {
        let history: RawHistory = match frame.payload_as() {
            Ok(history) => history,
            Err(error) => {
                self.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
                return;
            }
        };
        let Some(messages) = history.messages else {
            if !self.requests.take(now()) {
                self.refuse(Reject::RateLimited, join_ref, frame, "rate_limited");
                return;
            }
            let effects = self.relay.hub().history_request(self.conn, hash, now());
            self.relay.apply(effects);
            return;
        };
        if !self.relay.hub().history_asked_of(self.conn, hash) {
            // Nobody asked this host: dropped unread (as Phoenix drops a
            // frame for a stale join), so it costs no checking.
            return;
        }
        let checked = if messages.get().len() > chat::HISTORY_BYTES {
            Err(ChatError::Malformed("history over 1 MiB".into()))
        } else {
            chat::check_history(messages, wall_ms())
        };
        let answer = match checked {
            Ok(_) => Some(SharedFrame::history(hash, messages)),
            Err(error) => {
                self.refuse(chat_reject(&error), join_ref, frame, &error.to_string());
                None
            }
        };
        let effects = self.relay.hub().history_answer(self.conn, hash, answer, now());
        self.relay.apply(effects);
    }

    /// A host's answer: checked against its hash before anyone sees it.
    fn content(
        &mut self,
        hash: PageHash,
        join_ref: Option<Ref>,
        msg_ref: Option<&Ref>,
        topic: &str,
        content: RawContent<'_>,
    ) -> Result<(), Close> {
        let text = match content.text() {
            Ok(text) => text,
            Err(error) => {
                self.relay.metrics().reject(Reject::Malformed);
                self.error_to(join_ref.as_ref(), msg_ref, topic, &error.to_string());
                return Ok(());
            }
        };
        if text.len() > self.relay.limits().content_limit {
            self.relay.metrics().reject(Reject::TooBig);
            return Err(Close::new(close_code::SIZE, "page over the content limit"));
        }
        let claimed = content.hash.as_deref().map(PageHash::parse);
        let verified = hash.matches(&text) && claimed.is_none_or(|claimed| claimed == Ok(hash));
        if verified {
            // No reply to a good answer: the next request is the next thing it
            // hears. Visitors get the host's own string literal, not a re-encoding.
            let answer = Answer::Verified(SharedFrame::content(hash, content.content));
            let effects = self.relay.hub().content(self.conn, hash, answer, now());
            self.relay.apply(effects);
        } else {
            // The liar's channel is closed; the hub asks another host.
            if let Some(unlogged) = self.may_log() {
                tracing::info!(conn = self.conn, address = %self.address, page = %hash, unlogged, "closing a host that sent content with the wrong hash");
            }
            self.error_to(join_ref.as_ref(), msg_ref, topic, "hash mismatch");
            self.channels.remove(&Topic::Have(hash));
            self.push(join_ref.as_ref(), join_ref.as_ref(), topic, event::CLOSE, &Empty {});
            let effects = self.relay.hub().content(self.conn, hash, Answer::Forged, now());
            self.relay.apply(effects);
        }
        Ok(())
    }
}

/// How a refused chat message is counted.
fn chat_reject(error: &ChatError) -> Reject {
    match error {
        ChatError::Future => Reject::FutureDated,
        ChatError::TooLong | ChatError::TooMany => Reject::TooBig,
        _ => Reject::Malformed,
    }
}
