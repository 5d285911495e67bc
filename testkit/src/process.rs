//! A server as a separate process: the release binary for the benchmark,
//! the debug one for tests that must kill a node as a power cut would.

use crate::{Error, Result};
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A server process that said where it listens.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    /// The log line that said where it listens, as written.
    pub listening_line: String,
    /// Lines it has written to stdout (its log).
    lines: Arc<AtomicU64>,
}

impl ServerProcess {
    /// Starts `command` and waits (up to 20 s) for its `listening on http://…`
    /// line (text or JSON logs).
    pub async fn spawn(mut command: Command) -> Result<Self> {
        let mut child = command.stdout(Stdio::piped()).stdin(Stdio::null()).kill_on_drop(true).spawn()?;
        let no_address = || Error::Refused("the server did not say where it listens".into());
        let pid = child.id().ok_or_else(no_address)?;
        let stdout = child.stdout.take().ok_or_else(no_address)?;
        let mut lines = BufReader::new(stdout).lines();
        let (addr, listening_line) = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on http://".len()..];
                    let addr = rest.split(|c: char| c.is_whitespace() || c == '"').next();
                    return addr.and_then(|addr| addr.parse::<SocketAddr>().ok()).map(|addr| (addr, line));
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(no_address)?;
        // Keep reading its output so it never blocks on a full pipe.
        let written = Arc::new(AtomicU64::new(0));
        let counter = written.clone();
        tokio::spawn(async move {
            while let Ok(Some(_)) = lines.next_line().await {
                counter.fetch_add(1, Relaxed);
            }
        });
        Ok(Self { child, addr, pid, listening_line, lines: written })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        Self::rss_of(self.pid)
    }

    /// Resident memory of process `pid`, in KiB (0 if it is gone).
    pub fn rss_of(pid: u32) -> u64 {
        ep2p_relay::metrics::resident_kib(&pid.to_string()).unwrap_or(0)
    }

    /// Lines written to its log so far.
    pub fn lines(&self) -> u64 {
        self.lines.load(Relaxed)
    }

    /// User + system CPU time, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0)
            + fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0);
        ticks as f64 / 100.0
    }

    /// SIGKILL, as a power cut: no goodbye of any kind.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// SIGTERM, as systemd stops a service: how long it took to exit, and
    /// how, or `None` if it was still running after `patience` (then killed).
    pub async fn terminate(mut self, patience: Duration) -> Option<(Duration, std::process::ExitStatus)> {
        let asked = std::time::Instant::now();
        let sent = Command::new("kill").args(["-TERM", &self.pid.to_string()]).status().await;
        if !sent.is_ok_and(|status| status.success()) {
            return None;
        }
        match tokio::time::timeout(patience, self.child.wait()).await {
            Ok(Ok(status)) => Some((asked.elapsed(), status)),
            _ => {
                self.kill().await;
                None
            }
        }
    }

    /// Alias of [`ServerProcess::kill`] for callers that only want it gone.
    pub async fn stop(self) {
        self.kill().await;
    }
}
