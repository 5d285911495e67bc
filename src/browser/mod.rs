//! The browser's side of the views (hydrate only): what they do with the
//! window, its storage, location, history and clipboard, and the effects
//! that run only once a page is interactive (`page`: the page view's relay
//! connection and decryption; `keeper`: "Your pages" and its socket). The
//! views stay the same in both builds and call in here from the handlers
//! and effects that only the browser runs.

pub mod keeper;
pub mod page;
pub mod tabs;

use crate::state::{SiteInfo, LIMIT_META};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Where the browser remembers the homepage's checkboxes.
pub const ENCRYPT_SETTING: &str = "ep2p.encrypt";
pub const MARKDOWN_SETTING: &str = "ep2p.markdown";
/// Where the browser remembers the reader's nickname.
pub const NICK_SETTING: &str = "ep2p.nick";

/// Below this width the chat panel starts collapsed and counts unread messages.
const PHONE_WIDTH: f64 = 640.0;

/// Remembers the reader's language for the server's next render (a cookie
/// for a year) and says it in `<html lang>`.
pub fn remember_language(lang: crate::i18n::Lang) {
    let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", crate::i18n::COOKIE, lang.code());
    let _ = js_sys::Reflect::set(&document(), &"cookie".into(), &cookie.into());
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
}

/// The language the server rendered in (its `<meta>`): the first client
/// render must be the same.
pub fn rendered_language() -> crate::i18n::Lang {
    document()
        .query_selector(&format!("meta[name={}]", crate::i18n::META))
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .and_then(|tag| crate::i18n::Lang::from_tag(&tag))
        .unwrap_or_default()
}

/// Reads what the server wrote into the shell.
pub fn site_info() -> SiteInfo {
    let meta = |name: &str| {
        document()
            .query_selector(&format!("meta[name={name}]"))
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
    };
    let limit = meta(LIMIT_META).and_then(|text| text.parse().ok());
    let test_lifetime = meta(crate::state::TEST_LIFETIME_META).and_then(|text| text.parse().ok());
    SiteInfo { content_limit: limit.unwrap_or(1024 * 1024), test_lifetime }
}

/// Keeps a homepage checkbox as the browser last left it. The saved choice
/// is applied once the page is hydrated (the server rendered it unticked).
pub fn remember(setting: &'static str, checked: RwSignal<bool>) {
    let storage = window().local_storage().ok().flatten();
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

/// The window is as narrow as a phone's.
pub fn is_phone_width() -> bool {
    window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w < PHONE_WIDTH)
}

/// The whole link of this tab (an encrypted page's key is its fragment).
pub fn location_href() -> Option<String> {
    window().location().href().ok()
}

/// The link's fragment, `#` included (empty when it has none).
pub fn location_hash() -> String {
    window().location().hash().unwrap_or_default()
}

/// Scrolls the element with this id into the middle of the view once it
/// is in the document (a view in a `Suspense` joins it a frame or so after
/// it is made), trying for up to 60 frames.
pub fn scroll_to_id(id: String) {
    fn attempt(id: String, frames_left: u32) {
        match document().get_element_by_id(&id) {
            Some(element) if element.is_connected() => {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Center);
                element.scroll_into_view_with_scroll_into_view_options(&options);
            }
            _ if frames_left > 0 => request_animation_frame(move || attempt(id, frames_left - 1)),
            _ => {}
        }
    }
    attempt(id, 60);
}

/// Rewrites the link in place, without a new history entry or a navigation.
pub fn replace_url(url: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
}

/// Copies the whole link to the clipboard; false if the link could not be read.
pub fn copy_link() -> bool {
    let window = window();
    let Ok(href) = window.location().href() else { return false };
    let _ = window.navigator().clipboard().write_text(&href);
    true
}

/// Opens the system share sheet with the link; false where the browser has none.
pub fn share_sheet(url: &str, title: &str) -> bool {
    let navigator = window().navigator();
    let Ok(share) = js_sys::Reflect::get(&navigator, &"share".into()) else { return false };
    let Some(share) = share.dyn_ref::<js_sys::Function>() else { return false };
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &"url".into(), &url.into());
    let _ = js_sys::Reflect::set(&data, &"title".into(), &title.into());
    match share.call1(&navigator, &data) {
        Ok(promise) => {
            // Dismissing the sheet rejects the promise: that is no error.
            if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                });
            }
            true
        }
        Err(_) => false,
    }
}

/// Whether this browser has a system share sheet.
pub fn has_share_sheet() -> bool {
    let navigator = window().navigator();
    js_sys::Reflect::get(&navigator, &"share".into()).is_ok_and(|f| f.is_function())
}

/// A click on a heading's anchor in a Markdown page scrolls to the heading
/// without touching the link's fragment, which holds the page's key and view.
pub fn follow_anchor(event: &leptos::ev::MouseEvent) {
    let target = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let Some(anchor) = target.and_then(|t| t.closest("a.anchor").ok().flatten()) else { return };
    event.prevent_default();
    let id = anchor.get_attribute("href").unwrap_or_default();
    if let Some(heading) = document().get_element_by_id(id.trim_start_matches('#')) {
        heading.scroll_into_view();
    }
}

/// A text as a file of its own (the note written beside shared files).
pub fn text_file(name: &str, text: &str) -> Option<web_sys::File> {
    typed_file(name, text, "text/plain")
}

fn typed_file(name: &str, text: &str, media_type: &str) -> Option<web_sys::File> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::FilePropertyBag::new();
    options.set_type(media_type);
    web_sys::File::new_with_str_sequence_and_options(&parts, name, &options).ok()
}

/// Saves `text` as a download named `name`, of type `media_type` (UTF-8).
pub fn save_text(name: &str, text: &str, media_type: &str) {
    let Some(file) = typed_file(name, text, &format!("{media_type};charset=utf-8")) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&file) else { return };
    save_as(&url, name);
    // The download has its bytes by then; the URL is not needed after.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

/// Copies `text` to the clipboard.
pub fn copy_text(text: &str) {
    let _ = window().navigator().clipboard().write_text(text);
}

/// Saves `url` (a `blob:` URL) as a download named `name`.
pub fn save_as(url: &str, name: &str) {
    let Ok(anchor) = document().create_element("a") else { return };
    let Ok(anchor) = anchor.dyn_into::<web_sys::HtmlAnchorElement>() else { return };
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
}

/// "14:05" in the reader's time zone, and the time as ISO 8601.
pub fn clock(at: u64) -> (String, String) {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
    let short = format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    (short, String::from(date.to_iso_string()))
}
