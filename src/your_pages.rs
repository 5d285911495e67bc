//! "Your pages" in the app (SPEC §12): the list (`library.rs`) as a
//! context every route shares, saved in `localStorage` and followed across
//! tabs; the keeper socket that watches every listed page's count and
//! hosts the kept ones (`keeper.rs`, run app-wide); and the homepage's list.

use crate::app::count_of;
use crate::library::{ago, Entry, Library};
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
    kept_texts: RwSignal<HashMap<String, String>>,
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

/// Reads the list, follows it across tabs, fetches the kept copies and runs
/// the keeper socket for as long as the app runs.
#[cfg(feature = "hydrate")]
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
                if let Some(text) = crate::copies::get(&hash).await {
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
    on_cleanup(move || keeper.update_value(|d| d.take().into_iter().for_each(|d| d.stop())));
}

/// The homepage's list of this browser's pages, with their live counts.
#[component]
pub fn YourPagesList() -> impl IntoView {
    let pages = expect_context::<YourPages>();
    let confirming = RwSignal::new(false);
    let now = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let tick = move || now.set(crate::socket::wall_ms());
        tick();
        let interval =
            leptos::prelude::set_interval_with_handle(tick, std::time::Duration::from_secs(30)).ok();
        on_cleanup(move || {
            if let Some(interval) = interval {
                interval.clear();
            }
        });
    }
    let entries = move || pages.library.with(|l| l.entries().to_vec());
    let shown = move || pages.loaded.get() && pages.library.with(|l| !l.entries().is_empty());
    let forget_all = move |_| {
        if confirming.get_untracked() {
            pages.forget_all();
            confirming.set(false);
        } else {
            confirming.set(true);
        }
    };

    view! {
        <Show when=shown>
            <section class="your-pages" aria-labelledby="your-pages-title" data-testid="your-pages">
                <header class="your-pages-head">
                    <h2 id="your-pages-title">"Your pages"</h2>
                    <span class="your-pages-note">"Listed in this browser only, never sent anywhere."</span>
                    <div class="your-pages-actions">
                        <Show when=move || confirming.get()>
                            <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                        </Show>
                        <button type="button" class:danger=move || confirming.get() data-testid="forget-all" on:click=forget_all>
                            {move || if confirming.get() {
                                format!("Forget all {}", count_of(pages.library.with(|l| l.entries().len()), "page"))
                            } else {
                                "Forget all".to_string()
                            }}
                        </button>
                    </div>
                </header>
                <ul class="your-pages-list">
                    <For each=entries key=|e| (e.hash.clone(), e.title.clone(), e.kept, e.at) let(entry)>
                        {
                            let hash = entry.hash.clone();
                            let count = {
                                let hash = hash.clone();
                                move || pages.counts.with(|c| c.get(&hash).copied())
                            };
                            let gone = {
                                let count = count.clone();
                                move || count() == Some(0)
                            };
                            let gone_badge = gone.clone();
                            let forget = {
                                let hash = hash.clone();
                                move |_| pages.forget(&hash)
                            };
                            let label = format!("Forget “{}”", entry.title);
                            let at = entry.at;
                            let verb = if entry.created { "created" } else { "opened" };
                            view! {
                                <li class="your-page" class:gone=gone data-testid="your-page" data-hash=hash.clone()>
                                    <a class="your-page-title" href=entry.href()>{entry.title.clone()}</a>
                                    <span class="your-page-meta">
                                        <code>{hash[..12].to_string()}"…"</code>
                                        " · "{verb}" "
                                        {move || if now.get() == 0 { String::new() } else { ago(at, now.get()) }}
                                    </span>
                                    <span class="your-page-status">
                                        <span class="health" class:none=gone_badge data-testid="your-page-count">
                                            {move || match count() {
                                                None => "…".to_string(),
                                                Some(0) => "no hosts".to_string(),
                                                Some(n) => count_of(n, "host"),
                                            }}
                                        </span>
                                        {entry.kept.then(|| view! { <span class="kept-badge" data-testid="kept-badge">"Copy kept"</span> })}
                                        <button type="button" class="forget" aria-label=label data-testid="forget" on:click=forget>"Forget"</button>
                                    </span>
                                </li>
                            }.into_any()
                        }
                    </For>
                </ul>
            </section>
        </Show>
    }
    .into_any()
}
