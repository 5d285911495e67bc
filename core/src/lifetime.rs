//! A page's lifetime (SPEC §15), written inside the page itself, so it is
//! part of what the hash covers and nobody can change it:
//!
//! * an end (expiry without storage): the wire text starts with
//!   `ep2p-exp1:<seconds since the epoch, UTC>:`;
//! * one reading (burn after reading): then comes `ep2p-once1:`;
//!
//! and then the page as it would be without them (its text, or its `ep2p1:`
//! encrypted form): its *body*.
//!
//! Hosts and mirrors drop a page when its end comes, and never take one
//! that has ended; the relay refuses to pass one on and tells its host. A
//! wire text that starts like this but is not well formed has no end: it
//! is read as the plain text it is.

/// What a page with an end starts with (format version 1).
pub const PREFIX: &str = "ep2p-exp1:";
/// What a one-time page's wire text has after its end, if any.
pub const ONCE: &str = "ep2p-once1:";

/// The lifetimes an author picks from, in seconds, with their names.
pub const CHOICES: &[(u64, &str)] =
    &[(5 * 60, "5 minutes"), (60 * 60, "1 hour"), (24 * 60 * 60, "1 day"), (7 * 24 * 60 * 60, "1 week")];

/// The latest end a page may name: about 292 billion years, far past any
/// choice, small enough that milliseconds never overflow.
const LATEST: u64 = u64::MAX / 1000 / 2;

/// A page's wire text taken apart: when it ends (if it does), and the page
/// without its end.
pub fn split(wire: &str) -> (Option<u64>, &str) {
    let Some(rest) = wire.strip_prefix(PREFIX) else { return (None, wire) };
    let Some((seconds, inner)) = rest.split_once(':') else { return (None, wire) };
    let digits =
        !seconds.is_empty() && !seconds.starts_with('0') && seconds.bytes().all(|b| b.is_ascii_digit());
    match seconds.parse::<u64>() {
        Ok(at) if digits && at <= LATEST => (Some(at), inner),
        _ => (None, wire),
    }
}

/// When the page ends, in seconds since the epoch; `None` if it does not.
pub fn ends_at(wire: &str) -> Option<u64> {
    split(wire).0
}

/// The page's body, without its end and its one-time mark: what is
/// shown, decrypted or taken apart.
pub fn inner(wire: &str) -> &str {
    let rest = split(wire).1;
    rest.strip_prefix(ONCE).unwrap_or(rest)
}

/// The page is to be read once (burn after reading): only its author hosts
/// it, and the relay passes it on once.
pub fn is_once(wire: &str) -> bool {
    split(wire).1.starts_with(ONCE)
}

/// The wire text of a one-time page of this body.
pub fn once(body: &str) -> String {
    format!("{ONCE}{body}")
}

/// The wire text of a page that ends at `at` (seconds since the epoch).
pub fn with_end(at: u64, inner: &str) -> String {
    format!("{PREFIX}{at}:{inner}")
}

/// The page has ended at `now_ms` (milliseconds since the epoch).
pub fn has_ended(wire: &str, now_ms: u64) -> bool {
    ends_at(wire).is_some_and(|at| at.saturating_mul(1000) <= now_ms)
}

/// Milliseconds left before the page ends, from `now_ms`; `None` if it
/// never does, 0 once it has.
pub fn left_ms(wire: &str, now_ms: u64) -> Option<u64> {
    ends_at(wire).map(|at| at.saturating_mul(1000).saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_is_read_strictly_and_a_malformed_one_is_no_end() {
        let wire = with_end(1_765_000_000, "hello: world");
        assert_eq!(wire, "ep2p-exp1:1765000000:hello: world");
        assert_eq!(split(&wire), (Some(1_765_000_000), "hello: world"));
        assert_eq!(inner(&wire), "hello: world");
        assert_eq!(split("hello"), (None, "hello"));
        let sealed = with_end(9, "ep2p1:pbkdf2-sha256:600000:AAAA");
        assert_eq!(split(&sealed), (Some(9), "ep2p1:pbkdf2-sha256:600000:AAAA"));
        for plain in [
            "ep2p-exp1:",
            "ep2p-exp1:123",
            "ep2p-exp1::text",
            "ep2p-exp1:0123:text",
            "ep2p-exp1:0:text",
            "ep2p-exp1:+5:text",
            "ep2p-exp1:12a:text",
            "ep2p-exp1:99999999999999999999999:text",
            "ep2p-exp2:5:text",
        ] {
            assert_eq!(split(plain), (None, plain), "{plain}");
        }
        assert_eq!(ends_at(&format!("{PREFIX}{LATEST}:x")), Some(LATEST));
        assert_eq!(ends_at(&format!("{PREFIX}{}:x", LATEST + 1)), None);
    }

    #[test]
    fn a_one_time_page_is_marked_after_its_end_and_read_without_either() {
        let page = once("ep2p1:AAAA");
        assert_eq!(page, "ep2p-once1:ep2p1:AAAA");
        assert!(is_once(&page) && !is_once("ep2p1:AAAA") && !is_once("text ep2p-once1:"));
        assert_eq!(inner(&page), "ep2p1:AAAA");
        let ending = with_end(77, &once("hi"));
        assert!(is_once(&ending));
        assert_eq!((ends_at(&ending), inner(&ending)), (Some(77), "hi"));
        // The mark before the end is no end: the text after the mark is the body.
        let swapped = format!("{ONCE}{PREFIX}77:hi");
        assert!(is_once(&swapped));
        assert_eq!((ends_at(&swapped), inner(&swapped)), (None, "ep2p-exp1:77:hi"));
    }

    #[test]
    fn a_page_ends_at_its_second_and_not_before() {
        let wire = with_end(1_000, "bye");
        assert!(!has_ended(&wire, 999_999));
        assert!(has_ended(&wire, 1_000_000));
        assert!(has_ended(&wire, u64::MAX));
        assert_eq!(left_ms(&wire, 999_000), Some(1_000));
        assert_eq!(left_ms(&wire, 2_000_000), Some(0));
        assert!(!has_ended("no end", u64::MAX));
        assert_eq!(left_ms("no end", 0), None);
        assert_eq!(CHOICES.first().map(|c| c.0), Some(300));
        assert_eq!(CHOICES.last().map(|c| c.0), Some(604_800));
    }
}
