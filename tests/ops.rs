//! What an operator installs from `ops/`: the service unit, the alert rules
//! and the dashboard, checked by the tools that will read them
//! (`systemd-analyze`, `promtool`) and against the real server: the unit's
//! environment alone runs it, SIGTERM stops it the way the unit expects,
//! and every metric the rules and the dashboard name is one it serves.

use ep2p_testkit::{http_get, Client, ServerProcess, TestServer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const UNIT: &str = include_str!("../ops/ephemeral-p2p.service");
const ENV_FILE: &str = include_str!("../ops/ephemeral-p2p.env");
const RULES: &str = include_str!("../ops/prometheus/ephemeral-p2p.rules.yml");
const RULE_TESTS: &str = include_str!("../ops/prometheus/ephemeral-p2p.rules.test.yml");
const DASHBOARD: &str = include_str!("../ops/grafana/ephemeral-p2p.json");

/// A tool `scripts/setup.sh --tests` installs.
fn tool(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
        .unwrap_or_else(|| panic!("{name} is not installed: run scripts/setup.sh --tests"))
}

/// Runs `command`: its stdout and stderr, and whether it succeeded.
fn run(command: &mut Command) -> (bool, String, String) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// Every value the unit sets for `key`, in order.
fn directive<'a>(key: &str) -> Vec<&'a str> {
    UNIT.lines().filter_map(|line| line.strip_prefix(key)?.strip_prefix('=')).collect()
}

/// The unit as `systemd-analyze` may read it here: the same file, its
/// program the server this test suite built, under both names the install
/// gives it (the service and the template).
fn installed_unit() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let unit: String = UNIT
        .lines()
        .map(|line| {
            if line.starts_with("ExecStart=") {
                format!("ExecStart={}\n", env!("CARGO_BIN_EXE_ephemeral_p2p"))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    for name in ["ephemeral-p2p.service", "ephemeral-p2p@.service"] {
        std::fs::write(dir.path().join(name), &unit).unwrap();
    }
    dir
}

#[test]
fn the_service_unit_passes_systemd_analyze_verify_as_a_service_and_as_a_template() {
    let analyze = tool("systemd-analyze");
    let dir = installed_unit();
    for name in ["ephemeral-p2p.service", "ephemeral-p2p@2.service"] {
        let (ok, out, err) = run(Command::new(&analyze).arg("verify").arg(dir.path().join(name)));
        // verify exits 0 on unknown keys and bad values: its warnings are the failures.
        assert!(ok && err.trim().is_empty() && out.trim().is_empty(), "{name}:\n{out}{err}");
    }
    assert_eq!(
        directive("ExecStart"),
        ["/opt/ephemeral-p2p/ephemeral_p2p"],
        "where scripts/install.sh puts it"
    );
}

#[test]
fn the_service_unit_is_hardened_sized_for_the_cap_and_scored_as_the_readme_says() {
    for required in [
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "Restart=on-failure",
        "KillSignal=SIGTERM",
    ] {
        assert!(UNIT.lines().any(|line| line == required), "{required} missing");
    }
    // One open file per connection, and room for HTTP requests, Redis and files.
    let files: usize = directive("LimitNOFILE")[0].parse().unwrap();
    let cap = ep2p_relay::Limits::default().max_connections;
    assert!(files >= cap + 1024, "LimitNOFILE={files} for {cap} connections");
    // systemd waits for the relay's whole drain before it kills.
    let stop = stop_timeout();
    assert!(stop > ep2p_relay::SHUTDOWN_GRACE, "TimeoutStopSec={stop:?}");

    let dir = installed_unit();
    let (ok, out, err) = run(Command::new(tool("systemd-analyze"))
        .args(["security", "--offline=true", "--no-pager"])
        .arg(dir.path().join("ephemeral-p2p.service")));
    assert!(ok, "{out}{err}");
    let verdict = out
        .lines()
        .find_map(|line| line.split("Overall exposure level for ephemeral-p2p.service: ").nth(1))
        .unwrap_or_else(|| panic!("no overall exposure level:\n{out}"));
    let mut words = verdict.split_whitespace();
    let score: f64 = words.next().unwrap().parse().unwrap();
    assert!(score <= 2.0, "exposure {verdict}: the unit lost its hardening");
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let said = format!("exposure level **{score:.1} {}**", words.next().unwrap());
    assert!(readme.contains(&said), "README.md should say {said:?} (systemd-analyze security)");
}

/// What systemd hands the server: the unit's `Environment=`, then the
/// environment file `settings` (comments skipped), each value through
/// `path` (where the release's files are), and a port of its own.
fn service_environment(path: impl Fn(&str) -> String, settings: &str) -> BTreeMap<String, String> {
    let file = settings.lines().filter(|line| !line.trim_start().starts_with('#'));
    let mut env: BTreeMap<String, String> = directive("Environment")
        .into_iter()
        .chain(file)
        .flat_map(str::split_whitespace)
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_string(), path(value)))
        .collect();
    env.insert("EP2P_ADDR".into(), "127.0.0.1:0".into());
    env
}

/// How long systemd waits after SIGTERM before it kills (`TimeoutStopSec`).
fn stop_timeout() -> std::time::Duration {
    ephemeral_p2p::config::parse_duration(directive("TimeoutStopSec")[0]).unwrap()
}

#[tokio::test]
async fn the_units_environment_alone_runs_the_server_and_sigterm_closes_sockets_with_1001_in_time() {
    // What systemd gives the process: the unit's Environment=, then the
    // example file's settings; nothing else, in an empty working directory.
    let mut env = service_environment(str::to_string, ENV_FILE);
    assert_eq!(env.get("EP2P_LOG_FORMAT").map(String::as_str), Some("json"));
    assert_eq!(env.get("LEPTOS_SITE_ROOT").map(String::as_str), Some("/opt/ephemeral-p2p/site"));
    env.insert("LEPTOS_SITE_ROOT".into(), format!("{ROOT}/target/site"));
    env.insert("EP2P_MAX_CONNECTIONS".into(), "1234".into());
    let cwd = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ephemeral_p2p"));
    command.env_clear().envs(&env).current_dir(cwd.path());
    let server = ServerProcess::spawn(command).await.expect("the server starts from its environment");

    let line: serde_json::Value = serde_json::from_str(&server.listening_line)
        .unwrap_or_else(|e| panic!("EP2P_LOG_FORMAT=json logs JSON ({e}): {}", server.listening_line));
    assert_eq!(line["level"], "INFO");
    assert!(line["message"].as_str().unwrap().starts_with("listening on http://127.0.0.1:"), "{line}");
    assert_eq!(http_get(&server.url("/healthz")).await.body.trim(), "ok");
    let metrics = ep2p_testkit::scrape(server.addr).await.unwrap();
    assert_eq!(metrics.get("ep2p_max_connections"), Some(&1234.0), "EP2P_MAX_CONNECTIONS reached the relay");
    assert_eq!(metrics.get("ep2p_cluster_enabled"), Some(&0.0));

    let mut client = Client::open(server.addr, None).await.unwrap();
    assert_eq!(client.heartbeat().await.status(), Some("ok"));
    let (_, status) = server.terminate(stop_timeout()).await.expect("stopped before systemd would kill it");
    assert!(status.success(), "a clean exit, not a failure systemd would restart: {status}");
    let close = client.closed_with().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1001, "browsers reconnect elsewhere after going away");
}

#[test]
fn the_alert_rules_pass_promtool_and_their_own_tests() {
    let promtool = tool("promtool");
    let dir = Path::new(ROOT).join("ops/prometheus");
    let (ok, out, err) =
        run(Command::new(&promtool).args(["check", "rules", "ephemeral-p2p.rules.yml"]).current_dir(&dir));
    assert!(ok && out.contains("SUCCESS"), "{out}{err}");
    let (ok, out, err) = run(Command::new(&promtool)
        .args(["test", "rules", "ephemeral-p2p.rules.test.yml"])
        .current_dir(&dir));
    assert!(ok && out.contains("SUCCESS"), "{out}{err}");
    for alert in [
        "Ep2pRelayDown",
        "Ep2pBackplaneDisconnected",
        "Ep2pRejectionsRising",
        "Ep2pFailoversRising",
        "Ep2pConnectionsNearCap",
    ] {
        assert!(RULES.contains(&format!("alert: {alert}\n")), "{alert} missing");
        assert!(RULE_TESTS.contains(alert), "{alert} has no promtool test");
    }
}

/// Every `ep2p_…` name in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    text.match_indices("ep2p_")
        .filter(|(at, _)| !text[..*at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        .map(|(at, _)| text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .collect()
}

#[tokio::test]
async fn every_metric_the_rules_and_the_dashboard_name_is_served_and_the_dashboard_shows_every_metric() {
    // A node of a site (its Redis unreachable: the metrics exist all the same).
    let config =
        ep2p_relay::RelayConfig { redis_url: Some("redis://127.0.0.1:9".into()), ..Default::default() };
    let server = TestServer::start(config).await;
    let text = http_get(&format!("http://{}/metrics", server.addr)).await.body;
    let served: BTreeSet<String> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split(['{', ' ']).next().map(str::to_string))
        .collect();
    assert!(served.contains("ep2p_time_to_content_seconds_bucket"), "{text}");
    assert!(text.contains("\nep2p_cluster_enabled 1\n"), "{text}");

    for (file, content) in [("rules", RULES), ("rule tests", RULE_TESTS), ("dashboard", DASHBOARD)] {
        let named = metric_names(content);
        assert!(named.len() > 5, "{file} names metrics");
        let unknown: Vec<_> = named.difference(&served).collect();
        assert!(unknown.is_empty(), "the {file} names metrics the relay does not serve: {unknown:?}");
    }
    // Every family the relay serves has a panel.
    let shown = metric_names(DASHBOARD);
    let families: Vec<&str> =
        text.lines().filter_map(|line| line.strip_prefix("# TYPE ")?.split(' ').next()).collect();
    for family in families {
        assert!(shown.iter().any(|name| name.starts_with(family)), "no panel shows {family}");
    }

    // Provisioning JSON: one datasource variable, unique panel ids, every
    // query filtered by the instance variable.
    let dashboard: serde_json::Value = serde_json::from_str(DASHBOARD).unwrap();
    assert_eq!(dashboard["uid"], "ephemeral-p2p");
    let mut ids = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        assert!(ids.insert(panel["id"].as_u64().unwrap()), "panel id {} twice", panel["id"]);
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"]["uid"], "${datasource}", "{}", panel["title"]);
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            assert!(expr.contains("instance=~\"$instance\""), "{}: {expr}", panel["title"]);
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_install_script_lays_out_a_release_that_serves_its_own_files_from_the_units_environment() {
    let release = Path::new(ROOT).join("target/release/ephemeral_p2p");
    assert!(release.is_file(), "needs the release build: cargo leptos build --release --precompress");
    let stage = tempfile::tempdir().unwrap();
    let install = || {
        let (ok, out, err) =
            run(Command::new(Path::new(ROOT).join("scripts/install.sh")).env("DESTDIR", stage.path()));
        assert!(ok, "{out}{err}");
    };
    install();
    let at = |path: &str| stage.path().join(path.trim_start_matches('/'));
    for name in ["ephemeral-p2p.service", "ephemeral-p2p@.service"] {
        assert_eq!(std::fs::read_to_string(at(&format!("/etc/systemd/system/{name}"))).unwrap(), UNIT);
    }
    // A second install (an upgrade) keeps the operator's settings.
    let settings = at("/etc/ephemeral-p2p/ephemeral-p2p.env");
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), ENV_FILE);
    std::fs::write(&settings, "EP2P_MAX_CONNECTIONS=77\n").unwrap();
    // A part of the release before, which an open tab may still ask for.
    let old_part = "/pkg/split_gone_1.0123456789abcdef.wasm";
    let installed = |path: &str| at(&format!("/opt/ephemeral-p2p/site{path}"));
    std::fs::write(installed(old_part), "a part of the release before").unwrap();
    install();
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), "EP2P_MAX_CONNECTIONS=77\n");
    assert!(installed(old_part).is_file(), "the release before's files stay for one upgrade");

    // Started as systemd would: the unit's environment (its /opt paths
    // under the stage), then the settings file, in the unit's working directory.
    let staged = |value: &str| value.replace("/opt/", &format!("{}/opt/", stage.path().display()));
    let env = service_environment(staged, &std::fs::read_to_string(&settings).unwrap());
    let mut command = tokio::process::Command::new(staged(directive("ExecStart")[0]));
    command.env_clear().envs(&env).current_dir(staged(directive("WorkingDirectory")[0]));
    let server = ServerProcess::spawn(command).await.expect("the installed server starts");
    let home = http_get(&server.url("/")).await;
    assert_eq!(home.status, 200);
    let files: BTreeSet<&str> =
        home.body.split('"').filter(|piece| piece.starts_with("/pkg/ephemeral_p2p.")).collect();
    assert!(files.len() >= 2, "the JS and WASM are linked: {files:?}");
    for file in files {
        assert_eq!(http_get(&server.url(file)).await.status, 200, "{file} is served from the installed site");
    }
    assert_eq!(
        http_get(&server.url(old_part)).await.status,
        200,
        "an open tab of the release before gets its part"
    );
    let metrics = ep2p_testkit::scrape(server.addr).await.unwrap();
    assert_eq!(metrics.get("ep2p_max_connections"), Some(&77.0), "the settings file is read");
    server.kill().await;
    // One upgrade later it is gone, and only files of this release stay.
    install();
    assert!(!installed(old_part).exists(), "files are kept for one upgrade, not forever");
    let built: BTreeSet<_> = std::fs::read_dir(Path::new(ROOT).join("target/site/pkg"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    let kept: BTreeSet<_> = std::fs::read_dir(installed("/pkg"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name != ".carried")
        .collect();
    assert_eq!(kept, built);
}
