//! `ep2p-mirror get`: one page fetched like a visitor (never joining its
//! hosts), its text printed or saved, decrypted with the link's key and the
//! password if it has them, or a file page's files saved with every chunk
//! checked, resuming where an earlier run stopped.

use crate::files::{ChunkDir, FilePage, Source};
use crate::{key_arg, page_arg, peer, Endpoints, MirrorError};
use ep2p_core::download::Progress;
use ep2p_core::machine::FileRole;
use ep2p_core::manifest::DEFAULT_FILE_LIMIT;
use ep2p_core::sealed::{self, Key, SealedError};
use std::io;
use std::path::PathBuf;
use tokio::sync::watch;

/// `--password`: as given, or `-` for the first line of stdin (without
/// its line ending).
pub(crate) fn password_arg(given: &str) -> Result<String, MirrorError> {
    if given != "-" {
        return Ok(given.to_string());
    }
    let mut line = String::new();
    io::stdin().read_line(&mut line).map_err(MirrorError::Stdin)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// `get`: fetches one page like a visitor, never joins its hosts, prints
/// the (decrypted) text, or saves a file page's files in `output`.
pub(crate) async fn get(
    endpoints: &Endpoints,
    page: &str,
    wait: std::time::Duration,
    output: Option<&std::path::Path>,
    password: Option<&str>,
) -> Result<(), MirrorError> {
    use std::io::Write;
    let hash = page_arg(page)?;
    let key = key_arg(page)?;
    let wire = match tokio::time::timeout(wait, peer::fetch(endpoints.relay.clone(), hash)).await {
        Ok(peer::Fetched::Page(wire)) => wire,
        Ok(peer::Fetched::Nobody) => return Err(MirrorError::NobodyHosting(hash)),
        Ok(peer::Fetched::Ended) => return Err(MirrorError::Ended(hash)),
        Err(_) => return Err(MirrorError::GaveUp(hash, wait)),
    };
    // A page with an end is read without it (its end is still ahead: the machine checked).
    let wire = ep2p_core::lifetime::inner(&wire).to_string();
    if let Some(files) = FilePage::of(&wire, DEFAULT_FILE_LIMIT) {
        let dir = output.ok_or(MirrorError::NeedsOutput(hash))?;
        if files.is_sealed() && key.is_none() {
            return Err(MirrorError::NoKey(hash));
        }
        return get_files(endpoints, files, dir, wait, key.as_ref()).await;
    }
    let text = match (sealed::is_sealed(&wire), key) {
        (false, _) => wire,
        (true, None) => return Err(MirrorError::NoKey(hash)),
        (true, Some(key)) => sealed::open_with_password(&key, password, &wire).map_err(|e| match e {
            SealedError::NeedsPassword => MirrorError::NeedsPassword(hash),
            e => MirrorError::Unreadable(hash, e),
        })?,
    };
    if let Some(dir) = output {
        let path = dir.join(format!("{hash}.txt"));
        return std::fs::write(&path, text).map_err(|source| MirrorError::File { path, source });
    }
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(MirrorError::Stdout)
}

/// Saves a file page's files in `dir`, every chunk checked, with a
/// progress bar. Chunks are kept in `dir/.ep2p-<hash>/` until every file is
/// written, so a run that stopped resumes where it was.
async fn get_files(
    endpoints: &Endpoints,
    page: FilePage,
    dir: &std::path::Path,
    wait: std::time::Duration,
    key: Option<&Key>,
) -> Result<(), MirrorError> {
    let hash = page.hash;
    // An encrypted page's names need the key: a wrong one fails here, before any chunk.
    let named = page.files(key).map_err(|e| MirrorError::Unreadable(hash, e))?;
    let targets: Vec<PathBuf> = named.iter().map(|f| dir.join(&f.name)).collect();
    if let Some(taken) = targets.iter().find(|path| path.exists()) {
        return Err(MirrorError::Exists(taken.clone()));
    }
    let part_path = dir.join(format!(".ep2p-{hash}"));
    let folder = |source| MirrorError::File { path: part_path.clone(), source };
    let part = ChunkDir::open(&part_path).map_err(folder)?;
    let index = page.index();
    let held = part.resume(&index).map_err(folder)?;
    let total_chunks: u64 = (0..index.files() as u32).filter_map(|f| index.chunks(f)).sum();
    let total_bytes: u64 = (0..index.files() as u32).filter_map(|f| index.file_size(f)).sum();
    if !held.is_empty() {
        eprintln!("resuming: {} of {total_chunks} chunks kept from before", held.len());
    }
    let bar = indicatif::ProgressBar::new(total_bytes);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {percent}% {bytes_per_sec} {eta} left",
        )
        .expect("a valid template"),
    );
    // When a chunk last arrived, in ms after `began` (shared with the run's callback).
    let began = tokio::time::Instant::now();
    let last_change = std::sync::atomic::AtomicU64::new(0);
    let mut on_progress = |p: Progress| {
        bar.set_position(p.held_bytes);
        last_change.store(began.elapsed().as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    };
    let (_stop, stopped) = watch::channel(false);
    let mut opened = Some((Source::Stored(part), held));
    let open = move |_: &FilePage| opened.take().ok_or_else(|| io::Error::other("opened once"));
    let files = peer::Files { role: FileRole::Download, open: Box::new(open) };
    let stalled = async {
        loop {
            let last =
                std::time::Duration::from_millis(last_change.load(std::sync::atomic::Ordering::Relaxed));
            let due = began + last + wait;
            if tokio::time::Instant::now() >= due {
                return;
            }
            tokio::time::sleep_until(due).await;
        }
    };
    let outcome = tokio::select! {
        _ = peer::download(endpoints.relay.clone(), &page, files, &mut on_progress, stopped) => Ok(()),
        _ = tokio::signal::ctrl_c() => Err(MirrorError::Interrupted(hash)),
        _ = stalled => Err(MirrorError::Stalled(hash, wait)),
    };
    bar.finish_and_clear();
    outcome?;
    let part = ChunkDir::open(&part_path).map_err(folder)?;
    let index = page.index();
    for (file, target) in targets.iter().enumerate() {
        let key = key.filter(|_| page.is_sealed());
        part.assemble(&index, file as u32, target, key)
            .map_err(|source| MirrorError::File { path: target.clone(), source })?;
        println!("saved {} ({} bytes)", target.display(), named[file].size);
    }
    std::fs::remove_dir_all(&part_path).map_err(folder)?;
    Ok(())
}
