//! What the relay logs: never a page's text, whatever the level, and no
//! more than a line per socket per interval however much it misbehaves.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_relay::LogFormat;
use ep2p_testkit::*;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio_tungstenite::tungstenite::Message;

/// Everything the server logs, at every level, during a test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures, at `level` and in `format`, everything logged on this test's
/// thread (a `#[tokio::test]` runs the server's tasks there too) while the
/// guard lives: the server's own subscriber, writing here.
fn capture(level: &str, format: LogFormat) -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber =
        ep2p_relay::log_subscriber(format, ep2p_relay::log_filter(Some(level)), move || sink.clone(), false);
    (logs, tracing::subscriber::set_default(subscriber))
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn no_page_text_reaches_the_logs_or_the_metrics_even_at_trace_level() {
    let logs = no_page_text_in(LogFormat::Text).await;
    assert!(!logs.trim_start().starts_with('{'), "text lines are not JSON: {logs}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_and_hold_no_page_text_either() {
    let logs = no_page_text_in(LogFormat::Json).await;
    let mut levels = std::collections::HashSet::new();
    for line in logs.lines() {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let level = object["level"].as_str().unwrap_or_else(|| panic!("no level: {line}"));
        assert!(object["timestamp"].is_string(), "no timestamp: {line}");
        assert!(object["target"].is_string(), "no target: {line}");
        levels.insert(level.to_string());
    }
    let refusal = logs
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|object| object["message"].as_str().is_some_and(|m| m.contains("wrong hash")))
        .unwrap_or_else(|| panic!("the liar's refusal is logged: {logs}"));
    // Fields sit beside the message, the address an operator would block among them.
    assert_eq!(refusal["address"], "127.0.0.1", "{refusal}");
    assert!(refusal["page"].is_string() && refusal["conn"].is_u64(), "{refusal}");
    assert!(levels.contains("DEBUG") && levels.contains("INFO"), "{levels:?}");
}

/// Runs every path a page's text can take with logs captured in `format`
/// at trace level; checks that the text is nowhere in them or in
/// `/metrics`, and returns the logs.
async fn no_page_text_in(format: LogFormat) -> String {
    let (logs, _guard) = capture("trace", format);

    let server = TestServer::default().await;
    let secret = "SECRET-PAGE-TEXT correct horse battery staple";
    let hash = PageHash::of(secret);
    // Every path a page's text can take: created, asked for, served, lied
    // about, oversized, and smuggled into topics, events and refs.
    let _host = Host::spawn(&server, secret).await;
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await, secret);
    let mut liar = Client::connect(&server, Vsn::V2).await;
    liar.join_ok(&have(hash)).await;
    liar.call(&have(hash), "content", json!({ "content": format!("{secret} forged") })).await;
    let mut rogue = Client::connect(&server, Vsn::V1).await;
    rogue.call(secret, "phx_join", json!({ "content": secret })).await;
    rogue.join_ok(&want(hash)).await;
    rogue.call(&want(hash), secret, json!({})).await;
    rogue.send_text(format!("not json {secret}")).await;
    rogue.closed_with().await;
    let mut big = Client::connect(&server, Vsn::V2).await;
    big.send_message(Message::Text(
        format!("[null,\"1\",\"phoenix\",\"{secret}\",{{\"x\":\"{}\"}}]", "y".repeat(20_000)).into(),
    ))
    .await;
    big.closed_with().await;

    let metrics = server.relay.render_metrics();
    server.stop().await;
    let logs = logs.text();
    assert!(logs.lines().count() > 10, "the capture works: {logs}");
    for piece in ["SECRET-PAGE-TEXT", "correct horse", "forged"] {
        assert!(!logs.contains(piece), "{piece:?} was logged:\n{logs}");
        assert!(!metrics.contains(piece), "{piece:?} is in /metrics");
    }
    assert!(logs.contains(&hash.to_string()), "hashes may be logged, and are");
    logs
}

#[tokio::test]
async fn a_flood_of_lies_costs_one_log_line_per_socket_per_interval() {
    let (logs, _guard) = capture("info", LogFormat::Text);
    let server = TestServer::default().await;
    let text = "the truth";
    let hash = PageHash::of(text);
    let _honest = Host::spawn(&server, text).await;
    let mut liar = Client::connect(&server, Vsn::V2).await;
    for round in 0..100 {
        liar.join_ok(&have(hash)).await;
        let reply = liar.call(&have(hash), "content", json!({ "content": format!("lie {round}") })).await;
        assert_eq!(reply.reason(), Some("hash mismatch"));
        liar.event(&have(hash), "phx_close").await;
    }
    // Unknown events, a hundred times: answered, counted, never logged.
    liar.join_ok(&want(hash)).await;
    for _ in 0..100 {
        assert_eq!(liar.call(&want(hash), "shout", json!({})).await.reason(), Some("unknown event"));
    }
    assert_eq!(fetch(&server, hash).await, text);
    assert_eq!(server.metric("ep2p_bad_hashes_total").await, 100);
    assert_eq!(server.metric("ep2p_rejected_total{reason=\"unknown_event\"}").await, 100);
    let logs = logs.text();
    let lines = logs.lines().filter(|line| line.contains("wrong hash")).count();
    assert_eq!(lines, 1, "{logs}");
}
