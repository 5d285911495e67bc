//! Direct connections in the page view (SPEC §14): how the text got here
//! (directly from another visitor's browser, or through the relay), and
//! the remembered choice to use the relay only, with what a direct
//! connection reveals said plainly.

use crate::i18n::{fill, t, tr, Lang, Texts};
use crate::machine::Arrival;
use crate::signal::Why;
use crate::state::PageState;
use leptos::prelude::*;

/// The line saying how the text arrived, in `t`'s language; empty until it
/// has (and for the page's author).
pub fn arrival_text(arrival: Option<Arrival>, why: Option<Why>, t: &'static Texts) -> Option<&'static str> {
    let t = &t.page;
    match arrival? {
        Arrival::Created => None,
        Arrival::Direct => Some(t.arrived_direct),
        Arrival::Relay => Some(match why {
            Some(Why::RelayOnly) => t.arrived_relay_only,
            Some(Why::Unsupported) => t.arrived_relay_unsupported,
            Some(Why::Timeout) => t.arrived_relay_timeout,
            Some(Why::Broke) => t.arrived_relay_broke,
            Some(Why::Lied) => t.arrived_relay_lied,
            Some(Why::Refused) | None => t.arrived_relay,
        }),
        Arrival::FirstResponse => Some(t.arrived_first_response),
    }
}

/// How a file page's pieces got here in this visit, in `lang` (none:
/// nothing came yet).
pub fn pieces_text(direct: u64, relay: u64, lang: Lang) -> Option<String> {
    let t = &lang.texts().page;
    match (direct, relay) {
        (0, 0) => None,
        (n, 0) => Some(lang.count(n, t.pieces_direct_one, t.pieces_direct_other)),
        (0, n) => Some(lang.count(n, t.pieces_relay_one, t.pieces_relay_other)),
        (d, r) => {
            Some(fill(&lang.count(d, t.pieces_both_one, t.pieces_both_other), &[("relay", &lang.number(r))]))
        }
    }
}

#[component]
pub fn Arrived(state: PageState) -> impl IntoView {
    let text = move || state.snapshot.with(|s| arrival_text(s.arrival, s.relay_why, t()));
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
        <label class="relay-only" title=tr(|t| t.page.relay_only_title)>
            <input type="checkbox" data-testid="relay-only" prop:checked=on on:change=change/>
            <span class="what">{tr(|t| t.page.relay_only)}</span>
            <span class="hint">{tr(|t| t.page.relay_only_hint)}</span>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arrival_line_says_how_and_why() {
        let en = Lang::En.texts();
        assert_eq!(arrival_text(None, None, en), None);
        assert_eq!(arrival_text(Some(Arrival::Created), None, en), None);
        assert_eq!(
            arrival_text(Some(Arrival::Direct), None, en),
            Some("Arrived directly from another visitor's browser")
        );
        assert_eq!(
            arrival_text(Some(Arrival::Relay), Some(Why::Timeout), en),
            Some("Arrived through the relay (no direct connection in time)")
        );
        assert_eq!(arrival_text(Some(Arrival::Relay), None, en), Some("Arrived through the relay"));
    }

    #[test]
    fn the_pieces_line_counts_each_way() {
        assert_eq!(pieces_text(0, 0, Lang::En), None);
        assert_eq!(
            pieces_text(1, 0, Lang::En).as_deref(),
            Some("1 piece came directly from other visitors' browsers")
        );
        assert_eq!(pieces_text(0, 7, Lang::En).as_deref(), Some("7 pieces came through the relay"));
        assert_eq!(
            pieces_text(40, 9, Lang::En).as_deref(),
            Some("40 pieces came directly from other visitors' browsers, 9 through the relay")
        );
    }
}
