//! Host trust tiers: silent sockets, suspect addresses, probes, proven hosts first.

use super::*;

fn address(n: u8) -> IpAddr {
    IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n))
}

#[test]
fn a_socket_that_let_a_deadline_pass_stays_slow_when_it_joins_again() {
    let hub = hub(Policy::Targeted);
    let (h, other) = (page(5), page(6));
    let now = Instant::now();
    hub.connect(1, address(2));
    hub.join_host(1, h, now);
    hub.join_visitor(100, h);
    assert_eq!(asks(&hub.request(100, h, now)), vec![1]);
    hub.wake(h, now + Duration::from_secs(1));
    assert_eq!(hub.health(h).hosts, 0, "not counted once silent");
    // Leaving and joining again (here or on another page) does not wash
    // it, though, as the only host, it is asked for the waiting visitor.
    let t = now + Duration::from_secs(3);
    hub.leave_host(1, h, t);
    assert_eq!(asks(&hub.join_host(1, h, t)), vec![1]);
    hub.join_host(1, other, t);
    assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (0, 1));
    assert_eq!(hub.health(other).hosts, 0);
    // Answering does.
    assert_eq!(delivered(&hub.content(1, h, good(h), t)), vec![100]);
    assert_eq!(hub.health(h).hosts, 1);
    hub.leave_host(1, other, t);
    hub.join_host(1, other, t);
    assert_eq!(hub.health(other).hosts, 1);
    // Its socket closing forgets it.
    hub.forget(1);
    assert!(hub.sockets.is_empty());
}

#[test]
fn one_silent_host_makes_its_address_suspect_and_an_honest_host_is_found_next() {
    for seed in 0..20 {
        let hub = Driver::new(HubConfig::default(), seed);
        let h = page(7);
        let now = Instant::now();
        // Fifty silent hosts from one address, one honest host from another.
        for fake in 1..=50 {
            hub.connect(fake, address(9));
            hub.join_host(fake, h, now);
        }
        hub.connect(99, address(2));
        hub.join_host(99, h, now);
        hub.join_visitor(100, h);
        let first = asks(&hub.request(100, h, now));
        let t = now + Duration::from_secs(1);
        if first != vec![99] {
            // One fake caught: the relay asks another host for the
            // visitor, and probes the fake's fellows.
            let fx = hub.wake(h, t);
            let asked = asks(&fx);
            assert_eq!(asked.len(), 50, "seed {seed}: {asked:?}");
            assert!(asked.contains(&peer(99)), "seed {seed}: the honest host is asked");
            assert_eq!((hub.metrics().asks.get(), hub.metrics().probes.get()), (2, 49));
            // Probed hosts are not counted until they answer.
            assert_eq!(hub.health(h).hosts, 1);
        }
        assert_eq!(delivered(&hub.content(99, h, good(h), t)), vec![100]);
        // The probes go unanswered: every fake is slow.
        hub.wake(h, t + Duration::from_secs(1));
        assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 51));
        if first == vec![99] {
            continue;
        }
        // A newcomer from that address is probed before it counts…
        let t = t + Duration::from_secs(2);
        hub.connect(51, address(9));
        assert_eq!(asks(&hub.join_host(51, h, t)), vec![51]);
        assert_eq!(hub.health(h).hosts, 1);
        // …and counts once it answers.
        hub.content(51, h, good(h), t);
        assert_eq!(hub.health(h).hosts, 2);
        // After a while the address is trusted again.
        hub.connect(52, address(9));
        assert!(asks(&hub.join_host(52, h, t + Duration::from_secs(61))).is_empty());
        assert_eq!(hub.health(h).hosts, 3);
    }
}

#[test]
fn after_a_failover_hosts_that_answered_before_go_first() {
    for seed in 0..20 {
        let hub = Driver::new(HubConfig::default(), seed);
        let h = page(8);
        let now = Instant::now();
        // One proven host, then fifty fakes, each from its own address.
        hub.connect(1, address(2));
        hub.join_host(1, h, now);
        hub.join_visitor(100, h);
        assert_eq!(asks(&hub.request(100, h, now)), vec![1]);
        hub.content(1, h, good(h), now);
        for fake in 10..60 {
            hub.connect(fake, address(fake as u8));
            hub.join_host(fake, h, now);
        }
        let t = now + Duration::from_secs(5);
        let first = asks(&hub.request(100, h, t))[0];
        if first != 1 {
            assert_eq!(asks(&hub.wake(h, t + Duration::from_secs(1))), vec![1], "seed {seed}");
        }
    }
}

#[test]
fn content_nobody_asked_for_proves_nothing_and_raises_no_count() {
    for seed in 0..20 {
        let hub = Driver::new(HubConfig::default(), seed);
        let h = page(11);
        let now = Instant::now();
        hub.connect(99, address(2));
        hub.join_host(99, h, now);
        // Forty sockets of one address join and send the page unasked.
        for fake in 1..=40 {
            hub.connect(fake, address(9));
            hub.join_host(fake, h, now);
            assert!(
                hub.content(fake, h, good(h), now).is_empty(),
                "seed {seed}: unasked content had effects"
            );
        }
        assert_eq!(hub.metrics().unsolicited.get(), 40);
        // Asked, they are silent: the first one caught takes its fellows
        // out of the count, and the honest host is asked next.
        hub.join_visitor(100, h);
        let first = asks(&hub.request(100, h, now));
        let t = now + Duration::from_secs(1);
        if first != vec![99] {
            let asked = asks(&hub.wake(h, t));
            assert!(asked.contains(&peer(99)), "seed {seed}: {asked:?}");
            assert_eq!(hub.health(h).hosts, 1, "seed {seed}");
        }
        assert_eq!(delivered(&hub.content(99, h, good(h), t)), vec![100]);
        if first == vec![99] {
            continue;
        }
        // The probes go unanswered: the count stays at the honest host, who
        // is asked first from now on.
        hub.wake(h, t + Duration::from_secs(1));
        assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 41), "seed {seed}");
        let t = t + Duration::from_secs(2);
        assert_eq!(asks(&hub.request(100, h, t)), vec![99], "seed {seed}");
    }
}
