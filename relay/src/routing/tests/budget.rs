//! Each client address's budget of asks per page: a loop of join, request,
//! leave costs its own address, not the page's host.

use super::*;

fn address(n: u8) -> IpAddr {
    IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n))
}

/// A page whose one honest host (socket 1) is from its own address.
fn honest_page() -> (Driver, PageHash, Instant) {
    let hub = hub(Policy::Targeted);
    let h = page(20);
    let now = Instant::now();
    hub.connect(1, address(2));
    hub.join_host(1, h, now);
    hub.wake(h, now + Duration::from_secs(1));
    (hub, h, now + Duration::from_secs(10))
}

#[test]
fn visitors_that_ask_and_leave_in_a_loop_cost_their_address_and_not_the_host() {
    let (hub, h, now) = honest_page();
    for attacker in 10..14 {
        hub.connect(attacker, address(9));
    }
    let mut uploads = 0;
    let mut t = now;
    // 3 s of join, request, leave from four sockets of one address; the
    // host answers every ask at once, and timers fire when due.
    for i in 0..300u64 {
        t = now + Duration::from_millis(10 * i);
        let attacker = 10 + i % 4;
        hub.join_visitor(attacker, h);
        let mut fx = hub.request(attacker, h, t);
        hub.leave_visitor(attacker, h);
        fx.extend(hub.wake(h, t));
        for host in asks(&fx) {
            uploads += 1;
            assert!(delivered(&hub.content(host, h, good(h), t)).is_empty(), "nobody is left to serve");
        }
    }
    // The burst, then one every 2 s: 10 + 2, not 300.
    assert!(uploads <= 12, "{uploads} uploads for nobody");
    assert!(hub.metrics().held_requests.get() >= 280);
    // A visitor from another address is served at once.
    hub.connect(50, address(3));
    hub.join_visitor(50, h);
    assert_eq!(asks(&hub.request(50, h, t)), vec![1]);
    assert_eq!(delivered(&hub.content(1, h, good(h), t)), vec![50]);
}

#[test]
fn a_request_past_the_budget_waits_for_it_or_for_another_visitors_ask() {
    let (hub, h, now) = honest_page();
    hub.connect(10, address(9));
    hub.connect(11, address(9));
    hub.join_visitor(10, h);
    for _ in 0..10 {
        assert_eq!(asks(&hub.request(10, h, now)), vec![1]);
        hub.content(1, h, good(h), now);
    }
    // The eleventh waits for the budget, a host joining does not ask for
    // it, and at the budget's time it is asked for, once.
    assert!(asks(&hub.request(10, h, now)).is_empty());
    assert_eq!(hub.metrics().held_requests.get(), 1);
    hub.join_visitor(11, h);
    assert!(hub.request(11, h, now).is_empty(), "the same address waits with it");
    assert!(asks(&hub.join_host(2, h, now)).is_empty());
    assert!(asks(&hub.wake(h, now + Duration::from_millis(1999))).is_empty());
    let asked = asks(&hub.wake(h, now + Duration::from_secs(2)));
    assert_eq!(asked.len(), 1);
    let mut served = delivered(&hub.content(asked[0], h, good(h), now + Duration::from_secs(2)));
    served.sort();
    assert_eq!(served, vec![10, 11]);
    // Waiting again, it is served by a visitor of another address at once.
    let t = now + Duration::from_secs(2);
    assert!(asks(&hub.request(10, h, t)).is_empty());
    hub.connect(50, address(3));
    hub.join_visitor(50, h);
    let asked = asks(&hub.request(50, h, t));
    assert_eq!(asked.len(), 1);
    let mut served = delivered(&hub.content(asked[0], h, good(h), t));
    served.sort();
    assert_eq!(served, vec![10, 50]);
    // Served, nothing more is asked at its budget's time.
    assert!(asks(&hub.wake(h, t + Duration::from_secs(2))).is_empty());
}

#[test]
fn a_waiting_request_whose_visitors_all_left_is_never_sent() {
    let (hub, h, now) = honest_page();
    hub.connect(10, address(9));
    hub.join_visitor(10, h);
    for _ in 0..10 {
        hub.request(10, h, now);
        hub.content(1, h, good(h), now);
    }
    assert!(asks(&hub.request(10, h, now)).is_empty());
    hub.leave_visitor(10, h);
    assert!(asks(&hub.wake(h, now + Duration::from_secs(2))).is_empty());
    assert_eq!(hub.metrics().asks.get(), 10);
    // Its budget is not spent by the wait: back later, it is asked for.
    hub.join_visitor(10, h);
    assert_eq!(asks(&hub.request(10, h, now + Duration::from_secs(3))), vec![1]);
}

#[test]
fn budgets_are_forgotten_once_full_again() {
    let mut budgets = super::super::budget::AskBudgets::default();
    let now = Instant::now();
    let every = Duration::from_secs(2);
    for n in 0..10_000u32 {
        let t = now + Duration::from_millis(u64::from(n));
        let address = IpAddr::V4(std::net::Ipv4Addr::from(n));
        assert!(budgets.ready(address, t, 10, every).is_ok());
        budgets.spend(address, t, every);
    }
    // Only the addresses of the last 2 s (and what one pruning left) remain.
    assert!(budgets.remembered() <= 2 * 2000 + 64, "{}", budgets.remembered());
}
