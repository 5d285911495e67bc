//! What the page view says of the page's health: its host count, the
//! status line, the warning to the last host, copies discarded for a wrong
//! hash, and why an encrypted page stays shut.

use crate::format::count_of;
use crate::protocol::Health;
use crate::state::PageState;
use leptos::prelude::*;

/// The host count: in the first HTML (the server's), then live.
#[component]
pub fn HostCount(state: PageState, health: Resource<Result<Health, ServerFnError>>) -> impl IntoView {
    let hosts = move || state.hosts(|| health.get().and_then(Result::ok).map(|h| h.hosts));
    view! {
        <Suspense fallback=|| view! { <span class="health">"…"</span> }>
            {move || {
                let n = hosts();
                view! {
                    <span class="health" class:none=move || n == Some(0) data-testid="health">
                        {n.map_or_else(|| "…".to_string(), |n| count_of(n, "host"))}
                    </span>
                }
            }}
        </Suspense>
    }
}

/// The status line: what this tab is doing for the page.
#[component]
pub fn StatusLine(state: PageState) -> impl IntoView {
    view! {
        <p class="status" role="status" aria-live="polite" data-testid="status" data-phase=move || state.phase_name()>
            {move || state.status()}
        </p>
    }
}

/// Closing the only host's tab deletes the page.
#[component]
pub fn LastHostWarning(state: PageState) -> impl IntoView {
    view! {
        <Show when=move || state.snapshot.with(|s| s.last_host)>
            <p class="warning" role="alert" data-testid="last-host-warning">
                <strong>"You are the only host."</strong>
                " Closing this tab deletes the page. Share the link so someone else keeps it alive."
            </p>
        </Show>
    }
}

/// Copies of the page that did not match its hash, while no good one came.
#[component]
pub fn Rejected(state: PageState) -> impl IntoView {
    let snapshot = state.snapshot;
    view! {
        <Show when=move || snapshot.with(|s| s.rejected > 0 && !s.has_content)>
            <p class="status" data-testid="rejected">
                {move || format!("Discarded {} that did not match this page's hash.", count_of(snapshot.with(|s| s.rejected as usize), "copy"))}
            </p>
        </Show>
    }
}

/// Why an encrypted page's text is not shown.
#[component]
pub fn LockedNotice(state: PageState) -> impl IntoView {
    move || {
        state.locked.get().map(|why| {
            view! {
                <div class="locked" role="alert" data-testid="locked" data-why=format!("{why:?}").to_lowercase()>
                    <p><strong>{why.message()}</strong></p>
                    <p>"Your browser still checked the page against its address and hosts it, unreadable, so you help keep it alive."</p>
                </div>
            }
        })
    }
}
