//! "Your pages" in the browser: the list read from `localStorage` and
//! followed across tabs, the kept copies read from IndexedDB, and the
//! keeper socket that watches every listed page's count and hosts the kept
//! ones (a kept file page with a socket of its own, serving its chunks from
//! disk), for as long as the app runs.

use super::tabs::Tabs;
use crate::library::Library;
use crate::protocol::PageHash;
use crate::state::tabs::{Note, OtherTabs, VIEW_EVERY_MS};
use crate::state::YourPages;
use leptos::prelude::*;
use std::collections::{HashMap, HashSet};

/// Reads the list, follows it across tabs, fetches the kept copies and runs
/// the keeper socket for as long as the app runs.
pub fn start(pages: YourPages) {
    use crate::socket::Driver;
    let read = move || {
        let stored = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(crate::library::STORAGE_KEY).ok().flatten());
        pages.library.set(stored.as_deref().map(Library::parse).unwrap_or_default());
    };
    // After hydration: the server rendered an empty list.
    Effect::new(move |_| {
        read();
        pages.loaded.set(true);
    });
    // Another tab changed the list.
    let listener = window_event_listener(leptos::ev::storage, move |event| {
        if event.key().as_deref() == Some(crate::library::STORAGE_KEY) {
            read();
        }
    });
    on_cleanup(move || listener.remove());

    // Kept copies this tab has not read yet come from IndexedDB.
    Effect::new(move |_| {
        let wanted: Vec<String> = pages.library.with(|l| l.kept().map(|e| e.hash.clone()).collect());
        for hash in wanted {
            if pages.kept_texts.with_untracked(|t| t.contains_key(&hash)) {
                continue;
            }
            leptos::task::spawn_local(async move {
                if let Some(text) = crate::lazy::copy_of(hash.clone()).await {
                    pages.stored.update(|s| {
                        s.insert(hash.clone());
                    });
                    pages.kept_texts.update(|t| {
                        t.insert(hash, text);
                    });
                }
            });
        }
    });

    let Shared { leader, others, tabs } = share(pages);
    let keeper = StoredValue::new_local(None::<Driver<crate::keeper::Keeper>>);
    let file_hosts = StoredValue::new_local(HashMap::<PageHash, Driver<crate::machine::Visitor>>::new());
    Effect::new(move |_| {
        if !pages.loaded.get() {
            return;
        }
        // Another tab of this browser runs the keeper.
        if !leader.get() {
            keeper.update_value(|d| d.take().into_iter().for_each(|d| d.stop()));
            file_hosts.update_value(|hosts| hosts.drain().for_each(|(_, d)| d.stop()));
            return;
        }
        let (listed, kept): (Vec<PageHash>, Vec<(PageHash, String)>) = pages.library.with(|l| {
            // The pages tabs view are hosted by those tabs.
            let viewing = pages.viewing.get();
            let others = others.read();
            let texts = pages.kept_texts.read();
            let kept = l
                .kept()
                .filter_map(|e| Some((e.page()?, texts.get(&e.hash)?.clone())))
                .filter(|(hash, _)| Some(*hash) != viewing && !others.contains(hash))
                .collect();
            (l.pages().collect(), kept)
        });
        // A file page is hosted with its chunks: by a visitor's machine of
        // its own, from the chunks on disk (the keeper's holds texts).
        let (files, kept): (Vec<_>, Vec<_>) =
            kept.into_iter().partition(|(_, wire)| crate::sealed_files::index_of(wire, u64::MAX).is_some());
        file_hosts.update_value(|hosts| {
            hosts.retain(|hash, driver| {
                let still = files.iter().any(|(kept, _)| kept == hash);
                if !still {
                    driver.stop();
                }
                still
            });
            for (hash, wire) in files {
                hosts.entry(hash).or_insert_with(|| Driver::start(hash, Some(wire), None, |_| {}));
            }
        });
        keeper.update_value(|driver| {
            let driver = driver.get_or_insert_with(|| {
                // Counts are read again only when one changed, not on every frame.
                let seen = std::cell::Cell::new(None::<u64>);
                Driver::keeper(move |machine| {
                    if seen.replace(Some(machine.version())) == Some(machine.version()) {
                        return;
                    }
                    let counts: HashMap<String, usize> = pages.library.with_untracked(|l| {
                        l.pages().filter_map(|h| Some((h.to_string(), machine.count(h)?))).collect()
                    });
                    if pages.counts.with_untracked(|c| *c != counts) {
                        tabs.with_value(|t| {
                            t.iter().for_each(|t| t.say(&Note::Counts { counts: counts.clone() }))
                        });
                        pages.counts.set(counts);
                    }
                })
            });
            driver.set_pages(listed, kept);
        });
    });
    on_cleanup(move || {
        keeper.update_value(|d| d.take().into_iter().for_each(|d| d.stop()));
        file_hosts.update_value(|hosts| hosts.drain().for_each(|(_, d)| d.stop()));
    });
}

/// Joins this browser's other tabs (SPEC §15: one keeper connection for
/// all of them). Returns whether this tab leads (runs the keeper), the
/// pages the other tabs view (which the leader leaves to them), and the
/// channel to them.
fn share(pages: YourPages) -> Shared {
    let leader = RwSignal::new(false);
    let others = RwSignal::new(HashSet::<PageHash>::new());
    let book = StoredValue::new_local(OtherTabs::default());
    let tabs = StoredValue::new_local(None::<Tabs>);
    let tab = format!("{:016x}", (js_sys::Math::random() * u64::MAX as f64) as u64);
    let say = move |note: Note| tabs.with_value(|t| t.iter().for_each(|t| t.say(&note)));
    let view = {
        let tab = tab.clone();
        move || Note::View { tab: tab.clone(), page: pages.viewing.get_untracked() }
    };
    // The book changed: the keeper follows what the other tabs view.
    let take = move |changed: bool| {
        if changed {
            others.set(book.with_value(OtherTabs::pages));
        }
    };
    let now = || js_sys::Date::now().max(0.0) as u64;
    let answer = view.clone();
    let heard = move |note: Note| match (&note, leader.get_untracked()) {
        (Note::View { .. } | Note::Gone { .. }, true) => {
            let mut changed = false;
            book.update_value(|b| changed = b.hear(&note, now()));
            take(changed);
            // A tab that has just opened learns the counts at once.
            if matches!(note, Note::View { .. }) {
                say(Note::Counts { counts: pages.counts.get_untracked() });
            }
        }
        (Note::Ask, false) => say(answer()),
        (Note::Counts { counts }, false) if pages.counts.with_untracked(|c| c != counts) => {
            pages.counts.set(counts.clone());
        }
        _ => {}
    };
    Effect::new(move |_| {
        let lead = move || {
            leader.set(true);
            say(Note::Ask);
        };
        tabs.set_value(Some(Tabs::join(heard.clone(), lead)));
    });
    // A tab that is not the leader says which page it views, now and again.
    let announce = view.clone();
    Effect::new(move |_| {
        pages.viewing.track();
        if !leader.get() {
            say(announce());
        }
    });
    let again = view.clone();
    let round = gloo_timers::callback::Interval::new(VIEW_EVERY_MS, move || {
        if leader.get_untracked() {
            let mut changed = false;
            book.update_value(|b| changed = b.prune(now()));
            take(changed);
        } else {
            say(again());
        }
    });
    let round = StoredValue::new_local(Some(round));
    let gone = window_event_listener(leptos::ev::pagehide, move |_| say(Note::Gone { tab: tab.clone() }));
    let back = window_event_listener(leptos::ev::pageshow, move |_| {
        if !leader.get_untracked() {
            say(view());
        }
    });
    on_cleanup(move || {
        gone.remove();
        back.remove();
        round.set_value(None);
        tabs.set_value(None);
    });
    Shared { leader, others, tabs }
}

/// This tab among the others (see [`share`]).
struct Shared {
    leader: RwSignal<bool>,
    others: RwSignal<HashSet<PageHash>>,
    tabs: StoredValue<Option<Tabs>, LocalStorage>,
}
