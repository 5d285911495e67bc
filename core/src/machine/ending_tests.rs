//! A page with an end (SPEC §15) in the visitor's machine: kept until its
//! end, then dropped; never taken once it has ended; ended by the relay's
//! word only if it has an end at all.

use super::*;
use crate::client::test_frames::server;
use crate::lifetime;

/// 2026-12-07T00:00:00Z, in milliseconds.
const NOW: u64 = 1_796_601_600_000;

fn page(ends_in_s: i64) -> String {
    lifetime::with_end((NOW as i64 / 1000 + ends_in_s) as u64, "gone soon")
}

fn joined_have(v: &mut Visitor, hash: PageHash, commands: &[Command]) -> String {
    // The join ref of the `have:H` join just sent.
    let join = commands
        .iter()
        .filter_map(|c| match c {
            Command::Send(text) => crate::phoenix::Frame::decode(crate::phoenix::Vsn::V2, text).ok(),
            _ => None,
        })
        .find(|f| f.event == event::JOIN && f.topic == Topic::Have(hash).to_string())
        .expect("have:H joined");
    let Some(Ref::Text(r)) = join.msg_ref else { panic!("a join has a ref") };
    v.step(server(Some(&r), Some(&r), Topic::Have(hash), event::REPLY, r#"{"status":"ok","response":{}}"#));
    r
}

/// A visitor of `text`'s page that received it through the relay.
fn received(text: &str) -> (Visitor, Vec<Command>) {
    let hash = PageHash::of(text);
    let (mut v, _) = Visitor::new(hash, None, 3);
    v.set_now(NOW);
    v.step(Event::Opened);
    v.step(server(Some("1"), Some("1"), Topic::Want(hash), event::REPLY, r#"{"status":"ok","response":{}}"#));
    let payload = serde_json::to_string(&Content { content: text.into(), hash: None }).unwrap();
    let got = v.step(server(None, None, Topic::Want(hash), event::CONTENT, &payload));
    (v, got)
}

#[test]
fn a_page_is_hosted_until_its_end_then_dropped() {
    let text = page(300);
    let hash = PageHash::of(&text);
    let (mut v, got) = received(&text);
    assert_eq!(v.content(), Some(text.as_str()));
    assert!(got.contains(&Command::Schedule(Timer::End, Duration::from_secs(300))), "{got:?}");
    joined_have(&mut v, hash, &got);
    assert_eq!(v.phase(), Phase::Hosting);

    // A timer that fires early changes nothing, and wakes the machine again.
    v.set_now(NOW + 299_000);
    let early = v.step(Event::Timer(Timer::End));
    assert_eq!(v.phase(), Phase::Hosting);
    assert!(early.contains(&Command::Schedule(Timer::End, Duration::from_secs(1))), "{early:?}");

    v.set_now(NOW + 300_000);
    let end = v.step(Event::Timer(Timer::End));
    assert_eq!(v.phase(), Phase::Ended);
    assert_eq!(v.content(), None);
    let left: Vec<_> = end
        .iter()
        .filter_map(|c| match c {
            Command::Send(t) => crate::phoenix::Frame::decode(crate::phoenix::Vsn::V2, t).ok(),
            _ => None,
        })
        .map(|f| format!("{} {}", f.event, f.topic))
        .collect();
    assert_eq!(left, [format!("phx_leave have:{hash}")]);
    // It stays ended: a copy offered again is not taken.
    v.step(Event::Offered(text.clone()));
    assert_eq!((v.phase(), v.content()), (Phase::Ended, None));
}

#[test]
fn a_page_whose_end_has_come_is_never_taken() {
    let text = page(-1);
    let (v, got) = received(&text);
    assert_eq!(v.phase(), Phase::Ended);
    assert_eq!(v.content(), None);
    assert_eq!(v.snapshot().rejected, 0, "a true copy, only ended");
    assert!(got.contains(&Command::Cancel(Timer::Retry)));
    // Created here with an end already past (a wrong clock): dropped at the first step.
    let (mut created, _) = Visitor::new(PageHash::of(&text), Some(text.clone()), 1);
    created.set_now(NOW);
    created.step(Event::Opened);
    assert_eq!(created.phase(), Phase::Ended);
}

#[test]
fn the_relays_word_ends_only_a_page_that_has_an_end() {
    for (text, ends) in [(page(3600), true), ("no end at all".to_string(), false)] {
        let hash = PageHash::of(&text);
        let (mut v, got) = received(&text);
        let join = joined_have(&mut v, hash, &got);
        assert_eq!(v.phase(), Phase::Hosting);
        v.step(server(Some(&join), None, Topic::Have(hash), event::PAGE_ENDED, "{}"));
        assert_eq!(v.phase() == Phase::Ended, ends, "{text}");
    }
}

/// What the machine sent: each frame's event, topic and payload.
fn frames(commands: &[Command]) -> Vec<(String, String, String)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Send(t) => crate::phoenix::Frame::decode(crate::phoenix::Vsn::V2, t).ok(),
            _ => None,
        })
        .map(|f| (f.event.into_owned(), f.topic.into_owned(), f.payload.get().to_string()))
        .collect()
}

#[test]
fn a_one_time_pages_reader_shows_it_and_never_hosts_it() {
    let text = lifetime::once("for your eyes only");
    let hash = PageHash::of(&text);
    let (v, got) = received(&text);
    assert_eq!(v.phase(), Phase::Read);
    assert_eq!(v.content(), Some(text.as_str()));
    assert_eq!(frames(&got), [(event::LEAVE.into(), Topic::Want(hash).to_string(), "{}".into())]);
    assert!(got.contains(&Command::Cancel(Timer::Retry)));
}

#[test]
fn a_one_time_pages_author_says_so_as_it_joins_and_lets_it_go_once_delivered() {
    let text = lifetime::once("burn after reading");
    let hash = PageHash::of(&text);
    let (mut v, _) = Visitor::new(hash, Some(text.clone()), 5);
    v.set_now(NOW);
    let opened = v.step(Event::Opened);
    let joins = frames(&opened);
    assert_eq!(joins, [(event::JOIN.into(), Topic::Have(hash).to_string(), r#"{"once":true}"#.into())]);
    let join = joined_have(&mut v, hash, &opened);
    assert_eq!(v.phase(), Phase::Hosting);
    let gone = v.step(server(Some(&join), None, Topic::Have(hash), event::PAGE_DELIVERED, "{}"));
    assert_eq!((v.phase(), v.content()), (Phase::Delivered, None));
    assert_eq!(frames(&gone), [(event::LEAVE.into(), Topic::Have(hash).to_string(), "{}".into())]);
    // A page that is not one-time is not dropped by that word.
    let (mut plain, got) = received("an ordinary page");
    let join = joined_have(&mut plain, PageHash::of("an ordinary page"), &got);
    plain.step(server(
        Some(&join),
        None,
        Topic::Have(PageHash::of("an ordinary page")),
        event::PAGE_DELIVERED,
        "{}",
    ));
    assert_eq!(plain.phase(), Phase::Hosting);
}
