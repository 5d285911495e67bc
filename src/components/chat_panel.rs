//! The chat beside a page (docs/product.md §11). The messages are the ones this tab's
//! machine holds (merged from the other hosts, in the same order
//! everywhere); this panel shows them — decrypted with the link's key on an
//! encrypted page — and hands what the reader says back to the machine.
//! Messages are shown as text, never as HTML.

use crate::chat::{self, Body, Message};
use crate::format::capitalized;
use crate::i18n::{fill, lang, t, tr, Lang};
use crate::machine::NotSent;
use crate::sealed::Key;
use leptos::prelude::*;
use std::collections::HashMap;

/// One message as the panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shown {
    id: String,
    at: u64,
    /// `None` while an encrypted message is being decrypted, or when it
    /// cannot be (no key, another key).
    said: Option<(String, String)>,
}

/// What the relay's (and the machine's) reasons mean to a person, in
/// `lang`. A reason the reader cannot cause is shown as the relay says it.
pub fn not_sent_text(reason: &str, lang: Lang) -> String {
    let texts = &lang.texts().chat;
    match reason {
        "rate_limited" => texts.too_fast.into(),
        chat::HOSTS_ONLY => texts.hosts_only.into(),
        reason if reason == chat::ChatError::Future.to_string() => texts.future.into(),
        reason => fill(texts.not_sent, &[("reason", reason)]),
    }
}

/// What the panel tells the reader about a message: kept as what happened,
/// and put in words in the reader's language when shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The nickname chosen is refused.
    Nick(chat::ChatError),
    /// A message cannot be sent with this nickname.
    SendNick(chat::ChatError),
    /// A message cannot be sent with this text.
    Text(chat::ChatError),
    /// The relay (or this tab's machine) refused a message, for this reason.
    NotSent(String),
    /// This browser could not encrypt a message.
    Encrypt,
}

impl Problem {
    /// The problem as a sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use chat::ChatError;
        let texts = &lang.texts().chat;
        let code = |c: u32| format!("{c:04X}");
        match self {
            Problem::Nick(ChatError::Nick) => texts.nick_invalid.into(),
            Problem::Nick(ChatError::NickInvisible(c)) => {
                fill(texts.nick_invisible, &[("code", code(*c).as_str())])
            }
            Problem::SendNick(ChatError::Nick) => texts.send_nick_invalid.into(),
            Problem::SendNick(ChatError::NickInvisible(c)) => {
                fill(texts.send_nick_invisible, &[("code", code(*c).as_str())])
            }
            Problem::Text(ChatError::Empty) => texts.write_first.into(),
            Problem::Text(ChatError::TooLong) => {
                fill(texts.too_long, &[("max", lang.number(chat::MAX_TEXT as u64).as_str())])
            }
            Problem::Text(ChatError::Direction(c)) => fill(texts.direction, &[("code", code(*c).as_str())]),
            // The nickname and text checks give no other error: core's words.
            Problem::Nick(error) | Problem::SendNick(error) | Problem::Text(error) => {
                format!("{}.", capitalized(&error.to_string()))
            }
            Problem::NotSent(reason) => not_sent_text(reason, lang),
            Problem::Encrypt => texts.cannot_encrypt.into(),
        }
    }
}

/// A nickname to start with: two words and a number, like "Calm Heron 27".
pub fn random_nick(mut pick: impl FnMut(usize) -> usize) -> String {
    const FIRST: [&str; 16] = [
        "Calm", "Brave", "Quiet", "Bright", "Swift", "Gentle", "Clever", "Lucky", "Merry", "Bold", "Kind",
        "Sunny", "Witty", "Noble", "Eager", "Jolly",
    ];
    const SECOND: [&str; 16] = [
        "Heron", "Otter", "Fox", "Lynx", "Finch", "Badger", "Panda", "Raven", "Koala", "Marten", "Robin",
        "Seal", "Tiger", "Wren", "Yak", "Owl",
    ];
    let first = FIRST[pick(FIRST.len())];
    let second = SECOND[pick(SECOND.len())];
    format!("{first} {second} {}", 10 + pick(90))
}

/// Why `text` from `nick` cannot be sent; `None` when it can.
pub fn unsendable(nick: &str, text: &str) -> Option<Problem> {
    if let Err(error) = chat::check_nick(nick) {
        return Some(Problem::SendNick(error));
    }
    chat::check_text(text).err().map(Problem::Text)
}

/// Readable messages among `all`: on an encrypted page, those sent by
/// someone without the page's key.
pub fn plain_count(all: &[Message]) -> usize {
    all.iter().filter(|m| matches!(m.body(), Body::Plain { .. })).count()
}

/// The messages the panel shows: all of them, or on an encrypted page
/// (`sealed_only`) the encrypted ones, with what `opened` has decrypted.
fn shown_messages(
    all: &[Message],
    sealed_only: bool,
    opened: &HashMap<String, Option<(String, String)>>,
) -> Vec<Shown> {
    all.iter()
        .filter(|m| !(sealed_only && matches!(m.body(), Body::Plain { .. })))
        .map(|m| Shown {
            id: m.id().to_string(),
            at: m.at(),
            said: match m.body() {
                Body::Plain { nick, text } => Some((nick.clone(), text.clone())),
                Body::Sealed(_) => opened.get(&m.id().to_string()).cloned().flatten(),
            },
        })
        .collect()
}

// "14:05" in the reader's time zone; the server renders no message.
#[cfg(feature = "hydrate")]
use crate::browser::clock;
#[cfg(not(feature = "hydrate"))]
fn clock(_at: u64) -> (String, String) {
    (String::new(), String::new())
}

/// What the chat panel is given: the page's chat, whether and how this tab
/// may add to it.
#[derive(Clone, Copy)]
pub struct Chat {
    pub messages: RwSignal<Vec<Message>>,
    pub not_sent: RwSignal<Option<NotSent>>,
    pub can_send: Signal<bool>,
    pub encrypted: Signal<bool>,
    pub key: Signal<Option<Key>>,
    pub say: Callback<Message>,
}

crate::parts! {
    /// The panel for `chat`: a lazy part of the WASM of its own (`crate::lazy`).
    pub fn chat_panel(chat: Chat) -> AnyView {
        let Chat { messages, not_sent, can_send, encrypted, key, say } = chat;
        view! { <ChatPanel messages not_sent can_send encrypted key say/> }.into_any()
    }
}

/// The chat panel. `messages` and `not_sent` follow the machine; `key` is
/// the link's key when it opens this (encrypted) page; `say` hands a
/// message to the machine.
#[component]
pub fn ChatPanel(
    messages: RwSignal<Vec<Message>>,
    not_sent: RwSignal<Option<NotSent>>,
    /// This tab hosts the page now (connected), so it may send.
    can_send: Signal<bool>,
    encrypted: Signal<bool>,
    key: Signal<Option<Key>>,
    say: Callback<Message>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let nick = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let open = RwSignal::new(true);
    let unread = RwSignal::new(0usize);
    // Decrypted encrypted messages by id; bumped when one is done.
    let opened = StoredValue::new(HashMap::<String, Option<(String, String)>>::new());
    let decrypted = RwSignal::new(0u64);
    let log = NodeRef::<leptos::html::Ol>::new();
    // The reader is at the bottom of the log (so new messages scroll into view).
    let at_bottom = StoredValue::new(true);

    // On an encrypted page only encrypted messages belong: a readable one
    // was sent by someone without the page's key, and is not shown.
    let hidden = Memo::new(move |_| if encrypted.get() { messages.with(|all| plain_count(all)) } else { 0 });
    let shown = Memo::new(move |_| {
        decrypted.track();
        let sealed_only = encrypted.get();
        messages.with(|all| opened.with_value(|opened| shown_messages(all, sealed_only, opened)))
    });

    #[cfg(feature = "hydrate")]
    {
        // The nickname: remembered, or a new random one (after hydration).
        Effect::new(move |_| {
            let storage = window().local_storage().ok().flatten();
            let saved =
                storage.as_ref().and_then(|s| s.get_item(crate::browser::NICK_SETTING).ok().flatten());
            let chosen = saved
                .filter(|n| chat::check_nick(n).is_ok())
                .unwrap_or_else(|| random_nick(|n| (js_sys::Math::random() * n as f64) as usize % n));
            if let Some(storage) = storage {
                let _ = storage.set_item(crate::browser::NICK_SETTING, &chosen);
            }
            nick.set(chosen);
        });
        if crate::browser::is_phone_width() {
            open.set(false);
        }
        // Encrypted messages are opened with the link's key, once each.
        Effect::new(move |_| {
            let Some(key) = key.get() else { return };
            messages.with(|all| {
                for m in all {
                    let Body::Sealed(wire) = m.body() else { continue };
                    let id = m.id().to_string();
                    if opened.with_value(|o| o.contains_key(&id)) {
                        continue;
                    }
                    opened.update_value(|o| {
                        o.insert(id.clone(), None);
                    });
                    let (key, wire) = (key.clone(), wire.clone());
                    leptos::task::spawn_local(async move {
                        let plain = crate::lazy::open(key, wire).await.ok();
                        let said = plain.and_then(|p| chat::open_plaintext(&p).ok());
                        opened.update_value(|o| {
                            o.insert(id, said);
                        });
                        decrypted.update(|n| *n += 1);
                    });
                }
            });
        });
        // New messages scroll into view unless the reader scrolled up; a
        // collapsed panel counts them instead.
        Effect::new(move |before: Option<usize>| {
            let count = shown.with(Vec::len);
            if let Some(before) = before {
                if !open.get_untracked() && count > before {
                    unread.update(|n| *n += count - before);
                }
            }
            if at_bottom.get_value() {
                if let Some(log) = log.get() {
                    log.set_scroll_top(log.scroll_height());
                }
            }
            count
        });
        // A message the relay refused comes back to the box.
        Effect::new(move |_| {
            if let Some(refused) = not_sent.get() {
                if let Body::Plain { text, .. } = refused.message.body() {
                    if draft.with_untracked(String::is_empty) {
                        draft.set(text.clone());
                    }
                }
                problem.set(Some(Problem::NotSent(refused.reason.clone())));
            }
        });
    }

    let send = move || {
        let text = draft.get_untracked();
        let who = nick.get_untracked();
        if let Some(why) = unsendable(&who, &text) {
            problem.set(Some(why));
            return;
        }
        problem.set(None);
        not_sent.set(None);
        #[cfg(feature = "hydrate")]
        {
            let at = crate::socket::wall_ms();
            if encrypted.get_untracked() {
                let Some(key) = key.get_untracked() else { return };
                draft.set(String::new());
                leptos::task::spawn_local(async move {
                    let plain = chat::sealed_plaintext(&who, &text);
                    match crate::lazy::seal(key, plain).await.map(|wire| Message::sealed(at, wire)) {
                        Ok(Ok(message)) => say.run(message),
                        _ => problem.set(Some(Problem::Encrypt)),
                    }
                });
            } else if let Ok(message) = Message::plain(at, &who, &text) {
                draft.set(String::new());
                say.run(message);
            }
            at_bottom.set_value(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (at_bottom, say, text, who);
    };

    let on_key = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            send();
        }
    };
    let on_scroll = move |_| {
        if let Some(log) = log.get_untracked() {
            let slack = log.scroll_height() - log.scroll_top() - log.client_height();
            at_bottom.set_value(slack < 40);
        }
    };
    let save_nick = move |_| {
        let chosen = nick.get_untracked().trim().to_string();
        if let Err(error) = chat::check_nick(&chosen) {
            problem.set(Some(Problem::Nick(error)));
            return;
        }
        problem.set(None);
        nick.set(chosen.clone());
        #[cfg(feature = "hydrate")]
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(crate::browser::NICK_SETTING, &chosen);
        }
    };
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        if open.get_untracked() {
            unread.set(0);
        }
    };
    let readable = move || !encrypted.get() || key.with(Option::is_some);
    let chars = move || draft.with(|d| d.chars().count());

    view! {
        <section class="chat" aria-label=tr(|t| t.chat.title) data-testid="chat" class:collapsed=move || !open.get()>
            <header class="chat-head">
                <h2>{tr(|t| t.chat.title)}</h2>
                <span class="chat-note">{tr(|t| t.chat.note)}</span>
                <button type="button" class="chat-toggle" data-testid="chat-toggle" aria-expanded=move || open.get().to_string()
                    on:click=toggle>
                    {move || if open.get() { t().chat.hide } else { t().chat.show }}
                    <Show when=move || { unread.get() > 0 }>
                        <span class="unread" data-testid="chat-unread" aria-label=move || lang().count(unread.get() as u64, t().chat.unread_one, t().chat.unread_other)>
                            {move || unread.get()}
                        </span>
                    </Show>
                </button>
            </header>
            <div class="chat-body" hidden=move || !open.get()>
                <Show when=move || { encrypted.get() && !readable() }>
                    <p class="chat-locked" data-testid="chat-locked">
                        {move || match messages.with(|all| all.iter().filter(|m| matches!(m.body(), Body::Sealed(_))).count()) {
                            0 => t().chat.locked.to_string(),
                            n => {
                                let how_many = lang().count(n as u64, t().chat.messages_one, t().chat.messages_other);
                                fill(t().chat.locked_some, &[("messages", how_many.as_str())])
                            }
                        }}
                    </p>
                </Show>
                <ol class="chat-log" role="log" aria-live="polite" aria-label=tr(|t| t.chat.log) data-testid="chat-log"
                    node_ref=log on:scroll=on_scroll hidden=move || !readable()>
                    <For each=move || shown.get() key=|m| (m.id.clone(), m.said.is_some()) let(m)>
                        {
                            let (short, iso) = clock(m.at);
                            match m.said {
                                Some((who, text)) => view! {
                                    <li class="chat-message" data-testid="chat-message">
                                        <span class="chat-nick">{who}</span>
                                        <time datetime=iso>{short}</time>
                                        <p class="chat-text">{text}</p>
                                    </li>
                                }.into_any(),
                                None => view! {
                                    <li class="chat-message unreadable" data-testid="chat-message">
                                        <time datetime=iso>{short}</time>
                                        <p class="chat-text">{tr(|t| t.chat.unreadable)}</p>
                                    </li>
                                }.into_any(),
                            }
                        }
                    </For>
                </ol>
                <Show when=move || { readable() && hidden.get() > 0 }>
                    <p class="chat-empty" data-testid="chat-hidden">
                        {move || lang().count(hidden.get() as u64, t().chat.hidden_one, t().chat.hidden_other)}
                    </p>
                </Show>
                <Show when=move || { readable() && shown.with(Vec::is_empty) }>
                    <p class="chat-empty" data-testid="chat-empty">{tr(|t| t.chat.empty)}</p>
                </Show>
                <form class="chat-form" hidden=move || !readable() on:submit=move |event| { event.prevent_default(); send(); }>
                    <div class="chat-nick-row">
                        <label for="chat-nick">{tr(|t| t.chat.nickname)}</label>
                        <input id="chat-nick" type="text" maxlength="40" autocomplete="nickname" data-testid="chat-nick"
                            prop:value=move || nick.get()
                            on:input=move |event| nick.set(event_target_value(&event))
                            on:change=save_nick/>
                    </div>
                    <label for="chat-draft">{tr(|t| t.chat.message)}</label>
                    <textarea id="chat-draft" rows="2" data-testid="chat-draft"
                        placeholder=tr(|t| t.chat.placeholder)
                        prop:value=move || draft.get()
                        on:input=move |event| draft.set(event_target_value(&event))
                        on:keydown=on_key></textarea>
                    <div class="chat-actions">
                        <span class="chat-count" class:over=move || { chars() > chat::MAX_TEXT }>
                            {move || format!("{} / {}", lang().number(chars() as u64), lang().number(chat::MAX_TEXT as u64))}
                        </span>
                        <button type="submit" class="primary" data-testid="chat-send" disabled=move || !can_send.get()
                            title=move || if can_send.get() { "" } else { t().chat.connecting }>
                            {tr(|t| t.chat.send)}
                        </button>
                    </div>
                    {move || problem.get().map(|p| view! { <p class="chat-problem" role="alert" data-testid="chat-problem">{p.text(lang())}</p> })}
                </form>
            </div>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_nicknames_are_valid_and_vary() {
        let mut n = 0;
        let nicks: std::collections::HashSet<String> = (0..50)
            .map(|_| {
                random_nick(|len| {
                    n += 7;
                    n % len
                })
            })
            .collect();
        assert!(nicks.len() > 10);
        assert!(nicks.iter().all(|nick| chat::check_nick(nick).is_ok()), "{nicks:?}");
    }

    #[test]
    fn refusals_read_as_sentences() {
        let en = Lang::En;
        assert!(not_sent_text("rate_limited", en).contains("5 every 10 seconds"));
        assert_eq!(
            not_sent_text("message over 2,000 characters", en),
            "Not sent: message over 2,000 characters."
        );
        assert_eq!(
            not_sent_text(&chat::ChatError::Future.to_string(), en),
            "Not sent: message dated more than a minute in the future."
        );
        assert_eq!(
            not_sent_text(chat::HOSTS_ONLY, en),
            "Not sent: only hosts of the page can chat: wait until this tab has the page."
        );
        assert_eq!(capitalized("message over"), "Message over");
    }

    #[test]
    fn a_message_is_refused_in_words_before_it_is_sent() {
        let said = |nick: &str, text: &str| unsendable(nick, text).map(|p| p.text(Lang::En));
        assert_eq!(said("Calm Heron 27", "hello"), None);
        assert_eq!(said("Calm Heron 27", "  \n"), Some("Write something first.".into()));
        assert!(said("", "hello").is_some_and(|why| why.starts_with("Nickname: ")));
        assert_eq!(
            said("Ada\u{202E}", "hello").as_deref(),
            Some("Nickname: nickname must not hold invisible or text-direction characters (U+202E).")
        );
        let why = said("Ada", "see \u{2066}this").unwrap();
        assert!(why.starts_with("Message must not hold text-direction overrides"), "{why}");
        let long = "x".repeat(chat::MAX_TEXT + 1);
        let why = said("Calm Heron 27", &long).unwrap();
        assert!(why.starts_with(char::is_uppercase) && why.ends_with('.'), "{why}");
    }

    #[test]
    fn english_problems_are_cores_errors_as_sentences() {
        use chat::ChatError;
        let en = Lang::En;
        for error in [ChatError::Nick, ChatError::NickInvisible(0x200B)] {
            let sentence = format!("{}.", capitalized(&error.to_string()));
            assert_eq!(Problem::Nick(error.clone()).text(en), sentence);
            assert_eq!(Problem::SendNick(error.clone()).text(en), format!("Nickname: {error}."));
        }
        for error in [ChatError::TooLong, ChatError::Direction(0x202E)] {
            let sentence = format!("{}.", capitalized(&error.to_string()));
            assert_eq!(Problem::Text(error.clone()).text(en), sentence);
        }
        assert_eq!(Problem::Encrypt.text(en), "This browser could not encrypt the message.");
        let german = Problem::Text(ChatError::TooLong).text(Lang::De);
        assert!(german.contains("2.000"), "{german}");
    }

    #[test]
    fn an_encrypted_page_shows_only_encrypted_messages_once_opened() {
        let plain = Message::plain(1, "Calm Heron 27", "in the clear").unwrap();
        let sealed = Message::sealed(2, format!("ep2p1:{}", "A".repeat(54))).unwrap();
        let all = [plain.clone(), sealed.clone()];
        assert_eq!(plain_count(&all), 1);
        let mut opened = HashMap::new();
        let shown = shown_messages(&all, false, &opened);
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0].said, Some(("Calm Heron 27".into(), "in the clear".into())));
        assert_eq!(shown[1].said, None, "not decrypted yet");
        opened.insert(sealed.id().to_string(), Some(("Owl 12".into(), "secret".into())));
        let shown = shown_messages(&all, true, &opened);
        assert_eq!(shown.len(), 1, "a readable message on an encrypted page is not shown");
        assert_eq!((shown[0].at, shown[0].said.clone()), (2, Some(("Owl 12".into(), "secret".into()))));
    }
}
