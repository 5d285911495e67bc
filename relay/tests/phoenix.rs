//! The Phoenix Channels wire protocol as `docs/protocol.md` describes it,
//! and the per-socket limits: each bad input gets its error reply or close,
//! and the other clients do not notice.

use ep2p_core::phoenix::{Ref, Vsn};
use ep2p_core::protocol::PageHash;
use ep2p_testkit::*;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

fn hash() -> PageHash {
    PageHash::of("protocol")
}

#[tokio::test]
async fn heartbeat_is_answered_on_the_socket_with_a_null_join_ref() {
    let server = TestServer::default().await;
    let mut c = Client::connect(&server, Vsn::V2).await;
    c.send_text(r#"[null,"5","phoenix","heartbeat",{}]"#.into()).await;
    let reply = c.next().await;
    assert_eq!(reply.raw, r#"[null,"5","phoenix","phx_reply",{"status":"ok","response":{}}]"#);
    let mut v1 = Client::connect(&server, Vsn::V1).await;
    v1.send_text(r#"{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"5"}"#.into()).await;
    assert_eq!(
        v1.next().await.raw,
        r#"{"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"5"}"#
    );
}

#[tokio::test]
async fn join_and_leave_echo_refs_exactly_as_phoenix() {
    let server = TestServer::default().await;
    let topic = want(hash());
    let mut c = Client::connect(&server, Vsn::V2).await;
    // join_ref and ref are independent: Phoenix's own test client uses "11" and "1".
    c.send_text(format!(r#"["11","1","{topic}","phx_join",{{}}]"#)).await;
    let reply = c.next().await;
    // The reply carries the page's host count; no other frame follows.
    assert_eq!(
        reply.raw,
        format!(r#"["11","1","{topic}","phx_reply",{{"status":"ok","response":{{"count":0}}}}]"#)
    );
    c.send_text(format!(r#"["11","2","{topic}","phx_leave",{{}}]"#)).await;
    assert_eq!(
        c.next().await.raw,
        format!(r#"["11","2","{topic}","phx_reply",{{"status":"ok","response":{{}}}}]"#)
    );
    assert_eq!(c.next().await.raw, format!(r#"["11","11","{topic}","phx_close",{{}}]"#));
    // Leaving a topic that is not joined: an ok reply and no phx_close.
    c.send_text(format!(r#"["12","3","{topic}","phx_leave",{{}}]"#)).await;
    assert_eq!(
        c.next().await.raw,
        format!(r#"["12","3","{topic}","phx_reply",{{"status":"ok","response":{{}}}}]"#)
    );
    assert!(c.next_within(Duration::from_millis(100)).await.is_none());
}

#[tokio::test]
async fn a_duplicate_join_replies_to_the_new_join_then_closes_the_old_one() {
    let server = TestServer::default().await;
    let topic = have(hash());
    let mut c = Client::connect(&server, Vsn::V2).await;
    c.send_text(format!(r#"["3","3","{topic}","phx_join",{{}}]"#)).await;
    c.reply_to(&Ref::from("3")).await;
    c.send_text(format!(r#"["7","7","{topic}","phx_join",{{}}]"#)).await;
    let reply = c.reply_to(&Ref::from("7")).await;
    assert_eq!(reply.join_ref, Some(Ref::from("7")));
    let close = c.event(&topic, "phx_close").await;
    assert_eq!((close.join_ref, close.msg_ref), (Some(Ref::from("3")), Some(Ref::from("3"))));
    // Still one host, not two.
    assert_eq!(server.relay.hub().health(hash()).hosts, 1);
}

#[tokio::test]
async fn messages_with_a_stale_join_ref_are_dropped() {
    let server = TestServer::default().await;
    let topic = want(hash());
    let mut c = Client::connect(&server, Vsn::V2).await;
    c.join_ok(&topic).await;
    c.drain(Duration::from_millis(50)).await;
    c.send_text(format!(r#"["999","50","{topic}","content_request",{{}}]"#)).await;
    c.send_text(format!(r#"["999","51","{topic}","phx_leave",{{}}]"#)).await;
    assert!(c.drain(Duration::from_millis(150)).await.is_empty());
    assert_eq!(server.relay.hub().waiting(hash()), 1, "the stale leave changed nothing");
    // A null join_ref is accepted (Phoenix 1.8.12).
    let requests = || server.relay.metrics().requests.get();
    assert_eq!(requests(), 0, "the stale request was dropped");
    c.send_text(format!(r#"[null,"52","{topic}","content_request",{{}}]"#)).await;
    c.barrier().await;
    assert_eq!(requests(), 1);
}

#[tokio::test]
async fn unknown_topics_events_and_bad_hashes_get_error_replies_and_the_socket_stays() {
    let server = TestServer::default().await;
    let mut c = Client::connect(&server, Vsn::V2).await;
    c.send_text(r#"["6","6","room:nope","phx_join",{}]"#.into()).await;
    assert_eq!(
        c.next().await.raw,
        r#"[null,"6","room:nope","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]"#
    );
    for bad in ["have:abc", &format!("want:{}", hash().to_string().to_uppercase()), "have:", "want:zz"] {
        let reply = c.join(bad).await;
        assert_eq!(reply.status(), Some("error"));
        assert_eq!(reply.reason(), Some("invalid hash: expected 64 lowercase hex digits"), "{bad}");
        assert_eq!(reply.join_ref, None);
    }
    let reply = c.join("phoenix").await;
    assert_eq!(reply.reason(), Some("unmatched topic"));
    // A push to a topic this socket has not joined.
    let reply = c.call(&want(hash()), "content_request", json!({})).await;
    assert_eq!((reply.join_ref.clone(), reply.reason()), (None, Some("unmatched topic")));
    // Unknown events, and events on the wrong side.
    c.join_ok(&want(hash())).await;
    for event in ["shout", "content", "visitors_count", "CONTENT_REQUEST"] {
        let reply = c.call(&want(hash()), event, json!({})).await;
        assert_eq!(reply.reason(), Some("unknown event"), "{event}");
    }
    // A request naming another page, or with a payload of the wrong shape.
    let reply =
        c.call(&want(hash()), "content_request", json!({ "hash": PageHash::of("other").to_string() })).await;
    assert_eq!(reply.reason(), Some("hash does not match the topic"));
    let reply = c.call(&want(hash()), "content_request", json!({ "hash": 5 })).await;
    assert_eq!(reply.status(), Some("error"));
    c.join_ok(&have(hash())).await;
    let reply = c.call(&have(hash()), "content", json!({ "content": ["not", "text"] })).await;
    assert_eq!(reply.status(), Some("error"));
    assert_eq!(c.heartbeat().await.status(), Some("ok"), "the socket is still open");
    assert!(server.metric("ep2p_rejected_total{reason=\"unmatched_topic\"}").await >= 3);
    assert!(server.metric("ep2p_rejected_total{reason=\"invalid_hash\"}").await >= 4);
    assert!(server.metric("ep2p_rejected_total{reason=\"unknown_event\"}").await >= 4);
}

#[tokio::test]
async fn an_unsupported_vsn_is_refused_before_the_upgrade() {
    let server = TestServer::default().await;
    for query in ["vsn=123.1.1", "vsn=3.0.0", "vsn=banana"] {
        let error = Client::connect_query(&server, Some(query)).await.err().unwrap();
        assert!(error.to_string().contains("403"), "{query}: {error}");
    }
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"refused_upgrade\"}").await, 3);
}

/// A client on both topics of a page, about to misbehave there.
async fn on_page(server: &TestServer, text: &str) -> Client {
    let mut c = Client::connect(server, Vsn::V2).await;
    c.join_ok(&want(PageHash::of(text))).await;
    c.join_ok(&have(PageHash::of(text))).await;
    c
}

/// After someone misbehaved on the page: a visitor is served there as
/// usual, and the misbehaving socket no longer counts as host or visitor.
async fn served_while(server: &TestServer, text: &str) {
    let hash = PageHash::of(text);
    let _host = Host::spawn(server, text).await;
    assert_eq!(fetch(server, hash).await, text);
    let hub = server.relay.hub();
    eventually("only the honest host is left", || (hub.host_sockets(hash), hub.waiting(hash)) == (1, 0))
        .await;
}

async fn close_code(c: &mut Client) -> (CloseCode, String) {
    let frame = c.closed_with().await.expect("a close frame with a reason");
    (frame.code, frame.reason.to_string())
}

#[tokio::test]
async fn malformed_frames_close_the_socket_with_1008() {
    let server = TestServer::default().await;
    for bad in [
        "not json",
        r#"["1","1","t","e""#,
        r#"["1","1","t","e"]"#,
        r#"{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"1"}"#,
        r#"["1","1",7,"e",{}]"#,
        r#"["1","1","phoenix","heartbeat",null]"#,
    ] {
        let mut c = on_page(&server, "still served after malformed frames").await;
        c.send_text(bad.into()).await;
        let (code, reason) = close_code(&mut c).await;
        assert_eq!(code, CloseCode::Policy, "{bad}");
        assert!(reason.starts_with("malformed frame"), "{bad}: {reason}");
    }
    served_while(&server, "still served after malformed frames").await;
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"malformed\"}").await, 6);
}

#[tokio::test]
async fn binary_frames_are_v2_chunks_only() {
    use ep2p_core::phoenix::binary::{encode_client_push, ClientPush};
    let server = TestServer::default().await;
    let text = "still served after binary frames";
    let hash = PageHash::of(text);
    // V1 has no binary frames: the socket is closed (1003), with the reason.
    let mut v1 = Client::connect(&server, Vsn::V1).await;
    v1.join_ok(&want(hash)).await;
    v1.send_message(Message::Binary(vec![0, 0, 0, 1, 1, b't', b'e'].into())).await;
    let (code, reason) = close_code(&mut v1).await;
    assert_eq!(
        (code, reason.as_str()),
        (CloseCode::Unsupported, "binary frames need the V2 serializer (vsn=2.0.0)")
    );
    // V2: bytes that are no client push close the socket as any malformed frame does.
    let mut c = on_page(&server, text).await;
    c.send_message(Message::Binary(vec![0, 2, 3, 5, 5].into())).await;
    let (code, reason) = close_code(&mut c).await;
    assert_eq!(code, CloseCode::Policy);
    assert!(reason.starts_with("malformed binary frame"), "{reason}");
    // A well-formed push of anything but a chunk gets an error reply; the socket stays.
    let mut c = on_page(&server, text).await;
    let join_ref = match c.join_ref(&have(hash)) {
        Some(Ref::Text(text)) => text,
        other => panic!("{other:?}"),
    };
    let topic = have(hash);
    let push = ClientPush {
        join_ref: Some(&join_ref),
        reference: Some("77"),
        topic: &topic,
        event: "content",
        payload: b"x",
    };
    c.send_message(Message::Binary(encode_client_push(&push).unwrap().into())).await;
    let reply = c.reply_to(&Ref::Text("77".into())).await;
    assert_eq!(reply.reason(), Some("binary frames carry only chunks, on have:H"));
    c.barrier().await;
    assert!(c.closed.is_none(), "still open");
    drop(c);
    served_while(&server, text).await;
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"binary\"}").await, 2);
}

#[tokio::test]
async fn frames_over_the_limits_close_the_socket_with_1009() {
    let server = TestServer::start(config(|c| c.limits.content_limit = 1000)).await;
    // A control frame over 16 KiB.
    let mut c = on_page(&server, "small enough").await;
    let padding = "x".repeat(20 * 1024);
    c.push("phoenix", "heartbeat", json!({ "padding": padding })).await;
    assert_eq!(close_code(&mut c).await, (CloseCode::Size, "frame too big".into()));
    // A page over the content limit.
    let big = "y".repeat(1001);
    let hash = PageHash::of(&big);
    let mut h = Client::connect(&server, Vsn::V2).await;
    h.join_ok(&have(hash)).await;
    h.push(&have(hash), "content", json!({ "content": big, "hash": hash.to_string() })).await;
    assert_eq!(close_code(&mut h).await, (CloseCode::Size, "page over the content limit".into()));
    // A message over what any content frame could need.
    let mut huge = Client::connect(&server, Vsn::V2).await;
    huge.send_message(Message::Text("z".repeat(64 * 1024).into())).await;
    let frame = huge.closed_with().await.expect("a close frame, not a dropped connection");
    assert_eq!((frame.code, frame.reason.as_str()), (CloseCode::Size, "frame too big"));
    served_while(&server, "small enough").await;
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_big\"}").await, 3);
}

#[tokio::test]
async fn a_socket_may_join_only_so_many_topics() {
    let server = TestServer::start(config(|c| c.limits.max_topics = 3)).await;
    let mut c = Client::connect(&server, Vsn::V2).await;
    for i in 0..3 {
        c.join_ok(&want(PageHash::of(&i.to_string()))).await;
    }
    let reply = c.join(&want(PageHash::of("3"))).await;
    assert_eq!(reply.reason(), Some("too many channels joined"));
    // Rejoining a topic it already has is not a new topic.
    c.join_ok(&want(PageHash::of("0"))).await;
    served_while(&server, "others are unaffected").await;
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_many_topics\"}").await, 1);
}

#[tokio::test]
async fn a_request_flood_is_rate_limited_and_a_frame_flood_is_disconnected() {
    let server = TestServer::start(config(|c| {
        c.limits.requests_per_second = 5;
        c.limits.frames_per_second = 50;
    }))
    .await;
    let mut c = Client::connect(&server, Vsn::V2).await;
    c.join_ok(&want(hash())).await;
    let started = tokio::time::Instant::now();
    for _ in 0..30 {
        c.request(hash()).await;
    }
    c.barrier().await;
    let refused: Vec<Msg> = c.drain(Duration::from_millis(50)).await;
    assert!(refused.iter().all(|m| m.reason() == Some("rate limited")), "{refused:?}");
    let passed = 30 - refused.len() as u64;
    // A burst of 10 passes, then 5 per second.
    let refill = (started.elapsed().as_secs_f64() * 5.0).ceil() as u64;
    assert!((10..=10 + refill).contains(&passed), "{passed} passed");
    for i in 0..200 {
        c.send_message(Message::Text(format!(r#"[null,"hb{i}","phoenix","heartbeat",{{}}]"#).into())).await;
    }
    assert_eq!(close_code(&mut c).await, (CloseCode::Policy, "too many frames".into()));
    // The flooder was a visitor of this very page.
    served_while(&server, "protocol").await;
    assert!(server.metric("ep2p_rejected_total{reason=\"rate_limited\"}").await >= 16);
}

#[tokio::test]
async fn an_idle_socket_is_closed_after_the_heartbeat_timeout_and_a_chatty_one_is_not() {
    let server = TestServer::start(config(|c| c.limits.heartbeat_timeout = Duration::from_millis(300))).await;
    let mut idle = Client::connect(&server, Vsn::V2).await;
    let mut chatty = Client::connect(&server, Vsn::V2).await;
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(chatty.heartbeat().await.status(), Some("ok"));
    }
    assert_eq!(close_code(&mut idle).await, (CloseCode::Away, "heartbeat timeout".into()));
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"heartbeat_timeout\"}").await, 1);
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected_and_others_are_served() {
    let server = TestServer::start(config(|c| {
        // Every answer goes to every visitor, so pages keep piling up for
        // the one that does not read.
        c.hub.policy = ep2p_relay::Policy::Broadcast;
        c.limits.outbound_queue = 4;
        c.limits.write_timeout = Duration::from_millis(500);
        c.limits.requests_per_second = 10_000;
        c.limits.frames_per_second = 10_000;
    }))
    .await;
    let text = "z".repeat(256 * 1024);
    let hash = PageHash::of(&text);
    let _host = Host::spawn(&server, &text).await;
    // Joins want:H, then never reads again while pages pile up for it.
    let mut sluggard = Client::connect(&server, Vsn::V2).await;
    sluggard.join_ok(&want(hash)).await;
    let mut reader = Client::connect(&server, Vsn::V2).await;
    reader.join_ok(&want(hash)).await;
    let before = server.relay.connections();
    for _ in 0..200 {
        reader.request(hash).await;
        assert_eq!(reader.content(hash).await.len(), text.len());
        if server.relay.connections() < before {
            break;
        }
    }
    assert_eq!(server.relay.connections(), before - 1, "the non-reader was dropped");
    assert!(server.metric("ep2p_rejected_total{reason=\"slow_consumer\"}").await >= 1);
    assert_eq!(server.relay.hub().waiting(hash), 1);
}

#[tokio::test]
async fn origins_other_than_our_own_are_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = TestServer::start(config(|c| c.allowed_origins = vec!["https://friend.test".into()])).await;
    let attempt = |origin: &'static str| {
        let url = format!("ws://{}/ws/websocket?vsn=2.0.0", server.addr);
        async move {
            let mut request = url.into_client_request().unwrap();
            request.headers_mut().insert("origin", origin.parse().unwrap());
            tokio_tungstenite::connect_async(request).await.map(|_| ())
        }
    };
    let own = Box::leak(format!("http://{}", server.addr).into_boxed_str());
    assert!(attempt(own).await.is_ok());
    assert!(attempt("https://friend.test").await.is_ok());
    let refused = attempt("https://evil.test").await.unwrap_err();
    assert!(refused.to_string().contains("403"), "{refused}");
}
