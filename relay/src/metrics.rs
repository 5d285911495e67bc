//! Every counter and gauge behind `/metrics`, declared in one list: the
//! macro below makes each entry a field *and* registers it under its name
//! with its doc line as help, so a metric cannot exist without being
//! exported. Refused input is one counter labelled by [`Reject`].
//!
//! `prometheus-client` (the Prometheus project's own Rust client): a
//! registry per relay (no global recorder, so every in-process test server
//! has its own numbers), atomic counters, and typed labels.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::fmt::Write as _;

/// Declares the reasons input is refused: the enum, its label values and
/// the list of all of them, from one table.
macro_rules! reasons {
    ($( $(#[doc = $doc:literal])+ $variant:ident => $label:literal, )*) => {
        /// Why the relay refused something a client sent or did.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Reject {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Reject {
            pub const ALL: &'static [Reject] = &[$(Reject::$variant),*];

            /// The `reason` label's value.
            pub fn label(self) -> &'static str {
                match self {
                    $(Reject::$variant => $label,)*
                }
            }
        }
    };
}

reasons! {
    /// Not JSON, or not the shape of a Phoenix frame or of its event's payload.
    Malformed => "malformed",
    /// A `join_ref` or `ref` longer than `max_ref_bytes`.
    LongRef => "long_ref",
    /// A topic that is not `have:H`, `want:H` or `phoenix`, or not joined.
    UnmatchedTopic => "unmatched_topic",
    /// A hash that is not 64 lowercase hex digits, or not the topic's.
    InvalidHash => "invalid_hash",
    /// An event this topic does not take.
    UnknownEvent => "unknown_event",
    /// A join past the per-socket topic limit.
    TooManyTopics => "too_many_topics",
    /// Past a request, chat or frame rate limit.
    RateLimited => "rate_limited",
    /// A chat message past its client address's or its page's budget (its socket's is `rate_limited`).
    ChatBudget => "chat_budget",
    /// A chat message dated more than a minute ahead of the relay's clock.
    FutureDated => "future_dated",
    /// A frame or page over its size limit.
    TooBig => "too_big",
    /// A join a one-time page's rules refuse (another host, or read already).
    OneTime => "one_time",
    /// A signal for a pair the socket is not a side of, or past its pair's signals.
    Unpaired => "unpaired",
    /// A binary frame.
    Binary => "binary",
    /// A socket that does not read what it is sent.
    SlowConsumer => "slow_consumer",
    /// A socket that sent nothing but pings for the heartbeat timeout.
    HeartbeatTimeout => "heartbeat_timeout",
    /// A message begun and not finished within the message timeout.
    SlowMessage => "slow_message",
    /// An upgrade refused (not a WebSocket upgrade, serializer version, origin).
    RefusedUpgrade => "refused_upgrade",
    /// An upgrade refused because the relay holds its maximum of sockets.
    TooManyConnections => "too_many_connections",
    /// An upgrade refused because the client's address holds its maximum.
    TooManyFromAddress => "too_many_from_address",
    /// A raw fetch (or first response) refused: its page holds its share of the fetches in flight.
    PageBusy => "page_busy",
    /// A TCP connection closed at once: its address holds its maximum of open HTTP connections.
    TooManyHttpFromAddress => "too_many_http_from_address",
    /// A request for a host name this server does not answer for (421; DNS rebinding).
    MisdirectedHost => "misdirected_host",
}

impl EncodeLabelValue for Reject {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.label())
    }
}

/// The label set of [`Metrics::rejected`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RejectLabels {
    pub reason: Reject,
}

/// Declares the metrics: each `/// help` + `name: Type` becomes a public
/// field and is registered as `ep2p_<name>` (counters get `_total`).
macro_rules! metrics {
    ($( #[doc = $help:literal] $field:ident: $kind:ty $(= $init:expr)?, )*) => {
        /// The relay's metrics, and the registry `/metrics` renders.
        pub struct Metrics {
            registry: Registry,
            $( #[doc = $help] pub $field: $kind, )*
        }

        impl Metrics {
            pub fn new() -> Self {
                let mut registry = Registry::with_prefix("ep2p");
                $(
                    let $field: $kind = metrics!(@init $kind $(, $init)?);
                    // The encoder ends the help with its own full stop.
                    let help = $help.trim().trim_end_matches('.');
                    registry.register(stringify!($field), help, $field.clone());
                )*
                let metrics = Self { registry, $($field,)* };
                metrics.init();
                metrics
            }
        }
    };
    (@init $kind:ty) => { <$kind>::default() };
    (@init $kind:ty, $init:expr) => { $init };
}

metrics! {
    /// Open WebSocket connections.
    connections: Gauge,
    /// WebSockets allowed open at once (--max-connections): more get 503.
    max_connections: Gauge,
    /// Resident memory of the server process, in bytes (read at each scrape).
    resident_memory_bytes: Gauge,
    /// WebSocket connections accepted.
    connections_accepted: Counter,
    /// Pages with a host, a waiting visitor or a watcher here, or hosts on another node of the site.
    pages: Gauge,
    /// Host channels (have:H) over all pages.
    hosts: Gauge,
    /// Visitor channels (want:H) over all pages.
    waiting_visitors: Gauge,
    /// Watch channels (watch:H, "Your pages") over all pages.
    watchers: Gauge,
    /// content_request frames from visitors.
    requests: Counter,
    /// Requests served by one already in flight.
    coalesced: Counter,
    /// content_request frames sent to hosts for visitors.
    asks: Counter,
    /// content_request frames sent to hosts not trusted now (from a suspect address, or that sent the page unasked), to see whether they answer.
    probes: Counter,
    /// Asks sent to another relay node (no host of this node could answer).
    cross_node_asks: Counter,
    /// Verified pages sent to visitors.
    deliveries: Counter,
    /// Seconds from a visitor's request (none of this node's visitors waiting before) to the verified page's delivery, failovers included (targeted routing).
    time_to_content_seconds: Histogram = Histogram::new(exponential_buckets(0.001, 2.0, 14)),
    /// Pages answered over plain HTTP (/<hash>/raw).
    raw_served: Counter,
    /// Hosts asked after another timed out, left or lied.
    failovers: Counter,
    /// content frames whose hash did not match.
    bad_hashes: Counter,
    /// True pages refused because their end had come (SPEC §15); their hosts were told.
    ended_pages: Counter,
    /// Verified content nobody was waiting for, or from a host nobody asked (dropped: it proves nothing).
    unsolicited: Counter,
    /// Requests that waited because their client address had used up its asks of the page's hosts.
    held_requests: Counter,
    /// Chat messages passed on to a page's other hosts.
    chat_messages: Counter,
    /// Chat message frames sent to hosts (a message to n other hosts is n).
    chat_deliveries: Counter,
    /// Chat message frames not queued for a host that had fallen behind (chat_queue frames waiting): it loses chat, never its page.
    chat_dropped: Counter,
    /// chat_history requests from hosts (and other nodes).
    history_requests: Counter,
    /// chat_history requests sent to hosts.
    history_asks: Counter,
    /// Hosts asked for a chat history after another timed out, left or was refused.
    history_failovers: Counter,
    /// Chat histories delivered to hosts that asked.
    history_served: Counter,
    /// Bytes of page text (as JSON) and of file chunks sent to visitors.
    bytes_relayed: Counter,
    /// chunk_request frames from visitors.
    chunk_requests: Counter,
    /// Chunk requests served by one already in flight for the same chunk.
    chunk_coalesced: Counter,
    /// chunk_request frames sent to hosts.
    chunk_asks: Counter,
    /// Verified chunks sent to visitors.
    chunk_deliveries: Counter,
    /// Holders asked for a chunk after another timed out, left or lied.
    chunk_failovers: Counter,
    /// Chunk requests answered chunk_unavailable (no holder left to ask).
    chunks_unavailable: Counter,
    /// Visitors' offers of a direct connection paired with a host (SPEC §14).
    direct_pairs: Counter,
    /// Offers of a direct connection not paired (direct off, no host free, too many).
    direct_refused: Counter,
    /// Direct connections whose channel opened, as their visitors report it (counted, not checked).
    direct_opened: Counter,
    /// Direct connections paired that never opened (late, or declined), as their visitors report it.
    direct_failed: Counter,
    /// Direct connections that opened and then broke or brought a wrong copy, as their visitors report it.
    direct_broken: Counter,
    /// Signals (offer, answer, candidates, bye) forwarded across a pair.
    signals: Counter,
    /// Signal frames not queued for a peer that had fallen behind (chat_queue frames waiting).
    signals_dropped: Counter,
    /// Binary frames received.
    binary_frames_in: Counter,
    /// Text frames received.
    frames_in: Counter,
    /// Frames sent.
    frames_out: Counter,
    /// Bytes of frames sent.
    bytes_out: Counter,
    /// Refused input, by reason.
    rejected: Family<RejectLabels, Counter>,
    /// 1 when this node was started with a Redis URL (one node of several), else 0.
    cluster_enabled: Gauge,
    /// 1 while the Redis backplane answers (0 without --redis).
    backplane_connected: Gauge,
    /// Times the backplane was lost or could not be reached.
    backplane_reconnects: Counter,
    /// Messages published to the other relay nodes.
    backplane_published: Counter,
    /// Messages received from the other relay nodes.
    backplane_received: Counter,
    /// Messages to other nodes not sent (Redis unreachable, or too many waiting).
    backplane_dropped: Counter,
    /// Messages from the backplane that could not be read, or that carried a count no node could hold.
    backplane_malformed: Counter,
    /// Other relay nodes this node knows to host pages.
    nodes: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Every reason is exported from the start, at zero.
    fn init(&self) {
        for &reason in Reject::ALL {
            let _ = self.rejected.get_or_create(&RejectLabels { reason });
        }
    }

    /// Counts one refusal.
    pub fn reject(&self, reason: Reject) {
        self.rejected.get_or_create(&RejectLabels { reason }).inc();
    }

    /// How many times input was refused for `reason`.
    pub fn rejections(&self, reason: Reject) -> u64 {
        self.rejected.get_or_create(&RejectLabels { reason }).get()
    }

    /// The Prometheus text format (0.0.4). Nothing about a page but totals
    /// appears here.
    pub fn render(&self) -> String {
        if let Some(kib) = resident_kib("self") {
            self.resident_memory_bytes.set(i64::try_from(kib.saturating_mul(1024)).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }

    /// The `Content-Type` of [`Metrics::render`]'s output.
    pub const CONTENT_TYPE: &'static str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
}

/// Resident memory of a process in KiB, from `VmRSS` in
/// `/proc/<process>/status` (`"self"` or a pid; Linux); `None` if unreadable.
pub fn resident_kib(process: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_and_every_reason_is_exported_with_its_help() {
        let metrics = Metrics::new();
        metrics.requests.inc_by(3);
        metrics.hosts.set(2);
        metrics.reject(Reject::TooBig);
        let text = metrics.render();
        assert!(
            text.contains("# HELP ep2p_requests_total content_request frames from visitors.\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE ep2p_requests_total counter"), "{text}");
        assert!(text.contains("\nep2p_requests_total 3\n"), "{text}");
        assert!(text.contains("\nep2p_hosts 2\n"), "{text}");
        assert!(text.contains("ep2p_rejected_total{reason=\"too_big\"} 1\n"), "{text}");
        for reason in Reject::ALL {
            assert!(text.contains(&format!("reason=\"{}\"", reason.label())), "{reason:?} missing");
        }
        assert_eq!(metrics.rejections(Reject::TooBig), 1);
        let labels: std::collections::HashSet<_> = Reject::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(labels.len(), Reject::ALL.len(), "labels are distinct");
    }
}
