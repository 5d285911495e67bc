//! Encrypted file pages (SPEC §13 with §9): the files' names, types and
//! bytes sealed with the page's key, while the relay can still check every
//! chunk, because it checks the ciphertext's.
//!
//! The wire text is `ep2p-sfiles1:` followed by canonical JSON:
//!
//! ```text
//! ep2p-sfiles1:{"chunk":262144,"files":[{"size":…,"root":…}],"sealed":"ep2p1:…"}
//! ```
//!
//! * `chunk`: the size of a ciphertext chunk (a power of two, as in a
//!   plain manifest); each holds `chunk − 16` bytes of the file, sealed
//!   alone with AES-256-GCM under the page key, with the nonce
//!   `ff ff ff ff ‖ file (u32 BE) ‖ index (u32 BE)` (never a random
//!   nonce's: those are the inner manifest's), so a chunk opens only in
//!   its own place;
//! * `files`: each file's ciphertext size and the Merkle root of its
//!   ciphertext chunks (as `manifest` defines it): what the relay needs to
//!   check a chunk, and nothing more;
//! * `sealed`: the files' names, types and sizes (`{"files":[{"name",
//!   "type","size"}]}`, the same rules as a plain manifest's) as an `ep2p1:`
//!   text (`sealed`), under the page key.
//!
//! What anyone without the key learns: how many files, each one's size
//! give or take 16 bytes a chunk, and nothing of their names or bytes.

use crate::chunk::{ChunkId, ChunkIndex};
use crate::manifest::{self, FileEntry, Hash, Manifest, ManifestError};
use serde::{Deserialize, Serialize};

/// What every encrypted file page's wire text starts with (version 1).
pub const PREFIX: &str = "ep2p-sfiles1:";
/// Bytes a chunk's seal adds (the GCM tag).
pub const TAG_LEN: usize = 16;

/// One file as the relay sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedEntry {
    /// Bytes of ciphertext.
    pub size: u64,
    /// The Merkle root of its ciphertext chunks, in lowercase hex.
    pub root: String,
}

/// An encrypted file page's outer manifest: checked, so a value that
/// exists is valid (its inner manifest needs the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedManifest {
    chunk: u32,
    files: Vec<SealedEntry>,
    sealed: String,
}

/// One file as its readers see it, inside the seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InnerEntry {
    pub name: String,
    #[serde(rename = "type")]
    pub media_type: String,
    /// Bytes of the file itself.
    pub size: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Inner {
    files: Vec<InnerEntry>,
}

/// Bytes of the file in each chunk of a page whose ciphertext chunks are `chunk` bytes.
pub fn plain_chunk(chunk: u32) -> u64 {
    u64::from(chunk) - TAG_LEN as u64
}

/// Bytes of ciphertext a file of `size` bytes becomes.
pub fn sealed_size(size: u64, chunk: u32) -> u64 {
    size + TAG_LEN as u64 * size.div_ceil(plain_chunk(chunk))
}

/// The nonce chunk `id` is sealed with.
pub fn chunk_nonce(id: ChunkId) -> [u8; 12] {
    let mut nonce = [0xff; 12];
    nonce[4..8].copy_from_slice(&id.file.to_be_bytes());
    nonce[8..].copy_from_slice(&id.index.to_be_bytes());
    nonce
}

impl SealedManifest {
    /// The outer manifest of files sealed in chunks of `chunk` bytes of
    /// ciphertext, with their names inside `sealed_inner` (from
    /// [`SealedManifest::inner_text`], sealed by the caller).
    pub fn new(
        chunk: u32,
        files: Vec<SealedEntry>,
        sealed_inner: String,
        limit: u64,
    ) -> Result<Self, ManifestError> {
        let manifest = Self { chunk, files, sealed: sealed_inner };
        manifest.check(limit)?;
        if manifest.wire().len() > manifest::MAX_WIRE {
            return Err(ManifestError::TooLong);
        }
        Ok(manifest)
    }

    /// The text to seal for these files (checked as a plain manifest's
    /// names and types are).
    pub fn inner_text(files: &[InnerEntry]) -> Result<String, ManifestError> {
        check_inner(files)?;
        Ok(serde_json::to_string(&Inner { files: files.to_vec() }).expect("strings and numbers serialize"))
    }

    /// Reads an encrypted file page's wire text, strictly (its one canonical form).
    pub fn parse(wire: &str, limit: u64) -> Result<Self, ManifestError> {
        if wire.len() > manifest::MAX_WIRE {
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

    pub fn wire(&self) -> String {
        format!("{PREFIX}{}", serde_json::to_string(self).expect("strings and numbers serialize"))
    }

    pub fn chunk(&self) -> u32 {
        self.chunk
    }

    pub fn files(&self) -> &[SealedEntry] {
        &self.files
    }

    /// The sealed names (an `ep2p1:` text).
    pub fn sealed(&self) -> &str {
        &self.sealed
    }

    /// What checks the ciphertext chunks.
    pub fn index(&self) -> ChunkIndex {
        let files =
            self.files.iter().map(|f| (f.size, manifest::parse_hex(&f.root).expect("checked"))).collect();
        ChunkIndex::new(self.chunk, files)
    }

    /// The files inside, from the opened `sealed` text: checked, and
    /// refused unless they match the outer manifest (count and sizes).
    pub fn open_inner(&self, inner: &str) -> Result<Vec<InnerEntry>, ManifestError> {
        let inner: Inner = serde_json::from_str(inner).map_err(|e| ManifestError::Shape(e.to_string()))?;
        check_inner(&inner.files)?;
        if inner.files.len() != self.files.len() {
            return Err(ManifestError::FileCount);
        }
        for (i, (plain, outer)) in inner.files.iter().zip(&self.files).enumerate() {
            if sealed_size(plain.size, self.chunk) != outer.size {
                return Err(ManifestError::Size(i));
            }
        }
        Ok(inner.files)
    }

    fn check(&self, limit: u64) -> Result<(), ManifestError> {
        if !self.chunk.is_power_of_two() || !(manifest::MIN_CHUNK..=manifest::MAX_CHUNK).contains(&self.chunk)
        {
            return Err(ManifestError::ChunkSize);
        }
        if self.files.is_empty() || self.files.len() > manifest::MAX_FILES {
            return Err(ManifestError::FileCount);
        }
        let mut total: u64 = 0;
        for (i, file) in self.files.iter().enumerate() {
            if manifest::parse_hex(&file.root).is_none() {
                return Err(ManifestError::Root(i));
            }
            // A ciphertext size no file seals to (a last chunk of only a tag, or none).
            let chunks = file.size.div_ceil(u64::from(self.chunk));
            if file.size > 0 && file.size <= TAG_LEN as u64 * chunks {
                return Err(ManifestError::Size(i));
            }
            total = total.checked_add(file.size).ok_or(ManifestError::TooLarge(limit))?;
        }
        if total > limit {
            return Err(ManifestError::TooLarge(limit));
        }
        if !crate::sealed::is_sealed(&self.sealed) || crate::sealed::Sealed::parse(&self.sealed).is_err() {
            return Err(ManifestError::Shape("`sealed` is not an ep2p1: text".into()));
        }
        Ok(())
    }
}

/// The inner files' names and types, as a plain manifest checks them.
fn check_inner(files: &[InnerEntry]) -> Result<(), ManifestError> {
    let entries = files
        .iter()
        .map(|f| FileEntry {
            name: f.name.clone(),
            media_type: f.media_type.clone(),
            size: f.size,
            root: "0".repeat(64),
        })
        .collect();
    Manifest::new(manifest::MIN_CHUNK, entries, u64::MAX).map(|_| ())
}

/// A file page's chunk index from its wire text, plain or encrypted, if
/// it is one within `limit`: what the relay keeps to check chunks.
pub fn index_of(wire: &str, limit: u64) -> Option<ChunkIndex> {
    if wire.starts_with(manifest::PREFIX) {
        return Manifest::parse(wire, limit).ok().map(|m| ChunkIndex::of(&m));
    }
    if wire.starts_with(PREFIX) {
        return SealedManifest::parse(wire, limit).ok().map(|m| m.index());
    }
    None
}

/// Sealing and opening chunks natively (the browser uses Web Crypto with
/// the same nonces).
#[cfg(any(test, feature = "aes"))]
mod native {
    use super::*;
    use crate::sealed::Key;
    use aes_gcm::aead::{Aead, KeyInit};
    use aes_gcm::{Aes256Gcm, Nonce};

    /// Chunk `id` of a file, sealed: `plain.len() + 16` bytes.
    pub fn seal_chunk(key: &Key, id: ChunkId, plain: &[u8]) -> Vec<u8> {
        let cipher = Aes256Gcm::new(key.as_bytes().into());
        cipher
            .encrypt(Nonce::from_slice(&chunk_nonce(id)), plain)
            .expect("a chunk is far under AES-GCM's limit")
    }

    /// Chunk `id` opened; `None` with the wrong key or in the wrong place.
    pub fn open_chunk(key: &Key, id: ChunkId, sealed: &[u8]) -> Option<Vec<u8>> {
        let cipher = Aes256Gcm::new(key.as_bytes().into());
        cipher.decrypt(Nonce::from_slice(&chunk_nonce(id)), sealed).ok()
    }
}

#[cfg(any(test, feature = "aes"))]
pub use native::{open_chunk, seal_chunk};

/// The root of a file's ciphertext chunks, from its leaves.
pub fn root_of(leaves: Vec<Hash>) -> String {
    manifest::to_hex(&manifest::Tree::new(leaves).root())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{encode, ChunkPayload};
    use crate::manifest::{leaf_hash, tree_of, DEFAULT_FILE_LIMIT, MIN_CHUNK};
    use crate::sealed::{self, Key};

    /// An encrypted page of `files`, built as the mirror and browser build one.
    fn page(key: &Key, files: &[(&str, &[u8])]) -> (SealedManifest, Vec<Vec<u8>>) {
        let mut outer = Vec::new();
        let mut ciphertexts = Vec::new();
        for (f, (_, data)) in files.iter().enumerate() {
            let sealed: Vec<u8> = data
                .chunks(plain_chunk(MIN_CHUNK) as usize)
                .enumerate()
                .flat_map(|(i, piece)| seal_chunk(key, ChunkId::new(f as u32, i as u32), piece))
                .collect();
            assert_eq!(sealed.len() as u64, sealed_size(data.len() as u64, MIN_CHUNK));
            outer.push(SealedEntry {
                size: sealed.len() as u64,
                root: manifest::to_hex(&tree_of(&sealed, MIN_CHUNK).root()),
            });
            ciphertexts.push(sealed);
        }
        let inner: Vec<InnerEntry> = files
            .iter()
            .map(|(name, data)| InnerEntry {
                name: (*name).into(),
                media_type: "image/png".into(),
                size: data.len() as u64,
            })
            .collect();
        let inner = sealed::seal(key, &SealedManifest::inner_text(&inner).unwrap());
        (SealedManifest::new(MIN_CHUNK, outer, inner, DEFAULT_FILE_LIMIT).unwrap(), ciphertexts)
    }

    #[test]
    fn the_relay_checks_ciphertext_and_only_the_key_opens_names_and_bytes() {
        let key = Key::generate();
        let photo: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let (manifest, ciphertexts) = page(&key, &[("secret-plans.png", &photo), ("empty.png", &[])]);
        let wire = manifest.wire();
        assert!(!wire.contains("secret-plans"), "no name in the clear");
        assert_eq!(SealedManifest::parse(&wire, DEFAULT_FILE_LIMIT).unwrap(), manifest);
        let index = index_of(&wire, DEFAULT_FILE_LIMIT).expect("the relay reads the outer manifest");
        assert_eq!(index.chunks(0), Some(3));
        let tree = tree_of(&ciphertexts[0], MIN_CHUNK);
        for (i, piece) in ciphertexts[0].chunks(MIN_CHUNK as usize).enumerate() {
            let id = ChunkId::new(0, i as u32);
            let payload = encode(id, &tree.proof(i as u64).unwrap(), piece);
            assert!(index.verify(&ChunkPayload::parse(&payload).unwrap()));
            let plain = open_chunk(&key, id, piece).expect("opens in its place");
            assert_eq!(plain, photo.chunks(plain_chunk(MIN_CHUNK) as usize).nth(i).unwrap());
            // In another place, or with another key: refused.
            assert!(open_chunk(&key, ChunkId::new(0, i as u32 + 1), piece).is_none());
            assert!(open_chunk(&Key::generate(), id, piece).is_none());
        }
        let inner = manifest.open_inner(&sealed::open(&key, manifest.sealed()).unwrap()).unwrap();
        assert_eq!(inner[0].name, "secret-plans.png");
        assert_eq!(inner[1].size, 0);
        assert_eq!(leaf_hash(&[]).len(), 32);
    }

    #[test]
    fn malformed_or_inconsistent_encrypted_manifests_are_refused() {
        let key = Key::generate();
        let (manifest, _) = page(&key, &[("a", &[1; 100])]);
        let wire = manifest.wire();
        for bad in [
            wire.replace("\"chunk\":16384", "\"chunk\":16385"),
            wire.replace("{\"size\"", "{\"name\":\"x\",\"size\""),
            wire.replace("ep2p-sfiles1:", "ep2p-sfiles1: "),
            wire.replace("\"sealed\":\"ep2p1:", "\"sealed\":\"nope:"),
            wire.replace(&format!("\"size\":{}", 116), "\"size\":16"),
        ] {
            assert!(SealedManifest::parse(&bad, DEFAULT_FILE_LIMIT).is_err(), "{bad}");
        }
        assert!(SealedManifest::parse(&wire, 50).is_err(), "over the limit");
        // Inner files that do not match the outer sizes, or more of them.
        let lying =
            serde_json::json!({"files": [{"name": "a", "type": "image/png", "size": 99}]}).to_string();
        assert!(manifest.open_inner(&lying).is_err());
        let bad_name =
            serde_json::json!({"files": [{"name": "../a", "type": "image/png", "size": 100}]}).to_string();
        assert!(manifest.open_inner(&bad_name).is_err());
        // A plain manifest is read by index_of too; other text is not a file page.
        assert!(index_of("hello", DEFAULT_FILE_LIMIT).is_none());
    }

    /// One entry of `core/vectors/sealed_files.json`.
    #[derive(serde::Deserialize)]
    struct Vector {
        key: String,
        inner_nonce: String,
        chunk: u32,
        /// Each file's bytes are `byte(i) = (i * 7 + seed) % 251`.
        files: Vec<VectorFile>,
        wire: String,
        address: String,
        chunk_sha256: Vec<Vec<String>>,
    }

    #[derive(serde::Deserialize)]
    struct VectorFile {
        name: String,
        #[serde(rename = "type")]
        media_type: String,
        size: u64,
        seed: u64,
    }

    #[test]
    fn known_answers_from_a_second_implementation() {
        use sha2::{Digest, Sha256};
        let vectors: Vec<Vector> =
            serde_json::from_str(include_str!("../vectors/sealed_files.json")).unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let key = Key::from_fragment(&v.key).unwrap().unwrap();
            let nonce = sealed::parse_nonce(&v.inner_nonce).unwrap();
            let mut outer = Vec::new();
            for (f, file) in v.files.iter().enumerate() {
                let data: Vec<u8> = (0..file.size).map(|i| ((i * 7 + file.seed) % 251) as u8).collect();
                let mut leaves = Vec::new();
                for (i, piece) in data.chunks(plain_chunk(v.chunk) as usize).enumerate() {
                    let id = ChunkId::new(f as u32, i as u32);
                    let sealed = seal_chunk(&key, id, piece);
                    assert_eq!(
                        manifest::to_hex(&Sha256::digest(&sealed).into()),
                        v.chunk_sha256[f][i],
                        "file {f} chunk {i}"
                    );
                    assert_eq!(open_chunk(&key, id, &sealed).unwrap(), piece);
                    leaves.push(leaf_hash(&sealed));
                }
                outer.push(SealedEntry { size: sealed_size(file.size, v.chunk), root: root_of(leaves) });
            }
            let inner: Vec<InnerEntry> = v
                .files
                .iter()
                .map(|f| InnerEntry { name: f.name.clone(), media_type: f.media_type.clone(), size: f.size })
                .collect();
            let sealed_inner =
                sealed::seal_with_nonce(&key, nonce, &SealedManifest::inner_text(&inner).unwrap());
            let manifest = SealedManifest::new(v.chunk, outer, sealed_inner, DEFAULT_FILE_LIMIT).unwrap();
            assert_eq!(manifest.wire(), v.wire);
            assert_eq!(crate::protocol::PageHash::of(&v.wire).to_string(), v.address);
            let parsed = SealedManifest::parse(&v.wire, DEFAULT_FILE_LIMIT).unwrap();
            assert_eq!(parsed.open_inner(&sealed::open(&key, parsed.sealed()).unwrap()).unwrap(), inner);
        }
    }

    #[test]
    fn chunk_nonces_name_their_place_and_never_look_random_ones() {
        assert_eq!(chunk_nonce(ChunkId::new(1, 2)), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(sealed_size(0, MIN_CHUNK), 0);
        assert_eq!(sealed_size(1, MIN_CHUNK), 17);
        assert_eq!(sealed_size(plain_chunk(MIN_CHUNK), MIN_CHUNK), u64::from(MIN_CHUNK));
        assert_eq!(sealed_size(plain_chunk(MIN_CHUNK) + 1, MIN_CHUNK), u64::from(MIN_CHUNK) + 17);
    }
}
