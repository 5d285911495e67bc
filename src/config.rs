//! The server's runtime settings. Each one is read, in order of precedence,
//! from a command-line flag, an `EP2P_*` environment variable, the `[server]`
//! table of `Leptos.toml`, and finally the relay's defaults. The listen
//! address also honours `LEPTOS_SITE_ADDR` (what `cargo leptos serve` and
//! `watch` set) when no flag or `EP2P_ADDR` names one.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Parser;
use ep2p_relay::{HubConfig, IceServers, Limits, LogFormat, Policy, RelayConfig};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Command line and environment. Every setting is optional here so that
/// `Leptos.toml` can fill what is not given.
#[derive(Debug, Default, Parser)]
#[command(
    name = "ephemeral_p2p",
    version,
    about = "Ephemeral P2P: pages that live only in their visitors' browsers"
)]
pub struct Cli {
    /// Settings file; its `[server]` table is read if the file exists.
    #[arg(long, env = "EP2P_CONFIG", default_value = "Leptos.toml")]
    pub config: PathBuf,
    /// Address to listen on [default: LEPTOS_SITE_ADDR, then Leptos.toml].
    #[arg(long, env = "EP2P_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Largest page, in bytes of UTF-8 text.
    #[arg(long, env = "EP2P_CONTENT_LIMIT")]
    pub content_limit: Option<usize>,
    /// How requests reach hosts.
    #[arg(
        long,
        env = "EP2P_POLICY",
        value_parser = PossibleValuesParser::new(Policy::ALL.map(Policy::name))
            .try_map(|name: String| name.parse::<Policy>())
    )]
    pub policy: Option<Policy>,
    /// Origins allowed to open a WebSocket, comma-separated (default: the
    /// server's own origin only). `*` allows any.
    #[arg(long, env = "EP2P_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Option<Vec<String>>,
    /// Host names this server answers for, comma-separated (IP literals and
    /// `localhost` always pass; `*` allows any). Needed behind a reverse
    /// proxy when listening on a loopback or private address, where other
    /// names are refused with 421 (DNS rebinding).
    #[arg(long, env = "EP2P_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Option<Vec<String>>,
    /// A socket that sends nothing for this long is closed (e.g. `60s`).
    #[arg(long, env = "EP2P_HEARTBEAT_TIMEOUT", value_parser = parse_duration)]
    pub heartbeat_timeout: Option<Duration>,
    /// How long an asked host has before the next one is asked (e.g. `1s`).
    #[arg(long, env = "EP2P_REQUEST_TIMEOUT", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,
    /// At most one host count per page per window (e.g. `250ms`).
    #[arg(long, env = "EP2P_COUNT_WINDOW", value_parser = parse_duration)]
    pub count_window: Option<Duration>,
    /// Topics one socket may join.
    #[arg(long, env = "EP2P_MAX_TOPICS")]
    pub max_topics: Option<usize>,
    /// `content_request`s one socket may send per second (bursts of twice that).
    #[arg(long, env = "EP2P_REQUESTS_PER_SECOND")]
    pub requests_per_second: Option<u32>,
    /// Frames one socket may send per second (bursts of twice that).
    #[arg(long, env = "EP2P_FRAMES_PER_SECOND")]
    pub frames_per_second: Option<u32>,
    /// The largest total size of a file page's files whose chunks are
    /// relayed (bytes, or with a unit: `4GiB`, `500MB`).
    #[arg(long, env = "EP2P_FILE_LIMIT", value_parser = parse_size)]
    pub file_limit: Option<u64>,
    /// File chunks one socket may have asked for and not yet received.
    #[arg(long, env = "EP2P_CHUNKS_IN_FLIGHT")]
    pub chunks_in_flight: Option<usize>,
    /// Bytes of file chunks one socket may ask for per second, bursts of
    /// twice that (bytes, or with a unit: `32MiB`).
    #[arg(long, env = "EP2P_CHUNK_BYTES_PER_SECOND", value_parser = parse_size)]
    pub chunk_bytes_per_second: Option<u64>,
    /// How long a host asked for a chunk has before the next holder is asked (e.g. `10s`).
    #[arg(long, env = "EP2P_CHUNK_TIMEOUT", value_parser = parse_duration)]
    pub chunk_timeout: Option<Duration>,
    /// Messages queued for a socket before it is disconnected as too slow.
    #[arg(long, env = "EP2P_OUTBOUND_QUEUE")]
    pub outbound_queue: Option<usize>,
    /// A message begun and not finished within this long closes its socket.
    #[arg(long, env = "EP2P_MESSAGE_TIMEOUT", value_parser = parse_duration)]
    pub message_timeout: Option<Duration>,
    /// An HTTP client gets this long to send a request's head.
    #[arg(long, env = "EP2P_HEADER_READ_TIMEOUT", value_parser = parse_duration)]
    pub header_read_timeout: Option<Duration>,
    /// How long rendering /<hash> waits for a host's text (then the browser asks).
    #[arg(long, env = "EP2P_FIRST_RESPONSE_WAIT", value_parser = parse_duration)]
    pub first_response_wait: Option<Duration>,
    /// With direct connections on, the largest page text a first response carries (larger: directly).
    #[arg(long, env = "EP2P_FIRST_RESPONSE_MOST", value_parser = parse_size)]
    pub first_response_most: Option<u64>,
    /// Plain-text page reads (/<hash>/raw and first responses) per second per client address.
    #[arg(long, env = "EP2P_RAW_PER_SECOND")]
    pub raw_per_second: Option<u32>,
    /// WebSockets open at once, in all (more get 503).
    #[arg(long, env = "EP2P_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// WebSockets open at once from one client address (more get 429).
    #[arg(long, env = "EP2P_MAX_CONNECTIONS_PER_ADDRESS")]
    pub max_connections_per_address: Option<usize>,
    /// Chat messages per 10 s from one client address, over all its sockets and pages.
    #[arg(long, env = "EP2P_CHAT_PER_ADDRESS")]
    pub chat_per_address: Option<u32>,
    /// Asks of one page's hosts that the visitors of one client address may
    /// cause at once; then one more every 2 s (past it, their request waits).
    #[arg(long, env = "EP2P_ASKS_PER_ADDRESS")]
    pub asks_per_address: Option<u32>,
    /// Plain HTTP connections open at once from one client address (more are closed at once).
    #[arg(long, env = "EP2P_MAX_HTTP_CONNECTIONS_PER_ADDRESS")]
    pub max_http_connections_per_address: Option<usize>,
    /// Serve /metrics only with `Authorization: Bearer <this token>`.
    #[arg(long, env = "EP2P_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Pair visitors with hosts for direct WebRTC connections (`on`), or
    /// carry every byte through the relay (`off`).
    #[arg(
        long,
        env = "EP2P_DIRECT",
        value_parser = PossibleValuesParser::new(["on", "off"]).map(|s: String| s == "on")
    )]
    pub direct: Option<bool>,
    /// STUN and TURN servers handed to browsers for direct connections,
    /// comma-separated (`stun:stun.example.org:3478,turn:turn.example.org`).
    #[arg(long, env = "EP2P_ICE_SERVERS", value_delimiter = ',')]
    pub ice_servers: Option<Vec<String>>,
    /// coturn's `static-auth-secret`: TURN servers get credentials that
    /// expire (6 h), made with it.
    #[arg(long, env = "EP2P_TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<String>,
    /// `relay`: browsers connect only through the TURN servers (no
    /// visitor sees another's address); `all`: directly when they can.
    #[arg(
        long,
        env = "EP2P_ICE_TRANSPORT_POLICY",
        value_parser = PossibleValuesParser::new(["all", "relay"]).map(|s: String| s == "relay")
    )]
    pub ice_transport_policy: Option<bool>,
    /// Be one node of a site whose nodes meet on this Redis (redis://host:port).
    #[arg(long = "redis", env = "EP2P_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Log lines as text for people, or as one JSON object per line for a log shipper.
    #[arg(
        long,
        env = "EP2P_LOG_FORMAT",
        value_parser = PossibleValuesParser::new(LogFormat::ALL.map(LogFormat::name))
            .try_map(|name: String| name.parse::<LogFormat>())
    )]
    pub log_format: Option<LogFormat>,
}

/// The `[server]` table of `Leptos.toml`; same names as the flags, with `_`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<SocketAddr>,
    content_limit: Option<usize>,
    policy: Option<Policy>,
    allowed_origins: Option<Vec<String>>,
    allowed_hosts: Option<Vec<String>>,
    heartbeat_timeout: Option<String>,
    request_timeout: Option<String>,
    count_window: Option<String>,
    max_topics: Option<usize>,
    requests_per_second: Option<u32>,
    frames_per_second: Option<u32>,
    file_limit: Option<String>,
    chunks_in_flight: Option<usize>,
    chunk_bytes_per_second: Option<String>,
    chunk_timeout: Option<String>,
    outbound_queue: Option<usize>,
    message_timeout: Option<String>,
    header_read_timeout: Option<String>,
    first_response_wait: Option<String>,
    first_response_most: Option<String>,
    raw_per_second: Option<u32>,
    max_connections: Option<usize>,
    max_connections_per_address: Option<usize>,
    chat_per_address: Option<u32>,
    asks_per_address: Option<u32>,
    max_http_connections_per_address: Option<usize>,
    metrics_token: Option<String>,
    redis_url: Option<String>,
    direct: Option<Switch>,
    ice_servers: Option<Vec<String>>,
    turn_secret: Option<String>,
    ice_transport_policy: Option<TransportPolicy>,
    log_format: Option<LogFormat>,
}

/// `ice_transport_policy` in the settings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum TransportPolicy {
    All,
    Relay,
}

/// A setting that is `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Switch {
    On,
    Off,
}

#[derive(Debug, Default, Deserialize)]
struct SettingsFile {
    #[serde(default)]
    server: FileSettings,
}

/// Everything the server needs, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub addr: SocketAddr,
    pub log_format: LogFormat,
    pub relay: RelayConfig,
}

/// Where the server listens when nothing says otherwise.
pub const DEFAULT_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 3000);

impl Default for Settings {
    fn default() -> Self {
        Self { addr: DEFAULT_ADDR, log_format: LogFormat::default(), relay: RelayConfig::default() }
    }
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("{path}: {key}: {message}")]
    Value { path: PathBuf, key: &'static str, message: String },
    #[error("LEPTOS_SITE_ADDR: {0:?} is not an address like 127.0.0.1:3000")]
    SiteAddr(String),
    #[error("--ice-servers: {0}")]
    Ice(#[from] ep2p_relay::IceError),
}

impl Settings {
    /// Resolves flags and environment over `Leptos.toml` over defaults. A
    /// missing settings file is fine unless it was named explicitly.
    /// `leptos_site_addr` is the value of `LEPTOS_SITE_ADDR`, if set.
    pub fn load(cli: Cli, explicit_file: bool, leptos_site_addr: Option<&str>) -> Result<Self, ConfigError> {
        let file = match std::fs::read_to_string(&cli.config) {
            Ok(text) => {
                toml::from_str::<SettingsFile>(&text)
                    .map_err(|source| ConfigError::Parse { path: cli.config.clone(), source })?
                    .server
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit_file => FileSettings::default(),
            Err(source) => return Err(ConfigError::Read { path: cli.config.clone(), source }),
        };
        let duration = |key: &'static str, text: Option<String>| {
            text.map(|t| parse_duration(&t)).transpose().map_err(|message| ConfigError::Value {
                path: cli.config.clone(),
                key,
                message,
            })
        };
        let file_heartbeat = duration("heartbeat_timeout", file.heartbeat_timeout)?;
        let file_request = duration("request_timeout", file.request_timeout)?;
        let file_window = duration("count_window", file.count_window)?;
        let file_message = duration("message_timeout", file.message_timeout)?;
        let file_header = duration("header_read_timeout", file.header_read_timeout)?;
        let file_first = duration("first_response_wait", file.first_response_wait)?;
        let file_chunk_timeout = duration("chunk_timeout", file.chunk_timeout)?;
        let size = |key: &'static str, text: Option<String>| {
            text.map(|t| parse_size(&t)).transpose().map_err(|message| ConfigError::Value {
                path: cli.config.clone(),
                key,
                message,
            })
        };
        let file_file_limit = size("file_limit", file.file_limit)?;
        let file_chunk_bytes = size("chunk_bytes_per_second", file.chunk_bytes_per_second)?;
        let file_first_most = size("first_response_most", file.first_response_most)?;
        let site_addr = leptos_site_addr
            .map(|text| text.trim().parse().map_err(|_| ConfigError::SiteAddr(text.to_string())))
            .transpose()?;

        let ice = IceServers::new(
            &cli.ice_servers.or(file.ice_servers).unwrap_or_default(),
            cli.turn_secret.or(file.turn_secret),
        )?
        .relay_transport(
            cli.ice_transport_policy
                .or(file.ice_transport_policy.map(|p| p == TransportPolicy::Relay))
                .unwrap_or(false),
        )?;
        let hub = HubConfig::default();
        let limits = Limits::default();
        Ok(Settings {
            addr: cli.addr.or(site_addr).or(file.addr).unwrap_or(DEFAULT_ADDR),
            log_format: cli.log_format.or(file.log_format).unwrap_or_default(),
            relay: RelayConfig {
                allowed_origins: cli.allowed_origins.or(file.allowed_origins).unwrap_or_default(),
                allowed_hosts: cli.allowed_hosts.or(file.allowed_hosts).unwrap_or_default(),
                metrics_token: cli.metrics_token.or(file.metrics_token).filter(|token| !token.is_empty()),
                redis_url: cli.redis_url.or(file.redis_url).filter(|url| !url.is_empty()),
                ice,
                hub: HubConfig {
                    policy: cli.policy.or(file.policy).unwrap_or(hub.policy),
                    request_timeout: cli.request_timeout.or(file_request).unwrap_or(hub.request_timeout),
                    count_window: cli.count_window.or(file_window).unwrap_or(hub.count_window),
                    asks_per_address: cli
                        .asks_per_address
                        .or(file.asks_per_address)
                        .filter(|n| *n > 0)
                        .unwrap_or(hub.asks_per_address),
                    chunk_timeout: cli.chunk_timeout.or(file_chunk_timeout).unwrap_or(hub.chunk_timeout),
                    direct: cli.direct.or(file.direct.map(|s| s == Switch::On)).unwrap_or(hub.direct),
                    ..hub
                },
                limits: Limits {
                    content_limit: cli.content_limit.or(file.content_limit).unwrap_or(limits.content_limit),
                    max_topics: cli.max_topics.or(file.max_topics).unwrap_or(limits.max_topics),
                    requests_per_second: cli
                        .requests_per_second
                        .or(file.requests_per_second)
                        .unwrap_or(limits.requests_per_second),
                    frames_per_second: cli
                        .frames_per_second
                        .or(file.frames_per_second)
                        .unwrap_or(limits.frames_per_second),
                    file_limit: cli.file_limit.or(file_file_limit).unwrap_or(limits.file_limit),
                    max_chunks_in_flight: cli
                        .chunks_in_flight
                        .or(file.chunks_in_flight)
                        .filter(|n| *n > 0)
                        .unwrap_or(limits.max_chunks_in_flight),
                    chunk_bytes_per_second: cli
                        .chunk_bytes_per_second
                        .or(file_chunk_bytes)
                        .filter(|n| *n > 0)
                        .map_or(limits.chunk_bytes_per_second, |n| u32::try_from(n).unwrap_or(u32::MAX)),
                    outbound_queue: cli
                        .outbound_queue
                        .or(file.outbound_queue)
                        .unwrap_or(limits.outbound_queue),
                    heartbeat_timeout: cli
                        .heartbeat_timeout
                        .or(file_heartbeat)
                        .unwrap_or(limits.heartbeat_timeout),
                    message_timeout: cli.message_timeout.or(file_message).unwrap_or(limits.message_timeout),
                    header_read_timeout: cli
                        .header_read_timeout
                        .or(file_header)
                        .unwrap_or(limits.header_read_timeout),
                    first_response_wait: cli
                        .first_response_wait
                        .or(file_first)
                        .unwrap_or(limits.first_response_wait),
                    first_response_most: cli
                        .first_response_most
                        .or(file_first_most)
                        .map_or(limits.first_response_most, |n| usize::try_from(n).unwrap_or(usize::MAX)),
                    raw_per_second: cli
                        .raw_per_second
                        .or(file.raw_per_second)
                        .unwrap_or(limits.raw_per_second),
                    max_connections: cli
                        .max_connections
                        .or(file.max_connections)
                        .unwrap_or(limits.max_connections),
                    max_connections_per_address: cli
                        .max_connections_per_address
                        .or(file.max_connections_per_address)
                        .unwrap_or(limits.max_connections_per_address),
                    chat_per_address: cli
                        .chat_per_address
                        .or(file.chat_per_address)
                        .unwrap_or(limits.chat_per_address),
                    max_http_connections_per_address: cli
                        .max_http_connections_per_address
                        .or(file.max_http_connections_per_address)
                        .unwrap_or(limits.max_http_connections_per_address),
                    ..limits
                },
            },
        })
    }
}

/// A size in bytes: a bare number, or one with a unit (`KB`, `MB`, `GB`
/// in powers of 1000; `KiB`, `MiB`, `GiB` in powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a size like 4GiB or 500MB"))?;
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" => 1000,
        "MB" => 1000 * 1000,
        "GB" => 1000 * 1000 * 1000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        _ => return Err(format!("{text:?}: unknown unit (B, KB, MB, GB, KiB, MiB, GiB, TiB)")),
    };
    number.checked_mul(scale).ok_or_else(|| format!("{text:?} is too large"))
}

/// A duration as `humantime` reads it (`250ms`, `1s`, `2m`, `1h 30m`), or a
/// bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map(Duration::from_secs).map_err(|e| format!("{text:?}: {e}"));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{text:?} is not a duration like 250ms, 1s or 2m ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> (tempfile::NamedTempFile, Cli) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), toml).unwrap();
        let cli = Cli { config: file.path().into(), ..Cli::default() };
        (file, cli)
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999999").is_err());
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("32 MiB"), Ok(32 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        for bad in ["", "GiB", "4 gigs", "-1", "99999999999TiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        let cli = Cli::try_parse_from(["ephemeral_p2p", "--file-limit", "1GiB", "--chunks-in-flight", "4"])
            .unwrap();
        let limits = Settings::load(cli, true, None).unwrap().relay.limits;
        assert_eq!((limits.file_limit, limits.max_chunks_in_flight), (1 << 30, 4));
        let (_f, cli) = settings(
            "[server]
chunk_bytes_per_second = \"lots\"\n",
        );
        assert!(Settings::load(cli, true, None).unwrap_err().to_string().contains("chunk_bytes_per_second"));
    }

    #[test]
    fn direct_connections_are_on_unless_turned_off() {
        let on = Cli::try_parse_from(["ephemeral_p2p"]).unwrap();
        assert!(Settings::load(on, false, None).unwrap().relay.hub.direct);
        let off = Cli::try_parse_from(["ephemeral_p2p", "--direct", "off"]).unwrap();
        assert!(!Settings::load(off, false, None).unwrap().relay.hub.direct);
        assert!(Cli::try_parse_from(["ephemeral_p2p", "--direct", "maybe"]).is_err());
        let (_f, cli) = settings("[server]\ndirect = \"off\"\n");
        assert!(!Settings::load(cli, true, None).unwrap().relay.hub.direct);
        let (_f, mut cli) = settings("[server]\ndirect = \"off\"\n");
        cli.direct = Some(true);
        assert!(Settings::load(cli, true, None).unwrap().relay.hub.direct, "the flag wins");
    }

    #[test]
    fn ice_servers_are_checked_when_the_server_starts() {
        let args = ["ephemeral_p2p", "--ice-servers", "stun:stun.example.org:3478,turn:turn.example.org"];
        let error = Settings::load(Cli::try_parse_from(args).unwrap(), false, None).unwrap_err();
        assert!(error.to_string().contains("--turn-secret"), "{error}");
        let with_secret = [&args[..], &["--turn-secret", "s3cret"]].concat();
        let ice = Settings::load(Cli::try_parse_from(with_secret).unwrap(), false, None).unwrap().relay.ice;
        assert!(!ice.is_empty());
        let relay = [&args[..], &["--turn-secret", "s3cret", "--ice-transport-policy", "relay"]].concat();
        assert!(Settings::load(Cli::try_parse_from(relay).unwrap(), false, None).is_ok());
        let no_turn = ["ephemeral_p2p", "--ice-transport-policy", "relay"];
        let error = Settings::load(Cli::try_parse_from(no_turn).unwrap(), false, None).unwrap_err();
        assert!(error.to_string().contains("needs a TURN server"), "{error}");
        let (_f, cli) = settings("[server]\nice_servers = [\"http://nope\"]\n");
        assert!(Settings::load(cli, true, None).unwrap_err().to_string().contains("not a STUN or TURN URL"));
    }

    #[test]
    fn the_file_fills_what_flags_do_not_give_and_defaults_the_rest() {
        let (_f, mut cli) = settings(
            "[server]\naddr = \"127.0.0.2:4000\"\npolicy = \"random-drop\"\ncontent_limit = 10\nheartbeat_timeout = \"5s\"\n",
        );
        cli.content_limit = Some(20);
        let loaded = Settings::load(cli, true, None).unwrap();
        assert_eq!(loaded.addr, "127.0.0.2:4000".parse().unwrap());
        assert_eq!(loaded.relay.hub.policy, Policy::RandomDrop);
        assert_eq!(loaded.relay.limits.content_limit, 20, "the flag wins over the file");
        assert_eq!(loaded.relay.limits.heartbeat_timeout, Duration::from_secs(5));
        assert_eq!(loaded.relay.hub.count_window, Duration::from_millis(250));
    }

    #[test]
    fn the_log_format_is_text_unless_the_file_or_a_flag_says_json() {
        let (_f, cli) = settings("");
        assert_eq!(Settings::load(cli, true, None).unwrap().log_format, LogFormat::Text);
        let (_f, cli) = settings("[server]\nlog_format = \"json\"\n");
        assert_eq!(Settings::load(cli, true, None).unwrap().log_format, LogFormat::Json);
        let (_f, cli) = settings("[server]\nlog_format = \"xml\"\n");
        assert!(Settings::load(cli, true, None).is_err(), "an unknown format is refused");
        let cli = Cli::try_parse_from(["ephemeral_p2p", "--log-format", "json"]).unwrap();
        assert_eq!(cli.log_format, Some(LogFormat::Json));
        assert!(Cli::try_parse_from(["ephemeral_p2p", "--log-format", "yaml"]).is_err());
    }

    #[test]
    fn leptos_site_addr_is_used_when_no_flag_names_an_address() {
        let (_f, cli) = settings("[server]\naddr = \"127.0.0.2:4000\"\n");
        let loaded = Settings::load(cli, true, Some("127.0.0.1:4001")).unwrap();
        assert_eq!(loaded.addr, "127.0.0.1:4001".parse().unwrap(), "cargo leptos's address beats the file");
        let (_f, mut cli) = settings("");
        cli.addr = Some("127.0.0.1:4002".parse().unwrap());
        let loaded = Settings::load(cli, true, Some("127.0.0.1:4001")).unwrap();
        assert_eq!(loaded.addr, "127.0.0.1:4002".parse().unwrap(), "--addr / EP2P_ADDR beat it");
        let (_f, cli) = settings("");
        assert_eq!(Settings::load(cli, true, None).unwrap().addr, DEFAULT_ADDR);
        let (_f, cli) = settings("");
        let error = Settings::load(cli, true, Some("somewhere")).unwrap_err();
        assert!(error.to_string().contains("LEPTOS_SITE_ADDR"), "{error}");
    }

    #[test]
    fn the_shipped_leptos_toml_is_valid_and_states_every_default() {
        let cli =
            Cli { config: concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml").into(), ..Cli::default() };
        assert_eq!(Settings::load(cli, true, None).unwrap(), Settings::default());
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let (_f, cli) = settings("[server]\npolicy = \"fastest\"\n");
        assert!(Settings::load(cli, true, None).unwrap_err().to_string().contains("policy"));
        let (_f, cli) = settings("[server]\ncount_window = \"soon\"\n");
        assert!(Settings::load(cli, true, None).unwrap_err().to_string().contains("count_window"));
        let (_f, cli) = settings("[server]\ntypo = 1\n");
        assert!(Settings::load(cli, true, None).is_err());
        let missing = Cli { config: "/nonexistent/Leptos.toml".into(), ..Cli::default() };
        assert!(Settings::load(missing, true, None).is_err());
        let missing = Cli { config: "/nonexistent/Leptos.toml".into(), ..Cli::default() };
        assert!(Settings::load(missing, false, None).is_ok());
    }

    #[test]
    fn flags_name_policies_as_the_relay_does() {
        let cli = Cli::try_parse_from(["ephemeral_p2p", "--policy", "random-drop"]).unwrap();
        assert_eq!(cli.policy, Some(Policy::RandomDrop));
        let cli = Cli::try_parse_from(["ephemeral_p2p", "--asks-per-address", "500"]).unwrap();
        assert_eq!(Settings::load(cli, true, None).unwrap().relay.hub.asks_per_address, 500);
        let refused = Cli::try_parse_from(["ephemeral_p2p", "--policy", "fastest"]).unwrap_err().to_string();
        assert!(refused.contains("targeted") && refused.contains("broadcast"), "{refused}");
    }
}
