//! A page as code (SPEC §15): highlighted and drawn by a lazy part of the
//! WASM of its own (`code_lines`, with `syntect`), every line numbered. A line's number links
//! to it (`#L12`, shift for a range `#L12-L30`, in the link's fragment with
//! the key and the view), and the lines a link points at are marked and
//! scrolled to. The reader picks the language, or keeps the one detected.

#[cfg(feature = "hydrate")]
use crate::code::Highlighted;
#[cfg(feature = "hydrate")]
use crate::i18n::{fill, t, tr};
use crate::state::PageState;
use leptos::prelude::*;

/// The code view of `page`, in `language` (a token) or the one detected:
/// the text as it is until its part is here.
#[component]
pub fn CodeView(state: PageState, page: String, language: Option<String>) -> impl IntoView {
    let waiting = page.clone();
    view! {
        <Suspense fallback=move || view! { <div class="page-text" aria-busy="true">{waiting.clone()}</div> }>
            {Suspend::new(async move { code_lines(state, page, language).await })}
        </Suspense>
    }
}

/// Starts loading the code view's part (a hover, a focus).
pub fn preload() {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::lazy_preload!(code_lines);
    }
}

/// The code view's part: the grammars fetched from the server the first
/// time (then kept for the tab's life), the text highlighted, the lines drawn.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
async fn code_lines(state: PageState, page: String, language: Option<String>) -> AnyView {
    thread_local! {
        static GRAMMARS: std::cell::OnceCell<std::rc::Rc<syntect::parsing::SyntaxSet>> =
            const { std::cell::OnceCell::new() };
    }
    let set = match GRAMMARS.with(|g| g.get().cloned()) {
        Some(set) => Some(set),
        None => crate::code::fetch_grammars()
            .await
            .map(|set| GRAMMARS.with(|g| g.get_or_init(|| std::rc::Rc::new(set)).clone())),
    };
    match set {
        Some(set) => {
            let shown = crate::code::highlight(&set, &page, language.as_deref());
            view! { <Lines state shown/> }.into_any()
        }
        None => view! {
            <p class="warning" role="alert" data-testid="code-unavailable">
                {tr(|t| t.page.code_unavailable)}
            </p>
            <div class="page-text">{page}</div>
        }
        .into_any(),
    }
}

/// On the server the code view is never drawn: it needs the reader's choice,
/// made once the page is interactive.
#[cfg(not(feature = "hydrate"))]
async fn code_lines(_state: PageState, page: String, _language: Option<String>) -> AnyView {
    view! { <div class="page-text">{page}</div> }.into_any()
}

/// The language picker and the numbered lines (in the code view's part).
#[cfg(feature = "hydrate")]
#[component]
fn Lines(state: PageState, shown: Highlighted) -> impl IntoView {
    let Highlighted { language, detected, lines, too_long, languages } = shown;
    let token = language.as_ref().map(|(token, _)| token.clone()).unwrap_or_default();
    // The language's name is its own (never translated); the words around it are.
    let name = language.as_ref().map(|(_, name)| name.clone());
    let detected_name = move || match (&name, detected) {
        (Some(name), true) => fill(t().page.detect_named, &[("language", name)]),
        (None, _) => t().page.detect_plain.to_string(),
        (Some(_), false) => t().page.detect.to_string(),
    };
    let choose = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let language = (!value.is_empty()).then_some(value);
        state.code.set(Some(language.clone()));
        if let Some(url) = state.link_with(&crate::browser::location_hash(), |f| f.code = Some(language)) {
            crate::browser::replace_url(&url);
        }
    };
    let chosen = if detected { String::new() } else { token.clone() };
    let options = languages
        .into_iter()
        .map(|(value, name)| {
            let selected = value == chosen;
            view! { <option value=value selected=selected>{name}</option> }
        })
        .collect_view();
    let rows = lines
        .into_iter()
        .enumerate()
        .map(|(i, html)| {
            let n = i as u32 + 1;
            let linked = move || state.lines.get().is_some_and(|(first, last)| first <= n && n <= last);
            view! {
                <tr id=format!("line-{n}") class:linked=linked>
                    <td class="ln">
                        <a href=move || line_link(state, n) data-testid="line-number" aria-label=move || fill(t().page.line_link, &[("n", &n.to_string())])
                            on:click=move |ev| pick_line(state, n, ev)>{n}</a>
                    </td>
                    <td class="src" inner_html=html></td>
                </tr>
            }
        })
        .collect_view();
    // The lines a link points at come into view once shown.
    Effect::new(move |_| {
        if let Some((first, _)) = state.lines.get_untracked() {
            crate::browser::scroll_to_id(format!("line-{first}"));
        }
    });
    view! {
        <div class="code-view" data-testid="page-code" data-language=token.clone() data-detected=detected.to_string()>
            <div class="code-bar">
                <label for="code-language">{tr(|t| t.page.code_language)}</label>
                <select id="code-language" data-testid="code-language" on:change=choose>
                    <option value="" selected=detected>{detected_name}</option>
                    {options}
                </select>
                <span class="code-hint">{tr(|t| t.page.code_hint)}</span>
                {too_long.then(|| view! {
                    <span class="code-hint" data-testid="code-too-long">{tr(|t| t.page.code_too_long)}</span>
                })}
            </div>
            <div class="code-scroll">
                <table class="code"><tbody>{rows}</tbody></table>
            </div>
        </div>
    }
}

/// The page's link pointing at line `n` (the key and the view stay).
#[cfg(feature = "hydrate")]
fn line_link(state: PageState, n: u32) -> String {
    state.link_with(&crate::browser::location_hash(), |f| f.lines = Some((n, n))).unwrap_or_default()
}

/// A line's number chosen: it alone, or with Shift the range from the
/// lines linked so far to it; the link follows, in place.
#[cfg(feature = "hydrate")]
fn pick_line(state: PageState, n: u32, ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    let range = match state.lines.get_untracked() {
        Some((first, last)) if ev.shift_key() => (first.min(n), last.max(n)),
        _ => (n, n),
    };
    state.lines.set(Some(range));
    if let Some(url) = state.link_with(&crate::browser::location_hash(), |f| f.lines = Some(range)) {
        crate::browser::replace_url(&url);
    }
}
