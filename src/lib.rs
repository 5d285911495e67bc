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
//! * `app` — the Leptos shell, routes and components.
//! * `chat_panel` — the chat beside a page: its messages, the box to say
//!   something, the nickname (messages come and go through the machine).
//! * `markdown` — a page as safe Markdown HTML (rendered in the browser).
//! * `library`, `your_pages` — "Your pages": the list (pure, in
//!   `localStorage`), its live counts and kept copies (the keeper socket),
//!   and the homepage's list.
//! * `share` — a link's QR code (SVG) and the system share sheet.
//! * `copies` (hydrate) — kept pages' texts in IndexedDB.
//! * `socket` (hydrate) — the browser's WebSocket, driven by the machine.
//! * `crypto` (hydrate) — encrypted pages in Web Crypto, in core's format.
//! * `config` (ssr) — flags, environment and `Leptos.toml`, resolved into
//!   the listen address and the relay's settings.
//! * `server` (ssr) — the site's router: the relay's routes (the relay is
//!   the `ep2p-relay` crate, `relay/`), the pages, the headers.
//!
//! `main.rs` (ssr) reads the settings, makes the relay and the site around
//! it, and serves them with `ep2p_relay::serve`.

pub mod app;
pub mod chat_panel;
pub mod library;
pub mod markdown;
pub mod share;
pub mod your_pages;
pub use ep2p_core::{chat, client, fragment, keeper, machine, phoenix, protocol, sealed};

#[cfg(feature = "hydrate")]
pub mod copies;
#[cfg(feature = "hydrate")]
pub mod crypto;
#[cfg(feature = "hydrate")]
pub mod socket;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod server;

/// The browser's entry point, called by the script cargo-leptos injects.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let site = app::SiteInfo::from_document();
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
