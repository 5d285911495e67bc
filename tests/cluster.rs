//! Several relay nodes as one site. Every scenario runs on both backplanes
//! ([`on_both_backplanes!`]): on a real Redis, each node the server binary
//! in its own process (so it can be killed as a power cut would), Redis
//! Debian's `redis-server` on a free loopback port without persistence; and
//! in memory, each node the whole site's router in this process, the nodes
//! meeting on one `MemoryBus`. Every promise a single relay keeps holds
//! across nodes. What is about Redis itself (it dies and comes back, it
//! never holds a page) runs on Redis only.

use clap::Parser;
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_relay::backplane::MemoryBus;
use ep2p_testkit::{
    have, http_get, scrape, want, Client, Host, RedisServer, ServerProcess, TestServer, PATIENCE,
};
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::process::Command;
use tokio::time::Instant;

/// Where a test's nodes meet.
enum Site {
    Redis(RedisServer),
    Memory(MemoryBus),
}

/// A node of the site.
enum Node {
    /// The server binary, on Redis.
    Process(ServerProcess),
    /// The site's router in this process, on the memory bus.
    InProcess { server: TestServer, bus: MemoryBus },
}

impl Site {
    async fn redis() -> Self {
        Site::Redis(RedisServer::start().await.unwrap())
    }

    fn memory() -> Self {
        Site::Memory(MemoryBus::new())
    }

    /// The Redis the nodes meet on, if they do on Redis.
    fn redis_server(&self) -> Option<&RedisServer> {
        match self {
            Site::Redis(redis) => Some(redis),
            Site::Memory(_) => None,
        }
    }
}

impl Node {
    fn addr(&self) -> SocketAddr {
        match self {
            Node::Process(process) => process.addr,
            Node::InProcess { server, .. } => server.addr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    /// Kills the node as a power cut would: it says nothing more, and the
    /// others only notice when its liveness expires.
    async fn kill(self) {
        match self {
            Node::Process(process) => process.kill().await,
            Node::InProcess { server, bus } => {
                bus.cut(server.relay.backplane().expect("a node of a site").node());
                drop(server);
            }
        }
    }
}

/// A node of the site, started with the server's `flags`, once it has joined the others.
async fn node(site: &Site, flags: &[&str]) -> Node {
    let node = match site {
        Site::Redis(redis) => {
            let mut command = Command::new(env!("CARGO_BIN_EXE_ephemeral_p2p"));
            command
                .args(["--addr", "127.0.0.1:0", "--redis", &redis.url()])
                .args(flags)
                .env("RUST_LOG", "info")
                .env("NO_COLOR", "1")
                .env("LEPTOS_OUTPUT_NAME", "ephemeral_p2p")
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            Node::Process(ServerProcess::spawn(command).await.expect("the node starts"))
        }
        Site::Memory(bus) => {
            // The settings the binary would resolve from the same flags.
            let cli = ephemeral_p2p::config::Cli::try_parse_from(["ephemeral_p2p"].iter().chain(flags))
                .expect("flags the server knows");
            let config_file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Leptos.toml");
            let cli = ephemeral_p2p::config::Cli { config: config_file, ..cli };
            let settings = ephemeral_p2p::config::Settings::load(cli, false, None).expect("settings");
            let server = TestServer::start_on_bus(bus, settings.relay, |relay| {
                let options = LeptosOptions::builder().output_name("ephemeral_p2p").build();
                ephemeral_p2p::server::site(relay, options)
            })
            .await;
            Node::InProcess { server, bus: bus.clone() }
        }
    };
    until("the node joins the site", PATIENCE, || async {
        scrape(node.addr()).await.is_ok_and(|m| m.get("ep2p_backplane_connected") == Some(&1.0))
    })
    .await;
    node
}

/// Each scenario (an `async fn(Site)`) as two tests: `on_redis::…` and `in_memory::…`.
macro_rules! on_both_backplanes {
    ($($scenario:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(super::Site::redis().await).await
                }
            )*
        }
        mod in_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario(super::Site::memory()).await
                }
            )*
        }
    };
}

on_both_backplanes!(
    a_visitor_on_one_node_is_served_by_a_host_on_another_in_either_serializer,
    every_node_shows_the_sites_count_after_joins_leaves_and_dropped_sockets,
    a_silent_host_on_one_node_does_not_keep_a_visitor_on_another_from_a_host_on_a_third,
    a_node_killed_drops_out_of_every_count_within_three_seconds_and_its_asks_fail_over,
    chat_reaches_the_hosts_of_every_node_and_a_history_crosses_nodes,
    a_watch_on_one_node_follows_hosts_on_another,
    a_file_hosted_on_one_node_is_downloaded_on_another_chunk_by_chunk,
    a_direct_connection_is_set_up_across_nodes_and_nobody_else_can_speak_for_it,
);

/// Waits, up to `patience`, for `done` to hold; fails the test otherwise.
async fn until<F: std::future::Future<Output = bool>>(what: &str, patience: Duration, done: impl Fn() -> F) {
    let deadline = Instant::now() + patience;
    while !done().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn client(node: &Node, vsn: Vsn) -> Client {
    Client::open_with(node.addr(), None, vsn).await.expect("a socket")
}

/// A host of `text` on `node`, answering every request.
async fn host(node: &Node, text: &str) -> Host {
    let mut c = client(node, Vsn::V2).await;
    c.join_ok(&have(PageHash::of(text))).await;
    Host::serve(c, text)
}

/// A socket on `want:H` of a node that only listens to the page's count.
struct Watcher {
    client: Client,
    /// The last count it heard (its join reply's, then `visitors_count`s).
    count: u64,
}

async fn watcher(node: &Node, hash: PageHash) -> Watcher {
    let mut client = client(node, Vsn::V2).await;
    let reply = client.join(&want(hash)).await;
    let count = reply.payload["response"]["count"].as_u64().expect("the join reply carries the count");
    Watcher { client, count }
}

/// Waits (up to `patience`) for the page's count to be `n`; returns when it was.
async fn count_reaches(watcher: &mut Watcher, n: u64, patience: Duration) -> Instant {
    let deadline = Instant::now() + patience;
    while watcher.count != n {
        let left = deadline.saturating_duration_since(Instant::now());
        match watcher.client.next_within(left).await {
            Some(m) if m.event == "visitors_count" => watcher.count = m.payload["count"].as_u64().unwrap(),
            Some(_) => {}
            None => panic!("the count stayed {} and not {n} for {patience:?}", watcher.count),
        }
    }
    Instant::now()
}

/// A visitor on `node` asks for the page; returns the text and how long it took.
async fn visit(node: &Node, hash: PageHash, vsn: Vsn) -> (String, Duration) {
    let started = Instant::now();
    let mut v = client(node, vsn).await;
    v.join_ok(&want(hash)).await;
    v.request(hash).await;
    let text = v.content(hash).await;
    (text, started.elapsed())
}

async fn a_visitor_on_one_node_is_served_by_a_host_on_another_in_either_serializer(site: Site) {
    let (a, b) = (node(&site, &[]).await, node(&site, &[]).await);
    for (host_vsn, visitor_vsn) in [(Vsn::V1, Vsn::V2), (Vsn::V2, Vsn::V1)] {
        let text = format!("hosted on A in {host_vsn:?}, read on B in {visitor_vsn:?} — é 😀");
        let hash = PageHash::of(&text);
        let mut h = client(&a, host_vsn).await;
        h.join_ok(&have(hash)).await;
        let mut seen_on_b = watcher(&b, hash).await;
        count_reaches(&mut seen_on_b, 1, PATIENCE).await;
        let mut v = client(&b, visitor_vsn).await;
        v.join_ok(&want(hash)).await;
        v.request(hash).await;
        h.asked(hash).await;
        h.answer(hash, &text).await;
        assert_eq!(v.content(hash).await, text);
    }
    let metrics = scrape(b.addr()).await.unwrap();
    assert_eq!(metrics["ep2p_cross_node_asks_total"], 2.0);
    assert!(metrics["ep2p_backplane_published_total"] >= 2.0);
    assert!(scrape(a.addr()).await.unwrap()["ep2p_backplane_received_total"] >= 2.0);
}

async fn every_node_shows_the_sites_count_after_joins_leaves_and_dropped_sockets(site: Site) {
    let nodes = [node(&site, &[]).await, node(&site, &[]).await, node(&site, &[]).await];
    let hash = PageHash::of("counted everywhere");
    let mut watchers = Vec::new();
    for n in &nodes {
        watchers.push(watcher(n, hash).await);
    }
    let mut on_a = Vec::new();
    for _ in 0..2 {
        let mut c = client(&nodes[0], Vsn::V2).await;
        c.join_ok(&have(hash)).await;
        on_a.push(c);
    }
    let _on_b = host(&nodes[1], "counted everywhere").await;
    let on_c = host(&nodes[2], "counted everywhere").await;
    for w in &mut watchers {
        count_reaches(w, 4, PATIENCE).await;
    }
    // A host leaves on A, and a socket on C just drops.
    on_a[0].leave(&have(hash)).await;
    drop(on_c);
    for w in &mut watchers {
        count_reaches(w, 2, PATIENCE).await;
    }
    // The server-rendered page of every node shows it too.
    for n in &nodes {
        let page = http_get(&n.url(&format!("/{hash}"))).await;
        assert!(page.body.contains(">2 hosts<"), "{}", page.body);
    }
}

async fn a_silent_host_on_one_node_does_not_keep_a_visitor_on_another_from_a_host_on_a_third(site: Site) {
    let (a, b, c) = (node(&site, &[]).await, node(&site, &[]).await, node(&site, &[]).await);
    let text = "found on the third node";
    let hash = PageHash::of(text);
    let mut silent = client(&a, Vsn::V2).await;
    silent.join_ok(&have(hash)).await;
    let _good = host(&c, text).await;
    let mut seen_on_b = watcher(&b, hash).await;
    count_reaches(&mut seen_on_b, 2, PATIENCE).await;
    for _ in 0..3 {
        let (got, took) = visit(&b, hash, Vsn::V2).await;
        assert_eq!(got, text);
        // One deadline at most (1 s), well before the visitor's own 2 s retry.
        assert!(took < Duration::from_millis(1800), "served after {took:?}");
    }
}

async fn a_node_killed_drops_out_of_every_count_within_three_seconds_and_its_asks_fail_over(site: Site) {
    // Deadlines far away: only the node's death can make the ask move on.
    let slow = ["--request-timeout", "60s"];
    let (a, b, c) = (node(&site, &slow).await, node(&site, &slow).await, node(&site, &slow).await);
    let text = "outlives a node";
    let hash = PageHash::of(text);
    let mut silent_on_a = client(&a, Vsn::V2).await;
    silent_on_a.join_ok(&have(hash)).await;
    let mut seen_on_b = watcher(&b, hash).await;
    count_reaches(&mut seen_on_b, 1, PATIENCE).await;
    // A visitor on B; B asks A, whose host never answers.
    let mut visitor = client(&b, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    silent_on_a.asked(hash).await;
    let _honest_on_c = host(&c, text).await;
    let mut seen_on_c = watcher(&c, hash).await;
    count_reaches(&mut seen_on_b, 2, PATIENCE).await;
    count_reaches(&mut seen_on_c, 2, PATIENCE).await;
    let killed = Instant::now();
    a.kill().await;
    let on_b = count_reaches(&mut seen_on_b, 1, Duration::from_secs(3)).await;
    let on_c = count_reaches(&mut seen_on_c, 1, Duration::from_secs(3)).await;
    assert!(on_b.max(on_c) - killed <= Duration::from_secs(3));
    // The ask that was waiting on A went to C.
    assert_eq!(visitor.content(hash).await, text);
    assert!(killed.elapsed() < Duration::from_secs(5), "failed over after {:?}", killed.elapsed());
}

#[tokio::test]
async fn redis_down_then_back_local_serving_never_stops_and_the_site_comes_back() {
    let mut site = Site::redis().await;
    let (a, b) = (node(&site, &[]).await, node(&site, &[]).await);
    let text = "kept through an outage";
    let hash = PageHash::of(text);
    let _host_on_a = host(&a, text).await;
    let mut seen_on_b = watcher(&b, hash).await;
    count_reaches(&mut seen_on_b, 1, PATIENCE).await;
    assert_eq!(visit(&b, hash, Vsn::V2).await.0, text);

    let Site::Redis(redis) = &mut site else { unreachable!("a site on Redis") };
    redis.kill().await;
    // B no longer counts A's host, and A serves its own visitors as before.
    count_reaches(&mut seen_on_b, 0, PATIENCE).await;
    for _ in 0..3 {
        assert_eq!(visit(&a, hash, Vsn::V2).await.0, text);
    }
    assert_eq!(seen_on_b.client.heartbeat().await.status(), Some("ok"), "no socket is dropped for it");
    until("A says the backplane is down", PATIENCE, || async {
        scrape(a.addr()).await.is_ok_and(|m| m.get("ep2p_backplane_connected") == Some(&0.0))
    })
    .await;

    redis.restart().await.unwrap();
    // Within seconds the nodes find each other again and re-register A's host.
    count_reaches(&mut seen_on_b, 1, Duration::from_secs(10)).await;
    assert_eq!(visit(&b, hash, Vsn::V2).await.0, text);
    assert!(scrape(a.addr()).await.unwrap()["ep2p_backplane_reconnects_total"] >= 1.0);
}

#[tokio::test]
async fn redis_never_holds_a_page() {
    let site = Site::redis().await;
    let (a, b) = (node(&site, &[]).await, node(&site, &[]).await);
    let text = "SECRET-CLUSTER-PAGE: nothing of this may stay in Redis";
    let hash = PageHash::of(text);
    let _host = host(&a, text).await;
    let mut seen_on_b = watcher(&b, hash).await;
    count_reaches(&mut seen_on_b, 1, PATIENCE).await;
    for vsn in [Vsn::V1, Vsn::V2] {
        assert_eq!(visit(&b, hash, vsn).await.0, text);
    }
    let redis = site.redis_server().expect("a site on Redis");
    let everything = redis.dump().await.unwrap();
    assert!(!everything.is_empty(), "the nodes' liveness keys are there");
    for (key, value) in &everything {
        assert!(key.starts_with("ep2p:alive:"), "an unexpected key {key}");
        assert!(!key.contains("SECRET") && !value.contains("SECRET"), "{key} = {value}");
    }
}

async fn chat_reaches_the_hosts_of_every_node_and_a_history_crosses_nodes(site: Site) {
    use ep2p_core::chat::Message;
    let a = node(&site, &[]).await;
    let b = node(&site, &[]).await;
    let hash = PageHash::of("talked about on two nodes");
    let mut on_a = client(&a, Vsn::V2).await;
    on_a.join_ok(&have(hash)).await;
    let mut watcher = watcher(&b, hash).await;
    count_reaches(&mut watcher, 1, PATIENCE).await;

    // A newcomer on B, with no other host on B, gets the history from A's host.
    let mut on_b = client(&b, Vsn::V1).await;
    on_b.join_ok(&have(hash)).await;
    on_b.push(&have(hash), "chat_history", serde_json::json!({})).await;
    let ask = on_a.event(&have(hash), "chat_history").await;
    assert_eq!(ask.payload, serde_json::json!({}));
    let earlier = Message::plain(ep2p_relay::wall_ms() - 1000, "Ada", "said before B came").unwrap();
    on_a.push(&have(hash), "chat_history", serde_json::json!({ "messages": [earlier] })).await;
    let history = on_b.event(&have(hash), "chat_history").await;
    assert_eq!(history.payload, serde_json::json!({ "messages": [earlier] }));

    // Live messages go both ways, once each, and to no waiting visitor.
    let live = Message::plain(ep2p_relay::wall_ms(), "Ada", "hello from node A").unwrap();
    let reply = on_a.call(&have(hash), "chat", serde_json::to_value(&live).unwrap()).await;
    assert_eq!(reply.status(), Some("ok"));
    assert_eq!(on_b.event(&have(hash), "chat").await.payload, serde_json::to_value(&live).unwrap());
    let back = Message::plain(ep2p_relay::wall_ms(), "Bob", "hello from node B").unwrap();
    assert_eq!(
        on_b.call(&have(hash), "chat", serde_json::to_value(&back).unwrap()).await.status(),
        Some("ok")
    );
    assert_eq!(on_a.event(&have(hash), "chat").await.payload, serde_json::to_value(&back).unwrap());
    let later = on_a.drain(Duration::from_millis(300)).await;
    assert!(!later.iter().any(|m| m.event == "chat"), "each message once, never echoed");
    assert!(!watcher.client.drain(Duration::from_millis(300)).await.iter().any(|m| m.event == "chat"));

    // Redis carried the messages in transit only: it keeps no key but the nodes'.
    if let Some(redis) = site.redis_server() {
        let dump = redis.dump().await.unwrap();
        assert!(dump.iter().all(|(k, _)| k.starts_with("ep2p:alive:")), "{dump:?}");
        assert!(!format!("{dump:?}").contains("hello from"));
    }
}

async fn a_watch_on_one_node_follows_hosts_on_another(site: Site) {
    let a = node(&site, &[]).await;
    let b = node(&site, &[]).await;
    let text = "watched from another node";
    let hash = PageHash::of(text);
    let mut watcher = client(&b, Vsn::V2).await;
    let topic = ep2p_core::protocol::Topic::Watch(hash).to_string();
    let reply = watcher.join(&topic).await;
    assert_eq!(reply.payload["response"]["count"], 0);
    let host = host(&a, text).await;
    watcher
        .wait_for("count 1", |m| m.topic == topic && m.event == "visitors_count" && m.payload["count"] == 1)
        .await;
    // Gone within one count window: the count that says so still reaches B
    // (the node that hosts nothing else knows of no other node).
    drop(host);
    watcher
        .wait_for("count 0", |m| m.topic == topic && m.event == "visitors_count" && m.payload["count"] == 0)
        .await;
    let heard = watcher.drain(Duration::from_millis(300)).await;
    assert!(heard.iter().all(|m| m.event == "visitors_count"));
}

/// A file page's host on `node`: it holds every chunk and answers every
/// ask (the manifest, or a chunk with its proof) until the test ends.
async fn file_host(node: &Node, data: Vec<u8>) -> (PageHash, String, tokio::task::JoinHandle<()>) {
    use ep2p_core::chunk::{self, ChunkId};
    use ep2p_core::manifest::{self, FileEntry, Manifest, DEFAULT_FILE_LIMIT, MIN_CHUNK};
    let tree = manifest::tree_of(&data, MIN_CHUNK);
    let entry = FileEntry {
        name: "across.bin".into(),
        media_type: "application/octet-stream".into(),
        size: data.len() as u64,
        root: manifest::to_hex(&tree.root()),
    };
    let wire = Manifest::new(MIN_CHUNK, vec![entry], DEFAULT_FILE_LIMIT).unwrap().wire();
    let hash = PageHash::of(&wire);
    let mut c = client(node, Vsn::V2).await;
    c.join_ok(&have(hash)).await;
    let reply = c.call(&have(hash), "have_chunks", serde_json::json!({"all": true})).await;
    assert_eq!(reply.status(), Some("ok"));
    let served = wire.clone();
    let task = tokio::spawn(async move {
        loop {
            let Some(ask) = c.next_within(Duration::from_secs(60)).await else { return };
            match ask.event.as_str() {
                "content_request" => c.answer(hash, &served).await,
                "chunk_request" => {
                    let id: ChunkId = serde_json::from_value(ask.payload).unwrap();
                    let piece = data.chunks(MIN_CHUNK as usize).nth(id.index as usize).unwrap();
                    let payload = chunk::encode(id, &tree.proof(u64::from(id.index)).unwrap(), piece);
                    c.push_binary(&have(hash), "chunk", &payload).await;
                }
                _ => {}
            }
        }
    });
    (hash, wire, task)
}

async fn a_file_hosted_on_one_node_is_downloaded_on_another_chunk_by_chunk(site: Site) {
    use ep2p_core::chunk::ChunkPayload;
    let (a, b) = (node(&site, &[]).await, node(&site, &[]).await);
    let data: Vec<u8> = (0..5 * 16384 + 321u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let (hash, wire, host) = file_host(&a, data.clone()).await;
    let mut seen_on_b = watcher(&b, hash).await;
    count_reaches(&mut seen_on_b, 1, PATIENCE).await;
    let mut v = client(&b, Vsn::V2).await;
    v.join_ok(&want(hash)).await;
    v.request(hash).await;
    assert_eq!(v.content(hash).await, wire);
    for index in 0..6 {
        v.push(&want(hash), "chunk_request", serde_json::json!({"file": 0, "index": index})).await;
    }
    let mut got = vec![Vec::new(); 6];
    for _ in 0..6 {
        let msg = v.wait_for("a chunk", |m| m.event == "chunk" || m.event == "chunk_unavailable").await;
        assert_eq!(msg.event, "chunk", "{msg:?}");
        let bytes = msg.bytes.expect("a binary frame");
        let payload = ChunkPayload::parse(&bytes).unwrap();
        got[payload.id.index as usize] = payload.data.to_vec();
    }
    assert_eq!(got.concat(), data, "every chunk, from the host on the other node");
    let metrics = scrape(b.addr()).await.unwrap();
    assert!(metrics["ep2p_cross_node_asks_total"] >= 6.0, "{metrics:?}");
    assert_eq!(metrics["ep2p_chunk_deliveries_total"], 6.0);
    host.abort();
}

/// A direct connection's signalling (SPEC §14) between a visitor on one
/// node and the page's only host, on another: the offer pairs them across
/// the backplane, answer and candidates come back, nobody else can speak
/// for the pair, and the visitor leaving tells the host.
async fn a_direct_connection_is_set_up_across_nodes_and_nobody_else_can_speak_for_it(site: Site) {
    use ep2p_core::protocol::event;
    use serde_json::json;
    let (a, b) = (node(&site, &[]).await, node(&site, &[]).await);
    let hash = PageHash::of("hosted on A, connected to directly from B");
    let mut h = client(&a, Vsn::V2).await;
    h.join_ok(&have(hash)).await;
    let mut seen_on_b = watcher(&b, hash).await;
    count_reaches(&mut seen_on_b, 1, PATIENCE).await;

    let mut v = client(&b, Vsn::V2).await;
    v.join_ok(&want(hash)).await;
    let offer = "v=0\r\no=- 1 1 IN IP4 198.18.0.2\r\n";
    let paired = v.call(&want(hash), event::SIGNAL, json!({ "offer": offer })).await;
    assert_eq!(paired.status(), Some("ok"), "{}", paired.raw);
    let p = paired.payload["response"]["peer"].as_u64().unwrap();
    let got = h.event(&have(hash), event::SIGNAL).await;
    let q = got.payload["peer"].as_u64().unwrap();
    assert_eq!(got.payload, json!({ "peer": q, "offer": offer }));

    let answer = "v=0\r\no=- 2 2 IN IP4 198.18.0.1\r\n";
    h.push(&have(hash), event::SIGNAL, json!({ "peer": q, "answer": answer })).await;
    assert_eq!(v.event(&want(hash), event::SIGNAL).await.payload, json!({ "peer": p, "answer": answer }));
    let candidate = "candidate:1 1 udp 2122260223 198.18.0.2 50001 typ host";
    v.push(&want(hash), event::SIGNAL, json!({ "peer": p, "candidate": candidate, "mid": "0" })).await;
    let got = h.event(&have(hash), event::SIGNAL).await;
    assert_eq!(got.payload, json!({ "peer": q, "candidate": candidate, "mid": "0" }));

    // Another visitor on B and another host on A cannot speak for the pair.
    let mut intruder = client(&b, Vsn::V2).await;
    intruder.join_ok(&want(hash)).await;
    let reply = intruder.call(&want(hash), event::SIGNAL, json!({ "peer": p, "candidate": candidate })).await;
    assert_eq!(reply.status(), Some("error"), "{}", reply.raw);
    let mut other_host = client(&a, Vsn::V2).await;
    other_host.join_ok(&have(hash)).await;
    let reply = other_host.call(&have(hash), event::SIGNAL, json!({ "peer": q, "answer": answer })).await;
    assert_eq!(reply.status(), Some("error"), "{}", reply.raw);
    let heard = v.drain(Duration::from_millis(300)).await;
    assert!(heard.iter().all(|m| m.event != event::SIGNAL), "{heard:?}");

    // The visitor leaves the page: the host on the other node hears bye.
    v.leave(&want(hash)).await;
    let bye = h.event(&have(hash), event::SIGNAL).await;
    assert_eq!(bye.payload, json!({ "peer": q, "bye": true }));
    assert!(scrape(b.addr()).await.unwrap()["ep2p_direct_pairs_total"] >= 1.0);
}
