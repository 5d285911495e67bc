//! A file page's files: each one's name, size and type, the download's
//! progress (bytes, percent, speed, time left, other hosts), pause and
//! resume, a Save button per file once it is here (and Save all), and
//! previews of images, audio, video, PDF and text from `blob:` URLs (which
//! the page's CSP allows for media and frames only; nothing in a file is
//! ever run: text is shown as text, a PDF in the browser's own viewer from
//! a blob typed `application/pdf`). An encrypted page's files are opened
//! with the link's key on this side of the socket.

use crate::format::{bytes_text, duration_text};
use crate::i18n::{fill, lang, t, tr, Lang, Texts};
use crate::sealed_files::InnerEntry;
use crate::state::PageState;
use leptos::prelude::*;

/// Whether a file of this media type is previewed in the page, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview {
    Image,
    Audio,
    Video,
    Pdf,
    /// Its first [`TEXT_PREVIEW`] bytes, as plain text.
    Text,
}

/// Bytes of a text file the preview shows.
pub const TEXT_PREVIEW: u32 = 64 * 1024;

impl Preview {
    pub fn of(media_type: &str) -> Option<Self> {
        let (kind, subtype) = media_type.split_once('/')?;
        match (kind, subtype) {
            // SVG can carry scripts: shown only through <img>, which never runs them.
            ("image", _) => Some(Self::Image),
            ("audio", _) => Some(Self::Audio),
            ("video", _) => Some(Self::Video),
            ("application", "pdf") => Some(Self::Pdf),
            // HTML too, as its source: never rendered.
            ("text", _) => Some(Self::Text),
            ("application", "json" | "xml" | "x-sh" | "toml" | "yaml" | "x-yaml") => Some(Self::Text),
            _ => None,
        }
    }
}

/// What the progress line says, in `lang`: "12.3 MB of 50.0 MB · 24% · 8.10 MB/s · 5 s left"
/// (the speed and the time left while it downloads at a known speed).
pub fn progress_text(held: u64, total: u64, speed: Option<f64>, lang: Lang) -> String {
    let texts = &lang.texts().files;
    let percent = (held * 100).checked_div(total).unwrap_or(100).to_string();
    let (template, speed, left) = match speed.filter(|s| held < total && *s >= 1.0) {
        Some(speed) => {
            let left = ((total - held) as f64 / speed).ceil() as u64;
            (texts.progress_speed, bytes_text(speed as u64, lang), duration_text(left, lang))
        }
        None => (texts.progress, String::new(), String::new()),
    };
    let (held, total) = (bytes_text(held, lang), bytes_text(total, lang));
    let places = [
        ("held", held.as_str()),
        ("total", total.as_str()),
        ("percent", percent.as_str()),
        ("speed", speed.as_str()),
        ("left", left.as_str()),
    ];
    fill(template, &places)
}

/// Why a file could not be saved or previewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// A chunk does not open with the link's key.
    WrongKey,
    /// A chunk could not be read back from the browser's storage.
    Storage,
}

impl FileProblem {
    /// What the reader is told, in `t`'s language.
    pub fn text(self, t: &'static Texts) -> &'static str {
        match self {
            FileProblem::WrongKey => t.files.wrong_key,
            FileProblem::Storage => t.files.storage,
        }
    }
}

/// A file's preview, once it is here (made in the browser only).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), expect(dead_code))]
enum Shown {
    Url(String),
    Text(String),
}

#[component]
pub fn FilesPanel(state: PageState, pause: Callback<bool>) -> impl IntoView {
    let listed = Memo::new(move |_| state.listed_files());
    let files = move || state.snapshot.with(|s| s.files);
    let complete =
        move || files().is_some_and(|f| f.ready && f.progress.held_chunks == f.progress.total_chunks);
    let held = move || files().map_or(0, |f| f.progress.held_bytes);
    // What travels (an encrypted page's ciphertext): the bytes the progress counts.
    let total = move || {
        files()
            .map(|f| f.progress.total_bytes)
            .filter(|t| *t > 0)
            .unwrap_or_else(|| listed.with(|l| l.iter().flatten().map(|f| f.size).sum()))
    };
    let paused = move || files().is_some_and(|f| f.paused);
    // Other hosts: the page's count, without this tab once it hosts.
    let others = move || {
        state.snapshot.with(|s| {
            s.hosts.map(|n| if s.phase == crate::machine::Phase::Hosting { n.saturating_sub(1) } else { n })
        })
    };
    let previews = RwSignal::new(Vec::<(usize, Shown)>::new());
    // A file that cannot be put together (the link's key does not open a chunk).
    let failed = RwSignal::new(None::<FileProblem>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !complete() {
            return done.unwrap_or(false);
        }
        let Some(wire) = state.wire.get_untracked() else { return false };
        let Some(wanted) = listed.get() else { return false };
        let key = state.key();
        leptos::task::spawn_local(async move {
            for (i, file) in wanted.into_iter().enumerate() {
                let shown = match Preview::of(&file.media_type) {
                    None => continue,
                    Some(Preview::Text) => {
                        crate::lazy::files_text(wire.clone(), i as u32, key.clone(), TEXT_PREVIEW)
                            .await
                            .map(Shown::Text)
                    }
                    Some(_) => {
                        match crate::lazy::files_url(wire.clone(), i as u32, file.media_type, key.clone())
                            .await
                        {
                            Ok(url) => Some(Shown::Url(url)),
                            Err(e) => {
                                failed.set(Some(assemble_problem(e)));
                                None
                            }
                        }
                    }
                };
                if let Some(shown) = shown {
                    previews.update(|p| p.push((i, shown)));
                }
            }
        });
        true
    });
    let save = move |chosen: Vec<usize>| {
        #[cfg(feature = "hydrate")]
        if let (Some(wire), Some(all)) = (state.wire.get_untracked(), listed.get_untracked()) {
            let key = state.key();
            leptos::task::spawn_local(async move {
                for i in chosen {
                    let Some(file) = all.get(i).cloned() else { continue };
                    match crate::lazy::files_url(wire.clone(), i as u32, file.media_type, key.clone()).await {
                        Ok(url) => crate::browser::save_as(&url, &file.name),
                        Err(e) => failed.set(Some(assemble_problem(e))),
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = chosen;
    };
    let count = move || listed.with(|l| l.as_ref().map_or(0, Vec::len));
    view! {
        <section class="files" aria-label=tr(|t| t.files.label) data-testid="files">
            <div class="file-progress" data-testid="file-progress" data-complete=move || complete().to_string()>
                <progress max=move || total().max(1).to_string() value=move || held().to_string()
                    aria-label=tr(|t| t.files.downloaded)></progress>
                <p class="progress-text" data-testid="progress-text">
                    {move || progress_text(held(), total(), state.file_speed(), lang())}
                    {move || others().map(|n| lang().count(n as u64, t().files.others_one, t().files.others_other))}
                </p>
                {move || files().and_then(|f| super::direct::pieces_text(f.direct_chunks, f.relay_chunks, lang())).map(|text| {
                    view! { <p class="arrival" data-testid="pieces-arrival">{text}</p> }
                })}
                <Show when=move || !complete() && files().is_some()>
                    <button type="button" data-testid="pause" on:click=move |_| pause.run(!paused())>
                        {move || if paused() { t().files.resume } else { t().files.pause }}
                    </button>
                </Show>
                <Show when=move || { count() > 1 }>
                    <button type="button" data-testid="save-all" disabled=move || !complete()
                        on:click=move |_| save((0..count()).collect())>{tr(|t| t.files.save_all)}</button>
                </Show>
            </div>
            {move || failed.get().map(|why| view! { <p class="notice" role="alert" data-testid="files-error">{why.text(t())}</p> })}
            <ul class="file-list">
                {move || listed.get().map(|l| l.into_iter().enumerate().map(|(i, f)| file_row(i, f, previews, complete, save)).collect_view())}
            </ul>
        </section>
    }
}

/// One file's line: name, size, type, Save, and its preview once it is here.
fn file_row(
    i: usize,
    file: InnerEntry,
    previews: RwSignal<Vec<(usize, Shown)>>,
    complete: impl Fn() -> bool + Send + Sync + Copy + 'static,
    save: impl Fn(Vec<usize>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let shown = move || previews.with(|p| p.iter().find(|(at, _)| *at == i).map(|(_, s)| s.clone()));
    let kind = Preview::of(&file.media_type);
    let name = file.name.clone();
    let size = file.size;
    view! {
        <li data-testid="file">
            <span class="file-name">{file.name.clone()}</span>
            <span class="file-size">{move || bytes_text(size, lang())}</span>
            <span class="file-type">{file.media_type.clone()}</span>
            <button type="button" class="primary" data-testid="save" disabled=move || !complete()
                on:click=move |_| save(vec![i])>{tr(|t| t.files.save)}</button>
            {move || shown().map(|shown| match (kind, shown) {
                (_, Shown::Text(text)) => view! { <pre class="preview text-preview" data-testid="preview" tabindex="0">{text}</pre> }.into_any(),
                (Some(Preview::Image), Shown::Url(url)) => view! { <img class="preview" data-testid="preview" src=url alt=name.clone()/> }.into_any(),
                (Some(Preview::Audio), Shown::Url(url)) => view! { <audio class="preview" data-testid="preview" controls src=url></audio> }.into_any(),
                // The browser's own PDF viewer: the blob is typed application/pdf by the app, never sniffed.
                (Some(Preview::Pdf), Shown::Url(url)) => view! { <iframe class="preview pdf-preview" data-testid="preview" src=url title=name.clone()></iframe> }.into_any(),
                (_, Shown::Url(url)) => view! { <video class="preview" data-testid="preview" controls src=url></video> }.into_any(),
            })}
        </li>
    }
}

/// Why a file could not be saved or previewed.
#[cfg(feature = "hydrate")]
fn assemble_problem(error: crate::filestore::AssembleError) -> FileProblem {
    match error {
        crate::filestore::AssembleError::WrongKey => FileProblem::WrongKey,
        crate::filestore::AssembleError::Storage => FileProblem::Storage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_as_people_say_it() {
        let en = Lang::En;
        assert_eq!(progress_text(0, 50_000_000, None, en), "0 B of 50.0 MB · 0%");
        assert_eq!(
            progress_text(12_300_000, 50_000_000, Some(8_100_000.0), en),
            "12.3 MB of 50.0 MB · 24% · 8.10 MB/s · 5 s left"
        );
        assert_eq!(progress_text(50_000_000, 50_000_000, Some(1e6), en), "50.0 MB of 50.0 MB · 100%");
        assert_eq!(progress_text(0, 0, None, en), "0 B of 0 B · 100%");
        assert_eq!(progress_text(10, 100, Some(0.5), en), "10 B of 100 B · 10%", "too slow to tell");
    }

    #[test]
    fn file_problems_read_as_before() {
        let en = Lang::En.texts();
        assert_eq!(
            FileProblem::WrongKey.text(en),
            "A file does not open with this link's key. Ask whoever shared it for the whole link."
        );
        assert!(FileProblem::Storage.text(en).starts_with("A file could not be read back"));
    }

    #[test]
    fn images_audio_video_pdf_and_text_preview_and_nothing_else() {
        assert_eq!(Preview::of("image/png"), Some(Preview::Image));
        assert_eq!(Preview::of("audio/mpeg"), Some(Preview::Audio));
        assert_eq!(Preview::of("video/mp4"), Some(Preview::Video));
        assert_eq!(Preview::of("application/pdf"), Some(Preview::Pdf));
        assert_eq!(Preview::of("text/plain"), Some(Preview::Text));
        assert_eq!(Preview::of("text/html"), Some(Preview::Text), "shown as its source, never rendered");
        assert_eq!(Preview::of("application/json"), Some(Preview::Text));
        assert_eq!(Preview::of("application/zip"), None);
        assert_eq!(Preview::of("application/octet-stream"), None);
        assert_eq!(Preview::of("nonsense"), None);
    }
}
