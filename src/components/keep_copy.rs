//! "Keep a copy in this browser" (docs/product.md §12): once this tab has
//! the page, its wire text can be kept in "Your pages", and this browser
//! hosts it again whenever the site is open.

use crate::i18n::tr;
use crate::state::{PageState, YourPages};
use leptos::prelude::*;

#[component]
pub fn KeepCopy(state: PageState) -> impl IntoView {
    let pages = expect_context::<YourPages>();
    let hash = state.hash;
    let keep_copy = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        pages.keep(hash, if on { state.wire.get_untracked() } else { None });
    };
    // In the first HTML already, hidden until this tab has the page: its
    // line is kept, so nothing below it moves when it shows.
    let waiting = move || !state.snapshot.with(|s| s.has_content);
    // A page with an end, or read once, is not kept.
    let ends = move || state.unkeepable();
    view! {
        <label class="keep-copy" class:waiting=waiting hidden=ends title=tr(|t| t.lists.keep_copy_title)>
            <input type="checkbox" data-testid="keep-copy" prop:disabled=waiting prop:checked=move || pages.is_kept(hash) on:change=keep_copy/>
            {tr(|t| t.lists.keep_copy)}
            <Show when=move || pages.is_kept(hash) && pages.stored.with(|s| s.contains(&hash.to_string()))>
                <span class="keep-status" data-testid="keep-status">{tr(|t| t.lists.keep_status)}</span>
            </Show>
        </label>
    }
}
