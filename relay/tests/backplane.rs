//! Two relays of one process on the in-memory backplane: what a site of
//! several nodes promises, without Redis and without processes (the
//! site's own tests, `tests/cluster.rs`, run every scenario on Redis too).

use ep2p_core::phoenix::Vsn;
use ep2p_core::protocol::PageHash;
use ep2p_relay::backplane::MemoryBus;
use ep2p_relay::{Relay, RelayConfig};
use ep2p_testkit::*;

async fn node(bus: &MemoryBus) -> TestServer {
    TestServer::start_on_bus(bus, RelayConfig::default(), Relay::router).await
}

#[tokio::test]
async fn a_visitor_and_a_raw_read_on_one_node_are_served_by_a_host_on_the_other() {
    let bus = MemoryBus::new();
    let (a, b) = (node(&bus).await, node(&bus).await);
    let text = "hosted on A, read on B";
    let hash = PageHash::of(text);
    let _host = Host::spawn(&a, text).await;
    eventually("B counts A's host", || b.relay.health(hash).hosts == 1).await;

    let mut visitor = Client::connect(&b, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    assert_eq!(visitor.content(hash).await, text);
    let raw = http_get(&b.url(&format!("/{hash}/raw"))).await;
    assert_eq!((raw.status, raw.body.as_str()), (200, text));
    assert_eq!(b.metric("ep2p_cross_node_asks_total").await, 2);
    assert_eq!(b.relay.health(hash).hosts, 1, "the raw read was never a host");
}

#[tokio::test]
async fn a_node_that_leaves_drops_out_of_the_others_counts() {
    let bus = MemoryBus::new();
    let (a, b) = (node(&bus).await, node(&bus).await);
    let hash = PageHash::of("hosted on a node that leaves");
    let _host = Host::spawn(&a, "hosted on a node that leaves").await;
    eventually("B counts A's host", || b.relay.health(hash).hosts == 1).await;
    a.stop().await;
    eventually("B no longer counts it", || b.relay.health(hash).hosts == 0).await;
}
