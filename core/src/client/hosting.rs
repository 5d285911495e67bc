//! What a host of a page does on `have:H`, whichever role holds the page: it
//! serves the page to whoever the relay asks for it, keeps the chat it
//! hears, asks one other host for the history when it joins, and answers
//! such asks with its own.

use super::channels::Channels;
use super::Command;
use crate::chat::{self, Chat, History};
use crate::phoenix::{Empty, Frame, Ref};
use crate::protocol::{event, Content, PageHash, Topic};
use crate::signal::{Signal, SignalFrame};
use serde_json::value::RawValue;

/// A page as its host holds it.
pub(crate) struct Host<'a> {
    pub(crate) hash: PageHash,
    /// The page's text, verified.
    pub(crate) text: &'a str,
    /// The chat heard while hosting it.
    pub(crate) chat: &'a mut Chat,
    /// The wall clock the chat's date checks use.
    pub(crate) now_ms: u64,
}

/// Just joined `have:H`: whatever was said before this client hosted the
/// page (or while it was offline) comes from one other host.
pub(crate) fn ask_history(channels: &mut Channels, hash: PageHash, out: &mut Vec<Command>) {
    channels.push(Topic::Have(hash), event::CHAT_HISTORY, &Empty {}, out);
}

impl Host<'_> {
    /// Serves a frame heard on `have:H` under `join_ref` (frames that are
    /// not a host's business are left alone); true when the chat gained
    /// messages.
    pub(crate) fn serve(
        &mut self,
        channels: &mut Channels,
        join_ref: &Ref,
        frame: &Frame<'_>,
        out: &mut Vec<Command>,
    ) -> bool {
        let topic = Topic::Have(self.hash);
        match frame.event.as_ref() {
            event::CONTENT_REQUEST => {
                let payload = Content { content: self.text.into(), hash: Some(self.hash.to_string()) };
                channels.answer(join_ref, topic, event::CONTENT, &payload, out);
                false
            }
            // A message from another host, checked before it is kept.
            event::CHAT => chat::read_message(frame.payload.get())
                .is_ok_and(|message| self.chat.insert(message, self.now_ms)),
            // The relay passes an answer (merged), or asks this host for its
            // messages (answered).
            event::CHAT_HISTORY => match frame.payload_as::<History>().map(|history| history.messages) {
                Ok(Some(messages)) => self.chat.merge(messages, self.now_ms) > 0,
                Ok(None) => {
                    let answer = History { messages: Some(self.chat.history(chat::HISTORY_BYTES)) };
                    channels.answer(join_ref, topic, event::CHAT_HISTORY, &answer, out);
                    false
                }
                Err(_) => false,
            },
            // A host that makes no direct connections (the keeper, the
            // mirror) declines an offer at once: the visitor goes through
            // the relay without waiting out its 1.5 s.
            event::SIGNAL => {
                if let Ok(SignalFrame { peer: Some(peer), signal: Signal::Offer(_) }) =
                    SignalFrame::parse(frame.payload.get())
                {
                    let bye = RawValue::from_string(SignalFrame::new(Some(peer), Signal::Bye).to_json())
                        .expect("a signal is JSON");
                    channels.push(topic, event::SIGNAL, &bye, out);
                }
                false
            }
            _ => false,
        }
    }
}
