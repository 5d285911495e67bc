//! The tabs of one browser share one keeper connection (SPEC §15): the tab
//! that holds the Web Lock [`LOCK`] runs it, and the tabs talk over a
//! `BroadcastChannel` (what they say: `state::tabs`). Where either is
//! missing every tab keeps on its own, as before.

use crate::state::tabs::Note;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What runs once this tab holds the lock.
type Lead = Rc<RefCell<Option<Box<dyn FnOnce()>>>>;

/// The lock whose holder runs the keeper.
const LOCK: &str = "ep2p-keeper";
/// The channel the tabs talk on.
const CHANNEL: &str = "ep2p-tabs";

/// This tab among the others: the channel, and the lock it holds or waits
/// for. Dropping it lets the lock go and closes the channel.
pub struct Tabs {
    channel: Option<web_sys::BroadcastChannel>,
    _heard: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    /// Resolves the promise that holds the lock.
    release: Rc<RefCell<Option<js_sys::Function>>>,
    released: Rc<Cell<bool>>,
}

impl Tabs {
    /// Joins the other tabs: `heard` gets their notes, and `lead` runs once
    /// this tab holds the lock (at once where it cannot be shared).
    pub fn join(heard: impl Fn(Note) + 'static, lead: impl FnOnce() + 'static) -> Self {
        let channel = web_sys::BroadcastChannel::new(CHANNEL).ok();
        let heard = channel.as_ref().map(|channel| {
            let on = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                if let Some(note) = event.data().as_string().as_deref().and_then(Note::parse) {
                    heard(note);
                }
            });
            channel.set_onmessage(Some(on.as_ref().unchecked_ref()));
            on
        });
        let release: Rc<RefCell<Option<js_sys::Function>>> = Rc::default();
        let released = Rc::new(Cell::new(false));
        let lead: Lead = Rc::new(RefCell::new(Some(Box::new(lead))));
        let requested = channel.is_some() && request_lock(release.clone(), released.clone(), lead.clone());
        if !requested {
            if let Some(lead) = lead.borrow_mut().take() {
                lead();
            }
        }
        Self { channel, _heard: heard, release, released }
    }

    /// Tells the other tabs.
    pub fn say(&self, note: &Note) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&note.to_text().into());
        }
    }
}

impl Drop for Tabs {
    fn drop(&mut self) {
        self.released.set(true);
        if let Some(release) = self.release.borrow_mut().take() {
            let _ = release.call0(&JsValue::NULL);
        }
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}

/// Asks for the keeper's lock (`navigator.locks`, read by reflection:
/// web-sys has it only behind its unstable flag); `lead` runs once it is
/// held, and it is held until `release` is called or the tab closes.
/// `false` where there are no Web Locks.
fn request_lock(
    release: Rc<RefCell<Option<js_sys::Function>>>,
    released: Rc<Cell<bool>>,
    lead: Lead,
) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let Some(locks) =
        js_sys::Reflect::get(&window.navigator(), &"locks".into()).ok().filter(JsValue::is_object)
    else {
        return false;
    };
    let Some(request) = js_sys::Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    let take = lead.clone();
    // The lock is held while the promise the callback returns is pending.
    let granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        if released.get() {
            return js_sys::Promise::resolve(&JsValue::UNDEFINED).into();
        }
        let held = js_sys::Promise::new(&mut |resolve, _| {
            *release.borrow_mut() = Some(resolve);
        });
        if let Some(lead) = take.borrow_mut().take() {
            lead();
        }
        held.into()
    });
    request.call2(&locks, &LOCK.into(), &granted).is_ok()
}
