//! Where a file page's chunks live in the browser (hydrate only): the
//! author's own `File`s, read a slice at a time when a chunk is asked for
//! (never copied into memory), and downloaded chunks in the Origin Private
//! File System, one file per chunk as it travelled (its proof included, so
//! it is served as it came), under `ep2p/<hash>/`. Reached only through
//! the lazy parts in `lazy` (`files_*`): none of this is in the first load.

use crate::chunk::{self, ChunkId, ChunkIndex};
use crate::manifest::{self, FileEntry, Manifest, Tree};
use crate::protocol::PageHash;
use js_sys::{Array, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, FileSystemDirectoryHandle, FileSystemFileHandle};

/// The files this tab shares, with their trees, by page.
struct Author {
    files: Vec<File>,
    trees: Vec<Tree>,
    chunk: u32,
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

/// The manifest of `files` (each read once, a chunk at a time, to hash
/// it), registered as this tab's to serve: the page's wire text.
pub async fn share(files: Vec<File>) -> Result<String, String> {
    let chunk = manifest::DEFAULT_CHUNK;
    let mut entries = Vec::new();
    let mut trees = Vec::new();
    for file in &files {
        let size = file.size() as u64;
        let mut leaves = Vec::new();
        let mut at = 0;
        while at < size {
            let end = (at + u64::from(chunk)).min(size);
            let bytes =
                read_slice(file, at, end).await.map_err(|_| format!("{} could not be read", file.name()))?;
            leaves.push(manifest::leaf_hash(&bytes));
            at = end;
        }
        let tree = Tree::new(leaves);
        let media_type = file.type_().to_ascii_lowercase();
        let media_type =
            if media_type.contains('/') { media_type } else { "application/octet-stream".into() };
        entries.push(FileEntry { name: file.name(), media_type, size, root: manifest::to_hex(&tree.root()) });
        trees.push(tree);
    }
    let manifest = Manifest::new(chunk, entries, manifest::DEFAULT_FILE_LIMIT).map_err(|e| e.to_string())?;
    let wire = manifest.wire();
    let author = Rc::new(Author { files, trees, chunk });
    AUTHORS.with(|authors| authors.borrow_mut().insert(PageHash::of(&wire), author));
    Ok(wire)
}

fn author_of(hash: PageHash) -> Option<Rc<Author>> {
    AUTHORS.with(|authors| authors.borrow().get(&hash).cloned())
}

/// This origin's private folder for one page's chunks.
async fn folder(hash: PageHash) -> Result<FileSystemDirectoryHandle, JsValue> {
    let storage = web_sys::window().ok_or(JsValue::NULL)?.navigator().storage();
    let root: FileSystemDirectoryHandle = JsFuture::from(storage.get_directory()).await?.dyn_into()?;
    let options = web_sys::FileSystemGetDirectoryOptions::new();
    options.set_create(true);
    let app: FileSystemDirectoryHandle =
        JsFuture::from(root.get_directory_handle_with_options("ep2p", &options)).await?.dyn_into()?;
    JsFuture::from(app.get_directory_handle_with_options(&hash.to_string(), &options)).await?.dyn_into()
}

fn name_of(id: ChunkId) -> String {
    format!("{}-{}", id.file, id.index)
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

async fn stored(hash: PageHash, index: &ChunkIndex) -> Result<Vec<ChunkId>, JsValue> {
    let dir = folder(hash).await?;
    let names = dir.keys();
    let mut held = Vec::new();
    loop {
        let next = JsFuture::from(names.next()?).await?;
        if js_sys::Reflect::get(&next, &"done".into())?.is_truthy() {
            break;
        }
        let name = js_sys::Reflect::get(&next, &"value".into())?.as_string().unwrap_or_default();
        let Some((file, number)) = name.split_once('-') else { continue };
        let (Ok(file), Ok(number)) = (file.parse(), number.parse()) else { continue };
        let id = ChunkId::new(file, number);
        // A chunk written whole has its full length (a write cut short is asked for again).
        let Some(length) = index.chunk_len(id) else { continue };
        let count = index.chunks(file).unwrap_or(0);
        let expected = chunk::header_len(chunk::proof_len(u64::from(number), count)) + length as usize;
        let handle: FileSystemFileHandle = JsFuture::from(dir.get_file_handle(&name)).await?.dyn_into()?;
        let file: File = JsFuture::from(handle.get_file()).await?.dyn_into()?;
        if file.size() as usize == expected {
            held.push(id);
        }
    }
    Ok(held)
}

/// Stores a checked chunk's payload; false if it could not be.
pub async fn store(hash: PageHash, id: ChunkId, payload: Vec<u8>) -> bool {
    write(hash, id, &payload).await.is_ok()
}

async fn write(hash: PageHash, id: ChunkId, payload: &[u8]) -> Result<(), JsValue> {
    let dir = folder(hash).await?;
    let options = web_sys::FileSystemGetFileOptions::new();
    options.set_create(true);
    let handle: FileSystemFileHandle =
        JsFuture::from(dir.get_file_handle_with_options(&name_of(id), &options)).await?.dyn_into()?;
    let writable: web_sys::FileSystemWritableFileStream =
        JsFuture::from(handle.create_writable()).await?.dyn_into()?;
    JsFuture::from(writable.write_with_u8_array(payload)?).await?;
    JsFuture::from(writable.close()).await?;
    Ok(())
}

/// A held chunk's payload, to send to whoever asked.
pub async fn read(hash: PageHash, id: ChunkId) -> Option<Vec<u8>> {
    if let Some(author) = author_of(hash) {
        let file = author.files.get(id.file as usize)?;
        let size = file.size() as u64;
        let start = u64::from(id.index) * u64::from(author.chunk);
        let data = read_slice(file, start, (start + u64::from(author.chunk)).min(size)).await.ok()?;
        let proof = author.trees.get(id.file as usize)?.proof(u64::from(id.index))?;
        return Some(chunk::encode(id, &proof, &data));
    }
    let dir = folder(hash).await.ok()?;
    let handle: FileSystemFileHandle =
        JsFuture::from(dir.get_file_handle(&name_of(id))).await.ok()?.dyn_into().ok()?;
    let file: File = JsFuture::from(handle.get_file()).await.ok()?.dyn_into().ok()?;
    read_slice(&file, 0, file.size() as u64).await.ok()
}

/// File `file` of the page whole, as a blob on disk (chunks' bytes sliced
/// past their proofs, nothing read into memory), of `media_type`.
pub async fn assemble(
    hash: PageHash,
    index: &ChunkIndex,
    file: u32,
    media_type: &str,
) -> Result<Blob, JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type(media_type);
    if let Some(author) = author_of(hash) {
        let own = author.files.get(file as usize).ok_or(JsValue::NULL)?;
        let parts = Array::of1(own);
        return Blob::new_with_blob_sequence_and_options(&parts, &options);
    }
    let dir = folder(hash).await?;
    let parts = Array::new();
    let count = index.chunks(file).unwrap_or(0);
    for i in 0..count {
        let id = ChunkId::new(file, i as u32);
        let handle: FileSystemFileHandle =
            JsFuture::from(dir.get_file_handle(&name_of(id))).await?.dyn_into()?;
        let stored: File = JsFuture::from(handle.get_file()).await?.dyn_into()?;
        let skip = chunk::header_len(chunk::proof_len(i, count));
        let bytes: JsValue = stored.slice_with_f64(skip as f64)?.into();
        parts.push(&bytes);
    }
    Blob::new_with_blob_sequence_and_options(&parts, &options)
}
