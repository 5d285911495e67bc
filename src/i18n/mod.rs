//! The interface in the reader's language (SPEC §15): English, German,
//! French, Spanish and Japanese. The server renders in the language the
//! reader chose (the `ep2p-lang` cookie) or else the best of their
//! `Accept-Language`, and writes it in `<html lang>` and in a `<meta>`,
//! where hydration reads it back: both render the same. The language switch in the footer changes
//! every text at once, with no reload, and is remembered in the cookie.
//!
//! Every language's texts are one value of the same structs ([`Texts`]), so
//! a text missing in one language does not compile; whole sentences with
//! named places (`{n}`, `{time}`), never pieces put together; counts in
//! each language's own plural forms ([`Lang::count`]). A test holds every
//! translation to the English one's places.

/// Declares one area's texts: a struct of `&'static str`, and the list of
/// them by name (for the tests that compare the languages).
macro_rules! texts {
    ($(#[$doc:meta])* pub struct $name:ident { $($(#[$field_doc:meta])* $field:ident,)* }) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            $($(#[$field_doc])* pub $field: &'static str,)*
        }

        impl $name {
            /// Every text, by name.
            #[allow(dead_code)]
            pub fn fields(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($field), self.$field)),*]
            }
        }
    };
}

mod catalog;
mod chat;
mod files;
mod lists;
mod page;
mod site;

pub use catalog::Texts;
use leptos::prelude::*;

/// The languages of the interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
    Es,
    Ja,
}

/// The cookie that remembers a reader's choice.
pub const COOKIE: &str = "ep2p-lang";
/// The `<meta>` that tells the browser the language the server rendered
/// in (not `<html lang>`, which page translators rewrite).
pub const META: &str = "ep2p-lang";

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Ja];

    /// The BCP 47 code (`<html lang>`, the cookie).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Ja => "ja",
        }
    }

    /// The language's name in itself, as the switch lists it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Ja => "日本語",
        }
    }

    /// The language of a tag (`de`, `de-AT`, `JA`); `None` for others.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL.into_iter().find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The best language for an `Accept-Language` header: the highest
    /// `q` among ours (the first listed on a tie), English if none.
    pub fn negotiate(accept: &str) -> Lang {
        let mut best: Option<(Lang, u32)> = None;
        for range in accept.split(',').take(32) {
            let mut parts = range.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else { continue };
            let q = parts.filter_map(|p| p.trim().strip_prefix("q=")).next().map_or(Some(1000), |q| {
                q.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q)).map(|q| (q * 1000.0) as u32)
            });
            let Some(q) = q.filter(|q| *q > 0) else { continue };
            if best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map_or(Lang::En, |(lang, _)| lang)
    }

    /// The choice remembered in a `Cookie` header.
    pub fn from_cookies(header: &str) -> Option<Lang> {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| Lang::ALL.into_iter().find(|l| l.code() == value.trim()))
    }

    /// This language's texts.
    pub fn texts(self) -> &'static Texts {
        catalog::of(self)
    }

    /// `n` with this language's digit groups: 1,200 · 1.200 · 1 200.
    pub fn number(self, n: u64) -> String {
        let digits = n.to_string();
        // Spanish groups from five digits on (CLDR: 1200, 12.000).
        let (separator, from) = match self {
            Lang::En | Lang::Ja => (",", 4),
            Lang::De => (".", 4),
            Lang::Es => (".", 5),
            Lang::Fr => ("\u{202f}", 4),
        };
        if digits.len() < from {
            return digits;
        }
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(c);
        }
        out
    }

    /// A decimal as this language writes it: 1.5 · 1,5.
    pub fn decimal(self, text: String) -> String {
        match self {
            Lang::En | Lang::Ja => text,
            Lang::De | Lang::Fr | Lang::Es => text.replace('.', ","),
        }
    }

    /// A count in this language's plural form: `one` and `other` are
    /// whole phrases with `{n}` in them ("{n} host", "{n} hosts").
    pub fn count(self, n: u64, one: &str, other: &str) -> String {
        // CLDR's cardinal rules: French's "one" is 0 and 1; Japanese has
        // one form; English, German and Spanish say "one" for 1 only.
        let singular = match self {
            Lang::Fr => n <= 1,
            Lang::Ja => false,
            Lang::En | Lang::De | Lang::Es => n == 1,
        };
        fill(if singular { one } else { other }, &[("n", &self.number(n))])
    }
}

/// Puts `args` in the `{name}` places of `template`.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if args.iter().any(|(n, _)| *n == name) => {
                out.push_str(args.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text before and after place `{name}` of a template, for a sentence
/// with an element in it (a link, a strong word): `"Read {link} first"` →
/// `("Read ", " first")`. The whole template if it has no such place.
pub fn around<'a>(template: &'a str, name: &str) -> (&'a str, &'a str) {
    let place = format!("{{{name}}}");
    template.split_once(place.as_str()).unwrap_or((template, ""))
}

/// The language of this render, shared by every view (a context).
#[derive(Clone, Copy, Debug)]
pub struct Language(pub RwSignal<Lang>);

/// The current language (English outside the app).
pub fn lang() -> Lang {
    use_context::<Language>().map_or(Lang::En, |l| l.0.get())
}

/// The current language's texts, to read in a view's closures:
/// `{move || t().site.new_page}`.
pub fn t() -> &'static Texts {
    lang().texts()
}

/// A text of the interface in the current language, for a view (it follows
/// the switch): `{tr(|t| t.site.new_page)}`, `aria-label=tr(|t| t.page.raw)`.
/// Every text is this one type (a closure over a plain `fn`), so the WASM
/// holds the code that renders and updates a text once, not once per text.
///
/// The language is found where the text is made, not where it is read:
/// `<Title>` and `<Meta>` read theirs after the render, outside the app.
// Not inlined: once in the WASM, not at every text.
#[inline(never)]
pub fn tr(
    pick: fn(&'static Texts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let language = use_context::<Language>();
    move || pick(language.map_or(Lang::En, |l| l.0.get()).texts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_of_ours() {
        assert_eq!(Lang::negotiate("de-DE,de;q=0.9,en;q=0.8"), Lang::De);
        assert_eq!(Lang::negotiate("pt-BR, ja;q=0.5, fr;q=0.7"), Lang::Fr);
        assert_eq!(Lang::negotiate("zh-CN"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("es;q=0, ja"), Lang::Ja, "q=0 means not this one");
        assert_eq!(Lang::negotiate("fr;q=2, es;q=0.1"), Lang::Es, "a q out of range is ignored");
        assert_eq!(Lang::negotiate("EN-gb;q=0.9, De;q=0.9"), Lang::En, "the first on a tie");
    }

    #[test]
    fn the_cookie_wins_only_with_a_language_of_ours() {
        assert_eq!(Lang::from_cookies("a=1; ep2p-lang=ja; b=2"), Some(Lang::Ja));
        assert_eq!(Lang::from_cookies("ep2p-lang=xx"), None);
        assert_eq!(Lang::from_cookies("other=de"), None);
    }

    #[test]
    fn numbers_and_counts_in_each_language() {
        assert_eq!(Lang::En.number(1_048_576), "1,048,576");
        assert_eq!(Lang::De.number(1200), "1.200");
        assert_eq!(Lang::Fr.number(1200), "1\u{202f}200");
        assert_eq!((Lang::Es.number(1200), Lang::Es.number(12_000)), ("1200".into(), "12.000".into()));
        assert_eq!(Lang::En.count(1, "{n} host", "{n} hosts"), "1 host");
        assert_eq!(Lang::En.count(0, "{n} host", "{n} hosts"), "0 hosts");
        assert_eq!(Lang::Fr.count(0, "{n} hôte", "{n} hôtes"), "0 hôte");
        assert_eq!(Lang::De.count(1200, "{n} Host", "{n} Hosts"), "1.200 Hosts");
        assert_eq!(Lang::Ja.count(1, "ホスト {n}", "ホスト {n}"), "ホスト 1");
        assert_eq!(Lang::De.decimal("1.50 kB".into()), "1,50 kB");
    }

    #[test]
    fn places_are_filled_and_strange_braces_kept() {
        assert_eq!(fill("{n} of {total}", &[("n", "2"), ("total", "5")]), "2 of 5");
        assert_eq!(fill("a {b} {c", &[("n", "1")]), "a {b} {c");
        assert_eq!(fill("", &[]), "");
        assert_eq!(around("Read {link} first", "link"), ("Read ", " first"));
        assert_eq!(around("no place", "link"), ("no place", ""));
    }
}
