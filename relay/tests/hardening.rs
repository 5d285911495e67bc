//! The relay at its edges: graceful shutdown, and hostile crowds that it
//! shrugs off (what the logs may say is in `logs.rs`, single attacks in
//! `abuse.rs`). (The headers of the whole
//! site are tested with the site, in the root crate's `tests/site.rs`.)

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_testkit::*;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn shutting_down_closes_every_socket_with_1001_and_stops_accepting() {
    let server = TestServer::default().await;
    let addr = server.addr;
    let hash = PageHash::of("shutdown");
    let mut host = Client::connect(&server, Vsn::V2).await;
    host.join_ok(&have(hash)).await;
    let mut idle = Client::connect(&server, Vsn::V1).await;
    assert_eq!(idle.heartbeat().await.status(), Some("ok"));
    server.stop().await;
    for client in [&mut host, &mut idle] {
        let frame = client.closed_with().await.expect("a close frame");
        assert_eq!(frame.code, CloseCode::Away, "clients reconnect after 1001");
        assert_eq!(frame.reason.as_str(), "server shutting down");
    }
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer accepting");
}

#[tokio::test]
async fn ten_thousand_joins_on_one_socket_are_refused_past_the_limit_then_cut_off_and_nobody_else_notices() {
    let server = TestServer::default().await;
    let mut greedy = Client::connect(&server, Vsn::V2).await;
    for i in 0..10_000u64 {
        let topic = want(PageHash::of(&i.to_string()));
        greedy
            .send_message(Message::Text(format!(r#"["{i}","{i}","{topic}","phx_join",{{}}]"#).into()))
            .await;
    }
    // 100 topics are joined; the next joins are refused one by one; the
    // socket is closed once it exceeds its frame budget (a burst of 2000).
    let frame = greedy.closed_with().await.expect("a close frame");
    assert_eq!((frame.code, frame.reason.as_str()), (CloseCode::Policy, "too many frames"));
    let replies = greedy.drain(Duration::from_millis(10)).await;
    let joined = replies.iter().filter(|m| m.status() == Some("ok")).count();
    let refused = replies.iter().filter(|m| m.reason() == Some("too many channels joined")).count();
    assert_eq!(joined, 100, "the default limit is 100 topics per socket");
    assert!(refused >= 1800, "{refused}");
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_many_topics\"}").await, refused as u64);
    assert!(server.metric("ep2p_rejected_total{reason=\"rate_limited\"}").await >= 1);
    // Its 100 pages went with it, and a well-behaved visitor is served as usual.
    eventually("pages forgotten", || server.relay.hub().pages() == 0).await;
    let text = "unbothered";
    let _host = Host::spawn(&server, text).await;
    assert_eq!(fetch(&server, PageHash::of(text)).await, text);
}

#[tokio::test]
async fn many_sockets_opened_and_dropped_at_once_leave_nothing_behind() {
    // 300 sockets from one address: more than one address may hold by default.
    let server = TestServer::start(config(|c| c.limits.max_connections_per_address = 1000)).await;
    let text = "steady";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    for round in 0..3 {
        let mut crowd = Vec::new();
        for i in 0..300 {
            let mut c = Client::connect(&server, Vsn::V2).await;
            let page = PageHash::of(&format!("crowd {round} {i}"));
            c.send_frame(Some(&1u64.into()), Some(&1u64.into()), &have(page), "phx_join", &json!({})).await;
            c.send_frame(Some(&2u64.into()), Some(&2u64.into()), &want(hash), "phx_join", &json!({})).await;
            crowd.push(c);
        }
        // Everyone vanishes without a goodbye.
        drop(crowd);
        eventually("the crowd is gone", || server.relay.connections() == 1).await;
        eventually("its pages are gone", || server.relay.hub().pages() == 1).await;
        let hub = server.relay.hub();
        assert_eq!((hub.host_sockets(hash), hub.waiting(hash)), (1, 0));
    }
    assert_eq!(fetch(&server, hash).await, text);
}

#[tokio::test]
async fn a_host_that_always_lies_is_closed_each_time_and_visitors_still_get_the_truth() {
    let server = TestServer::default().await;
    let text = "the truth, again";
    let hash = PageHash::of(text);
    let _honest = Host::spawn(&server, text).await;
    let mut liar = Client::connect(&server, Vsn::V2).await;
    for round in 0..5 {
        liar.join_ok(&have(hash)).await;
        // Unasked, it pushes a forgery anyway: closed, counted, never forwarded.
        let reply = liar.call(&have(hash), "content", json!({ "content": format!("lie {round}") })).await;
        assert_eq!(reply.reason(), Some("hash mismatch"));
        liar.event(&have(hash), "phx_close").await;
        assert_eq!(fetch(&server, hash).await, text);
    }
    assert_eq!(server.metric("ep2p_bad_hashes_total").await, 5);
}
