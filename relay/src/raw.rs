//! The raw gateway: a page over plain HTTP (`GET /<hash>/raw`,
//! docs/product.md §10), for `curl`, scripts and browsers without
//! JavaScript, and the text of a page's first response. A small service of
//! its own beside the relay: it keeps its own limits — a token bucket per
//! client address, apart from the WebSockets' limits, and a bounded number
//! of fetches in flight — and asks the relay one thing,
//! [`Relay::fetch_as_visitor`]: the page, fetched the way a visitor does
//! (one host asked, concurrent requests coalesced, a silent, leaving or
//! lying host failed over, the text verified), never as a host, answered
//! and forgotten.

use crate::bucket::Bucket;
use crate::relay::{address_of, now, Relay, Unserved};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use ep2p_core::protocol::PageHash;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Buckets idle this long are dropped when the table grows.
const BUCKET_IDLE: Duration = Duration::from_secs(60);
/// The table is swept of idle buckets when it holds this many.
const BUCKET_SWEEP_AT: usize = 4096;

/// The raw gateway: `/<hash>/raw` and a site's first responses share one,
/// so they share its limits. Cheap to clone: one `Arc`.
#[derive(Clone)]
pub struct Gateway(Arc<GatewayState>);

struct GatewayState {
    /// Where pages come from, and the limits (`raw_per_second`, `max_raw_in_flight`).
    relay: Relay,
    /// Per client address (see [`address_of`]).
    rates: Rates,
    /// Fetches waiting for hosts now.
    in_flight: AtomicUsize,
}

/// A token bucket per client address.
#[derive(Debug, Default)]
struct Rates {
    buckets: DashMap<IpAddr, Bucket>,
}

/// Why a page could not be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    /// No host (here or on another node) has the page.
    NobodyHosting,
    /// Hosts exist, but none sent the page in time.
    NoAnswer,
    /// The client's address is past its rate.
    Limited,
    /// Too many fetches are waiting at once.
    Busy,
}

impl From<Unserved> for FetchError {
    fn from(unserved: Unserved) -> Self {
        match unserved {
            Unserved::NobodyHosting => FetchError::NobodyHosting,
            Unserved::NoAnswer => FetchError::NoAnswer,
        }
    }
}

impl Rates {
    /// Takes one of `address`'s tokens (`rate` a second, bursts of twice that).
    fn admit(&self, address: IpAddr, rate: u32, now: Instant) -> bool {
        if self.buckets.len() >= BUCKET_SWEEP_AT {
            self.buckets.retain(|_, bucket| now.saturating_duration_since(bucket.last()) < BUCKET_IDLE);
        }
        self.buckets.entry(address).or_insert_with(|| Bucket::new(rate, now)).take(now)
    }
}

impl Gateway {
    /// A gateway to `relay`'s pages, with limits of its own (from the relay's config).
    pub fn new(relay: Relay) -> Self {
        Self(Arc::new(GatewayState { relay, rates: Rates::default(), in_flight: AtomicUsize::new(0) }))
    }

    /// Fetches a page for a client at `address` (`/<hash>/raw`, the first
    /// response of `/<hash>`), within that address's rate and the cap on
    /// fetches in flight, waiting at most `patience` for a host.
    pub async fn fetch_for(
        &self,
        address: IpAddr,
        hash: PageHash,
        patience: Duration,
    ) -> Result<String, FetchError> {
        let GatewayState { relay, rates, in_flight } = &*self.0;
        let limits = relay.limits();
        let address = address_of(address);
        if !rates.admit(address, limits.raw_per_second, now()) {
            relay.metrics().reject(crate::metrics::Reject::RateLimited);
            return Err(FetchError::Limited);
        }
        let Some(_slot) = Slot::take(in_flight, limits.max_raw_in_flight) else {
            return Err(FetchError::Busy);
        };
        Ok(relay.fetch_as_visitor(hash, address, patience).await?)
    }
}

/// One of the gateway's fetches in flight, given back when dropped: also
/// when the fetch is cancelled (the client hung up, a first response was
/// abandoned), so cancelled fetches cannot use up the cap.
struct Slot<'a>(&'a AtomicUsize);

impl<'a> Slot<'a> {
    fn take(in_flight: &'a AtomicUsize, cap: usize) -> Option<Self> {
        if in_flight.fetch_add(1, Relaxed) >= cap {
            in_flight.fetch_sub(1, Relaxed);
            return None;
        }
        Some(Self(in_flight))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// `GET|HEAD /<hash>/raw`.
pub(crate) async fn raw_page(
    State(raw): State<Gateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(segment): Path<String>,
) -> Response {
    let Ok(hash) = PageHash::parse(&segment) else {
        return plain(
            StatusCode::NOT_FOUND,
            "Not a page address: a page is / followed by 64 lowercase hex digits.\n",
        );
    };
    let relay = &raw.0.relay;
    let wait = relay.limits().raw_wait;
    let retry_later = |status, body: &str| {
        let mut response = plain(status, body);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        response
    };
    match raw.fetch_for(peer.ip(), hash, wait).await {
        Ok(text) => {
            relay.metrics().raw_served.inc();
            plain(StatusCode::OK, text)
        }
        Err(FetchError::NobodyHosting) => plain(
            StatusCode::NOT_FOUND,
            "Nobody is hosting this page right now: pages vanish when their last visitor leaves.\n",
        ),
        Err(FetchError::NoAnswer) => {
            plain(StatusCode::NOT_FOUND, format!("No host sent this page within {} s.\n", wait.as_secs_f32()))
        }
        Err(FetchError::Limited) => retry_later(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many raw requests from your address; try again in a second.\n",
        ),
        Err(FetchError::Busy) => retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many raw requests at once; try again in a second.\n",
        ),
    }
}

/// A `text/plain` answer that no browser runs, sniffs, caches or indexes.
fn plain(status: StatusCode, body: impl Into<String>) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, "sandbox"),
        (header::HeaderName::from_static("x-robots-tag"), "noindex"),
    ];
    (status, headers, body.into()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Input;
    use crate::RelayConfig;

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_fetch_gives_its_slot_back() {
        let mut config = RelayConfig::default();
        config.limits.max_raw_in_flight = 2;
        let relay = Relay::with_seed(config, 7);
        let gateway = Gateway::new(relay.clone());
        let page = PageHash::of("a page whose only host never answers");
        let host = relay.register(relay.admit([127, 0, 0, 2].into()).expect("admitted"));
        relay.handle(Input::JoinHost { host: host.conn, hash: page });
        let address: IpAddr = [127, 0, 0, 3].into();
        // More fetches than the cap (within the address's burst), each given
        // up by its caller while it waits for the host.
        for _ in 0..5 {
            let fetch = gateway.fetch_for(address, page, Duration::from_secs(3));
            let waited = tokio::time::timeout(Duration::from_millis(1), fetch).await;
            assert!(waited.is_err(), "the fetch was still waiting, not refused: {waited:?}");
        }
        assert_eq!(gateway.0.in_flight.load(Relaxed), 0, "every cancelled fetch gave its slot back");
    }

    #[test]
    fn each_address_has_its_own_bucket_and_idle_ones_are_swept() {
        let rates = Rates::default();
        let t = Instant::now();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert_eq!((0..10).filter(|_| rates.admit(a, 2, t)).count(), 4, "bursts of twice the rate");
        assert!(rates.admit(b, 2, t), "another address is not affected");
        assert!(rates.admit(a, 2, t + Duration::from_millis(500)), "one token back after half a second");
        for i in 0..BUCKET_SWEEP_AT as u32 {
            rates.admit(IpAddr::from(i.to_be_bytes()), 2, t);
        }
        let later = t + BUCKET_IDLE + Duration::from_secs(1);
        rates.admit(a, 2, later);
        assert!(rates.buckets.len() < 10, "idle buckets were swept: {}", rates.buckets.len());
    }
}
