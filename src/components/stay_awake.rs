//! "Keep this screen awake" (SPEC §15): offered while this tab is the
//! page's only host, where the browser can (Screen Wake Lock). Once
//! chosen, the screen is kept awake whenever the tab is the only host and
//! visible, and let go as soon as another host holds the page too.

use crate::i18n::tr;
use crate::state::PageState;
use leptos::prelude::*;

#[component]
pub fn StayAwake(state: PageState) -> impl IntoView {
    let supported = RwSignal::new(false);
    let wanted = RwSignal::new(false);
    let only_host = move || state.snapshot.with(|s| s.last_host);
    #[cfg(feature = "hydrate")]
    hold(state, supported, wanted);
    view! {
        <Show when=move || supported.get() && only_host()>
            <label class="relay-only stay-awake">
                <input type="checkbox" data-testid="stay-awake" prop:checked=move || wanted.get()
                    on:change=move |ev| wanted.set(event_target_checked(&ev))/>
                <span class="what">{tr(|t| t.lists.stay_awake)}</span>
                <span class="hint">{tr(|t| t.lists.stay_awake_hint)}</span>
            </label>
        </Show>
    }
}

/// Holds a wake lock while it is wanted, this tab is the only host and
/// the page is visible; lets it go otherwise.
#[cfg(feature = "hydrate")]
fn hold(state: PageState, supported: RwSignal<bool>, wanted: RwSignal<bool>) {
    use crate::wake;
    use wasm_bindgen::JsValue;
    Effect::new(move |_| supported.set(wake::supported()));
    // The browser lets a lock go when the tab is hidden: asked again once visible.
    let visible = RwSignal::new(true);
    let handle = window_event_listener_untyped("visibilitychange", move |_| {
        visible.set(!document().hidden());
    });
    let sentinel = StoredValue::new_local(None::<JsValue>);
    let asking = StoredValue::new(false);
    on_cleanup(move || {
        handle.remove();
        if let Some(held) = sentinel.try_update_value(Option::take).flatten() {
            wake::release(&held);
        }
    });
    Effect::new(move |_| {
        let should = wanted.get() && visible.get() && state.snapshot.with(|s| s.last_host);
        if !should {
            if let Some(held) = sentinel.try_update_value(Option::take).flatten() {
                wake::release(&held);
            }
            return;
        }
        if sentinel.with_value(Option::is_some) || asking.get_value() {
            return;
        }
        asking.set_value(true);
        leptos::task::spawn_local(async move {
            let got = crate::lazy::wake_lock().await;
            // Given back (`Some`) when the view went away meanwhile.
            if asking.try_set_value(false).is_some() {
                if let Some(got) = got {
                    wake::release(&got);
                }
                return;
            }
            let Some(got) = got else { return };
            if !(wanted.get_untracked() && state.snapshot.with_untracked(|s| s.last_host)) {
                wake::release(&got);
                return;
            }
            wake::on_release(&got, move || {
                sentinel.try_set_value(None);
            });
            sentinel.set_value(Some(got));
        });
    });
}
