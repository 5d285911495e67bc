//! What travels over a direct connection's data channel (SPEC §14), once
//! it is open. The channel is ordered and reliable, so the wire is plain:
//!
//! * the visitor asks in text messages: `page`, or `chunk <file> <index>`;
//! * the host answers each ask in order: the page's UTF-8 bytes or the
//!   chunk's payload as the relay would carry it (id, proof, bytes), in
//!   binary messages of at most [`PART`] bytes, then the text `end`; or,
//!   for a chunk it does not hold, `none <file> <index>`.
//!
//! Nothing here is trusted: the visitor checks the page by its hash and
//! each chunk by its proof, as it checks what comes through the relay.

use crate::chunk::ChunkId;
use crate::manifest::MAX_CHUNK;

/// The largest binary message (Chromium and Firefox take 256 KiB; 64 KiB goes everywhere).
pub const PART: usize = 64 * 1024;

/// The most a visitor puts together for one answer: four times the
/// relay's default page limit (an operator may raise it; the browser does
/// not know by how much), which also holds the largest chunk with its
/// proof. A host sending more is lying.
pub const MOST_ANSWER_BYTES: usize = 4 * 1024 * 1024 + PART;

/// Chunks one visitor may have asked a host for and not yet been sent;
/// past it the host answers `none` (the visitor's window is 16).
pub const MOST_ASKED_PER_PEER: usize = 32;

const _: () = assert!(MAX_CHUNK as usize + 9 + 32 * crate::chunk::MAX_PROOF <= MOST_ANSWER_BYTES);

/// A text message on the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// Visitor: send me the page.
    Page,
    /// Visitor: send me this chunk.
    Chunk(ChunkId),
    /// Host: the answer's bytes are all sent.
    End,
    /// Host: I do not hold this chunk (or you asked for too many at once).
    None(ChunkId),
}

impl Text {
    /// Reads a text message; `None` if it is none of the above.
    pub fn parse(text: &str) -> Option<Self> {
        let id = |rest: &str| {
            let (file, index) = rest.split_once(' ')?;
            let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse::<u32>().ok())?;
            Some(ChunkId::new(number(file)?, number(index)?))
        };
        match text {
            "page" => Some(Self::Page),
            "end" => Some(Self::End),
            _ => match text.split_once(' ')? {
                ("chunk", rest) => id(rest).map(Self::Chunk),
                ("none", rest) => id(rest).map(Self::None),
                _ => None,
            },
        }
    }

    pub fn to_text(self) -> String {
        match self {
            Self::Page => "page".into(),
            Self::End => "end".into(),
            Self::Chunk(id) => format!("chunk {} {}", id.file, id.index),
            Self::None(id) => format!("none {} {}", id.file, id.index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_back_as_written_and_nothing_else_reads() {
        for text in [
            Text::Page,
            Text::End,
            Text::Chunk(ChunkId::new(0, 0)),
            Text::Chunk(ChunkId::new(3, u32::MAX)),
            Text::None(ChunkId::new(1, 7)),
        ] {
            assert_eq!(Text::parse(&text.to_text()), Some(text));
        }
        assert_eq!(Text::Chunk(ChunkId::new(2, 15)).to_text(), "chunk 2 15");
        for bad in [
            "",
            "Page",
            "page ",
            "chunk",
            "chunk 1",
            "chunk 1 2 3",
            "chunk -1 2",
            "chunk +1 2",
            "chunk 1 x",
            "chunk 4294967296 0",
            "none 1",
            "end\n",
            "chunk  1 2",
        ] {
            assert_eq!(Text::parse(bad), None, "{bad:?}");
        }
    }
}
