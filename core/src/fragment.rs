//! What a page's link carries after `#`, which browsers never send to a
//! server: the key of an encrypted page (docs/product.md §9) and how the author wants
//! the page shown (docs/product.md §10). Parts are joined by `.`, which base64url never
//! contains: `#<key>`, `#md`, `#<key>.md`.

use crate::sealed::{Key, SealedError};
use std::fmt;

/// The part of a view's name in a fragment.
const MARKDOWN: &str = "md";
const TEXT: &str = "txt";

/// A link's fragment, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    pub key: Option<Key>,
    /// Shown as Markdown rather than as plain text.
    pub markdown: bool,
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
                key => parsed.key = Key::from_fragment(key)?,
            }
        }
        Ok(parsed)
    }
}

/// The fragment without its `#`; empty when there is nothing to carry.
impl fmt::Display for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.key, self.markdown) {
            (Some(key), true) => write!(f, "{key}.{MARKDOWN}"),
            (Some(key), false) => write!(f, "{key}"),
            (None, true) => f.write_str(MARKDOWN),
            (None, false) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealed::KEY_LEN;

    #[test]
    fn keys_and_views_combine_in_one_fragment() {
        let key = Key::from_bytes([7; KEY_LEN]);
        for (fragment, parsed) in [
            (String::new(), Fragment::default()),
            ("#".into(), Fragment::default()),
            ("#md".into(), Fragment { key: None, markdown: true }),
            (format!("#{key}"), Fragment { key: Some(key.clone()), markdown: false }),
            (format!("#{key}.md"), Fragment { key: Some(key.clone()), markdown: true }),
            (format!("md.{key}"), Fragment { key: Some(key.clone()), markdown: true }),
            (format!("#{key}.md.txt"), Fragment { key: Some(key.clone()), markdown: false }),
        ] {
            assert_eq!(Fragment::parse(&fragment), Ok(parsed.clone()), "{fragment}");
            // Written back, it reads the same.
            assert_eq!(Fragment::parse(&parsed.to_string()), Ok(parsed), "{fragment}");
        }
        assert_eq!(Fragment { key: Some(key.clone()), markdown: true }.to_string(), format!("{key}.md"));
        assert_eq!(Fragment::default().to_string(), "");
        for bad in ["#top", "#md.top", &format!("#{key}x.md")] {
            assert_eq!(Fragment::parse(bad), Err(SealedError::BadKey), "{bad}");
        }
    }
}
