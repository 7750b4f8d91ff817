//! One line of the ledger, and the approval a report shows.

use serde::{Deserialize, Serialize};

/// What a checkpoint decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approved,
    Rejected,
}

/// How it was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// A person typed the answer at the terminal.
    Terminal,
    /// `--approve`, without asking.
    Flag,
    /// A run with no terminal reused an approval of the ledger.
    Ledger,
}

/// Who decided: the OS user, and `git config user.name` when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Who {
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_name: Option<String>,
}

/// The results a checkpoint reviewed, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewed {
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub not_run: usize,
}

/// An image a checkpoint's tasks built or used: its name (tag, or the
/// Dockerfile it was built from) and its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ImageRef {
    pub name: String,
    pub id: String,
}

/// What a checkpoint decided, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    /// When, in UTC (RFC 3339, seconds).
    pub at: String,
    pub decision: Decision,
    pub how: How,
    /// Why it was rejected (what the person typed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub by: Who,
    /// The checkpoint's message: `approve(message)`.
    pub message: String,
    pub script: String,
    pub task: String,
    pub reviewed: Reviewed,
    /// The images its tasks and the tasks they need built or used, by name.
    pub images: Vec<ImageRef>,
    /// `how: "ledger"`: the `seq` of the approval reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused: Option<u64>,
}

/// An entry as written: one line of the ledger, a decision chained to the
/// entry before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1 for the first entry, then one more each line.
    pub seq: u64,
    /// The `hash` of the entry before it; `null` for the first.
    pub prev: Option<String>,
    #[serde(flatten)]
    pub decided: Decided,
    /// The sha256 of this entry without its `hash` (keys sorted, compact).
    pub hash: String,
}

impl std::ops::Deref for Entry {
    type Target = Decided;

    fn deref(&self) -> &Decided {
        &self.decided
    }
}

/// Who approved a checkpoint that passed, when and how: what reports show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub by: Who,
    pub at: String,
    pub how: How,
    /// The ledger entry holding the approval, when it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
}

impl Approval {
    /// "approved by ana at 2026-11-28 10:02 UTC (ledger)".
    pub fn describe(&self) -> String {
        let how = match self.how {
            How::Terminal => "at the terminal",
            How::Flag => "with --approve",
            How::Ledger => "ledger",
        };
        format!(
            "approved by {} at {} ({how})",
            self.by.user,
            human_time(&self.at)
        )
    }
}

/// Now, as the ledger writes times.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2026-11-28T10:02:11Z` → `2026-11-28 10:02 UTC`; other text as it is.
pub fn human_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_owned(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_reads_as_the_issue_shows_it() {
        let approval = Approval {
            by: Who {
                user: "ana".into(),
                git_name: Some("Ana Lima".into()),
            },
            at: "2026-11-28T10:02:41Z".into(),
            how: How::Ledger,
            entry: Some(3),
        };
        assert_eq!(
            approval.describe(),
            "approved by ana at 2026-11-28 10:02 UTC (ledger)"
        );
    }

    #[test]
    fn now_is_rfc3339_in_utc() {
        let at = now();
        assert!(chrono::DateTime::parse_from_rfc3339(&at).is_ok(), "{at}");
        assert!(at.ends_with('Z'));
    }
}
