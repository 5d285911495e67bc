//! Sharing a page's link: Copy link, the Share button and its panel with
//! the link's QR code (`crate::qr`, a lazy part: from the whole link, key
//! included), and the system share sheet where the browser has one.

use crate::i18n::{t, tr};
use crate::state::PageState;
use leptos::prelude::*;

/// Copies the whole link (an encrypted page's key is its fragment), and
/// says so for a moment.
#[component]
pub fn CopyLink(state: PageState) -> impl IntoView {
    let copy_link = move |_| {
        #[cfg(feature = "hydrate")]
        if crate::browser::copy_link() {
            state.copied.set(true);
            set_timeout(move || state.copied.set(false), std::time::Duration::from_secs(2));
        }
    };
    view! {
        <button type="button" on:click=copy_link data-testid="copy-link">
            {move || if state.copied.get() { t().lists.link_copied } else { t().lists.copy_link }}
        </button>
    }
}

/// Opens and closes the share panel.
#[component]
pub fn ShareButton(state: PageState) -> impl IntoView {
    // Only the browser runs handlers: the server has no link to open it for.
    let toggle_share = move |_| {
        #[cfg(feature = "hydrate")]
        state.toggle_share(crate::browser::location_href);
    };
    view! {
        <button type="button" on:click=toggle_share data-testid="share"
            on:pointerenter=|_| crate::preload!(qr_code) on:focus=|_| crate::preload!(qr_code)
            aria-expanded=move || state.sharing.with(Option::is_some).to_string()
            aria-controls="share-panel">{tr(|t| t.lists.share)}</button>
    }
}

/// The share panel, while open: the QR code of the link it was opened for,
/// and the system share sheet where there is one.
#[component]
pub fn SharePanel(state: PageState) -> impl IntoView {
    let open_share_sheet = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(link) = state.sharing.get_untracked() {
            let title = crate::i18n::fill(t().lists.share_title, &[("hash", state.short_hash().as_str())]);
            crate::browser::share_sheet(&link, &title);
        }
    };
    move || {
        state.sharing.get().map(|link| {
            // The QR code is a part of the WASM of its own (preloaded on
            // the Share button's hover); its box is there from the start.
            let qr = Suspend::new(async move {
                match crate::lazy::qr_code(link).await {
                    Some(svg) => view! {
                        <div class="qr" role="img" aria-label=tr(|t| t.lists.qr_label) data-testid="qr" inner_html=svg></div>
                    }.into_any(),
                    None => view! { <p>{tr(|t| t.lists.qr_too_long)}</p> }.into_any(),
                }
            });
            view! {
                <div id="share-panel" class="share-panel" data-testid="share-panel">
                    <Suspense fallback=|| view! { <div class="qr" aria-hidden="true"></div> }>{qr}</Suspense>
                    <div class="share-text">
                        <p>{move || if state.encrypted() { t().lists.scan_encrypted } else { t().lists.scan_plain }}</p>
                        <Show when=move || state.share_sheet.get()>
                            <button type="button" class="primary" data-testid="share-sheet" on:click=open_share_sheet>{tr(|t| t.lists.share_sheet)}</button>
                        </Show>
                    </div>
                </div>
            }.into_any()
        })
    }
}
