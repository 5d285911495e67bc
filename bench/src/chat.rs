//! Scenario 10 (BENCHMARKS.md's §9 is the browser's): a page's chat at H
//! hosts — every host says one message (one each keeps every sender within
//! the relay's 5 per 10 s), and each message is timed until every other
//! host has it. What one message costs
//! the server: frames and bytes in and out, read from `/metrics`.

use crate::{join_host, relay, settled, Latencies, Result, Server};
use ep2p_core::chat::Message;
use ep2p_core::protocol::PageHash;
use ep2p_relay::{wall_ms, Policy};
use ep2p_testkit::{have, Client};
use std::path::Path;
use std::time::{Duration, Instant};

/// One run's figures.
#[derive(Debug)]
pub struct ChatResult {
    pub hosts: usize,
    pub messages: usize,
    /// Until every other host had the message.
    pub fan_out: Latencies,
    pub frames_in_per_message: f64,
    pub frames_out_per_message: f64,
    pub bytes_out_per_message: f64,
    /// One `chat` frame as hosts receive it.
    pub frame_bytes: usize,
    /// Messages some host never got.
    pub lost: usize,
}

pub async fn chat(binary: &Path, hosts: usize) -> Result<ChatResult> {
    let server: Server = relay(binary, Policy::Targeted).await?;
    let hash = PageHash::of("a page with a busy chat");
    let mut clients: Vec<Client> = Vec::with_capacity(hosts);
    for i in 0..hosts {
        clients.push(join_host(server.addr, i, hash).await?);
    }
    let before = settled(&server).await?;
    // Counts from the joins are done; drop what they left in the queues.
    for c in &mut clients {
        c.drain(Duration::from_millis(1)).await;
    }
    let mut times = Vec::with_capacity(hosts);
    let mut lost = 0;
    let mut frame_bytes = 0;
    for sender in 0..hosts {
        let text = format!(
            "message {sender}: a line of chat about the page, about a hundred characters long, give or take."
        );
        let message = Message::plain(wall_ms(), &format!("Reader {sender}"), &text).expect("a valid message");
        let payload = serde_json::to_value(&message).expect("messages serialize");
        let started = Instant::now();
        clients[sender].push(&have(hash), "chat", payload).await;
        for (i, c) in clients.iter_mut().enumerate().filter(|(i, _)| *i != sender) {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match c.next_within(deadline.saturating_duration_since(Instant::now())).await {
                    Some(m) if m.event == "chat" => {
                        frame_bytes = m.raw.len();
                        break;
                    }
                    Some(_) => {}
                    None => {
                        eprintln!("chat: host {i} never got message {sender}");
                        lost += 1;
                        break;
                    }
                }
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let after = settled(&server).await?;
    server.stop().await;
    let delta =
        |name: &str| after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0);
    let n = hosts as f64;
    times.sort_by(f64::total_cmp);
    Ok(ChatResult {
        hosts,
        messages: hosts,
        fan_out: Latencies(times),
        frames_in_per_message: delta("ep2p_frames_in_total") / n,
        frames_out_per_message: delta("ep2p_frames_out_total") / n,
        bytes_out_per_message: delta("ep2p_bytes_out_total") / n,
        frame_bytes,
        lost,
    })
}

pub fn table(r: &ChatResult) -> String {
    format!(
        "| hosts | messages | until every other host has it p50 / p90 / p99 / max (ms) | lost | server frames in / out per message | server bytes out per message | one `chat` frame (bytes) |\n|---:|---:|---|---:|---:|---:|---:|\n| {} | {} | {} | {} | {:.2} / {:.2} | {:.0} | {} |\n",
        r.hosts,
        r.messages,
        r.fan_out,
        r.lost,
        r.frames_in_per_message,
        r.frames_out_per_message,
        r.bytes_out_per_message,
        r.frame_bytes
    )
}
