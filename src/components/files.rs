//! A file page's files: each one's name, size and type, the download's
//! progress (bytes, percent, speed, time left, other hosts), pause and
//! resume, a Save button per file once it is here, and previews of images,
//! audio and video from `blob:` URLs (which the page's CSP allows for
//! media only; nothing in a file is ever run).

use crate::format::{bytes_text, duration_text};
use crate::manifest::Manifest;
use crate::state::PageState;
use leptos::prelude::*;

/// Whether a file of this media type is previewed in the page, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview {
    Image,
    Audio,
    Video,
}

impl Preview {
    pub fn of(media_type: &str) -> Option<Self> {
        match media_type.split_once('/')?.0 {
            // SVG can carry scripts: shown only through <img>, which never runs them.
            "image" => Some(Self::Image),
            "audio" => Some(Self::Audio),
            "video" => Some(Self::Video),
            _ => None,
        }
    }
}

/// What the progress line says: "12.3 MB of 50.0 MB · 24% · 8.10 MB/s · 5 s left".
pub fn progress_text(held: u64, total: u64, speed: Option<f64>) -> String {
    let percent = (held * 100).checked_div(total).unwrap_or(100);
    let mut text = format!("{} of {} · {percent}%", bytes_text(held), bytes_text(total));
    if held < total {
        if let Some(speed) = speed.filter(|s| *s >= 1.0) {
            let left = ((total - held) as f64 / speed).ceil() as u64;
            text.push_str(&format!(" · {}/s · {} left", bytes_text(speed as u64), duration_text(left)));
        }
    }
    text
}

#[component]
pub fn FilesPanel(state: PageState, pause: Callback<bool>) -> impl IntoView {
    let manifest = Memo::new(move |_| state.file_manifest());
    let files = move || state.snapshot.with(|s| s.files);
    let complete =
        move || files().is_some_and(|f| f.ready && f.progress.held_chunks == f.progress.total_chunks);
    let held = move || files().map_or(0, |f| f.progress.held_bytes);
    let total = move || manifest.with(|m| m.as_ref().map_or(0, Manifest::total_size));
    let paused = move || files().is_some_and(|f| f.paused);
    // Other hosts: the page's count, without this tab once it hosts.
    let others = move || {
        state.snapshot.with(|s| {
            s.hosts.map(|n| if s.phase == crate::machine::Phase::Hosting { n.saturating_sub(1) } else { n })
        })
    };
    let previews = RwSignal::new(Vec::<(usize, String)>::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !complete() {
            return done.unwrap_or(false);
        }
        let Some(wire) = state.wire.get_untracked() else { return false };
        let wanted: Vec<usize> = manifest.with_untracked(|m| {
            m.iter()
                .flat_map(|m| m.files().iter().enumerate())
                .filter(|(_, f)| Preview::of(&f.media_type).is_some())
                .map(|(i, _)| i)
                .collect()
        });
        leptos::task::spawn_local(async move {
            for i in wanted {
                if let Some(url) = crate::lazy::files_url(wire.clone(), i as u32).await {
                    previews.update(|p| p.push((i, url)));
                }
            }
        });
        true
    });
    let save = move |i: usize, name: String| {
        #[cfg(feature = "hydrate")]
        if let Some(wire) = state.wire.get_untracked() {
            leptos::task::spawn_local(async move {
                if let Some(url) = crate::lazy::files_url(wire, i as u32).await {
                    crate::browser::save_as(&url, &name);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (i, name);
    };
    view! {
        <section class="files" aria-label="Files" data-testid="files">
            <div class="file-progress" data-testid="file-progress" data-complete=move || complete().to_string()>
                <progress max=move || total().max(1).to_string() value=move || held().to_string()
                    aria-label="Downloaded"></progress>
                <p class="progress-text" data-testid="progress-text">
                    {move || progress_text(held(), total(), state.file_speed())}
                    {move || others().map(|n| format!(" · {n} other {}", if n == 1 { "host" } else { "hosts" }))}
                </p>
                <Show when=move || !complete() && files().is_some()>
                    <button type="button" data-testid="pause" on:click=move |_| pause.run(!paused())>
                        {move || if paused() { "Resume" } else { "Pause" }}
                    </button>
                </Show>
            </div>
            <ul class="file-list">
                {move || manifest.get().map(|m| m.files().iter().enumerate().map(|(i, f)| {
                    let name = f.name.clone();
                    let preview_url = move || previews.with(|p| p.iter().find(|(at, _)| *at == i).map(|(_, url)| url.clone()));
                    let kind = Preview::of(&f.media_type);
                    let alt = f.name.clone();
                    view! {
                        <li data-testid="file">
                            <span class="file-name">{f.name.clone()}</span>
                            <span class="file-size">{bytes_text(f.size)}</span>
                            <span class="file-type">{f.media_type.clone()}</span>
                            <button type="button" class="primary" data-testid="save" disabled=move || !complete()
                                on:click=move |_| save(i, name.clone())>"Save"</button>
                            {move || preview_url().map(|url| match kind {
                                Some(Preview::Image) => view! { <img class="preview" data-testid="preview" src=url alt=alt.clone()/> }.into_any(),
                                Some(Preview::Audio) => view! { <audio class="preview" data-testid="preview" controls src=url></audio> }.into_any(),
                                _ => view! { <video class="preview" data-testid="preview" controls src=url></video> }.into_any(),
                            })}
                        </li>
                    }
                }).collect_view())}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_as_people_say_it() {
        assert_eq!(progress_text(0, 50_000_000, None), "0 B of 50.0 MB · 0%");
        assert_eq!(
            progress_text(12_300_000, 50_000_000, Some(8_100_000.0)),
            "12.3 MB of 50.0 MB · 24% · 8.10 MB/s · 5 s left"
        );
        assert_eq!(progress_text(50_000_000, 50_000_000, Some(1e6)), "50.0 MB of 50.0 MB · 100%");
        assert_eq!(progress_text(0, 0, None), "0 B of 0 B · 100%");
    }

    #[test]
    fn images_audio_and_video_preview_and_nothing_else() {
        assert_eq!(Preview::of("image/png"), Some(Preview::Image));
        assert_eq!(Preview::of("audio/mpeg"), Some(Preview::Audio));
        assert_eq!(Preview::of("video/mp4"), Some(Preview::Video));
        assert_eq!(Preview::of("text/html"), None);
        assert_eq!(Preview::of("application/pdf"), None);
        assert_eq!(Preview::of("nonsense"), None);
    }
}
