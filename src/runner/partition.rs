//! `--partition K/N`: which tasks one of N CI jobs runs. A task and every
//! task it needs (transitively) form a chain that stays in one partition;
//! chains, in the order their first task was declared, each go to the
//! partition with the fewest tasks so far (the lowest on a tie). The same
//! script gives every job the same assignment, so the N partitions
//! together run each task exactly once.

use std::collections::HashMap;

/// A declared task: its name and the names of the tasks it needs.
pub struct Declared<'a> {
    pub name: &'a str,
    pub needs: &'a [String],
}

/// The 0-based partition of each task of one script, in declaration
/// order. `earlier` holds the partitions of tasks of scripts before it (a
/// chain that needs one of them goes where it went); `load` counts the
/// tasks each partition has so far and is updated.
pub fn assign(
    tasks: &[Declared<'_>],
    earlier: &HashMap<String, usize>,
    load: &mut [usize],
) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..tasks.len()).collect();
    let mut forced: Vec<Option<usize>> = vec![None; tasks.len()];
    for (index, task) in tasks.iter().enumerate() {
        for need in task.needs {
            // `needs` names a task declared before, the latest of that name.
            let local = tasks[..index].iter().rposition(|t| t.name == need);
            match (local, earlier.get(need)) {
                (Some(other), _) => union(&mut parent, index, other),
                (None, Some(&partition)) => {
                    let root = find(&mut parent, index);
                    forced[root] = Some(forced[root].map_or(partition, |p| p.min(partition)));
                }
                (None, None) => {}
            }
        }
    }
    // Carry what was forced on any member to its chain's root.
    for index in 0..tasks.len() {
        let root = find(&mut parent, index);
        if let Some(partition) = forced[index] {
            forced[root] = Some(forced[root].map_or(partition, |p| p.min(partition)));
        }
    }
    let mut chosen: HashMap<usize, usize> = HashMap::new();
    let mut result = Vec::with_capacity(tasks.len());
    for index in 0..tasks.len() {
        let root = find(&mut parent, index);
        let partition = *chosen.entry(root).or_insert_with(|| {
            let size = (0..tasks.len())
                .filter(|&i| find_readonly(&parent, i) == root)
                .count();
            let partition = forced[root].unwrap_or_else(|| least_loaded(load));
            if let Some(slot) = load.get_mut(partition) {
                *slot += size;
            }
            partition
        });
        result.push(partition);
    }
    result
}

fn least_loaded(load: &[usize]) -> usize {
    load.iter()
        .enumerate()
        .min_by_key(|(index, tasks)| (**tasks, *index))
        .map_or(0, |(index, _)| index)
}

fn find(parent: &mut [usize], index: usize) -> usize {
    let mut root = index;
    while parent[root] != root {
        root = parent[root];
    }
    let mut at = index;
    while parent[at] != root {
        let next = parent[at];
        parent[at] = root;
        at = next;
    }
    root
}

fn find_readonly(parent: &[usize], index: usize) -> usize {
    let mut root = index;
    while parent[root] != root {
        root = parent[root];
    }
    root
}

/// Joins two chains; the root is the earlier-declared task, so a chain is
/// placed when its first task comes up.
fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (keep, join) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[join] = keep;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(tasks: &[(&str, &[&str])], count: usize) -> Vec<usize> {
        let needs: Vec<Vec<String>> = tasks
            .iter()
            .map(|(_, n)| n.iter().map(|s| (*s).to_owned()).collect())
            .collect();
        let declared: Vec<Declared<'_>> = tasks
            .iter()
            .zip(&needs)
            .map(|((name, _), needs)| Declared { name, needs })
            .collect();
        assign(&declared, &HashMap::new(), &mut vec![0; count])
    }

    #[test]
    fn independent_tasks_are_spread_evenly() {
        let tasks: &[(&str, &[&str])] = &[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[])];
        assert_eq!(plan(tasks, 2), [0, 1, 0, 1]);
        assert_eq!(plan(tasks, 3), [0, 1, 2, 0]);
    }

    #[test]
    fn a_needs_chain_stays_together() {
        let tasks: &[(&str, &[&str])] = &[
            ("base", &[]),
            ("lint", &[]),
            ("cpu", &["base"]),
            ("gpu", &["base"]),
            ("docs", &[]),
            ("sign off", &["cpu", "gpu"]),
        ];
        let parts = plan(tasks, 2);
        assert_eq!(parts[0], parts[2]);
        assert_eq!(parts[0], parts[3]);
        assert_eq!(parts[0], parts[5]);
        // The chain (4 tasks) fills partition 0; the others go to 1.
        assert_eq!(parts, [0, 1, 0, 0, 1, 0]);
    }

    #[test]
    fn a_task_joining_two_chains_merges_them() {
        let tasks: &[(&str, &[&str])] = &[("a", &[]), ("b", &[]), ("c", &["a", "b"])];
        let parts = plan(tasks, 3);
        assert!(parts.iter().all(|p| *p == parts[0]));
    }

    #[test]
    fn every_task_lands_in_exactly_one_partition() {
        let tasks: &[(&str, &[&str])] = &[
            ("a", &[]),
            ("b", &["a"]),
            ("c", &[]),
            ("d", &[]),
            ("e", &["d"]),
        ];
        for count in 1..=6 {
            let parts = plan(tasks, count);
            assert_eq!(parts.len(), tasks.len());
            assert!(parts.iter().all(|p| *p < count));
            assert_eq!(plan(tasks, count), parts, "deterministic");
        }
    }

    #[test]
    fn a_chain_needing_an_earlier_script_goes_where_it_went() {
        let earlier = HashMap::from([("base".to_owned(), 2)]);
        let needs = vec!["base".to_owned()];
        let tasks = [Declared {
            name: "cpu",
            needs: &needs,
        }];
        assert_eq!(assign(&tasks, &earlier, &mut [0, 0, 0]), [2]);
    }
}
