//! The official `phoenix` JS client (Node, `ws` transport) plays the original
//! app's browser code against our relay: it hosts a page a Rust client
//! fetches, and fetches a page a Rust client hosts.

use ep2p_core::protocol::{PageHash, Vsn};
use ep2p_testkit::*;
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// The original client in Node, and its JSON progress lines.
struct JsClient {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl JsClient {
    fn spawn(server: &TestServer, mode: &str, arg: &str) -> Self {
        let end2end = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
        assert!(
            end2end.join("node_modules/phoenix").is_dir(),
            "the phoenix npm package is missing: run scripts/setup.sh --tests (or npm ci in end2end/)"
        );
        let mut child = Command::new("node")
            .arg("interop/original-client.mjs")
            .arg(mode)
            .arg(format!("ws://{}/ws", server.addr))
            .arg(arg)
            .current_dir(&end2end)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node is on PATH");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines }
    }

    /// Waits for a progress line with this event.
    async fn expect(&mut self, event: &str) -> Value {
        let wait = async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                let value: Value = serde_json::from_str(&line).unwrap();
                if value["event"] == event {
                    return value;
                }
            }
            panic!("the JS client exited before {event}");
        };
        tokio::time::timeout(PATIENCE * 2, wait)
            .await
            .unwrap_or_else(|_| panic!("no {event} from the JS client"))
    }

    async fn stop(mut self) {
        drop(self.child.stdin.take());
        let status = tokio::time::timeout(PATIENCE, self.child.wait()).await;
        assert!(status.is_ok_and(|s| s.is_ok_and(|s| s.success())), "the JS client exits cleanly");
    }
}

#[tokio::test]
async fn the_official_js_client_hosts_a_page_that_a_rust_client_fetches() {
    let server = TestServer::default().await;
    let text = "Hosted by phoenix.js 👋\r\nwith CRLF, 中文 and e\u{301}";
    let hash = PageHash::of(text);
    let mut js = JsClient::spawn(&server, "host", text);
    assert_eq!(js.expect("hosting").await["hash"], hash.to_string());
    assert_eq!(js.expect("count").await["count"], 1);

    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await, text);
    js.expect("served").await;

    // The visitor becomes a host: the JS client sees the count change.
    visitor.leave(&want(hash)).await;
    visitor.join_ok(&have(hash)).await;
    assert_eq!(js.expect("count").await["count"], 2);
    js.stop().await;
}

#[tokio::test]
async fn the_official_js_client_fetches_a_page_a_rust_client_hosts_and_then_serves_it() {
    let server = TestServer::default().await;
    let text = "Hosted in Rust, fetched by phoenix.js: ✓";
    let hash = PageHash::of(text);
    let rust_host = Host::spawn(&server, text).await;
    let mut js = JsClient::spawn(&server, "fetch", &hash.to_string());
    assert_eq!(js.expect("content").await["content"], text);
    js.expect("hosting").await;
    assert_eq!(server.relay.hub().health(hash).hosts, 2);

    // With the Rust host gone, the JS client is the page's only host.
    drop(rust_host);
    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await, text);
    js.expect("served").await;
    js.stop().await;
}
