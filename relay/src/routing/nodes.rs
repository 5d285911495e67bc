//! The other relay nodes of a site, as one page sees them: each counts
//! some hosts for it and is asked as one host, only for this node's own
//! visitors and only when no host here can be.

use super::peer::{ById, NodeId};

/// The other relay nodes that host a page, each with how many hosts it
/// counts for it. Each is asked as one host, and only for this node's own
/// visitors, when no local host can be: a node prefers its own hosts.
/// Most pages are hosted on one node only: they hold no map at all (the
/// maps are made with the first other node, and dropped with the last).
#[derive(Debug, Default)]
pub(super) struct Remotes(Option<Box<Nodes>>);

#[derive(Debug, Default)]
struct Nodes {
    /// Nodes not known to be slow for this page, and their counts.
    ready: ById<NodeId, usize>,
    /// Nodes that let a deadline pass for this page: asked after the others.
    late: ById<NodeId, usize>,
    /// The sum of every node's count, wide enough that no counts make it
    /// wrap (the backplane refuses absurd ones; the routing does not rely on it).
    total: u128,
}

impl Remotes {
    /// Every node's count together (saturated, never wrapped).
    pub fn sum(&self) -> usize {
        self.0.as_ref().map_or(0, |nodes| usize::try_from(nodes.total).unwrap_or(usize::MAX))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Nodes not known to be slow for this page, if any.
    pub fn ready(&self) -> Option<&ById<NodeId, usize>> {
        self.0.as_ref().map(|nodes| &nodes.ready)
    }

    /// Nodes that let a deadline pass for this page, if any.
    pub fn late_ones(&self) -> Option<&ById<NodeId, usize>> {
        self.0.as_ref().map(|nodes| &nodes.late)
    }

    /// Sets a node's count (0 removes it); keeps it late if it was.
    pub fn set(&mut self, node: NodeId, count: usize) {
        if count == 0 && self.0.is_none() {
            return;
        }
        let nodes = self.0.get_or_insert_default();
        let old = nodes.ready.get(&node).or_else(|| nodes.late.get(&node)).copied().unwrap_or(0);
        nodes.total = nodes.total - old as u128 + count as u128;
        if count == 0 {
            nodes.ready.swap_remove(&node);
            nodes.late.swap_remove(&node);
            if nodes.ready.is_empty() && nodes.late.is_empty() {
                self.0 = None;
            }
        } else if let Some(late) = nodes.late.get_mut(&node) {
            *late = count;
        } else {
            nodes.ready.insert(node, count);
        }
    }

    pub fn late(&mut self, node: NodeId) {
        if let Some(nodes) = &mut self.0 {
            if let Some(count) = nodes.ready.swap_remove(&node) {
                nodes.late.insert(node, count);
            }
        }
    }

    pub fn answered(&mut self, node: NodeId) {
        if let Some(nodes) = &mut self.0 {
            if let Some(count) = nodes.late.swap_remove(&node) {
                nodes.ready.insert(node, count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_counts_saturate_the_sum_and_never_wrap() {
        let mut remotes = Remotes::default();
        remotes.set(NodeId(1), 3);
        remotes.set(NodeId(2), usize::MAX);
        remotes.set(NodeId(3), usize::MAX);
        assert_eq!(remotes.sum(), usize::MAX);
        remotes.set(NodeId(2), 0);
        assert_eq!(remotes.sum(), usize::MAX);
        remotes.set(NodeId(3), 5);
        assert_eq!(remotes.sum(), 8, "exact again once the absurd counts are gone");
        remotes.set(NodeId(1), 0);
        remotes.set(NodeId(3), 0);
        assert!(remotes.is_empty());
        assert_eq!(remotes.sum(), 0);
    }
}
