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
        // Forty sockets of one address join (counted by their channels)…
        for fake in 1..=40 {
            hub.connect(fake, address(9));
            hub.join_host(fake, h, now);
        }
        assert_eq!(hub.health(h).hosts, 41);
        // …and one sends the page unasked: it reaches nobody, and it and
        // its fellows stop counting until they answer the relay's probe.
        let fx = hub.content(1, h, good(h), now);
        assert!(delivered(&fx).is_empty(), "seed {seed}: unasked content was delivered");
        let mut probed = asks(&fx);
        probed.sort();
        assert_eq!(probed, (1..=40u64).collect::<Vec<_>>(), "seed {seed}");
        assert_eq!((hub.metrics().unsolicited.get(), hub.metrics().probes.get()), (1, 40));
        assert_eq!(hub.health(h).hosts, 1, "seed {seed}");
        // The probes go unanswered: the fakes are slow, never counted.
        let t = now + Duration::from_secs(1);
        hub.wake(h, t);
        assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 41), "seed {seed}");
        // A visitor is served by the honest host without waiting on a fake.
        hub.join_visitor(100, h);
        let t = t + Duration::from_secs(2);
        assert_eq!(asks(&hub.request(100, h, t)), vec![99], "seed {seed}");
        assert_eq!(delivered(&hub.content(99, h, good(h), t)), vec![100]);
    }
}

#[test]
fn proven_hosts_that_fall_silent_are_caught_together_at_the_first_missed_deadline() {
    for seed in 0..20 {
        let hub = Driver::new(HubConfig::default(), seed);
        let h = page(13);
        let now = Instant::now();
        hub.join_visitor(100, h);
        // Twenty sockets of one address answer every ask at first: proven.
        for fake in 1..=20 {
            hub.connect(fake, address(9));
            hub.join_host(fake, h, now);
        }
        let (mut t, mut proven) = (now, std::collections::BTreeSet::new());
        for _ in 0..2000 {
            if proven.len() == 20 {
                break;
            }
            let asked = asks(&hub.request(100, h, t));
            assert_eq!(asked.len(), 1, "seed {seed}");
            hub.content(asked[0], h, good(h), t);
            proven.insert(asked[0]);
            t += Duration::from_millis(600);
        }
        assert_eq!(proven.len(), 20, "seed {seed}");
        // An honest host joins from elsewhere; the fakes fall silent.
        hub.connect(99, address(2));
        hub.join_host(99, h, t);
        assert_eq!(hub.health(h).hosts, 21);
        let t = t + Duration::from_secs(5);
        let first = asks(&hub.request(100, h, t));
        if first == vec![99] {
            continue;
        }
        // One fake misses its deadline: every other one is probed at once,
        // and the honest host is asked next.
        let fx = hub.wake(h, t + Duration::from_secs(1));
        let mut asked = asks(&fx);
        asked.sort();
        assert_eq!(asked.len(), 20, "seed {seed}: {asked:?}");
        assert!(asked.contains(&peer(99)), "seed {seed}");
        assert_eq!(hub.health(h).hosts, 1, "seed {seed}");
    }
}
