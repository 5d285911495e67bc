//! `/<hash>`: one page, got from its other visitors (or this tab, which
//! created it), checked against its hash and hosted while the tab is open;
//! with its health, the ways to share it and keep it, and its chat. The
//! state is `state::PageState`; what only the browser does is in
//! `browser::page`.

use crate::components::chat_panel::{chat_panel, Chat};
use crate::components::direct::{Arrived, RelayOnly};
use crate::components::ends_in::EndsIn;
use crate::components::files::FilesPanel;
use crate::components::keep_copy::KeepCopy;
use crate::components::one_time::OneTimeGate;
use crate::components::page_actions::{BasedOn, PageActions};
use crate::components::page_text::{PageText, ViewSwitch};
use crate::components::share::{CopyLink, ShareButton, SharePanel};
use crate::components::status::{HostCount, LastHostWarning, LockedNotice, Rejected, StatusLine};
use crate::components::stay_awake::StayAwake;
use crate::i18n::{fill, tr, Language};
use crate::protocol::PageHash;
use crate::server_fns::{page_health, page_text};
use crate::state::{LocalPage, PageState};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn PageView(hash: PageHash) -> impl IntoView {
    let local = expect_context::<LocalPage>();
    let fragment = leptos_router::hooks::use_location().hash;
    let state = PageState::new(hash, local.0.get_untracked(), fragment.into());
    let created_here = state.created_here;
    // Blocking: the host count is in the first HTML, readable without JavaScript.
    let health = Resource::new_blocking(move || hash.to_string(), page_health);
    // The text in the first response, when a host answers in time; streamed
    // in order, so it is in the HTML for readers without JavaScript too.
    let offered = Resource::new(
        move || hash.to_string(),
        move |hash| async move {
            if created_here {
                Ok(crate::state::offered::Offered(None))
            } else {
                page_text(hash).await.map(crate::state::offered::Offered)
            }
        },
    );
    // A one-time page's reader is asked before anything is fetched.
    Effect::new(move |_| {
        if state.one_time.get_untracked().is_none() {
            if let Some(health) = health.get() {
                state.one_time.set(Some(health.is_ok_and(|h| h.one_time)));
            }
        }
    });
    // The chat comes once the page is here and stays (emptied) if the page
    // ends: taking the panel away while its effects are queued would run
    // them on what was taken. A one-time page has no chat.
    let chat_shown = Memo::new(move |before: Option<&bool>| {
        before.copied().unwrap_or(false)
            || (state.snapshot.with(|s| s.has_content) && state.one_time.get() != Some(true))
    });
    let short = state.short_hash();
    // The head's texts: read through the language's signal, held here, as
    // the server writes the head outside this view's reactive owner.
    let language = use_context::<Language>();
    let texts = move || language.and_then(|l| l.0.try_get()).unwrap_or_default().texts();
    let title = {
        let short = short.clone();
        move || fill(texts().page.title, &[("hash", &short)])
    };
    let text_node = NodeRef::<leptos::html::Div>::new();
    #[cfg(not(feature = "hydrate"))]
    let (say, pause) = (Callback::new(|_: crate::chat::Message| {}), Callback::new(|_: bool| {}));
    #[cfg(feature = "hydrate")]
    let (say, pause) = crate::browser::page::start(state, offered, expect_context(), text_node);
    let file_page = Memo::new(move |_| state.file_page());
    let encrypted = move || state.encrypted();
    let chat = Chat {
        messages: state.chat,
        not_sent: state.not_sent,
        can_send: Signal::derive(move || state.hosting()),
        encrypted: Signal::derive(encrypted),
        key: Signal::derive(move || state.chat_key()),
        say,
    };

    view! {
        <Title text=title/>
        // Link previews stay neutral: never the page's text, which only its readers have.
        <Meta name="robots" content="noindex, nofollow"/>
        <Meta property="og:title" content=move || texts().page.og_title/>
        <Meta property="og:description" content=move || texts().page.og_description/>
        <article class="page" data-hash=hash.to_string()>
            <div class="page-bar">
                <HostCount state health/>
                <code class="page-hash" title=hash.to_string()>{short}"…"</code>
                <Show when=encrypted>
                    <span class="sealed-badge" data-testid="encrypted" title=tr(|t| t.page.encrypted_title)>
                        <svg class="lock" viewBox="0 0 16 16" aria-hidden="true">
                            <path fill="currentColor" d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 0 0-4 0z"/>
                        </svg>
                        {tr(|t| t.page.encrypted)}
                    </span>
                </Show>
                <div class="actions">
                    <Show when=move || !file_page.get()>
                        <ViewSwitch state/>
                    </Show>
                    // A new tab, so this one keeps hosting; rel=external: the router leaves it to the browser.
                    // Never for a one-time page, which `/raw` refuses (known once hydrated).
                    <Show when=move || state.one_time.get() != Some(true)>
                        <a class="button" href=format!("/{hash}/raw") target="_blank" rel="external nofollow noopener" data-testid="raw-link"
                            title=tr(|t| t.page.raw_title)>
                            {tr(|t| t.page.raw)}
                        </a>
                    </Show>
                    <CopyLink state/>
                    <ShareButton state/>
                </div>
            </div>
            <StatusLine state/>
            <EndsIn state/>
            <Arrived state/>
            <SharePanel state/>
            <KeepCopy state/>
            <RelayOnly/>
            <LastHostWarning state/>
            <StayAwake state/>
            <Rejected state/>
            <LockedNotice state/>
            <OneTimeGate state health/>
            {move || {
                // Type-erased: the page's view is deep enough already.
                if file_page.get() {
                    view! { <FilesPanel state pause/> }.into_any()
                } else {
                    ().into_any()
                }
            }}
            <BasedOn state/>
            <Show when=move || !file_page.get()>
                <PageText state offered text_node/>
            </Show>
            <PageActions state/>
        </article>
        <Show when=move || chat_shown.get()>
            // The chat is a part of the WASM of its own, loaded once the page is here.
            <div class="chat-holder" hidden=move || state.snapshot.with(|s| s.phase == crate::machine::Phase::Ended)>
                <Suspense fallback=|| ()>
                    {Suspend::new(async move { chat_panel(chat).await })}
                </Suspense>
            </div>
        </Show>
    }
}
