//! Attacks on the routing, one per test: the attacker does it while an
//! honest host and visitors (from other addresses) are served, on the
//! attacked page and on another; each test bounds what the attack makes
//! the honest host (or the visitor) spend, and finds the reason counted.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::{event, PageHash};
use ep2p_testkit::*;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// An honest host of `text` (from 127.0.0.1) that answers every ask and
/// counts them.
async fn counting_host(server: &TestServer, text: &str) -> (Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let hash = PageHash::of(text);
    let mut host = Client::connect(server, Vsn::V2).await;
    host.join_ok(&have(hash)).await;
    let asked = Arc::new(AtomicU64::new(0));
    let counter = asked.clone();
    let text = text.to_owned();
    let task = tokio::spawn(async move {
        while let Some(msg) = host.next_within(Duration::from_secs(60)).await {
            if msg.event == event::CONTENT_REQUEST {
                counter.fetch_add(1, Relaxed);
                host.answer(hash, &text).await;
            }
        }
    });
    (asked, task)
}

/// A visitor from `from` asks for `text`'s page; how long until it had it.
async fn visit_from(server: &TestServer, from: IpAddr, text: &str) -> Duration {
    let hash = PageHash::of(text);
    let started = Instant::now();
    let mut visitor = Client::open(server.addr, Some(from)).await.unwrap();
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await.len(), text.len());
    started.elapsed()
}

#[tokio::test]
async fn visitors_that_join_ask_and_leave_in_a_loop_cannot_make_the_host_upload_again_and_again() {
    let server = TestServer::default().await;
    let text = "u".repeat(256 * 1024);
    let hash = PageHash::of(&text);
    let (asked, _host) = counting_host(&server, &text).await;
    let _other = Host::spawn(&server, "another page").await;
    // Four sockets of one address: join want:H, ask, leave, for 3 s (each
    // round's asks past the request rate are refused; the rest reach the
    // routing).
    let addr = server.addr;
    let attack = tokio::spawn(async move {
        let mut attackers = Vec::new();
        for _ in 0..4 {
            attackers.push(Client::open(addr, Some(loopback(9))).await.unwrap());
        }
        let started = Instant::now();
        let mut rounds = 0u64;
        while started.elapsed() < Duration::from_secs(3) {
            for attacker in &mut attackers {
                attacker.join_ok(&want(hash)).await;
                attacker.request(hash).await;
                attacker.leave(&want(hash)).await;
                rounds += 1;
            }
            // Within the frame rate, so that no socket is closed for it.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (rounds, started.elapsed())
    });
    // Meanwhile visitors of other addresses are served at once, on the
    // attacked page and on another.
    let mut honest = 0;
    while !attack.is_finished() {
        let attacked = visit_from(&server, loopback(3), &text).await;
        let other = visit_from(&server, loopback(4), "another page").await;
        honest += 1;
        assert!(attacked < Duration::from_secs(1), "the attacked page took {attacked:?}");
        assert!(other < Duration::from_secs(1), "another page took {other:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (rounds, elapsed) = attack.await.unwrap();
    // The attacker's address has hosts asked 10 times, then once per 2 s;
    // each honest visit asks once.
    let bound = 10 + (elapsed.as_secs_f64() / 2.0).ceil() as u64 + honest;
    let asks = asked.load(Relaxed);
    assert!(asks <= bound, "the host was asked {asks} times (bound {bound}) in {rounds} rounds");
    assert!(rounds > 4 * bound, "the attack ran: {rounds} rounds");
    assert!(server.metric("ep2p_held_requests_total").await > 0);
    assert!(visit_from(&server, loopback(3), &text).await < Duration::from_secs(1));
}

#[tokio::test]
async fn sockets_that_send_the_page_unasked_count_only_while_they_answer_the_relay_s_asks() {
    let server = TestServer::default().await;
    let text = "proven, then silent";
    let hash = PageHash::of(text);
    let _honest = Host::spawn(&server, text).await;
    let _other = Host::spawn(&server, "another page").await;
    // Forty sockets of one address join have:H: counted by their channels.
    let mut fakes = Vec::new();
    for _ in 0..40 {
        let mut fake = Client::open(server.addr, Some(loopback(9))).await.unwrap();
        fake.join_ok(&have(hash)).await;
        fakes.push(fake);
    }
    fakes[39].barrier().await;
    assert_eq!(server.relay.health(hash).hosts, 41);
    // One sends the page unasked: it reaches nobody, and it and its
    // fellows stop counting until each answers the relay's own ask.
    fakes[0].answer(hash, text).await;
    fakes[0].barrier().await;
    assert_eq!(server.metric("ep2p_unsolicited_total").await, 1);
    assert_eq!(server.metric("ep2p_probes_total").await, 40);
    assert_eq!(server.relay.health(hash).hosts, 1, "unasked content raised the count");
    // The others answer their probe (proven: they hold the page), then
    // keep silent like the first: the first missed deadline (1 s) takes
    // every one of them out of the count again, visitors or not.
    for fake in &mut fakes[1..] {
        fake.answer(hash, text).await;
        fake.barrier().await;
    }
    assert_eq!(server.relay.health(hash).hosts, 40);
    let deadline = Instant::now() + Duration::from_secs(4);
    while server.relay.health(hash).hosts != 1 {
        assert!(Instant::now() < deadline, "the silent fakes still count: {:?}", server.relay.health(hash));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Visitors are served at once, on this page and another; the count
    // stays the honest host's.
    for round in 0..6 {
        let took = visit_from(&server, loopback(3), text).await;
        assert!(took < Duration::from_secs(1), "round {round}: {took:?}");
        let other = visit_from(&server, loopback(4), "another page").await;
        assert!(other < Duration::from_secs(1), "another page took {other:?}");
    }
    assert_eq!(server.relay.health(hash).hosts, 1, "the count shows the honest host only");
    drop(fakes);
}
