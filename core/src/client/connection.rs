//! One socket's life, as both client roles live it: the connection's
//! state, the refs it hands out, a heartbeat every 30 s (a missing reply by
//! the next one means the connection is dead), and reconnecting with
//! growing, jittered delays.

use super::{Command, Timer};
use crate::phoenix::{self, event, Empty, Frame, Ref, Refs, Vsn};
use crate::protocol::Topic;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::time::Duration;

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

/// The socket under a client's channels.
#[derive(Debug)]
pub(crate) struct Link {
    connection: Connection,
    /// Ref of the heartbeat awaiting its reply.
    heartbeat: Option<Ref>,
    refs: Refs,
    /// Failed connection attempts since the last connection that had a
    /// join accepted and was not given up for a refusal.
    attempts: u32,
    /// This connection: the relay accepted a join; it was given up because
    /// the relay refused a join and nothing was left joined on it.
    accepted: bool,
    refused: bool,
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
            accepted: false,
            refused: false,
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
        self.accepted = false;
        self.refused = false;
        out.push(Command::Schedule(Timer::Heartbeat, HEARTBEAT_EVERY));
    }

    /// The socket closed (the caller checked it was not known already):
    /// heartbeats stop and a reconnect is scheduled, later each time unless
    /// the relay accepted a join on this connection.
    pub(crate) fn closed(&mut self, out: &mut Vec<Command>) {
        // A connection given up for a refusal does not start the back-off
        // over, whatever it had accepted before: a relay that keeps refusing
        // is asked again later each time, not every quarter second.
        if self.accepted && !self.refused {
            self.attempts = 0;
        }
        self.accepted = false;
        self.refused = false;
        self.heartbeat = None;
        self.attempts += 1;
        let delay = self.jitter(self.backoff.nominal(self.attempts));
        self.connection = Connection::Retrying { attempt: self.attempts, delay };
        out.push(Command::Cancel(Timer::Heartbeat));
        out.push(Command::Schedule(Timer::Reconnect, delay));
    }

    /// A join was accepted: the back-off starts over when this connection ends.
    pub(crate) fn joined(&mut self) {
        self.accepted = true;
    }

    /// A delay drawn between half and all of `nominal`, so that clients
    /// do not all come back at the same instant.
    pub(crate) fn jitter(&mut self, nominal: Duration) -> Duration {
        nominal.mul_f64(self.rng.gen_range(0.5..=1.0))
    }

    /// A join was refused and nothing is joined on this connection: it is
    /// given up, and the next one is tried after the usual, growing delay.
    pub(crate) fn refused(&mut self, out: &mut Vec<Command>) {
        self.refused = true;
        out.push(Command::Disconnect);
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
