//! The HTTP side: one router for the Leptos pages and server functions, the
//! relay's WebSocket, `/healthz` and `/metrics`; `serve(listener, …)` with a
//! graceful shutdown that closes every socket with 1001.

use crate::app::{shell, App, SiteInfo};
use crate::config::Config;
use crate::protocol::Vsn;
use crate::relay::Relay;
use crate::ws;
use axum::extract::{FromRef, Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

/// What every handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub relay: Relay,
    /// Origins allowed to open a WebSocket besides the server's own.
    pub allowed_origins: Arc<Vec<String>>,
    /// What the pages need to know about the server (limits).
    pub site: SiteInfo,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The whole application, and the relay behind it (tests and `serve` need both).
pub fn router(config: &Config, leptos_options: LeptosOptions) -> (Router, Relay) {
    let relay = Relay::new(config.hub.clone(), config.limits.clone());
    let site = SiteInfo { content_limit: config.limits.content_limit };
    let state = AppState {
        leptos_options: leptos_options.clone(),
        relay: relay.clone(),
        allowed_origins: Arc::new(config.allowed_origins.clone()),
        site,
    };
    let routes = generate_route_list(App);
    let app = Router::new()
        .route("/ws/websocket", get(relay_socket))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(site),
            move || shell(leptos_options.clone(), site),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(site),
            move |options| shell(options, site),
        ))
        .with_state(state)
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, static_header("nosniff")))
        // A page's address is its identity: never leak it to another site.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, static_header("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, static_header("DENY")))
        // Pages set their own policy (with the render's script nonce, see
        // app.rs); everything else may load nothing and be framed nowhere.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            static_header("default-src 'none'; frame-ancestors 'none'"),
        ));
    (app, relay)
}

fn static_header(value: &'static str) -> HeaderValue {
    HeaderValue::from_static(value)
}

/// The log filter: `RUST_LOG` (default `info`), except that the WebSocket
/// library never logs frames, whatever is asked: they carry page text.
pub fn log_filter(rust_log: Option<&str>) -> tracing_subscriber::EnvFilter {
    let filter = rust_log
        .and_then(|spec| tracing_subscriber::EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    filter
        .add_directive("tungstenite=debug".parse().expect("a valid directive"))
        .add_directive("tokio_tungstenite=debug".parse().expect("a valid directive"))
}

/// Serves until `shutdown` completes, then stops accepting, closes every
/// socket with 1001 (clients reconnect elsewhere) and waits a bounded time
/// for them to go.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    leptos_options: LeptosOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (app, relay) = router(&config, leptos_options);
    serve_app(listener, app, relay, shutdown).await
}

/// [`serve`] for a router already made by [`router`] (tests keep its relay).
pub async fn serve_app(
    listener: TcpListener,
    app: Router,
    relay: Relay,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let closing = relay.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing sockets");
            closing.shut_down();
        })
        .await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while relay.connections() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// `GET /ws/websocket?vsn=…`: the relay, speaking Phoenix Channels.
async fn relay_socket(
    upgrade: WebSocketUpgrade,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Response {
    let refuse = |reason: &'static str| {
        state.relay.counters().refused_upgrades.fetch_add(1, Relaxed);
        (StatusCode::FORBIDDEN, reason).into_response()
    };
    let Ok(vsn) = Vsn::negotiate(query.get("vsn").map(String::as_str)) else {
        return refuse("unsupported serializer version\n");
    };
    if !origin_allowed(&headers, &state.allowed_origins) {
        return refuse("origin not allowed\n");
    }
    let limits = state.relay.limits();
    let relay = state.relay.clone();
    upgrade
        // tungstenite zero-fills its whole read buffer: 4 KiB instead of
        // 128 KiB keeps an idle socket cheap.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(limits.max_message())
        .max_frame_size(limits.max_message())
        .on_upgrade(move |socket| ws::serve_socket(socket, relay, vsn))
}

/// A browser's `Origin` must be the server's own or an allowed one. Clients
/// that send no `Origin` (native tools) are not browsers and pass.
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed.iter().any(|a| a == "*" || a.trim_end_matches('/') == origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    origin.split_once("://").map(|(_, authority)| authority) == host
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.relay.render_metrics())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn same_origin_and_listed_origins_pass_others_do_not() {
        let none: Vec<String> = Vec::new();
        assert!(origin_allowed(&headers(None, "a.test"), &none));
        assert!(origin_allowed(&headers(Some("https://a.test"), "a.test"), &none));
        assert!(origin_allowed(&headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"), &none));
        assert!(!origin_allowed(&headers(Some("https://evil.test"), "a.test"), &none));
        assert!(!origin_allowed(&headers(Some("https://a.test:444"), "a.test"), &none));
        let listed = vec!["https://b.test".to_string()];
        assert!(origin_allowed(&headers(Some("https://b.test"), "a.test"), &listed));
        assert!(!origin_allowed(&headers(Some("https://c.test"), "a.test"), &listed));
        let any = vec!["*".to_string()];
        assert!(origin_allowed(&headers(Some("https://c.test"), "a.test"), &any));
    }
}
