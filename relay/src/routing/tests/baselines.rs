//! The benchmark's baselines: random-drop and broadcast.

use super::*;

#[test]
fn random_drop_loses_about_a_third_of_requests_and_duplicates_a_quarter() {
    let (hub, h, now) = hosted(Policy::RandomDrop, 10, 1);
    let trials = 4000;
    let (mut none, mut several) = (0, 0);
    for _ in 0..trials {
        match asks(&hub.request(100, h, now)).len() {
            0 => none += 1,
            1 => {}
            _ => several += 1,
        }
    }
    // (1 - 1/10)^10 ≈ 0.349 reach nobody; 1 - 0.349 - 0.387 ≈ 0.264 reach several.
    let (none, several) = (none as f64 / trials as f64, several as f64 / trials as f64);
    assert!((0.30..0.40).contains(&none), "{none}");
    assert!((0.22..0.31).contains(&several), "{several}");
}

#[test]
fn broadcast_asks_every_host_and_forwards_every_answer() {
    let (hub, h, now) = hosted(Policy::Broadcast, 4, 2);
    let mut asked = asks(&hub.request(100, h, now));
    asked.sort();
    assert_eq!(asked, vec![1, 2, 3, 4]);
    for host in asked {
        assert_eq!(delivered(&hub.content(host, h, good(h), now)).len(), 2);
    }
}
