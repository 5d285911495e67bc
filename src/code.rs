//! A page shown as code (SPEC §15): syntax highlighting by `syntect`
//! (Sublime Text's grammars, the pure-Rust `fancy-regex` engine), line by
//! line so every line can be numbered and linked, in the browser only.
//!
//! The grammars are not in the WASM: the server sends them once, as
//! `syntect`'s compressed dump, from [`GRAMMARS_PATH`] (a lazy part of the
//! WASM fetches them the first time a reader chooses the code view). The
//! language is the reader's or the link's choice (a file extension, as
//! `rs`), or else detected: from the first line (`#!/bin/sh`, `<?php`),
//! then from the signs a few common languages leave.
//!
//! Page text comes from strangers: everything in the output is escaped by
//! `syntect` or here; the only markup is `<span class="hl-…">`.

use crate::markdown::escape_attr;
use syntect::html::ClassStyle;
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

/// Where the server serves the grammars (`syntect`'s compressed dump).
pub const GRAMMARS_PATH: &str = "/assets/grammars.packdump";
/// The longest text highlighted; a longer one is shown numbered, unhighlighted.
pub const HIGHLIGHT_MOST_BYTES: usize = 512 * 1024;
/// The most lines highlighted.
pub const HIGHLIGHT_MOST_LINES: usize = 20_000;
/// Every class the output carries starts with this.
const CLASS_PREFIX: &str = "hl-";

/// A page's text as code, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Highlighted {
    /// The language shown: its token (as a link names it) and name, `None`
    /// for plain text.
    pub language: Option<(String, String)>,
    /// The language was detected, not chosen.
    pub detected: bool,
    /// Each line's HTML, without its line ending.
    pub lines: Vec<String>,
    /// The text was too long to highlight: its lines are only escaped.
    pub too_long: bool,
    /// Every language a reader may choose: token and name, by name.
    pub languages: Vec<(String, String)>,
}

/// The grammars: the server's dump, read.
pub fn grammars_from(dump: &[u8]) -> Option<SyntaxSet> {
    syntect::dumps::from_reader(dump).ok()
}

/// The grammars, fetched from this server (the code view's lazy part).
#[cfg(feature = "hydrate")]
pub async fn fetch_grammars() -> Option<SyntaxSet> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let response = JsFuture::from(web_sys::window()?.fetch_with_str(GRAMMARS_PATH)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    grammars_from(&js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The grammars this server sends, as `syntect` ships them (server only).
#[cfg(feature = "ssr")]
pub fn grammars_dump() -> Vec<u8> {
    syntect::dumps::dump_binary(&SyntaxSet::load_defaults_newlines())
}

/// A language's token: its first file extension, as links carry it.
fn token_of(syntax: &SyntaxReference) -> Option<String> {
    let token = syntax.file_extensions.first()?.to_ascii_lowercase();
    let fits = !token.is_empty()
        && token.len() <= 24
        && token.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+_-".contains(&b));
    fits.then_some(token)
}

/// Every language a reader may choose, by name.
pub fn languages(set: &SyntaxSet) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = set
        .syntaxes()
        .iter()
        .filter(|s| !s.hidden && s.name != "Plain Text")
        .filter_map(|s| Some((token_of(s)?, s.name.clone())))
        .collect();
    all.sort_by_key(|(_, name)| name.to_lowercase());
    all.dedup_by(|a, b| a.0 == b.0);
    all
}

/// Signs a few common languages leave, strongest first. A text's language
/// is the one with the most signs (two at least); ties go to the first.
const SIGNS: &[(&str, &[&str])] = &[
    (
        "rs",
        &[
            "fn ",
            "let mut ",
            "impl ",
            "pub fn ",
            "use std::",
            "::new(",
            "#[derive(",
            "match ",
            "-> ",
            "&self",
        ],
    ),
    ("py", &["def ", "import ", "self.", "elif ", "print(", "__init__", "None", "from ", "):\n"]),
    ("go", &["package ", "func ", ":= ", "fmt.", "import (", "err != nil"]),
    ("java", &["public class ", "public static void ", "System.out", "import java.", "private final "]),
    ("cs", &["using System", "namespace ", "Console.Write", "public class ", "{ get; "]),
    ("cpp", &["std::", "#include <iostream>", "template <", "template<", "cout <<", "nullptr", "#include"]),
    ("c", &["#include <stdio.h>", "#include", "int main(", "printf(", "malloc(", "->", "NULL"]),
    ("php", &["<?php", "$this->", "echo ", "function ", "=> $"]),
    ("rb", &["def ", "end\n", "puts ", "require '", "do |", "attr_accessor"]),
    ("js", &["function ", "const ", "=> ", "console.log", "let ", "require(", "export ", "document."]),
    ("sh", &["#!/bin/", "echo ", "fi\n", "then\n", "$(", "esac", "done\n"]),
    ("html", &["<!DOCTYPE html", "<html", "<div", "<head", "<body", "</p>"]),
    ("css", &["px;", "color:", "margin:", "padding:", "font-", "display:"]),
    ("sql", &["SELECT ", "FROM ", "WHERE ", "INSERT INTO ", "CREATE TABLE ", "JOIN "]),
    ("yaml", &["---\n", ":\n  ", "\n- ", ": "]),
];

/// The language `text` is most likely in, if any sign says so.
pub fn detect(set: &SyntaxSet, text: &str) -> Option<String> {
    let first_line = text.lines().next().unwrap_or_default();
    if let Some(token) = set.find_syntax_by_first_line(first_line).and_then(token_of) {
        return Some(token);
    }
    let start = text.trim_start();
    if (start.starts_with('{') || start.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    {
        return Some("json".into());
    }
    let sample = &text[..text.floor_char_boundary(64 * 1024)];
    let score = |signs: &[&str]| signs.iter().filter(|sign| sample.contains(*sign)).count();
    let (token, best) = SIGNS
        .iter()
        .map(|(token, signs)| (*token, score(signs)))
        .fold(("", 0), |best, (token, n)| if n > best.1 { (token, n) } else { best });
    (best >= 2).then(|| token.to_string()).filter(|t| set.find_syntax_by_extension(t).is_some())
}

/// The classes a scope's span carries: each atom, prefixed (`hl-comment hl-line`).
fn classes(scope: syntect::parsing::Scope) -> String {
    scope
        .build_string()
        .split('.')
        .map(|atom| format!("{CLASS_PREFIX}{}", escape_attr(atom)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A text's lines, without their endings (a last empty line is not one).
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Highlights `text` in the `chosen` language (a token), or the one
/// detected; plain text when neither is known.
pub fn highlight(set: &SyntaxSet, text: &str, chosen: Option<&str>) -> Highlighted {
    let languages = languages(set);
    let chosen = chosen.filter(|token| set.find_syntax_by_extension(token).is_some());
    let (token, detected) = match chosen {
        Some(token) => (Some(token.to_string()), false),
        None => (detect(set, text), true),
    };
    let syntax = token.as_deref().and_then(|t| set.find_syntax_by_extension(t));
    let language = syntax.and_then(|s| Some((token.clone()?, s.name.clone())));
    let lines = split_lines(text);
    let too_long = text.len() > HIGHLIGHT_MOST_BYTES || lines.len() > HIGHLIGHT_MOST_LINES;
    let plain =
        |lines: &[&str]| lines.iter().map(|l| escape_attr(l.trim_end_matches(['\n', '\r']))).collect();
    let html = match syntax {
        Some(syntax) if !too_long => highlight_lines(set, syntax, &lines).unwrap_or_else(|| plain(&lines)),
        _ => plain(&lines),
    };
    Highlighted { language, detected, lines: html, too_long: too_long && syntax.is_some(), languages }
}

/// Each line's HTML, spans closed at its end and opened again at the next
/// line's start, so a line stands alone (a comment over three lines is
/// three lines of comment). `None` if the grammar fails on the text.
fn highlight_lines(set: &SyntaxSet, syntax: &SyntaxReference, lines: &[&str]) -> Option<Vec<String>> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let style = ClassStyle::SpacedPrefixed { prefix: CLASS_PREFIX };
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        // The grammars expect every line to end with "\n".
        let owned;
        let line = if line.ends_with('\n') {
            *line
        } else {
            owned = format!("{line}\n");
            &owned
        };
        let ops = state.parse_line(line, set).ok()?;
        let mut html = String::with_capacity(line.len() * 2);
        let open = stack.as_slice().len();
        for scope in stack.as_slice() {
            html.push_str(&format!("<span class=\"{}\">", classes(*scope)));
        }
        let (spans, delta) =
            syntect::html::line_tokens_to_classed_spans(line, &ops, style, &mut stack).ok()?;
        html.push_str(&spans);
        let still_open = (open as isize + delta).max(0) as usize;
        html.push_str(&"</span>".repeat(still_open));
        // The line ending is the line's last character: it goes.
        if let Some(at) = html.rfind('\n') {
            html.remove(at);
        }
        out.push(html.replace('\r', ""));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn set() -> &'static SyntaxSet {
        static SET: OnceLock<SyntaxSet> = OnceLock::new();
        // Through the dump, as the browser gets it.
        SET.get_or_init(|| grammars_from(&grammars_dump()).expect("the server's dump reads back"))
    }

    /// Each line's text, with the markup taken out and entities read back.
    fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn languages_are_detected_from_the_first_line_or_their_signs() {
        let set = set();
        for (text, token) in [
            ("#!/bin/sh\necho hi\n", Some("sh")),
            ("<?php\necho 'x';\n", Some("php")),
            ("use std::io;\n\nfn main() {\n    let mut x = Vec::new();\n}\n", Some("rs")),
            ("def greet(name):\n    print(f\"hi {name}\")\n\nimport os\n", Some("py")),
            ("package main\n\nimport (\n  \"fmt\"\n)\nfunc main() { fmt.Println(1) }\n", Some("go")),
            ("{\"a\": [1, 2, {\"b\": null}]}", Some("json")),
            ("SELECT name FROM users WHERE id = 1;", Some("sql")),
            ("Dear Anna,\n\nthe meeting is at noon.\n", None),
            ("", None),
        ] {
            assert_eq!(detect(set, text).as_deref(), token, "{text:?}");
        }
    }

    #[test]
    fn every_line_stands_alone_and_keeps_its_text() {
        let set = set();
        let text = "/* a comment\n   over two lines */\nfn main() { let s = \"<b>&\"; }\r\nlast";
        let shown = highlight(set, text, Some("rs"));
        assert_eq!(shown.language, Some(("rs".into(), "Rust".into())));
        assert!(!shown.detected && !shown.too_long);
        assert_eq!(shown.lines.len(), 4);
        let texts: Vec<String> = shown.lines.iter().map(|l| text_of(l)).collect();
        assert_eq!(
            texts,
            ["/* a comment", "   over two lines */", "fn main() { let s = \"<b>&\"; }", "last"]
        );
        for line in &shown.lines {
            assert_eq!(line.matches("<span").count(), line.matches("</span>").count(), "{line}");
            assert!(!line.contains('\n') && !line.contains('\r') && !line.contains("<b>"), "{line}");
        }
        // The comment's second line is a comment too; the keyword is one.
        assert!(
            shown.lines[1].starts_with("<span class=\"hl-source hl-rust\"><span class=\"hl-comment"),
            "{}",
            shown.lines[1]
        );
        assert!(
            shown.lines[2].contains("hl-storage hl-type hl-function")
                || shown.lines[2].contains("hl-keyword")
        );
        assert!(shown.lines[2].contains("hl-string"), "{}", shown.lines[2]);
    }

    #[test]
    fn an_unknown_language_or_plain_text_is_numbered_unhighlighted() {
        let set = set();
        let shown = highlight(set, "a < b\nsecond", Some("nosuchlanguage"));
        assert_eq!((shown.language, shown.detected), (None, true));
        assert_eq!(shown.lines, ["a &lt; b", "second"]);
        let languages = highlight(set, "x", None).languages;
        assert!(languages.len() > 30, "{}", languages.len());
        for wanted in ["rs", "py", "js", "c", "cpp", "go", "java", "sh", "html", "css", "json", "sql", "yaml"]
        {
            assert!(languages.iter().any(|(t, _)| t == wanted), "{wanted}");
        }
        for (token, _) in &languages {
            assert_eq!(
                crate::fragment::Fragment::parse(&format!("#code-{token}")).map(|f| f.code),
                Ok(Some(Some(token.clone())))
            );
        }
    }

    #[test]
    fn a_text_too_long_is_shown_without_highlighting() {
        let set = set();
        let text = "let x = 1;\n".repeat(HIGHLIGHT_MOST_LINES + 1);
        let shown = highlight(set, &text, Some("rs"));
        assert!(shown.too_long);
        assert_eq!(shown.lines.len(), HIGHLIGHT_MOST_LINES + 1);
        assert_eq!(shown.lines[0], "let x = 1;");
    }
}
