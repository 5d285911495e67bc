//! The relay over HTTP: its routes (the WebSocket at `/ws/websocket`,
//! `/healthz`, `/metrics`, and the raw gateway's `/<hash>/raw`), the
//! WebSocket upgrade with its checks (serializer, origin, connection
//! caps), and [`serve`], which runs any
//! router that contains them: HTTP/1.1 with a header read timeout, a cap
//! on each address's open connections, the host names it answers for
//! ([`HostRule`]), the client's address for every request, and a graceful
//! shutdown that closes every socket with 1001 and waits for the socket
//! tasks to finish.

use crate::ice::IceService;
use crate::meter::Meter;
use crate::metrics::{Metrics, Reject};
use crate::raw::Gateway;
use crate::relay::{address_of, Refusal, Relay};
use crate::socket;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use dashmap::DashMap;
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::SOCKET_PATH;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tower::ServiceExt;
use tungstenite::protocol::{Role, WebSocketConfig};

/// How long a shutdown waits for connections and sockets to finish closing.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl Relay {
    fn ice_service(&self) -> IceService {
        let config = self.config();
        IceService::new(config.ice.clone(), config.hub.direct, config.limits.raw_per_second)
    }

    /// The relay's routes, ready to merge into a site's router, with a raw
    /// gateway of their own. They need the client's address, which
    /// [`serve`] gives every request.
    pub fn router(&self) -> Router {
        self.router_with(&Gateway::new(self.clone()))
    }

    /// The relay's routes, `/<hash>/raw` served by `raw` (a site shares it
    /// with its first responses, so both count against one limit).
    pub fn router_with(&self, raw: &Gateway) -> Router {
        Router::new()
            .route(SOCKET_PATH, get(relay_socket))
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/metrics", get(metrics))
            .with_state(self.clone())
            .merge(Router::new().route("/{hash}/raw", get(crate::raw::raw_page)).with_state(raw.clone()))
            .merge(
                Router::new()
                    .route("/ice", get(ice))
                    .with_state((Arc::new(self.ice_service()), self.clone())),
            )
    }
}

/// Serves `app` (which holds [`Relay::router`]) until `shutdown` completes,
/// then stops accepting, closes every socket with 1001 (clients reconnect
/// elsewhere) and waits, a bounded time, for connections and socket tasks
/// to end.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    relay: Relay,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = auto::Builder::new(TokioExecutor::new()).http1_only();
    // A client gets this long to send its request's head (slowloris).
    http.http1().timer(TokioTimer::new()).header_read_timeout(relay.limits().header_read_timeout);
    let graceful = GracefulShutdown::new();
    let http_connections = HttpConnections::default();
    let hosts = Arc::new(HostRule::new(&relay.config().allowed_hosts, listener.local_addr()?.ip()));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(held) = http_connections.hold(peer.ip(), relay.limits().max_http_connections_per_address)
        else {
            // Closed at once: dropping the stream answers nothing.
            relay.metrics().reject(Reject::TooManyHttpFromAddress);
            continue;
        };
        // Frames are small and written in batches (one flush per batch):
        // Nagle's algorithm would only hold a frame back until the client's
        // delayed ACK (40 ms) whenever a previous one is unacknowledged.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let (app, hosts, relay) = (app.clone(), hosts.clone(), relay.clone());
        let service = TowerToHyperService::new(tower::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            // Every route, the site's own included, answers only for its host names.
            let misdirected = !hosts.allows(request.headers());
            let (app, relay) = (app.clone(), relay.clone());
            async move {
                if misdirected {
                    relay.metrics().reject(Reject::MisdirectedHost);
                    let reason = "this server does not answer for that host name (see --allowed-hosts)\n";
                    return Ok((StatusCode::MISDIRECTED_REQUEST, reason).into_response());
                }
                app.oneshot(request.map(Body::new)).await
            }
        }));
        let connection = http.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::trace!(%error, "connection ended with an error");
            }
            // An upgraded connection's WebSocket counts against its own cap.
            drop(held);
        });
    }
    drop(listener);
    tracing::info!("shutting down: closing sockets");
    relay.shut_down();
    let finished = async {
        graceful.shutdown().await;
        relay.sockets_closed().await;
    };
    if tokio::time::timeout(SHUTDOWN_GRACE, finished).await.is_err() {
        tracing::warn!(open = relay.connections(), "connections still open after the shutdown grace");
    }
    Ok(())
}

/// Open HTTP connections per client address (see [`address_of`]); an
/// address with none has no entry. Cheap to clone: one `Arc`.
#[derive(Clone, Default)]
struct HttpConnections(Arc<DashMap<IpAddr, usize>>);

/// One open HTTP connection, counted against its address until dropped.
struct HttpConnection {
    table: HttpConnections,
    address: IpAddr,
}

impl HttpConnections {
    /// Counts one more connection from `ip`, unless its address holds `cap`.
    fn hold(&self, ip: IpAddr, cap: usize) -> Option<HttpConnection> {
        let address = address_of(ip);
        let mut held = self.0.entry(address).or_insert(0);
        if *held >= cap {
            return None;
        }
        *held += 1;
        Some(HttpConnection { table: self.clone(), address })
    }
}

impl Drop for HttpConnection {
    fn drop(&mut self) {
        if let dashmap::mapref::entry::Entry::Occupied(mut entry) = self.table.0.entry(self.address) {
            *entry.get_mut() -= 1;
            if *entry.get() == 0 {
                entry.remove();
            }
        }
    }
}

/// Which `Host` names the server answers for. DNS rebinding: a page on
/// `evil.test`, whose name is then made to resolve to 127.0.0.1, reaches a
/// relay on localhost with `Host: evil.test` (and an `Origin` to match, so
/// the origin check cannot tell). IP literals and `localhost` (which no
/// DNS answer can make) always pass, as do requests without a `Host`
/// (no browser sends one); a listed name (`--allowed-hosts`) passes; with
/// no list, any other name passes only when the server listens on a public
/// address or on every address (0.0.0.0, ::), and none when it listens on
/// a loopback or private one (a machine of one's own, or behind a proxy:
/// then list the proxy's names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
    /// Names allowed besides IP literals and `localhost`, lowercase, no port.
    listed: Vec<String>,
    /// No name was listed and the server listens on a public or every address.
    any_name: bool,
}

impl HostRule {
    /// The rule for a server listening on `listening` with `allowed` names.
    pub fn new(allowed: &[String], listening: IpAddr) -> Self {
        let listed: Vec<String> = allowed
            .iter()
            .map(|name| name.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|name| !name.is_empty())
            .collect();
        let any_name = listed.iter().any(|name| name == "*") || (listed.is_empty() && !is_local(listening));
        Self { listed, any_name }
    }

    /// Whether a request with these headers is for a name this server answers for.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST) else {
            return true;
        };
        let Some(name) = host.to_str().ok().and_then(host_name) else {
            return false;
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let literal = name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok();
        literal
            || name == "localhost"
            || name.ends_with(".localhost")
            || self.any_name
            || self.listed.contains(&name)
    }
}

/// The name of a `Host` header's value (`name`, `name:port`, `[v6]:port`).
fn host_name(host: &str) -> Option<String> {
    // A `Host` holds no user info (and `Authority::host` would take it apart).
    if host.contains('@') {
        return None;
    }
    let authority: axum::http::uri::Authority = host.parse().ok()?;
    Some(authority.host().to_string()).filter(|name| !name.is_empty())
}

/// A loopback, private, link-local or unique local address: where a
/// relay runs for one machine, one network, or behind a proxy.
fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// The log filter: `RUST_LOG` (default `info`), except that the WebSocket
/// library logs warnings at most, whatever is asked: its debug and trace
/// output carry frames, hence page text.
pub fn log_filter(rust_log: Option<&str>) -> tracing_subscriber::EnvFilter {
    let filter = rust_log
        .and_then(|spec| tracing_subscriber::EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    filter
        .add_directive("tungstenite=warn".parse().expect("a valid directive"))
        .add_directive("tokio_tungstenite=warn".parse().expect("a valid directive"))
}

/// How log lines are written: for people, or one JSON object per line for
/// a log shipper (`{"timestamp", "level", "target", "message", …fields}`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    pub const ALL: [LogFormat; 2] = [LogFormat::Text, LogFormat::Json];

    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|format| format.name() == text)
            .ok_or_else(|| format!("{text:?} is not a log format (text or json)"))
    }
}

/// The server's log subscriber: `filter` (see [`log_filter`]) in `format`,
/// written to `writer`; ANSI colours only in text, and only if `ansi`.
pub fn log_subscriber<W>(
    format: LogFormat,
    filter: tracing_subscriber::EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        LogFormat::Json => Box::new(builder.json().flatten_event(true).with_ansi(false).finish()),
    }
}

/// The query of `GET /ws/websocket`.
#[derive(Deserialize)]
struct SocketQuery {
    vsn: Option<String>,
}

/// `GET /ws/websocket?vsn=…`: the relay, speaking Phoenix Channels. Every
/// refusal happens here, before the upgrade, with a status and a reason.
async fn relay_socket(State(relay): State<Relay>, mut request: Request) -> Response {
    let refuse = |status: StatusCode, reason: Reject, text: &'static str| {
        relay.metrics().reject(reason);
        (status, text).into_response()
    };
    let headers = request.headers();
    let Some(key) = websocket_key(headers) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            Reject::RefusedUpgrade,
            "a WebSocket upgrade (version 13) is expected\n",
        );
    };
    let vsn = Query::<SocketQuery>::try_from_uri(request.uri())
        .ok()
        .and_then(|Query(q)| Vsn::negotiate(q.vsn.as_deref()).ok());
    let Some(vsn) = vsn else {
        return refuse(StatusCode::FORBIDDEN, Reject::RefusedUpgrade, "unsupported serializer version\n");
    };
    if !origin_allowed(headers, &relay.config().allowed_origins) {
        return refuse(StatusCode::FORBIDDEN, Reject::RefusedUpgrade, "origin not allowed\n");
    }
    let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
        // Only `serve` knows who is calling; a router served otherwise cannot count sockets per address.
        return (StatusCode::INTERNAL_SERVER_ERROR, "the relay is not served by ep2p_relay::serve\n")
            .into_response();
    };
    let admission = match relay.admit(peer.ip()) {
        Ok(admission) => admission,
        Err(Refusal::Full) => {
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                Reject::TooManyConnections,
                "the relay is full; try again later\n",
            )
        }
        Err(Refusal::TooManyFromAddress) => {
            let mut response = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                Reject::TooManyFromAddress,
                "too many connections from your address\n",
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            return response;
        }
    };
    let Some(on_upgrade) = request.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            Reject::RefusedUpgrade,
            "this connection cannot be upgraded\n",
        );
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    // Two numbers, not the limits: what the task holds, it holds all its life.
    let (control_frame_limit, max_message) =
        (relay.limits().control_frame_limit, relay.limits().max_message());
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else { return };
        // Small messages only until the socket is asked for a page (see `meter`).
        let io = Meter::new(TokioIo::new(upgraded), control_frame_limit);
        let config = WebSocketConfig::default()
            // tungstenite zero-fills its whole read buffer: 4 KiB instead
            // of 128 KiB keeps an idle socket cheap.
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .max_message_size(Some(max_message))
            .max_frame_size(Some(max_message));
        let websocket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
        socket::serve_socket(Box::new(websocket), relay, vsn, admission).await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The `Sec-WebSocket-Key` of a valid WebSocket upgrade request (RFC 6455
/// §4.2.1), or `None` if this is not one.
fn websocket_key(headers: &HeaderMap) -> Option<String> {
    let has_token = |name: header::HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|part| part.trim().eq_ignore_ascii_case(token)))
    };
    let upgrade = has_token(header::CONNECTION, "upgrade") && has_token(header::UPGRADE, "websocket");
    let version = headers.get(header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY)?.to_str().ok()?;
    (upgrade && version && !key.is_empty()).then(|| key.to_string())
}

/// A browser's `Origin` must be the server's own — scheme, host and port:
/// the `Host` it was asked as, over the scheme a proxy in front says
/// (`X-Forwarded-Proto`, `Forwarded: proto=`), else http or https (the
/// relay speaks plain HTTP, perhaps behind TLS) — or an allowed one, scheme
/// and all. Clients that send no `Origin` (native tools) are not browsers
/// and pass.
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let scheme_ok = match forwarded_proto(headers) {
        Some(proto) => scheme.eq_ignore_ascii_case(proto),
        None => scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"),
    };
    scheme_ok && authority.eq_ignore_ascii_case(host)
}

/// The scheme the client used, as a proxy in front tells it: the first
/// `X-Forwarded-Proto`, else the first `proto=` of `Forwarded`.
fn forwarded_proto(headers: &HeaderMap) -> Option<&str> {
    let first = |name: &str| headers.get(name)?.to_str().ok()?.split(',').next().map(str::trim);
    if let Some(proto) = first("x-forwarded-proto").filter(|p| !p.is_empty()) {
        return Some(proto);
    }
    let forwarded = first("forwarded")?;
    forwarded.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        key.eq_ignore_ascii_case("proto").then(|| value.trim_matches('"'))
    })
}

/// `GET /ice`: the STUN and TURN servers for direct connections
/// (`ice.rs`), within the client address's rate.
async fn ice(
    State((service, relay)): State<(Arc<IceService>, Relay)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let Some(answer) = service.answer(address_of(peer.ip()), crate::relay::now(), crate::relay::wall_ms())
    else {
        relay.metrics().reject(Reject::RateLimited);
        let headers = [(header::RETRY_AFTER, "1"), (header::CACHE_CONTROL, "no-store")];
        return (StatusCode::TOO_MANY_REQUESTS, headers, "Too many requests; try again in a second.\n")
            .into_response();
    };
    let headers = [(header::CACHE_CONTROL, "no-store"), (header::CONTENT_TYPE, "application/json")];
    (StatusCode::OK, headers, serde_json::to_string(&answer).expect("serializes")).into_response()
}
/// `/metrics`, for whoever holds the token when one is set.
async fn metrics(State(relay): State<Relay>, headers: HeaderMap) -> Response {
    if let Some(token) = &relay.config().metrics_token {
        let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let bearer = given.and_then(|v| v.strip_prefix("Bearer "));
        if !bearer.is_some_and(|b| same_secret(b.as_bytes(), token.as_bytes())) {
            let challenge = [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")];
            return (StatusCode::UNAUTHORIZED, challenge, "a bearer token is needed for /metrics\n")
                .into_response();
        }
    }
    ([(header::CONTENT_TYPE, Metrics::CONTENT_TYPE)], relay.render_metrics()).into_response()
}

/// Compares secrets in time that depends on their lengths only.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
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

    #[test]
    fn the_scheme_counts_when_a_proxy_tells_it_and_listed_origins_compare_it_too() {
        let none: Vec<String> = Vec::new();
        let mut behind_tls = headers(Some("https://a.test"), "a.test");
        behind_tls.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(origin_allowed(&behind_tls, &none));
        behind_tls.insert(header::ORIGIN, HeaderValue::from_static("http://a.test"));
        assert!(!origin_allowed(&behind_tls, &none), "plain http to a relay behind TLS");
        let mut forwarded = headers(Some("http://a.test"), "a.test");
        forwarded.insert("forwarded", HeaderValue::from_static("for=192.0.2.1;proto=https;host=a.test"));
        assert!(!origin_allowed(&forwarded, &none));
        assert!(!origin_allowed(&headers(Some("ftp://a.test"), "a.test"), &none));
        assert!(!origin_allowed(&headers(Some("https://a.test"), "A.test:80"), &none));
        assert!(origin_allowed(&headers(Some("http://A.test"), "a.test"), &none), "names are case-blind");
        let listed = vec!["https://b.test".to_string()];
        assert!(!origin_allowed(&headers(Some("http://b.test"), "a.test"), &listed));
    }

    #[test]
    fn a_local_listener_answers_ip_literals_localhost_and_listed_names_only() {
        let loopback: IpAddr = [127, 0, 0, 1].into();
        let lan: IpAddr = [192, 168, 1, 20].into();
        let public: IpAddr = [203, 0, 113, 7].into();
        let every: IpAddr = [0, 0, 0, 0].into();
        let none: Vec<String> = Vec::new();
        let allows = |rule: &HostRule, host: &str| rule.allows(&headers(None, host));
        for listening in [loopback, lan, "::1".parse().unwrap(), "fd00::1".parse().unwrap()] {
            let rule = HostRule::new(&none, listening);
            for host in
                ["127.0.0.1:3000", "localhost:3000", "LOCALHOST", "app.localhost", "[::1]:3000", "10.0.0.2"]
            {
                assert!(allows(&rule, host), "{host} on {listening}");
            }
            for host in ["evil.test", "evil.test:3000", "127.0.0.1.evil.test", "localhost.evil.test:80", ""] {
                assert!(!allows(&rule, host), "{host} on {listening}");
            }
        }
        for listening in [public, every] {
            assert!(allows(&HostRule::new(&none, listening), "p2p.example"), "{listening}");
        }
        let listed = vec!["P2P.example".to_string()];
        for listening in [loopback, public] {
            let rule = HostRule::new(&listed, listening);
            assert!(allows(&rule, "p2p.example:443") && allows(&rule, "p2p.example."), "{listening}");
            assert!(!allows(&rule, "evil.test") && allows(&rule, "127.0.0.1"), "{listening}");
        }
        assert!(allows(&HostRule::new(&["*".to_string()], loopback), "evil.test"));
        assert!(HostRule::new(&none, loopback).allows(&HeaderMap::new()), "no Host: not a browser");
    }

    #[test]
    fn only_a_complete_version_13_upgrade_has_a_key() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, Upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("WebSocket"));
        h.insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        h.insert(header::SEC_WEBSOCKET_KEY, HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="));
        assert_eq!(websocket_key(&h).as_deref(), Some("dGhlIHNhbXBsZSBub25jZQ=="));
        let mut old = h.clone();
        old.insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("8"));
        assert_eq!(websocket_key(&old), None);
        let mut plain = h.clone();
        plain.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        assert_eq!(websocket_key(&plain), None);
        let mut keyless = h;
        keyless.remove(header::SEC_WEBSOCKET_KEY);
        assert_eq!(websocket_key(&keyless), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cret", b"s3creT"));
        assert!(!same_secret(b"s3cret", b"s3cre"));
        assert!(!same_secret(b"", b"x"));
    }
}
