//! The server's runtime settings. Each one is read, in order of precedence,
//! from a command-line flag, an `EP2P_*` environment variable, the `[server]`
//! table of `Leptos.toml`, and finally a built-in default.

use crate::hub::{HubConfig, Policy};
use clap::Parser;
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
    /// Address to listen on.
    #[arg(long, env = "EP2P_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Largest page, in bytes of UTF-8 text.
    #[arg(long, env = "EP2P_CONTENT_LIMIT")]
    pub content_limit: Option<usize>,
    /// How requests reach hosts.
    #[arg(long, env = "EP2P_POLICY", value_enum)]
    pub policy: Option<Policy>,
    /// Origins allowed to open a WebSocket, comma-separated (default: the
    /// server's own origin only). `*` allows any.
    #[arg(long, env = "EP2P_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Option<Vec<String>>,
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
    /// Messages queued for a socket before it is disconnected as too slow.
    #[arg(long, env = "EP2P_OUTBOUND_QUEUE")]
    pub outbound_queue: Option<usize>,
}

/// The `[server]` table of `Leptos.toml`; same names as the flags, with `_`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<SocketAddr>,
    content_limit: Option<usize>,
    policy: Option<Policy>,
    allowed_origins: Option<Vec<String>>,
    heartbeat_timeout: Option<String>,
    request_timeout: Option<String>,
    count_window: Option<String>,
    max_topics: Option<usize>,
    requests_per_second: Option<u32>,
    frames_per_second: Option<u32>,
    outbound_queue: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
struct SettingsFile {
    #[serde(default)]
    server: FileSettings,
}

/// Everything the server needs, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub allowed_origins: Vec<String>,
    pub hub: HubConfig,
    pub limits: Limits,
}

/// Per-socket limits (SPEC §6).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest page, in bytes of UTF-8 text.
    pub content_limit: usize,
    /// Largest frame that is not `content`.
    pub control_frame_limit: usize,
    pub max_topics: usize,
    pub requests_per_second: u32,
    pub frames_per_second: u32,
    pub outbound_queue: usize,
    pub heartbeat_timeout: Duration,
    /// A socket whose writes stall this long is dropped.
    pub write_timeout: Duration,
}

impl Limits {
    /// The largest WebSocket message accepted: a `content` frame whose text
    /// is at the limit, even if JSON escapes every byte (`\u0000`, 6 bytes).
    pub fn max_message(&self) -> usize {
        self.content_limit * 6 + self.control_frame_limit
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            allowed_origins: Vec::new(),
            hub: HubConfig::default(),
            limits: Limits {
                content_limit: 1024 * 1024,
                control_frame_limit: 16 * 1024,
                max_topics: 100,
                requests_per_second: 20,
                frames_per_second: 1000,
                outbound_queue: 256,
                heartbeat_timeout: Duration::from_secs(60),
                write_timeout: Duration::from_secs(10),
            },
        }
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
}

impl Config {
    /// Resolves flags and environment over `Leptos.toml` over defaults.
    /// A missing settings file is fine unless it was named explicitly.
    pub fn load(cli: Cli, explicit_file: bool) -> Result<Self, ConfigError> {
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

        let d = Config::default();
        Ok(Config {
            addr: cli.addr.or(file.addr).unwrap_or(d.addr),
            allowed_origins: cli.allowed_origins.or(file.allowed_origins).unwrap_or(d.allowed_origins),
            hub: HubConfig {
                policy: cli.policy.or(file.policy).unwrap_or(d.hub.policy),
                request_timeout: cli.request_timeout.or(file_request).unwrap_or(d.hub.request_timeout),
                count_window: cli.count_window.or(file_window).unwrap_or(d.hub.count_window),
            },
            limits: Limits {
                content_limit: cli.content_limit.or(file.content_limit).unwrap_or(d.limits.content_limit),
                max_topics: cli.max_topics.or(file.max_topics).unwrap_or(d.limits.max_topics),
                requests_per_second: cli
                    .requests_per_second
                    .or(file.requests_per_second)
                    .unwrap_or(d.limits.requests_per_second),
                frames_per_second: cli
                    .frames_per_second
                    .or(file.frames_per_second)
                    .unwrap_or(d.limits.frames_per_second),
                outbound_queue: cli.outbound_queue.or(file.outbound_queue).unwrap_or(d.limits.outbound_queue),
                heartbeat_timeout: cli
                    .heartbeat_timeout
                    .or(file_heartbeat)
                    .unwrap_or(d.limits.heartbeat_timeout),
                ..d.limits
            },
        })
    }
}

/// `250ms`, `1s`, `2m`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration like 250ms, 1s or 2m"))?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("{text:?} is not a duration like 250ms, 1s or 2m")),
    }
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
        assert!(parse_duration("1h").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn the_file_fills_what_flags_do_not_give_and_defaults_the_rest() {
        let (_f, mut cli) = settings(
            "[server]\naddr = \"127.0.0.2:4000\"\npolicy = \"random-drop\"\ncontent_limit = 10\nheartbeat_timeout = \"5s\"\n",
        );
        cli.content_limit = Some(20);
        let config = Config::load(cli, true).unwrap();
        assert_eq!(config.addr, "127.0.0.2:4000".parse().unwrap());
        assert_eq!(config.hub.policy, Policy::RandomDrop);
        assert_eq!(config.limits.content_limit, 20, "the flag wins over the file");
        assert_eq!(config.limits.heartbeat_timeout, Duration::from_secs(5));
        assert_eq!(config.hub.count_window, Duration::from_millis(250));
    }

    #[test]
    fn the_shipped_leptos_toml_is_valid_and_states_the_defaults() {
        let cli =
            Cli { config: concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml").into(), ..Cli::default() };
        let config = Config::load(cli, true).unwrap();
        let d = Config::default();
        assert_eq!(config.addr, d.addr);
        assert_eq!(config.hub.policy, d.hub.policy);
        assert_eq!(config.limits.content_limit, d.limits.content_limit);
        assert_eq!(config.limits.heartbeat_timeout, d.limits.heartbeat_timeout);
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let (_f, cli) = settings("[server]\npolicy = \"fastest\"\n");
        assert!(Config::load(cli, true).unwrap_err().to_string().contains("policy"));
        let (_f, cli) = settings("[server]\ncount_window = \"soon\"\n");
        assert!(Config::load(cli, true).unwrap_err().to_string().contains("count_window"));
        let (_f, cli) = settings("[server]\ntypo = 1\n");
        assert!(Config::load(cli, true).is_err());
        let missing = Cli { config: "/nonexistent/Leptos.toml".into(), ..Cli::default() };
        assert!(Config::load(missing, true).is_err());
        let missing = Cli { config: "/nonexistent/Leptos.toml".into(), ..Cli::default() };
        assert!(Config::load(missing, false).is_ok());
    }
}
