//! A Redis of a test's own: Debian's `redis-server` on a free loopback
//! port, without persistence, stopped (or killed and restarted on the same
//! port) by the test.

use crate::{Error, Result};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// Starts one on a free loopback port.
    pub async fn start() -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut redis = Self { child: None, port };
        redis.restart().await?;
        Ok(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts it on its port and waits until it answers.
    pub async fn restart(&mut self) -> Result<()> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                Error::Refused(format!(
                    "cannot start redis-server (scripts/setup.sh --tests installs it): {e}"
                ))
            })?;
        self.child = Some(child);
        let client = redis::Client::open(self.url()).map_err(|e| Error::Refused(e.to_string()))?;
        for _ in 0..100 {
            if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                if redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(Error::Timeout("redis-server answering".into()))
    }

    /// Kills it (SIGKILL): everything it held is gone.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Every key and its value (as text, whatever its type).
    pub async fn dump(&self) -> Result<Vec<(String, String)>> {
        let client = redis::Client::open(self.url()).map_err(|e| Error::Refused(e.to_string()))?;
        let mut conn =
            client.get_multiplexed_async_connection().await.map_err(|e| Error::Refused(e.to_string()))?;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut conn)
            .await
            .map_err(|e| Error::Refused(e.to_string()))?;
        let mut all = Vec::new();
        for key in keys {
            let kind: String = redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .map_err(|e| Error::Refused(e.to_string()))?;
            let read = match kind.as_str() {
                "string" => redis::cmd("GET").arg(&key).clone(),
                "hash" => redis::cmd("HGETALL").arg(&key).clone(),
                "list" => redis::cmd("LRANGE").arg(&key).arg(0).arg(-1).clone(),
                "set" => redis::cmd("SMEMBERS").arg(&key).clone(),
                "zset" => redis::cmd("ZRANGE").arg(&key).arg(0).arg(-1).clone(),
                _ => redis::cmd("DUMP").arg(&key).clone(),
            };
            let value: redis::Value =
                read.query_async(&mut conn).await.map_err(|e| Error::Refused(e.to_string()))?;
            all.push((key, text_of(&value)));
        }
        Ok(all)
    }
}

/// Every byte string in a value, as text.
fn text_of(value: &redis::Value) -> String {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        redis::Value::SimpleString(text) => text.clone(),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            items.iter().map(text_of).collect::<Vec<_>>().join(" ")
        }
        redis::Value::Map(pairs) => {
            pairs.iter().map(|(k, v)| format!("{} {}", text_of(k), text_of(v))).collect::<Vec<_>>().join(" ")
        }
        other => format!("{other:?}"),
    }
}
