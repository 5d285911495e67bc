//! What a browser needs to make direct connections (SPEC §14), at
//! `GET /ice`: whether the relay pairs peers at all (`--direct`), the STUN
//! and TURN servers to use (`--ice-servers`) and, for TURN servers run
//! with coturn's `use-auth-secret`, credentials that expire
//! (`--turn-secret`: the TURN REST scheme, username `expiry:id`, password
//! base64 of HMAC-SHA1 of the username under the shared secret), so the
//! TURN server is useless to anyone who is not a visitor of the site right
//! now. Limited per client address like the raw gateway.

use crate::bucket::{Bucket, PerAddress};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long a TURN credential handed out stays good.
pub const TURN_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// The longest ICE server URL accepted.
const MAX_URL: usize = 256;

/// Why an ICE server setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IceError {
    #[error("{0:?} is not a STUN or TURN URL (stun:, stuns:, turn: or turns:, host[:port], no spaces)")]
    Url(String),
    #[error("{0:?} is a TURN server: TURN needs --turn-secret (coturn's static-auth-secret)")]
    TurnWithoutSecret(String),
    #[error("--ice-transport-policy relay needs a TURN server in --ice-servers")]
    RelayWithoutTurn,
}

/// The checked `--ice-servers` and `--turn-secret`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IceServers {
    stun: Vec<String>,
    turn: Vec<String>,
    secret: Option<String>,
    /// Browsers use TURN relays only (`iceTransportPolicy: "relay"`): no
    /// visitor learns another's address, the TURN server carries the bytes.
    relay_transport: bool,
}

impl std::fmt::Debug for IceServers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs.
        f.debug_struct("IceServers")
            .field("stun", &self.stun)
            .field("turn", &self.turn)
            .field("relay_transport", &self.relay_transport)
            .finish()
    }
}

fn is_turn(url: &str) -> bool {
    url.starts_with("turn:") || url.starts_with("turns:")
}

impl IceServers {
    /// Checks the URLs: each a `stun:`, `stuns:`, `turn:` or `turns:` URL
    /// of printable characters; TURN ones only with a secret.
    pub fn new(urls: &[String], secret: Option<String>) -> Result<Self, IceError> {
        let secret = secret.filter(|s| !s.is_empty());
        let mut servers = Self { secret, ..Self::default() };
        for url in urls.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
            let rest = ["stun:", "stuns:", "turn:", "turns:"].iter().find_map(|s| url.strip_prefix(s));
            let shaped = rest.is_some_and(|rest| {
                !rest.is_empty() && !rest.starts_with('/') && rest.chars().all(|c| c.is_ascii_graphic())
            });
            if !shaped || url.len() > MAX_URL {
                return Err(IceError::Url(url.to_string()));
            }
            if is_turn(url) {
                if servers.secret.is_none() {
                    return Err(IceError::TurnWithoutSecret(url.to_string()));
                }
                servers.turn.push(url.to_string());
            } else {
                servers.stun.push(url.to_string());
            }
        }
        Ok(servers)
    }

    /// Browsers connect through a TURN server only (`--ice-transport-policy
    /// relay`); refused without one.
    pub fn relay_transport(mut self, on: bool) -> Result<Self, IceError> {
        if on && self.turn.is_empty() {
            return Err(IceError::RelayWithoutTurn);
        }
        self.relay_transport = on;
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.stun.is_empty() && self.turn.is_empty()
    }

    /// The servers for one browser, TURN credentials made for `id`, good
    /// until `expiry` (seconds since the epoch).
    fn for_browser(&self, expiry: u64, id: &str) -> Vec<IceServer> {
        let mut servers = Vec::new();
        if !self.stun.is_empty() {
            servers.push(IceServer { urls: self.stun.clone(), username: None, credential: None });
        }
        if let (false, Some(secret)) = (self.turn.is_empty(), &self.secret) {
            let (username, credential) = turn_credential(secret, expiry, id);
            servers.push(IceServer {
                urls: self.turn.clone(),
                username: Some(username),
                credential: Some(credential),
            });
        }
        servers
    }
}

/// A TURN REST credential (coturn's `use-auth-secret`): the username
/// `expiry:id` and, as the password, base64 of HMAC-SHA1(secret, username).
pub fn turn_credential(secret: &str, expiry: u64, id: &str) -> (String, String) {
    let username = format!("{expiry}:{id}");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, password)
}

/// One entry of `RTCConfiguration.iceServers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// `GET /ice`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IceAnswer {
    /// False with `--direct off`: the browser uses the relay only.
    pub direct: bool,
    pub ice_servers: Vec<IceServer>,
    /// `all`, or `relay`: connect through a TURN server only.
    pub ice_transport_policy: &'static str,
    /// When the credentials stop working (milliseconds since the epoch): a
    /// page open longer asks again.
    pub expires: u64,
}

/// `/ice`: the settings it answers from, and each client address's rate
/// (the route is in `http.rs`).
pub struct IceService {
    servers: IceServers,
    direct: bool,
    per_second: u32,
    rates: PerAddress,
}

impl IceService {
    /// Answers from `servers`, or says "relay only" unless `direct`;
    /// `per_second` answers per client address (bursts of twice that).
    pub fn new(servers: IceServers, direct: bool, per_second: u32) -> Self {
        Self { servers, direct, per_second, rates: PerAddress::default() }
    }

    /// The answer for a client at `address` (see `relay::address_of`) at
    /// `now`, `wall_ms` since the epoch; `None` past its rate.
    pub fn answer(&self, address: IpAddr, now: Instant, wall_ms: u64) -> Option<IceAnswer> {
        if !self.rates.take(address, now, |now| Bucket::new(self.per_second, now)) {
            return None;
        }
        let expires_s = wall_ms / 1000 + TURN_TTL.as_secs();
        let ice_servers = if self.direct {
            // A random name per answer: coturn logs it, and nothing links it to a visitor.
            self.servers.for_browser(expires_s, &format!("{:016x}", rand::random::<u64>()))
        } else {
            Vec::new()
        };
        let ice_transport_policy = if self.servers.relay_transport { "relay" } else { "all" };
        Some(IceAnswer { direct: self.direct, ice_servers, ice_transport_policy, expires: expires_s * 1000 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_credentials_are_coturns_rest_scheme() {
        // Python: base64(hmac.new(b"north-wind", b"1767225600:4f2a9c", sha1).digest())
        let (username, password) = turn_credential("north-wind", 1_767_225_600, "4f2a9c");
        assert_eq!(username, "1767225600:4f2a9c");
        assert_eq!(password, "RWrOazSM95ZiS+rqTmQ2219x79w=");
    }

    #[test]
    fn ice_server_urls_are_checked_and_turn_needs_a_secret() {
        let urls = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let servers = IceServers::new(
            &urls(&["stun:stun.example.org:3478", "turn:turn.example.org?transport=udp"]),
            Some("s".into()),
        )
        .unwrap();
        let browser = servers.for_browser(100, "x");
        assert_eq!(browser.len(), 2);
        assert_eq!(
            browser[0],
            IceServer { urls: urls(&["stun:stun.example.org:3478"]), username: None, credential: None }
        );
        assert_eq!(browser[1].username.as_deref(), Some("100:x"));
        assert_eq!(browser[1].credential, Some(turn_credential("s", 100, "x").1));
        for bad in ["http://example.org", "stun:", "stun:has space", "stun://x", "turn:x\u{7}"] {
            assert!(
                matches!(IceServers::new(&urls(&[bad]), Some("s".into())), Err(IceError::Url(_))),
                "{bad}"
            );
        }
        let long = format!("stun:{}", "a".repeat(MAX_URL));
        assert!(IceServers::new(&[long], None).is_err());
        assert_eq!(
            IceServers::new(&urls(&["turns:t.example.org"]), None),
            Err(IceError::TurnWithoutSecret("turns:t.example.org".into()))
        );
        assert!(IceServers::new(&[], None).unwrap().is_empty());
        assert_eq!(
            IceServers::new(&urls(&["stun:s.example.org"]), None).unwrap().relay_transport(true),
            Err(IceError::RelayWithoutTurn)
        );
        assert!(servers.clone().relay_transport(true).is_ok());
        assert!(!format!("{servers:?}").contains("\"s\""), "the secret is not printed");
    }
}
