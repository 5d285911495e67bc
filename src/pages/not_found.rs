//! The 404 page: any address that is not `/` or `/<hash>`.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::response::set_not_found();
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
