//! One-time pages at the relay (SPEC §15, burn after reading). A page is
//! one-time when its text says so (`ep2p-once1:`, inside what its hash
//! covers); its author says so too as it joins `have:H` (`{"once": true}`),
//! so the relay knows before anyone reads it:
//!
//! * a claim counts only from a page's first host: nobody can make someone
//!   else's page one-time by claiming it;
//! * while a claim stands, nobody else may host the page, nothing reaches it
//!   over HTTP (`/raw`, first responses), and no direct connection is set
//!   up to it (its one delivery is the relay's to count);
//! * the relay passes a one-time text to one reader, then tells the author
//!   (`page_delivered`) and remembers the page as read: it is joined, hosted
//!   and served no more.
//!
//! The book is this node's (a reader on another node is served by that
//! node, which passes the page on once too).

use crate::routing::SocketId;
use dashmap::DashMap;
use ep2p_core::protocol::PageHash;

/// One-time pages read, remembered at most (then the memory starts again).
const READ_REMEMBERED: usize = 100_000;

/// Why a join of a one-time page is refused: what the client reads.
pub const HOSTED_BY_AUTHOR: &str = "a one-time page is hosted by its author only";
pub const ALREADY_READ: &str = "this one-time page has been read already";
pub const NOT_FIRST: &str = "a page with hosts cannot be made one-time";

#[derive(Default)]
pub(crate) struct OnceBook {
    /// One-time pages and the author's socket, while it hosts them.
    claimed: DashMap<PageHash, SocketId>,
    /// One-time pages passed on to their reader.
    read: DashMap<PageHash, ()>,
}

impl OnceBook {
    /// Whether socket `conn` may join `have:H`, claiming the page is
    /// one-time or not; `hosts` is the page's count before it joins.
    pub(crate) fn may_host(
        &self,
        hash: PageHash,
        conn: SocketId,
        claims_once: bool,
        hosts: usize,
    ) -> Result<(), &'static str> {
        if self.read.contains_key(&hash) {
            return Err(ALREADY_READ);
        }
        if let Some(author) = self.claimed.get(&hash) {
            return if *author == conn { Ok(()) } else { Err(HOSTED_BY_AUTHOR) };
        }
        if claims_once {
            if hosts > 0 {
                return Err(NOT_FIRST);
            }
            self.claimed.insert(hash, conn);
        }
        Ok(())
    }

    /// The author left the page (or its socket closed): its claim goes.
    pub(crate) fn release(&self, hash: PageHash, conn: SocketId) {
        self.claimed.remove_if(&hash, |_, author| *author == conn);
    }

    /// The page went to its reader: remembered as read.
    pub(crate) fn read(&self, hash: PageHash) {
        self.claimed.remove(&hash);
        if self.read.len() >= READ_REMEMBERED {
            self.read.clear();
        }
        self.read.insert(hash, ());
    }

    pub(crate) fn was_read(&self, hash: PageHash) -> bool {
        self.read.contains_key(&hash)
    }

    /// The page is one-time (claimed, or read already): nothing reaches it
    /// but its one reader, through a socket.
    pub(crate) fn is_one_time(&self, hash: PageHash) -> bool {
        self.claimed.contains_key(&hash) || self.read.contains_key(&hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_first_host_claims_and_then_hosts_alone_until_the_page_is_read() {
        let book = OnceBook::default();
        let page = PageHash::of("ep2p-once1:secret");
        let (author, other) = (SocketId(1), SocketId(2));
        assert_eq!(book.may_host(page, other, true, 1), Err(NOT_FIRST), "a page with hosts");
        assert!(!book.is_one_time(page));
        assert_eq!(book.may_host(page, author, true, 0), Ok(()));
        assert!(book.is_one_time(page));
        assert_eq!(book.may_host(page, other, false, 1), Err(HOSTED_BY_AUTHOR));
        assert_eq!(book.may_host(page, other, true, 1), Err(HOSTED_BY_AUTHOR));
        assert_eq!(book.may_host(page, author, true, 1), Ok(()), "the author rejoining");
        // Another's leaving changes nothing; the author's frees the page.
        book.release(page, other);
        assert!(book.is_one_time(page));
        book.release(page, author);
        assert!(!book.is_one_time(page));
        assert_eq!(book.may_host(page, other, false, 0), Ok(()));

        book.may_host(page, author, true, 0).unwrap();
        book.read(page);
        assert!(book.was_read(page) && book.is_one_time(page));
        for (conn, once) in [(author, true), (other, false)] {
            assert_eq!(book.may_host(page, conn, once, 0), Err(ALREADY_READ));
        }
        // Ordinary pages are untouched.
        let plain = PageHash::of("plain");
        assert_eq!(book.may_host(plain, other, false, 3), Ok(()));
        assert!(!book.is_one_time(plain));
    }
}
