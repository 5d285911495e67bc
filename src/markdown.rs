//! A page shown as Markdown (docs/product.md §10): CommonMark with tables,
//! strikethrough and task lists, by `pulldown-cmark`, in the browser only
//! (the server sends the text as it is). Page text comes from strangers, so
//! the rendering keeps only what cannot run or fetch anything:
//!
//! * raw HTML in the source is shown as text (blocks as code blocks);
//! * links keep only `http:`, `https:` and `mailto:` destinations, and get
//!   `rel="noopener noreferrer nofollow"` and a new tab (leaving the tab
//!   would stop hosting the page); any other link is shown as its text;
//! * images are never fetched: an image is a link to its address, with
//!   its alt text (or the address) as the link's text;
//! * headings get `id="h-…"` and an anchor that scrolls to them.
//!
//! Everything else (text, code, attributes) is escaped by `pulldown-cmark`
//! or here; no attribute of the output comes from the source unescaped.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;

/// The `rel` of every link out of a page.
pub const LINK_REL: &str = "noopener noreferrer nofollow";

/// A kept link or image, open until its end.
struct Anchor {
    /// For an image: its address, shown when it has no alt text.
    fallback: Option<String>,
    /// Where its children begin in the events being written.
    children_at: usize,
}

/// Where events go: the open heading's, or the page's.
fn target<'a, 'e>(
    heading: &'a mut Option<(HeadingLevel, Vec<Event<'e>>)>,
    events: &'a mut Vec<Event<'e>>,
) -> &'a mut Vec<Event<'e>> {
    match heading {
        Some((_, inner)) => inner,
        None => events,
    }
}

/// Renders a page's Markdown to HTML that is safe to insert as is;
/// `section_link` labels the `#` link beside each heading (the reader's language).
pub fn render(text: &str, section_link: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = String::with_capacity(text.len() * 3 / 2);
    let mut slugs = Slugs::default();
    // Each open link or image: `None` when its destination was dropped.
    let mut open: Vec<Option<Anchor>> = Vec::new();
    // A heading's events, held until its end gives it an id.
    let mut heading: Option<(HeadingLevel, Vec<Event>)> = None;
    let mut events = Vec::new();
    for event in Parser::new_ext(text, options) {
        let event = match event {
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            Event::Start(Tag::HtmlBlock) => {
                Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Indented))
            }
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::CodeBlock),
            Event::Start(Tag::Link { link_type, dest_url, title, .. }) => {
                let children_at = target(&mut heading, &mut events).len() + 1;
                let kept = safe_href(link_type, &dest_url);
                open.push(kept.as_ref().map(|_| Anchor { fallback: None, children_at }));
                match kept {
                    Some(href) => Event::Html(anchor(&href, &title, "").into()),
                    None => continue,
                }
            }
            Event::Start(Tag::Image { link_type, dest_url, title, .. }) => {
                let children_at = target(&mut heading, &mut events).len() + 1;
                let kept = safe_href(link_type, &dest_url);
                open.push(kept.as_ref().map(|href| Anchor { fallback: Some(href.clone()), children_at }));
                match kept {
                    Some(href) => Event::Html(anchor(&href, &title, "image").into()),
                    None => continue,
                }
            }
            Event::End(TagEnd::Link | TagEnd::Image) => match open.pop() {
                Some(Some(Anchor { fallback, children_at })) => {
                    let target = target(&mut heading, &mut events);
                    // The address stands in for an empty alt text.
                    if let Some(href) = fallback.filter(|_| target.len() == children_at) {
                        target.push(Event::Text(href.into()));
                    }
                    Event::Html("</a>".into())
                }
                _ => continue,
            },
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level, Vec::new()));
                continue;
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, inner)) = heading.take() {
                    write_heading(&mut events, level, inner, &mut slugs, section_link);
                }
                continue;
            }
            other => other,
        };
        target(&mut heading, &mut events).push(event);
    }
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

/// `<a …>` for a kept destination: attributes escaped, the page's `rel`.
fn anchor(href: &str, title: &str, class: &str) -> String {
    let mut a = String::from("<a ");
    if !class.is_empty() {
        a.push_str(&format!("class=\"{class}\" "));
    }
    a.push_str(&format!("href=\"{}\" rel=\"{LINK_REL}\" target=\"_blank\"", escape_attr(href)));
    if !title.is_empty() {
        a.push_str(&format!(" title=\"{}\"", escape_attr(title)));
    }
    a.push('>');
    a
}

/// The destination to keep, if it is `http:`, `https:` or `mailto:`.
/// Anything else — `javascript:`, `data:`, relative addresses, addresses
/// with spaces or control characters a browser might strip — is dropped.
pub fn safe_href(link_type: LinkType, dest: &str) -> Option<String> {
    let dest = match link_type {
        LinkType::Email => format!("mailto:{dest}"),
        _ => dest.to_string(),
    };
    if dest.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let (scheme, rest) = dest.split_once(':')?;
    let allowed = ["http", "https", "mailto"].iter().any(|s| scheme.eq_ignore_ascii_case(s));
    (allowed && !rest.is_empty()).then_some(dest)
}

/// HTML-escapes `text` for an attribute's value or an element's content.
pub(crate) fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Heading ids: `h-` and the heading's words, numbered when repeated.
#[derive(Default)]
struct Slugs(HashMap<String, usize>);

impl Slugs {
    fn next(&mut self, text: &str) -> String {
        let mut slug = String::new();
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let base = format!("h-{}", slug.trim_end_matches('-'));
        let seen = self.0.entry(base.clone()).or_insert(0);
        *seen += 1;
        match *seen {
            1 => base,
            n => format!("{base}-{}", n - 1),
        }
    }
}

fn write_heading<'a>(
    events: &mut Vec<Event<'a>>,
    level: HeadingLevel,
    inner: Vec<Event<'a>>,
    slugs: &mut Slugs,
    section_link: &str,
) {
    let words: String = inner
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    let id = escape_attr(&slugs.next(&words));
    let n = level as usize;
    events.push(Event::Html(CowStr::from(format!(
        "<h{n} id=\"{id}\"><a class=\"anchor\" href=\"#{id}\" aria-label=\"{}\">#</a>",
        escape_attr(section_link)
    ))));
    events.extend(inner);
    events.push(Event::Html(CowStr::from(format!("</h{n}>\n"))));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_en(text: &str) -> String {
        render(text, "Link to this section")
    }

    /// Every `href` in the output.
    fn hrefs(html: &str) -> Vec<&str> {
        html.split("href=\"").skip(1).map(|rest| rest.split('"').next().unwrap()).collect()
    }

    #[test]
    fn commonmark_tables_strikethrough_and_task_lists_render() {
        let html = render_en(
            "# Title\n\n**bold** and ~~gone~~\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n",
        );
        assert!(html.contains(r##"<h1 id="h-title"><a class="anchor" href="#h-title""##), "{html}");
        assert!(html.contains("<strong>bold</strong>") && html.contains("<del>gone</del>"), "{html}");
        assert!(html.contains("<table>") && html.contains("<td>2</td>"), "{html}");
        assert!(html.contains(r#"type="checkbox" checked="#), "{html}");
        assert!(html.contains("disabled"), "task boxes are not inputs: {html}");
    }

    #[test]
    fn raw_html_is_shown_as_text_never_as_markup() {
        let html = render_en("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(2)> <b>b</b>\n\n<div onclick=\"x()\">\nblock\n</div>\n");
        for tag in ["<script", "<img", "<b>", "<div"] {
            assert!(!html.contains(tag), "{tag} in {html}");
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"), "{html}");
        assert!(html.contains("<pre><code>&lt;div onclick="), "a block is shown as code: {html}");
    }

    #[test]
    fn only_http_https_and_mailto_links_are_kept_and_each_gets_the_rel() {
        let html = render_en(
            "[a](https://example.org/x?y=1&z=2) [b](http://example.org) [c](mailto:me@example.org) <https://auto.example> <me@example.org>",
        );
        assert_eq!(
            hrefs(&html),
            [
                "https://example.org/x?y=1&amp;z=2",
                "http://example.org",
                "mailto:me@example.org",
                "https://auto.example",
                "mailto:me@example.org"
            ]
        );
        assert_eq!(html.matches(&format!("rel=\"{LINK_REL}\"")).count(), 5, "{html}");
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](javascript&#58;alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](/relative)",
            "[x](#top)",
            "[x](//evil.example)",
            "[x]: javascript:alert(1)\n\n[x]",
        ] {
            let html = render_en(bad);
            assert!(hrefs(&html).is_empty(), "{bad} → {html}");
            assert!(html.contains('x'), "the link's text stays: {html}");
        }
    }

    #[test]
    fn images_are_never_fetched_but_linked_with_their_alt_text() {
        let html = render_en("![a cat](https://example.org/cat.png \"Cat\") ![](https://example.org/empty.png) ![x](javascript:alert(1))");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains(r#"<a class="image" href="https://example.org/cat.png""#), "{html}");
        assert!(html.contains(r#"title="Cat">a cat</a>"#), "{html}");
        assert!(
            html.contains(">https://example.org/empty.png</a>"),
            "an empty alt shows the address: {html}"
        );
        assert_eq!(hrefs(&html).len(), 2, "{html}");
    }

    #[test]
    fn nested_constructs_stay_inert() {
        // A link inside an image, HTML inside a link, quotes in titles, a table cell with HTML.
        let html = render_en(
            "[![<b>x</b>](javascript:1)](https://ok.example \"t\\\" onmouseover=\\\"alert(1)\")\n\n| <i>c</i> | [d](javascript:2) |\n|---|---|\n| `<s>` | **[e](https://e.example)** |\n",
        );
        assert!(!html.contains("<b>") && !html.contains("<i>") && !html.contains("<s>"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("\" onmouseover"), "quotes in a title are escaped: {html}");
        assert_eq!(hrefs(&html), ["https://ok.example", "https://e.example"], "{html}");
    }

    #[test]
    fn headings_get_unique_ids_from_their_words() {
        let html = render_en("# Hello, World!\n## Hello world\n### `code` & more\n# 漢字");
        for id in ["h-hello-world", "h-hello-world-1", "h-code-more", "h-漢字"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}: {html}");
        }
    }
}
