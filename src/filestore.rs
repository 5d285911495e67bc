//! Where a file page's chunks live in the browser (hydrate only): the
//! author's own `File`s, read a slice at a time when a chunk is asked for
//! (never copied into memory; sealed on the way out when the page is
//! encrypted), and downloaded chunks on disk, one entry per chunk as it
//! travelled (its proof included, so it is served as it came): in the
//! Origin Private File System under `ep2p/<hash>/`, or in IndexedDB
//! (database `ep2p-chunks`) where OPFS is missing. An encrypted page's
//! files are opened chunk by chunk into entries of their own before they
//! are saved or previewed, so no file is ever whole in memory.
//!
//! Reached only through the lazy parts in `lazy` (`files_*`): none of
//! this is in the first load.

use crate::chunk::{self, ChunkId, ChunkIndex};
use crate::crypto::ChunkCipher;
use crate::manifest::{self, FileEntry, Manifest, Tree};
use crate::protocol::PageHash;
use crate::sealed::Key;
use crate::sealed_files::{self, InnerEntry, SealedEntry, SealedManifest};
use js_sys::{Array, Uint8Array};
use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, FileSystemDirectoryHandle, FileSystemFileHandle};

/// The files this tab shares, with their trees (of what travels: the
/// ciphertext's when sealed), by page.
struct Author {
    files: Vec<File>,
    trees: Vec<Tree>,
    /// Bytes of a file per chunk.
    plain_chunk: u64,
    /// The page's key, when its chunks are sealed.
    cipher: Option<ChunkCipher>,
}

thread_local! {
    static AUTHORS: RefCell<HashMap<PageHash, Rc<Author>>> = RefCell::new(HashMap::new());
}

/// Reads bytes `start..end` of a blob.
async fn read_slice(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, JsValue> {
    let slice = blob.slice_with_f64_and_f64(start as f64, end as f64)?;
    let buffer = JsFuture::from(slice.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A file's media type as a manifest holds it.
fn media_type_of(file: &File) -> String {
    let media_type = file.type_().to_ascii_lowercase();
    if media_type.contains('/') {
        media_type
    } else {
        "application/octet-stream".into()
    }
}

/// The manifest of `files` (each read once, a chunk at a time, to hash
/// it), registered as this tab's to serve: the page's wire text. With a
/// key, the page is encrypted: the names inside the seal, every chunk
/// sealed (and hashed as it travels).
pub async fn share(files: Vec<File>, key: Option<Key>) -> Result<String, String> {
    let chunk = manifest::DEFAULT_CHUNK;
    let cipher = match &key {
        Some(key) => Some(ChunkCipher::new(key).await.map_err(|_| "this browser cannot encrypt here")?),
        None => None,
    };
    let plain_chunk = if cipher.is_some() { sealed_files::plain_chunk(chunk) } else { u64::from(chunk) };
    let mut trees = Vec::new();
    for (number, file) in files.iter().enumerate() {
        let size = file.size() as u64;
        let mut leaves = Vec::new();
        let mut at = 0;
        while at < size {
            let end = (at + plain_chunk).min(size);
            let mut bytes =
                read_slice(file, at, end).await.map_err(|_| format!("{} could not be read", file.name()))?;
            if let Some(cipher) = &cipher {
                let id = ChunkId::new(number as u32, leaves.len() as u32);
                bytes = cipher.seal(id, &bytes).await.map_err(|_| "a chunk could not be encrypted")?;
            }
            leaves.push(manifest::leaf_hash(&bytes));
            at = end;
        }
        trees.push(Tree::new(leaves));
    }
    let root = |tree: &Tree| manifest::to_hex(&tree.root());
    let wire = match (&key, &cipher) {
        (Some(key), Some(_)) => {
            let inner: Vec<InnerEntry> = files
                .iter()
                .map(|f| InnerEntry { name: f.name(), media_type: media_type_of(f), size: f.size() as u64 })
                .collect();
            let inner = SealedManifest::inner_text(&inner).map_err(|e| e.to_string())?;
            let sealed =
                crate::crypto::seal(key, &inner).await.map_err(|_| "the names could not be encrypted")?;
            let entries = files
                .iter()
                .zip(&trees)
                .map(|(f, tree)| SealedEntry {
                    size: sealed_files::sealed_size(f.size() as u64, chunk),
                    root: root(tree),
                })
                .collect();
            SealedManifest::new(chunk, entries, sealed, manifest::DEFAULT_FILE_LIMIT)
                .map_err(|e| e.to_string())?
                .wire()
        }
        _ => {
            let entries = files
                .iter()
                .zip(&trees)
                .map(|(f, tree)| FileEntry {
                    name: f.name(),
                    media_type: media_type_of(f),
                    size: f.size() as u64,
                    root: root(tree),
                })
                .collect();
            Manifest::new(chunk, entries, manifest::DEFAULT_FILE_LIMIT).map_err(|e| e.to_string())?.wire()
        }
    };
    let author = Rc::new(Author { files, trees, plain_chunk, cipher });
    AUTHORS.with(|authors| authors.borrow_mut().insert(PageHash::of(&wire), author));
    Ok(wire)
}

fn author_of(hash: PageHash) -> Option<Rc<Author>> {
    AUTHORS.with(|authors| authors.borrow().get(&hash).cloned())
}

/// Where this browser keeps one page's chunks.
enum Shelf {
    /// `ep2p/<hash>/` in the Origin Private File System.
    Opfs(FileSystemDirectoryHandle),
    /// Entries `<hash>/<name>` of IndexedDB's `ep2p-chunks`, where OPFS is missing.
    Idb(Rexie, String),
}

const DATABASE: &str = "ep2p-chunks";
const STORE: &str = "chunks";
const FOLDER: &str = "ep2p";

async fn database() -> Result<Rexie, JsValue> {
    Rexie::builder(DATABASE)
        .version(1)
        .add_object_store(ObjectStore::new(STORE))
        .build()
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))
}

fn idb_error(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// This origin's private folder for the app's chunks, if the browser has one.
async fn opfs_root() -> Result<FileSystemDirectoryHandle, JsValue> {
    let storage = web_sys::window().ok_or(JsValue::NULL)?.navigator().storage();
    // Browsers without OPFS have no `getDirectory` (and some refuse it, in private windows).
    let get_directory = js_sys::Reflect::get(&storage, &"getDirectory".into())?;
    if !get_directory.is_function() {
        return Err(JsValue::from_str("no OPFS"));
    }
    let root: FileSystemDirectoryHandle = JsFuture::from(storage.get_directory()).await?.dyn_into()?;
    let options = web_sys::FileSystemGetDirectoryOptions::new();
    options.set_create(true);
    JsFuture::from(root.get_directory_handle_with_options(FOLDER, &options)).await?.dyn_into()
}

impl Shelf {
    async fn of(hash: PageHash) -> Result<Self, JsValue> {
        match opfs_root().await {
            Ok(app) => {
                let options = web_sys::FileSystemGetDirectoryOptions::new();
                options.set_create(true);
                let folder =
                    JsFuture::from(app.get_directory_handle_with_options(&hash.to_string(), &options))
                        .await?
                        .dyn_into()?;
                Ok(Self::Opfs(folder))
            }
            Err(_) => Ok(Self::Idb(database().await?, hash.to_string())),
        }
    }

    fn key(prefix: &str, name: &str) -> JsValue {
        JsValue::from_str(&format!("{prefix}/{name}"))
    }

    /// Every entry's name and size.
    async fn list(&self) -> Result<Vec<(String, u64)>, JsValue> {
        let mut entries = Vec::new();
        match self {
            Self::Opfs(dir) => {
                let names = dir.keys();
                loop {
                    let next = JsFuture::from(names.next()?).await?;
                    if js_sys::Reflect::get(&next, &"done".into())?.is_truthy() {
                        break;
                    }
                    let name = js_sys::Reflect::get(&next, &"value".into())?.as_string().unwrap_or_default();
                    if let Some(blob) = self.get(&name).await? {
                        entries.push((name, blob.size() as u64));
                    }
                }
            }
            Self::Idb(db, prefix) => {
                let transaction = db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(idb_error)?;
                let store = transaction.store(STORE).map_err(idb_error)?;
                let range =
                    KeyRange::bound(&Self::key(prefix, ""), &Self::key(prefix, "\u{ffff}"), None, None)
                        .map_err(idb_error)?;
                for (key, value) in store.scan(Some(range), None, None, None).await.map_err(idb_error)? {
                    let (Some(key), Ok(blob)) = (key.as_string(), value.dyn_into::<Blob>()) else { continue };
                    let name = key.split_once('/').map_or("", |(_, n)| n).to_string();
                    entries.push((name, blob.size() as u64));
                }
            }
        }
        Ok(entries)
    }

    async fn put(&self, name: &str, bytes: &[u8]) -> Result<(), JsValue> {
        match self {
            Self::Opfs(dir) => {
                let options = web_sys::FileSystemGetFileOptions::new();
                options.set_create(true);
                let handle: FileSystemFileHandle =
                    JsFuture::from(dir.get_file_handle_with_options(name, &options)).await?.dyn_into()?;
                let writable: web_sys::FileSystemWritableFileStream =
                    JsFuture::from(handle.create_writable()).await?.dyn_into()?;
                JsFuture::from(writable.write_with_u8_array(bytes)?).await?;
                JsFuture::from(writable.close()).await?;
            }
            Self::Idb(db, prefix) => {
                // A blob: IndexedDB keeps it on disk, and reading it back reads nothing into memory.
                let parts = Array::of1(&Uint8Array::from(bytes));
                let blob = Blob::new_with_u8_array_sequence(&parts)?;
                let transaction = db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(idb_error)?;
                let store = transaction.store(STORE).map_err(idb_error)?;
                store.put(&blob, Some(&Self::key(prefix, name))).await.map_err(idb_error)?;
                transaction.done().await.map_err(idb_error)?;
            }
        }
        Ok(())
    }

    /// An entry, as a blob on disk.
    async fn get(&self, name: &str) -> Result<Option<Blob>, JsValue> {
        match self {
            Self::Opfs(dir) => {
                let Ok(handle) = JsFuture::from(dir.get_file_handle(name)).await else { return Ok(None) };
                let handle: FileSystemFileHandle = handle.dyn_into()?;
                let file: File = JsFuture::from(handle.get_file()).await?.dyn_into()?;
                Ok(Some(file.into()))
            }
            Self::Idb(db, prefix) => {
                let transaction = db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(idb_error)?;
                let store = transaction.store(STORE).map_err(idb_error)?;
                let value = store.get(Self::key(prefix, name)).await.map_err(idb_error)?;
                Ok(value.and_then(|v| v.dyn_into::<Blob>().ok()))
            }
        }
    }
}

/// Forgets every chunk of page `hash` this browser keeps.
pub async fn forget(hash: PageHash) {
    if let Ok(app) = opfs_root().await {
        let options = web_sys::FileSystemRemoveOptions::new();
        options.set_recursive(true);
        let _ = JsFuture::from(app.remove_entry_with_options(&hash.to_string(), &options)).await;
        return;
    }
    let remove = async {
        let db = database().await?;
        let transaction = db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(idb_error)?;
        let store = transaction.store(STORE).map_err(idb_error)?;
        let prefix = hash.to_string();
        let range = KeyRange::bound(&Shelf::key(&prefix, ""), &Shelf::key(&prefix, "\u{ffff}"), None, None)
            .map_err(idb_error)?;
        store.delete(range.into()).await.map_err(idb_error)?;
        transaction.done().await.map_err(idb_error)?;
        Ok(())
    };
    let _: Result<(), JsValue> = remove.await;
}

fn name_of(id: ChunkId) -> String {
    format!("{}-{}", id.file, id.index)
}

/// The name of chunk `id` opened (an encrypted page's file, in the clear).
fn opened_name(id: ChunkId) -> String {
    format!("p{}-{}", id.file, id.index)
}

/// The chunks held for `hash`: every one for the author's own files,
/// else those stored by an earlier visit (a reload resumes from them).
pub async fn open(hash: PageHash, index: &ChunkIndex) -> Vec<ChunkId> {
    if author_of(hash).is_some() {
        return (0..index.files() as u32)
            .flat_map(|f| (0..index.chunks(f).unwrap_or(0)).map(move |i| ChunkId::new(f, i as u32)))
            .collect();
    }
    stored(hash, index).await.unwrap_or_default()
}

/// Bytes chunk `id` takes as stored (its header and proof, then its data).
fn stored_len(index: &ChunkIndex, id: ChunkId) -> Option<u64> {
    let length = index.chunk_len(id)?;
    let count = index.chunks(id.file)?;
    Some(chunk::header_len(chunk::proof_len(u64::from(id.index), count)) as u64 + u64::from(length))
}

async fn stored(hash: PageHash, index: &ChunkIndex) -> Result<Vec<ChunkId>, JsValue> {
    let shelf = Shelf::of(hash).await?;
    let mut held = Vec::new();
    for (name, size) in shelf.list().await? {
        let Some((file, number)) = name.split_once('-') else { continue };
        let (Ok(file), Ok(number)) = (file.parse(), number.parse()) else { continue };
        let id = ChunkId::new(file, number);
        // A chunk written whole has its full length (a write cut short is asked for again).
        if stored_len(index, id) == Some(size) {
            held.push(id);
        }
    }
    Ok(held)
}

/// Stores a checked chunk's payload; false if it could not be.
pub async fn store(hash: PageHash, id: ChunkId, payload: Vec<u8>) -> bool {
    match Shelf::of(hash).await {
        Ok(shelf) => shelf.put(&name_of(id), &payload).await.is_ok(),
        Err(_) => false,
    }
}

/// A held chunk's payload, to send to whoever asked.
pub async fn read(hash: PageHash, id: ChunkId) -> Option<Vec<u8>> {
    if let Some(author) = author_of(hash) {
        let file = author.files.get(id.file as usize)?;
        let size = file.size() as u64;
        let start = u64::from(id.index) * author.plain_chunk;
        let mut data = read_slice(file, start, (start + author.plain_chunk).min(size)).await.ok()?;
        if let Some(cipher) = &author.cipher {
            // The same key, nonce and bytes seal to the same chunk the tree hashed.
            data = cipher.seal(id, &data).await.ok()?;
        }
        let proof = author.trees.get(id.file as usize)?.proof(u64::from(id.index))?;
        return Some(chunk::encode(id, &proof, &data));
    }
    let blob = Shelf::of(hash).await.ok()?.get(&name_of(id)).await.ok()??;
    read_slice(&blob, 0, blob.size() as u64).await.ok()
}

/// Why a file could not be put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssembleError {
    /// A chunk is missing from storage (or storage failed).
    Storage,
    /// A chunk does not open with the link's key.
    WrongKey,
}

/// File `file` of the page whole, as a blob on disk (chunks' bytes sliced
/// past their proofs, nothing read into memory; an encrypted page's
/// chunks opened with `key` into entries of their own first), of
/// `media_type`.
pub async fn assemble(
    hash: PageHash,
    index: &ChunkIndex,
    file: u32,
    media_type: &str,
    key: Option<Key>,
) -> Result<Blob, AssembleError> {
    let options = BlobPropertyBag::new();
    options.set_type(media_type);
    let blob = |parts: &Array| {
        Blob::new_with_blob_sequence_and_options(parts, &options).map_err(|_| AssembleError::Storage)
    };
    if let Some(author) = author_of(hash) {
        let own = author.files.get(file as usize).ok_or(AssembleError::Storage)?;
        return blob(&Array::of1(own));
    }
    let shelf = Shelf::of(hash).await.map_err(|_| AssembleError::Storage)?;
    let cipher = match &key {
        Some(key) => Some(ChunkCipher::new(key).await.map_err(|_| AssembleError::Storage)?),
        None => None,
    };
    let parts = Array::new();
    let count = index.chunks(file).unwrap_or(0);
    for i in 0..count {
        let id = ChunkId::new(file, i as u32);
        let stored = shelf.get(&name_of(id)).await.ok().flatten().ok_or(AssembleError::Storage)?;
        let skip = chunk::header_len(chunk::proof_len(i, count)) as f64;
        let Some(cipher) = &cipher else {
            parts.push(&stored.slice_with_f64(skip).map_err(|_| AssembleError::Storage)?.into());
            continue;
        };
        // Opened once: a save or preview after the first reads the opened entry.
        let plain_len =
            u64::from(index.chunk_len(id).ok_or(AssembleError::Storage)?) - sealed_files::TAG_LEN as u64;
        let opened = match shelf.get(&opened_name(id)).await.ok().flatten() {
            Some(opened) if opened.size() as u64 == plain_len => opened,
            _ => {
                let sealed = read_slice(&stored, skip as u64, stored.size() as u64)
                    .await
                    .map_err(|_| AssembleError::Storage)?;
                let plain = cipher.open(id, &sealed).await.map_err(|_| AssembleError::WrongKey)?;
                shelf.put(&opened_name(id), &plain).await.map_err(|_| AssembleError::Storage)?;
                shelf.get(&opened_name(id)).await.ok().flatten().ok_or(AssembleError::Storage)?
            }
        };
        parts.push(&opened);
    }
    blob(&parts)
}

/// Copies the author's own files of page `hash` to disk, chunk by chunk as
/// they travel ("Keep a copy": hosted again after this tab is gone);
/// nothing to do for a page whose chunks were downloaded (they are there).
pub async fn keep(hash: PageHash, index: &ChunkIndex) -> Result<(), String> {
    if author_of(hash).is_none() {
        return Ok(());
    }
    let shelf = Shelf::of(hash).await.map_err(|_| "this browser has no storage for files here")?;
    let held: std::collections::HashSet<ChunkId> =
        stored(hash, index).await.unwrap_or_default().into_iter().collect();
    for file in 0..index.files() as u32 {
        for i in 0..index.chunks(file).unwrap_or(0) {
            let id = ChunkId::new(file, i as u32);
            if held.contains(&id) {
                continue;
            }
            let payload = read(hash, id).await.ok_or("a shared file can no longer be read")?;
            shelf.put(&name_of(id), &payload).await.map_err(|_| "the browser's storage is full")?;
        }
    }
    Ok(())
}

/// The first `limit` bytes of a file, as text (invalid UTF-8 replaced, a
/// character cut at the end dropped).
pub async fn text_of(blob: &Blob, limit: u32) -> Option<String> {
    let bytes = read_slice(blob, 0, (blob.size() as u64).min(u64::from(limit))).await.ok()?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if (blob.size() as u64) > u64::from(limit) && text.ends_with('\u{fffd}') {
        text.pop();
    }
    Some(text)
}
