//! Attacks at the relay's edges, one per test: a forged count on the
//! backplane, log lines from churned sockets, a page whose hosts never
//! answer taking the raw gateway's slots, idle HTTP connections from one
//! address. Each ends with the attacker refused within a bound, the reason
//! counted in `/metrics`, and honest clients served meanwhile.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_relay::{LogFormat, RelayConfig};
use ep2p_testkit::reqwest::Method;
use ep2p_testkit::*;
use serde_json::json;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// Everything the server logs during a test (as in `logs.rs`).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Captures everything logged at `level` on this test's thread (a
/// `#[tokio::test]` runs the server's tasks there too) while the guard lives.
fn capture(level: &str) -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = ep2p_relay::log_subscriber(
        LogFormat::Text,
        ep2p_relay::log_filter(Some(level)),
        move || sink.clone(),
        false,
    );
    (logs, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn a_count_no_node_could_hold_is_refused_and_the_page_keeps_its_true_count() {
    let redis = RedisServer::start().await.expect("redis-server starts");
    let server = TestServer::start(config(|c| c.redis_url = Some(redis.url()))).await;
    let relay = server.relay.clone();
    eventually("the relay joins Redis", || relay.backplane().is_some_and(|b| b.connected())).await;
    let text = "a page counted on two nodes";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;

    // Whoever can publish on the site's Redis claims a node with
    // usize::MAX hosts (it would wrap the page's count), then 2.
    let forger = ep2p_relay::backplane::NodeId(4242);
    let client = redis::Client::open(redis.url()).unwrap();
    let mut redis_conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("ep2p:alive:{forger}"))
        .arg(1)
        .arg("PX")
        .arg(60_000)
        .query_async(&mut redis_conn)
        .await
        .unwrap();
    for count in [usize::MAX, 2] {
        let message = json!({ "count": { "from": forger.0, "page": hash.to_string(), "count": count } });
        let _: i64 = redis::cmd("PUBLISH")
            .arg("ep2p:all")
            .arg(message.to_string())
            .query_async(&mut redis_conn)
            .await
            .unwrap();
    }
    visitor
        .wait_for("the count of this node's host and the forger's 2", |msg| {
            let count = msg.payload["count"].as_u64();
            if msg.event == "visitors_count" {
                assert!(count.is_some_and(|c| c <= 3), "a forged count reached a visitor: {}", msg.raw);
            }
            count == Some(3)
        })
        .await;
    assert_eq!(server.metric("ep2p_backplane_malformed_total").await, 1);
    assert_eq!(fetch(&server, hash).await, text);
    server.stop().await;
}

#[tokio::test]
async fn lies_from_churned_sockets_of_one_address_are_logged_within_the_address_budget() {
    let (logs, _guard) = capture("info");
    let server = TestServer::default().await;
    let text = "the truth, whatever the sockets";
    let hash = PageHash::of(text);
    let _honest = Host::spawn(&server, text).await;
    // Thirty sockets from one address, each lying once (each within its
    // own socket's interval), then one from another address.
    let liars = 30;
    for round in 0..liars {
        let mut liar = Client::open(server.addr, Some(loopback(2))).await.unwrap();
        liar.join_ok(&have(hash)).await;
        let reply = liar.call(&have(hash), "content", json!({ "content": format!("lie {round}") })).await;
        assert_eq!(reply.reason(), Some("hash mismatch"));
    }
    let mut other = Client::open(server.addr, Some(loopback(3))).await.unwrap();
    other.join_ok(&have(hash)).await;
    let reply = other.call(&have(hash), "content", json!({ "content": "another lie" })).await;
    assert_eq!(reply.reason(), Some("hash mismatch"));
    assert_eq!(fetch(&server, hash).await, text);
    assert_eq!(server.metric("ep2p_bad_hashes_total").await, liars + 1, "every lie is counted");
    let logs = logs.text();
    let lines = |address: &str| {
        logs.lines().filter(|line| line.contains("wrong hash") && line.contains(address)).count()
    };
    // A burst of 5, and at most one more refilled while the test runs.
    let churned = lines("address=127.0.0.2");
    assert!((5..=6).contains(&churned), "{churned} lines for one address:\n{logs}");
    assert_eq!(lines("address=127.0.0.3"), 1, "another address is logged:\n{logs}");
    server.stop().await;
}

#[tokio::test]
async fn a_page_whose_hosts_never_answer_holds_only_its_share_of_the_raw_slots() {
    let cap = 16;
    let server = TestServer::start(config(|c| {
        c.limits.max_raw_in_flight = cap;
        // The silent page's fetches are still waiting when the test ends.
        c.limits.raw_wait = Duration::from_secs(60);
    }))
    .await;
    let silent = PageHash::of("a page whose hosts never answer");
    let mut silent_hosts = Vec::new();
    for n in 0..3 {
        let mut host = Client::open(server.addr, Some(loopback(20 + n))).await.unwrap();
        host.join_ok(&have(silent)).await;
        silent_hosts.push(host);
    }
    let text = "an honestly hosted page";
    let _honest = Host::spawn(&server, text).await;

    // Sixty fetches of the silent page from six addresses, each within its
    // address's burst of ten: all but the page's share are refused at once.
    let fetches = 60;
    let (done, mut answers) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..fetches {
        let url = server.url(&format!("/{silent}/raw"));
        let done = done.clone();
        tokio::spawn(async move {
            let response = http_from(Method::GET, &url, Some(loopback(2 + (i / 10) as u8))).await;
            let _ = done.send(response.status);
        });
    }
    let share = ep2p_relay::raw::page_share(cap);
    assert_eq!(share, 8);
    for _ in 0..fetches - share {
        let status = tokio::time::timeout(PATIENCE, answers.recv()).await.expect("refused at once");
        assert_eq!(status, Some(503));
    }
    // The honest page's /raw is answered, and so is a first visitor.
    let honest = http_from(Method::GET, &server.url(&format!("/{}/raw", PageHash::of(text))), None).await;
    assert_eq!((honest.status, honest.body.as_str()), (200, text));
    assert_eq!(fetch(&server, PageHash::of(text)).await, text);
    assert!(answers.try_recv().is_err(), "the silent page's share is still waiting");
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"page_busy\"}").await, (fetches - share) as u64);
}

/// A TCP connection to `server` from `source`.
async fn connect_from(server: &TestServer, source: IpAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    socket.connect(server.addr).await.unwrap()
}

/// Whether `stream` is answered `GET /healthz` with 200.
async fn healthy(stream: &mut TcpStream) -> bool {
    let request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    let read = tokio::time::timeout(PATIENCE, stream.read_exact(&mut head)).await;
    matches!(read, Ok(Ok(_))) && &head == b"HTTP/1.1 200"
}

#[tokio::test]
async fn an_address_holding_its_http_connections_gets_no_more_and_others_are_served() {
    let cap = 4;
    let server = TestServer::start(config(|c| c.limits.max_http_connections_per_address = cap)).await;
    let mut idle = Vec::new();
    for _ in 0..cap {
        idle.push(connect_from(&server, loopback(2)).await);
    }
    // The next one from that address is closed at once, without an answer.
    let mut refused = connect_from(&server, loopback(2)).await;
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(PATIENCE, refused.read(&mut byte)).await.expect("closed at once");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_many_http_from_address\"}").await, 1);
    // Another address is served, and so is each connection held.
    assert!(healthy(&mut connect_from(&server, loopback(3)).await).await);
    assert!(healthy(&mut idle[0]).await, "a connection within the cap is served");
    // Once they close, the address may connect again.
    drop(idle);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !healthy(&mut connect_from(&server, loopback(2)).await).await {
        assert!(tokio::time::Instant::now() < deadline, "the address never got its connections back");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The status of `GET path` sent to `server` with these headers, as a
/// browser that was made to resolve another name to it would send it.
async fn status_for(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("connection")) {
        request.push_str("Connection: close\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        // The head and a line of body; an upgrade's connection stays open.
        let mut chunk = [0u8; 1024];
        while !String::from_utf8_lossy(&response).contains("\r\n\r\n") {
            let n = stream.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            response.extend_from_slice(&chunk[..n]);
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), stream.read_to_end(&mut response)).await;
    });
    read.await.expect("an answer");
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text.get(9..12).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, text)
}

const UPGRADE: [(&str, &str); 4] = [
    ("Connection", "Upgrade"),
    ("Upgrade", "websocket"),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
];

#[tokio::test]
async fn a_relay_on_loopback_answers_no_other_host_name_on_any_route() {
    // A site's own route beside the relay's: the check holds for the whole router.
    let server = TestServer::start_site("127.0.0.1:0".parse().unwrap(), RelayConfig::default(), |relay| {
        relay.router().route("/", axum::routing::get(|| async { "the site\n" }))
    })
    .await;
    let text = "a page on a relay on loopback";
    let _host = Host::spawn(&server, text).await;
    let raw = format!("/{}/raw", PageHash::of(text));
    let socket = format!("{}?vsn=2.0.0", ep2p_core::protocol::SOCKET_PATH);
    let rebound = "evil.test:3000";
    let mut upgrade = UPGRADE.to_vec();
    upgrade.extend([("Host", rebound), ("Origin", "http://evil.test:3000")]);
    let mut refused = 0;
    for (path, headers) in [
        ("/", vec![("Host", rebound)]),
        ("/healthz", vec![("Host", rebound)]),
        (raw.as_str(), vec![("Host", rebound)]),
        (socket.as_str(), upgrade),
    ] {
        let (status, answer) = status_for(&server, path, &headers).await;
        assert_eq!(status, 421, "{path}: {answer}");
        assert!(answer.contains("does not answer for that host name"), "{answer}");
        refused += 1;
    }
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"misdirected_host\"}").await, refused);
    // Its own names are served: IP literals and localhost (Playwright's, the tests').
    let port = server.addr.port();
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let (status, answer) = status_for(&server, &raw, &[("Host", &host)]).await;
        assert_eq!(status, 200, "{host}: {answer}");
        assert!(answer.ends_with(text), "{answer}");
        let origin = format!("http://{host}");
        let mut upgrade = UPGRADE.to_vec();
        upgrade.extend([("Host", host.as_str()), ("Origin", origin.as_str())]);
        assert_eq!(status_for(&server, &socket, &upgrade).await.0, 101, "{host}");
    }
    assert_eq!(fetch(&server, PageHash::of(text)).await, text);
}

#[tokio::test]
async fn listed_host_names_are_served_and_the_origin_must_match_the_scheme_a_proxy_says() {
    let server = TestServer::start(config(|c| c.allowed_hosts = vec!["p2p.example".into()])).await;
    assert_eq!(status_for(&server, "/healthz", &[("Host", "p2p.example")]).await.0, 200);
    assert_eq!(status_for(&server, "/healthz", &[("Host", "evil.test")]).await.0, 421);
    let socket = format!("{}?vsn=2.0.0", ep2p_core::protocol::SOCKET_PATH);
    let behind_tls = [("Host", "p2p.example"), ("X-Forwarded-Proto", "https")];
    let upgrade = |origin: &'static str| {
        let mut headers = UPGRADE.to_vec();
        headers.extend(behind_tls);
        headers.push(("Origin", origin));
        headers
    };
    assert_eq!(status_for(&server, &socket, &upgrade("https://p2p.example")).await.0, 101);
    let (status, answer) = status_for(&server, &socket, &upgrade("http://p2p.example")).await;
    assert_eq!(status, 403, "a plain-http page may not use a relay behind TLS: {answer}");
    assert!(answer.contains("origin not allowed"), "{answer}");
}
