//! Browser glue for direct connections (SPEC §14): the `RTCPeerConnection`s
//! a page's machine asks for (`client::DirectCommand`), and what they do,
//! reported back as `client::DirectEvent`s. Every decision (when to offer,
//! when to give up for the relay, what to trust) is the machine's; this
//! only drives Web APIs.
//!
//! Over a data channel (ordered, reliable), the visitor asks for the page
//! or a chunk and the host answers in parts (`core::channel` has the
//! wire). The visitor hands each answer it put together to the machine,
//! which checks it like any copy. A host queues what it sends and feeds
//! the channel only while its buffer is below [`HIGH_WATER`], so a fast
//! reader of many chunks never overflows it (the browser would close it).

use crate::channel::{Text, MOST_ANSWER_BYTES, PART};
use crate::client::{DirectCommand, DirectEvent};
use crate::signal::{HostCommand, HostEvent, VisitorCommand, VisitorEvent};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MessageEvent, RtcDataChannel, RtcDataChannelEvent, RtcDataChannelType, RtcIceCandidateInit,
    RtcPeerConnection, RtcPeerConnectionIceEvent, RtcSdpType, RtcSessionDescriptionInit,
};

/// A host stops feeding a channel while this much waits in its buffer…
const HIGH_WATER: u32 = 1024 * 1024;
/// …and starts again when it drains below this.
const LOW_WATER: u32 = 256 * 1024;

/// A message waiting to go.
enum Out {
    Bytes(Vec<u8>),
    Text(String),
}

/// What a host has to send one visitor, in order.
type Outbox = Rc<RefCell<VecDeque<Out>>>;

/// Sends from `outbox` while the channel's buffer has room; a channel
/// that refuses (closed) drops the rest.
fn pump(channel: &RtcDataChannel, outbox: &Outbox) {
    while channel.buffered_amount() < HIGH_WATER {
        let Some(next) = outbox.borrow_mut().pop_front() else { return };
        let sent = match next {
            Out::Bytes(bytes) => channel.send_with_u8_array(&bytes),
            Out::Text(text) => channel.send_with_str(&text),
        };
        if sent.is_err() {
            outbox.borrow_mut().clear();
            return;
        }
    }
}

/// Queues one answer: its bytes in parts, then `end`.
fn queue_answer(outbox: &Outbox, bytes: &[u8]) {
    let mut queue = outbox.borrow_mut();
    queue.extend(bytes.chunks(PART).map(|part| Out::Bytes(part.to_vec())));
    queue.push_back(Out::Text(Text::End.to_text()));
}

/// Callbacks a connection (or its channel) holds.
type Callbacks = Vec<Closure<dyn FnMut(JsValue)>>;

/// What the glue tells its machine.
pub type Report = Rc<dyn Fn(DirectEvent)>;

/// One peer connection, its channel and the callbacks they hold (dropped with it).
struct Peer {
    pc: RtcPeerConnection,
    channel: Rc<RefCell<Option<RtcDataChannel>>>,
    callbacks: Callbacks,
    /// The channel's callbacks, when the other side opened it.
    late: Rc<RefCell<Callbacks>>,
    /// What a host has yet to send over the channel.
    outbox: Outbox,
}

impl Peer {
    fn close(self) {
        self.outbox.borrow_mut().clear();
        if let Some(channel) = self.channel.borrow_mut().take() {
            channel.set_onbufferedamountlow(None);
            channel.set_onopen(None);
            channel.set_onclose(None);
            channel.set_onmessage(None);
            channel.close();
        }
        self.pc.set_onicecandidate(None);
        self.pc.set_ondatachannel(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.close();
        // The callbacks may be running now: dropped on the next turn.
        let callbacks = (self.callbacks, self.late);
        gloo_timers::callback::Timeout::new(0, move || drop(callbacks)).forget();
    }
}

/// A page's peer connections: the visitor's one, and the host's by pair.
pub struct Peers {
    /// `RTCConfiguration`: the ICE servers `GET /ice` gave.
    config: JsValue,
    report: Report,
    visitor: Option<Peer>,
    hosts: HashMap<u32, Peer>,
}

/// Whether this browser has WebRTC at all.
pub fn supported() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"RTCPeerConnection".into()).unwrap_or(false)
}

/// `pc.onX = f(event)`, kept alive in `callbacks`.
fn callback(callbacks: &mut Callbacks, f: impl FnMut(JsValue) + 'static) -> js_sys::Function {
    let closure = Closure::<dyn FnMut(JsValue)>::new(f);
    let function = closure.as_ref().unchecked_ref::<js_sys::Function>().clone();
    callbacks.push(closure);
    function
}

fn description(kind: RtcSdpType, sdp: &str) -> RtcSessionDescriptionInit {
    let init = RtcSessionDescriptionInit::new(kind);
    init.set_sdp(sdp);
    init
}

/// An `icecandidate` event's candidate line and media id (an empty line:
/// gathering is over).
fn candidate_of(event: JsValue) -> (String, Option<String>) {
    match event.unchecked_into::<RtcPeerConnectionIceEvent>().candidate() {
        Some(c) => (c.candidate(), c.sdp_mid()),
        None => (String::new(), None),
    }
}

/// Takes what `createOffer`/`createAnswer` (`made`) resolves to as the
/// local description; its SDP.
async fn make_local(
    pc: &RtcPeerConnection,
    made: js_sys::Promise,
    kind: RtcSdpType,
) -> Result<String, JsValue> {
    let made = JsFuture::from(made).await?;
    let sdp = js_sys::Reflect::get(&made, &"sdp".into())?.as_string().ok_or(JsValue::NULL)?;
    JsFuture::from(pc.set_local_description(&description(kind, &sdp))).await?;
    Ok(sdp)
}

impl Peers {
    /// Connections made as `/ice` said.
    pub fn new(ice: &Ice, report: Report) -> Self {
        let config = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&config, &"iceServers".into(), &ice.servers);
        let policy = if ice.relay_transport { "relay" } else { "all" };
        let _ = js_sys::Reflect::set(&config, &"iceTransportPolicy".into(), &policy.into());
        Self { config: config.into(), report, visitor: None, hosts: HashMap::new() }
    }

    fn connection(&self) -> Option<RtcPeerConnection> {
        RtcPeerConnection::new_with_configuration(self.config.unchecked_ref()).ok()
    }

    /// Carries out one of the machine's commands; `page` is the text this
    /// tab hosts (for a visitor that asks over a channel).
    pub fn run(this: &Rc<RefCell<Self>>, command: DirectCommand, page: Option<String>) {
        match command {
            DirectCommand::Visitor(command) => Self::visitor(this, command),
            DirectCommand::Host(command) => Self::host(this, command, page),
            DirectCommand::AskPage => Self::ask(this, Text::Page),
            DirectCommand::AskChunk(id) => Self::ask(this, Text::Chunk(id)),
            DirectCommand::SendChunk { peer, payload } => Self::send(this, peer, |outbox| {
                queue_answer(outbox, &payload);
            }),
            DirectCommand::NotHeld { peer, id } => Self::send(this, peer, |outbox| {
                outbox.borrow_mut().push_back(Out::Text(Text::None(id).to_text()));
            }),
        }
    }

    /// The visitor asks its host over the channel; a channel that cannot
    /// take it is closed as far as the machine is concerned.
    fn ask(this: &Rc<RefCell<Self>>, ask: Text) {
        let channel = this.borrow().visitor.as_ref().and_then(|p| p.channel.borrow().clone());
        if channel.is_none_or(|c| c.send_with_str(&ask.to_text()).is_err()) {
            (this.borrow().report)(DirectEvent::Visitor(VisitorEvent::ChannelClosed));
        }
    }

    /// Queues something for visitor `peer` and sends what the channel takes.
    fn send(this: &Rc<RefCell<Self>>, peer: u32, queue: impl FnOnce(&Outbox)) {
        let this = this.borrow();
        let Some(connection) = this.hosts.get(&peer) else { return };
        let Some(channel) = connection.channel.borrow().clone() else { return };
        queue(&connection.outbox);
        pump(&channel, &connection.outbox);
    }

    fn visitor(this: &Rc<RefCell<Self>>, command: VisitorCommand) {
        let report = this.borrow().report.clone();
        let tell = move |event| report(DirectEvent::Visitor(event));
        match command {
            VisitorCommand::MakeOffer => {
                let Some(pc) = this.borrow().connection() else {
                    tell(VisitorEvent::ChannelClosed);
                    return;
                };
                let mut callbacks = Vec::new();
                let t = tell.clone();
                let on_candidate = callback(&mut callbacks, move |event| {
                    let (candidate, mid) = candidate_of(event);
                    t(VisitorEvent::LocalCandidate { candidate, mid });
                });
                pc.set_onicecandidate(Some(&on_candidate));
                let channel = pc.create_data_channel("ep2p");
                channel.set_binary_type(RtcDataChannelType::Arraybuffer);
                let t = tell.clone();
                channel.set_onopen(Some(&callback(&mut callbacks, move |_| t(VisitorEvent::ChannelOpen))));
                let t = tell.clone();
                channel.set_onclose(Some(&callback(&mut callbacks, move |_| t(VisitorEvent::ChannelClosed))));
                // Each answer (the page, or a chunk), put together from its parts.
                let report = this.borrow().report.clone();
                let t = tell.clone();
                let mut parts: Vec<u8> = Vec::new();
                channel.set_onmessage(Some(&callback(&mut callbacks, move |event| {
                    let data = event.unchecked_into::<MessageEvent>().data();
                    if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
                        let buffer = js_sys::Uint8Array::new(buffer);
                        if parts.len() + buffer.length() as usize > MOST_ANSWER_BYTES {
                            parts = Vec::new();
                            t(VisitorEvent::Lied);
                            return;
                        }
                        let at = parts.len();
                        parts.resize(at + buffer.length() as usize, 0);
                        buffer.copy_to(&mut parts[at..]);
                    } else {
                        match data.as_string().as_deref().and_then(Text::parse) {
                            Some(Text::End) => report(DirectEvent::Answer(std::mem::take(&mut parts))),
                            Some(Text::None(id)) => report(DirectEvent::NotHeld(id)),
                            _ => {}
                        }
                    }
                })));
                let t = tell.clone();
                let state_pc = pc.clone();
                let on_state = callback(&mut callbacks, move |_| {
                    use web_sys::RtcPeerConnectionState as S;
                    if matches!(state_pc.connection_state(), S::Failed | S::Closed) {
                        t(VisitorEvent::ChannelClosed);
                    }
                });
                pc.set_onconnectionstatechange(Some(&on_state));
                let peer = Peer {
                    pc: pc.clone(),
                    channel: Rc::new(RefCell::new(Some(channel))),
                    callbacks,
                    late: Rc::default(),
                    outbox: Rc::default(),
                };
                if let Some(old) = this.borrow_mut().visitor.replace(peer) {
                    old.close();
                }
                let t = tell.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match make_local(&pc, pc.create_offer(), RtcSdpType::Offer).await {
                        Ok(sdp) => t(VisitorEvent::OfferMade(sdp)),
                        Err(_) => t(VisitorEvent::ChannelClosed),
                    }
                });
            }
            VisitorCommand::SetAnswer(sdp) => {
                let Some(pc) = this.borrow().visitor.as_ref().map(|p| p.pc.clone()) else { return };
                // Set now, so that candidates added later queue behind it.
                let set = JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Answer, &sdp)));
                wasm_bindgen_futures::spawn_local(async move {
                    if set.await.is_err() {
                        tell(VisitorEvent::ChannelClosed);
                    }
                });
            }
            VisitorCommand::AddCandidate { candidate, mid } => {
                let Some(pc) = this.borrow().visitor.as_ref().map(|p| p.pc.clone()) else { return };
                add_candidate(&pc, &candidate, mid.as_deref());
            }
            VisitorCommand::Close => {
                if let Some(peer) = this.borrow_mut().visitor.take() {
                    peer.close();
                }
            }
            // Signals, what to ask over the channel and the relay path are the machine's.
            VisitorCommand::Send(_) | VisitorCommand::UseDirect | VisitorCommand::UseRelay(_) => {}
        }
    }

    fn host(this: &Rc<RefCell<Self>>, command: HostCommand, page: Option<String>) {
        let report = this.borrow().report.clone();
        let tell = move |event| report(DirectEvent::Host(event));
        match command {
            HostCommand::Answer { peer, offer } => {
                let Some(pc) = this.borrow().connection() else {
                    tell(HostEvent::ChannelClosed(peer));
                    return;
                };
                let mut callbacks = Vec::new();
                let t = tell.clone();
                let on_candidate = callback(&mut callbacks, move |event| {
                    let (candidate, mid) = candidate_of(event);
                    t(HostEvent::LocalCandidate { peer, candidate, mid });
                });
                pc.set_onicecandidate(Some(&on_candidate));
                let slot: Rc<RefCell<Option<RtcDataChannel>>> = Rc::new(RefCell::new(None));
                let late: Rc<RefCell<Callbacks>> = Rc::default();
                let outbox: Outbox = Rc::default();
                let report = this.borrow().report.clone();
                let (t, held, kept, queue, text) =
                    (tell.clone(), slot.clone(), late.clone(), outbox.clone(), page.unwrap_or_default());
                let on_channel = callback(&mut callbacks, move |event| {
                    let channel = event.unchecked_into::<RtcDataChannelEvent>().channel();
                    channel.set_binary_type(RtcDataChannelType::Arraybuffer);
                    channel.set_buffered_amount_low_threshold(LOW_WATER);
                    let t2 = t.clone();
                    let open = Closure::<dyn FnMut(JsValue)>::new(move |_| t2(HostEvent::ChannelOpen(peer)));
                    channel.set_onopen(Some(open.as_ref().unchecked_ref()));
                    let t3 = t.clone();
                    let close =
                        Closure::<dyn FnMut(JsValue)>::new(move |_| t3(HostEvent::ChannelClosed(peer)));
                    channel.set_onclose(Some(close.as_ref().unchecked_ref()));
                    let (sender, waiting) = (channel.clone(), queue.clone());
                    let low = Closure::<dyn FnMut(JsValue)>::new(move |_| pump(&sender, &waiting));
                    channel.set_onbufferedamountlow(Some(low.as_ref().unchecked_ref()));
                    let (sender, waiting, text, report) =
                        (channel.clone(), queue.clone(), text.clone(), report.clone());
                    let message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                        let data = event.unchecked_into::<MessageEvent>().data();
                        match data.as_string().as_deref().and_then(Text::parse) {
                            Some(Text::Page) => {
                                queue_answer(&waiting, text.as_bytes());
                                pump(&sender, &waiting);
                            }
                            Some(Text::Chunk(id)) => report(DirectEvent::Asked { peer, id }),
                            _ => {}
                        }
                    });
                    channel.set_onmessage(Some(message.as_ref().unchecked_ref()));
                    kept.borrow_mut().extend([open, close, low, message]);
                    *held.borrow_mut() = Some(channel);
                });
                pc.set_ondatachannel(Some(&on_channel));
                let connection = Peer { pc: pc.clone(), channel: slot, callbacks, late, outbox };
                if let Some(old) = this.borrow_mut().hosts.insert(peer, connection) {
                    old.close();
                }
                // Set now, so that candidates added later queue behind it.
                let remote =
                    JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Offer, &offer)));
                wasm_bindgen_futures::spawn_local(async move {
                    let made = async {
                        remote.await?;
                        make_local(&pc, pc.create_answer(), RtcSdpType::Answer).await
                    };
                    match made.await {
                        Ok(sdp) => tell(HostEvent::AnswerMade { peer, sdp }),
                        Err(_) => tell(HostEvent::ChannelClosed(peer)),
                    }
                });
            }
            HostCommand::AddCandidate { peer, candidate, mid } => {
                if let Some(pc) = this.borrow().hosts.get(&peer).map(|p| p.pc.clone()) {
                    add_candidate(&pc, &candidate, mid.as_deref());
                }
            }
            HostCommand::Close(peer) => {
                if let Some(connection) = this.borrow_mut().hosts.remove(&peer) {
                    connection.close();
                }
            }
            HostCommand::Send(_) => {}
        }
    }

    /// Closes every connection (the page is left).
    pub fn close_all(&mut self) {
        if let Some(peer) = self.visitor.take() {
            peer.close();
        }
        for (_, peer) in self.hosts.drain() {
            peer.close();
        }
    }
}

fn add_candidate(pc: &RtcPeerConnection, candidate: &str, mid: Option<&str>) {
    let init = RtcIceCandidateInit::new(candidate);
    init.set_sdp_mid(mid);
    if mid.is_none() {
        init.set_sdp_m_line_index(Some(0));
    }
    let promise = pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init));
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(promise).await;
    });
}

/// What `GET /ice` said.
pub struct Ice {
    /// The server pairs peers.
    pub direct: bool,
    /// `RTCConfiguration.iceServers`.
    pub servers: JsValue,
    /// Through TURN servers only (`iceTransportPolicy: "relay"`).
    pub relay_transport: bool,
}

/// Where "relay only" is remembered.
pub const RELAY_ONLY_KEY: &str = "ep2p-relay-only";

/// Whether the person chose "relay only" (remembered in this browser).
pub fn relay_only() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(RELAY_ONLY_KEY).ok().flatten())
        .is_some_and(|v| v == "1")
}

/// Remembers the person's choice.
pub fn set_relay_only(on: bool) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = if on { storage.set_item(RELAY_ONLY_KEY, "1") } else { storage.remove_item(RELAY_ONLY_KEY) };
    }
}

/// `GET /ice`, waited for at most a second; `None` if it did not answer.
pub async fn ice() -> Option<Ice> {
    let window = web_sys::window()?;
    let fetched = window.fetch_with_str("/ice");
    let late = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 1000);
    });
    let first = JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(&fetched, &late))).await.ok()?;
    let response: web_sys::Response = first.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    let direct = js_sys::Reflect::get(&json, &"direct".into()).ok()?.as_bool()?;
    let servers = js_sys::Reflect::get(&json, &"iceServers".into()).ok()?;
    let policy = js_sys::Reflect::get(&json, &"iceTransportPolicy".into()).ok()?.as_string();
    Some(Ice {
        direct,
        servers: if servers.is_array() { servers } else { js_sys::Array::new().into() },
        relay_transport: policy.as_deref() == Some("relay"),
    })
}
