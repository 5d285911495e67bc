//! The whole site: the relay's routes, the Leptos pages and server
//! functions, and the headers every response carries.

use crate::app::{shell, App, SiteInfo};
use axum::http::{header, HeaderValue};
use axum::Router;
use ep2p_relay::Relay;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::set_header::SetResponseHeaderLayer;

/// The site's router around `relay`. Pages and server functions can reach
/// the relay (for a page's host count) and the site's limits as context.
pub fn site(relay: &Relay, leptos_options: LeptosOptions) -> Router {
    let hashed = leptos_options.hash_files;
    let site = SiteInfo { content_limit: relay.limits().content_limit };
    let context = {
        let relay = relay.clone();
        move || {
            provide_context(site);
            provide_context(relay.clone());
        }
    };
    let pages = Router::new()
        .leptos_routes_with_context(&leptos_options, generate_route_list(App), context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone(), site)
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<LeptosOptions, _>(
            context,
            move |options| shell(options, site),
        ))
        .with_state(leptos_options);
    relay
        .router()
        .merge(pages)
        .layer(axum::middleware::map_response_with_state(hashed, cache_static))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, static_header("nosniff")))
        // A page's address is its identity: never leak it to another site.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, static_header("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, static_header("DENY")))
        // Pages set their own policy (with the render's script nonce, see
        // app.rs); everything else may load nothing and be framed nowhere.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            static_header("default-src 'none'; frame-ancestors 'none'"),
        ))
}

/// The app's files under `/pkg/`: with hashed names (a new name for every
/// new content) cached for a year and never revalidated; without, always
/// revalidated.
async fn cache_static(
    axum::extract::State(hashed): axum::extract::State<bool>,
    uri: axum::http::Uri,
    mut response: axum::response::Response,
) -> axum::response::Response {
    if uri.path().starts_with("/pkg/") && response.status().is_success() {
        let policy = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, static_header(policy));
    }
    response
}

fn static_header(value: &'static str) -> HeaderValue {
    HeaderValue::from_static(value)
}
