//! Which DOM changes turn the rows on screen into the next frame's rows. Rows that stay are left
//! in place: a row taken out of the document between a pointer's press and release loses the
//! click, and re-inserting every row each frame also costs style and layout work for nothing.

/// One change to the window's children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Take out the row at this index of the old list.
    Remove(usize),
    /// Put the row at index `new` of the next list before the old row at index `before` (which
    /// stays), or at the end.
    Insert { new: usize, before: Option<usize> },
}

/// The steps from `old` (row ids in document order) to `next` (row ids in order, each with
/// whether its element was built for this frame, so an old element with that id is stale).
/// `None` when rows that stay would change order: then replacing all children is simplest.
pub fn window_steps(old: &[i64], next: &[(i64, bool)]) -> Option<Vec<Step>> {
    let reused: std::collections::HashMap<i64, usize> = next
        .iter()
        .enumerate()
        .filter(|(_, (_, fresh))| !fresh)
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let mut steps = Vec::new();
    // (old index, next index) of the rows that stay, in document order.
    let mut kept: Vec<(usize, usize)> = Vec::with_capacity(old.len());
    for (i, id) in old.iter().enumerate() {
        match reused.get(id) {
            Some(&n) => kept.push((i, n)),
            None => steps.push(Step::Remove(i)),
        }
    }
    if kept.windows(2).any(|w| w[0].1 >= w[1].1) || kept.len() != reused.len() {
        return None;
    }
    let mut k = 0;
    for n in 0..next.len() {
        if kept.get(k).is_some_and(|&(_, kn)| kn == n) {
            k += 1;
        } else {
            steps.push(Step::Insert {
                new: n,
                before: kept.get(k).map(|&(i, _)| i),
            });
        }
    }
    Some(steps)
}

#[cfg(test)]
mod tests {
    use super::{window_steps, Step};

    /// Applies the steps to a list of ids, as the DOM would.
    fn apply(old: &[i64], next: &[(i64, bool)], steps: &[Step]) -> Vec<i64> {
        let removed: Vec<usize> = steps
            .iter()
            .filter_map(|s| {
                if let Step::Remove(i) = s {
                    Some(*i)
                } else {
                    None
                }
            })
            .collect();
        // Old rows carry their old index, new ones none.
        let mut dom: Vec<(Option<usize>, i64)> = old
            .iter()
            .enumerate()
            .filter(|(i, _)| !removed.contains(i))
            .map(|(i, id)| (Some(i), *id))
            .collect();
        for s in steps {
            if let Step::Insert { new, before } = *s {
                let at = before.map_or(dom.len(), |b| {
                    dom.iter()
                        .position(|(i, _)| *i == Some(b))
                        .expect("anchor stays")
                });
                dom.insert(at, (None, next[new].0));
            }
        }
        dom.into_iter().map(|(_, id)| id).collect()
    }

    fn ids(next: &[(i64, bool)]) -> Vec<i64> {
        next.iter().map(|(id, _)| *id).collect()
    }

    #[test]
    fn an_unchanged_window_needs_no_change() {
        let next = [(1, false), (2, false), (3, false)];
        assert_eq!(window_steps(&[1, 2, 3], &next), Some(vec![]));
    }

    #[test]
    fn following_the_tail_drops_the_top_and_appends_without_moving_the_rest() {
        let old = [10, 11, 12, 13];
        let next = [(12, false), (13, false), (14, true), (15, true)];
        let steps = window_steps(&old, &next).unwrap();
        assert_eq!(
            steps,
            vec![
                Step::Remove(0),
                Step::Remove(1),
                Step::Insert {
                    new: 2,
                    before: None
                },
                Step::Insert {
                    new: 3,
                    before: None
                },
            ]
        );
        assert_eq!(apply(&old, &next, &steps), ids(&next));
    }

    #[test]
    fn scrolling_up_inserts_above_the_rows_that_stay() {
        let old = [5, 6, 7];
        let next = [(3, true), (4, true), (5, false), (6, false)];
        let steps = window_steps(&old, &next).unwrap();
        assert_eq!(steps[0], Step::Remove(2));
        assert_eq!(apply(&old, &next, &steps), ids(&next));
    }

    #[test]
    fn a_rebuilt_row_replaces_its_stale_element() {
        let old = [1, 2, 3];
        let next = [(1, false), (2, true), (3, false)];
        let steps = window_steps(&old, &next).unwrap();
        assert_eq!(
            steps,
            vec![
                Step::Remove(1),
                Step::Insert {
                    new: 1,
                    before: Some(2)
                }
            ]
        );
        assert_eq!(apply(&old, &next, &steps), ids(&next));
    }

    #[test]
    fn everything_rebuilt_or_an_empty_window() {
        let next = [(1, true), (2, true)];
        assert_eq!(
            apply(&[1, 2], &next, &window_steps(&[1, 2], &next).unwrap()),
            vec![1, 2]
        );
        assert_eq!(
            window_steps(&[1, 2], &[]),
            Some(vec![Step::Remove(0), Step::Remove(1)])
        );
        let from_empty = window_steps(&[], &next).unwrap();
        assert_eq!(apply(&[], &next, &from_empty), vec![1, 2]);
    }

    #[test]
    fn rows_that_would_change_order_ask_for_a_full_replace() {
        assert_eq!(window_steps(&[1, 2], &[(2, false), (1, false)]), None);
        // A reused row that is not on screen (the mirror and the rows disagree) also falls back.
        assert_eq!(window_steps(&[1], &[(1, false), (9, false)]), None);
    }

    #[test]
    fn gaps_and_mixed_changes_come_out_in_order() {
        let old = [1, 2, 3, 4, 5, 6];
        let next = [
            (0, true),
            (2, false),
            (7, true),
            (4, false),
            (5, true),
            (6, false),
            (8, true),
        ];
        let steps = window_steps(&old, &next).unwrap();
        assert_eq!(apply(&old, &next, &steps), ids(&next));
    }
}
