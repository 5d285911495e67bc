//! One task per WebSocket: a `select!` loop over the socket, the outbound
//! queue, the idle deadline and shutdown. The socket's channels (a
//! [`Session`], see `channels`) belong to this task alone, so they need no
//! lock. Errors are decided here, at the edge: an error reply, or a close
//! with a reason.

pub use crate::channels::Close;

use crate::channels::{close_code, Session};
use crate::meter::{MessageTooBig, Meter};
use crate::metrics::Reject;
use crate::relay::{Admission, Relay};
use ep2p_core::phoenix::Vsn;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::WebSocketStream;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::Message;

/// A client's WebSocket, its bytes metered (see `meter`).
pub type WebSocket = WebSocketStream<Meter<TokioIo<hyper::upgrade::Upgraded>>>;

/// Frames written per flush at most, so one busy socket cannot starve its
/// own reads.
const WRITE_BATCH: usize = 64;

/// How long a closing socket waits for the client's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Resolves once the server starts shutting down (or the relay is gone).
async fn shutdown_requested(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|down| *down).await;
}

/// Runs one socket until it closes. The socket comes boxed: an `async fn`
/// keeps its arguments in its state beside the locals they move into, so
/// a 400-byte stream passed by value would be held twice by every task.
///
/// What an idle socket's task holds is its memory cost (BENCHMARKS §3):
/// what runs only now and then — writing a batch, closing — runs boxed,
/// so its timers and buffers are not in every task's state all its life.
pub async fn serve_socket(mut socket: Box<WebSocket>, relay: Relay, vsn: Vsn, admission: Admission) {
    let address = admission.address();
    let mut reg = relay.register(admission);
    let limits = relay.limits();
    let mut session = Session::new(reg.conn, address, vsn, relay.clone());
    tracing::debug!(conn = reg.conn.0, %address, ?vsn, "socket opened");

    // Futures that live as long as the socket: made once, not per frame.
    let idle = sleep_until(Instant::now() + limits.heartbeat_timeout.min(limits.message_timeout));
    let overflowed = reg.overflow.notified();
    let shutdown = shutdown_requested(&mut reg.shutdown);
    tokio::pin!(idle, overflowed, shutdown);
    // Moving a timer on every frame costs more than checking when it fires.
    let mut last_heard = Instant::now();
    let close = loop {
        tokio::select! {
            biased;
            _ = &mut shutdown => break Some(Close::new(close_code::AWAY, "server shutting down")),
            _ = &mut overflowed => break Some(Close::new(close_code::POLICY, "too slow: outbound queue full")),
            _ = &mut idle => {
                let now = Instant::now();
                if let Some(close) = overdue(&socket, last_heard, now, limits, &relay) {
                    break Some(close);
                }
                // Checked again by the heartbeat deadline, or sooner while a
                // message is in progress (it must not take longer than allowed).
                idle.as_mut().reset((last_heard + limits.heartbeat_timeout).min(now + limits.message_timeout));
            }
            inbound = socket.next() => {
                let message = match inbound {
                    None | Some(Ok(Message::Close(_))) => break None,
                    Some(Err(error)) => break transport_error(error, &session),
                    Some(Ok(message)) => message,
                };
                let result = match message {
                    Message::Text(text) => {
                        last_heard = Instant::now();
                        session.on_text(&text)
                    }
                    Message::Binary(bytes) => {
                        last_heard = Instant::now();
                        session.on_binary(&bytes)
                    }
                    // Pings are answered by the WebSocket layer. They are
                    // frames like any other for the rate limit, but keep
                    // nothing alive: only Phoenix messages do.
                    _ => session.frame_allowed(),
                };
                socket.get_mut().set_limit(session.message_limit(limits));
                // Most answers to the relay (content, chat) get no reply: nothing to box.
                let written =
                    session.out.is_empty() || Box::pin(flush_replies(&mut session, &mut socket, limits.write_timeout)).await;
                if let Err(close) = result {
                    break Some(close);
                }
                if !written {
                    break None;
                }
                if let Some(close) = overdue(&socket, last_heard, Instant::now(), limits, &relay) {
                    break Some(close);
                }
            }
            Some(first) = reg.outbound.recv() => {
                session.queue_outbound(first);
                for _ in 1..WRITE_BATCH {
                    match reg.outbound.try_recv() {
                        Ok(next) => session.queue_outbound(next),
                        Err(_) => break,
                    }
                }
                // Before the ask is written: the host cannot begin its
                // answer before it reads the ask.
                socket.get_mut().set_limit(session.message_limit(limits));
                if !Box::pin(flush_replies(&mut session, &mut socket, limits.write_timeout)).await {
                    break None;
                }
            }
        }
    };
    if let Some(close) = close {
        // The reason may quote what a client sent: only the code is logged.
        tracing::debug!(conn = reg.conn.0, code = close.code, "closing socket");
        // Boxed: the closing handshake runs once, at the end; inline, its
        // timers and reads would sit in every open socket's state.
        Box::pin(close_with(&mut socket, close, limits)).await;
    }
    tracing::debug!(conn = reg.conn.0, "socket closed");
    // Dropping `session` leaves its channels; dropping `reg` then removes the socket.
}

/// Sends `close` and waits a short while for the client's answer.
async fn close_with(socket: &mut WebSocket, close: Close, limits: &crate::Limits) {
    let frame =
        Message::Close(Some(CloseFrame { code: CloseCode::from(close.code), reason: close.reason.into() }));
    if let Ok(Ok(())) = timeout(limits.write_timeout, socket.send(frame)).await {
        // Read until the client answers the close (or a short while), so
        // unread input does not make the kernel reset the connection and
        // lose the close frame on the way.
        let drain = async {
            if socket.get_ref().refused() {
                // The WebSocket layer reads no more of a refused
                // message: its rest is dropped unread.
                socket.get_mut().discard(limits.max_message()).await;
                return;
            }
            while let Some(Ok(message)) = socket.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = timeout(CLOSE_GRACE, drain).await;
    }
}

/// Why a socket must close for taking too long: nothing but pings for the
/// heartbeat timeout, or a message begun longer ago than allowed.
fn overdue(
    socket: &WebSocket,
    last_heard: Instant,
    now: Instant,
    limits: &crate::Limits,
    relay: &Relay,
) -> Option<Close> {
    if now >= last_heard + limits.heartbeat_timeout {
        relay.metrics().reject(Reject::HeartbeatTimeout);
        return Some(Close::new(close_code::AWAY, "heartbeat timeout"));
    }
    let started = socket.get_ref().busy_since()?;
    if now.saturating_duration_since(started) > limits.message_timeout {
        relay.metrics().reject(Reject::SlowMessage);
        return Some(Close::new(close_code::POLICY, "message too slow"));
    }
    None
}

/// Why a transport error ends the socket: a message over the limit is
/// closed with 1009; anything else just ends it.
fn transport_error(error: tungstenite::Error, session: &Session) -> Option<Close> {
    let too_big = match &error {
        tungstenite::Error::Capacity(_) => true,
        tungstenite::Error::Io(io) => io.get_ref().is_some_and(|inner| inner.is::<MessageTooBig>()),
        _ => false,
    };
    if too_big {
        session.relay().metrics().reject(Reject::TooBig);
        return Some(Close::new(close_code::SIZE, "frame too big"));
    }
    tracing::debug!(conn = session.conn.0, %error, "socket error");
    None
}

/// Writes the session's queued frames; false if the peer is gone or stalled.
async fn flush_replies(session: &mut Session, socket: &mut WebSocket, limit: Duration) -> bool {
    if session.out.is_empty() {
        return true;
    }
    let frames = std::mem::take(&mut session.out);
    let count = frames.len() as u64;
    let bytes: usize = frames.iter().map(|f| f.len()).sum();
    let write = async {
        for frame in frames {
            socket.feed(frame).await?;
        }
        socket.flush().await
    };
    match timeout(limit, write).await {
        Ok(Ok(())) => {
            let metrics = session.relay().metrics();
            metrics.frames_out.inc_by(count);
            metrics.bytes_out.inc_by(bytes as u64);
            true
        }
        Ok(Err(_)) => false,
        Err(_) => {
            session.relay().metrics().reject(Reject::SlowConsumer);
            false
        }
    }
}
