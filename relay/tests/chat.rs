//! A page's chat through the relay (docs/product.md §11): messages reach
//! every other host and no waiting visitor, a history goes from one host to
//! whoever asked, floods and bad messages are refused without disturbing
//! anyone else, and nothing is kept.

use ep2p_core::chat::{self, Message};
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_relay::wall_ms;
use ep2p_testkit::*;
use serde_json::{json, Value};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(300);

async fn host(server: &TestServer, hash: PageHash, vsn: Vsn) -> Client {
    let mut h = Client::connect(server, vsn).await;
    h.join_ok(&have(hash)).await;
    h
}

fn message(nick: &str, text: &str) -> Message {
    Message::plain(wall_ms(), nick, text).unwrap()
}

fn value(message: &Message) -> Value {
    serde_json::to_value(message).unwrap()
}

/// Says a message and returns the relay's reply.
async fn say(client: &mut Client, hash: PageHash, message: &Message) -> Msg {
    client.call(&have(hash), "chat", value(message)).await
}

fn chats(msgs: &[Msg]) -> Vec<Value> {
    msgs.iter().filter(|m| m.event == "chat").map(|m| m.payload.clone()).collect()
}

#[tokio::test]
async fn a_message_reaches_every_other_host_in_both_serializers_and_no_waiting_visitor() {
    let server = TestServer::default().await;
    let hash = PageHash::of("a page with a chat");
    let mut a = host(&server, hash, Vsn::V2).await;
    let mut b = host(&server, hash, Vsn::V1).await;
    let mut c = host(&server, hash, Vsn::V2).await;
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    let mut elsewhere = host(&server, PageHash::of("another page"), Vsn::V2).await;

    let m = message("Ada", "hello <b>everyone</b> 😀\nsecond line");
    let reply = say(&mut a, hash, &m).await;
    assert_eq!(reply.status(), Some("ok"), "{}", reply.raw);
    for (name, other) in [("b", &mut b), ("c", &mut c)] {
        let got = other.event(&have(hash), "chat").await;
        assert_eq!(got.payload, value(&m), "{name} gets the message as it was sent");
        assert_eq!((got.join_ref.clone(), got.msg_ref.clone()), (None, None), "a broadcast");
        assert_eq!(chat::read_message(&got.payload.to_string()).unwrap(), m);
    }
    assert!(chats(&a.drain(QUIET).await).is_empty(), "not echoed to its sender");
    assert!(chats(&visitor.drain(QUIET).await).is_empty(), "a visitor that only waits hears nothing");
    assert!(chats(&elsewhere.drain(QUIET).await).is_empty());
    assert_eq!(server.metric("ep2p_chat_messages_total").await, 1);
    assert_eq!(server.metric("ep2p_chat_deliveries_total").await, 2);

    // A V1 host chats too; a visitor may not.
    let n = message("Bob", "from V1");
    assert_eq!(say(&mut b, hash, &n).await.status(), Some("ok"));
    assert_eq!(a.event(&have(hash), "chat").await.payload, value(&n));
    let refused = visitor.call(&want(hash), "chat", value(&n)).await;
    assert_eq!(refused.status(), Some("error"));
    assert!(refused.reason().unwrap().starts_with("only hosts chat"), "{}", refused.raw);
    assert!(chats(&c.drain(QUIET).await).len() == 1, "c got Bob's message, not the visitor's");
}

#[tokio::test]
async fn a_history_is_asked_of_one_host_and_goes_only_to_who_asked() {
    let server = TestServer::default().await;
    let hash = PageHash::of("history");
    let mut old: Vec<Client> = Vec::new();
    for _ in 0..3 {
        old.push(host(&server, hash, Vsn::V2).await);
    }
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    let mut newcomer = host(&server, hash, Vsn::V2).await;
    let asked = newcomer.push(&have(hash), "chat_history", json!({})).await;

    // Exactly one of the old hosts is asked.
    let mut chosen = None;
    for (i, h) in old.iter_mut().enumerate() {
        let msgs = h.drain(QUIET).await;
        let asks: Vec<_> = msgs.iter().filter(|m| m.event == "chat_history").collect();
        if let Some(ask) = asks.first() {
            assert_eq!(asks.len(), 1);
            assert_eq!(ask.payload, json!({}), "an ask carries no messages");
            assert_eq!(ask.join_ref, h.join_ref(&have(hash)), "stamped with the host's join");
            assert_eq!(chosen.replace(i), None, "a second host was asked");
        }
    }
    let chosen = chosen.expect("one host was asked");
    let history = vec![message("Ada", "first"), message("Bob", "second")];
    old[chosen].push(&have(hash), "chat_history", json!({ "messages": history })).await;
    let got = newcomer.event(&have(hash), "chat_history").await;
    assert_eq!(got.payload, json!({ "messages": history }));
    assert!(!newcomer.drain(QUIET).await.iter().any(|m| m.msg_ref == Some(asked.clone())), "no reply");
    for (i, h) in old.iter_mut().enumerate() {
        let msgs = h.drain(QUIET).await;
        assert!(!msgs.iter().any(|m| m.event == "chat_history"), "host {i} got someone else's history");
    }
    assert!(visitor.drain(QUIET).await.iter().all(|m| m.event == "visitors_count"));
    assert_eq!(server.metric("ep2p_history_served_total").await, 1);

    // The only host of a page gets an empty history at once.
    let alone = PageHash::of("alone");
    let mut only = host(&server, alone, Vsn::V1).await;
    only.push(&have(alone), "chat_history", json!({})).await;
    assert_eq!(only.event(&have(alone), "chat_history").await.payload, json!({ "messages": [] }));
}

#[tokio::test]
async fn a_host_that_sends_a_bad_history_or_none_is_passed_over() {
    let server = TestServer::start(config(|c| c.hub.request_timeout = Duration::from_millis(400))).await;
    let hash = PageHash::of("failover");
    let mut liar = host(&server, hash, Vsn::V2).await;
    let mut silent = host(&server, hash, Vsn::V2).await;
    let mut honest = host(&server, hash, Vsn::V2).await;
    let mut newcomer = host(&server, hash, Vsn::V2).await;
    newcomer.push(&have(hash), "chat_history", json!({})).await;
    let good = vec![message("Ada", "the real one")];
    // Whoever is asked: the liar answers with a forged message, the silent
    // one never answers, the honest one answers; the newcomer gets the truth.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let got = loop {
        assert!(tokio::time::Instant::now() < deadline, "no history arrived");
        if let Some(m) = newcomer.next_within(Duration::from_millis(20)).await {
            if m.event == "chat_history" {
                break m;
            }
        }
        if let Some(m) = liar.next_within(Duration::from_millis(20)).await {
            if m.event == "chat_history" {
                let mut forged = value(&good[0]);
                forged["text"] = json!("forged");
                let reply = liar.call(&have(hash), "chat_history", json!({ "messages": [forged] })).await;
                assert_eq!(reply.reason(), Some("id is not the SHA-256 of the message"));
            }
        }
        let _ = silent.next_within(Duration::from_millis(20)).await;
        if let Some(m) = honest.next_within(Duration::from_millis(20)).await {
            if m.event == "chat_history" {
                honest.push(&have(hash), "chat_history", json!({ "messages": good })).await;
            }
        }
    };
    assert_eq!(got.payload, json!({ "messages": good }));
}

#[tokio::test]
async fn a_history_nobody_asked_for_goes_nowhere() {
    let server = TestServer::default().await;
    let hash = PageHash::of("unsolicited");
    let mut pusher = host(&server, hash, Vsn::V2).await;
    let mut other = host(&server, hash, Vsn::V2).await;
    let junk = vec![message("Spam", "nobody asked"); 3];
    for _ in 0..20 {
        pusher.push(&have(hash), "chat_history", json!({ "messages": junk })).await;
    }
    pusher.barrier().await;
    assert!(other.drain(QUIET).await.iter().all(|m| m.event != "chat_history"));
    assert_eq!(server.metric("ep2p_history_served_total").await, 0);
    // The pusher is still a host in good standing, and is asked when it should be.
    other.push(&have(hash), "chat_history", json!({})).await;
    assert_eq!(pusher.event(&have(hash), "chat_history").await.payload, json!({}));
}

#[tokio::test]
async fn a_chat_flood_is_rate_limited_without_touching_the_page_or_the_other_hosts() {
    let server = TestServer::default().await;
    let text = "a page under a chat flood";
    let hash = PageHash::of(text);
    let mut flooder = host(&server, hash, Vsn::V2).await;
    let mut listener = host(&server, hash, Vsn::V2).await;
    let page_host = Host::spawn(&server, text).await;

    let mut refs = Vec::new();
    for i in 0..20 {
        refs.push(flooder.push(&have(hash), "chat", value(&message("Flood", &format!("spam {i}")))).await);
    }
    let mut ok = 0;
    for r in &refs {
        let reply = flooder.reply_to(r).await;
        match reply.status() {
            Some("ok") => ok += 1,
            _ => assert_eq!(reply.reason(), Some("rate_limited"), "{}", reply.raw),
        }
    }
    assert_eq!(ok, chat::RATE_MESSAGES as usize, "five per ten seconds");
    // Meanwhile the page is served as ever, and the flooder stays connected.
    for _ in 0..3 {
        let mut v = Client::connect(&server, Vsn::V2).await;
        v.join_ok(&want(hash)).await;
        v.request(hash).await;
        assert_eq!(v.content(hash).await, text);
    }
    flooder.barrier().await;
    let heard = chats(&listener.drain(QUIET).await);
    assert_eq!(heard.len(), 5, "the other host heard only what was let through");
    assert_eq!(server.metric("ep2p_chat_messages_total").await, 5);
    drop(page_host);
}

#[tokio::test]
async fn oversize_malformed_forged_and_future_messages_are_refused_and_reach_nobody() {
    let server = TestServer::default().await;
    let hash = PageHash::of("strict chat");
    let mut sender = host(&server, hash, Vsn::V2).await;
    let mut other = host(&server, hash, Vsn::V1).await;
    let now = wall_ms();
    let good = value(&message("Ada", "fine"));
    let with = |key: &str, v: Value| {
        let mut m = good.clone();
        m[key] = v;
        m
    };
    // Right ids, wrong contents: built the way a client would.
    let id_of = |at: u64, nick: &str, text: &str| {
        PageHash::of(&json!({ "at": at, "nick": nick, "text": text }).to_string()).to_string()
    };
    let long = "x".repeat(chat::MAX_TEXT + 1);
    let long_nick = "n".repeat(chat::MAX_NICK + 1);
    let later = now + 5 * 60 * 1000;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"id": id_of(now, "Ada", &long), "at": now, "nick": "Ada", "text": long}),
            "message over 2,000 characters",
        ),
        (
            json!({"id": id_of(now, &long_nick, "hi"), "at": now, "nick": long_nick, "text": "hi"}),
            "nickname must be",
        ),
        (json!({"id": id_of(now, "Ada", "  "), "at": now, "nick": "Ada", "text": "  "}), "empty message"),
        (with("text", json!("changed")), "id is not the SHA-256 of the message"),
        (with("extra", json!(1)), "malformed message"),
        (json!({"at": now, "nick": "Ada", "text": "no id"}), "malformed message"),
        (
            json!({"id": id_of(later, "Ada", "hi"), "at": later, "nick": "Ada", "text": "hi"}),
            "message dated more than a minute in the future",
        ),
        (json!({"id": "x", "at": now, "sealed": "not sealed"}), "malformed message"),
    ];
    for (i, (payload, reason)) in cases.iter().enumerate() {
        // Each from a host of its own, well within the rate.
        let mut sender = host(&server, hash, Vsn::V2).await;
        let reply = sender.call(&have(hash), "chat", payload.clone()).await;
        assert_eq!(reply.status(), Some("error"), "case {i}: {}", reply.raw);
        assert!(reply.reason().unwrap().starts_with(reason), "case {i}: {}", reply.raw);
        sender.barrier().await;
    }
    assert!(chats(&other.drain(QUIET).await).is_empty(), "nothing refused reached anyone");
    sender.barrier().await;
    // A frame too large for any message closes the socket (16 KiB for chat).
    let huge = json!({"id": "x", "at": now, "nick": "Ada", "text": "y".repeat(40_000)});
    sender.push(&have(hash), "chat", huge).await;
    assert_eq!(sender.closed_with().await.map(|c| u16::from(c.code)), Some(1009));
    // The other host was never disturbed.
    other.barrier().await;
    eventually("only the other host is left", || server.relay.hub().health(hash).hosts == 1).await;
}

#[tokio::test]
async fn the_relay_keeps_nothing_once_the_last_host_leaves() {
    let server = TestServer::default().await;
    let hash = PageHash::of("gone with its page");
    let mut a = host(&server, hash, Vsn::V2).await;
    let mut b = host(&server, hash, Vsn::V2).await;
    assert_eq!(say(&mut a, hash, &message("Ada", "remember me?")).await.status(), Some("ok"));
    b.event(&have(hash), "chat").await;
    drop(a);
    drop(b);
    eventually("the page is gone", || server.relay.hub().pages() == 0).await;
    // A new host of the same page finds an empty chat.
    let mut c = host(&server, hash, Vsn::V2).await;
    c.push(&have(hash), "chat_history", json!({})).await;
    assert_eq!(c.event(&have(hash), "chat_history").await.payload, json!({ "messages": [] }));
}
