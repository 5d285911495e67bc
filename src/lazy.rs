//! The parts of the WASM a first visit does not load. Each function here is
//! a part of its own in the browser (Leptos' `#[lazy]`, split by `cargo
//! leptos build --split`): its code and what only it uses (a crate, a
//! format) are fetched the first time it is called, or when a view
//! preloads it just before (hovering the button that needs it), and the
//! service worker keeps every part for offline use. On the server they are
//! the same functions, plain `async`.
//!
//! The views call these, never what they wrap: a direct call would pull the
//! code back into the first part.

/// One lazy part per function: `#[lazy]` in the browser, a plain `async fn`
/// on the server (where nothing is split and nothing need be preloaded).
/// A view's own part (the chat panel's) is declared beside it with this.
/// Each part is named after its function (and where this macro is), so a
/// name may be used once in the crate.
#[macro_export]
macro_rules! parts {
    ($( $(#[$doc:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block )*) => {
        $(
            $(#[$doc])*
            #[cfg(feature = "hydrate")]
            #[leptos::lazy]
            pub fn $name($($arg: $ty),*) -> $ret $body

            $(#[$doc])*
            #[cfg(not(feature = "hydrate"))]
            pub async fn $name($($arg: $ty),*) -> $ret $body
        )*
    };
}

parts! {
    /// A page's Markdown as safe HTML (`pulldown-cmark`), its headings'
    /// links labelled `section_link`.
    pub fn markdown_html(text: String, section_link: String) -> String {
        crate::markdown::render(&text, &section_link)
    }

    /// The QR code of a link as SVG (`qrcode`), `None` if it is too long.
    pub fn qr_code(link: String) -> Option<String> {
        crate::qr::qr_svg(&link)
    }
}

/// Starts loading a part before it is called (a hover, a focus); loading
/// twice costs nothing. On the server: nothing.
#[macro_export]
macro_rules! preload {
    ($name:ident) => {{
        #[cfg(feature = "hydrate")]
        {
            let _ = leptos::prelude::lazy_preload!($crate::lazy::$name);
        }
    }};
}

/// Seals `text` with `key` (Web Crypto, AES-256-GCM, core's wire format)
/// and a fresh random nonce, or the one given (the known-answer tests').
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn seal_with(
    key: crate::sealed::Key,
    text: String,
    nonce: Option<[u8; crate::sealed::NONCE_LEN]>,
) -> Result<String, crate::crypto::CryptoError> {
    match nonce {
        Some(nonce) => crate::crypto::seal_with_nonce(&key, nonce, &text).await,
        None => crate::crypto::seal(&key, &text).await,
    }
}

/// Seals `text` with `key` and a fresh random nonce.
#[cfg(feature = "hydrate")]
pub async fn seal(key: crate::sealed::Key, text: String) -> Result<String, crate::crypto::CryptoError> {
    seal_with(key, text, None).await
}

/// Opens a sealed page or message with `key`.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn open(key: crate::sealed::Key, wire: String) -> Result<String, crate::crypto::CryptoError> {
    crate::crypto::open(&key, &wire).await
}

/// Seals `text` for the link's `key` and a password (PBKDF2 in Web Crypto,
/// then AES-256-GCM), with a fresh random nonce.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn seal_with_password(
    key: crate::sealed::Key,
    password: String,
    text: String,
) -> Result<String, crate::crypto::CryptoError> {
    crate::crypto::seal_with_password(&key, &password, &text).await
}

/// Opens a page with `key`, and the password when the page asks for one.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn open_with_password(
    key: crate::sealed::Key,
    password: Option<String>,
    wire: String,
) -> Result<(String, crate::sealed::Key), crate::crypto::CryptoError> {
    crate::crypto::open_with_password(&key, password.as_deref(), &wire).await
}

/// A kept page's wire text from IndexedDB (`rexie`), if this browser has it.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn copy_of(hash: String) -> Option<String> {
    crate::copies::get(&hash).await
}

/// Keeps a page's wire text in IndexedDB (a file page's chunks on disk
/// too, copied from the author's files if this tab shared them); an error
/// says why it could not.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn keep_copy(hash: String, wire: String) -> Result<(), String> {
    if let Some(index) = crate::sealed_files::index_of(&wire, u64::MAX) {
        crate::filestore::keep(crate::protocol::PageHash::of(&wire), &index).await?;
    }
    crate::copies::put(&hash, &wire).await
}

/// Forgets a kept page's text (nothing if there was none).
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn forget_copy(hash: String) {
    crate::copies::delete(&hash).await
}

/// Hashes `files` into a file page's manifest and keeps them to serve
/// (read a slice at a time when asked): the page's wire text. With a
/// key, the page is encrypted (names and every chunk sealed).
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_share(
    files: Vec<web_sys::File>,
    key: Option<crate::sealed::Key>,
) -> Result<String, String> {
    crate::filestore::share(files, key).await
}

/// The chunks of a file page (its manifest `wire`) this browser holds.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_open(wire: String) -> Vec<crate::chunk::ChunkId> {
    let Some(index) = crate::sealed_files::index_of(&wire, u64::MAX) else { return Vec::new() };
    crate::filestore::open(crate::protocol::PageHash::of(&wire), &index).await
}

/// Stores a checked chunk of page `hash`.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_store(
    hash: crate::protocol::PageHash,
    id: crate::chunk::ChunkId,
    payload: Vec<u8>,
) -> bool {
    crate::filestore::store(hash, id, payload).await
}

/// A held chunk of page `hash`, to send.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_read(hash: crate::protocol::PageHash, id: crate::chunk::ChunkId) -> Option<Vec<u8>> {
    crate::filestore::read(hash, id).await
}

/// File `file` of a file page (its manifest `wire`), whole, as a `blob:`
/// URL of `media_type` (to save or preview); an encrypted page's opened
/// with `key`.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_url(
    wire: String,
    file: u32,
    media_type: String,
    key: Option<crate::sealed::Key>,
) -> Result<String, crate::filestore::AssembleError> {
    use crate::filestore::AssembleError;
    let index = crate::sealed_files::index_of(&wire, u64::MAX).ok_or(AssembleError::Storage)?;
    let hash = crate::protocol::PageHash::of(&wire);
    let blob = crate::filestore::assemble(hash, &index, file, &media_type, key).await?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| AssembleError::Storage)
}

/// The first `limit` bytes of file `file` of a file page, as text (a
/// text file's preview; never run, never parsed as markup).
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_text(
    wire: String,
    file: u32,
    key: Option<crate::sealed::Key>,
    limit: u32,
) -> Option<String> {
    let index = crate::sealed_files::index_of(&wire, u64::MAX)?;
    let hash = crate::protocol::PageHash::of(&wire);
    let blob = crate::filestore::assemble(hash, &index, file, "text/plain", key).await.ok()?;
    crate::filestore::text_of(&blob, limit).await
}

/// Forgets every chunk of page `hash` this browser keeps.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_forget(hash: crate::protocol::PageHash) {
    crate::filestore::forget(hash).await
}

/// A page's peer connections (WebRTC), made as `/ice` said; what they do
/// goes to `report`. Direct connections' code is a part of its own.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn direct_peers(
    ice: crate::peers::Ice,
    report: crate::peers::Report,
) -> std::rc::Rc<std::cell::RefCell<crate::peers::Peers>> {
    std::rc::Rc::new(std::cell::RefCell::new(crate::peers::Peers::new(&ice, report)))
}

/// Carries out one of the machine's commands for its peer connections.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn direct_run(
    peers: std::rc::Rc<std::cell::RefCell<crate::peers::Peers>>,
    command: crate::client::DirectCommand,
    page: Option<String>,
) {
    crate::peers::Peers::run(&peers, command, page)
}

/// Asks for a screen wake lock (the tab is a page's only host); its sentinel.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn wake_lock() -> Option<wasm_bindgen::JsValue> {
    crate::wake::request().await
}

/// Closes every peer connection of a page that is left.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn direct_close(peers: std::rc::Rc<std::cell::RefCell<crate::peers::Peers>>) {
    peers.borrow_mut().close_all()
}

/// The app's encryption, for the known-answer tests that hold this and
/// the native implementation to one format: `sealPage(text, key, nonce)`
/// with the key and nonce in base64url (through the part, as the app).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = sealPage)]
pub async fn seal_page(text: String, key: String, nonce: String) -> Result<String, wasm_bindgen::JsError> {
    let key = crate::crypto::key_arg(&key)?;
    let nonce = crate::sealed::parse_nonce(&nonce)
        .map_err(|_| wasm_bindgen::JsError::new("the nonce is not 16 base64url characters"))?;
    seal_with(key, text, Some(nonce)).await.map_err(crate::crypto::js_error)
}

/// An encrypted file page's chunk sealed (or, with `seal` false, opened)
/// as the app does it, for the known-answer tests.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub async fn files_chunk_cipher(
    key: crate::sealed::Key,
    id: crate::chunk::ChunkId,
    bytes: Vec<u8>,
    seal: bool,
) -> Result<Vec<u8>, crate::crypto::CryptoError> {
    let cipher = crate::crypto::ChunkCipher::new(&key).await?;
    if seal {
        cipher.seal(id, &bytes).await
    } else {
        cipher.open(id, &bytes).await
    }
}

/// `sealChunk(bytes, key, file, index)`: piece `index` of file `file` of
/// an encrypted file page, sealed with `key` (base64url) as the app seals it.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = sealChunk)]
pub async fn seal_chunk(
    bytes: Vec<u8>,
    key: String,
    file: u32,
    index: u32,
) -> Result<Vec<u8>, wasm_bindgen::JsError> {
    chunk_cipher_export(bytes, key, file, index, true).await
}

/// `openChunk(bytes, key, file, index)`: the same, opened; an error in the
/// wrong place or with the wrong key.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = openChunk)]
pub async fn open_chunk(
    bytes: Vec<u8>,
    key: String,
    file: u32,
    index: u32,
) -> Result<Vec<u8>, wasm_bindgen::JsError> {
    chunk_cipher_export(bytes, key, file, index, false).await
}

/// `sealChunk` and `openChunk`: the key read from base64url, then the part.
#[cfg(feature = "hydrate")]
async fn chunk_cipher_export(
    bytes: Vec<u8>,
    key: String,
    file: u32,
    index: u32,
    seal: bool,
) -> Result<Vec<u8>, wasm_bindgen::JsError> {
    let key = crate::crypto::key_arg(&key)?;
    files_chunk_cipher(key, crate::chunk::ChunkId::new(file, index), bytes, seal)
        .await
        .map_err(crate::crypto::js_error)
}

/// The app's decryption of a password page, for the password vectors:
/// `openPasswordPage(wire, key, password)`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = openPasswordPage)]
pub async fn open_password_page(
    wire: String,
    key: String,
    password: String,
) -> Result<String, wasm_bindgen::JsError> {
    let key = crate::crypto::key_arg(&key)?;
    open_with_password(key, Some(password), wire).await.map(|(text, _)| text).map_err(crate::crypto::js_error)
}

/// The app's decryption, for the same tests: `openPage(wire, key)`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = openPage)]
pub async fn open_page(wire: String, key: String) -> Result<String, wasm_bindgen::JsError> {
    open(crate::crypto::key_arg(&key)?, wire).await.map_err(crate::crypto::js_error)
}
