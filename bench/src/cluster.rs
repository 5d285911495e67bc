//! Scenario 8: a site of three nodes on one Redis — hosts on one node,
//! visitors on another — against one node alone with the same hosts and
//! visitors: time to content, server frames and Redis messages per served
//! visitor.

use crate::{join_host, page_text, relay, relay_with, Latencies, Result, Server, LIFTED};
use ep2p_core::protocol::PageHash;
use ep2p_relay::Policy;
use ep2p_testkit::{scrape, source_ip, visit, Client, Host, RedisServer};
use std::path::Path;
use std::time::Duration;

/// One setup's figures.
#[derive(Debug)]
pub struct ClusterResult {
    pub setup: &'static str,
    pub times: Latencies,
    pub failures: usize,
    pub frames_per_visitor: f64,
    pub redis_messages_per_visitor: f64,
}

/// Hosts of a 1 KiB page on `hosts_on`, `visitors` visitors one by one on
/// `visitors_on`; `nodes` are every server whose frames count.
async fn measure(
    setup: &'static str,
    nodes: &[Server],
    hosts_on: &Server,
    visitors_on: &Server,
    hosts: usize,
    visitors: usize,
) -> Result<ClusterResult> {
    let text = page_text(42, 1024);
    let hash = PageHash::of(&text);
    let mut serving = Vec::new();
    for i in 0..hosts {
        serving.push(Host::serve(join_host(hosts_on.addr, i, hash).await?, &text));
    }
    // Every node has heard of the hosts before the first visitor comes.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while scrape(visitors_on.addr).await?.get("ep2p_pages").copied().unwrap_or(0.0) < 1.0 {
        if tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let totals = |name: &'static str| async move {
        let mut sum = 0.0;
        for node in nodes {
            sum += scrape(node.addr).await?.get(name).copied().unwrap_or(0.0);
        }
        Ok::<f64, ep2p_testkit::Error>(sum)
    };
    let (frames_before, published_before) =
        (totals("ep2p_frames_out_total").await?, totals("ep2p_backplane_published_total").await?);
    let mut times = Vec::new();
    for k in 0..visitors {
        let client = Client::open(visitors_on.addr, Some(source_ip(k))).await?;
        if let Some(time) = visit(client, hash, k as u64, Duration::from_secs(15)).await {
            times.push(time.as_secs_f64() * 1000.0);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let served = times.len().max(1) as f64;
    let frames = totals("ep2p_frames_out_total").await? - frames_before;
    let published = totals("ep2p_backplane_published_total").await? - published_before;
    drop(serving);
    times.sort_by(f64::total_cmp);
    Ok(ClusterResult {
        setup,
        failures: visitors - times.len(),
        times: Latencies(times),
        frames_per_visitor: frames / served,
        redis_messages_per_visitor: published / served,
    })
}

pub async fn cluster(binary: &Path, hosts: usize, visitors: usize) -> Result<Vec<ClusterResult>> {
    let alone = relay(binary, Policy::Targeted).await?;
    let one = measure(
        "one node (hosts and visitors on it)",
        std::slice::from_ref(&alone),
        &alone,
        &alone,
        hosts,
        visitors,
    )
    .await?;
    alone.stop().await;

    let redis = RedisServer::start().await?;
    let url = redis.url();
    let mut flags: Vec<&str> = LIFTED.to_vec();
    flags.extend(["--redis", url.as_str()]);
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(relay_with(binary, Policy::Targeted, &flags).await?);
    }
    // Joined: each node says so in /metrics.
    for node in &nodes {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while scrape(node.addr).await?.get("ep2p_backplane_connected") != Some(&1.0)
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let three =
        measure("3 nodes: hosts on one, visitors on another", &nodes, &nodes[0], &nodes[1], hosts, visitors)
            .await?;
    for node in nodes {
        node.stop().await;
    }
    Ok(vec![one, three])
}

pub fn table(results: &[ClusterResult]) -> String {
    let mut out = String::from(
        "| setup | time to content p50 / p90 / p99 / max (ms) | failures | server frames / visitor (all nodes) | Redis messages / visitor |\n|---|---|---:|---:|---:|\n",
    );
    for r in results {
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.2} |\n",
            r.setup, r.times, r.failures, r.frames_per_visitor, r.redis_messages_per_visitor
        ));
    }
    out
}
