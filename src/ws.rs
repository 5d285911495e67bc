//! One task per WebSocket: a `select!` loop over the socket, the outbound
//! queue, the idle deadline and shutdown. The socket's channels (topic →
//! join_ref) belong to this task alone, so they need no lock. Errors are
//! decided here, at the edge: an error reply, or a close with a reason.

use crate::hub::{ConnId, Effect};
use crate::protocol::{
    self, event, ContentFrame, ContentRequest, Frame, PageHash, ProtocolError, RawContent, Ref, Topic, Vsn,
};
use crate::relay::{now, Outbound, Relay};
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;
use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::time::{sleep_until, timeout, Instant};

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

/// A token bucket: `rate` per second, bursts of twice that.
struct Bucket {
    tokens: f64,
    rate: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: u32) -> Self {
        Self { tokens: 2.0 * f64::from(rate), rate: f64::from(rate), last: Instant::now() }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(2.0 * self.rate);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Resolves once the server starts shutting down (or the relay is gone).
async fn shutdown_requested(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|down| *down).await;
}

/// Runs one socket until it closes.
pub async fn serve_socket(mut socket: WebSocket, relay: Relay, vsn: Vsn) {
    let mut reg = relay.register();
    let limits = relay.limits().clone();
    let mut session = Session {
        conn: reg.conn,
        vsn,
        relay: relay.clone(),
        channels: HashMap::new(),
        requests: Bucket::new(limits.requests_per_second),
        frames: Bucket::new(limits.frames_per_second),
        out: Vec::new(),
    };
    tracing::debug!(conn = reg.conn, ?vsn, "socket opened");

    // Futures that live as long as the socket: made once, not per frame.
    let idle = sleep_until(Instant::now() + limits.heartbeat_timeout);
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
                let deadline = last_heard + limits.heartbeat_timeout;
                if deadline > Instant::now() {
                    idle.as_mut().reset(deadline);
                    continue;
                }
                relay.counters().heartbeat_timeouts.fetch_add(1, Relaxed);
                break Some(Close::new(close_code::AWAY, "heartbeat timeout"));
            }
            inbound = socket.recv() => {
                let message = match inbound {
                    None | Some(Ok(Message::Close(_))) => break None,
                    Some(Err(error)) => break session.transport_error(error),
                    Some(Ok(message)) => message,
                };
                last_heard = Instant::now();
                let result = match message {
                    Message::Text(text) => session.on_text(&text),
                    Message::Binary(_) => {
                        relay.counters().binary.fetch_add(1, Relaxed);
                        Err(Close::new(close_code::UNSUPPORTED, "binary frames are not supported"))
                    }
                    // Pings are answered by the WebSocket layer; they still count as activity.
                    _ => Ok(()),
                };
                let written = session.flush_replies(&mut socket, limits.write_timeout).await;
                if let Err(close) = result {
                    break Some(close);
                }
                if !written {
                    break None;
                }
            }
            Some(first) = reg.outbound.recv() => {
                let mut batch = vec![first];
                while batch.len() < WRITE_BATCH {
                    match reg.outbound.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                for frame in batch {
                    session.queue_outbound(frame);
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
        let frame = Message::Close(Some(CloseFrame { code: close.code, reason: close.reason.into() }));
        if let Ok(Ok(())) = timeout(limits.write_timeout, socket.send(frame)).await {
            // Read until the client answers the close (or a short while), so
            // unread input does not make the kernel reset the connection and
            // lose the close frame on the way.
            let drain = async {
                while let Some(Ok(message)) = socket.recv().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            };
            let _ = timeout(CLOSE_GRACE, drain).await;
        }
    }
    session.leave_all();
    relay.unregister(reg.conn);
    tracing::debug!(conn = reg.conn, "socket closed");
}

/// The per-socket protocol state.
struct Session {
    conn: ConnId,
    vsn: Vsn,
    relay: Relay,
    /// Joined topics and the join_ref each was joined with.
    channels: HashMap<Topic, Option<Ref>>,
    /// `content_request`s allowed.
    requests: Bucket,
    /// Frames of any kind allowed.
    frames: Bucket,
    /// Frames to write before reading again.
    out: Vec<Utf8Bytes>,
}

impl Session {
    fn transport_error(&self, error: axum::Error) -> Option<Close> {
        // tungstenite reports an over-limit message as a capacity error.
        let text = error.to_string();
        if text.contains("Space limit exceeded") || text.contains("too long") || text.contains("Capacity") {
            self.relay.counters().too_big.fetch_add(1, Relaxed);
            return Some(Close::new(close_code::SIZE, "frame too big"));
        }
        tracing::debug!(conn = self.conn, %error, "socket error");
        None
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
                let counters = self.relay.counters();
                counters.frames_out.fetch_add(count, Relaxed);
                counters.bytes_out.fetch_add(bytes as u64, Relaxed);
                true
            }
            Ok(Err(_)) => false,
            Err(_) => {
                self.relay.counters().slow_consumers.fetch_add(1, Relaxed);
                false
            }
        }
    }

    fn queue_outbound(&mut self, frame: Outbound) {
        match frame {
            Outbound::Shared(shared) => self.out.push(shared.bytes(self.vsn)),
            Outbound::Ask(hash) => {
                let topic = Topic::Have(hash);
                // The host may have left since the ask was queued.
                if let Some(join_ref) = self.channels.get(&topic).cloned() {
                    self.push(join_ref.as_ref(), None, &topic.to_string(), event::CONTENT_REQUEST, "{}");
                }
            }
        }
    }

    fn push(
        &mut self,
        join_ref: Option<&Ref>,
        msg_ref: Option<&Ref>,
        topic: &str,
        event: &str,
        payload: &str,
    ) {
        self.out.push(protocol::encode(self.vsn, join_ref, msg_ref, topic, event, payload).into());
    }

    fn reply(
        &mut self,
        join_ref: Option<&Ref>,
        msg_ref: Option<&Ref>,
        topic: &str,
        status: &str,
        response: &str,
    ) {
        let payload = protocol::reply_payload(status, response);
        self.push(join_ref, msg_ref, topic, event::REPLY, &payload);
    }

    fn error_reply(&mut self, join_ref: Option<&Ref>, frame: &Frame<'_>, reason: &str) {
        self.error_to(join_ref, frame.msg_ref.as_ref(), &frame.topic, reason);
    }

    fn error_to(&mut self, join_ref: Option<&Ref>, msg_ref: Option<&Ref>, topic: &str, reason: &str) {
        self.reply(join_ref, msg_ref, topic, "error", &protocol::reason(reason));
    }

    /// Handles one text frame. Replies are queued in `self.out`; an `Err`
    /// closes the socket.
    fn on_text(&mut self, text: &str) -> Result<(), Close> {
        self.relay.counters().frames_in.fetch_add(1, Relaxed);
        if !self.frames.take() {
            self.relay.counters().rate_limited.fetch_add(1, Relaxed);
            return Err(Close::new(close_code::POLICY, "too many frames"));
        }
        if let Some(handled) = self.content_in_one_pass(text) {
            return handled;
        }
        let counters = self.relay.counters();
        let frame = Frame::decode(self.vsn, text).map_err(|error| {
            counters.malformed.fetch_add(1, Relaxed);
            Close::new(close_code::POLICY, error.to_string())
        })?;
        if frame.event != event::CONTENT && text.len() > self.relay.limits().control_frame_limit {
            counters.too_big.fetch_add(1, Relaxed);
            return Err(Close::new(close_code::SIZE, "frame too big"));
        }

        let topic = match Topic::parse(&frame.topic) {
            Ok(topic) => topic,
            Err(error) => {
                match error {
                    ProtocolError::InvalidHash => counters.invalid_hashes.fetch_add(1, Relaxed),
                    _ => counters.unmatched_topics.fetch_add(1, Relaxed),
                };
                self.error_reply(None, &frame, &error.to_string());
                return Ok(());
            }
        };

        match (topic, frame.event.as_ref()) {
            (Topic::Phoenix, event::HEARTBEAT) => {
                self.reply(None, frame.msg_ref.as_ref(), &frame.topic, "ok", "{}");
                Ok(())
            }
            (Topic::Phoenix, _) => {
                counters.unmatched_topics.fetch_add(1, Relaxed);
                self.error_reply(None, &frame, &ProtocolError::UnmatchedTopic.to_string());
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
        if previous.is_none() && self.channels.len() >= self.relay.limits().max_topics {
            self.relay.counters().too_many_topics.fetch_add(1, Relaxed);
            self.error_reply(join_ref.as_ref(), frame, "too many channels joined");
            return;
        }
        self.channels.insert(topic, join_ref.clone());
        let hub = self.relay.hub();
        let hash = topic.page().expect("the phoenix topic is refused before");
        let effects = match topic {
            Topic::Have(_) => hub.join_host(self.conn, hash, now()),
            _ => {
                hub.join_visitor(self.conn, hash);
                Vec::new()
            }
        };
        // The joiner learns the count in its join reply: no extra frame.
        let count = protocol::VisitorsCount { count: hub.health(hash).hosts };
        self.reply(join_ref.as_ref(), frame.msg_ref.as_ref(), &frame.topic, "ok", &protocol::payload(&count));
        if let Some(old) = previous {
            // A duplicate join replaces the channel; the old one is closed
            // with its own join_ref, which the client has already dropped.
            self.push(old.as_ref(), old.as_ref(), &frame.topic, event::CLOSE, "{}");
        }
        self.relay.apply(effects, None);
    }

    fn leave(&mut self, topic: Topic, frame: &Frame<'_>) {
        match self.channels.get(&topic) {
            None => {
                // Phoenix: an ok reply and no phx_close.
                self.reply(frame.join_ref.as_ref(), frame.msg_ref.as_ref(), &frame.topic, "ok", "{}");
            }
            Some(stored) if frame.join_ref.is_some() && frame.join_ref != *stored => {
                // A leave for an older join of this topic: dropped, as Phoenix does.
            }
            Some(stored) => {
                let stored = stored.clone();
                self.channels.remove(&topic);
                self.leave_hub(topic);
                self.reply(stored.as_ref(), frame.msg_ref.as_ref(), &frame.topic, "ok", "{}");
                self.push(stored.as_ref(), stored.as_ref(), &frame.topic, event::CLOSE, "{}");
            }
        }
    }

    fn leave_hub(&self, topic: Topic) {
        let hub = self.relay.hub();
        match topic {
            Topic::Have(hash) => self.relay.apply(hub.leave_host(self.conn, hash, now()), None),
            Topic::Want(hash) => hub.leave_visitor(self.conn, hash),
            Topic::Phoenix => {}
        }
    }

    /// Drops every channel of a socket that is closing.
    fn leave_all(&mut self) {
        for (topic, _) in std::mem::take(&mut self.channels) {
            self.leave_hub(topic);
        }
    }

    fn channel_event(&mut self, topic: Topic, frame: &Frame<'_>) -> Result<(), Close> {
        let counters = self.relay.counters();
        let Some(join_ref) = self.channels.get(&topic).cloned() else {
            counters.unmatched_topics.fetch_add(1, Relaxed);
            self.error_reply(None, frame, &ProtocolError::UnmatchedTopic.to_string());
            return Ok(());
        };
        if frame.join_ref.is_some() && frame.join_ref != join_ref {
            // A message for an older join of this topic: dropped, as Phoenix does.
            return Ok(());
        }
        match (topic, frame.event.as_ref()) {
            (Topic::Want(hash), event::CONTENT_REQUEST) => {
                let request: ContentRequest = match frame.payload_as() {
                    Ok(request) => request,
                    Err(error) => {
                        counters.malformed.fetch_add(1, Relaxed);
                        self.error_reply(join_ref.as_ref(), frame, &error.to_string());
                        return Ok(());
                    }
                };
                if request.hash.is_some_and(|h| h != hash.to_string()) {
                    counters.invalid_hashes.fetch_add(1, Relaxed);
                    self.error_reply(join_ref.as_ref(), frame, "hash does not match the topic");
                    return Ok(());
                }
                if !self.requests.take() {
                    counters.rate_limited.fetch_add(1, Relaxed);
                    self.error_reply(join_ref.as_ref(), frame, "rate limited");
                    return Ok(());
                }
                // Served requests get no reply (Phoenix's `:noreply`, as in the
                // original app): the content is the answer.
                let effects = self.relay.hub().request(self.conn, hash, now());
                self.relay.apply(effects, None);
                Ok(())
            }
            (Topic::Have(hash), event::CONTENT) => match frame.payload_as::<RawContent>() {
                Ok(content) => self.content(hash, join_ref, frame.msg_ref.as_ref(), &frame.topic, content),
                Err(error) => {
                    counters.malformed.fetch_add(1, Relaxed);
                    self.error_reply(join_ref.as_ref(), frame, &error.to_string());
                    Ok(())
                }
            },
            _ => {
                counters.unknown_events.fetch_add(1, Relaxed);
                self.error_reply(join_ref.as_ref(), frame, "unknown event");
                Ok(())
            }
        }
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
        let counters = self.relay.counters();
        let text = match content.text() {
            Ok(text) => text,
            Err(error) => {
                counters.malformed.fetch_add(1, Relaxed);
                self.error_to(join_ref.as_ref(), msg_ref, topic, &error.to_string());
                return Ok(());
            }
        };
        if text.len() > self.relay.limits().content_limit {
            counters.too_big.fetch_add(1, Relaxed);
            return Err(Close::new(close_code::SIZE, "page over the content limit"));
        }
        let claimed = content.hash.as_deref().map(PageHash::parse);
        let verified = hash.matches(&text) && claimed.is_none_or(|claimed| claimed == Ok(hash));
        let effects = self.relay.hub().content(self.conn, hash, verified, now());
        if verified {
            // No reply to a good answer: the next request is the next thing it hears.
            // Visitors get the host's own string literal, not a re-encoding,
            // built only when someone is waiting for it.
            let delivers = effects.iter().any(|e| matches!(e, Effect::Deliver { .. }));
            self.relay.apply(effects, delivers.then(|| content.visitor_payload()));
        } else {
            // The liar's channel is closed; the hub has already asked another host.
            tracing::info!(conn = self.conn, page = %hash, "closing a host that sent content with the wrong hash");
            self.error_to(join_ref.as_ref(), msg_ref, topic, "hash mismatch");
            self.channels.remove(&Topic::Have(hash));
            self.push(join_ref.as_ref(), join_ref.as_ref(), topic, event::CLOSE, "{}");
            self.relay.apply(effects, None);
        }
        Ok(())
    }
}
