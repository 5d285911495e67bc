//! The page's text: as it is (what the server sent, then what the machine
//! verified), or as Markdown or code once the page is interactive, and the
//! switch between the views.

use crate::components::code_view::{self, CodeView};
use crate::i18n::{t, tr};
use crate::state::offered::Offered;
use crate::state::PageState;
use leptos::prelude::*;

/// "Show the page as": Text, Markdown or Code. Switching rewrites the
/// link's fragment in place (the key stays), so Copy link shares the view
/// the reader chose.
#[component]
pub fn ViewSwitch(state: PageState) -> impl IntoView {
    let show = move |markdown: bool, code: bool| {
        state.as_markdown.set(markdown);
        // The code view keeps the language chosen before, if any.
        let language = state.code.get_untracked().flatten();
        state.code.set(code.then_some(language.clone()));
        #[cfg(feature = "hydrate")]
        if let Some(url) = state.link_with(&crate::browser::location_hash(), |f| {
            (f.markdown, f.code) = (markdown, code.then_some(language));
        }) {
            crate::browser::replace_url(&url);
        }
    };
    let (as_markdown, as_code) = (state.as_markdown, state.code);
    let shows = move |markdown: bool, code: bool| {
        move || (as_code.with(Option::is_some) == code && (code || as_markdown.get() == markdown)).to_string()
    };
    view! {
        <div class="views" role="group" aria-label=tr(|t| t.page.show_as)>
            <button type="button" data-testid="view-text" aria-pressed=shows(false, false)
                on:click=move |_| show(false, false)>{tr(|t| t.page.view_text)}</button>
            <button type="button" data-testid="view-markdown" aria-pressed=shows(true, false)
                on:pointerenter=|_| crate::preload!(markdown_html) on:focus=|_| crate::preload!(markdown_html)
                on:click=move |_| show(true, false)>{tr(|t| t.page.view_markdown)}</button>
            <button type="button" data-testid="view-code" aria-pressed=shows(false, true)
                on:pointerenter=|_| code_view::preload() on:focus=|_| code_view::preload()
                on:click=move |_| show(false, true)>{tr(|t| t.page.view_code)}</button>
        </div>
    }
}

/// The text, once there is one to show. `text_node` is the plain text's
/// element, which the browser sets exactly once the page is verified.
#[component]
pub fn PageText(
    state: PageState,
    offered: Resource<Result<Offered, ServerFnError>>,
    text_node: NodeRef<leptos::html::Div>,
) -> impl IntoView {
    // What the first response may show: plain text that hashes to the page.
    let offered_text = move || state.readable_offer(offered.get().and_then(Result::ok).and_then(|o| o.0));
    view! {
        <Suspense fallback=|| ()>
            {move || {
                // The verified text, or until the machine has it, what the server sent.
                let page = state.shown_text(offered_text)?;
                if let Some(language) = state.shows_code() {
                    return Some(view! { <CodeView state page language/> }.into_any());
                }
                Some(if state.shows_markdown() {
                    // Markdown is a part of the WASM of its own: until it
                    // is here (once, and preloaded on the switch's hover),
                    // the text stays as it was.
                    let waiting = page.clone();
                    let section_link = t().page.section_link.to_string();
                    view! {
                        <Suspense fallback=move || view! { <div class="page-text">{waiting.clone()}</div> }>
                            {Suspend::new(async move {
                                let html = crate::lazy::markdown_html(page, section_link).await;
                                view! {
                                    <div class="page-text markdown" data-testid="page-markdown" inner_html=html
                                        on:click=follow_anchor></div>
                                }
                            })}
                        </Suspense>
                    }.into_any()
                } else {
                    view! { <div class="page-text" data-testid="page-text" node_ref=text_node>{page}</div> }.into_any()
                })
            }}
        </Suspense>
    }
}

/// A heading's anchor in a Markdown page scrolls to it without touching the
/// link's fragment, which holds the page's key and view.
fn follow_anchor(event: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    crate::browser::follow_anchor(&event);
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}
