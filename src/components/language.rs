//! The language switch in the footer (SPEC §15): the five languages, each
//! named in itself. A choice changes every text at once, with no reload
//! (a page this tab hosts stays hosted), and is remembered in a cookie, so
//! the server renders the next page in it.

use crate::i18n::{tr, Lang, Language};
use leptos::prelude::*;

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let Language(current) = expect_context::<Language>();
    let choose = move |event| {
        if let Some(lang) = Lang::from_tag(&event_target_value(&event)) {
            current.set(lang);
            #[cfg(feature = "hydrate")]
            crate::browser::remember_language(lang);
        }
    };
    view! {
        <label class="language">
            <span>{tr(|t| t.site.language)}</span>
            <select data-testid="language" on:change=choose prop:value=move || current.get().code()>
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <option value=lang.code() lang=lang.code() selected=move || current.get() == lang>
                                {lang.name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
