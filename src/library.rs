//! "Your pages" (docs/product.md §12): the pages this browser created or
//! opened, kept in the browser only (`localStorage`, as JSON) and never sent
//! anywhere.
//! Plain data and rules here, unit-tested natively; the homepage shows it
//! and the keeper socket follows it.

use crate::protocol::PageHash;
use serde::{Deserialize, Serialize};

/// Where the browser keeps the list.
pub const STORAGE_KEY: &str = "ep2p.pages";

/// Pages listed at most: the oldest are forgotten first.
pub const MAX_PAGES: usize = 100;

/// Characters of a page's first line shown as its title.
const TITLE_CHARS: usize = 80;

/// One page in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 64 lowercase hex digits.
    pub hash: String,
    /// The page's first line (or what stands in for it).
    pub title: String,
    /// What the link carried after `#` (an encrypted page's key, the view).
    #[serde(default)]
    pub fragment: String,
    /// When this browser last opened or created it (ms since the epoch).
    pub at: u64,
    /// This browser created it.
    #[serde(default)]
    pub created: bool,
    /// This browser keeps a copy and hosts it whenever the site is open.
    #[serde(default)]
    pub kept: bool,
}

impl Entry {
    pub fn page(&self) -> Option<PageHash> {
        PageHash::parse(&self.hash).ok()
    }

    /// The link to open it with: `/<hash>` and its fragment.
    pub fn href(&self) -> String {
        if self.fragment.is_empty() {
            format!("/{}", self.hash)
        } else {
            format!("/{}#{}", self.hash, self.fragment)
        }
    }
}

/// The first line of a page's text that has anything on it, shortened.
pub fn title_of(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if line.is_empty() {
        return "(an empty page)".into();
    }
    if line.chars().count() <= TITLE_CHARS {
        return line.to_owned();
    }
    let mut short: String = line.chars().take(TITLE_CHARS - 1).collect();
    short.push('…');
    short
}

/// The list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Library {
    entries: Vec<Entry>,
}

impl Library {
    /// Reads the stored JSON; anything unreadable is dropped, never fatal.
    pub fn parse(json: &str) -> Self {
        let values: Vec<serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
        let mut library = Self::default();
        for value in values {
            if let Ok(entry) = serde_json::from_value::<Entry>(value) {
                if entry.page().is_some() && !library.entries.iter().any(|e| e.hash == entry.hash) {
                    library.entries.push(entry);
                }
            }
        }
        library.entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        library.entries.truncate(MAX_PAGES);
        library
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.entries).expect("entries serialize")
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, hash: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.hash == hash)
    }

    /// A page was created or opened now: added at the top, or moved there
    /// with what is new (a title learned, a fragment, "created"); whether it
    /// is kept stays. Past [`MAX_PAGES`], the oldest page not kept goes.
    pub fn record(&mut self, entry: Entry) {
        let mut entry = entry;
        if let Some(at) = self.entries.iter().position(|e| e.hash == entry.hash) {
            let old = self.entries.remove(at);
            entry.kept = old.kept;
            entry.created |= old.created;
            if entry.title.is_empty() {
                entry.title = old.title;
            }
            if entry.fragment.is_empty() {
                entry.fragment = old.fragment;
            }
        }
        self.entries.insert(0, entry);
        while self.entries.len() > MAX_PAGES {
            match self.entries.iter().rposition(|e| !e.kept) {
                Some(oldest) => {
                    self.entries.remove(oldest);
                }
                None => {
                    self.entries.pop();
                }
            }
        }
    }

    /// Keeps (or stops keeping) a copy of a listed page; false if it is not listed.
    pub fn set_kept(&mut self, hash: &str, kept: bool) -> bool {
        match self.entries.iter_mut().find(|e| e.hash == hash) {
            Some(entry) => {
                entry.kept = kept;
                true
            }
            None => false,
        }
    }

    /// Removes a page; the caller deletes its copy if it was kept.
    pub fn forget(&mut self, hash: &str) -> Option<Entry> {
        let at = self.entries.iter().position(|e| e.hash == hash)?;
        Some(self.entries.remove(at))
    }

    /// Removes every page; returns them (for their copies).
    pub fn forget_all(&mut self) -> Vec<Entry> {
        std::mem::take(&mut self.entries)
    }

    /// The pages whose copy is kept.
    pub fn kept(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.kept)
    }

    /// Every listed page's hash.
    pub fn pages(&self) -> impl Iterator<Item = PageHash> + '_ {
        self.entries.iter().filter_map(Entry::page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str, at: u64) -> Entry {
        Entry {
            hash: PageHash::of(text).to_string(),
            title: title_of(text),
            fragment: String::new(),
            at,
            created: false,
            kept: false,
        }
    }

    #[test]
    fn pages_are_listed_newest_first_and_a_page_opened_again_moves_up() {
        let mut l = Library::default();
        l.record(entry("one", 1));
        l.record(entry("two", 2));
        l.record(entry("three", 3));
        let titles = |l: &Library| l.entries().iter().map(|e| e.title.clone()).collect::<Vec<_>>();
        assert_eq!(titles(&l), ["three", "two", "one"]);
        l.set_kept(&PageHash::of("one").to_string(), true);
        let mut again = entry("one", 4);
        again.created = false;
        again.title = String::new();
        l.record(again);
        assert_eq!(titles(&l), ["one", "three", "two"], "the title is kept when none is given");
        assert!(l.entries()[0].kept, "still kept");
        assert_eq!(Library::parse(&l.to_json()), l, "stored and read back");
    }

    #[test]
    fn forget_one_or_all() {
        let mut l = Library::default();
        l.record(entry("a", 1));
        l.record(entry("b", 2));
        l.set_kept(&PageHash::of("a").to_string(), true);
        assert_eq!(l.forget(&PageHash::of("a").to_string()).map(|e| e.kept), Some(true));
        assert!(l.forget("nope").is_none());
        assert_eq!(l.entries().len(), 1);
        assert_eq!(l.forget_all().len(), 1);
        assert!(l.entries().is_empty());
        assert!(!l.set_kept(&PageHash::of("b").to_string(), true), "a forgotten page cannot be kept");
    }

    #[test]
    fn the_list_is_bounded_and_kept_pages_go_last() {
        let mut l = Library::default();
        l.record(entry("kept and old", 0));
        l.set_kept(&PageHash::of("kept and old").to_string(), true);
        for i in 1..=MAX_PAGES as u64 + 10 {
            l.record(entry(&format!("page {i}"), i));
        }
        assert_eq!(l.entries().len(), MAX_PAGES);
        assert!(l.get(&PageHash::of("kept and old").to_string()).is_some(), "kept pages outlive others");
        assert!(l.get(&PageHash::of("page 1").to_string()).is_none());
        assert_eq!(l.kept().count(), 1);
    }

    #[test]
    fn stored_junk_is_dropped_not_fatal() {
        let good = serde_json::to_value(entry("x", 5)).unwrap();
        let json =
            serde_json::json!([good, {"hash": "nope", "title": "t", "at": 1}, 7, {"title": "no hash"}, good])
                .to_string();
        let l = Library::parse(&json);
        assert_eq!(l.entries().len(), 1, "bad hashes, other shapes and duplicates dropped");
        assert_eq!(Library::parse("not json"), Library::default());
    }

    #[test]
    fn titles_are_the_first_line_with_text_and_links_keep_their_fragment() {
        assert_eq!(title_of("\n\n  Meeting notes  \nmore"), "Meeting notes");
        assert_eq!(title_of("   \n"), "(an empty page)");
        let long = "é".repeat(200);
        assert_eq!(title_of(&long).chars().count(), 80);
        assert!(title_of(&long).ends_with('…'));
        let mut e = entry("x", 1);
        assert_eq!(e.href(), format!("/{}", e.hash));
        e.fragment = "KEY.md".into();
        assert_eq!(e.href(), format!("/{}#KEY.md", e.hash));
    }
}
