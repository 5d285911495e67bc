//! The routes' pages: the homepage (`/`), a page (`/<hash>`) and the 404.

pub mod home;
pub mod not_found;
pub mod page_view;
