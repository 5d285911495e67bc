//! What a page sets on its HTTP response while the server renders it: the
//! Content-Security-Policy with this render's nonce, and a 404's status.

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
}

/// The response is a 404 (the not-found page).
pub fn set_not_found() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
}
