//! The homepage's list of this browser's pages (docs/product.md §12), with
//! the live counts the keeper hears and a way to forget them.

use crate::format::{ago, count_of};
use crate::state::YourPages;
use leptos::prelude::*;

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
