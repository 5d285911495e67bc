//! Scenario 12: files (SPEC §13). One host sends one visitor a file in
//! 256 KiB chunks over the relay, against the minimal server forwarding
//! the same binary frames (bare, and hashing each as the relay must); then
//! the swarm: 1, 2 and 4 hosts, each held to the same upload rate, send
//! one visitor a file, and the visitor's download rate is measured. What
//! a MiB delivered costs the relay (frames and bytes, from `/metrics`) and
//! its peak memory above idle during the big transfer are read too.
//!
//! Every client here is a raw WebSocket with the frames written by hand
//! (pre-encoded once), so the load generator's own work stays small and
//! equal for the relay and the minimal server.

use crate::{relay_with, Result, Server, LIFTED};
use ep2p_core::chunk::{self, ChunkId};
use ep2p_core::manifest::{self, FileEntry, Manifest, DEFAULT_FILE_LIMIT};
use ep2p_core::phoenix::binary::{self, ClientPush};
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::{self, PageHash};
use ep2p_relay::Policy;
use ep2p_testkit::{scrape, source_ip};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// The sizes of a run.
#[derive(Debug, Clone, Copy)]
pub struct FilePlan {
    /// The file one host sends one visitor.
    pub bytes: usize,
    /// The swarm's file.
    pub swarm_bytes: usize,
    /// Each swarm host's upload rate, bytes per second.
    pub swarm_rate: u64,
    /// Chunks the visitor keeps asked for.
    pub window: usize,
}

/// The relay's limits lifted for load, and chunks in flight and bytes per
/// second lifted too (one visitor is the whole load here).
const FILE_FLAGS: [&str; 4] = ["--chunks-in-flight", "1024", "--chunk-bytes-per-second", "4000MiB"];

/// A file page made once: its manifest, and each chunk's host push frame
/// (the same frame goes to the relay and to the minimal server).
struct TestFile {
    hash: PageHash,
    wire: String,
    chunk_bytes: Vec<usize>,
    pushes: Vec<Bytes>,
}

impl TestFile {
    fn new(bytes: usize) -> Self {
        let chunk = manifest::DEFAULT_CHUNK;
        let data = ep2p_testkit::noise(bytes, 0x9e37_79b9);
        let tree = manifest::tree_of(&data, chunk);
        let entry = FileEntry {
            name: "bench.bin".into(),
            media_type: "application/octet-stream".into(),
            size: bytes as u64,
            root: manifest::to_hex(&tree.root()),
        };
        let wire = Manifest::new(chunk, vec![entry], DEFAULT_FILE_LIMIT).expect("a valid manifest").wire();
        let hash = PageHash::of(&wire);
        let topic = format!("have:{hash}");
        let mut pushes = Vec::new();
        let mut chunk_bytes = Vec::new();
        for (i, piece) in data.chunks(chunk as usize).enumerate() {
            let payload =
                chunk::encode(ChunkId::new(0, i as u32), &tree.proof(i as u64).expect("a leaf"), piece);
            let push = ClientPush {
                join_ref: Some("1"),
                reference: Some("0"),
                topic: &topic,
                event: "chunk",
                payload: &payload,
            };
            pushes.push(Bytes::from(binary::encode_client_push(&push).expect("short strings")));
            chunk_bytes.push(piece.len());
        }
        Self { hash, wire, chunk_bytes, pushes }
    }

    fn chunks(&self) -> usize {
        self.pushes.len()
    }
}

/// A socket with a read buffer fit for 256 KiB frames.
async fn connect(addr: SocketAddr, index: usize, path: &str) -> Result<Ws> {
    let socket = tokio::net::TcpSocket::new_v4().map_err(ep2p_testkit::Error::from)?;
    socket.bind(SocketAddr::new(source_ip(index), 0)).map_err(ep2p_testkit::Error::from)?;
    let stream = socket.connect(addr).await.map_err(ep2p_testkit::Error::from)?;
    stream.set_nodelay(true).map_err(ep2p_testkit::Error::from)?;
    let config =
        WebSocketConfig::default().read_buffer_size(128 * 1024).max_message_size(None).max_frame_size(None);
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(format!("ws://{addr}{path}"), stream, Some(config))
            .await
            .map_err(ep2p_testkit::Error::from)?;
    Ok(ws)
}

async fn send(ws: &mut Ws, message: Message) -> Result<()> {
    ws.send(message).await.map_err(ep2p_testkit::Error::from)?;
    Ok(())
}

/// Sends at most `rate` bytes per second (none: as fast as it can),
/// counted from the first chunk it sends (an idle host banks nothing).
struct Pacer {
    rate: Option<u64>,
    started: Option<Instant>,
    sent: u64,
}

impl Pacer {
    fn new(rate: Option<u64>) -> Self {
        Self { rate, started: None, sent: 0 }
    }

    async fn wait(&mut self, bytes: usize) {
        let Some(rate) = self.rate else { return };
        let started = *self.started.get_or_insert_with(Instant::now);
        self.sent += bytes as u64;
        let due = started + Duration::from_secs_f64(self.sent as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
    }
}

/// A host on the relay: joins `have:H`, holds every chunk, answers the
/// manifest and each chunk asked for, until `stop`.
async fn relay_host(
    addr: SocketAddr,
    index: usize,
    file: Arc<TestFile>,
    rate: Option<u64>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let mut ws = connect(addr, index, &protocol::socket_path(Vsn::V2)).await?;
    let topic = format!("have:{}", file.hash);
    send(&mut ws, Message::Text(format!(r#"["1","1","{topic}","phx_join",{{}}]"#).into())).await?;
    send(&mut ws, Message::Text(format!(r#"["1","2","{topic}","have_chunks",{{"all":true}}]"#).into()))
        .await?;
    let content = serde_json::to_string(&(
        Some("1"),
        Some("3"),
        &topic,
        "content",
        serde_json::json!({ "content": file.wire }),
    ))
    .expect("JSON");
    let mut pacer = Pacer::new(rate);
    while !stop.load(Relaxed) {
        let Ok(next) = tokio::time::timeout(Duration::from_millis(200), ws.next()).await else { continue };
        let Some(Ok(Message::Text(text))) = next else {
            if matches!(next, None | Some(Err(_))) {
                break;
            }
            continue;
        };
        if text.contains("\"content_request\"") {
            send(&mut ws, Message::Text(content.clone().into())).await?;
        } else if let Some(i) = chunk_index(&text) {
            let Some(push) = file.pushes.get(i) else { continue };
            pacer.wait(file.chunk_bytes[i]).await;
            send(&mut ws, Message::Binary(push.clone())).await?;
        }
    }
    Ok(())
}

/// The index in a `chunk_request` frame.
fn chunk_index(text: &str) -> Option<usize> {
    let at = text.find("\"chunk_request\"")?;
    let index = &text[at..];
    let start = index.find("\"index\":")? + 8;
    let digits: String = index[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A visitor on the relay: asks for the manifest, then keeps `window`
/// chunks asked for until it has them all. Its bytes, and how long they took.
async fn relay_visitor(
    addr: SocketAddr,
    index: usize,
    file: &TestFile,
    window: usize,
) -> Result<(u64, Duration)> {
    let mut ws = connect(addr, index, &protocol::socket_path(Vsn::V2)).await?;
    let topic = format!("want:{}", file.hash);
    send(&mut ws, Message::Text(format!(r#"["1","1","{topic}","phx_join",{{}}]"#).into())).await?;
    send(&mut ws, Message::Text(format!(r#"["1","2","{topic}","content_request",{{}}]"#).into())).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) if text.contains("\"content\"") => break,
            Some(Ok(_)) => {}
            _ => return Err(crate::BenchError::Worker("the relay closed before the manifest came".into())),
        }
    }
    let ask = |i: usize| {
        Message::Text(format!(r#"["1",null,"{topic}","chunk_request",{{"file":0,"index":{i}}}]"#).into())
    };
    let started = Instant::now();
    let (mut next, mut received, mut bytes) = (0, 0, 0u64);
    while next < window.min(file.chunks()) {
        send(&mut ws, ask(next)).await?;
        next += 1;
    }
    while received < file.chunks() {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => {
                bytes += frame.len() as u64;
                received += 1;
                if next < file.chunks() {
                    send(&mut ws, ask(next)).await?;
                    next += 1;
                }
            }
            Ok(Some(Ok(Message::Text(text))))
                if text.contains("chunk_unavailable") || text.contains("\"error\"") =>
            {
                return Err(crate::BenchError::Worker(format!("a chunk was refused: {text}")));
            }
            Ok(Some(Ok(_))) => {}
            _ => return Err(crate::BenchError::Worker(format!("the download stalled at {received} chunks"))),
        }
    }
    Ok((bytes, started.elapsed()))
}

/// The same transfer through the minimal server: the visitor's asks go to
/// the host as they are, the host's push frames to the visitor as they are.
async fn baseline_transfer(server: &Server, file: Arc<TestFile>, window: usize) -> Result<(u64, Duration)> {
    let mut host = connect(server.addr, 0, "/ws").await?;
    send(&mut host, Message::Text("host 1".into())).await?;
    let mut visitor = connect(server.addr, 1, "/ws").await?;
    send(&mut visitor, Message::Text("visitor 1".into())).await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let hosting = {
        let file = file.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = host.next().await {
                let Message::Text(text) = message else { continue };
                let Ok(i) = text.parse::<usize>() else { continue };
                if host.send(Message::Binary(file.pushes[i].clone())).await.is_err() {
                    break;
                }
            }
        })
    };
    let started = Instant::now();
    let (mut next, mut received, mut bytes) = (0, 0, 0u64);
    while next < window.min(file.chunks()) {
        send(&mut visitor, Message::Text(next.to_string().into())).await?;
        next += 1;
    }
    while received < file.chunks() {
        match tokio::time::timeout(Duration::from_secs(30), visitor.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => {
                bytes += frame.len() as u64;
                received += 1;
                if next < file.chunks() {
                    send(&mut visitor, Message::Text(next.to_string().into())).await?;
                    next += 1;
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => return Err(crate::BenchError::Worker("the minimal server's transfer stalled".into())),
        }
    }
    let elapsed = started.elapsed();
    hosting.abort();
    Ok((bytes, elapsed))
}

/// One scenario's figures.
#[derive(Debug, Default)]
pub struct FileResult {
    pub bytes: usize,
    pub relay_mib_s: f64,
    pub minimal_mib_s: f64,
    pub hashing_mib_s: f64,
    pub frames_out_per_mib: f64,
    pub bytes_out_per_mib: f64,
    pub frames_in_per_mib: f64,
    pub rss_idle_kib: u64,
    pub rss_peak_kib: u64,
    /// (hosts, per-host rate, the visitor's MiB/s).
    pub swarm: Vec<(usize, f64, f64)>,
}

fn mib_s(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / took.as_secs_f64().max(1e-9)
}

async fn relay(binary: &Path) -> Result<Server> {
    let flags: Vec<&str> = LIFTED.iter().chain(FILE_FLAGS.iter()).copied().collect();
    relay_with(binary, Policy::Targeted, &flags).await
}

pub async fn files(binary: &Path, plan: &FilePlan) -> Result<FileResult> {
    let file = Arc::new(TestFile::new(plan.bytes));
    let mut result = FileResult { bytes: plan.bytes, ..FileResult::default() };
    let mib = plan.bytes as f64 / (1024.0 * 1024.0);

    // One host, one visitor, through the relay: the median of three.
    let mut runs = Vec::new();
    for run in 0..3 {
        let server = relay(binary).await?;
        let stop = Arc::new(AtomicBool::new(false));
        let host = tokio::spawn(relay_host(server.addr, 0, file.clone(), None, stop.clone()));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let before = scrape(server.addr).await?;
        result.rss_idle_kib = server.rss_kib();
        let peak = Arc::new(AtomicU64::new(result.rss_idle_kib));
        let sampling = {
            let (peak, pid, stop) = (peak.clone(), server.pid, stop.clone());
            tokio::spawn(async move {
                while !stop.load(Relaxed) {
                    peak.fetch_max(Server::rss_of(pid), Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        let (bytes, took) = relay_visitor(server.addr, 1, &file, plan.window).await?;
        stop.store(true, Relaxed);
        let _ = sampling.await;
        let after = scrape(server.addr).await?;
        let _ = host.await;
        server.stop().await;
        runs.push(mib_s(bytes, took));
        if run == 0 {
            let delta = |name: &str| {
                after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0)
            };
            result.frames_out_per_mib = delta("ep2p_frames_out_total") / mib;
            result.bytes_out_per_mib = delta("ep2p_bytes_out_total") / mib;
            result.frames_in_per_mib =
                (delta("ep2p_frames_in_total") + delta("ep2p_binary_frames_in_total")) / mib;
            result.rss_peak_kib = peak.load(Relaxed);
        }
    }
    result.relay_mib_s = median(runs);

    for hash in [false, true] {
        let mut runs = Vec::new();
        for _ in 0..3 {
            let server = crate::baseline(hash).await?;
            let (bytes, took) = baseline_transfer(&server, file.clone(), plan.window).await?;
            server.stop().await;
            runs.push(mib_s(bytes, took));
        }
        if hash {
            result.hashing_mib_s = median(runs);
        } else {
            result.minimal_mib_s = median(runs);
        }
    }
    drop(file);

    // The swarm: every host at the same rate.
    let swarm_file = Arc::new(TestFile::new(plan.swarm_bytes));
    for hosts in [1, 2, 4] {
        let server = relay(binary).await?;
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for i in 0..hosts {
            tasks.push(tokio::spawn(relay_host(
                server.addr,
                i,
                swarm_file.clone(),
                Some(plan.swarm_rate),
                stop.clone(),
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (bytes, took) = relay_visitor(server.addr, hosts, &swarm_file, plan.window).await?;
        stop.store(true, Relaxed);
        for task in tasks {
            let _ = task.await;
        }
        server.stop().await;
        result.swarm.push((hosts, plan.swarm_rate as f64 / (1024.0 * 1024.0), mib_s(bytes, took)));
    }
    Ok(result)
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

/// The scenario's tables.
pub fn report(plan: &FilePlan, r: &FileResult) -> String {
    let one = r.swarm.first().map_or(1.0, |s| s.2);
    let mut swarm = String::from("| hosts | each host's upload (MiB/s) | visitor's download (MiB/s) | vs one host |\n|---:|---:|---:|---:|\n");
    for (hosts, rate, got) in &r.swarm {
        swarm.push_str(&format!("| {hosts} | {rate:.1} | {got:.1} | {:.2}× |\n", got / one.max(1e-9)));
    }
    format!(
        "### 12. Files: {} MiB in 256 KiB chunks, one host to one visitor ({} chunks asked at once)\n\n\
         | path | MiB/s |\n|---|---:|\n| relay (routed, every chunk checked) | {:.0} |\n| minimal server forwarding the same binary frames | {:.0} |\n| minimal server, hashing every frame | {:.0} |\n| relay / minimal | {:.2} |\n| relay / minimal + SHA-256 | {:.2} |\n\n\
         Per MiB delivered the relay read {:.1} frames and wrote {:.1} frames, {:.0} bytes. \
         Its memory: {:.1} MiB idle, {:.1} MiB at the peak of the transfer ({:.1} MiB above idle).\n\n\
         The swarm: a {} MiB file, each host held to the same upload rate.\n\n{swarm}",
        r.bytes / (1024 * 1024),
        plan.window,
        r.relay_mib_s,
        r.minimal_mib_s,
        r.hashing_mib_s,
        r.relay_mib_s / r.minimal_mib_s.max(1e-9),
        r.relay_mib_s / r.hashing_mib_s.max(1e-9),
        r.frames_in_per_mib,
        r.frames_out_per_mib,
        r.bytes_out_per_mib,
        r.rss_idle_kib as f64 / 1024.0,
        r.rss_peak_kib as f64 / 1024.0,
        r.rss_peak_kib.saturating_sub(r.rss_idle_kib) as f64 / 1024.0,
        plan.swarm_bytes / (1024 * 1024),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_index_of_a_chunk_request_is_read() {
        let text = r#"["1",null,"have:ab","chunk_request",{"file":0,"index":1234}]"#;
        assert_eq!(super::chunk_index(text), Some(1234));
        assert_eq!(super::chunk_index(r#"["1",null,"have:ab","content_request",{}]"#), None);
    }
}
