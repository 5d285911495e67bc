//! What the views share, as plain structs of signals: the site's settings
//! and the page this tab created (here), "Your pages" (`your_pages`), and
//! one page view's state (`page`). Changed by plain methods, tested
//! natively; the browser's side of them is in `browser`.

pub mod offered;
pub mod page;
pub mod tabs;
pub mod your_pages;

use crate::protocol::PageHash;
use leptos::prelude::*;

pub use page::{Locked, PageState};
pub use your_pages::YourPages;

/// The name of the `<meta>` that carries the content limit to the browser.
pub const LIMIT_META: &str = "ep2p-content-limit";
/// The name of the `<meta>` that carries a test lifetime to the browser.
pub const TEST_LIFETIME_META: &str = "ep2p-test-lifetime";
/// The environment variable that offers authors one more, short lifetime
/// (seconds): for the tests that watch a page end, never for a real site.
pub const TEST_LIFETIME_ENV: &str = "EP2P_TEST_LIFETIME_SECS";

/// What the pages need to know about the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteInfo {
    /// Largest page, in bytes of UTF-8 text.
    pub content_limit: usize,
    /// One more lifetime the homepage offers, in seconds (tests only).
    pub test_lifetime: Option<u64>,
}

/// A page this tab just created, kept in memory only.
#[derive(Clone)]
pub struct Created {
    pub hash: PageHash,
    /// What hosts hold: the text itself, or its encrypted form.
    pub wire: String,
    /// What the author wrote.
    pub text: String,
    /// The password the author gave an encrypted page, if any: this tab
    /// opens its own page with it, as a reader would.
    pub password: Option<String>,
}

/// The page this tab created last, handed from the homepage to the page view.
#[derive(Clone, Copy)]
pub struct LocalPage(pub RwSignal<Option<Created>>);

/// A page's text taken to the homepage to be written into a new page
/// ("Edit as a new page", SPEC §15), with how it was shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditFrom {
    pub text: String,
    pub based_on: PageHash,
    pub encrypted: bool,
    pub markdown: bool,
}

/// The text handed from a page view to the homepage, taken once.
#[derive(Clone, Copy)]
pub struct Draft(pub RwSignal<Option<EditFrom>>);
