//! The release's files under `/pkg/` as the server names them: the hashes
//! `cargo leptos build` wrote beside the binary (`hash.txt`, with
//! `hash-files`; none for a development build), read once.

use leptos::prelude::LeptosOptions;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The file hashes by kind (`js`, `wasm`, `css`, `split`, `manifest`).
#[derive(Debug, Default)]
pub struct Assets {
    pub hashes: HashMap<String, String>,
}

impl Assets {
    /// This release's, read at the first call.
    pub fn of(options: &LeptosOptions) -> &'static Assets {
        static ASSETS: OnceLock<Assets> = OnceLock::new();
        ASSETS.get_or_init(|| Assets::read(options))
    }

    fn read(options: &LeptosOptions) -> Assets {
        let text = options
            .hash_files
            .then(|| {
                let exe = std::env::current_exe().ok()?;
                std::fs::read_to_string(exe.parent()?.join(&*options.hash_file)).ok()
            })
            .flatten();
        Assets { hashes: text.as_deref().map(parse).unwrap_or_default() }
    }

    /// `<stem>.<hash>.<ext>` with the hash of kind `kind`, or `<stem>.<ext>`
    /// when there is none.
    pub fn name(&self, stem: &str, kind: &str, ext: &str) -> String {
        match self.hashes.get(kind) {
            Some(hash) => format!("{stem}.{hash}.{ext}"),
            None => format!("{stem}.{ext}"),
        }
    }

    /// The site's stylesheet (`/pkg/<name>.<hash>.css`): read once for a
    /// release; read at every call for a development build, whose file
    /// changes under the same name while the server runs (`cargo leptos
    /// watch`). Empty, and said once in the log, if it cannot be read.
    pub fn stylesheet(&self, options: &LeptosOptions) -> String {
        let path = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir).join(self.name(
            &options.output_name,
            "css",
            "css",
        ));
        let read = || {
            std::fs::read_to_string(&path).unwrap_or_else(|error| {
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(
                    || tracing::warn!(path = %path.display(), %error, "the stylesheet cannot be read"),
                );
                String::new()
            })
        };
        if self.hashes.is_empty() {
            return read();
        }
        static CSS: OnceLock<String> = OnceLock::new();
        CSS.get_or_init(read).clone()
    }

    /// `/pkg/<stem>.<hash>.<kind>`, or without the hash when there is none.
    pub fn file(&self, options: &LeptosOptions, stem: &str, kind: &str) -> String {
        format!("/{}/{}", options.site_pkg_dir, self.name(stem, kind, kind))
    }
}

/// `kind: hash` lines.
fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_owned(), hash.trim().to_owned()))
        .filter(|(kind, hash)| !kind.is_empty() && !hash.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_lines_are_read_by_kind() {
        let hashes = parse("js: J1\nwasm: W-2\n\ncss:C\nnot a line\n");
        assert_eq!(hashes.len(), 3);
        assert_eq!(
            (hashes["js"].as_str(), hashes["wasm"].as_str(), hashes["css"].as_str()),
            ("J1", "W-2", "C")
        );
    }
}
