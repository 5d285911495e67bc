//! What the tabs of one browser tell each other (SPEC §15: they share one
//! keeper connection). The tab holding the keeper's lock, the leader, runs
//! the keeper and sends the others its counts; each other tab says which
//! page it views, because it hosts that page on a socket of its own and the
//! keeper must not host it too. Pure: `browser::tabs` carries the notes.

use crate::protocol::PageHash;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How often a tab says again what it views. A leader forgets a tab it has
/// not heard from in three times as long (a tab that crashed says nothing).
pub const VIEW_EVERY_MS: u32 = 10_000;
/// Other tabs a leader keeps track of; notes from more are ignored.
pub const MOST_TABS: usize = 64;
/// The longest tab name.
const MOST_TAB_NAME: usize = 32;

/// What one tab tells the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum Note {
    /// Tab `tab` views `page` (or no page): sent when that changes, when
    /// asked, and every [`VIEW_EVERY_MS`] while the tab lives.
    View { tab: String, page: Option<PageHash> },
    /// Tab `tab` is closing (or going into the back/forward cache).
    Gone { tab: String },
    /// A tab that has just become the leader asks every tab what it views.
    Ask,
    /// The leader's counts of the listed pages, by hash.
    Counts { counts: HashMap<String, usize> },
}

impl Note {
    /// A note from another tab; anything else is ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let note: Note = serde_json::from_str(text).ok()?;
        let fits = match &note {
            Note::View { tab, .. } | Note::Gone { tab } => tab.len() <= MOST_TAB_NAME,
            Note::Counts { counts } => counts.len() <= 10_000,
            Note::Ask => true,
        };
        fits.then_some(note)
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The leader's book of what the other tabs view.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OtherTabs {
    /// By tab: the page it views, and when it last said so (ms).
    views: HashMap<String, (Option<PageHash>, u64)>,
}

impl OtherTabs {
    /// Takes in a note heard at `now`; `true` if the viewed pages changed.
    pub fn hear(&mut self, note: &Note, now: u64) -> bool {
        let before = self.pages();
        match note {
            Note::View { tab, page } => {
                if self.views.len() < MOST_TABS || self.views.contains_key(tab) {
                    self.views.insert(tab.clone(), (*page, now));
                }
            }
            Note::Gone { tab } => {
                self.views.remove(tab);
            }
            Note::Ask | Note::Counts { .. } => {}
        }
        self.pages() != before
    }

    /// Forgets the tabs not heard from for three rounds; `true` if the
    /// viewed pages changed.
    pub fn prune(&mut self, now: u64) -> bool {
        let before = self.pages();
        let oldest = now.saturating_sub(3 * u64::from(VIEW_EVERY_MS));
        self.views.retain(|_, (_, heard)| *heard >= oldest);
        self.pages() != before
    }

    /// The pages the other tabs view (and host themselves).
    pub fn pages(&self) -> HashSet<PageHash> {
        self.views.values().filter_map(|(page, _)| *page).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: u8) -> PageHash {
        PageHash::parse(&format!("{n:02x}").repeat(32)).unwrap()
    }

    #[test]
    fn notes_round_trip_and_strange_ones_are_ignored() {
        for note in [
            Note::View { tab: "t1".into(), page: Some(page(1)) },
            Note::View { tab: "t1".into(), page: None },
            Note::Gone { tab: "t1".into() },
            Note::Ask,
            Note::Counts { counts: HashMap::from([(page(1).to_string(), 2)]) },
        ] {
            assert_eq!(Note::parse(&note.to_text()), Some(note));
        }
        for bad in [
            r#"{"t":"view","tab":"a","page":"short"}"#.to_string(),
            format!(r#"{{"t":"gone","tab":"{}"}}"#, "x".repeat(MOST_TAB_NAME + 1)),
            r#"{"t":"shout"}"#.to_string(),
            r#"{"t":"counts","counts":{"a":-1}}"#.to_string(),
            "not json".to_string(),
        ] {
            assert_eq!(Note::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_leader_knows_what_the_other_tabs_view_until_they_go_or_fall_silent() {
        let mut tabs = OtherTabs::default();
        assert!(tabs.hear(&Note::View { tab: "a".into(), page: Some(page(1)) }, 0));
        assert!(tabs.hear(&Note::View { tab: "b".into(), page: Some(page(2)) }, 0));
        // Saying it again changes nothing; a tab that moves on frees its page.
        assert!(!tabs.hear(&Note::View { tab: "a".into(), page: Some(page(1)) }, 1_000));
        assert!(tabs.hear(&Note::View { tab: "b".into(), page: None }, 1_000));
        assert_eq!(tabs.pages(), HashSet::from([page(1)]));
        // Two tabs on one page: the page is freed when the last goes.
        tabs.hear(&Note::View { tab: "c".into(), page: Some(page(1)) }, 2_000);
        assert!(!tabs.hear(&Note::Gone { tab: "a".into() }, 3_000));
        assert!(tabs.hear(&Note::Gone { tab: "c".into() }, 3_000));
        // A tab that says nothing for three rounds is forgotten.
        tabs.hear(&Note::View { tab: "d".into(), page: Some(page(4)) }, 10_000);
        assert!(!tabs.prune(10_000 + 3 * u64::from(VIEW_EVERY_MS)));
        assert!(tabs.prune(10_001 + 3 * u64::from(VIEW_EVERY_MS)));
        assert!(tabs.pages().is_empty());
    }

    #[test]
    fn notes_from_more_tabs_than_the_bound_are_ignored() {
        let mut tabs = OtherTabs::default();
        for n in 0..MOST_TABS {
            tabs.hear(&Note::View { tab: format!("t{n}"), page: Some(page(1)) }, 0);
        }
        assert!(!tabs.hear(&Note::View { tab: "one more".into(), page: Some(page(2)) }, 0));
        // A tab already known still moves.
        assert!(tabs.hear(&Note::View { tab: "t0".into(), page: Some(page(3)) }, 0));
    }
}
