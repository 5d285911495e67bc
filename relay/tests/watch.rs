//! `watch:H` ("Your pages", docs/product.md §12): a socket follows pages'
//! host counts and nothing else — never a host, never asked, never sent a
//! page or a chat — within its own per-socket limit.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::{PageHash, Topic};
use ep2p_testkit::*;
use serde_json::json;
use std::time::Duration;

fn watch(hash: PageHash) -> String {
    Topic::Watch(hash).to_string()
}

/// Reads counts on a watch until `n` (or fails after a while).
async fn count_becomes(watcher: &mut Client, hash: PageHash, n: u64) {
    let topic = watch(hash);
    watcher
        .wait_for(&format!("count {n}"), |m| {
            m.topic == topic && m.event == "visitors_count" && m.payload["count"] == n
        })
        .await;
}

#[tokio::test]
async fn a_watch_hears_the_count_and_nothing_else_and_is_no_host() {
    let server = TestServer::default().await;
    let text = "a page someone keeps an eye on";
    let hash = PageHash::of(text);
    let mut watcher = Client::connect(&server, Vsn::V2).await;
    let reply = watcher.join(&watch(hash)).await;
    assert_eq!(reply.payload, json!({"status": "ok", "response": {"count": 0}}));
    assert_eq!(server.relay.hub().health(hash).hosts, 0, "watching is not hosting");

    let host = Host::spawn(&server, text).await;
    count_becomes(&mut watcher, hash, 1).await;
    let mut second = Client::connect(&server, Vsn::V2).await;
    second.join_ok(&have(hash)).await;
    let second = Host::serve(second, text);
    count_becomes(&mut watcher, hash, 2).await;

    // Visitors come and are served; the watcher is never asked, never sent the page.
    for _ in 0..3 {
        assert_eq!(fetch(&server, hash).await, text);
    }
    let heard = watcher.drain(Duration::from_millis(400)).await;
    assert!(
        heard.iter().all(|m| m.event == "visitors_count"),
        "{:?}",
        heard.iter().map(|m| &m.raw).collect::<Vec<_>>()
    );
    assert_eq!(server.relay.hub().health(hash).hosts, 2);

    // The count falls to 0 when the hosts leave, however fast they leave.
    drop(second);
    drop(host);
    count_becomes(&mut watcher, hash, 0).await;
}

#[tokio::test]
async fn a_watch_cannot_push_content_requests_or_chat() {
    let server = TestServer::default().await;
    let text = "guarded";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let mut watcher = Client::connect(&server, Vsn::V2).await;
    watcher.join_ok(&watch(hash)).await;
    for (event, payload) in [
        ("content_request", json!({})),
        ("content", json!({ "content": text })),
        ("chat", json!({ "id": "x", "at": 1, "nick": "n", "text": "t" })),
        ("chat_history", json!({})),
    ] {
        let reply = watcher.call(&watch(hash), event, payload).await;
        assert_eq!(reply.status(), Some("error"), "{event}");
        assert_eq!(reply.reason(), Some("a watch only receives the host count"), "{event}");
    }
    assert_eq!(server.metric("ep2p_asks_total").await, 0, "no host was asked for anything");
    assert_eq!(server.relay.hub().health(hash).hosts, 1);
}

#[tokio::test]
async fn one_socket_watches_many_pages_within_its_own_limit() {
    let server = TestServer::start(config(|c| c.limits.max_watched = 5)).await;
    let mut watcher = Client::connect(&server, Vsn::V2).await;
    let pages: Vec<PageHash> = (0..6).map(|i| PageHash::of(&format!("page {i}"))).collect();
    for page in &pages[..5] {
        watcher.join_ok(&watch(*page)).await;
    }
    let refused = watcher.join(&watch(pages[5])).await;
    assert_eq!(refused.reason(), Some("too many pages watched"));
    // The same socket may still host and visit: watches have their own limit.
    watcher.join_ok(&have(pages[5])).await;
    watcher.join_ok(&want(pages[0])).await;
    assert_eq!(server.relay.hub().health(pages[5]).hosts, 1);
    // Leaving a watch frees a place.
    watcher.leave(&watch(pages[0])).await;
    watcher.join_ok(&watch(PageHash::of("another"))).await;
    assert_eq!(server.metric("ep2p_watchers").await, 5);
    drop(watcher);
    eventually("every page is forgotten", || server.relay.hub().pages() == 0).await;
}
