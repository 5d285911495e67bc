//! The visitor machine's direct connections (SPEC §14): a tab without the
//! page offers a host a WebRTC connection before it asks through the
//! relay, and asks through the relay the moment the connection is refused,
//! late (1.5 s), broken, or lying; a tab that hosts the page answers
//! offers. The decisions are `signal`'s machines; here they meet the
//! socket: signals go out as `signal` pushes on the page's topics, the
//! relay's reply names the pair, and what is for the peer connections goes
//! to the glue as [`DirectCommand`]s.
//!
//! A file page's chunks go the same way: a visitor that has the manifest
//! and lacks chunks connects to a host, asks for them over the channel
//! (the transfer decides which), keeps the connection until it has every
//! one, and goes on through the relay from where it stopped if the
//! connection gives way. A host serves chunks to the visitors connected
//! to it, as many at once as [`crate::channel::MOST_ASKED_PER_PEER`].

use super::{Arrival, Visitor};
use crate::client::{Command, DirectCommand, DirectEvent, Timer};
use crate::phoenix::{Frame, Status};
use crate::protocol::{event, Topic};
use crate::signal::{self, HostCommand, HostEvent, SignalFrame, VisitorCommand, VisitorEvent};
use crate::transfer::{DirectAnswer, Route};
use serde_json::value::RawValue;
use std::time::Duration;

/// What this tab may do directly, as the glue found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectSetting {
    /// The browser has `RTCPeerConnection`.
    pub supported: bool,
    /// The person chose "relay only".
    pub relay_only: bool,
    /// The server pairs peers (`GET /ice` said `direct: true`).
    pub server: bool,
    /// Through TURN servers only (`iceTransportPolicy: "relay"`): a
    /// connection gets longer to open.
    pub turn_only: bool,
}

impl DirectSetting {
    /// Whether this tab makes or answers direct connections at all.
    pub fn on(self) -> bool {
        self.supported && !self.relay_only && self.server
    }
}

impl Visitor {
    /// Direct connections for this tab (call right after [`Visitor::new`]):
    /// without the page, it first offers a host a connection (or goes
    /// through the relay at once if it may not); once it hosts, it answers
    /// visitors' offers if it may, and declines them if not.
    pub fn set_direct(&mut self, setting: DirectSetting) -> Vec<Command> {
        self.direct_setting = Some(setting);
        self.direct_host = signal::Host::new(setting.on());
        if setting.turn_only {
            self.direct.through_turn();
        }
        let mut out = Vec::new();
        // The page waited for this to be known: it is asked for now.
        let waiting = self.content.is_none() && self.transfer.is_none();
        if self.direct_awaited && waiting && self.channels.is_joined(Topic::Want(self.hash)) {
            self.want_page(&mut out);
        }
        self.direct_for_files(&mut out);
        out
    }

    /// A file page's chunks: once storage is open, the page's channel is
    /// joined and chunks are missing, a host is offered a direct
    /// connection for them (chunks wait for it); if this tab may not
    /// connect directly, they go through the relay.
    pub(super) fn direct_for_files(&mut self, out: &mut Vec<Command>) {
        let Some(transfer) = &mut self.transfer else { return };
        let Some(setting) = self.direct_setting else { return };
        let wanting = transfer.is_ready()
            && !transfer.download().is_done()
            && self.channels.is_joined(Topic::Want(self.hash));
        if setting.on() && self.direct.phase() == signal::Phase::Idle && wanting {
            transfer.set_route(Route::Waiting, &mut self.channels, self.now_ms, out);
            let want = VisitorEvent::Want { supported: setting.supported, relay_only: setting.relay_only };
            let commands = self.direct.step(want, self.now_ms);
            self.visitor_commands(commands, out);
        } else if transfer.route() == Route::Waiting && !self.direct.connecting() {
            transfer.set_route(Route::Relay, &mut self.channels, self.now_ms, out);
        }
    }

    /// Every chunk is here: the connection has served its purpose.
    pub(super) fn direct_files_done(&mut self, out: &mut Vec<Command>) {
        let done = self.transfer.as_ref().is_some_and(|t| t.download().is_done());
        if done && matches!(self.direct.phase(), signal::Phase::Open { .. }) {
            let commands = self.direct.step(VisitorEvent::Done, self.now_ms);
            self.visitor_commands(commands, out);
        }
    }

    /// The direct connection sent nothing for a while with chunks asked
    /// of it: given up as broken (the relay takes over).
    pub(super) fn direct_stalled(&mut self, out: &mut Vec<Command>) {
        let commands = self.direct.step(VisitorEvent::ChannelClosed, self.now_ms);
        self.visitor_commands(commands, out);
    }

    /// The glue is finding out what this tab may do directly (`GET /ice`):
    /// the page is not asked for until [`Visitor::set_direct`] says.
    pub fn await_direct(&mut self) {
        self.direct_awaited = true;
    }

    /// True while a direct connection is being set up: asking through
    /// the relay waits for it.
    pub(super) fn direct_pending(&self) -> bool {
        self.direct.connecting()
    }

    /// The page is wanted (joined `want:H`, not a file page): offered to a
    /// host directly first when this tab may, else asked through the relay.
    pub(super) fn want_page(&mut self, out: &mut Vec<Command>) {
        if self.direct_awaited && self.direct_setting.is_none() {
            return;
        }
        match self.direct_setting {
            Some(setting) if self.direct.phase() == signal::Phase::Idle => {
                let want =
                    VisitorEvent::Want { supported: setting.supported, relay_only: setting.relay_only };
                // The person's choice or the browser decide before the
                // server does (and are shown as the reason).
                if setting.server || setting.relay_only || !setting.supported {
                    let commands = self.direct.step(want, self.now_ms);
                    self.visitor_commands(commands, out);
                } else {
                    self.request(out);
                }
            }
            _ => self.request(out),
        }
    }

    /// Carries out the visitor machine's commands.
    fn visitor_commands(&mut self, commands: Vec<VisitorCommand>, out: &mut Vec<Command>) {
        for command in commands {
            match command {
                VisitorCommand::Send(frame) => {
                    let offer = frame.peer.is_none();
                    let sent = self.push_signal(Topic::Want(self.hash), &frame, out);
                    if offer {
                        self.offer_ref = sent;
                        if self.offer_ref.is_none() {
                            // Not joined any more: the relay path it is.
                            let refused = self.direct.step(VisitorEvent::Refused, self.now_ms);
                            self.visitor_commands(refused, out);
                        }
                    }
                }
                VisitorCommand::UseRelay(why) => {
                    self.relay_why = Some(why);
                    // Failed: paired, never opened. Broken: opened, then not.
                    let report = match why.outcome() {
                        Some(signal::Outcome::Broken) if std::mem::take(&mut self.direct_opened) => {
                            Some(signal::Outcome::Broken)
                        }
                        Some(signal::Outcome::Failed) if std::mem::take(&mut self.direct_paired) => {
                            Some(signal::Outcome::Failed)
                        }
                        _ => None,
                    };
                    if let Some(outcome) = report {
                        self.report(outcome, out);
                    }
                    if self.content.is_none() && self.channels.is_joined(Topic::Want(self.hash)) {
                        self.request(out);
                    }
                    if let Some(transfer) = &mut self.transfer {
                        transfer.set_route(Route::Relay, &mut self.channels, self.now_ms, out);
                    }
                }
                VisitorCommand::UseDirect => {
                    if std::mem::take(&mut self.direct_paired) {
                        self.direct_opened = true;
                        self.report(signal::Outcome::Opened, out);
                    }
                    match &mut self.transfer {
                        Some(transfer) if self.content.is_some() => {
                            transfer.set_route(Route::Direct, &mut self.channels, self.now_ms, out);
                        }
                        _ => out.push(Command::Direct(DirectCommand::AskPage)),
                    }
                }
                command => out.push(Command::Direct(DirectCommand::Visitor(command))),
            }
        }
        self.schedule_direct(out);
    }

    /// Tells the relay how the connection it paired ended up: opened or
    /// failed, and broken after it opened.
    fn report(&mut self, outcome: signal::Outcome, out: &mut Vec<Command>) {
        let report = signal::Report { outcome };
        self.channels.push(Topic::Want(self.hash), event::DIRECT_REPORT, &report, out);
    }

    /// Carries out the host machine's commands.
    fn host_commands(&mut self, commands: Vec<HostCommand>, out: &mut Vec<Command>) {
        for command in commands {
            match command {
                HostCommand::Send(frame) => {
                    self.push_signal(Topic::Have(self.hash), &frame, out);
                }
                command => out.push(Command::Direct(DirectCommand::Host(command))),
            }
        }
        self.schedule_direct(out);
    }

    /// Pushes `signal` on `topic`; its ref, if the topic is joined.
    fn push_signal(
        &mut self,
        topic: Topic,
        frame: &SignalFrame,
        out: &mut Vec<Command>,
    ) -> Option<crate::phoenix::Ref> {
        let json = RawValue::from_string(frame.to_json()).expect("a signal is JSON");
        self.channels.push(topic, event::SIGNAL, &json, out)
    }

    /// Arms [`Timer::Direct`] for the earlier of the two machines' next ticks.
    fn schedule_direct(&self, out: &mut Vec<Command>) {
        let next = [self.direct.next_tick(), self.direct_host.next_tick()].into_iter().flatten().min();
        match next {
            Some(at) => out.push(Command::Schedule(
                Timer::Direct,
                Duration::from_millis(at.saturating_sub(self.now_ms)),
            )),
            None => out.push(Command::Cancel(Timer::Direct)),
        }
    }

    /// [`Timer::Direct`] fired.
    pub(super) fn direct_timer(&mut self, out: &mut Vec<Command>) {
        let commands = self.direct.step(VisitorEvent::Tick, self.now_ms);
        self.visitor_commands(commands, out);
        let commands = self.direct_host.step(HostEvent::Tick, self.now_ms);
        self.host_commands(commands, out);
    }

    /// What the glue's peer connections report.
    pub(super) fn direct_event(&mut self, event: DirectEvent, out: &mut Vec<Command>) {
        match event {
            DirectEvent::Visitor(event) => {
                let commands = self.direct.step(event, self.now_ms);
                self.visitor_commands(commands, out);
            }
            DirectEvent::Host(event) => {
                let commands = self.direct_host.step(event, self.now_ms);
                self.host_commands(commands, out);
            }
            DirectEvent::Answer(bytes) if self.content.is_none() => self.direct_page(bytes, out),
            DirectEvent::Answer(bytes) => {
                let Some(transfer) = &mut self.transfer else { return };
                if transfer.route() != Route::Direct {
                    return;
                }
                if transfer.direct_answer(&bytes, self.now_ms, out) == DirectAnswer::Lied {
                    // Dropped for this page; its chunks go through the relay.
                    let commands = self.direct.step(VisitorEvent::Lied, self.now_ms);
                    self.visitor_commands(commands, out);
                }
            }
            DirectEvent::NotHeld(id) => {
                if let Some(transfer) = &mut self.transfer {
                    transfer.direct_not_held(id, &mut self.channels, self.now_ms, out);
                }
            }
            DirectEvent::Asked { peer, id } => match &mut self.transfer {
                Some(transfer) if self.direct_host.is_open(peer) => transfer.asked_directly(peer, id, out),
                _ => out.push(Command::Direct(DirectCommand::NotHeld { peer, id })),
            },
        }
    }

    /// The page's text, as it came over the direct connection.
    fn direct_page(&mut self, bytes: Vec<u8>, out: &mut Vec<Command>) {
        let text = String::from_utf8(bytes).ok().filter(|text| self.hash.matches(text));
        let Some(text) = text else {
            // A host lying over a direct connection: dropped for this
            // page, and the relay (which checks) asked instead.
            self.rejected += 1;
            let commands = self.direct.step(VisitorEvent::Lied, self.now_ms);
            self.visitor_commands(commands, out);
            return;
        };
        let file_page = self.file_role != super::FileRole::Off
            && crate::sealed_files::index_of(&text, u64::MAX).is_some();
        if !file_page {
            // The page is here: the connection has served its purpose
            // (its bye goes on want:H, before the tab leaves it).
            let commands = self.direct.step(VisitorEvent::Done, self.now_ms);
            self.visitor_commands(commands, out);
        }
        self.received(text, out);
        self.arrival = Some(Arrival::Direct);
        // A file page's chunks come over the same connection.
        if let Some(transfer) = &mut self.transfer {
            if matches!(self.direct.phase(), signal::Phase::Open { .. }) {
                transfer.set_route(Route::Direct, &mut self.channels, self.now_ms, out);
            }
        }
    }

    /// A `signal` frame on one of the page's topics, or the relay's reply
    /// to the offer; false if the frame is neither.
    pub(super) fn direct_frame(&mut self, topic: Topic, frame: &Frame<'_>, out: &mut Vec<Command>) -> bool {
        if frame.event == event::REPLY && frame.msg_ref.is_some() && frame.msg_ref == self.offer_ref {
            self.offer_ref = None;
            let paired = frame
                .reply()
                .filter(|reply| reply.status == Status::Ok)
                .and_then(|reply| serde_json::from_str::<signal::Paired>(reply.response.get()).ok());
            self.direct_paired = paired.is_some();
            let event = match paired {
                Some(paired) => VisitorEvent::Paired(paired.peer),
                None => VisitorEvent::Refused,
            };
            let commands = self.direct.step(event, self.now_ms);
            self.visitor_commands(commands, out);
            return true;
        }
        if frame.event != event::SIGNAL {
            return false;
        }
        // The relay checked it; a frame that does not read is dropped.
        let Ok(signal) = SignalFrame::parse(frame.payload.get()) else { return true };
        match topic {
            Topic::Want(_) => {
                let commands = self.direct.step(VisitorEvent::Signal(signal), self.now_ms);
                self.visitor_commands(commands, out);
            }
            Topic::Have(_) => {
                let commands = self.direct_host.step(HostEvent::Signal(signal), self.now_ms);
                self.host_commands(commands, out);
            }
            Topic::Watch(_) | Topic::Phoenix => {}
        }
        true
    }
}

#[cfg(test)]
mod files_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_frames::server;
    use crate::client::Event;
    use crate::machine::Phase;
    use crate::phoenix::{Ref, Vsn};
    use crate::protocol::PageHash;
    use crate::signal::{Signal, Why, OPEN_WITHIN_MS};

    const TEXT: &str = "a page that travels browser to browser";
    pub(super) const SDP: &str = "v=0\r\no=- 1 1 IN IP4 198.18.0.1\r\n";

    fn hash() -> PageHash {
        PageHash::of(TEXT)
    }

    pub(super) const ON: DirectSetting =
        DirectSetting { supported: true, relay_only: false, server: true, turn_only: false };

    /// `(ref, topic, event, payload)` of every frame the machine sent.
    pub(super) fn pushes(commands: &[Command]) -> Vec<(Option<Ref>, String, String, String)> {
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Send(text) => {
                    let f = Frame::decode(Vsn::V2, text).unwrap();
                    Some((f.msg_ref, f.topic.into_owned(), f.event.into_owned(), f.payload.get().to_string()))
                }
                _ => None,
            })
            .collect()
    }

    pub(super) fn reports(commands: &[Command]) -> Vec<String> {
        pushes(commands).into_iter().filter(|(_, _, e, _)| e == event::DIRECT_REPORT).map(|p| p.3).collect()
    }

    pub(super) fn asked_the_relay(commands: &[Command]) -> bool {
        pushes(commands).iter().any(|(_, _, e, _)| e == event::CONTENT_REQUEST)
    }

    pub(super) fn to_glue(commands: &[Command]) -> Vec<DirectCommand> {
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Direct(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    pub(super) fn reply(msg_ref: &Ref, topic: Topic, status: &str, response: &str) -> Event {
        let Ref::Text(r) = msg_ref else { panic!("string refs") };
        let payload = format!(r#"{{"status":"{status}","response":{response}}}"#);
        server(Some("1"), Some(r), topic, event::REPLY, &payload)
    }

    /// The relay's ok to the machine's first join (ref "1").
    pub(super) fn join_ok(topic: Topic) -> Event {
        server(Some("1"), Some("1"), topic, event::REPLY, r#"{"status":"ok","response":{}}"#)
    }

    pub(super) fn signal_in(topic: Topic, frame: SignalFrame) -> Event {
        server(None, None, topic, event::SIGNAL, &frame.to_json())
    }

    /// A visitor with `setting`, connected and joined to want:H; what the join brought.
    fn joined(setting: DirectSetting) -> (Visitor, Vec<Command>) {
        let (mut v, _) = Visitor::new(hash(), None, 7);
        v.set_direct(setting);
        v.set_now(1_000);
        v.step(Event::Opened);
        let out = v.step(join_ok(Topic::Want(hash())));
        (v, out)
    }

    /// Joined, the offer made and pushed: its ref.
    fn offering() -> (Visitor, Ref) {
        let (mut v, out) = joined(ON);
        assert!(!asked_the_relay(&out), "a direct connection is tried first");
        assert_eq!(to_glue(&out), [DirectCommand::Visitor(VisitorCommand::MakeOffer)]);
        assert!(out.contains(&Command::Schedule(Timer::Direct, Duration::from_millis(OPEN_WITHIN_MS))));
        let out = v.step(Event::Direct(DirectEvent::Visitor(VisitorEvent::OfferMade(SDP.into()))));
        let sent = pushes(&out);
        assert_eq!(sent.len(), 1);
        let (msg_ref, topic, event_name, payload) = &sent[0];
        assert_eq!(
            (topic.as_str(), event_name.as_str()),
            (Topic::Want(hash()).to_string().as_str(), event::SIGNAL)
        );
        assert_eq!(SignalFrame::parse(payload).unwrap(), SignalFrame::new(None, Signal::Offer(SDP.into())));
        (v, msg_ref.clone().unwrap())
    }

    #[test]
    fn the_page_comes_over_a_direct_connection_and_the_tab_hosts_it() {
        let (mut v, offer) = offering();
        let out = v.step(reply(&offer, Topic::Want(hash()), "ok", r#"{"peer":5}"#));
        assert!(to_glue(&out).is_empty() && !asked_the_relay(&out), "paired: wait for the answer");
        let answer = SignalFrame::new(Some(5), Signal::Answer(SDP.into()));
        let out = v.step(signal_in(Topic::Want(hash()), answer));
        assert_eq!(to_glue(&out), [DirectCommand::Visitor(VisitorCommand::SetAnswer(SDP.into()))]);
        let out = v.step(Event::Direct(DirectEvent::Visitor(VisitorEvent::ChannelOpen)));
        assert_eq!(to_glue(&out), [DirectCommand::AskPage]);
        assert_eq!(reports(&out), [r#"{"outcome":"opened"}"#]);
        let out = v.step(Event::Direct(DirectEvent::Answer(TEXT.into())));
        assert!(reports(&out).is_empty(), "one report per pair");
        assert_eq!(v.content(), Some(TEXT));
        assert_eq!(v.snapshot().arrival, Some(Arrival::Direct));
        assert!(!asked_the_relay(&out));
        let sent = pushes(&out);
        assert!(
            sent.iter().any(|(_, t, e, _)| *t == Topic::Have(hash()).to_string() && e == "phx_join"),
            "it hosts"
        );
        assert!(sent.iter().any(|(_, _, e, p)| e == event::SIGNAL && p.contains("\"bye\":true")));
        assert!(to_glue(&out).contains(&DirectCommand::Visitor(VisitorCommand::Close)));
    }

    #[test]
    fn no_channel_in_time_and_the_relay_is_asked() {
        let (mut v, offer) = offering();
        v.step(reply(&offer, Topic::Want(hash()), "ok", r#"{"peer":5}"#));
        v.set_now(1_000 + OPEN_WITHIN_MS - 1);
        assert!(!asked_the_relay(&v.step(Event::Timer(Timer::Direct))));
        v.set_now(1_000 + OPEN_WITHIN_MS);
        let out = v.step(Event::Timer(Timer::Direct));
        assert!(asked_the_relay(&out));
        assert!(to_glue(&out).contains(&DirectCommand::Visitor(VisitorCommand::Close)));
        assert_eq!(v.snapshot().relay_why, Some(Why::Timeout));
        assert_eq!(reports(&out), [r#"{"outcome":"failed"}"#]);
        // The relay's copy arrives as always.
        let content = serde_json::json!({ "content": TEXT }).to_string();
        v.step(server(None, None, Topic::Want(hash()), event::CONTENT, &content));
        assert_eq!(v.snapshot().arrival, Some(Arrival::Relay));
    }

    #[test]
    fn a_refused_offer_asks_the_relay_at_once() {
        let (mut v, offer) = offering();
        let out = v.step(reply(
            &offer,
            Topic::Want(hash()),
            "error",
            r#"{"reason":"no host to connect to directly: use the relay"}"#,
        ));
        assert!(asked_the_relay(&out));
        assert_eq!(v.snapshot().relay_why, Some(Why::Refused));
        assert!(reports(&out).is_empty(), "nothing was paired: nothing to report");
    }

    #[test]
    fn a_host_lying_over_the_channel_is_dropped_and_the_relay_asked() {
        let (mut v, offer) = offering();
        v.step(reply(&offer, Topic::Want(hash()), "ok", r#"{"peer":5}"#));
        v.step(Event::Direct(DirectEvent::Visitor(VisitorEvent::ChannelOpen)));
        let out = v.step(Event::Direct(DirectEvent::Answer("not the page".into())));
        assert_eq!(v.content(), None);
        assert_eq!(v.rejected(), 1);
        assert!(asked_the_relay(&out));
        assert!(to_glue(&out).contains(&DirectCommand::Visitor(VisitorCommand::Close)));
        assert_eq!(v.snapshot().relay_why, Some(Why::Lied));
        assert_eq!(reports(&out), [r#"{"outcome":"broken"}"#], "opened, then lied");
    }

    #[test]
    fn relay_only_no_webrtc_or_a_server_without_direct_ask_the_relay_and_make_no_connection() {
        for setting in [
            DirectSetting { relay_only: true, ..ON },
            DirectSetting { supported: false, ..ON },
            DirectSetting { server: false, ..ON },
        ] {
            let (v, out) = joined(setting);
            assert!(asked_the_relay(&out), "{setting:?}");
            let why = [(setting.relay_only, Why::RelayOnly), (!setting.supported, Why::Unsupported)]
                .into_iter()
                .find_map(|(yes, why)| yes.then_some(why));
            assert_eq!(v.snapshot().relay_why, why, "{setting:?}");
            assert!(
                !to_glue(&out).contains(&DirectCommand::Visitor(VisitorCommand::MakeOffer)),
                "{setting:?}"
            );
        }
    }

    /// A tab that wrote the page and hosts it (have:H joined).
    fn hosting(setting: DirectSetting) -> Visitor {
        let (mut v, _) = Visitor::new(hash(), Some(TEXT.into()), 7);
        v.set_direct(setting);
        v.step(Event::Opened);
        v.step(join_ok(Topic::Have(hash())));
        assert_eq!(v.phase(), Phase::Hosting);
        v
    }

    #[test]
    fn a_page_wanted_before_the_setting_is_known_waits_for_it() {
        let (mut v, _) = Visitor::new(hash(), None, 7);
        v.await_direct();
        v.step(Event::Opened);
        let out = v.step(join_ok(Topic::Want(hash())));
        assert!(!asked_the_relay(&out) && to_glue(&out).is_empty(), "nothing before the setting");
        let out = v.set_direct(DirectSetting { server: false, ..ON });
        assert!(asked_the_relay(&out));
        let (mut v, _) = Visitor::new(hash(), None, 7);
        v.await_direct();
        v.step(Event::Opened);
        v.step(join_ok(Topic::Want(hash())));
        assert_eq!(to_glue(&v.set_direct(ON)), [DirectCommand::Visitor(VisitorCommand::MakeOffer)]);
    }

    #[test]
    fn a_host_answers_an_offer_and_one_that_may_not_declines_it() {
        let mut h = hosting(ON);
        let offer = SignalFrame::new(Some(9), Signal::Offer(SDP.into()));
        let out = h.step(signal_in(Topic::Have(hash()), offer.clone()));
        assert_eq!(to_glue(&out), [DirectCommand::Host(HostCommand::Answer { peer: 9, offer: SDP.into() })]);
        let out =
            h.step(Event::Direct(DirectEvent::Host(HostEvent::AnswerMade { peer: 9, sdp: SDP.into() })));
        let sent = pushes(&out);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].1, Topic::Have(hash()).to_string());
        assert_eq!(
            SignalFrame::parse(&sent[0].3).unwrap(),
            SignalFrame::new(Some(9), Signal::Answer(SDP.into()))
        );

        let mut off = hosting(DirectSetting { relay_only: true, ..ON });
        let out = off.step(signal_in(Topic::Have(hash()), offer));
        assert!(to_glue(&out).is_empty());
        assert!(pushes(&out).iter().any(|(_, _, e, p)| e == event::SIGNAL && p.contains("\"bye\":true")));
    }
}
