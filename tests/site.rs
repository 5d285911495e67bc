//! The whole site on 127.0.0.1:0 — the relay's routes inside the Leptos
//! app's router — as a browser or a curl sees it: the server-rendered host
//! count, and the headers every response carries.

use ep2p_core::protocol::PageHash;
use ep2p_relay::{Relay, RelayConfig};
use ep2p_testkit::{http_get, Host, TestServer};
use leptos::prelude::LeptosOptions;

async fn site() -> TestServer {
    TestServer::start_site("127.0.0.1:0".parse().unwrap(), RelayConfig::default(), |relay: &Relay| {
        let options = LeptosOptions::builder().output_name("ephemeral_p2p").build();
        ephemeral_p2p::server::site(relay, options)
    })
    .await
}

/// The site serving the files under `root`, laid out as cargo-leptos does.
async fn site_from(root: &std::path::Path) -> TestServer {
    let site_root = root.to_str().unwrap().to_string();
    TestServer::start_site("127.0.0.1:0".parse().unwrap(), RelayConfig::default(), move |relay: &Relay| {
        let options = LeptosOptions::builder().output_name("ephemeral_p2p").site_root(site_root).build();
        ephemeral_p2p::server::site(relay, options)
    })
    .await
}

#[tokio::test]
async fn the_ssr_shell_of_a_page_shows_its_host_count() {
    let server = site().await;
    let text = "counted in html";
    let hash = PageHash::of(text);
    let _a = Host::spawn(&server, text).await;
    let _b = Host::spawn(&server, text).await;
    let page = http_get(&server.url(&format!("/{hash}"))).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(">2 hosts<"), "{}", page.body);
    let empty = http_get(&server.url(&format!("/{}", PageHash::of("nobody")))).await;
    assert!(empty.body.contains(">0 hosts<"), "{}", empty.body);
}

#[tokio::test]
async fn pages_carry_a_strict_policy_with_this_renders_nonce_and_every_response_is_hardened() {
    let server = site().await;
    for path in ["/", &format!("/{}", PageHash::of("x"))] {
        let response = http_get(&server.url(path)).await;
        let policy = response.header("content-security-policy").expect("a CSP on pages");
        let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap();
        assert!(nonce.len() >= 16, "{policy}");
        // The hydration scripts carry the same nonce; nothing else inline may run.
        assert!(response.body.contains(&format!("nonce=\"{nonce}\"")), "{}", response.body);
        for part in [
            "default-src 'none'",
            "script-src 'self' 'nonce-",
            "'wasm-unsafe-eval'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            // A file page's previews: media and PDF from the tab's own blobs only.
            "media-src blob:;",
            "frame-src blob:;",
        ] {
            assert!(policy.contains(part), "{part} missing from {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
    }
    // Two renders, two nonces.
    let a = http_get(&server.url("/")).await;
    let b = http_get(&server.url("/")).await;
    assert_ne!(a.header("content-security-policy"), b.header("content-security-policy"));
    for path in ["/", "/healthz", "/metrics", "/not-a-page"] {
        let response = http_get(&server.url(path)).await;
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
        let policy = response.header("content-security-policy").unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{path}");
    }
    assert_eq!(http_get(&server.url("/not-a-page")).await.status, 404);
    let metrics = http_get(&server.url("/metrics")).await;
    assert_eq!(metrics.header("content-security-policy"), Some("default-src 'none'; frame-ancestors 'none'"));
    assert!(metrics.body.contains("ep2p_connections "), "{}", metrics.body);
}

#[tokio::test]
async fn pages_carry_the_stylesheet_inline_under_the_renders_nonce_and_link_none() {
    let root = tempfile::tempdir().unwrap();
    let pkg = root.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let css = pkg.join("ephemeral_p2p.css");
    std::fs::write(&css, "body > main { color: #123456 }").unwrap();
    let server = site_from(root.path()).await;
    for path in ["/", &format!("/{}", PageHash::of("styled")), "/not-a-page"] {
        let page = http_get(&server.url(path)).await;
        let policy = page.header("content-security-policy").unwrap();
        let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap();
        assert!(policy.contains(&format!("style-src 'nonce-{nonce}';")), "{policy}");
        // Verbatim (a `>` is a selector, not text to escape), once, and no request for it.
        let inline = format!(r#"<style nonce="{nonce}">body > main {{ color: #123456 }}</style>"#);
        assert_eq!(page.body.matches(&inline).count(), 1, "{path}: {}", page.body);
        assert!(!page.body.contains("stylesheet"), "{path}: {}", page.body);
    }
    // A development build's stylesheet changes under the same name while
    // the server runs: the next page has the new one.
    std::fs::write(&css, "main { color: red }").unwrap();
    assert!(http_get(&server.url("/")).await.body.contains(">main { color: red }</style>"));
}

#[tokio::test]
async fn the_site_serves_a_page_as_plain_text_beside_its_html() {
    let server = site().await;
    let text = "# A note\nread with curl ✓\n";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let raw = http_get(&server.url(&format!("/{hash}/raw"))).await;
    assert_eq!((raw.status, raw.body.as_str()), (200, text));
    assert_eq!(raw.header("content-security-policy"), Some("sandbox"));
    // The HTML page is still the app's.
    let page = http_get(&server.url(&format!("/{hash}"))).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
}

#[tokio::test]
async fn the_first_response_carries_the_text_a_host_sent_and_never_counts_as_a_host() {
    let server = site().await;
    let text = "In the first response, for readers without JavaScript";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    let page = http_get(&server.url(&format!("/{hash}"))).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!(r#"class="page-text">{text}</div>"#)), "{}", page.body);
    // Once: the hydrating app reads it back from the page, not from a second copy.
    assert_eq!(page.body.matches(text).count(), 1, "{}", page.body);
    assert!(page.body.contains(">1 host<"));
    // Neutral previews: the text is in the body, never in the head's metadata.
    let head = page.body.split("</head>").next().unwrap();
    assert!(!head.contains("readers without JavaScript"), "{head}");
    assert!(head.contains(r#"name="robots" content="noindex, nofollow""#), "{head}");
    assert_eq!(server.relay.health(hash).hosts, 1);
    assert_eq!(server.relay.connections(), 1, "the render's visitor is gone");
}

#[tokio::test]
async fn a_one_time_pages_first_response_is_its_door_and_its_author_is_never_asked() {
    let server = site().await;
    let secret = "only for the first who opens it";
    let text = ep2p_core::lifetime::once(secret);
    let hash = PageHash::of(&text);
    let mut author = ep2p_testkit::Client::connect(&server, ep2p_core::phoenix::Vsn::V2).await;
    let joined =
        author.try_join_with(&ep2p_testkit::have(hash), serde_json::json!({ "once": true })).await.unwrap();
    assert_eq!(joined.status(), Some("ok"), "{}", joined.raw);
    // Link previews and scanners fetch the page as it is rendered: each
    // gets the door and nothing of the text, and uses nothing up.
    for _ in 0..3 {
        let page = http_get(&server.url(&format!("/{hash}"))).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Open this one-time page"), "{}", page.body);
        assert!(!page.body.contains(secret), "{}", page.body);
    }
    assert_eq!(server.metric("ep2p_asks_total").await, 0, "its author was never asked");
    let health = server.relay.health(hash);
    assert!(health.one_time && health.hosts == 1, "still unread, still hosted: {health:?}");
}

#[tokio::test]
async fn a_first_response_wait_of_zero_asks_no_host_and_carries_no_text() {
    let mut config = RelayConfig::default();
    config.limits.first_response_wait = std::time::Duration::ZERO;
    let server = TestServer::start_site("127.0.0.1:0".parse().unwrap(), config, |relay: &Relay| {
        let options = LeptosOptions::builder().output_name("ephemeral_p2p").build();
        ephemeral_p2p::server::site(relay, options)
    })
    .await;
    let text = "an instant answer, never waited for";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&server, text).await;
    for _ in 0..20 {
        let page = http_get(&server.url(&format!("/{hash}"))).await;
        assert!(!page.body.contains(text), "{}", page.body);
        assert!(page.body.contains(">1 host<"));
    }
    assert_eq!(server.metric("ep2p_asks_total").await, 0, "no host was asked");
}

#[tokio::test]
async fn with_direct_connections_on_a_first_response_carries_only_a_small_page_and_a_big_one_is_not_asked_again(
) {
    for direct in [true, false] {
        let mut config = RelayConfig::default();
        config.hub.direct = direct;
        config.limits.first_response_most = 64;
        let server = TestServer::start_site("127.0.0.1:0".parse().unwrap(), config, |relay: &Relay| {
            let options = LeptosOptions::builder().output_name("ephemeral_p2p").build();
            ephemeral_p2p::server::site(relay, options)
        })
        .await;
        let small = "small enough for the first response";
        let big = "too big for the first response with direct connections on: it comes directly instead";
        let (_small_host, _big_host) = (Host::spawn(&server, small).await, Host::spawn(&server, big).await);
        let small_page = http_get(&server.url(&format!("/{}", PageHash::of(small)))).await;
        assert!(small_page.body.contains(small), "direct {direct}: {}", small_page.body);
        for render in 0..3 {
            let page = http_get(&server.url(&format!("/{}", PageHash::of(big)))).await;
            assert_eq!(page.body.contains(big), !direct, "direct {direct}, render {render}");
            assert!(page.body.contains(">1 host<"));
        }
        // With direct on, the big page's host was asked once: its size is remembered.
        let asks = if direct { 2 } else { 4 };
        assert_eq!(server.metric("ep2p_asks_total").await, asks, "direct {direct}");
    }
}

#[tokio::test]
async fn a_silent_host_delays_the_first_response_by_the_wait_at_most_and_it_comes_without_text() {
    let server = site().await;
    let hash = PageHash::of("hosted by someone who never answers");
    let mut silent = ep2p_testkit::Client::connect(&server, ep2p_core::phoenix::Vsn::V2).await;
    silent.join_ok(&ep2p_testkit::have(hash)).await;
    let started = std::time::Instant::now();
    let page = http_get(&server.url(&format!("/{hash}"))).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(r#"data-testid="page-text""#));
    assert!(page.body.contains(">1 host<"));
    // 250 ms of waiting, far less than the relay's 1 s deadline.
    assert!(started.elapsed() < std::time::Duration::from_millis(900), "{:?}", started.elapsed());
    // Nobody hosting: no wait at all, no text.
    let nobody = http_get(&server.url(&format!("/{}", PageHash::of("nobody has it")))).await;
    assert!(!nobody.body.contains(r#"data-testid="page-text""#));
}

#[tokio::test]
async fn the_apps_files_are_served_precompressed_and_hashed_ones_cached_for_a_year() {
    let root = tempfile::tempdir().unwrap();
    let pkg = root.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm = "ephemeral_p2p.0123abcd.wasm";
    std::fs::write(pkg.join(wasm), b"the plain bytes").unwrap();
    std::fs::write(pkg.join(format!("{wasm}.br")), b"brotli bytes").unwrap();
    std::fs::write(pkg.join(format!("{wasm}.gz")), b"gzip bytes").unwrap();
    let site_root = root.path().to_str().unwrap().to_string();
    for hashed in [true, false] {
        let site_root = site_root.clone();
        let server =
            TestServer::start_site("127.0.0.1:0".parse().unwrap(), RelayConfig::default(), move |relay| {
                let options = LeptosOptions::builder()
                    .output_name("ephemeral_p2p")
                    .site_root(site_root)
                    .hash_files(hashed)
                    .build();
                ephemeral_p2p::server::site(relay, options)
            })
            .await;
        let url = server.url(&format!("/pkg/{wasm}"));
        let br = ep2p_testkit::http_get_with(&url, &[("accept-encoding", "br, gzip")]).await;
        assert_eq!((br.status, br.header("content-encoding")), (200, Some("br")));
        let gz = ep2p_testkit::http_get_with(&url, &[("accept-encoding", "gzip")]).await;
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        let plain = ep2p_testkit::http_get_with(&url, &[("accept-encoding", "identity")]).await;
        assert_eq!((plain.header("content-encoding"), plain.body.as_str()), (None, "the plain bytes"));
        let cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        for response in [&br, &gz, &plain] {
            assert_eq!(response.header("cache-control"), Some(cache), "hashed: {hashed}");
        }
        // Pages are never cached that way.
        let page = http_get(&server.url("/")).await;
        assert_ne!(page.header("cache-control"), Some("public, max-age=31536000, immutable"));
    }
}

#[tokio::test]
async fn the_service_worker_lists_the_shell_the_site_serves_and_nothing_of_any_page() {
    // The repository's public/ files as the site root (as cargo-leptos copies them).
    let root = tempfile::tempdir().unwrap();
    let assets = root.path().join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    for file in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/public/assets")).unwrap() {
        let file = file.unwrap().path();
        std::fs::copy(&file, assets.join(file.file_name().unwrap())).unwrap();
    }
    let pkg = root.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for kind in ["js", "wasm", "css"] {
        std::fs::write(pkg.join(format!("ephemeral_p2p.{kind}")), kind).unwrap();
    }
    let server = site_from(root.path()).await;
    let worker = http_get(&server.url("/sw.js")).await;
    assert_eq!(worker.status, 200);
    assert_eq!(worker.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(
        worker.header("cache-control"),
        Some("no-cache"),
        "browsers look for a new release on every visit"
    );
    assert_eq!(worker.header("content-security-policy"), Some("default-src 'none'; connect-src 'self'"));
    let line = worker.body.lines().find(|l| l.starts_with("const SHELL = ")).expect("the shell's list");
    let shell: Vec<String> =
        serde_json::from_str(line.trim_start_matches("const SHELL = ").trim_end_matches(';')).unwrap();
    assert!(shell.contains(&"/".to_string()) && shell.contains(&"/assets/manifest.webmanifest".to_string()));
    for path in &shell {
        let file = http_get(&server.url(path)).await;
        assert_eq!(file.status, 200, "{path} is in the shell, so the site serves it");
    }
    assert!(
        shell.iter().all(|p| p == "/" || p.starts_with("/pkg/") || p.starts_with("/assets/")),
        "{shell:?}"
    );
    assert!(!worker.body.contains("/raw"), "pages are never cached");
    // The manifest names its icons, and every page links it.
    let manifest: serde_json::Value =
        serde_json::from_str(&http_get(&server.url("/assets/manifest.webmanifest")).await.body).unwrap();
    for icon in manifest["icons"].as_array().unwrap() {
        assert!(shell.contains(&icon["src"].as_str().unwrap().to_string()), "{icon}");
    }
    assert!(http_get(&server.url("/"))
        .await
        .body
        .contains(r#"<link rel="manifest" href="/assets/manifest.webmanifest""#));
}

#[tokio::test]
async fn the_code_views_grammars_are_served_once_made_and_cached_for_a_day() {
    let server = site().await;
    for _ in 0..2 {
        let grammars = http_get(&server.url(ephemeral_p2p::code::GRAMMARS_PATH)).await;
        assert_eq!(grammars.status, 200);
        assert_eq!(grammars.headers["content-type"], "application/octet-stream");
        assert_eq!(grammars.headers["cache-control"], "public, max-age=86400");
        assert!(grammars.body.len() > 100_000, "{}", grammars.body.len());
    }
}
