//! A file page's chunks inside the visitor's machine (`machine`): once the
//! verified page is a file page's manifest (plain or encrypted), the
//! machine asks the glue to open its storage, asks the relay for what it
//! lacks on `want:H` (a window of chunks, `download` decides which),
//! checks each chunk that arrives before the glue stores it, announces
//! what it holds on `have:H` and sends what it is asked for there. The
//! glue only stores and reads bytes (OPFS in the browser, a folder in the
//! mirror); every decision is here, tested natively.
//!
//! With a direct connection open (SPEC §14), chunks are asked of its host
//! over the channel instead, each checked by its proof just the same; what
//! that host lacks goes through the relay, and when the connection gives
//! way (closed, silent, lying) what was asked over it is asked through the
//! relay, from where it stopped. A host serves visitors' direct asks from
//! the same storage it serves the relay's from.

use crate::channel::MOST_ASKED_PER_PEER;
use crate::chunk::{ChunkId, ChunkPayload};
use crate::client::channels::Channels;
use crate::client::{Command, DirectCommand, Timer};
use crate::download::{Download, Progress, Received};
use crate::phoenix::binary::{self, ServerFrame};
use crate::phoenix::{Frame, Reason, Ref, Status};
use crate::protocol::{event, ContentRequest, PageHash, Topic};
use std::time::Duration;

/// Chunks asked for at once: the relay's default allowance.
pub const WINDOW: usize = 16;
/// After the relay refused a request for its rate, the next wait this long.
const COOLDOWN: Duration = Duration::from_millis(500);
/// A direct connection that sends nothing this long while chunks are
/// asked of it is given up for the relay.
pub const DIRECT_STALL_MS: u64 = 5_000;

/// Where a file page's chunks are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// Through the relay, on `want:H`.
    Relay,
    /// A direct connection is being set up: nothing is asked until it
    /// opens or gives way (else the relay would carry what it saves).
    Waiting,
    /// Over the open direct connection; what its host lacks, through the relay.
    Direct,
}

/// What a chunk that came over a direct connection was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DirectAnswer {
    /// Asked for, and right by its proof (or held already).
    Good,
    /// Not a chunk, not asked for, or wrong by its proof: the host lied.
    Lied,
}

/// Who asked this host for a chunk being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Relay,
    Peer(u32),
}

/// What a file page's transfer shows, in one copyable value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilesSnapshot {
    pub progress: Progress,
    /// Storage is open and what it held is counted.
    pub ready: bool,
    pub paused: bool,
    /// Chunks received that failed their proof (none ever should: the relay checks them).
    pub rejected: u32,
    /// Chunks that came over a direct connection, and through the relay,
    /// in this visit (not those stored by an earlier one).
    pub direct_chunks: u64,
    pub relay_chunks: u64,
}

/// One file page's transfer.
#[derive(Debug)]
pub(crate) struct Transfer {
    hash: PageHash,
    download: Download,
    /// The glue answered [`Command::OpenFiles`].
    ready: bool,
    /// This client hosts what it holds (joins `have:H`); the mirror's
    /// `get` does not.
    hosting: bool,
    /// `chunk_request`s sent on this connection and not answered, by ref.
    asked: Vec<(Ref, ChunkId)>,
    /// The relay has the manifest on this connection (its `content` came
    /// back on `want:H`): chunks may be asked for.
    manifest_seen: bool,
    /// The relay was asked for the manifest on this connection.
    manifest_asked: bool,
    /// No request before this time (ms), after the relay's rate refused one.
    cooldown_until: u64,
    rejected: u32,
    route: Route,
    /// Chunks asked over the direct connection and not answered.
    direct_asked: Vec<ChunkId>,
    /// Chunks the direct connection's host said it does not hold.
    not_direct: Vec<ChunkId>,
    /// When the direct connection last answered (or was first asked).
    direct_heard: u64,
    direct_chunks: u64,
    relay_chunks: u64,
    /// Chunks being read for whoever asked, in the order asked.
    reads: Vec<(Reader, ChunkId)>,
}

impl Transfer {
    pub(crate) fn new(hash: PageHash, download: Download, hosting: bool) -> Self {
        Self {
            hash,
            download,
            ready: false,
            hosting,
            asked: Vec::new(),
            manifest_seen: false,
            manifest_asked: false,
            cooldown_until: 0,
            rejected: 0,
            route: Route::Relay,
            direct_asked: Vec::new(),
            not_direct: Vec::new(),
            direct_heard: 0,
            direct_chunks: 0,
            relay_chunks: 0,
            reads: Vec::new(),
        }
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.ready
    }

    pub(crate) fn route(&self) -> Route {
        self.route
    }

    /// Chunks go `route` from now on. Leaving a direct connection, what
    /// was asked over it and not answered is asked through the relay.
    pub(crate) fn set_route(
        &mut self,
        route: Route,
        channels: &mut Channels,
        now: u64,
        out: &mut Vec<Command>,
    ) {
        if self.route == Route::Direct && route != Route::Direct {
            for id in self.direct_asked.drain(..) {
                self.download.not_sent(id);
            }
            self.not_direct.clear();
        }
        self.route = route;
        self.direct_heard = now;
        self.fill(channels, now, out);
    }

    /// True if the direct connection has chunks to send and sent nothing
    /// for [`DIRECT_STALL_MS`].
    pub(crate) fn direct_stalled(&self, now: u64) -> bool {
        self.route == Route::Direct
            && !self.direct_asked.is_empty()
            && now >= self.direct_heard + DIRECT_STALL_MS
    }

    /// A chunk's payload that came over the direct connection.
    pub(crate) fn direct_answer(&mut self, payload: &[u8], now: u64, out: &mut Vec<Command>) -> DirectAnswer {
        let Ok(chunk) = ChunkPayload::parse(payload) else { return DirectAnswer::Lied };
        let Some(at) = self.direct_asked.iter().position(|asked| *asked == chunk.id) else {
            return DirectAnswer::Lied;
        };
        self.direct_asked.swap_remove(at);
        self.direct_heard = now;
        match self.download.received(&chunk) {
            Received::Store(id) => {
                self.direct_chunks += 1;
                out.push(Command::StoreChunk(id, payload.to_vec()));
                DirectAnswer::Good
            }
            Received::Unneeded => DirectAnswer::Good,
            Received::Invalid => {
                self.rejected += 1;
                self.download.not_sent(chunk.id);
                DirectAnswer::Lied
            }
        }
    }

    /// The direct connection's host does not hold `id`: the relay is asked.
    pub(crate) fn direct_not_held(
        &mut self,
        id: ChunkId,
        channels: &mut Channels,
        now: u64,
        out: &mut Vec<Command>,
    ) {
        let Some(at) = self.direct_asked.iter().position(|asked| *asked == id) else { return };
        self.direct_asked.swap_remove(at);
        self.direct_heard = now;
        self.download.not_sent(id);
        self.not_direct.push(id);
        self.fill(channels, now, out);
    }

    /// A visitor connected directly to this host asks for `id`: read if
    /// held and it has not asked for too many at once, else `none`.
    pub(crate) fn asked_directly(&mut self, peer: u32, id: ChunkId, out: &mut Vec<Command>) {
        let asked = self.reads.iter().filter(|(reader, _)| *reader == Reader::Peer(peer)).count();
        if self.download.holds(id) && asked < MOST_ASKED_PER_PEER {
            self.reads.push((Reader::Peer(peer), id));
            out.push(Command::ReadChunk(id));
        } else {
            out.push(Command::Direct(DirectCommand::NotHeld { peer, id }));
        }
    }

    pub(crate) fn snapshot(&self) -> FilesSnapshot {
        FilesSnapshot {
            progress: self.download.progress(),
            ready: self.ready,
            paused: self.download.is_paused(),
            rejected: self.rejected,
            direct_chunks: self.direct_chunks,
            relay_chunks: self.relay_chunks,
        }
    }

    pub(crate) fn download(&self) -> &Download {
        &self.download
    }

    /// Storage is open and holds `held`: downloading starts, or the
    /// download is complete (the author's files).
    pub(crate) fn ready(
        &mut self,
        held: Vec<ChunkId>,
        channels: &mut Channels,
        now: u64,
        out: &mut Vec<Command>,
    ) {
        for id in held {
            self.download.mark_held(id);
        }
        self.ready = true;
        self.download.reannounce();
        self.settle(channels, now, out);
    }

    /// Wants `want:H` while chunks are missing, `have:H` while hosting;
    /// announces what is new and asks for more.
    pub(crate) fn settle(&mut self, channels: &mut Channels, now: u64, out: &mut Vec<Command>) {
        if !self.ready {
            return;
        }
        let (want, have) = (Topic::Want(self.hash), Topic::Have(self.hash));
        if self.download.is_done() {
            channels.leave(want, out);
        } else {
            channels.want(want, out);
        }
        if self.hosting && channels.is_joined(have) {
            while let Some(holding) = self.download.take_announcement() {
                channels.push(have, event::HAVE_CHUNKS, &holding, out);
            }
        }
        self.fill(channels, now, out);
    }

    /// Asks for chunks up to the window: over the direct connection if
    /// one is open, else through the relay if it knows the manifest.
    fn fill(&mut self, channels: &mut Channels, now: u64, out: &mut Vec<Command>) {
        let want = Topic::Want(self.hash);
        let direct = self.route == Route::Direct;
        // The relay checks chunks by the manifest: it gets it before any
        // chunk is asked of it (not at all while a direct connection has them all).
        let needs_relay = self.route == Route::Relay || (direct && !self.not_direct.is_empty());
        if needs_relay && !self.manifest_seen && !self.manifest_asked && channels.is_joined(want) {
            let payload = ContentRequest { hash: Some(self.hash.to_string().into()) };
            self.manifest_asked = channels.push(want, event::CONTENT_REQUEST, &payload, out).is_some();
        }
        let relay = self.manifest_seen && channels.is_joined(want) && now >= self.cooldown_until;
        if !self.ready || self.route == Route::Waiting || !(relay || direct) {
            return;
        }
        for id in self.download.next_requests(now) {
            if direct && !self.not_direct.contains(&id) {
                if self.direct_asked.is_empty() {
                    self.direct_heard = now;
                }
                self.direct_asked.push(id);
                out.push(Command::Direct(DirectCommand::AskChunk(id)));
                continue;
            }
            match relay.then(|| channels.push(want, event::CHUNK_REQUEST, &id, out)).flatten() {
                Some(msg_ref) => self.asked.push((msg_ref, id)),
                None => self.download.not_sent(id),
            }
        }
        let stall = (direct && !self.direct_asked.is_empty()).then_some(self.direct_heard + DIRECT_STALL_MS);
        if let Some(at) = self.download.next_retry().into_iter().chain(stall).min() {
            out.push(Command::Schedule(Timer::Files, Duration::from_millis(at.saturating_sub(now).max(1))));
        }
    }

    /// `want:H` was joined on this connection: the relay is asked for the
    /// manifest first (it may not know it), then chunks.
    pub(crate) fn want_joined(&mut self, channels: &mut Channels, now: u64, out: &mut Vec<Command>) {
        self.manifest_seen = false;
        self.manifest_asked = false;
        self.fill(channels, now, out);
    }

    /// `have:H` was joined: everything held is announced.
    pub(crate) fn have_joined(&mut self, channels: &mut Channels, now: u64, out: &mut Vec<Command>) {
        self.download.reannounce();
        self.settle(channels, now, out);
    }

    /// The page's manifest came back on `want:H`.
    pub(crate) fn manifest_arrived(&mut self, channels: &mut Channels, now: u64, out: &mut Vec<Command>) {
        self.manifest_seen = true;
        self.fill(channels, now, out);
    }

    /// A frame on `want:H` or `have:H` that is the transfer's business;
    /// false if it is not (the machine handles it).
    pub(crate) fn frame(
        &mut self,
        topic: Topic,
        frame: &Frame<'_>,
        channels: &mut Channels,
        now: u64,
        out: &mut Vec<Command>,
    ) -> bool {
        match (topic, frame.event.as_ref()) {
            (Topic::Want(_), event::CHUNK_UNAVAILABLE) => {
                if let Ok(id) = frame.payload_as::<ChunkId>() {
                    self.asked.retain(|(_, asked)| *asked != id);
                    self.download.unavailable(id, now);
                    self.fill(channels, now, out);
                }
                true
            }
            (Topic::Want(_), event::REPLY) => {
                let Some(at) =
                    frame.msg_ref.as_ref().and_then(|r| self.asked.iter().position(|(a, _)| a == r))
                else {
                    return false;
                };
                let (_, id) = self.asked.swap_remove(at);
                let Some(reply) = frame.reply().filter(|reply| reply.status != Status::Ok) else {
                    return true;
                };
                let reason =
                    serde_json::from_str::<Reason>(reply.response.get()).map(|r| r.reason.into_owned());
                let reason = reason.unwrap_or_default();
                self.download.not_sent(id);
                if reason.contains("too many chunks in flight") {
                    self.download.set_window(self.download.window() / 2);
                } else if reason.contains("content_request first") {
                    self.want_joined(channels, now, out);
                    return true;
                }
                // Its rate, or anything else: a moment's pause before asking again.
                self.cooldown_until = now + COOLDOWN.as_millis() as u64;
                out.push(Command::Schedule(Timer::Files, COOLDOWN));
                true
            }
            (Topic::Have(_), event::CHUNK_REQUEST) => {
                if let Ok(id) = frame.payload_as::<ChunkId>() {
                    if self.download.holds(id) {
                        self.reads.push((Reader::Relay, id));
                        out.push(Command::ReadChunk(id));
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// A binary frame: a chunk asked for on `want:H`, checked by its proof
    /// before the glue is told to store it.
    pub(crate) fn binary(&mut self, bytes: &[u8], out: &mut Vec<Command>) {
        let want = Topic::Want(self.hash).to_string();
        let Ok(ServerFrame::Broadcast { topic, event: event::CHUNK, payload }) = binary::decode_server(bytes)
        else {
            return;
        };
        if topic != want {
            return;
        }
        let Ok(chunk) = ChunkPayload::parse(payload) else { return };
        self.asked.retain(|(_, asked)| *asked != chunk.id);
        match self.download.received(&chunk) {
            Received::Store(id) => {
                self.relay_chunks += 1;
                out.push(Command::StoreChunk(id, payload.to_vec()));
            }
            Received::Invalid => {
                self.rejected += 1;
                self.download.not_sent(chunk.id);
            }
            Received::Unneeded => {}
        }
    }

    /// The glue stored a chunk (or could not).
    pub(crate) fn stored(
        &mut self,
        id: ChunkId,
        ok: bool,
        channels: &mut Channels,
        now: u64,
        out: &mut Vec<Command>,
    ) {
        if ok {
            self.download.mark_held(id);
        } else {
            self.download.not_sent(id);
        }
        self.settle(channels, now, out);
    }

    /// The glue read a chunk the relay or a directly connected visitor
    /// asked this host for: it goes to the first that asked.
    pub(crate) fn read(
        &mut self,
        id: ChunkId,
        payload: Option<Vec<u8>>,
        channels: &mut Channels,
        out: &mut Vec<Command>,
    ) {
        let Some(at) = self.reads.iter().position(|(_, asked)| *asked == id) else { return };
        let (reader, _) = self.reads.remove(at);
        let payload = payload.filter(|payload| ChunkPayload::parse(payload).is_ok_and(|p| p.id == id));
        match (reader, payload) {
            (Reader::Relay, Some(payload)) => {
                channels.push_binary(Topic::Have(self.hash), event::CHUNK, &payload, out);
            }
            (Reader::Peer(peer), Some(payload)) => {
                out.push(Command::Direct(DirectCommand::SendChunk { peer, payload }));
            }
            (Reader::Peer(peer), None) => out.push(Command::Direct(DirectCommand::NotHeld { peer, id })),
            (Reader::Relay, None) => {}
        }
    }

    pub(crate) fn pause(&mut self, paused: bool, channels: &mut Channels, now: u64, out: &mut Vec<Command>) {
        if paused {
            self.download.pause();
        } else {
            self.download.resume();
            self.fill(channels, now, out);
        }
    }

    /// The retry timer: chunks refused as unavailable, or after a
    /// cooldown. True if the direct connection stalled (the machine then
    /// gives it up, which sends its chunks through the relay).
    pub(crate) fn timer(&mut self, channels: &mut Channels, now: u64, out: &mut Vec<Command>) -> bool {
        if self.direct_stalled(now) {
            return true;
        }
        self.fill(channels, now, out);
        false
    }

    /// The connection is gone: what was asked is asked again on the next.
    pub(crate) fn closed(&mut self) {
        self.asked.clear();
        self.manifest_asked = false;
        // The relay's asks were the old connection's; visitors' direct ones stand.
        self.reads.retain(|(reader, _)| *reader != Reader::Relay);
        self.manifest_seen = false;
        self.download.connection_lost();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::chunk::{self, ChunkId, Holding};
    use crate::client::test_frames::server;
    use crate::client::{Command, Event, Timer};
    use crate::machine::{FileRole, Visitor};
    use crate::manifest::{self, FileEntry, Manifest, Tree, DEFAULT_FILE_LIMIT, MIN_CHUNK};
    use crate::phoenix::binary::{self, ServerFrame};
    use crate::phoenix::{Frame, Ref, Vsn};
    use crate::protocol::{event, Content, PageHash, Topic};

    pub(crate) const CHUNKS: u32 = 5;

    /// A file's bytes, tree, manifest and address.
    pub(crate) type TestFile = (Vec<u8>, Tree, String, PageHash);

    /// A file of five chunks, its tree, its manifest and address.
    pub(crate) fn file() -> TestFile {
        let data: Vec<u8> =
            (0..CHUNKS as usize * MIN_CHUNK as usize - 10).map(|i| (i / 7 % 253) as u8).collect();
        let tree = manifest::tree_of(&data, MIN_CHUNK);
        let entry = FileEntry {
            name: "f.bin".into(),
            media_type: "application/octet-stream".into(),
            size: data.len() as u64,
            root: manifest::to_hex(&tree.root()),
        };
        let wire = Manifest::new(MIN_CHUNK, vec![entry], DEFAULT_FILE_LIMIT).unwrap().wire();
        let hash = PageHash::of(&wire);
        (data, tree, wire, hash)
    }

    pub(crate) fn payload(data: &[u8], tree: &Tree, index: u32) -> Vec<u8> {
        let piece = data.chunks(MIN_CHUNK as usize).nth(index as usize).unwrap();
        chunk::encode(ChunkId::new(0, index), &tree.proof(u64::from(index)).unwrap(), piece)
    }

    /// The relay's binary broadcast of a chunk on `want:H`.
    pub(crate) fn chunk_frame(hash: PageHash, payload: &[u8]) -> Event {
        let topic = Topic::Want(hash).to_string();
        Event::Binary(
            binary::encode_server(&ServerFrame::Broadcast { topic: &topic, event: event::CHUNK, payload })
                .unwrap(),
        )
    }

    /// (topic, event, payload, ref) of every text frame sent.
    pub(crate) fn sent(commands: &[Command]) -> Vec<(String, String, String, Option<Ref>)> {
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Send(text) => {
                    let f = Frame::decode(Vsn::V2, text).unwrap();
                    Some((f.topic.into_owned(), f.event.into_owned(), f.payload.get().to_string(), f.msg_ref))
                }
                _ => None,
            })
            .collect()
    }

    pub(crate) fn asked_chunks(commands: &[Command]) -> Vec<u32> {
        sent(commands)
            .into_iter()
            .filter(|(_, e, ..)| e == event::CHUNK_REQUEST)
            .map(|(_, _, p, _)| serde_json::from_str::<ChunkId>(&p).unwrap().index)
            .collect()
    }

    pub(crate) fn join_ref_of(commands: &[Command], topic: Topic) -> String {
        let joined =
            sent(commands).into_iter().find(|(t, e, ..)| *t == topic.to_string() && e == event::JOIN);
        match joined.and_then(|(.., r)| r) {
            Some(Ref::Text(r)) => r,
            other => panic!("no join of {topic}: {other:?}"),
        }
    }

    pub(crate) fn ok(join_ref: &str, topic: Topic) -> Event {
        server(
            Some(join_ref),
            Some(join_ref),
            topic,
            event::REPLY,
            r#"{"status":"ok","response":{"count":1}}"#,
        )
    }

    /// A downloader that has the manifest, with both channels joined and
    /// its storage open (holding nothing): what it asked for first.
    fn downloading(role: FileRole) -> (Visitor, Vec<Command>, TestFile) {
        let f = file();
        let hash = f.3;
        let (mut v, _) = Visitor::new(hash, None, 1);
        assert!(v.set_file_role(role).is_empty(), "nothing to open before the page is here");
        let opened = v.step(Event::Opened);
        let want_ref = join_ref_of(&opened, Topic::Want(hash));
        v.step(ok(&want_ref, Topic::Want(hash)));
        let content = serde_json::to_string(&Content { content: f.2.as_str().into(), hash: None }).unwrap();
        let got = v.step(server(None, None, Topic::Want(hash), event::CONTENT, &content));
        assert!(got.contains(&Command::OpenFiles), "{got:?}");
        assert!(
            !sent(&got).iter().any(|(t, e, ..)| *t == Topic::Want(hash).to_string() && e == event::LEAVE),
            "want:H stays"
        );
        let have_joined =
            sent(&got).iter().any(|(t, e, ..)| *t == Topic::Have(hash).to_string() && e == event::JOIN);
        assert_eq!(have_joined, role == FileRole::Host);
        let mut first = v.step(Event::FilesReady(Vec::new()));
        if role == FileRole::Host {
            let have_ref = join_ref_of(&got, Topic::Have(hash));
            first.extend(v.step(ok(&have_ref, Topic::Have(hash))));
        }
        (v, first, f)
    }

    #[test]
    fn a_downloader_asks_for_a_window_checks_stores_announces_and_leaves_want_when_done() {
        let (mut v, first, (data, tree, _, hash)) = downloading(FileRole::Host);
        assert_eq!(asked_chunks(&first), [0, 1, 2, 3, 4], "every chunk fits in the window");
        assert!(v.snapshot().files.is_some_and(|f| f.ready && f.progress.held_chunks == 0));
        // A chunk that fails its proof is never stored.
        let mut bad = payload(&data, &tree, 1);
        *bad.last_mut().unwrap() ^= 1;
        assert!(v.step(chunk_frame(hash, &bad)).is_empty());
        assert_eq!(v.files().unwrap().rejected, 1);
        // A good one is stored, then counted, announced and nothing re-asked.
        for index in 0..CHUNKS {
            let good = payload(&data, &tree, index);
            let store = v.step(chunk_frame(hash, &good));
            assert_eq!(store, vec![Command::StoreChunk(ChunkId::new(0, index), good)]);
            let stored = v.step(Event::ChunkStored(ChunkId::new(0, index), true));
            let announced: Vec<_> =
                sent(&stored).into_iter().filter(|(_, e, ..)| e == event::HAVE_CHUNKS).collect();
            let expected = if index + 1 == CHUNKS {
                Holding::all()
            } else {
                Holding::ranges(0, vec![(index, index + 1)])
            };
            assert_eq!(announced[0].2, serde_json::to_string(&expected).unwrap(), "chunk {index}");
            if index == 0 {
                // The one that failed its proof is asked for again.
                assert_eq!(asked_chunks(&stored), [1]);
            }
            if index + 1 == CHUNKS {
                assert!(sent(&stored)
                    .iter()
                    .any(|(t, e, ..)| *t == Topic::Want(hash).to_string() && e == event::LEAVE));
            }
        }
        let files = v.files().unwrap();
        assert_eq!(files.progress.held_bytes, data.len() as u64);
        assert_eq!(files.progress.per_mille(), 1000);
    }

    #[test]
    fn a_host_reads_what_it_is_asked_for_and_sends_it_as_a_binary_push() {
        let (mut v, _, (data, tree, _, hash)) = downloading(FileRole::Host);
        let good = payload(&data, &tree, 2);
        v.step(chunk_frame(hash, &good));
        v.step(Event::ChunkStored(ChunkId::new(0, 2), true));
        let ask = |index: u32| {
            let payload = serde_json::json!({"file": 0, "index": index}).to_string();
            server(None, None, Topic::Have(hash), event::CHUNK_REQUEST, &payload)
        };
        // Asked for one it lacks: nothing to read.
        assert!(v.step(ask(3)).is_empty());
        assert_eq!(v.step(ask(2)), vec![Command::ReadChunk(ChunkId::new(0, 2))]);
        let sent = v.step(Event::ChunkRead(ChunkId::new(0, 2), Some(good.clone())));
        let [Command::SendBinary(bytes)] = sent.as_slice() else { panic!("{sent:?}") };
        let push = binary::decode_client_push(bytes).unwrap();
        assert_eq!(
            (push.topic, push.event, push.payload),
            (Topic::Have(hash).to_string().as_str(), event::CHUNK, good.as_slice())
        );
        assert!(push.join_ref.is_some_and(|r| !r.is_empty()), "stamped with have:H's join ref");
        // A read that found nothing, or another chunk's bytes, sends nothing.
        assert!(v.step(Event::ChunkRead(ChunkId::new(0, 2), None)).is_empty());
        assert!(v.step(Event::ChunkRead(ChunkId::new(0, 3), Some(good))).is_empty());
    }

    #[test]
    fn unavailable_chunks_and_refusals_are_asked_again_later_and_a_lost_connection_asks_again() {
        let (mut v, first, (_, _, _, hash)) = downloading(FileRole::Download);
        assert_eq!(asked_chunks(&first), [0, 1, 2, 3, 4]);
        let unavailable =
            server(None, None, Topic::Want(hash), event::CHUNK_UNAVAILABLE, r#"{"file":0,"index":0}"#);
        let later = v.step(unavailable);
        assert!(later.iter().any(|c| matches!(c, Command::Schedule(Timer::Files, _))), "{later:?}");
        assert!(asked_chunks(&later).is_empty(), "not asked again at once");
        // The relay refuses one for its rate: it waits a moment, then asks again.
        let refs: Vec<_> = sent(&first)
            .into_iter()
            .filter(|(_, e, ..)| e == event::CHUNK_REQUEST)
            .map(|(.., r)| r)
            .collect();
        let Some(Ref::Text(r)) = refs[1].clone() else { panic!() };
        let refused = server(
            None,
            Some(&r),
            Topic::Want(hash),
            event::REPLY,
            r#"{"status":"error","response":{"reason":"rate_limited"}}"#,
        );
        let paused = v.step(refused);
        assert!(paused.contains(&Command::Schedule(Timer::Files, super::COOLDOWN)));
        // Paused by the person: nothing is asked until resumed.
        v.step(Event::PauseFiles(true));
        assert!(v.files().unwrap().paused);
        v.set_now(10_000);
        assert!(asked_chunks(&v.step(Event::Timer(Timer::Files))).is_empty());
        let resumed = v.step(Event::PauseFiles(false));
        assert_eq!(asked_chunks(&resumed), [0, 1], "the unavailable one and the refused one");
        // The connection goes: on the next one, the manifest first, then every chunk again.
        v.step(Event::Closed);
        v.step(Event::Timer(Timer::Reconnect));
        let opened = v.step(Event::Opened);
        assert!(!sent(&opened).iter().any(|(t, ..)| *t == Topic::Have(hash).to_string()), "get never hosts");
        let want_ref = join_ref_of(&opened, Topic::Want(hash));
        let joined = v.step(ok(&want_ref, Topic::Want(hash)));
        assert_eq!(sent(&joined).iter().filter(|(_, e, ..)| e == event::CONTENT_REQUEST).count(), 1);
        assert!(asked_chunks(&joined).is_empty(), "not before the relay has the manifest");
        let (_, _, wire, _) = file();
        let content = serde_json::to_string(&Content { content: wire.as_str().into(), hash: None }).unwrap();
        assert_eq!(
            asked_chunks(&v.step(server(None, None, Topic::Want(hash), event::CONTENT, &content))),
            [0, 1, 2, 3, 4]
        );
    }

    #[test]
    fn the_author_holds_everything_hosts_it_and_never_wants_the_page() {
        let (_, _, wire, hash) = file();
        let (mut v, _) = Visitor::new(hash, Some(wire), 1);
        assert_eq!(v.set_file_role(FileRole::Host), vec![Command::OpenFiles]);
        let all: Vec<ChunkId> = (0..CHUNKS).map(|i| ChunkId::new(0, i)).collect();
        assert!(v.step(Event::FilesReady(all)).is_empty(), "not connected yet");
        let opened = v.step(Event::Opened);
        assert!(!sent(&opened).iter().any(|(t, ..)| *t == Topic::Want(hash).to_string()));
        let have_ref = join_ref_of(&opened, Topic::Have(hash));
        let joined = v.step(ok(&have_ref, Topic::Have(hash)));
        let announced: Vec<_> =
            sent(&joined).into_iter().filter(|(_, e, ..)| e == event::HAVE_CHUNKS).collect();
        assert_eq!(announced.len(), 1);
        assert_eq!(announced[0].2, r#"{"all":true}"#);
        // A text page is no file page: nothing opens.
        let (mut t, _) = Visitor::new(PageHash::of("text"), Some("text".into()), 1);
        assert!(t.set_file_role(FileRole::Host).is_empty());
        assert_eq!(t.files(), None);
    }
}
