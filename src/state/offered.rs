//! The text a page's first response carries (SPEC §10), as the page
//! view's resource holds it, sent once (SPEC §14): a plain text the page
//! shows is in the HTML already, so the hydration data carries only a
//! marker and the hydrating app reads the text back from the page's text
//! element. A text the HTML parser would change (a carriage return, which
//! it turns into a line feed, or a NUL, which it drops), or one the page
//! does not show (an encrypted page's or a file page's wire), travels in
//! the hydration data as before. Whatever comes back is checked against
//! the page's hash like any copy.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first response's text, if a host sent it in time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offered(pub Option<String>);

/// How [`Offered`] travels in the hydration data.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Sent<'a> {
    None,
    Text(&'a str),
    /// In the page's text element.
    Shown,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Received {
    None,
    Text(String),
    Shown,
}

/// Whether `text` comes back from the HTML parser as it went in.
pub fn survives_html(text: &str) -> bool {
    !text.contains(['\r', '\0'])
}

impl Serialize for Offered {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_deref() {
            None => Sent::None,
            Some(text) if super::page::shown_as_text(text) && survives_html(text) => Sent::Shown,
            Some(text) => Sent::Text(text),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Offered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(match Received::deserialize(deserializer)? {
            Received::None => None,
            Received::Text(text) => Some(text),
            Received::Shown => shown_text(),
        }))
    }
}

/// The text the server put in the page's text element.
#[cfg(feature = "hydrate")]
fn shown_text() -> Option<String> {
    let document = web_sys::window()?.document()?;
    document.query_selector(r#"[data-testid="page-text"]"#).ok()??.text_content()
}

#[cfg(not(feature = "hydrate"))]
fn shown_text() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_plain_text_travels_as_a_marker_and_anything_else_whole() {
        let json = |offered: Offered| serde_json::to_string(&offered).unwrap();
        assert_eq!(json(Offered(None)), r#""none""#);
        assert_eq!(json(Offered(Some("a page, shown as text\n".into()))), r#""shown""#);
        for kept in ["with a\r\nCRLF", "with a \0 NUL", "ep2p1:sealed", "ep2p-files1:{}"] {
            let sent = json(Offered(Some(kept.into())));
            assert_eq!(serde_json::from_str::<Offered>(&sent).unwrap(), Offered(Some(kept.into())), "{sent}");
        }
        // Natively there is no page to read it from.
        assert_eq!(serde_json::from_str::<Offered>(r#""shown""#).unwrap(), Offered(None));
        assert!(serde_json::from_str::<Offered>(r#""other""#).is_err());
    }
}
