//! The channel handlers without a socket: each test registers sessions with
//! a real relay, feeds them Phoenix frames as text and reads what they are
//! owed — their replies, and the frames the relay queued for them (asks,
//! pages, counts, chat) — as a client would decode them.

use super::*;
use crate::relay::{wall_ms, Registration};
use crate::RelayConfig;
use ep2p_core::chat::Message;
use ep2p_core::protocol::PageHash;
use serde_json::{json, Value};

/// One socket's session and its place in the relay (dropped in this order,
/// as the socket task drops them).
struct Client {
    session: Session,
    reg: Registration,
}

fn relay() -> Relay {
    Relay::with_seed(RelayConfig::default(), 7)
}

fn client(relay: &Relay) -> Client {
    let admission = relay.admit(IpAddr::from([127, 0, 0, 1])).expect("room for a socket");
    let address = admission.address();
    let reg = relay.register(admission);
    Client { session: Session::new(reg.conn, address, Vsn::V2, relay.clone()), reg }
}

impl Client {
    /// Feeds one V2 frame; returns the replies queued for it at once.
    fn send(
        &mut self,
        join_ref: &str,
        topic: &str,
        event: &str,
        payload: Value,
    ) -> Result<Vec<Value>, Close> {
        let text = json!([join_ref, "9", topic, event, payload]).to_string();
        self.session.on_text(&text)?;
        Ok(self.replies())
    }

    fn join(&mut self, join_ref: &str, topic: &str) -> Value {
        let mut replies = self.send(join_ref, topic, event::JOIN, json!({})).expect("a join never closes");
        assert_eq!(replies.len(), 1, "{replies:?}");
        replies.remove(0)
    }

    /// Frames the session queued itself, decoded.
    fn replies(&mut self) -> Vec<Value> {
        self.session
            .out
            .drain(..)
            .map(|frame| serde_json::from_str(frame.to_text().expect("a text frame")).expect("JSON"))
            .collect()
    }

    /// Frames the relay queued for this socket (what its task would write next).
    fn inbox(&mut self) -> Vec<Value> {
        while let Ok(frame) = self.reg.outbound.try_recv() {
            self.session.queue_outbound(frame);
        }
        self.replies()
    }
}

/// Lets the paused clock run past a count window, and the wake-up it ends with.
async fn past_the_count_window() {
    tokio::time::sleep(RelayConfig::default().hub.count_window * 2).await;
}

fn page(text: &str) -> PageHash {
    PageHash::of(text)
}

/// `(topic, event)` of each frame.
fn events(frames: &[Value]) -> Vec<(String, String)> {
    frames.iter().map(|f| (f[2].as_str().unwrap().to_owned(), f[3].as_str().unwrap().to_owned())).collect()
}

fn status(reply: &Value) -> (&str, &Value) {
    assert_eq!(reply[3], event::REPLY, "{reply}");
    (reply[4]["status"].as_str().unwrap(), &reply[4]["response"])
}

#[tokio::test]
async fn want_a_request_asks_the_host_and_its_verified_answer_reaches_the_visitor() {
    let relay = relay();
    let text = "# hello";
    let hash = page(text);
    let (have, want) = (format!("have:{hash}"), format!("want:{hash}"));
    let mut host = client(&relay);
    let mut visitor = client(&relay);
    assert_eq!(status(&host.join("1", &have)), ("ok", &json!({"count": 1})));
    assert_eq!(status(&visitor.join("1", &want)), ("ok", &json!({"count": 1})));
    host.inbox();
    // Served requests get no reply: the content is the answer.
    assert!(visitor.send("1", &want, event::CONTENT_REQUEST, json!({})).unwrap().is_empty());
    let asked = host.inbox();
    assert_eq!(events(&asked), [(have.clone(), event::CONTENT_REQUEST.to_owned())]);
    assert_eq!(asked[0][0], "1", "asked on the host's own join_ref");
    assert!(host.send("1", &have, event::CONTENT, json!({ "content": text })).unwrap().is_empty());
    let delivered = visitor.inbox();
    assert_eq!(events(&delivered), [(want.clone(), event::CONTENT.to_owned())]);
    assert_eq!(delivered[0][4]["content"], text);
    assert_eq!(relay.metrics().deliveries.get(), 1);
}

#[tokio::test]
async fn want_refuses_requests_for_other_pages_and_chat_and_unknown_events() {
    let relay = relay();
    let hash = page("a page");
    let want = format!("want:{hash}");
    let mut visitor = client(&relay);
    visitor.join("1", &want);
    let other = page("another page").to_string();
    let refused = visitor.send("1", &want, event::CONTENT_REQUEST, json!({ "hash": other })).unwrap();
    assert_eq!(status(&refused[0]), ("error", &json!({"reason": "hash does not match the topic"})));
    let refused = visitor.send("1", &want, event::CHAT, json!({})).unwrap();
    let reason = format!("only hosts chat: join have:{hash} once you have the page");
    assert_eq!(status(&refused[0]), ("error", &json!({ "reason": reason })));
    let refused = visitor.send("1", &want, "dance", json!({})).unwrap();
    assert_eq!(status(&refused[0]), ("error", &json!({"reason": "unknown event"})));
    // A request under an older join_ref is dropped, as Phoenix does.
    assert!(visitor.send("0", &want, event::CONTENT_REQUEST, json!({})).unwrap().is_empty());
    assert_eq!(relay.metrics().requests.get(), 0);
}

#[tokio::test]
async fn have_a_forged_answer_closes_the_channel_and_the_host_is_counted_out() {
    let relay = relay();
    let hash = page("the real page");
    let have = format!("have:{hash}");
    let mut host = client(&relay);
    host.join("1", &have);
    assert_eq!(relay.health(hash).hosts, 1);
    let replies = host.send("1", &have, event::CONTENT, json!({"content": "a fake"})).unwrap();
    assert_eq!(
        events(&replies),
        [(have.clone(), event::REPLY.to_owned()), (have.clone(), event::CLOSE.into())]
    );
    assert_eq!(status(&replies[0]), ("error", &json!({"reason": "hash mismatch"})));
    assert_eq!(relay.health(hash).hosts, 0);
    assert!(!host.session.hosts_a_page());
    assert_eq!(relay.metrics().bad_hashes.get(), 1);
}

#[tokio::test]
async fn have_a_chat_message_goes_to_the_other_hosts_and_the_sender_gets_ok() {
    let relay = relay();
    let hash = page("a chatty page");
    let have = format!("have:{hash}");
    let (mut ada, mut bob) = (client(&relay), client(&relay));
    ada.join("1", &have);
    bob.join("5", &have);
    ada.inbox();
    bob.inbox();
    let message = serde_json::to_value(Message::plain(wall_ms(), "Ada", "hello").unwrap()).unwrap();
    let replies = ada.send("1", &have, event::CHAT, message.clone()).unwrap();
    assert_eq!(status(&replies[0]), ("ok", &json!({})));
    assert!(ada.inbox().is_empty(), "not echoed to its sender");
    let heard = bob.inbox();
    assert_eq!(events(&heard), [(have.clone(), event::CHAT.to_owned())]);
    assert_eq!(heard[0][4], message);
    // A message from the future is refused, and goes nowhere.
    let late = serde_json::to_value(Message::plain(wall_ms() + 3_600_000, "Ada", "soon").unwrap()).unwrap();
    let replies = ada.send("1", &have, event::CHAT, late).unwrap();
    assert_eq!(status(&replies[0]).0, "error");
    assert!(bob.inbox().is_empty());
}

#[tokio::test]
async fn have_a_history_is_asked_of_the_other_host_and_its_answer_reaches_the_asker() {
    let relay = relay();
    let hash = page("a page with a past");
    let have = format!("have:{hash}");
    let (mut old, mut new) = (client(&relay), client(&relay));
    old.join("1", &have);
    new.join("2", &have);
    old.inbox();
    // Asking gets no reply: the history is the answer.
    assert!(new.send("2", &have, event::CHAT_HISTORY, json!({})).unwrap().is_empty());
    let asked = old.inbox();
    assert_eq!(events(&asked), [(have.clone(), event::CHAT_HISTORY.to_owned())]);
    let said = serde_json::to_value(Message::plain(wall_ms() - 1000, "Ada", "earlier").unwrap()).unwrap();
    assert!(old.send("1", &have, event::CHAT_HISTORY, json!({ "messages": [said] })).unwrap().is_empty());
    let history = new.inbox();
    assert_eq!(events(&history), [(have.clone(), event::CHAT_HISTORY.to_owned())]);
    assert_eq!(history[0][4]["messages"], json!([said]));
    // An answer nobody asked for is dropped unread.
    assert!(old.send("1", &have, event::CHAT_HISTORY, json!({ "messages": [] })).unwrap().is_empty());
    assert!(new.inbox().is_empty());
}

#[tokio::test(start_paused = true)]
async fn watch_hears_the_count_and_may_say_nothing() {
    let relay = relay();
    let hash = page("a watched page");
    let watch = format!("watch:{hash}");
    let mut watcher = client(&relay);
    assert_eq!(status(&watcher.join("3", &watch)), ("ok", &json!({"count": 0})));
    assert_eq!(relay.health(hash).hosts, 0, "watching is not hosting");
    let mut host = client(&relay);
    host.join("1", &format!("have:{hash}"));
    let counts = watcher.inbox();
    assert_eq!(events(&counts), [(watch.clone(), event::VISITORS_COUNT.to_owned())]);
    assert_eq!(counts[0][4], json!({"count": 1}));
    let refused = watcher.send("3", &watch, event::CONTENT_REQUEST, json!({})).unwrap();
    assert_eq!(status(&refused[0]), ("error", &json!({"reason": "a watch only receives the host count"})));
    // Leaving: an ok reply and phx_close; the page no longer tells it anything.
    let left = watcher.send("3", &watch, event::LEAVE, json!({})).unwrap();
    assert_eq!(
        events(&left),
        [(watch.clone(), event::REPLY.to_owned()), (watch.clone(), event::CLOSE.into())]
    );
    drop(host);
    past_the_count_window().await;
    assert!(watcher.inbox().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_closed_session_leaves_every_channel() {
    let relay = relay();
    let hash = page("a page left behind");
    let mut host = client(&relay);
    let mut visitor = client(&relay);
    host.join("1", &format!("have:{hash}"));
    visitor.join("1", &format!("want:{hash}"));
    assert_eq!((relay.hub().host_sockets(hash), relay.hub().waiting(hash)), (1, 1));
    visitor.inbox();
    drop(host);
    assert_eq!(relay.health(hash).hosts, 0);
    // Told at the end of the count window the join opened.
    assert!(visitor.inbox().is_empty());
    past_the_count_window().await;
    let told = visitor.inbox();
    assert_eq!(events(&told), [(format!("want:{hash}"), event::VISITORS_COUNT.to_owned())]);
    drop(visitor);
    assert_eq!(relay.hub().pages(), 0);
}

#[tokio::test]
async fn have_a_large_answer_read_in_one_pass_is_checked_like_any_other() {
    let relay = relay();
    let text = "a long page. ".repeat(200);
    let hash = page(&text);
    let (have, want) = (format!("have:{hash}"), format!("want:{hash}"));
    let (mut host, mut liar, mut visitor) = (client(&relay), client(&relay), client(&relay));
    host.join("1", &have);
    liar.join("1", &have);
    visitor.join("1", &want);
    visitor.send("1", &want, event::CONTENT_REQUEST, json!({})).unwrap();
    // Over 1 KiB in V2: the one-pass reader takes it.
    let forged = "a forged page. ".repeat(200);
    let replies = liar.send("1", &have, event::CONTENT, json!({ "content": forged })).unwrap();
    assert_eq!(
        events(&replies),
        [(have.clone(), event::REPLY.to_owned()), (have.clone(), event::CLOSE.into())]
    );
    assert!(!events(&visitor.inbox()).iter().any(|(_, e)| e == event::CONTENT), "never delivered");
    assert!(host.send("1", &have, event::CONTENT, json!({ "content": text })).unwrap().is_empty());
    let delivered = visitor.inbox();
    let content: Vec<_> = delivered.iter().filter(|f| f[3] == event::CONTENT).collect();
    assert_eq!(content.len(), 1, "{delivered:?}");
    assert_eq!(content[0][4]["content"], text);
}

#[tokio::test]
async fn have_a_host_owes_an_answer_from_each_ask_until_it_sends_it() {
    let relay = relay();
    let text = "a page asked for";
    let hash = page(text);
    let (have, want) = (format!("have:{hash}"), format!("want:{hash}"));
    let (mut host, mut visitor) = (client(&relay), client(&relay));
    host.join("1", &have);
    assert!(!host.session.owes_an_answer(), "joining have: lifts nothing");
    visitor.join("1", &want);
    host.inbox();
    visitor.send("1", &want, event::CONTENT_REQUEST, json!({})).unwrap();
    assert!(!host.session.owes_an_answer(), "not before the ask is on its way");
    host.inbox();
    assert!(host.session.owes_an_answer());
    host.send("1", &have, event::CONTENT, json!({ "content": text })).unwrap();
    assert!(!host.session.owes_an_answer(), "one answer per ask");
    // Asked for the chat's history: owed until answered, or until it leaves.
    let mut other = client(&relay);
    other.join("2", &have);
    other.send("2", &have, event::CHAT_HISTORY, json!({})).unwrap();
    host.inbox();
    assert!(host.session.owes_an_answer());
    host.send("1", &have, event::LEAVE, json!({})).unwrap();
    assert!(!host.session.owes_an_answer());
}
