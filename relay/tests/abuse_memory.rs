//! Attacks on the relay's memory, one per test: what a socket may make the
//! relay hold. Each ends with the attacker closed, the reason counted in
//! `/metrics`, and honest hosts and visitors served meanwhile — on the
//! page attacked and on another.

use ep2p_core::phoenix::{Ref, Vsn};
use ep2p_core::protocol::PageHash;
use ep2p_testkit::*;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

async fn close_of(client: &mut Client) -> (CloseCode, String) {
    let frame = client.closed_with().await.expect("a close frame with a reason");
    (frame.code, frame.reason.to_string())
}

/// Writes, past the client's WebSocket layer, the head of a text message
/// announcing `len` bytes and the first few of them: a large message begun
/// at the cost of a few bytes. The relay reads it in one read, so nothing
/// unread makes the kernel reset the connection before the close arrives.
async fn begin_message(client: &mut Client, len: u64) {
    let mut head = vec![0x01, 0x80 | 127]; // text, not final; masked, 64-bit length
    head.extend(len.to_be_bytes());
    head.extend([1, 2, 3, 4]); // the mask key
    head.extend([b' '; 100]);
    let stream = client.ws.get_mut();
    stream.write_all(&head).await.unwrap();
    stream.flush().await.unwrap();
}

/// A text message in fragments, as a browser might send a large one.
fn fragment(text: &str, first: bool, last: bool) -> Message {
    let opcode = if first { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
    Message::Frame(Frame::message(text.as_bytes().to_vec(), opcode, last))
}

/// The `content` frame a host sends for `text` on its `have:H`.
fn answer(host: &Client, text: &str) -> String {
    let hash = PageHash::of(text);
    json!([host.join_ref(&have(hash)), "9", have(hash), "content", { "content": text }]).to_string()
}

#[tokio::test]
async fn joining_have_for_a_page_one_does_not_have_lifts_no_size_cap() {
    let server = TestServer::default().await;
    let attacked = "a".repeat(256 * 1024);
    let another = "b".repeat(256 * 1024);
    let _honest = Host::spawn(&server, &attacked).await;
    let _other = Host::spawn(&server, &another).await;
    // Twenty sockets join have: — half on the attacked page, half on pages
    // nobody has — and each begins a 5 MiB message. Before, each might have
    // sent up to the largest page message (6 MiB); 20 of them 120 MiB.
    let mut attackers = Vec::new();
    for i in 0..20 {
        let page =
            if i % 2 == 0 { PageHash::of(&attacked) } else { PageHash::of(&format!("nobody has {i}")) };
        let mut attacker = Client::open(server.addr, Some(loopback(9))).await.unwrap();
        attacker.join_ok(&have(page)).await;
        attackers.push(attacker);
    }
    for attacker in &mut attackers {
        begin_message(attacker, 5 << 20).await;
    }
    // Each is refused at the header, at the 16 KiB of a socket asked for nothing.
    for attacker in &mut attackers {
        assert_eq!(close_of(attacker).await, (CloseCode::Size, "frame too big".into()));
    }
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_big\"}").await, 20);
    eventually("the attackers are gone", || server.relay.connections() == 2).await;
    // The honest hosts, asked, still send their 256 KiB pages.
    assert_eq!(fetch(&server, PageHash::of(&attacked)).await, attacked);
    assert_eq!(fetch(&server, PageHash::of(&another)).await, another);
    // Even a host that was asked may send only small messages once it
    // has answered: the allowance is one answer per ask.
    let own = "e".repeat(256 * 1024);
    let mut host = Client::connect(&server, Vsn::V2).await;
    host.join_ok(&have(PageHash::of(&own))).await;
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(PageHash::of(&own))).await;
    visitor.request(PageHash::of(&own)).await;
    host.asked(PageHash::of(&own)).await;
    host.send_text(answer(&host, &own)).await;
    assert_eq!(visitor.content(PageHash::of(&own)).await, own);
    begin_message(&mut host, 5 << 20).await;
    assert_eq!(close_of(&mut host).await, (CloseCode::Size, "frame too big".into()));
}

#[tokio::test]
async fn a_host_asked_again_while_it_sends_an_answer_sends_both() {
    let server = TestServer::default().await;
    let (first, second) = ("c".repeat(256 * 1024), "d".repeat(256 * 1024));
    let (a, b) = (PageHash::of(&first), PageHash::of(&second));
    let mut host = Client::connect(&server, Vsn::V2).await;
    host.join_ok(&have(a)).await;
    host.join_ok(&have(b)).await;
    let mut visitor_a = Client::connect(&server, Vsn::V2).await;
    visitor_a.join_ok(&want(a)).await;
    visitor_a.request(a).await;
    host.asked(a).await;
    // Half of the first answer; the second ask comes before the rest.
    let answer_a = answer(&host, &first);
    let (head, tail) = answer_a.split_at(answer_a.len() / 2);
    host.send_message(fragment(head, true, false)).await;
    let mut visitor_b = Client::connect(&server, Vsn::V2).await;
    visitor_b.join_ok(&want(b)).await;
    visitor_b.request(b).await;
    host.asked(b).await;
    host.send_message(fragment(tail, false, true)).await;
    // The second answer, begun right after the first ends.
    host.send_text(answer(&host, &second)).await;
    assert_eq!(visitor_a.content(a).await, first);
    assert_eq!(visitor_b.content(b).await, second);
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"too_big\"}").await, 0);
}

#[tokio::test]
async fn refs_longer_than_64_bytes_are_refused_and_nothing_is_kept() {
    let server = TestServer::default().await;
    let text = "a page visited with long refs";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let long = Ref::from("7".repeat(8 * 1024).as_str());
    let over = Ref::from("7".repeat(65).as_str());
    // Before, every join kept its ref: 30 sockets of 100 visits and 200
    // watches with refs of 16 KiB held 155 MiB. Now the first such frame
    // closes its socket.
    let refused = [
        (Some(long.clone()), Some(Ref::from("1")), want(hash), "phx_join"),
        (Some(over.clone()), Some(Ref::from("1")), format!("watch:{hash}"), "phx_join"),
        (None, Some(over.clone()), "phoenix".to_string(), "heartbeat"),
    ];
    for (join_ref, msg_ref, topic, event) in &refused {
        let mut attacker = Client::connect(&server, Vsn::V2).await;
        attacker.send_frame(join_ref.as_ref(), msg_ref.as_ref(), topic, event, &json!({})).await;
        assert_eq!(
            close_of(&mut attacker).await,
            (CloseCode::Policy, "malformed frame: ref over 64 bytes".into())
        );
    }
    // A host's answer read in one pass is held to it too.
    let mut liar = Client::connect(&server, Vsn::V2).await;
    liar.join_ok(&have(hash)).await;
    let content =
        json!([liar.join_ref(&have(hash)), over, have(hash), "content", { "content": "x".repeat(2000) }]);
    liar.send_text(content.to_string()).await;
    assert_eq!(close_of(&mut liar).await, (CloseCode::Policy, "malformed frame: ref over 64 bytes".into()));
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"long_ref\"}").await, 4);
    eventually("nothing of them is kept", || {
        let hub = server.relay.hub();
        (hub.visitors(), hub.host_sockets(hash), server.relay.connections()) == (0, 1, 1)
    })
    .await;
    // Refs as phoenix.js makes them ("1", "2", …), numbers, and 64 bytes are served.
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    let at_most = Ref::from("7".repeat(64).as_str());
    let number: Ref = serde_json::from_value(json!(12345)).unwrap();
    for (join_ref, topic) in [(at_most.clone(), format!("watch:{hash}")), (number.clone(), want(hash))] {
        visitor.send_frame(Some(&join_ref), Some(&join_ref), &topic, "phx_join", &json!({})).await;
        let reply = visitor.reply_to(&join_ref).await;
        assert_eq!((reply.status(), reply.join_ref.clone()), (Some("ok"), Some(join_ref)));
    }
    let request = json!({ "hash": hash.to_string() });
    visitor.send_frame(Some(&number), Some(&at_most), &want(hash), "content_request", &request).await;
    assert_eq!(visitor.content(hash).await, text);
    assert_eq!(fetch(&server, hash).await, text);
    let _other = Host::spawn(&server, "another page").await;
    assert_eq!(fetch(&server, PageHash::of("another page")).await, "another page");
}
