//! Scenario 3: idle connections, each hosting its own page (or, on the
//! baseline, registered as a host), held by worker processes of at most
//! [`PER_WORKER`] connections each: server memory per connection and the
//! connect rate.

use crate::{join_host, BenchError, Result, Server};
use ep2p_core::protocol::PageHash;
use ep2p_testkit::{open_socket, source_ip, Client, Ws};
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::task::JoinSet;

#[derive(Debug)]
pub struct IdleResult {
    pub kib_per_conn: f64,
    pub connects_per_second: f64,
}

/// At most this many connections per worker process (20000 open files per process).
const PER_WORKER: usize = 5000;

/// Scenario 3: `n` idle connections, each hosting its own page (or, on the
/// baseline, registered as a host), held by worker processes.
pub async fn scale(server: &Server, n: usize, baseline: bool) -> Result<IdleResult> {
    let spawn_error = |source| BenchError::Spawn { what: "an idle worker", source };
    let exe = std::env::current_exe().map_err(spawn_error)?;
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
            .map_err(spawn_error)?;
        workers.push(child);
    }
    for worker in &mut workers {
        let mut line = String::new();
        let stdout = worker.stdout.as_mut().ok_or_else(|| BenchError::Worker("no output".into()))?;
        let mut reader = BufReader::new(stdout);
        tokio::time::timeout(Duration::from_secs(120), reader.read_line(&mut line))
            .await
            .map_err(|_| BenchError::Worker("not ready in time".into()))?
            .map_err(|e| BenchError::Worker(e.to_string()))?;
        if !line.starts_with("ready") {
            return Err(BenchError::Worker(line));
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

/// An idle connection being held open.
enum Held {
    Relay(#[allow(dead_code)] Client),
    Bare(#[allow(dead_code)] Ws),
}

/// Holds `count` connections until stdin closes; says `ready` once all are up.
pub async fn worker(addr: SocketAddr, count: usize, first: usize, baseline: bool) -> Result<()> {
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut opening = JoinSet::new();
    for k in first..first + count {
        let gate = gate.clone();
        opening.spawn(async move {
            let _permit = gate.acquire_owned().await.expect("the gate is never closed");
            if baseline {
                let mut ws = open_socket(addr, Some(source_ip(k)), "/ws").await?;
                futures_util::SinkExt::send(&mut ws, format!("host {k}").into())
                    .await
                    .map_err(ep2p_testkit::Error::from)?;
                Ok(Held::Bare(ws))
            } else {
                let hash = PageHash::of(&format!("idle page {k}"));
                join_host(addr, k, hash).await.map(Held::Relay)
            }
        });
    }
    let mut held = Vec::with_capacity(count);
    while let Some(done) = opening.join_next().await {
        match done {
            Ok(Ok(connection)) => held.push(connection),
            Ok(Err(error)) => return Err(error),
            Err(error) => return Err(BenchError::Worker(error.to_string())),
        }
    }
    println!("ready {}", held.len());
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    drop(held);
    Ok(())
}
