//! Which ports appeared since the last refresh, so the view can announce newly opened ones.
use std::collections::BTreeSet;

/// Remembers the ports of the previous refresh.
#[derive(Clone, Debug, Default)]
pub struct PortTracker {
    seen: Option<BTreeSet<u16>>,
}

impl PortTracker {
    /// Records the current list and returns the ports that were not there before. The first
    /// list is the baseline: nothing is "new" when the view opens.
    pub fn update(&mut self, current: impl IntoIterator<Item = u16>) -> Vec<u16> {
        let current: BTreeSet<u16> = current.into_iter().collect();
        let new = match &self.seen {
            Some(prev) => current.difference(prev).copied().collect(),
            None => Vec::new(),
        };
        self.seen = Some(current);
        new
    }
}

#[cfg(test)]
mod tests {
    use super::PortTracker;

    #[test]
    fn first_list_is_the_baseline_then_new_ports_are_reported_once() {
        let mut t = PortTracker::default();
        assert!(t.update([3000, 8080]).is_empty());
        assert_eq!(t.update([3000, 8080, 5173]), vec![5173]);
        assert!(t.update([3000, 8080, 5173]).is_empty());
        assert!(t.update([3000]).is_empty(), "closed ports are not news");
        assert_eq!(
            t.update([3000, 8080]),
            vec![8080],
            "a port that comes back is new again"
        );
    }
}
