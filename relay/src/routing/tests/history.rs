//! The chat's history: asked of one other host at a time, answered only to who asked.

use super::*;

fn history_asks(fx: &Effects) -> Vec<Peer> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::AskHistory { host, .. } => Some(*host),
            _ => None,
        })
        .collect()
}

/// Who a history went to, and whether it was the empty one.
fn histories(fx: &Effects) -> Vec<(Vec<Peer>, bool)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::History { frame, to } => {
                Some((to.clone(), frame.history_literal().is_some_and(|m| m.get() == "[]")))
            }
            _ => None,
        })
        .collect()
}

fn some_history(h: PageHash) -> Option<Arc<SharedFrame>> {
    let messages = serde_json::value::to_raw_value(&["m"]).unwrap();
    Some(SharedFrame::history(h, &messages))
}

#[test]
fn a_history_is_asked_of_one_other_host_and_goes_only_to_who_asked() {
    for policy in Policy::ALL {
        let (hub, h, now) = hosted(policy, 5, 2);
        let fx = hub.history_request(3, h, now);
        let asked = history_asks(&fx);
        assert_eq!(asked.len(), 1, "{policy}");
        assert_ne!(asked[0], 3, "never the asker");
        assert!(fx.contains(&Effect::WakeAt { hash: h, at: now + Duration::from_secs(1) }));
        // A second new host joins the request in flight.
        assert!(hub.history_request(4, h, now).is_empty());
        let Peer::Socket(SocketId(n)) = asked[0] else { panic!("{asked:?}") };
        assert!(hub.history_answer(n % 5 + 1, h, some_history(h), now).is_empty() || n % 5 + 1 == n);
        let fx = hub.history_answer(asked[0], h, some_history(h), now);
        assert_eq!(histories(&fx), vec![(vec![peer(3), peer(4)], false)]);
        assert!(delivered(&fx).is_empty() && asks(&fx).is_empty(), "no visitor, no page request");
        // The request is over: a late second answer goes nowhere.
        assert!(hub.history_answer(asked[0], h, some_history(h), now).is_empty());
    }
}

#[test]
fn a_history_asked_of_a_silent_leaving_or_lying_host_is_asked_of_the_next() {
    let (hub, h, now) = hosted(Policy::Targeted, 4, 0);
    let first = history_asks(&hub.history_request(1, h, now))[0];
    assert!(history_asks(&hub.wake(h, now + Duration::from_millis(999))).is_empty());
    let second = history_asks(&hub.wake(h, now + Duration::from_secs(1)));
    assert_eq!(second.len(), 1);
    assert!(second[0] != first && second[0] != 1);
    let third = history_asks(&hub.leave_host(second[0], h, now + Duration::from_secs(1)));
    assert_eq!(third.len(), 1);
    assert!(![peer(1), first, second[0]].contains(&third[0]));
    // A refused answer (malformed, from the future…) moves on too; with
    // nobody left the asker gets an empty history at once.
    let fx = hub.history_answer(third[0], h, None, now + Duration::from_secs(1));
    assert_eq!(histories(&fx), vec![(vec![peer(1)], true)]);
    assert_eq!(hub.metrics().history_failovers.get(), 3);
}

#[test]
fn the_only_host_gets_an_empty_history_and_askers_who_leave_are_forgotten() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 0);
    assert_eq!(histories(&hub.history_request(1, h, now)), vec![(vec![peer(1)], true)]);
    // Only hosts ask: a visitor's request is ignored.
    hub.join_visitor(50, h);
    assert!(hub.history_request(50, h, now).is_empty());
    // An asker that leaves waits for nothing; the last one cancels the request.
    hub.join_host(2, h, now);
    let asked = history_asks(&hub.history_request(2, h, now));
    assert_eq!(asked, vec![1]);
    hub.leave_host(2, h, now);
    assert!(hub.history_answer(1, h, some_history(h), now).is_empty());
    // Another node asking for a page nobody hosts here gets an empty history.
    let node = remote(9);
    assert_eq!(histories(&hub.history_request(node, page(7), now)), vec![(vec![node], true)]);
}

#[test]
fn another_node_is_asked_for_the_history_only_when_no_host_here_can_answer() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 0);
    let node = remote(5);
    hub.set_remote(node, h, 3, now);
    assert_eq!(history_asks(&hub.history_request(1, h, now)), vec![node]);
    assert_eq!(histories(&hub.history_answer(node, h, some_history(h), now)), vec![(vec![peer(1)], false)]);
    // A node that disappears fails the request over (to nobody: empty).
    assert_eq!(history_asks(&hub.history_request(1, h, now)), vec![node]);
    assert_eq!(histories(&hub.set_remote(node, h, 0, now)), vec![(vec![peer(1)], true)]);
    // Another node's request is served by hosts here, never sent on.
    hub.join_host(2, h, now);
    let asker = remote(6);
    hub.set_remote(remote(7), h, 1, now);
    let asked = history_asks(&hub.history_request(asker, h, now));
    assert!(asked == vec![1] || asked == vec![2], "{asked:?}");
}
