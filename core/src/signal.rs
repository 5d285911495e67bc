//! Direct connections (WebRTC data channels) between a visitor and a host,
//! set up through the relay: the `signal` event's payload, read strictly,
//! and the two I/O-free machines that decide what to send and when to
//! give up on a direct connection for the relay path. The browser drives
//! them with `RTCPeerConnection`; the relay only forwards the signals
//! between the two peers it paired (`relay/src/routing/direct.rs`).
//!
//! The exchange, on the page's topics:
//!
//! * visitor → relay on `want:H`: `{"offer": sdp}`; the relay picks one
//!   host of the page (§3's rules), pairs them, replies ok with
//!   `{"peer": n}` and forwards `{"peer": n, "offer": sdp}` on `have:H`.
//! * host → relay on `have:H`: `{"peer": n, "answer": sdp}`, and either
//!   side `{"peer": n, "candidate": c, "mid": m}` and `{"peer": n, "bye":
//!   true}`: forwarded to the other side of pair `n`, and to nobody else.
//!
//! Times are milliseconds on the caller's clock.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest session description (SDP) a signal carries: a data-channel
/// offer is about a kilobyte, and the control frame limit is 16 KiB.
pub const MAX_DESCRIPTION: usize = 8 * 1024;
/// The longest ICE candidate line.
pub const MAX_CANDIDATE: usize = 512;
/// The longest media id (`sdpMid`).
pub const MAX_MID: usize = 32;
/// How long a visitor waits for a direct channel to open before it goes
/// on through the relay (SPEC §14: about 1.5 s).
pub const OPEN_WITHIN_MS: u64 = 1_500;
/// The same through TURN servers only (`iceTransportPolicy: "relay"`):
/// both sides allocate on the TURN server first, which takes longer.
pub const OPEN_WITHIN_TURN_MS: u64 = 3_000;
/// How long a host keeps a pair that has not opened (the visitor gave up
/// long before; this frees the connection).
pub const HOST_OPEN_WITHIN_MS: u64 = 10_000;
/// Direct connections a host keeps at once; more offers are declined
/// (the visitor goes through the relay).
pub const HOST_MOST_PEERS: usize = 16;
/// Attempts a visitor makes on one page (the first, and one more after a
/// connection that had opened broke).
pub const MOST_ATTEMPTS: u32 = 2;
/// How long after a broken connection the visitor tries again.
pub const RETRY_AFTER_MS: u64 = 5_000;

/// One step of setting up a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// The visitor's session description.
    Offer(String),
    /// The host's session description.
    Answer(String),
    /// An ICE candidate of the sender (an empty line: no more candidates).
    Candidate { candidate: String, mid: Option<String> },
    /// The sender closed the connection (or declined it).
    Bye,
}

/// A `signal` payload: a step, and the pair it belongs to (none on the
/// visitor's offer: the relay chooses the host and names the pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalFrame {
    pub peer: Option<u32>,
    pub signal: Signal,
}

/// The relay's ok reply to an offer: the pair it made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paired {
    pub peer: u32,
}

/// Why a `signal` payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignalError {
    #[error("a signal is one JSON object: {0}")]
    Shape(String),
    #[error("a signal carries exactly one of offer, answer, candidate and bye")]
    Kinds,
    #[error("a session description is at most {MAX_DESCRIPTION} bytes and starts with v=0")]
    Description,
    #[error("an ICE candidate is at most {MAX_CANDIDATE} bytes, starts with candidate: (or is empty) and has a short mid")]
    Candidate,
    #[error("control characters are not allowed in a signal")]
    Control,
    #[error("bye is true")]
    Bye,
}

/// The payload as JSON, before its rules are checked.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    peer: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    candidate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bye: Option<bool>,
}

/// SDP lines end with CRLF; nothing else below a space is allowed.
fn printable(text: &str, line_breaks: bool) -> bool {
    text.chars().all(|c| !c.is_control() || (line_breaks && (c == '\r' || c == '\n')))
}

fn description(sdp: String) -> Result<String, SignalError> {
    if sdp.len() > MAX_DESCRIPTION || !sdp.starts_with("v=0") {
        return Err(SignalError::Description);
    }
    if !printable(&sdp, true) {
        return Err(SignalError::Control);
    }
    Ok(sdp)
}

impl SignalFrame {
    pub fn new(peer: Option<u32>, signal: Signal) -> Self {
        Self { peer, signal }
    }

    /// Reads a `signal` payload, refusing anything the rules above do not allow.
    pub fn parse(json: &str) -> Result<Self, SignalError> {
        // serde would also read a struct from an array.
        if !json.trim_start().starts_with('{') {
            return Err(SignalError::Shape("not an object".into()));
        }
        let wire: Wire = serde_json::from_str(json).map_err(|e| SignalError::Shape(e.to_string()))?;
        let kinds =
            [wire.offer.is_some(), wire.answer.is_some(), wire.candidate.is_some(), wire.bye.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 || (wire.mid.is_some() && wire.candidate.is_none()) {
            return Err(SignalError::Kinds);
        }
        let signal = if let Some(sdp) = wire.offer {
            Signal::Offer(description(sdp)?)
        } else if let Some(sdp) = wire.answer {
            Signal::Answer(description(sdp)?)
        } else if let Some(candidate) = wire.candidate {
            let shaped = candidate.len() <= MAX_CANDIDATE
                && (candidate.is_empty() || candidate.starts_with("candidate:"))
                && wire.mid.as_ref().is_none_or(|m| m.len() <= MAX_MID);
            if !shaped {
                return Err(SignalError::Candidate);
            }
            if !printable(&candidate, false) || !wire.mid.as_deref().is_none_or(|m| printable(m, false)) {
                return Err(SignalError::Control);
            }
            Signal::Candidate { candidate, mid: wire.mid }
        } else if wire.bye == Some(true) {
            Signal::Bye
        } else {
            return Err(SignalError::Bye);
        };
        Ok(Self { peer: wire.peer, signal })
    }

    /// The payload's JSON.
    pub fn to_json(&self) -> String {
        let mut wire = Wire { peer: self.peer, ..Wire::default() };
        match &self.signal {
            Signal::Offer(sdp) => wire.offer = Some(sdp.clone()),
            Signal::Answer(sdp) => wire.answer = Some(sdp.clone()),
            Signal::Candidate { candidate, mid } => {
                wire.candidate = Some(candidate.clone());
                wire.mid = mid.clone();
            }
            Signal::Bye => wire.bye = Some(true),
        }
        serde_json::to_string(&wire).expect("a signal serializes")
    }

    /// The same step for the other side of pair `peer`.
    pub fn for_peer(mut self, peer: u32) -> Self {
        self.peer = Some(peer);
        self
    }
}

/// How a direct connection the relay paired ended up, as the visitor
/// reports it (`direct_report`): counted by the relay, never trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The channel opened.
    Opened,
    /// No channel opened (in time, or the host declined).
    Failed,
    /// It opened, then broke or brought a wrong copy.
    Broken,
}

/// `direct_report`'s payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub outcome: Outcome,
}

impl Why {
    /// What a fallback for this reason says of a connection that was paired.
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            Why::Timeout | Why::Refused => Some(Outcome::Failed),
            Why::Broke | Why::Lied => Some(Outcome::Broken),
            Why::Unsupported | Why::RelayOnly => None,
        }
    }
}

/// Why the relay path is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The browser has no WebRTC.
    Unsupported,
    /// The visitor chose "relay only".
    RelayOnly,
    /// The relay does not pair peers (`--direct off`), or had no host to pair.
    Refused,
    /// No channel opened within [`OPEN_WITHIN_MS`].
    Timeout,
    /// The channel closed or failed.
    Broke,
    /// The host sent something that failed its hash over the channel.
    Lied,
}

/// Where a visitor's direct connection to one page's host stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not tried yet.
    Idle,
    /// The offer is being made or sent, or the relay has paired us and
    /// the channel is not open yet; the relay path is not used meanwhile.
    Connecting { peer: Option<u32>, since: u64 },
    /// The channel is open: the page and chunks come over it.
    Open { peer: u32 },
    /// Going through the relay; another attempt is allowed at `retry_at`.
    Relay { why: Why, retry_at: Option<u64> },
    /// What the connection was for has arrived; it is closed.
    Done,
}

/// What happened, for the visitor's machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorEvent {
    /// The page wants a direct connection (it is a file page, or its
    /// text is wanted). `supported`: the browser has `RTCPeerConnection`.
    Want { supported: bool, relay_only: bool },
    /// The browser made the offer.
    OfferMade(String),
    /// The browser gathered a candidate of its own.
    LocalCandidate { candidate: String, mid: Option<String> },
    /// The relay paired us with a host.
    Paired(u32),
    /// The relay refused the offer (no host, direct off, a limit).
    Refused,
    /// A signal from the host.
    Signal(SignalFrame),
    /// The data channel opened.
    ChannelOpen,
    /// The data channel closed or the connection failed.
    ChannelClosed,
    /// The host sent a page or chunk that failed its check.
    Lied,
    /// What the connection was for has arrived over it.
    Done,
    /// Time passes.
    Tick,
}

/// What the visitor's browser must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorCommand {
    /// Make a peer connection with a data channel, and its offer.
    MakeOffer,
    /// Push `signal` on `want:H` with this payload.
    Send(SignalFrame),
    /// Take the host's answer.
    SetAnswer(String),
    /// Add the host's candidate.
    AddCandidate { candidate: String, mid: Option<String> },
    /// Close the peer connection.
    Close,
    /// Ask over the channel from now on.
    UseDirect,
    /// Ask through the relay from now on (from where the transfer stopped).
    UseRelay(Why),
}

/// A visitor's direct connection to one host of one page.
#[derive(Debug, Clone)]
pub struct Visitor {
    phase: Phase,
    attempts: u32,
    /// Candidates gathered before the relay named the pair.
    early: Vec<(String, Option<String>)>,
    /// How long a connection may take to open.
    open_within: u64,
}

impl Default for Visitor {
    fn default() -> Self {
        Self::new()
    }
}

impl Visitor {
    pub fn new() -> Self {
        Self { phase: Phase::Idle, attempts: 0, early: Vec::new(), open_within: OPEN_WITHIN_MS }
    }

    /// Connections go through TURN servers only: they get longer to open.
    pub fn through_turn(&mut self) {
        self.open_within = OPEN_WITHIN_TURN_MS;
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// True while the relay path must wait (a connection is being set up).
    pub fn connecting(&self) -> bool {
        matches!(self.phase, Phase::Connecting { .. })
    }

    /// The pair, once the relay named it.
    pub fn peer(&self) -> Option<u32> {
        match self.phase {
            Phase::Connecting { peer, .. } => peer,
            Phase::Open { peer } => Some(peer),
            _ => None,
        }
    }

    /// When the machine next needs a [`VisitorEvent::Tick`].
    pub fn next_tick(&self) -> Option<u64> {
        match self.phase {
            Phase::Connecting { since, .. } => Some(since + self.open_within),
            Phase::Relay { retry_at, .. } => retry_at,
            _ => None,
        }
    }

    fn start(&mut self, now: u64) -> Vec<VisitorCommand> {
        self.attempts += 1;
        self.early.clear();
        self.phase = Phase::Connecting { peer: None, since: now };
        vec![VisitorCommand::MakeOffer]
    }

    /// Gives up on this connection: closed, told to the host (unless it
    /// said bye itself), relay path.
    fn fall_back(&mut self, why: Why, now: u64, tell: bool) -> Vec<VisitorCommand> {
        let mut commands = Vec::new();
        if let (Some(peer), true) = (self.peer(), tell) {
            commands.push(VisitorCommand::Send(SignalFrame::new(Some(peer), Signal::Bye)));
        }
        if matches!(self.phase, Phase::Connecting { .. } | Phase::Open { .. }) {
            commands.push(VisitorCommand::Close);
        }
        let again = matches!(why, Why::Broke) && self.attempts < MOST_ATTEMPTS;
        self.phase = Phase::Relay { why, retry_at: again.then_some(now + RETRY_AFTER_MS) };
        self.early.clear();
        commands.push(VisitorCommand::UseRelay(why));
        commands
    }

    pub fn step(&mut self, event: VisitorEvent, now: u64) -> Vec<VisitorCommand> {
        use VisitorCommand as C;
        match (event, self.phase) {
            (VisitorEvent::Want { supported, relay_only }, Phase::Idle) => {
                if relay_only {
                    self.fall_back(Why::RelayOnly, now, true)
                } else if !supported {
                    self.fall_back(Why::Unsupported, now, true)
                } else {
                    self.start(now)
                }
            }
            (VisitorEvent::OfferMade(sdp), Phase::Connecting { peer: None, .. }) => {
                vec![C::Send(SignalFrame::new(None, Signal::Offer(sdp)))]
            }
            (VisitorEvent::LocalCandidate { candidate, mid }, Phase::Connecting { peer: None, .. }) => {
                self.early.push((candidate, mid));
                Vec::new()
            }
            (VisitorEvent::LocalCandidate { candidate, mid }, Phase::Connecting { peer: Some(peer), .. })
            | (VisitorEvent::LocalCandidate { candidate, mid }, Phase::Open { peer }) => {
                vec![C::Send(SignalFrame::new(Some(peer), Signal::Candidate { candidate, mid }))]
            }
            (VisitorEvent::Paired(peer), Phase::Connecting { peer: None, since }) => {
                self.phase = Phase::Connecting { peer: Some(peer), since };
                std::mem::take(&mut self.early)
                    .into_iter()
                    .map(|(candidate, mid)| {
                        C::Send(SignalFrame::new(Some(peer), Signal::Candidate { candidate, mid }))
                    })
                    .collect()
            }
            (VisitorEvent::Refused, Phase::Connecting { peer: None, .. }) => {
                self.fall_back(Why::Refused, now, true)
            }
            (
                VisitorEvent::Signal(frame),
                Phase::Connecting { peer: Some(peer), .. } | Phase::Open { peer },
            ) if frame.peer == Some(peer) => {
                match frame.signal {
                    Signal::Answer(sdp) if self.connecting() => vec![C::SetAnswer(sdp)],
                    Signal::Candidate { candidate, mid } => vec![C::AddCandidate { candidate, mid }],
                    Signal::Bye => {
                        let why = if self.connecting() { Why::Refused } else { Why::Broke };
                        self.fall_back(why, now, false)
                    }
                    // An offer or a second answer from the host: not its part.
                    Signal::Offer(_) | Signal::Answer(_) => Vec::new(),
                }
            }
            (VisitorEvent::ChannelOpen, Phase::Connecting { peer: Some(peer), .. }) => {
                self.phase = Phase::Open { peer };
                vec![C::UseDirect]
            }
            (VisitorEvent::ChannelClosed, Phase::Connecting { .. } | Phase::Open { .. }) => {
                let why = if self.connecting() { Why::Timeout } else { Why::Broke };
                self.fall_back(why, now, true)
            }
            (VisitorEvent::Lied, Phase::Connecting { .. } | Phase::Open { .. }) => {
                self.fall_back(Why::Lied, now, true)
            }
            (VisitorEvent::Done, Phase::Open { peer }) => {
                self.phase = Phase::Done;
                vec![C::Send(SignalFrame::new(Some(peer), Signal::Bye)), C::Close]
            }
            (VisitorEvent::Tick, Phase::Connecting { since, .. }) if now >= since + self.open_within => {
                self.fall_back(Why::Timeout, now, true)
            }
            (VisitorEvent::Tick, Phase::Relay { retry_at: Some(at), .. }) if now >= at => self.start(now),
            // Anything else is late or out of place (a signal for an old
            // pair, an answer after the channel opened): nothing to do.
            _ => Vec::new(),
        }
    }
}

/// What happened, for the host's machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostEvent {
    /// A signal from a visitor the relay paired us with.
    Signal(SignalFrame),
    /// The browser made its answer to pair `peer`'s offer.
    AnswerMade { peer: u32, sdp: String },
    /// The browser gathered a candidate for pair `peer`.
    LocalCandidate { peer: u32, candidate: String, mid: Option<String> },
    /// Pair `peer`'s channel opened.
    ChannelOpen(u32),
    /// Pair `peer`'s channel closed or failed.
    ChannelClosed(u32),
    /// The host stops hosting directly (it left the page, or turned direct
    /// connections off): every pair is closed.
    Stop,
    /// Time passes.
    Tick,
}

/// What the host's browser must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCommand {
    /// Make a peer connection for pair `peer`, take its offer and answer it.
    Answer { peer: u32, offer: String },
    /// Add the visitor's candidate to pair `peer`'s connection.
    AddCandidate { peer: u32, candidate: String, mid: Option<String> },
    /// Push `signal` on `have:H` with this payload.
    Send(SignalFrame),
    /// Close pair `peer`'s connection.
    Close(u32),
}

/// A host's direct connections on one page: by pair, when each began and
/// whether it is open.
#[derive(Debug, Clone, Default)]
pub struct Host {
    pairs: Vec<(u32, u64, bool)>,
    /// False once stopped: offers are declined.
    closed: bool,
}

impl Host {
    /// A host that answers offers; `enabled` false declines every one
    /// (relay only, or no WebRTC).
    pub fn new(enabled: bool) -> Self {
        Self { pairs: Vec::new(), closed: !enabled }
    }

    /// Pairs set up or open.
    pub fn peers(&self) -> usize {
        self.pairs.len()
    }

    /// Pairs whose channel is open.
    pub fn open(&self) -> usize {
        self.pairs.iter().filter(|p| p.2).count()
    }

    /// Whether the channel of pair `peer` is open.
    pub fn is_open(&self, peer: u32) -> bool {
        self.pairs.iter().any(|p| p.0 == peer && p.2)
    }

    pub fn next_tick(&self) -> Option<u64> {
        self.pairs.iter().filter(|p| !p.2).map(|p| p.1 + HOST_OPEN_WITHIN_MS).min()
    }

    fn known(&self, peer: u32) -> Option<usize> {
        self.pairs.iter().position(|p| p.0 == peer)
    }

    fn drop_pair(&mut self, peer: u32, tell: bool) -> Vec<HostCommand> {
        let Some(i) = self.known(peer) else { return Vec::new() };
        self.pairs.swap_remove(i);
        let mut commands = vec![HostCommand::Close(peer)];
        if tell {
            commands.push(HostCommand::Send(SignalFrame::new(Some(peer), Signal::Bye)));
        }
        commands
    }

    pub fn step(&mut self, event: HostEvent, now: u64) -> Vec<HostCommand> {
        use HostCommand as C;
        match event {
            HostEvent::Signal(SignalFrame { peer: Some(peer), signal }) => match signal {
                Signal::Offer(offer) if self.known(peer).is_none() => {
                    if self.closed || self.pairs.len() >= HOST_MOST_PEERS {
                        return vec![C::Send(SignalFrame::new(Some(peer), Signal::Bye))];
                    }
                    self.pairs.push((peer, now, false));
                    vec![C::Answer { peer, offer }]
                }
                Signal::Candidate { candidate, mid } if self.known(peer).is_some() => {
                    vec![C::AddCandidate { peer, candidate, mid }]
                }
                Signal::Bye => self.drop_pair(peer, false),
                _ => Vec::new(),
            },
            HostEvent::Signal(SignalFrame { peer: None, .. }) => Vec::new(),
            HostEvent::AnswerMade { peer, sdp } if self.known(peer).is_some() => {
                vec![C::Send(SignalFrame::new(Some(peer), Signal::Answer(sdp)))]
            }
            HostEvent::LocalCandidate { peer, candidate, mid } if self.known(peer).is_some() => {
                vec![C::Send(SignalFrame::new(Some(peer), Signal::Candidate { candidate, mid }))]
            }
            HostEvent::ChannelOpen(peer) => {
                if let Some(i) = self.known(peer) {
                    self.pairs[i].2 = true;
                }
                Vec::new()
            }
            HostEvent::ChannelClosed(peer) => self.drop_pair(peer, true),
            HostEvent::Stop => {
                self.closed = true;
                let peers: Vec<u32> = self.pairs.iter().map(|p| p.0).collect();
                peers.into_iter().flat_map(|peer| self.drop_pair(peer, true)).collect()
            }
            HostEvent::Tick => {
                let late: Vec<u32> = self
                    .pairs
                    .iter()
                    .filter(|p| !p.2 && now >= p.1 + HOST_OPEN_WITHIN_MS)
                    .map(|p| p.0)
                    .collect();
                late.into_iter().flat_map(|peer| self.drop_pair(peer, true)).collect()
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VisitorCommand as V;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n";

    fn cand(n: u8) -> (String, Option<String>) {
        (format!("candidate:{n} 1 udp 2122260223 198.18.0.1 5000{n} typ host"), Some("0".into()))
    }

    #[test]
    fn payloads_round_trip_and_read_strictly() {
        let frames = [
            SignalFrame::new(None, Signal::Offer(OFFER.into())),
            SignalFrame::new(Some(7), Signal::Answer(OFFER.into())),
            SignalFrame::new(Some(7), Signal::Candidate { candidate: cand(1).0, mid: Some("0".into()) }),
            SignalFrame::new(Some(7), Signal::Candidate { candidate: String::new(), mid: None }),
            SignalFrame::new(Some(u32::MAX), Signal::Bye),
        ];
        for frame in frames {
            assert_eq!(SignalFrame::parse(&frame.to_json()), Ok(frame));
        }
        assert_eq!(SignalFrame::parse(r#"{"peer":3,"bye":true}"#).unwrap().signal, Signal::Bye);
    }

    #[test]
    fn every_malformed_payload_is_refused() {
        let long = format!("v=0\r\n{}", "a".repeat(MAX_DESCRIPTION));
        type Expected = fn(&SignalError) -> bool;
        let cases: &[(&str, Expected)] = &[
            ("[]", |e| matches!(e, SignalError::Shape(_))),
            ("{}", |e| *e == SignalError::Kinds),
            (r#"{"offer":"v=0","answer":"v=0"}"#, |e| *e == SignalError::Kinds),
            (r#"{"peer":1,"mid":"0"}"#, |e| *e == SignalError::Kinds),
            (r#"{"peer":1,"answer":"v=0","mid":"0"}"#, |e| *e == SignalError::Kinds),
            (r#"{"offer":"hello"}"#, |e| *e == SignalError::Description),
            (r#"{"offer":"v=0\u0000"}"#, |e| *e == SignalError::Control),
            (r#"{"peer":1,"candidate":"typ host"}"#, |e| *e == SignalError::Candidate),
            (r#"{"peer":1,"candidate":"candidate:1\n"}"#, |e| *e == SignalError::Control),
            (r#"{"peer":1,"bye":false}"#, |e| *e == SignalError::Bye),
            (r#"{"peer":-1,"bye":true}"#, |e| matches!(e, SignalError::Shape(_))),
            (r#"{"peer":1,"bye":true,"to":"everyone"}"#, |e| matches!(e, SignalError::Shape(_))),
        ];
        for (json, expected) in cases {
            let error = SignalFrame::parse(json).expect_err(json);
            assert!(expected(&error), "{json}: {error}");
        }
        let long = serde_json::json!({ "offer": long }).to_string();
        assert_eq!(SignalFrame::parse(&long), Err(SignalError::Description));
        let mid = serde_json::json!({ "peer": 1, "candidate": cand(1).0, "mid": "m".repeat(MAX_MID + 1) });
        assert_eq!(SignalFrame::parse(&mid.to_string()), Err(SignalError::Candidate));
    }

    /// A visitor up to the relay's pairing: the offer made and sent.
    fn offered(now: u64) -> Visitor {
        let mut v = Visitor::new();
        assert_eq!(v.step(VisitorEvent::Want { supported: true, relay_only: false }, now), [V::MakeOffer]);
        let sent = v.step(VisitorEvent::OfferMade(OFFER.into()), now);
        assert_eq!(sent, [V::Send(SignalFrame::new(None, Signal::Offer(OFFER.into())))]);
        assert!(v.connecting());
        v
    }

    #[test]
    fn offer_answer_and_candidates_open_a_channel() {
        let mut v = offered(0);
        // Candidates found before the relay named the pair wait for it.
        let (c1, m1) = cand(1);
        assert!(v
            .step(VisitorEvent::LocalCandidate { candidate: c1.clone(), mid: m1.clone() }, 10)
            .is_empty());
        let flushed = v.step(VisitorEvent::Paired(4), 20);
        assert_eq!(
            flushed,
            [V::Send(SignalFrame::new(Some(4), Signal::Candidate { candidate: c1, mid: m1 }))]
        );
        let (c2, m2) = cand(2);
        let sent = v.step(VisitorEvent::LocalCandidate { candidate: c2.clone(), mid: m2.clone() }, 30);
        assert_eq!(sent, [V::Send(SignalFrame::new(Some(4), Signal::Candidate { candidate: c2, mid: m2 }))]);
        let answer = SignalFrame::new(Some(4), Signal::Answer("v=0\r\n".into()));
        assert_eq!(v.step(VisitorEvent::Signal(answer), 40), [V::SetAnswer("v=0\r\n".into())]);
        let (c3, m3) = cand(3);
        let theirs = SignalFrame::new(Some(4), Signal::Candidate { candidate: c3.clone(), mid: m3.clone() });
        assert_eq!(v.step(VisitorEvent::Signal(theirs), 50), [V::AddCandidate { candidate: c3, mid: m3 }]);
        // A signal for another pair is nobody's business here.
        let stray = SignalFrame::new(Some(5), Signal::Answer("v=0".into()));
        assert!(v.step(VisitorEvent::Signal(stray), 60).is_empty());
        assert_eq!(v.step(VisitorEvent::ChannelOpen, 70), [V::UseDirect]);
        assert_eq!(v.phase(), Phase::Open { peer: 4 });
        assert_eq!(v.next_tick(), None);
        // Once open, a late answer changes nothing.
        let late = SignalFrame::new(Some(4), Signal::Answer("v=0".into()));
        assert!(v.step(VisitorEvent::Signal(late), 80).is_empty());
    }

    #[test]
    fn once_what_it_was_for_has_arrived_the_connection_is_closed_for_good() {
        let mut v = offered(0);
        v.step(VisitorEvent::Paired(3), 1);
        v.step(VisitorEvent::ChannelOpen, 2);
        let out = v.step(VisitorEvent::Done, 3);
        assert_eq!(out, [V::Send(SignalFrame::new(Some(3), Signal::Bye)), V::Close]);
        assert_eq!(v.phase(), Phase::Done);
        assert_eq!(v.next_tick(), None);
        assert!(v.step(VisitorEvent::ChannelClosed, 4).is_empty(), "its closing is no fallback");
    }

    #[test]
    fn no_channel_within_the_time_falls_back_to_the_relay() {
        let mut v = offered(1_000);
        v.step(VisitorEvent::Paired(9), 1_100);
        assert_eq!(v.next_tick(), Some(1_000 + OPEN_WITHIN_MS));
        // Through TURN only, a connection gets longer.
        let mut turn = v.clone();
        turn.through_turn();
        assert_eq!(turn.next_tick(), Some(1_000 + OPEN_WITHIN_TURN_MS));
        assert!(turn.step(VisitorEvent::Tick, 1_000 + OPEN_WITHIN_MS).is_empty());
        assert!(v.step(VisitorEvent::Tick, 1_000 + OPEN_WITHIN_MS - 1).is_empty());
        let out = v.step(VisitorEvent::Tick, 1_000 + OPEN_WITHIN_MS);
        assert_eq!(
            out,
            [V::Send(SignalFrame::new(Some(9), Signal::Bye)), V::Close, V::UseRelay(Why::Timeout)]
        );
        assert_eq!(v.phase(), Phase::Relay { why: Why::Timeout, retry_at: None });
        // A channel opening after the visitor gave up is not used.
        assert!(v.step(VisitorEvent::ChannelOpen, 3_000).is_empty());
        assert!(v.step(VisitorEvent::Tick, 100_000).is_empty());
    }

    #[test]
    fn the_relay_refusing_or_the_host_declining_means_the_relay_path() {
        let mut v = offered(0);
        assert_eq!(v.step(VisitorEvent::Refused, 5), [V::Close, V::UseRelay(Why::Refused)]);
        let mut v = offered(0);
        v.step(VisitorEvent::Paired(2), 5);
        let bye = SignalFrame::new(Some(2), Signal::Bye);
        assert_eq!(v.step(VisitorEvent::Signal(bye), 6), [V::Close, V::UseRelay(Why::Refused)]);
    }

    #[test]
    fn without_webrtc_or_by_choice_no_connection_is_made() {
        for (supported, relay_only, why) in [(false, false, Why::Unsupported), (true, true, Why::RelayOnly)] {
            let mut v = Visitor::new();
            let out = v.step(VisitorEvent::Want { supported, relay_only }, 0);
            assert_eq!(out, [V::UseRelay(why)]);
            assert!(!out.contains(&V::MakeOffer));
            assert_eq!(v.next_tick(), None);
        }
    }

    #[test]
    fn a_broken_channel_falls_back_and_is_tried_once_more_a_lie_never() {
        let mut v = offered(0);
        v.step(VisitorEvent::Paired(1), 1);
        v.step(VisitorEvent::ChannelOpen, 2);
        let out = v.step(VisitorEvent::ChannelClosed, 10);
        assert_eq!(out, [V::Send(SignalFrame::new(Some(1), Signal::Bye)), V::Close, V::UseRelay(Why::Broke)]);
        assert_eq!(v.next_tick(), Some(10 + RETRY_AFTER_MS));
        assert_eq!(v.step(VisitorEvent::Tick, 10 + RETRY_AFTER_MS), [V::MakeOffer]);
        v.step(VisitorEvent::OfferMade(OFFER.into()), 10 + RETRY_AFTER_MS);
        v.step(VisitorEvent::Paired(2), 10 + RETRY_AFTER_MS);
        v.step(VisitorEvent::ChannelOpen, 10 + RETRY_AFTER_MS);
        // The second break is the last: MOST_ATTEMPTS.
        v.step(VisitorEvent::ChannelClosed, 20_000);
        assert_eq!(v.phase(), Phase::Relay { why: Why::Broke, retry_at: None });

        let mut v = offered(0);
        v.step(VisitorEvent::Paired(1), 1);
        v.step(VisitorEvent::ChannelOpen, 2);
        let out = v.step(VisitorEvent::Lied, 3);
        assert_eq!(out, [V::Send(SignalFrame::new(Some(1), Signal::Bye)), V::Close, V::UseRelay(Why::Lied)]);
        assert_eq!(v.next_tick(), None);
    }

    #[test]
    fn a_host_answers_offers_up_to_its_limit_and_closes_what_does_not_open() {
        use HostCommand as H;
        let mut h = Host::new(true);
        let offer = |peer| HostEvent::Signal(SignalFrame::new(Some(peer), Signal::Offer(OFFER.into())));
        assert_eq!(h.step(offer(1), 0), [H::Answer { peer: 1, offer: OFFER.into() }]);
        // The same offer again (a resend) makes no second connection.
        assert!(h.step(offer(1), 1).is_empty());
        let made = h.step(HostEvent::AnswerMade { peer: 1, sdp: "v=0".into() }, 2);
        assert_eq!(made, [H::Send(SignalFrame::new(Some(1), Signal::Answer("v=0".into())))]);
        let (c, m) = cand(1);
        let theirs = HostEvent::Signal(SignalFrame::new(
            Some(1),
            Signal::Candidate { candidate: c.clone(), mid: m.clone() },
        ));
        assert_eq!(h.step(theirs, 3), [H::AddCandidate { peer: 1, candidate: c.clone(), mid: m.clone() }]);
        // A candidate for a pair never offered is ignored.
        let stray = HostEvent::Signal(SignalFrame::new(Some(99), Signal::Candidate { candidate: c, mid: m }));
        assert!(h.step(stray, 4).is_empty());
        h.step(HostEvent::ChannelOpen(1), 5);
        assert_eq!(h.open(), 1);
        for peer in 2..=HOST_MOST_PEERS as u32 {
            h.step(offer(peer), 6);
        }
        assert_eq!(h.peers(), HOST_MOST_PEERS);
        let declined = h.step(offer(100), 7);
        assert_eq!(declined, [H::Send(SignalFrame::new(Some(100), Signal::Bye))]);
        // Pairs that never opened are closed, and told, after the time; the open one stays.
        assert_eq!(h.next_tick(), Some(6 + HOST_OPEN_WITHIN_MS));
        let out = h.step(HostEvent::Tick, 6 + HOST_OPEN_WITHIN_MS);
        assert_eq!(out.iter().filter(|c| matches!(c, H::Close(_))).count(), HOST_MOST_PEERS - 1);
        assert_eq!(h.peers(), 1);
        assert_eq!(
            h.step(HostEvent::Stop, 20_000),
            [H::Close(1), H::Send(SignalFrame::new(Some(1), Signal::Bye))]
        );
        assert_eq!(h.step(offer(5), 20_001), [H::Send(SignalFrame::new(Some(5), Signal::Bye))]);
        let off = Host::new(false).step(offer(1), 0);
        assert_eq!(off, [H::Send(SignalFrame::new(Some(1), Signal::Bye))]);
    }

    #[test]
    fn a_visitors_bye_closes_the_hosts_pair_without_an_echo() {
        let mut h = Host::new(true);
        h.step(HostEvent::Signal(SignalFrame::new(Some(3), Signal::Offer(OFFER.into()))), 0);
        let out = h.step(HostEvent::Signal(SignalFrame::new(Some(3), Signal::Bye)), 1);
        assert_eq!(out, [HostCommand::Close(3)]);
        assert_eq!(h.peers(), 0);
    }
}
