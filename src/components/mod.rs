//! The parts the pages are made of. Each takes the signals it shows (most
//! a page view's `PageState`) and renders the same markup on the server
//! and in the browser.

pub mod chat_panel;
pub mod code_view;
pub mod direct;
pub mod ends_in;
pub mod files;
pub mod keep_copy;
pub mod language;
pub mod one_time;
pub mod page_actions;
pub mod page_text;
pub mod share;
pub mod status;
pub mod stay_awake;
pub mod your_pages;
