//! The HTML shell and the routes: every page's `<head>`, the site's header
//! and footer around the router, and which page each address shows. The
//! pages are in `pages`, what they are made of in `components`.
//! Rendered on the server, hydrated in the browser.

use crate::components::language::LanguageSwitch;
use crate::i18n::{tr, Language};
use crate::pages::home::HomePage;
use crate::pages::not_found::NotFound;
use crate::pages::page_view::PageView;
use crate::protocol::PageHash;
use crate::state::{Draft, LocalPage, SiteInfo, YourPages, LIMIT_META, TEST_LIFETIME_META};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::{path, SsrMode};

/// The document around every page, with what the browser needs to know of
/// the server (`site`, read back by `browser::site_info`).
pub fn shell(options: LeptosOptions, site: SiteInfo) -> impl IntoView {
    // The language this render is in; hydration reads it back from here.
    #[cfg(feature = "ssr")]
    let lang = crate::response::request_lang().code();
    #[cfg(not(feature = "ssr"))]
    let lang = crate::i18n::Lang::En.code();
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name=LIMIT_META content=site.content_limit.to_string()/>
                <meta name=crate::i18n::META content=lang/>
                {site.test_lifetime.map(|s| view! { <meta name=TEST_LIFETIME_META content=s.to_string()/> })}
                <link rel="icon" type="image/svg+xml" href="/assets/favicon.svg"/>
                <link rel="manifest" href="/assets/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/assets/icon-192.png"/>
                <meta name="theme-color" content="#f7f7f5" media="(prefers-color-scheme: light)"/>
                <meta name="theme-color" content="#121214" media="(prefers-color-scheme: dark)"/>
                <SiteStyle options=options.clone()/>
                <AutoReload options=options.clone()/>
                <AppScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The site's stylesheet, inline: the first paint waits for no second
/// request, which on a phone's network is a round trip (85 ms on the 4G
/// profile of BENCHMARKS §9b) for 3 KB of brotli. The file stays under
/// `/pkg/` for nothing but a look.
#[component]
fn SiteStyle(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let css = crate::assets::Assets::of(&options).stylesheet(&options);
    #[cfg(not(feature = "ssr"))]
    let css = {
        let _ = options;
        String::new()
    };
    view! { <style nonce=leptos::nonce::use_nonce() inner_html=css></style> }
}

/// The app's script and WASM, started once the first frame is painted. The
/// page, its text included, is in the HTML already: nothing a reader sees
/// waits for them, so they neither block nor race the first paint (no
/// preload either); the page is interactive as soon as they are here.
/// Hydrating waits one more turn of the event loop after the WASM is
/// instantiated: done in one go, the two are one long task that holds a
/// phone's main thread (Lighthouse's total blocking time, BENCHMARKS §9b).
#[component]
fn AppScripts(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (js, wasm) = {
        let assets = crate::assets::Assets::of(&options);
        let name = &options.output_name;
        // cargo-leptos names the WASM `<name>_bg` when it does not hash it.
        let wasm_name = match (assets.hashes.is_empty(), option_env!("LEPTOS_OUTPUT_NAME")) {
            (true, None) => format!("{name}_bg"),
            _ => name.to_string(),
        };
        (assets.file(&options, name, "js"), assets.file(&options, &wasm_name, "wasm"))
    };
    #[cfg(not(feature = "ssr"))]
    let (js, wasm) = {
        let _ = options;
        (String::new(), String::new())
    };
    // After the first frame; a tab opened in the background paints no
    // frame until it is shown, so it starts on a timer (throttled, but it
    // runs: the tab hosts what it opened).
    let start = format!(
        "let started = false;\n\
         const start = () => {{ if (started) return; started = true; \
         import({js:?}).then((app) => app.default({{ module_or_path: {wasm:?} }})\n\
           .then(() => new Promise((go) => setTimeout(go, 0)))\n\
           .then(() => app.hydrate())); }};\n\
         requestAnimationFrame(() => setTimeout(start, 0));\n\
         setTimeout(start, 500);"
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce() data-app=js.clone()>{start}</script> }
}

#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::response::set_page_policy();
    provide_meta_context();
    provide_context(LocalPage(RwSignal::new(None)));
    provide_context(Draft(RwSignal::new(None)));
    // The server renders in the reader's language, and the browser starts
    // in the language the server rendered in.
    #[cfg(feature = "ssr")]
    let lang = crate::response::request_lang();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let lang = crate::browser::rendered_language();
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let lang = crate::i18n::Lang::En;
    let language = RwSignal::new(lang);
    provide_context(Language(language));
    let pages = YourPages::new();
    provide_context(pages);
    #[cfg(feature = "hydrate")]
    crate::browser::keeper::start(pages);
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Ephemeral P2P".to_string() } else { format!("{page} · Ephemeral P2P") }
        }/>
        <Meta name="description" content=move || language.get().texts().site.description/>
        <Router>
            <header class="site-header">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Ephemeral P2P"
                </a>
                <a class="new-page" href="/">{tr(|t| t.site.new_page)}</a>
            </header>
            <main class="site-main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage/>
                    // In order: the stream waits for the host count, so it is in the first
                    // HTML (no script needed to see it), the rest streams.
                    <Route path=path!("/:hash") view=PageRoute ssr=SsrMode::InOrder/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{tr(|t| t.site.footer)}</p>
                <LanguageSwitch/>
            </footer>
        </Router>
    }
}

/// `/<hash>`: a page if the segment is a hash, the 404 page otherwise.
#[component]
pub fn PageRoute() -> impl IntoView {
    let params = use_params_map();
    move || match params.read().get("hash").map(|h| PageHash::parse(&h)) {
        Some(Ok(hash)) => view! { <PageView hash/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}
