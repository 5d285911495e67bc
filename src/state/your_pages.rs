//! "Your pages" in the app (docs/product.md §12): the list (`library.rs`)
//! as a context every route shares, saved in `localStorage`; the counts the
//! keeper socket hears (`browser::keeper` runs it, app-wide) and the copies
//! it hosts. The homepage shows it (`components::your_pages`).

use crate::library::{Entry, Library};
use crate::protocol::PageHash;
use leptos::prelude::*;
use std::collections::HashMap;

/// The list, the counts the keeper hears, and the page this tab's page
/// view hosts itself (the keeper leaves that one to it).
#[derive(Clone, Copy)]
pub struct YourPages {
    pub library: RwSignal<Library>,
    /// Host counts by hash, as the keeper last heard them.
    pub counts: RwSignal<HashMap<String, usize>>,
    /// The page this tab's page view hosts right now.
    pub viewing: RwSignal<Option<PageHash>>,
    /// Texts of kept pages, read from IndexedDB (hydrate) or just kept.
    pub kept_texts: RwSignal<HashMap<String, String>>,
    /// False until the list was read from the browser.
    pub loaded: RwSignal<bool>,
    /// Pages whose copy IndexedDB has confirmed it holds.
    pub stored: RwSignal<std::collections::HashSet<String>>,
}

impl Default for YourPages {
    fn default() -> Self {
        Self::new()
    }
}

impl YourPages {
    pub fn new() -> Self {
        Self {
            library: RwSignal::new(Library::default()),
            counts: RwSignal::new(HashMap::new()),
            viewing: RwSignal::new(None),
            kept_texts: RwSignal::new(HashMap::new()),
            loaded: RwSignal::new(false),
            stored: RwSignal::new(std::collections::HashSet::new()),
        }
    }

    /// Changes the list and saves it.
    fn change(&self, f: impl FnOnce(&mut Library)) {
        self.library.update(f);
        #[cfg(feature = "hydrate")]
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ =
                storage.set_item(crate::library::STORAGE_KEY, &self.library.with_untracked(Library::to_json));
        }
    }

    /// A page was created or opened in this tab.
    pub fn record(&self, entry: Entry) {
        self.change(|l| l.record(entry));
    }

    /// Keeps a copy of a listed page (its wire text), or stops keeping it.
    pub fn keep(&self, hash: PageHash, wire: Option<String>) {
        let key = hash.to_string();
        match wire {
            Some(wire) => {
                self.kept_texts.update(|t| {
                    t.insert(key.clone(), wire.clone());
                });
                self.change(|l| {
                    l.set_kept(&key, true);
                });
                #[cfg(feature = "hydrate")]
                {
                    let stored = self.stored;
                    leptos::task::spawn_local(async move {
                        match crate::copies::put(&key, &wire).await {
                            Ok(()) => stored.update(|s| {
                                s.insert(key);
                            }),
                            Err(error) => leptos::logging::warn!("cannot keep a copy of {key}: {error}"),
                        }
                    });
                }
            }
            None => {
                self.kept_texts.update(|t| {
                    t.remove(&key);
                });
                self.stored.update(|s| {
                    s.remove(&key);
                });
                self.change(|l| {
                    l.set_kept(&key, false);
                });
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local(async move { crate::copies::delete(&key).await });
            }
        }
    }

    /// Forgets a page, and its copy.
    pub fn forget(&self, hash: &str) {
        let hash = hash.to_owned();
        self.change(|l| {
            l.forget(&hash);
        });
        self.kept_texts.update(|t| {
            t.remove(&hash);
        });
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move { crate::copies::delete(&hash).await });
    }

    /// Forgets every page, and every copy.
    pub fn forget_all(&self) {
        let mut gone = Vec::new();
        self.change(|l| gone = l.forget_all());
        self.kept_texts.set(HashMap::new());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            for entry in gone.into_iter().filter(|e| e.kept) {
                crate::copies::delete(&entry.hash).await;
            }
        });
        #[cfg(not(feature = "hydrate"))]
        drop(gone);
    }

    pub fn is_kept(&self, hash: PageHash) -> bool {
        self.library.with(|l| l.get(&hash.to_string()).is_some_and(|e| e.kept))
    }
}
