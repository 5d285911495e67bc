//! The cluster chaos soak: three nodes on one Redis, hosts and visitors
//! spread over them, while one node is killed (SIGKILL) and restarted on
//! its port, Redis is killed and restarted, and the soak's attackers loop
//! from their own addresses against every node. Visitors run the
//! browser's state machine; one that loses its socket or is not served
//! tries again as the browser does (after its first back-off, on the next
//! node, as a load balancer would send it), and only a failed retry counts
//! as a failure. Hosts reconnect on the browser's back-off too. Watchers on
//! every node follow the host count of pages the attackers leave alone, so
//! the time until every node shows the right count again after each fault
//! is measured. Loopback only, bounded in time and in count.

use crate::soak::{frame, Attack, SOAK_FLAGS};
use crate::{page_text, Latencies, Result, Server};
use ep2p_core::client::Backoff;
use ep2p_core::protocol::{event, PageHash};
use ep2p_testkit::{have, source_ip, visit, Client, RedisServer, ServerProcess};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::Command;
use tokio::task::JoinSet;

/// The nodes of the site.
pub const NODES: usize = 3;
/// The node that is killed and restarted.
const VICTIM: usize = 2;
/// Pages whose counts are checked: no attacker touches them.
const CHECKED: usize = 4;

/// The numbers of a chaos soak.
pub struct ChaosPlan {
    pub pages: usize,
    pub hosts_per_page: usize,
    pub visitors_per_second: usize,
    pub run_for: Duration,
    /// When node 2 is killed (from the start), and for how long it stays down.
    pub node_kill_at: Duration,
    pub node_down_for: Duration,
    /// When Redis is killed, and for how long it stays down.
    pub redis_kill_at: Duration,
    pub redis_down_for: Duration,
}

/// One fault, and how long the counts took to be right on every node after it.
#[derive(Debug)]
pub struct Fault {
    pub what: &'static str,
    /// Seconds since the run began.
    pub at: f64,
    /// Seconds until every running node showed every checked page's count
    /// right (and kept it for 300 ms); `None`: not before the next fault or the end.
    pub converged_after: Option<f64>,
}

/// The faults, in the order they happen.
#[derive(Clone, Copy)]
enum Step {
    KillNode,
    RestartNode,
    KillRedis,
    RestartRedis,
}

impl Step {
    fn what(self) -> &'static str {
        match self {
            Step::KillNode => "node 2 killed (SIGKILL)",
            Step::RestartNode => "node 2 restarted on its port",
            Step::KillRedis => "Redis killed (SIGKILL)",
            Step::RestartRedis => "Redis restarted (empty)",
        }
    }
}

/// What a chaos soak measured.
#[derive(Debug)]
pub struct ChaosResult {
    pub visitors: usize,
    pub served: usize,
    /// Visits whose first try failed (served on the retry, or not at all).
    pub retried: usize,
    /// Visits whose retry failed too.
    pub failures: usize,
    pub times: Latencies,
    pub attacks: u64,
    pub faults: Vec<Fault>,
    /// Every node's resident memory over the run: (seconds, KiB), 0 while down.
    pub memory: Samples,
}

/// Every node's resident memory: (seconds, KiB), 0 while it is down.
type Samples = [Vec<(f64, u64)>; NODES];

/// The site: fixed addresses (a restarted node comes back on its port),
/// which nodes are up, and their processes' ids.
struct Site {
    addrs: [SocketAddr; NODES],
    up: [AtomicBool; NODES],
    pids: [AtomicU32; NODES],
}

impl Site {
    /// The first node up from `from` on, as a load balancer would pick.
    fn pick(&self, from: usize) -> SocketAddr {
        (0..NODES)
            .map(|i| (from + i) % NODES)
            .find(|&i| self.up[i].load(Relaxed))
            .map_or(self.addrs[from % NODES], |i| self.addrs[i])
    }
}

/// A node of the site on `addr`, with the soak's flags and the Redis at `redis`.
async fn node(binary: &Path, addr: SocketAddr, redis: &str) -> Result<Server> {
    let mut command = Command::new(binary);
    command.args(["--addr", &addr.to_string(), "--policy", "targeted", "--redis", redis]).args(SOAK_FLAGS);
    command.env("RUST_LOG", "info").env("NO_COLOR", "1");
    Ok(ServerProcess::spawn(command).await?)
}

/// Source addresses of the count watchers.
fn watcher_ip(node: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 3, 1 + node as u8))
}

pub async fn chaos(binary: &Path, plan: &ChaosPlan) -> Result<ChaosResult> {
    let mut redis = RedisServer::start().await?;
    let url = redis.url();
    let mut servers: Vec<Option<Server>> = Vec::new();
    for _ in 0..NODES {
        servers.push(Some(node(binary, "127.0.0.1:0".parse().expect("an address"), &url).await?));
    }
    let addr_of = |i: usize| servers[i].as_ref().map(|s| s.addr).expect("every node is up");
    let site = Arc::new(Site {
        addrs: [addr_of(0), addr_of(1), addr_of(2)],
        up: std::array::from_fn(|_| AtomicBool::new(true)),
        pids: std::array::from_fn(|i| AtomicU32::new(servers[i].as_ref().map_or(0, |s| s.pid))),
    });
    let started = Instant::now();
    let running = Arc::new(AtomicBool::new(true));
    let mut background = JoinSet::new();

    // Every node's memory, every 250 ms.
    let memory: Arc<Mutex<Samples>> = Arc::default();
    {
        let (site, memory, running) = (site.clone(), memory.clone(), running.clone());
        background.spawn(async move {
            while running.load(Relaxed) {
                let at = started.elapsed().as_secs_f64();
                {
                    let mut all = memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    for (i, samples) in all.iter_mut().enumerate() {
                        let pid = site.pids[i].load(Relaxed);
                        samples.push((at, if pid == 0 { 0 } else { Server::rss_of(pid) }));
                    }
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
    }

    // Hosts: page p's hosts start on nodes p, p + 1, …; each reconnects on
    // the browser's back-off when it loses its node. `joined[p]` is how many
    // of page p's hosts are joined right now: the count every node must show.
    let texts: Vec<String> = (0..plan.pages).map(|p| page_text(p + 2_000_000, 2048)).collect();
    let hashes: Arc<Vec<PageHash>> = Arc::new(texts.iter().map(|t| PageHash::of(t)).collect());
    let joined: Arc<Vec<AtomicI64>> = Arc::new((0..plan.pages).map(|_| AtomicI64::new(0)).collect());
    for (p, text) in texts.iter().enumerate() {
        for h in 0..plan.hosts_per_page {
            let (site, joined, running, text) = (site.clone(), joined.clone(), running.clone(), text.clone());
            let index = p * plan.hosts_per_page + h;
            background.spawn(async move { host(&site, p + h, index, &text, &joined[p], &running).await });
        }
    }

    // Watchers: one socket per node watches the checked pages' counts.
    let checked = CHECKED.min(plan.pages);
    let shown: Arc<Vec<Vec<AtomicI64>>> =
        Arc::new((0..NODES).map(|_| (0..checked).map(|_| AtomicI64::new(-1)).collect()).collect());
    for n in 0..NODES {
        let (site, shown, running, hashes) = (site.clone(), shown.clone(), running.clone(), hashes.clone());
        background.spawn(async move { watch(&site, n, &hashes[..checked], &shown[n], &running).await });
    }
    // Every 100 ms: does every running node show every checked count right?
    let right: Arc<Mutex<Vec<(f64, bool)>>> = Arc::default();
    {
        let (site, shown, joined, right, running) =
            (site.clone(), shown.clone(), joined.clone(), right.clone(), running.clone());
        background.spawn(async move {
            while running.load(Relaxed) {
                let ok = (0..NODES)
                    .filter(|&n| site.up[n].load(Relaxed))
                    .all(|n| (0..checked).all(|p| shown[n][p].load(Relaxed) == joined[p].load(Relaxed)));
                let at = started.elapsed().as_secs_f64();
                right.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((at, ok));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }

    // The attackers, each against the nodes in turn, on the pages not checked.
    let attacks = Arc::new(AtomicU64::new(0));
    let attacked: Arc<Vec<PageHash>> = Arc::new(hashes[checked..].to_vec());
    for attack in Attack::ALL.into_iter().chain(Attack::ROUND_TWO) {
        let (site, running, attacks, attacked) =
            (site.clone(), running.clone(), attacks.clone(), attacked.clone());
        background.spawn(async move {
            let mut round = 0u64;
            while running.load(Relaxed) && !attacked.is_empty() {
                if attack.run(site.pick(round as usize), &attacked, round).await {
                    attacks.fetch_add(1, Relaxed);
                }
                round += 1;
            }
        });
    }

    // The faults, on their schedule, beside the visitors.
    let faults = {
        let site = site.clone();
        let schedule = [
            (plan.node_kill_at, Step::KillNode),
            (plan.node_kill_at + plan.node_down_for, Step::RestartNode),
            (plan.redis_kill_at, Step::KillRedis),
            (plan.redis_kill_at + plan.redis_down_for, Step::RestartRedis),
        ];
        let mut victim = servers[VICTIM].take();
        let binary = binary.to_path_buf();
        tokio::spawn(async move {
            let mut done = Vec::new();
            for (when, step) in schedule {
                tokio::time::sleep_until((started + when).into()).await;
                let at = started.elapsed().as_secs_f64();
                match step {
                    Step::KillNode => {
                        site.up[VICTIM].store(false, Relaxed);
                        site.pids[VICTIM].store(0, Relaxed);
                        if let Some(server) = victim.take() {
                            server.kill().await;
                        }
                    }
                    Step::RestartNode => {
                        let server = node(&binary, site.addrs[VICTIM], &url).await?;
                        site.pids[VICTIM].store(server.pid, Relaxed);
                        site.up[VICTIM].store(true, Relaxed);
                        victim = Some(server);
                    }
                    Step::KillRedis => redis.kill().await,
                    Step::RestartRedis => redis.restart().await?,
                }
                eprintln!("chaos: {at:.1} s: {}", step.what());
                done.push((step.what(), at));
            }
            Ok::<_, crate::BenchError>((done, victim, redis))
        })
    };

    // Visitors at a steady rate, page after page, node after node.
    let every = Duration::from_secs(1) / plan.visitors_per_second as u32;
    let retried = Arc::new(AtomicU64::new(0));
    let mut visits = JoinSet::new();
    let mut k = 0usize;
    while started.elapsed() < plan.run_for {
        let tick = Instant::now();
        let (site, retried, hash) = (site.clone(), retried.clone(), hashes[k % hashes.len()]);
        visits.spawn(async move {
            let first = Client::open(site.pick(k), Some(source_ip(k))).await.ok();
            if let Some(time) = match first {
                Some(client) => visit(client, hash, k as u64, Duration::from_secs(15)).await,
                None => None,
            } {
                return Some(time);
            }
            // As the browser: the first back-off, then the next node.
            retried.fetch_add(1, Relaxed);
            tokio::time::sleep(Backoff::default().nominal(1)).await;
            let client = Client::open(site.pick(k + 1), Some(source_ip(k))).await.ok()?;
            visit(client, hash, k as u64 + 1, Duration::from_secs(15)).await
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
    let (done, victim, redis) = match faults.await {
        Ok(outcome) => outcome?,
        Err(error) => return Err(crate::BenchError::Worker(error.to_string())),
    };
    // Give the last fault its 3 s and more before everyone stops.
    let last = done.last().map_or(0.0, |(_, at)| *at);
    let until = started + Duration::from_secs_f64(last + 5.0);
    tokio::time::sleep_until(until.into()).await;
    running.store(false, Relaxed);
    background.abort_all();
    while background.join_next().await.is_some() {}
    for server in servers.into_iter().flatten().chain(victim) {
        server.stop().await;
    }
    drop(redis);

    let right = std::mem::take(&mut *right.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    let faults = done
        .iter()
        .enumerate()
        .map(|(i, &(what, at))| {
            let next = done.get(i + 1).map_or(f64::MAX, |(_, at)| *at);
            Fault { what, at, converged_after: converged(&right, at, next).map(|t| t - at) }
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let memory = std::mem::take(&mut *memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    Ok(ChaosResult {
        visitors: k,
        served: times.len(),
        retried: retried.load(Relaxed) as usize,
        failures: k - times.len(),
        times: Latencies(times),
        attacks: attacks.load(Relaxed),
        faults,
        memory,
    })
}

/// The first sample in `[from, until)` from which the counts were right for
/// at least 300 ms (four samples in a row).
fn converged(samples: &[(f64, bool)], from: f64, until: f64) -> Option<f64> {
    let window: Vec<&(f64, bool)> = samples.iter().filter(|(at, _)| *at >= from && *at < until).collect();
    window.windows(4).find(|run| run.iter().all(|(_, ok)| *ok)).map(|run| run[0].0)
}

/// A host of `text` that starts on node `home` and, whenever it loses its
/// socket, reconnects on the browser's back-off to the first node up from
/// there; it answers every ask and sends the browser's heartbeat.
async fn host(site: &Site, home: usize, index: usize, text: &str, joined: &AtomicI64, running: &AtomicBool) {
    let hash = PageHash::of(text);
    let answer = json!({ "content": text, "hash": hash.to_string() });
    let mut attempt = 0;
    while running.load(Relaxed) {
        if attempt > 0 {
            tokio::time::sleep(Backoff::default().nominal(attempt)).await;
        }
        attempt += 1;
        let Ok(mut client) = Client::open(site.pick(home), Some(source_ip(index))).await else { continue };
        if !client.try_join(&have(hash)).await.is_ok_and(|reply| reply.status() == Some("ok")) {
            continue;
        }
        attempt = 1;
        joined.fetch_add(1, Relaxed);
        let mut beat = Instant::now();
        loop {
            // The node may die at any time: nothing here may fail on a closed socket.
            if beat.elapsed() > Duration::from_secs(25) {
                let _ = client.try_send(frame(&client, "phoenix", event::HEARTBEAT, &json!({}))).await;
                beat = Instant::now();
            }
            match client.next_within(Duration::from_secs(1)).await {
                Some(msg) if msg.event == event::CONTENT_REQUEST => {
                    let _ = client.try_send(frame(&client, &have(hash), event::CONTENT, &answer)).await;
                }
                Some(_) => {}
                None if client.closed.is_some() => break,
                None => {}
            }
        }
        joined.fetch_sub(1, Relaxed);
    }
}

/// Follows `pages`' counts on node `n` into `shown` (-1 while it cannot).
async fn watch(site: &Site, n: usize, pages: &[PageHash], shown: &[AtomicI64], running: &AtomicBool) {
    let topics: Vec<String> = pages.iter().map(|&h| format!("watch:{h}")).collect();
    while running.load(Relaxed) {
        shown.iter().for_each(|s| s.store(-1, Relaxed));
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !site.up[n].load(Relaxed) {
            continue;
        }
        let Ok(mut client) = Client::open(site.addrs[n], Some(watcher_ip(n))).await else { continue };
        let mut ok = true;
        for (topic, shown) in topics.iter().zip(shown) {
            match client.try_join(topic).await {
                Ok(reply) if reply.status() == Some("ok") => {
                    shown.store(reply.payload["response"]["count"].as_i64().unwrap_or(-1), Relaxed);
                }
                _ => ok = false,
            }
        }
        if !ok {
            continue;
        }
        let mut beat = Instant::now();
        loop {
            // The node may die at any time: nothing here may fail on a closed socket.
            if beat.elapsed() > Duration::from_secs(25) {
                let _ = client.try_send(frame(&client, "phoenix", event::HEARTBEAT, &json!({}))).await;
                beat = Instant::now();
            }
            match client.next_within(Duration::from_secs(1)).await {
                Some(msg) if msg.event == event::VISITORS_COUNT => {
                    if let Some(i) = topics.iter().position(|t| *t == msg.topic) {
                        shown[i].store(msg.payload["count"].as_i64().unwrap_or(-1), Relaxed);
                    }
                }
                Some(_) => {}
                None if client.closed.is_some() => break,
                None => {}
            }
        }
    }
}

/// Every node's memory, in MiB, and the faults, for the chart.
pub fn memory_chart(r: &ChaosResult) -> crate::charts::ChaosMemory {
    crate::charts::ChaosMemory {
        nodes: r
            .memory
            .iter()
            .map(|s| s.iter().map(|&(at, kib)| (at, kib as f64 / 1024.0)).collect())
            .collect(),
        faults: r.faults.iter().map(|f| (f.at, f.what.to_string())).collect(),
    }
}

/// The markdown for BENCHMARKS.md.
pub fn report(plan: &ChaosPlan, r: &ChaosResult) -> String {
    let mut faults =
        String::from("| fault | at (s) | counts right on every running node after (s) |\n|---|---:|---:|\n");
    for f in &r.faults {
        let after = match (f.converged_after, f.what == Step::KillRedis.what()) {
            (Some(t), _) => format!("{t:.1}"),
            // Without Redis a node cannot know the others' hosts: it counts its own.
            (None, true) => "— (each node counts its own hosts until Redis is back)".into(),
            (None, false) => "not before the next fault".into(),
        };
        faults.push_str(&format!("| {} | {:.1} | {after} |\n", f.what, f.at));
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut memory = String::from("| node | RSS start / peak / end (MiB) |\n|---|---|\n");
    for (n, samples) in r.memory.iter().enumerate() {
        let live: Vec<u64> = samples.iter().map(|s| s.1).filter(|&kib| kib > 0).collect();
        let (start, end) = (live.first().copied().unwrap_or(0), live.last().copied().unwrap_or(0));
        let peak = live.iter().copied().max().unwrap_or(0);
        memory.push_str(&format!("| {n} | {:.1} / {:.1} / {:.1} |\n", mib(start), mib(peak), mib(end)));
    }
    format!(
        "### 11. Cluster chaos soak: 3 nodes on one Redis, a node and Redis killed\n\n\
         {} pages ({} hosts each, spread over the nodes; hosts reconnect on the browser's back-off), \
         {} visitors / s for {} s spread over the nodes, every soak attack (§6) and the second review's chat \
         flood and long join_refs, each in a loop from its own address against the nodes in turn. A visitor whose first try fails tries once more, as the browser does; \
         a failure is a visitor whose retry failed too.\n\n\
         | visitors | served | first try failed | failures (retry failed too) | time to content p50 / p90 / p99 / max (ms) | attacks |\n\
         |---:|---:|---:|---:|---|---:|\n\
         | {} | {} | {} | {} | {} | {} |\n\n{faults}\n{memory}",
        plan.pages,
        plan.hosts_per_page,
        plan.visitors_per_second,
        plan.run_for.as_secs(),
        r.visitors,
        r.served,
        r.retried,
        r.failures,
        r.times,
        r.attacks,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convergence_needs_four_right_samples_in_a_row_after_the_fault() {
        let samples: Vec<(f64, bool)> = [true, false, true, true, false, true, true, true, true, true]
            .iter()
            .enumerate()
            .map(|(i, ok)| (i as f64 * 0.1, *ok))
            .collect();
        assert_eq!(converged(&samples, 0.05, f64::MAX), Some(0.5));
        assert_eq!(converged(&samples, 0.05, 0.75), None, "cut off by the next fault");
    }
}
