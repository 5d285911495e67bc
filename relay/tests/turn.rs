//! The TURN credentials `GET /ice` hands out are the ones a real coturn
//! (Debian's, `use-auth-secret`) accepts: inside a network namespace of the
//! test's own (`scripts/netns.sh`, as SPEC §14's tests must be), coturn
//! runs with the relay's secret and coturn's own client allocates with the
//! relay's username and password and sends through it; a wrong password and
//! an expired username are refused. Needs root and coturn
//! (`scripts/setup.sh --tests` installs it).

use ep2p_relay::ice::turn_credential;
use ep2p_relay::IceServers;
use ep2p_testkit::*;
use serde_json::Value;
use std::process::Command;

const SECRET: &str = "a secret only coturn and the relay know";
const NETNS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/netns.sh");

/// Inside the namespace: coturn on 198.18.0.1, then one allocation (and
/// five messages through it) per `USER PASSWORD` pair given, each exit
/// status printed; coturn is stopped however this ends.
const ALLOCATE: &str = r#"
turnserver -n --listening-ip=198.18.0.1 --relay-ip=198.18.0.1 --use-auth-secret \
  --static-auth-secret="$SECRET" --realm=test --no-tls --no-dtls -p 3478 --no-cli \
  --log-file=stdout --allowed-peer-ip=198.18.0.0-198.19.255.255 > /dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do ss -lun | grep -q 198.18.0.1:3478 && break; sleep 0.1; done
while [ $# -gt 0 ]; do
  timeout 20 turnutils_uclient -u "$1" -w "$2" -e 198.18.0.1 -n 5 -m 1 -y 198.18.0.1 > /dev/null 2>&1 && echo ok || echo refused
  shift 2
done
"#;

fn require(tool: &str) {
    let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().unwrap();
    assert!(found.status.success(), "{tool} is not installed: run scripts/setup.sh --tests");
}

#[tokio::test]
async fn coturn_accepts_the_credentials_the_relay_hands_out_and_refuses_others() {
    require("turnserver");
    require("turnutils_uclient");
    let urls = ["turn:198.18.0.1:3478?transport=udp".to_string()];
    let ice = IceServers::new(&urls, Some(SECRET.into())).unwrap();
    let server = TestServer::start(config(|c| c.ice = ice)).await;
    let answer: Value = serde_json::from_str(&http_get(&server.url("/ice")).await.body).unwrap();
    let turn = &answer["iceServers"][0];
    let (username, password) = (turn["username"].as_str().unwrap(), turn["credential"].as_str().unwrap());

    let past = ep2p_relay::wall_ms() / 1000 - 60;
    let (expired, expired_password) = turn_credential(SECRET, past, "late");
    let out = Command::new(NETNS)
        .args(["bash", "-c", ALLOCATE, "allocate"])
        .args([username, password, username, "not-the-password", &expired, &expired_password])
        .env("SECRET", SECRET)
        .output()
        .expect("scripts/netns.sh runs (as root)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.lines().collect::<Vec<_>>(), ["ok", "refused", "refused"]);
}
