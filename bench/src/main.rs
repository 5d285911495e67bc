//! `ep2p-bench`: starts the release server itself, runs every scenario
//! under each routing policy in one run, and prints one table (see
//! BENCHMARKS.md). Loopback only; every loop is bounded in count and time.
//!
//! Scenarios: (1) time to content for H hosts, visitors one by one and in a
//! burst; (2) server frames and bytes per served visitor; (3) idle
//! connections: server memory per connection and connect rate, against the
//! minimal server; (4) verified deliveries per second against the minimal
//! frame-forwarding server, and against the same server hashing what it
//! forwards; (5) host-count frames under churn; (6) a soak of visitors and
//! attacks; (7) each attack alone; (8) three nodes on Redis; (10) a page's
//! chat at 100 hosts; (11) three nodes on Redis while a node and Redis are
//! killed and attackers run (the chaos soak); (12) files: one host to one
//! visitor against the minimal server forwarding binary frames, and the
//! swarm of 1, 2 and 4 hosts.
//!
//! Clients come from `ep2p-testkit`: its Phoenix client, its host, and its
//! visitor, which runs the browser's own state machine (`ep2p_core::machine`).

mod attacks;
mod baseline;
mod chaos;
mod charts;
mod chat;
mod cluster;
mod files;
mod idle;
mod soak;
mod throughput;

use clap::{Args, Parser, Subcommand};
use ep2p_core::protocol::{event, PageHash};
use ep2p_relay::Policy;
use ep2p_testkit::{have, scrape, source_ip, visit, Client, Host, ServerProcess};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use throughput::{throughput, Throughput};
use tokio::process::Command;
use tokio::task::JoinSet;

/// Why a run could not finish.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("cannot start {what}: {source}")]
    Spawn { what: &'static str, source: std::io::Error },
    #[error("talking to the server: {0}")]
    Client(#[from] ep2p_testkit::Error),
    #[error("a join was refused: {0}")]
    JoinRefused(String),
    #[error("an idle worker: {0}")]
    Worker(String),
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("drawing the charts: {0}")]
    Chart(#[from] charts::ChartError),
    #[error("{0} visitors were not served under targeted routing (or in the soak)")]
    Unserved(usize),
}

type Result<T, E = BenchError> = std::result::Result<T, E>;

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
        /// Also SHA-256-hash every frame a host sends before forwarding it.
        #[arg(long)]
        hash: bool,
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
    /// Draw the figures as SVG charts into this folder.
    #[arg(long, default_value = "target/bench-charts")]
    charts: PathBuf,
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
    /// 6: visitors and every attack together, for minutes.
    Soak,
    /// 7: each attack alone, and what it achieves (not in --smoke).
    Attacks,
    /// 8: three nodes on Redis against one node.
    Cluster,
    /// 10: a page's chat at 100 hosts: what one message costs.
    Chat,
    /// 11: three nodes on one Redis while a node and Redis are killed and attackers run.
    Chaos,
    /// 12: files: one host to one visitor, and the swarm.
    Files,
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
    soak: soak::SoakPlan,
    chaos: chaos::ChaosPlan,
    files: files::FilePlan,
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
            soak: soak::SoakPlan {
                pages: 120,
                hosts_per_page: 2,
                visitors_per_second: 30,
                run_for: Duration::from_secs(150),
                faked_pages: 10,
                fakes_per_page: 20,
            },
            chaos: chaos::ChaosPlan {
                pages: 24,
                hosts_per_page: 2,
                visitors_per_second: 20,
                run_for: Duration::from_secs(120),
                node_kill_at: Duration::from_secs(30),
                node_down_for: Duration::from_secs(15),
                redis_kill_at: Duration::from_secs(70),
                redis_down_for: Duration::from_secs(5),
            },
            files: files::FilePlan {
                bytes: 256 * 1024 * 1024,
                swarm_bytes: 64 * 1024 * 1024,
                swarm_rate: 8 * 1024 * 1024,
                window: 32,
            },
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
            soak: soak::SoakPlan {
                pages: 12,
                hosts_per_page: 2,
                visitors_per_second: 10,
                run_for: Duration::from_secs(5),
                faked_pages: 2,
                fakes_per_page: 5,
            },
            chaos: chaos::ChaosPlan {
                pages: 6,
                hosts_per_page: 2,
                visitors_per_second: 10,
                run_for: Duration::from_secs(9),
                node_kill_at: Duration::from_millis(1500),
                node_down_for: Duration::from_millis(3500),
                redis_kill_at: Duration::from_secs(6),
                redis_down_for: Duration::from_secs(1),
            },
            files: files::FilePlan {
                bytes: 8 * 1024 * 1024,
                swarm_bytes: 4 * 1024 * 1024,
                swarm_rate: 8 * 1024 * 1024,
                window: 32,
            },
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Cmd::Baseline { addr, hash }) => baseline::serve(addr, hash)
            .await
            .map_err(|source| BenchError::Spawn { what: "the baseline server", source }),
        Some(Cmd::IdleWorker { addr, count, first, baseline }) => {
            idle::worker(addr, count, first, baseline).await
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

async fn run(args: RunArgs) -> Result<()> {
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
    let mut figures = charts::Figures::default();

    // 1 and 2: time to content, and what each served visitor costs.
    let mut ttc = String::from(
        "| policy | hosts | one by one p50 / p90 / p99 / max (ms) | burst p50 / p90 / p99 / max (ms) | failures | frames / visitor | bytes / visitor |\n|---|---:|---|---|---:|---:|---:|\n",
    );
    // The smoke run fails if our routing leaves anyone unserved; the
    // original's and the storm's failures are what they are measured for.
    let mut targeted_failures = 0;
    for policy in Policy::ALL.into_iter().filter(|_| wanted(Scenario::Content)) {
        for &hosts in &plan.hosts {
            let server = relay(&args.server, policy).await?;
            let r = time_to_content(&server, hosts, &plan).await?;
            server.stop().await;
            eprintln!("time to content: {policy} H={hosts}: {r:?}");
            if policy == Policy::Targeted {
                targeted_failures += r.failures;
            }
            figures.ttc.push(charts::TtcPoint {
                policy: policy.name(),
                hosts,
                p50_ms: r.one_by_one.percentile(50.0),
                p99_ms: r.one_by_one.percentile(99.0),
                frames_per_visitor: r.frames_per_visitor,
            });
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
        let relay = relay(&args.server, Policy::Targeted).await?;
        let ours = idle::scale(&relay, n, false).await?;
        relay.stop().await;
        let bare = baseline(false).await?;
        let theirs = idle::scale(&bare, n, true).await?;
        bare.stop().await;
        eprintln!("idle {n}: ours {ours:?}, minimal {theirs:?}");
        let _ = writeln!(
            idle,
            "| {n} | {:.1} | {:.0} | {:.1} | {:.0} |",
            ours.kib_per_conn, ours.connects_per_second, theirs.kib_per_conn, theirs.connects_per_second
        );
    }
    let _ = writeln!(report, "### 3. Idle connections (each hosting its own page)\n\n{idle}");

    // 4: throughput against the minimal forwarding server, bare and hashing.
    let mut tput = String::from(
        "| page size | relay deliveries / s | relay CPU (cores) | minimal forwards / s | minimal CPU | forward + SHA-256 / s | forward + SHA-256 CPU | relay / minimal | relay / forward + SHA-256 |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for &size in plan.sizes.iter().filter(|_| wanted(Scenario::Throughput)) {
        // The servers and the load generator share two cores: take the
        // median of three runs of each.
        let (mut ours, mut bare, mut hashing) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..3 {
            let relay = relay(&args.server, Policy::Targeted).await?;
            ours.push(throughput(&relay, plan.pairs, size, plan.throughput_for, false).await?);
            relay.stop().await;
            for (runs, hash) in [(&mut bare, false), (&mut hashing, true)] {
                let server = baseline(hash).await?;
                runs.push(throughput(&server, plan.pairs, size, plan.throughput_for, true).await?);
                server.stop().await;
            }
        }
        let (ours, bare, hashing) =
            (Throughput::median(ours), Throughput::median(bare), Throughput::median(hashing));
        eprintln!("throughput {size}: ours {ours:?}, minimal {bare:?}, minimal + hash {hashing:?}");
        figures.throughput.push(charts::ThroughputPoint {
            size_kib: size as f64 / 1024.0,
            relay: ours.per_second,
            minimal: bare.per_second,
            hashing: hashing.per_second,
        });
        let _ = writeln!(
            tput,
            "| {} KiB | {:.0} | {:.2} | {:.0} | {:.2} | {:.0} | {:.2} | {:.2} | {:.2} |",
            size / 1024,
            ours.per_second,
            ours.cpu_cores,
            bare.per_second,
            bare.cpu_cores,
            hashing.per_second,
            hashing.cpu_cores,
            ours.per_second / bare.per_second.max(1.0),
            ours.per_second / hashing.per_second.max(1.0),
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
        let relay = relay(&args.server, Policy::Targeted).await?;
        let churn = count_churn(&relay, &plan).await?;
        relay.stop().await;
        let _ = writeln!(
            report,
            "### 5. Host-count churn\n\n| hosts | joins + leaves / s | visitors_count frames / host / s |\n|---:|---:|---:|\n| {} | {} + {} | {:.2} |\n",
            plan.churn_hosts, plan.churn_per_second, plan.churn_per_second, churn
        );
    }
    // 6: the soak.
    let mut soak_failures = 0;
    if wanted(Scenario::Soak) {
        let relay = relay_with(&args.server, Policy::Targeted, soak::SOAK_FLAGS).await?;
        let result = soak::soak(&relay, &plan.soak).await?;
        relay.stop().await;
        eprintln!(
            "soak: {} served, {} failures, RSS start / peak / end {} / {} / {} KiB",
            result.served, result.failures, result.rss_start_kib, result.rss_peak_kib, result.rss_end_kib
        );
        soak_failures += result.failures;
        figures.soak = Some(charts::SoakMemory {
            samples: result.memory.iter().map(|&(at, kib)| (at, kib as f64 / 1024.0)).collect(),
            measured_from: result.measured_from,
        });
        let _ = writeln!(report, "{}", soak::report(&plan.soak, &result));
    }
    // 11: the cluster under faults and attacks.
    if wanted(Scenario::Chaos) {
        let result = chaos::chaos(&args.server, &plan.chaos).await?;
        eprintln!(
            "chaos: {} of {} served, {} retried, {} failures",
            result.served, result.visitors, result.retried, result.failures
        );
        soak_failures += result.failures;
        figures.chaos = Some(chaos::memory_chart(&result));
        let _ = writeln!(report, "{}", chaos::report(&plan.chaos, &result));
    }
    // Every charted figure is in: draw them now, whatever the later scenarios do.
    for chart in charts::draw(&figures, &args.charts)? {
        eprintln!("chart: {}", chart.display());
    }
    // 8: a site of three nodes.
    if wanted(Scenario::Cluster) {
        let (hosts, visitors) = if args.smoke { (2, 10) } else { (10, 200) };
        let results = cluster::cluster(&args.server, hosts, visitors).await?;
        let failures: usize = results.iter().map(|r| r.failures).sum();
        targeted_failures += failures;
        let _ = writeln!(
            report,
            "### 8. Three nodes on one Redis, against one node\n\n{hosts} hosts of a 1 KiB page, {visitors} visitors one by one.\n\n{}",
            cluster::table(&results)
        );
    }
    // 10: a page's chat.
    if wanted(Scenario::Chat) {
        let result = chat::chat(&args.server, if args.smoke { 10 } else { 100 }).await?;
        targeted_failures += result.lost;
        let _ = writeln!(
            report,
            "### 10. A page's chat: every host says one message

{}",
            chat::table(&result)
        );
    }
    // 12: files.
    if wanted(Scenario::Files) {
        let result = files::files(&args.server, &plan.files).await?;
        eprintln!("files: {result:?}");
        let _ = writeln!(report, "{}", files::report(&plan.files, &result));
    }
    // 7: each attack alone.
    if wanted(Scenario::Attacks) && !args.smoke {
        let figures = attacks::attacks(&args.server).await?;
        let _ = writeln!(
            report,
            "### 7. Each attack alone, against `{}`\n\n{}",
            args.server.display(),
            attacks::table(&figures)
        );
    }
    let _ = writeln!(report, "Total run time: {:.0} s.", started.elapsed().as_secs_f64());

    println!("{report}");
    if let Some(path) = args.markdown {
        std::fs::write(&path, &report).map_err(|source| BenchError::Write { path, source })?;
    }
    if args.smoke && targeted_failures + soak_failures > 0 {
        return Err(BenchError::Unserved(targeted_failures + soak_failures));
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

/// A server process under test: the relay or a minimal baseline.
type Server = ServerProcess;

/// The relay's per-socket limits and caps, lifted for load; and the ask
/// budget per client address, since every client here is one of a few
/// loopback addresses.
const LIFTED: [&str; 14] = [
    "--asks-per-address",
    "1000000",
    "--requests-per-second",
    "1000000",
    "--frames-per-second",
    "1000000",
    "--outbound-queue",
    "4096",
    "--heartbeat-timeout",
    "600s",
    "--max-connections",
    "100000",
    "--max-connections-per-address",
    "100000",
];

/// The release relay with the given policy and limits lifted for load.
async fn relay(binary: &Path, policy: Policy) -> Result<Server> {
    relay_with(binary, policy, &LIFTED).await
}

/// The release relay with the given policy and flags, its defaults otherwise.
async fn relay_with(binary: &Path, policy: Policy, flags: &[&str]) -> Result<Server> {
    let mut command = Command::new(binary);
    command.args(["--addr", "127.0.0.1:0", "--policy", policy.name()]).args(flags);
    command.env("RUST_LOG", "info").env("NO_COLOR", "1");
    Ok(ServerProcess::spawn(command).await?)
}

async fn baseline(hash: bool) -> Result<Server> {
    let exe = std::env::current_exe().map_err(|source| BenchError::Spawn { what: "the baseline", source })?;
    let mut command = Command::new(exe);
    command.arg("baseline");
    if hash {
        command.arg("--hash");
    }
    Ok(ServerProcess::spawn(command).await?)
}

/// `/metrics` once the server has stopped sending (no frame out for
/// 400 ms, at most 10 s): what a scenario measures starts from there.
async fn settled(server: &Server) -> Result<HashMap<String, f64>> {
    let started = Instant::now();
    let mut last = scrape(server.addr).await?;
    let mut quiet = 0;
    while quiet < 4 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = scrape(server.addr).await?;
        let out = |m: &HashMap<String, f64>| m.get("ep2p_frames_out_total").copied();
        quiet = if out(&now) == out(&last) { quiet + 1 } else { 0 };
        last = now;
    }
    Ok(last)
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

/// Joins `have:H` as a new client from the `index`th source address.
async fn join_host(addr: SocketAddr, index: usize, hash: PageHash) -> Result<Client> {
    let mut client = Client::open(addr, Some(source_ip(index))).await?;
    let reply = client.try_join(&have(hash)).await?;
    if reply.status() != Some("ok") {
        return Err(BenchError::JoinRefused(reply.raw));
    }
    Ok(client)
}

/// Scenario 1 (and 2): a page with `hosts` hosts; visitors arrive one by
/// one, then in a burst; each is timed from its join to verified content.
async fn time_to_content(server: &Server, hosts: usize, plan: &Plan) -> Result<TtcResult> {
    let text = page_text(hosts, 1024);
    let hash = PageHash::of(&text);
    let mut serving = Vec::with_capacity(hosts);
    for i in 0..hosts {
        serving.push(Host::serve(join_host(server.addr, i, hash).await?, &text));
    }
    // Let the coalesced host counts of all those joins go out first.
    let before = settled(server).await?;

    // One by one: each visitor arrives after the previous one was served
    // (or gave up), so nobody is rescued by someone else's request.
    let mut times = Vec::new();
    for k in 0..plan.one_by_one {
        let client = Client::open(server.addr, Some(source_ip(k))).await?;
        if let Some(time) = visit(client, hash, k as u64, plan.visitor_timeout).await {
            times.push(time.as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let one_by_one = Latencies(times);

    // A burst: every visitor connected first, then all of them set loose.
    let mut ready = Vec::new();
    for k in 0..plan.burst {
        ready.push(Client::open(server.addr, Some(source_ip(k))).await?);
    }
    let mut visits = JoinSet::new();
    for (k, client) in ready.into_iter().enumerate() {
        let timeout = plan.visitor_timeout;
        visits.spawn(async move { visit(client, hash, k as u64, timeout).await });
    }
    let burst = collect(&mut visits).await;
    let after = scrape(server.addr).await?;
    drop(serving);

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

/// A page text of about `size` bytes, distinct per `tag`.
fn page_text(tag: usize, size: usize) -> String {
    let mut text = format!("page {tag}: ");
    let filler = "Ephemeral pages live in their visitors' browsers. ";
    while text.len() + filler.len() <= size {
        text.push_str(filler);
    }
    while text.len() < size {
        text.push('.');
    }
    text
}

/// Scenario 5: many hosts on one page while others join and leave; how many
/// `visitors_count` frames each steady host receives per second.
async fn count_churn(server: &Server, plan: &Plan) -> Result<f64> {
    let hash = PageHash::of("churn page");
    let counted = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut hosts = JoinSet::new();
    for i in 0..plan.churn_hosts {
        let mut host = join_host(server.addr, i, hash).await?;
        let (counted, measuring) = (counted.clone(), measuring.clone());
        hosts.spawn(async move {
            while let Some(msg) = host.next_within(Duration::from_secs(3600)).await {
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
    let mut churners: VecDeque<Client> = VecDeque::new();
    let mut k = plan.churn_hosts;
    while started.elapsed() < plan.churn_for {
        let tick = Instant::now();
        churners.push_back(join_host(server.addr, k, hash).await?);
        k += 1;
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
