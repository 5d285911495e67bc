//! What a page sets on its HTTP response while the server renders it: the
//! Content-Security-Policy with this render's nonce, the language it is in,
//! and a 404's status.

use leptos::prelude::*;

/// The Content-Security-Policy of every page: our own script (the inline
/// hydration scripts carry this render's nonce) and WASM, our stylesheet
/// (inline, with the same nonce),
/// WebSockets to our own origin, and nothing inline from anyone else. Page
/// text from peers is only ever a text node, and could not run even if it
/// were not. A file page's images, audio and video preview from `blob:`
/// URLs (`img-src`, `media-src`), and a PDF in the browser's viewer in a
/// `blob:` frame (`frame-src`) whose blob the app typed `application/pdf`
/// itself: never a document or script of the file's.
pub fn set_page_policy() {
    let (Some(response), Some(nonce)) =
        (use_context::<leptos_axum::ResponseOptions>(), leptos::nonce::use_nonce())
    else {
        return;
    };
    let policy = format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'nonce-{nonce}'; \
         img-src 'self' blob:; media-src blob:; frame-src blob:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
    // The page is in the language these two chose (`request_lang`).
    response.insert_header(
        axum::http::header::VARY,
        axum::http::HeaderValue::from_static("Accept-Language, Cookie"),
    );
}

/// The language to render this request in: the reader's choice (the
/// `ep2p-lang` cookie), else the best of their `Accept-Language`.
pub fn request_lang() -> crate::i18n::Lang {
    use crate::i18n::Lang;
    let Some(parts) = use_context::<axum::http::request::Parts>() else { return Lang::En };
    let header = |name| {
        parts.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ")
    };
    let cookies = parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    Lang::from_cookies(&cookies)
        .unwrap_or_else(|| Lang::negotiate(&header(axum::http::header::ACCEPT_LANGUAGE)))
}

/// The response is a 404 (the not-found page).
pub fn set_not_found() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
}
