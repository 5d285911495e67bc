//! Screen Wake Lock (SPEC §15, "hosts that stay"): a phone whose screen
//! goes to sleep stops hosting, so while its tab is a page's only host the
//! person may keep the screen awake. Called through JavaScript's own names
//! (the API is young in web-sys); the browser releases a lock by itself
//! when the tab is hidden, and says so with a `release` event.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn wake_lock() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    Reflect::get(&navigator, &"wakeLock".into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// Whether this browser can keep the screen awake.
pub fn supported() -> bool {
    wake_lock().is_some()
}

/// Asks for a screen wake lock; its sentinel, or `None` if refused (the
/// tab is hidden, the battery is low, or a policy forbids it).
pub async fn request() -> Option<JsValue> {
    let lock = wake_lock()?;
    let request = Reflect::get(&lock, &"request".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let promise = request.call1(&lock, &"screen".into()).ok()?.dyn_into::<js_sys::Promise>().ok()?;
    JsFuture::from(promise).await.ok()
}

/// Lets the screen sleep again.
pub fn release(sentinel: &JsValue) {
    let release =
        Reflect::get(sentinel, &"release".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(release) = release {
        let _ = release.call0(sentinel);
    }
}

/// Calls `on_release` when the browser lets the lock go by itself.
pub fn on_release(sentinel: &JsValue, on_release: impl FnOnce() + 'static) {
    let Some(target) = sentinel.dyn_ref::<web_sys::EventTarget>() else { return };
    let callback = wasm_bindgen::closure::Closure::once_into_js(on_release);
    let _ = target.add_event_listener_with_callback("release", callback.unchecked_ref());
}
