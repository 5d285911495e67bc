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
                        match crate::lazy::keep_copy(key.clone(), wire).await {
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
                leptos::task::spawn_local(crate::lazy::forget_copy(key));
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
        leptos::task::spawn_local(forget_stored(hash));
    }

    /// Forgets every page, and every copy.
    pub fn forget_all(&self) {
        let mut gone = Vec::new();
        self.change(|l| gone = l.forget_all());
        self.kept_texts.set(HashMap::new());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            for entry in gone {
                forget_stored(entry.hash).await;
            }
        });
        #[cfg(not(feature = "hydrate"))]
        drop(gone);
    }

    pub fn is_kept(&self, hash: PageHash) -> bool {
        self.library.with(|l| l.get(&hash.to_string()).is_some_and(|e| e.kept))
    }
}

/// Deletes what this browser stores of a page: its kept copy, and a file
/// page's chunks (kept or left by a visit, a reload's resume point).
#[cfg(feature = "hydrate")]
async fn forget_stored(hash: String) {
    let page = hash.parse::<PageHash>();
    crate::lazy::forget_copy(hash).await;
    if let Ok(page) = page {
        crate::lazy::files_forget(page).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> Entry {
        Entry {
            hash: PageHash::of(text).to_string(),
            title: crate::library::title_of(text),
            fragment: String::new(),
            at: 1,
            created: true,
            kept: false,
        }
    }

    #[test]
    fn a_kept_page_holds_its_text_until_it_is_let_go_or_forgotten() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let pages = YourPages::new();
            let (a, b) = (PageHash::of("a"), PageHash::of("b"));
            pages.record(entry("a"));
            pages.record(entry("b"));
            assert!(!pages.is_kept(a));
            pages.keep(a, Some("a".into()));
            assert!(pages.is_kept(a));
            assert_eq!(pages.kept_texts.with_untracked(|t| t.get(&a.to_string()).cloned()), Some("a".into()));
            pages.keep(a, None);
            assert!(!pages.is_kept(a) && pages.kept_texts.with_untracked(HashMap::is_empty));
            pages.keep(b, Some("b".into()));
            pages.forget(&b.to_string());
            assert!(!pages.is_kept(b) && pages.kept_texts.with_untracked(HashMap::is_empty));
            assert_eq!(pages.library.with_untracked(|l| l.entries().len()), 1);
            pages.keep(a, Some("a".into()));
            pages.forget_all();
            assert!(pages.library.with_untracked(|l| l.entries().is_empty()));
            assert!(pages.kept_texts.with_untracked(HashMap::is_empty));
        })
    }
}
