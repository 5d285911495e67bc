//! `/`: the homepage, where a page is written (in the clear or encrypted,
//! as text or Markdown), checked against the content limit and created,
//! and "Your pages" is listed.

use crate::components::your_pages::YourPagesList;
use crate::format::{count_of, group_digits};
use crate::fragment::Fragment;
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
    /// The chosen files could not be read, or make no valid page (the reason).
    Files(&'static str),
}

impl DraftError {
    pub fn message(self) -> String {
        match self {
            Self::Empty => "Write something first: an empty page cannot be shared.".into(),
            Self::TooLarge { bytes, limit, over, encrypted } => format!(
                "{} {}; a page can hold at most {}. Shorten it by {}.",
                if encrypted { "Encrypted, this text weighs" } else { "This text is" },
                count_of(bytes, "byte"),
                count_of(limit, "byte"),
                count_of(over, "byte")
            ),
            Self::NoEncryption => "This browser cannot encrypt here: encryption needs a secure connection \
                                   (HTTPS). Untick Encrypt to share the page unencrypted."
                .into(),
            Self::Files(why) => format!("These files cannot be shared: {why}."),
            Self::LongPassword => {
                format!("A password can be at most {} long.", count_of(sealed::MAX_PASSWORD, "byte"))
            }
        }
    }
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
                        None => {
                            return error.set(Some(DraftError::Files("the note could not be made a file")))
                        }
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
                    Err(_) => error.set(Some(DraftError::Files(
                        "a file could not be read, or they are too many or too large",
                    ))),
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
            <h1>"Share a page that lives only while people look at it"</h1>
            <p>
                "Write something and press " <strong>"Create page"</strong>
                ". Your browser hosts the page and gives it an address made from its
                SHA-256 hash. Everyone who opens the link gets the text from the other
                visitors, checks it, and hosts it too. The server keeps nothing: when
                the last visitor closes the page, it is gone."
            </p>
        </section>
        <section class="composer" aria-label="New page"
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
                        "A new page from " <a href=format!("/{hash}") rel="external">"page " <code>{short}"…"</code></a>
                        ". That page stays as it is; this one gets its own link."
                        " "
                        <button type="button" class="link" on:click=move |_| based_on.set(None)>"Forget where it came from"</button>
                    </p>
                }
            })}
            <label class="visually-hidden" for="page-text">"Page text"</label>
            <textarea
                id="page-text"
                class="page-input"
                placeholder="Write your page here…"
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
                <For each=move || chosen.get() key=|(name, _)| name.clone() let:file>
                    <li>
                        <span class="file-name">{file.0.clone()}</span>
                        <span class="file-size">{crate::format::bytes_text(file.1)}</span>
                        <button type="button" class="link" aria-label=format!("Remove {}", file.0)
                            on:click=move |_| remove_file(file.0.clone())>"Remove"</button>
                    </li>
                </For>
            </ul>
            <div class="composer-bar">
                <label class="button attach" title="Files are shared from your browser, chunk by chunk, each checked against the link">
                    "Add files"
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
                <label class="encrypt" title="The key goes in the link after #, which browsers never send to a server">
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
                    "Encrypt"
                </label>
                <label class="encrypt" title="Readers see headings, lists, tables and links; they can switch to the plain text">
                    <input
                        type="checkbox"
                        data-testid="markdown"
                        prop:checked=move || markdown.get()
                        on:change=move |ev| markdown.set(event_target_checked(&ev))
                    />
                    "Markdown"
                </label>
                <label class="lifetime" hidden=move || !chosen.with(Vec::is_empty)
                    title="The end is written inside the page: nobody can change it, and every host lets the page go then">
                    "Lifetime"
                    <select data-testid="lifetime" on:change=move |ev| {
                        lifetime.set(event_target_value(&ev).parse().unwrap_or(0));
                        error.set(None);
                    }>
                        <option value="0" selected=move || lifetime.get() == 0>"Until the last host leaves"</option>
                        {site.test_lifetime.map(|s| view! { <option value=s.to_string()>{format!("{s} seconds (test)")}</option> })}
                        {crate::lifetime::CHOICES.iter().map(|(s, name)| view! { <option value=s.to_string()>{*name}</option> }).collect_view()}
                    </select>
                </label>
                <label class="encrypt" hidden=move || !chosen.with(Vec::is_empty)
                    title="Only your tab hosts it; the relay passes it to one reader, then it is gone">
                    <input type="checkbox" data-testid="one-time" prop:checked=move || one_time.get()
                        on:change=move |ev| one_time.set(event_target_checked(&ev))/>
                    "One-time"
                </label>
                <span id="byte-counter" class="byte-counter" class:over=over data-testid="byte-counter">
                    {move || group_digits(bytes.get())} " / " {group_digits(site.content_limit)} " bytes"
                    {move || encrypt.get().then_some(" encrypted")}
                </span>
                <span class="shortcut" aria-hidden="true">"Ctrl + Enter"</span>
                <button type="button" class="primary" data-testid="create" on:click=move |_| create()>
                    {move || if chosen.with(Vec::is_empty) { "Create page" } else { "Share files" }}
                </button>
            </div>
            <p class="encrypt-note" data-testid="one-time-note" hidden=move || !one_time.get() || !chosen.with(Vec::is_empty)>
                "One-time: only this tab hosts the page, so keep it open until it is read. Its reader first sees
                “Open this one-time page” (link previews open nothing); the relay passes it to that one reader and
                then to nobody, and this tab lets it go."
            </p>
            <p id="encrypt-note" class="encrypt-note" hidden=move || !encrypt.get()>
                "Encrypted in your browser. The key is the part of the link after “#”: browsers never send it, so the
                server and anyone watching it see only ciphertext. Whoever has the whole link can read the page."
            </p>
            <p class="password-row" hidden=move || !encrypt.get() || !chosen.with(Vec::is_empty)>
                <label for="new-page-password">"Password (optional)"</label>
                <input id="new-page-password" type="password" data-testid="password" autocomplete="new-password"
                    aria-describedby="password-note"
                    prop:value=move || password.get()
                    on:input=move |ev| {
                        password.set(event_target_value(&ev));
                        error.set(None);
                    }/>
                <span id="password-note" class="password-note">
                    "With a password, the link alone opens nothing: readers are asked for it. Send it another way
                    than the link. Nobody can recover a forgotten one."
                </span>
            </p>
            <p id="draft-error" class="draft-error" role="alert" data-testid="draft-error">
                {move || error.get().map(DraftError::message)}
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
        let message =
            DraftError::TooLarge { bytes: 1_048_577, limit: 1_048_576, over: 1, encrypted: false }.message();
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
        assert!(error.message().starts_with("Encrypted, this text weighs 49 bytes"), "{}", error.message());
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
