//! Pages with an end (SPEC §15) against the real relay on 127.0.0.1: a
//! page whose end has come is passed on to nobody (WebSocket or `/raw`),
//! its host is told and counted out, and pages without an end, or whose end
//! is still ahead, are served as ever.

use ep2p_core::lifetime;
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::{event, PageHash};
use ep2p_testkit::*;
use std::time::Duration;

fn seconds_from_now(seconds: i64) -> u64 {
    (ep2p_relay::wall_ms() as i64 / 1000 + seconds) as u64
}

#[tokio::test]
async fn a_page_whose_end_has_come_reaches_nobody_and_its_host_is_told() {
    let server = TestServer::default().await;
    let ended = lifetime::with_end(seconds_from_now(-1), "the meeting was yesterday");
    let hash = PageHash::of(&ended);
    let mut host = Client::connect(&server, Vsn::V2).await;
    host.join_ok(&have(hash)).await;
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    host.asked(hash).await;
    host.answer(hash, &ended).await;

    // The host hears that the page has ended, and its channel is closed.
    let told = host.event(&have(hash), event::PAGE_ENDED).await;
    assert_eq!(told.payload, serde_json::json!({}));
    host.event(&have(hash), event::CLOSE).await;
    eventually("the host is counted out", || server.relay.hub().health(hash).hosts == 0).await;
    // The visitor never gets it.
    let heard = visitor.drain(Duration::from_millis(300)).await;
    assert!(heard.iter().all(|m| m.event != event::CONTENT), "{heard:?}");
    assert_eq!(server.metric("ep2p_ended_pages_total").await, 1);
    assert_eq!(server.metric("ep2p_bad_hashes_total").await, 0, "a true page, not a lie");
    // Nor does /raw, from a host that keeps offering it.
    let _stubborn = Host::spawn(&server, &ended).await;
    let raw = http_get(&server.url(&format!("/{hash}/raw"))).await;
    assert_ne!(raw.status, 200);
    assert!(!raw.body.contains("the meeting was yesterday"), "{}", raw.body);

    // A page whose end is ahead, and one without an end, are served.
    for text in [lifetime::with_end(seconds_from_now(600), "still on"), "no end".to_string()] {
        let hash = PageHash::of(&text);
        let _host = Host::spawn(&server, &text).await;
        assert_eq!(fetch(&server, hash).await, text);
        let raw = http_get(&server.url(&format!("/{hash}/raw"))).await;
        assert_eq!((raw.status, raw.body.as_str()), (200, text.as_str()));
    }
}
