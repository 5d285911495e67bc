//! A file page's chunks over direct connections: asked of the connected
//! host, checked, handed to the relay from where they stopped, and served
//! by hosts to the visitors connected to them.

use super::tests::{asked_the_relay, join_ok, pushes, reply, reports, signal_in, to_glue, ON, SDP};
use super::*;
use crate::channel::MOST_ASKED_PER_PEER;
use crate::chunk::ChunkId;
use crate::client::test_frames::server;
use crate::client::Event;
use crate::machine::FileRole;
use crate::protocol::Content;
use crate::signal::{HostEvent, Signal, Why};
use crate::transfer::tests::{asked_chunks, chunk_frame, file, join_ref_of, ok, payload, TestFile, CHUNKS};
use crate::transfer::DIRECT_STALL_MS;

fn visitor_event(event: VisitorEvent) -> Event {
    Event::Direct(DirectEvent::Visitor(event))
}

fn answer(bytes: Vec<u8>) -> Event {
    Event::Direct(DirectEvent::Answer(bytes))
}

fn asked_directly(commands: &[Command]) -> Vec<u32> {
    to_glue(commands)
        .into_iter()
        .filter_map(|c| match c {
            DirectCommand::AskChunk(id) => Some(id.index),
            _ => None,
        })
        .collect()
}

fn closes(commands: &[Command]) -> bool {
    to_glue(commands).contains(&DirectCommand::Visitor(VisitorCommand::Close))
}

/// The relay's copy of the manifest on want:H.
fn manifest_from_relay(hash: crate::protocol::PageHash, wire: &str) -> Event {
    let content = serde_json::to_string(&Content { content: wire.into(), hash: None }).unwrap();
    server(None, None, Topic::Want(hash), event::CONTENT, &content)
}

/// A visitor of a file page that may connect directly: offered, paired
/// (peer 5), the channel open; what the opening brought.
fn connected() -> (Visitor, Vec<Command>, TestFile) {
    let f = file();
    let hash = f.3;
    let (mut v, _) = Visitor::new(hash, None, 7);
    v.set_file_role(FileRole::Host);
    v.set_direct(ON);
    v.set_now(1_000);
    v.step(Event::Opened);
    let out = v.step(join_ok(Topic::Want(hash)));
    assert_eq!(to_glue(&out), [DirectCommand::Visitor(VisitorCommand::MakeOffer)]);
    let out = v.step(visitor_event(VisitorEvent::OfferMade(SDP.into())));
    let offer = pushes(&out)[0].0.clone().unwrap();
    v.step(reply(&offer, Topic::Want(hash), "ok", r#"{"peer":5}"#));
    let out = v.step(visitor_event(VisitorEvent::ChannelOpen));
    (v, out, f)
}

/// Connected, the manifest come over the channel and storage open (empty):
/// what was asked.
fn downloading_directly() -> (Visitor, Vec<Command>, TestFile) {
    let (mut v, out, f) = connected();
    assert_eq!(to_glue(&out), [DirectCommand::AskPage]);
    let got = v.step(answer(f.2.clone().into_bytes()));
    assert!(got.contains(&Command::OpenFiles));
    assert!(!closes(&got), "kept for the chunks");
    let have_ref = join_ref_of(&got, Topic::Have(f.3));
    let mut asked = v.step(Event::FilesReady(Vec::new()));
    asked.extend(v.step(ok(&have_ref, Topic::Have(f.3))));
    (v, asked, f)
}

#[test]
fn a_file_page_and_its_chunks_come_over_one_connection_and_nothing_through_the_relay() {
    let (mut v, asked, (data, tree, _, hash)) = downloading_directly();
    assert_eq!(v.snapshot().arrival, Some(Arrival::Direct));
    assert_eq!(asked_directly(&asked), [0, 1, 2, 3, 4]);
    assert!(asked_chunks(&asked).is_empty() && !asked_the_relay(&asked), "nothing through the relay");
    for index in 0..CHUNKS {
        let good = payload(&data, &tree, index);
        let out = v.step(answer(good.clone()));
        assert_eq!(out, vec![Command::StoreChunk(ChunkId::new(0, index), good)]);
        let out = v.step(Event::ChunkStored(ChunkId::new(0, index), true));
        let last = index + 1 == CHUNKS;
        assert_eq!(closes(&out), last, "closed once every chunk is here ({index})");
        assert!(asked_chunks(&out).is_empty() && !asked_the_relay(&out));
        if last {
            assert!(pushes(&out)
                .iter()
                .any(|(_, t, e, _)| *t == Topic::Want(hash).to_string() && e == "phx_leave"));
        }
    }
    let files = v.files().unwrap();
    assert_eq!((files.direct_chunks, files.relay_chunks), (5, 0));
    assert_eq!(files.progress.held_bytes, data.len() as u64);
}

#[test]
fn a_connection_that_breaks_mid_file_hands_what_is_missing_to_the_relay() {
    let (mut v, _, (data, tree, wire, hash)) = downloading_directly();
    for index in 0..2 {
        v.step(answer(payload(&data, &tree, index)));
        v.step(Event::ChunkStored(ChunkId::new(0, index), true));
    }
    let out = v.step(visitor_event(VisitorEvent::ChannelClosed));
    assert!(closes(&out));
    assert_eq!(v.snapshot().relay_why, Some(Why::Broke));
    assert_eq!(reports(&out), [r#"{"outcome":"broken"}"#]);
    assert!(asked_the_relay(&out), "the relay gets the manifest first");
    assert!(asked_chunks(&out).is_empty(), "no chunk before the relay has the manifest");
    let out = v.step(manifest_from_relay(hash, &wire));
    assert_eq!(asked_chunks(&out), [2, 3, 4], "from where it stopped");
    // A late chunk from the closed connection is not taken.
    assert!(v.step(answer(payload(&data, &tree, 2))).is_empty());
    for index in 2..CHUNKS {
        let good = payload(&data, &tree, index);
        assert_eq!(v.step(chunk_frame(hash, &good)), vec![Command::StoreChunk(ChunkId::new(0, index), good)]);
        v.step(Event::ChunkStored(ChunkId::new(0, index), true));
    }
    let files = v.files().unwrap();
    assert_eq!((files.direct_chunks, files.relay_chunks), (2, 3));
    assert_eq!(files.progress.held_bytes, data.len() as u64);
}

#[test]
fn a_host_sending_a_wrong_or_unasked_chunk_is_dropped_and_the_relay_takes_over() {
    let (mut v, _, (data, tree, wire, hash)) = downloading_directly();
    let mut bad = payload(&data, &tree, 1);
    *bad.last_mut().unwrap() ^= 1;
    let out = v.step(answer(bad));
    assert!(closes(&out) && asked_the_relay(&out));
    assert_eq!((v.snapshot().relay_why, v.files().unwrap().rejected), (Some(Why::Lied), 1));
    assert_eq!(asked_chunks(&v.step(manifest_from_relay(hash, &wire))), [0, 1, 2, 3, 4]);

    // Bytes that are no chunk, or a chunk nobody asked for, are lies too.
    for lie in [b"not a chunk".to_vec(), payload(&data, &tree, 0)] {
        let (mut v, _, _) = downloading_directly();
        v.step(answer(payload(&data, &tree, 0)));
        let out = v.step(answer(lie));
        assert!(closes(&out), "dropped");
        assert_eq!(v.snapshot().relay_why, Some(Why::Lied));
    }
}

#[test]
fn chunks_the_connected_host_lacks_go_through_the_relay_and_the_rest_stay_direct() {
    let (mut v, _, (_, _, wire, hash)) = downloading_directly();
    let out = v.step(Event::Direct(DirectEvent::NotHeld(ChunkId::new(0, 3))));
    assert!(asked_the_relay(&out) && !closes(&out));
    let out = v.step(manifest_from_relay(hash, &wire));
    assert_eq!(asked_chunks(&out), [3]);
    assert!(asked_directly(&out).is_empty(), "3 is not asked of that host again");
}

#[test]
fn a_connection_silent_for_five_seconds_is_given_up_for_the_relay() {
    let (mut v, asked, _) = downloading_directly();
    assert!(asked.contains(&Command::Schedule(Timer::Files, Duration::from_millis(DIRECT_STALL_MS))));
    v.set_now(1_000 + DIRECT_STALL_MS - 1);
    assert!(!closes(&v.step(Event::Timer(Timer::Files))));
    v.set_now(1_000 + DIRECT_STALL_MS);
    let out = v.step(Event::Timer(Timer::Files));
    assert!(closes(&out) && asked_the_relay(&out));
    assert_eq!(v.snapshot().relay_why, Some(Why::Broke));
}

#[test]
fn a_manifest_from_the_first_response_waits_for_the_direct_setting_then_chunks_come_directly() {
    let (_, _, wire, hash) = file();
    // The visitor, want:H's join ref, and what the setting brought.
    let start = |setting: DirectSetting| {
        let (mut v, _) = Visitor::new(hash, None, 7);
        v.set_file_role(FileRole::Host);
        v.await_direct();
        assert!(v.step(Event::Offered(wire.clone())).contains(&Command::OpenFiles));
        let opened = v.step(Event::Opened);
        let want_ref = join_ref_of(&opened, Topic::Want(hash));
        let mut out = v.step(Event::FilesReady(Vec::new()));
        out.extend(v.step(ok(&want_ref, Topic::Want(hash))));
        assert!(asked_chunks(&out).is_empty() && !asked_the_relay(&out), "waits for the setting");
        let out = v.set_direct(setting);
        (v, want_ref, out)
    };
    // Relay only: the relay gets the manifest, then is asked for every chunk.
    let (mut v, _, out) = start(DirectSetting { relay_only: true, ..ON });
    assert!(asked_the_relay(&out) && to_glue(&out).is_empty());
    assert_eq!(asked_chunks(&v.step(manifest_from_relay(hash, &wire))), [0, 1, 2, 3, 4]);
    // Direct: an offer, and once the channel opens, the chunks (not the page).
    let (mut v, want_ref, out) = start(ON);
    assert_eq!(to_glue(&out), [DirectCommand::Visitor(VisitorCommand::MakeOffer)]);
    let out = v.step(visitor_event(VisitorEvent::OfferMade(SDP.into())));
    let Some(crate::phoenix::Ref::Text(offer)) = pushes(&out)[0].0.clone() else { panic!("{out:?}") };
    let paired = r#"{"status":"ok","response":{"peer":2}}"#;
    v.step(server(Some(&want_ref), Some(&offer), Topic::Want(hash), event::REPLY, paired));
    let out = v.step(visitor_event(VisitorEvent::ChannelOpen));
    assert_eq!(asked_directly(&out), [0, 1, 2, 3, 4]);
    assert!(!to_glue(&out).contains(&DirectCommand::AskPage));
    assert!(asked_chunks(&out).is_empty() && !asked_the_relay(&out));
}

#[test]
fn a_host_serves_chunks_to_connected_visitors_only_and_not_too_many_at_once() {
    let (data, tree, wire, hash) = file();
    let (mut v, _) = Visitor::new(hash, Some(wire), 7);
    assert_eq!(v.set_file_role(FileRole::Host), vec![Command::OpenFiles]);
    v.set_direct(ON);
    v.step(Event::FilesReady((0..CHUNKS).map(|i| ChunkId::new(0, i)).collect()));
    v.step(Event::Opened);
    v.step(join_ok(Topic::Have(hash)));
    let offer = SignalFrame::new(Some(3), Signal::Offer(SDP.into()));
    let out = v.step(signal_in(Topic::Have(hash), offer));
    assert_eq!(
        to_glue(&out),
        [DirectCommand::Host(signal::HostCommand::Answer { peer: 3, offer: SDP.into() })]
    );
    let asks = |peer: u32, id: ChunkId| Event::Direct(DirectEvent::Asked { peer, id });
    let id = ChunkId::new(0, 1);
    // Not open yet: nothing is read.
    assert_eq!(to_glue(&v.step(asks(3, id))), [DirectCommand::NotHeld { peer: 3, id }]);
    v.step(Event::Direct(DirectEvent::Host(HostEvent::ChannelOpen(3))));
    assert_eq!(v.step(asks(3, id)), vec![Command::ReadChunk(id)]);
    let good = payload(&data, &tree, 1);
    let out = v.step(Event::ChunkRead(id, Some(good.clone())));
    assert_eq!(to_glue(&out), [DirectCommand::SendChunk { peer: 3, payload: good }]);
    assert!(pushes(&out).is_empty(), "nothing through the relay");
    // Another pair, a chunk not in the page, a read that found nothing: none.
    assert_eq!(to_glue(&v.step(asks(4, id))), [DirectCommand::NotHeld { peer: 4, id }]);
    let outside = ChunkId::new(7, 0);
    assert_eq!(to_glue(&v.step(asks(3, outside))), [DirectCommand::NotHeld { peer: 3, id: outside }]);
    v.step(asks(3, id));
    assert_eq!(to_glue(&v.step(Event::ChunkRead(id, None))), [DirectCommand::NotHeld { peer: 3, id }]);
    // At most MOST_ASKED_PER_PEER reads at once for one visitor.
    for _ in 0..MOST_ASKED_PER_PEER {
        assert_eq!(v.step(asks(3, id)), vec![Command::ReadChunk(id)]);
    }
    assert_eq!(to_glue(&v.step(asks(3, id))), [DirectCommand::NotHeld { peer: 3, id }]);
}
