//! What the page view says of the page's health: its host count, the
//! status line, the warning to the last host, copies discarded for a wrong
//! hash, and why an encrypted page stays shut.

use crate::i18n::{around, lang, t, tr};
use crate::protocol::Health;
use crate::state::{Locked, PageState};
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
                        {move || {
                            n.map_or_else(
                                || "…".to_string(),
                                |n| lang().count(n as u64, t().site.hosts_one, t().site.hosts_other),
                            )
                        }}
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
            {move || state.status(t())}
        </p>
    }
}

/// Closing the only host's tab deletes the page.
#[component]
pub fn LastHostWarning(state: PageState) -> impl IntoView {
    view! {
        <Show when=move || state.snapshot.with(|s| s.last_host)>
            <p class="warning" role="alert" data-testid="last-host-warning">
                {move || around(t().page.last_host, "only").0}
                <strong>{tr(|t| t.page.last_host_only)}</strong>
                {move || around(t().page.last_host, "only").1}
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
                {move || {
                    let n = snapshot.with(|s| s.rejected as u64);
                    lang().count(n, t().page.rejected_one, t().page.rejected_other)
                }}
            </p>
        </Show>
    }
}

/// Why an encrypted page's text is not shown; for a page that asks for a
/// password, where to give it.
#[component]
pub fn LockedNotice(state: PageState) -> impl IntoView {
    move || {
        state.locked.get().map(|why| {
            let asks = matches!(why, Locked::NeedsPassword | Locked::WrongPassword);
            // The whole notice is the alert, or with a form inside, only its reason.
            let (notice_role, reason_role) = if asks { (None, Some("alert")) } else { (Some("alert"), None) };
            view! {
                <div class="locked" role=notice_role data-testid="locked" data-why=format!("{why:?}").to_lowercase()>
                    <p id="locked-why" role=reason_role><strong>{move || why.message(t())}</strong></p>
                    {asks.then(|| view! { <PasswordForm state/> })}
                    <p>{tr(|t| t.page.locked_still_hosted)}</p>
                </div>
            }
        })
    }
}

/// The password prompt: the page opens in this tab once it is right
/// (the password never leaves the tab).
#[component]
fn PasswordForm(state: PageState) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let opening = RwSignal::new(false);
    // A new answer (wrong, or the page) ends the wait.
    Effect::new(move |_| {
        state.locked.track();
        opening.set(false);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let password = typed.get_untracked();
        if !password.is_empty() {
            opening.set(true);
            // Set even when unchanged: a second try of the same password says so again.
            state.password.set(Some(password));
        }
    };
    view! {
        <form class="password-form" data-testid="password-form" on:submit=submit>
            <label for="page-password-open">{tr(|t| t.page.password)}</label>
            <input id="page-password-open" type="password" data-testid="page-password" autocomplete="current-password"
                required maxlength=crate::sealed::MAX_PASSWORD aria-describedby="locked-why"
                prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))/>
            <button type="submit" class="primary" data-testid="open-with-password" disabled=move || opening.get()>
                {move || if opening.get() { t().page.opening } else { t().page.open_page }}
            </button>
        </form>
    }
}
