//! File pages against the real relay: chunks asked for on `want:H`, sent
//! by hosts as Phoenix V2 binary pushes, checked against the manifest and
//! passed to visitors as binary broadcasts; a clear refusal for V1; a
//! lying host's chunk never reaching anyone while another host's does;
//! one ask for many visitors; a host leaving mid-way; and the limits, with
//! an honest visitor served meanwhile.

use ep2p_core::chunk::{self, ChunkId, ChunkPayload};
use ep2p_core::manifest::{self, FileEntry, Manifest, Tree, DEFAULT_FILE_LIMIT, MIN_CHUNK};
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::{event, PageHash};
use ep2p_testkit::*;
use serde_json::json;
use std::time::Duration;
use tokio::task::JoinHandle;

/// A file page: one file's bytes, its tree, its manifest and address.
#[derive(Clone)]
struct TestFile {
    data: Vec<u8>,
    tree: Tree,
    wire: String,
    hash: PageHash,
}

impl TestFile {
    /// `len` bytes in chunks of 16 KiB, no two chunks alike.
    fn new(len: usize, seed: u32) -> Self {
        let data = noise(len, seed);
        let tree = manifest::tree_of(&data, MIN_CHUNK);
        let entry = FileEntry {
            name: "data.bin".into(),
            media_type: "application/octet-stream".into(),
            size: len as u64,
            root: manifest::to_hex(&tree.root()),
        };
        let wire = Manifest::new(MIN_CHUNK, vec![entry], DEFAULT_FILE_LIMIT).unwrap().wire();
        let hash = PageHash::of(&wire);
        Self { data, tree, wire, hash }
    }

    fn chunks(&self) -> u32 {
        self.data.len().div_ceil(MIN_CHUNK as usize) as u32
    }

    fn bytes(&self, index: u32) -> &[u8] {
        self.data.chunks(MIN_CHUNK as usize).nth(index as usize).unwrap()
    }

    /// Chunk `index`'s payload, with its proof.
    fn payload(&self, index: u32) -> Vec<u8> {
        let proof = self.tree.proof(u64::from(index)).unwrap();
        chunk::encode(ChunkId::new(0, index), &proof, self.bytes(index))
    }
}

/// How a test host answers chunk requests.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Honest,
    /// Sends every chunk with one byte changed.
    Liar,
}

/// A host of `file` on its own socket: it announces every chunk and answers
/// each ask (the manifest, or a chunk) until `answers` chunks are sent.
/// Its socket closes once it has sent them (or heard nothing for 30 s).
async fn spawn_host(
    server: &TestServer,
    file: &TestFile,
    behaviour: Behaviour,
    answers: usize,
) -> JoinHandle<()> {
    let mut host = Client::connect(server, Vsn::V2).await;
    host.join_ok(&have(file.hash)).await;
    let reply = host.call(&have(file.hash), event::HAVE_CHUNKS, json!({"all": true})).await;
    assert_eq!(reply.status(), Some("ok"), "{reply:?}");
    let file = file.clone();
    tokio::spawn(async move {
        let mut sent = 0;
        while sent < answers {
            let Some(msg) = host.next_within(Duration::from_secs(30)).await else { break };
            match msg.event.as_str() {
                event::CONTENT_REQUEST => host.answer(file.hash, &file.wire).await,
                event::CHUNK_REQUEST => {
                    let id: ChunkId = serde_json::from_value(msg.payload).unwrap();
                    let mut payload = file.payload(id.index);
                    if behaviour == Behaviour::Liar {
                        *payload.last_mut().unwrap() ^= 0x55;
                    }
                    host.push_binary(&have(file.hash), event::CHUNK, &payload).await;
                    sent += 1;
                }
                _ => {}
            }
        }
        drop(host);
    })
}

/// A visitor of `file` that has its manifest (so the relay knows it too).
async fn visitor(server: &TestServer, file: &TestFile) -> Client {
    let mut v = Client::connect(server, Vsn::V2).await;
    v.join_ok(&want(file.hash)).await;
    v.request(file.hash).await;
    assert_eq!(v.content(file.hash).await, file.wire);
    v
}

async fn ask(v: &mut Client, file: &TestFile, index: u32) {
    v.push(&want(file.hash), event::CHUNK_REQUEST, json!({"file": 0, "index": index})).await;
}

/// The next chunk (or "unavailable") for `v`.
async fn next_chunk(v: &mut Client, file: &TestFile) -> Msg {
    let topic = want(file.hash);
    v.wait_for("a chunk", |m| {
        m.topic == topic && [event::CHUNK, event::CHUNK_UNAVAILABLE].contains(&m.event.as_str())
    })
    .await
}

/// Checks a received chunk as a browser would, and returns its index.
fn checked(msg: &Msg, file: &TestFile) -> u32 {
    assert_eq!(msg.event, event::CHUNK, "{msg:?}");
    let bytes = msg.bytes.as_ref().expect("a binary frame");
    let payload = ChunkPayload::parse(bytes).unwrap();
    assert_eq!(payload.data, file.bytes(payload.id.index), "chunk {} is the file's", payload.id.index);
    assert_eq!(payload.proof(), file.tree.proof(u64::from(payload.id.index)).unwrap());
    payload.id.index
}

#[tokio::test]
async fn a_file_travels_in_verified_binary_chunks() {
    let server = TestServer::default().await;
    let file = TestFile::new(5 * MIN_CHUNK as usize + 1000, 1);
    let host = spawn_host(&server, &file, Behaviour::Honest, usize::MAX).await;
    let mut v = visitor(&server, &file).await;
    for index in 0..file.chunks() {
        ask(&mut v, &file, index).await;
    }
    let mut got: Vec<u32> = Vec::new();
    for _ in 0..file.chunks() {
        got.push(checked(&next_chunk(&mut v, &file).await, &file));
    }
    got.sort();
    assert_eq!(got, (0..file.chunks()).collect::<Vec<_>>());
    // The manifest went twice: to the visitor, and to the relay itself,
    // which asked the host for it when the host announced its chunks.
    let manifest_literal = serde_json::to_string(&file.wire).unwrap().len();
    assert_eq!(
        server.metric("ep2p_bytes_relayed_total").await,
        (file.data.len() + 2 * manifest_literal) as u64
    );
    assert_eq!(server.metric("ep2p_chunk_deliveries_total").await, u64::from(file.chunks()));
    // A chunk past the end is refused; one nobody holds is unavailable.
    let reply = v.call(&want(file.hash), event::CHUNK_REQUEST, json!({"file": 0, "index": 6})).await;
    assert_eq!(reply.reason(), Some("no such chunk in this page's files"));
    host.abort();
    let _ = host.await;
    v.wait_for("the count falls to 0", |m| m.event == event::VISITORS_COUNT && m.payload["count"] == 0).await;
    ask(&mut v, &file, 0).await;
    assert_eq!(next_chunk(&mut v, &file).await.event, event::CHUNK_UNAVAILABLE);
}

#[tokio::test]
async fn a_visitor_that_kept_the_manifest_gets_chunks_without_asking_for_it() {
    // The relay learned the manifest from the host itself when it announced:
    // a visitor resuming with a manifest it kept asks for chunks at once.
    let server = TestServer::default().await;
    let file = TestFile::new(3 * MIN_CHUNK as usize, 8);
    let _host = spawn_host(&server, &file, Behaviour::Honest, usize::MAX).await;
    eventually("the relay knows the manifest", || server.relay.hub().files(file.hash).is_some()).await;
    let mut v = Client::connect(&server, Vsn::V2).await;
    v.join_ok(&want(file.hash)).await;
    ask(&mut v, &file, 2).await;
    assert_eq!(checked(&next_chunk(&mut v, &file).await, &file), 2);
}

#[tokio::test]
async fn v1_sockets_are_told_files_need_v2() {
    let server = TestServer::default().await;
    let file = TestFile::new(MIN_CHUNK as usize, 2);
    let _host = spawn_host(&server, &file, Behaviour::Honest, usize::MAX).await;
    let mut v1 = Client::connect(&server, Vsn::V1).await;
    v1.join_ok(&want(file.hash)).await;
    v1.request(file.hash).await;
    assert_eq!(v1.content(file.hash).await, file.wire, "a file page's manifest is a page like any other");
    let reply = v1.call(&want(file.hash), event::CHUNK_REQUEST, json!({"file": 0, "index": 0})).await;
    assert_eq!(reply.reason(), Some("chunks travel in binary frames: connect with vsn=2.0.0"));
    // A binary frame on a V1 socket closes it, with the reason.
    v1.send_message(tungstenite::Message::Binary(vec![0, 0, 0, 1, 1, b't', b'e'].into())).await;
    let close = v1.closed_with().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1003);
    assert_eq!(close.reason.as_str(), "binary frames need the V2 serializer (vsn=2.0.0)");
}

#[tokio::test]
async fn a_lying_chunk_never_reaches_the_visitor_and_another_host_sends_it() {
    let server = TestServer::default().await;
    let file = TestFile::new(8 * MIN_CHUNK as usize, 3);
    let _liar = spawn_host(&server, &file, Behaviour::Liar, usize::MAX).await;
    let _honest = spawn_host(&server, &file, Behaviour::Honest, usize::MAX).await;
    let mut v = visitor(&server, &file).await;
    for index in 0..file.chunks() {
        ask(&mut v, &file, index).await;
    }
    // Every chunk arrives, each one right (`checked`), whoever was asked first.
    let mut got: Vec<u32> = Vec::new();
    for _ in 0..file.chunks() {
        got.push(checked(&next_chunk(&mut v, &file).await, &file));
    }
    got.sort();
    assert_eq!(got, (0..file.chunks()).collect::<Vec<_>>());
    // The liar was asked at most once before it was no host any more:
    // its channel was closed, and the count shows one host.
    assert_eq!(server.metric("ep2p_bad_hashes_total").await, 1);
    assert_eq!(server.relay.health(file.hash).hosts, 1);
}

#[tokio::test]
async fn visitors_wanting_one_chunk_cost_one_ask() {
    let server = TestServer::default().await;
    let file = TestFile::new(2 * MIN_CHUNK as usize, 4);
    // The host answers only after everyone asked: it waits for the manifest ask, then one chunk.
    let mut host = Client::connect(&server, Vsn::V2).await;
    host.join_ok(&have(file.hash)).await;
    host.call(&have(file.hash), event::HAVE_CHUNKS, json!({"all": true})).await;
    let mut first = Client::connect(&server, Vsn::V2).await;
    first.join_ok(&want(file.hash)).await;
    first.request(file.hash).await;
    host.asked(file.hash).await;
    host.answer(file.hash, &file.wire).await;
    assert_eq!(first.content(file.hash).await, file.wire);
    let mut others = Vec::new();
    for _ in 0..3 {
        let mut v = Client::connect(&server, Vsn::V2).await;
        v.join_ok(&want(file.hash)).await;
        others.push(v);
    }
    for v in std::iter::once(&mut first).chain(others.iter_mut()) {
        ask(v, &file, 1).await;
        v.barrier().await;
    }
    let request = host.event(&have(file.hash), event::CHUNK_REQUEST).await;
    assert_eq!(request.payload, json!({"file": 0, "index": 1}));
    assert_eq!(request.join_ref, host.join_ref(&have(file.hash)), "stamped with the host's join_ref");
    host.push_binary(&have(file.hash), event::CHUNK, &file.payload(1)).await;
    for v in std::iter::once(&mut first).chain(others.iter_mut()) {
        assert_eq!(checked(&next_chunk(v, &file).await, &file), 1);
    }
    assert_eq!(server.metric("ep2p_chunk_asks_total").await, 1);
    assert_eq!(server.metric("ep2p_chunk_coalesced_total").await, 3);
    assert!(host.drain(Duration::from_millis(100)).await.iter().all(|m| m.event != event::CHUNK_REQUEST));
}

#[tokio::test]
async fn a_host_that_leaves_mid_way_hands_its_chunks_to_another() {
    let server = TestServer::default().await;
    let file = TestFile::new(12 * MIN_CHUNK as usize, 5);
    // The first host sends three chunks, then its socket goes.
    let leaving = spawn_host(&server, &file, Behaviour::Honest, 3).await;
    let mut v = visitor(&server, &file).await;
    let staying = spawn_host(&server, &file, Behaviour::Honest, usize::MAX).await;
    for index in 0..file.chunks() {
        ask(&mut v, &file, index).await;
    }
    let mut got: Vec<u32> = Vec::new();
    for _ in 0..file.chunks() {
        got.push(checked(&next_chunk(&mut v, &file).await, &file));
    }
    got.sort();
    assert_eq!(got, (0..file.chunks()).collect::<Vec<_>>(), "every chunk, once");
    assert!(leaving.is_finished(), "the first host sent its three and left");
    assert!(server.metric("ep2p_chunk_failovers_total").await >= 1, "its other chunks moved");
    staying.abort();
}

#[tokio::test]
async fn a_host_may_send_only_the_chunk_it_owes_and_nothing_larger() {
    let server = TestServer::default().await;
    let file = TestFile::new(4 * MIN_CHUNK as usize, 6);
    let _honest = spawn_host(&server, &file, Behaviour::Honest, usize::MAX).await;
    let mut v = visitor(&server, &file).await;

    // A host nobody asked sends a chunk-sized frame: closed (1009).
    let mut pushy = Client::connect(&server, Vsn::V2).await;
    pushy.join_ok(&have(file.hash)).await;
    pushy.push_binary(&have(file.hash), event::CHUNK, &file.payload(0)).await;
    assert_eq!(u16::from(pushy.closed_with().await.expect("a close frame").code), 1009);

    // A host asked for a 16 KiB chunk sends 1 MiB: closed (1009).
    let mut greedy = Client::connect(&server, Vsn::V2).await;
    greedy.join_ok(&have(file.hash)).await;
    greedy.call(&have(file.hash), event::HAVE_CHUNKS, json!({"file": 0, "ranges": [[3, 4]]})).await;
    // Only `greedy` and the honest host hold chunk 3; ask until greedy is picked.
    let mut asked = false;
    for _ in 0..20 {
        ask(&mut v, &file, 3).await;
        let heard = greedy.drain(Duration::from_millis(200)).await;
        if heard.iter().any(|m| m.event == event::CHUNK_REQUEST) {
            asked = true;
            break;
        }
        assert_eq!(checked(&next_chunk(&mut v, &file).await, &file), 3);
    }
    assert!(asked, "greedy was never asked");
    let big = chunk::encode(ChunkId::new(0, 3), &[], &vec![0; 1024 * 1024]);
    greedy.push_binary(&have(file.hash), event::CHUNK, &big).await;
    assert_eq!(u16::from(greedy.closed_with().await.expect("a close frame").code), 1009);
    // The visitor gets chunk 3 from the honest host after the failover.
    assert_eq!(checked(&next_chunk(&mut v, &file).await, &file), 3);

    // A malformed announcement, and one on a page not joined.
    let reply = v.call(&want(file.hash), event::HAVE_CHUNKS, json!({"all": true})).await;
    assert_eq!(reply.reason(), Some("unknown event"));
    let mut stranger = Client::connect(&server, Vsn::V2).await;
    stranger.join_ok(&have(file.hash)).await;
    let reply = stranger.call(&have(file.hash), event::HAVE_CHUNKS, json!({"all": false})).await;
    assert_eq!(reply.status(), Some("error"));
}

#[tokio::test]
async fn chunks_in_flight_and_bytes_per_second_are_limited_and_others_are_served() {
    let server = TestServer::start(config(|c| {
        c.limits.max_chunks_in_flight = 4;
        // 32 KiB/s, bursts of 64 KiB: four chunks at once, then about two a second.
        c.limits.chunk_bytes_per_second = 32 * 1024;
    }))
    .await;
    let file = TestFile::new(64 * MIN_CHUNK as usize, 7);
    // A host that never answers chunks (it only sends the manifest).
    let mut silent = Client::connect(&server, Vsn::V2).await;
    silent.join_ok(&have(file.hash)).await;
    silent.call(&have(file.hash), event::HAVE_CHUNKS, json!({"all": true})).await;
    let mut greedy = Client::connect(&server, Vsn::V2).await;
    greedy.join_ok(&want(file.hash)).await;
    greedy.request(file.hash).await;
    silent.asked(file.hash).await;
    silent.answer(file.hash, &file.wire).await;
    assert_eq!(greedy.content(file.hash).await, file.wire);
    for index in 0..4 {
        ask(&mut greedy, &file, index).await;
    }
    let reply = greedy.call(&want(file.hash), event::CHUNK_REQUEST, json!({"file": 0, "index": 4})).await;
    assert_eq!(reply.reason(), Some("too many chunks in flight"));
    // Asking again for one in flight changes nothing (it comes once).
    ask(&mut greedy, &file, 0).await;
    greedy.barrier().await;

    // An honest host comes; an honest visitor on another socket is served
    // meanwhile, within its own allowance.
    let _honest = spawn_host(&server, &file, Behaviour::Honest, usize::MAX).await;
    let mut honest = Client::connect(&server, Vsn::V2).await;
    honest.join_ok(&want(file.hash)).await;
    for index in 10..14 {
        ask(&mut honest, &file, index).await;
    }
    for _ in 0..4 {
        checked(&next_chunk(&mut honest, &file).await, &file);
    }
    // Past its bytes per second: refused, and allowed again a second later.
    let reply = honest.call(&want(file.hash), event::CHUNK_REQUEST, json!({"file": 0, "index": 20})).await;
    assert_eq!(reply.reason(), Some("rate_limited"));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    ask(&mut honest, &file, 20).await;
    assert_eq!(checked(&next_chunk(&mut honest, &file).await, &file), 20);
    assert!(server.metric("ep2p_rejected_total{reason=\"rate_limited\"}").await >= 2);
}
