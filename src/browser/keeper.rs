//! "Your pages" in the browser: the list read from `localStorage` and
//! followed across tabs, the kept copies read from IndexedDB, and the
//! keeper socket that watches every listed page's count and hosts the kept
//! ones (a kept file page with a socket of its own, serving its chunks from
//! disk), for as long as the app runs.

use crate::library::Library;
use crate::protocol::PageHash;
use crate::state::YourPages;
use leptos::prelude::*;
use std::collections::HashMap;

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

    let keeper = StoredValue::new_local(None::<Driver<crate::keeper::Keeper>>);
    let file_hosts = StoredValue::new_local(HashMap::<PageHash, Driver<crate::machine::Visitor>>::new());
    Effect::new(move |_| {
        if !pages.loaded.get() {
            return;
        }
        let (listed, kept): (Vec<PageHash>, Vec<(PageHash, String)>) = pages.library.with(|l| {
            let viewing = pages.viewing.get();
            let texts = pages.kept_texts.read();
            let kept = l
                .kept()
                .filter_map(|e| Some((e.page()?, texts.get(&e.hash)?.clone())))
                .filter(|(hash, _)| Some(*hash) != viewing)
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
