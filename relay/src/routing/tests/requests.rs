//! Targeted requests: one host asked, coalescing, failover, delivery once per request.

use super::*;

#[test]
fn targeted_asks_exactly_one_host_with_a_deadline() {
    let (hub, h, now) = hosted(Policy::Targeted, 5, 1);
    let fx = hub.request(100, h, now);
    let asked = asks(&fx);
    assert_eq!(asked.len(), 1);
    assert!((1..=5).map(peer).any(|host| host == asked[0]));
    assert!(fx.contains(&Effect::WakeAt { hash: h, at: now + Duration::from_secs(1) }));
}

#[test]
fn targeted_spreads_requests_over_hosts() {
    let (hub, h, now) = hosted(Policy::Targeted, 4, 0);
    let mut seen = std::collections::HashSet::new();
    for v in 200..400 {
        hub.join_visitor(v, h);
        let host = asks(&hub.request(v, h, now))[0];
        seen.insert(host);
        assert_eq!(delivered(&hub.content(host, h, good(h), now)), vec![v]);
    }
    assert_eq!(seen.len(), 4, "every host is chosen sometimes");
}

#[test]
fn concurrent_requests_are_coalesced_and_one_answer_serves_all() {
    let (hub, h, now) = hosted(Policy::Targeted, 3, 3);
    let first = hub.request(100, h, now);
    assert_eq!(asks(&first).len(), 1);
    assert!(hub.request(101, h, now).is_empty());
    assert!(hub.request(102, h, now).is_empty());
    assert_eq!(hub.metrics().coalesced.get(), 2);
    let fx = hub.content(asks(&first)[0], h, good(h), now);
    let mut served = delivered(&fx);
    served.sort();
    assert_eq!(served, vec![100, 101, 102]);
    assert_eq!(hub.metrics().deliveries.get(), 3);
    // A second answer to the same request is not forwarded again (it is
    // unasked: its sender is probed instead).
    assert!(delivered(&hub.content(1, h, good(h), now)).is_empty());
    assert_eq!(hub.metrics().unsolicited.get(), 1);
}

/// `ep2p_time_to_content_seconds`'s count and sum, as `/metrics` shows them.
fn time_to_content(hub: &Driver) -> (String, String) {
    let text = hub.metrics().render();
    let value = |name: &str| {
        let line =
            text.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("{name}: {text}"));
        line.rsplit(' ').next().unwrap_or_default().to_string()
    };
    (value("ep2p_time_to_content_seconds_count "), value("ep2p_time_to_content_seconds_sum "))
}

#[test]
fn time_to_content_is_observed_once_per_answer_from_the_first_request_through_failovers() {
    let (hub, h, now) = hosted(Policy::Targeted, 2, 3);
    let first = asks(&hub.request(100, h, now))[0];
    // Coalesced visitors do not start another clock.
    assert!(hub.request(101, h, now + Duration::from_millis(500)).is_empty());
    let second = asks(&hub.wake(h, now + Duration::from_secs(1)))[0];
    assert_ne!(second, first);
    let t = now + Duration::from_millis(1250);
    assert_eq!(delivered(&hub.content(second, h, good(h), t)).len(), 2);
    assert_eq!(time_to_content(&hub), ("1".to_string(), "1.25".to_string()));
    // A visitor who gave up takes the clock with them: the next request starts a new one.
    let t = now + Duration::from_secs(5);
    hub.request(102, h, t);
    hub.leave_visitor(102, h);
    let t = now + Duration::from_secs(10);
    let host = asks(&hub.request(100, h, t)).first().copied().unwrap_or(second);
    hub.content(host, h, good(h), t + Duration::from_millis(250));
    assert_eq!(time_to_content(&hub), ("2".to_string(), "1.5".to_string()));
}

#[test]
fn a_silent_host_is_replaced_at_its_deadline_and_then_avoided() {
    let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
    let first = asks(&hub.request(100, h, now))[0];
    let early = hub.wake(h, now + Duration::from_millis(999));
    assert!(asks(&early).is_empty(), "not before the deadline");
    let late = hub.wake(h, now + Duration::from_secs(1));
    let second = asks(&late);
    assert_eq!(second.len(), 1);
    assert_ne!(second[0], first);
    assert_eq!(hub.metrics().failovers.get(), 1);
    // The slow host is still on the page, but not counted, and new
    // requests go to the other one.
    assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 2));
    hub.content(second[0], h, good(h), now + Duration::from_secs(1));
    for v in 200..220 {
        let t = now + Duration::from_secs(2);
        hub.join_visitor(v, h);
        let next = asks(&hub.request(v, h, t));
        assert_eq!(next, second);
        hub.content(second[0], h, good(h), t);
    }
}

#[test]
fn when_every_host_is_slow_the_slow_ones_are_still_asked() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 1);
    let first = asks(&hub.request(100, h, now));
    let t = now + Duration::from_secs(1);
    // The only host was tried: nobody is left for this request.
    assert!(asks(&hub.wake(h, t)).is_empty());
    // The visitor's retry asks the slow host again rather than nobody.
    assert_eq!(asks(&hub.request(100, h, t)), first);
    // Answering makes it ready again.
    assert_eq!(delivered(&hub.content(first[0], h, good(h), t)), vec![100]);
}

#[test]
fn the_asked_host_leaving_fails_over_at_once() {
    let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
    let first = asks(&hub.request(100, h, now))[0];
    let fx = hub.leave_host(first, h, now);
    let next = asks(&fx);
    assert_eq!(next.len(), 1);
    assert_ne!(next[0], first);
    assert_eq!(counts(&fx), vec![1]);
}

#[test]
fn bad_content_removes_the_host_and_asks_another() {
    let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
    let liar = asks(&hub.request(100, h, now))[0];
    let fx = hub.content(liar, h, Answer::Forged, now);
    assert!(delivered(&fx).is_empty(), "bad content is never delivered");
    let next = asks(&fx);
    assert_eq!(next.len(), 1);
    assert_ne!(next[0], liar);
    assert_eq!(hub.health(h).hosts, 1);
    assert_eq!(hub.metrics().bad_hashes.get(), 1);
    assert_eq!(delivered(&hub.content(next[0], h, good(h), now)), vec![100]);
}

#[test]
fn a_request_with_no_host_waits_for_the_first_host_to_join() {
    let hub = hub(Policy::Targeted);
    let h = page(1);
    let now = Instant::now();
    hub.join_visitor(100, h);
    assert!(hub.request(100, h, now).is_empty());
    let fx = hub.join_host(7, h, now);
    assert_eq!(asks(&fx), vec![7]);
    assert_eq!(delivered(&hub.content(7, h, good(h), now)), vec![100]);
    // Served: the next host to join is not asked.
    assert!(asks(&hub.join_host(8, h, now)).is_empty());
}

#[test]
fn only_visitors_that_asked_are_sent_the_page_once_per_request() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 0);
    hub.join_visitor(100, h);
    hub.join_visitor(101, h);
    let host = asks(&hub.request(100, h, now))[0];
    // Asking again while the request is in flight changes nothing.
    assert!(hub.request(100, h, now).is_empty());
    // 101 only listens: the answer is for 100.
    assert_eq!(delivered(&hub.content(host, h, good(h), now)), vec![100]);
    // A second answer to the same request is not forwarded: nobody asked
    // for it, so its host is probed.
    assert_eq!(asks(&hub.content(host, h, good(h), now)), vec![host]);
    // 101 asks now, and the probe's answer serves it; so does 100 asking again.
    assert!(asks(&hub.request(101, h, now)).is_empty(), "the probe is out");
    assert!(hub.request(100, h, now).is_empty(), "coalesced with 101's");
    let mut served = delivered(&hub.content(host, h, good(h), now));
    served.sort();
    assert_eq!(served, vec![100, 101]);
    assert_eq!(hub.metrics().deliveries.get(), 3);
}

#[test]
fn requests_from_sockets_not_on_want_are_ignored() {
    let (hub, h, now) = hosted(Policy::Targeted, 2, 0);
    assert!(hub.request(100, h, now).is_empty());
    assert!(hub.request(100, page(9), now).is_empty());
}

#[test]
fn the_last_visitor_leaving_cancels_the_request() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 1);
    let host = asks(&hub.request(100, h, now))[0];
    hub.leave_visitor(100, h);
    assert!(hub.content(host, h, good(h), now).is_empty());
    assert!(asks(&hub.join_host(2, h, now)).is_empty());
}

#[test]
fn a_busy_page_shares_one_wake_up_between_its_deadlines() {
    let (hub, h, now) = hosted(Policy::Targeted, 2, 0);
    let wakes = |fx: &Effects| fx.iter().filter(|e| matches!(e, Effect::WakeAt { .. })).count();
    let mut scheduled = 0;
    for i in 0..100u64 {
        let t = now + Duration::from_millis(i);
        hub.join_visitor(200 + i, h);
        let fx = hub.request(200 + i, h, t);
        scheduled += wakes(&fx);
        hub.content(asks(&fx)[0], h, good(h), t);
    }
    assert_eq!(scheduled, 1, "one timer for a hundred requests");
    // When it fires, the request in flight by then still gets its deadline.
    hub.join_visitor(999, h);
    let last = asks(&hub.request(999, h, now + Duration::from_millis(500)))[0];
    let fired = hub.wake(h, now + Duration::from_secs(1));
    assert!(asks(&fired).is_empty(), "not due yet");
    assert_eq!(fired, vec![Effect::WakeAt { hash: h, at: now + Duration::from_millis(1500) }]);
    let failover = hub.wake(h, now + Duration::from_millis(1500));
    assert_eq!(asks(&failover).len(), 1);
    assert_ne!(asks(&failover)[0], last);
}

#[test]
fn the_ask_in_flight_outlives_visitors_who_leave_and_come_back() {
    let (hub, h, now) = hosted(Policy::Targeted, 3, 0);
    hub.join_visitor(100, h);
    assert_eq!(asks(&hub.request(100, h, now)).len(), 1);
    // Leaving and joining again a hundred times before the deadline.
    for i in 0..100 {
        let t = now + Duration::from_millis(i * 9);
        hub.leave_visitor(100, h);
        hub.join_visitor(100, h);
        assert!(asks(&hub.request(100, h, t)).is_empty(), "round {i} asked again");
    }
    assert_eq!(hub.metrics().asks.get(), 1);
    // At the deadline the visitor is still waiting: one more host, once.
    assert_eq!(asks(&hub.wake(h, now + Duration::from_secs(1))).len(), 1);
    assert_eq!(hub.metrics().asks.get(), 2);
}

#[test]
fn nobody_left_waiting_at_the_deadline_ends_the_request_without_a_failover() {
    let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
    let first = asks(&hub.request(100, h, now))[0];
    hub.leave_visitor(100, h);
    assert!(asks(&hub.wake(h, now + Duration::from_secs(1))).is_empty());
    assert_eq!(hub.metrics().failovers.get(), 0);
    // The silent host is slow all the same.
    assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 2));
    assert!(asks(&hub.join_host(first, h, now)).is_empty());
}

#[test]
fn the_same_seed_and_the_same_calls_give_the_same_choices() {
    let run = || {
        let (hub, h, now) = hosted(Policy::Targeted, 20, 0);
        (200..260)
            .flat_map(|v| {
                hub.join_visitor(v, h);
                let asked = asks(&hub.request(v, h, now));
                hub.content(asked[0], h, good(h), now);
                asked
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_one_time_answer_goes_to_one_waiting_visitor_and_the_page_is_read() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 3);
    let first = hub.request(100, h, now);
    assert!(hub.request(101, h, now).is_empty());
    assert!(hub.request(102, h, now).is_empty());
    let host = asks(&first)[0];
    let Answer::Verified(frame) = good(h) else { panic!("a good answer") };
    let fx = hub.content(host, h, Answer::Once(frame), now);
    assert_eq!(delivered(&fx).len(), 1, "{fx:?}");
    assert!(fx.contains(&Effect::Read { host, hash: h }));
    assert_eq!(hub.metrics().deliveries.get(), 1);
    // The same answer as an ordinary page goes to everyone waiting.
    let (hub, h, now) = hosted(Policy::Targeted, 1, 3);
    let first = hub.request(100, h, now);
    hub.request(101, h, now);
    let fx = hub.content(asks(&first)[0], h, good(h), now);
    assert_eq!(delivered(&fx).len(), 2);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Read { .. })));
}

#[test]
fn a_one_time_answer_never_goes_to_another_node() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 0);
    let node = Peer::Node(NodeId(7));
    hub.join_visitor(node, h);
    let first = hub.request(node, h, now);
    let Answer::Verified(frame) = good(h) else { panic!("a good answer") };
    let fx = hub.content(asks(&first)[0], h, Answer::Once(frame), now);
    assert!(delivered(&fx).is_empty(), "{fx:?}");
    assert!(!fx.iter().any(|e| matches!(e, Effect::Read { .. })), "not read: nobody here had it");
}
