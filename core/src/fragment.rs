//! What a page's link carries after `#`, which browsers never send to a
//! server: the key of an encrypted page (docs/product.md §9) and how the author wants
//! the page shown (docs/product.md §10), and the page it was written from
//! (SPEC §15, "edit as a new page"), and for code, its language and the
//! lines a link points at (SPEC §15, the code view). Parts are joined by
//! `.`, which base64url never contains: `#<key>`, `#md`, `#<key>.md`,
//! `#from-<hash>.md`, `#code-rs.L12-L30`.

use crate::protocol::PageHash;
use crate::sealed::{Key, SealedError};
use std::fmt;

/// The part of a view's name in a fragment.
const MARKDOWN: &str = "md";
const TEXT: &str = "txt";
const CODE: &str = "code";
/// What the page a page was written from follows.
const FROM: &str = "from-";
/// The longest language name a link carries.
const LANGUAGE_MOST: usize = 24;
/// The highest line number a link points at.
pub const LINE_MOST: u32 = 10_000_000;

/// A link's fragment, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    pub key: Option<Key>,
    /// Shown as Markdown rather than as plain text.
    pub markdown: bool,
    /// The page this one was written from (its author's "edit as a new page").
    pub based_on: Option<PageHash>,
    /// Shown as code (winning over Markdown): in this language (a file
    /// extension, as `rs`), or `None` inside for the one detected.
    pub code: Option<Option<String>>,
    /// The lines a link points at, first and last (1-based).
    pub lines: Option<(u32, u32)>,
}

/// `rs`, `cpp`, `sh`: lowercase letters, digits, `+`, `_` and `-`.
fn language(name: &str) -> Option<String> {
    let fits = !name.is_empty() && name.len() <= LANGUAGE_MOST;
    let plain = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+_-".contains(&b));
    (fits && plain).then(|| name.to_string())
}

/// `L12` or `L12-L30`: 1 ≤ first ≤ last ≤ [`LINE_MOST`], digits without
/// leading zeros.
fn lines(part: &str) -> Option<(u32, u32)> {
    let number = |text: &str| {
        let digits = text.strip_prefix('L')?;
        if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u32>().ok().filter(|n| *n <= LINE_MOST)
    };
    let (first, last) = match part.split_once('-') {
        Some((first, last)) => (number(first)?, number(last)?),
        None => (number(part)?, number(part)?),
    };
    (first <= last).then_some((first, last))
}

impl Fragment {
    /// The fragment part for a line range: `L12`, or `L12-L30`.
    pub fn lines_part((first, last): (u32, u32)) -> String {
        if first == last {
            format!("L{first}")
        } else {
            format!("L{first}-L{last}")
        }
    }
}

impl Fragment {
    /// Reads a fragment, with or without its `#`. A part that is neither a
    /// view nor a key makes it an error (a link with a broken key must not
    /// read as one without a key).
    pub fn parse(fragment: &str) -> Result<Self, SealedError> {
        let text = fragment.strip_prefix('#').unwrap_or(fragment);
        let mut parsed = Self::default();
        for part in text.split('.').filter(|part| !part.is_empty()) {
            match part {
                MARKDOWN => (parsed.markdown, parsed.code) = (true, None),
                TEXT => (parsed.markdown, parsed.code) = (false, None),
                CODE => parsed.code = Some(None),
                code if code.starts_with("code-") => {
                    parsed.code = Some(Some(language(&code[CODE.len() + 1..]).ok_or(SealedError::BadKey)?));
                }
                range if range.starts_with('L') && range.len() < 30 => {
                    parsed.lines = Some(lines(range).ok_or(SealedError::BadKey)?);
                }
                from if from.starts_with(FROM) => {
                    let hash = PageHash::parse(&from[FROM.len()..]).map_err(|_| SealedError::BadKey)?;
                    parsed.based_on = Some(hash);
                }
                key => parsed.key = Key::from_fragment(key)?,
            }
        }
        Ok(parsed)
    }
}

/// The fragment without its `#`; empty when there is nothing to carry.
impl fmt::Display for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.key.as_ref().map(ToString::to_string);
        let from = self.based_on.map(|hash| format!("{FROM}{hash}"));
        let view = match &self.code {
            Some(Some(language)) => Some(format!("{CODE}-{language}")),
            Some(None) => Some(CODE.to_owned()),
            None => self.markdown.then(|| MARKDOWN.to_owned()),
        };
        let lines = self.lines.map(Self::lines_part);
        let parts: Vec<String> = [key, from, view, lines].into_iter().flatten().collect();
        f.write_str(&parts.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealed::KEY_LEN;

    #[test]
    fn keys_views_and_the_page_it_came_from_combine_in_one_fragment() {
        let key = Key::from_bytes([7; KEY_LEN]);
        let from = PageHash::of("the page it was written from");
        for (fragment, parsed) in [
            (String::new(), Fragment::default()),
            ("#".into(), Fragment::default()),
            ("#md".into(), Fragment { markdown: true, ..Fragment::default() }),
            (format!("#{key}"), Fragment { key: Some(key.clone()), ..Fragment::default() }),
            (
                format!("#{key}.md"),
                Fragment { key: Some(key.clone()), markdown: true, ..Fragment::default() },
            ),
            (format!("md.{key}"), Fragment { key: Some(key.clone()), markdown: true, ..Fragment::default() }),
            (format!("#{key}.md.txt"), Fragment { key: Some(key.clone()), ..Fragment::default() }),
            (format!("#from-{from}"), Fragment { based_on: Some(from), ..Fragment::default() }),
            (
                format!("#{key}.from-{from}.md"),
                Fragment {
                    key: Some(key.clone()),
                    markdown: true,
                    based_on: Some(from),
                    ..Fragment::default()
                },
            ),
        ] {
            assert_eq!(Fragment::parse(&fragment), Ok(parsed.clone()), "{fragment}");
            // Written back, it reads the same.
            assert_eq!(Fragment::parse(&parsed.to_string()), Ok(parsed), "{fragment}");
        }
        assert_eq!(
            Fragment { key: Some(key.clone()), markdown: true, ..Fragment::default() }.to_string(),
            format!("{key}.md")
        );
        assert_eq!(Fragment::default().to_string(), "");
        let short = format!("#from-{}", &from.to_string()[..10]);
        for bad in ["#top", "#md.top", &format!("#{key}x.md"), "#from-", &short, "#from-XYZ"] {
            assert_eq!(Fragment::parse(bad), Err(SealedError::BadKey), "{bad}");
        }
    }

    #[test]
    fn the_code_view_its_language_and_linked_lines_are_parts_too() {
        let key = Key::from_bytes([7; KEY_LEN]);
        let rust = || Some(Some("rs".to_string()));
        for (fragment, parsed) in [
            ("#code", Fragment { code: Some(None), ..Fragment::default() }),
            ("#code-rs", Fragment { code: rust(), ..Fragment::default() }),
            (
                "#code-c++.L7",
                Fragment { code: Some(Some("c++".into())), lines: Some((7, 7)), ..Fragment::default() },
            ),
            ("#L12-L30", Fragment { lines: Some((12, 30)), ..Fragment::default() }),
            ("#code-rs.L12-L30", Fragment { code: rust(), lines: Some((12, 30)), ..Fragment::default() }),
            // The last view named wins.
            ("#md.code-rs", Fragment { markdown: true, code: rust(), ..Fragment::default() }),
            ("#code-rs.md", Fragment { markdown: true, ..Fragment::default() }),
            ("#code-rs.txt", Fragment::default()),
        ] {
            assert_eq!(Fragment::parse(fragment), Ok(parsed), "{fragment}");
        }
        let full =
            Fragment { key: Some(key.clone()), code: rust(), lines: Some((3, 4)), ..Fragment::default() };
        assert_eq!(full.to_string(), format!("{key}.code-rs.L3-L4"));
        assert_eq!(Fragment::parse(&full.to_string()), Ok(full));
        assert_eq!(Fragment { lines: Some((9, 9)), ..Fragment::default() }.to_string(), "L9");
        let long = format!("#code-{}", "a".repeat(LANGUAGE_MOST + 1));
        for bad in [
            "#code-",
            "#code-Rust",
            "#code-r.s",
            "#code-r s",
            "#code-<b>",
            &long,
            "#L0",
            "#L012",
            "#L5-L4",
            "#L",
            "#L12-",
            "#L12-30",
            "#L-L3",
            "#L10000001",
            "#L99999999999999999999",
            "#Lx",
            "#codes",
        ] {
            assert_eq!(Fragment::parse(bad), Err(SealedError::BadKey), "{bad}");
        }
        assert_eq!(
            Fragment::parse("#L10000000"),
            Ok(Fragment { lines: Some((LINE_MOST, LINE_MOST)), ..Fragment::default() })
        );
    }
}
