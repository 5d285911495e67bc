//! Direct connections in the page view (SPEC §14): how the text got here
//! (directly from another visitor's browser, or through the relay), and
//! the remembered choice to use the relay only, with what a direct
//! connection reveals said plainly.

use crate::machine::Arrival;
use crate::signal::Why;
use crate::state::PageState;
use leptos::prelude::*;

/// The line saying how the text arrived; empty until it has (and for the
/// page's author).
pub fn arrival_text(arrival: Option<Arrival>, why: Option<Why>) -> Option<String> {
    let because = match why {
        Some(Why::RelayOnly) => " (relay only, as chosen)",
        Some(Why::Unsupported) => " (this browser has no WebRTC)",
        Some(Why::Timeout) => " (no direct connection in time)",
        Some(Why::Broke) => " (the direct connection broke)",
        Some(Why::Lied) => " (a host sent a wrong copy directly, and was dropped)",
        Some(Why::Refused) | None => "",
    };
    match arrival? {
        Arrival::Created => None,
        Arrival::Direct => Some("Arrived directly from another visitor's browser".to_owned()),
        Arrival::Relay => Some(format!("Arrived through the relay{because}")),
        Arrival::FirstResponse => Some("Arrived with the page, through the relay".to_owned()),
    }
}

/// How a file page's pieces got here in this visit (none: nothing came yet).
pub fn pieces_text(direct: u64, relay: u64) -> Option<String> {
    let pieces = |n: u64| if n == 1 { "1 piece".to_owned() } else { format!("{n} pieces") };
    match (direct, relay) {
        (0, 0) => None,
        (n, 0) => Some(format!("{} came directly from other visitors' browsers", pieces(n))),
        (0, n) => Some(format!("{} came through the relay", pieces(n))),
        (d, r) => {
            Some(format!("{} came directly from other visitors' browsers, {r} through the relay", pieces(d)))
        }
    }
}

#[component]
pub fn Arrived(state: PageState) -> impl IntoView {
    let text = move || state.snapshot.with(|s| arrival_text(s.arrival, s.relay_why));
    view! {
        <Show when=move || text().is_some()>
            <p class="arrival" data-testid="arrival">{text}</p>
        </Show>
    }
}

/// "Relay only", remembered in this browser; it applies to pages opened from now on.
#[component]
pub fn RelayOnly() -> impl IntoView {
    let on = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| on.set(crate::peers::relay_only()));
    let change = move |ev: leptos::ev::Event| {
        let checked = event_target_checked(&ev);
        on.set(checked);
        #[cfg(feature = "hydrate")]
        crate::peers::set_relay_only(checked);
    };
    view! {
        <label class="relay-only" title="Applies to the pages you open from now on">
            <input type="checkbox" data-testid="relay-only" prop:checked=on on:change=change/>
            <span class="what">"Relay only: hide my IP address from other visitors"</span>
            <span class="hint">"A direct connection shows each browser's IP address to the other."</span>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arrival_line_says_how_and_why() {
        assert_eq!(arrival_text(None, None), None);
        assert_eq!(arrival_text(Some(Arrival::Created), None), None);
        assert_eq!(
            arrival_text(Some(Arrival::Direct), None).as_deref(),
            Some("Arrived directly from another visitor's browser")
        );
        assert_eq!(
            arrival_text(Some(Arrival::Relay), Some(Why::Timeout)).as_deref(),
            Some("Arrived through the relay (no direct connection in time)")
        );
        assert_eq!(arrival_text(Some(Arrival::Relay), None).as_deref(), Some("Arrived through the relay"));
    }

    #[test]
    fn the_pieces_line_counts_each_way() {
        assert_eq!(pieces_text(0, 0), None);
        assert_eq!(pieces_text(1, 0).as_deref(), Some("1 piece came directly from other visitors' browsers"));
        assert_eq!(pieces_text(0, 7).as_deref(), Some("7 pieces came through the relay"));
        assert_eq!(
            pieces_text(40, 9).as_deref(),
            Some("40 pieces came directly from other visitors' browsers, 9 through the relay")
        );
    }
}
