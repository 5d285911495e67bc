//! The relay over HTTP: its routes (the WebSocket at `/ws/websocket`,
//! `/healthz`, `/metrics`), and [`serve`], which runs any router that
//! contains them until a shutdown signal, then closes every socket with
//! 1001 and waits for their tasks to finish.

use crate::metrics::{Metrics, Reject};
use crate::relay::Relay;
use crate::socket;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ep2p_core::protocol::{Vsn, SOCKET_PATH};
use serde::Deserialize;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a shutdown waits for sockets to finish closing.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl Relay {
    /// The relay's routes, ready to merge into a site's router.
    pub fn router(&self) -> Router {
        Router::new()
            .route(SOCKET_PATH, get(relay_socket))
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/metrics", get(metrics))
            .with_state(self.clone())
    }
}

/// Serves `app` (which holds [`Relay::router`]) until `shutdown` completes,
/// then stops accepting, closes every socket with 1001 (clients reconnect
/// elsewhere) and waits, a bounded time, for their tasks to end.
pub async fn serve(
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
    if tokio::time::timeout(SHUTDOWN_GRACE, relay.sockets_closed()).await.is_err() {
        tracing::warn!(open = relay.connections(), "sockets still open after the shutdown grace");
    }
    Ok(())
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

/// The query of `GET /ws/websocket`.
#[derive(Deserialize)]
struct SocketQuery {
    vsn: Option<String>,
}

/// `GET /ws/websocket?vsn=…`: the relay, speaking Phoenix Channels.
async fn relay_socket(
    upgrade: WebSocketUpgrade,
    Query(query): Query<SocketQuery>,
    headers: HeaderMap,
    State(relay): State<Relay>,
) -> Response {
    let refuse = |reason: &'static str| {
        relay.metrics().reject(Reject::RefusedUpgrade);
        (StatusCode::FORBIDDEN, reason).into_response()
    };
    let Ok(vsn) = Vsn::negotiate(query.vsn.as_deref()) else {
        return refuse("unsupported serializer version\n");
    };
    if !origin_allowed(&headers, &relay.config().allowed_origins) {
        return refuse("origin not allowed\n");
    }
    let max_message = relay.limits().max_message();
    upgrade
        // tungstenite zero-fills its whole read buffer: 4 KiB instead of
        // 128 KiB keeps an idle socket cheap.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .on_upgrade(move |websocket| socket::serve_socket(websocket, relay, vsn))
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

async fn metrics(State(relay): State<Relay>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, Metrics::CONTENT_TYPE)], relay.render_metrics())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
