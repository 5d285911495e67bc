//! The page view once it is interactive: its relay connection (the visitor
//! machine, through `socket`), the page's text read with the link's key,
//! the view the link asks for, the page in "Your pages", and the prompt
//! before the last host closes the tab.

use crate::chat::Message;
use crate::crypto::CryptoError;
use crate::fragment::Fragment;
use crate::machine::Visitor;
use crate::sealed;
use crate::socket::Driver;
use crate::state::{Locked, PageState, YourPages};
use leptos::prelude::*;

/// Starts everything the page view does in the browser, in the order the
/// view needs it; returns how the chat says something, and how a file
/// page's download is paused or resumed.
pub fn start(
    state: PageState,
    offered: Resource<Result<crate::state::offered::Offered, ServerFnError>>,
    pages: YourPages,
    text_node: NodeRef<leptos::html::Div>,
) -> (Callback<Message>, Callback<bool>) {
    let driver = connect(state, offered);
    let say = Callback::new(move |message: Message| {
        driver.with_value(|d| {
            if let Some(d) = d {
                d.say(message);
            }
        })
    });
    let pause = Callback::new(move |paused: bool| {
        driver.with_value(|d| {
            if let Some(d) = d {
                d.pause_files(paused);
            }
        })
    });
    read_page(state);
    let (hash, fragment) = (state.hash, state.fragment);
    Effect::new(move |_| state.hydrated.set(true));
    Effect::new(move |_| state.follow_fragment(&fragment.get()));
    // "Your pages": this page, once this tab has it (again when its title is learned).
    let recorded = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        // In the language of the moment; a later switch does not record it again.
        let Some(title) = state.title(untrack(crate::i18n::lang)) else { return };
        if recorded.get_value().as_deref() == Some(title.as_str()) {
            return;
        }
        recorded.set_value(Some(title.clone()));
        pages.record(crate::library::Entry {
            hash: hash.to_string(),
            title,
            fragment: fragment.get_untracked().trim_start_matches('#').to_string(),
            at: crate::socket::wall_ms(),
            created: state.created_here,
            kept: false,
        });
    });
    // While this tab's page view hosts the page, the keeper need not.
    Effect::new(move |_| {
        if state.hosting() {
            pages.viewing.set(Some(hash));
        } else if pages.viewing.get_untracked() == Some(hash) {
            pages.viewing.set(None);
        }
    });
    on_cleanup(move || {
        if pages.viewing.get_untracked() == Some(hash) {
            pages.viewing.set(None);
        }
    });
    state.share_sheet.set(super::has_share_sheet());
    // HTML parsing turns CR LF into LF (and NUL into U+FFFD) in the text the
    // server rendered; once the machine has verified the page, the DOM
    // holds it exactly.
    Effect::new(move |_| {
        let (Some(node), Some(page)) = (text_node.get(), state.text.get()) else { return };
        if node.text_content().as_deref() != Some(page.as_str()) {
            node.set_text_content(Some(&page));
        }
    });
    (say, pause)
}

/// Starts the page's relay connection once the page is interactive, keeps
/// the view's signals in step with the machine, prompts before the last
/// host closes the tab, and disconnects when the view goes away.
fn connect(
    state: PageState,
    offered: Resource<Result<crate::state::offered::Offered, ServerFnError>>,
) -> StoredValue<Option<Driver<Visitor>>, LocalStorage> {
    let driver = StoredValue::new_local(None::<Driver<Visitor>>);
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        // Wait for the first response's answer (already here when hydrating),
        // and for a one-time page, for its reader to open it.
        let Some(offer) = offered.get() else { return false };
        if state.one_time.get().is_none() || state.gated() {
            return false;
        }
        let initial = state.wire.get_untracked();
        let offer = offer.ok().and_then(|o| o.0).filter(|_| initial.is_none());
        // In a task of its own: hydrating the page and starting its
        // connection (checking the text, hosting it, showing the chat)
        // in one go would hold the main thread in one long task.
        set_timeout(
            move || {
                if driver.is_disposed() {
                    return; // the view went away meanwhile
                }
                let started = Driver::start(state.hash, initial, offer, move |machine| {
                    state.follow(machine);
                    if let Some(files) = machine.files() {
                        state.sample_files(crate::socket::wall_ms(), files.progress.held_bytes);
                    }
                });
                driver.set_value(Some(started));
            },
            std::time::Duration::ZERO,
        );
        true
    });
    let prompt = window_event_listener(leptos::ev::beforeunload, move |event| {
        if state.snapshot.with_untracked(|s| s.last_host) {
            event.prevent_default();
            event.set_return_value("");
        }
    });
    on_cleanup(move || {
        prompt.remove();
        driver.update_value(|d| {
            if let Some(d) = d.take() {
                d.stop();
            }
        });
    });
    driver
}

/// Shows the verified page: as it is, or decrypted with the key in the
/// link's fragment (again whenever the fragment changes), or, without the
/// right key, why not.
fn read_page(state: PageState) {
    let fragment = state.fragment;
    // Only the newest decryption may show its result.
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let Some(wire) = state.wire.get() else { return };
        // A page with an end is read without it.
        let page = crate::lifetime::inner(&wire).to_string();
        let fragment = fragment.get();
        let password = state.password.get();
        latest.update_value(|n| *n += 1);
        let sealed_files = page.starts_with(crate::sealed_files::PREFIX);
        if !sealed::is_sealed(&page) && !sealed_files {
            return state.show(Ok(page));
        }
        let key = match Fragment::parse(&fragment).map(|f| f.key) {
            Ok(Some(key)) => key,
            Ok(None) => return state.show(Err(Locked::NoKey)),
            Err(e) => return state.show(Err(Locked::of(e))),
        };
        let this = latest.get_value();
        if sealed_files {
            return leptos::task::spawn_local(async move {
                let result = open_files(key.clone(), &page).await;
                if latest.get_value() == this {
                    state.page_key.set(result.is_ok().then_some(key));
                    state.show_files(result);
                }
            });
        }
        leptos::task::spawn_local(async move {
            let result = crate::lazy::open_with_password(key, password, page).await.map_err(|e| match e {
                CryptoError::Unavailable => Locked::NoDecryption,
                CryptoError::Sealed(e) => Locked::of(e),
            });
            if latest.get_value() == this {
                match result {
                    Ok((text, key)) => state.opened(text, key),
                    Err(why) => state.show(Err(why)),
                }
            }
        });
    });
}

/// An encrypted file page's files (names, types, sizes), opened with `key`.
async fn open_files(
    key: crate::sealed::Key,
    wire: &str,
) -> Result<Vec<crate::sealed_files::InnerEntry>, Locked> {
    let manifest =
        crate::sealed_files::SealedManifest::parse(wire, u64::MAX).map_err(|_| Locked::Malformed)?;
    let inner = crate::lazy::open(key, manifest.sealed().to_string()).await.map_err(|e| match e {
        CryptoError::Unavailable => Locked::NoDecryption,
        CryptoError::Sealed(e) => Locked::of(e),
    })?;
    manifest.open_inner(&inner).map_err(|_| Locked::Malformed)
}
