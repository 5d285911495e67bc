//! The comparison point: a WebSocket server built from the same libraries
//! (axum, tokio, tungstenite, with the relay's buffer sizes) that does no
//! protocol work at all. A socket says `host <id>` or `visitor <id>` once;
//! after that every frame from a visitor goes to the host with its id and
//! every frame from a host to the visitor with its id, untouched. What it
//! reaches is the practical limit of this machine for the same traffic.
//!
//! With `hash`, it also computes the SHA-256 of every frame a host sends
//! before forwarding it: the work the relay cannot skip (it checks every
//! page), so the floor the relay cannot go under. Binary frames (a file's
//! chunks) are forwarded the same way.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use futures_util::SinkExt;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

type Peers = Arc<Mutex<HashMap<(bool, u64), mpsc::Sender<Message>>>>;

#[derive(Clone)]
struct Baseline {
    peers: Peers,
    /// Hash every frame from a host before forwarding it.
    hash: bool,
}

pub async fn serve(addr: std::net::SocketAddr, hash: bool) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = Router::new().route("/ws", get(upgrade)).with_state(Baseline { peers: Arc::default(), hash });
    axum::serve(listener, app).await
}

async fn upgrade(ws: WebSocketUpgrade, State(baseline): State<Baseline>) -> axum::response::Response {
    ws.read_buffer_size(4 * 1024).write_buffer_size(0).on_upgrade(move |socket| forward(socket, baseline))
}

async fn forward(mut socket: WebSocket, Baseline { peers, hash }: Baseline) {
    let Some(Ok(Message::Text(hello))) = socket.recv().await else {
        return;
    };
    let Some((role, id)) = hello.split_once(' ') else {
        return;
    };
    let (Ok(id), is_host) = (id.parse::<u64>(), role == "host") else {
        return;
    };
    let (tx, mut rx) = mpsc::channel::<Message>(256);
    peers.lock().unwrap().insert((is_host, id), tx);
    loop {
        tokio::select! {
            inbound = socket.recv() => {
                let message = match inbound {
                    Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => message,
                    _ => break,
                };
                if hash && is_host {
                    let bytes: &[u8] = match &message {
                        Message::Text(text) => text.as_bytes(),
                        Message::Binary(bytes) => bytes,
                        _ => &[],
                    };
                    std::hint::black_box(Sha256::digest(bytes));
                }
                let target = peers.lock().unwrap().get(&(!is_host, id)).cloned();
                if let Some(target) = target {
                    let _ = target.try_send(message);
                }
            }
            Some(first) = rx.recv() => {
                let mut ok = socket.feed(first).await.is_ok();
                while let (true, Ok(next)) = (ok, rx.try_recv()) {
                    ok = socket.feed(next).await.is_ok();
                }
                if !ok || socket.flush().await.is_err() {
                    break;
                }
            }
        }
    }
    peers.lock().unwrap().remove(&(is_host, id));
}
