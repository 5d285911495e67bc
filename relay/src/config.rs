//! The relay's settings, resolved. Defaults live here; the server binary
//! fills them from its flags, environment and settings file.

use crate::routing::HubConfig;
use std::time::Duration;

/// Everything the relay needs to know before it serves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelayConfig {
    /// Routing: policy, failover deadline, count window.
    pub hub: HubConfig,
    /// What one socket may do.
    pub limits: Limits,
    /// Origins allowed to open a WebSocket besides the server's own (`*`: any).
    pub allowed_origins: Vec<String>,
    /// Host names the server answers for besides IP literals and
    /// `localhost` (`*`: any). Empty: any name when it listens on a public
    /// or every address, none when it listens on a loopback or private one
    /// (DNS rebinding); see `http::HostRule`.
    pub allowed_hosts: Vec<String>,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// When set, this relay is one node of a site whose nodes meet on this
    /// Redis (`redis://host:port`); see `backplane::redis`.
    pub redis_url: Option<String>,
    /// STUN and TURN servers handed to browsers for direct connections
    /// (`--ice-servers`, `--turn-secret`; `GET /ice`).
    pub ice: crate::ice::IceServers,
}

/// Per-socket limits: what one client may send, hold and be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest page, in bytes of UTF-8 text.
    pub content_limit: usize,
    /// Largest frame that is not `content`.
    pub control_frame_limit: usize,
    /// Longest `join_ref` or `ref`, in bytes of its text: the relay keeps a
    /// channel's join_ref for as long as the channel (clients send counters).
    pub max_ref_bytes: usize,
    /// `have:` and `want:` topics one socket may join.
    pub max_topics: usize,
    /// `watch:` topics one socket may join (a browser's "Your pages").
    pub max_watched: usize,
    /// `content_request`s per second (bursts of twice that).
    pub requests_per_second: u32,
    /// Frames of any kind per second (bursts of twice that).
    pub frames_per_second: u32,
    /// `signal`s (a direct connection's offer, answer and candidates) per
    /// second (bursts of twice that).
    pub signals_per_second: u32,
    /// The largest total of a file page's files whose chunks the relay
    /// routes (`--file-limit`).
    pub file_limit: u64,
    /// Chunks one socket may have asked for and not received, at once.
    pub max_chunks_in_flight: usize,
    /// Bytes of chunks one socket may ask for per second (bursts of twice
    /// that): one download cannot take the relay.
    pub chunk_bytes_per_second: u32,
    /// Frames queued for a socket before it is dropped as too slow.
    pub outbound_queue: usize,
    /// Frames queued for a socket past which chat is dropped for it (not
    /// the socket), and never more than half `outbound_queue`: chat never
    /// takes the room its asks and counts need.
    pub chat_queue: usize,
    /// Chat messages per 10 s (bursts of as many) from one client address
    /// (an IPv6 client's /64), over all its sockets and pages.
    pub chat_per_address: u32,
    /// Chat messages per 10 s (bursts of as many) into one page's chat from
    /// this node's hosts.
    pub chat_per_page: u32,
    /// A socket that sends nothing for this long is closed.
    pub heartbeat_timeout: Duration,
    /// A socket whose writes stall this long is dropped.
    pub write_timeout: Duration,
    /// A message begun this long ago and not finished closes its socket.
    pub message_timeout: Duration,
    /// An HTTP client gets this long to send a request's head.
    pub header_read_timeout: Duration,
    /// WebSockets open at once, in all.
    pub max_connections: usize,
    /// WebSockets open at once from one address (an IPv6 client's /64).
    pub max_connections_per_address: usize,
    /// TCP connections open at once from one address (an IPv6 client's
    /// /64) for plain HTTP: past it, a new one is closed at once.
    pub max_http_connections_per_address: usize,
    /// `GET /<hash>/raw` requests and first responses with a page's text,
    /// per second from one address (bursts of twice that).
    pub raw_per_second: u32,
    /// How long `/<hash>/raw` waits for a host's answer.
    pub raw_wait: Duration,
    /// `/<hash>/raw` requests (and first responses) waiting for hosts at once, in all.
    pub max_raw_in_flight: usize,
    /// How long the server rendering `/<hash>` waits for a host's text
    /// before it sends the page without it (the browser then asks).
    pub first_response_wait: Duration,
    /// With direct connections on, the largest page text a first response
    /// carries (SPEC §14): a larger page comes directly once the page is
    /// interactive, so the relay does not carry it once per visitor.
    pub first_response_most: usize,
}

impl Limits {
    /// The largest WebSocket message accepted from a host: a `content`
    /// frame whose text is at the limit, even if JSON escapes every byte
    /// (`\u0000`, 6 bytes), or a chat history at its limit.
    pub fn max_message(&self) -> usize {
        let chunk = ep2p_core::manifest::MAX_CHUNK as usize
            + ep2p_core::chunk::header_len(ep2p_core::chunk::MAX_PROOF);
        (self.content_limit * 6).max(ep2p_core::chat::HISTORY_BYTES).max(chunk) + self.control_frame_limit
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            content_limit: 1024 * 1024,
            control_frame_limit: 16 * 1024,
            // phoenix.js counts from "1"; room for UUIDs and more.
            max_ref_bytes: 64,
            max_topics: 100,
            max_watched: 200,
            requests_per_second: 20,
            frames_per_second: 1000,
            // A connection's set-up is an offer and a dozen candidates.
            signals_per_second: 20,
            // 4 MiB in flight at 256 KiB chunks: enough to keep a few
            // hosts busy across a continent's round trip.
            max_chunks_in_flight: 16,
            file_limit: ep2p_core::manifest::DEFAULT_FILE_LIMIT,
            // 32 MiB/s: a fast home line, a small share of a server's link.
            chunk_bytes_per_second: 32 * 1024 * 1024,
            outbound_queue: 256,
            // Half the queue (at most half, whatever the queue): a host
            // that falls behind loses chat first.
            chat_queue: 128,
            // A dozen people chatting at the socket rate behind one NAT.
            chat_per_address: 60,
            // More than people read; past it, the page's chat waits, not its page.
            chat_per_page: 200,
            heartbeat_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            message_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            // 10 KiB each when idle (BENCHMARKS.md): 16,000 is 160 MiB, and
            // stays under this machine's 20,000 open files per process.
            max_connections: 16_000,
            // Enough for a busy office or a mobile carrier's NAT, far from
            // enough for one client to fill the relay.
            max_connections_per_address: 256,
            // A browser opens 6 per site; this leaves a NAT full of them room.
            max_http_connections_per_address: 256,
            // A person or a script reading pages, not a crawler.
            raw_per_second: 5,
            raw_wait: Duration::from_secs(3),
            max_raw_in_flight: 1024,
            first_response_wait: Duration::from_millis(250),
            first_response_most: 16 * 1024,
        }
    }
}
