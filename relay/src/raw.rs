//! A page over plain HTTP (`GET /<hash>/raw`, docs/product.md §10), for `curl`,
//! scripts and browsers without JavaScript. The relay fetches the page the
//! way a visitor does — it joins `want:H` as an internal visitor, so one
//! host is asked, concurrent requests coalesce, a silent, leaving or lying
//! host is failed over, and the text is verified — then answers with the
//! text and forgets it. It never joins `have:H`: it is never a host.
//!
//! Each client address has its own token bucket for these requests, apart
//! from the WebSockets' limits, and the relay holds a bounded number of
//! them in flight.

use crate::limits::Bucket;
use crate::relay::{now, Outbound, Relay};
use crate::routing::{Input, Peer, SocketId};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use ep2p_core::protocol::PageHash;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// Buckets idle this long are dropped when the table grows.
const BUCKET_IDLE: Duration = Duration::from_secs(60);
/// The table is swept of idle buckets when it holds this many.
const BUCKET_SWEEP_AT: usize = 4096;

/// The raw route's own limits and state, kept by the relay.
#[derive(Debug, Default)]
pub struct RawState {
    buckets: DashMap<IpAddr, Bucket>,
    in_flight: AtomicUsize,
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

impl RawState {
    /// Takes one of `address`'s tokens (`rate` a second, bursts of twice that).
    fn admit(&self, address: IpAddr, rate: u32, now: Instant) -> bool {
        if self.buckets.len() >= BUCKET_SWEEP_AT {
            self.buckets.retain(|_, bucket| now.saturating_duration_since(bucket.last()) < BUCKET_IDLE);
        }
        self.buckets.entry(address).or_insert_with(|| Bucket::new(rate, now)).take(now)
    }
}

/// Leaves the page and the relay however the fetch ends.
struct Visit<'a> {
    relay: &'a Relay,
    conn: SocketId,
    hash: PageHash,
}

impl Drop for Visit<'_> {
    fn drop(&mut self) {
        self.relay.handle(Input::LeaveVisitor { visitor: Peer::Socket(self.conn), hash: self.hash });
        self.relay.unregister_internal(self.conn);
    }
}

impl Relay {
    /// Fetches a page for a client at `address` (`/<hash>/raw`, the first
    /// response of `/<hash>`), within that address's rate and the relay's
    /// cap on fetches in flight.
    pub async fn fetch_for(
        &self,
        address: IpAddr,
        hash: PageHash,
        patience: Duration,
    ) -> Result<String, FetchError> {
        let limits = self.limits();
        let address = crate::relay::address_of(address);
        let state = self.raw_state();
        if !state.admit(address, limits.raw_per_second, now()) {
            self.metrics().reject(crate::metrics::Reject::RateLimited);
            return Err(FetchError::Limited);
        }
        if state.in_flight.fetch_add(1, Relaxed) >= limits.max_raw_in_flight {
            state.in_flight.fetch_sub(1, Relaxed);
            return Err(FetchError::Busy);
        }
        let fetched = self.fetch(hash, address, patience).await;
        state.in_flight.fetch_sub(1, Relaxed);
        fetched
    }

    /// Fetches a page as a visitor would, waiting at most `patience` for a
    /// host's verified answer. Nothing of it is kept.
    pub async fn fetch(
        &self,
        hash: PageHash,
        address: IpAddr,
        patience: Duration,
    ) -> Result<String, FetchError> {
        let (conn, mut outbound) = self.register_internal(address);
        let visit = Visit { relay: self, conn, hash };
        self.handle(Input::JoinVisitor { visitor: Peer::Socket(conn), hash });
        if self.health(hash).hosts == 0 {
            return Err(FetchError::NobodyHosting);
        }
        self.handle(Input::Request { visitor: Peer::Socket(conn), hash });
        let answer = async {
            while let Some(frame) = outbound.recv().await {
                let Outbound::Shared(frame) = frame else { continue };
                let Some(literal) = frame.content_literal() else { continue };
                // Verified by the socket that received it; checked again, as a browser would.
                if let Ok(text) = serde_json::from_str::<String>(literal.get()) {
                    if hash.matches(&text) {
                        return Some(text);
                    }
                }
            }
            None
        };
        let result = tokio::time::timeout(patience, answer).await.ok().flatten().ok_or(FetchError::NoAnswer);
        drop(visit);
        result
    }
}

/// `GET|HEAD /<hash>/raw`.
pub(crate) async fn raw_page(
    State(relay): State<Relay>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(segment): Path<String>,
) -> Response {
    let Ok(hash) = PageHash::parse(&segment) else {
        return plain(
            StatusCode::NOT_FOUND,
            "Not a page address: a page is / followed by 64 lowercase hex digits.\n",
        );
    };
    let wait = relay.limits().raw_wait;
    let retry_later = |status, body: &str| {
        let mut response = plain(status, body);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        response
    };
    match relay.fetch_for(peer.ip(), hash, wait).await {
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

    #[test]
    fn each_address_has_its_own_bucket_and_idle_ones_are_swept() {
        let state = RawState::default();
        let t = Instant::now();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert_eq!((0..10).filter(|_| state.admit(a, 2, t)).count(), 4, "bursts of twice the rate");
        assert!(state.admit(b, 2, t), "another address is not affected");
        assert!(state.admit(a, 2, t + Duration::from_millis(500)), "one token back after half a second");
        for i in 0..BUCKET_SWEEP_AT as u32 {
            state.admit(IpAddr::from(i.to_be_bytes()), 2, t);
        }
        let later = t + BUCKET_IDLE + Duration::from_secs(1);
        state.admit(a, 2, later);
        assert!(state.buckets.len() < 10, "idle buckets were swept: {}", state.buckets.len());
    }
}
