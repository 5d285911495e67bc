//! What a reader can do with a page's text besides reading it (SPEC §15):
//! write a new page from it (the homepage opens with the text in it, and
//! the new page's link says what it was written from), save it as a file,
//! or copy it. And, on a page written from another, a link to that one.

use crate::i18n::{around, t, tr};
use crate::state::{Draft, PageState};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

#[component]
pub fn PageActions(state: PageState) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let navigate = use_navigate();
    let copied = RwSignal::new(false);
    let shown = move || state.text.with(Option::is_some) && !state.file_page();
    let edit = move |_| {
        if let Some(from) = state.edit_from() {
            draft.0.set(Some(from));
            navigate("/", NavigateOptions::default());
        }
    };
    let download = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(text) = state.text.get_untracked() {
            let (name, media_type) = state.download_name();
            crate::browser::save_text(&name, &text, media_type);
        }
    };
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(text) = state.text.get_untracked() {
            crate::browser::copy_text(&text);
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
    };
    view! {
        <Show when=shown>
            <div class="page-actions" data-testid="page-actions">
                <button type="button" data-testid="edit-as-new" on:click=edit.clone()
                    title=tr(|t| t.page.edit_as_new_title)>
                    {tr(|t| t.page.edit_as_new)}
                </button>
                <button type="button" data-testid="download-text" on:click=download>{tr(|t| t.page.download)}</button>
                <button type="button" data-testid="copy-text" on:click=copy aria-live="polite">
                    {move || if copied.get() { t().page.copied } else { t().page.copy_text }}
                </button>
            </div>
        </Show>
    }
}

/// "Written from page …", when the link names the page this one was
/// written from (once interactive: the server never sees the fragment).
#[component]
pub fn BasedOn(state: PageState) -> impl IntoView {
    move || {
        state.hydrated.get().then(|| state.based_on()).flatten().map(|hash| {
            let short = hash.to_string()[..12].to_string();
            view! {
                <p class="based-on" data-testid="based-on">
                    // A page load of its own (rel=external): the router does not swap one page's view for another's.
                    {move || around(t().page.written_from, "page").0}
                    <a href=format!("/{hash}") rel="external">
                        {move || around(t().page.written_from_page, "hash").0}
                        <code>{short}"…"</code>
                        {move || around(t().page.written_from_page, "hash").1}
                    </a>
                    {move || around(t().page.written_from, "page").1}
                </p>
            }
        })
    }
}
