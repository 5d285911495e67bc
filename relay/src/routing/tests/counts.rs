//! Counts: sent at once, coalesced per window; health, totals and empty pages.

use super::*;

#[test]
fn counts_are_sent_at_once_then_coalesced_per_window_and_the_last_value_arrives() {
    let hub = hub(Policy::Targeted);
    let h = page(2);
    let t0 = Instant::now();
    hub.join_visitor(100, h);
    let first = hub.join_host(1, h, t0);
    assert_eq!(
        first[0],
        Effect::Count {
            hash: h,
            hosts: vec![SocketId(1)],
            visitors: vec![SocketId(100)],
            watchers: vec![],
            count: 1,
            local: 1
        }
    );
    // A burst of churn inside the window: one wake, no counts yet.
    let mut fx = Vec::new();
    for host in 2..=10 {
        fx.extend(hub.join_host(host, h, t0 + Duration::from_millis(host)));
    }
    for host in 2..=5 {
        fx.extend(hub.leave_host(host, h, t0 + Duration::from_millis(20 + host)));
    }
    assert!(counts(&fx).is_empty());
    let window_end = t0 + Duration::from_millis(250);
    assert_eq!(fx, vec![Effect::WakeAt { hash: h, at: window_end }]);
    assert!(counts(&hub.wake(h, window_end - Duration::from_millis(1))).is_empty());
    let flushed = hub.wake(h, window_end);
    assert_eq!(counts(&flushed), vec![6]);
    let Effect::Count { hosts, visitors, .. } = &flushed[0] else { panic!() };
    assert_eq!((hosts.len(), visitors.as_slice()), (6, &[SocketId(100)][..]));
    // Churn that ends where it started still sends the value once at the
    // window's end: host 11 was told 7 in its join reply, and must not
    // be left believing it.
    let t1 = window_end + Duration::from_millis(10);
    let mut fx = hub.join_host(11, h, t1);
    fx.extend(hub.leave_host(11, h, t1));
    assert!(counts(&fx).is_empty());
    assert_eq!(counts(&hub.wake(h, window_end + Duration::from_millis(250))), vec![6]);
    // Nothing changed since: nothing more.
    assert!(counts(&hub.wake(h, t1 + Duration::from_secs(1))).is_empty());
    // A host that disconnects counts out, after a quiet window at once.
    let t2 = t1 + Duration::from_secs(5);
    assert_eq!(counts(&hub.leave_host(1, h, t2)), vec![5]);
}

#[test]
fn health_and_totals_follow_joins_and_leaves_and_empty_pages_are_dropped() {
    let hub = hub(Policy::Targeted);
    let (a, b) = (page(3), page(4));
    let now = Instant::now();
    hub.join_host(1, a, now);
    hub.join_host(1, a, now); // a duplicate join counts once
    hub.join_host(2, a, now);
    hub.join_visitor(3, a);
    hub.join_visitor(3, b);
    assert_eq!((hub.health(a), hub.waiting(a)), (Health { hosts: 2, one_time: false }, 1));
    assert_eq!((hub.health(b), hub.waiting(b)), (Health { hosts: 0, one_time: false }, 1));
    assert_eq!((hub.pages(), hub.hosts(), hub.visitors()), (2, 2, 2));
    hub.leave_host(1, a, now);
    hub.leave_host(1, a, now); // leaving twice is harmless
    hub.leave_visitor(3, b);
    assert_eq!(hub.pages(), 1);
    hub.leave_host(2, a, now);
    hub.leave_visitor(3, a);
    assert_eq!((hub.pages(), hub.hosts(), hub.visitors()), (0, 0, 0));
    assert_eq!(hub.health(a), Health::default());
}
