//! Downloading a file page, without I/O: which chunks to ask for next
//! (a window of them in flight, lowest first, so a file fills from its
//! start and previews early), what a received chunk is worth (checked by
//! its proof before anything is stored), when to ask again for a chunk
//! nobody could send, what to announce as held (batched ranges, so a
//! downloader hosts what it has), and the progress to show. The browser,
//! the mirror and the benchmark drive one each; they store chunks and
//! send frames, this decides.
//!
//! Times are milliseconds on the caller's clock.

use crate::chunk::{ChunkId, ChunkIndex, ChunkPayload, Holding, MAX_RANGES};

/// How long after "unavailable" a chunk is asked for again, at first…
const RETRY_FIRST_MS: u64 = 1_000;
/// …doubling up to this.
const RETRY_MOST_MS: u64 = 16_000;
/// A chunk asked for and neither sent nor refused after this long is asked
/// again (the relay answers every request; this covers a lost connection).
const STALLED_MS: u64 = 60_000;

/// What a received chunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Needed, and right by its proof: store it (then it counts as held).
    Store(ChunkId),
    /// Right, but held already or not part of the page: drop it.
    Unneeded,
    /// Its proof fails: drop it (the relay should never pass one on).
    Invalid,
}

/// Bytes downloaded and in all, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub held_bytes: u64,
    pub total_bytes: u64,
    pub held_chunks: u64,
    pub total_chunks: u64,
    pub in_flight: usize,
}

impl Progress {
    /// Per mille done (an empty page is done).
    pub fn per_mille(&self) -> u64 {
        match self.total_bytes {
            0 => 1000,
            total => self.held_bytes * 1000 / total,
        }
    }
}

/// One file page's download state.
#[derive(Debug, Clone)]
pub struct Download {
    index: ChunkIndex,
    /// Where each file's chunks start in the page's numbering.
    starts: Vec<u64>,
    held: Vec<u64>,
    held_chunks: u64,
    held_bytes: u64,
    /// Asked for, and when.
    in_flight: std::collections::BTreeMap<u64, u64>,
    /// Refused as unavailable: not asked again before the time, and how
    /// many times in a row.
    retry: std::collections::BTreeMap<u64, (u64, u32)>,
    /// Held and not announced yet.
    unannounced: Vec<u64>,
    window: usize,
    paused: bool,
    /// The lowest chunk that may still be missing (everything below is held).
    low: u64,
}

impl Download {
    /// A download of `index`'s chunks with at most `window` asked at once.
    pub fn new(index: ChunkIndex, window: usize) -> Self {
        let mut starts = Vec::with_capacity(index.files());
        let mut total = 0;
        for file in 0..index.files() as u32 {
            starts.push(total);
            total += index.chunks(file).expect("a file of the index");
        }
        Self {
            starts,
            held: vec![0; total.div_ceil(64) as usize],
            held_chunks: 0,
            held_bytes: 0,
            in_flight: Default::default(),
            retry: Default::default(),
            unannounced: Vec::new(),
            window: window.max(1),
            paused: false,
            low: 0,
            index,
        }
    }

    pub fn index(&self) -> &ChunkIndex {
        &self.index
    }

    fn total(&self) -> u64 {
        self.starts
            .last()
            .map_or(0, |&start| start + self.index.chunks(self.starts.len() as u32 - 1).unwrap_or(0))
    }

    fn ordinal(&self, id: ChunkId) -> Option<u64> {
        self.index.chunk_len(id)?;
        Some(self.starts[id.file as usize] + u64::from(id.index))
    }

    fn id(&self, ordinal: u64) -> ChunkId {
        let file = self.starts.partition_point(|&start| start <= ordinal) - 1;
        // Empty files share their start with the next: the last file starting here holds it.
        ChunkId::new(file as u32, (ordinal - self.starts[file]) as u32)
    }

    fn is_held(&self, ordinal: u64) -> bool {
        self.held[(ordinal / 64) as usize] & (1 << (ordinal % 64)) != 0
    }

    /// True if chunk `id` is held.
    pub fn holds(&self, id: ChunkId) -> bool {
        self.ordinal(id).is_some_and(|n| self.is_held(n))
    }

    /// Chunk `id` is held (stored from an earlier run, or just stored).
    /// Returns false if it was held already or is not part of the page.
    pub fn mark_held(&mut self, id: ChunkId) -> bool {
        let Some(n) = self.ordinal(id) else { return false };
        if self.is_held(n) {
            return false;
        }
        self.held[(n / 64) as usize] |= 1 << (n % 64);
        self.held_chunks += 1;
        self.held_bytes += u64::from(self.index.chunk_len(id).expect("checked above"));
        self.in_flight.remove(&n);
        self.retry.remove(&n);
        self.unannounced.push(n);
        while self.low < self.total() && self.is_held(self.low) {
            self.low += 1;
        }
        true
    }

    /// A chunk arrived: checked by its proof, and worth storing or not.
    /// (It stays in flight until [`Download::mark_held`], once stored.)
    pub fn received(&self, payload: &ChunkPayload<'_>) -> Received {
        match self.ordinal(payload.id) {
            Some(n) if !self.is_held(n) => {
                if self.index.verify(payload) {
                    Received::Store(payload.id)
                } else {
                    Received::Invalid
                }
            }
            _ => Received::Unneeded,
        }
    }

    /// The relay says nobody could send chunk `id`: asked again later,
    /// later each time in a row.
    pub fn unavailable(&mut self, id: ChunkId, now: u64) {
        let Some(n) = self.ordinal(id) else { return };
        if self.in_flight.remove(&n).is_none() {
            return;
        }
        let tries = self.retry.get(&n).map_or(0, |&(_, tries)| tries);
        let wait = (RETRY_FIRST_MS << tries.min(10)).min(RETRY_MOST_MS);
        self.retry.insert(n, (now + wait, tries + 1));
    }

    /// A request the relay refused (its rate, or the socket went): the
    /// chunk is no longer in flight and may be asked again at once.
    pub fn not_sent(&mut self, id: ChunkId) {
        if let Some(n) = self.ordinal(id) {
            self.in_flight.remove(&n);
        }
    }

    /// Every chunk in flight is forgotten (the connection was lost).
    pub fn connection_lost(&mut self) {
        self.in_flight.clear();
    }

    /// The chunks to ask for now, lowest first, filling the window.
    pub fn next_requests(&mut self, now: u64) -> Vec<ChunkId> {
        let stalled: Vec<u64> =
            self.in_flight.iter().filter(|(_, &at)| at + STALLED_MS <= now).map(|(&n, _)| n).collect();
        for n in stalled {
            self.in_flight.remove(&n);
        }
        if self.paused {
            return Vec::new();
        }
        let mut asks = Vec::new();
        let mut n = self.low;
        let total = self.total();
        while self.in_flight.len() < self.window && n < total {
            let waiting = self.retry.get(&n).is_some_and(|&(at, _)| at > now);
            if !self.is_held(n) && !self.in_flight.contains_key(&n) && !waiting {
                self.in_flight.insert(n, now);
                asks.push(self.id(n));
            }
            n += 1;
        }
        asks
    }

    /// When a chunk refused as unavailable may be asked again, if any waits.
    pub fn next_retry(&self) -> Option<u64> {
        self.retry.values().map(|&(at, _)| at).min()
    }

    /// What to announce as newly held, one file's ranges at a time (call
    /// until `None`). Everything held: `{"all": true}`.
    pub fn take_announcement(&mut self) -> Option<Holding> {
        if self.unannounced.is_empty() {
            return None;
        }
        if self.is_done() {
            self.unannounced.clear();
            return Some(Holding::all());
        }
        self.unannounced.sort_unstable();
        let file = self.id(self.unannounced[0]).file;
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        let mut taken = 0;
        for &n in &self.unannounced {
            let id = self.id(n);
            if id.file != file {
                break;
            }
            let full = ranges.len() == MAX_RANGES;
            match ranges.last_mut() {
                Some((_, end)) if *end == id.index => *end += 1,
                _ if full => break,
                _ => ranges.push((id.index, id.index + 1)),
            }
            taken += 1;
        }
        self.unannounced.drain(..taken);
        Some(Holding::ranges(file, ranges))
    }

    /// Announces everything held again from the next
    /// [`Download::take_announcement`] on (a new connection knows nothing).
    pub fn reannounce(&mut self) {
        self.unannounced = (0..self.total()).filter(|&n| self.is_held(n)).collect();
    }

    /// At most `window` chunks in flight from now on (at least one): the
    /// relay allows fewer than asked.
    pub fn set_window(&mut self, window: usize) {
        self.window = window.max(1);
    }

    pub fn window(&self) -> usize {
        self.window
    }

    pub fn pause(&mut self) {
        self.paused = true;
    }

    pub fn resume(&mut self) {
        self.paused = false;
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// True once every chunk is held.
    pub fn is_done(&self) -> bool {
        self.held_chunks == self.total()
    }

    pub fn progress(&self) -> Progress {
        Progress {
            held_bytes: self.held_bytes,
            total_bytes: (0..self.index.files() as u32).map(|f| self.index.file_size(f).unwrap_or(0)).sum(),
            held_chunks: self.held_chunks,
            total_chunks: self.total(),
            in_flight: self.in_flight.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk;
    use crate::manifest::{self, FileEntry, Manifest, DEFAULT_FILE_LIMIT, MIN_CHUNK};

    const C: usize = MIN_CHUNK as usize;

    fn files(sizes: &[usize]) -> (Vec<Vec<u8>>, ChunkIndex) {
        let data: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(f, &len)| (0..len).map(|i| (i / C + f * 7) as u8).collect())
            .collect();
        let entries = data
            .iter()
            .enumerate()
            .map(|(f, bytes)| FileEntry {
                name: format!("f{f}"),
                media_type: "application/octet-stream".into(),
                size: bytes.len() as u64,
                root: manifest::to_hex(&manifest::tree_of(bytes, MIN_CHUNK).root()),
            })
            .collect();
        (data, ChunkIndex::of(&Manifest::new(MIN_CHUNK, entries, DEFAULT_FILE_LIMIT).unwrap()))
    }

    fn payload(data: &[Vec<u8>], id: ChunkId) -> Vec<u8> {
        let bytes = &data[id.file as usize];
        let tree = manifest::tree_of(bytes, MIN_CHUNK);
        let piece = bytes.chunks(C).nth(id.index as usize).unwrap();
        chunk::encode(id, &tree.proof(u64::from(id.index)).unwrap(), piece)
    }

    #[test]
    fn chunks_are_asked_lowest_first_within_the_window_across_files() {
        let (data, index) = files(&[3 * C, 0, C + 1]);
        let mut d = Download::new(index, 2);
        assert_eq!(d.progress().total_chunks, 5);
        assert_eq!(d.progress().total_bytes, 4 * C as u64 + 1);
        assert_eq!(d.next_requests(0), [ChunkId::new(0, 0), ChunkId::new(0, 1)]);
        assert!(d.next_requests(0).is_empty(), "the window is full");
        let wire = payload(&data, ChunkId::new(0, 1));
        let got = ChunkPayload::parse(&wire).unwrap();
        assert_eq!(d.received(&got), Received::Store(ChunkId::new(0, 1)));
        assert!(d.mark_held(ChunkId::new(0, 1)));
        assert_eq!(d.received(&got), Received::Unneeded, "held already");
        assert_eq!(d.next_requests(0), [ChunkId::new(0, 2)]);
        // The empty file has no chunk: the next is file 2's first.
        d.mark_held(ChunkId::new(0, 0));
        d.mark_held(ChunkId::new(0, 2));
        assert_eq!(d.next_requests(0), [ChunkId::new(2, 0), ChunkId::new(2, 1)]);
        // A chunk with a wrong byte is invalid and stays wanted.
        let mut bad = payload(&data, ChunkId::new(2, 1));
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(d.received(&ChunkPayload::parse(&bad).unwrap()), Received::Invalid);
        d.mark_held(ChunkId::new(2, 0));
        d.mark_held(ChunkId::new(2, 1));
        assert!(d.is_done());
        assert_eq!(d.progress().per_mille(), 1000);
        assert!(d.next_requests(0).is_empty());
    }

    #[test]
    fn an_unavailable_chunk_is_asked_again_later_each_time() {
        let (_, index) = files(&[4 * C]);
        let mut d = Download::new(index, 1);
        assert_eq!(d.next_requests(0), [ChunkId::new(0, 0)]);
        d.unavailable(ChunkId::new(0, 0), 0);
        // Meanwhile the next chunk is asked for, not the refused one.
        assert_eq!(d.next_requests(10), [ChunkId::new(0, 1)]);
        d.unavailable(ChunkId::new(0, 1), 10);
        assert_eq!(d.next_retry(), Some(1000));
        assert_eq!(d.next_requests(999), [ChunkId::new(0, 2)]);
        d.not_sent(ChunkId::new(0, 2));
        assert_eq!(d.next_requests(1000), [ChunkId::new(0, 0)]);
        d.unavailable(ChunkId::new(0, 0), 1000);
        assert_eq!(d.next_retry(), Some(1010), "chunk 1 first; chunk 0 now waits 2 s");
        // Paused: nothing is asked; resumed, it goes on.
        d.pause();
        assert!(d.next_requests(5000).is_empty());
        d.resume();
        assert_eq!(d.next_requests(5000), [ChunkId::new(0, 0)], "both may be asked again: lowest first");
        // A request never answered is asked again after a minute.
        assert!(d.next_requests(5000 + STALLED_MS - 1).is_empty());
        assert_eq!(d.next_requests(5000 + STALLED_MS), [ChunkId::new(0, 0)]);
    }

    #[test]
    fn what_is_held_is_announced_in_ranges_then_as_all() {
        let (_, index) = files(&[6 * C, 2 * C]);
        let mut d = Download::new(index, 8);
        for i in [0, 1, 2, 4] {
            d.mark_held(ChunkId::new(0, i));
        }
        d.mark_held(ChunkId::new(1, 1));
        assert_eq!(d.take_announcement(), Some(Holding::ranges(0, vec![(0, 3), (4, 5)])));
        assert_eq!(d.take_announcement(), Some(Holding::ranges(1, vec![(1, 2)])));
        assert_eq!(d.take_announcement(), None);
        for i in [3, 5] {
            d.mark_held(ChunkId::new(0, i));
        }
        d.mark_held(ChunkId::new(1, 0));
        assert_eq!(d.take_announcement(), Some(Holding::all()));
        assert_eq!(d.take_announcement(), None);
        d.reannounce();
        assert_eq!(d.take_announcement(), Some(Holding::all()), "on a new connection");
        // Resumed from storage: the next run holds them from the start.
        let (_, index) = files(&[6 * C, 2 * C]);
        let mut again = Download::new(index, 8);
        assert!(again.mark_held(ChunkId::new(0, 3)));
        assert!(!again.mark_held(ChunkId::new(0, 3)));
        assert!(!again.mark_held(ChunkId::new(0, 6)), "not part of the page");
        assert_eq!(again.progress().held_bytes, C as u64);
        assert!(!again.next_requests(0).contains(&ChunkId::new(0, 3)));
    }
}
