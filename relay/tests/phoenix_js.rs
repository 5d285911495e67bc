//! The official `phoenix` JS client (Node, `ws` transport) plays the original
//! app's browser code against our relay: it hosts a page a Rust client
//! fetches, fetches a page a Rust client hosts, and chats with Rust hosts.

use ep2p_core::chat::{self, Message};
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
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

    /// Writes one line to the client's stdin (in chat mode: says it).
    async fn line(&mut self, text: &str) {
        use tokio::io::AsyncWriteExt;
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin.write_all(format!("{text}\n").as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
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

#[tokio::test]
async fn the_official_js_client_chats_with_rust_hosts_and_serves_the_history() {
    let server = TestServer::default().await;
    let text = "a page to talk about";
    let hash = PageHash::of(text);
    let mut js = JsClient::spawn(&server, "chat", text);
    js.expect("hosting").await;
    assert_eq!(js.expect("history").await["messages"], serde_json::json!([]), "alone: an empty history");

    let mut rust = Client::connect(&server, Vsn::V2).await;
    rust.join_ok(&have(hash)).await;
    rust.push(&have(hash), "chat_history", serde_json::json!({})).await;
    js.expect("history_asked").await;
    assert_eq!(rust.event(&have(hash), "chat_history").await.payload["messages"], serde_json::json!([]));

    // Rust → JS.
    let hello = Message::plain(ep2p_relay::wall_ms(), "Rust", "hello \"phoenix\" <b>😀</b>").unwrap();
    let reply = rust.call(&have(hash), "chat", serde_json::to_value(&hello).unwrap()).await;
    assert_eq!(reply.status(), Some("ok"));
    assert_eq!(js.expect("chat").await["message"], serde_json::to_value(&hello).unwrap());

    // JS → Rust: its id, made with JSON.stringify, is the one our code makes.
    let said = "from phoenix.js: \"quotes\", tabs\tand ünïcödé 中文 😀";
    js.line(said).await;
    js.expect("sent").await;
    let got = rust.event(&have(hash), "chat").await;
    let from_js = chat::read_message(&got.payload.to_string()).expect("the JS client's message checks out");
    assert_eq!(from_js.body(), &chat::Body::Plain { nick: "phoenix.js".into(), text: said.into() });

    // A newcomer gets both, from the JS client (the only other host).
    drop(rust);
    eventually("the Rust host is gone", || server.relay.hub().health(hash).hosts == 1).await;
    let mut newcomer = Client::connect(&server, Vsn::V1).await;
    newcomer.join_ok(&have(hash)).await;
    newcomer.push(&have(hash), "chat_history", serde_json::json!({})).await;
    let history = newcomer.event(&have(hash), "chat_history").await;
    let messages: Vec<Message> = serde_json::from_value(history.payload["messages"].clone()).unwrap();
    let mut expected = vec![hello, from_js];
    expected.sort_by_key(Message::key);
    assert_eq!(messages, expected);
    js.stop().await;
}

/// `len` bytes with no two 16 KiB chunks alike.
fn file_bytes(len: usize) -> Vec<u8> {
    noise(len, 0x9e37_79b9)
}

#[tokio::test]
async fn the_official_js_client_hosts_a_file_in_binary_pushes_that_a_rust_visitor_checks() {
    use ep2p_core::chunk::{ChunkIndex, ChunkPayload};
    use ep2p_core::manifest::{Manifest, DEFAULT_FILE_LIMIT};
    use ep2p_core::protocol::event;
    let server = TestServer::default().await;
    let dir = std::env::temp_dir().join(format!("ep2p-js-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = file_bytes(3 * 16384 + 5000);
    let path = dir.join("photo.raw");
    std::fs::write(&path, &data).unwrap();
    let mut js = JsClient::spawn(&server, "filehost", path.to_str().unwrap());
    let hash = PageHash::parse(js.expect("hosting").await["hash"].as_str().unwrap()).unwrap();

    let mut visitor = Client::connect(&server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    let wire = visitor.content(hash).await;
    let manifest =
        Manifest::parse(&wire, DEFAULT_FILE_LIMIT).expect("the JS client writes the canonical manifest");
    assert_eq!(manifest.files()[0].name, "photo.raw");
    let index = ChunkIndex::of(&manifest);
    let mut assembled = vec![Vec::new(); 4];
    for i in 0..4 {
        visitor.push(&want(hash), event::CHUNK_REQUEST, serde_json::json!({"file": 0, "index": i})).await;
    }
    for _ in 0..4 {
        let msg = visitor.event(&want(hash), event::CHUNK).await;
        let bytes = msg.bytes.expect("a binary broadcast");
        let payload = ChunkPayload::parse(&bytes).unwrap();
        assert!(index.verify(&payload), "the JS client's proof checks out");
        assembled[payload.id.index as usize] = payload.data.to_vec();
    }
    assert_eq!(assembled.concat(), data);
    for _ in 0..4 {
        js.expect("served_chunk").await;
    }
    js.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_official_js_client_downloads_a_file_from_binary_broadcasts() {
    use ep2p_core::chunk::{self, ChunkId};
    use ep2p_core::manifest::{self, FileEntry, Manifest, DEFAULT_FILE_LIMIT, MIN_CHUNK};
    use ep2p_core::protocol::event;
    use sha2::{Digest, Sha256};
    let server = TestServer::default().await;
    let data = file_bytes(5 * 16384 + 123);
    let tree = manifest::tree_of(&data, MIN_CHUNK);
    let entry = FileEntry {
        name: "archive.zip".into(),
        media_type: "application/zip".into(),
        size: data.len() as u64,
        root: manifest::to_hex(&tree.root()),
    };
    let wire = Manifest::new(MIN_CHUNK, vec![entry], DEFAULT_FILE_LIMIT).unwrap().wire();
    let hash = PageHash::of(&wire);
    let mut host = Client::connect(&server, Vsn::V2).await;
    host.join_ok(&have(hash)).await;
    host.call(&have(hash), event::HAVE_CHUNKS, serde_json::json!({"all": true})).await;

    let mut js = JsClient::spawn(&server, "fileget", &hash.to_string());
    // The host answers whatever it is asked: the manifest (the relay's own
    // ask included, when the host announced), then each chunk.
    let serving = tokio::spawn(async move {
        let mut chunks_sent = 0;
        while chunks_sent < 6 {
            let ask = host
                .wait_for("an ask", |m| m.event == event::CONTENT_REQUEST || m.event == event::CHUNK_REQUEST)
                .await;
            if ask.event == event::CONTENT_REQUEST {
                host.answer(hash, &wire).await;
                continue;
            }
            let id: ChunkId = serde_json::from_value(ask.payload).unwrap();
            let piece = data.chunks(MIN_CHUNK as usize).nth(id.index as usize).unwrap();
            let payload = chunk::encode(id, &tree.proof(u64::from(id.index)).unwrap(), piece);
            host.push_binary(&have(hash), event::CHUNK, &payload).await;
            chunks_sent += 1;
        }
        (host, data)
    });
    assert_eq!(js.expect("manifest").await["count"], 6);
    let done = js.expect("file").await;
    let (_host, data) = serving.await.unwrap();
    assert_eq!(done["size"], data.len());
    assert_eq!(done["sha256"], hex(&Sha256::digest(&data)));
    js.stop().await;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
