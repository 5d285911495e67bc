//! The visitor's state machine: everything a browser tab does on a page,
//! as plain Rust with no web-sys, so it is unit-tested natively. The
//! browser glue (`socket.rs`) feeds it [`Event`]s (socket opened, closed, a
//! frame arrived, a timer fired) and carries out the [`Command`]s it returns.
//!
//! The socket, its channels and hosting are the [`client`](crate::client)
//! core the keeper shares; what is the visitor's own is here: wanting the
//! page on `want:H` and asking for it every 2 s, checking what arrives,
//! moving to `have:H` once it is here, and saying things in its chat.

use crate::chat::{Chat, Message, MessageId};
use crate::client::channels::{Channels, Heard};
use crate::client::hosting::{self, Host};
use crate::client::{Command, Connection, Event, Machine, Timer};
use crate::phoenix::{Frame, Reason, Ref, Status};
use crate::protocol::{event, Content, ContentRequest, PageHash, Topic};
use crate::transfer::{FilesSnapshot, Route, Transfer, WINDOW};
use std::time::Duration;

mod direct;
#[cfg(test)]
mod ending_tests;
pub use direct::DirectSetting;

/// How often a visitor without the page asks again.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);

impl Machine for Visitor {
    fn set_now(&mut self, now_ms: u64) {
        Visitor::set_now(self, now_ms);
    }

    fn step(&mut self, event: Event) -> Vec<Command> {
        Visitor::step(self, event)
    }

    fn file_page(&self) -> Option<(PageHash, &str)> {
        self.transfer.as_ref().and(self.content.as_deref()).map(|wire| (self.hash, wire))
    }

    fn page_text(&self) -> Option<&str> {
        self.content.as_deref()
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
    /// The page has ended (its lifetime, SPEC §15): this tab dropped it, or
    /// never took it.
    Ended,
    /// A one-time page this tab read: shown here, hosted nowhere (SPEC §15).
    Read,
    /// A one-time page this tab wrote went to its one reader: dropped here.
    Delivered,
}

/// How this tab got the page's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// It was written here.
    Created,
    /// With the page itself, in the server's first response.
    FirstResponse,
    /// From a host, through the relay.
    Relay,
    /// From a host, over a direct connection.
    Direct,
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
    /// A file page's transfer, once the page is one (and files are on).
    pub files: Option<FilesSnapshot>,
    /// How the text got here, once it is.
    pub arrival: Option<Arrival>,
    /// Why the relay carries it, when a direct connection was wanted.
    pub relay_why: Option<crate::signal::Why>,
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
            files: None,
            arrival: None,
            relay_why: None,
        }
    }
}

/// What this client does with a file page's chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// Nothing: a file page is shown as its manifest (a client that has
    /// no storage for chunks).
    Off,
    /// Downloads what it lacks and hosts what it holds (a browser tab, the
    /// mirror's `keep` and `host`).
    Host,
    /// Downloads, never hosts (the mirror's `get`).
    Download,
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
    /// The socket and the one channel wanted on it: `want:H`, or `have:H`
    /// once the page is here.
    channels: Channels,
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
    /// What to do with a file page's chunks.
    file_role: FileRole,
    /// A file page's transfer, once the page is one.
    transfer: Option<Transfer>,
    /// What this tab may do directly (`set_direct`); none: relay only,
    /// and offers are declined.
    direct_setting: Option<DirectSetting>,
    /// The glue is finding the setting out: the page waits for it.
    direct_awaited: bool,
    /// This tab's direct connection to a host, while it wants the page.
    direct: crate::signal::Visitor,
    /// This tab's direct connections to visitors, once it hosts the page.
    direct_host: crate::signal::Host,
    /// The offer's push, until the relay replies with its pair.
    offer_ref: Option<Ref>,
    /// The relay paired the connection and its outcome is not reported yet.
    direct_paired: bool,
    /// Its opening was reported, and no break since.
    direct_opened: bool,
    /// How the text got here.
    arrival: Option<Arrival>,
    /// Why a direct connection gave way to the relay.
    relay_why: Option<crate::signal::Why>,
    /// The page's end came (SPEC §15): dropped, never taken again.
    ended: bool,
    /// A timer wakes the machine at the page's end.
    end_scheduled: bool,
    /// A one-time page read here: shown, never hosted.
    read_once: bool,
    /// This tab's one-time page went to its reader: dropped.
    delivered: bool,
}

impl Visitor {
    /// A tab opening `/<hash>`, with the page's text if this tab created it.
    /// `seed` drives the reconnect jitter.
    pub fn new(hash: PageHash, content: Option<String>, seed: u64) -> (Self, Vec<Command>) {
        let content = content.filter(|text| hash.matches(text));
        let mut channels = Channels::new(seed);
        let topic = if content.is_some() { Topic::Have(hash) } else { Topic::Want(hash) };
        // Not open yet: nothing is sent, the topic is joined once it opens.
        channels.want(topic, &mut Vec::new());
        let visitor = Self {
            hash,
            content,
            channels,
            hosts: None,
            rejected: 0,
            chat: Chat::default(),
            chat_version: 0,
            unconfirmed: Vec::new(),
            not_sent: None,
            now_ms: 0,
            file_role: FileRole::Off,
            transfer: None,
            direct_setting: None,
            direct_awaited: false,
            direct: crate::signal::Visitor::new(),
            direct_host: crate::signal::Host::new(false),
            offer_ref: None,
            direct_paired: false,
            direct_opened: false,
            arrival: None,
            relay_why: None,
            ended: false,
            end_scheduled: false,
            read_once: false,
            delivered: false,
        };
        let mut visitor = visitor;
        if visitor.content.as_deref().is_some_and(crate::lifetime::is_once) {
            // The author of a one-time page says so as it joins: the relay
            // then lets nobody else host it, and tells it of the delivery.
            visitor.channels.join_with(Topic::Have(hash), serde_json::json!({ "once": true }));
        }
        if visitor.content.is_some() {
            visitor.arrival = Some(Arrival::Created);
        }
        (visitor, vec![Command::Connect])
    }

    /// Takes a file page's chunks in `role` (call right after
    /// [`Visitor::new`]); with the page already here (the files' author),
    /// its storage is opened at once.
    pub fn set_file_role(&mut self, role: FileRole) -> Vec<Command> {
        self.file_role = role;
        let mut out = Vec::new();
        if role == FileRole::Download {
            // Never a host, even of a page it was given.
            self.channels.leave(Topic::Have(self.hash), &mut out);
        }
        if let Some(text) = self.content.clone() {
            self.start_transfer(&text, &mut out);
        }
        out
    }

    /// The page's transfer begins if it is a file page and files are on;
    /// true if it did.
    fn start_transfer(&mut self, text: &str, out: &mut Vec<Command>) -> bool {
        if self.file_role == FileRole::Off || self.transfer.is_some() {
            return false;
        }
        let Some(index) = crate::sealed_files::index_of(text, u64::MAX) else { return false };
        let hosting = self.file_role == FileRole::Host;
        let mut transfer = Transfer::new(self.hash, crate::download::Download::new(index, WINDOW), hosting);
        if self.direct_awaited && self.direct_setting.is_none() {
            // Whether chunks may come directly is not known yet: they wait for it.
            transfer.set_route(Route::Waiting, &mut self.channels, self.now_ms, out);
        }
        self.transfer = Some(transfer);
        out.push(Command::OpenFiles);
        true
    }

    /// A file page's transfer, once the page is one.
    pub fn files(&self) -> Option<FilesSnapshot> {
        self.transfer.as_ref().map(Transfer::snapshot)
    }

    /// The chunks a file page's transfer holds and wants.
    pub fn download(&self) -> Option<&crate::download::Download> {
        self.transfer.as_ref().map(Transfer::download)
    }

    pub fn content(&self) -> Option<&str> {
        self.content.as_deref()
    }

    pub fn hosts(&self) -> Option<usize> {
        self.hosts
    }

    pub fn connection(&self) -> Connection {
        self.channels.connection()
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
        if self.ended {
            return Phase::Ended;
        }
        if self.delivered {
            return Phase::Delivered;
        }
        if self.read_once && self.content.is_some() {
            return Phase::Read;
        }
        match (self.channels.connection(), &self.content) {
            (Connection::Retrying { .. }, _) => Phase::Reconnecting,
            (_, Some(_)) if self.channels.is_joined(Topic::Have(self.hash)) => Phase::Hosting,
            (Connection::Open, None) if self.hosts == Some(0) => Phase::NobodyHosting,
            (Connection::Open, None) if self.channels.is_joined(Topic::Want(self.hash)) => Phase::Waiting,
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
            files: self.files(),
            arrival: self.arrival,
            relay_why: self.relay_why,
        }
    }

    /// True when closing this tab would delete the page.
    pub fn is_last_host(&self) -> bool {
        self.phase() == Phase::Hosting && self.hosts == Some(1)
    }

    /// Advances the machine by one event.
    pub fn step(&mut self, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        self.end_if_due(&mut out);
        if self.ended || self.delivered {
            // Nothing more: the socket's own life (heartbeats) goes on.
            if let Event::Timer(timer @ (Timer::Heartbeat | Timer::Reconnect | Timer::Rejoin)) = event {
                self.channels.timer(timer, &mut out);
            } else if let Event::Frame(text) = &event {
                self.channels.read(text, &mut out);
            }
            return out;
        }
        out.extend(self.step_on(event));
        self.end_if_due(&mut out);
        self.schedule_end(&mut out);
        out
    }

    /// Drops the page once its end has come (or the relay said it has):
    /// never shown or hosted again by this tab.
    fn end_if_due(&mut self, out: &mut Vec<Command>) {
        let due = self.content.as_deref().is_some_and(|text| crate::lifetime::has_ended(text, self.now_ms));
        if due {
            self.ended = true;
            self.let_go(out);
        }
    }

    /// Drops the page: its text, its channels, its timers (the caller says why).
    fn let_go(&mut self, out: &mut Vec<Command>) {
        self.content = None;
        // Every honest host lets it go at the same end; this tab hears no count any more.
        self.hosts = Some(0);
        self.transfer = None;
        self.channels.leave(Topic::Have(self.hash), out);
        self.channels.leave(Topic::Want(self.hash), out);
        out.push(Command::Cancel(Timer::Retry));
        out.push(Command::Cancel(Timer::End));
    }

    /// Wakes the machine when the page it holds ends (again if it woke early).
    fn schedule_end(&mut self, out: &mut Vec<Command>) {
        if self.end_scheduled {
            return;
        }
        let Some(left) = self.content.as_deref().and_then(|text| crate::lifetime::left_ms(text, self.now_ms))
        else {
            return;
        };
        self.end_scheduled = true;
        // Timers past ~24 days overflow in browsers: wake up a day at a time.
        out.push(Command::Schedule(Timer::End, Duration::from_millis(left.clamp(1, 24 * 60 * 60 * 1000))));
    }

    fn step_on(&mut self, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        match event {
            Event::Timer(Timer::End) => self.end_scheduled = false,
            Event::Opened => self.channels.opened(&mut out),
            Event::Closed => self.closed(&mut out),
            Event::Frame(text) => self.frame(&text, &mut out),
            Event::Timer(Timer::Retry) => {
                if self.content.is_none() && self.channels.is_open() {
                    self.request(&mut out);
                }
            }
            Event::Timer(Timer::Direct) => self.direct_timer(&mut out),
            Event::Direct(event) => self.direct_event(event, &mut out),
            Event::Timer(Timer::Files) => {
                let stalled = self
                    .transfer
                    .as_mut()
                    .is_some_and(|transfer| transfer.timer(&mut self.channels, self.now_ms, &mut out));
                if stalled {
                    self.direct_stalled(&mut out);
                }
            }
            Event::Timer(timer) => self.channels.timer(timer, &mut out),
            Event::Offered(text) => {
                let had = self.content.is_some();
                self.received(text, &mut out);
                if !had && self.content.is_some() {
                    self.arrival = Some(Arrival::FirstResponse);
                }
            }
            Event::Say(message) => self.say(message, &mut out),
            Event::Binary(bytes) => {
                if let Some(transfer) = &mut self.transfer {
                    transfer.binary(&bytes, &mut out);
                }
            }
            Event::FilesReady(held) => {
                if let Some(transfer) = &mut self.transfer {
                    transfer.ready(held, &mut self.channels, self.now_ms, &mut out);
                }
                self.direct_for_files(&mut out);
            }
            Event::ChunkStored(id, ok) => {
                if let Some(transfer) = &mut self.transfer {
                    transfer.stored(id, ok, &mut self.channels, self.now_ms, &mut out);
                }
                self.direct_files_done(&mut out);
            }
            Event::ChunkRead(id, payload) => {
                if let Some(transfer) = &mut self.transfer {
                    transfer.read(id, payload, &mut self.channels, &mut out);
                }
            }
            Event::PauseFiles(paused) => {
                if let Some(transfer) = &mut self.transfer {
                    transfer.pause(paused, &mut self.channels, self.now_ms, &mut out);
                }
            }
        }
        out
    }

    /// Says a message: into this tab's chat at once, and to the other
    /// hosts through the relay. Refused here when this tab is no host.
    fn say(&mut self, message: Message, out: &mut Vec<Command>) {
        if self.not_sent.take().is_some() {
            self.chat_version += 1;
        }
        let have = Topic::Have(self.hash);
        if !self.channels.is_joined(have) {
            self.refused(message, crate::chat::HOSTS_ONLY);
            return;
        }
        if let Err(error) = message.check_date(self.now_ms) {
            self.refused(message, &error.to_string());
            return;
        }
        let Some(msg_ref) = self.channels.push(have, event::CHAT, &message, out) else { return };
        self.unconfirmed.push((msg_ref, message.id()));
        if self.chat.insert(message, self.now_ms) {
            self.chat_version += 1;
        }
    }

    fn refused(&mut self, message: Message, reason: &str) {
        self.not_sent = Some(NotSent { message, reason: reason.to_owned() });
        self.chat_version += 1;
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
        if crate::lifetime::has_ended(&text, self.now_ms) {
            // A true copy, but its end has come: never shown, never hosted.
            self.ended = true;
            return self.let_go(out);
        }
        if crate::lifetime::is_once(&text) {
            // A one-time page: read here, hosted by its author alone.
            self.read_once = true;
            self.content = Some(text);
            self.transfer = None;
            self.channels.leave(Topic::Want(self.hash), out);
            out.push(Command::Cancel(Timer::Retry));
            return;
        }
        let files_on = self.file_role != FileRole::Off;
        let started = files_on && self.start_transfer(&text, out);
        self.content = Some(text);
        if self.channels.is_open() {
            out.push(Command::Cancel(Timer::Retry));
        }
        if started {
            // A file page: `want:H` stays (for chunks) until every one is
            // here; `have:H` is joined to host the manifest and the chunks.
            if self.file_role == FileRole::Host {
                self.channels.want(Topic::Have(self.hash), out);
            }
            return;
        }
        // Not yet connected: the next `Opened` joins `have:H` directly.
        self.channels.leave(Topic::Want(self.hash), out);
        self.channels.want(Topic::Have(self.hash), out);
    }

    fn request(&mut self, out: &mut Vec<Command>) {
        // A direct connection being set up asks first; the relay is asked
        // the moment it gives way.
        if self.direct_pending() {
            return;
        }
        let payload = ContentRequest { hash: Some(self.hash.to_string().into()) };
        if self.channels.push(Topic::Want(self.hash), event::CONTENT_REQUEST, &payload, out).is_some() {
            out.push(Command::Schedule(Timer::Retry, RETRY_EVERY));
        }
    }

    fn closed(&mut self, out: &mut Vec<Command>) {
        if self.channels.is_retrying() {
            return;
        }
        // Replies to this connection's pushes will never come.
        self.unconfirmed.clear();
        if let Some(transfer) = &mut self.transfer {
            transfer.closed();
        }
        out.push(Command::Cancel(Timer::Retry));
        self.channels.closed(out);
    }

    fn frame(&mut self, text: &str, out: &mut Vec<Command>) {
        let Some(heard) = self.channels.read(text, out) else { return };
        match heard {
            Heard::Joined { topic, count } => {
                if count.is_some() {
                    self.hosts = count;
                }
                match (topic, &mut self.transfer) {
                    (Topic::Have(_), transfer) => {
                        hosting::ask_history(&mut self.channels, self.hash, out);
                        if let Some(transfer) = transfer {
                            transfer.have_joined(&mut self.channels, self.now_ms, out);
                        }
                    }
                    (_, Some(transfer)) => {
                        transfer.want_joined(&mut self.channels, self.now_ms, out);
                        self.direct_for_files(out);
                    }
                    _ => self.want_page(out),
                }
            }
            Heard::Count { count, .. } => self.hosts_counted(count, out),
            Heard::Frame { topic, frame, .. }
                if self.transfer.as_mut().is_some_and(|transfer| {
                    transfer.frame(topic, &frame, &mut self.channels, self.now_ms, out)
                }) => {}
            Heard::Frame { topic, frame, .. } if self.direct_frame(topic, &frame, out) => {}
            Heard::Frame { frame, .. } if frame.event == event::REPLY => {
                if let Some(msg_ref) = frame.msg_ref.clone() {
                    self.chat_reply(&msg_ref, &frame);
                }
            }
            Heard::Frame { topic: Topic::Have(_), frame, .. }
                if frame.event == event::PAGE_ENDED
                    && self.content.as_deref().is_some_and(|t| crate::lifetime::ends_at(t).is_some()) =>
            {
                // The relay's clock says its end has come (a page without one cannot end).
                self.ended = true;
                self.let_go(out);
            }
            Heard::Frame { topic: Topic::Have(_), frame, .. }
                if frame.event == event::PAGE_DELIVERED
                    && self.content.as_deref().is_some_and(crate::lifetime::is_once) =>
            {
                // Its one reader has it: nobody else will, this tab lets it go.
                self.delivered = true;
                self.let_go(out);
            }
            Heard::Frame { topic: Topic::Have(hash), join_ref, frame } => {
                let Some(text) = self.content.as_deref() else { return };
                let mut host = Host { hash, text, chat: &mut self.chat, now_ms: self.now_ms };
                if host.serve(&mut self.channels, &join_ref, &frame, out) {
                    self.chat_version += 1;
                }
            }
            Heard::Frame { topic: Topic::Want(_), frame, .. } if frame.event == event::CONTENT => {
                let Ok(content) = frame.payload_as::<Content>() else { return };
                match (&mut self.transfer, self.content.as_deref()) {
                    (Some(transfer), Some(held)) if held == content.content => {
                        transfer.manifest_arrived(&mut self.channels, self.now_ms, out)
                    }
                    _ => {
                        let had = self.content.is_some();
                        self.received(content.content.into_owned(), out);
                        if !had && self.content.is_some() {
                            self.arrival = Some(Arrival::Relay);
                        }
                        // It came through the relay: the relay knows the manifest.
                        if let Some(transfer) = &mut self.transfer {
                            transfer.manifest_arrived(&mut self.channels, self.now_ms, out);
                        }
                    }
                }
            }
            Heard::Frame { .. } => {}
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{self, History};
    use crate::client::{Backoff, HEARTBEAT_EVERY};
    use crate::phoenix::Vsn;

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

    use crate::client::test_frames::server;

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
