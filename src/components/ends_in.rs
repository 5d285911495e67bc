//! A page's end (SPEC §15), for a page that has one: how long it has left,
//! counted down each second, and once it came, that it has ended.

use crate::i18n::{fill, lang, t};
use crate::machine::Phase;
use crate::state::PageState;
use leptos::prelude::*;

#[component]
pub fn EndsIn(state: PageState) -> impl IntoView {
    // This browser's clock; 0 on the server and while hydrating (the line
    // shows once the page is interactive, as the server rendered none).
    let now = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let tick = move || now.set(crate::socket::wall_ms());
        tick();
        let interval = set_interval_with_handle(tick, std::time::Duration::from_secs(1)).ok();
        on_cleanup(move || {
            if let Some(interval) = interval {
                interval.clear();
            }
        });
    });
    move || {
        let at = state.ends_at.get()?;
        let now = now.get();
        if now == 0 {
            return None;
        }
        let ended = state.snapshot.with(|s| s.phase == Phase::Ended);
        let left = (at * 1000).saturating_sub(now).div_ceil(1000);
        let text = if ended || left == 0 {
            t().page.ended.to_string()
        } else {
            fill(t().page.ends_in, &[("time", &crate::format::duration_text(left, lang()))])
        };
        Some(view! {
            <p class="ends-in" class:ended=ended data-testid="ends-in" data-ends-at=at.to_string()>
                {text}
            </p>
        })
    }
}
