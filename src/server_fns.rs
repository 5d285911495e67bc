//! The server functions the page view calls: the host count for the first
//! HTML, and the page's text if a host hands it over in time. Compiled in
//! both builds (the browser's is a call to the server).

use crate::protocol::Health;
use leptos::prelude::*;

/// Hosts and waiting visitors of a page, for the SSR shell.
#[server]
pub async fn page_health(hash: String) -> Result<Health, ServerFnError> {
    let hash = crate::protocol::PageHash::parse(&hash).map_err(ServerFnError::new)?;
    Ok(expect_context::<ep2p_relay::Relay>().health(hash))
}

/// The page's text for the first response, from its hosts through the
/// relay as a visitor would get it (verified, never counted as a host, not
/// kept), if one answers within the first-response wait and, with direct
/// connections on, the page is small (`--first-response-most`); `None`
/// otherwise (the browser then asks itself). Within the client address's
/// rate for plain-text reads.
#[server]
pub async fn page_text(hash: String) -> Result<Option<String>, ServerFnError> {
    use axum::extract::ConnectInfo;
    let hash = crate::protocol::PageHash::parse(&hash).map_err(ServerFnError::new)?;
    let peer = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>().await.ok();
    let address = peer.map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |ConnectInfo(addr)| addr.ip());
    let raw = expect_context::<ep2p_relay::RawGateway>();
    Ok(raw.first_response(address, hash).await)
}
