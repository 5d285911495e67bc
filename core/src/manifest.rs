//! File pages (docs/product.md §13): the manifest a file page's address is
//! the hash of, and the Merkle proofs that let anyone check one chunk of a
//! file alone.
//!
//! A file page's wire text, which hosts hold and its hash is taken of,
//! is [`PREFIX`] followed by the manifest as canonical JSON: no spaces,
//! keys in this order, strings as `serde_json` writes them.
//!
//! ```text
//! ep2p-files1:{"chunk":262144,"files":[{"name":"a.png","type":"image/png","size":1000,"root":"<64 hex>"}]}
//! ```
//!
//! Each file is cut into chunks of `chunk` bytes (the last one shorter),
//! and `root` is the Merkle tree head of its chunks as RFC 9162 §2.1
//! defines it: a chunk's leaf is `SHA-256(0x00 ‖ chunk)`, a node is
//! `SHA-256(0x01 ‖ left ‖ right)`, and an empty file's root is
//! `SHA-256("")`. The prefixes keep a leaf from passing for a node.
//!
//! Why a root per file and not the list of every chunk's hash (both are
//! ways BitTorrent has done it): the page address must commit to every
//! byte, and the manifest is fetched before anything else. A 4 GiB file in
//! 256 KiB chunks has 16,384 chunks. As a list, that is 16,384 × 64 hex
//! digits, 1 MiB of manifest before the first byte of the file. As a root,
//! it is one file entry of about 150 bytes. In exchange each chunk travels
//! with its proof, ⌈log₂ 16,384⌉ = 14 hashes (448 bytes, 0.17 % of a
//! chunk), which a host that has the chunk also keeps. Anyone who has the
//! manifest (the relay, a browser, the mirror) can check any chunk alone,
//! so a lying host costs one chunk.
//!
//! [`Manifest::parse`] is strict: the text must be exactly what
//! [`Manifest::wire`] writes for the same manifest (one manifest, one
//! address), and every value is checked ([`ManifestError`] says which).
//! The vectors in `core/vectors/manifest.json` were made by a second
//! implementation (Python's `hashlib`); core and the browser are held to
//! them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What every file page's wire text starts with (format version 1).
pub const PREFIX: &str = "ep2p-files1:";
/// The chunk size the app writes.
pub const DEFAULT_CHUNK: u32 = 256 * 1024;
/// The smallest chunk size a manifest may have.
pub const MIN_CHUNK: u32 = 16 * 1024;
/// The largest chunk size a manifest may have (a chunk is one frame).
pub const MAX_CHUNK: u32 = 4 * 1024 * 1024;
/// Files in one page, at most.
pub const MAX_FILES: usize = 1_000;
/// Bytes of a file name (UTF-8), at most: what file systems allow.
pub const MAX_NAME: usize = 255;
/// Bytes of a media type, at most (RFC 6838 allows 127 on each side).
pub const MAX_TYPE: usize = 255;
/// Bytes of a manifest's wire text, at most: `MAX_FILES` entries with the
/// longest names and types fit.
pub const MAX_WIRE: usize = 1024 * 1024;
/// The total size of a page's files the app allows unless configured
/// otherwise (`--file-limit`).
pub const DEFAULT_FILE_LIMIT: u64 = 4 * 1024 * 1024 * 1024;

/// A SHA-256 value (a leaf, a node, a root).
pub type Hash = [u8; 32];

/// Why a manifest's wire text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("not a file page (no `{PREFIX}` prefix)")]
    NotFiles,
    #[error("the manifest is longer than {MAX_WIRE} bytes")]
    TooLong,
    #[error("the manifest is not valid JSON of the expected shape: {0}")]
    Shape(String),
    #[error("the manifest is not written in its one canonical form")]
    NotCanonical,
    #[error("the chunk size must be a power of two from {MIN_CHUNK} to {MAX_CHUNK} bytes")]
    ChunkSize,
    #[error("a page holds 1 to {MAX_FILES} files")]
    FileCount,
    #[error(
        "file {0}: the name must be 1 to {MAX_NAME} bytes, with no path, control or invisible characters"
    )]
    Name(usize),
    #[error("file {0}: the same name as an earlier file")]
    DuplicateName(usize),
    #[error("file {0}: the type must be a media type like `image/png`")]
    Type(usize),
    #[error("file {0}: the root must be 64 lowercase hex digits")]
    Root(usize),
    #[error("the files are larger together than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("file {0}: its size is not one a sealed file can have, or not its sealed size")]
    Size(usize),
}

/// One file of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Its name, as it is saved (no directories).
    pub name: String,
    /// Its media type, lowercase (`application/octet-stream` when unknown).
    #[serde(rename = "type")]
    pub media_type: String,
    /// Its length in bytes.
    pub size: u64,
    /// The Merkle tree head of its chunks, in lowercase hex.
    pub root: String,
}

/// A file page's manifest: checked, so a value that exists is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Bytes per chunk (the last chunk of a file may be shorter).
    chunk: u32,
    files: Vec<FileEntry>,
}

impl Manifest {
    /// A manifest of `files` in chunks of `chunk` bytes, checked as
    /// [`Manifest::parse`] checks one, with `limit` bytes in all.
    pub fn new(chunk: u32, files: Vec<FileEntry>, limit: u64) -> Result<Self, ManifestError> {
        let manifest = Self { chunk, files };
        manifest.check(limit)?;
        if manifest.wire().len() > MAX_WIRE {
            return Err(ManifestError::TooLong);
        }
        Ok(manifest)
    }

    /// Reads a file page's wire text, refusing anything but a valid
    /// manifest in its canonical form whose files total at most `limit` bytes.
    pub fn parse(wire: &str, limit: u64) -> Result<Self, ManifestError> {
        if wire.len() > MAX_WIRE {
            return Err(ManifestError::TooLong);
        }
        let json = wire.strip_prefix(PREFIX).ok_or(ManifestError::NotFiles)?;
        let manifest: Self = serde_json::from_str(json).map_err(|e| ManifestError::Shape(e.to_string()))?;
        manifest.check(limit)?;
        if manifest.wire() != wire {
            return Err(ManifestError::NotCanonical);
        }
        Ok(manifest)
    }

    /// The wire text: the page's hash is taken of it.
    pub fn wire(&self) -> String {
        format!("{PREFIX}{}", serde_json::to_string(self).expect("strings and numbers serialize"))
    }

    pub fn chunk(&self) -> u32 {
        self.chunk
    }

    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// The files' sizes added up.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// How many chunks file `file` has (none for an empty file), if it exists.
    pub fn chunks(&self, file: usize) -> Option<u64> {
        Some(self.files.get(file)?.size.div_ceil(u64::from(self.chunk)))
    }

    /// Where chunk `index` of file `file` lies in the file, as
    /// (offset, length), if the file has that chunk.
    pub fn chunk_range(&self, file: usize, index: u64) -> Option<(u64, u32)> {
        let size = self.files.get(file)?.size;
        let offset = index.checked_mul(u64::from(self.chunk))?;
        if offset >= size {
            return None;
        }
        let length = (size - offset).min(u64::from(self.chunk));
        Some((offset, u32::try_from(length).expect("at most one chunk")))
    }

    /// File `file`'s root, if it exists.
    pub fn root(&self, file: usize) -> Option<Hash> {
        parse_hex(&self.files.get(file)?.root)
    }

    /// True when `data` is chunk `index` of file `file`, by `proof`: what
    /// the relay and a downloader check every chunk with.
    pub fn verify_chunk(&self, file: usize, index: u64, data: &[u8], proof: &[Hash]) -> bool {
        let (Some(root), Some(count), Some((_, length))) =
            (self.root(file), self.chunks(file), self.chunk_range(file, index))
        else {
            return false;
        };
        data.len() == length as usize && verify(&root, index, count, &leaf_hash(data), proof)
    }

    fn check(&self, limit: u64) -> Result<(), ManifestError> {
        if !self.chunk.is_power_of_two() || !(MIN_CHUNK..=MAX_CHUNK).contains(&self.chunk) {
            return Err(ManifestError::ChunkSize);
        }
        if self.files.is_empty() || self.files.len() > MAX_FILES {
            return Err(ManifestError::FileCount);
        }
        let mut names = std::collections::HashSet::new();
        let mut total: u64 = 0;
        for (i, file) in self.files.iter().enumerate() {
            if !valid_name(&file.name) {
                return Err(ManifestError::Name(i));
            }
            if !names.insert(file.name.as_str()) {
                return Err(ManifestError::DuplicateName(i));
            }
            if !valid_media_type(&file.media_type) {
                return Err(ManifestError::Type(i));
            }
            if parse_hex(&file.root).is_none() {
                return Err(ManifestError::Root(i));
            }
            total = total.checked_add(file.size).ok_or(ManifestError::TooLarge(limit))?;
        }
        if total > limit {
            return Err(ManifestError::TooLarge(limit));
        }
        Ok(())
    }
}

/// A name a file can be saved under anywhere: no directory separators, no
/// `.` or `..`, no control, invisible or direction characters (a name must
/// look like what it is), no space at either end.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name != "."
        && name != ".."
        && name.trim() == name
        && !name.chars().any(|c| {
            matches!(c, '/' | '\\')
                || c.is_control()
                || crate::chat::is_invisible(c)
                || crate::chat::is_direction_control(c)
        })
}

/// `type/subtype`, each a lowercase RFC 6838 name (letters, digits and
/// `!#$&-^_.+`), as browsers give `File.type` lowercased.
fn valid_media_type(media_type: &str) -> bool {
    let name = |part: &str| {
        !part.is_empty()
            && part.as_bytes()[0].is_ascii_alphanumeric()
            && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$&-^_.+".contains(&b))
    };
    media_type.len() <= MAX_TYPE
        && media_type.split_once('/').is_some_and(|(kind, sub)| name(kind) && name(sub))
}

/// 64 lowercase hex digits as 32 bytes.
pub fn parse_hex(text: &str) -> Option<Hash> {
    crate::protocol::PageHash::parse(text).ok().map(|hash| *hash.as_bytes())
}

/// 32 bytes as 64 lowercase hex digits.
pub fn to_hex(hash: &Hash) -> String {
    crate::protocol::PageHash::from_bytes(*hash).to_string()
}

/// A chunk's leaf: `SHA-256(0x00 ‖ chunk)`.
pub fn leaf_hash(chunk: &[u8]) -> Hash {
    Sha256::new().chain_update([0u8]).chain_update(chunk).finalize().into()
}

/// A node over two subtrees: `SHA-256(0x01 ‖ left ‖ right)`.
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new().chain_update([1u8]).chain_update(left).chain_update(right).finalize().into()
}

/// The Merkle tree of one file's chunks, every level kept: proofs in
/// O(log n). A level's last node without a partner moves up unchanged,
/// which builds exactly RFC 9162's tree (its left subtree is always the
/// largest power of two).
#[derive(Debug, Clone)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// The tree over `leaves` (each a [`leaf_hash`]).
    pub fn new(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while let Some(level) = levels.last().filter(|level| level.len() > 1) {
            let up = level
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => node_hash(left, right),
                    [alone] => *alone,
                    _ => unreachable!("chunks of two"),
                })
                .collect();
            levels.push(up);
        }
        Self { levels }
    }

    /// The tree head: the file's root (`SHA-256("")` for no chunks).
    pub fn root(&self) -> Hash {
        match self.levels.last().and_then(|level| level.first()) {
            Some(root) => *root,
            None => Sha256::digest([]).into(),
        }
    }

    /// The leaves' count.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The inclusion proof of leaf `index` (RFC 9162 §2.1.3.1), from the
    /// leaf up; `None` if there is no such leaf.
    pub fn proof(&self, index: u64) -> Option<Vec<Hash>> {
        let mut at = usize::try_from(index).ok().filter(|&i| i < self.levels[0].len())?;
        let mut path = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(at ^ 1) {
                path.push(*sibling);
            }
            at /= 2;
        }
        Some(path)
    }
}

/// True when `leaf` is leaf `index` of a tree of `count` leaves with head
/// `root`, by `proof` (RFC 9162 §2.1.3.2).
pub fn verify(root: &Hash, index: u64, count: u64, leaf: &Hash, proof: &[Hash]) -> bool {
    if index >= count {
        return false;
    }
    let (mut fnode, mut snode, mut r) = (index, count - 1, *leaf);
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// The root and proofs of `data` cut into chunks of `chunk` bytes (a
/// manifest's chunk size: not 0, which `slice::chunks` panics on): what
/// the author's tab and the mirror compute once per file.
pub fn tree_of(data: &[u8], chunk: u32) -> Tree {
    Tree::new(data.chunks(chunk as usize).map(leaf_hash).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9162's definitions, written as they are (recursive, slow): the
    /// tree above must agree with them.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = split(n);
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        if leaves.len() <= 1 {
            return Vec::new();
        }
        let k = split(leaves.len());
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    /// The largest power of two smaller than `n` (n > 1).
    fn split(n: usize) -> usize {
        1 << (usize::BITS - 1 - (n - 1).leading_zeros())
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("chunk {i}").as_bytes())).collect()
    }

    #[test]
    fn the_tree_is_rfc_9162s_and_every_proof_verifies_only_for_its_own_leaf() {
        for n in 0..=33 {
            let leaves = leaves(n);
            let tree = Tree::new(leaves.clone());
            assert_eq!(tree.root(), mth(&leaves), "{n} leaves");
            assert_eq!(tree.proof(n as u64), None);
            for (m, leaf) in leaves.iter().enumerate() {
                let proof = tree.proof(m as u64).unwrap();
                assert_eq!(proof, path(m, &leaves), "leaf {m} of {n}");
                assert!(verify(&tree.root(), m as u64, n as u64, leaf, &proof), "leaf {m} of {n}");
                // Another leaf, another index, a cut or a lengthened proof: refused. (The
                // count is not the host's to say: it follows from the manifest's size.)
                let other = leaf_hash(b"not this chunk");
                assert!(!verify(&tree.root(), m as u64, n as u64, &other, &proof));
                if n > 1 {
                    assert!(
                        !verify(&tree.root(), ((m + 1) % n) as u64, n as u64, leaf, &proof),
                        "{m} of {n}"
                    );
                    assert!(!verify(&tree.root(), m as u64, n as u64, leaf, &proof[1..]));
                }
                let mut longer = proof.clone();
                longer.push(other);
                assert!(!verify(&tree.root(), m as u64, n as u64, leaf, &longer));
            }
        }
    }

    #[test]
    fn a_leaf_cannot_pass_for_a_node() {
        // Without the 0x00/0x01 prefixes, the concatenation of two leaves
        // hashed as one chunk would have the root of the two-leaf tree.
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        let two = Tree::new(vec![a, b]).root();
        let forged = [a, b].concat();
        assert_ne!(Tree::new(vec![leaf_hash(&forged)]).root(), two);
    }

    fn entry(name: &str, media_type: &str, size: u64) -> FileEntry {
        FileEntry { name: name.into(), media_type: media_type.into(), size, root: to_hex(&[7; 32]) }
    }

    #[test]
    fn a_manifest_reads_back_from_its_wire_text_and_knows_its_chunks() {
        let files =
            vec![entry("photo.jpg", "image/jpeg", 600_000), entry("empty", "application/octet-stream", 0)];
        let manifest = Manifest::new(DEFAULT_CHUNK, files, DEFAULT_FILE_LIMIT).unwrap();
        let wire = manifest.wire();
        assert!(wire.starts_with(r#"ep2p-files1:{"chunk":262144,"files":[{"name":"photo.jpg","type":"image/jpeg","size":600000,"root":"0707"#));
        assert_eq!(Manifest::parse(&wire, DEFAULT_FILE_LIMIT).unwrap(), manifest);
        assert_eq!(manifest.total_size(), 600_000);
        assert_eq!((manifest.chunks(0), manifest.chunks(1), manifest.chunks(2)), (Some(3), Some(0), None));
        assert_eq!(manifest.chunk_range(0, 0), Some((0, DEFAULT_CHUNK)));
        assert_eq!(manifest.chunk_range(0, 2), Some((524_288, 600_000 - 524_288)));
        assert_eq!(manifest.chunk_range(0, 3), None);
        assert_eq!(manifest.chunk_range(0, u64::MAX), None);
        assert_eq!(manifest.chunk_range(1, 0), None);
    }

    #[test]
    fn a_4_gib_file_has_a_manifest_of_a_few_hundred_bytes_and_proofs_of_14_hashes() {
        let manifest = Manifest::new(
            DEFAULT_CHUNK,
            vec![entry("disk.img", "application/octet-stream", DEFAULT_FILE_LIMIT)],
            DEFAULT_FILE_LIMIT,
        )
        .unwrap();
        assert!(manifest.wire().len() < 200, "{}", manifest.wire().len());
        assert_eq!(manifest.chunks(0), Some(16_384));
        let tree = Tree::new(vec![[0; 32]; 16_384]);
        assert_eq!(tree.proof(12_345).unwrap().len(), 14);
    }

    #[test]
    fn every_malformed_manifest_is_refused_with_its_reason() {
        let good = Manifest::new(MIN_CHUNK, vec![entry("a.txt", "text/plain", 10)], 100).unwrap().wire();
        let with = |from: &str, to: &str| {
            assert!(good.contains(from), "{from}");
            good.replacen(from, to, 1)
        };
        let refused = |wire: &str| Manifest::parse(wire, 100).unwrap_err();
        assert_eq!(Manifest::parse(&good, 100).map(|m| m.files().len()), Ok(1));
        assert_eq!(refused(good.trim_start_matches(PREFIX)), ManifestError::NotFiles);
        assert_eq!(
            refused(&format!("{good}x")),
            ManifestError::Shape("trailing characters at line 1 column 147".into())
        );
        assert!(matches!(refused(&with(":10,", ":-1,")), ManifestError::Shape(_)));
        assert!(matches!(refused(&with(r#""size""#, r#""bytes""#)), ManifestError::Shape(_)));
        assert!(matches!(refused(&with("}]}", r#","extra":1}]}"#)), ManifestError::Shape(_)));
        assert!(matches!(refused(&with(r#"{"chunk""#, r#"{"more":0,"chunk""#)), ManifestError::Shape(_)));
        assert!(matches!(refused(&with(":10,", ":1e1,")), ManifestError::Shape(_)));
        // Valid JSON, same manifest, another text: another address, so refused.
        assert_eq!(refused(&format!("{good} ")), ManifestError::NotCanonical);
        assert_eq!(refused(&with(r#","files""#, r#", "files""#)), ManifestError::NotCanonical);
        assert_eq!(refused(&with("a.txt", r"\u0061.txt")), ManifestError::NotCanonical);
        for chunk in ["0", "8192", "16385", "8388608", "4294967295"] {
            assert_eq!(refused(&with("16384", chunk)), ManifestError::ChunkSize, "{chunk}");
        }
        assert_eq!(
            refused(&with(
                r#"[{"name":"a.txt","type":"text/plain","size":10,"root":"0707070707070707070707070707070707070707070707070707070707070707"}]"#,
                "[]"
            )),
            ManifestError::FileCount
        );
        for name in [
            "",
            ".",
            "..",
            "a/b",
            r"a\\b",
            " a",
            "a ",
            "a\\u0000",
            "a\\t",
            "a\u{200B}b",
            "a\u{202E}gpj.exe",
            &"n".repeat(256),
        ] {
            assert_eq!(refused(&with("a.txt", name)), ManifestError::Name(0), "{name:?}");
        }
        for media_type in
            ["", "text", "text/", "/plain", "Text/plain", "text/plain; charset=utf-8", "text/pl ain", "-x/y"]
        {
            assert_eq!(refused(&with("text/plain", media_type)), ManifestError::Type(0), "{media_type:?}");
        }
        for root in ["07", &"0".repeat(63), &"G".repeat(64), &"A".repeat(64)] {
            assert_eq!(refused(&with(&"07".repeat(32), root)), ManifestError::Root(0), "{root}");
        }
        assert_eq!(refused(&with(":10,", ":101,")), ManifestError::TooLarge(100));
        let two =
            Manifest::new(MIN_CHUNK, vec![entry("a", "text/plain", 1), entry("b", "text/plain", 1)], 100)
                .unwrap();
        assert_eq!(refused(&two.wire().replacen(r#""b""#, r#""a""#, 1)), ManifestError::DuplicateName(1));
        let overflowing = vec![entry("a", "text/plain", u64::MAX), entry("b", "text/plain", 1)];
        assert_eq!(Manifest::new(MIN_CHUNK, overflowing, u64::MAX), Err(ManifestError::TooLarge(u64::MAX)));
        assert_eq!(Manifest::parse(&"x".repeat(MAX_WIRE + 1), 100), Err(ManifestError::TooLong));
        let many = (0..=MAX_FILES).map(|i| entry(&i.to_string(), "text/plain", 0)).collect();
        assert_eq!(Manifest::new(MIN_CHUNK, many, 100), Err(ManifestError::FileCount));
    }

    /// One entry of `core/vectors/manifest.json`.
    #[derive(Deserialize)]
    struct Vector {
        chunk: u32,
        /// Each file's bytes are `byte(i) = (i * 7 + seed) % 251`.
        files: Vec<VectorFile>,
        wire: String,
        address: String,
        /// (file, chunk, proof in hex) for some chunks.
        proofs: Vec<(usize, u64, Vec<String>)>,
    }

    #[derive(Deserialize)]
    struct VectorFile {
        name: String,
        #[serde(rename = "type")]
        media_type: String,
        size: u64,
        seed: u64,
    }

    fn bytes_of(file: &VectorFile) -> Vec<u8> {
        (0..file.size).map(|i| ((i * 7 + file.seed) % 251) as u8).collect()
    }

    #[test]
    fn the_vectors_of_a_second_implementation_agree() {
        let vectors: Vec<Vector> = serde_json::from_str(include_str!("../vectors/manifest.json")).unwrap();
        assert!(vectors.len() >= 3);
        for v in vectors {
            let trees: Vec<Tree> = v.files.iter().map(|f| tree_of(&bytes_of(f), v.chunk)).collect();
            let entries = v
                .files
                .iter()
                .zip(&trees)
                .map(|(f, tree)| FileEntry {
                    name: f.name.clone(),
                    media_type: f.media_type.clone(),
                    size: f.size,
                    root: to_hex(&tree.root()),
                })
                .collect();
            let manifest = Manifest::new(v.chunk, entries, DEFAULT_FILE_LIMIT).unwrap();
            assert_eq!(manifest.wire(), v.wire);
            assert_eq!(Manifest::parse(&v.wire, DEFAULT_FILE_LIMIT).unwrap(), manifest);
            assert_eq!(crate::protocol::PageHash::of(&v.wire).to_string(), v.address);
            for (file, index, proof) in v.proofs {
                let proof: Vec<Hash> = proof.iter().map(|h| parse_hex(h).unwrap()).collect();
                assert_eq!(trees[file].proof(index).unwrap(), proof, "file {file} chunk {index}");
                let (offset, length) = manifest.chunk_range(file, index).unwrap();
                let data = &bytes_of(&v.files[file])[offset as usize..][..length as usize];
                assert!(manifest.verify_chunk(file, index, data, &proof));
                let mut lying = data.to_vec();
                lying[0] ^= 1;
                assert!(!manifest.verify_chunk(file, index, &lying, &proof), "a changed byte");
                assert!(!manifest.verify_chunk(file, index, &data[1..], &proof), "a short chunk");
            }
        }
    }
}
