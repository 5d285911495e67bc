//! One page, one connection: the same state machine the browser runs
//! (`ep2p_core::machine`), driven over tokio-tungstenite. Fetching,
//! verifying, hosting, heartbeats and reconnecting with back-off and jitter
//! all live in the machine — and so do the page's chat, which the mirror
//! keeps beside the page, and a file page's chunks (`ep2p_core::transfer`):
//! this file only carries out its commands, storing and reading chunks
//! where [`Files`] says.

use crate::files::{FilePage, Source};
use ep2p_clock::wall_ms;
use ep2p_core::chat::{Message as ChatMessage, HISTORY_BYTES};
use ep2p_core::chunk::ChunkId;
use ep2p_core::client::{Command, Event, Timer};
use ep2p_core::download::Progress;
use ep2p_core::machine::{FileRole, Phase, Snapshot, Visitor};
use ep2p_core::protocol::PageHash;
use futures_util::{SinkExt, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{timeout, Instant};

/// A connection attempt that takes longer counts as failed (and is retried).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A page's chat is reported (and written) at most this often while it changes.
const CHAT_REPORT_EVERY: Duration = Duration::from_secs(1);
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What a page's task reports.
#[derive(Debug)]
pub enum Report {
    /// The page's state changed.
    Status(PageHash, Snapshot),
    /// Verified text arrived for a page that was being fetched.
    Fetched(PageHash, String),
    /// The page's chat changed: the newest messages that fit in a history
    /// answer (1 MiB), oldest first. At most once per [`CHAT_REPORT_EVERY`]
    /// while it changes, and once more when the page stops.
    Chat(PageHash, Vec<ChatMessage>),
    /// A file page's chunks held changed (or its task failed to start: `None`).
    Files(PageHash, Option<ep2p_core::download::Progress>),
}

/// Opens a file page's storage: where its chunks come from, and which are
/// held already.
pub type OpenFiles = Box<dyn FnMut(&FilePage) -> std::io::Result<(Source, Vec<ChunkId>)> + Send>;

/// Where a file page's chunks live, for the machine's storage commands.
pub struct Files {
    pub role: FileRole,
    pub open: OpenFiles,
}

/// Runs one page until `shutdown` turns true: fetches it first if `content`
/// is `None`, then hosts it (a file page's chunks too, fetching what it
/// lacks, when `files` says where), with the chat kept from earlier runs.
pub async fn run(
    relay: String,
    hash: PageHash,
    content: Option<String>,
    chat: Vec<ChatMessage>,
    files: Option<Files>,
    reports: mpsc::UnboundedSender<Report>,
    shutdown: watch::Receiver<bool>,
) {
    drive(relay, hash, content, chat, files, Some(reports), shutdown, None).await;
}

/// What fetching a page came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The verified text.
    Page(String),
    /// The relay says nobody hosts it.
    Nobody,
    /// A true copy came, but its end had come (SPEC §15): not taken.
    Ended,
}

/// Fetches one page as a visitor and leaves before hosting it.
pub async fn fetch(relay: String, hash: PageHash) -> Fetched {
    let (_never, shutdown) = watch::channel(false);
    drive(relay, hash, None, Vec::new(), None, None, shutdown, None).await
}

/// Downloads a file page's chunks (its manifest given) without hosting
/// them; returns once every chunk is stored (or `shutdown`), telling
/// `progress` each change.
pub async fn download(
    relay: String,
    page: &FilePage,
    files: Files,
    progress: &mut (dyn FnMut(Progress) + Send),
    shutdown: watch::Receiver<bool>,
) {
    let content = Some(page.wire.clone());
    drive(relay, page.hash, content, Vec::new(), Some(files), None, shutdown, Some(progress)).await;
}

/// The machine's loop. Without `reports` (and without `progress`) it only
/// fetches: it stops before carrying out anything the verified page makes
/// the machine do (joining its hosts), and returns the page (or why not). With
/// `progress` it downloads a file page's chunks and stops once it has all.
#[allow(clippy::too_many_arguments)]
async fn drive(
    relay: String,
    hash: PageHash,
    content: Option<String>,
    chat: Vec<ChatMessage>,
    mut files: Option<Files>,
    reports: Option<mpsc::UnboundedSender<Report>>,
    mut shutdown: watch::Receiver<bool>,
    mut progress: Option<&mut (dyn FnMut(Progress) + Send)>,
) -> Fetched {
    let fetching = content.is_none() && progress.is_none();
    let (mut machine, mut commands) = Visitor::new(hash, content, rand::random());
    machine.set_now(wall_ms());
    machine.restore_chat(chat);
    if let Some(files) = &files {
        commands.extend(machine.set_file_role(files.role));
    }
    // Where a file page's chunks are, once the machine opens its storage.
    let mut source: Option<(Source, ep2p_core::chunk::ChunkIndex)> = None;
    let mut last_files = None;
    let mut chat_version = machine.snapshot().chat_version;
    let mut chat_reports = Debounce::default();
    let mut pending: VecDeque<Command> = commands.into();
    let mut events: VecDeque<Event> = VecDeque::new();
    let mut socket: Option<Socket> = None;
    let mut timers: HashMap<Timer, Instant> = HashMap::new();
    let mut last = None;
    let mut fetched = !fetching;

    loop {
        // Carry out every command, feeding back the events they cause.
        loop {
            if let Some(progress) = progress.as_mut() {
                let files = machine.files();
                if files != last_files {
                    last_files = files;
                    if let Some(files) = files {
                        progress(files.progress);
                        if files.ready && files.progress.held_chunks == files.progress.total_chunks {
                            close(&mut socket, "downloaded").await;
                            return Fetched::Nobody;
                        }
                    }
                }
            } else if reports.is_none() {
                let done = match (machine.content(), machine.snapshot().phase) {
                    (Some(text), _) => Some(Fetched::Page(text.to_string())),
                    (None, Phase::NobodyHosting) => Some(Fetched::Nobody),
                    (None, Phase::Ended) => Some(Fetched::Ended),
                    (None, _) => None,
                };
                if let Some(result) = done {
                    close(&mut socket, "fetched").await;
                    return result;
                }
            }
            let Some(command) = pending.pop_front() else {
                match events.pop_front() {
                    Some(event) => {
                        machine.set_now(wall_ms());
                        pending.extend(machine.step(event));
                        continue;
                    }
                    None => break,
                }
            };
            match command {
                Command::Connect => {
                    match timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(relay.as_str())).await {
                        Ok(Ok((ws, _))) => {
                            socket = Some(ws);
                            events.push_back(Event::Opened);
                        }
                        _ => events.push_back(Event::Closed),
                    }
                }
                Command::Disconnect => {
                    if let Some(mut ws) = socket.take() {
                        let _ = ws.close(None).await;
                    }
                    events.push_back(Event::Closed);
                }
                Command::Send(text) => {
                    let sent = match socket.as_mut() {
                        Some(ws) => ws.send(Message::Text(text.into())).await.is_ok(),
                        None => true,
                    };
                    if !sent {
                        socket = None;
                        events.push_back(Event::Closed);
                    }
                }
                Command::SendBinary(bytes) => {
                    let sent = match socket.as_mut() {
                        Some(ws) => ws.send(Message::Binary(bytes.into())).await.is_ok(),
                        None => true,
                    };
                    if !sent {
                        socket = None;
                        events.push_back(Event::Closed);
                    }
                }
                Command::OpenFiles => {
                    let page = machine.content().and_then(|wire| FilePage::of(wire, u64::MAX));
                    if let (Some(files), Some(page)) = (files.as_mut(), page) {
                        match (files.open)(&page) {
                            Ok((opened, held)) => {
                                source = Some((opened, page.index()));
                                events.push_back(Event::FilesReady(held));
                            }
                            Err(error) => eprintln!("{hash}: cannot open the files' storage: {error}"),
                        }
                    }
                }
                Command::StoreChunk(id, payload) => {
                    let stored = match &source {
                        Some((Source::Stored(dir), _)) => match dir.put(id, &payload) {
                            Ok(()) => true,
                            Err(error) => {
                                eprintln!("{hash}: cannot store chunk {}:{}: {error}", id.file, id.index);
                                false
                            }
                        },
                        _ => false,
                    };
                    events.push_back(Event::ChunkStored(id, stored));
                }
                Command::ReadChunk(id) => {
                    let read = source.as_ref().and_then(|(source, index)| source.payload(index, id));
                    events.push_back(Event::ChunkRead(id, read));
                }
                Command::Schedule(timer, after) => {
                    timers.insert(timer, Instant::now() + after);
                }
                Command::Cancel(timer) => {
                    timers.remove(&timer);
                }
                // No WebRTC here: the machine declines every offer itself
                // and never makes a connection of its own.
                Command::Direct(_) => {}
            }
        }

        if let Some(reports) = &reports {
            if !fetched {
                if let Some(text) = machine.content() {
                    fetched = true;
                    let _ = reports.send(Report::Fetched(hash, text.to_string()));
                }
            }
            let snapshot = machine.snapshot();
            if snapshot.chat_version != chat_version {
                chat_version = snapshot.chat_version;
                chat_reports.changed(Instant::now());
            }
            if chat_reports.due().is_some_and(|due| due <= Instant::now()) {
                chat_reports.done(Instant::now());
                let _ = reports.send(Report::Chat(hash, machine.chat().history(HISTORY_BYTES)));
            }
            if last != Some(snapshot) {
                if snapshot.files.is_some() && last.is_none_or(|last| last.files != snapshot.files) {
                    let _ = reports.send(Report::Files(hash, snapshot.files.map(|f| f.progress)));
                }
                last = Some(snapshot);
                let _ = reports.send(Report::Status(hash, snapshot));
            }
        }

        let next_timer = timers.iter().min_by_key(|(_, at)| **at).map(|(t, at)| (*t, *at));
        let event = tokio::select! {
            _ = stopping(&mut shutdown) => {
                // What changed since the last report is kept too.
                if let (Some(reports), Some(_)) = (&reports, chat_reports.due()) {
                    let _ = reports.send(Report::Chat(hash, machine.chat().history(HISTORY_BYTES)));
                }
                close(&mut socket, "mirror stopping").await;
                return Fetched::Nobody;
            }
            inbound = next_message(&mut socket) => match inbound {
                Some(Inbound::Text(text)) => Some(Event::Frame(text)),
                Some(Inbound::Binary(bytes)) => Some(Event::Binary(bytes)),
                None => {
                    socket = None;
                    Some(Event::Closed)
                }
            },
            timer = sleep_until(next_timer) => {
                timers.remove(&timer);
                Some(Event::Timer(timer))
            }
            // The chat's report is due: sent at the top of the loop.
            _ = wake_at(chat_reports.due()) => None,
        };
        if let Some(event) = event {
            machine.set_now(wall_ms());
            pending.extend(machine.step(event));
        }
    }
}

/// Leaves normally (code 1000), so the relay drops this socket at once.
async fn close(socket: &mut Option<Socket>, reason: &'static str) {
    if let Some(mut ws) = socket.take() {
        let frame = CloseFrame { code: CloseCode::Normal, reason: reason.into() };
        let _ = ws.close(Some(frame)).await;
    }
}

/// Resolves once the mirror is stopping.
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here.
    let _ = shutdown.wait_for(|down| *down).await;
}

/// A frame from the relay.
enum Inbound {
    Text(String),
    Binary(Vec<u8>),
}

/// The next text or binary frame; `None` once the socket is gone. Pends
/// forever without a socket (the machine has a reconnect timer armed then).
async fn next_message(socket: &mut Option<Socket>) -> Option<Inbound> {
    let Some(ws) = socket.as_mut() else {
        return std::future::pending().await;
    };
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return Some(Inbound::Text(text.to_string())),
            Some(Ok(Message::Binary(bytes))) => return Some(Inbound::Binary(bytes.to_vec())),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

async fn wake_at(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// When a change is next reported: the first at once, then at most one
/// per [`CHAT_REPORT_EVERY`], so a burst of messages costs one write a
/// second, not one each.
#[derive(Debug, Default)]
struct Debounce {
    /// A change not reported yet is to be reported then.
    due: Option<Instant>,
    /// When the last report went out.
    last: Option<Instant>,
}

impl Debounce {
    /// Something changed at `now`.
    fn changed(&mut self, now: Instant) {
        if self.due.is_none() {
            self.due = Some(self.last.map_or(now, |last| (last + CHAT_REPORT_EVERY).max(now)));
        }
    }

    /// When the change waiting is to be reported, if one is.
    fn due(&self) -> Option<Instant> {
        self.due
    }

    /// It was reported at `now`.
    fn done(&mut self, now: Instant) {
        self.due = None;
        self.last = Some(now);
    }
}

async fn sleep_until(next: Option<(Timer, Instant)>) -> Timer {
    match next {
        Some((timer, at)) => {
            tokio::time::sleep_until(at).await;
            timer
        }
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports made while `changes` happen `gap` apart, each reported
    /// when due (as the page's loop does).
    fn reports(changes: usize, gap: Duration) -> usize {
        let t0 = Instant::now();
        let mut debounce = Debounce::default();
        let mut made = 0;
        for i in 0..changes {
            let now = t0 + gap * i as u32;
            debounce.changed(now);
            if debounce.due().is_some_and(|due| due <= now) {
                debounce.done(now);
                made += 1;
            }
        }
        // The last change is reported too, when due.
        if debounce.due().is_some() {
            made += 1;
        }
        made
    }

    #[test]
    fn a_burst_of_chat_is_written_once_a_second_and_its_end_is_written_too() {
        // 300 messages in 0.3 s: the first at once, the rest together.
        assert_eq!(reports(300, Duration::from_millis(1)), 2);
        // 300 in 3 s: about one a second.
        assert!(reports(300, Duration::from_millis(10)) <= 5);
        // Messages far apart are each written at once.
        assert_eq!(reports(5, Duration::from_secs(2)), 5);
        let t0 = Instant::now();
        let mut debounce = Debounce::default();
        debounce.changed(t0);
        assert_eq!(debounce.due(), Some(t0));
        debounce.done(t0);
        debounce.changed(t0 + Duration::from_millis(100));
        assert_eq!(debounce.due(), Some(t0 + CHAT_REPORT_EVERY), "the next waits a second after the last");
        debounce.changed(t0 + Duration::from_millis(200));
        assert_eq!(debounce.due(), Some(t0 + CHAT_REPORT_EVERY), "later changes join it");
    }
}
