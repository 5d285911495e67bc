//! The mirror as a real process against the real relay on 127.0.0.1:
//! hosting files, keeping pages alive, surviving its own restart and the
//! relay's, never keeping a lie, and waiting for pages nobody hosts.

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_core::sealed::{self, Key};
use ep2p_testkit::*;
use serde_json::json;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// A running `ep2p-mirror` and the lines it prints.
struct Mirror {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    seen: Vec<String>,
}

impl Mirror {
    fn spawn(server: &TestServer, dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ep2p-mirror"))
            .arg("--server")
            .arg(format!("http://{}", server.addr))
            .arg("--dir")
            .arg(dir)
            .args(args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines, seen: Vec::new() }
    }

    /// Waits for a printed line containing `text`.
    async fn says(&mut self, text: &str) -> String {
        let wait = async {
            while let Some(line) = self.lines.next_line().await.unwrap() {
                self.seen.push(line.clone());
                if line.contains(text) {
                    return line;
                }
            }
            panic!("the mirror exited before saying {text:?}; it said {:#?}", self.seen);
        };
        match tokio::time::timeout(PATIENCE * 3, wait).await {
            Ok(line) => line,
            Err(_) => panic!("the mirror never said {text:?}; it said {:#?}", self.seen),
        }
    }

    /// Ctrl-C: the mirror leaves its pages and exits cleanly.
    async fn interrupt(mut self) {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(status.success());
        self.says("stopped").await;
        let exit = tokio::time::timeout(PATIENCE, self.child.wait()).await.unwrap().unwrap();
        assert!(exit.success(), "{exit:?}");
    }
}

#[tokio::test]
async fn host_file_prints_its_link_and_serves_it() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "Hosted from a file 📄\nsecond line\n";
    let file = dir.path().join("note.txt");
    std::fs::write(&file, text).unwrap();
    let hash = PageHash::of(text);
    let mut mirror = Mirror::spawn(&server, &dir.path().join("pages"), &["host", file.to_str().unwrap()]);
    let link = mirror.says(&format!("link {hash}")).await;
    assert!(link.ends_with(&format!("http://{}/{hash}", server.addr)), "{link}");
    mirror.says(&format!("{hash} hosting (1 host)")).await;
    assert_eq!(fetch(&server, hash).await, text);
    mirror.interrupt().await;
}

#[tokio::test]
async fn keep_fetches_a_page_and_serves_it_after_its_host_left_and_after_a_restart() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "keep me alive";
    let hash = PageHash::of(text);
    let original = Host::spawn(&server, text).await;
    let mut mirror = Mirror::spawn(&server, dir.path(), &["keep", &format!("http://{}/{hash}", server.addr)]);
    mirror.says(&format!("saved {hash}")).await;
    mirror.says(&format!("{hash} hosting")).await;
    assert_eq!(std::fs::read_to_string(dir.path().join(format!("{hash}.txt"))).unwrap(), text);

    // The author goes away; the page stays.
    drop(original);
    mirror.says(&format!("{hash} hosting (1 host)")).await;
    assert_eq!(fetch(&server, hash).await, text);

    // The mirror restarts and re-hosts from its folder, with no host around.
    mirror.interrupt().await;
    eventually("the mirror's leave reaches the relay", || server.relay.hub().health(hash).hosts == 0).await;
    let mut again = Mirror::spawn(&server, dir.path(), &["run"]);
    again.says(&format!("{hash} hosting")).await;
    assert_eq!(fetch(&server, hash).await, text);
    again.interrupt().await;
}

#[tokio::test]
async fn a_kept_page_with_a_lifetime_is_dropped_from_the_folder_at_its_end() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let end = ep2p_clock::wall_ms() / 1000 + 3;
    let text = ep2p_core::lifetime::with_end(end, "the meeting is at three");
    let hash = PageHash::of(&text);
    let original = Host::spawn(&server, &text).await;
    let mut mirror = Mirror::spawn(&server, dir.path(), &["keep", &format!("http://{}/{hash}", server.addr)]);
    mirror.says(&format!("saved {hash}")).await;
    mirror.says(&format!("{hash} hosting")).await;
    let kept = dir.path().join(format!("{hash}.txt"));
    assert!(kept.exists());
    drop(original);

    // Its end comes: the mirror stops hosting it and lets its copy go, by its own clock.
    mirror.says(&format!("dropped {hash}: it is over")).await;
    assert!(ep2p_clock::wall_ms() / 1000 >= end, "not before its end");
    assert!(!kept.exists(), "the copy is gone from the folder");
    eventually("nobody hosts it", || server.relay.hub().health(hash).hosts == 0).await;
    mirror.interrupt().await;

    // Nothing of it is left for a restart to host again.
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_ep2p-mirror"))
        .arg("--dir")
        .arg(dir.path())
        .arg("list")
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(!list.contains(&hash.to_string()), "{list}");
}

#[tokio::test]
async fn the_mirror_reconnects_and_rehosts_after_the_relay_restarts() {
    let server = TestServer::default().await;
    let addr = server.addr;
    let dir = tempfile::tempdir().unwrap();
    let text = "outlives the relay";
    let hash = PageHash::of(text);
    let file = dir.path().join("page.txt");
    std::fs::write(&file, text).unwrap();
    let mut mirror = Mirror::spawn(&server, &dir.path().join("pages"), &["host", file.to_str().unwrap()]);
    mirror.says(&format!("{hash} hosting")).await;

    server.stop().await;
    mirror.says(&format!("{hash} reconnecting")).await;
    let server = TestServer::start_on(addr, Default::default()).await;
    mirror.says(&format!("{hash} hosting")).await;
    assert_eq!(fetch(&server, hash).await, text);
    mirror.interrupt().await;
}

#[tokio::test]
async fn a_lying_host_is_never_saved_and_the_true_page_is() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "the real page";
    let hash = PageHash::of(text);
    // A host that answers every request with the wrong text.
    let mut liar = Client::connect(&server, Vsn::V2).await;
    liar.join_ok(&have(hash)).await;
    let mut mirror = Mirror::spawn(&server, dir.path(), &["keep", &hash.to_string()]);
    liar.asked(hash).await;
    let lie = json!({ "content": "a forged page", "hash": hash.to_string() });
    let reply = liar.call(&have(hash), "content", lie).await;
    assert_eq!(reply.reason(), Some("hash mismatch"));
    mirror.says(&format!("{hash} nobody-hosting")).await;
    assert!(!dir.path().join(format!("{hash}.txt")).exists(), "the lie was not kept");

    let _honest = Host::spawn(&server, text).await;
    mirror.says(&format!("saved {hash}")).await;
    assert_eq!(std::fs::read_to_string(dir.path().join(format!("{hash}.txt"))).unwrap(), text);
    assert_eq!(mirror.seen.iter().filter(|l| l.starts_with("saved")).count(), 1);
    mirror.interrupt().await;
}

#[tokio::test]
async fn keep_waits_for_a_page_nobody_hosts_says_so_and_picks_it_up_when_a_host_appears() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "someone will bring it";
    let hash = PageHash::of(text);
    let mut mirror = Mirror::spawn(&server, dir.path(), &["keep", &hash.to_string()]);
    let line = mirror.says(&format!("{hash} nobody-hosting")).await;
    assert!(line.contains("waiting for someone who has it"), "{line}");
    // Still waiting a while later, and remembered across a restart.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(dir.path().join(format!("{hash}.wanted")).exists());
    mirror.interrupt().await;
    let mut mirror = Mirror::spawn(&server, dir.path(), &["run"]);
    mirror.says(&format!("{hash} nobody-hosting")).await;

    let _host = Host::spawn(&server, text).await;
    mirror.says(&format!("saved {hash}")).await;
    mirror.says(&format!("{hash} hosting (2 hosts)")).await;
    mirror.interrupt().await;
}

#[tokio::test]
async fn list_and_drop_manage_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::default().await;
    let file = dir.path().join("a.txt");
    std::fs::write(&file, "Title line\nbody").unwrap();
    let hash = PageHash::of("Title line\nbody");
    let pages = dir.path().join("pages");
    let mut mirror = Mirror::spawn(&server, &pages, &["host", file.to_str().unwrap()]);
    mirror.says(&format!("{hash} hosting")).await;
    mirror.interrupt().await;
    let wanted = PageHash::of("elsewhere");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ep2p-mirror"))
            .arg("--dir")
            .arg(&pages)
            .args(args)
            .output()
            .unwrap()
    };
    std::fs::write(pages.join(format!("{wanted}.wanted")), "").unwrap();
    let list = String::from_utf8(run(&["list"]).stdout).unwrap();
    assert!(list.contains(&format!("kept    {hash}")) && list.contains("Title line"), "{list}");
    assert!(list.contains(&format!("wanted  {wanted}")), "{list}");
    assert!(run(&["drop", &hash.to_string()]).status.success());
    let gone = run(&["drop", &hash.to_string()]);
    assert!(!gone.status.success());
    assert!(String::from_utf8(gone.stderr).unwrap().contains("is not in"));
    let bad = run(&["keep", "not-a-hash"]);
    assert!(String::from_utf8(bad.stderr).unwrap().contains("neither a page hash"));
}

/// `ep2p-mirror get …`: its exit status, stdout and stderr.
async fn get(server: &TestServer, args: &[&str]) -> (bool, String, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_ep2p-mirror"))
        .arg("--server")
        .arg(format!("http://{}", server.addr))
        .arg("get")
        .args(args)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(PATIENCE * 3, run).await.expect("get finishes").unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

#[tokio::test]
async fn host_encrypt_prints_a_link_with_its_key_and_hosts_only_ciphertext() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "Encrypted on the Pi 🔒\nsecond line\n";
    let file = dir.path().join("secret.txt");
    std::fs::write(&file, text).unwrap();
    let pages = dir.path().join("pages");
    let mut mirror = Mirror::spawn(&server, &pages, &["host", "--encrypt", file.to_str().unwrap()]);
    let line = mirror.says("link ").await;
    let link = line.rsplit(' ').next().unwrap().to_string();
    let (path, fragment) = link.split_once('#').expect("the link carries its key");
    let key = Key::from_fragment(fragment).unwrap().expect("a key");
    let hash = PageHash::parse(path.rsplit('/').next().unwrap()).unwrap();
    mirror.says(&format!("{hash} hosting (1 host)")).await;

    // What hosts hold, the relay forwards and the folder keeps is ciphertext
    // whose hash is the page's; the key is nowhere in the folder.
    let wire = fetch(&server, hash).await;
    assert!(sealed::is_sealed(&wire) && !wire.contains("Encrypted on the Pi"), "{wire}");
    assert_eq!(PageHash::of(&wire), hash);
    assert_eq!(sealed::open(&key, &wire).unwrap(), text);
    // Over plain HTTP too, an encrypted page is its ciphertext.
    let raw = http_get(&format!("http://{}/{hash}/raw", server.addr)).await;
    assert_eq!((raw.status, raw.body.as_str()), (200, wire.as_str()));
    let kept =
        std::fs::read_dir(&pages).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap());
    for content in kept {
        assert!(!content.contains(fragment) && !content.contains("Encrypted on the Pi"), "{content}");
    }
    let mut list = std::process::Command::new(env!("CARGO_BIN_EXE_ep2p-mirror"));
    let list = String::from_utf8(list.arg("--dir").arg(&pages).arg("list").output().unwrap().stdout).unwrap();
    assert!(list.contains(&format!("kept    {hash}")) && list.contains("(encrypted)"), "{list}");

    // get: the text with the key, a clear refusal without it or with another.
    let (ok, out, _) = get(&server, &[&link]).await;
    assert!(ok);
    assert_eq!(out, text);
    let (ok, out, err) = get(&server, &[path]).await;
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("is encrypted and the link has no key"), "{err}");
    let other = format!("{path}#{}", Key::generate());
    let (ok, out, err) = get(&server, &[&other]).await;
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("the key does not open this page"), "{err}");
    let (ok, _, err) = get(&server, &[&format!("{path}#not-a-key")]).await;
    assert!(!ok && err.contains("not a page key"), "{err}");
    // get never hosts: the mirror is still the only host.
    assert_eq!(server.relay.hub().health(hash).hosts, 1);
    mirror.interrupt().await;
}

#[tokio::test]
async fn get_opens_a_password_page_only_with_its_password() {
    let server = TestServer::default().await;
    let key = Key::generate();
    let text = "the safe's code is 4711";
    // The count is read from the page (a small one: this binary is unoptimised).
    let kdf = sealed::Kdf::Pbkdf2Sha256 { iterations: 10_000 };
    let wire = sealed::seal_with_password(&key, "open sesame", kdf, [9; sealed::NONCE_LEN], text).unwrap();
    assert!(wire.starts_with("ep2p1:pbkdf2-sha256:10000:"), "{wire}");
    let hash = PageHash::of(&wire);
    let _author = Host::spawn(&server, &wire).await;
    let link = format!("http://{}/{hash}#{key}", server.addr);

    let (ok, out, _) = get(&server, &[&link, "--password", "open sesame"]).await;
    assert!(ok);
    assert_eq!(out, text);
    // From stdin, as `--password -` reads it.
    let mut typed = Command::new(env!("CARGO_BIN_EXE_ep2p-mirror"))
        .args(["--server", &format!("http://{}", server.addr), "get", &link, "--password", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    typed.stdin.take().unwrap().write_all(b"open sesame\n").await.unwrap();
    let out = tokio::time::timeout(PATIENCE * 3, typed.wait_with_output()).await.unwrap().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), text);

    let (ok, out, err) = get(&server, &[&link]).await;
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("asks for a password") && err.contains("--password"), "{err}");
    let (ok, out, err) = get(&server, &[&link, "--password", "open sesame!"]).await;
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("the password does not open this page"), "{err}");
    // The password without the link's key opens nothing either.
    let other = format!("http://{}/{hash}#{}", server.addr, Key::generate());
    let (ok, _, err) = get(&server, &[&other, "--password", "open sesame"]).await;
    assert!(!ok && err.contains("the password does not open this page"), "{err}");
}

#[tokio::test]
async fn keep_of_an_encrypted_link_hosts_it_without_the_key() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let key = Key::generate();
    let text = "only the link's holders read this";
    let wire = sealed::seal(&key, text);
    let hash = PageHash::of(&wire);
    let original = Host::spawn(&server, &wire).await;
    let link = format!("http://{}/{hash}#{key}", server.addr);
    let mut mirror = Mirror::spawn(&server, dir.path(), &["keep", &link]);
    mirror.says(&format!("saved {hash}")).await;
    mirror.says(&format!("{hash} hosting")).await;
    let kept = std::fs::read_to_string(dir.path().join(format!("{hash}.txt"))).unwrap();
    assert_eq!(kept, wire, "kept encrypted, as fetched");
    let folder: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    for path in &folder {
        assert!(!std::fs::read_to_string(path).unwrap().contains(&key.to_string()), "{path:?} holds the key");
    }

    // The author leaves; the mirror keeps the page readable for the link's holders.
    drop(original);
    mirror.says(&format!("{hash} hosting (1 host)")).await;
    let (ok, out, _) = get(&server, &[&link]).await;
    assert!(ok);
    assert_eq!(out, text);
    mirror.interrupt().await;
}

#[tokio::test]
async fn get_says_when_nobody_hosts_a_page() {
    let server = TestServer::default().await;
    let hash = PageHash::of("gone");
    let (ok, out, err) = get(&server, &[&hash.to_string()]).await;
    assert!(!ok && out.is_empty());
    assert!(err.contains(&format!("nobody is hosting {hash}")), "{err}");
    let text = "plain and simple\n";
    let _host = Host::spawn(&server, text).await;
    let (ok, out, _) = get(&server, &[&PageHash::of(text).to_string()]).await;
    assert!(ok);
    assert_eq!(out, text);
}

#[tokio::test]
async fn a_mirrored_page_keeps_its_chat_in_its_folder_and_serves_the_history_after_a_restart() {
    use ep2p_core::chat::Message;
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "a page people talk about";
    let hash = PageHash::of(text);
    let file = dir.path().join("page.txt");
    std::fs::write(&file, text).unwrap();
    let mut mirror = Mirror::spawn(&server, &dir.path().join("pages"), &["host", file.to_str().unwrap()]);
    mirror.says(&format!("{hash} hosting")).await;

    // Two people say something; the mirror, a host, hears both and keeps them.
    let mut reader = Client::connect(&server, Vsn::V2).await;
    reader.join_ok(&have(hash)).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let said: Vec<Message> = ["first!", "second, with <b>markup</b> and 😀"]
        .iter()
        .enumerate()
        .map(|(i, t)| Message::plain(now + i as u64, "Reader", t).unwrap())
        .collect();
    for m in &said {
        let reply = reader.call(&have(hash), "chat", serde_json::to_value(m).unwrap()).await;
        assert_eq!(reply.status(), Some("ok"));
    }
    let chat_file = dir.path().join("pages").join(format!("{hash}.chat.json"));
    let kept =
        || std::fs::read(&chat_file).ok().and_then(|b| serde_json::from_slice::<Vec<Message>>(&b).ok());
    eventually("the mirror keeps the chat in its folder", || kept().as_ref() == Some(&said)).await;
    drop(reader);

    // Restarted with nobody else around, it still has the conversation.
    mirror.interrupt().await;
    eventually("everyone left", || server.relay.hub().health(hash).hosts == 0).await;
    let mut again = Mirror::spawn(&server, &dir.path().join("pages"), &["run"]);
    again.says(&format!("{hash} hosting")).await;
    let mut newcomer = Client::connect(&server, Vsn::V1).await;
    newcomer.join_ok(&have(hash)).await;
    newcomer.push(&have(hash), "chat_history", json!({})).await;
    let history = newcomer.event(&have(hash), "chat_history").await;
    let messages: Vec<Message> = serde_json::from_value(history.payload["messages"].clone()).unwrap();
    assert_eq!(messages, said);
    again.interrupt().await;
}

/// `len` bytes that are not UTF-8 (so `host` makes them a file page), no
/// two 256 KiB chunks alike.
fn binary_file(len: usize) -> Vec<u8> {
    let mut data = noise(len, 0x2545_f491);
    data[0] = 0xff;
    data
}

/// The file page's hash in a `link <hash> <url>` line.
fn linked(line: &str) -> PageHash {
    PageHash::parse(line.split_whitespace().nth(1).unwrap()).unwrap()
}

#[tokio::test]
async fn a_file_is_hosted_from_where_it_is_kept_by_another_mirror_and_saved_by_get() {
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    let data = binary_file(1_500_000);
    let original = dir.path().join("photo.raw");
    std::fs::write(&original, &data).unwrap();
    let mut author = Mirror::spawn(&server, &dir.path().join("a"), &["host", original.to_str().unwrap()]);
    let hash = linked(&author.says("link ").await);
    author.says(&format!("{hash} hosting files: 1500000 bytes, complete")).await;
    // Nothing was copied into the author's folder: it reads the file where it is.
    assert!(!dir.path().join("a").join(format!("{hash}.chunks")).exists());

    let mut keeper = Mirror::spawn(&server, &dir.path().join("k"), &["keep", &hash.to_string()]);
    keeper.says(&format!("{hash} hosting files: 1500000 bytes, complete")).await;
    let kept = std::fs::read_dir(dir.path().join("k").join(format!("{hash}.chunks"))).unwrap().count();
    assert_eq!(kept, 6, "six chunks of 256 KiB, kept as they came");
    author.interrupt().await;
    eventually("only the keeper hosts it", || server.relay.health(hash).hosts == 1).await;

    // `get` saves it from the keeper alone; every chunk checked.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let link = format!("http://{}/{hash}", server.addr);
    let (ok, stdout, stderr) = get(&server, &[&link, "-o", out.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("saved"), "{stdout}");
    assert_eq!(std::fs::read(out.join("photo.raw")).unwrap(), data);
    assert!(!out.join(format!(".ep2p-{hash}")).exists(), "the chunks kept meanwhile are gone");
    // Again: the file is there, and `get` will not overwrite it.
    let (ok, _, stderr) = get(&server, &[&link, "-o", out.to_str().unwrap()]).await;
    assert!(!ok && stderr.contains("exists already"), "{stderr}");
    // Without -o, it says where the files would go.
    let (ok, _, stderr) = get(&server, &[&link]).await;
    assert!(!ok && stderr.contains("give -o DIR"), "{stderr}");
    keeper.interrupt().await;
}

#[tokio::test]
async fn get_resumes_a_file_after_it_was_killed() {
    // 1 MiB/s per socket: a 6 MiB file takes seconds, long enough to kill it mid-way.
    let server = TestServer::start(config(|c| c.limits.chunk_bytes_per_second = 1024 * 1024)).await;
    let dir = tempfile::tempdir().unwrap();
    let data = binary_file(6 * 1024 * 1024);
    let original = dir.path().join("video.bin");
    std::fs::write(&original, &data).unwrap();
    let mut author =
        Mirror::spawn(&server, &dir.path().join("a"), &["host", "--file", original.to_str().unwrap()]);
    let hash = linked(&author.says("link ").await);
    author.says("complete").await;

    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let part = out.join(format!(".ep2p-{hash}"));
    let mut first = Command::new(env!("CARGO_BIN_EXE_ep2p-mirror"))
        .args(["--server", &format!("http://{}", server.addr), "get", &hash.to_string(), "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let chunks = |part: &Path| {
        std::fs::read_dir(part).map_or(0, |d| {
            d.filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.')).count()
        })
    };
    eventually("a few chunks arrived", || chunks(&part) >= 4).await;
    first.kill().await.unwrap();
    let kept = chunks(&part);
    assert!((4..24).contains(&kept), "killed mid-way with {kept} of 24 chunks");

    let (ok, stdout, stderr) = get(&server, &[&hash.to_string(), "-o", out.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    assert!(stderr.contains(&format!("resuming: {kept} of 24 chunks")), "{stderr}");
    assert!(stdout.contains("saved"), "{stdout}");
    assert_eq!(std::fs::read(out.join("video.bin")).unwrap(), data);
    author.interrupt().await;
}

#[tokio::test]
async fn an_encrypted_file_page_carries_no_name_or_byte_in_the_clear_and_opens_with_its_key() {
    use ep2p_core::chunk::ChunkPayload;
    use ep2p_core::protocol::event;
    let server = TestServer::default().await;
    let dir = tempfile::tempdir().unwrap();
    // Recognisable bytes: a phrase repeated, which must never cross the relay.
    let data: Vec<u8> = b"\xffTOP SECRET PLANS ".iter().copied().cycle().take(700_000).collect();
    let original = dir.path().join("secret-plans.bin");
    std::fs::write(&original, &data).unwrap();
    let mut author =
        Mirror::spawn(&server, &dir.path().join("a"), &["host", "--encrypt", original.to_str().unwrap()]);
    let line = author.says("link ").await;
    let hash = linked(&line);
    let link = line.split_whitespace().nth(2).unwrap().to_string();
    assert!(link.contains('#'), "the link carries the key: {link}");
    author.says("complete").await;

    // What a visitor (and the relay) sees: no name, no plaintext.
    let mut v = Client::connect(&server, Vsn::V2).await;
    v.join_ok(&want(hash)).await;
    v.request(hash).await;
    let wire = v.content(hash).await;
    assert!(wire.starts_with("ep2p-sfiles1:") && !wire.contains("secret"), "{wire}");
    v.push(&want(hash), event::CHUNK_REQUEST, json!({"file": 0, "index": 0})).await;
    let chunk = v.event(&want(hash), event::CHUNK).await.bytes.unwrap();
    let payload = ChunkPayload::parse(&chunk).unwrap();
    assert_eq!(payload.data.len(), 256 * 1024);
    assert!(!payload.data.windows(10).any(|w| w == b"TOP SECRET"), "the chunk is ciphertext");

    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let bare = format!("http://{}/{hash}", server.addr);
    let (ok, _, stderr) = get(&server, &[&bare, "-o", out.to_str().unwrap()]).await;
    assert!(!ok && stderr.contains("has no key"), "{stderr}");
    let wrong = format!("{bare}#{}", Key::generate());
    let (ok, _, stderr) = get(&server, &[&wrong, "-o", out.to_str().unwrap()]).await;
    assert!(!ok && stderr.contains("another one"), "{stderr}");
    let (ok, stdout, stderr) = get(&server, &[&link, "-o", out.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("secret-plans.bin"), "{stdout}");
    assert_eq!(std::fs::read(out.join("secret-plans.bin")).unwrap(), data);
    author.interrupt().await;
}
