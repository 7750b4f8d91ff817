//! When a run with no terminal may pass a checkpoint from the ledger: a
//! person approved the same message for the same images, and nobody
//! rejected it for those images since.

use super::entry::{Decision, Entry, How, ImageRef};

/// What the ledger says about a checkpoint.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Approved for exactly these images.
    Approved(&'a Entry),
    /// Rejected for exactly these images, after any approval of them.
    Rejected(&'a Entry),
    /// Approved, but for other images: what changed since the latest
    /// approval.
    Changed {
        approval: &'a Entry,
        changes: Vec<Change>,
    },
    /// Never decided by a person.
    Nothing,
}

/// An image whose id is not the one approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub name: String,
    /// `None`: the approval had no image of that name.
    pub approved: Option<String>,
    /// `None`: this run has no image of that name.
    pub now: Option<String>,
}

/// Looks for a person's decision (at a terminal) on `message` for
/// `images`, the latest first. Approvals made with `--approve` and reuses
/// of the ledger do not count: only a person's sign-off lasts.
pub fn lookup<'a>(entries: &'a [Entry], message: &str, images: &[ImageRef]) -> Lookup<'a> {
    let decisions = entries
        .iter()
        .rev()
        .filter(|e| e.message == message && e.how == How::Terminal);
    let mut latest_approval = None;
    for entry in decisions {
        if same_images(&entry.images, images) {
            return match entry.decision {
                Decision::Approved => Lookup::Approved(entry),
                Decision::Rejected => Lookup::Rejected(entry),
            };
        }
        if entry.decision == Decision::Approved && latest_approval.is_none() {
            latest_approval = Some(entry);
        }
    }
    match latest_approval {
        Some(approval) => Lookup::Changed {
            approval,
            changes: changes(&approval.images, images),
        },
        None => Lookup::Nothing,
    }
}

fn same_images(a: &[ImageRef], b: &[ImageRef]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

/// Every name whose ids differ between the approval and now, by name.
fn changes(approved: &[ImageRef], now: &[ImageRef]) -> Vec<Change> {
    let mut names: Vec<&str> = approved
        .iter()
        .chain(now)
        .map(|i| i.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let ids = |list: &[ImageRef], name: &str| -> Option<String> {
        let ids: Vec<&str> = list
            .iter()
            .filter(|i| i.name == name)
            .map(|i| i.id.as_str())
            .collect();
        (!ids.is_empty()).then(|| ids.join(", "))
    };
    names
        .into_iter()
        .filter_map(|name| {
            let (before, after) = (ids(approved, name), ids(now, name));
            (before != after).then(|| Change {
                name: name.to_owned(),
                approved: before,
                now: after,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::{Decided, Reviewed, Who};

    fn image(name: &str, id: &str) -> ImageRef {
        ImageRef {
            name: name.into(),
            id: id.into(),
        }
    }

    fn entry(seq: u64, decision: Decision, how: How, images: Vec<ImageRef>) -> Entry {
        Entry {
            seq,
            prev: None,
            decided: Decided {
                at: "2026-11-28T10:02:00Z".into(),
                decision,
                how,
                reason: None,
                by: Who {
                    user: "ana".into(),
                    git_name: None,
                },
                message: "Review".into(),
                script: "demo.rhai".into(),
                task: "sign off".into(),
                reviewed: Reviewed::default(),
                images,
                reused: None,
            },
            hash: format!("h{seq}"),
        }
    }

    #[test]
    fn an_approval_for_the_same_images_passes() {
        let images = vec![image("cpu", "sha256:1"), image("gpu", "sha256:2")];
        let entries = vec![entry(1, Decision::Approved, How::Terminal, images.clone())];
        let reordered = vec![images[1].clone(), images[0].clone()];
        assert_eq!(
            lookup(&entries, "Review", &reordered),
            Lookup::Approved(&entries[0])
        );
        assert_eq!(lookup(&entries, "Other", &images), Lookup::Nothing);
    }

    #[test]
    fn a_changed_image_is_named_with_both_ids() {
        let entries = vec![entry(
            1,
            Decision::Approved,
            How::Terminal,
            vec![image("cpu", "sha256:1"), image("gpu", "sha256:2")],
        )];
        let now = vec![image("cpu", "sha256:1"), image("gpu", "sha256:9")];
        let Lookup::Changed { changes, .. } = lookup(&entries, "Review", &now) else {
            panic!("not a change");
        };
        assert_eq!(
            changes,
            [Change {
                name: "gpu".into(),
                approved: Some("sha256:2".into()),
                now: Some("sha256:9".into()),
            }]
        );
    }

    #[test]
    fn a_later_rejection_of_the_same_images_wins() {
        let images = vec![image("cpu", "sha256:1")];
        let entries = vec![
            entry(1, Decision::Approved, How::Terminal, images.clone()),
            entry(2, Decision::Rejected, How::Terminal, images.clone()),
        ];
        assert_eq!(
            lookup(&entries, "Review", &images),
            Lookup::Rejected(&entries[1])
        );
    }

    #[test]
    fn only_a_person_at_a_terminal_counts() {
        let images = vec![image("cpu", "sha256:1")];
        let entries = vec![
            entry(1, Decision::Approved, How::Flag, images.clone()),
            entry(2, Decision::Approved, How::Ledger, images.clone()),
        ];
        assert_eq!(lookup(&entries, "Review", &images), Lookup::Nothing);
    }
}
