//! The other relay nodes of a site, as one page sees them: each counts
//! some hosts for it and is asked as one host, only for this node's own
//! visitors and only when no host here can be.

use super::peer::NodeId;
use indexmap::IndexMap;

/// The other relay nodes that host a page, each with how many hosts it
/// counts for it. Each is asked as one host, and only for this node's own
/// visitors, when no local host can be: a node prefers its own hosts.
#[derive(Debug, Default)]
pub(super) struct Remotes {
    /// Nodes not known to be slow for this page, and their counts.
    pub ready: IndexMap<NodeId, usize>,
    /// Nodes that let a deadline pass for this page: asked after the others.
    pub late: IndexMap<NodeId, usize>,
    /// The sum of every node's count, wide enough that no counts make it
    /// wrap (the backplane refuses absurd ones; the routing does not rely on it).
    total: u128,
}

impl Remotes {
    /// Every node's count together (saturated, never wrapped).
    pub fn sum(&self) -> usize {
        usize::try_from(self.total).unwrap_or(usize::MAX)
    }

    pub fn is_empty(&self) -> bool {
        self.ready.is_empty() && self.late.is_empty()
    }

    /// Sets a node's count (0 removes it); keeps it late if it was.
    pub fn set(&mut self, node: NodeId, count: usize) {
        let old = self.ready.get(&node).or_else(|| self.late.get(&node)).copied().unwrap_or(0);
        self.total = self.total - old as u128 + count as u128;
        if count == 0 {
            self.ready.swap_remove(&node);
            self.late.swap_remove(&node);
        } else if let Some(late) = self.late.get_mut(&node) {
            *late = count;
        } else {
            self.ready.insert(node, count);
        }
    }

    pub fn late(&mut self, node: NodeId) {
        if let Some(count) = self.ready.swap_remove(&node) {
            self.late.insert(node, count);
        }
    }

    pub fn answered(&mut self, node: NodeId) {
        if let Some(count) = self.late.swap_remove(&node) {
            self.ready.insert(node, count);
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
