//! `signal` on `want:H` and `have:H`: setting up a direct connection
//! between a visitor and one host (SPEC §14). A visitor's offer (no
//! `peer`) pairs it with a host the routing chooses and is answered ok
//! with `{"peer": n}`; every other signal names its pair and goes to the
//! pair's other side only. Each is read strictly (`signal::SignalFrame`),
//! within the socket's signal rate and its pair's signals, and forwarded
//! with the pair's number; the relay reads nothing else of it.

use super::Session;
use crate::metrics::Reject;
use crate::relay::now;
use crate::routing::{Side, Target, Unpaired};
use ep2p_core::phoenix::{Frame, Ref, Status};
use ep2p_core::protocol::{PageHash, Topic};
use ep2p_core::signal::{Outcome, Paired, Report, Signal, SignalFrame};

/// A `signal` from this socket, as `side` of page `hash`.
pub fn signal(session: &mut Session, hash: PageHash, side: Side, join_ref: Option<&Ref>, frame: &Frame<'_>) {
    let signal = match SignalFrame::parse(frame.payload.get()) {
        Ok(signal) => signal,
        Err(error) => {
            session.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
            return;
        }
    };
    if !session.signals.take(now()) {
        session.refuse(Reject::RateLimited, join_ref, frame, "rate_limited");
        return;
    }
    let relay = session.relay.clone();
    let misplaced = match (side, signal.peer, &signal.signal) {
        (Side::Visitor, None, Signal::Offer(_)) => None,
        (_, None, _) => Some("only a visitor's offer comes without a peer"),
        (Side::Visitor, Some(_), Signal::Offer(_)) => {
            Some("an offer comes without a peer: the relay chooses the host")
        }
        (Side::Visitor, _, Signal::Answer(_)) => Some("a visitor offers; the host answers"),
        (Side::Host, _, Signal::Offer(_)) => Some("a host answers; the visitor offers"),
        _ => None,
    };
    if let Some(reason) = misplaced {
        session.refuse(Reject::Malformed, join_ref, frame, reason);
        return;
    }
    if signal.peer.is_none() && relay.once().is_one_time(hash) {
        // Not misbehaviour: a one-time page's one delivery is the relay's to count.
        session.error_reply(join_ref, frame, "a one-time page comes through the relay");
        return;
    }
    let routed = match signal.peer {
        None => relay.hub().pair(session.conn, hash).map(|(peer, host)| {
            session.direct_reports = session.direct_reports.saturating_add(1);
            session.reply(join_ref, frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &Paired { peer });
            (peer, host, Topic::Have(hash))
        }),
        Some(peer) => {
            let bye = signal.signal == Signal::Bye;
            let to = match side {
                Side::Visitor => Topic::Have(hash),
                Side::Host => Topic::Want(hash),
            };
            relay.hub().signal_to(session.conn, side, hash, peer, bye).map(|socket| (peer, socket, to))
        }
    };
    match routed {
        Ok((peer, Target::Socket(socket), topic)) => {
            relay.signal(socket, topic, signal.for_peer(peer).to_json())
        }
        // The other side is another node's: the signal crosses the
        // backplane under the pair's shared number, like an ask.
        Ok((_, Target::Node(node, shared), _)) => {
            if let Some(backplane) = relay.backplane() {
                backplane.signal(node, hash, shared, signal.for_peer(shared).to_json());
            }
        }
        Err(refusal @ (Unpaired::NotYours | Unpaired::Spent)) => {
            session.refuse(Reject::Unpaired, join_ref, frame, &refusal.to_string());
        }
        // Not misbehaviour: the visitor goes through the relay.
        Err(refusal) => session.error_reply(join_ref, frame, &refusal.to_string()),
    }
}

/// `direct_report` on `want:H`: how a connection the relay paired for this
/// socket ended up, counted (opened or failed once per pair made, broken
/// once per opened; the relay cannot
/// check it, so it is a figure for the operator, never a decision). No
/// reply unless refused.
pub fn report(session: &mut Session, join_ref: Option<&Ref>, frame: &Frame<'_>) {
    let report: Report = match frame.payload_as() {
        Ok(report) => report,
        Err(error) => {
            session.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
            return;
        }
    };
    // Opened or failed, once per pair made; broken, once per opened.
    let allowance = match report.outcome {
        Outcome::Opened | Outcome::Failed => &mut session.direct_reports,
        Outcome::Broken => &mut session.direct_opened,
    };
    if *allowance == 0 {
        session.refuse(Reject::Unpaired, join_ref, frame, "no direct connection to report on");
        return;
    }
    *allowance -= 1;
    if report.outcome == Outcome::Opened {
        session.direct_opened = session.direct_opened.saturating_add(1);
    }
    let metrics = session.relay.metrics();
    match report.outcome {
        Outcome::Opened => metrics.direct_opened.inc(),
        Outcome::Failed => metrics.direct_failed.inc(),
        Outcome::Broken => metrics.direct_broken.inc(),
    };
}
