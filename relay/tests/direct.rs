//! Direct connections' set-up through the real relay (SPEC §14): a
//! visitor's offer pairs it with one host, signals reach only the other
//! side of their pair (never another visitor, host or page), a forged
//! signal for a pair the socket is not a side of is refused, the limits
//! hold while an honest pair is served, and `--direct off` pairs nobody.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::{event, PageHash};
use ep2p_core::signal::MAX_DESCRIPTION;
use ep2p_testkit::*;
use serde_json::{json, Value};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(300);
const OFFER: &str = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

fn page(n: u8) -> (PageHash, String) {
    let text = format!("a page worth a direct connection, number {n}");
    (PageHash::of(&text), text)
}

async fn on(server: &TestServer, topic: &str) -> Client {
    let mut c = Client::connect(server, Vsn::V2).await;
    c.join_ok(topic).await;
    c
}

/// The visitor offers; the pair's number from the relay's ok reply.
async fn offer(v: &mut Client, hash: PageHash) -> Msg {
    v.call(&want(hash), event::SIGNAL, json!({ "offer": OFFER })).await
}

fn peer_of(reply: &Msg) -> u64 {
    assert_eq!(reply.status(), Some("ok"), "{}", reply.raw);
    reply.payload["response"]["peer"].as_u64().expect("a pair's number")
}

fn signals(msgs: &[Msg]) -> Vec<&Msg> {
    msgs.iter().filter(|m| m.event == event::SIGNAL).collect()
}

fn candidate(n: u32) -> String {
    format!("candidate:{n} 1 udp 2122260223 198.18.0.1 {} typ host", 50_000 + n)
}

#[tokio::test]
async fn signals_cross_a_pair_and_reach_nobody_else() {
    let server = TestServer::default().await;
    let (h, _) = page(1);
    let (other_page, _) = page(2);
    let mut host = on(&server, &have(h)).await;
    let mut visitor = on(&server, &want(h)).await;
    let mut bystander = on(&server, &want(h)).await;
    let mut elsewhere = on(&server, &have(other_page)).await;

    let peer = peer_of(&offer(&mut visitor, h).await);
    let forwarded = host.event(&have(h), event::SIGNAL).await;
    assert_eq!(forwarded.payload, json!({ "peer": peer, "offer": OFFER }));

    let answer = "v=0\r\no=- 1 2 IN IP4 198.18.0.1\r\n";
    host.push(&have(h), event::SIGNAL, json!({ "peer": peer, "answer": answer })).await;
    let got = visitor.event(&want(h), event::SIGNAL).await;
    assert_eq!(got.payload, json!({ "peer": peer, "answer": answer }));

    let theirs = json!({ "peer": peer, "candidate": candidate(1), "mid": "0" });
    visitor.push(&want(h), event::SIGNAL, theirs.clone()).await;
    assert_eq!(host.event(&have(h), event::SIGNAL).await.payload, theirs);
    let ours = json!({ "peer": peer, "candidate": candidate(2), "mid": "0" });
    host.push(&have(h), event::SIGNAL, ours.clone()).await;
    assert_eq!(visitor.event(&want(h), event::SIGNAL).await.payload, ours);

    // Nobody else heard a thing: the other visitor, the other page's host.
    assert!(signals(&bystander.drain(QUIET).await).is_empty());
    assert!(signals(&elsewhere.drain(QUIET).await).is_empty());
    assert_eq!(server.metric("ep2p_direct_pairs_total").await, 1);
    assert_eq!(server.metric("ep2p_signals_total").await, 3);

    // Bye ends the pair: after it, the host's signals go nowhere.
    visitor.push(&want(h), event::SIGNAL, json!({ "peer": peer, "bye": true })).await;
    assert_eq!(host.event(&have(h), event::SIGNAL).await.payload, json!({ "peer": peer, "bye": true }));
    let late = host.call(&have(h), event::SIGNAL, json!({ "peer": peer, "candidate": "" })).await;
    assert_eq!(late.status(), Some("error"));
    assert!(signals(&visitor.drain(QUIET).await).is_empty());
}

#[tokio::test]
async fn a_forged_signal_for_someone_elses_pair_is_refused_and_changes_nothing() {
    let server = TestServer::default().await;
    let (h, _) = page(3);
    let mut host = on(&server, &have(h)).await;
    let mut visitor = on(&server, &want(h)).await;
    let peer = peer_of(&offer(&mut visitor, h).await);
    host.event(&have(h), event::SIGNAL).await;

    // Another visitor of the page, a second host, a socket on another
    // page: none may speak for the pair, whatever number they guess.
    let mut intruder = on(&server, &want(h)).await;
    let mut other_host = on(&server, &have(h)).await;
    let fake_answer = json!({ "peer": peer, "candidate": candidate(9), "mid": "0" });
    let reply = intruder.call(&want(h), event::SIGNAL, fake_answer.clone()).await;
    assert_eq!(reply.status(), Some("error"));
    assert!(reply.reason().unwrap().contains("no such peer"), "{}", reply.raw);
    let reply = other_host.call(&have(h), event::SIGNAL, json!({ "peer": peer, "answer": "v=0\r\n" })).await;
    assert!(reply.reason().unwrap().contains("no such peer"), "{}", reply.raw);
    for guess in [0, peer + 1, u64::from(u32::MAX)] {
        let reply = intruder.call(&want(h), event::SIGNAL, json!({ "peer": guess, "bye": true })).await;
        assert_eq!(reply.status(), Some("error"), "{guess}");
    }
    // Misplaced steps: a visitor answering, a host offering, an offer naming a peer.
    let reply = visitor.call(&want(h), event::SIGNAL, json!({ "peer": peer, "answer": "v=0" })).await;
    assert!(reply.reason().unwrap().contains("the host answers"), "{}", reply.raw);
    let reply = host.call(&have(h), event::SIGNAL, json!({ "peer": peer, "offer": "v=0" })).await;
    assert!(reply.reason().unwrap().contains("the visitor offers"), "{}", reply.raw);
    let reply = visitor.call(&want(h), event::SIGNAL, json!({ "peer": peer, "offer": "v=0" })).await;
    assert_eq!(reply.status(), Some("error"));
    // Malformed: not a signal's shape, too long, control characters.
    for bad in [
        json!({ "peer": peer }),
        json!({ "peer": peer, "candidate": "hello" }),
        json!({ "offer": format!("v=0{}", "x".repeat(MAX_DESCRIPTION)) }),
        json!({ "peer": peer, "candidate": "candidate:1\u{0}" }),
    ] {
        let reply = visitor.call(&want(h), event::SIGNAL, bad.clone()).await;
        assert_eq!(reply.status(), Some("error"), "{bad}");
    }
    assert!(server.metric("ep2p_rejected_total{reason=\"unpaired\"}").await >= 5);
    // The host heard none of it, and the pair still works.
    assert!(signals(&host.drain(QUIET).await).is_empty());
    visitor.push(&want(h), event::SIGNAL, fake_answer.clone()).await;
    assert_eq!(host.event(&have(h), event::SIGNAL).await.payload, fake_answer);
}

#[tokio::test]
async fn an_offer_without_a_host_or_with_direct_off_is_refused_and_the_relay_path_still_serves() {
    let server = TestServer::default().await;
    let (h, text) = page(4);
    let mut visitor = on(&server, &want(h)).await;
    let reply = offer(&mut visitor, h).await;
    assert_eq!(reply.status(), Some("error"));
    assert!(reply.reason().unwrap().contains("no host"), "{}", reply.raw);
    server.stop().await;

    let server = TestServer::start(config(|c| c.hub.direct = false)).await;
    let _host = Host::spawn(&server, &text).await;
    let mut visitor = on(&server, &want(h)).await;
    let reply = offer(&mut visitor, h).await;
    assert!(reply.reason().unwrap().contains("off"), "{}", reply.raw);
    visitor.request(h).await;
    assert_eq!(visitor.content(h).await, text);
    assert_eq!(server.metric("ep2p_direct_pairs_total").await, 0);
    assert_eq!(server.metric("ep2p_direct_refused_total").await, 1);
}

#[tokio::test]
async fn a_visitor_pairs_with_a_few_hosts_at_most_and_leaving_ends_its_pairs() {
    let server = TestServer::default().await;
    let (h, _) = page(5);
    let mut hosts = Vec::new();
    for _ in 0..6 {
        hosts.push(on(&server, &have(h)).await);
    }
    let mut visitor = on(&server, &want(h)).await;
    let mut peers = Vec::new();
    for _ in 0..4 {
        peers.push(peer_of(&offer(&mut visitor, h).await));
    }
    let reply = offer(&mut visitor, h).await;
    assert!(reply.reason().unwrap().contains("too many"), "{}", reply.raw);
    // Each offer went to a different host.
    let mut offered = 0;
    for host in &mut hosts {
        let got = signals(&host.drain(QUIET).await).len();
        assert!(got <= 1);
        offered += got;
    }
    assert_eq!(offered, 4);
    // The visitor leaves the page: its pairs are gone for the hosts too.
    visitor.leave(&want(h)).await;
    for host in &mut hosts {
        for &peer in &peers {
            let reply = host.call(&have(h), event::SIGNAL, json!({ "peer": peer, "bye": true })).await;
            assert_eq!(reply.status(), Some("error"));
        }
    }
}

#[tokio::test]
async fn a_signal_flood_is_limited_while_an_honest_pair_is_served() {
    let server = TestServer::default().await;
    let (h, _) = page(6);
    let mut host = on(&server, &have(h)).await;
    let mut flooder = on(&server, &want(h)).await;
    let flood_peer = peer_of(&offer(&mut flooder, h).await);
    // Far past the socket's rate and the pair's signals, without waiting for replies.
    for n in 0..200 {
        let c = json!({ "peer": flood_peer, "candidate": candidate(n), "mid": "0" });
        flooder.push(&want(h), event::SIGNAL, c).await;
    }
    let replies: Vec<Value> = flooder
        .drain(Duration::from_secs(1))
        .await
        .into_iter()
        .filter(|m| m.event == event::REPLY)
        .map(|m| m.payload)
        .collect();
    assert!(replies.iter().any(|r| r["response"]["reason"] == "rate_limited"), "{replies:?}");
    let passed = signals(&host.drain(Duration::from_secs(1)).await).len();
    assert!((2..=64).contains(&passed), "the offer and at most the pair's signals: {passed}");

    // An honest visitor, meanwhile, pairs and is answered.
    let mut honest = on(&server, &want(h)).await;
    let peer = peer_of(&offer(&mut honest, h).await);
    let offered =
        host.wait_for("the honest offer", |m| m.event == event::SIGNAL && m.payload["peer"] == peer).await;
    assert_eq!(offered.payload["offer"], OFFER);
    host.push(&have(h), event::SIGNAL, json!({ "peer": peer, "answer": "v=0\r\n" })).await;
    assert_eq!(honest.event(&want(h), event::SIGNAL).await.payload["answer"], "v=0\r\n");
}

#[tokio::test]
async fn outcomes_are_counted_once_per_pair_and_only_for_a_pair() {
    let server = TestServer::default().await;
    let (h, _) = page(7);
    let _host = on(&server, &have(h)).await;
    let mut visitor = on(&server, &want(h)).await;
    let report = |outcome: &str| json!({ "outcome": outcome });
    // Nothing paired yet: nothing to report.
    let refused = visitor.call(&want(h), event::DIRECT_REPORT, report("opened")).await;
    assert!(refused.reason().unwrap().contains("no direct connection"), "{}", refused.raw);
    peer_of(&offer(&mut visitor, h).await);
    let bad = visitor.call(&want(h), event::DIRECT_REPORT, report("splendid")).await;
    assert_eq!(bad.status(), Some("error"));
    visitor.push(&want(h), event::DIRECT_REPORT, report("opened")).await;
    let again = visitor.call(&want(h), event::DIRECT_REPORT, report("failed")).await;
    assert_eq!(again.status(), Some("error"), "opened or failed, once per pair");
    visitor.push(&want(h), event::DIRECT_REPORT, report("broken")).await;
    let twice = visitor.call(&want(h), event::DIRECT_REPORT, report("broken")).await;
    assert_eq!(twice.status(), Some("error"), "broken once per opened");
    assert_eq!(server.metric("ep2p_direct_opened_total").await, 1);
    assert_eq!(server.metric("ep2p_direct_broken_total").await, 1);
    assert_eq!(server.metric("ep2p_direct_failed_total").await, 0);
}
