//! Other nodes of the site: asked only when no host here can be, failed over when gone or late.

use super::*;

#[test]
fn a_node_asks_its_own_hosts_first_and_another_node_only_when_it_has_none() {
    let (hub, h, now) = hosted(Policy::Targeted, 1, 1);
    let (b, c) = (remote(2), remote(3));
    hub.set_remote(b, h, 2, now);
    hub.set_remote(c, h, 1, now);
    assert_eq!(hub.health(h).hosts, 4, "the site's count: 1 here, 2 on b, 1 on c");
    for _ in 0..10 {
        let t = now + Duration::from_secs(1);
        assert_eq!(asks(&hub.request(100, h, t)), vec![1], "its own host first");
        hub.content(1, h, good(h), t);
    }
    // Its own host gone, a request crosses to one other node.
    let t = now + Duration::from_secs(2);
    hub.leave_host(1, h, t);
    let crossed = asks(&hub.request(100, h, t));
    assert!(crossed == vec![b] || crossed == vec![c], "{crossed:?}");
    assert_eq!(hub.metrics().cross_node_asks.get(), 1);
    // That node answers for it.
    assert_eq!(delivered(&hub.content(crossed[0], h, good(h), t)), vec![100]);
}

#[test]
fn a_node_that_is_gone_or_late_is_replaced_at_once_or_at_its_deadline() {
    let hub = hub(Policy::Targeted);
    let h = page(9);
    let now = Instant::now();
    let (b, c) = (remote(2), remote(3));
    hub.set_remote(b, h, 1, now);
    hub.set_remote(c, h, 1, now);
    hub.join_visitor(100, h);
    let first = asks(&hub.request(100, h, now))[0];
    let other = if first == b { c } else { b };
    // Gone (its count dropped to 0, or it died): the other one at once.
    let fx = hub.set_remote(first, h, 0, now);
    assert_eq!(asks(&fx), vec![other]);
    assert_eq!(hub.health(h).hosts, 1);
    // Late: at its deadline nobody else is left for this request.
    assert!(asks(&hub.wake(h, now + Duration::from_secs(1))).is_empty());
    // A node that comes back with hosts is asked at once for the waiting visitor.
    let t = now + Duration::from_secs(2);
    assert_eq!(asks(&hub.set_remote(first, h, 1, t)), vec![first]);
    hub.content(first, h, good(h), t);
    // From then on the late node comes after the others.
    for i in 0..10 {
        let t = now + Duration::from_secs(3 + i);
        assert_eq!(asks(&hub.request(100, h, t)), vec![first]);
        hub.content(first, h, good(h), t);
    }
}

#[test]
fn another_nodes_request_is_served_by_this_nodes_hosts_only_and_once() {
    let hub = hub(Policy::Targeted);
    let h = page(10);
    let now = Instant::now();
    let (asker, elsewhere) = (remote(2), remote(3));
    hub.set_remote(elsewhere, h, 1, now);
    // No host here: the request is dropped, never passed on to a third node.
    hub.join_visitor(asker, h);
    assert!(hub.request(asker, h, now).is_empty());
    // With a host here, it is asked, and the answer goes to the asking node.
    hub.join_host(1, h, now);
    hub.join_visitor(asker, h);
    assert_eq!(asks(&hub.request(asker, h, now)), vec![1]);
    hub.join_visitor(100, h);
    assert!(hub.request(100, h, now).is_empty(), "coalesced with the other node's");
    let mut served = delivered(&hub.content(1, h, good(h), now));
    served.sort();
    assert_eq!(served, vec![peer(100), asker]);
    // Served, the other node's request is over; the visitor here stays.
    assert_eq!(hub.waiting(h), 1);
    // A second answer goes nowhere (nobody asked for it: the host is
    // probed)…
    assert!(delivered(&hub.content(1, h, good(h), now)).is_empty());
    // …and its answer to the probe makes it count again.
    assert!(delivered(&hub.content(1, h, good(h), now)).is_empty());
    // Counts go to sockets, never to another node.
    let fx = hub.join_host(2, h, now + Duration::from_secs(1));
    let Some(Effect::Count { visitors, local, count, .. }) = fx.first() else { panic!("{fx:?}") };
    assert_eq!((visitors.as_slice(), *local, *count), (&[SocketId(100)][..], 2, 3));
}
