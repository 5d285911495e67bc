//! The whole site: the relay's routes, the Leptos pages and server
//! functions, and the headers every response carries.

use crate::app::{shell, App};
use crate::assets::Assets;
use crate::state::SiteInfo;
use axum::http::{header, HeaderValue};
use axum::Router;
use ep2p_relay::{RawGateway, Relay};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::set_header::SetResponseHeaderLayer;

/// The app's routes, listed once per process. Listing them runs the app
/// with every resource held back by a process-wide flag (leptos_server's
/// `SuppressResourceLoad`): a page rendered meanwhile by another site in
/// the same process (the tests start many) would wait for its resources
/// forever (leptos-rs/leptos#4773). Once listed, the flag is never set again.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The site's router around `relay`. Pages and server functions can reach
/// the relay (for a page's host count), its raw gateway (for a page's text)
/// and the site's limits as context.
pub fn site(relay: &Relay, leptos_options: LeptosOptions) -> Router {
    let hashed = leptos_options.hash_files;
    let leptos_options_for_worker = leptos_options.clone();
    let test_lifetime = std::env::var(crate::state::TEST_LIFETIME_ENV).ok().and_then(|s| s.parse().ok());
    let site = SiteInfo { content_limit: relay.limits().content_limit, test_lifetime };
    // `/<hash>/raw` and the first responses share one gateway, hence one limit.
    let raw = RawGateway::new(relay.clone());
    let context = {
        let (relay, raw) = (relay.clone(), raw.clone());
        move || {
            provide_context(site);
            provide_context(relay.clone());
            provide_context(raw.clone());
        }
    };
    let pages = Router::new()
        .leptos_routes_with_context(&leptos_options, routes(), context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone(), site)
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<LeptosOptions, _>(
            context,
            move |options| shell(options, site),
        ))
        .with_state(leptos_options);
    let worker = service_worker(&leptos_options_for_worker);
    let worker = Router::new().route(
        "/sw.js",
        axum::routing::get(move || {
            let worker = worker.clone();
            async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        // Browsers check for a new worker on every visit.
                        (header::CACHE_CONTROL, "no-cache"),
                        // The worker's own policy: it fetches the shell from this origin, nothing else.
                        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; connect-src 'self'"),
                    ],
                    worker,
                )
            }
        }),
    );
    relay
        .router_with(&raw)
        .merge(pages)
        .merge(worker)
        .merge(grammars())
        .layer(axum::middleware::map_response_with_state(hashed, cache_static))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, static_header("nosniff")))
        // A page's address is its identity: never leak it to another site.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, static_header("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, static_header("DENY")))
        // Pages set their own policy (with the render's script nonce, see
        // response.rs); everything else may load nothing and be framed nowhere.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            static_header("default-src 'none'; frame-ancestors 'none'"),
        ))
}

/// The code view's grammars (`crate::code::GRAMMARS_PATH`), made once, on
/// the first request, and kept: a lazy part of the WASM fetches them the
/// first time a reader of this browser chooses the code view.
fn grammars() -> Router {
    static DUMP: std::sync::OnceLock<axum::body::Bytes> = std::sync::OnceLock::new();
    Router::new().route(
        crate::code::GRAMMARS_PATH,
        axum::routing::get(|| async {
            let dump = match DUMP.get() {
                Some(dump) => dump.clone(),
                None => {
                    let made =
                        tokio::task::spawn_blocking(crate::code::grammars_dump).await.unwrap_or_default();
                    DUMP.get_or_init(|| made.into()).clone()
                }
            };
            (
                [
                    (header::CONTENT_TYPE, "application/octet-stream"),
                    // They change only with the highlighter's version, which is this server's.
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                dump,
            )
        }),
    )
}

/// The service worker (`src/service_worker.js`) with this release's shell:
/// the homepage (its stylesheet inline), the app's script and WASM under their current
/// names, the parts of the WASM loaded when first used (`crate::lazy`),
/// the icons and the manifest. Its version is the files' hashes, so a new
/// release is a new worker, which replaces the old one and its cache.
fn service_worker(options: &LeptosOptions) -> String {
    let assets = Assets::of(options);
    let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let manifest =
        std::fs::read_to_string(pkg.join(assets.name("__wasm_split_manifest", "manifest", "json"))).ok();
    let (shell, version) = shell_files(options, assets, manifest.as_deref());
    include_str!("service_worker.js")
        .replace("__VERSION__", &version)
        .replace("__SHELL__", &serde_json::to_string(&shell).expect("strings serialize"))
}

/// What the service worker keeps, and its version, from the release's file
/// hashes (`hash.txt`: none for a development build) and the split WASM's
/// manifest (lazy part → its files; none for a build without `--split`).
fn shell_files(options: &LeptosOptions, assets: &Assets, manifest: Option<&str>) -> (Vec<String>, String) {
    let (name, pkg, hashes) = (&options.output_name, &options.site_pkg_dir, &assets.hashes);
    let file = |kind: &str| assets.file(options, name, kind);
    let mut shell = vec!["/".to_owned(), file("js"), file("wasm")];
    // The parts' files (names already hashed) and their loader.
    let parts: std::collections::BTreeMap<String, Vec<String>> =
        manifest.and_then(|text| serde_json::from_str(text).ok()).unwrap_or_default();
    if !parts.is_empty() {
        shell.push(format!("/{pkg}/{}", assets.name("__wasm_split", "split", "js")));
        let files: std::collections::BTreeSet<&String> = parts.values().flatten().collect();
        shell.extend(files.into_iter().map(|stem| format!("/{pkg}/{stem}.wasm")));
    }
    shell.extend(
        ["manifest.webmanifest", "favicon.svg", "icon.svg", "icon-192.png", "icon-512.png"]
            .map(|asset| format!("/assets/{asset}")),
    );
    let version = if hashes.is_empty() {
        // Unhashed (development) files change without changing names: a new
        // worker for every server start.
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        format!("dev-{}", started.as_millis())
    } else {
        ["js", "wasm", "css", "split"]
            .iter()
            .filter_map(|kind| hashes.get(*kind).cloned())
            .collect::<Vec<_>>()
            .join("-")
    };
    (shell, version)
}

/// The app's files under `/pkg/`: with hashed names (a new name for every
/// new content) cached for a year and never revalidated; without, always
/// revalidated.
async fn cache_static(
    axum::extract::State(hashed): axum::extract::State<bool>,
    uri: axum::http::Uri,
    mut response: axum::response::Response,
) -> axum::response::Response {
    if uri.path().starts_with("/pkg/") && response.status().is_success() {
        let policy = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, static_header(policy));
    }
    response
}

fn static_header(value: &'static str) -> HeaderValue {
    HeaderValue::from_static(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_holds_every_part_of_a_split_build_once_and_its_loader() {
        let options = LeptosOptions::builder().output_name("app").site_pkg_dir("pkg").build();
        let hashes = [("js", "J"), ("wasm", "W"), ("css", "C"), ("split", "S"), ("manifest", "M")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let assets = Assets { hashes };
        let manifest = r#"{"chat_1":["chunk_1.a","split_chat_1.b"],"qr_2":["chunk_1.a","split_qr_2.c"]}"#;
        let (shell, version) = shell_files(&options, &assets, Some(manifest));
        assert_eq!(
            shell[..7],
            [
                "/",
                "/pkg/app.J.js",
                "/pkg/app.W.wasm",
                "/pkg/__wasm_split.S.js",
                "/pkg/chunk_1.a.wasm",
                "/pkg/split_chat_1.b.wasm",
                "/pkg/split_qr_2.c.wasm",
            ]
        );
        assert_eq!(shell.len(), 12, "and the five assets: {shell:?}");
        assert_eq!(version, "J-W-C-S");
        // A build without --split has no parts and no loader.
        let (unsplit, _) = shell_files(&options, &assets, None);
        assert!(unsplit.iter().all(|f| !f.contains("split")), "{unsplit:?}");
        assert_eq!(unsplit.len(), 8);
    }
}
