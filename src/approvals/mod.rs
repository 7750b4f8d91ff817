//! The approvals ledger: every checkpoint's decision, appended to a JSON
//! Lines file (`.shakedown/approvals.jsonl` unless `--approvals` says),
//! each entry holding the sha256 of the one before it; and the rule by
//! which a run with no terminal reuses an approval.

mod entry;
mod ledger;
mod lookup;
mod who;

pub use entry::{
    human_time, now, Approval, Decided, Decision, Entry, How, ImageRef, Reviewed, Who,
};
pub use ledger::{Ledger, LedgerError};
pub use lookup::{lookup, Change, Lookup};
pub use who::current as current_user;
