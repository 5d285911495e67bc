//! The soak: thousands of visitors arriving and leaving at a steady rate
//! over many pages, while abusive clients run every attack the relay
//! defends against, in a loop. Every honest visitor must be served; the
//! server's memory must come back near where it started once everyone has
//! left. Loopback only, bounded in time and in count.

use crate::{join_host, page_text, Result, Server};
use ep2p_core::phoenix::{self, Ref, Vsn};
use ep2p_core::protocol::{self, event, PageHash};
use ep2p_testkit::{have, open_socket, source_ip, visit, want, Client, Host};
use futures_util::SinkExt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// The numbers of a soak.
pub struct SoakPlan {
    pub pages: usize,
    pub hosts_per_page: usize,
    pub visitors_per_second: usize,
    pub run_for: Duration,
    /// Pages that also get this many silent fake hosts.
    pub faked_pages: usize,
    pub fakes_per_page: usize,
}

/// What a soak measured.
#[derive(Debug)]
pub struct SoakResult {
    pub served: usize,
    pub failures: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The server just started.
    pub rss_boot_kib: u64,
    /// After the warm-up, everyone gone: the measured run starts here.
    pub rss_start_kib: u64,
    pub rss_peak_kib: u64,
    pub rss_end_kib: u64,
    /// The server's resident memory over the soak: (seconds since it began, KiB).
    pub memory: Vec<(f64, u64)>,
    /// When the measured run began (the warm-up ended), in the same seconds.
    pub measured_from: f64,
    /// Attacks carried out, and how the relay refused them.
    pub attacks: u64,
    pub rejected: Vec<(String, f64)>,
}

/// Source addresses of the attackers: none of them an honest one.
fn attacker(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 1, n))
}

/// The relay's flags for a soak: production defaults, except the time
/// limits, shortened so attacks cycle many times within minutes.
pub const SOAK_FLAGS: &[&str] = &["--message-timeout", "2s", "--header-read-timeout", "2s"];

/// A warm-up before the measured run: the same traffic for this long, so
/// the runtime's and the allocator's high-water marks (socket slabs, timer
/// wheels, map capacities) are reached before `start` is read.
const WARM_UP: Duration = Duration::from_secs(10);

pub async fn soak(server: &Server, plan: &SoakPlan) -> Result<SoakResult> {
    let rss_boot_kib = server.rss_kib();
    // The server's memory over the whole soak, warm-up and settling
    // included: one sample every 250 ms, in seconds since the soak began.
    let booted = Instant::now();
    let samples = Arc::new(Mutex::new(vec![(0.0, rss_boot_kib)]));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (sampling, samples, pid) = (sampling.clone(), samples.clone(), server.pid);
        tokio::spawn(async move {
            while sampling.load(Relaxed) {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let sample = (booted.elapsed().as_secs_f64(), Server::rss_of(pid));
                samples.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(sample);
            }
        })
    };
    let warm_up = phase(server, plan, WARM_UP.min(plan.run_for)).await;
    let rss_start_kib = server.rss_kib();
    let measured_from = booted.elapsed().as_secs_f64();
    let run = match warm_up {
        Ok(_) => phase(server, plan, plan.run_for).await,
        Err(error) => Err(error),
    };
    let rss_end_kib = server.rss_kib();
    let ended = booted.elapsed().as_secs_f64();
    sampling.store(false, Relaxed);
    let _ = sampler.await;
    let run = run?;
    let mut memory = std::mem::take(&mut *samples.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    memory.push((ended, rss_end_kib));
    let rss_peak_kib = memory
        .iter()
        .filter(|(at, _)| *at >= measured_from)
        .map(|(_, kib)| *kib)
        .fold(rss_start_kib, u64::max);
    Ok(SoakResult { rss_boot_kib, rss_start_kib, rss_peak_kib, rss_end_kib, memory, measured_from, ..run })
}

/// Hosts on every page, fake hosts on some, every attack in a loop and
/// honest visitors at a steady rate for `run_for`; then everyone leaves and
/// the relay is given the time to notice.
async fn phase(server: &Server, plan: &SoakPlan, run_for: Duration) -> Result<SoakResult> {
    let addr = server.addr;
    let texts: Vec<String> = (0..plan.pages).map(|p| page_text(p + 1_000_000, 2048)).collect();
    let mut hosts = Vec::new();
    for (p, text) in texts.iter().enumerate() {
        for h in 0..plan.hosts_per_page {
            let client = join_host(addr, p * plan.hosts_per_page + h, PageHash::of(text)).await?;
            hosts.push(Host::serve(client, text));
        }
    }
    let running = Arc::new(AtomicBool::new(true));
    let attacks = Arc::new(AtomicU64::new(0));
    let mut abusers = JoinSet::new();
    // Silent fake hosts on some pages, from one address.
    for text in texts.iter().take(plan.faked_pages) {
        let hash = PageHash::of(text);
        for _ in 0..plan.fakes_per_page {
            let mut fake = Client::open(addr, Some(attacker(1))).await?;
            fake.try_join(&have(hash)).await?;
            abusers.spawn(async move {
                // Joined and never answering; dropped when the phase ends.
                while fake.next_within(Duration::from_secs(3600)).await.is_some() {}
            });
        }
    }
    let hashes: Arc<Vec<PageHash>> = Arc::new(texts.iter().map(|t| PageHash::of(t)).collect());
    for attack in Attack::ALL {
        let (running, attacks, hashes) = (running.clone(), attacks.clone(), hashes.clone());
        abusers.spawn(async move {
            let mut round = 0u64;
            while running.load(Relaxed) {
                if attack.run(addr, &hashes, round).await {
                    attacks.fetch_add(1, Relaxed);
                }
                round += 1;
            }
        });
    }

    // Honest visitors at a steady rate, each on the next page, as a browser.
    let started = Instant::now();
    let every = Duration::from_secs(1) / plan.visitors_per_second as u32;
    let mut visits = JoinSet::new();
    let mut k = 0usize;
    while started.elapsed() < run_for {
        let tick = Instant::now();
        let hash = hashes[k % hashes.len()];
        let source = source_ip(k);
        visits.spawn(async move {
            let client = Client::open(addr, Some(source)).await.ok()?;
            visit(client, hash, k as u64, Duration::from_secs(15)).await
        });
        k += 1;
        tokio::time::sleep(every.saturating_sub(tick.elapsed())).await;
    }
    let mut times = Vec::with_capacity(k);
    while let Some(done) = visits.join_next().await {
        if let Ok(Some(time)) = done {
            times.push(time.as_secs_f64() * 1000.0);
        }
    }
    running.store(false, Relaxed);
    abusers.abort_all();
    while abusers.join_next().await.is_some() {}
    let metrics = ep2p_testkit::scrape(addr).await?;
    drop(hosts);
    // Everyone has left: wait for the relay to notice.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(20) {
        let now = ep2p_testkit::scrape(addr).await?;
        if now.get("ep2p_connections").copied() == Some(0.0) && now.get("ep2p_pages").copied() == Some(0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The server hands freed memory back every few seconds.
    tokio::time::sleep(Duration::from_secs(6)).await;

    times.sort_by(f64::total_cmp);
    let at = |p: f64| {
        times.get(((p * times.len() as f64).ceil() as usize).clamp(1, times.len().max(1)) - 1).copied()
    };
    let mut rejected: Vec<(String, f64)> = metrics
        .iter()
        .filter_map(|(name, value)| {
            let reason = name.strip_prefix("ep2p_rejected_total{reason=\"")?.strip_suffix("\"}")?;
            (*value > 0.0).then(|| (reason.to_string(), *value))
        })
        .collect();
    rejected.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(SoakResult {
        served: times.len(),
        failures: k - times.len(),
        p50_ms: at(0.5).unwrap_or(f64::NAN),
        p99_ms: at(0.99).unwrap_or(f64::NAN),
        max_ms: times.last().copied().unwrap_or(f64::NAN),
        rss_boot_kib: 0,
        rss_start_kib: 0,
        rss_peak_kib: 0,
        rss_end_kib: 0,
        memory: Vec::new(),
        measured_from: 0.0,
        attacks: attacks.load(Relaxed),
        rejected,
    })
}

/// The attacks the relay defends against, each run again and again.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Attack {
    /// A socket that hosts nothing sends a large message in fragments.
    Fragments,
    /// Half a large message, then pings to keep it alive.
    HeldMessage,
    /// Pings as fast as it can.
    PingFlood,
    /// Every socket an address may hold, and more.
    ConnectionHoard,
    /// Request heads that never end.
    Slowloris,
    /// Visitors leaving and joining again to make hosts be asked again.
    Churn,
    /// A host answering every request with the wrong page.
    Liar,
    /// A megabyte that is not a page, then not even JSON.
    Junk,
    /// A host puts padded messages into its page's chat as fast as it can.
    ChatFlood,
    /// Joins with 16,000-character join_refs (closed at the first).
    LongRefs,
}

impl Attack {
    pub(crate) const ALL: [Attack; 8] = [
        Attack::Fragments,
        Attack::HeldMessage,
        Attack::PingFlood,
        Attack::ConnectionHoard,
        Attack::Slowloris,
        Attack::Churn,
        Attack::Liar,
        Attack::Junk,
    ];

    /// The second review's attacks (issue 25), which the chaos soak runs
    /// beside the others.
    pub(crate) const ROUND_TWO: [Attack; 2] = [Attack::ChatFlood, Attack::LongRefs];

    /// One round; true if it got far enough to be an attack (the relay may
    /// also refuse the connection itself, which is fine).
    pub(crate) async fn run(self, addr: SocketAddr, pages: &[PageHash], round: u64) -> bool {
        let hash = pages[round as usize % pages.len()];
        let from = attacker(2 + self as u8);
        let attempt = async {
            match self {
                Attack::Fragments => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    c.send_message(data_frame(10 * 1024, true, false)).await;
                    c.send_message(data_frame(10 * 1024, false, true)).await;
                    c.closed_within(Duration::from_secs(5)).await;
                }
                Attack::HeldMessage => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    c.try_join(&have(hash)).await.ok()?;
                    c.send_message(data_frame(512 * 1024, true, false)).await;
                    for _ in 0..100 {
                        c.send_message(Message::Ping(vec![1].into())).await;
                        if c.next_within(Duration::from_millis(100)).await.is_none() && c.closed.is_some() {
                            break;
                        }
                    }
                }
                Attack::PingFlood => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    for _ in 0..5000 {
                        c.send_message(Message::Ping(vec![0].into())).await;
                    }
                    c.closed_within(Duration::from_secs(5)).await;
                }
                Attack::ConnectionHoard => {
                    let mut held = Vec::new();
                    for _ in 0..300 {
                        match Client::open(addr, Some(from)).await {
                            Ok(c) => held.push(c),
                            Err(_) => break,
                        }
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Attack::Slowloris => {
                    let mut streams = Vec::new();
                    for _ in 0..50 {
                        let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else { break };
                        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
                        streams.push(s);
                    }
                    for mut s in streams {
                        let mut sink = Vec::new();
                        let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut sink)).await;
                    }
                }
                Attack::Churn => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    for _ in 0..20 {
                        c.try_join(&want(hash)).await.ok()?;
                        let ask = serde_json::json!({ "hash": hash.to_string() });
                        c.try_send(frame(&c, &want(hash), event::CONTENT_REQUEST, &ask)).await.ok()?;
                        let leave = frame(&c, &want(hash), event::LEAVE, &serde_json::json!({}));
                        c.try_send(leave).await.ok()?;
                        c.drain(Duration::ZERO).await;
                    }
                }
                Attack::Liar => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    c.try_join(&have(hash)).await.ok()?;
                    for _ in 0..20 {
                        if c.next_within(Duration::from_millis(200))
                            .await
                            .is_some_and(|m| m.event == "content_request")
                        {
                            let lie =
                                serde_json::json!({ "content": "not the page", "hash": hash.to_string() });
                            c.try_send(frame(&c, &have(hash), event::CONTENT, &lie)).await.ok()?;
                            c.try_join(&have(hash)).await.ok()?;
                        }
                    }
                }
                Attack::Junk => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    c.try_join(&have(hash)).await.ok()?;
                    let junk = format!(r#"[null,"1","phoenix","heartbeat",{{"x":"{}"#, "y".repeat(1 << 20));
                    c.try_send(junk).await.ok()?;
                    c.closed_within(Duration::from_secs(5)).await;
                    let mut raw =
                        open_socket(addr, Some(from), &protocol::socket_path(Vsn::V2)).await.ok()?;
                    raw.send(Message::Text("not json".into())).await.ok()?;
                }
                Attack::ChatFlood => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    c.try_join(&have(hash)).await.ok()?;
                    let padding = "x".repeat(ep2p_core::chat::MAX_TEXT - 4);
                    for m in 0..20 {
                        let text = format!("{m:03}{padding}");
                        let message =
                            ep2p_core::chat::Message::plain(ep2p_relay::wall_ms(), "flood", &text).ok()?;
                        let payload = serde_json::to_value(&message).ok()?;
                        c.try_send(frame(&c, &have(hash), event::CHAT, &payload)).await.ok()?;
                    }
                    c.drain(Duration::from_millis(200)).await;
                }
                Attack::LongRefs => {
                    let mut c = Client::open(addr, Some(from)).await.ok()?;
                    let join_ref = Ref::from("r".repeat(16_000).as_str());
                    let join = phoenix::encode(
                        Vsn::V2,
                        Some(&join_ref),
                        Some(&Ref::from("1")),
                        &want(hash),
                        event::JOIN,
                        &serde_json::json!({}),
                    );
                    c.try_send(join).await.ok()?;
                    c.closed_within(Duration::from_secs(5)).await;
                }
            }
            Some(())
        };
        attempt.await.is_some()
    }
}

/// A frame for `topic` with the channel's join_ref, as `Client::push`
/// sends it, but without failing when the server has closed the socket (an
/// attacker's socket may be closed at any time, or its node killed).
pub(crate) fn frame(c: &Client, topic: &str, event: &str, payload: &serde_json::Value) -> String {
    phoenix::encode(Vsn::V2, c.join_ref(topic).as_ref(), Some(&Ref::from("1")), topic, event, payload)
}

pub(crate) fn data_frame(len: usize, first: bool, last: bool) -> Message {
    let opcode = if first { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
    Message::Frame(Frame::message(vec![b' '; len], opcode, last))
}

/// The markdown for BENCHMARKS.md.
pub fn report(plan: &SoakPlan, r: &SoakResult) -> String {
    let rejected =
        r.rejected.iter().map(|(reason, n)| format!("{reason} {n:.0}")).collect::<Vec<_>>().join(", ");
    let end_vs_start = r.rss_end_kib as f64 / r.rss_start_kib.max(1) as f64;
    format!(
        "### 6. Soak: visitors and attackers together\n\n\
         {} pages ({} honest hosts each; {} of them also carry {} silent fake hosts), {} visitors / s for {} s, \
         every attack in a loop from other addresses. Memory: at boot; at the start of the measured run \
         (after a {} s warm-up of the same traffic, everyone gone); its peak; at the end (everyone gone).\n\n\
         | visitors served | failures | p50 / p99 / max time to content (ms) | attacks | server RSS boot / start / peak / end (MiB) | end / start |\n\
         |---:|---:|---|---:|---|---:|\n\
         | {} | {} | {:.1} / {:.0} / {:.0} | {} | {:.1} / {:.1} / {:.1} / {:.1} | {:.2} |\n\n\
         Refused by the relay over the whole soak (warm-up included), by reason: {rejected}.\n",
        plan.pages,
        plan.hosts_per_page,
        plan.faked_pages,
        plan.fakes_per_page,
        plan.visitors_per_second,
        plan.run_for.as_secs(),
        WARM_UP.as_secs(),
        r.served,
        r.failures,
        r.p50_ms,
        r.p99_ms,
        r.max_ms,
        r.attacks,
        r.rss_boot_kib as f64 / 1024.0,
        r.rss_start_kib as f64 / 1024.0,
        r.rss_peak_kib as f64 / 1024.0,
        r.rss_end_kib as f64 / 1024.0,
        end_vs_start,
    )
}
