//! Scenario 7: each attack the relay defends against, alone, against a
//! fresh server with its default settings, and the figure that shows what
//! it achieves. Run against an older server binary (`--server`), the same
//! table shows what the defences changed. The second round (issue 25):
//! what one address could still do to memory (a `have:` join lifting the
//! small-message cap, long refs), to honest hosts (uploads for nobody,
//! proven-then-silent sockets), to a page's chat (a flood), and the
//! smaller holes (wrong-page logs from new sockets, plain HTTP connections
//! per address, DNS rebinding, a forged count on Redis).

use crate::soak::{data_frame, frame};
use crate::{join_host, page_text, Result};
use ep2p_core::phoenix::{self, Empty, Ref, Vsn};
use ep2p_core::protocol::{Content, PageHash};
use ep2p_relay::{wall_ms, Policy};
use ep2p_testkit::{have, scrape, want, Client, Host, RedisServer};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// One attack's outcome: what was measured, and the figure.
pub struct Figure {
    pub attack: &'static str,
    pub measure: &'static str,
    pub value: String,
}

fn attacker(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 2, n))
}

fn metric(metrics: &std::collections::HashMap<String, f64>, name: &str) -> f64 {
    metrics.get(name).copied().unwrap_or(0.0)
}

pub async fn attacks(binary: &Path) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    let binary = binary.to_path_buf();

    // Half-sent 1 MiB messages from sockets that host nothing, kept alive by pings.
    let server = crate::relay_with(&binary, Policy::Targeted, &[]).await?;
    let before = server.rss_kib();
    let mut held = Vec::new();
    for _ in 0..50 {
        let mut c = Client::open(server.addr, Some(attacker(1))).await?;
        c.send_message(Message::Frame(Frame::message(vec![b' '; 1 << 20], OpCode::Data(Data::Text), false)))
            .await;
        held.push(c);
    }
    for _ in 0..5 {
        for c in &mut held {
            c.send_message(Message::Ping(vec![1].into())).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let open = metric(&scrape(server.addr).await?, "ep2p_connections");
    let grown = server.rss_kib().saturating_sub(before) as f64 / 1024.0;
    figures.push(Figure {
        attack: "50 sockets hosting nothing each send half of a 1 MiB message, then ping",
        measure: "sockets still open after 5 s; server memory grown",
        value: format!("{open:.0} open; +{grown:.1} MiB"),
    });
    drop(held);
    server.stop().await;

    // A visitor leaving and joining again, asking each time, against a silent host.
    let server = crate::relay_with(&binary, Policy::Targeted, &[]).await?;
    let hash = PageHash::of("churned");
    let mut silent = join_host(server.addr, 0, hash).await?;
    let quiet =
        tokio::spawn(async move { while silent.next_within(Duration::from_secs(60)).await.is_some() {} });
    let mut churner = Client::open(server.addr, Some(attacker(2))).await?;
    let started = Instant::now();
    // As fast as the relay lets one socket go: 3 frames a round, 300 rounds
    // a second stays under its 1,000 frames a second (faster is cut off).
    let round = Duration::from_secs(1) / 300;
    while started.elapsed() < Duration::from_secs(5) {
        let tick = Instant::now();
        churner.try_join(&want(hash)).await?;
        churner.request(hash).await;
        churner.leave(&want(hash)).await;
        tokio::time::sleep(round.saturating_sub(tick.elapsed())).await;
    }
    let asks = metric(&scrape(server.addr).await?, "ep2p_asks_total");
    figures.push(Figure {
        attack: "a visitor leaves, joins again and asks, 300 times a second for 5 s (one silent host)",
        measure: "asks sent to the host per second",
        value: format!("{:.1}", asks / started.elapsed().as_secs_f64()),
    });
    quiet.abort();
    server.stop().await;

    // Fifty silent hosts from one address beside one honest host.
    let server = crate::relay_with(&binary, Policy::Targeted, &[]).await?;
    let text = page_text(7, 1024);
    let hash = PageHash::of(&text);
    let _honest = Host::serve(join_host(server.addr, 1, hash).await?, &text);
    let mut fakes = Vec::new();
    for _ in 0..50 {
        let mut fake = Client::open(server.addr, Some(attacker(3))).await?;
        fake.try_join(&have(hash)).await?;
        fakes.push(fake);
    }
    let visitor = Client::open(server.addr, Some(attacker(30))).await?;
    let waited = ep2p_testkit::visit(visitor, hash, 3, Duration::from_secs(90)).await;
    figures.push(Figure {
        attack: "50 silent hosts (one address) and 1 honest host on a page",
        measure: "a visitor's time to content",
        value: waited.map_or("not served in 90 s".into(), |t| format!("{:.2} s", t.as_secs_f64())),
    });
    drop(fakes);
    server.stop().await;

    // Every socket one address can open.
    let server = crate::relay_with(&binary, Policy::Targeted, &[]).await?;
    let mut hoard = Vec::new();
    for _ in 0..1000 {
        match Client::open(server.addr, Some(attacker(4))).await {
            Ok(c) => hoard.push(c),
            Err(_) => break,
        }
    }
    figures.push(Figure {
        attack: "one address opens 1,000 WebSockets",
        measure: "sockets admitted",
        value: hoard.len().to_string(),
    });
    drop(hoard);
    server.stop().await;

    // Request heads that never end (slowloris).
    let server = crate::relay_with(&binary, Policy::Targeted, &[]).await?;
    let mut streams = Vec::new();
    for _ in 0..200 {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.map_err(ep2p_testkit::Error::from)?;
        s.write_all(b"GET / HTTP/1.1\r\nHost: relay\r\nX-Slow: ").await.map_err(ep2p_testkit::Error::from)?;
        streams.push(s);
    }
    tokio::time::sleep(Duration::from_secs(12)).await;
    let mut still_open = 0;
    for s in &mut streams {
        let mut byte = [0u8; 1];
        if let Err(_) | Ok(Err(_)) = tokio::time::timeout(Duration::from_millis(5), s.read(&mut byte)).await {
            // Nothing to read yet: the server still holds it.
            still_open += 1;
        }
    }
    figures.push(Figure {
        attack: "200 connections send half a request head and wait",
        measure: "connections the server still holds after 12 s",
        value: still_open.to_string(),
    });
    drop(streams);
    server.stop().await;

    // A megabyte that is not a page, 100 times.
    let server = crate::relay_with(&binary, Policy::Targeted, &[]).await?;
    let cpu = server.cpu_seconds();
    let junk = serde_json::to_string(
        &serde_json::json!([null, "1", "phoenix", "heartbeat", { "x": "y".repeat(1 << 20) }]),
    )
    .expect("serializes");
    for round in 0..100 {
        let mut c = join_host(server.addr, round, PageHash::of("junk")).await?;
        c.try_send(junk.clone()).await?;
        c.closed_within(Duration::from_secs(5)).await;
    }
    figures.push(Figure {
        attack: "100 hosts each send a 1 MiB frame that is not content",
        measure: "server CPU time to refuse them",
        value: format!("{:.0} ms", (server.cpu_seconds() - cpu) * 1000.0),
    });
    server.stop().await;

    // Lies, one after another, from one socket.
    let server = crate::relay_with(&binary, Policy::Targeted, &[]).await?;
    let lines = server.lines();
    let hash = PageHash::of("told the truth");
    let _honest = Host::serve(join_host(server.addr, 1, hash).await?, "told the truth");
    let mut liar = Client::open(server.addr, Some(attacker(5))).await?;
    for round in 0..200 {
        liar.try_join(&have(hash)).await?;
        let lie = serde_json::json!({ "content": format!("lie {round}"), "hash": hash.to_string() });
        liar.call(&have(hash), "content", lie).await;
    }
    liar.barrier().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    figures.push(Figure {
        attack: "one socket sends 200 pages with the wrong hash",
        measure: "log lines written",
        value: (server.lines() - lines).to_string(),
    });
    server.stop().await;

    round_two(&binary, &mut figures).await?;
    Ok(figures)
}

/// Issue 25's attacks: what one address could still do to the relay's
/// memory, to honest hosts and to a page's chat.
async fn round_two(binary: &Path, figures: &mut Vec<Figure>) -> Result<()> {
    // Joining `have:` for a page nobody has, then page-sized messages never finished.
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let before = server.rss_kib();
    let mut peak = before;
    let mut held = Vec::new();
    for i in 0..20 {
        let Ok(mut c) = Client::open(server.addr, Some(attacker(6))).await else { break };
        let _ = c.try_join(&have(PageHash::of(&format!("a page nobody has {i}")))).await;
        // 5 MiB in 64 KiB fragments, the last one never sent.
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            c.send_message(data_frame(64 * 1024, true, false)).await;
            for _ in 1..80 {
                c.send_message(data_frame(64 * 1024, false, false)).await;
            }
        })
        .await;
        held.push(c);
        peak = peak.max(server.rss_kib());
    }
    for _ in 0..3 {
        for c in &mut held {
            c.send_message(Message::Ping(vec![1].into())).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        peak = peak.max(server.rss_kib());
    }
    let open = metric(&scrape(server.addr).await?, "ep2p_connections");
    figures.push(Figure {
        attack:
            "20 sockets join `have:` for pages nobody has, each sends 5 MiB of a message and never ends it",
        measure: "sockets still open after 3 s; server memory grown (peak)",
        value: format!("{open:.0} open; +{:.1} MiB", peak.saturating_sub(before) as f64 / 1024.0),
    });
    drop(held);
    server.stop().await;

    // Long join_refs, kept for every channel: 30 sockets, 100 visits and 200 watches each.
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let before = server.rss_kib();
    let mut held = Vec::new();
    let mut kept = 0;
    for s in 0..30 {
        let mut c = Client::open(server.addr, Some(attacker(7))).await?;
        for t in 0..300 {
            let hash = PageHash::of(&format!("long refs {s} {t}"));
            let topic = if t < 100 { want(hash) } else { format!("watch:{hash}") };
            // A join_ref of 16,000 characters keeps the frame under the 16 KiB cap.
            let join_ref = Ref::from(format!("{t:05}{}", "r".repeat(15_995)).as_str());
            let frame = phoenix::encode(
                Vsn::V2,
                Some(&join_ref),
                Some(&Ref::from("1")),
                &topic,
                "phx_join",
                &Empty {},
            );
            // Read each reply (it echoes the ref) before the next join.
            if c.try_send(frame).await.is_err() || c.next_within(Duration::from_secs(5)).await.is_none() {
                break;
            }
            kept += 1;
        }
        held.push(c);
    }
    // Past the second a closed socket is given to answer the close.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let grown = server.rss_kib().saturating_sub(before) as f64 / 1024.0;
    let metrics = scrape(server.addr).await?;
    let open = metric(&metrics, "ep2p_connections");
    let refused = metric(&metrics, "ep2p_rejected_total{reason=\"long_ref\"}");
    figures.push(Figure {
        attack: "30 sockets each join 100 visits and 200 watches with 16,000-character join_refs",
        measure: "server memory grown; joins answered; sockets closed for a long ref, still open 1.5 s later",
        value: format!("+{grown:.1} MiB; {kept} answered; {refused:.0} closed, {open:.0} open"),
    });
    drop(held);
    server.stop().await;

    // Join `want:`, ask, leave, again and again: uploads for nobody.
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let text = page_text(25, 256 * 1024);
    let hash = PageHash::of(&text);
    let asked = Arc::new(AtomicU64::new(0));
    let host = counting_host(join_host(server.addr, 2, hash).await?, &text, asked.clone());
    let mut loops = JoinSet::new();
    for _ in 0..4 {
        let mut c = Client::open(server.addr, Some(attacker(8))).await?;
        loops.spawn(async move {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(3) {
                if c.try_join(&want(hash)).await.is_err() {
                    return;
                }
                let ask = serde_json::json!({ "hash": hash.to_string() });
                let leave = serde_json::json!({});
                for (event, payload) in [("content_request", ask), ("phx_leave", leave)] {
                    if c.try_send(frame(&c, &want(hash), event, &payload)).await.is_err() {
                        return;
                    }
                }
                c.drain(Duration::ZERO).await;
            }
        });
    }
    while loops.join_next().await.is_some() {}
    let asks = asked.load(Relaxed);
    figures.push(Figure {
        attack: "4 sockets join `want:`, ask and leave in a loop for 3 s (one honest host, a 256 KiB page)",
        measure: "asks the honest host received; MiB it uploaded",
        value: format!("{asks}; {:.1} MiB", asks as f64 * text.len() as f64 / (1024.0 * 1024.0)),
    });
    host.abort();
    server.stop().await;

    // Sockets that send the verified page once, unasked, then go silent.
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let text = page_text(26, 1024);
    let hash = PageHash::of(&text);
    let _honest = Host::serve(join_host(server.addr, 3, hash).await?, &text);
    let mut silent = Vec::new();
    for _ in 0..40 {
        // A server that refuses them refuses the attack: that is its figure.
        let Ok(mut c) = Client::open(server.addr, Some(attacker(9))).await else { break };
        let page = serde_json::json!({ "content": text, "hash": hash.to_string() });
        if c.try_join(&have(hash)).await.is_ok() {
            let _ = c.try_send(frame(&c, &have(hash), "content", &page)).await;
        }
        silent.push(c);
    }
    // The count a watcher sees, once the fakes have sent the page and
    // once a missed deadline (1 s) has had time to catch the silent ones.
    let mut watcher = Client::open(server.addr, Some(attacker(32))).await?;
    let shown = watcher.try_join(&format!("watch:{hash}")).await?.payload["response"]["count"].clone();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut later = Client::open(server.addr, Some(attacker(34))).await?;
    let settled = later.try_join(&format!("watch:{hash}")).await?.payload["response"]["count"].clone();
    let visitor = Client::open(server.addr, Some(attacker(33))).await?;
    let waited = ep2p_testkit::visit(visitor, hash, 4, Duration::from_secs(60)).await;
    figures.push(Figure {
        attack: "40 sockets send the verified page unasked, then stay silent (1 honest host)",
        measure: "the count shown at once, and 2.5 s later; a visitor's time to content",
        value: format!(
            "{shown}, {settled}; {}",
            waited.map_or("not served in 60 s".into(), |t| format!("{:.2} s", t.as_secs_f64()))
        ),
    });
    drop(silent);
    server.stop().await;

    chat_flood(binary, figures).await?;
    smaller(binary, figures).await
}

/// 200 sockets from one address flood a page's chat; one honest host reads
/// along, another pauses reading for 2 s.
async fn chat_flood(binary: &Path, figures: &mut Vec<Figure>) -> Result<()> {
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let text = page_text(27, 1024);
    let hash = PageHash::of(&text);
    let mut reader = join_host(server.addr, 4, hash).await?;
    let mut paused = join_host(server.addr, 5, hash).await?;
    let mut flood = Vec::new();
    for _ in 0..200 {
        let Ok(mut c) = Client::open(server.addr, Some(attacker(10))).await else { break };
        if c.try_join(&have(hash)).await.is_err() {
            break;
        }
        flood.push(c);
    }
    let sockets = flood.len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    reader.drain(Duration::from_millis(100)).await;
    paused.drain(Duration::from_millis(100)).await;
    let before = scrape(server.addr).await?;
    let pause = Instant::now();
    // Five messages each (the per-socket burst), every one padded to about 12 KB of JSON.
    let padding = "\u{1}".repeat(ep2p_core::chat::MAX_TEXT - 1);
    let mut sending = JoinSet::new();
    for (i, mut c) in flood.into_iter().enumerate() {
        let padding = padding.clone();
        sending.spawn(async move {
            for m in 0..5 {
                let message = ep2p_core::chat::Message::plain(
                    wall_ms(),
                    &format!("flood {i}"),
                    &format!("{m}{padding}"),
                )
                .expect("a valid message");
                let payload = serde_json::to_value(&message).expect("messages serialize");
                let sent = c.try_send(frame(&c, &have(hash), "chat", &payload));
                if !matches!(tokio::time::timeout(Duration::from_secs(2), sent).await, Ok(Ok(()))) {
                    break;
                }
            }
            c
        });
    }
    // The reader reads along for 3 s.
    let (mut fanned, mut bytes) = (0u64, 0u64);
    while pause.elapsed() < Duration::from_secs(3) {
        match reader.next_within(Duration::from_millis(200)).await {
            Some(m) if m.event == "chat" => {
                fanned += 1;
                bytes += m.raw.len() as u64;
            }
            Some(_) => {}
            None if reader.closed.is_some() => break,
            None => {}
        }
        if pause.elapsed() >= Duration::from_secs(2) && paused.closed.is_none() {
            // The paused host catches up once it has waited 2 s.
            paused.drain(Duration::ZERO).await;
        }
    }
    let mut held = Vec::new();
    while let Some(done) = sending.join_next().await {
        if let Ok(c) = done {
            held.push(c);
        }
    }
    paused.drain(Duration::from_millis(500)).await;
    let after = scrape(server.addr).await?;
    let delta = |name: &str| metric(&after, name) - metric(&before, name);
    let fate = |c: &Client| match &c.closed {
        None => "kept its page".to_string(),
        Some(frame) => {
            format!("closed ({})", frame.as_ref().map_or("no reason".into(), |f| f.reason.to_string()))
        }
    };
    let (kept, reader_fate) = (fate(&paused), fate(&reader));
    figures.push(Figure {
        attack: "200 sockets from one address each send 5 chat messages of about 12 KB (2 honest hosts)",
        measure: "messages the reading host received in 3 s (MiB), and its fate; chat frames the server sent; the host that paused reading 2 s",
        value: format!(
            "{fanned} ({:.1} MiB), {reader_fate}; {:.0}; {kept} ({sockets} sockets joined)",
            bytes as f64 / (1024.0 * 1024.0),
            delta("ep2p_chat_deliveries_total")
        ),
    });
    drop(held);
    server.stop().await;
    Ok(())
}

/// The smaller holes: what each costs is cheap to show.
async fn smaller(binary: &Path, figures: &mut Vec<Figure>) -> Result<()> {
    // Wrong pages from new sockets, one each: the log limit was per socket.
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let lines = server.lines();
    let hash = PageHash::of("the one true page");
    for round in 0..200 {
        let Ok(mut liar) = Client::open(server.addr, Some(attacker(11))).await else { break };
        let lie = serde_json::json!({ "content": format!("lie {round}"), "hash": hash.to_string() });
        if liar.try_join(&have(hash)).await.is_ok() {
            let _ = liar.try_send(frame(&liar, &have(hash), "content", &lie)).await;
            liar.next_within(Duration::from_secs(2)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    figures.push(Figure {
        attack: "200 sockets from one address each send one page with the wrong hash",
        measure: "log lines written",
        value: (server.lines() - lines).to_string(),
    });
    server.stop().await;

    // Plain HTTP keep-alive connections from one address (WebSockets are capped at 256).
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let mut served = Vec::new();
    for _ in 0..1000 {
        let Ok(mut s) = connect_from(server.addr, attacker(12)).await else { break };
        // The server's own address: other Host names are refused (421).
        let head = format!("GET /metrics HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr);
        let mut first = [0u8; 12];
        let answered = tokio::time::timeout(Duration::from_secs(2), async {
            s.write_all(head.as_bytes()).await?;
            s.read_exact(&mut first).await
        })
        .await;
        if matches!(answered, Ok(Ok(_))) && first.starts_with(b"HTTP/1.1 200") {
            served.push(s);
        }
    }
    figures.push(Figure {
        attack: "one address opens 1,000 plain HTTP keep-alive connections",
        measure: "connections answered and held",
        value: served.len().to_string(),
    });
    drop(served);
    server.stop().await;

    // A WebSocket from another site's page, through a rebound DNS name.
    let server = crate::relay_with(binary, Policy::Targeted, &[]).await?;
    let mut request = format!("ws://{}{}", server.addr, ep2p_core::protocol::socket_path(Vsn::V2))
        .into_client_request()
        .map_err(ep2p_testkit::Error::from)?;
    for (name, value) in [("host", "rebound.example:4000"), ("origin", "https://rebound.example:4000")] {
        request.headers_mut().insert(name, value.parse().expect("a header value"));
    }
    let stream = tokio::net::TcpStream::connect(server.addr).await.map_err(ep2p_testkit::Error::from)?;
    let accepted = match tokio_tungstenite::client_async(request, stream).await {
        Ok(_) => "yes".to_string(),
        Err(error) => format!("no ({error})"),
    };
    figures.push(Figure {
        attack: "a WebSocket with `Host` and `Origin` of another name (DNS rebinding)",
        measure: "accepted",
        value: accepted,
    });
    server.stop().await;

    // A count of usize::MAX from "another node", through Redis.
    let redis = RedisServer::start().await?;
    let url = redis.url();
    let server = crate::relay_with(binary, Policy::Targeted, &["--redis", &url]).await?;
    let text = page_text(28, 1024);
    let hash = PageHash::of(&text);
    let _honest = Host::serve(join_host(server.addr, 6, hash).await?, &text);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // "Node 4242" keeps its liveness key, as a node would, and says its count.
    let forged = format!(r#"{{"count":{{"from":4242,"page":"{hash}","count":{}}}}}"#, u64::MAX);
    let port = redis.port.to_string();
    let mut published = true;
    // Liveness keys name a node in hex.
    let alive = format!("ep2p:alive:{:x}", 4242);
    for command in [&["SET", &alive, "1", "PX", "60000"][..], &["PUBLISH", "ep2p:all", &forged]] {
        let out = tokio::process::Command::new("redis-cli").args(["-p", &port]).args(command).output().await;
        published &= out.is_ok_and(|out| out.status.success());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut watcher = Client::open(server.addr, Some(attacker(34))).await?;
    let shown = watcher.try_join(&format!("watch:{hash}")).await?.payload["response"]["count"].clone();
    figures.push(Figure {
        attack: "a count of 2^64 − 1 published on Redis as another node's (1 honest host)",
        measure: "the count shown",
        value: if published { shown.to_string() } else { "redis-cli failed".into() },
    });
    server.stop().await;
    drop(redis);
    Ok(())
}

/// A host that answers every ask with `text` and counts the asks.
fn counting_host(mut client: Client, text: &str, asked: Arc<AtomicU64>) -> tokio::task::JoinHandle<()> {
    let hash = PageHash::of(text);
    let answer = Content { content: text.into(), hash: Some(hash.to_string()) };
    let frame = phoenix::encode(
        Vsn::V2,
        client.join_ref(&have(hash)).as_ref(),
        None,
        &have(hash),
        "content",
        &answer,
    );
    tokio::spawn(async move {
        while let Some(msg) = client.next_within(Duration::from_secs(60)).await {
            if msg.event == "content_request" {
                asked.fetch_add(1, Relaxed);
                if client.try_send(frame.clone()).await.is_err() {
                    return;
                }
            }
        }
    })
}

async fn connect_from(addr: SocketAddr, from: IpAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(addr).await
}

/// The table for BENCHMARKS.md.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from("| attack | measure | figure |\n|---|---|---:|\n");
    for f in figures {
        out.push_str(&format!("| {} | {} | {} |\n", f.attack, f.measure, f.value));
    }
    out
}
