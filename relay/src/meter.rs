//! Meters what a client sends before the WebSocket library buffers it.
//!
//! tungstenite's size limit is one number fixed when the socket opens, and
//! it only sees a message once it has buffered it. This reads the RFC 6455
//! frame headers (§5.2) as the bytes arrive, so that:
//!
//! * a socket that may only send small messages (it owes the relay no page)
//!   is refused at the first header that announces more, not after megabytes;
//! * the socket knows whether a message is in progress, and since when, so
//!   a message that never finishes cannot be held open.
//!
//! Everything else about frames (masking, opcodes, UTF-8) is tungstenite's.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// The error a metered read returns for a message over the socket's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("message over this socket's size limit")]
pub struct MessageTooBig;

/// The frame-header state machine, fed the bytes a client sends.
#[derive(Debug)]
pub struct FrameMeter {
    /// Largest data message allowed now, in payload bytes.
    limit: u64,
    /// The header being read, and how much of it has arrived.
    header: [u8; 14],
    header_len: usize,
    /// Payload bytes of the current frame still to come.
    payload_left: u64,
    /// The current frame is a data frame (text, binary, continuation) with FIN.
    ends_message: bool,
    /// Payload bytes of the data message in progress.
    message: u64,
    /// A data message has begun and not yet ended.
    in_message: bool,
    /// Times the stream reached a point where nothing was in progress: work
    /// in progress after a read that reached one began in that read.
    idle_points: u64,
    /// Refused once: everything after is refused too.
    refused: bool,
}

impl FrameMeter {
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit as u64,
            header: [0; 14],
            header_len: 0,
            payload_left: 0,
            ends_message: false,
            message: 0,
            in_message: false,
            idle_points: 0,
            refused: false,
        }
    }

    /// Changes the limit for the messages to come and the one in progress:
    /// one already over the new limit is refused at its next byte (a
    /// socket whose allowance ended cannot finish a large message begun
    /// right after the one it was allowed).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit as u64;
        if self.in_message && self.message > self.limit {
            self.refused = true;
        }
    }

    /// True while a frame or a fragmented message is partly received.
    pub fn busy(&self) -> bool {
        self.in_message || self.header_len > 0 || self.payload_left > 0
    }

    /// Accounts for bytes just read.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), MessageTooBig> {
        if self.refused {
            return Err(MessageTooBig);
        }
        while let Some((&first, rest)) = bytes.split_first() {
            if self.payload_left > 0 {
                let n = self.payload_left.min(bytes.len() as u64);
                self.payload_left -= n;
                bytes = &bytes[n as usize..];
                if self.payload_left == 0 {
                    self.frame_done();
                }
                continue;
            }
            self.header[self.header_len] = first;
            self.header_len += 1;
            bytes = rest;
            if self.header_len < self.header_needed() {
                continue;
            }
            self.header_done()?;
        }
        Ok(())
    }

    /// Bytes the current header has in all: 2, plus the extended length,
    /// plus the mask key.
    fn header_needed(&self) -> usize {
        if self.header_len < 2 {
            return 2;
        }
        let extended = match self.header[1] & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let mask = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
        2 + extended + mask
    }

    fn header_done(&mut self) -> Result<(), MessageTooBig> {
        let fin = self.header[0] & 0x80 != 0;
        let opcode = self.header[0] & 0x0f;
        let length = match self.header[1] & 0x7f {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => u64::from_be_bytes(self.header[2..10].try_into().expect("eight bytes")),
            n => u64::from(n),
        };
        self.header_len = 0;
        // Opcodes 8 and above are control frames (close, ping, pong): small,
        // and allowed between the fragments of a message.
        let data = opcode < 8;
        if data {
            if opcode != 0 {
                // A new text or binary message (0 continues the current one).
                self.message = 0;
            }
            self.in_message = true;
            self.message = self.message.saturating_add(length);
            if self.message > self.limit {
                self.refused = true;
                return Err(MessageTooBig);
            }
        }
        self.ends_message = data && fin;
        self.payload_left = length;
        if length == 0 {
            self.frame_done();
        }
        Ok(())
    }

    fn frame_done(&mut self) {
        if self.ends_message {
            self.in_message = false;
            self.message = 0;
            self.ends_message = false;
        }
        if !self.in_message {
            self.idle_points += 1;
        }
    }
}

/// A socket's byte stream, metered (see the module documentation).
#[derive(Debug)]
pub struct Meter<S> {
    io: S,
    frames: FrameMeter,
    /// When the message or frame in progress began.
    busy_since: Option<Instant>,
}

impl<S> Meter<S> {
    pub fn new(io: S, limit: usize) -> Self {
        Self { io, frames: FrameMeter::new(limit), busy_since: None }
    }

    pub fn set_limit(&mut self, limit: usize) {
        self.frames.set_limit(limit);
    }

    /// When the client began the frame or message it has not finished.
    pub fn busy_since(&self) -> Option<Instant> {
        self.busy_since
    }

    /// True once a message over the limit was refused: the WebSocket
    /// layer reads nothing more.
    pub fn refused(&self) -> bool {
        self.frames.refused
    }
}

impl<S: AsyncRead + Unpin> Meter<S> {
    /// Reads and drops what the client still sends (a refused message's
    /// rest), until it hangs up or `most` bytes: closing with unread input
    /// would make the kernel reset the connection and lose the close frame
    /// on its way to the client.
    pub async fn discard(&mut self, most: usize) {
        // On the heap: inline, it would sit in every socket task's state
        // from the socket's first moment, idle or not.
        let mut scratch = vec![0; 4096];
        let mut left = most;
        while left > 0 {
            match self.io.read(&mut scratch).await {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Meter<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        let fresh = &buf.filled()[before..];
        let idle_points = this.frames.idle_points;
        if let Err(too_big) = this.frames.feed(fresh) {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, too_big)));
        }
        if !this.frames.busy() {
            this.busy_since = None;
        } else if this.busy_since.is_none() || this.frames.idle_points != idle_points {
            // What is in progress began in this read.
            this.busy_since = Some(Instant::now());
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Meter<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    use tungstenite::protocol::frame::Frame;

    /// A masked frame as a client sends it.
    fn frame(opcode: OpCode, fin: bool, len: usize) -> Vec<u8> {
        let mut frame = Frame::message(vec![b'x'; len], opcode, fin);
        frame.header_mut().mask = Some([1, 2, 3, 4]);
        let mut bytes = Vec::new();
        frame.format(&mut bytes).unwrap();
        bytes
    }

    fn text(len: usize) -> Vec<u8> {
        frame(OpCode::Data(Data::Text), true, len)
    }

    /// Feeds `bytes` in chunks of `chunk`.
    fn feed(meter: &mut FrameMeter, bytes: &[u8], chunk: usize) -> Result<(), MessageTooBig> {
        bytes.chunks(chunk).try_for_each(|c| meter.feed(c))
    }

    #[test]
    fn messages_within_the_limit_pass_in_any_chunking() {
        for chunk in [1, 3, 7, 100, 100_000] {
            let mut meter = FrameMeter::new(70_000);
            for len in [0, 1, 125, 126, 65_535, 65_536, 70_000] {
                feed(&mut meter, &text(len), chunk).unwrap();
                assert!(!meter.busy(), "{len} bytes in chunks of {chunk}");
            }
        }
    }

    #[test]
    fn a_message_over_the_limit_is_refused_at_its_header() {
        let mut meter = FrameMeter::new(16 * 1024);
        let big = text(20_000);
        // The header alone (2 + 2 + 4 bytes) is enough to refuse it.
        assert_eq!(meter.feed(&big[..8]), Err(MessageTooBig));
        assert_eq!(meter.feed(b"more"), Err(MessageTooBig), "refused for good");
    }

    #[test]
    fn fragments_add_up_and_control_frames_between_them_do_not() {
        let mut meter = FrameMeter::new(1000);
        feed(&mut meter, &frame(OpCode::Data(Data::Text), false, 400), 5).unwrap();
        assert!(meter.busy(), "a message is in progress");
        let mut ping = Frame::ping(vec![b'p'; 100]);
        ping.header_mut().mask = Some([5, 6, 7, 8]);
        let mut bytes = Vec::new();
        ping.format(&mut bytes).unwrap();
        feed(&mut meter, &bytes, 5).unwrap();
        assert!(meter.busy(), "a ping does not end it");
        feed(&mut meter, &frame(OpCode::Data(Data::Continue), false, 400), 5).unwrap();
        assert_eq!(feed(&mut meter, &frame(OpCode::Data(Data::Continue), true, 400), 5), Err(MessageTooBig));
    }

    #[test]
    fn a_finished_fragmented_message_frees_the_budget_for_the_next() {
        let mut meter = FrameMeter::new(1000);
        feed(&mut meter, &frame(OpCode::Data(Data::Text), false, 600), 64).unwrap();
        feed(&mut meter, &frame(OpCode::Data(Data::Continue), true, 400), 64).unwrap();
        assert!(!meter.busy());
        feed(&mut meter, &text(1000), 64).unwrap();
    }

    #[test]
    fn raising_the_limit_lets_a_host_send_its_page() {
        let mut meter = FrameMeter::new(100);
        meter.set_limit(100_000);
        feed(&mut meter, &text(90_000), 4096).unwrap();
        meter.set_limit(100);
        assert_eq!(feed(&mut meter, &text(101), 4096), Err(MessageTooBig));
    }

    #[test]
    fn lowering_the_limit_refuses_a_message_in_progress_over_it() {
        let mut meter = FrameMeter::new(100_000);
        let bytes = text(90_000);
        meter.feed(&bytes[..5000]).unwrap();
        meter.set_limit(50_000);
        assert_eq!(meter.feed(&bytes[5000..]), Err(MessageTooBig));
        // One within the new limit goes on.
        let mut meter = FrameMeter::new(100_000);
        let bytes = text(40_000);
        meter.feed(&bytes[..5000]).unwrap();
        meter.set_limit(50_000);
        meter.feed(&bytes[5000..]).unwrap();
        assert!(!meter.busy());
    }

    #[test]
    fn every_finished_message_is_a_new_start() {
        let mut meter = FrameMeter::new(1000);
        let mut stream = text(300);
        stream.extend(text(300));
        let points = meter.idle_points;
        // A read that finishes one message and begins the next.
        meter.feed(&stream[..400]).unwrap();
        assert!(meter.busy());
        assert_eq!(meter.idle_points, points + 1, "the second message began in this read");
        // Fragments of one message are one message.
        let mut meter = FrameMeter::new(1000);
        feed(&mut meter, &frame(OpCode::Data(Data::Text), false, 100), 7).unwrap();
        let points = meter.idle_points;
        feed(&mut meter, &frame(OpCode::Data(Data::Continue), false, 100), 7).unwrap();
        assert_eq!(meter.idle_points, points, "still the same message");
    }

    #[test]
    fn a_partial_frame_is_busy_until_its_last_byte() {
        let mut meter = FrameMeter::new(1000);
        let bytes = text(500);
        meter.feed(&bytes[..1]).unwrap();
        assert!(meter.busy(), "half a header");
        meter.feed(&bytes[1..bytes.len() - 1]).unwrap();
        assert!(meter.busy(), "one byte short");
        meter.feed(&bytes[bytes.len() - 1..]).unwrap();
        assert!(!meter.busy());
    }
}
