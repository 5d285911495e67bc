//! `GET /ice` against the real server: what a browser is handed to make
//! direct connections (SPEC §14): nothing but `direct` by default, the
//! STUN servers and time-limited TURN credentials in coturn's REST scheme
//! when configured, `direct: false` with `--direct off`; and an address
//! asking too often is refused while another is still answered.

use ep2p_relay::ice::{turn_credential, TURN_TTL};
use ep2p_relay::IceServers;
use ep2p_testkit::*;
use serde_json::{json, Value};

fn answer(response: &HttpResponse) -> Value {
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    serde_json::from_str(&response.body).unwrap()
}

#[tokio::test]
async fn a_browser_is_handed_stun_servers_and_turn_credentials_that_expire() {
    let server = TestServer::default().await;
    let plain = answer(&http_get(&server.url("/ice")).await);
    assert_eq!(plain["direct"], true);
    assert_eq!(plain["iceServers"], json!([]));
    assert_eq!(plain["iceTransportPolicy"], "all");
    server.stop().await;

    let urls = ["stun:198.18.0.1:3478".to_string(), "turn:198.18.0.1:3478?transport=udp".to_string()];
    let ice = IceServers::new(&urls, Some("north-wind".into())).unwrap().relay_transport(true).unwrap();
    let server = TestServer::start(config(|c| c.ice = ice)).await;
    let before = ep2p_relay::wall_ms() / 1000;
    let first = answer(&http_get(&server.url("/ice")).await);
    let second = answer(&http_get(&server.url("/ice")).await);
    assert_eq!(first["iceServers"][0], json!({ "urls": ["stun:198.18.0.1:3478"] }));
    assert_eq!(first["iceTransportPolicy"], "relay");
    let turn = &first["iceServers"][1];
    assert_eq!(turn["urls"], json!(["turn:198.18.0.1:3478?transport=udp"]));
    let username = turn["username"].as_str().unwrap();
    let (expiry, id) = username.split_once(':').unwrap();
    let expiry: u64 = expiry.parse().unwrap();
    assert!((before + TURN_TTL.as_secs()..=before + TURN_TTL.as_secs() + 5).contains(&expiry));
    assert_eq!(first["expires"], expiry * 1000);
    // What coturn computes from its static-auth-secret for this username.
    assert_eq!(turn["credential"], turn_credential("north-wind", expiry, id).1);
    assert_ne!(second["iceServers"][1]["username"], turn["username"], "one name per answer");
    assert!(!first.to_string().contains("north-wind"), "the secret never leaves the server");
}

#[tokio::test]
async fn with_direct_off_the_browser_is_told_to_use_the_relay_only() {
    let urls = ["stun:198.18.0.1:3478".to_string()];
    let ice = IceServers::new(&urls, None).unwrap();
    let server = TestServer::start(config(|c| {
        c.ice = ice;
        c.hub.direct = false;
    }))
    .await;
    let off = answer(&http_get(&server.url("/ice")).await);
    assert_eq!(off["direct"], false);
    assert_eq!(off["iceServers"], json!([]));
}

#[tokio::test]
async fn an_address_asking_too_often_is_refused_while_another_is_answered() {
    let server = TestServer::start(config(|c| c.limits.raw_per_second = 2)).await;
    let greedy = Some(source_ip(1));
    let mut refused = 0;
    for _ in 0..20 {
        let response = http_from(reqwest::Method::GET, &server.url("/ice"), greedy).await;
        if response.status == 429 {
            assert_eq!(response.header("retry-after"), Some("1"));
            refused += 1;
        }
    }
    assert!(refused >= 14, "a burst of 4, then refused: {refused} of 20");
    let honest = http_from(reqwest::Method::GET, &server.url("/ice"), Some(source_ip(2))).await;
    assert_eq!(answer(&honest)["direct"], true);
    assert!(server.metric("ep2p_rejected_total{reason=\"rate_limited\"}").await >= 14);
}
