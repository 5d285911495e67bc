//! Scenario 7: each attack the relay defends against, alone, against a
//! fresh server with its default settings, and the figure that shows what
//! it achieves. Run against an older server binary (`--server`), the same
//! table shows what the defences changed.

use crate::{join_host, page_text, Result};
use ep2p_core::protocol::PageHash;
use ep2p_relay::Policy;
use ep2p_testkit::{have, scrape, want, Client, Host};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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

    Ok(figures)
}

/// The table for BENCHMARKS.md.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from("| attack | measure | figure |\n|---|---|---:|\n");
    for f in figures {
        out.push_str(&format!("| {} | {} | {} |\n", f.attack, f.measure, f.value));
    }
    out
}
