//! Attacks on the relay, one per test. Each ends with the attacker closed,
//! throttled or demoted, the reason counted in `/metrics`, and honest
//! visitors served meanwhile — on another page and on the page attacked.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_testkit::*;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// An honest host on `text`'s page and a visitor it serves: the page is
/// served while (or after) something else goes on.
async fn honest_visit(server: &TestServer, text: &str) {
    let _host = Host::spawn(server, text).await;
    assert_eq!(fetch(server, PageHash::of(text)).await, text);
}

async fn close_of(client: &mut Client) -> (CloseCode, String) {
    let frame = client.closed_with().await.expect("a close frame with a reason");
    (frame.code, frame.reason.to_string())
}

/// A host on `hash`'s page, asked for it by a visitor now waiting; and the
/// text of a `content` frame that host would send for `content`.
async fn asked_host(server: &TestServer, hash: PageHash, content: &str) -> (Client, Client, String) {
    let mut host = Client::connect(server, Vsn::V2).await;
    host.join_ok(&have(hash)).await;
    let mut visitor = Client::connect(server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    host.asked(hash).await;
    let answer = json!([host.join_ref(&have(hash)), "9", have(hash), "content", { "content": content }]);
    (host, visitor, answer.to_string())
}

fn fragment(len: usize, first: bool, last: bool) -> Message {
    let opcode = if first { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
    Message::Frame(Frame::message(vec![b' '; len], opcode, last))
}

#[tokio::test]
async fn a_socket_that_hosts_nothing_cannot_send_a_large_message_even_in_fragments() {
    let server = TestServer::default().await;
    let mut attacker = Client::connect(&server, Vsn::V2).await;
    attacker.join_ok(&want(PageHash::of("the attacked page"))).await;
    // Two fragments of 10 KiB: each fits, together they are over 16 KiB.
    attacker.send_message(fragment(10 * 1024, true, false)).await;
    attacker.send_message(fragment(10 * 1024, false, true)).await;
    assert_eq!(close_of(&mut attacker).await, (CloseCode::Size, "frame too big".into()));
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_big\"}").await, 1);
    honest_visit(&server, "the attacked page").await;
    honest_visit(&server, "another page").await;
    // A host may send its page, in fragments too.
    let big = "x".repeat(300 * 1024);
    let (mut host, mut visitor, frame) = asked_host(&server, PageHash::of(&big), &big).await;
    let (head, tail) = frame.split_at(frame.len() / 2);
    host.send_message(Message::Frame(Frame::message(
        head.as_bytes().to_vec(),
        OpCode::Data(Data::Text),
        false,
    )))
    .await;
    host.send_message(Message::Frame(Frame::message(
        tail.as_bytes().to_vec(),
        OpCode::Data(Data::Continue),
        true,
    )))
    .await;
    assert_eq!(visitor.content(PageHash::of(&big)).await.len(), big.len());
}

#[tokio::test]
async fn a_message_begun_and_never_finished_closes_its_socket_even_while_it_pings() {
    let server = TestServer::start(config(|c| c.limits.message_timeout = Duration::from_millis(400))).await;
    let hash = PageHash::of("a page it pretends to host");
    let mut attacker = Client::connect(&server, Vsn::V2).await;
    attacker.join_ok(&have(hash)).await;
    // Asked for the page, so it may send a large message.
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    attacker.asked(hash).await;
    // Half of a large message, then only pings, which tungstenite answers.
    attacker.send_message(fragment(200 * 1024, true, false)).await;
    let started = Instant::now();
    let mut close = None;
    while close.is_none() && started.elapsed() < Duration::from_secs(5) {
        attacker.send_message(Message::Ping(vec![1].into())).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        if attacker.next_within(Duration::from_millis(1)).await.is_none() && attacker.closed.is_some() {
            close = attacker.closed.clone();
        }
    }
    let frame = close.flatten().expect("closed with a reason");
    assert_eq!((frame.code, frame.reason.as_str()), (CloseCode::Policy, "message too slow"));
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"slow_message\"}").await, 1);
    honest_visit(&server, "a page it pretends to host").await;
}

#[tokio::test]
async fn pings_keep_nothing_alive_and_count_against_the_frame_budget() {
    let server = TestServer::start(config(|c| {
        c.limits.heartbeat_timeout = Duration::from_millis(400);
        c.limits.frames_per_second = 50;
    }))
    .await;
    // Pings every 50 ms, and nothing else: closed at the heartbeat timeout.
    let mut pinger = Client::connect(&server, Vsn::V2).await;
    let mut chatty = Client::connect(&server, Vsn::V2).await;
    let started = Instant::now();
    while pinger.closed.is_none() && started.elapsed() < Duration::from_secs(5) {
        pinger.send_message(Message::Ping(vec![7].into())).await;
        assert_eq!(chatty.heartbeat().await.status(), Some("ok"), "Phoenix heartbeats do keep a socket");
        let _ = pinger.next_within(Duration::from_millis(50)).await;
    }
    assert_eq!(close_of(&mut pinger).await, (CloseCode::Away, "heartbeat timeout".into()));
    // A flood of pings is a flood of frames.
    let mut flooder = Client::connect(&server, Vsn::V2).await;
    for _ in 0..300 {
        flooder.send_message(Message::Ping(vec![0].into())).await;
    }
    assert_eq!(close_of(&mut flooder).await, (CloseCode::Policy, "too many frames".into()));
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"heartbeat_timeout\"}").await, 1);
    assert!(server.metric("ep2p_rejected_total{reason=\"rate_limited\"}").await >= 1);
    assert_eq!(chatty.heartbeat().await.status(), Some("ok"));
}

/// The HTTP status of a refused upgrade.
fn refused_status(result: Result<Client>) -> u16 {
    match result {
        Err(Error::WebSocket(WsError::Http(response))) => response.status().as_u16(),
        Err(other) => panic!("refused otherwise: {other}"),
        Ok(_) => panic!("admitted"),
    }
}

#[tokio::test]
async fn sockets_are_capped_per_address_and_in_all_before_the_upgrade() {
    let server = TestServer::start(config(|c| {
        c.limits.max_connections = 5;
        c.limits.max_connections_per_address = 3;
    }))
    .await;
    let mut greedy = Vec::new();
    for _ in 0..3 {
        greedy.push(Client::open(server.addr, Some(loopback(9))).await.unwrap());
    }
    assert_eq!(refused_status(Client::open(server.addr, Some(loopback(9))).await), 429);
    // Others still get in, until the relay is full.
    let mut others = Vec::new();
    for n in [2, 3] {
        others.push(Client::open(server.addr, Some(loopback(n))).await.unwrap());
    }
    assert_eq!(refused_status(Client::open(server.addr, Some(loopback(4))).await), 503);
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_many_from_address\"}").await, 1);
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_many_connections\"}").await, 1);
    // A socket that closes gives its place back.
    drop(greedy.pop());
    eventually("the place is given back", || server.relay.connections() == 4).await;
    let text = "served within the caps";
    let mut host = Client::open(server.addr, Some(loopback(9))).await.unwrap();
    host.join_ok(&have(PageHash::of(text))).await;
    let _host = Host::serve(host, text);
    let mut visitor = others.pop().unwrap();
    visitor.join_ok(&want(PageHash::of(text))).await;
    visitor.request(PageHash::of(text)).await;
    assert_eq!(visitor.content(PageHash::of(text)).await, text);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_head_is_cut_off() {
    let server =
        TestServer::start(config(|c| c.limits.header_read_timeout = Duration::from_millis(300))).await;
    let mut slowloris = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slowloris.write_all(b"GET /healthz HTTP/1.1\r\nHost: relay\r\nX-Slow: ").await.unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(PATIENCE, slowloris.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    assert!(started.elapsed() >= Duration::from_millis(250), "cut off before its time");
    // An honest request is answered meanwhile and after.
    assert_eq!(http_get(&server.url("/healthz")).await.body, "ok\n");
}

#[tokio::test]
async fn visitors_coming_and_going_do_not_make_the_relay_ask_again_before_the_deadline() {
    let server = TestServer::start(config(|c| c.hub.request_timeout = Duration::from_secs(600))).await;
    let hash = PageHash::of("asked once");
    let mut silent = Client::connect(&server, Vsn::V2).await;
    silent.join_ok(&have(hash)).await;
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    for _ in 0..30 {
        visitor.join_ok(&want(hash)).await;
        visitor.request(hash).await;
        visitor.leave(&want(hash)).await;
    }
    visitor.barrier().await;
    assert_eq!(server.metric("ep2p_asks_total").await, 1);
    let asked = silent.drain(Duration::from_millis(100)).await;
    assert_eq!(asked.iter().filter(|m| m.event == "content_request").count(), 1);
    // When the host finally answers, a visitor that asked is served.
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    visitor.barrier().await;
    silent.answer(hash, "asked once").await;
    assert_eq!(visitor.content(hash).await, "asked once");
}

#[tokio::test]
async fn fifty_silent_hosts_cannot_hide_a_page_or_fake_its_count() {
    let server = TestServer::default().await; // 1 s deadlines, as in production
    let text = "the real page";
    let hash = PageHash::of(text);
    let mut honest = Client::open(server.addr, Some(loopback(2))).await.unwrap();
    honest.join_ok(&have(hash)).await;
    let _honest = Host::serve(honest, text);
    let mut fakes = Vec::new();
    for _ in 0..50 {
        let mut fake = Client::open(server.addr, Some(loopback(9))).await.unwrap();
        fake.join_ok(&have(hash)).await;
        fakes.push(fake);
    }
    assert_eq!(server.relay.health(hash).hosts, 51, "fifty-one until one is caught");
    let started = Instant::now();
    let mut visitor = Client::open(server.addr, Some(loopback(3))).await.unwrap();
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await, text);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(3), "served after {waited:?}");
    assert!(server.metric("ep2p_asks_total").await <= 2, "at most one fake was asked");
    // A fake caught makes its address suspect: its fellows stop counting,
    // and one of them leaving and joining again stays out of the count.
    if server.metric("ep2p_failovers_total").await == 1 {
        assert_eq!(server.relay.health(hash).hosts, 1);
        fakes[0].leave(&have(hash)).await;
        fakes[0].join_ok(&have(hash)).await;
        assert_eq!(server.relay.health(hash).hosts, 1);
    }
    // The next visitor is served as quickly.
    let started = Instant::now();
    assert_eq!(fetch(&server, hash).await, text);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_large_frame_that_is_not_content_is_refused_from_its_head() {
    let server = TestServer::default().await;
    let hash = PageHash::of("hosted");
    for junk in [
        // A heartbeat of a megabyte.
        serde_json::to_string(&json!([null, "1", "phoenix", "heartbeat", { "x": "y".repeat(1 << 20) }]))
            .unwrap(),
        // Not even JSON after the event: refused before anyone reads that far.
        format!(r#"[null,"1","phoenix","heartbeat",{{"x":"{}"#, "y".repeat(1 << 20)),
    ] {
        let mut host = Client::connect(&server, Vsn::V2).await;
        host.join_ok(&have(hash)).await;
        host.send_text(junk).await;
        assert_eq!(close_of(&mut host).await, (CloseCode::Size, "frame too big".into()));
    }
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_big\"}").await, 2);
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"malformed\"}").await, 0);
    // Items after the fifth are skipped, not kept: an answer followed by a
    // hundred thousand of them is read as the answer.
    let (mut host, mut visitor, answer) = asked_host(&server, hash, "hosted").await;
    let extras = ",0".repeat(100_000);
    host.send_text(format!("{}{extras}]", answer.trim_end_matches(']'))).await;
    assert_eq!(visitor.content(hash).await, "hosted");
    honest_visit(&server, "another page").await;
}

#[tokio::test]
async fn metrics_can_be_kept_for_whoever_holds_the_token() {
    let server = TestServer::start(config(|c| c.metrics_token = Some("s3cret".into()))).await;
    let url = server.url("/metrics");
    assert_eq!(http_get(&url).await.status, 401);
    assert_eq!(http_get_with(&url, &[("authorization", "Bearer wrong")]).await.status, 401);
    let scraped = http_get_with(&url, &[("authorization", "Bearer s3cret")]).await;
    assert_eq!(scraped.status, 200);
    assert!(scraped.body.contains("ep2p_connections "), "{}", scraped.body);
}
