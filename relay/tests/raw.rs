//! `GET /<hash>/raw` against the real relay on 127.0.0.1: a page over plain
//! HTTP, fetched as a visitor would, never counted as a host, limited per
//! address without touching WebSocket visitors.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_testkit::reqwest::Method;
use ep2p_testkit::*;
use std::time::{Duration, Instant};

fn raw_url(server: &TestServer, hash: &str) -> String {
    server.url(&format!("/{hash}/raw"))
}

fn assert_plain_headers(response: &HttpResponse) {
    assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("content-security-policy"), Some("sandbox"));
    assert_eq!(response.header("x-robots-tag"), Some("noindex"));
}

#[tokio::test]
async fn raw_returns_the_exact_text_of_a_hosted_page_and_is_never_a_host() {
    let server = TestServer::default().await;
    let text = "Grüße 😀\r\n<script>alert(1)</script>\n\ttabs and \"quotes\"\n";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let mut watcher = Client::connect(&server, Vsn::V2).await;
    watcher.join_ok(&want(hash)).await;

    let response = http_get(&raw_url(&server, &hash.to_string())).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body, text);
    assert_plain_headers(&response);
    let head = http_from(Method::HEAD, &raw_url(&server, &hash.to_string()), None).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_plain_headers(&head);

    // Never a host: no count frame but 1 ever reached the page, and nothing stays behind.
    while let Some(msg) = watcher.next_within(Duration::from_millis(400)).await {
        if msg.event == "visitors_count" {
            assert_eq!(msg.payload["count"], 1, "{msg:?}");
        }
    }
    assert_eq!(server.relay.health(hash).hosts, 1);
    assert_eq!(server.relay.connections(), 2, "the raw requests left no visitor behind");
    assert_eq!(server.metric("ep2p_raw_served_total").await, 2);
}

#[tokio::test]
async fn raw_fails_over_from_a_silent_host() {
    let server = TestServer::default().await;
    let text = "served despite a silent host";
    let hash = PageHash::of(text);
    let mut silent = Client::connect(&server, Vsn::V2).await;
    silent.join_ok(&have(hash)).await;
    let _good = Host::spawn(&server, text).await;
    for _ in 0..3 {
        let started = Instant::now();
        let response = http_get(&raw_url(&server, &hash.to_string())).await;
        assert_eq!((response.status, response.body.as_str()), (200, text));
        // At most one 1 s deadline, far within the 3 s wait.
        assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    }
}

#[tokio::test]
async fn raw_answers_404_with_a_reason_when_nobody_hosts_or_the_address_is_no_page() {
    let server = TestServer::default().await;
    let hash = PageHash::of("nobody has this");
    let response = http_get(&raw_url(&server, &hash.to_string())).await;
    assert_eq!(response.status, 404);
    assert!(response.body.starts_with("Nobody is hosting this page right now"), "{}", response.body);
    assert_eq!(response.body.lines().count(), 1);
    assert_plain_headers(&response);
    assert_eq!(server.metric("ep2p_pages").await, 0, "asking for a page nobody has leaves nothing behind");
    for bad in ["abc", &hash.to_string().to_uppercase(), &format!("{hash}0")] {
        let response = http_get(&raw_url(&server, bad)).await;
        assert_eq!(response.status, 404, "{bad}");
        assert!(response.body.starts_with("Not a page address"), "{}", response.body);
    }
    // A host that never answers: 404 after the wait, not a hang.
    let mut silent = Client::connect(&server, Vsn::V2).await;
    silent.join_ok(&have(hash)).await;
    let started = Instant::now();
    let response = http_get(&raw_url(&server, &hash.to_string())).await;
    assert_eq!(response.status, 404);
    assert!(response.body.starts_with("No host sent this page within 3 s"), "{}", response.body);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.relay.connections(), 1);
}

#[tokio::test]
async fn raw_past_its_limit_is_429_for_that_address_only_and_websocket_visitors_are_still_served() {
    let server = TestServer::default().await;
    let text = "read by a script in a loop";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let greedy = source_ip(7);
    let url = raw_url(&server, &hash.to_string());
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(http_from(Method::GET, &url, Some(greedy)).await);
    }
    let limited: Vec<_> = statuses.iter().filter(|r| r.status == 429).collect();
    assert!(statuses.iter().filter(|r| r.status == 200).count() >= 10, "a burst of twice 5 a second");
    assert!(!limited.is_empty(), "20 requests at once are past 5 a second");
    assert_eq!(limited[0].header("retry-after"), Some("1"));
    assert!(limited[0].body.starts_with("Too many raw requests"), "{}", limited[0].body);
    // Another address, and WebSocket visitors from the same one, are not limited.
    let other = http_from(Method::GET, &url, Some(source_ip(8))).await;
    assert_eq!((other.status, other.body.as_str()), (200, text));
    let mut visitor = Client::open(server.addr, Some(greedy)).await.unwrap();
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await, text);
    assert!(server.metric("ep2p_rejected_total{reason=\"rate_limited\"}").await >= 1);
}
