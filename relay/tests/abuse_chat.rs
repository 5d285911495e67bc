//! Attacks on a page's chat: floods from many sockets of one address, and
//! a host that falls behind on chat. Each ends with what was fanned out
//! bounded by a budget, the reason counted in `/metrics`, and the page's
//! honest host still serving — on the attacked page and on another.

use ep2p_core::chat::{self, Message};
use ep2p_core::phoenix::Ref;
use ep2p_core::protocol::PageHash;
use ep2p_relay::wall_ms;
use ep2p_testkit::*;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use tokio::time::Instant;

/// How long the honest host stops reading.
const PAUSE: Duration = Duration::from_secs(2);

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A message as large as a chat frame gets: every character escaped.
fn padded(nick: &str) -> serde_json::Value {
    let text = "\u{1}".repeat(chat::MAX_TEXT);
    serde_json::to_value(Message::plain(wall_ms(), nick, &text).unwrap()).unwrap()
}

/// A host of `text`'s page from `address` that has served one visitor:
/// proven, as an honest host is.
async fn proven_host(server: &TestServer, text: &str, address: IpAddr) -> Client {
    let hash = PageHash::of(text);
    let mut host = Client::open(server.addr, Some(address)).await.unwrap();
    host.join_ok(&have(hash)).await;
    let mut visitor = Client::open(server.addr, Some(loopback(3))).await.unwrap();
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    host.asked(hash).await;
    host.answer(hash, text).await;
    assert_eq!(visitor.content(hash).await, text);
    host
}

/// `flooder` says `each` padded messages at once; how many were let through.
async fn say_padded(flooder: &mut Client, hash: PageHash, name: usize, each: usize) -> usize {
    let mut sent: Vec<Ref> = Vec::new();
    for j in 0..each {
        sent.push(flooder.push(&have(hash), "chat", padded(&format!("Flood {name}.{j}"))).await);
    }
    let mut passed = 0;
    for r in &sent {
        let reply = flooder.reply_to(r).await;
        match reply.status() {
            Some("ok") => passed += 1,
            _ => assert_eq!(reply.reason(), Some("rate_limited"), "{}", reply.raw),
        }
    }
    passed
}

/// `count` hosts of `hash` from `address`, all joined, then all saying
/// `each` padded messages at once; returns once every message has its
/// reply (and the flooders are gone), with how many were let through.
async fn flood(server: &TestServer, hash: PageHash, address: IpAddr, count: usize, each: usize) -> usize {
    let mut flooders = Vec::new();
    for _ in 0..count {
        let mut flooder = Client::open(server.addr, Some(address)).await.unwrap();
        flooder.join_ok(&have(hash)).await;
        flooders.push(flooder);
    }
    let mut saying = tokio::task::JoinSet::new();
    for (i, mut flooder) in flooders.into_iter().enumerate() {
        saying.spawn(async move { say_padded(&mut flooder, hash, i, each).await });
    }
    let mut passed = 0;
    while let Some(said) = saying.join_next().await {
        passed += said.expect("a flooder's task");
    }
    passed
}

/// As [`flood`], but each flooder joins, says its messages and leaves
/// before the next: only the page's other hosts hear them.
async fn flood_in_turn(
    server: &TestServer,
    hash: PageHash,
    address: IpAddr,
    count: usize,
    each: usize,
) -> usize {
    let mut passed = 0;
    for i in 0..count {
        let mut flooder = Client::open(server.addr, Some(address)).await.unwrap();
        flooder.join_ok(&have(hash)).await;
        passed += say_padded(&mut flooder, hash, i, each).await;
    }
    passed
}

/// After its pause, the honest host reads what it was sent: it is still
/// connected; returns the chat messages it got.
async fn resumes(host: &mut Client) -> Vec<Msg> {
    let got = host.drain(Duration::from_millis(500)).await;
    assert!(host.closed.is_none(), "the honest host was closed: {:?}", host.closed);
    got.into_iter().filter(|m| m.event == "chat").collect()
}

/// A visitor (from an address of its own) is served `text` by its hosts.
async fn served(server: &TestServer, text: &str) {
    let hash = PageHash::of(text);
    let mut visitor = Client::open(server.addr, Some(loopback(5))).await.unwrap();
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await, text);
}

#[tokio::test]
async fn many_sockets_from_one_address_cannot_flood_a_page_chat_nor_take_its_host_offline() {
    let server = TestServer::default().await;
    let limits = server.relay.limits().clone();
    let text = "a page whose chat is flooded";
    let hash = PageHash::of(text);
    let mut honest = proven_host(&server, text, loopback(2)).await;
    let _elsewhere = Host::spawn(&server, "another page").await;

    // The honest host stops reading; 100 sockets from one address, all
    // hosts of the page, say five messages each, as large as a chat frame
    // gets (6 MB).
    let paused = Instant::now();
    let passed = flood(&server, hash, loopback(9), 100, 5).await;
    let flooded = paused.elapsed();
    // An honest chatter from another address still gets through.
    let mut chatter = Client::open(server.addr, Some(loopback(4))).await.unwrap();
    chatter.join_ok(&have(hash)).await;
    let said = serde_json::to_value(Message::plain(wall_ms(), "Ada", "still here?").unwrap()).unwrap();
    let reply = chatter.call(&have(hash), "chat", said.clone()).await;
    assert_eq!(reply.status(), Some("ok"), "{}", reply.raw);
    tokio::time::sleep_until(paused + PAUSE).await;

    // The flood got the address's budget (and what refilled meanwhile), no more.
    let budget = f64::from(limits.chat_per_address);
    let refilled = budget * flooded.as_secs_f64() / chat::RATE_WINDOW.as_secs_f64();
    assert!(passed as f64 <= budget + refilled.ceil(), "{passed} of 500 passed in {flooded:?}");
    assert!(passed >= limits.chat_per_address as usize, "the budget is all spent: {passed}");
    assert_eq!(server.metric("ep2p_chat_messages_total").await, passed as u64 + 1);
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"chat_budget\"}").await, 500 - passed as u64);
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"rate_limited\"}").await, 0);
    // What was fanned out: each message let through, to the page's other
    // hosts (the 100 flooders, the honest host, the chatter) at most.
    let deliveries = server.metric("ep2p_chat_deliveries_total").await;
    assert!(deliveries <= (passed as u64 + 1) * 101, "{deliveries} chat frames fanned out");
    let heard = resumes(&mut honest).await;
    assert!(heard.len() <= passed + 1, "the honest host heard no more than was let through");
    assert!(heard.iter().any(|m| m.payload == said), "the honest chatter was heard");
    // The page still counts its honest host (and the chatter), not the flood.
    drop(chatter);
    eventually("the page counts its honest host", || server.relay.health(hash).hosts == 1).await;

    // It serves the next visitor; a visitor of another page is served too.
    let _honest = Host::serve(honest, text);
    served(&server, text).await;
    served(&server, "another page").await;
}

#[tokio::test]
async fn a_host_that_falls_behind_on_chat_loses_chat_never_its_page() {
    // Budgets out of the way: many addresses could say as much.
    let server = TestServer::start(config(|c| {
        c.limits.chat_per_address = 100_000;
        c.limits.chat_per_page = 100_000;
        c.limits.outbound_queue = 32;
        c.limits.chat_queue = 16;
    }))
    .await;
    let text = "a page whose host falls behind";
    let hash = PageHash::of(text);
    let mut honest = proven_host(&server, text, loopback(2)).await;
    let _elsewhere = Host::spawn(&server, "another page").await;

    // 9 MB of chat while the honest host reads nothing: more than the
    // kernel's buffers and its queue hold.
    let paused = Instant::now();
    let passed = flood_in_turn(&server, hash, loopback(9), 150, 5).await;
    assert_eq!(passed, 750);
    tokio::time::sleep_until(paused + PAUSE).await;

    let heard = resumes(&mut honest).await;
    let dropped = server.metric("ep2p_chat_dropped_total").await;
    assert!(dropped > 0, "the host fell behind and lost chat");
    assert!(heard.len() < 750, "it heard {} of 750", heard.len());
    eventually("the page counts its honest host", || server.relay.health(hash).hosts == 1).await;
    let _honest = Host::serve(honest, text);
    served(&server, text).await;
    served(&server, "another page").await;
}
