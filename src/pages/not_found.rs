//! The 404 page: any address that is not `/` or `/<hash>`.

use crate::i18n::{around, t, tr};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::response::set_not_found();
    view! {
        <Title text=tr(|t| t.site.not_found)/>
        <section class="not-found">
            <h1>{tr(|t| t.site.not_found)}</h1>
            <p>
                {move || around(t().site.not_found_text, "slash").0}
                <code>"/"</code>
                {move || around(t().site.not_found_text, "slash").1}
            </p>
            <p><a href="/">{tr(|t| t.site.write_new_page)}</a></p>
        </section>
    }
}
