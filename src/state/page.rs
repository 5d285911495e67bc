//! One page view's state: what the machine says of the page, its text and
//! why it may be shut, how it is shown, the share panel and the chat. The
//! signals are grouped here and changed by plain methods, so the rules
//! (what the first response may show, when the chat has a key, what the
//! status line says) are tested natively; the view only reads them and the
//! browser's side (`browser::page`) only calls them.

use super::Created;
use crate::chat::Message;
use crate::fragment::Fragment;
use crate::library::title_of;
use crate::machine::{NotSent, Phase, Snapshot, Visitor};
use crate::protocol::PageHash;
use crate::sealed::{self, Key};
use crate::sealed_files::InnerEntry;
use leptos::prelude::*;

/// The signals of one page view (cheap to copy into every closure).
#[derive(Clone, Copy)]
pub struct PageState {
    /// The page's address.
    pub hash: PageHash,
    /// This tab created the page: it has the text and hosts it from the start.
    pub created_here: bool,
    /// The visitor machine's state, as last seen.
    pub snapshot: RwSignal<Snapshot>,
    /// What hosts hold (verified against the hash).
    pub wire: RwSignal<Option<String>>,
    /// What the page says: its wire text, or that decrypted.
    pub text: RwSignal<Option<String>>,
    /// Why an encrypted page's text is not shown.
    pub locked: RwSignal<Option<Locked>>,
    /// The password the reader gave (or the author set), for a page that asks one.
    pub password: RwSignal<Option<String>>,
    /// The key that opened this encrypted page (the link's, or the one its
    /// password made): the chat's key too.
    pub page_key: RwSignal<Option<Key>>,
    /// The reader chose the Markdown view (rendered in the browser only).
    pub as_markdown: RwSignal<bool>,
    /// The reader chose the code view (in the browser only, winning over
    /// Markdown): in this language (a token, as `rs`), or `None` inside for
    /// the one detected.
    pub code: RwSignal<Option<Option<String>>>,
    /// The lines the link points at, first and last (1-based).
    pub lines: RwSignal<Option<(u32, u32)>>,
    /// When the page ends (seconds since the epoch), for a page that does:
    /// known from its wire text, kept after the end drops it.
    pub ends_at: RwSignal<Option<u64>>,
    /// The page is one-time (SPEC §15), as the relay says (or its text
    /// does); `None` until known. A reader's tab asks for nothing before
    /// the reader chooses to open it.
    pub one_time: RwSignal<Option<bool>>,
    /// The reader chose to open this one-time page.
    pub opened: RwSignal<bool>,
    /// The page is interactive: the server and the first paint show the
    /// text as it is, Markdown comes after.
    pub hydrated: RwSignal<bool>,
    /// "Link copied" shows for a moment after Copy link.
    pub copied: RwSignal<bool>,
    /// The share panel, with the link it was opened for (QR code and share sheet).
    pub sharing: RwSignal<Option<String>>,
    /// This browser has a system share sheet.
    pub share_sheet: RwSignal<bool>,
    /// The page's chat, as this tab's machine holds it.
    pub chat: RwSignal<Vec<Message>>,
    /// The last message the relay refused, and why.
    pub not_sent: RwSignal<Option<NotSent>>,
    /// The link's fragment: an encrypted page's key, and the view.
    pub fragment: Signal<String>,
    /// A file page's bytes held over time (ms, bytes), the last few
    /// seconds of them: its speed and time left.
    pub file_samples: RwSignal<Vec<(u64, u64)>>,
    /// An encrypted file page's files, once opened with the link's key.
    pub opened_files: RwSignal<Option<Vec<InnerEntry>>>,
}

/// How far back the download's speed is measured.
const SPEED_WINDOW_MS: u64 = 3_000;

impl PageState {
    /// A page view of `hash`; `created` is what this tab created last, if
    /// anything (used only if it is this page).
    pub fn new(hash: PageHash, created: Option<Created>, fragment: Signal<String>) -> Self {
        let created = created.filter(|c| c.hash == hash);
        let created_here = created.is_some();
        let ends_at = created.as_ref().and_then(|c| crate::lifetime::ends_at(&c.wire));
        let one_time = created.as_ref().map(|c| crate::lifetime::is_once(&c.wire));
        Self {
            hash,
            created_here,
            snapshot: RwSignal::new(Snapshot::initial(created_here)),
            wire: RwSignal::new(created.as_ref().map(|c| c.wire.clone())),
            password: RwSignal::new(created.as_ref().and_then(|c| c.password.clone())),
            text: RwSignal::new(created.map(|c| c.text)),
            locked: RwSignal::new(None),
            page_key: RwSignal::new(None),
            as_markdown: RwSignal::new(false),
            code: RwSignal::new(None),
            lines: RwSignal::new(None),
            ends_at: RwSignal::new(ends_at),
            one_time: RwSignal::new(one_time),
            opened: RwSignal::new(false),
            hydrated: RwSignal::new(false),
            copied: RwSignal::new(false),
            sharing: RwSignal::new(None),
            share_sheet: RwSignal::new(false),
            chat: RwSignal::new(Vec::new()),
            not_sent: RwSignal::new(None),
            fragment,
            file_samples: RwSignal::new(Vec::new()),
            opened_files: RwSignal::new(None),
        }
    }

    /// The page holds files (plain or encrypted), not text.
    pub fn file_page(&self) -> bool {
        self.wire.with(|w| w.as_deref().is_some_and(is_files))
    }

    /// The page is an encrypted file page.
    pub fn sealed_files(&self) -> bool {
        self.wire.with(|w| w.as_deref().is_some_and(|w| w.starts_with(crate::sealed_files::PREFIX)))
    }

    /// A file page's files as its readers see them (name, type, size): a
    /// plain manifest's, or an encrypted one's once the link's key opened it.
    pub fn listed_files(&self) -> Option<Vec<InnerEntry>> {
        let plain = self.wire.with(|w| {
            let manifest = crate::manifest::Manifest::parse(w.as_deref()?, u64::MAX).ok()?;
            Some(
                manifest
                    .files()
                    .iter()
                    .map(|f| InnerEntry {
                        name: f.name.clone(),
                        media_type: f.media_type.clone(),
                        size: f.size,
                    })
                    .collect(),
            )
        });
        plain.or_else(|| self.opened_files.get())
    }

    /// The link's key, for a page that is encrypted.
    pub fn key(&self) -> Option<Key> {
        Fragment::parse(&self.fragment.get_untracked()).ok().and_then(|f| f.key)
    }

    /// A file page's download speed, in bytes per second, over the last
    /// few seconds (none until there are two samples).
    pub fn file_speed(&self) -> Option<f64> {
        self.file_samples.with(|samples| {
            let (first, last) = (samples.first()?, samples.last()?);
            let elapsed = last.0.checked_sub(first.0).filter(|ms| *ms > 0)?;
            Some(last.1.saturating_sub(first.1) as f64 * 1000.0 / elapsed as f64)
        })
    }

    /// Records `held` bytes of a file page at `now_ms`, keeping the last few seconds.
    pub fn sample_files(&self, now_ms: u64, held: u64) {
        self.file_samples.update(|samples| {
            if samples.last().is_some_and(|(_, bytes)| *bytes == held) {
                return;
            }
            samples.push((now_ms, held));
            let keep_from = now_ms.saturating_sub(SPEED_WINDOW_MS);
            let old = samples.iter().take_while(|(at, _)| *at < keep_from).count();
            // One sample older than the window stays, so the window is full.
            samples.drain(..old.saturating_sub(1));
        });
    }

    /// The page this one was written from, as its link says.
    pub fn based_on(&self) -> Option<PageHash> {
        Fragment::parse(&self.fragment.get()).ok().and_then(|f| f.based_on)
    }

    /// What "Download" names the text: after the page, `.md` in the Markdown view.
    pub fn download_name(&self) -> (String, &'static str) {
        let short = &self.hash.to_string()[..12];
        if self.as_markdown.get_untracked() {
            (format!("page-{short}.md"), "text/markdown")
        } else {
            (format!("page-{short}.txt"), "text/plain")
        }
    }

    /// The text, taken to the homepage to write a new page from it (a text
    /// page whose text is here), encrypted and shown as this one is.
    pub fn edit_from(&self) -> Option<crate::state::EditFrom> {
        let text = self.text.get_untracked().filter(|_| !self.file_page())?;
        Some(crate::state::EditFrom {
            text,
            based_on: self.hash,
            encrypted: self.encrypted(),
            markdown: self.as_markdown.get_untracked(),
        })
    }

    /// The first 12 digits of the hash, as the page bar and title show it.
    pub fn short_hash(&self) -> String {
        self.hash.to_string()[..12].to_string()
    }

    /// The page hosts hold is encrypted (text or files).
    pub fn encrypted(&self) -> bool {
        self.wire.with(|w| {
            w.as_deref()
                .map(crate::lifetime::inner)
                .is_some_and(|w| sealed::is_sealed(w) || w.starts_with(crate::sealed_files::PREFIX))
        })
    }

    /// The key that opened this encrypted page, once it has: the chat's key
    /// too (with a password, the key the password made, so the link alone
    /// reads no message either).
    pub fn chat_key(&self) -> Option<Key> {
        let opened = self.text.with(Option::is_some) || self.opened_files.with(Option::is_some);
        (self.encrypted() && self.locked.with(Option::is_none) && opened)
            .then(|| self.page_key.get())
            .flatten()
    }

    /// This tab hosts the page now (connected), so it may chat.
    pub fn hosting(&self) -> bool {
        self.snapshot.with(|s| s.phase == Phase::Hosting)
    }

    /// The host count: the live one, or until the relay sends one, the one
    /// the server rendered (`served`, read only when needed).
    pub fn hosts(&self, served: impl FnOnce() -> Option<usize>) -> Option<usize> {
        let live = self.snapshot.with(|s| s.hosts);
        live.or_else(served)
    }

    /// What the first response may show of `offer`: plain text that hashes
    /// to the page (never a file page's manifest: its files are shown once
    /// the page is interactive).
    pub fn readable_offer(&self, offer: Option<String>) -> Option<String> {
        offer.filter(|t| shown_as_text(t) && self.hash.matches(t))
    }

    /// The text to show: the verified text, or until the machine has it,
    /// what the server sent (`offered`, read only when needed).
    pub fn shown_text(&self, offered: impl FnOnce() -> Option<String>) -> Option<String> {
        self.text.get().or_else(offered)
    }

    /// The page is shown as Markdown: chosen, interactive, and verified.
    pub fn shows_markdown(&self) -> bool {
        self.as_markdown.get()
            && self.code.with(Option::is_none)
            && self.hydrated.get()
            && self.text.with(Option::is_some)
    }

    /// The code view shows, in the language chosen (`None` inside: detected).
    pub fn shows_code(&self) -> Option<Option<String>> {
        (self.hydrated.get() && self.text.with(Option::is_some)).then(|| self.code.get()).flatten()
    }

    /// Follows the link's fragment: its view and its lines.
    pub fn follow_fragment(&self, fragment: &str) {
        let fragment = Fragment::parse(fragment).unwrap_or_default();
        self.as_markdown.set(fragment.markdown);
        self.code.set(fragment.code);
        self.lines.set(fragment.lines);
    }

    /// The phase's name, as `data-phase` carries it.
    pub fn phase_name(&self) -> String {
        format!("{:?}", self.snapshot.with(|s| s.phase)).to_lowercase()
    }

    /// What the status line says, in `t`'s language.
    pub fn status(&self, t: &'static crate::i18n::Texts) -> &'static str {
        if self.gated() {
            return t.page.status_gated;
        }
        self.snapshot.with(|s| status_text(s, t))
    }

    /// Keeps the signals in step with the machine after one of its steps.
    pub fn follow(&self, machine: &Visitor) {
        let now = machine.snapshot();
        if self.snapshot.with_untracked(|s| s.chat_version) != now.chat_version {
            self.chat.set(machine.chat().iter().cloned().collect());
            self.not_sent.set(machine.not_sent().cloned());
        }
        let ended = matches!(now.phase, Phase::Ended | Phase::Delivered);
        self.snapshot.set(now);
        if ended {
            // Its end came: the text goes from this tab (`ends_at`, learned
            // with the wire, stays).
            if self.wire.with_untracked(Option::is_some) {
                self.wire.set(None);
                self.text.set(None);
                self.page_key.set(None);
                self.locked.set(None);
                self.chat.set(Vec::new()); // the chat lives and dies with its page
            }
            return;
        }
        if self.wire.with_untracked(Option::is_none) {
            if let Some(content) = machine.content() {
                self.ends_at.set(crate::lifetime::ends_at(content));
                if crate::lifetime::is_once(content) {
                    self.one_time.set(Some(true));
                }
                self.wire.set(Some(content.to_string()));
            }
        }
    }

    /// Shows an encrypted page opened with `key` (the chat's key too).
    pub fn opened(&self, text: String, key: Key) {
        self.page_key.set(Some(key));
        self.show(Ok(text));
    }

    /// A reader's tab waits for the reader to open this one-time page.
    pub fn gated(&self) -> bool {
        self.one_time.get() == Some(true) && !self.created_here && !self.opened.get()
    }

    /// The page is kept by nobody: it has an end, or is read once.
    pub fn unkeepable(&self) -> bool {
        self.ends_at.with(Option::is_some) || self.one_time.get() == Some(true)
    }

    /// The page asks for a password on top of the link's key.
    pub fn asks_password(&self) -> bool {
        self.wire.with(|w| w.as_deref().map(crate::lifetime::inner).and_then(sealed::kdf_of).is_some())
    }

    /// Shows the page as read with the link's key: its text, or why not.
    pub fn show(&self, result: Result<String, Locked>) {
        match result {
            Ok(page) => {
                self.locked.set(None);
                if self.text.with_untracked(|t| t.as_deref() != Some(&page)) {
                    self.text.set(Some(page));
                }
            }
            Err(why) => {
                self.text.set(None);
                self.page_key.set(None);
                self.locked.set(Some(why));
            }
        }
    }

    /// Shows an encrypted file page's files as opened with the link's key, or why not.
    pub fn show_files(&self, result: Result<Vec<InnerEntry>, Locked>) {
        match result {
            Ok(files) => {
                self.locked.set(None);
                self.opened_files.set(Some(files));
            }
            Err(why) => {
                self.opened_files.set(None);
                self.locked.set(Some(why));
            }
        }
    }

    /// The page's title in "Your pages", once this tab has read it (or
    /// knows it cannot): a file page's is its files' names. Recorded in
    /// the language of the moment (`lang`).
    pub fn title(&self, lang: crate::i18n::Lang) -> Option<String> {
        let t = &lang.texts().page;
        if self.file_page() {
            return match (self.listed_files(), self.locked.get()) {
                (Some(files), _) => Some(files_title(&files, lang)),
                (None, Some(_)) => Some(t.title_encrypted_files.to_string()),
                _ => None,
            };
        }
        match (self.text.get(), self.locked.get()) {
            (Some(page), _) => Some(title_of(&page)),
            (None, Some(_)) => Some(t.title_encrypted_page.to_string()),
            _ => None,
        }
    }

    /// Opens the share panel for `link` (read only when opening), or closes it.
    pub fn toggle_share(&self, link: impl FnOnce() -> Option<String>) {
        let open = self.sharing.with_untracked(Option::is_none);
        self.sharing.set(open.then(link).flatten());
    }

    /// The page's address with the link's fragment `current` switched to
    /// the Markdown view or the text view (the key stays); `None` when
    /// `current` cannot be read.
    pub fn link_with_view(&self, current: &str, markdown: bool) -> Option<String> {
        self.link_with(current, |f| (f.markdown, f.code) = (markdown, None))
    }

    /// The page's address with the link's fragment `current` changed by
    /// `change` (the key stays); `None` when `current` cannot be read.
    pub fn link_with(&self, current: &str, change: impl FnOnce(&mut Fragment)) -> Option<String> {
        let mut fragment = Fragment::parse(current).ok()?;
        change(&mut fragment);
        let fragment = fragment.to_string();
        let hash = self.hash;
        Some(if fragment.is_empty() { format!("/{hash}") } else { format!("/{hash}#{fragment}") })
    }
}

/// A file page's wire text (its manifest, plain or encrypted).
/// Whether a page's text is shown as it is (not an encrypted page's or a file page's wire).
/// A page with an end never is: what it shows is not its wire text.
pub fn shown_as_text(text: &str) -> bool {
    !sealed::is_sealed(text) && !is_files(text) && crate::lifetime::ends_at(text).is_none()
}

fn is_files(wire: &str) -> bool {
    wire.starts_with(crate::manifest::PREFIX) || wire.starts_with(crate::sealed_files::PREFIX)
}

/// What "Your pages" calls a file page: its first file's name, and how many more.
pub fn files_title(files: &[InnerEntry], lang: crate::i18n::Lang) -> String {
    let first = title_of(files.first().map_or("", |f| f.name.as_str()));
    match files.len() {
        0 | 1 => first,
        n => {
            let t = &lang.texts().page;
            let more = lang.count(n as u64 - 1, t.title_more_files_one, t.title_more_files_other);
            crate::i18n::fill(&more, &[("name", &first)])
        }
    }
}

/// What the status line says in each phase, in `t`'s language.
pub fn status_text(snapshot: &Snapshot, t: &'static crate::i18n::Texts) -> &'static str {
    let t = &t.page;
    match (snapshot.phase, snapshot.has_content) {
        (Phase::Connecting, true) => t.status_connecting_author,
        (Phase::Connecting, false) => t.status_connecting,
        (Phase::Waiting, _) => t.status_waiting,
        (Phase::NobodyHosting, _) => t.status_nobody_hosting,
        (Phase::Hosting, _) => t.status_hosting,
        (Phase::Reconnecting, true) => t.status_reconnecting_host,
        (Phase::Reconnecting, false) => t.status_reconnecting,
        (Phase::Ended, _) => t.status_ended,
        (Phase::Read, _) => t.status_read,
        (Phase::Delivered, _) => t.status_delivered,
    }
}

/// Why an encrypted page's text is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// The link has nothing after `#`.
    NoKey,
    /// The link's key is not this page's (or is not a key at all).
    WrongKey,
    /// The page asks for a password, and none was given yet.
    NeedsPassword,
    /// The password given (with the link's key) does not open the page.
    WrongPassword,
    /// The page claims to be encrypted but cannot be read as such.
    Malformed,
    /// No Web Crypto here: the page was not served over HTTPS.
    NoDecryption,
}

impl Locked {
    /// What the locked notice says, in `t`'s language.
    pub fn message(self, t: &'static crate::i18n::Texts) -> &'static str {
        let t = &t.page;
        match self {
            Self::NoKey => t.locked_no_key,
            Self::WrongKey => t.locked_wrong_key,
            Self::NeedsPassword => t.locked_needs_password,
            Self::WrongPassword => t.locked_wrong_password,
            Self::Malformed => t.locked_malformed,
            Self::NoDecryption => t.locked_no_decryption,
        }
    }

    /// Why `error` kept a page shut.
    pub fn of(error: sealed::SealedError) -> Self {
        use sealed::SealedError::*;
        match error {
            BadKey | WrongKey => Self::WrongKey,
            NeedsPassword => Self::NeedsPassword,
            WrongPassword | BadPassword => Self::WrongPassword,
            NotSealed | Malformed | NotText => Self::Malformed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealed::KEY_LEN;

    const TEXT: &str = "# Notes\nmore";

    fn state_of(text: &str, created: bool, fragment: &str) -> PageState {
        let hash = PageHash::of(text);
        let created =
            created.then(|| Created { hash, wire: text.to_string(), text: text.to_string(), password: None });
        PageState::new(hash, created, Signal::stored(fragment.to_string()))
    }

    #[test]
    fn download_names_edit_as_new_and_the_page_it_was_written_from() {
        Owner::new().with(|| {
            let from = PageHash::of("the page before");
            let page = state_of(TEXT, true, &format!("from-{from}"));
            let short = &page.hash.to_string()[..12];
            assert_eq!(page.based_on(), Some(from));
            assert_eq!(page.download_name(), (format!("page-{short}.txt"), "text/plain"));
            page.as_markdown.set(true);
            assert_eq!(page.download_name(), (format!("page-{short}.md"), "text/markdown"));
            let edit = page.edit_from().expect("a text page with its text");
            assert_eq!(
                (edit.text.as_str(), edit.based_on, edit.encrypted, edit.markdown),
                (TEXT, page.hash, false, true)
            );
            // Without the text yet, or a file page: nothing to edit.
            assert_eq!(state_of(TEXT, false, "").edit_from(), None);
            assert_eq!(state_of(TEXT, false, "").based_on(), None);
            let files = state_of("ep2p-files1:{}", true, "");
            assert_eq!(files.edit_from(), None);
        });
    }

    #[test]
    fn a_page_created_here_starts_with_its_text_and_another_does_not() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let here = state_of(TEXT, true, "");
            assert!(here.created_here);
            assert_eq!(here.text.get_untracked().as_deref(), Some(TEXT));
            assert!(here.snapshot.get_untracked().has_content);
            let hash = PageHash::of("another page");
            let other =
                Created { hash: PageHash::of(TEXT), wire: TEXT.into(), text: TEXT.into(), password: None };
            let elsewhere = PageState::new(hash, Some(other), Signal::stored(String::new()));
            assert!(!elsewhere.created_here, "the page created last was another one");
            assert_eq!(elsewhere.wire.get_untracked(), None);
            assert_eq!(elsewhere.short_hash(), hash.to_string()[..12]);
        })
    }

    #[test]
    fn the_first_response_shows_only_plain_text_that_hashes_to_the_page() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let state = state_of(TEXT, false, "");
            assert_eq!(state.readable_offer(Some(TEXT.into())).as_deref(), Some(TEXT));
            assert_eq!(state.readable_offer(Some("something else".into())), None);
            assert_eq!(state.readable_offer(None), None);
            let sealed = state_of("ep2p1:AAAA", false, "");
            assert_eq!(sealed.readable_offer(Some("ep2p1:AAAA".into())), None, "never ciphertext");
            let manifest = state_of("ep2p-files1:{}", false, "");
            assert_eq!(manifest.readable_offer(Some("ep2p-files1:{}".into())), None, "never a manifest");
            assert_eq!(state.shown_text(|| Some("offered".into())).as_deref(), Some("offered"));
            state.text.set(Some(TEXT.into()));
            assert_eq!(state.shown_text(|| panic!("not read once the text is here")).as_deref(), Some(TEXT));
        })
    }

    #[test]
    fn the_live_host_count_wins_over_the_served_one() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let state = state_of(TEXT, false, "");
            assert_eq!(state.hosts(|| Some(3)), Some(3));
            state.snapshot.update(|s| s.hosts = Some(2));
            assert_eq!(state.hosts(|| panic!("not read once the relay counted")), Some(2));
        })
    }

    #[test]
    fn markdown_shows_only_once_interactive_and_verified() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let state = state_of(TEXT, false, "");
            state.as_markdown.set(true);
            state.hydrated.set(true);
            assert!(!state.shows_markdown(), "not the server's text");
            state.text.set(Some(TEXT.into()));
            assert!(state.shows_markdown());
            state.hydrated.set(false);
            assert!(!state.shows_markdown());
        })
    }

    #[test]
    fn reading_the_page_shows_its_text_or_why_not() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let state = state_of(TEXT, false, "");
            state.show(Err(Locked::NoKey));
            assert_eq!(
                (state.text.get_untracked(), state.locked.get_untracked()),
                (None, Some(Locked::NoKey))
            );
            assert_eq!(state.title(crate::i18n::Lang::En).as_deref(), Some("An encrypted page"));
            state.show(Ok(TEXT.into()));
            assert_eq!(state.text.get_untracked().as_deref(), Some(TEXT));
            assert_eq!(state.locked.get_untracked(), None);
            assert_eq!(state.title(crate::i18n::Lang::En).as_deref(), Some("# Notes"));
            state.text.set(None);
            state.locked.set(None);
            assert_eq!(state.title(crate::i18n::Lang::En), None, "nothing to record yet");
        })
    }

    #[test]
    fn the_chat_has_the_key_that_opened_the_page_only_once_it_did() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let key = Key::from_bytes([7; KEY_LEN]);
            let state = state_of(TEXT, false, &format!("#{key}.md"));
            assert_eq!(state.chat_key(), None, "nothing yet");
            state.wire.set(Some("ep2p1:AAAA".into()));
            assert!(state.encrypted());
            assert_eq!(state.chat_key(), None, "not opened yet");
            state.opened("secret".into(), key.clone());
            assert_eq!(state.chat_key(), Some(key.clone()));
            state.show(Err(Locked::WrongKey));
            assert_eq!(state.chat_key(), None);
            // A password page: the key its password made, never the link's.
            state.wire.set(Some("ep2p1:pbkdf2-sha256:600000:AAAA".into()));
            assert!(state.asks_password() && state.encrypted());
            state.show(Err(Locked::NeedsPassword));
            assert_eq!(state.chat_key(), None);
            let made = Key::from_bytes([8; KEY_LEN]);
            state.opened("secret".into(), made.clone());
            assert_eq!(state.chat_key(), Some(made));
            let plain = state_of(TEXT, true, &format!("#{key}"));
            assert!(!plain.encrypted());
            assert_eq!(plain.chat_key(), None, "a plain page's chat is plain");
        })
    }

    #[test]
    fn switching_views_keeps_the_key_in_the_link() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let key = Key::from_bytes([7; KEY_LEN]);
            let state = state_of(TEXT, false, "");
            let hash = state.hash;
            assert_eq!(state.link_with_view("", true), Some(format!("/{hash}#md")));
            assert_eq!(state.link_with_view("#md", false), Some(format!("/{hash}")));
            assert_eq!(state.link_with_view(&format!("#{key}"), true), Some(format!("/{hash}#{key}.md")));
            assert_eq!(state.link_with_view("#not-a-key", true), None);
        })
    }

    #[test]
    fn the_share_panel_opens_with_its_link_and_closes() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let state = state_of(TEXT, false, "");
            state.toggle_share(|| Some("https://p2p.example/x".into()));
            assert_eq!(state.sharing.get_untracked().as_deref(), Some("https://p2p.example/x"));
            state.toggle_share(|| panic!("not read when closing"));
            assert_eq!(state.sharing.get_untracked(), None);
        })
    }

    #[test]
    fn the_view_follows_the_machine() {
        // Signals live in an owner's arena (the server build sandboxes them).
        Owner::new().with(|| {
            let state = state_of(TEXT, false, "");
            let (visitor, _) = Visitor::new(state.hash, Some(TEXT.into()), 1);
            state.follow(&visitor);
            assert_eq!(state.wire.get_untracked().as_deref(), Some(TEXT), "the machine's verified text");
            assert_eq!(state.snapshot.get_untracked(), visitor.snapshot());
            assert_eq!(state.phase_name(), "connecting");
            assert_eq!(
                state.status(crate::i18n::Lang::En.texts()),
                "Connecting to the relay to share your page…"
            );
            assert!(!state.hosting());
        })
    }

    #[test]
    fn a_file_pages_speed_is_measured_over_the_last_few_seconds() {
        Owner::new().with(|| {
            let state = state_of(TEXT, false, "");
            assert_eq!(state.file_speed(), None);
            state.sample_files(1_000, 0);
            assert_eq!(state.file_speed(), None, "one sample is no speed");
            state.sample_files(2_000, 1_000_000);
            assert_eq!(state.file_speed(), Some(1_000_000.0));
            state.sample_files(2_500, 1_000_000);
            assert_eq!(state.file_samples.get_untracked().len(), 2, "no progress, no sample");
            for second in 3..=10u64 {
                state.sample_files(second * 1000, second * 2_000_000);
            }
            // Only the last three seconds (and one before) count: 2 MB/s now.
            assert_eq!(state.file_speed(), Some(2_000_000.0));
            assert!(state.file_samples.get_untracked().len() <= 5);
            assert!(state.listed_files().is_none() && !state.file_page() && !state.sealed_files());
        })
    }

    #[test]
    fn a_file_page_lists_its_files_plain_at_once_and_encrypted_once_opened() {
        Owner::new().with(|| {
            let entry = |name: &str| crate::manifest::FileEntry {
                name: name.into(),
                media_type: "image/png".into(),
                size: 3,
                root: "ab".repeat(32),
            };
            let manifest = crate::manifest::Manifest::new(
                crate::manifest::DEFAULT_CHUNK,
                vec![entry("cat.png"), entry("dog.png")],
                u64::MAX,
            )
            .unwrap()
            .wire();
            let plain = state_of(&manifest, true, "");
            assert!(plain.file_page() && !plain.encrypted() && !plain.sealed_files());
            let listed = plain.listed_files().unwrap();
            assert_eq!((listed[1].name.as_str(), listed[1].size), ("dog.png", 3));
            assert_eq!(plain.title(crate::i18n::Lang::En).as_deref(), Some("cat.png and 1 more file"));

            // An encrypted file page says nothing of its files until they are opened.
            let sealed = "ep2p-sfiles1:{}";
            let state = state_of(sealed, false, "");
            state.wire.set(Some(sealed.into()));
            assert!(state.file_page() && state.encrypted() && state.sealed_files());
            assert_eq!((state.listed_files(), state.title(crate::i18n::Lang::En)), (None, None));
            state.locked.set(Some(Locked::NoKey));
            assert_eq!(state.title(crate::i18n::Lang::En).as_deref(), Some("Encrypted files"));
            assert_eq!(state.chat_key(), None, "no key, no chat");
            state.locked.set(None);
            state.opened_files.set(Some(vec![InnerEntry {
                name: "plan.pdf".into(),
                media_type: "application/pdf".into(),
                size: 9,
            }]));
            assert_eq!(state.title(crate::i18n::Lang::En).as_deref(), Some("plan.pdf"));
        })
    }

    #[test]
    fn a_file_pages_title_names_its_first_file_and_counts_the_rest() {
        let file = |name: &str| InnerEntry { name: name.into(), media_type: "text/plain".into(), size: 1 };
        use crate::i18n::Lang;
        assert_eq!(files_title(&[file("a.txt")], Lang::En), "a.txt");
        assert_eq!(files_title(&[file("a.txt"), file("b")], Lang::En), "a.txt and 1 more file");
        assert_eq!(files_title(&[file("a.txt"), file("b"), file("c")], Lang::En), "a.txt and 2 more files");
        assert_eq!(
            files_title(&[file("a.txt"), file("b"), file("c")], Lang::De),
            "a.txt und 2 weitere Dateien"
        );
        assert_eq!(files_title(&[], Lang::En), "(an empty page)");
    }

    #[test]
    fn a_page_nobody_hosts_says_so_in_the_products_words() {
        let mut snapshot = Snapshot::initial(false);
        snapshot.phase = Phase::NobodyHosting;
        assert_eq!(
            status_text(&snapshot, crate::i18n::Lang::En.texts()),
            "Nobody is hosting this page right now. Pages vanish when their last visitor leaves; if someone who \
             has it comes back, it appears here."
        );
        assert_eq!(Locked::of(sealed::SealedError::BadKey), Locked::WrongKey);
        assert_eq!(Locked::of(sealed::SealedError::NotText), Locked::Malformed);
    }
}
