//! Count coalescing: a page's `visitors_count` goes out at once after a
//! quiet window, and at most once per window during churn; the last value
//! always arrives.

use super::effects::{Effect, Effects};
use super::page::Page;
use super::{schedule, Hub};
use ep2p_core::protocol::PageHash;
use std::time::Instant;

/// The count last broadcast and whether a later one is scheduled.
#[derive(Debug, Default)]
pub(super) struct CountWindow {
    /// When the last count went out, and what it was.
    pub sent: Option<(Instant, usize)>,
    /// A count changed within the window: it goes out at the window's end.
    pub wake_pending: bool,
}

impl Hub {
    /// Sends the new count now if the page's window allows, or schedules it
    /// for the end of the window; the last value is always delivered.
    pub(super) fn count_changed(&self, page: &mut Page, hash: PageHash, now: Instant, fx: &mut Effects) {
        match page.counts.sent {
            Some((at, _)) if now < at + self.config.count_window => {
                if !page.counts.wake_pending {
                    page.counts.wake_pending = true;
                    schedule(page, hash, at + self.config.count_window, fx);
                }
            }
            _ => self.broadcast_count(page, hash, now, fx),
        }
    }

    /// At a wake-up: the count held back since the window opened, if its
    /// window is over. Returns when the pending count is due otherwise.
    pub(super) fn flush_count(
        &self,
        page: &mut Page,
        hash: PageHash,
        now: Instant,
        fx: &mut Effects,
    ) -> Option<Instant> {
        let window_end = page.counts.sent.map(|(at, _)| at + self.config.count_window);
        if page.counts.wake_pending && window_end.is_none_or(|end| end <= now) {
            page.counts.wake_pending = false;
            self.broadcast_count(page, hash, now, fx);
        }
        window_end.filter(|_| page.counts.wake_pending)
    }

    fn broadcast_count(&self, page: &mut Page, hash: PageHash, now: Instant, fx: &mut Effects) {
        // Sent even if it equals the last broadcast: a host that joined in
        // between was told a different count in its join reply.
        let count = page.counted();
        page.counts.sent = Some((now, count));
        fx.push(Effect::Count {
            hash,
            hosts: page.hosts.all(),
            visitors: page.visitors.keys().filter_map(|v| v.socket()).collect(),
            watchers: page.watchers.iter().copied().collect(),
            count,
            local: page.hosts.counted(),
        });
    }
}
