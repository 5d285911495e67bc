//! One socket for the pages a browser lists under "Your pages"
//! (docs/product.md §12): it watches each listed page's host count on
//! `watch:H` — never hosting, never asking — and hosts the pages this
//! browser keeps a copy of on `have:H`, answering requests and chat history
//! asks like any host. The socket, its channels and hosting are the
//! [`client`](crate::client) core the visitor shares; what is the keeper's
//! own is here: which pages are followed on which topic, and their counts.
//!
//! The relay caps what one socket joins (`max_topics` hosts and visits,
//! `max_watched` watches), so a keeper with many pages may have some joins
//! refused. Those pages stay wanted and are asked for again on the same
//! socket, after 1 s, 2 s, 5 s, then every 10 s (the client core's rejoin
//! timer, as phoenix.js does it), while every accepted page stays hosted and
//! watched: dropping the socket instead would take every hosted page away
//! and back each time, their counts flapping and pages only this browser
//! hosts shown as hosted by nobody. Only a socket left with nothing joined
//! (every join refused) is replaced, later each time.

use crate::chat::Chat;
use crate::client::channels::{Channels, Heard};
use crate::client::hosting::{self, Host};
use crate::client::{Command, Event, Machine};
use crate::protocol::{PageHash, Topic};
use std::collections::BTreeMap;

/// A page kept in this browser: its text (as hosts hold it) and the chat
/// heard while hosting it.
#[derive(Debug)]
struct Kept {
    text: String,
    chat: Chat,
}

/// The listed pages' counts and the kept pages' hosting, on one socket.
#[derive(Debug)]
pub struct Keeper {
    /// Every listed page, and the host count last heard for it.
    counts: BTreeMap<PageHash, Option<usize>>,
    /// Listed pages whose copy this browser keeps and hosts.
    kept: BTreeMap<PageHash, Kept>,
    /// The socket and every listed page's topic on it.
    channels: Channels,
    now_ms: u64,
    /// Grows whenever a count changes.
    version: u64,
}

impl Keeper {
    /// A keeper with nothing listed yet; it connects at once.
    pub fn new(seed: u64) -> (Self, Vec<Command>) {
        let keeper = Self {
            counts: BTreeMap::new(),
            kept: BTreeMap::new(),
            channels: Channels::new(seed),
            now_ms: 0,
            version: 0,
        };
        (keeper, vec![Command::Connect])
    }

    /// The host count last heard for a listed page.
    pub fn count(&self, hash: PageHash) -> Option<usize> {
        self.counts.get(&hash).copied().flatten()
    }

    /// Grows whenever a count changes.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Pages hosted from this browser's copies right now (joined).
    pub fn hosting(&self) -> usize {
        self.channels.joined().filter(|topic| matches!(topic, Topic::Have(_))).count()
    }

    /// The topic a listed page is followed on: its hosts' if kept, else a watch.
    fn topic(&self, hash: PageHash) -> Topic {
        if self.kept.contains_key(&hash) {
            Topic::Have(hash)
        } else {
            Topic::Watch(hash)
        }
    }

    /// Sets what is listed and what is kept (a kept page is listed too);
    /// joins and leaves channels for the difference. A copy whose text does
    /// not hash to its page is not hosted.
    pub fn set_pages(
        &mut self,
        listed: impl IntoIterator<Item = PageHash>,
        kept: impl IntoIterator<Item = (PageHash, String)>,
    ) -> Vec<Command> {
        let mut out = Vec::new();
        let before: Vec<Topic> = self.counts.keys().map(|h| self.topic(*h)).collect();
        let mut next_kept = BTreeMap::new();
        for (hash, text) in kept {
            if hash.matches(&text) {
                let chat = self.kept.remove(&hash).map(|k| k.chat).unwrap_or_default();
                next_kept.insert(hash, Kept { text, chat });
            }
        }
        self.kept = next_kept;
        let mut counts: BTreeMap<PageHash, Option<usize>> = BTreeMap::new();
        for hash in listed.into_iter().chain(self.kept.keys().copied().collect::<Vec<_>>()) {
            counts.insert(hash, self.counts.get(&hash).copied().flatten());
        }
        self.counts = counts;
        let after: Vec<Topic> = self.counts.keys().map(|h| self.topic(*h)).collect();
        for topic in before.iter().filter(|t| !after.contains(t)) {
            self.channels.leave(*topic, &mut out);
        }
        for topic in after {
            self.channels.want(topic, &mut out);
        }
        out
    }

    fn counted(&mut self, hash: PageHash, count: usize) {
        if let Some(slot) = self.counts.get_mut(&hash) {
            if *slot != Some(count) {
                *slot = Some(count);
                self.version += 1;
            }
        }
    }

    fn frame(&mut self, text: &str, out: &mut Vec<Command>) {
        let Some(heard) = self.channels.read(text, out) else { return };
        match heard {
            Heard::Joined { topic, count } => {
                if let (Some(hash), Some(count)) = (topic.page(), count) {
                    self.counted(hash, count);
                }
                if let Topic::Have(hash) = topic {
                    hosting::ask_history(&mut self.channels, hash, out);
                }
            }
            Heard::Count { topic, count } => {
                if let Some(hash) = topic.page() {
                    self.counted(hash, count);
                }
            }
            Heard::Frame { topic: Topic::Have(hash), join_ref, frame } => {
                let Some(kept) = self.kept.get_mut(&hash) else { return };
                let mut host = Host { hash, text: &kept.text, chat: &mut kept.chat, now_ms: self.now_ms };
                host.serve(&mut self.channels, &join_ref, &frame, out);
            }
            // A watch only hears counts.
            Heard::Frame { .. } => {}
        }
    }
}

impl Machine for Keeper {
    fn set_now(&mut self, now_ms: u64) {
        self.now_ms = now_ms;
    }

    fn step(&mut self, event: Event) -> Vec<Command> {
        let mut out = Vec::new();
        match event {
            Event::Opened => self.channels.opened(&mut out),
            Event::Closed => self.channels.closed(&mut out),
            Event::Frame(text) => self.frame(&text, &mut out),
            Event::Timer(timer) => self.channels.timer(timer, &mut out),
            // A keeper is offered no page and says nothing.
            Event::Offered(_)
            | Event::Say(_)
            | Event::Binary(_)
            | Event::FilesReady(_)
            | Event::ChunkStored(..)
            | Event::ChunkRead(..)
            | Event::PauseFiles(_)
            | Event::Direct(_) => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{self, History};
    use crate::client::{rejoin_after, Backoff, Timer};
    use crate::phoenix::{Frame, Ref, Vsn};
    use crate::protocol::event;
    use std::time::Duration;

    fn sent(commands: &[Command]) -> Vec<(String, String, String)> {
        commands
            .iter()
            .filter_map(|c| match c {
                Command::Send(text) => {
                    let f = Frame::decode(Vsn::V2, text).unwrap();
                    Some((f.event.into_owned(), f.topic.into_owned(), f.payload.get().to_string()))
                }
                _ => None,
            })
            .collect()
    }

    use crate::client::test_frames::server as frame;

    /// The join ref the keeper used for `topic`.
    fn join_ref_of(commands: &[Command], topic: Topic) -> String {
        commands
            .iter()
            .find_map(|c| match c {
                Command::Send(text) => {
                    let f = Frame::decode(Vsn::V2, text).unwrap();
                    (f.event == event::JOIN && f.topic == topic.to_string()).then(|| match f.join_ref {
                        Some(Ref::Text(r)) => r,
                        other => panic!("{other:?}"),
                    })
                }
                _ => None,
            })
            .expect("joined")
    }

    fn ok(join_ref: &str, topic: Topic, count: usize) -> Event {
        frame(
            Some(join_ref),
            Some(join_ref),
            topic,
            event::REPLY,
            &format!(r#"{{"status":"ok","response":{{"count":{count}}}}}"#),
        )
    }

    #[test]
    fn listed_pages_are_watched_kept_ones_hosted_on_one_socket() {
        let (a, b) = (PageHash::of("a"), PageHash::of("b"));
        let (mut k, first) = Keeper::new(1);
        assert_eq!(first, vec![Command::Connect]);
        assert!(
            k.set_pages([a, b], [(b, "b".to_string())]).is_empty(),
            "nothing sent before the socket opens"
        );
        let opened = k.step(Event::Opened);
        let mut joins: Vec<_> = sent(&opened).into_iter().map(|(e, t, _)| format!("{e} {t}")).collect();
        joins.sort();
        assert_eq!(joins, vec![format!("phx_join have:{b}"), format!("phx_join watch:{a}")]);
        let (wa, hb) = (join_ref_of(&opened, Topic::Watch(a)), join_ref_of(&opened, Topic::Have(b)));
        assert!(k.step(ok(&wa, Topic::Watch(a), 0)).is_empty());
        assert_eq!(k.count(a), Some(0));
        let hosted = k.step(ok(&hb, Topic::Have(b), 2));
        assert_eq!(sent(&hosted), vec![("chat_history".into(), format!("have:{b}"), "{}".into())]);
        assert_eq!((k.count(b), k.hosting()), (Some(2), 1));
        let v = k.version();
        k.step(frame(None, None, Topic::Watch(a), event::VISITORS_COUNT, r#"{"count":3}"#));
        assert_eq!(k.count(a), Some(3));
        assert!(k.version() > v);
        // A watch never answers anything; a kept page is served.
        assert!(k.step(frame(None, None, Topic::Watch(a), event::CONTENT_REQUEST, "{}")).is_empty());
        let served = k.step(frame(None, None, Topic::Have(b), event::CONTENT_REQUEST, "{}"));
        let (event, topic, payload) = &sent(&served)[0];
        assert_eq!((event.as_str(), topic.clone()), ("content", format!("have:{b}")));
        assert_eq!(serde_json::from_str::<serde_json::Value>(payload).unwrap()["content"], "b");
    }

    #[test]
    fn changes_to_the_list_join_and_leave_only_the_difference() {
        let (a, b) = (PageHash::of("a"), PageHash::of("b"));
        let (mut k, _) = Keeper::new(1);
        k.step(Event::Opened);
        let added = k.set_pages([a], []);
        assert_eq!(
            sent(&added).iter().map(|(e, t, _)| format!("{e} {t}")).collect::<Vec<_>>(),
            vec![format!("phx_join watch:{a}")]
        );
        // Keeping a: from a watch to hosting it.
        let kept = k.set_pages([a], [(a, "a".into())]);
        let moves: Vec<_> = sent(&kept).iter().map(|(e, t, _)| format!("{e} {t}")).collect();
        assert_eq!(moves, vec![format!("phx_leave watch:{a}"), format!("phx_join have:{a}")]);
        // A copy that does not match its page is never hosted.
        let forged = k.set_pages([a, b], [(a, "a".into()), (b, "not b".into())]);
        assert_eq!(
            sent(&forged).iter().map(|(e, t, _)| format!("{e} {t}")).collect::<Vec<_>>(),
            vec![format!("phx_join watch:{b}")]
        );
        // Forgetting everything leaves everything.
        let forgot = k.set_pages([], []);
        let mut left: Vec<_> = sent(&forgot).iter().map(|(e, t, _)| format!("{e} {t}")).collect();
        left.sort();
        assert_eq!(left, vec![format!("phx_leave have:{a}"), format!("phx_leave watch:{b}")]);
    }

    #[test]
    fn a_kept_page_holds_its_chat_and_answers_history_asks() {
        let a = PageHash::of("a");
        let (mut k, _) = Keeper::new(1);
        k.set_now(1_800_000_000_000);
        k.set_pages([a], [(a, "a".into())]);
        let opened = k.step(Event::Opened);
        let j = join_ref_of(&opened, Topic::Have(a));
        k.step(ok(&j, Topic::Have(a), 1));
        let m = chat::Message::plain(1_800_000_000_000, "Ada", "kept with the page").unwrap();
        k.step(frame(None, None, Topic::Have(a), event::CHAT, &serde_json::to_string(&m).unwrap()));
        let asked = k.step(frame(Some(&j), None, Topic::Have(a), event::CHAT_HISTORY, "{}"));
        let (_, _, payload) = &sent(&asked)[0];
        let history: History = serde_json::from_str(payload).unwrap();
        assert_eq!(history.messages, Some(vec![m]));
    }

    #[test]
    fn it_reconnects_and_rejoins_everything() {
        let a = PageHash::of("a");
        let (mut k, _) = Keeper::new(1);
        k.set_pages([a], []);
        k.step(Event::Opened);
        let lost = k.step(Event::Closed);
        assert!(matches!(lost.last(), Some(Command::Schedule(Timer::Reconnect, _))));
        assert_eq!(k.step(Event::Timer(Timer::Reconnect)), vec![Command::Connect]);
        let again = k.step(Event::Opened);
        assert_eq!(sent(&again).len(), 1, "the watch again");
    }

    const REFUSAL: &str = r#"{"status":"error","response":{"reason":"too many channels joined"}}"#;

    fn refused(join_ref: &str, topic: Topic) -> Event {
        frame(Some(join_ref), Some(join_ref), topic, event::REPLY, REFUSAL)
    }

    /// The rejoin delay `commands` schedule, checked against its attempt's
    /// nominal delay and jitter.
    fn rejoin_in(commands: &[Command], attempt: u32) -> Duration {
        let [Command::Schedule(Timer::Rejoin, delay)] = commands else { panic!("{commands:?}") };
        let nominal = rejoin_after(attempt);
        assert!(*delay >= nominal / 2 && *delay <= nominal, "attempt {attempt}: {delay:?} vs {nominal:?}");
        *delay
    }

    /// What `commands` send on `topic`.
    fn on(commands: &[Command], topic: Topic) -> Vec<String> {
        sent(commands).into_iter().filter(|(_, t, _)| *t == topic.to_string()).map(|(e, _, _)| e).collect()
    }

    #[test]
    fn a_refused_join_is_retried_on_the_same_socket_later_each_time_and_the_others_stay_joined() {
        let (a, b, c) = (PageHash::of("a"), PageHash::of("b"), PageHash::of("c"));
        let (mut k, _) = Keeper::new(1);
        k.set_pages([a], [(b, "b".to_string())]);
        let opened = k.step(Event::Opened);
        let (wa, mut hb) = (join_ref_of(&opened, Topic::Watch(a)), join_ref_of(&opened, Topic::Have(b)));
        k.step(ok(&wa, Topic::Watch(a), 0));
        // Refused (max_topics, say): no disconnect, the page is tried again.
        let mut all = Vec::new();
        let mut last = Duration::ZERO;
        for attempt in 1..=5 {
            let later = k.step(refused(&hb, Topic::Have(b)));
            let delay = rejoin_in(&later, attempt);
            assert!(delay >= last, "attempt {attempt}: {delay:?} after {last:?}");
            last = delay;
            assert_eq!((k.hosting(), k.count(a)), (0, Some(0)));
            // Only the refused topic is joined again, on the same socket.
            let again = k.step(Event::Timer(Timer::Rejoin));
            assert_eq!(
                sent(&again).iter().map(|(e, t, _)| format!("{e} {t}")).collect::<Vec<_>>(),
                vec![format!("phx_join have:{b}")]
            );
            hb = join_ref_of(&again, Topic::Have(b));
            all.extend(later);
            all.extend(again);
        }
        let secs: Vec<u64> = (1..=6).map(|n| rejoin_after(n).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 5, 10, 10, 10], "as phoenix.js, capped at 10 s");
        // Accepted at last: hosted, its history asked for.
        let hosted = k.step(ok(&hb, Topic::Have(b), 1));
        assert_eq!(sent(&hosted), vec![("chat_history".into(), format!("have:{b}"), "{}".into())]);
        assert_eq!(k.hosting(), 1);
        all.extend(hosted);
        // The delays start over: a new refusal is tried again within a second.
        let added = k.set_pages([a], [(b, "b".to_string()), (c, "c".to_string())]);
        let hc = join_ref_of(&added, Topic::Have(c));
        let later = k.step(refused(&hc, Topic::Have(c)));
        rejoin_in(&later, 1);
        all.extend(added);
        all.extend(later);
        // The watch was never left nor joined again, nor the socket dropped:
        // it still hears counts on its first join.
        assert!(on(&all, Topic::Watch(a)).is_empty(), "{:?}", on(&all, Topic::Watch(a)));
        assert!(!all.contains(&Command::Disconnect));
        k.step(frame(Some(&wa), None, Topic::Watch(a), event::VISITORS_COUNT, r#"{"count":4}"#));
        assert_eq!(k.count(a), Some(4));
        // A socket lost for other reasons: the rejoin timer is disarmed, the
        // back-off starts over (the relay accepted joins), and the next
        // connection joins everything.
        let lost = k.step(Event::Closed);
        assert!(lost.contains(&Command::Cancel(Timer::Rejoin)), "{lost:?}");
        assert!(
            matches!(lost.last(), Some(Command::Schedule(Timer::Reconnect, d)) if *d <= Backoff::default().first)
        );
        assert!(k.step(Event::Timer(Timer::Rejoin)).is_empty(), "a stale rejoin does nothing");
        k.step(Event::Timer(Timer::Reconnect));
        let reopened = k.step(Event::Opened);
        for topic in [Topic::Watch(a), Topic::Have(b), Topic::Have(c)] {
            assert_eq!(on(&reopened, topic), vec!["phx_join".to_string()], "{topic}");
        }
    }

    #[test]
    fn a_refusal_heard_before_the_other_replies_waits_for_them() {
        let (a, b) = (PageHash::of("a"), PageHash::of("b"));
        let (mut k, _) = Keeper::new(2);
        k.set_pages([a], [(b, "b".to_string())]);
        let opened = k.step(Event::Opened);
        let (wa, hb) = (join_ref_of(&opened, Topic::Watch(a)), join_ref_of(&opened, Topic::Have(b)));
        // have:b is joined first and refused while the watch's reply is due.
        assert!(k.step(refused(&hb, Topic::Have(b))).is_empty());
        let accepted = k.step(ok(&wa, Topic::Watch(a), 0));
        rejoin_in(&accepted, 1);
        assert_eq!(on(&k.step(Event::Timer(Timer::Rejoin)), Topic::Have(b)), vec!["phx_join".to_string()]);
    }

    #[test]
    fn a_keeper_whose_every_join_is_refused_reconnects_later_each_time() {
        let (a, b) = (PageHash::of("a"), PageHash::of("b"));
        let (mut k, _) = Keeper::new(1);
        k.set_pages([a], [(b, "b".to_string())]);
        let backoff = Backoff::default();
        let mut opened = k.step(Event::Opened);
        let mut last = Duration::ZERO;
        for attempt in 1..=4 {
            let (wa, hb) = (join_ref_of(&opened, Topic::Watch(a)), join_ref_of(&opened, Topic::Have(b)));
            // The first refusal waits for the other reply; with both
            // refused, the connection holds nothing and is given up.
            assert!(k.step(refused(&hb, Topic::Have(b))).is_empty());
            assert_eq!(k.step(refused(&wa, Topic::Watch(a))), vec![Command::Disconnect]);
            let lost = k.step(Event::Closed);
            assert!(!lost.contains(&Command::Cancel(Timer::Rejoin)), "never armed: {lost:?}");
            let Some(Command::Schedule(Timer::Reconnect, delay)) = lost.last().cloned() else {
                panic!("{lost:?}")
            };
            let nominal = backoff.nominal(attempt);
            assert!(delay >= nominal / 2 && delay <= nominal, "attempt {attempt}: {delay:?} vs {nominal:?}");
            assert!(delay > last, "later each time: {delay:?} after {last:?}");
            last = delay;
            assert_eq!(k.step(Event::Timer(Timer::Reconnect)), vec![Command::Connect]);
            opened = k.step(Event::Opened);
            let mut joins: Vec<_> = sent(&opened).into_iter().map(|(e, t, _)| format!("{e} {t}")).collect();
            joins.sort();
            assert_eq!(joins, vec![format!("phx_join have:{b}"), format!("phx_join watch:{a}")]);
        }
        // Once the relay accepts, the back-off starts over.
        for topic in [Topic::Watch(a), Topic::Have(b)] {
            let j = join_ref_of(&opened, topic);
            k.step(ok(&j, topic, 1));
        }
        assert_eq!(k.hosting(), 1);
        let lost = k.step(Event::Closed);
        assert!(matches!(lost.last(), Some(Command::Schedule(Timer::Reconnect, d)) if *d <= backoff.first));
    }
}
