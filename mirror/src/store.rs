//! The mirror's folder: one `<hash>.txt` per page it keeps, its chat in
//! `<hash>.chat.json` (a JSON array of messages, each checked again when
//! read), and an empty `<hash>.wanted` for each page it is still waiting
//! to fetch. A file page's `<hash>.txt` is its manifest; its chunks are
//! kept in `<hash>.chunks/` as they arrived, or, for files this mirror
//! shares itself, `<hash>.sources` lists where they are (one path per
//! line, in the manifest's order: they are read there, never copied). Text is
//! checked against its hash when saved and again when read back, so the
//! mirror never serves a page whose address does not match it.

use ep2p_core::chat::Message;
use ep2p_core::protocol::PageHash;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What the folder holds.
pub struct Listing {
    /// Pages whose text matches their hash.
    pub pages: Vec<(PageHash, String)>,
    /// Files that look like pages but cannot be served.
    pub skipped: Vec<Skipped>,
}

/// A page file that could not be used, and why.
#[derive(Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

impl Store {
    /// Opens (creating if needed) the folder.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The default folder: `<data dir>/ephemeral-p2p/pages`.
    pub fn default_dir() -> PathBuf {
        dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("ephemeral-p2p").join("pages")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn page_path(&self, hash: PageHash) -> PathBuf {
        self.dir.join(format!("{hash}.txt"))
    }

    fn wanted_path(&self, hash: PageHash) -> PathBuf {
        self.dir.join(format!("{hash}.wanted"))
    }

    fn sources_path(&self, hash: PageHash) -> PathBuf {
        self.dir.join(format!("{hash}.sources"))
    }

    /// Where a file page's chunks are kept.
    pub fn chunks_dir(&self, hash: PageHash) -> PathBuf {
        self.dir.join(format!("{hash}.chunks"))
    }

    /// Remembers where the files of a page this mirror shares are.
    pub fn save_sources(&self, hash: PageHash, paths: &[PathBuf]) -> io::Result<()> {
        let mut text = String::new();
        for path in paths {
            let path = path.to_str().ok_or_else(|| io::Error::other("a path that is not UTF-8"))?;
            text.push_str(path);
            text.push('\n');
        }
        std::fs::write(self.sources_path(hash), text)
    }

    /// Where the files of a page this mirror shares are, if it shares them.
    pub fn sources(&self, hash: PageHash) -> Option<Vec<PathBuf>> {
        let text = std::fs::read_to_string(self.sources_path(hash)).ok()?;
        Some(text.lines().map(PathBuf::from).collect())
    }

    fn chat_path(&self, hash: PageHash) -> PathBuf {
        self.dir.join(format!("{hash}.chat.json"))
    }

    /// Keeps a page's chat (replacing what was kept; written whole, then renamed).
    pub fn save_chat(&self, hash: PageHash, messages: &[Message]) -> io::Result<()> {
        let tmp = self.dir.join(format!(".{hash}.chat.tmp"));
        std::fs::write(&tmp, serde_json::to_vec(messages).map_err(io::Error::other)?)?;
        std::fs::rename(&tmp, self.chat_path(hash))
    }

    /// A page's kept chat: every message that still checks out (none if
    /// there is no file or it cannot be read as one).
    pub fn chat(&self, hash: PageHash) -> Vec<Message> {
        let Ok(bytes) = std::fs::read(self.chat_path(hash)) else { return Vec::new() };
        let Ok(items) = serde_json::from_slice::<Vec<serde_json::Value>>(&bytes) else { return Vec::new() };
        items.into_iter().filter_map(|item| serde_json::from_value(item).ok()).collect()
    }

    /// Saves a page under its hash (written to a temporary file, then
    /// renamed, so a crash never leaves half a page) and forgets that it
    /// was wanted.
    pub fn save(&self, text: &str) -> io::Result<PageHash> {
        let hash = PageHash::of(text);
        let tmp = self.dir.join(format!(".{hash}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, self.page_path(hash))?;
        match std::fs::remove_file(self.wanted_path(hash)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        Ok(hash)
    }

    /// Remembers a page to fetch, across restarts.
    pub fn want(&self, hash: PageHash) -> io::Result<()> {
        if self.page_path(hash).exists() {
            return Ok(());
        }
        std::fs::write(self.wanted_path(hash), b"")
    }

    /// Forgets a page (kept or wanted); false if it was neither.
    pub fn drop_page(&self, hash: PageHash) -> io::Result<bool> {
        let mut found = false;
        for path in
            [self.page_path(hash), self.wanted_path(hash), self.chat_path(hash), self.sources_path(hash)]
        {
            match std::fs::remove_file(path) {
                Ok(()) => found = true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        match std::fs::remove_dir_all(self.chunks_dir(hash)) {
            Ok(()) => found = true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(found)
    }

    /// Every kept page whose text matches its name, sorted by hash; the
    /// others are reported and left alone.
    pub fn pages(&self) -> io::Result<Listing> {
        let mut pages = Vec::new();
        let mut skipped = Vec::new();
        for (hash, path) in self.entries("txt")? {
            match std::fs::read(&path).map(String::from_utf8) {
                Ok(Ok(text)) if hash.matches(&text) => pages.push((hash, text)),
                Ok(Ok(_)) => {
                    skipped.push(Skipped { path, reason: "its text does not match its hash".into() })
                }
                Ok(Err(_)) => skipped.push(Skipped { path, reason: "it is not UTF-8 text".into() }),
                Err(e) => skipped.push(Skipped { path, reason: e.to_string() }),
            }
        }
        Ok(Listing { pages, skipped })
    }

    /// Pages still to fetch (kept pages excluded), sorted by hash.
    pub fn wanted(&self) -> io::Result<Vec<PageHash>> {
        Ok(self
            .entries("wanted")?
            .into_iter()
            .map(|(hash, _)| hash)
            .filter(|hash| !self.page_path(*hash).exists())
            .collect())
    }

    /// `<hash>.<extension>` files, sorted by hash.
    fn entries(&self, extension: &str) -> io::Result<Vec<(PageHash, PathBuf)>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some(extension) {
                continue;
            }
            if let Some(hash) =
                path.file_stem().and_then(|s| s.to_str()).and_then(|s| PageHash::parse(s).ok())
            {
                found.push((hash, path));
            }
        }
        found.sort();
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_lists_wants_and_drops_pages() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("pages")).unwrap();
        let wanted = PageHash::of("later");
        store.want(wanted).unwrap();
        assert_eq!(store.wanted().unwrap(), vec![wanted]);
        let hash = store.save("hello 😀").unwrap();
        assert_eq!(hash, PageHash::of("hello 😀"));
        store.save("later").unwrap();
        assert!(store.wanted().unwrap().is_empty(), "fetched pages are no longer wanted");
        let listing = store.pages().unwrap();
        assert_eq!(listing.pages.len(), 2);
        assert!(listing.skipped.is_empty());
        assert!(store.drop_page(hash).unwrap());
        assert!(!store.drop_page(hash).unwrap());
        assert_eq!(store.pages().unwrap().pages, vec![(wanted, "later".to_string())]);
    }

    #[test]
    fn a_file_whose_text_does_not_match_its_name_is_never_served() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let hash = PageHash::of("original");
        std::fs::write(dir.path().join(format!("{hash}.txt")), "tampered").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a page").unwrap();
        let Listing { pages, skipped } = store.pages().unwrap();
        assert!(pages.is_empty());
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].reason.contains("does not match"));
    }
}
