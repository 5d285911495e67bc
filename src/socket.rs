//! Browser glue: one WebSocket to the relay, driven by a state machine of
//! core's — a page's visitor (`machine.rs`), or the keeper of "Your pages"
//! (`keeper.rs`). It feeds the machine events (open, close, frames,
//! timers) and carries out its commands; every decision is in the machine.
//! A file page's chunks are stored and read through the lazy parts
//! (`lazy::files_*`), whose answers come back as events.

use crate::chat::Message;
use crate::client::{Command, Event, Machine, Timer};
use crate::keeper::Keeper;
use crate::machine::Visitor;
use crate::protocol::PageHash;
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// The open WebSocket and the callbacks it holds (dropped with it).
struct Live {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
}

impl Live {
    /// Detaches the callbacks and closes the socket. The callbacks are
    /// dropped on the next turn: this may run inside one of them.
    fn close(self, code: u16, reason: &str) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close_with_code_and_reason(code, reason);
        schedule_now(move || drop(self));
    }
}

struct Inner<M> {
    machine: RefCell<M>,
    /// The page's direct connections, when this tab may make them.
    peers: RefCell<Option<Rc<RefCell<crate::peers::Peers>>>>,
    /// Commands for the peer connections, carried out one after another in
    /// the order the machine gave them (an ICE candidate run before the
    /// offer it belongs to would be lost). `true` while a task drains it.
    direct: RefCell<(VecDeque<DirectRun>, bool)>,
    socket: RefCell<Option<Live>>,
    /// Tells the current socket's callbacks from a previous socket's.
    generation: Cell<u64>,
    timers: RefCell<HashMap<Timer, Timeout>>,
    stopped: Cell<bool>,
    /// Called after every step, with the machine, for the view to update.
    on_change: Box<dyn Fn(&M)>,
}

/// A machine's connection to the relay, alive until [`Driver::stop`].
pub struct Driver<M>(Rc<Inner<M>>);

impl<M: Machine + 'static> Driver<M> {
    /// Runs `machine` from its first `commands`.
    fn run_machine(machine: M, commands: Vec<Command>, on_change: impl Fn(&M) + 'static) -> Self {
        let inner = Rc::new(Inner {
            machine: RefCell::new(machine),
            peers: RefCell::new(None),
            direct: RefCell::default(),
            socket: RefCell::new(None),
            generation: Cell::new(0),
            timers: RefCell::new(HashMap::new()),
            stopped: Cell::new(false),
            on_change: Box::new(on_change),
        });
        run(&inner, commands);
        (inner.on_change)(&inner.machine.borrow());
        Self(inner)
    }

    /// Leaves: closes the socket normally and stops every timer.
    pub fn stop(&self) {
        self.0.stopped.set(true);
        self.0.timers.borrow_mut().clear();
        if let Some(peers) = self.0.peers.borrow_mut().take() {
            wasm_bindgen_futures::spawn_local(crate::lazy::direct_close(peers));
        }
        if let Some(live) = self.0.socket.borrow_mut().take() {
            live.close(1000, "left the page");
        }
    }
}

impl Driver<Keeper> {
    /// The keeper of "Your pages", connecting at once.
    pub fn keeper(on_change: impl Fn(&Keeper) + 'static) -> Self {
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        let (machine, commands) = Keeper::new(seed);
        Self::run_machine(machine, commands, on_change)
    }

    /// Follows `listed` pages' counts and hosts the `kept` ones.
    pub fn set_pages(&self, listed: Vec<PageHash>, kept: Vec<(PageHash, String)>) {
        if self.0.stopped.get() {
            return;
        }
        let commands = self.0.machine.borrow_mut().set_pages(listed, kept);
        run(&self.0, commands);
        (self.0.on_change)(&self.0.machine.borrow());
    }
}

impl Driver<Visitor> {
    /// Starts visiting (or, with `content`, hosting) a page; `offered` is
    /// the text the server's first response carried, checked by the machine.
    /// A file page's chunks are downloaded and hosted too.
    pub fn start(
        hash: PageHash,
        content: Option<String>,
        offered: Option<String>,
        on_change: impl Fn(&Visitor) + 'static,
    ) -> Self {
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        let (mut machine, mut commands) = Visitor::new(hash, content, seed);
        machine.set_now(wall_ms());
        // What this tab may do directly is known once /ice answers; the
        // socket opens meanwhile, and the page (or a file page's chunks)
        // waits for it (1 s at most).
        machine.await_direct();
        commands.extend(machine.set_file_role(crate::machine::FileRole::Host));
        if let Some(text) = offered {
            commands.extend(machine.step(Event::Offered(text)));
        }
        let driver = Self::run_machine(machine, commands, on_change);
        let inner = driver.0.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let supported = crate::peers::supported();
            let relay_only = crate::peers::relay_only();
            let ice = if supported && !relay_only { crate::peers::ice().await } else { None };
            let setting = crate::machine::DirectSetting {
                supported,
                relay_only,
                server: ice.as_ref().is_some_and(|ice| ice.direct),
                turn_only: ice.as_ref().is_some_and(|ice| ice.relay_transport),
            };
            if let Some(ice) = ice.filter(|_| setting.on()) {
                let weak = Rc::downgrade(&inner);
                // Reported on a later turn: never inside the step that asked.
                let report: crate::peers::Report = Rc::new(move |event| {
                    let weak = weak.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Some(inner) = weak.upgrade() {
                            handle(&inner, Event::Direct(event));
                        }
                    });
                });
                let peers = crate::lazy::direct_peers(ice, report).await;
                *inner.peers.borrow_mut() = Some(peers);
            }
            if inner.stopped.get() {
                return;
            }
            let commands = inner.machine.borrow_mut().set_direct(setting);
            run(&inner, commands);
            (inner.on_change)(&inner.machine.borrow());
        });
        driver
    }

    /// Says a message in the page's chat (the machine refuses it unless
    /// this tab hosts the page).
    pub fn say(&self, message: Message) {
        handle(&self.0, Event::Say(message));
    }

    /// Pauses (or resumes) a file page's download.
    pub fn pause_files(&self, paused: bool) {
        handle(&self.0, Event::PauseFiles(paused));
    }
}

/// Feeds one event to the machine and carries out what it says.
fn handle<M: Machine + 'static>(inner: &Rc<Inner<M>>, event: Event) {
    if inner.stopped.get() {
        return;
    }
    let commands = {
        let mut machine = inner.machine.borrow_mut();
        machine.set_now(wall_ms());
        machine.step(event)
    };
    run(inner, commands);
    (inner.on_change)(&inner.machine.borrow());
}

fn run<M: Machine + 'static>(inner: &Rc<Inner<M>>, commands: Vec<Command>) {
    for command in commands {
        match command {
            Command::Connect => connect(inner),
            Command::Disconnect => {
                if let Some(live) = inner.socket.borrow_mut().take() {
                    live.close(4000, "reconnecting");
                }
                // The callbacks are detached: report the close ourselves.
                let inner = inner.clone();
                schedule_now(move || handle(&inner, Event::Closed));
            }
            Command::Send(text) => {
                if let Some(live) = inner.socket.borrow().as_ref() {
                    let _ = live.ws.send_with_str(&text);
                }
            }
            Command::Schedule(timer, after) => {
                let weak = Rc::downgrade(inner);
                let millis = after.as_millis().min(u128::from(u32::MAX)) as u32;
                let timeout = Timeout::new(millis, move || {
                    if let Some(inner) = weak.upgrade() {
                        inner.timers.borrow_mut().remove(&timer);
                        handle(&inner, Event::Timer(timer));
                    }
                });
                // Replacing a timer drops (cancels) the old one.
                inner.timers.borrow_mut().insert(timer, timeout);
            }
            Command::Cancel(timer) => {
                inner.timers.borrow_mut().remove(&timer);
            }
            Command::SendBinary(bytes) => {
                if let Some(live) = inner.socket.borrow().as_ref() {
                    let _ = live.ws.send_with_u8_array(&bytes);
                }
            }
            Command::OpenFiles => {
                let Some(wire) = inner.machine.borrow().file_page().map(|(_, wire)| wire.to_string()) else {
                    continue;
                };
                let inner = inner.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let held = crate::lazy::files_open(wire).await;
                    handle(&inner, Event::FilesReady(held));
                });
            }
            Command::StoreChunk(id, payload) => {
                let Some(hash) = inner.machine.borrow().file_page().map(|(hash, _)| hash) else { continue };
                let inner = inner.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let stored = crate::lazy::files_store(hash, id, payload).await;
                    handle(&inner, Event::ChunkStored(id, stored));
                });
            }
            Command::Direct(command) => {
                let Some(peers) = inner.peers.borrow().clone() else { continue };
                // A host answering an offer serves the page over the channel.
                let answering = matches!(
                    command,
                    crate::client::DirectCommand::Host(crate::signal::HostCommand::Answer { .. })
                );
                let page = answering.then(|| inner.machine.borrow().page_text().map(str::to_owned)).flatten();
                run_direct(inner, (peers, command, page));
            }
            Command::ReadChunk(id) => {
                let Some(hash) = inner.machine.borrow().file_page().map(|(hash, _)| hash) else { continue };
                let inner = inner.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let read = crate::lazy::files_read(hash, id).await;
                    handle(&inner, Event::ChunkRead(id, read));
                });
            }
        }
    }
}

/// One command for a page's peer connections, with what it needs.
type DirectRun = (Rc<RefCell<crate::peers::Peers>>, crate::client::DirectCommand, Option<String>);

/// Queues a command for the peer connections and, unless a task already
/// does, carries the queue out in order. Each command runs in a lazily
/// loaded part: two started apart could finish its loading in either order.
fn run_direct<M: 'static>(inner: &Rc<Inner<M>>, next: DirectRun) {
    let mut direct = inner.direct.borrow_mut();
    direct.0.push_back(next);
    if std::mem::replace(&mut direct.1, true) {
        return;
    }
    let inner = inner.clone();
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let next = {
                let mut direct = inner.direct.borrow_mut();
                if inner.stopped.get() {
                    direct.0.clear();
                }
                let next = direct.0.pop_front();
                direct.1 = next.is_some();
                next
            };
            let Some((peers, command, page)) = next else { break };
            crate::lazy::direct_run(peers, command, page).await;
        }
    });
}

/// This browser's clock, in ms since the Unix epoch (chat messages are dated with it).
pub fn wall_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// Runs `f` on the next turn of the event loop, outside the current step.
fn schedule_now(f: impl FnOnce() + 'static) {
    Timeout::new(0, f).forget();
}

/// `ws(s)://<this host>/ws/websocket?vsn=2.0.0`.
fn relay_url() -> String {
    let location = leptos::prelude::window().location();
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}{}", crate::protocol::socket_path(crate::phoenix::Vsn::V2))
}

fn connect<M: Machine + 'static>(inner: &Rc<Inner<M>>) {
    if let Some(old) = inner.socket.borrow_mut().take() {
        old.close(4000, "reconnecting");
    }
    let generation = inner.generation.get() + 1;
    inner.generation.set(generation);
    let ws = match WebSocket::new(&relay_url()) {
        Ok(ws) => ws,
        Err(_) => {
            let inner = inner.clone();
            schedule_now(move || handle(&inner, Event::Closed));
            return;
        }
    };
    // Events from an older socket of this page are ignored.
    let weak: Weak<Inner<M>> = Rc::downgrade(inner);
    let deliver = Rc::new(move |event: Event| {
        if let Some(inner) = weak.upgrade() {
            if inner.generation.get() == generation {
                handle(&inner, event);
            }
        }
    });
    let d = deliver.clone();
    let on_open = Closure::<dyn FnMut()>::new(move || d(Event::Opened));
    let d = deliver.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        let data = message.data();
        if let Some(text) = data.as_string() {
            d(Event::Frame(text));
        } else if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
            d(Event::Binary(js_sys::Uint8Array::new(buffer).to_vec()));
        }
    });
    // An error is always followed by a close; the close is what counts.
    let on_close = Closure::<dyn FnMut()>::new(move || deliver(Event::Closed));
    // A file page's chunks come as binary frames, read as one buffer each.
    ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *inner.socket.borrow_mut() =
        Some(Live { ws, _on_open: on_open, _on_message: on_message, _on_close: on_close });
}
