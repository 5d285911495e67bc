//! The door of a one-time page (SPEC §15): its reader's tab asks for
//! nothing until the reader chooses to open it, so link previews, scanners
//! and a tab opened by mistake do not use up its one reading.

use crate::i18n::tr;
use crate::protocol::Health;
use crate::state::PageState;
use leptos::prelude::*;

#[component]
pub fn OneTimeGate(state: PageState, health: Resource<Result<Health, ServerFnError>>) -> impl IntoView {
    // From the server's answer (in the first HTML), or the page's state once hydrated.
    let one_time = move || {
        state.one_time.get().unwrap_or_else(|| health.get().and_then(Result::ok).is_some_and(|h| h.one_time))
    };
    let shown = move || one_time() && !state.created_here && !state.opened.get();
    let hosts = move || health.get().and_then(Result::ok).map_or(0, |h| h.hosts);
    view! {
        <Suspense fallback=|| ()>
            <Show when=shown>
                <section class="one-time" data-testid="one-time-gate" aria-labelledby="one-time-title">
                    <h2 id="one-time-title">{tr(|t| t.page.one_time_heading)}</h2>
                    <p>{tr(|t| t.page.one_time_about)}</p>
                    <Show when=move || hosts() == 0>
                        <p class="warning" data-testid="one-time-gone">
                            {tr(|t| t.page.one_time_gone)}
                        </p>
                    </Show>
                    <button type="button" class="primary" data-testid="open-one-time" on:click=move |_| state.opened.set(true)>
                        {tr(|t| t.page.one_time_open)}
                    </button>
                </section>
            </Show>
        </Suspense>
    }
}
