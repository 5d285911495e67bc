//! The raw gateway: a page over plain HTTP (`GET /<hash>/raw`,
//! docs/product.md §10), for `curl`, scripts and browsers without
//! JavaScript, and the text of a page's first response. A small service of
//! its own beside the relay: it keeps its own limits — a token bucket per
//! client address, apart from the WebSockets' limits, and a bounded number
//! of fetches in flight, of which one page holds at most its share — and asks the relay one thing,
//! [`Relay::fetch_as_visitor`]: the page, fetched the way a visitor does
//! (one host asked, concurrent requests coalesced, a silent, leaving or
//! lying host failed over, the text verified), never as a host, answered
//! and forgotten.

use crate::bucket::{Bucket, PerAddress};
use crate::relay::{address_of, now, Relay, Unserved};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use ep2p_core::protocol::PageHash;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// The raw gateway: `/<hash>/raw` and a site's first responses share one,
/// so they share its limits. Cheap to clone: one `Arc`.
#[derive(Clone)]
pub struct Gateway(Arc<GatewayState>);

struct GatewayState {
    /// Where pages come from, and the limits (`raw_per_second`, `max_raw_in_flight`).
    relay: Relay,
    /// Per client address (see [`address_of`]).
    rates: PerAddress,
    /// Fetches waiting for hosts now.
    in_flight: AtomicUsize,
    /// Fetches waiting for hosts now, per page (a page with none has no
    /// entry): no page takes more than its share of `in_flight`.
    pages: DashMap<PageHash, usize>,
    /// Pages found larger than a first response carries with direct
    /// connections on (by hash only; forgotten all at once when full):
    /// not fetched for first responses again.
    too_big: DashMap<PageHash, ()>,
}

/// The most pages [`GatewayState::too_big`] remembers.
const TOO_BIG_REMEMBERED: usize = 4096;

/// The fetches one page may have in flight at once: a sixteenth of the
/// gateway's cap, and never fewer than 8. Concurrent fetches of one page
/// are coalesced by the routing into one ask, so an honest page needs few;
/// a page whose hosts never answer cannot hold every slot.
pub fn page_share(max_in_flight: usize) -> usize {
    (max_in_flight / 16).max(8)
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
    /// Too many fetches of this page are waiting at once.
    PageBusy,
    /// A one-time page: never over HTTP (SPEC §15).
    OneTime,
}

impl From<Unserved> for FetchError {
    fn from(unserved: Unserved) -> Self {
        match unserved {
            Unserved::NobodyHosting => FetchError::NobodyHosting,
            Unserved::NoAnswer => FetchError::NoAnswer,
            Unserved::OneTime => FetchError::OneTime,
        }
    }
}

impl Gateway {
    /// A gateway to `relay`'s pages, with limits of its own (from the relay's config).
    pub fn new(relay: Relay) -> Self {
        Self(Arc::new(GatewayState {
            relay,
            rates: PerAddress::default(),
            in_flight: AtomicUsize::new(0),
            pages: DashMap::new(),
            too_big: DashMap::new(),
        }))
    }

    /// A page's text for the first response of `/<hash>`, if a host sends
    /// it within `first_response_wait` (none at once with a wait of zero:
    /// a zero timer would still let a fast host's answer in now and then).
    /// With direct connections on, only a text up to `first_response_most`
    /// bytes: a larger page comes directly once the page is interactive,
    /// and is not fetched for first responses again (SPEC §14).
    pub async fn first_response(&self, address: IpAddr, hash: PageHash) -> Option<String> {
        let relay = &self.0.relay;
        let wait = relay.limits().first_response_wait;
        let most = relay.config().hub.direct.then_some(relay.limits().first_response_most);
        if wait.is_zero() || (most.is_some() && self.0.too_big.contains_key(&hash)) {
            return None;
        }
        let text = self.fetch_for(address, hash, wait).await.ok()?;
        match most {
            Some(most) if text.len() > most => {
                if self.0.too_big.len() >= TOO_BIG_REMEMBERED {
                    self.0.too_big.clear();
                }
                self.0.too_big.insert(hash, ());
                None
            }
            _ => Some(text),
        }
    }

    /// Fetches a page for a client at `address` (`/<hash>/raw`, the first
    /// response of `/<hash>`), within that address's rate and the cap on
    /// fetches in flight (in all, and the page's share), waiting at most
    /// `patience` for a host.
    pub async fn fetch_for(
        &self,
        address: IpAddr,
        hash: PageHash,
        patience: Duration,
    ) -> Result<String, FetchError> {
        let GatewayState { relay, rates, in_flight, pages, .. } = &*self.0;
        let limits = relay.limits();
        let address = address_of(address);
        if !rates.take(address, now(), |now| Bucket::new(limits.raw_per_second, now)) {
            relay.metrics().reject(crate::metrics::Reject::RateLimited);
            return Err(FetchError::Limited);
        }
        let cap = limits.max_raw_in_flight;
        let Some(_page_slot) = PageSlot::take(pages, hash, page_share(cap)) else {
            relay.metrics().reject(crate::metrics::Reject::PageBusy);
            return Err(FetchError::PageBusy);
        };
        let Some(_slot) = Slot::take(in_flight, cap) else {
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

/// One of a page's share of the fetches in flight, given back when dropped
/// (the page's entry goes with its last one).
struct PageSlot<'a> {
    pages: &'a DashMap<PageHash, usize>,
    hash: PageHash,
}

impl<'a> PageSlot<'a> {
    fn take(pages: &'a DashMap<PageHash, usize>, hash: PageHash, share: usize) -> Option<Self> {
        let mut held = pages.entry(hash).or_insert(0);
        if *held >= share {
            return None;
        }
        *held += 1;
        Some(Self { pages, hash })
    }
}

impl Drop for PageSlot<'_> {
    fn drop(&mut self) {
        if let dashmap::mapref::entry::Entry::Occupied(mut entry) = self.pages.entry(self.hash) {
            *entry.get_mut() -= 1;
            if *entry.get() == 0 {
                entry.remove();
            }
        }
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
        Err(FetchError::OneTime) => plain(
            StatusCode::FORBIDDEN,
            "This is a one-time page: it goes to one reader, in a browser that opens its link, and never over HTTP.\n",
        ),
        Err(FetchError::Limited) => retry_later(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many raw requests from your address; try again in a second.\n",
        ),
        Err(FetchError::Busy) => retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many raw requests at once; try again in a second.\n",
        ),
        Err(FetchError::PageBusy) => retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many raw requests for this page at once; try again in a second.\n",
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
        assert!(gateway.0.pages.is_empty(), "and its page's share");
    }
}
