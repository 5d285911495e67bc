//! Ephemeral P2P: pages that live only in their visitors' browsers.
//!
//! One crate built twice by cargo-leptos: the server (`ssr`) and the
//! browser's WASM (`hydrate`).
//!
//! # Layout
//!
//! * `phoenix`, `protocol`, `client`, `machine`, `keeper`, `chat`, `sealed`,
//!   `fragment` — re-exported from the `ep2p-core` crate (`core/`): the
//!   wire protocol and the client's state machines (visitor, keeper), plain
//!   Rust shared with the native tools so they need not build Leptos.
//! * `app` — the HTML shell and the routes.
//! * `pages` — what each route shows: the homepage (`home`), a page
//!   (`page_view`), the 404 (`not_found`).
//! * `components` — what the pages are made of: the chat beside a page,
//!   sharing its link, keeping a copy, its status, its text, the list of
//!   "Your pages".
//! * `state` — what the views share, as structs of signals changed by plain
//!   methods: the site's settings, "Your pages", a page view's state.
//! * `server_fns` — the server functions the page view calls (its host
//!   count and first text for the first HTML).
//! * `format` — numbers and times as the pages say them.
//! * `library` — the list of "Your pages" as plain data (`localStorage`).
//! * `markdown` — a page as safe Markdown HTML (rendered in the browser).
//! * `qr` — a link as a QR code (SVG).
//! * `lazy` — the parts of the WASM loaded when first used (Markdown, the
//!   QR code, Web Crypto, IndexedDB; the chat panel declares its own with
//!   `parts!`): the views call them, never what they wrap.
//! * `browser` (hydrate) — what the views do with the window, its storage,
//!   history and clipboard, and the effects only the browser runs: the
//!   page view's connection and decryption, the keeper of "Your pages".
//! * `copies` (hydrate) — kept pages' texts in IndexedDB.
//! * `socket` (hydrate) — the browser's WebSocket, driven by the machine.
//! * `crypto` (hydrate) — encrypted pages in Web Crypto, in core's format.
//! * `filestore` (hydrate) — a file page's chunks: the author's `File`s,
//!   downloaded chunks in the Origin Private File System (lazy parts).
//! * `peers` (hydrate) — direct connections' WebRTC glue (a lazy part).
//! * `wake` (hydrate) — Screen Wake Lock, for a tab that is a page's only host.
//! * `assets` (ssr) — the release's file names under `/pkg/` (their hashes).
//! * `config` (ssr) — flags, environment and `Leptos.toml`, resolved into
//!   the listen address and the relay's settings.
//! * `response` (ssr) — what a page sets on its response while rendered:
//!   its Content-Security-Policy, a 404's status.
//! * `server` (ssr) — the site's router: the relay's routes (the relay is
//!   the `ep2p-relay` crate, `relay/`), the pages, the headers.
//!
//! Arrows point one way: `app` → `pages` → `components` → `state` →
//! `library`, with `format`, `lazy` and `server_fns` below the views that
//! use them and `lazy` above what it loads (`markdown`, `qr`, `crypto`,
//! `copies`, `peers`, `wake`); `browser` is called only from the views' browser-only code
//! and uses `state`, `socket`, `lazy` and `crypto`; `server` mounts `app`.
//! Nothing points back up.
//!
//! `main.rs` (ssr) reads the settings, makes the relay and the site around
//! it, and serves them with `ep2p_relay::serve`.

// The page view's type (Leptos builds one type per view tree) is deep: the
// test build's layout queries need more than the default 128 levels.
#![recursion_limit = "256"]

pub mod app;
pub mod code;
pub mod components;
pub mod format;
pub mod i18n;
pub mod lazy;
pub mod library;
pub mod markdown;
pub mod pages;
pub mod qr;
pub mod server_fns;
pub mod state;
pub use ep2p_core::{
    channel, chat, chunk, client, download, fragment, keeper, lifetime, machine, manifest, phoenix, protocol,
    sealed, sealed_files, signal, transfer,
};

#[cfg(feature = "hydrate")]
pub mod browser;
#[cfg(feature = "hydrate")]
pub mod copies;
#[cfg(feature = "hydrate")]
pub mod crypto;
#[cfg(feature = "hydrate")]
pub mod filestore;
#[cfg(feature = "hydrate")]
pub mod peers;
#[cfg(feature = "hydrate")]
pub mod socket;
#[cfg(feature = "hydrate")]
pub mod wake;

#[cfg(feature = "ssr")]
pub mod assets;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod response;
#[cfg(feature = "ssr")]
pub mod server;

/// The browser's entry point, called by the script cargo-leptos injects.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let site = browser::site_info();
    leptos::mount::hydrate_body(move || {
        leptos::prelude::provide_context(site);
        leptos::prelude::view! { <app::App/> }
    });
    // Tests (and curious people) can tell when the page became interactive.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
    // The app shell offline (public pages never: they come from peers).
    // Only where service workers exist (secure contexts).
    let navigator = leptos::prelude::window().navigator();
    if js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        let _ = navigator.service_worker().register("/sw.js");
    }
}
