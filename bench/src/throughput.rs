//! Scenario 4: verified deliveries per second, with one host and one
//! visitor per page asking again as soon as it is served, against the
//! minimal frame-forwarding server (bare, and hashing what it forwards).
//! Hosts and askers read only a frame's head, so the load generator costs
//! the same for every server.

use crate::{join_host, page_text, Result, Server};
use ep2p_core::phoenix::{self, Vsn};
use ep2p_core::protocol::{self, event, ContentRequest, PageHash};
use ep2p_testkit::{have, open_socket, source_ip, want, Client, Ws};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

#[derive(Debug)]
pub(crate) struct Throughput {
    pub per_second: f64,
    pub cpu_cores: f64,
}

impl Throughput {
    pub fn median(mut runs: Vec<Throughput>) -> Throughput {
        runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
        runs.swap_remove(runs.len() / 2)
    }
}

/// A throughput visitor: a socket and the request frame it sends again as
/// soon as its answer arrives.
struct Asker {
    ws: Ws,
    request: String,
}

/// Scenario 4: `pairs` pages, each with one host and one visitor that asks
/// again as soon as it is served; deliveries per second and server CPU.
pub(crate) async fn throughput(
    server: &Server,
    pairs: usize,
    size: usize,
    run_for: Duration,
    baseline: bool,
) -> Result<Throughput> {
    let delivered = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    // Hosts answer every request with a frame encoded once, reading only a
    // frame's head: the load generator costs the same for every server.
    let mut hosts = JoinSet::new();
    let mut askers = Vec::new();
    for p in 0..pairs {
        let text = page_text(p, size);
        let hash = PageHash::of(&text);
        if baseline {
            // The baseline knows no protocol: a socket says who it is, then
            // its frames go to its partner untouched.
            let mut host = open_socket(server.addr, Some(source_ip(2 * p)), "/ws").await?;
            hello(&mut host, format!("host {p}")).await?;
            hosts.spawn(answer_every(host, content_frame(&text, None), |_| true));
            let mut ws = open_socket(server.addr, Some(source_ip(2 * p + 1)), "/ws").await?;
            hello(&mut ws, format!("visitor {p}")).await?;
            askers.push(Asker { ws, request: "r".into() });
        } else {
            let host = join_host(server.addr, 2 * p, hash).await?;
            let answer = content_frame(&text, host.join_ref(&have(hash)).as_ref());
            hosts.spawn(answer_every(host.ws, answer, is_request));
            let mut visitor = Client::open(server.addr, Some(source_ip(2 * p + 1))).await?;
            visitor.try_join(&want(hash)).await?;
            let join_ref = visitor.join_ref(&want(hash));
            let ask = ContentRequest { hash: Some(hash.to_string().into()) };
            let request =
                phoenix::encode(Vsn::V2, join_ref.as_ref(), None, &want(hash), event::CONTENT_REQUEST, &ask);
            askers.push(Asker { ws: visitor.ws, request });
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let mut loops = JoinSet::new();
    for asker in askers {
        let (delivered, running) = (delivered.clone(), running.clone());
        loops.spawn(async move { asker.ask_until_stopped(&delivered, &running).await });
    }
    tokio::time::sleep(run_for).await;
    running.store(false, Relaxed);
    let counted = delivered.load(Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu_before;
    loops.abort_all();
    hosts.abort_all();
    Ok(Throughput { per_second: counted as f64 / elapsed, cpu_cores: cpu / elapsed })
}

/// The baseline's one line of introduction.
async fn hello(ws: &mut Ws, text: String) -> Result<()> {
    futures_util::SinkExt::send(ws, text.into()).await.map_err(ep2p_testkit::Error::from)?;
    Ok(())
}

/// The `content` frame a host sends for `text` on its `have:H` channel.
fn content_frame(text: &str, join_ref: Option<&phoenix::Ref>) -> String {
    let hash = PageHash::of(text);
    let answer = protocol::Content { content: text.into(), hash: Some(hash.to_string()) };
    phoenix::encode(Vsn::V2, join_ref, None, &have(hash), event::CONTENT, &answer)
}

/// A throughput host: sends `answer` for every frame `asks` says is a request.
async fn answer_every(mut ws: Ws, answer: String, asks: fn(&str) -> bool) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(text) = message {
            if asks(&text) && ws.send(answer.clone().into()).await.is_err() {
                return;
            }
        }
    }
}

/// True for the relay's `content_request` to a host, by the frame's head.
fn is_request(frame: &str) -> bool {
    head_has(frame, b"\"content_request\",")
}

/// True for a `content` push (`[null,null,"want:…","content",{…}]`): the
/// load generator looks only at the frame's head, so that its own parsing
/// does not compete with the server for the two cores.
fn is_content(frame: &str) -> bool {
    head_has(frame, b"\"content\",{\"")
}

/// True when `needle` is in the first 120 bytes of `frame` (the refs and the topic).
fn head_has(frame: &str, needle: &[u8]) -> bool {
    let head = &frame.as_bytes()[..frame.len().min(120)];
    head.windows(needle.len()).any(|w| w == needle)
}

impl Asker {
    async fn ask_until_stopped(mut self, delivered: &AtomicU64, running: &AtomicBool) {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        while running.load(Relaxed) {
            if self.ws.send(Message::Text(self.request.clone().into())).await.is_err() {
                return;
            }
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(text))) if is_content(&text) => break,
                    Some(Ok(_)) => {}
                    _ => return,
                }
            }
            delivered.fetch_add(1, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_check_sees_content_pushes_and_nothing_else() {
        let hash = PageHash::of("x");
        let literal = serde_json::value::to_raw_value("x").unwrap();
        let push = phoenix::encode(
            Vsn::V2,
            None,
            None,
            &want(hash),
            event::CONTENT,
            &protocol::Relayed { content: &literal },
        );
        assert!(is_content(&push));
        let ask =
            phoenix::encode(Vsn::V2, None, None, &have(hash), event::CONTENT_REQUEST, &phoenix::Empty {});
        assert!(!is_content(&ask));
        assert!(is_request(&ask));
        assert!(!is_request(&push));
        let count = phoenix::encode(
            Vsn::V2,
            None,
            None,
            &want(hash),
            event::VISITORS_COUNT,
            &protocol::VisitorsCount { count: 1 },
        );
        assert!(!is_content(&count));
    }
}
