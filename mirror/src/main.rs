//! `ep2p-mirror`: an always-on peer for Ephemeral P2P. On a machine that
//! stays online (a Raspberry Pi), it hosts files and keeps pages alive
//! while their authors' laptops are closed. To visitors it is just another
//! host. Each page runs the same state machine as a browser tab, so it
//! fetches, verifies, hosts and reconnects (with back-off, forever) the
//! same way; nothing here retries by hand.

mod files;
mod get;
mod peer;
mod store;

use clap::{Parser, Subcommand};
use ep2p_core::chat;
use ep2p_core::chunk::ChunkId;
use ep2p_core::download::Progress;
use ep2p_core::fragment::Fragment;
use ep2p_core::machine::{FileRole, Phase, Snapshot};
use ep2p_core::manifest::DEFAULT_FILE_LIMIT;
use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_core::sealed::{self, Key, SealedError};
use files::{ChunkDir, FilePage, Source};
use peer::Report;
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use store::Store;
use tokio::sync::{mpsc, watch};
use url::Url;

/// Why the mirror stopped or refused a command.
#[derive(Debug, thiserror::Error)]
enum MirrorError {
    #[error("{0:?} is not a server URL like https://example.org or ws://127.0.0.1:3000/ws")]
    BadServer(String),
    #[error("{0:?} is neither a page hash (64 lowercase hex digits) nor a link to one")]
    BadPage(String),
    #[error("{path}: {source}")]
    File { path: PathBuf, source: io::Error },
    #[error("{0}: empty; an empty page cannot be shared")]
    EmptyFile(PathBuf),
    #[error("{hash} is not in {dir}")]
    NotKept { hash: PageHash, dir: PathBuf },
    #[error("nothing to host: {0} is empty (add pages with `host FILE` or `keep HASH`)")]
    NothingToHost(PathBuf),
    #[error("cannot listen for SIGTERM: {0}")]
    Signal(io::Error),
    #[error("{0:?}: the part after # is not a page key (43 base64url characters)")]
    BadKey(String),
    #[error("{0}: {1}")]
    Unreadable(PageHash, SealedError),
    #[error(
        "{0} is encrypted and the link has no key (the part after #); the page cannot be read without it"
    )]
    NoKey(PageHash),
    #[error("{0} asks for a password as well as its link's key: give it with --password (or --password - to type it)")]
    NeedsPassword(PageHash),
    #[error("cannot read the password from stdin: {0}")]
    Stdin(io::Error),
    #[error("{0} has ended: its author gave it a lifetime, and it is over")]
    Ended(PageHash),
    #[error("nobody is hosting {0} right now")]
    NobodyHosting(PageHash),
    #[error("{0}: no host sent the page within {1:?}")]
    GaveUp(PageHash, std::time::Duration),
    #[error("cannot write to stdout: {0}")]
    Stdout(io::Error),
    #[error("{0} is a file page: give -o DIR to save its files there")]
    NeedsOutput(PageHash),
    #[error("{0} exists already: move it away or choose another -o DIR")]
    Exists(PathBuf),
    #[error("{0}: the files do not match the page any more (changed since it was shared)")]
    Changed(PageHash),
    #[error("{0}: interrupted; the chunks so far are kept: run the same command again to resume")]
    Interrupted(PageHash),
    #[error("{0}: no host sent a chunk within {1:?}; the chunks so far are kept: run it again to resume")]
    Stalled(PageHash, std::time::Duration),
}

impl MirrorError {
    /// An I/O error on something in (or the whole of) the mirror's folder.
    fn folder(store: &Store) -> impl Fn(io::Error) -> Self + Copy + '_ {
        |source| MirrorError::File { path: store.dir().to_path_buf(), source }
    }
}

#[derive(Parser)]
#[command(
    name = "ep2p-mirror",
    version,
    about = "An always-on peer for Ephemeral P2P: hosts files and keeps pages alive",
    after_help = "Every command that hosts (host, keep, run) also re-hosts everything already in the folder, \
                  and runs until Ctrl-C or SIGTERM."
)]
struct Cli {
    /// The Ephemeral P2P server: an http, https, ws or wss URL [default:
    /// http://127.0.0.1:3000, or for `get` the link's own site].
    #[arg(long, env = "EP2P_SERVER")]
    server: Option<String>,
    /// The folder of kept pages [default: <data dir>/ephemeral-p2p/pages].
    #[arg(long, env = "EP2P_MIRROR_DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Host each text file as a page, and the other files together as one
    /// file page (read where they are, never copied); print the links.
    Host {
        /// Encrypt each file with a fresh key: the printed link (its part
        /// after #) is the only way to read it; the key is kept nowhere.
        #[arg(long)]
        encrypt: bool,
        /// Share every file as a file (text files too), all in one page.
        #[arg(long)]
        file: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Fetch each page from its hosts, verify it, keep it in the folder and host it.
    /// An encrypted page is kept and hosted encrypted: the link's key is not needed, nor kept.
    Keep {
        /// Page hashes or links (https://example.org/<hash>).
        #[arg(required = true)]
        pages: Vec<String>,
    },
    /// Fetch a page once, verify it and print its text to stdout (decrypted
    /// with the link's key when it has one), then leave without hosting it.
    /// A file page's files are saved in the -o folder, every chunk checked,
    /// with a progress bar; run it again to resume where it stopped.
    Get {
        /// A link (https://example.org/<hash>#<key>) or a page hash.
        page: String,
        /// Where to save a file page's files (a text page's text goes there as <hash>.txt).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// How long to wait for a host to send the page.
        #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
        wait: std::time::Duration,
        /// The page's password, for an encrypted page that asks for one;
        /// `-` reads it from the first line of stdin (other users of this
        /// machine can see command lines).
        #[arg(long)]
        password: Option<String>,
    },
    /// Host everything in the folder.
    Run,
    /// List the kept pages and those still waiting for a host.
    List,
    /// Forget a page (it is no longer hosted by this mirror after a restart).
    Drop {
        /// A page hash or link.
        page: String,
    },
}

/// Where the relay's WebSocket and the site's pages are.
struct Endpoints {
    /// `ws(s)://host/ws/websocket?vsn=2.0.0`
    relay: String,
    /// `http(s)://host`
    site: String,
}

impl Endpoints {
    /// From an http, https, ws or wss URL of the site or of its relay.
    fn parse(server: &str) -> Result<Self, MirrorError> {
        let bad = || MirrorError::BadServer(server.to_string());
        // WHATWG would read `http:///ws` as the host `ws`: refuse to guess.
        if server.split_once("://").is_none_or(|(_, rest)| rest.starts_with('/')) {
            return Err(bad());
        }
        let url = Url::parse(server).map_err(|_| bad())?;
        let (ws, http) = match url.scheme() {
            "http" | "ws" => ("ws", "http"),
            "https" | "wss" => ("wss", "https"),
            _ => return Err(bad()),
        };
        let host = url.host_str().filter(|host| !host.is_empty()).ok_or_else(bad)?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        // The relay's mount: what the JS client would be given (`/ws`), or
        // the path of a full socket URL without its transport.
        let path = url.path().trim_end_matches('/');
        let mount = match path.strip_suffix("/websocket") {
            Some(mount) => mount,
            None if path.is_empty() => ep2p_core::protocol::SOCKET_MOUNT,
            None => path,
        };
        Ok(Self {
            relay: format!("{ws}://{authority}{}", Vsn::V2.socket_path_under(mount)),
            site: format!("{http}://{authority}"),
        })
    }

    fn link(&self, hash: PageHash) -> String {
        format!("{}/{hash}", self.site)
    }
}

/// Where the relay is when nothing says: this machine's default port.
const DEFAULT_SERVER: &str = "http://127.0.0.1:3000";

/// A link's key, if it has one after `#`.
fn key_arg(text: &str) -> Result<Option<Key>, MirrorError> {
    let fragment = text.split_once('#').map_or("", |(_, fragment)| fragment);
    Fragment::parse(fragment).map(|f| f.key).map_err(|_| MirrorError::BadKey(text.to_string()))
}

/// The site a link points at (`https://example.org/<hash>` → `https://example.org`).
fn site_of(link: &str) -> Option<String> {
    let url = Url::parse(link).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// A hash, or a link whose last path segment is one.
fn page_arg(text: &str) -> Result<PageHash, MirrorError> {
    let bad = || MirrorError::BadPage(text.to_string());
    if let Ok(hash) = PageHash::parse(text) {
        return Ok(hash);
    }
    let url = Url::parse(text).map_err(|_| bad())?;
    let last = url.path_segments().and_then(|segments| segments.rev().find(|s| !s.is_empty()));
    last.and_then(|segment| PageHash::parse(segment).ok()).ok_or_else(bad)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ep2p-mirror: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), MirrorError> {
    if let Cmd::Get { page, wait, output, password } = &cli.command {
        let server = cli.server.clone().or_else(|| site_of(page));
        let endpoints = Endpoints::parse(server.as_deref().unwrap_or(DEFAULT_SERVER))?;
        let password = password.as_deref().map(get::password_arg).transpose()?;
        return get::get(&endpoints, page, *wait, output.as_deref(), password.as_deref()).await;
    }
    let endpoints = Endpoints::parse(cli.server.as_deref().unwrap_or(DEFAULT_SERVER))?;
    let dir = cli.dir.unwrap_or_else(Store::default_dir);
    let store = Store::open(&dir).map_err(|source| MirrorError::File { path: dir.clone(), source })?;
    let io = MirrorError::folder(&store);
    match cli.command {
        Cmd::Host { files, encrypt, file: as_files } => {
            let (texts, binaries) = split_texts(files, as_files)?;
            if !binaries.is_empty() {
                let paths = binaries
                    .iter()
                    .map(|path| {
                        std::fs::canonicalize(path)
                            .map_err(|source| MirrorError::File { path: path.clone(), source })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let file_error = |source| MirrorError::File { path: paths[0].clone(), source };
                if encrypt {
                    // Sealed once into the folder: the key is printed, and kept nowhere.
                    let key = Key::generate();
                    let staging = store.dir().join(".sealing");
                    let _ = std::fs::remove_dir_all(&staging);
                    let chunks = ChunkDir::open(&staging).map_err(io)?;
                    let page =
                        files::seal_files(&paths, &key, &chunks, DEFAULT_FILE_LIMIT).map_err(file_error)?;
                    let kept = store.chunks_dir(page.hash);
                    let _ = std::fs::remove_dir_all(&kept);
                    std::fs::rename(&staging, &kept).map_err(io)?;
                    store.save(&page.wire).map_err(io)?;
                    println!("link {} {}#{key}", page.hash, endpoints.link(page.hash));
                } else {
                    let (page, _) = files::manifest_of(&paths, DEFAULT_FILE_LIMIT).map_err(file_error)?;
                    store.save(&page.wire).map_err(io)?;
                    store.save_sources(page.hash, &paths).map_err(io)?;
                    println!("link {} {}", page.hash, endpoints.link(page.hash));
                }
            }
            for (file, text) in texts {
                if text.trim().is_empty() {
                    return Err(MirrorError::EmptyFile(file));
                }
                if encrypt {
                    let key = Key::generate();
                    let hash = store.save(&sealed::seal(&key, &text)).map_err(io)?;
                    println!("link {hash} {}#{key}", endpoints.link(hash));
                } else {
                    let hash = store.save(&text).map_err(io)?;
                    println!("link {hash} {}", endpoints.link(hash));
                }
            }
        }
        Cmd::Keep { pages } => {
            for page in pages {
                let hash = page_arg(&page)?;
                store.want(hash).map_err(io)?;
                println!("keep {hash} {}", endpoints.link(hash));
            }
        }
        Cmd::Run => {}
        Cmd::Get { .. } => unreachable!("get runs without the folder"),
        Cmd::List => {
            let store::Listing { pages, skipped } = store.pages().map_err(io)?;
            for (hash, text) in &pages {
                match FilePage::of(text, DEFAULT_FILE_LIMIT) {
                    Some(page) => {
                        let index = page.index();
                        let size: u64 = (0..index.files() as u32).filter_map(|f| index.file_size(f)).sum();
                        let names = match page.files(None) {
                            Ok(files) => {
                                files.iter().map(|f| for_terminal(&f.name)).collect::<Vec<_>>().join(", ")
                            }
                            Err(_) => format!("({} encrypted files)", index.files()),
                        };
                        println!("files   {hash} {size:>9} bytes  {names}");
                    }
                    None => println!("kept    {hash} {:>9} bytes  {}", text.len(), preview(text)),
                }
            }
            for hash in store.wanted().map_err(io)? {
                println!("wanted  {hash}");
            }
            for s in skipped {
                println!("ignored {}: {}", s.path.display(), s.reason);
            }
            return Ok(());
        }
        Cmd::Drop { page } => {
            let hash = page_arg(&page)?;
            return match store.drop_page(hash).map_err(io)? {
                true => {
                    println!("dropped {hash}");
                    Ok(())
                }
                false => Err(MirrorError::NotKept { hash, dir: store.dir().to_path_buf() }),
            };
        }
    }
    serve(&store, &endpoints).await
}

/// Hosts every kept page and fetches every wanted one, until Ctrl-C or SIGTERM.
async fn serve(store: &Store, endpoints: &Endpoints) -> Result<(), MirrorError> {
    let io = MirrorError::folder(store);
    let store::Listing { pages, skipped } = store.pages().map_err(io)?;
    for s in skipped {
        eprintln!("ignoring {}: {}", s.path.display(), s.reason);
    }
    let wanted = store.wanted().map_err(io)?;
    if pages.is_empty() && wanted.is_empty() {
        return Err(MirrorError::NothingToHost(store.dir().to_path_buf()));
    }
    println!(
        "mirror: relay {}, folder {}, {} kept, {} to fetch",
        endpoints.relay,
        store.dir().display(),
        pages.len(),
        wanted.len()
    );

    let (stop, stopped) = watch::channel(false);
    let (reports, mut incoming) = mpsc::unbounded_channel();
    let mut tasks = tokio::task::JoinSet::new();
    let kept = pages.into_iter().map(|(hash, text)| (hash, Some(text)));
    for (hash, content) in kept.chain(wanted.into_iter().map(|hash| (hash, None))) {
        println!("{hash} {}", endpoints.link(hash));
        let chat = store.chat(hash);
        // A file page's chunks (a page fetched may turn out to be one) are
        // fetched and hosted by the page's machine, kept where `kept_files` says.
        let files = Some(kept_files(store.clone(), reports.clone()));
        let relay = endpoints.relay.clone();
        tasks.spawn(peer::run(relay, hash, content, chat, files, reports.clone(), stopped.clone()));
    }

    let mut last_phase: HashMap<PageHash, (Phase, Option<usize>, u32)> = HashMap::new();
    let mut last_tenth: HashMap<PageHash, u64> = HashMap::new();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(MirrorError::Signal)?;
    // One listener for the whole run: one made anew each turn would miss a
    // Ctrl-C that came while the loop was busy.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            _ = &mut interrupted => break,
            _ = terminate.recv() => break,
            report = incoming.recv() => match report {
                None => break,
                Some(Report::Fetched(hash, text)) => match store.save(&text) {
                    Ok(_) => println!("saved {hash} {} bytes", text.len()),
                    Err(e) => eprintln!("cannot save {hash}: {e}"),
                },
                Some(Report::Chat(hash, messages)) => {
                    if let Err(e) = store.save_chat(hash, &messages) {
                        eprintln!("cannot keep the chat of {hash}: {e}");
                    }
                }
                Some(Report::Status(hash, snapshot)) => {
                    let key = (snapshot.phase, snapshot.hosts, snapshot.rejected);
                    if last_phase.insert(hash, key) != Some(key) {
                        println!("{}", status_line(hash, &snapshot));
                        // Its end came: the folder lets it go too (kept or still wanted).
                        if matches!(snapshot.phase, Phase::Ended | Phase::Delivered) {
                            match store.drop_page(hash) {
                                Ok(_) => println!("dropped {hash}: it is over"),
                                Err(e) => eprintln!("cannot drop {hash}: {e}"),
                            }
                        }
                    }
                }
                Some(Report::Files(hash, None)) => eprintln!("{hash}: not hosted (see above)"),
                Some(Report::Files(hash, Some(progress))) => {
                    let tenth = progress.per_mille() / 100;
                    if last_tenth.insert(hash, tenth) != Some(tenth) {
                        println!("{}", files_line(hash, &progress));
                    }
                }
            },
        }
    }
    drop(reports);
    println!("stopping: leaving every page");
    let _ = stop.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    // Each page reported its chat's last changes as it stopped.
    while let Ok(report) = incoming.try_recv() {
        if let Report::Chat(hash, messages) = report {
            if let Err(e) = store.save_chat(hash, &messages) {
                eprintln!("cannot keep the chat of {hash}: {e}");
            }
        }
    }
    println!("stopped");
    Ok(())
}

/// Where a file page's chunks are, for a page this mirror keeps: files
/// it shares itself are read where they are (`<hash>.sources`), any other
/// page's chunks are kept in `<hash>.chunks/`.
fn kept_files(store: Store, reports: mpsc::UnboundedSender<Report>) -> peer::Files {
    let open = move |page: &FilePage| -> io::Result<(Source, Vec<ChunkId>)> {
        prepare_files(&store, page).map_err(|error| {
            eprintln!("{error}");
            let _ = reports.send(Report::Files(page.hash, None));
            io::Error::other(error.to_string())
        })
    };
    peer::Files { role: FileRole::Host, open: Box::new(open) }
}

/// Where a file page's chunks come from, and which are held already.
fn prepare_files(store: &Store, page: &FilePage) -> Result<(Source, Vec<ChunkId>), MirrorError> {
    let index = page.index();
    match store.sources(page.hash) {
        Some(paths) => {
            let file_error = |source| MirrorError::File { path: paths[0].clone(), source };
            let (again, trees) = files::manifest_of(&paths, DEFAULT_FILE_LIMIT).map_err(file_error)?;
            if again.hash != page.hash {
                return Err(MirrorError::Changed(page.hash));
            }
            let all = (0..index.files() as u32)
                .flat_map(|file| {
                    (0..index.chunks(file).unwrap_or(0)).map(move |i| ChunkId::new(file, i as u32))
                })
                .collect();
            Ok((Source::Originals { paths, trees }, all))
        }
        None => {
            let path = store.chunks_dir(page.hash);
            let folder = |source| MirrorError::File { path: path.clone(), source };
            let dir = ChunkDir::open(&path).map_err(folder)?;
            let held = dir.resume(&index).map_err(folder)?;
            Ok((Source::Stored(dir), held))
        }
    }
}

/// A file page's state for people: how much is held, of how much.
fn files_line(hash: PageHash, p: &Progress) -> String {
    if p.held_chunks == p.total_chunks {
        return format!("{hash} hosting files: {} bytes, complete", p.total_bytes);
    }
    format!("{hash} fetching files: {}% ({} of {} bytes)", p.per_mille() / 10, p.held_bytes, p.total_bytes)
}

/// Files given to `host`: text pages (each its path and text), and the
/// files that make one file page together.
type Shared = (Vec<(PathBuf, String)>, Vec<PathBuf>);

/// Each file's text, if it is a text page (UTF-8 within a page's size, and
/// not `as_files`), else its path: those become one file page together.
fn split_texts(paths: Vec<PathBuf>, as_files: bool) -> Result<Shared, MirrorError> {
    const TEXT_MOST: u64 = 1024 * 1024;
    let mut texts = Vec::new();
    let mut binaries = Vec::new();
    for path in paths {
        let error = |source| MirrorError::File { path: path.clone(), source };
        let size = std::fs::metadata(&path).map_err(error)?.len();
        if as_files || size > TEXT_MOST {
            binaries.push(path);
            continue;
        }
        let bytes = std::fs::read(&path).map_err(error)?;
        match String::from_utf8(bytes) {
            Ok(text) => texts.push((path, text)),
            Err(_) => binaries.push(path),
        }
    }
    Ok((texts, binaries))
}

/// What `list` shows of a page: its first line that is not blank, at most
/// 60 characters, safe to print to a terminal.
fn preview(text: &str) -> String {
    if sealed::is_sealed(text) {
        return "(encrypted)".into();
    }
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    for_terminal(&first_line.chars().take(60).collect::<String>())
}

/// `text` with every character a terminal would act on or hide written as
/// `\u{…}`: controls (C0, DEL, C1: escape sequences, carriage returns,
/// line breaks), line and paragraph separators, direction controls and
/// invisible characters. A page's text is anyone's: it must not move the
/// cursor, retitle the window or reorder the line it is printed on.
fn for_terminal(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}')
            || chat::is_direction_control(c)
            || chat::is_invisible(c);
        if hidden || c == '\\' {
            let _ = write!(out, "{}", c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// One line per change: the hash, a one-word state, then words for people.
fn status_line(hash: PageHash, s: &Snapshot) -> String {
    let hosts = match s.hosts {
        Some(1) => "1 host".to_string(),
        Some(n) => format!("{n} hosts"),
        None => "hosts unknown".to_string(),
    };
    let rejected = match s.rejected {
        0 => String::new(),
        n => format!("; discarded {n} copies with the wrong hash"),
    };
    let state = match s.phase {
        Phase::Connecting => "connecting".to_string(),
        Phase::Waiting => format!("waiting ({hosts}): asking them for the page{rejected}"),
        Phase::NobodyHosting => {
            format!("nobody-hosting: waiting for someone who has it to come back{rejected}")
        }
        Phase::Hosting => format!("hosting ({hosts})"),
        Phase::Reconnecting => "reconnecting: the relay is unreachable".to_string(),
        Phase::Ended => "ended: its lifetime is over; not hosted any more".to_string(),
        Phase::Read => "read: a one-time page, read here and hosted by its author only".to_string(),
        Phase::Delivered => {
            "delivered: a one-time page, read by its one reader; not hosted any more".to_string()
        }
    };
    format!("{hash} {state}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_of_every_kind_name_the_relay_and_the_site() {
        for (given, relay, site) in [
            ("http://127.0.0.1:3000", "ws://127.0.0.1:3000/ws/websocket?vsn=2.0.0", "http://127.0.0.1:3000"),
            ("https://p2p.example/", "wss://p2p.example/ws/websocket?vsn=2.0.0", "https://p2p.example"),
            ("ws://h:1/ws", "ws://h:1/ws/websocket?vsn=2.0.0", "http://h:1"),
            ("wss://h/ws/websocket?vsn=2.0.0", "wss://h/ws/websocket?vsn=2.0.0", "https://h"),
            ("HTTPS://h/relay/", "wss://h/relay/websocket?vsn=2.0.0", "https://h"),
        ] {
            let e = Endpoints::parse(given).unwrap();
            assert_eq!((e.relay.as_str(), e.site.as_str()), (relay, site), "{given}");
        }
        for bad in ["127.0.0.1:3000", "ftp://h", "http://", "http:///ws"] {
            assert!(Endpoints::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_are_named_by_hash_or_by_link() {
        let hash = PageHash::of("x");
        assert_eq!(page_arg(&hash.to_string()).unwrap(), hash);
        assert_eq!(page_arg(&format!("https://p2p.example/{hash}")).unwrap(), hash);
        assert_eq!(page_arg(&format!("http://h:3000/{hash}/?utm=1#top")).unwrap(), hash);
        assert!(page_arg("https://p2p.example/").is_err());
        assert!(page_arg(&hash.to_string().to_uppercase()).is_err());
    }

    #[test]
    fn a_page_s_text_is_listed_without_anything_a_terminal_would_act_on() {
        assert_eq!(preview("\n  \n# Hello, wörld 😀\nmore"), "# Hello, wörld 😀");
        assert_eq!(preview(&"é".repeat(100)), "é".repeat(60));
        // A title that clears the screen, retitles the window, rings the
        // bell and hides a file name behind a right-to-left override.
        let hostile = "\u{1b}[2J\u{1b}]0;owned\u{7}\r\u{9b}31m see \u{202E}gpj.exe\u{200B}!\\";
        let shown = preview(hostile);
        assert_eq!(
            shown,
            "\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{d}\\u{9b}31m see \\u{202e}gpj.exe\\u{200b}!\\u{5c}"
        );
        assert!(!shown.chars().any(|c| c.is_control() || chat::is_invisible(c)), "{shown}");
        assert_eq!(for_terminal("tab\there\u{2028}"), "tab\\u{9}here\\u{2028}");
    }

    #[test]
    fn a_links_key_is_its_fragment_and_its_site_is_its_origin() {
        let key = Key::generate();
        let hash = PageHash::of("x");
        let link = format!("https://p2p.example:8443/{hash}#{key}");
        assert_eq!(key_arg(&link).unwrap(), Some(key));
        assert_eq!(page_arg(&link).unwrap(), hash);
        assert_eq!(key_arg(&format!("https://p2p.example/{hash}")).unwrap(), None);
        assert_eq!(key_arg(&hash.to_string()).unwrap(), None);
        assert!(matches!(key_arg(&format!("https://p2p.example/{hash}#top")), Err(MirrorError::BadKey(_))));
        assert_eq!(site_of(&link).as_deref(), Some("https://p2p.example:8443"));
        assert_eq!(site_of(&hash.to_string()), None);
    }
}
