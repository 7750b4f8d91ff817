use std::io::BufRead;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use super::context::Ctx;
use super::events::Event;
use super::failure::{Failure, FailureKind, Origin, Subject};
use super::outcome::{CheckKind, CheckResult, Status};
use super::run::Run;
use super::task::{Outcome, Task};
use crate::approvals::{
    self, current_user, Approval, Change, Decided, Decision, Entry, How, ImageRef, Ledger,
    LedgerError, Lookup, Reviewed,
};
use crate::cli::ApproveMode;
use crate::error::{Thrown, ThrownKind};

const REJECTED: &str = "shakedown::checkpoint::rejected";

/// How a checkpoint was answered.
#[derive(Debug)]
pub enum CheckpointAnswer {
    Approved(Approval),
    /// Rejected at the terminal, with what the person typed.
    Rejected {
        reason: String,
    },
    /// Nobody could be asked, and the ledger holds no decision.
    Unanswerable,
    /// The ledger's last decision on these images was a rejection.
    RejectedInLedger(Entry),
    /// The ledger's approval was for other images.
    ImagesChanged {
        approval: Entry,
        changes: Vec<Change>,
    },
    /// The ledger cannot be trusted.
    LedgerBroken(LedgerError),
    /// The run stopped while waiting.
    Stopped,
}

/// `approve(message)`: waits for every check scheduled before it, shows
/// their results, then asks (or, with no terminal, asks the approvals
/// ledger). Every decision is appended to the ledger. `Err` when the
/// checkpoint did not pass, so the rest of the task body does not run.
pub fn approve(
    ctx: &Ctx,
    message: &str,
    (call, origin): ((usize, usize), Option<Origin>),
) -> Result<(), Thrown> {
    let run = &ctx.run;
    let task = &ctx.task;
    if !task.in_partition(run) {
        return Ok(());
    }
    if !run.selects(task, message) {
        run.add_filtered(task.id, message);
        return Ok(());
    }
    let earlier = run.checks();
    let results: Option<Vec<_>> = earlier.iter().map(|s| s.result.wait(&ctx.cancel)).collect();
    let slot = task.add_slot(run, message, CheckKind::Checkpoint, true, (call, origin));
    let Some(mut results) = results else {
        task.stop_check(run, &slot);
        return Err(rejection("the run stopped before the checkpoint"));
    };
    // Watch mode: tasks kept from an earlier run count in the review too.
    let kept: Vec<_> = run
        .tasks()
        .iter()
        .filter_map(|t| t.result.get())
        .filter(|r| r.kept)
        .collect();
    results.extend(kept.iter().flat_map(|r| r.checks.iter().cloned()));
    let mut records = run.records();
    records.extend(kept.iter().flat_map(|r| r.records.iter().cloned()));
    let reviewed = count(&results);
    let images = images_reviewed(run, task, &results);
    run.emit(&Event::CheckpointReview {
        task: task.id,
        message: message.to_owned(),
        results,
        records,
    });
    let ledger = Ledger::new(&run.options.approvals);
    let started = Instant::now();
    let answer = match run.options.approve {
        ApproveMode::Auto => CheckpointAnswer::Approved(Approval {
            by: current_user(),
            at: approvals::now(),
            how: How::Flag,
            entry: None,
        }),
        ApproveMode::Unavailable => from_ledger(&ledger, message, &images),
        ApproveMode::Ask => {
            let _one_at_a_time = run.prompt.lock().unwrap_or_else(PoisonError::into_inner);
            run.emit(&Event::CheckpointPrompt {
                message: message.to_owned(),
            });
            ask(&ctx.cancel)
        }
    };
    if matches!(answer, CheckpointAnswer::Stopped) {
        task.stop_check(run, &slot);
        return Err(rejection("the run stopped at the checkpoint"));
    }
    let record = Record {
        ctx,
        ledger: &ledger,
        message,
        reviewed,
        images: &images,
    };
    let mut outcome = outcome(&answer, ctx, &ledger, message, (call, slot.origin.as_ref()));
    match record.write(&answer) {
        Some(Ok(entry)) => {
            if let Some(approval) = outcome.approval.as_mut().filter(|a| a.entry.is_none()) {
                approval.entry = Some(entry.seq);
            }
        }
        Some(Err(err)) => {
            let note = outcome.note.take().unwrap_or_default();
            outcome.note = Some(format!(
                "{note}; not recorded in the approvals ledger: {err}"
            ));
        }
        None => {}
    }
    outcome.duration = started.elapsed();
    let passed = outcome.status == Status::Passed;
    task.settle(run, &slot, outcome);
    if passed {
        Ok(())
    } else {
        Err(rejection("the checkpoint did not pass"))
    }
}

/// What a checkpoint's answer makes of its result.
fn outcome(
    answer: &CheckpointAnswer,
    ctx: &Ctx,
    ledger: &Ledger,
    message: &str,
    (call, origin): ((usize, usize), Option<&Origin>),
) -> Outcome {
    let subject = Subject {
        what: format!("checkpoint {message:?}"),
        call: Some(call),
        call_label: "this checkpoint",
        origin,
    };
    let file = &ctx.script.file;
    let path = ledger.path().display();
    let fail = |code: &str, message: String, help: String| Outcome {
        status: Status::Failed,
        failure: Some(Failure::simple(
            FailureKind::Checkpoint,
            code,
            message,
            Some(help),
            file,
            &subject,
        )),
        ..Outcome::default()
    };
    match answer {
        CheckpointAnswer::Approved(approval) => Outcome {
            note: Some(approval.describe()),
            approval: Some(approval.clone()),
            ..Outcome::default()
        },
        CheckpointAnswer::Rejected { reason } => Outcome {
            note: Some(format!("rejected: {reason}")),
            ..fail(
                REJECTED,
                format!("rejected at the terminal: {reason:?}"),
                "type `approved` to pass a checkpoint; anything else rejects it".into(),
            )
        },
        CheckpointAnswer::Unanswerable => Outcome {
            note: Some("no terminal to ask".into()),
            ..fail(
                "shakedown::checkpoint::no_terminal",
                format!("there is no terminal to ask for approval, and {path} holds no approval of it"),
                format!("run it on a terminal and type `approved`: the approval is recorded in {path} (commit it), and later runs with the same images pass from it; or pass --approve to approve without asking (the report says so)"),
            )
        },
        CheckpointAnswer::RejectedInLedger(entry) => fail(
            "shakedown::checkpoint::rejected_in_ledger",
            format!(
                "{} rejected it for these images at {} (entry {} of {path}): {:?}",
                entry.by.user,
                approvals::human_time(&entry.at),
                entry.seq,
                entry.reason.as_deref().unwrap_or("")
            ),
            "approve it again at a terminal once the reason for the rejection is dealt with".into(),
        ),
        CheckpointAnswer::ImagesChanged { approval, changes } => fail(
            "shakedown::checkpoint::images_changed",
            format!(
                "the images changed since {} approved it at {} (entry {} of {path}): {}",
                approval.by.user,
                approvals::human_time(&approval.at),
                approval.seq,
                describe_changes(changes)
            ),
            "an approval lasts for the exact images approved: review the new images and approve at a terminal (or pass --approve)".into(),
        ),
        CheckpointAnswer::LedgerBroken(err) => fail(
            "shakedown::checkpoint::ledger_broken",
            format!("the approvals cannot be trusted: {err}"),
            format!("`shakedown approvals verify {path}` shows the first bad entry; restore the file from version control"),
        ),
        CheckpointAnswer::Stopped => Outcome::default(),
    }
}

/// "shakedown-test/app:latest was sha256:1…, now sha256:2…".
fn describe_changes(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| match (&c.approved, &c.now) {
            (Some(old), Some(new)) => format!("image {} was {old}, now {new}", c.name),
            (Some(old), None) => format!("image {} ({old}) is no longer used", c.name),
            (None, Some(new)) => format!("image {} ({new}) was not part of the approval", c.name),
            (None, None) => format!("image {}", c.name),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a checkpoint appends to the ledger.
struct Record<'a> {
    ctx: &'a Ctx,
    ledger: &'a Ledger,
    message: &'a str,
    reviewed: Reviewed,
    images: &'a [ImageRef],
}

impl Record<'_> {
    /// Appends the decision, if the answer was one.
    fn write(&self, answer: &CheckpointAnswer) -> Option<Result<Entry, LedgerError>> {
        let (decision, how, reason, by, reused) = match answer {
            CheckpointAnswer::Approved(approval) => (
                Decision::Approved,
                approval.how,
                None,
                current_user(),
                approval.entry.filter(|_| approval.how == How::Ledger),
            ),
            CheckpointAnswer::Rejected { reason } => (
                Decision::Rejected,
                How::Terminal,
                Some(reason.clone()),
                current_user(),
                None,
            ),
            _ => return None,
        };
        let decided = Decided {
            at: approvals::now(),
            decision,
            how,
            reason,
            by,
            message: self.message.to_owned(),
            script: self.ctx.script.file.name.clone(),
            task: self.ctx.task.name.clone(),
            reviewed: self.reviewed,
            images: self.images.to_vec(),
            reused,
        };
        Some(self.ledger.append(decided))
    }
}

/// With no terminal: the ledger's decision, if a person made one.
fn from_ledger(ledger: &Ledger, message: &str, images: &[ImageRef]) -> CheckpointAnswer {
    let entries = match ledger.read() {
        Ok(entries) => entries,
        Err(err) => return CheckpointAnswer::LedgerBroken(err),
    };
    match approvals::lookup(&entries, message, images) {
        Lookup::Approved(entry) => CheckpointAnswer::Approved(Approval {
            by: entry.by.clone(),
            at: entry.at.clone(),
            how: How::Ledger,
            entry: Some(entry.seq),
        }),
        Lookup::Rejected(entry) => CheckpointAnswer::RejectedInLedger(entry.clone()),
        Lookup::Changed { approval, changes } => CheckpointAnswer::ImagesChanged {
            approval: approval.clone(),
            changes,
        },
        Lookup::Nothing => CheckpointAnswer::Unanswerable,
    }
}

fn count(results: &[CheckResult]) -> Reviewed {
    let n = |status| results.iter().filter(|r| r.status == status).count();
    Reviewed {
        passed: n(Status::Passed),
        failed: n(Status::Failed),
        warned: n(Status::Warned),
        skipped: n(Status::Skipped),
        not_run: n(Status::NotRun),
    }
}

/// The images behind what a checkpoint reviews: those its task, the tasks
/// it needs (transitively), the tasks whose results it reviews and its
/// script's top level built or looked up.
fn images_reviewed(run: &Run, task: &Arc<Task>, results: &[CheckResult]) -> Vec<ImageRef> {
    let tasks = run.tasks();
    let mut todo: Vec<Arc<Task>> = vec![Arc::clone(task)];
    todo.extend(
        tasks
            .iter()
            .filter(|t| results.iter().any(|r| r.task == t.id))
            .cloned(),
    );
    todo.extend(
        tasks
            .iter()
            .filter(|t| t.implicit && Arc::ptr_eq(&t.script, &task.script))
            .cloned(),
    );
    let mut seen: Vec<usize> = Vec::new();
    let mut images: Vec<ImageRef> = Vec::new();
    while let Some(next) = todo.pop() {
        if seen.contains(&next.id) {
            continue;
        }
        seen.push(next.id);
        images.extend(
            next.images()
                .into_iter()
                .map(|(name, id)| ImageRef { name, id }),
        );
        todo.extend(next.needs());
    }
    images.sort();
    images.dedup();
    images
}

fn rejection(message: &str) -> Thrown {
    Thrown::new(ThrownKind::Failure, REJECTED, message)
}

/// Whether an error is a checkpoint's own "did not pass" (already reported).
pub fn is_rejection(err: &rhai::EvalAltResult) -> bool {
    Thrown::find(err).is_some_and(|t| t.code == REJECTED)
}

/// Reads one answer from the terminal on a helper thread, so that Ctrl-C
/// still ends the run while the prompt waits.
fn ask(cancel: &tokio_util::sync::CancellationToken) -> CheckpointAnswer {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let _ = tx.send(read.map(|_| line));
    });
    let answer: Arc<str> = loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(line)) => break line.trim().into(),
            Ok(Err(_)) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                break "".into();
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if cancel.is_cancelled() {
                    return CheckpointAnswer::Stopped;
                }
            }
        }
    };
    if answer.as_ref() == "approved" {
        CheckpointAnswer::Approved(Approval {
            by: current_user(),
            at: approvals::now(),
            how: How::Terminal,
            entry: None,
        })
    } else if answer.is_empty() {
        CheckpointAnswer::Rejected {
            reason: "no answer".into(),
        }
    } else {
        CheckpointAnswer::Rejected {
            reason: answer.to_string(),
        }
    }
}
