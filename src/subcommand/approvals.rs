//! `shakedown approvals verify|list [PATH]`: the approvals ledger.

use std::path::Path;

use crate::approvals::{human_time, Decision, How, Ledger, LedgerError};
use crate::error::{render_error, Exit};

/// Checks the hash chain: exit 0 when intact, 1 naming the first bad
/// entry, 2 when there is no ledger to check.
pub fn verify(path: &Path) -> Exit {
    match Ledger::new(path).verify() {
        Ok(entries) => {
            let last = entries.last().map_or_else(String::new, |e| {
                format!(
                    "; the last, #{}, {} by {} at {}",
                    e.seq,
                    decision(e.decision),
                    e.by.user,
                    human_time(&e.at)
                )
            });
            println!(
                "✓ {}: {} entr{}, chain intact{last}",
                path.display(),
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" }
            );
            Exit::Success
        }
        Err(err) => fail(&err),
    }
}

/// Lists the entries, oldest first.
pub fn list(path: &Path) -> Exit {
    let entries = match Ledger::new(path).verify() {
        Ok(entries) => entries,
        Err(err) => return fail(&err),
    };
    for e in &entries {
        let how = match e.how {
            How::Terminal => "at the terminal",
            How::Flag => "with --approve",
            How::Ledger => "from the ledger",
        };
        let who = match &e.by.git_name {
            Some(name) => format!("{} ({name})", e.by.user),
            None => e.by.user.clone(),
        };
        let reused = e
            .reused
            .map(|seq| format!(", reusing #{seq}"))
            .unwrap_or_default();
        println!(
            "#{:<3} {}  {} by {who} {how}{reused}",
            e.seq,
            human_time(&e.at),
            decision(e.decision),
        );
        println!("      {:?}  ({} › {})", e.message, e.script, e.task);
        if let Some(reason) = &e.reason {
            println!("      reason: {reason:?}");
        }
        let r = &e.reviewed;
        println!(
            "      reviewed: {} passed, {} failed, {} warned, {} skipped, {} not run",
            r.passed, r.failed, r.warned, r.skipped, r.not_run
        );
        for image in &e.images {
            println!("      image {} {}", image.name, image.id);
        }
    }
    if entries.is_empty() {
        println!("{}: no entries", path.display());
    }
    Exit::Success
}

fn decision(decision: Decision) -> &'static str {
    match decision {
        Decision::Approved => "approved",
        Decision::Rejected => "rejected",
    }
}

fn fail(err: &LedgerError) -> Exit {
    render_error(err, None);
    match err {
        LedgerError::Tampered { .. } => Exit::Failed,
        LedgerError::Missing { .. }
        | LedgerError::Unreadable { .. }
        | LedgerError::Unwritable { .. } => Exit::Usage,
    }
}
