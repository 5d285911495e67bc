//! `/`: the homepage, where a page is written (in the clear or encrypted,
//! as text or Markdown), checked against the content limit and created,
//! and "Your pages" is listed.

use crate::components::your_pages::YourPagesList;
use crate::fragment::Fragment;
use crate::i18n::{around, fill, lang, t, tr, Lang, Texts};
use crate::protocol::PageHash;
use crate::sealed;
use crate::state::{Created, Draft, LocalPage, SiteInfo};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Why the homepage refuses to create a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftError {
    Empty,
    /// `bytes` of page (encrypted, if `encrypted`) against the `limit`;
    /// `over` bytes of text to cut.
    TooLarge {
        bytes: usize,
        limit: usize,
        over: usize,
        encrypted: bool,
    },
    /// This browser has no Web Crypto here (not a secure context).
    NoEncryption,
    /// The password is longer than a password may be.
    LongPassword,
    /// The text written beside the files could not be made a file (the note).
    NoteFile,
    /// The chosen files could not be read, or are too many or too large.
    Files,
}

impl DraftError {
    /// What the homepage says of it, in `lang`.
    pub fn message(self, lang: Lang) -> String {
        let site = &lang.texts().site;
        let count = |n: usize| lang.count(n as u64, site.bytes_one, site.bytes_other);
        match self {
            Self::Empty => site.empty_error.into(),
            Self::TooLarge { bytes, limit, over, encrypted } => fill(
                if encrypted { site.too_large_encrypted } else { site.too_large },
                &[("size", &count(bytes)), ("limit", &count(limit)), ("over", &count(over))],
            ),
            Self::NoEncryption => site.no_encryption.into(),
            Self::NoteFile => site.files_note_error.into(),
            Self::Files => site.files_error.into(),
            Self::LongPassword => fill(site.long_password, &[("size", &count(sealed::MAX_PASSWORD))]),
        }
    }
}

/// A lifetime choice's name in the reader's language (`english`, the
/// name `lifetime::CHOICES` gives it, for a choice this file does not know).
fn lifetime_name(seconds: u64, english: &'static str, texts: &'static Texts) -> &'static str {
    match seconds {
        300 => texts.site.lifetime_5_minutes,
        3600 => texts.site.lifetime_1_hour,
        86_400 => texts.site.lifetime_1_day,
        604_800 => texts.site.lifetime_1_week,
        _ => english,
    }
}

/// One side of an element in a sentence (from [`around`]), `None` when
/// there is nothing on that side: an empty text would render as a space.
fn part(text: &'static str) -> Option<&'static str> {
    (!text.is_empty()).then_some(text)
}

/// Bytes a page's end adds to it: `ep2p-exp1:`, ten digits of seconds and `:`.
const END_BYTES: usize = crate::lifetime::PREFIX.len() + 11;

/// Seconds since the epoch, by this browser's clock.
fn wall_secs() -> u64 {
    #[cfg(feature = "hydrate")]
    let ms = js_sys::Date::now() as u64;
    #[cfg(not(feature = "hydrate"))]
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    ms / 1000
}

/// How a draft becomes a page: in the clear, or encrypted (with a password
/// stretched by a KDF, when one was given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    Plain,
    Encrypted(Option<sealed::Kdf>),
}

impl Sealing {
    /// What the composer's choices make: Encrypt ticked, a password typed.
    pub fn of(encrypt: bool, password: &str) -> Self {
        match (encrypt, password.is_empty()) {
            (false, _) => Self::Plain,
            (true, true) => Self::Encrypted(None),
            (true, false) => Self::Encrypted(Some(sealed::Kdf::CURRENT)),
        }
    }
}

/// Bytes a draft weighs as a page: its UTF-8, or its encrypted wire text.
pub fn page_bytes(text: &str, sealing: Sealing) -> usize {
    match sealing {
        Sealing::Encrypted(kdf) => sealed::wire_len_with(text.len(), kdf),
        Sealing::Plain => text.len(),
    }
}

/// Checks a draft before it becomes a page. The limit is on what hosts
/// hold and the relay forwards: the encrypted wire text when encrypted.
pub fn check_draft(text: &str, limit: usize, sealing: Sealing) -> Result<(), DraftError> {
    if text.trim().is_empty() {
        return Err(DraftError::Empty);
    }
    let bytes = page_bytes(text, sealing);
    if bytes > limit {
        let (fits, encrypted) = match sealing {
            Sealing::Encrypted(kdf) => (sealed::longest_text_with(limit, kdf), true),
            Sealing::Plain => (limit, false),
        };
        return Err(DraftError::TooLarge { bytes, limit, over: text.len() - fits, encrypted });
    }
    Ok(())
}

#[component]
pub fn HomePage() -> impl IntoView {
    let site = expect_context::<SiteInfo>();
    let local = expect_context::<LocalPage>();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<DraftError>);
    let encrypt = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let markdown = RwSignal::new(false);
    let sealing = Memo::new(move |_| password.with(|p| Sealing::of(encrypt.get(), p)));
    // Seconds the page lives (0: until its last host leaves).
    let lifetime = RwSignal::new(0u64);
    // Read once (burn after reading): only this tab hosts it, for one reader.
    let one_time = RwSignal::new(false);
    let end_bytes = move || {
        let end = if lifetime.get() > 0 { END_BYTES } else { 0 };
        end + if one_time.get() { crate::lifetime::ONCE.len() } else { 0 }
    };
    let bytes = Memo::new(move |_| text.with(|t| page_bytes(t, sealing.get())) + end_bytes());
    let over = move || bytes.get() > site.content_limit;
    let navigate = use_navigate();

    #[cfg(feature = "hydrate")]
    {
        crate::browser::remember(crate::browser::ENCRYPT_SETTING, encrypt);
        crate::browser::remember(crate::browser::MARKDOWN_SETTING, markdown);
    }
    // "Edit as a new page": the text comes in, shared as the page it came from.
    let based_on = RwSignal::new(None::<PageHash>);
    let draft = expect_context::<Draft>();
    Effect::new(move |_| {
        if let Some(from) = draft.0.try_update(Option::take).flatten() {
            text.set(from.text);
            encrypt.set(from.encrypted);
            markdown.set(from.markdown);
            based_on.set(Some(from.based_on));
        }
    });

    // The files chosen: names and sizes for the view, the `File`s in the browser.
    let chosen = RwSignal::new(Vec::<(String, u64)>::new());
    #[cfg(feature = "hydrate")]
    let chosen_files = StoredValue::new_local(Vec::<web_sys::File>::new());
    #[cfg(feature = "hydrate")]
    let add_files = move |list: Option<web_sys::FileList>| {
        let Some(list) = list else { return };
        chosen_files.update_value(|files| {
            for i in 0..list.length() {
                if let Some(file) = list.get(i) {
                    files.retain(|f| f.name() != file.name());
                    files.push(file);
                }
            }
            chosen.set(files.iter().map(|f| (f.name(), f.size() as u64)).collect());
        });
        error.set(None);
    };
    #[cfg(not(feature = "hydrate"))]
    let add_files = |_: Option<()>| {};
    let remove_file = move |name: String| {
        #[cfg(feature = "hydrate")]
        chosen_files.update_value(|files| files.retain(|f| f.name() != name));
        chosen.update(|files| files.retain(|(n, _)| *n != name));
    };
    let navigate_files = navigate.clone();
    let share_files = move || {
        error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let encrypted = encrypt.get_untracked();
            let navigate = navigate_files.clone();
            let note = text.get_untracked();
            leptos::task::spawn_local(async move {
                let mut files = chosen_files.get_value();
                // The text written beside the files goes with them, as a note.
                if !note.trim().is_empty() {
                    match crate::browser::text_file("note.txt", &note) {
                        Some(file) => files.insert(0, file),
                        None => return error.set(Some(DraftError::NoteFile)),
                    }
                }
                // Encrypted: the names and every chunk sealed with a fresh key, which only the link holds.
                let key = match encrypted.then(crate::crypto::new_key).transpose() {
                    Ok(key) => key,
                    Err(_) => return error.set(Some(DraftError::NoEncryption)),
                };
                match crate::lazy::files_share(files, key.clone()).await {
                    Ok(wire) => {
                        let hash = PageHash::of(&wire);
                        local.0.set(Some(Created { hash, wire: wire.clone(), text: wire, password: None }));
                        let fragment = Fragment { key, ..Fragment::default() }.to_string();
                        let fragment = if fragment.is_empty() { fragment } else { format!("#{fragment}") };
                        navigate(&format!("/{hash}{fragment}"), NavigateOptions::default());
                    }
                    Err(_) => error.set(Some(DraftError::Files)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &navigate_files;
    };
    let create = move || {
        if !chosen.with_untracked(Vec::is_empty) {
            return share_files();
        }
        let draft = text.get_untracked();
        let sealing = sealing.get_untracked();
        let secret = password.get_untracked();
        let limit = site.content_limit.saturating_sub(end_bytes());
        let checked = check_draft(&draft, limit, sealing).and_then(|()| {
            let long = sealing != Sealing::Plain && secret.len() > sealed::MAX_PASSWORD;
            if long {
                Err(DraftError::LongPassword)
            } else {
                Ok(())
            }
        });
        if let Err(e) = checked {
            error.set(Some(e));
            return;
        }
        error.set(None);
        let navigate = navigate.clone();
        let as_markdown = markdown.get_untracked();
        let with_password = matches!(sealing, Sealing::Encrypted(Some(_))).then(|| secret.clone());
        let lives = lifetime.get_untracked();
        let once = one_time.get_untracked();
        let publish = move |wire: String, key: Option<sealed::Key>| {
            // The one-time mark and the end go inside the page, where its hash covers them.
            let wire = if once { crate::lifetime::once(&wire) } else { wire };
            let wire = if lives > 0 { crate::lifetime::with_end(wall_secs() + lives, &wire) } else { wire };
            let hash = PageHash::of(&wire);
            local.0.set(Some(Created { hash, wire, text: draft, password: with_password }));
            let based_on = based_on.get_untracked();
            let fragment =
                Fragment { key, markdown: as_markdown, based_on, ..Fragment::default() }.to_string();
            let fragment = if fragment.is_empty() { fragment } else { format!("#{fragment}") };
            navigate(&format!("/{hash}{fragment}"), NavigateOptions::default());
        };
        if let Sealing::Encrypted(kdf) = sealing {
            // Web Crypto answers with a promise; there is no server to render for.
            #[cfg(feature = "hydrate")]
            leptos::task::spawn_local(async move {
                let plain = text.get_untracked();
                let sealed = match (crate::crypto::new_key(), kdf) {
                    (Ok(key), None) => crate::lazy::seal(key.clone(), plain).await.map(|wire| (wire, key)),
                    (Ok(key), Some(_)) => crate::lazy::seal_with_password(key.clone(), secret, plain)
                        .await
                        .map(|wire| (wire, key)),
                    (Err(e), _) => Err(e),
                };
                match sealed {
                    Ok((wire, key)) => publish(wire, Some(key)),
                    Err(_) => error.set(Some(DraftError::NoEncryption)),
                }
            });
            #[cfg(not(feature = "hydrate"))]
            let _ = (kdf, publish);
        } else {
            publish(text.get_untracked(), None);
        }
    };
    let create_on_key = create.clone();

    view! {
        <Title text=""/>
        <section class="intro">
            <h1>{tr(|t| t.site.intro_title)}</h1>
            <p>
                {move || part(around(t().site.intro, "button").0)}
                <strong>{tr(|t| t.site.create_page)}</strong>
                {move || part(around(t().site.intro, "button").1)}
            </p>
        </section>
        <section class="composer" aria-label=tr(|t| t.site.new_page)
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                #[cfg(feature = "hydrate")]
                add_files(ev.data_transfer().and_then(|d| d.files()));
                #[cfg(not(feature = "hydrate"))]
                add_files(None);
            }>
            {move || based_on.get().map(|hash| {
                let short = hash.to_string()[..12].to_string();
                view! {
                    <p class="based-on" data-testid="editing-from">
                        {move || part(around(t().site.based_on, "link").0)}
                        <a href=format!("/{hash}") rel="external">
                            {move || part(around(t().site.based_on_link, "hash").0)}
                            <code>{short}"…"</code>
                            {move || part(around(t().site.based_on_link, "hash").1)}
                        </a>
                        {move || part(around(t().site.based_on, "link").1)}
                        " "
                        <button type="button" class="link" on:click=move |_| based_on.set(None)>
                            {tr(|t| t.site.forget_origin)}
                        </button>
                    </p>
                }
            })}
            <label class="visually-hidden" for="page-text">{tr(|t| t.site.page_text_label)}</label>
            <textarea
                id="page-text"
                class="page-input"
                placeholder=tr(|t| t.site.placeholder)
                spellcheck="true"
                aria-describedby="byte-counter draft-error"
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    error.set(None);
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        create_on_key();
                    }
                }
            ></textarea>
            <ul class="chosen-files" data-testid="chosen-files" hidden=move || chosen.with(Vec::is_empty)>
                <For each=move || chosen.get() key=|(name, _)| name.clone() let(file)>
                    {
                        let (name, size) = file;
                        let label = name.clone();
                        let removed = name.clone();
                        view! {
                            <li>
                                <span class="file-name">{name}</span>
                                <span class="file-size">
                                    {move || crate::format::bytes_text(size, lang())}
                                </span>
                                <button type="button" class="link"
                                    aria-label=move || fill(t().site.remove_file, &[("name", &label)])
                                    on:click=move |_| remove_file(removed.clone())>
                                    {tr(|t| t.site.remove)}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="composer-bar">
                <label class="button attach" title=tr(|t| t.site.add_files_hint)>
                    {tr(|t| t.site.add_files)}
                    <input type="file" multiple class="visually-hidden" data-testid="file-input"
                        on:change=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                use wasm_bindgen::JsCast;
                                let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                                add_files(input.as_ref().and_then(|i| i.files()));
                                if let Some(input) = input {
                                    input.set_value("");
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            {
                                let _ = ev;
                                add_files(None);
                            }
                        }/>
                </label>
                <label class="encrypt" title=tr(|t| t.site.encrypt_hint)>
                    <input
                        type="checkbox"
                        data-testid="encrypt"
                        aria-describedby="encrypt-note"
                        prop:checked=move || encrypt.get()
                        on:change=move |ev| {
                            encrypt.set(event_target_checked(&ev));
                            error.set(None);
                        }
                    />
                    {tr(|t| t.site.encrypt)}
                </label>
                <label class="encrypt" title=tr(|t| t.site.markdown_hint)>
                    <input
                        type="checkbox"
                        data-testid="markdown"
                        prop:checked=move || markdown.get()
                        on:change=move |ev| markdown.set(event_target_checked(&ev))
                    />
                    "Markdown"
                </label>
                <label class="lifetime" hidden=move || !chosen.with(Vec::is_empty)
                    title=tr(|t| t.site.lifetime_hint)>
                    {tr(|t| t.site.lifetime)}
                    <select data-testid="lifetime" on:change=move |ev| {
                        lifetime.set(event_target_value(&ev).parse().unwrap_or(0));
                        error.set(None);
                    }>
                        <option value="0" selected=move || lifetime.get() == 0>
                            {tr(|t| t.site.lifetime_until_last)}
                        </option>
                        {site.test_lifetime.map(|s| view! {
                            <option value=s.to_string()>
                                {move || fill(t().site.lifetime_test, &[("n", &lang().number(s))])}
                            </option>
                        })}
                        {crate::lifetime::CHOICES.iter().map(|&(s, name)| view! {
                            <option value=s.to_string()>{move || lifetime_name(s, name, t())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="encrypt" hidden=move || !chosen.with(Vec::is_empty)
                    title=tr(|t| t.site.one_time_hint)>
                    <input type="checkbox" data-testid="one-time" prop:checked=move || one_time.get()
                        on:change=move |ev| one_time.set(event_target_checked(&ev))/>
                    {tr(|t| t.site.one_time)}
                </label>
                <span id="byte-counter" class="byte-counter" class:over=over data-testid="byte-counter">
                    {move || {
                        let site_texts = &t().site;
                        let template = if encrypt.get() { site_texts.counter_encrypted } else { site_texts.counter };
                        let n = lang().number(bytes.get() as u64);
                        fill(template, &[("n", &n), ("limit", &lang().number(site.content_limit as u64))])
                    }}
                </span>
                <span class="shortcut" aria-hidden="true">"Ctrl + Enter"</span>
                <button type="button" class="primary" data-testid="create" on:click=move |_| create()>
                    {move || if chosen.with(Vec::is_empty) { t().site.create_page } else { t().site.share_files }}
                </button>
            </div>
            <p class="encrypt-note" data-testid="one-time-note" hidden=move || !one_time.get() || !chosen.with(Vec::is_empty)>
                {tr(|t| t.site.one_time_note)}
            </p>
            <p id="encrypt-note" class="encrypt-note" hidden=move || !encrypt.get()>
                {tr(|t| t.site.encrypt_note)}
            </p>
            <p class="password-row" hidden=move || !encrypt.get() || !chosen.with(Vec::is_empty)>
                <label for="new-page-password">{tr(|t| t.site.password_label)}</label>
                <input id="new-page-password" type="password" data-testid="password" autocomplete="new-password"
                    aria-describedby="password-note"
                    prop:value=move || password.get()
                    on:input=move |ev| {
                        password.set(event_target_value(&ev));
                        error.set(None);
                    }/>
                <span id="password-note" class="password-note">
                    {tr(|t| t.site.password_note)}
                </span>
            </p>
            <p id="draft-error" class="draft-error" role="alert" data-testid="draft-error">
                {move || error.get().map(|e| e.message(lang()))}
            </p>
        </section>
        <YourPagesList/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENCRYPTED: Sealing = Sealing::Encrypted(None);

    #[test]
    fn drafts_are_checked_in_bytes_of_utf8() {
        assert_eq!(check_draft("", 10, Sealing::Plain), Err(DraftError::Empty));
        assert_eq!(check_draft(" \n\t", 10, Sealing::Encrypted(None)), Err(DraftError::Empty));
        assert_eq!(check_draft("abc", 3, Sealing::Plain), Ok(()));
        // Four emoji are 16 bytes.
        let too_large = DraftError::TooLarge { bytes: 16, limit: 15, over: 1, encrypted: false };
        assert_eq!(check_draft("😀😀😀😀", 15, Sealing::Plain), Err(too_large));
        let large = DraftError::TooLarge { bytes: 1_048_577, limit: 1_048_576, over: 1, encrypted: false };
        let message = large.message(Lang::En);
        assert!(message.contains("1,048,577 bytes") && message.contains("1,048,576 bytes"));
        assert!(message.contains("by 1 byte."), "{message}");
    }

    #[test]
    fn an_encrypted_draft_is_weighed_as_the_page_it_will_be() {
        // "abc" encrypted: ep2p1: + base64url of 12 + 3 + 16 bytes.
        assert_eq!(page_bytes("abc", ENCRYPTED), 6 + 42);
        assert_eq!(page_bytes("abc", Sealing::Plain), 3);
        assert_eq!(check_draft("abc", 48, ENCRYPTED), Ok(()));
        let error = check_draft("abcd", 48, ENCRYPTED).unwrap_err();
        assert_eq!(error, DraftError::TooLarge { bytes: 49, limit: 48, over: 1, encrypted: true });
        let message = error.message(Lang::En);
        assert!(message.starts_with("Encrypted, this text weighs 49 bytes"), "{message}");
        // A text that fits in the clear can be too large encrypted.
        let text = "x".repeat(1000);
        assert_eq!(check_draft(&text, 1000, Sealing::Plain), Ok(()));
        assert!(matches!(check_draft(&text, 1000, ENCRYPTED), Err(DraftError::TooLarge { over: 283, .. })));
        assert_eq!(check_draft(&"x".repeat(1000 - 283), 1000, ENCRYPTED), Ok(()));
    }

    #[test]
    fn a_password_page_weighs_its_kdf_too() {
        assert_eq!(Sealing::of(false, "pw"), Sealing::Plain);
        assert_eq!(Sealing::of(true, ""), ENCRYPTED);
        let with = Sealing::of(true, "pw");
        assert_eq!(with, Sealing::Encrypted(Some(sealed::Kdf::CURRENT)));
        // `pbkdf2-sha256:600000:` is named in the wire text.
        assert_eq!(page_bytes("abc", with), 6 + 21 + 42);
        assert_eq!(check_draft("abc", 69, with), Ok(()));
        assert!(matches!(
            check_draft("abcd", 69, with),
            Err(DraftError::TooLarge { bytes: 70, over: 1, .. })
        ));
    }
}
