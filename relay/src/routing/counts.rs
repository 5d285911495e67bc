//! Count coalescing: a page's `visitors_count` goes out at once after a
//! quiet window, and at most once per window during churn; the last value
//! always arrives. This is the window's state; `page.rs` applies it.

use std::time::Instant;

/// The count last broadcast and whether a later one is scheduled.
#[derive(Debug, Default)]
pub(super) struct CountWindow {
    /// When the last count went out, and what it was.
    pub sent: Option<(Instant, usize)>,
    /// A count changed within the window: it goes out at the window's end.
    pub wake_pending: bool,
}
