//! `ep2p-bench`: starts the release server itself, runs every scenario
//! under each routing policy in one run, and prints one table (see
//! BENCHMARKS.md). Loopback only; every loop is bounded in count and time.
//!
//! Scenarios: (1) time to content for H hosts, visitors one by one and in a
//! burst; (2) server frames and bytes per served visitor; (3) idle
//! connections: server memory per connection and connect rate, against the
//! minimal server; (4) verified deliveries per second against the minimal
//! frame-forwarding server; (5) host-count frames under churn.

mod baseline;
mod load;

use clap::{Args, Parser, Subcommand};
use ep2p_core::protocol::{event, Content, PageHash, Topic};
use load::{host_loop, page_text, source_ip, Next, Peer};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinSet;

#[derive(Parser)]
#[command(about = "Benchmarks the Ephemeral P2P relay: every scenario, every routing policy, one table")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// The minimal frame-forwarding server used as the baseline (internal).
    Baseline {
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
    },
    /// Opens and holds idle connections until stdin closes (internal).
    IdleWorker {
        #[arg(long)]
        addr: SocketAddr,
        #[arg(long)]
        count: usize,
        /// Index of this worker's first connection (page names are unique).
        #[arg(long)]
        first: usize,
        /// Talk to the baseline server instead of the relay.
        #[arg(long)]
        baseline: bool,
    },
}

#[derive(Args, Clone)]
struct RunArgs {
    /// The release server binary (`cargo leptos build --release` makes it).
    #[arg(long, default_value = "target/release/ephemeral_p2p")]
    server: PathBuf,
    /// A seconds-long run of every scenario with small numbers (the test suite's smoke test).
    #[arg(long)]
    smoke: bool,
    /// Also write the tables as Markdown to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Run only these scenarios (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Scenario>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// 1 and 2: time to content, and cost per served visitor.
    Content,
    /// 3: idle connections.
    Idle,
    /// 4: throughput.
    Throughput,
    /// 5: host-count churn.
    Churn,
}

/// The numbers of a run.
struct Plan {
    hosts: Vec<usize>,
    one_by_one: usize,
    burst: usize,
    visitor_timeout: Duration,
    idle: Vec<usize>,
    pairs: usize,
    sizes: Vec<usize>,
    throughput_for: Duration,
    churn_hosts: usize,
    churn_per_second: usize,
    churn_for: Duration,
}

impl Plan {
    fn full() -> Self {
        Self {
            hosts: vec![1, 10, 100, 1000, 5000],
            one_by_one: 200,
            burst: 50,
            visitor_timeout: Duration::from_secs(15),
            idle: vec![5_000, 10_000, 19_000],
            pairs: 64,
            sizes: vec![1024, 16 * 1024, 256 * 1024],
            throughput_for: Duration::from_secs(3),
            churn_hosts: 5000,
            churn_per_second: 50,
            churn_for: Duration::from_secs(5),
        }
    }

    fn smoke() -> Self {
        Self {
            hosts: vec![1, 10],
            one_by_one: 10,
            burst: 5,
            visitor_timeout: Duration::from_secs(15),
            idle: vec![200],
            pairs: 4,
            sizes: vec![1024, 16 * 1024],
            throughput_for: Duration::from_millis(300),
            churn_hosts: 50,
            churn_per_second: 20,
            churn_for: Duration::from_secs(1),
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Cmd::Baseline { addr }) => baseline::serve(addr).await.map_err(|e| e.to_string()),
        Some(Cmd::IdleWorker { addr, count, first, baseline }) => {
            idle_worker(addr, count, first, baseline).await
        }
        None => run(cli.run).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ep2p-bench: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

const POLICIES: [&str; 3] = ["targeted", "random-drop", "broadcast"];

async fn run(args: RunArgs) -> Result<(), String> {
    let plan = if args.smoke { Plan::smoke() } else { Plan::full() };
    let started = Instant::now();
    let mut report = String::new();
    let _ = writeln!(
        report,
        "Run of `ep2p-bench{}` on {} cores, {}.\n",
        if args.smoke { " --smoke" } else { "" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        machine_memory()
    );

    let wanted = |scenario| args.only.is_empty() || args.only.contains(&scenario);

    // 1 and 2: time to content, and what each served visitor costs.
    let mut ttc = String::from(
        "| policy | hosts | one by one p50 / p90 / p99 / max (ms) | burst p50 / p90 / p99 / max (ms) | failures | frames / visitor | bytes / visitor |\n|---|---:|---|---|---:|---:|---:|\n",
    );
    // The smoke run fails if our routing leaves anyone unserved; the
    // original's and the storm's failures are what they are measured for.
    let mut targeted_failures = 0;
    for policy in POLICIES.into_iter().filter(|_| wanted(Scenario::Content)) {
        for &hosts in &plan.hosts {
            let server = Server::relay(&args.server, policy).await?;
            let r = time_to_content(&server, hosts, &plan).await?;
            server.stop().await;
            eprintln!("time to content: {policy} H={hosts}: {r:?}");
            if policy == "targeted" {
                targeted_failures += r.failures;
            }
            let _ = writeln!(
                ttc,
                "| {policy} | {hosts} | {} | {} | {} | {:.2} | {:.0} |",
                r.one_by_one, r.burst, r.failures, r.frames_per_visitor, r.bytes_per_visitor
            );
        }
    }
    let _ = writeln!(report, "### 1–2. Time to content and cost per served visitor\n\n{ttc}");

    // 3: idle connections.
    let mut idle = String::from(
        "| connections | relay KiB / conn | relay connects / s | minimal server KiB / conn | minimal connects / s |\n|---:|---:|---:|---:|---:|\n",
    );
    for &n in plan.idle.iter().filter(|_| wanted(Scenario::Idle)) {
        let relay = Server::relay(&args.server, "targeted").await?;
        let ours = idle_scale(&relay, n, false).await?;
        relay.stop().await;
        let bare = Server::baseline().await?;
        let theirs = idle_scale(&bare, n, true).await?;
        bare.stop().await;
        eprintln!("idle {n}: ours {ours:?}, minimal {theirs:?}");
        let _ = writeln!(
            idle,
            "| {n} | {:.1} | {:.0} | {:.1} | {:.0} |",
            ours.kib_per_conn, ours.connects_per_second, theirs.kib_per_conn, theirs.connects_per_second
        );
    }
    let _ = writeln!(report, "### 3. Idle connections (each hosting its own page)\n\n{idle}");

    // 4: throughput against the minimal forwarding server.
    let mut tput = String::from(
        "| page size | relay deliveries / s | relay CPU (cores) | minimal forwards / s | minimal CPU (cores) | ratio |\n|---:|---:|---:|---:|---:|---:|\n",
    );
    for &size in plan.sizes.iter().filter(|_| wanted(Scenario::Throughput)) {
        // The server and the load generator share two cores: take the
        // median of three runs of each.
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..3 {
            let relay = Server::relay(&args.server, "targeted").await?;
            ours.push(throughput(&relay, plan.pairs, size, plan.throughput_for, false).await?);
            relay.stop().await;
            let bare = Server::baseline().await?;
            theirs.push(throughput(&bare, plan.pairs, size, plan.throughput_for, true).await?);
            bare.stop().await;
        }
        let (ours, theirs) = (Throughput::median(ours), Throughput::median(theirs));
        eprintln!("throughput {size}: ours {ours:?}, minimal {theirs:?}");
        let _ = writeln!(
            tput,
            "| {} KiB | {:.0} | {:.2} | {:.0} | {:.2} | {:.2} |",
            size / 1024,
            ours.per_second,
            ours.cpu_cores,
            theirs.per_second,
            theirs.cpu_cores,
            ours.per_second / theirs.per_second.max(1.0)
        );
    }
    let _ = writeln!(
        report,
        "### 4. Throughput: one request per verified delivery, {} page pairs, {} s\n\n{tput}",
        plan.pairs,
        plan.throughput_for.as_secs_f64()
    );

    // 5: count churn.
    if wanted(Scenario::Churn) {
        let relay = Server::relay(&args.server, "targeted").await?;
        let churn = count_churn(&relay, &plan).await?;
        relay.stop().await;
        let _ = writeln!(
            report,
            "### 5. Host-count churn\n\n| hosts | joins + leaves / s | visitors_count frames / host / s |\n|---:|---:|---:|\n| {} | {} + {} | {:.2} |\n",
            plan.churn_hosts, plan.churn_per_second, plan.churn_per_second, churn
        );
    }
    let _ = writeln!(report, "Total run time: {:.0} s.", started.elapsed().as_secs_f64());

    println!("{report}");
    if let Some(path) = args.markdown {
        std::fs::write(&path, &report).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if args.smoke && targeted_failures > 0 {
        return Err(format!("{targeted_failures} visitors were not served under targeted routing"));
    }
    Ok(())
}

fn machine_memory() -> String {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kib| kib.parse::<u64>().ok()));
    total.map_or_else(|| "unknown memory".into(), |kib| format!("{} GiB", kib / 1024 / 1024))
}

/// A server process under test: the relay or the minimal baseline.
struct Server {
    child: Child,
    addr: SocketAddr,
    pid: u32,
}

impl Server {
    /// The release relay with the given policy and limits lifted for load.
    async fn relay(binary: &PathBuf, policy: &str) -> Result<Self, String> {
        let mut command = Command::new(binary);
        command.args([
            "--addr",
            "127.0.0.1:0",
            "--policy",
            policy,
            "--requests-per-second",
            "1000000",
            "--frames-per-second",
            "1000000",
            "--outbound-queue",
            "4096",
            "--heartbeat-timeout",
            "600s",
        ]);
        command.env("RUST_LOG", "info").env("NO_COLOR", "1");
        Self::spawn(command).await
    }

    async fn baseline() -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut command = Command::new(exe);
        command.arg("baseline");
        Self::spawn(command).await
    }

    async fn spawn(mut command: Command) -> Result<Self, String> {
        let mut child = command
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on http://".len()..];
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    return addr.parse::<SocketAddr>().ok();
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or("the server did not say where it listens")?;
        // Keep reading its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, addr, pid })
    }

    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    /// User + system CPU time, in seconds.
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0)
            + fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0);
        ticks as f64 / 100.0
    }

    /// `/metrics` once the server has stopped sending (no frame out for
    /// 400 ms, at most 10 s): what a scenario measures starts from there.
    async fn settled(&self) -> HashMap<String, f64> {
        let started = Instant::now();
        let mut last = self.metrics().await;
        let mut quiet = 0;
        while quiet < 4 && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = self.metrics().await;
            let out = |m: &HashMap<String, f64>| m.get("ep2p_frames_out_total").copied();
            quiet = if out(&now) == out(&last) { quiet + 1 } else { 0 };
            last = now;
        }
        last
    }

    /// `/metrics` as name → value.
    async fn metrics(&self) -> HashMap<String, f64> {
        let Ok(mut stream) = tokio::net::TcpStream::connect(self.addr).await else {
            return HashMap::new();
        };
        let request = format!("GET /metrics HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr);
        if stream.write_all(request.as_bytes()).await.is_err() {
            return HashMap::new();
        }
        let mut body = String::new();
        let _ = stream.read_to_string(&mut body).await;
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (name, value) = l.rsplit_once(' ')?;
                Some((name.to_string(), value.parse().ok()?))
            })
            .collect()
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Latencies of one group of visitors.
#[derive(Debug, Default)]
struct Latencies(Vec<f64>);

impl Latencies {
    fn percentile(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }
}

impl std::fmt::Display for Latencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |v: f64| {
            if v >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        };
        write!(
            f,
            "{} / {} / {} / {}",
            ms(self.percentile(50.0)),
            ms(self.percentile(90.0)),
            ms(self.percentile(99.0)),
            ms(self.percentile(100.0))
        )
    }
}

#[derive(Debug)]
struct TtcResult {
    one_by_one: Latencies,
    burst: Latencies,
    failures: usize,
    frames_per_visitor: f64,
    bytes_per_visitor: f64,
}

/// Scenario 1 (and 2): a page with `hosts` hosts; visitors arrive one by
/// one, then in a burst; each is timed from its join to verified content.
async fn time_to_content(server: &Server, hosts: usize, plan: &Plan) -> Result<TtcResult, String> {
    let text = Arc::new(page_text(hosts, 1024));
    let hash = PageHash::of(&text);
    let mut host_tasks = JoinSet::new();
    for i in 0..hosts {
        let mut peer = Peer::connect(server.addr, source_ip(i)).await.map_err(|e| e.to_string())?;
        let join_ref = peer.join(Topic::Have(hash)).await?;
        let text = text.clone();
        host_tasks.spawn(async move { host_loop(peer, &text, join_ref).await });
    }
    // Let the coalesced host counts of all those joins go out first.
    let before = server.settled().await;

    // One by one: each visitor arrives after the previous one was served
    // (or gave up), so nobody is rescued by someone else's request.
    let mut times = Vec::new();
    for k in 0..plan.one_by_one {
        if let Some(time) = visit(None, server.addr, k, hash, plan.visitor_timeout).await {
            times.push(time.as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let one_by_one = Latencies(times);

    let mut visits = JoinSet::new();

    let mut ready = Vec::new();
    for k in 0..plan.burst {
        ready.push(Peer::connect(server.addr, source_ip(k)).await.map_err(|e| e.to_string())?);
    }
    for (k, peer) in ready.into_iter().enumerate() {
        let (addr, timeout) = (server.addr, plan.visitor_timeout);
        visits.spawn(async move { visit(Some(peer), addr, k, hash, timeout).await });
    }
    let burst = collect(&mut visits).await;
    let after = server.metrics().await;
    host_tasks.abort_all();

    let failures = (plan.one_by_one - one_by_one.0.len()) + (plan.burst - burst.0.len());
    let served = (one_by_one.0.len() + burst.0.len()).max(1) as f64;
    let delta = |name: &str| after.get(name).unwrap_or(&0.0) - before.get(name).unwrap_or(&0.0);
    Ok(TtcResult {
        one_by_one,
        burst,
        failures,
        frames_per_visitor: delta("ep2p_frames_out_total") / served,
        bytes_per_visitor: delta("ep2p_bytes_out_total") / served,
    })
}

async fn collect(visits: &mut JoinSet<Option<Duration>>) -> Latencies {
    let mut times: Vec<f64> = Vec::new();
    while let Some(done) = visits.join_next().await {
        if let Ok(Some(time)) = done {
            times.push(time.as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    Latencies(times)
}

/// One visitor, as the browser does it: join `want:H`, ask when joined, ask
/// again every 2 s, until content whose hash matches arrives.
async fn visit(
    peer: Option<Peer>,
    addr: SocketAddr,
    k: usize,
    hash: PageHash,
    timeout: Duration,
) -> Option<Duration> {
    let mut peer = match peer {
        Some(peer) => peer,
        None => Peer::connect(addr, source_ip(k)).await.ok()?,
    };
    let started = Instant::now();
    let deadline = started + timeout;
    let join_ref = peer.send_join(Topic::Want(hash)).await.ok()?;
    let mut retry_at: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        if retry_at.is_some_and(|at| now >= at) {
            peer.request(hash, &join_ref).await.ok()?;
            retry_at = Some(now + Duration::from_secs(2));
        }
        let wake = retry_at.map_or(deadline, |at| at.min(deadline));
        match peer.recv(wake.saturating_duration_since(now)).await {
            Next::Closed => return None,
            Next::Timeout => {}
            Next::Frame(msg) => {
                if msg.event == event::REPLY && msg.msg_ref.as_ref() == Some(&join_ref) {
                    peer.request(hash, &join_ref).await.ok()?;
                    retry_at = Some(Instant::now() + Duration::from_secs(2));
                } else if msg.event == event::CONTENT {
                    let content: Content = serde_json::from_str(&msg.payload).ok()?;
                    if hash.matches(&content.content) {
                        return Some(started.elapsed());
                    }
                }
            }
        }
    }
}

#[derive(Debug)]
struct IdleResult {
    kib_per_conn: f64,
    connects_per_second: f64,
}

/// At most this many connections per worker process (20000 open files per process).
const PER_WORKER: usize = 5000;

/// Scenario 3: `n` idle connections, each hosting its own page (or, on the
/// baseline, registered as a host), held by worker processes.
async fn idle_scale(server: &Server, n: usize, baseline: bool) -> Result<IdleResult, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let rss_before = server.rss_kib();
    let started = Instant::now();
    let mut workers = Vec::new();
    let per = n.div_ceil(n.div_ceil(PER_WORKER));
    for first in (0..n).step_by(per) {
        let count = per.min(n - first);
        let mut command = Command::new(&exe);
        command.args([
            "idle-worker",
            "--addr",
            &server.addr.to_string(),
            "--count",
            &count.to_string(),
            "--first",
            &first.to_string(),
        ]);
        if baseline {
            command.arg("--baseline");
        }
        let child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| e.to_string())?;
        workers.push(child);
    }
    for worker in &mut workers {
        let mut line = String::new();
        let stdout = worker.stdout.as_mut().unwrap();
        let mut reader = BufReader::new(stdout);
        tokio::time::timeout(Duration::from_secs(120), reader.read_line(&mut line))
            .await
            .map_err(|_| "an idle worker did not get ready in time")?
            .map_err(|e| e.to_string())?;
        if !line.starts_with("ready") {
            return Err(format!("idle worker: {line}"));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = server.rss_kib();
    for mut worker in workers {
        drop(worker.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(30), worker.wait()).await;
    }
    Ok(IdleResult {
        kib_per_conn: rss_after.saturating_sub(rss_before) as f64 / n as f64,
        connects_per_second: n as f64 / elapsed,
    })
}

/// Holds `count` connections until stdin closes; says `ready` once all are up.
async fn idle_worker(addr: SocketAddr, count: usize, first: usize, baseline: bool) -> Result<(), String> {
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut opening = JoinSet::new();
    for k in first..first + count {
        let gate = gate.clone();
        opening.spawn(async move {
            let _permit = gate.acquire_owned().await.ok()?;
            if baseline {
                let mut ws = load::connect(addr, source_ip(k), "/ws").await.ok()?;
                futures_util::SinkExt::send(&mut ws, format!("host {k}").into()).await.ok()?;
                Some(Held::Bare(ws))
            } else {
                let mut peer = Peer::connect(addr, source_ip(k)).await.ok()?;
                peer.join(Topic::Have(PageHash::of(&format!("idle page {k}")))).await.ok()?;
                Some(Held::Relay(peer))
            }
        });
    }
    let mut held = Vec::with_capacity(count);
    while let Some(done) = opening.join_next().await {
        held.push(done.ok().flatten().ok_or("a connection failed")?);
    }
    println!("ready {}", held.len());
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    drop(held);
    Ok(())
}

/// An idle connection being held open.
enum Held {
    Relay(#[allow(dead_code)] Peer),
    Bare(#[allow(dead_code)] load::Ws),
}

#[derive(Debug)]
struct Throughput {
    per_second: f64,
    cpu_cores: f64,
}

impl Throughput {
    fn median(mut runs: Vec<Throughput>) -> Throughput {
        runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
        runs.swap_remove(runs.len() / 2)
    }
}

/// Scenario 4: `pairs` pages, each with one host and one visitor that asks
/// again as soon as it is served; deliveries per second and server CPU.
async fn throughput(
    server: &Server,
    pairs: usize,
    size: usize,
    run_for: Duration,
    baseline: bool,
) -> Result<Throughput, String> {
    let delivered = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let mut tasks = JoinSet::new();
    let mut visitors = Vec::new();
    for p in 0..pairs {
        let text = page_text(p, size);
        let hash = PageHash::of(&text);
        if baseline {
            let frame = load::content_frame(&text, &"1".into());
            let mut host =
                load::connect(server.addr, source_ip(2 * p), "/ws").await.map_err(|e| e.to_string())?;
            futures_util::SinkExt::send(&mut host, format!("host {p}").into())
                .await
                .map_err(|e| e.to_string())?;
            tasks.spawn(async move {
                use futures_util::{SinkExt, StreamExt};
                while let Some(Ok(_)) = host.next().await {
                    if host.send(frame.clone().into()).await.is_err() {
                        break;
                    }
                }
            });
            let mut visitor =
                load::connect(server.addr, source_ip(2 * p + 1), "/ws").await.map_err(|e| e.to_string())?;
            futures_util::SinkExt::send(&mut visitor, format!("visitor {p}").into())
                .await
                .map_err(|e| e.to_string())?;
            visitors.push(Visitor::Bare(visitor));
        } else {
            let mut host = Peer::connect(server.addr, source_ip(2 * p)).await.map_err(|e| e.to_string())?;
            let join_ref = host.join(Topic::Have(hash)).await?;
            tasks.spawn(async move {
                host_loop(host, &text, join_ref).await;
            });
            let mut visitor =
                Peer::connect(server.addr, source_ip(2 * p + 1)).await.map_err(|e| e.to_string())?;
            let join_ref = visitor.join(Topic::Want(hash)).await?;
            visitors.push(Visitor::Relay(visitor, hash, join_ref));
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let mut loops = JoinSet::new();
    for visitor in visitors {
        let (delivered, running) = (delivered.clone(), running.clone());
        loops.spawn(async move { visitor.ask_until_stopped(&delivered, &running).await });
    }
    tokio::time::sleep(run_for).await;
    running.store(false, Relaxed);
    let counted = delivered.load(Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu_before;
    loops.abort_all();
    tasks.abort_all();
    Ok(Throughput { per_second: counted as f64 / elapsed, cpu_cores: cpu / elapsed })
}

/// A throughput visitor, on the relay or on the baseline.
enum Visitor {
    Relay(Peer, PageHash, ep2p_core::protocol::Ref),
    Bare(load::Ws),
}

/// True for a `content` push (`[null,null,"want:…","content",{…}]`): the
/// load generator looks only at the frame's head, so that its own parsing
/// does not compete with the server for the two cores.
fn is_content(frame: &str) -> bool {
    let head = &frame.as_bytes()[..frame.len().min(120)];
    head.windows(12).any(|w| w == b"\"content\",{\"")
}

impl Visitor {
    async fn ask_until_stopped(self, delivered: &AtomicU64, running: &AtomicBool) {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        match self {
            Visitor::Relay(mut peer, hash, join_ref) => {
                while running.load(Relaxed) {
                    if peer.request(hash, &join_ref).await.is_err() {
                        return;
                    }
                    loop {
                        match peer.ws.next().await {
                            Some(Ok(Message::Text(text))) if is_content(&text) => break,
                            Some(Ok(_)) => {}
                            _ => return,
                        }
                    }
                    delivered.fetch_add(1, Relaxed);
                }
            }
            Visitor::Bare(mut ws) => {
                while running.load(Relaxed) {
                    if ws.send("r".into()).await.is_err() {
                        return;
                    }
                    match ws.next().await {
                        Some(Ok(Message::Text(text))) if is_content(&text) => {}
                        _ => return,
                    }
                    delivered.fetch_add(1, Relaxed);
                }
            }
        }
    }
}

/// Scenario 5: many hosts on one page while others join and leave; how many
/// `visitors_count` frames each steady host receives per second.
async fn count_churn(server: &Server, plan: &Plan) -> Result<f64, String> {
    let hash = PageHash::of("churn page");
    let counted = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut hosts = JoinSet::new();
    for i in 0..plan.churn_hosts {
        let mut peer = Peer::connect(server.addr, source_ip(i)).await.map_err(|e| e.to_string())?;
        peer.join(Topic::Have(hash)).await?;
        let (counted, measuring) = (counted.clone(), measuring.clone());
        hosts.spawn(async move {
            while let Some(msg) = peer.next(Duration::from_secs(3600)).await {
                if msg.event == event::VISITORS_COUNT && measuring.load(Relaxed) {
                    counted.fetch_add(1, Relaxed);
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    measuring.store(true, Relaxed);
    let started = Instant::now();
    let every = Duration::from_secs(1) / plan.churn_per_second as u32;
    let mut churners: VecDeque<Peer> = VecDeque::new();
    let mut k = plan.churn_hosts;
    while started.elapsed() < plan.churn_for {
        let tick = Instant::now();
        let mut peer = Peer::connect(server.addr, source_ip(k)).await.map_err(|e| e.to_string())?;
        k += 1;
        peer.join(Topic::Have(hash)).await?;
        churners.push_back(peer);
        if churners.len() > plan.churn_per_second / 2 {
            churners.pop_front();
        }
        tokio::time::sleep(every.saturating_sub(tick.elapsed())).await;
    }
    // Let the last window's count arrive, then stop counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    measuring.store(false, Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    hosts.abort_all();
    Ok(counted.load(Relaxed) as f64 / plan.churn_hosts as f64 / elapsed)
}
