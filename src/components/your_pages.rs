//! The homepage's list of this browser's pages (docs/product.md §12), with
//! the live counts the keeper hears and a way to forget them.

use crate::format::ago;
use crate::i18n::{fill, lang, t, tr};
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
                    <h2 id="your-pages-title">{tr(|t| t.lists.your_pages)}</h2>
                    <span class="your-pages-note">{tr(|t| t.lists.your_pages_note)}</span>
                    <div class="your-pages-actions">
                        <Show when=move || confirming.get()>
                            <button type="button" on:click=move |_| confirming.set(false)>{tr(|t| t.lists.cancel)}</button>
                        </Show>
                        <button type="button" class:danger=move || confirming.get() data-testid="forget-all" on:click=forget_all>
                            {move || if confirming.get() {
                                let n = pages.library.with(|l| l.entries().len()) as u64;
                                lang().count(n, t().lists.forget_all_one, t().lists.forget_all_other)
                            } else {
                                t().lists.forget_all.to_string()
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
                            let title = entry.title.clone();
                            let label = move || fill(t().lists.forget_page, &[("title", title.as_str())]);
                            let at = entry.at;
                            let created = entry.created;
                            // "created 5 min ago": the time once this tab knows the clock.
                            let when = move || {
                                let time = if now.get() == 0 { String::new() } else { ago(at, now.get(), lang()) };
                                let template = if created { t().lists.created_ago } else { t().lists.opened_ago };
                                fill(template, &[("time", time.as_str())])
                            };
                            view! {
                                <li class="your-page" class:gone=gone data-testid="your-page" data-hash=hash.clone()>
                                    <a class="your-page-title" href=entry.href()>{entry.title.clone()}</a>
                                    <span class="your-page-meta">
                                        <code>{hash[..12].to_string()}"…"</code>
                                        " · "{when}
                                    </span>
                                    <span class="your-page-status">
                                        <span class="health" class:none=gone_badge data-testid="your-page-count">
                                            {move || match count() {
                                                None => "…".to_string(),
                                                Some(0) => t().lists.no_hosts.to_string(),
                                                Some(n) => lang().count(n as u64, t().site.hosts_one, t().site.hosts_other),
                                            }}
                                        </span>
                                        {entry.kept.then(|| view! { <span class="kept-badge" data-testid="kept-badge">{tr(|t| t.lists.copy_kept)}</span> })}
                                        <button type="button" class="forget" aria-label=label data-testid="forget" on:click=forget>{tr(|t| t.lists.forget)}</button>
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
