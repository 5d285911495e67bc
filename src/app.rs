//! The pages: the HTML shell, the routes, the homepage and the page view.
//! Rendered on the server, hydrated in the browser.

use crate::chat::Message;
use crate::chat_panel::ChatPanel;
use crate::link::Fragment;
use crate::machine::{NotSent, Phase, Snapshot};
use crate::protocol::{Health, PageHash};
use crate::sealed;
use crate::your_pages::{YourPages, YourPagesList};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::{path, NavigateOptions, SsrMode};

/// The name of the `<meta>` that carries the content limit to the browser.
const LIMIT_META: &str = "ep2p-content-limit";

/// What the pages need to know about the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteInfo {
    /// Largest page, in bytes of UTF-8 text.
    pub content_limit: usize,
}

impl SiteInfo {
    /// Reads what the server wrote into the shell.
    #[cfg(feature = "hydrate")]
    pub fn from_document() -> Self {
        let limit = leptos::prelude::document()
            .query_selector(&format!("meta[name={LIMIT_META}]"))
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .and_then(|text| text.parse().ok());
        Self { content_limit: limit.unwrap_or(1024 * 1024) }
    }
}

/// A page this tab just created, kept in memory only.
#[derive(Clone)]
pub struct Created {
    pub hash: PageHash,
    /// What hosts hold: the text itself, or its encrypted form.
    pub wire: String,
    /// What the author wrote.
    pub text: String,
}

/// The page this tab created last, handed from the homepage to the page view.
#[derive(Clone, Copy)]
pub struct LocalPage(pub RwSignal<Option<Created>>);

/// Where the browser remembers the homepage's checkboxes.
#[cfg(feature = "hydrate")]
const ENCRYPT_SETTING: &str = "ep2p.encrypt";
#[cfg(feature = "hydrate")]
const MARKDOWN_SETTING: &str = "ep2p.markdown";

pub fn shell(options: LeptosOptions, site: SiteInfo) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name=LIMIT_META content=site.content_limit.to_string()/>
                <link rel="icon" type="image/svg+xml" href="/assets/favicon.svg"/>
                <link rel="manifest" href="/assets/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/assets/icon-192.png"/>
                <meta name="theme-color" content="#f7f7f5" media="(prefers-color-scheme: light)"/>
                <meta name="theme-color" content="#121214" media="(prefers-color-scheme: dark)"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy();
    provide_meta_context();
    provide_context(LocalPage(RwSignal::new(None)));
    let pages = YourPages::new();
    provide_context(pages);
    #[cfg(feature = "hydrate")]
    crate::your_pages::start(pages);
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Ephemeral P2P".to_string() } else { format!("{page} · Ephemeral P2P") }
        }/>
        <Meta name="description" content="Write a page and share its link. It lives only in the browsers of the people looking at it."/>
        <Router>
            <header class="site-header">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Ephemeral P2P"
                </a>
                <a class="new-page" href="/">"New page"</a>
            </header>
            <main class="site-main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage/>
                    // In order: the stream waits for the host count, so it is in the first
                    // HTML (no script needed to see it), the rest streams.
                    <Route path=path!("/:hash") view=PageRoute ssr=SsrMode::InOrder/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"The server never stores a page. When its last visitor leaves, it is gone."</p>
            </footer>
        </Router>
    }
}

/// The Content-Security-Policy of every page: our own script (the inline
/// hydration scripts carry this render's nonce) and WASM, our stylesheet,
/// WebSockets to our own origin, and nothing inline from anyone else. Page
/// text from peers is only ever a text node, and could not run even if it
/// were not.
#[cfg(feature = "ssr")]
fn set_page_policy() {
    let (Some(response), Some(nonce)) =
        (use_context::<leptos_axum::ResponseOptions>(), leptos::nonce::use_nonce())
    else {
        return;
    };
    let policy = format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

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
        }
    }
}

/// Bytes a draft weighs as a page: its UTF-8, or its encrypted wire text.
pub fn page_bytes(text: &str, encrypted: bool) -> usize {
    if encrypted {
        sealed::wire_len(text.len())
    } else {
        text.len()
    }
}

/// Checks a draft before it becomes a page. The limit is on what hosts
/// hold and the relay forwards: the encrypted wire text when encrypted.
pub fn check_draft(text: &str, limit: usize, encrypted: bool) -> Result<(), DraftError> {
    if text.trim().is_empty() {
        return Err(DraftError::Empty);
    }
    let bytes = page_bytes(text, encrypted);
    if bytes > limit {
        let fits = if encrypted { sealed::longest_text(limit) } else { limit };
        return Err(DraftError::TooLarge { bytes, limit, over: text.len() - fits, encrypted });
    }
    Ok(())
}

/// `1048576` → `1,048,576`.
pub fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[component]
fn HomePage() -> impl IntoView {
    let site = expect_context::<SiteInfo>();
    let local = expect_context::<LocalPage>();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<DraftError>);
    let encrypt = RwSignal::new(false);
    let markdown = RwSignal::new(false);
    let bytes = Memo::new(move |_| text.with(|t| page_bytes(t, encrypt.get())));
    let over = move || bytes.get() > site.content_limit;
    let navigate = use_navigate();

    #[cfg(feature = "hydrate")]
    {
        remember(ENCRYPT_SETTING, encrypt);
        remember(MARKDOWN_SETTING, markdown);
    }

    let create = move || {
        let draft = text.get_untracked();
        let encrypted = encrypt.get_untracked();
        if let Err(e) = check_draft(&draft, site.content_limit, encrypted) {
            error.set(Some(e));
            return;
        }
        error.set(None);
        let navigate = navigate.clone();
        let as_markdown = markdown.get_untracked();
        let publish = move |wire: String, key: Option<sealed::Key>| {
            let hash = PageHash::of(&wire);
            local.0.set(Some(Created { hash, wire, text: draft }));
            let fragment = Fragment { key, markdown: as_markdown }.to_string();
            let fragment = if fragment.is_empty() { fragment } else { format!("#{fragment}") };
            navigate(&format!("/{hash}{fragment}"), NavigateOptions::default());
        };
        if encrypted {
            // Web Crypto answers with a promise; there is no server to render for.
            #[cfg(feature = "hydrate")]
            leptos::task::spawn_local(async move {
                let plain = text.get_untracked();
                let sealed = match crate::crypto::new_key() {
                    Ok(key) => crate::crypto::seal(&key, &plain).await.map(|wire| (wire, key)),
                    Err(e) => Err(e),
                };
                match sealed {
                    Ok((wire, key)) => publish(wire, Some(key)),
                    Err(_) => error.set(Some(DraftError::NoEncryption)),
                }
            });
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
        <section class="composer" aria-label="New page">
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
            <div class="composer-bar">
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
                <span id="byte-counter" class="byte-counter" class:over=over data-testid="byte-counter">
                    {move || group_digits(bytes.get())} " / " {group_digits(site.content_limit)} " bytes"
                    {move || encrypt.get().then_some(" encrypted")}
                </span>
                <span class="shortcut" aria-hidden="true">"Ctrl + Enter"</span>
                <button type="button" class="primary" on:click=move |_| create()>
                    "Create page"
                </button>
            </div>
            <p id="encrypt-note" class="encrypt-note" hidden=move || !encrypt.get()>
                "Encrypted in your browser. The key is the part of the link after “#”: browsers never send it, so the
                server and anyone watching it see only ciphertext. Whoever has the whole link can read the page."
            </p>
            <p id="draft-error" class="draft-error" role="alert" data-testid="draft-error">
                {move || error.get().map(DraftError::message)}
            </p>
        </section>
        <YourPagesList/>
    }
}

/// Keeps a homepage checkbox as the browser last left it. The saved choice
/// is applied once the page is hydrated (the server rendered it unticked).
#[cfg(feature = "hydrate")]
fn remember(setting: &'static str, checked: RwSignal<bool>) {
    let storage = leptos::prelude::window().local_storage().ok().flatten();
    Effect::new(move |restored: Option<()>| {
        let Some(storage) = &storage else { return };
        if restored.is_none() {
            checked.track();
            if let Ok(Some(saved)) = storage.get_item(setting) {
                checked.set(saved == "on");
            }
            return;
        }
        let _ = storage.set_item(setting, if checked.get() { "on" } else { "off" });
    });
}

/// `/<hash>`: a page if the segment is a hash, the 404 page otherwise.
#[component]
fn PageRoute() -> impl IntoView {
    let params = use_params_map();
    move || match params.read().get("hash").map(|h| PageHash::parse(&h)) {
        Some(Ok(hash)) => view! { <PageView hash/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}

/// Hosts and waiting visitors of a page, for the SSR shell.
#[server]
pub async fn page_health(hash: String) -> Result<Health, ServerFnError> {
    let hash = PageHash::parse(&hash).map_err(ServerFnError::new)?;
    Ok(expect_context::<ep2p_relay::Relay>().health(hash))
}

/// The page's text for the first response, from its hosts through the
/// relay as a visitor would get it (verified, never counted as a host, not
/// kept), if one answers within the first-response wait; `None` otherwise
/// (the browser then asks itself). Within the client address's rate for
/// plain-text reads.
#[server]
pub async fn page_text(hash: String) -> Result<Option<String>, ServerFnError> {
    use axum::extract::ConnectInfo;
    let hash = PageHash::parse(&hash).map_err(ServerFnError::new)?;
    let relay = expect_context::<ep2p_relay::Relay>();
    let peer = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>().await.ok();
    let address = peer.map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |ConnectInfo(addr)| addr.ip());
    let wait = relay.limits().first_response_wait;
    let raw = expect_context::<ep2p_relay::RawGateway>();
    Ok(raw.fetch_for(address, hash, wait).await.ok())
}

/// "1 host", "3 hosts", "1,200 bytes".
pub fn count_of(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{} {noun}s", group_digits(n)),
    }
}

/// What the status line says in each phase.
pub fn status_text(snapshot: &Snapshot) -> &'static str {
    match (snapshot.phase, snapshot.has_content) {
        (Phase::Connecting, true) => "Connecting to the relay to share your page…",
        (Phase::Connecting, false) => "Connecting to the other visitors…",
        (Phase::Waiting, _) => "Asking the other visitors for this page…",
        (Phase::NobodyHosting, _) => NOBODY_HOSTING,
        (Phase::Hosting, _) => {
            "You are hosting this page. Share the link: it lives as long as someone keeps it open."
        }
        (Phase::Reconnecting, true) => {
            "Connection lost. Reconnecting… You keep hosting this page while this tab stays open."
        }
        (Phase::Reconnecting, false) => "Connection lost. Reconnecting…",
    }
}

/// What a page with no host says (the product's words, kept exact).
pub const NOBODY_HOSTING: &str =
    "Nobody is hosting this page right now. Pages vanish when their last visitor leaves; \
     if someone who has it comes back, it appears here.";

/// Why an encrypted page's text is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// The link has nothing after `#`.
    NoKey,
    /// The link's key is not this page's (or is not a key at all).
    WrongKey,
    /// The page claims to be encrypted but cannot be read as such.
    Malformed,
    /// No Web Crypto here: the page was not served over HTTPS.
    NoDecryption,
}

impl Locked {
    pub fn message(self) -> &'static str {
        match self {
            Self::NoKey => {
                "This page is encrypted, and the link you opened has no key: the part after “#” is missing. \
                 Ask whoever shared it for the whole link."
            }
            Self::WrongKey => {
                "This page is encrypted, and the link you opened has a different key: it does not open this \
                 page. Ask whoever shared it for the whole link."
            }
            Self::Malformed => "This page says it is encrypted, but it is not in a form this app can read.",
            Self::NoDecryption => {
                "This page is encrypted, and this browser cannot decrypt it here: decryption needs a secure \
                 connection (HTTPS)."
            }
        }
    }

    /// Why `error` kept a page shut.
    pub fn of(error: sealed::SealedError) -> Self {
        use sealed::SealedError::*;
        match error {
            BadKey | WrongKey => Self::WrongKey,
            NotSealed | Malformed | NotText => Self::Malformed,
        }
    }
}

#[component]
fn PageView(hash: PageHash) -> impl IntoView {
    let local = expect_context::<LocalPage>();
    let created = local.0.with_untracked(|page| page.as_ref().filter(|c| c.hash == hash).cloned());
    let created_here = created.is_some();
    let snapshot = RwSignal::new(Snapshot::initial(created_here));
    // What hosts hold (verified against the hash), and what it says.
    let wire = RwSignal::new(created.as_ref().map(|c| c.wire.clone()));
    let text = RwSignal::new(created.map(|c| c.text));
    let locked = RwSignal::new(None::<Locked>);
    // Markdown is rendered in the browser only, once hydrated: the server
    // and the first paint show the text as it is.
    let as_markdown = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    let encrypted = move || wire.with(|w| w.as_deref().is_some_and(sealed::is_sealed));
    // Blocking: the host count is in the first HTML, readable without JavaScript.
    let health = Resource::new_blocking(move || hash.to_string(), page_health);
    // The text in the first response, when a host answers in time; streamed
    // in order, so it is in the HTML for readers without JavaScript too.
    let offered = Resource::new(
        move || hash.to_string(),
        move |hash| async move {
            if created_here {
                Ok(None)
            } else {
                page_text(hash).await
            }
        },
    );
    // What the first response may show: plain text that hashes to the page.
    let offered_text = move || {
        offered.get().and_then(Result::ok).flatten().filter(|t| !sealed::is_sealed(t) && hash.matches(t))
    };
    let copied = RwSignal::new(false);
    let short = hash.to_string()[..12].to_string();
    let pages = expect_context::<YourPages>();
    // The share panel, with the link it was opened for (QR code and share sheet).
    let sharing = RwSignal::new(None::<String>);
    let share_sheet = RwSignal::new(false);

    // The page's chat, as this tab's machine holds it.
    let chat_messages = RwSignal::new(Vec::<Message>::new());
    let not_sent = RwSignal::new(None::<NotSent>);
    let fragment = leptos_router::hooks::use_location().hash;
    // The link's key, once it has opened this encrypted page: the chat's key too.
    let chat_key = Signal::derive(move || {
        (encrypted() && locked.with(Option::is_none) && text.with(Option::is_some))
            .then(|| Fragment::parse(&fragment.get()).ok().and_then(|f| f.key))
            .flatten()
    });
    let can_send = Signal::derive(move || snapshot.with(|s| s.phase == Phase::Hosting));

    let text_node = NodeRef::<leptos::html::Div>::new();
    #[cfg(not(feature = "hydrate"))]
    let say = Callback::new(|_: Message| {});
    #[cfg(feature = "hydrate")]
    let say = {
        let driver = connect_page(hash, snapshot, wire, offered, chat_messages, not_sent);
        Callback::new(move |message: Message| {
            driver.with_value(|d| {
                if let Some(d) = d {
                    d.say(message);
                }
            })
        })
    };
    #[cfg(feature = "hydrate")]
    {
        read_page(wire, text, locked);
        Effect::new(move |_| hydrated.set(true));
        Effect::new(move |_| as_markdown.set(Fragment::parse(&fragment.get()).is_ok_and(|f| f.markdown)));
        // "Your pages": this page, once this tab has it (again when its title is learned).
        let recorded = StoredValue::new(None::<String>);
        Effect::new(move |_| {
            let title = match (text.get(), locked.get()) {
                (Some(page), _) => crate::library::title_of(&page),
                (None, Some(_)) => "An encrypted page".to_string(),
                _ => return,
            };
            if recorded.get_value().as_deref() == Some(title.as_str()) {
                return;
            }
            recorded.set_value(Some(title.clone()));
            pages.record(crate::library::Entry {
                hash: hash.to_string(),
                title,
                fragment: fragment.get_untracked().trim_start_matches('#').to_string(),
                at: crate::socket::wall_ms(),
                created: created_here,
                kept: false,
            });
        });
        // While this tab's page view hosts the page, the keeper need not.
        Effect::new(move |_| {
            let hosting = snapshot.with(|s| s.phase == Phase::Hosting);
            if hosting {
                pages.viewing.set(Some(hash));
            } else if pages.viewing.get_untracked() == Some(hash) {
                pages.viewing.set(None);
            }
        });
        on_cleanup(move || {
            if pages.viewing.get_untracked() == Some(hash) {
                pages.viewing.set(None);
            }
        });
        share_sheet.set(crate::share::has_share_sheet());
        // HTML parsing turns CR LF into LF (and NUL into U+FFFD) in the text the
        // server rendered; once the machine has verified the page, the DOM
        // holds it exactly.
        Effect::new(move |_| {
            let (Some(node), Some(page)) = (text_node.get(), text.get()) else { return };
            if node.text_content().as_deref() != Some(page.as_str()) {
                node.set_text_content(Some(&page));
            }
        });
    }

    let hosts = move || {
        let live = snapshot.with(|s| s.hosts);
        live.or_else(|| health.get().and_then(Result::ok).map(|h| h.hosts))
    };
    // Switching views rewrites the link's fragment in place (the key stays),
    // so Copy link shares the view the reader chose.
    let show_markdown = move |on: bool| {
        as_markdown.set(on);
        #[cfg(feature = "hydrate")]
        {
            let window = leptos::prelude::window();
            let current = window.location().hash().unwrap_or_default();
            if let Ok(mut fragment) = Fragment::parse(&current) {
                fragment.markdown = on;
                let fragment = fragment.to_string();
                let url =
                    if fragment.is_empty() { format!("/{hash}") } else { format!("/{hash}#{fragment}") };
                if let Ok(history) = window.history() {
                    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                }
            }
        }
    };
    let toggle_share = move |_| {
        let open = sharing.with_untracked(Option::is_none);
        #[cfg(feature = "hydrate")]
        let link = open.then(|| leptos::prelude::window().location().href().ok()).flatten();
        #[cfg(not(feature = "hydrate"))]
        let link = open.then(String::new);
        sharing.set(link);
    };
    let open_share_sheet = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(link) = sharing.get_untracked() {
            crate::share::share_sheet(&link, &format!("Page {}", &hash.to_string()[..12]));
        }
    };
    let keep_copy = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        pages.keep(hash, if on { wire.get_untracked() } else { None });
    };
    let copy_link = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let window = leptos::prelude::window();
            // The whole link: an encrypted page's key is its fragment.
            if let Ok(href) = window.location().href() {
                let _ = window.navigator().clipboard().write_text(&href);
                copied.set(true);
                set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
            }
        }
    };

    view! {
        <Title text=format!("Page {short}")/>
        // Link previews stay neutral: never the page's text, which only its readers have.
        <Meta name="robots" content="noindex, nofollow"/>
        <Meta property="og:title" content="A page on Ephemeral P2P"/>
        <Meta property="og:description" content="It lives only in the browsers of the people reading it. Open the link to read it."/>
        <article class="page" data-hash=hash.to_string()>
            <div class="page-bar">
                <Suspense fallback=|| view! { <span class="health">"…"</span> }>
                    {move || {
                        let n = hosts();
                        view! {
                            <span class="health" class:none=move || n == Some(0) data-testid="health">
                                {n.map_or_else(|| "…".to_string(), |n| count_of(n, "host"))}
                            </span>
                        }
                    }}
                </Suspense>
                <code class="page-hash" title=hash.to_string()>{short}"…"</code>
                <Show when=encrypted>
                    <span class="sealed-badge" data-testid="encrypted" title="Encrypted in the author's browser; the key is in the link after #">
                        <svg class="lock" viewBox="0 0 16 16" aria-hidden="true">
                            <path fill="currentColor" d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 0 0-4 0z"/>
                        </svg>
                        "Encrypted"
                    </span>
                </Show>
                <div class="actions">
                    <div class="views" role="group" aria-label="Show the page as">
                        <button type="button" data-testid="view-text" aria-pressed=move || (!as_markdown.get()).to_string()
                            on:click=move |_| show_markdown(false)>"Text"</button>
                        <button type="button" data-testid="view-markdown" aria-pressed=move || as_markdown.get().to_string()
                            on:click=move |_| show_markdown(true)>"Markdown"</button>
                    </div>
                    // A new tab, so this one keeps hosting; rel=external: the router leaves it to the browser.
                    <a class="button" href=format!("/{hash}/raw") target="_blank" rel="external nofollow noopener" data-testid="raw-link"
                        title="The page as plain text over HTTP, fetched from its hosts by the server">
                        "Raw"
                    </a>
                    <button type="button" on:click=copy_link data-testid="copy-link">
                        {move || if copied.get() { "Link copied" } else { "Copy link" }}
                    </button>
                    <button type="button" on:click=toggle_share data-testid="share" aria-expanded=move || sharing.with(Option::is_some).to_string()
                        aria-controls="share-panel">"Share"</button>
                </div>
            </div>
            <p class="status" role="status" aria-live="polite" data-testid="status" data-phase=move || format!("{:?}", snapshot.with(|s| s.phase)).to_lowercase()>
                {move || snapshot.with(status_text)}
            </p>
            {move || sharing.get().map(|link| {
                let qr = crate::share::qr_svg(&link);
                view! {
                    <div id="share-panel" class="share-panel" data-testid="share-panel">
                        {match qr {
                            Some(svg) => view! {
                                <div class="qr" role="img" aria-label="QR code of this page's link" data-testid="qr" inner_html=svg></div>
                            }.into_any(),
                            None => view! { <p>"This link is too long for a QR code."</p> }.into_any(),
                        }}
                        <div class="share-text">
                            <p>"Scan it to open this page on another device. The code holds the whole link"
                                {move || encrypted().then_some(", key included: share it only with people who may read the page")}
                                "."</p>
                            <Show when=move || share_sheet.get()>
                                <button type="button" class="primary" data-testid="share-sheet" on:click=open_share_sheet>"Share…"</button>
                            </Show>
                        </div>
                    </div>
                }.into_any()
            })}
            <Show when=move || snapshot.with(|s| s.has_content)>
                <label class="keep-copy" title="Kept in this browser's storage only. Whenever this site is open in a tab, this browser hosts the page again.">
                    <input type="checkbox" data-testid="keep-copy" prop:checked=move || pages.is_kept(hash) on:change=keep_copy/>
                    "Keep a copy in this browser"
                    <Show when=move || pages.is_kept(hash) && pages.stored.with(|s| s.contains(&hash.to_string()))>
                        <span class="keep-status" data-testid="keep-status">" — kept: this browser hosts it whenever the site is open"</span>
                    </Show>
                </label>
            </Show>
            <Show when=move || snapshot.with(|s| s.last_host)>
                <p class="warning" role="alert" data-testid="last-host-warning">
                    <strong>"You are the only host."</strong>
                    " Closing this tab deletes the page. Share the link so someone else keeps it alive."
                </p>
            </Show>
            <Show when=move || snapshot.with(|s| s.rejected > 0 && !s.has_content)>
                <p class="status" data-testid="rejected">
                    {move || format!("Discarded {} that did not match this page's hash.", count_of(snapshot.with(|s| s.rejected as usize), "copy"))}
                </p>
            </Show>
            {move || locked.get().map(|why| view! {
                <div class="locked" role="alert" data-testid="locked" data-why=format!("{why:?}").to_lowercase()>
                    <p><strong>{why.message()}</strong></p>
                    <p>"Your browser still checked the page against its address and hosts it, unreadable, so you help keep it alive."</p>
                </div>
            })}
            <Suspense fallback=|| ()>
                {move || {
                    // The verified text, or until the machine has it, what the server sent.
                    let page = text.get().or_else(offered_text)?;
                    Some(if as_markdown.get() && hydrated.get() && text.with(Option::is_some) {
                        let html = crate::markdown::render(&page);
                        view! {
                            <div class="page-text markdown" data-testid="page-markdown" inner_html=html
                                on:click=follow_anchor></div>
                        }.into_any()
                    } else {
                        view! { <div class="page-text" data-testid="page-text" node_ref=text_node>{page}</div> }.into_any()
                    })
                }}
            </Suspense>
        </article>
        <Show when=move || snapshot.with(|s| s.has_content)>
            <ChatPanel messages=chat_messages not_sent can_send encrypted=Signal::derive(encrypted) key=chat_key say/>
        </Show>
    }
}

/// A heading's anchor in a Markdown page scrolls to it without touching the
/// link's fragment, which holds the page's key and view.
fn follow_anchor(event: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let target = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let Some(anchor) = target.and_then(|t| t.closest("a.anchor").ok().flatten()) else { return };
        event.prevent_default();
        let id = anchor.get_attribute("href").unwrap_or_default();
        if let Some(heading) = leptos::prelude::document().get_element_by_id(id.trim_start_matches('#')) {
            heading.scroll_into_view();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event;
}

/// Starts the page's relay connection once the page is interactive, keeps
/// the view signals in step with the machine, prompts before the last host
/// closes the tab, and disconnects when the view goes away.
#[cfg(feature = "hydrate")]
fn connect_page(
    hash: PageHash,
    snapshot: RwSignal<Snapshot>,
    wire: RwSignal<Option<String>>,
    offered: Resource<Result<Option<String>, ServerFnError>>,
    chat: RwSignal<Vec<Message>>,
    not_sent: RwSignal<Option<NotSent>>,
) -> StoredValue<Option<crate::socket::Driver<crate::machine::Visitor>>, LocalStorage> {
    use crate::socket::Driver;
    let driver = StoredValue::new_local(None::<Driver<crate::machine::Visitor>>);
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        // Wait for the first response's answer (already here when hydrating).
        let Some(offer) = offered.get() else { return false };
        let initial = wire.get_untracked();
        let offer = offer.ok().flatten().filter(|_| initial.is_none());
        let started = Driver::start(hash, initial, offer, move |machine| {
            let now = machine.snapshot();
            if snapshot.with_untracked(|s| s.chat_version) != now.chat_version {
                chat.set(machine.chat().iter().cloned().collect());
                not_sent.set(machine.not_sent().cloned());
            }
            snapshot.set(now);
            if wire.with_untracked(Option::is_none) {
                if let Some(content) = machine.content() {
                    wire.set(Some(content.to_string()));
                }
            }
        });
        driver.set_value(Some(started));
        true
    });
    let prompt = window_event_listener(leptos::ev::beforeunload, move |event| {
        if snapshot.with_untracked(|s| s.last_host) {
            event.prevent_default();
            event.set_return_value("");
        }
    });
    on_cleanup(move || {
        prompt.remove();
        driver.update_value(|d| {
            if let Some(d) = d.take() {
                d.stop();
            }
        });
    });
    driver
}

/// Shows the verified page: as it is, or decrypted with the key in the
/// link's fragment (again whenever the fragment changes), or, without the
/// right key, why not.
#[cfg(feature = "hydrate")]
fn read_page(
    wire: RwSignal<Option<String>>,
    text: RwSignal<Option<String>>,
    locked: RwSignal<Option<Locked>>,
) {
    use crate::crypto::{self, CryptoError};
    let fragment = leptos_router::hooks::use_location().hash;
    // Only the newest decryption may show its result.
    let latest = StoredValue::new(0u64);
    let show = move |result: Result<String, Locked>| match result {
        Ok(page) => {
            locked.set(None);
            if text.with_untracked(|t| t.as_deref() != Some(&page)) {
                text.set(Some(page));
            }
        }
        Err(why) => {
            text.set(None);
            locked.set(Some(why));
        }
    };
    Effect::new(move |_| {
        let Some(page) = wire.get() else { return };
        let fragment = fragment.get();
        latest.update_value(|n| *n += 1);
        if !sealed::is_sealed(&page) {
            return show(Ok(page));
        }
        let key = match Fragment::parse(&fragment).map(|f| f.key) {
            Ok(Some(key)) => key,
            Ok(None) => return show(Err(Locked::NoKey)),
            Err(e) => return show(Err(Locked::of(e))),
        };
        let this = latest.get_value();
        leptos::task::spawn_local(async move {
            let result = crypto::open(&key, &page).await.map_err(|e| match e {
                CryptoError::Unavailable => Locked::NoDecryption,
                CryptoError::Sealed(e) => Locked::of(e),
            });
            if latest.get_value() == this {
                show(result);
            }
        });
    });
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="not-found">
            <h1>"Not found"</h1>
            <p>
                "There is no page at this address. A page's address is "
                <code>"/"</code> " followed by the 64 lowercase hexadecimal digits of its SHA-256 hash."
            </p>
            <p><a href="/">"Write a new page"</a></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_checked_in_bytes_of_utf8() {
        assert_eq!(check_draft("", 10, false), Err(DraftError::Empty));
        assert_eq!(check_draft(" \n\t", 10, true), Err(DraftError::Empty));
        assert_eq!(check_draft("abc", 3, false), Ok(()));
        // Four emoji are 16 bytes.
        let too_large = DraftError::TooLarge { bytes: 16, limit: 15, over: 1, encrypted: false };
        assert_eq!(check_draft("😀😀😀😀", 15, false), Err(too_large));
        let message =
            DraftError::TooLarge { bytes: 1_048_577, limit: 1_048_576, over: 1, encrypted: false }.message();
        assert!(message.contains("1,048,577 bytes") && message.contains("1,048,576 bytes"));
        assert!(message.contains("by 1 byte."), "{message}");
    }

    #[test]
    fn an_encrypted_draft_is_weighed_as_the_page_it_will_be() {
        // "abc" encrypted: ep2p1: + base64url of 12 + 3 + 16 bytes.
        assert_eq!(page_bytes("abc", true), 6 + 42);
        assert_eq!(page_bytes("abc", false), 3);
        assert_eq!(check_draft("abc", 48, true), Ok(()));
        let error = check_draft("abcd", 48, true).unwrap_err();
        assert_eq!(error, DraftError::TooLarge { bytes: 49, limit: 48, over: 1, encrypted: true });
        assert!(error.message().starts_with("Encrypted, this text weighs 49 bytes"), "{}", error.message());
        // A text that fits in the clear can be too large encrypted.
        let text = "x".repeat(1000);
        assert_eq!(check_draft(&text, 1000, false), Ok(()));
        assert!(matches!(check_draft(&text, 1000, true), Err(DraftError::TooLarge { over: 283, .. })));
        assert_eq!(check_draft(&"x".repeat(1000 - 283), 1000, true), Ok(()));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1_048_576), "1,048,576");
        assert_eq!(count_of(1, "host"), "1 host");
        assert_eq!(count_of(0, "host"), "0 hosts");
        assert_eq!(count_of(1200, "host"), "1,200 hosts");
    }
}
