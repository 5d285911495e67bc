//! End-to-end encrypted pages (docs/product.md §9): the wire format and the
//! link's key.
//!
//! An encrypted page's wire text — what hosts hold, the relay forwards and
//! the page hash is taken of — is `ep2p1:` followed by base64url without
//! padding of a 96-bit nonce and the AES-256-GCM ciphertext of the UTF-8
//! text with its 128-bit tag. The key is 256 bits, written in base64url
//! without padding after the link's `#`, which browsers never send.
//!
//! A page may also need a password (§15): its wire text then names how the
//! key was stretched before the base64, `ep2p1:pbkdf2-sha256:600000:…`, and
//! the text is encrypted under PBKDF2-HMAC-SHA256 of the password (UTF-8,
//! as typed) salted with the link's key, so neither the link nor the
//! password alone opens it. The count is in the wire so later pages can
//! raise it; readers accept up to [`MAX_ITERATIONS`].
//!
//! This module is the format, once, for every program: the browser parses
//! and builds wire texts and keys here and runs AES-GCM in Web Crypto; the
//! native tools run it with RustCrypto's `aes-gcm` (feature `aes`). Both are
//! held to the vectors in `core/vectors/sealed.json`, which a third
//! implementation made (OpenSSL, through Python's `cryptography`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::fmt;

/// What every encrypted page's wire text starts with (format version 1).
pub const PREFIX: &str = "ep2p1:";
/// Bytes of AES-GCM nonce at the start of the sealed bytes.
pub const NONCE_LEN: usize = 12;
/// Bytes of GCM tag at the end of the sealed bytes.
pub const TAG_LEN: usize = 16;
/// Bytes of key.
pub const KEY_LEN: usize = 32;

/// PBKDF2-HMAC-SHA256 iterations a new password page gets: OWASP's
/// Password Storage Cheat Sheet figure for that function (2023).
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// The most iterations a reader runs: a page asking more is refused, so a
/// hostile page cannot keep a reader's tab busy for minutes.
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// The longest password taken, in bytes of UTF-8.
pub const MAX_PASSWORD: usize = 1024;

/// How a password is stretched into a page key: named in the wire text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// PBKDF2-HMAC-SHA256 with this many iterations, salted with the link's key.
    Pbkdf2Sha256 { iterations: u32 },
}

impl Kdf {
    /// What new password pages use.
    pub const CURRENT: Kdf = Kdf::Pbkdf2Sha256 { iterations: PBKDF2_ITERATIONS };

    /// `pbkdf2-sha256:600000`, as it stands between `ep2p1:` and the base64.
    fn parse(text: &str) -> Result<Self, SealedError> {
        let count = text.strip_prefix("pbkdf2-sha256:").ok_or(SealedError::Malformed)?;
        if count.is_empty() || count.starts_with('0') || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SealedError::Malformed);
        }
        match count.parse::<u32>() {
            Ok(iterations) if iterations <= MAX_ITERATIONS => Ok(Self::Pbkdf2Sha256 { iterations }),
            _ => Err(SealedError::Malformed),
        }
    }

    /// The salt: the link's key, so a password alone opens nothing.
    pub fn salt(key: &Key) -> &[u8] {
        key.as_bytes()
    }
}

impl fmt::Display for Kdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pbkdf2Sha256 { iterations } => write!(f, "pbkdf2-sha256:{iterations}"),
        }
    }
}

/// A password as the author or reader gave it: refused when empty or too long.
pub fn check_password(password: &str) -> Result<&[u8], SealedError> {
    if password.is_empty() || password.len() > MAX_PASSWORD {
        return Err(SealedError::BadPassword);
    }
    Ok(password.as_bytes())
}

/// A page key, as the link's fragment carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; KEY_LEN]);

impl Key {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Reads a link's fragment, with or without its `#`: `Ok(None)` when
    /// the link has none, an error when it has something that is not a key.
    pub fn from_fragment(fragment: &str) -> Result<Option<Self>, SealedError> {
        let text = fragment.strip_prefix('#').unwrap_or(fragment);
        if text.is_empty() {
            return Ok(None);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| SealedError::BadKey)?;
        let bytes = <[u8; KEY_LEN]>::try_from(bytes).map_err(|_| SealedError::BadKey)?;
        Ok(Some(Self(bytes)))
    }
}

/// The fragment: base64url, no padding, no `#`.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

/// Never printed by accident: a key in a log is a page in the clear.
impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(…)")
    }
}

/// Why a wire text or a key cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealedError {
    #[error("the page is not encrypted")]
    NotSealed,
    #[error("the page starts like an encrypted page but is not one")]
    Malformed,
    #[error("the link's key is not a page key (43 base64url characters after #)")]
    BadKey,
    #[error("the key does not open this page: it was encrypted with another one")]
    WrongKey,
    #[error("the decrypted page is not UTF-8 text")]
    NotText,
    #[error("this page needs a password")]
    NeedsPassword,
    #[error("a password is 1 to 1024 bytes")]
    BadPassword,
    #[error("the password does not open this page (or the link is not whole)")]
    WrongPassword,
}

/// Whether a wire text claims to be encrypted (it may still be malformed).
pub fn is_sealed(wire: &str) -> bool {
    wire.starts_with(PREFIX)
}

/// An encrypted page's wire text, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// How the key came from a password, for a page that needs one.
    pub kdf: Option<Kdf>,
    pub nonce: [u8; NONCE_LEN],
    /// The ciphertext followed by the tag.
    pub ciphertext: Vec<u8>,
}

impl Sealed {
    pub fn parse(wire: &str) -> Result<Self, SealedError> {
        let body = wire.strip_prefix(PREFIX).ok_or(SealedError::NotSealed)?;
        // base64url has no `:`: whatever precedes the last one names the KDF.
        let (kdf, body) = match body.rsplit_once(':') {
            Some((kdf, body)) => (Some(Kdf::parse(kdf)?), body),
            None => (None, body),
        };
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| SealedError::Malformed)?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(SealedError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = nonce.try_into().map_err(|_| SealedError::Malformed)?;
        Ok(Self { kdf, nonce, ciphertext: ciphertext.to_vec() })
    }

    /// The wire text: `ep2p1:` + (the KDF and `:`) + base64url(nonce ‖
    /// ciphertext ‖ tag).
    pub fn to_wire(&self) -> String {
        let mut bytes = Vec::with_capacity(NONCE_LEN + self.ciphertext.len());
        bytes.extend_from_slice(&self.nonce);
        bytes.extend_from_slice(&self.ciphertext);
        let mut wire = String::with_capacity(wire_len_with(self.ciphertext.len() - TAG_LEN, self.kdf));
        wire.push_str(PREFIX);
        if let Some(kdf) = self.kdf {
            wire.push_str(&format!("{kdf}:"));
        }
        URL_SAFE_NO_PAD.encode_string(bytes, &mut wire);
        wire
    }
}

/// Bytes of wire text an encrypted page of `text_len` bytes of UTF-8 weighs.
pub fn wire_len(text_len: usize) -> usize {
    wire_len_with(text_len, None)
}

/// Bytes of wire text an encrypted page weighs, with a password's KDF named.
pub fn wire_len_with(text_len: usize, kdf: Option<Kdf>) -> usize {
    let sealed = NONCE_LEN + text_len + TAG_LEN;
    let named = kdf.map_or(0, |kdf| kdf.to_string().len() + 1);
    PREFIX.len() + named + (sealed * 4).div_ceil(3)
}

/// Whether an encrypted page's wire text asks for a password (and how it
/// stretches it); `None` for one that does not, or is no encrypted page.
pub fn kdf_of(wire: &str) -> Option<Kdf> {
    let body = wire.strip_prefix(PREFIX)?;
    let (kdf, _) = body.rsplit_once(':')?;
    Kdf::parse(kdf).ok()
}

/// The longest text whose encrypted page fits in `limit` bytes of wire text.
pub fn longest_text(limit: usize) -> usize {
    longest_text_with(limit, None)
}

/// The longest text whose encrypted page, with a password's KDF named,
/// fits in `limit` bytes of wire text.
pub fn longest_text_with(limit: usize, kdf: Option<Kdf>) -> usize {
    let named = kdf.map_or(0, |kdf| kdf.to_string().len() + 1);
    let base64 = limit.saturating_sub(PREFIX.len() + named);
    (base64 * 3 / 4).saturating_sub(NONCE_LEN + TAG_LEN)
}

/// A nonce written in base64url (16 characters), as the known-answer
/// vectors give it.
pub fn parse_nonce(text: &str) -> Result<[u8; NONCE_LEN], SealedError> {
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| SealedError::Malformed)?;
    bytes.try_into().map_err(|_| SealedError::Malformed)
}

/// Turns decrypted bytes into the page's text.
pub fn text_of(plain: Vec<u8>) -> Result<String, SealedError> {
    String::from_utf8(plain).map_err(|_| SealedError::NotText)
}

/// AES-256-GCM and PBKDF2 natively, with RustCrypto's `aes-gcm` and `pbkdf2`.
#[cfg(any(test, feature = "aes"))]
mod native {
    use super::*;
    use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
    use aes_gcm::{Aes256Gcm, Nonce};

    impl Key {
        /// A fresh random key from the operating system.
        pub fn generate() -> Self {
            Self(Aes256Gcm::generate_key(OsRng).into())
        }
    }

    /// The key a password page is encrypted under: `password` stretched by
    /// `kdf`, salted with the link's `key`.
    pub fn password_key(key: &Key, password: &str, kdf: Kdf) -> Result<Key, SealedError> {
        let password = check_password(password)?;
        let Kdf::Pbkdf2Sha256 { iterations } = kdf;
        let mut derived = [0; KEY_LEN];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, Kdf::salt(key), iterations, &mut derived);
        Ok(Key(derived))
    }

    /// Encrypts `text` under `key` with a fresh random nonce.
    pub fn seal(key: &Key, text: &str) -> String {
        seal_with_nonce(key, Aes256Gcm::generate_nonce(&mut OsRng).into(), text)
    }

    /// Encrypts `text` under `key` with this nonce. Only the known-answer
    /// tests choose nonces: a nonce must never be used twice with one key.
    pub fn seal_with_nonce(key: &Key, nonce: [u8; NONCE_LEN], text: &str) -> String {
        seal_under(key, None, nonce, text)
    }

    /// Encrypts `text` for the link's `key` and a password, stretched by `kdf`.
    pub fn seal_with_password(
        key: &Key,
        password: &str,
        kdf: Kdf,
        nonce: [u8; NONCE_LEN],
        text: &str,
    ) -> Result<String, SealedError> {
        Ok(seal_under(&password_key(key, password, kdf)?, Some(kdf), nonce, text))
    }

    fn seal_under(key: &Key, kdf: Option<Kdf>, nonce: [u8; NONCE_LEN], text: &str) -> String {
        let cipher = Aes256Gcm::new(key.as_bytes().into());
        let ciphertext = cipher
            .encrypt(Nonce::from_slice(&nonce), text.as_bytes())
            .expect("AES-GCM encrypts any text shorter than 64 GiB");
        Sealed { kdf, nonce, ciphertext }.to_wire()
    }

    /// Decrypts an encrypted page's wire text that needs no password.
    pub fn open(key: &Key, wire: &str) -> Result<String, SealedError> {
        open_with_password(key, None, wire)
    }

    /// Decrypts an encrypted page's wire text, with the password when it
    /// asks for one (and the password is ignored when it does not).
    pub fn open_with_password(key: &Key, password: Option<&str>, wire: &str) -> Result<String, SealedError> {
        let sealed = Sealed::parse(wire)?;
        let (key, wrong) = match (sealed.kdf, password) {
            (None, _) => (key.clone(), SealedError::WrongKey),
            (Some(_), None) => return Err(SealedError::NeedsPassword),
            (Some(kdf), Some(password)) => (password_key(key, password, kdf)?, SealedError::WrongPassword),
        };
        let cipher = Aes256Gcm::new(key.as_bytes().into());
        let plain = cipher
            .decrypt(Nonce::from_slice(&sealed.nonce), sealed.ciphertext.as_slice())
            .map_err(|_| wrong)?;
        text_of(plain)
    }
}

#[cfg(any(test, feature = "aes"))]
pub use native::{open, open_with_password, password_key, seal, seal_with_nonce, seal_with_password};

#[cfg(test)]
mod tests {
    use super::*;

    /// One entry of `core/vectors/sealed.json`.
    #[derive(serde::Deserialize)]
    struct Vector {
        key: String,
        nonce: String,
        text: String,
        wire: String,
    }

    fn vectors() -> Vec<Vector> {
        serde_json::from_str(include_str!("../vectors/sealed.json")).unwrap()
    }

    #[test]
    fn keys_are_43_base64url_characters_in_the_fragment() {
        let key = Key::from_bytes([0xfb; KEY_LEN]);
        let text = key.to_string();
        assert_eq!(text.len(), 43);
        assert!(!text.contains(['+', '/', '=']), "{text}");
        assert_eq!(Key::from_fragment(&format!("#{text}")), Ok(Some(key.clone())));
        assert_eq!(Key::from_fragment(&text), Ok(Some(key)));
        assert_eq!(Key::from_fragment(""), Ok(None));
        assert_eq!(Key::from_fragment("#"), Ok(None));
        for bad in ["#top", "#AAAA", &format!("#{text}="), &format!("#{}B", &text[..42]), &"A".repeat(44)] {
            assert_eq!(Key::from_fragment(bad), Err(SealedError::BadKey), "{bad}");
        }
        assert_eq!(format!("{:?}", Key::from_bytes([1; KEY_LEN])), "Key(…)");
    }

    #[test]
    fn wire_texts_are_taken_apart_strictly() {
        let sealed = Sealed { kdf: None, nonce: [7; NONCE_LEN], ciphertext: vec![9; TAG_LEN + 3] };
        let wire = sealed.to_wire();
        assert!(is_sealed(&wire) && wire.starts_with("ep2p1:"));
        assert_eq!(Sealed::parse(&wire), Ok(sealed));
        assert_eq!(Sealed::parse("hello"), Err(SealedError::NotSealed));
        let short = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode([0; NONCE_LEN + TAG_LEN - 1]));
        for bad in [format!("{wire}="), format!("{wire}!"), PREFIX.to_string(), short, wire.replace(':', ";")]
        {
            assert!(Sealed::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_wire_length_is_known_before_encrypting() {
        for n in [0, 1, 2, 3, 4, 100, 1000, 65_535] {
            let sealed = Sealed { kdf: None, nonce: [0; NONCE_LEN], ciphertext: vec![0; n + TAG_LEN] };
            assert_eq!(sealed.to_wire().len(), wire_len(n), "{n}");
            let kdf = Some(Kdf::CURRENT);
            let sealed = Sealed { kdf, ..sealed };
            assert_eq!(sealed.to_wire().len(), wire_len_with(n, kdf), "{n}");
        }
        for limit in [44, 45, 46, 47, 100, 1000, 1024 * 1024] {
            let n = longest_text(limit);
            assert!(wire_len(n) <= limit && wire_len(n + 1) > limit, "{limit}: {n}");
            let kdf = Some(Kdf::CURRENT);
            let n = longest_text_with(limit, kdf);
            // Below 65 bytes not even an empty password page fits: nothing does.
            let fits = wire_len_with(n, kdf) <= limit || (limit < wire_len_with(0, kdf) && n == 0);
            assert!(fits && wire_len_with(n + 1, kdf) > limit, "{limit}: {n}");
        }
        assert_eq!(longest_text(10), 0);
    }

    #[test]
    fn known_answers_seal_and_open() {
        let vectors = vectors();
        assert!(vectors.len() >= 4);
        for v in vectors {
            let key = Key::from_fragment(&v.key).unwrap().unwrap();
            let nonce = parse_nonce(&v.nonce).unwrap();
            assert_eq!(seal_with_nonce(&key, nonce, &v.text), v.wire, "{:?}", v.text);
            assert_eq!(open(&key, &v.wire).as_deref(), Ok(v.text.as_str()));
            assert_eq!(v.wire.len(), wire_len(v.text.len()));
        }
    }

    #[test]
    fn a_wrong_key_or_a_changed_byte_opens_nothing() {
        let key = Key::generate();
        let wire = seal(&key, "meet at noon");
        assert_ne!(wire, seal(&key, "meet at noon"), "every page gets a fresh nonce");
        assert_eq!(open(&key, &wire).as_deref(), Ok("meet at noon"));
        assert_eq!(open(&Key::generate(), &wire), Err(SealedError::WrongKey));
        let mut sealed = Sealed::parse(&wire).unwrap();
        sealed.ciphertext[0] ^= 1;
        assert_eq!(open(&key, &sealed.to_wire()), Err(SealedError::WrongKey));
        assert_eq!(open(&key, "meet at noon"), Err(SealedError::NotSealed));
    }

    /// One entry of `core/vectors/password.json`.
    #[derive(serde::Deserialize)]
    struct PasswordVector {
        key: String,
        password: String,
        iterations: u32,
        derived: String,
        nonce: String,
        text: String,
        wire: String,
    }

    #[test]
    fn known_answers_stretch_passwords_and_open_their_pages() {
        let vectors: Vec<PasswordVector> =
            serde_json::from_str(include_str!("../vectors/password.json")).unwrap();
        assert!(vectors.len() >= 4 && vectors.iter().any(|v| v.iterations == PBKDF2_ITERATIONS));
        for v in vectors {
            let key = Key::from_fragment(&v.key).unwrap().unwrap();
            let kdf = Kdf::Pbkdf2Sha256 { iterations: v.iterations };
            assert_eq!(
                password_key(&key, &v.password, kdf).unwrap().to_string(),
                v.derived,
                "{:?}",
                v.password
            );
            assert_eq!(kdf_of(&v.wire), Some(kdf));
            if v.iterations > 10_000 {
                continue; // seconds each, unoptimised: the small counts check the rest
            }
            let nonce = parse_nonce(&v.nonce).unwrap();
            assert_eq!(seal_with_password(&key, &v.password, kdf, nonce, &v.text).unwrap(), v.wire);
            assert_eq!(open_with_password(&key, Some(&v.password), &v.wire).as_deref(), Ok(v.text.as_str()));
            assert_eq!(open(&key, &v.wire), Err(SealedError::NeedsPassword));
            let wrong = format!("{}!", v.password);
            assert_eq!(open_with_password(&key, Some(&wrong), &v.wire), Err(SealedError::WrongPassword));
            let other = Key::from_bytes([0x55; KEY_LEN]);
            assert_eq!(
                open_with_password(&other, Some(&v.password), &v.wire),
                Err(SealedError::WrongPassword)
            );
            assert_eq!(v.wire.len(), wire_len_with(v.text.len(), Some(kdf)));
        }
    }

    #[test]
    fn the_kdf_in_a_wire_text_is_read_strictly() {
        let body = URL_SAFE_NO_PAD.encode([3; NONCE_LEN + TAG_LEN]);
        let good = format!("{PREFIX}pbkdf2-sha256:600000:{body}");
        assert_eq!(Sealed::parse(&good).unwrap().kdf, Some(Kdf::CURRENT));
        assert_eq!(Sealed::parse(&good).unwrap().to_wire(), good);
        assert_eq!(kdf_of(&format!("{PREFIX}{body}")), None);
        assert_eq!(kdf_of("hello"), None);
        let too_many = MAX_ITERATIONS as u64 + 1;
        for bad in [
            format!("{PREFIX}pbkdf2-sha256:0600000:{body}"),
            format!("{PREFIX}pbkdf2-sha256:0:{body}"),
            format!("{PREFIX}pbkdf2-sha256::{body}"),
            format!("{PREFIX}pbkdf2-sha256:+600000:{body}"),
            format!("{PREFIX}pbkdf2-sha256:{too_many}:{body}"),
            format!("{PREFIX}pbkdf2-sha256:99999999999999999999:{body}"),
            format!("{PREFIX}argon2id:600000:{body}"),
            format!("{PREFIX}pbkdf2-sha256:600000:{body}:"),
            format!("{PREFIX}:{body}"),
        ] {
            assert!(Sealed::parse(&bad).is_err(), "{bad}");
            assert_eq!(kdf_of(&bad), None, "{bad}");
        }
    }

    #[test]
    fn passwords_are_one_to_1024_bytes() {
        let key = Key::from_bytes([1; KEY_LEN]);
        let kdf = Kdf::Pbkdf2Sha256 { iterations: 1 };
        assert_eq!(password_key(&key, "", kdf), Err(SealedError::BadPassword));
        assert_eq!(password_key(&key, &"x".repeat(MAX_PASSWORD + 1), kdf), Err(SealedError::BadPassword));
        assert!(password_key(&key, &"x".repeat(MAX_PASSWORD), kdf).is_ok());
        assert_ne!(password_key(&key, "a", kdf), password_key(&Key::from_bytes([2; KEY_LEN]), "a", kdf));
    }
}
