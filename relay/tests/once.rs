//! One-time pages (SPEC §15) against the real relay on 127.0.0.1: only
//! their author hosts them, nothing reaches them over HTTP, and the relay
//! passes the page to one reader, tells the author, and serves nobody after.

use ep2p_core::lifetime;
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::{event, PageHash};
use ep2p_relay::once::{ALREADY_READ, HOSTED_BY_AUTHOR, NOT_FIRST};
use ep2p_testkit::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_one_time_page_goes_to_one_reader_and_then_to_nobody() {
    let server = TestServer::default().await;
    let text = lifetime::once("the door code is 4711");
    let hash = PageHash::of(&text);
    let mut author = Client::connect(&server, Vsn::V2).await;
    let joined = author.try_join_with(&have(hash), json!({ "once": true })).await.unwrap();
    assert_eq!(joined.status(), Some("ok"), "{}", joined.raw);
    assert!(server.relay.health(hash).one_time);

    // Nobody else hosts it, and nothing reaches it over HTTP (a link preview burns nothing).
    let mut copier = Client::connect(&server, Vsn::V2).await;
    let refused = copier.join(&have(hash)).await;
    assert_eq!((refused.status(), refused.reason()), (Some("error"), Some(HOSTED_BY_AUTHOR)));
    let raw = http_get(&server.url(&format!("/{hash}/raw"))).await;
    assert_eq!(raw.status, 403);
    assert!(raw.body.contains("one-time page") && !raw.body.contains("4711"), "{}", raw.body);

    // Two readers wait; the author is asked once and its answer goes to one of them.
    let mut first = Client::connect(&server, Vsn::V2).await;
    first.join_ok(&want(hash)).await;
    first.request(hash).await;
    author.asked(hash).await;
    let mut second = Client::connect(&server, Vsn::V2).await;
    second.join_ok(&want(hash)).await;
    second.request(hash).await;
    second.barrier().await;
    author.answer(hash, &text).await;
    author.event(&have(hash), event::PAGE_DELIVERED).await;
    let (a, b) =
        tokio::join!(first.drain(Duration::from_millis(400)), second.drain(Duration::from_millis(400)));
    let delivered: Vec<_> = a.iter().chain(&b).filter(|m| m.event == event::CONTENT).collect();
    assert_eq!(delivered.len(), 1, "one reader: {a:?} {b:?}");
    assert_eq!(delivered[0].payload["content"], text);
    // Read: nobody joins it, hosts it or gets it over HTTP any more.
    let mut later = Client::connect(&server, Vsn::V2).await;
    let refused = later.join(&want(hash)).await;
    assert_eq!(refused.reason(), Some(ALREADY_READ));
    let refused = later.try_join_with(&have(hash), json!({ "once": true })).await.unwrap();
    assert_eq!(refused.reason(), Some(ALREADY_READ));
    assert_eq!(http_get(&server.url(&format!("/{hash}/raw"))).await.status, 403);
    assert_eq!(server.relay.metrics().rejections(ep2p_relay::metrics::Reject::OneTime), 3);

    // An ordinary page is served as ever, to every reader.
    let plain = "an ordinary page";
    let _host = Host::spawn(&server, plain).await;
    for _ in 0..2 {
        assert_eq!(fetch(&server, PageHash::of(plain)).await, plain);
    }
}

#[tokio::test]
async fn nobody_makes_a_page_with_hosts_one_time() {
    let server = TestServer::default().await;
    let text = "a popular page";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let mut spoiler = Client::connect(&server, Vsn::V2).await;
    let refused = spoiler.try_join_with(&have(hash), json!({ "once": true })).await.unwrap();
    assert_eq!(refused.reason(), Some(NOT_FIRST));
    assert!(!server.relay.health(hash).one_time);
    // Its readers are served as ever, and may host it.
    assert_eq!(fetch(&server, hash).await, text);
    let mut reader = Client::connect(&server, Vsn::V2).await;
    reader.join_ok(&have(hash)).await;
    assert_eq!(http_get(&server.url(&format!("/{hash}/raw"))).await.status, 200);
}

#[tokio::test]
async fn when_its_author_leaves_unread_the_page_is_nobodys() {
    let server = TestServer::default().await;
    let text = lifetime::once("never read");
    let hash = PageHash::of(&text);
    let mut author = Client::connect(&server, Vsn::V2).await;
    author.try_join_with(&have(hash), json!({ "once": true })).await.unwrap();
    author.leave(&have(hash)).await;
    eventually("the claim goes with the author", || !server.relay.health(hash).one_time).await;
}
