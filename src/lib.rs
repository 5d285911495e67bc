//! Ephemeral P2P: pages that live only in their visitors' browsers.
//!
//! One crate built twice by cargo-leptos: the server (`ssr`) and the
//! browser's WASM (`hydrate`).
//!
//! # Layout
//!
//! * `protocol`, `machine` — re-exported from the `ep2p-core` crate (`core/`):
//!   the wire protocol and the visitor's state machine, plain Rust shared
//!   with the native tools so they need not build Leptos.
//! * `app` — the Leptos shell, routes and components.
//! * `socket` (hydrate) — the browser's WebSocket, driven by the machine.
//! * `config` (ssr) — flags, environment and `Leptos.toml`, resolved.
//! * `hub` (ssr) — every page's routing state and the routing policy; pure.
//! * `relay` (ssr) — the hub plus the sockets: carries out the hub's effects,
//!   owns the metrics.
//! * `ws` (ssr) — one task per WebSocket: frames in, replies and queued
//!   frames out, limits, heartbeat deadline.
//! * `server` (ssr) — the router, `serve(listener, …)`, graceful shutdown.

pub mod app;
pub use ep2p_core::{machine, protocol};

#[cfg(feature = "hydrate")]
pub mod socket;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod relay;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod ws;

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
}
