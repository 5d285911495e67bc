//! File pages (docs/protocol.md, "File pages"): making a manifest from
//! files on disk (plain, or sealed chunk by chunk), reading a shared file's
//! chunks where it is, and keeping chunks as they arrived (each with its
//! proof, so it is served as it came). The page's connection — what to
//! ask for, what a chunk is worth, what to announce — is the core's
//! machine (`peer.rs` carries out its commands).

use ep2p_core::chunk::{self, ChunkId, ChunkIndex, ChunkPayload};
use ep2p_core::manifest::{self, FileEntry, Manifest, Tree};
use ep2p_core::protocol::PageHash;
use ep2p_core::sealed::{self, Key, SealedError};
use ep2p_core::sealed_files::{self, InnerEntry, SealedEntry, SealedManifest};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A file page's manifest, plain or encrypted.
#[derive(Debug, Clone)]
pub enum Kind {
    Plain(Manifest),
    Sealed(SealedManifest),
}

/// A file page: its manifest's wire text, the manifest, and its address.
#[derive(Debug, Clone)]
pub struct FilePage {
    pub hash: PageHash,
    pub wire: String,
    pub kind: Kind,
}

/// One file as a reader saves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub size: u64,
}

impl FilePage {
    /// A page's wire text, if it is a file page's manifest (plain or
    /// encrypted) within `limit`.
    pub fn of(wire: &str, limit: u64) -> Option<Self> {
        let kind = match Manifest::parse(wire, limit) {
            Ok(manifest) => Kind::Plain(manifest),
            Err(_) => Kind::Sealed(SealedManifest::parse(wire, limit).ok()?),
        };
        Some(Self { hash: PageHash::of(wire), wire: wire.to_string(), kind })
    }

    pub fn index(&self) -> ChunkIndex {
        match &self.kind {
            Kind::Plain(manifest) => ChunkIndex::of(manifest),
            Kind::Sealed(manifest) => manifest.index(),
        }
    }

    pub fn is_sealed(&self) -> bool {
        matches!(self.kind, Kind::Sealed(_))
    }

    /// The files' names and sizes (an encrypted page's need its key).
    pub fn files(&self, key: Option<&Key>) -> Result<Vec<Named>, SealedError> {
        match (&self.kind, key) {
            (Kind::Plain(manifest), _) => {
                Ok(manifest.files().iter().map(|f| Named { name: f.name.clone(), size: f.size }).collect())
            }
            (Kind::Sealed(_), None) => Err(SealedError::NotSealed),
            (Kind::Sealed(manifest), Some(key)) => {
                let inner = sealed::open(key, manifest.sealed())?;
                let files = manifest.open_inner(&inner).map_err(|_| SealedError::Malformed)?;
                Ok(files.into_iter().map(|f| Named { name: f.name, size: f.size }).collect())
            }
        }
    }
}

/// An encrypted file page of `paths` under `key`: each file sealed chunk
/// by chunk into `into` (as payloads with their proofs, ready to host:
/// without the key, which is kept nowhere, the files cannot be read again).
pub fn seal_files(paths: &[PathBuf], key: &Key, into: &ChunkDir, limit: u64) -> io::Result<FilePage> {
    let chunk = manifest::DEFAULT_CHUNK;
    let plain = sealed_files::plain_chunk(chunk) as usize;
    let mut outer = Vec::new();
    let mut inner = Vec::new();
    for (f, path) in paths.iter().enumerate() {
        // Once for the tree, once more to write each chunk with its proof
        // (a chunk seals the same both times: its nonce is its place).
        let seal_each = |each: &mut dyn FnMut(ChunkId, Vec<u8>) -> io::Result<()>| -> io::Result<u64> {
            let mut file = std::fs::File::open(path)?;
            let mut buffer = vec![0; plain];
            let (mut size, mut i) = (0u64, 0u32);
            loop {
                let read = read_full(&mut file, &mut buffer)?;
                if read == 0 {
                    break;
                }
                size += read as u64;
                let id = ChunkId::new(f as u32, i);
                each(id, sealed_files::seal_chunk(key, id, &buffer[..read]))?;
                i += 1;
            }
            Ok(size)
        };
        let mut leaves = Vec::new();
        let size = seal_each(&mut |_, sealed| {
            leaves.push(manifest::leaf_hash(&sealed));
            Ok(())
        })?;
        let tree = Tree::new(leaves);
        seal_each(&mut |id, sealed| {
            let proof = tree
                .proof(u64::from(id.index))
                .ok_or_else(|| io::Error::other("the file grew while sealed"))?;
            into.put(id, &chunk::encode(id, &proof, &sealed))
        })?;
        outer.push(SealedEntry {
            size: sealed_files::sealed_size(size, chunk),
            root: manifest::to_hex(&tree.root()),
        });
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file").to_string();
        inner.push(InnerEntry { media_type: media_type(&name).into(), name, size });
    }
    let invalid = |e: manifest::ManifestError| io::Error::new(io::ErrorKind::InvalidInput, e);
    let names = sealed::seal(key, &SealedManifest::inner_text(&inner).map_err(invalid)?);
    let manifest = SealedManifest::new(chunk, outer, names, limit).map_err(invalid)?;
    let wire = manifest.wire();
    Ok(FilePage { hash: PageHash::of(&wire), wire, kind: Kind::Sealed(manifest) })
}

/// The manifest of `paths` (each read once, a chunk at a time) and each
/// file's tree, for hosting them from where they are.
pub fn manifest_of(paths: &[PathBuf], limit: u64) -> io::Result<(FilePage, Vec<Tree>)> {
    let chunk = manifest::DEFAULT_CHUNK;
    let mut entries = Vec::new();
    let mut trees = Vec::new();
    for path in paths {
        let mut file = std::fs::File::open(path)?;
        let mut leaves = Vec::new();
        let mut buffer = vec![0; chunk as usize];
        let mut size = 0u64;
        loop {
            let read = read_full(&mut file, &mut buffer)?;
            if read == 0 {
                break;
            }
            size += read as u64;
            leaves.push(manifest::leaf_hash(&buffer[..read]));
        }
        let tree = Tree::new(leaves);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file").to_string();
        entries.push(FileEntry {
            media_type: media_type(&name).into(),
            name,
            size,
            root: manifest::to_hex(&tree.root()),
        });
        trees.push(tree);
    }
    let manifest =
        Manifest::new(chunk, entries, limit).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let wire = manifest.wire();
    Ok((FilePage { hash: PageHash::of(&wire), wire, kind: Kind::Plain(manifest) }, trees))
}

/// Reads until `buffer` is full or the file ends.
fn read_full(file: &mut std::fs::File, buffer: &mut [u8]) -> io::Result<usize> {
    let mut read = 0;
    while read < buffer.len() {
        match file.read(&mut buffer[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read)
}

/// A media type from a file name's extension (what browsers would say for
/// the common ones; anything else is plain bytes).
pub fn media_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" | "md" => "text/plain",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "zip" => "application/zip",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// Where a page's chunks come from when asked.
pub enum Source {
    /// The files themselves (`host`): read where they are, never copied.
    Originals { paths: Vec<PathBuf>, trees: Vec<Tree> },
    /// Chunks kept as they arrived, with their proofs (`keep`, `get`).
    Stored(ChunkDir),
}

impl Source {
    /// Chunk `id`'s payload, if held here.
    pub fn payload(&self, index: &ChunkIndex, id: ChunkId) -> Option<Vec<u8>> {
        match self {
            Source::Stored(dir) => dir.get(id),
            Source::Originals { paths, trees } => {
                let length = index.chunk_len(id)?;
                let mut file = std::fs::File::open(paths.get(id.file as usize)?).ok()?;
                file.seek(SeekFrom::Start(u64::from(id.index) * u64::from(index.chunk()))).ok()?;
                let mut data = vec![0; length as usize];
                file.read_exact(&mut data).ok()?;
                let proof = trees[id.file as usize].proof(u64::from(id.index))?;
                let payload = chunk::encode(id, &proof, &data);
                // The file may have changed since it was shared: never send what does not check.
                index.verify(&ChunkPayload::parse(&payload).ok()?).then_some(payload)
            }
        }
    }
}

/// A folder of chunks as they arrived: `<file>-<index>`, each a chunk's
/// payload (its id, proof and bytes), written whole then renamed.
pub struct ChunkDir(PathBuf);

impl ChunkDir {
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }

    fn file(&self, id: ChunkId) -> PathBuf {
        self.0.join(format!("{}-{}", id.file, id.index))
    }

    pub fn put(&self, id: ChunkId, payload: &[u8]) -> io::Result<()> {
        let tmp = self.0.join(format!(".{}-{}.tmp", id.file, id.index));
        std::fs::write(&tmp, payload)?;
        std::fs::rename(tmp, self.file(id))
    }

    pub fn get(&self, id: ChunkId) -> Option<Vec<u8>> {
        std::fs::read(self.file(id)).ok()
    }

    /// Every stored chunk that still checks out (one that does not is
    /// deleted): how a download resumes.
    pub fn resume(&self, index: &ChunkIndex) -> io::Result<Vec<ChunkId>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.0)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            let Some((file, number)) = name.split_once('-') else { continue };
            let (Ok(file), Ok(number)) = (file.parse(), number.parse()) else { continue };
            let id = ChunkId::new(file, number);
            let bytes = std::fs::read(&path)?;
            match ChunkPayload::parse(&bytes) {
                Ok(payload) if payload.id == id && index.verify(&payload) => found.push(id),
                _ => std::fs::remove_file(&path)?,
            }
        }
        Ok(found)
    }

    /// Writes file `file` whole to `to` from its chunks (all held), each
    /// opened with `key` first on an encrypted page.
    pub fn assemble(&self, index: &ChunkIndex, file: u32, to: &Path, key: Option<&Key>) -> io::Result<()> {
        use std::io::Write;
        let tmp =
            to.with_file_name(format!(".{}.part", to.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        for i in 0..index.chunks(file).unwrap_or(0) {
            let id = ChunkId::new(file, i as u32);
            let bytes = self.get(id).ok_or_else(|| io::Error::other(format!("chunk {i} is missing")))?;
            let payload = ChunkPayload::parse(&bytes).map_err(io::Error::other)?;
            match key {
                None => out.write_all(payload.data)?,
                Some(key) => {
                    let plain = sealed_files::open_chunk(key, id, payload.data).ok_or_else(|| {
                        io::Error::other(format!("chunk {i} does not open with the link's key"))
                    })?;
                    out.write_all(&plain)?;
                }
            }
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(tmp, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_is_made_from_files_and_their_chunks_check_out() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("photo.JPG");
        let b = dir.path().join("empty");
        let data: Vec<u8> = (0..600_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&a, &data).unwrap();
        std::fs::write(&b, b"").unwrap();
        let (page, trees) = manifest_of(&[a.clone(), b.clone()], manifest::DEFAULT_FILE_LIMIT).unwrap();
        let Kind::Plain(manifest) = &page.kind else { panic!("a plain page") };
        assert_eq!(manifest.files()[0].media_type, "image/jpeg");
        assert_eq!(manifest.files()[1].size, 0);
        assert_eq!(FilePage::of(&page.wire, manifest::DEFAULT_FILE_LIMIT).unwrap().hash, page.hash);
        let index = page.index();
        let source = Source::Originals { paths: vec![a.clone(), b], trees };
        for i in 0..3 {
            let payload = source.payload(&index, ChunkId::new(0, i)).expect("held");
            assert!(index.verify(&ChunkPayload::parse(&payload).unwrap()));
        }
        assert!(source.payload(&index, ChunkId::new(0, 3)).is_none());
        // The file changed after it was shared: its chunks are no longer sent.
        std::fs::write(&a, vec![0u8; 600_000]).unwrap();
        assert!(source.payload(&index, ChunkId::new(0, 0)).is_none());
    }

    #[test]
    fn stored_chunks_resume_a_download_and_assemble_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("data.bin");
        let data: Vec<u8> = (0..700_000u32).map(|i| (i * 13 % 253) as u8).collect();
        std::fs::write(&original, &data).unwrap();
        let (page, trees) =
            manifest_of(std::slice::from_ref(&original), manifest::DEFAULT_FILE_LIMIT).unwrap();
        let index = page.index();
        let source = Source::Originals { paths: vec![original], trees };
        let chunks = ChunkDir::open(dir.path().join("part")).unwrap();
        for i in [0, 2] {
            chunks.put(ChunkId::new(0, i), &source.payload(&index, ChunkId::new(0, i)).unwrap()).unwrap();
        }
        // A damaged chunk on disk is thrown away, not trusted.
        let mut damaged = source.payload(&index, ChunkId::new(0, 1)).unwrap();
        *damaged.last_mut().unwrap() ^= 1;
        chunks.put(ChunkId::new(0, 1), &damaged).unwrap();
        let mut held = chunks.resume(&index).unwrap();
        held.sort();
        assert_eq!(held, [ChunkId::new(0, 0), ChunkId::new(0, 2)]);
        assert!(chunks.get(ChunkId::new(0, 1)).is_none());
        chunks.put(ChunkId::new(0, 1), &source.payload(&index, ChunkId::new(0, 1)).unwrap()).unwrap();
        let out = dir.path().join("out.bin");
        chunks.assemble(&index, 0, &out, None).unwrap();
        assert_eq!(std::fs::read(out).unwrap(), data);
    }
}
