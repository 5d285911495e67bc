//! Encrypted pages in the browser: AES-256-GCM in Web Crypto (hardware AES,
//! nothing added to the WASM), in the format `ep2p_core::sealed` defines.
//! Keys and text stay in this tab: nothing here talks to the network.

use crate::chunk::ChunkId;
use crate::sealed::{self, Kdf, Key, Sealed, SealedError, KEY_LEN, NONCE_LEN};
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, Crypto, CryptoKey, SubtleCrypto};

/// Why Web Crypto could not do what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// No `crypto.subtle`: the page is not in a secure context (HTTPS or localhost).
    Unavailable,
    /// The page could not be opened (wrong key, malformed, not text).
    Sealed(SealedError),
}

impl From<SealedError> for CryptoError {
    fn from(e: SealedError) -> Self {
        Self::Sealed(e)
    }
}

fn crypto() -> Result<Crypto, CryptoError> {
    let window = leptos::prelude::window();
    if !window.is_secure_context() {
        return Err(CryptoError::Unavailable);
    }
    window.crypto().map_err(|_| CryptoError::Unavailable)
}

/// Whether this page can encrypt and decrypt at all.
pub fn available() -> bool {
    crypto().is_ok()
}

fn random<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut bytes = [0; N];
    crypto()?.get_random_values_with_u8_array(&mut bytes).map_err(|_| CryptoError::Unavailable)?;
    Ok(bytes)
}

/// A fresh 256-bit key from the browser's CSPRNG.
pub fn new_key() -> Result<Key, CryptoError> {
    random::<KEY_LEN>().map(Key::from_bytes)
}

async fn import(subtle: &SubtleCrypto, key: &Key, usage: &str) -> Result<CryptoKey, CryptoError> {
    let algorithm = Object::new();
    js_sys::Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into())
        .map_err(|_| CryptoError::Unavailable)?;
    let usages = Array::of1(&JsValue::from_str(usage));
    let raw = Uint8Array::from(key.as_bytes().as_slice());
    let promise = subtle
        .import_key_with_object("raw", &raw, &algorithm, false, &usages)
        .map_err(|_| CryptoError::Unavailable)?;
    let imported = JsFuture::from(promise).await.map_err(|_| CryptoError::Unavailable)?;
    imported.dyn_into().map_err(|_| CryptoError::Unavailable)
}

fn params(nonce: &[u8; NONCE_LEN]) -> AesGcmParams {
    AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(nonce.as_slice()))
}

/// The key a password page is encrypted under: `password` stretched by
/// `kdf` (PBKDF2-HMAC-SHA256 in Web Crypto), salted with the link's `key`.
pub async fn password_key(key: &Key, password: &str, kdf: Kdf) -> Result<Key, CryptoError> {
    let password = sealed::check_password(password)?;
    let Kdf::Pbkdf2Sha256 { iterations } = kdf;
    let subtle = crypto()?.subtle();
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let promise = subtle
        .import_key_with_str("raw", &Uint8Array::from(password), "PBKDF2", false, &usages)
        .map_err(|_| CryptoError::Unavailable)?;
    let base: CryptoKey =
        JsFuture::from(promise).await.and_then(|k| k.dyn_into()).map_err(|_| CryptoError::Unavailable)?;
    let params = Object::new();
    for (name, value) in [
        ("name", JsValue::from_str("PBKDF2")),
        ("hash", JsValue::from_str("SHA-256")),
        ("salt", Uint8Array::from(Kdf::salt(key)).into()),
        ("iterations", iterations.into()),
    ] {
        js_sys::Reflect::set(&params, &name.into(), &value).map_err(|_| CryptoError::Unavailable)?;
    }
    let promise = subtle
        .derive_bits_with_object(&params, &base, (KEY_LEN * 8) as u32)
        .map_err(|_| CryptoError::Unavailable)?;
    let bits = JsFuture::from(promise).await.map_err(|_| CryptoError::Unavailable)?;
    let bytes =
        <[u8; KEY_LEN]>::try_from(Uint8Array::new(&bits).to_vec()).map_err(|_| CryptoError::Unavailable)?;
    Ok(Key::from_bytes(bytes))
}

/// Encrypts a page's text under `key` with a fresh random nonce.
pub async fn seal(key: &Key, text: &str) -> Result<String, CryptoError> {
    seal_with_nonce(key, random()?, text).await
}

/// Encrypts a page's text for the link's `key` and a password, which the
/// reader will be asked for.
pub async fn seal_with_password(key: &Key, password: &str, text: &str) -> Result<String, CryptoError> {
    let kdf = Kdf::CURRENT;
    let derived = password_key(key, password, kdf).await?;
    seal_under(&derived, Some(kdf), random()?, text).await
}

/// Encrypts with a given nonce: the known-answer tests choose it, nobody else.
pub async fn seal_with_nonce(key: &Key, nonce: [u8; NONCE_LEN], text: &str) -> Result<String, CryptoError> {
    seal_under(key, None, nonce, text).await
}

async fn seal_under(
    key: &Key,
    kdf: Option<Kdf>,
    nonce: [u8; NONCE_LEN],
    text: &str,
) -> Result<String, CryptoError> {
    let subtle = crypto()?.subtle();
    let imported = import(&subtle, key, "encrypt").await?;
    let promise = subtle
        .encrypt_with_object_and_u8_array(&params(&nonce), &imported, text.as_bytes())
        .map_err(|_| CryptoError::Unavailable)?;
    let buffer = JsFuture::from(promise).await.map_err(|_| CryptoError::Unavailable)?;
    let ciphertext = Uint8Array::new(&buffer).to_vec();
    Ok(Sealed { kdf, nonce, ciphertext }.to_wire())
}

/// Decrypts an encrypted page's wire text that needs no password.
pub async fn open(key: &Key, wire: &str) -> Result<String, CryptoError> {
    open_with_password(key, None, wire).await.map(|(text, _)| text)
}

/// Decrypts an encrypted page's wire text, with the password when it asks
/// for one (the password is not used when it does not), and the key that
/// opened it: the link's, or the one the password made.
pub async fn open_with_password(
    key: &Key,
    password: Option<&str>,
    wire: &str,
) -> Result<(String, Key), CryptoError> {
    let sealed = Sealed::parse(wire)?;
    let (key, wrong) = match (sealed.kdf, password) {
        (None, _) => (key.clone(), SealedError::WrongKey),
        (Some(_), None) => return Err(SealedError::NeedsPassword.into()),
        (Some(kdf), Some(password)) => (password_key(key, password, kdf).await?, SealedError::WrongPassword),
    };
    let subtle = crypto()?.subtle();
    let imported = import(&subtle, &key, "decrypt").await?;
    let promise = subtle
        .decrypt_with_object_and_u8_array(&params(&sealed.nonce), &imported, &sealed.ciphertext)
        .map_err(|_| CryptoError::Unavailable)?;
    // Web Crypto rejects with an OperationError when the tag does not match.
    let buffer = JsFuture::from(promise).await.map_err(|_| wrong)?;
    Ok((sealed::text_of(Uint8Array::new(&buffer).to_vec())?, key))
}

/// An encrypted file page's chunks sealed and opened in Web Crypto, each
/// under the nonce naming its place (`sealed_files::chunk_nonce`), with
/// the page key imported once.
pub struct ChunkCipher {
    subtle: SubtleCrypto,
    key: CryptoKey,
}

impl ChunkCipher {
    pub async fn new(key: &Key) -> Result<Self, CryptoError> {
        let subtle = crypto()?.subtle();
        let algorithm = Object::new();
        js_sys::Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into())
            .map_err(|_| CryptoError::Unavailable)?;
        let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
        let raw = Uint8Array::from(key.as_bytes().as_slice());
        let promise = subtle
            .import_key_with_object("raw", &raw, &algorithm, false, &usages)
            .map_err(|_| CryptoError::Unavailable)?;
        let key = JsFuture::from(promise).await.map_err(|_| CryptoError::Unavailable)?;
        Ok(Self { subtle, key: key.dyn_into().map_err(|_| CryptoError::Unavailable)? })
    }

    /// Chunk `id` of a file, sealed (16 bytes longer).
    pub async fn seal(&self, id: ChunkId, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = crate::sealed_files::chunk_nonce(id);
        let promise = self
            .subtle
            .encrypt_with_object_and_u8_array(&params(&nonce), &self.key, plain)
            .map_err(|_| CryptoError::Unavailable)?;
        let buffer = JsFuture::from(promise).await.map_err(|_| CryptoError::Unavailable)?;
        Ok(Uint8Array::new(&buffer).to_vec())
    }

    /// Chunk `id` opened; an error with the wrong key or in the wrong place.
    pub async fn open(&self, id: ChunkId, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = crate::sealed_files::chunk_nonce(id);
        let promise = self
            .subtle
            .decrypt_with_object_and_u8_array(&params(&nonce), &self.key, sealed)
            .map_err(|_| CryptoError::Unavailable)?;
        let buffer = JsFuture::from(promise).await.map_err(|_| SealedError::WrongKey)?;
        Ok(Uint8Array::new(&buffer).to_vec())
    }
}

/// A failure as the JS caller sees it.
pub(crate) fn js_error(e: CryptoError) -> wasm_bindgen::JsError {
    match e {
        CryptoError::Unavailable => {
            wasm_bindgen::JsError::new("Web Crypto is unavailable (not a secure context)")
        }
        CryptoError::Sealed(e) => wasm_bindgen::JsError::new(&e.to_string()),
    }
}

/// A key given in base64url, as a fragment holds it.
pub(crate) fn key_arg(fragment: &str) -> Result<Key, wasm_bindgen::JsError> {
    match Key::from_fragment(fragment) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err(wasm_bindgen::JsError::new("no key")),
        Err(e) => Err(js_error(e.into())),
    }
}
