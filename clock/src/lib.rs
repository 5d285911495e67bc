//! `ep2p-clock`: the wall clock of the native programs (the relay, the
//! mirror), in the unit chat messages are dated in. `ep2p-core` reads no
//! clock (it takes the time as an argument, so the browser passes its own,
//! a js `Date`); this is the one place a native program reads it.

/// The wall clock in ms since the Unix epoch (0 before it): chat messages
/// are dated, and their dates checked, with it.
pub fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis().min(u128::from(u64::MAX)) as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn it_is_after_2024_and_does_not_go_backwards() {
        let first = super::wall_ms();
        assert!(first > 1_704_067_200_000, "{first}");
        assert!(super::wall_ms() >= first);
    }
}
