//! The channels a client wants on its socket, and what the relay says on
//! them. Both roles keep their wanted topics here: they are joined whenever
//! the socket opens, joined again when the relay ends one, and every frame
//! is read once — stale joins dropped, join replies settled — before the
//! role sees what it means.
//!
//! A refused join (the relay's per-socket caps) leaves its topic wanted and
//! is tried again by one rejoin timer, as phoenix.js's channel rejoin timer
//! does: after 1 s, 2 s, 5 s, then every 10 s ([`REJOIN_AFTER`], jittered
//! like the reconnects), on the same socket, so the channels the relay did
//! accept stay joined. A retried join that is accepted starts those delays
//! over; closing the socket cancels the timer (the next connection joins
//! everything anyway). Only a connection left with no channel at all — every
//! join refused, the visitor's one topic say — is given up and replaced on
//! the reconnect back-off.

use super::connection::{send, Connection, Link};
use super::{Command, Timer};
use crate::phoenix::{Empty, Frame, Ref, Status, Vsn, PHOENIX_TOPIC};
use crate::protocol::event;
use crate::protocol::{Topic, VisitorsCount};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The nominal delays before the rejoin timer's attempts, as phoenix.js's
/// `rejoinAfterMs`: the last one repeats. Each is drawn between half and all
/// of it, like a reconnect's.
pub const REJOIN_AFTER: [Duration; 4] =
    [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(5), Duration::from_secs(10)];

/// The nominal delay before rejoin attempt `attempt` (1-based).
pub fn rejoin_after(attempt: u32) -> Duration {
    let last = REJOIN_AFTER.len() - 1;
    REJOIN_AFTER[(attempt.saturating_sub(1) as usize).min(last)]
}

/// A wanted channel's state on the current connection.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Channel {
    /// Not joined on this connection: not yet, or its join was refused and
    /// the rejoin timer will try again.
    Wanted,
    /// Its join is awaiting the reply; `retry` when the rejoin timer sent it.
    Joining {
        join_ref: Ref,
        retry: bool,
    },
    Joined(Ref),
}

/// What a frame on one of the client's channels means to its role.
#[derive(Debug)]
pub(crate) enum Heard<'a> {
    /// The relay accepted a join; its reply carries the page's host count.
    Joined { topic: Topic, count: Option<usize> },
    /// `visitors_count`: the page's hosts.
    Count { topic: Topic, count: usize },
    /// Anything else on a channel of this connection, with its join ref.
    Frame { topic: Topic, join_ref: Ref, frame: Frame<'a> },
}

/// A client's socket and the channels it wants on it.
#[derive(Debug)]
pub(crate) struct Channels {
    link: Link,
    /// Every wanted topic, in a stable order (joins go out in it).
    wanted: BTreeMap<Topic, Channel>,
    /// Rejoin attempts since a retried join was last accepted, on this
    /// connection, and whether the rejoin timer is armed.
    rejoins: u32,
    rejoin_armed: bool,
    /// Topics joined with a payload of their own (a one-time page's
    /// `have:H`: `{"once": true}`); the others with `{}`.
    join_payloads: BTreeMap<Topic, serde_json::Value>,
}

impl Channels {
    /// Nothing wanted yet, connecting; `seed` drives the reconnect jitter.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            link: Link::new(seed),
            wanted: BTreeMap::new(),
            rejoins: 0,
            rejoin_armed: false,
            join_payloads: BTreeMap::new(),
        }
    }

    /// Joins `topic` with `payload` from now on (set before wanting it).
    pub(crate) fn join_with(&mut self, topic: Topic, payload: serde_json::Value) {
        self.join_payloads.insert(topic, payload);
    }

    pub(crate) fn connection(&self) -> Connection {
        self.link.connection()
    }

    pub(crate) fn is_open(&self) -> bool {
        self.link.is_open()
    }

    pub(crate) fn is_retrying(&self) -> bool {
        self.link.is_retrying()
    }

    pub(crate) fn is_joined(&self, topic: Topic) -> bool {
        matches!(self.wanted.get(&topic), Some(Channel::Joined(_)))
    }

    /// The topics joined on this connection.
    pub(crate) fn joined(&self) -> impl Iterator<Item = Topic> + '_ {
        self.wanted.iter().filter(|(_, c)| matches!(c, Channel::Joined(_))).map(|(t, _)| *t)
    }

    /// Wants `topic`: joined now if the socket is open, else when it opens.
    pub(crate) fn want(&mut self, topic: Topic, out: &mut Vec<Command>) {
        if self.wanted.contains_key(&topic) {
            return;
        }
        self.wanted.insert(topic, Channel::Wanted);
        if self.link.is_open() {
            self.join(topic, false, out);
        }
    }

    /// No longer wants `topic`: left if it was joined (or being joined).
    pub(crate) fn leave(&mut self, topic: Topic, out: &mut Vec<Command>) {
        let Some(Channel::Joining { join_ref, .. } | Channel::Joined(join_ref)) = self.wanted.remove(&topic)
        else {
            return;
        };
        if self.link.is_open() {
            let msg_ref = self.link.make_ref();
            send(out, Some(&join_ref), Some(&msg_ref), topic, event::LEAVE, &Empty {});
            // A refusal may have waited for this join's reply.
            self.settle(out);
        }
    }

    /// Pushes `event` on a joined channel, stamped with its join ref; the
    /// push's ref, or `None` (and nothing sent) if the channel is not joined.
    pub(crate) fn push(
        &mut self,
        topic: Topic,
        event: &str,
        payload: &impl Serialize,
        out: &mut Vec<Command>,
    ) -> Option<Ref> {
        let Some(Channel::Joined(join_ref)) = self.wanted.get(&topic).cloned() else { return None };
        Some(self.answer(&join_ref, topic, event, payload, out))
    }

    /// Pushes `event` under `join_ref`: the answer to a frame heard on that join.
    pub(crate) fn answer(
        &mut self,
        join_ref: &Ref,
        topic: Topic,
        event: &str,
        payload: &impl Serialize,
        out: &mut Vec<Command>,
    ) -> Ref {
        let msg_ref = self.link.make_ref();
        send(out, Some(join_ref), Some(&msg_ref), topic, event, payload);
        msg_ref
    }

    /// Pushes `payload` as a binary frame on a joined channel (a chunk);
    /// false (and nothing sent) if the channel is not joined.
    pub(crate) fn push_binary(
        &mut self,
        topic: Topic,
        event: &str,
        payload: &[u8],
        out: &mut Vec<Command>,
    ) -> bool {
        let Some(Channel::Joined(join_ref)) = self.wanted.get(&topic).cloned() else { return false };
        let msg_ref = self.link.make_ref();
        let text = |r: &Ref| match r {
            Ref::Text(text) => text.clone(),
            Ref::Number(number) => number.to_string(),
        };
        let (join_ref, msg_ref, topic) = (text(&join_ref), text(&msg_ref), topic.to_string());
        let push = crate::phoenix::binary::ClientPush {
            join_ref: Some(&join_ref),
            reference: Some(&msg_ref),
            topic: &topic,
            event,
            payload,
        };
        match crate::phoenix::binary::encode_client_push(&push) {
            Ok(bytes) => {
                out.push(Command::SendBinary(bytes));
                true
            }
            Err(_) => false,
        }
    }

    fn join(&mut self, topic: Topic, retry: bool, out: &mut Vec<Command>) {
        let join_ref = self.link.make_ref();
        match self.join_payloads.get(&topic) {
            Some(payload) => send(out, Some(&join_ref), Some(&join_ref), topic, event::JOIN, payload),
            None => send(out, Some(&join_ref), Some(&join_ref), topic, event::JOIN, &Empty {}),
        }
        self.wanted.insert(topic, Channel::Joining { join_ref, retry });
    }

    /// After a join's reply (or a leave): what becomes of the topics whose
    /// join was refused on this connection. With a channel joined, the
    /// rejoin timer tries them again later; with none joined and none
    /// awaiting its reply, the connection holds nothing and is given up
    /// (the next one is tried on the reconnect back-off); with joins still
    /// awaiting their replies, the decision waits for them.
    fn settle(&mut self, out: &mut Vec<Command>) {
        if self.rejoin_armed || !self.wanted.values().any(|c| *c == Channel::Wanted) {
            return;
        }
        if self.wanted.values().any(|c| matches!(c, Channel::Joined(_))) {
            self.rejoins += 1;
            let delay = self.link.jitter(rejoin_after(self.rejoins));
            self.rejoin_armed = true;
            out.push(Command::Schedule(Timer::Rejoin, delay));
        } else if !self.wanted.values().any(|c| matches!(c, Channel::Joining { .. })) {
            self.link.refused(out);
        }
    }

    /// The rejoin timer: every topic still wanted is joined again.
    fn rejoin_due(&mut self, out: &mut Vec<Command>) {
        if !self.rejoin_armed || !self.link.is_open() {
            return;
        }
        self.rejoin_armed = false;
        let refused: Vec<Topic> =
            self.wanted.iter().filter(|(_, c)| **c == Channel::Wanted).map(|(t, _)| *t).collect();
        for topic in refused {
            self.join(topic, true, out);
        }
    }

    /// The socket opened: heartbeats start and every wanted topic is joined
    /// (a new connection is fresh server state).
    pub(crate) fn opened(&mut self, out: &mut Vec<Command>) {
        self.link.opened(out);
        let topics: Vec<Topic> = self.wanted.keys().copied().collect();
        for topic in topics {
            self.join(topic, false, out);
        }
    }

    /// The socket closed: nothing is joined any more, the rejoin timer is
    /// disarmed (the next connection joins everything) and a reconnect is
    /// scheduled. A second report of the same loss changes nothing.
    pub(crate) fn closed(&mut self, out: &mut Vec<Command>) {
        if self.link.is_retrying() {
            return;
        }
        self.wanted.values_mut().for_each(|channel| *channel = Channel::Wanted);
        self.rejoins = 0;
        if std::mem::take(&mut self.rejoin_armed) {
            out.push(Command::Cancel(Timer::Rejoin));
        }
        self.link.closed(out);
    }

    /// The socket's timers; `Retry`, `Files` and `Direct` are the role's own.
    pub(crate) fn timer(&mut self, timer: Timer, out: &mut Vec<Command>) {
        match timer {
            Timer::Heartbeat => self.link.heartbeat_due(out),
            Timer::Reconnect => self.link.reconnect_due(out),
            Timer::Rejoin => self.rejoin_due(out),
            Timer::Retry | Timer::Files | Timer::Direct | Timer::End => {}
        }
    }

    /// Reads a frame from the relay. The socket's own frames, frames for
    /// channels not wanted or for an older join, join replies that refuse
    /// and the ends of channels are dealt with here; the rest is heard.
    pub(crate) fn read<'a>(&mut self, text: &'a str, out: &mut Vec<Command>) -> Option<Heard<'a>> {
        // The relay is not trusted either: anything unreadable is ignored.
        let frame = Frame::decode(Vsn::V2, text).ok()?;
        if frame.topic == PHOENIX_TOPIC {
            self.link.phoenix(&frame);
            return None;
        }
        let topic = Topic::parse(&frame.topic).ok()?;
        let (current, joining) = match self.wanted.get(&topic)? {
            Channel::Wanted => return None,
            Channel::Joining { join_ref, retry } => (join_ref.clone(), Some(*retry)),
            Channel::Joined(join_ref) => (join_ref.clone(), None),
        };
        // Frames for an older join of this topic are dropped, as the JS client does.
        if frame.join_ref.is_some() && frame.join_ref.as_ref() != Some(&current) {
            return None;
        }
        match frame.event.as_ref() {
            event::REPLY if joining.is_some() && frame.msg_ref.as_ref() == Some(&current) => {
                let reply = frame.reply()?;
                if reply.status != Status::Ok {
                    // Refused (too many channels, say): still wanted, tried
                    // again later on this socket, or on the next one.
                    self.wanted.insert(topic, Channel::Wanted);
                    self.settle(out);
                    return None;
                }
                self.link.joined();
                self.wanted.insert(topic, Channel::Joined(current));
                if joining == Some(true) {
                    // A retried join got in: the next refusal is retried soon.
                    self.rejoins = 0;
                }
                self.settle(out);
                let count = serde_json::from_str::<VisitorsCount>(reply.response.get()).ok();
                Some(Heard::Joined { topic, count: count.map(|c| c.count) })
            }
            event::VISITORS_COUNT => {
                let count = frame.payload_as::<VisitorsCount>().ok()?;
                Some(Heard::Count { topic, count: count.count })
            }
            event::CLOSE | event::ERROR => {
                // The relay ended a channel still wanted: join it again.
                self.join(topic, false, out);
                None
            }
            _ => Some(Heard::Frame { topic, join_ref: current, frame }),
        }
    }
}
