//! A page's chat (docs/product.md §11): messages held only by the page's hosts, merged
//! into one set that every host orders the same way. The relay checks each
//! message with [`Message`]'s parser and keeps none; browsers and mirrors
//! keep a [`Chat`].
//!
//! A message is `{id, at, nick, text}` — or, on an encrypted page,
//! `{id, at, sealed}` where `sealed` is `nick + "\n" + text` encrypted under
//! the page's key (the page's `ep2p1:` format). `at` is the sender's clock in
//! milliseconds since the Unix epoch; `id` is the SHA-256 (hex) of the
//! message's canonical encoding: the JSON object of its other fields, in
//! the order above, with no spaces (what both `serde_json` and the browser's
//! `JSON.stringify` write).

use crate::protocol::PageHash;
use crate::sealed;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Characters a message's text may hold.
pub const MAX_TEXT: usize = 2_000;
/// Characters a nickname may hold.
pub const MAX_NICK: usize = 40;
/// Messages a host keeps: the newest ones.
pub const KEEP: usize = 1_000;
/// How far in the future a message may be dated (clocks differ a little).
pub const MAX_AHEAD: Duration = Duration::from_secs(60);
/// Messages one socket may send per [`RATE_WINDOW`].
pub const RATE_MESSAGES: u32 = 5;
/// The window [`RATE_MESSAGES`] is counted over.
pub const RATE_WINDOW: Duration = Duration::from_secs(10);
/// Bytes of JSON a history answer may carry: the newest messages that fit.
pub const HISTORY_BYTES: usize = 1024 * 1024;

/// Why a tab's message is not sent before the tab hosts the page (only
/// hosts chat): the reason the machine gives, which the view words.
pub const HOSTS_ONLY: &str = "only hosts of the page can chat: wait until this tab has the page";

/// Bytes of UTF-8 the plaintext of a sealed message may hold: the longest
/// nickname and text, and the line break between them.
pub const MAX_SEALED_PLAIN: usize = MAX_NICK * 4 + 1 + MAX_TEXT * 4;

/// The longest `sealed` wire text a message may carry.
pub fn max_sealed_len() -> usize {
    sealed::wire_len(MAX_SEALED_PLAIN)
}

/// Why a message (or a history) was refused. The `Display` text is what a
/// client reads in the relay's error reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    #[error("a message has nick and text, or sealed, and no other field")]
    Shape,
    #[error("empty message")]
    Empty,
    #[error("message over 2,000 characters")]
    TooLong,
    #[error("nickname must be 1 to 40 characters, with no line breaks or control characters")]
    Nick,
    #[error("nickname must not hold invisible or text-direction characters (U+{0:04X})")]
    NickInvisible(u32),
    #[error(
        "message must not hold text-direction overrides or isolates (U+{0:04X}): they reorder what follows"
    )]
    Direction(u32),
    #[error("sealed must be an ep2p1: text of an encrypted nickname and message")]
    Sealed,
    #[error("id is not the SHA-256 of the message")]
    Id,
    #[error("message dated more than a minute in the future")]
    Future,
    #[error("history of more than 1,000 messages")]
    TooMany,
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// A message's id: the SHA-256 of its canonical encoding, in hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(PageHash);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", self.0)
    }
}

/// What a message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Readable by the relay and every host.
    Plain { nick: String, text: String },
    /// `nick + "\n" + text` encrypted under the page's key (`ep2p1:…`).
    Sealed(String),
}

/// One chat message, checked: its fields are within the limits and its id
/// is its contents' hash. The only way to make one is through these checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Wire", into = "Wire")]
pub struct Message {
    id: MessageId,
    at: u64,
    body: Body,
}

/// A message as JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    id: MessageId,
    at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nick: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
}

/// The encodings whose hash is a message's id.
#[derive(Serialize)]
struct PlainCanon<'a> {
    at: u64,
    nick: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct SealedCanon<'a> {
    at: u64,
    sealed: &'a str,
}

fn id_of(at: u64, body: &Body) -> MessageId {
    let canonical = match body {
        Body::Plain { nick, text } => serde_json::to_string(&PlainCanon { at, nick, text }),
        Body::Sealed(sealed) => serde_json::to_string(&SealedCanon { at, sealed }),
    };
    MessageId(PageHash::of(&canonical.expect("strings and numbers serialize")))
}

/// Characters that change the direction of the text around them
/// (embeddings, overrides, isolates, marks): in a nickname they let one
/// person pass for another.
pub fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Direction controls that reorder everything after them until their end
/// (embeddings, overrides, isolates): never in a message's text, where the
/// marks U+200E, U+200F and U+061C stay allowed for right-to-left writing.
pub fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing: Unicode's default-ignorable code points
/// (zero-width spaces and joiners, the soft hyphen, variation selectors,
/// tags…) and the fillers and blanks that render as empty space.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Checks a nickname: 1 to 40 characters, none of them a control
/// character, an invisible one or one that changes the text's direction
/// (a nickname must look like nobody else's).
pub fn check_nick(nick: &str) -> Result<(), ChatError> {
    let n = nick.chars().count();
    if n == 0 || n > MAX_NICK || nick.chars().any(char::is_control) || nick.trim().is_empty() {
        return Err(ChatError::Nick);
    }
    if let Some(c) = nick.chars().find(|&c| is_invisible(c) || is_direction_control(c)) {
        return Err(ChatError::NickInvisible(c.into()));
    }
    Ok(())
}

/// Checks a message's text: not blank, at most 2,000 characters, no
/// direction override or isolate (joiners and marks that real writing
/// needs — ZWJ in emoji, ZWNJ in Persian and Indic text — are kept).
pub fn check_text(text: &str) -> Result<(), ChatError> {
    if text.trim().is_empty() {
        return Err(ChatError::Empty);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(ChatError::TooLong);
    }
    if let Some(c) = text.chars().find(|&c| is_direction_override(c)) {
        return Err(ChatError::Direction(c.into()));
    }
    Ok(())
}

fn check_body(body: &Body) -> Result<(), ChatError> {
    match body {
        Body::Plain { nick, text } => {
            check_nick(nick)?;
            check_text(text)
        }
        Body::Sealed(wire) => {
            if wire.len() > max_sealed_len() || sealed::Sealed::parse(wire).is_err() {
                return Err(ChatError::Sealed);
            }
            Ok(())
        }
    }
}

/// What an encrypted message holds once decrypted: `nick + "\n" + text`.
pub fn sealed_plaintext(nick: &str, text: &str) -> String {
    format!("{nick}\n{text}")
}

/// Reads a decrypted message back into its nickname and text, checked.
pub fn open_plaintext(plain: &str) -> Result<(String, String), ChatError> {
    let (nick, text) = plain.split_once('\n').ok_or(ChatError::Sealed)?;
    check_nick(nick)?;
    check_text(text)?;
    Ok((nick.to_owned(), text.to_owned()))
}

impl Message {
    /// A readable message, dated `at` (ms since the epoch).
    pub fn plain(at: u64, nick: &str, text: &str) -> Result<Self, ChatError> {
        Self::new(at, Body::Plain { nick: nick.to_owned(), text: text.to_owned() })
    }

    /// An encrypted message: `wire` is [`sealed_plaintext`] sealed under the page's key.
    pub fn sealed(at: u64, wire: String) -> Result<Self, ChatError> {
        Self::new(at, Body::Sealed(wire))
    }

    fn new(at: u64, body: Body) -> Result<Self, ChatError> {
        check_body(&body)?;
        Ok(Self { id: id_of(at, &body), at, body })
    }

    pub fn id(&self) -> MessageId {
        self.id
    }

    /// The sender's clock when it was sent, in ms since the Unix epoch.
    pub fn at(&self) -> u64 {
        self.at
    }

    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Where the message sorts: by date, then by id (the same in every host).
    pub fn key(&self) -> (u64, MessageId) {
        (self.at, self.id)
    }

    /// Refuses a message dated more than [`MAX_AHEAD`] after `now` (ms).
    pub fn check_date(&self, now: u64) -> Result<(), ChatError> {
        if self.at > now.saturating_add(MAX_AHEAD.as_millis() as u64) {
            return Err(ChatError::Future);
        }
        Ok(())
    }
}

impl TryFrom<Wire> for Message {
    type Error = ChatError;

    fn try_from(wire: Wire) -> Result<Self, ChatError> {
        let body = match (wire.nick, wire.text, wire.sealed) {
            (Some(nick), Some(text), None) => Body::Plain { nick, text },
            (None, None, Some(sealed)) => Body::Sealed(sealed),
            _ => return Err(ChatError::Shape),
        };
        let message = Self::new(wire.at, body)?;
        if message.id != wire.id {
            return Err(ChatError::Id);
        }
        Ok(message)
    }
}

impl From<Message> for Wire {
    fn from(message: Message) -> Self {
        let (nick, text, sealed) = match message.body {
            Body::Plain { nick, text } => (Some(nick), Some(text), None),
            Body::Sealed(sealed) => (None, None, Some(sealed)),
        };
        Wire { id: message.id, at: message.at, nick, text, sealed }
    }
}

/// Reads one message from JSON, with the reason a client is told if it is
/// refused (serde wraps `try_from` errors in its own text).
pub fn read_message(json: &str) -> Result<Message, ChatError> {
    let wire: Wire = serde_json::from_str(json).map_err(|e| ChatError::Malformed(e.to_string()))?;
    Message::try_from(wire)
}

/// `chat_history`: asked for with no `messages`, answered with them.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
}

/// `chat_history` as the relay reads it: the messages stay raw JSON, to be
/// checked once and forwarded verbatim.
#[derive(Debug, Deserialize)]
pub struct RawHistory<'a> {
    #[serde(default, borrow)]
    pub messages: Option<&'a RawValue>,
}

/// Checks a history answer's messages (as raw JSON): at most [`KEEP`],
/// each well formed, none dated more than a minute after `now` (ms).
pub fn check_history(messages: &RawValue, now: u64) -> Result<usize, ChatError> {
    let items: Vec<&RawValue> =
        serde_json::from_str(messages.get()).map_err(|e| ChatError::Malformed(e.to_string()))?;
    if items.len() > KEEP {
        return Err(ChatError::TooMany);
    }
    for item in &items {
        read_message(item.get())?.check_date(now)?;
    }
    Ok(items.len())
}

/// A page's messages as one host holds them: a set ordered by `(at, id)`,
/// the newest [`KEEP`]. Merging is idempotent and does not depend on the
/// order messages arrive in: the set is always the newest `KEEP` of
/// everything received.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Chat {
    messages: BTreeMap<(u64, MessageId), Message>,
}

impl Chat {
    /// Adds a message unless it is known, dated too far after `now` (ms),
    /// or older than every one of a full set. True when it was added.
    pub fn insert(&mut self, message: Message, now: u64) -> bool {
        if message.check_date(now).is_err() {
            return false;
        }
        let key = message.key();
        if self.messages.contains_key(&key) {
            return false;
        }
        if self.messages.len() >= KEEP
            && self.messages.first_key_value().is_some_and(|(first, _)| key < *first)
        {
            return false;
        }
        self.messages.insert(key, message);
        if self.messages.len() > KEEP {
            self.messages.pop_first();
        }
        true
    }

    /// Adds every message; how many were new.
    pub fn merge(&mut self, messages: impl IntoIterator<Item = Message>, now: u64) -> usize {
        messages.into_iter().filter(|m| self.insert(m.clone(), now)).count()
    }

    /// Takes a message back out (one the relay refused to pass on).
    pub fn remove(&mut self, id: MessageId) -> Option<Message> {
        let key = self.messages.values().find(|m| m.id == id)?.key();
        self.messages.remove(&key)
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Every message, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Message> + ExactSizeIterator {
        self.messages.values()
    }

    /// The newest messages whose JSON fits in `max_bytes`, oldest first:
    /// what a host answers `chat_history` with.
    pub fn history(&self, max_bytes: usize) -> Vec<Message> {
        let mut bytes = 2; // the brackets
        let mut newest: Vec<Message> = Vec::new();
        for message in self.messages.values().rev() {
            let size = serde_json::to_string(message).map_or(usize::MAX, |json| json.len()) + 1;
            if bytes + size > max_bytes {
                break;
            }
            bytes += size;
            newest.push(message.clone());
        }
        newest.reverse();
        newest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::seq::SliceRandom;
    use rand::SeedableRng;

    const NOW: u64 = 1_800_000_000_000;

    fn msg(at: u64, text: &str) -> Message {
        Message::plain(at, "Ada", text).unwrap()
    }

    #[test]
    fn the_id_is_the_sha256_of_the_canonical_encoding() {
        let m = msg(1_700_000_000_123, "hello \"world\"\n😀");
        let canonical = r#"{"at":1700000000123,"nick":"Ada","text":"hello \"world\"\n😀"}"#;
        assert_eq!(m.id().to_string(), PageHash::of(canonical).to_string());
        // What JSON.stringify({at, nick, text}) writes for a control character.
        let c = msg(5, "a\u{1}b");
        assert_eq!(
            c.id().to_string(),
            PageHash::of(r#"{"at":5,"nick":"Ada","text":"a\u0001b"}"#).to_string()
        );
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(read_message(&json).unwrap(), m);
        assert!(json.starts_with(&format!(r#"{{"id":"{}","at":1700000000123,"nick":"Ada","#, m.id())));
    }

    #[test]
    fn messages_are_checked_as_they_are_read() {
        let good = serde_json::to_value(msg(10, "hi")).unwrap();
        let with = |key: &str, value: serde_json::Value| {
            let mut v = good.clone();
            v[key] = value;
            read_message(&v.to_string())
        };
        assert_eq!(with("text", "bye".into()), Err(ChatError::Id), "changed text, old id");
        assert_eq!(with("at", 11.into()), Err(ChatError::Id));
        assert!(matches!(with("at", (-1).into()), Err(ChatError::Malformed(_))));
        assert!(matches!(with("extra", 1.into()), Err(ChatError::Malformed(_))));
        assert!(matches!(read_message("[]"), Err(ChatError::Malformed(_))));
        assert!(matches!(read_message(r#"{"at":1,"nick":"a","text":"b"}"#), Err(ChatError::Malformed(_))));
        let mut both = good.clone();
        both["sealed"] = "ep2p1:AAAA".into();
        assert_eq!(read_message(&both.to_string()), Err(ChatError::Shape));
        let mut neither = good.clone();
        neither.as_object_mut().unwrap().remove("nick");
        assert_eq!(read_message(&neither.to_string()), Err(ChatError::Shape));
    }

    #[test]
    fn limits_on_text_and_nickname() {
        assert!(Message::plain(1, "Ada", &"é".repeat(MAX_TEXT)).is_ok(), "2,000 characters, not bytes");
        assert_eq!(Message::plain(1, "Ada", &"a".repeat(MAX_TEXT + 1)), Err(ChatError::TooLong));
        assert_eq!(Message::plain(1, "Ada", " \n\t "), Err(ChatError::Empty));
        assert!(Message::plain(1, &"😀".repeat(MAX_NICK), "x").is_ok());
        for nick in ["", "   ", "a\nb", "a\u{7}", &"n".repeat(MAX_NICK + 1)] {
            assert_eq!(Message::plain(1, nick, "x"), Err(ChatError::Nick), "{nick:?}");
        }
        // The largest message still fits in a frame the relay reads as a
        // small one, escapes and all.
        let worst = Message::plain(u64::MAX, &"n".repeat(MAX_NICK), &"\u{1}".repeat(MAX_TEXT)).unwrap();
        assert!(serde_json::to_string(&worst).unwrap().len() < 16 * 1024 - 200);
        let sealed = "ep2p1:".to_string() + &"A".repeat(max_sealed_len() - 6);
        let sealed = Message::sealed(1, sealed).unwrap();
        assert!(serde_json::to_string(&sealed).unwrap().len() < 16 * 1024 - 200);
        assert_eq!(Message::sealed(1, "A".repeat(100)), Err(ChatError::Sealed));
        assert_eq!(Message::sealed(1, "ep2p1:!!".into()), Err(ChatError::Sealed));
        assert_eq!(
            Message::sealed(1, "ep2p1:".to_string() + &"A".repeat(max_sealed_len())),
            Err(ChatError::Sealed)
        );
    }

    #[test]
    fn nicknames_refuse_invisible_and_direction_characters() {
        for (nick, c) in [
            ("Ada\u{202E}nimda", 0x202E),
            ("\u{202A}Ada", 0x202A),
            ("Ada\u{2066}", 0x2066),
            ("Ada\u{2069}", 0x2069),
            ("Ada\u{200E}", 0x200E),
            ("\u{200F}Ada", 0x200F),
            ("Ada\u{061C}", 0x061C),
            ("A\u{200B}da", 0x200B),
            ("A\u{200C}da", 0x200C),
            ("A\u{200D}da", 0x200D),
            ("Ada\u{2060}", 0x2060),
            ("\u{FEFF}Ada", 0xFEFF),
            ("Ada\u{00AD}", 0x00AD),
            ("Ada\u{FE0F}", 0xFE0F),
            ("Ada\u{E0041}", 0xE0041),
            ("\u{3164}", 0x3164),
            ("Ada \u{2800}", 0x2800),
        ] {
            assert_eq!(Message::plain(1, nick, "x"), Err(ChatError::NickInvisible(c)), "{nick:?}");
            assert_eq!(check_nick(nick), Err(ChatError::NickInvisible(c)));
        }
        let reason = ChatError::NickInvisible(0x202E).to_string();
        assert_eq!(reason, "nickname must not hold invisible or text-direction characters (U+202E)");
        for nick in ["Ada", "Zoë", "محمد", "李小龍", "Calm Heron 27", "😀"] {
            assert!(Message::plain(1, nick, "x").is_ok(), "{nick:?}");
        }
        // A sealed message's nickname is checked when it is opened.
        assert_eq!(open_plaintext("Ada\u{202E}\nhi"), Err(ChatError::NickInvisible(0x202E)));
    }

    #[test]
    fn text_refuses_overrides_and_isolates_but_keeps_what_languages_need() {
        for (text, c) in [
            ("see \u{202E}txt.exe", 0x202E),
            ("\u{202D}left", 0x202D),
            ("\u{202B}embedded\u{202C}", 0x202B),
            ("\u{2067}isolate\u{2069}", 0x2067),
            ("end \u{2069}", 0x2069),
        ] {
            assert_eq!(Message::plain(1, "Ada", text), Err(ChatError::Direction(c)), "{text:?}");
        }
        for text in [
            "family: 👨\u{200D}👩\u{200D}👧",
            "می\u{200C}خواهم",
            "क्\u{200C}ष",
            "שלום \u{200F}abc",
            "abc \u{200E}שלום",
            "مرحبا\u{061C} 1",
            "❤\u{FE0F}",
            "ภาษา\u{200B}ไทย",
        ] {
            assert!(Message::plain(1, "Ada", text).is_ok(), "{text:?}");
        }
        // A message that exists was checked: one read from the wire is refused too.
        let id = PageHash::of(&format!(r#"{{"at":1,"nick":"Ada","text":"a{}b"}}"#, '\u{202E}'));
        let wire = format!(r#"{{"id":"{id}","at":1,"nick":"Ada","text":"a\u202eb"}}"#);
        assert_eq!(read_message(&wire), Err(ChatError::Direction(0x202E)));
    }

    #[test]
    fn sealed_plaintext_round_trips_and_is_checked() {
        let plain = sealed_plaintext("Ada", "line one\nline two");
        assert_eq!(open_plaintext(&plain).unwrap(), ("Ada".into(), "line one\nline two".into()));
        assert_eq!(open_plaintext("no break"), Err(ChatError::Sealed));
        assert_eq!(open_plaintext("\ntext"), Err(ChatError::Nick));
        assert_eq!(open_plaintext("Ada\n  "), Err(ChatError::Empty));
    }

    #[test]
    fn messages_from_more_than_a_minute_ahead_are_refused() {
        let mut chat = Chat::default();
        assert!(chat.insert(msg(NOW + 60_000, "just in time"), NOW));
        assert!(!chat.insert(msg(NOW + 60_001, "too early"), NOW));
        assert_eq!(msg(NOW + 60_001, "x").check_date(NOW), Err(ChatError::Future));
        assert!(chat.insert(msg(0, "from long ago"), NOW), "the past is fine");
        assert_eq!(chat.len(), 2);
    }

    #[test]
    fn any_arrival_order_gives_the_same_list_without_duplicates() {
        let mut all: Vec<Message> = (0..60).map(|i| msg(NOW - 1000 + (i % 7), &format!("m{i}"))).collect();
        // The same instant from two people sorts by id, the same everywhere.
        all.push(Message::plain(NOW, "Bob", "same time").unwrap());
        all.push(Message::plain(NOW, "Eve", "same time").unwrap());
        let mut reference = Chat::default();
        assert_eq!(reference.merge(all.clone(), NOW), all.len());
        let order: Vec<_> = reference.iter().map(Message::key).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "sorted by (at, id)");
        let mut rng = SmallRng::seed_from_u64(3);
        for _ in 0..50 {
            let mut shuffled = all.clone();
            shuffled.shuffle(&mut rng);
            // Duplicates and re-merges change nothing.
            shuffled.extend(all.iter().take(10).cloned());
            let mut chat = Chat::default();
            let (a, b) = shuffled.split_at(shuffled.len() / 2);
            let mut other = Chat::default();
            chat.merge(a.to_vec(), NOW);
            other.merge(b.to_vec(), NOW);
            chat.merge(other.iter().cloned().collect::<Vec<_>>(), NOW);
            assert_eq!(chat, reference);
            assert_eq!(chat.merge(all.clone(), NOW), 0, "idempotent");
        }
    }

    #[test]
    fn the_newest_thousand_are_kept_whatever_the_order() {
        let all: Vec<Message> = (0..1500).map(|i| msg(NOW - 10_000 + i, "x")).collect();
        let mut forward = Chat::default();
        forward.merge(all.clone(), NOW);
        let mut backward = Chat::default();
        backward.merge(all.iter().rev().cloned().collect::<Vec<_>>(), NOW);
        assert_eq!(forward.len(), KEEP);
        assert_eq!(forward, backward);
        assert_eq!(forward.iter().next().unwrap().at(), NOW - 10_000 + 500, "the oldest 500 dropped");
        assert!(!forward.insert(msg(NOW - 20_000, "too old for a full set"), NOW));
        assert!(forward.insert(msg(NOW, "new"), NOW));
        assert_eq!(forward.len(), KEEP);
    }

    #[test]
    fn history_is_the_newest_that_fit_and_is_checked_as_a_whole() {
        let mut chat = Chat::default();
        chat.merge((0..20).map(|i| msg(NOW + i, &"y".repeat(100))), NOW);
        let one = serde_json::to_string(chat.iter().next().unwrap()).unwrap().len();
        let some = chat.history(2 + 5 * (one + 1));
        assert_eq!(some.len(), 5);
        assert_eq!(some.last().unwrap().at(), NOW + 19, "the newest");
        assert!(some.windows(2).all(|w| w[0].key() < w[1].key()));
        assert_eq!(chat.history(HISTORY_BYTES).len(), 20);

        let answer = serde_json::to_string(&History { messages: Some(chat.history(HISTORY_BYTES)) }).unwrap();
        let raw: RawHistory = serde_json::from_str(&answer).unwrap();
        assert_eq!(check_history(raw.messages.unwrap(), NOW), Ok(20));
        let request: RawHistory = serde_json::from_str("{}").unwrap();
        assert!(request.messages.is_none());
        let future = serde_json::to_string(&vec![msg(NOW + 120_000, "later")]).unwrap();
        let future: Box<RawValue> = serde_json::from_str(&future).unwrap();
        assert_eq!(check_history(&future, NOW), Err(ChatError::Future));
        let too_many = serde_json::to_string(&vec![msg(1, "x"); KEEP + 1]).unwrap();
        let too_many: Box<RawValue> = serde_json::from_str(&too_many).unwrap();
        assert_eq!(check_history(&too_many, NOW), Err(ChatError::TooMany));
        let forged: Box<RawValue> =
            serde_json::from_str(r#"[{"id":"00","at":1,"nick":"a","text":"b"}]"#).unwrap();
        assert!(check_history(&forged, NOW).is_err());
    }
}
