use std::io::BufRead;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use super::context::Ctx;
use super::events::Event;
use super::failure::{Failure, FailureKind, Subject};
use super::outcome::{CheckKind, Status};
use crate::cli::ApproveMode;
use crate::error::{Thrown, ThrownKind};

const REJECTED: &str = "shakedown::checkpoint::rejected";

/// How a checkpoint was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointAnswer {
    Approved {
        how: &'static str,
    },
    Rejected {
        reason: String,
    },
    /// Nobody could be asked.
    Unanswerable,
    /// The run stopped while waiting.
    Stopped,
}

/// `approve(message)`: waits for every check scheduled before it, shows
/// their results, then asks. `Err` when the checkpoint did not pass, so the
/// rest of the task body does not run.
pub fn approve(ctx: &Ctx, message: &str, call: (usize, usize)) -> Result<(), Thrown> {
    let run = &ctx.run;
    let task = &ctx.task;
    let earlier = run.checks();
    if !run.matches_filter(&task.name) && !run.matches_filter(message) {
        let slot = task.add_slot(run, message, CheckKind::Checkpoint, true, call);
        task.skip_check(run, &slot, "left out by --filter");
        return Ok(());
    }
    let results: Option<Vec<_>> = earlier.iter().map(|s| s.result.wait(&ctx.cancel)).collect();
    let slot = task.add_slot(run, message, CheckKind::Checkpoint, true, call);
    let Some(mut results) = results else {
        task.skip_check(run, &slot, run.stop_reason());
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
    run.emit(&Event::CheckpointReview {
        task: task.id,
        message: message.to_owned(),
        results,
        records,
    });
    let started = Instant::now();
    let answer = match run.options.approve {
        ApproveMode::Auto => CheckpointAnswer::Approved {
            how: "approved with --approve",
        },
        ApproveMode::Unavailable => CheckpointAnswer::Unanswerable,
        ApproveMode::Ask => {
            let _one_at_a_time = run.prompt.lock().unwrap_or_else(PoisonError::into_inner);
            run.emit(&Event::CheckpointPrompt {
                message: message.to_owned(),
            });
            ask(&ctx.cancel)
        }
    };
    let subject = Subject {
        what: format!("checkpoint \"{message}\""),
        call: Some(call),
        call_label: "this checkpoint",
    };
    let file = &ctx.script.file;
    let (status, note, failure) = match &answer {
        CheckpointAnswer::Approved { how } => (Status::Passed, Some((*how).to_owned()), None),
        CheckpointAnswer::Rejected { reason } => (
            Status::Failed,
            Some(format!("rejected: {reason}")),
            Some(Failure::simple(
                FailureKind::Checkpoint,
                REJECTED,
                format!("rejected at the terminal: {reason:?}"),
                Some("type `approved` to pass a checkpoint; anything else rejects it".into()),
                file,
                &subject,
            )),
        ),
        CheckpointAnswer::Unanswerable => (
            Status::Failed,
            Some("no terminal to ask".into()),
            Some(Failure::simple(
                FailureKind::Checkpoint,
                "shakedown::checkpoint::no_terminal",
                "there is no terminal to ask for approval",
                Some("run it on a terminal and type `approved`, or pass --approve to approve without asking (the report says so)".into()),
                file,
                &subject,
            )),
        ),
        CheckpointAnswer::Stopped => {
            task.skip_check(run, &slot, run.stop_reason());
            return Err(rejection("the run stopped at the checkpoint"));
        }
    };
    task.settle(run, &slot, status, started.elapsed(), note, failure);
    match answer {
        CheckpointAnswer::Approved { .. } => Ok(()),
        _ => Err(rejection("the checkpoint did not pass")),
    }
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
        CheckpointAnswer::Approved {
            how: "approved at the terminal",
        }
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
