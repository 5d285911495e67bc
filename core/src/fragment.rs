//! What a page's link carries after `#`, which browsers never send to a
//! server: the key of an encrypted page (docs/product.md §9) and how the author wants
//! the page shown (docs/product.md §10), and the page it was written from
//! (SPEC §15, "edit as a new page"). Parts are joined by `.`, which
//! base64url never contains: `#<key>`, `#md`, `#<key>.md`,
//! `#from-<hash>.md`.

use crate::protocol::PageHash;
use crate::sealed::{Key, SealedError};
use std::fmt;

/// The part of a view's name in a fragment.
const MARKDOWN: &str = "md";
const TEXT: &str = "txt";
/// What the page a page was written from follows.
const FROM: &str = "from-";

/// A link's fragment, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    pub key: Option<Key>,
    /// Shown as Markdown rather than as plain text.
    pub markdown: bool,
    /// The page this one was written from (its author's "edit as a new page").
    pub based_on: Option<PageHash>,
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
                MARKDOWN => parsed.markdown = true,
                TEXT => parsed.markdown = false,
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
        let view = self.markdown.then(|| MARKDOWN.to_owned());
        let parts: Vec<String> = [key, from, view].into_iter().flatten().collect();
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
            (format!("#{key}.md"), Fragment { key: Some(key.clone()), markdown: true, based_on: None }),
            (format!("md.{key}"), Fragment { key: Some(key.clone()), markdown: true, based_on: None }),
            (format!("#{key}.md.txt"), Fragment { key: Some(key.clone()), ..Fragment::default() }),
            (format!("#from-{from}"), Fragment { based_on: Some(from), ..Fragment::default() }),
            (
                format!("#{key}.from-{from}.md"),
                Fragment { key: Some(key.clone()), markdown: true, based_on: Some(from) },
            ),
        ] {
            assert_eq!(Fragment::parse(&fragment), Ok(parsed.clone()), "{fragment}");
            // Written back, it reads the same.
            assert_eq!(Fragment::parse(&parsed.to_string()), Ok(parsed), "{fragment}");
        }
        assert_eq!(
            Fragment { key: Some(key.clone()), markdown: true, based_on: None }.to_string(),
            format!("{key}.md")
        );
        assert_eq!(Fragment::default().to_string(), "");
        let short = format!("#from-{}", &from.to_string()[..10]);
        for bad in ["#top", "#md.top", &format!("#{key}x.md"), "#from-", &short, "#from-XYZ"] {
            assert_eq!(Fragment::parse(bad), Err(SealedError::BadKey), "{bad}");
        }
    }
}
