//! One socket for the pages a browser lists under "Your pages" (SPEC §12):
//! it watches each listed page's host count on `watch:H` — never hosting,
//! never asking — and hosts the pages this browser keeps a copy of on
//! `have:H`, answering requests and chat history asks like any host. Plain
//! Rust like the visitor's [`machine`](crate::machine), and driven by the
//! same glue: events in, commands out.

use crate::chat::{self, Chat, History};
use crate::machine::{send, Command, Event, Link, Machine, Timer};
use crate::phoenix::{Empty, Frame, Ref, Status, Vsn, PHOENIX_TOPIC};
use crate::protocol::{event, Content, PageHash, Topic, VisitorsCount};
use std::collections::{BTreeMap, HashMap};

/// A page kept in this browser: its text (as hosts hold it) and the chat
/// heard while hosting it.
#[derive(Debug)]
struct Kept {
    text: String,
    chat: Chat,
}

/// A channel's state on the current connection.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Join {
    Joining(Ref),
    Joined(Ref),
}

impl Join {
    fn join_ref(&self) -> &Ref {
        match self {
            Join::Joining(r) | Join::Joined(r) => r,
        }
    }
}

/// The listed pages' counts and the kept pages' hosting, on one socket.
#[derive(Debug)]
pub struct Keeper {
    /// Every listed page, and the host count last heard for it.
    counts: BTreeMap<PageHash, Option<usize>>,
    /// Listed pages whose copy this browser keeps and hosts.
    kept: BTreeMap<PageHash, Kept>,
    channels: HashMap<Topic, Join>,
    link: Link,
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
            channels: HashMap::new(),
            link: Link::new(seed),
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
        self.channels
            .iter()
            .filter(|(t, j)| matches!(t, Topic::Have(_)) && matches!(j, Join::Joined(_)))
            .count()
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
            self.leave(*topic, &mut out);
        }
        if self.link.is_open() {
            let missing: Vec<Topic> = after.into_iter().filter(|t| !self.channels.contains_key(t)).collect();
            for topic in missing {
                self.join(topic, &mut out);
            }
        }
        out
    }

    fn join(&mut self, topic: Topic, out: &mut Vec<Command>) {
        let join_ref = self.link.make_ref();
        send(out, Some(&join_ref), Some(&join_ref), topic, event::JOIN, &Empty {});
        self.channels.insert(topic, Join::Joining(join_ref));
    }

    fn leave(&mut self, topic: Topic, out: &mut Vec<Command>) {
        if let Some(join) = self.channels.remove(&topic) {
            if self.link.is_open() {
                let msg_ref = self.link.make_ref();
                let join_ref = join.join_ref().clone();
                send(out, Some(&join_ref), Some(&msg_ref), topic, event::LEAVE, &Empty {});
            }
        }
    }

    fn opened(&mut self, out: &mut Vec<Command>) {
        self.link.opened(out);
        self.channels.clear();
        let topics: Vec<Topic> = self.counts.keys().map(|h| self.topic(*h)).collect();
        for topic in topics {
            self.join(topic, out);
        }
    }

    fn closed(&mut self, out: &mut Vec<Command>) {
        if self.link.is_retrying() {
            return;
        }
        self.channels.clear();
        self.link.closed(out);
    }

    fn timer(&mut self, timer: Timer, out: &mut Vec<Command>) {
        match timer {
            Timer::Heartbeat => self.link.heartbeat_due(out),
            Timer::Reconnect => self.link.reconnect_due(out),
            Timer::Retry => {}
        }
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
        let Ok(frame) = Frame::decode(Vsn::V2, text) else { return };
        if frame.topic == PHOENIX_TOPIC {
            self.link.phoenix(&frame);
            return;
        }
        let Ok(topic) = Topic::parse(&frame.topic) else { return };
        let Some(join) = self.channels.get(&topic).cloned() else { return };
        let current = join.join_ref().clone();
        if frame.join_ref.is_some() && frame.join_ref.as_ref() != Some(&current) {
            return;
        }
        let Some(hash) = topic.page() else { return };
        match frame.event.as_ref() {
            event::REPLY if frame.msg_ref.as_ref() == Some(&current) && matches!(join, Join::Joining(_)) => {
                let Some(reply) = frame.reply() else { return };
                if reply.status != Status::Ok {
                    // Refused (too many channels, say): not retried on this connection.
                    return;
                }
                self.link.joined();
                self.channels.insert(topic, Join::Joined(current.clone()));
                if let Ok(count) = serde_json::from_str::<VisitorsCount>(reply.response.get()) {
                    self.counted(hash, count.count);
                }
                if matches!(topic, Topic::Have(_)) {
                    let msg_ref = self.link.make_ref();
                    send(out, Some(&current), Some(&msg_ref), topic, event::CHAT_HISTORY, &Empty {});
                }
            }
            event::VISITORS_COUNT => {
                if let Ok(count) = frame.payload_as::<VisitorsCount>() {
                    self.counted(hash, count.count);
                }
            }
            event::CONTENT_REQUEST if matches!(topic, Topic::Have(_)) => {
                if let Some(kept) = self.kept.get(&hash) {
                    let msg_ref = self.link.make_ref();
                    let payload =
                        Content { content: kept.text.as_str().into(), hash: Some(hash.to_string()) };
                    send(out, Some(&current), Some(&msg_ref), topic, event::CONTENT, &payload);
                }
            }
            event::CHAT if matches!(topic, Topic::Have(_)) => {
                let now = self.now_ms;
                if let (Some(kept), Ok(message)) =
                    (self.kept.get_mut(&hash), chat::read_message(frame.payload.get()))
                {
                    kept.chat.insert(message, now);
                }
            }
            event::CHAT_HISTORY if matches!(topic, Topic::Have(_)) => {
                let Ok(history) = frame.payload_as::<History>() else { return };
                let now = self.now_ms;
                let Some(kept) = self.kept.get_mut(&hash) else { return };
                match history.messages {
                    Some(messages) => {
                        kept.chat.merge(messages, now);
                    }
                    None => {
                        let answer = History { messages: Some(kept.chat.history(chat::HISTORY_BYTES)) };
                        let msg_ref = self.link.make_ref();
                        send(out, Some(&current), Some(&msg_ref), topic, event::CHAT_HISTORY, &answer);
                    }
                }
            }
            event::CLOSE | event::ERROR => {
                // The relay ended a channel still wanted: join it again.
                self.channels.remove(&topic);
                if self.counts.contains_key(&hash) && self.topic(hash) == topic {
                    self.join(topic, out);
                }
            }
            _ => {}
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
            Event::Opened => self.opened(&mut out),
            Event::Closed => self.closed(&mut out),
            Event::Frame(text) => self.frame(&text, &mut out),
            Event::Timer(timer) => self.timer(timer, &mut out),
            // A keeper is offered no page and says nothing.
            Event::Offered(_) | Event::Say(_) => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    use crate::machine::test_frames::server as frame;

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
}
