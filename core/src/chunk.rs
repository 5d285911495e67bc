//! A file page's chunks on the wire (docs/protocol.md, "File pages"): which
//! chunk is asked for, the binary payload a chunk travels in, what a host
//! says it holds, and the slim index of a manifest that checks a chunk.
//!
//! A chunk travels as the payload of a Phoenix V2 binary frame (event
//! `chunk`), the same bytes from the host to the relay and from the relay
//! to each visitor:
//!
//! ```text
//! file: u32 BE | index: u32 BE | n: u8 | proof: n × 32 bytes | the chunk's bytes
//! ```
//!
//! The proof is the chunk's Merkle inclusion proof (`manifest::Tree::proof`),
//! from the leaf up, so anyone with the manifest checks the chunk alone.
//! Requests, announcements and "nobody has it" are small JSON events.

use crate::manifest::{self, Hash, Manifest};
use serde::{Deserialize, Serialize};

/// Proof hashes in one chunk's payload, at most: a tree of 2^64 leaves.
pub const MAX_PROOF: usize = 64;

/// Ranges in one `have_chunks` announcement, at most (it is a control frame).
pub const MAX_RANGES: usize = 256;

/// One chunk of one file of a page: `{"file": f, "index": i}` in requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkId {
    /// The file's position in the manifest.
    pub file: u32,
    /// The chunk's position in the file.
    pub index: u32,
}

impl ChunkId {
    pub fn new(file: u32, index: u32) -> Self {
        Self { file, index }
    }

    /// One number per chunk, ordered by file then index (for range sets).
    pub fn key(self) -> u64 {
        (u64::from(self.file) << 32) | u64::from(self.index)
    }
}

/// Why a chunk's payload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error("a chunk payload shorter than its header says")]
    Truncated,
    #[error("a chunk's proof has more than {MAX_PROOF} hashes")]
    LongProof,
}

/// A chunk as it travels: which one, its proof and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkPayload<'a> {
    pub id: ChunkId,
    /// The proof's hashes, 32 bytes each, from the leaf up.
    proof: &'a [u8],
    pub data: &'a [u8],
}

impl<'a> ChunkPayload<'a> {
    /// Reads a binary frame's payload.
    pub fn parse(payload: &'a [u8]) -> Result<Self, ChunkError> {
        let header = payload.get(..9).ok_or(ChunkError::Truncated)?;
        let file = u32::from_be_bytes(header[0..4].try_into().expect("4 bytes"));
        let index = u32::from_be_bytes(header[4..8].try_into().expect("4 bytes"));
        let count = usize::from(header[8]);
        if count > MAX_PROOF {
            return Err(ChunkError::LongProof);
        }
        let proof = payload.get(9..9 + 32 * count).ok_or(ChunkError::Truncated)?;
        Ok(Self { id: ChunkId { file, index }, proof, data: &payload[9 + 32 * count..] })
    }

    /// The proof's hashes.
    pub fn proof(&self) -> Vec<Hash> {
        self.proof.chunks_exact(32).map(|h| h.try_into().expect("32 bytes")).collect()
    }
}

/// The payload of chunk `id` with its proof: what a host sends.
pub fn encode(id: ChunkId, proof: &[Hash], data: &[u8]) -> Vec<u8> {
    assert!(proof.len() <= MAX_PROOF, "a proof of at most {MAX_PROOF} hashes");
    let mut out = Vec::with_capacity(header_len(proof.len()) + data.len());
    out.extend_from_slice(&id.file.to_be_bytes());
    out.extend_from_slice(&id.index.to_be_bytes());
    out.push(proof.len() as u8);
    for hash in proof {
        out.extend_from_slice(hash);
    }
    out.extend_from_slice(data);
    out
}

/// Bytes before the chunk's own in a payload with `proof` hashes.
pub fn header_len(proof: usize) -> usize {
    9 + 32 * proof
}

/// How many hashes chunk `index`'s proof has in a file of `count` chunks
/// (where a stored payload's bytes start, without reading it).
pub fn proof_len(index: u64, count: u64) -> usize {
    let (mut at, mut width, mut len) = (index, count, 0);
    while width > 1 {
        if at ^ 1 < width {
            len += 1;
        }
        at /= 2;
        width = width.div_ceil(2);
    }
    len
}

/// What a host says it holds, on `have:H` (`have_chunks`): every chunk of
/// every file (`{"all": true}`, the author or a finished download), or
/// more ranges of one file (`{"file": f, "ranges": [[from, to], …]}`,
/// each from `from` up to, not including, `to`). Announcements add up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Holding {
    All(AllChunks),
    Ranges(FileRanges),
}

/// `{"all": true}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllChunks {
    pub all: True,
}

/// `{"file": f, "ranges": [[from, to], …]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRanges {
    pub file: u32,
    pub ranges: Vec<(u32, u32)>,
}

impl Holding {
    /// Every chunk.
    pub fn all() -> Self {
        Holding::All(AllChunks { all: True })
    }

    /// `ranges` of file `file`.
    pub fn ranges(file: u32, ranges: Vec<(u32, u32)>) -> Self {
        Holding::Ranges(FileRanges { file, ranges })
    }
}

/// `true`, and nothing else, in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct True;

impl Serialize for True {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(true)
    }
}

impl<'de> Deserialize<'de> for True {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match bool::deserialize(deserializer)? {
            true => Ok(True),
            false => Err(serde::de::Error::custom("`all` can only be true")),
        }
    }
}

/// Why an announcement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldingError {
    #[error("expected {{\"all\":true}} or {{\"file\":f,\"ranges\":[[from,to],…]}}: {0}")]
    Shape(String),
    #[error("1 to {MAX_RANGES} ranges, each with from < to")]
    Ranges,
}

impl Holding {
    /// Reads and checks an announcement's JSON.
    pub fn parse(json: &str) -> Result<Self, HoldingError> {
        let holding: Self = serde_json::from_str(json).map_err(|e| HoldingError::Shape(e.to_string()))?;
        if let Holding::Ranges(FileRanges { ranges, .. }) = &holding {
            if ranges.is_empty() || ranges.len() > MAX_RANGES || ranges.iter().any(|(from, to)| from >= to) {
                return Err(HoldingError::Ranges);
            }
        }
        Ok(holding)
    }
}

/// What of a manifest checks chunks: the chunk size and each file's size
/// and root. A few dozen bytes per file where the manifest holds names
/// and types too; what the relay keeps of a file page while it is hosted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkIndex {
    chunk: u32,
    files: Box<[(u64, Hash)]>,
}

impl ChunkIndex {
    /// An index of files of `(size, root)` in chunks of `chunk` bytes.
    pub fn new(chunk: u32, files: Vec<(u64, Hash)>) -> Self {
        Self { chunk, files: files.into_boxed_slice() }
    }

    /// The index of a checked manifest.
    pub fn of(manifest: &Manifest) -> Self {
        let files = (0..manifest.files().len())
            .map(|i| {
                (manifest.files()[i].size, manifest.root(i).expect("a checked manifest's roots are hex"))
            })
            .collect();
        Self { chunk: manifest.chunk(), files }
    }

    pub fn chunk(&self) -> u32 {
        self.chunk
    }

    /// How many files the page holds.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// How many chunks file `file` has, if it exists.
    pub fn chunks(&self, file: u32) -> Option<u64> {
        let (size, _) = self.files.get(file as usize)?;
        Some(size.div_ceil(u64::from(self.chunk)))
    }

    /// File `file`'s size in bytes, if it exists.
    pub fn file_size(&self, file: u32) -> Option<u64> {
        self.files.get(file as usize).map(|(size, _)| *size)
    }

    /// The length of chunk `id`, if it exists.
    pub fn chunk_len(&self, id: ChunkId) -> Option<u32> {
        let (size, _) = self.files.get(id.file as usize)?;
        let offset = u64::from(id.index) * u64::from(self.chunk);
        (offset < *size).then(|| (size - offset).min(u64::from(self.chunk)) as u32)
    }

    /// The largest binary payload a host may send for chunk `id`: its
    /// bytes and the longest proof a file can need.
    pub fn payload_limit(&self, id: ChunkId) -> Option<usize> {
        Some(self.chunk_len(id)? as usize + header_len(MAX_PROOF))
    }

    /// True when `payload` is chunk `payload.id`, by its proof.
    pub fn verify(&self, payload: &ChunkPayload<'_>) -> bool {
        let id = payload.id;
        let (Some(&(_, root)), Some(count), Some(length)) =
            (self.files.get(id.file as usize), self.chunks(id.file), self.chunk_len(id))
        else {
            return false;
        };
        payload.data.len() == length as usize
            && manifest::verify(
                &root,
                u64::from(id.index),
                count,
                &manifest::leaf_hash(payload.data),
                &payload.proof(),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{tree_of, FileEntry, DEFAULT_FILE_LIMIT, MIN_CHUNK};

    fn page(files: &[(&str, Vec<u8>)]) -> Manifest {
        let entries = files
            .iter()
            .map(|(name, data)| FileEntry {
                name: (*name).into(),
                media_type: "application/octet-stream".into(),
                size: data.len() as u64,
                root: manifest::to_hex(&tree_of(data, MIN_CHUNK).root()),
            })
            .collect();
        Manifest::new(MIN_CHUNK, entries, DEFAULT_FILE_LIMIT).unwrap()
    }

    /// Bytes with no two chunks alike (a short period would make chunks,
    /// and so their proofs, equal).
    fn data(len: usize, seed: u8) -> Vec<u8> {
        let mut state = u32::from(seed) | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect()
    }

    #[test]
    fn every_chunk_of_every_file_checks_alone_and_nothing_else_does() {
        let chunk = MIN_CHUNK as usize;
        let files = [("a", data(chunk * 5 + 7, 1)), ("b", data(chunk, 2)), ("c", Vec::new())];
        let index = ChunkIndex::of(&page(&files));
        assert_eq!(
            (index.files(), index.chunks(0), index.chunks(1), index.chunks(2)),
            (3, Some(6), Some(1), Some(0))
        );
        for (f, (_, bytes)) in files.iter().enumerate() {
            let tree = tree_of(bytes, MIN_CHUNK);
            for (i, piece) in bytes.chunks(chunk).enumerate() {
                let id = ChunkId::new(f as u32, i as u32);
                assert_eq!(index.chunk_len(id), Some(piece.len() as u32));
                let proof = tree.proof(i as u64).unwrap();
                let wire = encode(id, &proof, piece);
                assert!(wire.len() <= index.payload_limit(id).unwrap());
                let payload = ChunkPayload::parse(&wire).unwrap();
                assert_eq!((payload.id, payload.data, payload.proof()), (id, piece, proof.clone()));
                assert!(index.verify(&payload), "file {f} chunk {i}");
                // One byte changed, another chunk's place, or a proof cut short: refused.
                let mut changed = wire.clone();
                *changed.last_mut().unwrap() ^= 1;
                assert!(!index.verify(&ChunkPayload::parse(&changed).unwrap()));
                let moved = encode(ChunkId::new(f as u32, i as u32 + 1), &proof, piece);
                assert!(!index.verify(&ChunkPayload::parse(&moved).unwrap()));
                if !proof.is_empty() {
                    let short = encode(id, &proof[1..], piece);
                    assert!(!index.verify(&ChunkPayload::parse(&short).unwrap()));
                }
            }
        }
        // Past the end of a file, or a file that is not there.
        assert_eq!(index.chunk_len(ChunkId::new(0, 6)), None);
        assert_eq!(index.chunk_len(ChunkId::new(2, 0)), None);
        assert_eq!(index.chunk_len(ChunkId::new(3, 0)), None);
        assert!(!index.verify(&ChunkPayload::parse(&encode(ChunkId::new(2, 0), &[], &[])).unwrap()));
    }

    #[test]
    fn proof_lengths_are_known_without_the_tree() {
        for count in [1u64, 2, 3, 5, 7, 8, 13, 16, 17, 100] {
            let tree =
                manifest::Tree::new((0..count).map(|i| manifest::leaf_hash(&i.to_be_bytes())).collect());
            for index in 0..count {
                assert_eq!(proof_len(index, count), tree.proof(index).unwrap().len(), "{index} of {count}");
            }
        }
    }

    #[test]
    fn a_payload_is_read_exactly_as_written() {
        let wire = encode(ChunkId::new(0x0102_0304, 5), &[[7; 32]], b"xyz");
        assert_eq!(&wire[..9], &[1, 2, 3, 4, 0, 0, 0, 5, 1]);
        assert_eq!(&wire[9..41], &[7; 32]);
        assert_eq!(&wire[41..], b"xyz");
        assert_eq!(ChunkPayload::parse(&wire[..8]), Err(ChunkError::Truncated));
        assert_eq!(ChunkPayload::parse(&wire[..40]), Err(ChunkError::Truncated));
        let mut long = wire.clone();
        long[8] = 65;
        assert_eq!(ChunkPayload::parse(&long), Err(ChunkError::LongProof));
        // A chunk of no bytes parses (an empty last piece is refused by the index).
        assert_eq!(ChunkPayload::parse(&wire[..41]).unwrap().data, b"");
    }

    #[test]
    fn announcements_are_strict() {
        assert_eq!(Holding::parse(r#"{"all":true}"#), Ok(Holding::all()));
        assert_eq!(
            Holding::parse(r#"{"file":2,"ranges":[[0,4],[9,10]]}"#),
            Ok(Holding::ranges(2, vec![(0, 4), (9, 10)]))
        );
        for bad in [
            r#"{"all":false}"#,
            r#"{"all":true,"x":1}"#,
            r#"{"file":0,"ranges":[]}"#,
            r#"{"file":0,"ranges":[[3,3]]}"#,
            r#"{"file":0,"ranges":[[4,3]]}"#,
            r#"{"file":-1,"ranges":[[0,1]]}"#,
            r#"{"file":0}"#,
            "[]",
        ] {
            assert!(Holding::parse(bad).is_err(), "{bad}");
        }
        let many: Vec<_> = (0..=MAX_RANGES as u32).map(|i| (2 * i, 2 * i + 1)).collect();
        let json = serde_json::to_string(&Holding::ranges(0, many)).unwrap();
        assert_eq!(Holding::parse(&json), Err(HoldingError::Ranges));
        assert_eq!(serde_json::to_string(&Holding::all()).unwrap(), r#"{"all":true}"#);
    }

    #[test]
    fn requests_name_one_chunk() {
        let id: ChunkId = serde_json::from_str(r#"{"file":1,"index":2}"#).unwrap();
        assert_eq!(id, ChunkId::new(1, 2));
        assert!(serde_json::from_str::<ChunkId>(r#"{"file":1,"index":2,"x":0}"#).is_err());
        assert!(serde_json::from_str::<ChunkId>(r#"{"file":1,"index":4294967296}"#).is_err());
        assert!(ChunkId::new(0, u32::MAX).key() < ChunkId::new(1, 0).key());
    }
}
