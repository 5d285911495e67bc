//! The visitor's state machine: everything a browser tab does on a page,
//! as plain Rust with no web-sys, so it is unit-tested natively. The
//! browser glue (`socket.rs`) feeds it [`Event`]s (socket opened, closed, a
//! frame arrived, a timer fired) and carries out the [`Command`]s it returns.
//!
//! It speaks Phoenix Channels V2 like the official client: string refs from
//! a counter, join_ref = the join's ref, a heartbeat every 30 s, frames
//! whose join_ref is stale are dropped.

use crate::chat::{self, Chat, History, Message, MessageId};
use crate::phoenix::{self, Empty, Frame, Reason, Ref, Refs, Status, Vsn, PHOENIX_TOPIC};
use crate::protocol::{self, event, Content, ContentRequest, PageHash, Topic};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::time::Duration;

/// How often a visitor without the page asks again.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);
/// How often a heartbeat is sent; a missing reply by the next one means the
/// connection is dead.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

/// Reconnect delays: exponential from `first`, capped at `max`, with jitter
/// (each delay is drawn between half and all of the nominal one), so a
/// restarted relay is not hit by every tab at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { first: Duration::from_millis(250), max: Duration::from_secs(10) }
    }
}

impl Backoff {
    /// The nominal delay before reconnect attempt `attempt` (1-based).
    pub fn nominal(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// What the browser glue (and the mirror) drives: events in, commands out,
/// with the wall clock set before each step.
pub trait Machine {
    /// Sets the wall clock (ms since the epoch) the next step sees.
    fn set_now(&mut self, now_ms: u64);
    /// Advances the machine by one event.
    fn step(&mut self, event: Event) -> Vec<Command>;
}

impl Machine for Visitor {
    fn set_now(&mut self, now_ms: u64) {
        Visitor::set_now(self, now_ms);
    }

    fn step(&mut self, event: Event) -> Vec<Command> {
        Visitor::step(self, event)
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
}

/// The connection to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Open,
    /// Lost; reconnect attempt `attempt` is due after `delay`.
    Retrying {
        attempt: u32,
        delay: Duration,
    },
}

/// One socket's life, as every machine here lives it: the connection's
/// state, the refs it hands out, a heartbeat every 30 s (a missing reply by
/// the next one means the connection is dead), and reconnecting with
/// growing, jittered delays.
#[derive(Debug)]
pub(crate) struct Link {
    connection: Connection,
    /// Ref of the heartbeat awaiting its reply.
    heartbeat: Option<Ref>,
    refs: Refs,
    /// Failed connection attempts since the last successful join.
    attempts: u32,
    backoff: Backoff,
    rng: SmallRng,
}

impl Link {
    /// Connecting; `seed` drives the reconnect jitter.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            connection: Connection::Connecting,
            heartbeat: None,
            refs: Refs::default(),
            attempts: 0,
            backoff: Backoff::default(),
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    pub(crate) fn connection(&self) -> Connection {
        self.connection
    }

    pub(crate) fn is_open(&self) -> bool {
        self.connection == Connection::Open
    }

    pub(crate) fn is_retrying(&self) -> bool {
        matches!(self.connection, Connection::Retrying { .. })
    }

    pub(crate) fn make_ref(&mut self) -> Ref {
        self.refs.make_ref()
    }

    /// The socket opened: heartbeats start.
    pub(crate) fn opened(&mut self, out: &mut Vec<Command>) {
        self.connection = Connection::Open;
        self.heartbeat = None;
        out.push(Command::Schedule(Timer::Heartbeat, HEARTBEAT_EVERY));
    }

    /// The socket closed (the caller checked it was not known already):
    /// heartbeats stop and a reconnect is scheduled, later each time.
    pub(crate) fn closed(&mut self, out: &mut Vec<Command>) {
        self.heartbeat = None;
        self.attempts += 1;
        let nominal = self.backoff.nominal(self.attempts);
        let delay = nominal.mul_f64(self.rng.gen_range(0.5..=1.0));
        self.connection = Connection::Retrying { attempt: self.attempts, delay };
        out.push(Command::Cancel(Timer::Heartbeat));
        out.push(Command::Schedule(Timer::Reconnect, delay));
    }

    /// A join was accepted: the back-off starts over.
    pub(crate) fn joined(&mut self) {
        self.attempts = 0;
    }

    /// The heartbeat timer: a heartbeat, or, if the last one went
    /// unanswered, the end of a dead connection.
    pub(crate) fn heartbeat_due(&mut self, out: &mut Vec<Command>) {
        if !self.is_open() {
            return;
        }
        if self.heartbeat.is_some() {
            out.push(Command::Disconnect);
            return;
        }
        let msg_ref = self.make_ref();
        send(out, None, Some(&msg_ref), Topic::Phoenix, event::HEARTBEAT, &Empty {});
        self.heartbeat = Some(msg_ref);
        out.push(Command::Schedule(Timer::Heartbeat, HEARTBEAT_EVERY));
    }

    /// The reconnect timer: connect again.
    pub(crate) fn reconnect_due(&mut self, out: &mut Vec<Command>) {
        if self.is_retrying() {
            self.connection = Connection::Connecting;
            out.push(Command::Connect);
        }
    }

    /// A frame on the `phoenix` topic: the heartbeat's reply, perhaps.
    pub(crate) fn phoenix(&mut self, frame: &Frame<'_>) {
        if frame.event == event::REPLY && frame.msg_ref.is_some() && frame.msg_ref == self.heartbeat {
            self.heartbeat = None;
        }
    }
}

/// Queues one V2 frame to send.
pub(crate) fn send(
    out: &mut Vec<Command>,
    join_ref: Option<&Ref>,
    msg_ref: Option<&Ref>,
    topic: Topic,
    event: &str,
    payload: &impl Serialize,
) {
    out.push(Command::Send(phoenix::encode(Vsn::V2, join_ref, msg_ref, &topic.to_string(), event, payload)));
}

/// A channel's state on the current connection.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Channel {
    Left,
    Joining(Ref),
    Joined(Ref),
}

impl Channel {
    fn join_ref(&self) -> Option<&Ref> {
        match self {
            Self::Left => None,
            Self::Joining(r) | Self::Joined(r) => Some(r),
        }
    }
}

/// What the page view shows, derived from the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not yet connected (or the creator's page not yet announced).
    Connecting,
    /// Asking the hosts for the page.
    Waiting,
    /// The page has no host; still listening, still asking.
    NobodyHosting,
    /// This tab has the page and hosts it.
    Hosting,
    /// The connection was lost; a reconnect is scheduled.
    Reconnecting,
}

/// Everything the page view shows, in one copyable value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub phase: Phase,
    /// The live host count, once the relay has sent one.
    pub hosts: Option<usize>,
    /// This tab has the page's text.
    pub has_content: bool,
    /// Closing this tab would delete the page.
    pub last_host: bool,
    /// Copies of the page discarded because their hash was wrong.
    pub rejected: u32,
    /// Grows whenever the chat (or its notice) changes: the view re-reads
    /// [`Visitor::chat`] when it does.
    pub chat_version: u64,
}

impl Snapshot {
    /// Before the machine has run (server rendering, first paint).
    pub fn initial(has_content: bool) -> Self {
        Self {
            phase: Phase::Connecting,
            hosts: None,
            has_content,
            last_host: false,
            rejected: 0,
            chat_version: 0,
        }
    }
}

/// Why a message this tab said did not reach the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSent {
    /// The message, taken back out of the chat.
    pub message: Message,
    /// The relay's reason (e.g. `rate_limited`), or why it was never sent.
    pub reason: String,
}

/// One visitor on one page.
#[derive(Debug)]
pub struct Visitor {
    hash: PageHash,
    /// The page's text, once this tab has it (created here, or received and verified).
    content: Option<String>,
    link: Link,
    want: Channel,
    have: Channel,
    /// The last host count the relay sent.
    hosts: Option<usize>,
    /// Content frames that did not match the hash and were discarded.
    rejected: u32,
    /// The page's chat, once this tab hosts it.
    chat: Chat,
    chat_version: u64,
    /// Messages said here whose `chat` push awaits the relay's reply, by ref.
    unconfirmed: Vec<(Ref, MessageId)>,
    /// The last message that could not be sent, and why.
    not_sent: Option<NotSent>,
    /// The wall clock, in ms since the epoch, as the glue last set it.
    now_ms: u64,
}

impl Visitor {
    /// A tab opening `/<hash>`, with the page's text if this tab created it.
    /// `seed` drives the reconnect jitter.
    pub fn new(hash: PageHash, content: Option<String>, seed: u64) -> (Self, Vec<Command>) {
        let content = content.filter(|text| hash.matches(text));
        let visitor = Self {
            hash,
            content,
            link: Link::new(seed),
            want: Channel::Left,
            have: Channel::Left,
            hosts: None,
            rejected: 0,
            chat: Chat::default(),
            chat_version: 0,
            unconfirmed: Vec::new(),
            not_sent: None,
            now_ms: 0,
        };
        (visitor, vec![Command::Connect])
    }

    pub fn content(&self) -> Option<&str> {
        self.content.as_deref()
    }

    pub fn hosts(&self) -> Option<usize> {
        self.hosts
    }

    pub fn connection(&self) -> Connection {
        self.link.connection()
    }

    pub fn rejected(&self) -> u32 {
        self.rejected
    }

    /// The page's chat as this tab holds it.
    pub fn chat(&self) -> &Chat {
        &self.chat
    }

    /// The last message this tab could not send, and why.
    pub fn not_sent(&self) -> Option<&NotSent> {
        self.not_sent.as_ref()
    }

    /// Sets the wall clock (ms since the epoch) the chat's date checks use;
    /// the glue calls it before each step.
    pub fn set_now(&mut self, now_ms: u64) {
        self.now_ms = now_ms;
    }

    /// Messages kept from an earlier run (a mirror's folder), merged in.
    pub fn restore_chat(&mut self, messages: impl IntoIterator<Item = Message>) {
        if self.chat.merge(messages, self.now_ms) > 0 {
            self.chat_version += 1;
        }
    }

    pub fn phase(&self) -> Phase {
        match (self.link.connection(), &self.content) {
            (Connection::Retrying { .. }, _) => Phase::Reconnecting,
            (_, Some(_)) if matches!(self.have, Channel::Joined(_)) => Phase::Hosting,
            (Connection::Open, None) if self.hosts == Some(0) => Phase::NobodyHosting,
            (Connection::Open, None) if matches!(self.want, Channel::Joined(_)) => Phase::Waiting,
            _ => Phase::Connecting,
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            phase: self.phase(),
            hosts: self.hosts,
            has_content: self.content.is_some(),
            last_host: self.is_last_host(),
            rejected: self.rejected,
            chat_version: self.chat_version,
        }
    }

    /// True when closing this tab would delete the page.
    pub fn is_last_host(&self) -> bool {
        self.phase() == Phase::Hosting && self.hosts == Some(1)
    }

    /// Advances the machine by one event.
    pub fn step(&mut self, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        match event {
            Event::Opened => self.opened(&mut out),
            Event::Closed => self.closed(&mut out),
            Event::Frame(text) => self.frame(&text, &mut out),
            Event::Timer(timer) => self.timer(timer, &mut out),
            Event::Offered(text) => self.received(text, &mut out),
            Event::Say(message) => self.say(message, &mut out),
        }
        out
    }

    /// Says a message: into this tab's chat at once, and to the other
    /// hosts through the relay. Refused here when this tab is no host.
    fn say(&mut self, message: Message, out: &mut Vec<Command>) {
        if self.not_sent.take().is_some() {
            self.chat_version += 1;
        }
        let Channel::Joined(join_ref) = self.have.clone() else {
            self.refused(message, "only hosts of the page can chat: wait until this tab has the page");
            return;
        };
        if let Err(error) = message.check_date(self.now_ms) {
            self.refused(message, &error.to_string());
            return;
        }
        let msg_ref = self.make_ref();
        send(out, Some(&join_ref), Some(&msg_ref), Topic::Have(self.hash), event::CHAT, &message);
        self.unconfirmed.push((msg_ref, message.id()));
        if self.chat.insert(message, self.now_ms) {
            self.chat_version += 1;
        }
    }

    fn refused(&mut self, message: Message, reason: &str) {
        self.not_sent = Some(NotSent { message, reason: reason.to_owned() });
        self.chat_version += 1;
    }

    /// Asks the other hosts for the chat so far (merged when it comes).
    fn ask_history(&mut self, join_ref: &Ref, out: &mut Vec<Command>) {
        let msg_ref = self.make_ref();
        send(out, Some(join_ref), Some(&msg_ref), Topic::Have(self.hash), event::CHAT_HISTORY, &Empty {});
    }

    /// `chat_history` on `have:H`: the relay passes an answer (merged), or
    /// asks this host for its messages (answered).
    fn history(&mut self, current: &Ref, frame: &Frame<'_>, out: &mut Vec<Command>) {
        let Ok(history) = frame.payload_as::<History>() else { return };
        match history.messages {
            Some(messages) => {
                if self.chat.merge(messages, self.now_ms) > 0 {
                    self.chat_version += 1;
                }
            }
            None => {
                let msg_ref = self.make_ref();
                let answer = History { messages: Some(self.chat.history(chat::HISTORY_BYTES)) };
                send(
                    out,
                    Some(current),
                    Some(&msg_ref),
                    Topic::Have(self.hash),
                    event::CHAT_HISTORY,
                    &answer,
                );
            }
        }
    }

    /// A message from another host, checked before it is kept.
    fn chat_message(&mut self, frame: &Frame<'_>) {
        let Ok(message) = chat::read_message(frame.payload.get()) else { return };
        if self.chat.insert(message, self.now_ms) {
            self.chat_version += 1;
        }
    }

    /// The relay refused a message this tab said: it is taken back out.
    fn chat_reply(&mut self, msg_ref: &Ref, frame: &Frame<'_>) {
        let Some(at) = self.unconfirmed.iter().position(|(r, _)| r == msg_ref) else { return };
        let (_, id) = self.unconfirmed.swap_remove(at);
        let Some(reply) = frame.reply() else { return };
        if reply.status == Status::Ok {
            return;
        }
        let reason = serde_json::from_str::<Reason>(reply.response.get())
            .map_or_else(|_| "refused by the relay".to_owned(), |r| r.reason.into_owned());
        if let Some(message) = self.chat.remove(id) {
            self.refused(message, &reason);
        }
    }

    /// Text that claims to be the page, from a frame or from the server's
    /// first response: kept and hosted if its hash is right, else counted
    /// as rejected and never shown.
    fn received(&mut self, text: String, out: &mut Vec<Command>) {
        if self.content.is_some() {
            return;
        }
        if !self.hash.matches(&text) {
            // Never shown: the relay, a host or the server lied.
            self.rejected += 1;
            return;
        }
        self.content = Some(text);
        // Not yet connected: the next `Opened` joins `have:H` directly.
        if self.link.is_open() {
            self.leave_want(out);
            self.join(Topic::Have(self.hash), out);
        }
    }

    fn make_ref(&mut self) -> Ref {
        self.link.make_ref()
    }

    fn join(&mut self, topic: Topic, out: &mut Vec<Command>) {
        let join_ref = self.make_ref();
        send(out, Some(&join_ref), Some(&join_ref), topic, event::JOIN, &Empty {});
        let channel = Channel::Joining(join_ref);
        match topic {
            Topic::Have(_) => self.have = channel,
            _ => self.want = channel,
        }
    }

    fn leave_want(&mut self, out: &mut Vec<Command>) {
        if let Some(join_ref) = self.want.join_ref().cloned() {
            let msg_ref = self.make_ref();
            send(out, Some(&join_ref), Some(&msg_ref), Topic::Want(self.hash), event::LEAVE, &Empty {});
        }
        self.want = Channel::Left;
        out.push(Command::Cancel(Timer::Retry));
    }

    fn request(&mut self, out: &mut Vec<Command>) {
        let Channel::Joined(join_ref) = self.want.clone() else {
            return;
        };
        let msg_ref = self.make_ref();
        let payload = ContentRequest { hash: Some(self.hash.to_string().into()) };
        send(out, Some(&join_ref), Some(&msg_ref), Topic::Want(self.hash), event::CONTENT_REQUEST, &payload);
        out.push(Command::Schedule(Timer::Retry, RETRY_EVERY));
    }

    fn opened(&mut self, out: &mut Vec<Command>) {
        self.link.opened(out);
        // A new connection is fresh server state: join again.
        let topic = match self.content {
            Some(_) => Topic::Have(self.hash),
            None => Topic::Want(self.hash),
        };
        self.join(topic, out);
    }

    fn closed(&mut self, out: &mut Vec<Command>) {
        if self.link.is_retrying() {
            return;
        }
        self.want = Channel::Left;
        self.have = Channel::Left;
        // Replies to this connection's pushes will never come.
        self.unconfirmed.clear();
        out.push(Command::Cancel(Timer::Retry));
        self.link.closed(out);
    }

    fn timer(&mut self, timer: Timer, out: &mut Vec<Command>) {
        match timer {
            Timer::Retry => {
                if self.content.is_none() && self.link.is_open() {
                    self.request(out);
                }
            }
            Timer::Heartbeat => self.link.heartbeat_due(out),
            Timer::Reconnect => self.link.reconnect_due(out),
        }
    }

    fn frame(&mut self, text: &str, out: &mut Vec<Command>) {
        // The relay is not trusted either: anything unreadable is ignored.
        let Ok(frame) = Frame::decode(Vsn::V2, text) else {
            return;
        };
        if frame.topic == PHOENIX_TOPIC {
            self.link.phoenix(&frame);
            return;
        }
        let Ok(topic) = Topic::parse(&frame.topic) else {
            return;
        };
        if topic.page() != Some(self.hash) {
            return;
        }
        let channel = match topic {
            Topic::Have(_) => &self.have,
            Topic::Want(_) => &self.want,
            // A visitor watches nothing.
            Topic::Phoenix | Topic::Watch(_) => return,
        };
        let Some(current) = channel.join_ref().cloned() else {
            return;
        };
        // Frames for an older join of this topic are dropped, as the JS client does.
        if frame.join_ref.is_some() && frame.join_ref.as_ref() != Some(&current) {
            return;
        }
        match frame.event.as_ref() {
            event::REPLY
                if frame.msg_ref.as_ref().is_some_and(|r| self.unconfirmed.iter().any(|(u, _)| u == r)) =>
            {
                let msg_ref = frame.msg_ref.clone().expect("checked");
                self.chat_reply(&msg_ref, &frame);
            }
            event::REPLY => self.reply(topic, &current, &frame, out),
            event::CHAT if matches!(topic, Topic::Have(_)) => self.chat_message(&frame),
            event::CHAT_HISTORY if matches!(topic, Topic::Have(_)) => self.history(&current, &frame, out),
            event::VISITORS_COUNT => {
                if let Ok(count) = frame.payload_as::<protocol::VisitorsCount>() {
                    self.hosts_counted(count.count, out);
                }
            }
            event::CONTENT if matches!(topic, Topic::Want(_)) => {
                if self.content.is_some() {
                    return;
                }
                let Ok(content) = frame.payload_as::<Content>() else {
                    return;
                };
                self.received(content.content.into_owned(), out);
            }
            event::CONTENT_REQUEST if matches!(topic, Topic::Have(_)) => {
                if let Some(text) = &self.content {
                    let msg_ref = self.link.make_ref();
                    let payload = Content { content: text.into(), hash: Some(self.hash.to_string()) };
                    send(out, Some(&current), Some(&msg_ref), topic, event::CONTENT, &payload);
                }
            }
            event::CLOSE | event::ERROR => {
                // The relay ended a channel we still want: join it again.
                match topic {
                    Topic::Have(_) if self.content.is_some() => self.join(topic, out),
                    Topic::Want(_) if self.content.is_none() => self.join(topic, out),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// A new host count; a host appearing while we wait is asked at once,
    /// not at the next retry.
    fn hosts_counted(&mut self, count: usize, out: &mut Vec<Command>) {
        let had_none = self.hosts == Some(0);
        self.hosts = Some(count);
        if had_none && count > 0 && self.content.is_none() {
            self.request(out);
        }
    }

    fn reply(&mut self, topic: Topic, current: &Ref, frame: &Frame<'_>, out: &mut Vec<Command>) {
        let Some(reply) = frame.reply() else { return };
        let is_join_reply = frame.msg_ref.as_ref() == Some(current);
        let joining = match topic {
            Topic::Have(_) => matches!(self.have, Channel::Joining(_)),
            _ => matches!(self.want, Channel::Joining(_)),
        };
        if !(is_join_reply && joining) {
            return;
        }
        if reply.status != Status::Ok {
            // Refused (e.g. too many channels): start over on a new connection.
            out.push(Command::Disconnect);
            return;
        }
        self.link.joined();
        // The join reply carries the page's host count.
        if let Ok(count) = serde_json::from_str::<protocol::VisitorsCount>(reply.response.get()) {
            self.hosts = Some(count.count);
        }
        match topic {
            Topic::Have(_) => {
                self.have = Channel::Joined(current.clone());
                // Whatever was said before this tab hosted the page (or while
                // it was offline) comes from one other host.
                self.ask_history(current, out);
            }
            _ => {
                self.want = Channel::Joined(current.clone());
                self.request(out);
            }
        }
    }
}

/// Frames as the relay sends them, for the machines' tests.
#[cfg(test)]
pub(crate) mod test_frames {
    use super::*;

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

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a page 😀";

    fn hash() -> PageHash {
        PageHash::of(TEXT)
    }

    /// A frame the machine sent, decoded.
    #[derive(Debug, PartialEq)]
    struct Sent {
        join_ref: Option<Ref>,
        msg_ref: Option<Ref>,
        topic: String,
        event: String,
        payload: String,
    }

    fn sent(commands: &[Command]) -> Vec<Sent> {
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Send(text) => {
                    let f = Frame::decode(Vsn::V2, text).unwrap();
                    Some(Sent {
                        join_ref: f.join_ref,
                        msg_ref: f.msg_ref,
                        topic: f.topic.into_owned(),
                        event: f.event.into_owned(),
                        payload: f.payload.get().to_string(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    fn events(commands: &[Command]) -> Vec<String> {
        sent(commands).into_iter().map(|s| format!("{} {}", s.event, s.topic)).collect()
    }

    use super::test_frames::server;

    fn ok(join_ref: &str, msg_ref: &str, topic: Topic) -> Event {
        server(Some(join_ref), Some(msg_ref), topic, event::REPLY, r#"{"status":"ok","response":{}}"#)
    }

    fn count(topic: Topic, n: usize) -> Event {
        server(None, None, topic, event::VISITORS_COUNT, &serde_json::json!({ "count": n }).to_string())
    }

    fn content(text: &str) -> Event {
        server(
            None,
            None,
            Topic::Want(hash()),
            event::CONTENT,
            &serde_json::to_string(&Content { content: text.into(), hash: None }).unwrap(),
        )
    }

    /// A visitor without the page, connected and joined to want:H (join ref "1").
    fn waiting() -> Visitor {
        let (mut v, first) = Visitor::new(hash(), None, 7);
        assert_eq!(first, vec![Command::Connect]);
        assert_eq!(v.phase(), Phase::Connecting);
        let opened = v.step(Event::Opened);
        assert!(opened.contains(&Command::Schedule(Timer::Heartbeat, HEARTBEAT_EVERY)));
        assert_eq!(
            sent(&opened),
            vec![Sent {
                join_ref: Some(Ref::from("1")),
                msg_ref: Some(Ref::from("1")),
                topic: Topic::Want(hash()).to_string(),
                event: "phx_join".into(),
                payload: "{}".into()
            }]
        );
        let joined = v.step(ok("1", "1", Topic::Want(hash())));
        let request = sent(&joined);
        assert_eq!(request.len(), 1);
        assert_eq!(request[0].event, "content_request");
        assert_eq!(request[0].join_ref, Some(Ref::from("1")), "stamped with the join ref");
        assert_eq!(request[0].payload, serde_json::json!({ "hash": hash() }).to_string());
        assert!(joined.contains(&Command::Schedule(Timer::Retry, RETRY_EVERY)));
        assert_eq!(v.phase(), Phase::Waiting);
        v
    }

    #[test]
    fn a_visitor_joins_want_asks_and_asks_again_every_two_seconds() {
        let mut v = waiting();
        for _ in 0..3 {
            let retry = v.step(Event::Timer(Timer::Retry));
            assert_eq!(events(&retry), vec![format!("content_request want:{}", hash())]);
            assert!(retry.contains(&Command::Schedule(Timer::Retry, RETRY_EVERY)));
        }
    }

    #[test]
    fn verified_content_is_kept_want_is_left_and_have_is_joined() {
        let mut v = waiting();
        v.step(count(Topic::Want(hash()), 2));
        assert_eq!(v.hosts(), Some(2));
        let got = v.step(content(TEXT));
        assert_eq!(v.content(), Some(TEXT));
        assert_eq!(
            events(&got),
            vec![format!("phx_leave want:{}", hash()), format!("phx_join have:{}", hash())]
        );
        assert!(got.contains(&Command::Cancel(Timer::Retry)));
        assert_eq!(v.phase(), Phase::Connecting, "not hosting until the join is confirmed");
        let have_join = sent(&got)[1].msg_ref.clone().unwrap();
        let Ref::Text(j) = have_join else { panic!() };
        v.step(ok(&j, &j, Topic::Have(hash())));
        assert_eq!(v.phase(), Phase::Hosting);
        // Retries stop once the page is here.
        assert!(sent(&v.step(Event::Timer(Timer::Retry))).is_empty());
        // A second copy is ignored.
        assert!(v.step(content(TEXT)).is_empty());
    }

    #[test]
    fn content_with_the_wrong_hash_is_discarded_and_never_kept() {
        let mut v = waiting();
        assert!(v.step(content("not the page")).is_empty());
        assert_eq!(v.content(), None);
        assert_eq!(v.rejected(), 1);
        assert_eq!(v.phase(), Phase::Waiting);
        // Still asking.
        assert_eq!(events(&v.step(Event::Timer(Timer::Retry))).len(), 1);
    }

    #[test]
    fn text_from_the_first_response_that_checks_out_is_hosted_without_asking() {
        let (mut v, _) = Visitor::new(hash(), None, 3);
        assert!(v.step(Event::Offered(TEXT.into())).is_empty(), "nothing to send before the socket opens");
        assert_eq!(v.content(), Some(TEXT));
        assert!(v.snapshot().has_content);
        let opened = v.step(Event::Opened);
        assert_eq!(events(&opened), vec![format!("phx_join have:{}", hash())], "no want, no request");
        v.step(ok("1", "1", Topic::Have(hash())));
        assert_eq!(v.phase(), Phase::Hosting);
        // Offered while already waiting on want:H: leaves it and hosts.
        let mut w = waiting();
        let got = w.step(Event::Offered(TEXT.into()));
        assert_eq!(
            events(&got),
            vec![format!("phx_leave want:{}", hash()), format!("phx_join have:{}", hash())]
        );
    }

    #[test]
    fn text_from_the_first_response_that_does_not_check_out_is_discarded_and_the_peers_asked() {
        let (mut v, _) = Visitor::new(hash(), None, 3);
        assert!(v.step(Event::Offered("a forged page".into())).is_empty());
        assert_eq!(v.content(), None);
        assert_eq!(v.rejected(), 1);
        let opened = v.step(Event::Opened);
        assert_eq!(events(&opened), vec![format!("phx_join want:{}", hash())]);
        let joined = v.step(ok("1", "1", Topic::Want(hash())));
        assert_eq!(events(&joined), vec![format!("content_request want:{}", hash())]);
        // The true page still arrives from a peer.
        v.step(content(TEXT));
        assert_eq!(v.content(), Some(TEXT));
    }

    #[test]
    fn the_join_reply_carries_the_host_count() {
        let (mut v, _) = Visitor::new(hash(), None, 1);
        v.step(Event::Opened);
        v.step(server(
            Some("1"),
            Some("1"),
            Topic::Want(hash()),
            event::REPLY,
            r#"{"status":"ok","response":{"count":0}}"#,
        ));
        assert_eq!(v.hosts(), Some(0));
        assert_eq!(v.phase(), Phase::NobodyHosting);
        // Still asks once: a host may be joining right now.
        assert_eq!(events(&v.step(Event::Timer(Timer::Retry))).len(), 1);
    }

    #[test]
    fn with_no_hosts_the_visitor_says_so_keeps_asking_and_asks_at_once_when_one_appears() {
        let mut v = waiting();
        v.step(count(Topic::Want(hash()), 0));
        assert_eq!(v.phase(), Phase::NobodyHosting);
        assert_eq!(events(&v.step(Event::Timer(Timer::Retry))).len(), 1);
        let appeared = v.step(count(Topic::Want(hash()), 1));
        assert_eq!(events(&appeared), vec![format!("content_request want:{}", hash())]);
        assert_eq!(v.phase(), Phase::Waiting);
    }

    fn hosting() -> Visitor {
        let (mut v, _) = Visitor::new(hash(), Some(TEXT.into()), 7);
        let opened = v.step(Event::Opened);
        assert_eq!(events(&opened), vec![format!("phx_join have:{}", hash())]);
        v.step(ok("1", "1", Topic::Have(hash())));
        assert_eq!(v.phase(), Phase::Hosting);
        v
    }

    #[test]
    fn a_creator_hosts_at_once_and_answers_requests_with_the_page() {
        let mut v = hosting();
        let answer = v.step(server(None, None, Topic::Have(hash()), event::CONTENT_REQUEST, "{}"));
        let frames = sent(&answer);
        assert_eq!(frames.len(), 1);
        let Sent { join_ref, topic, event, payload, .. } = &frames[0];
        assert_eq!(
            (join_ref.clone(), topic.as_str(), event.as_str()),
            (Some(Ref::from("1")), &*format!("have:{}", hash()), "content")
        );
        let body: Content = serde_json::from_str(payload).unwrap();
        assert_eq!(body.content, TEXT);
        assert_eq!(body.hash, Some(hash().to_string()));
    }

    #[test]
    fn a_creator_whose_text_does_not_match_the_address_does_not_host_it() {
        let (v, _) = Visitor::new(hash(), Some("other text".into()), 1);
        assert_eq!(v.content(), None);
    }

    #[test]
    fn the_only_host_is_warned_and_a_second_host_removes_the_warning() {
        let mut v = hosting();
        v.step(count(Topic::Have(hash()), 1));
        assert!(v.is_last_host());
        v.step(count(Topic::Have(hash()), 2));
        assert!(!v.is_last_host());
        let mut w = waiting();
        w.step(count(Topic::Want(hash()), 1));
        assert!(!w.is_last_host(), "a visitor without the page is no host");
    }

    #[test]
    fn frames_for_other_joins_topics_or_pages_are_ignored() {
        let mut v = hosting();
        let stale = server(Some("99"), None, Topic::Have(hash()), event::CONTENT_REQUEST, "{}");
        assert!(v.step(stale).is_empty());
        let other = server(None, None, Topic::Have(PageHash::of("x")), event::CONTENT_REQUEST, "{}");
        assert!(v.step(other).is_empty());
        for junk in ["", "[", "{}", r#"["1","1","have:zz","content_request",{}]"#] {
            assert!(v.step(Event::Frame(junk.into())).is_empty());
        }
        // Visitor events on the host side do nothing.
        assert!(v.step(content(TEXT)).is_empty());
    }

    #[test]
    fn losing_the_connection_reconnects_with_growing_jittered_delays_and_rejoins_as_host() {
        let mut v = hosting();
        let mut last_nominal = Duration::ZERO;
        for attempt in 1..=8 {
            let lost = v.step(Event::Closed);
            let Some(Command::Schedule(Timer::Reconnect, delay)) = lost.last().cloned() else {
                panic!("{lost:?}")
            };
            let nominal = Backoff::default().nominal(attempt);
            assert!(delay >= nominal / 2 && delay <= nominal, "attempt {attempt}: {delay:?} vs {nominal:?}");
            assert!(nominal >= last_nominal);
            last_nominal = nominal;
            assert_eq!(v.phase(), Phase::Reconnecting);
            assert_eq!(v.connection(), Connection::Retrying { attempt, delay });
            // A second close report for the same loss changes nothing.
            assert!(v.step(Event::Closed).is_empty());
            assert_eq!(v.step(Event::Timer(Timer::Reconnect)), vec![Command::Connect]);
        }
        assert_eq!(last_nominal, Duration::from_secs(10), "capped");
        // Back online: the page is still here and hosted again.
        let opened = v.step(Event::Opened);
        assert_eq!(events(&opened), vec![format!("phx_join have:{}", hash())]);
        let j = sent(&opened)[0].join_ref.clone().unwrap();
        let Ref::Text(j) = j else { panic!() };
        v.step(ok(&j, &j, Topic::Have(hash())));
        assert_eq!(v.phase(), Phase::Hosting);
        assert_eq!(v.content(), Some(TEXT));
        // The back-off starts over after a successful join.
        let lost = v.step(Event::Closed);
        assert!(
            matches!(lost.last(), Some(Command::Schedule(Timer::Reconnect, d)) if *d <= Backoff::default().first)
        );
    }

    #[test]
    fn jitter_differs_between_tabs() {
        let delays: Vec<Duration> = (0..8)
            .map(|seed| {
                let (mut v, _) = Visitor::new(hash(), None, seed);
                v.step(Event::Opened);
                for _ in 0..5 {
                    v.step(Event::Closed);
                    v.step(Event::Timer(Timer::Reconnect));
                }
                match v.step(Event::Closed).last() {
                    Some(Command::Schedule(Timer::Reconnect, d)) => *d,
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(distinct.len() > 4, "{delays:?}");
    }

    #[test]
    fn a_visitor_reconnecting_without_the_page_rejoins_want_and_asks_again() {
        let mut v = waiting();
        v.step(Event::Closed);
        assert!(sent(&v.step(Event::Timer(Timer::Retry))).is_empty(), "no asking while offline");
        v.step(Event::Timer(Timer::Reconnect));
        let opened = v.step(Event::Opened);
        assert_eq!(events(&opened), vec![format!("phx_join want:{}", hash())]);
    }

    #[test]
    fn heartbeats_every_thirty_seconds_and_an_unanswered_one_drops_the_connection() {
        let mut v = hosting();
        let beat = v.step(Event::Timer(Timer::Heartbeat));
        let frames = sent(&beat);
        assert_eq!(
            (frames[0].join_ref.clone(), frames[0].topic.as_str(), frames[0].event.as_str()),
            (None, "phoenix", "heartbeat")
        );
        assert!(beat.contains(&Command::Schedule(Timer::Heartbeat, HEARTBEAT_EVERY)));
        let Ref::Text(r) = frames[0].msg_ref.clone().unwrap() else { panic!() };
        v.step(server(None, Some(&r), Topic::Phoenix, event::REPLY, r#"{"status":"ok","response":{}}"#));
        // Answered: the next beat goes out normally.
        assert_eq!(events(&v.step(Event::Timer(Timer::Heartbeat))), vec!["heartbeat phoenix".to_string()]);
        // Unanswered: the connection is given up.
        assert_eq!(v.step(Event::Timer(Timer::Heartbeat)), vec![Command::Disconnect]);
        assert!(matches!(v.step(Event::Closed).last(), Some(Command::Schedule(Timer::Reconnect, _))));
    }

    #[test]
    fn a_channel_the_relay_closes_or_errors_is_joined_again() {
        let mut v = hosting();
        let rejoin = v.step(server(Some("1"), Some("1"), Topic::Have(hash()), event::ERROR, "{}"));
        assert_eq!(events(&rejoin), vec![format!("phx_join have:{}", hash())]);
        let mut w = waiting();
        let rejoin = w.step(server(Some("1"), Some("1"), Topic::Want(hash()), event::CLOSE, "{}"));
        assert_eq!(events(&rejoin), vec![format!("phx_join want:{}", hash())]);
    }

    #[test]
    fn a_refused_join_starts_over_on_a_new_connection() {
        let (mut v, _) = Visitor::new(hash(), None, 3);
        v.step(Event::Opened);
        let refused = v.step(server(
            Some("1"),
            Some("1"),
            Topic::Want(hash()),
            event::REPLY,
            r#"{"status":"error","response":{"reason":"too many channels joined"}}"#,
        ));
        assert_eq!(refused, vec![Command::Disconnect]);
    }

    #[test]
    fn backoff_doubles_from_the_first_delay_up_to_the_cap() {
        let b = Backoff::default();
        assert_eq!(b.nominal(1), Duration::from_millis(250));
        assert_eq!(b.nominal(2), Duration::from_millis(500));
        assert_eq!(b.nominal(3), Duration::from_secs(1));
        assert_eq!(b.nominal(7), Duration::from_secs(10));
        assert_eq!(b.nominal(1000), Duration::from_secs(10));
    }

    const NOW: u64 = 1_800_000_000_000;

    fn chat_frame(message: &Message) -> Event {
        server(None, None, Topic::Have(hash()), event::CHAT, &serde_json::to_string(message).unwrap())
    }

    #[test]
    fn a_new_host_asks_for_the_history_and_merges_the_answer() {
        let (mut v, _) = Visitor::new(hash(), Some(TEXT.into()), 7);
        v.set_now(NOW);
        v.step(Event::Opened);
        let joined = v.step(ok("1", "1", Topic::Have(hash())));
        let asked = sent(&joined);
        assert_eq!(events(&joined), vec![format!("chat_history have:{}", hash())]);
        assert_eq!((asked[0].join_ref.clone(), asked[0].payload.as_str()), (Some(Ref::from("1")), "{}"));
        let before = v.snapshot().chat_version;
        let old = [
            Message::plain(NOW - 5000, "Ada", "first").unwrap(),
            Message::plain(NOW - 4000, "Bob", "second").unwrap(),
        ];
        let answer = serde_json::to_string(&History { messages: Some(old.to_vec()) }).unwrap();
        assert!(v.step(server(None, None, Topic::Have(hash()), event::CHAT_HISTORY, &answer)).is_empty());
        let texts: Vec<_> = v.chat().iter().map(|m| m.at()).collect();
        assert_eq!(texts, vec![NOW - 5000, NOW - 4000]);
        assert!(v.snapshot().chat_version > before);
        // The same history again changes nothing.
        let version = v.snapshot().chat_version;
        v.step(server(None, None, Topic::Have(hash()), event::CHAT_HISTORY, &answer));
        assert_eq!(v.snapshot().chat_version, version);
    }

    #[test]
    fn a_host_asked_for_the_history_answers_with_its_messages() {
        let mut v = hosting();
        v.set_now(NOW);
        let m = Message::plain(NOW, "Ada", "hello").unwrap();
        v.step(chat_frame(&m));
        let asked = v.step(server(None, None, Topic::Have(hash()), event::CHAT_HISTORY, "{}"));
        let frames = sent(&asked);
        assert_eq!(frames.len(), 1);
        assert_eq!(
            (frames[0].event.as_str(), frames[0].join_ref.clone()),
            ("chat_history", Some(Ref::from("1")))
        );
        let answer: History = serde_json::from_str(&frames[0].payload).unwrap();
        assert_eq!(answer.messages, Some(vec![m]));
    }

    #[test]
    fn saying_something_sends_it_keeps_it_and_takes_it_back_if_the_relay_refuses() {
        let mut v = hosting();
        v.set_now(NOW);
        let m = Message::plain(NOW, "Ada", "hi <b>there</b>").unwrap();
        let said = v.step(Event::Say(m.clone()));
        let frames = sent(&said);
        assert_eq!(frames.len(), 1);
        assert_eq!((frames[0].event.as_str(), frames[0].topic.clone()), ("chat", format!("have:{}", hash())));
        assert_eq!(chat::read_message(&frames[0].payload).unwrap(), m);
        assert_eq!(v.chat().len(), 1, "shown at once");
        let Ref::Text(r) = frames[0].msg_ref.clone().unwrap() else { panic!() };
        v.step(server(
            Some("1"),
            Some(&r),
            Topic::Have(hash()),
            event::REPLY,
            r#"{"status":"ok","response":{}}"#,
        ));
        assert_eq!(v.chat().len(), 1);
        assert!(v.not_sent().is_none());

        let n = Message::plain(NOW + 1, "Ada", "again").unwrap();
        let said = v.step(Event::Say(n.clone()));
        let Ref::Text(r) = sent(&said)[0].msg_ref.clone().unwrap() else { panic!() };
        v.step(server(
            Some("1"),
            Some(&r),
            Topic::Have(hash()),
            event::REPLY,
            r#"{"status":"error","response":{"reason":"rate_limited"}}"#,
        ));
        assert_eq!(v.chat().iter().cloned().collect::<Vec<_>>(), vec![m], "the refused one is taken back");
        assert_eq!(v.not_sent(), Some(&NotSent { message: n, reason: "rate_limited".into() }));
    }

    #[test]
    fn only_a_host_chats_and_only_checked_messages_are_kept() {
        let mut w = waiting();
        w.set_now(NOW);
        let m = Message::plain(NOW, "Ada", "hi").unwrap();
        assert!(w.step(Event::Say(m.clone())).is_empty(), "a visitor still waiting sends nothing");
        assert!(w.not_sent().is_some());
        assert!(w.chat().is_empty());
        // Chat on want:H is no business of a visitor.
        w.step(server(None, None, Topic::Want(hash()), event::CHAT, &serde_json::to_string(&m).unwrap()));
        assert!(w.chat().is_empty());

        let mut v = hosting();
        v.set_now(NOW);
        let mut forged = serde_json::to_value(&m).unwrap();
        forged["text"] = "changed".into();
        v.step(server(None, None, Topic::Have(hash()), event::CHAT, &forged.to_string()));
        v.step(chat_frame(&Message::plain(NOW + 61_000, "Ada", "from the future").unwrap()));
        assert!(v.chat().is_empty());
        v.step(chat_frame(&m));
        v.step(chat_frame(&m));
        assert_eq!(v.chat().len(), 1, "duplicates dropped");
    }
}
