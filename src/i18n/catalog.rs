//! Every language's texts, put together from the areas'.

use super::{chat, files, lists, page, site, Lang};

/// The interface's texts in one language, by area.
#[derive(Debug)]
pub struct Texts {
    /// The header, footer, homepage and the 404 page.
    pub site: site::Site,
    /// "Your pages", sharing, keeping a copy, staying awake, times and sizes.
    pub lists: lists::Lists,
    /// A page view: status, text, actions, lifetimes, one-time, code view.
    pub page: page::Page,
    /// The chat panel.
    pub chat: chat::Chat,
    /// A file page.
    pub files: files::Files,
}

macro_rules! language {
    ($name:ident, $area:ident) => {
        static $name: Texts = Texts {
            site: site::$area,
            lists: lists::$area,
            page: page::$area,
            chat: chat::$area,
            files: files::$area,
        };
    };
}

language!(EN, EN);
language!(DE, DE);
language!(FR, FR);
language!(ES, ES);
language!(JA, JA);

/// `lang`'s texts.
pub fn of(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::De => &DE,
        Lang::Fr => &FR,
        Lang::Es => &ES,
        Lang::Ja => &JA,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `{name}` places in a text.
    fn places(text: &str) -> BTreeSet<&str> {
        text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect()
    }

    fn areas(texts: &Texts) -> Vec<(&'static str, &'static str)> {
        [
            texts.site.fields(),
            texts.lists.fields(),
            texts.page.fields(),
            texts.chat.fields(),
            texts.files.fields(),
        ]
        .concat()
    }

    #[test]
    fn every_translation_has_the_english_places_and_says_something() {
        let english = areas(of(Lang::En));
        for lang in Lang::ALL {
            let theirs = areas(of(lang));
            assert_eq!(theirs.len(), english.len());
            for ((name, en), (same, text)) in english.iter().zip(&theirs) {
                assert_eq!(name, same);
                assert!(!text.trim().is_empty(), "{lang:?} {name} is empty");
                assert_eq!(places(en), places(text), "{lang:?} {name}: {text:?} against {en:?}");
            }
        }
    }

    #[test]
    fn other_languages_are_translated_not_copied() {
        // Short words may be the same (e.g. "OK"); most texts may not.
        let english = areas(of(Lang::En));
        for lang in [Lang::De, Lang::Fr, Lang::Es, Lang::Ja] {
            let theirs = areas(of(lang));
            let same = english
                .iter()
                .zip(&theirs)
                .filter(|((_, en), (_, text))| en == text && en.len() > 12)
                .count();
            assert!(same * 20 <= english.len(), "{lang:?}: {same} texts are the English ones");
        }
    }
}
