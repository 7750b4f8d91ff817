//! The human report: a block per task in declaration order, a line per
//! check, diagnostics for failures on stderr, a closing summary.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};

use super::escape::printable;
use super::humanize;
use super::progress::Progress;
use super::review;
use super::style::Style;
use super::Reporter;
use crate::error::{render_diagnostic, stderr_colour};
use crate::runner::{
    CheckKind, CheckResult, Direction, Event, NoteLevel, RunSummary, Status, TaskResult,
};

pub struct Human {
    out: Box<dyn Write + Send>,
    style: Style,
    err_colour: bool,
    progress: Option<Progress>,
    /// Declared tasks, in order, and their results once finished.
    tasks: Vec<(usize, Option<TaskResult>)>,
    printed: usize,
    building: BTreeMap<usize, String>,
    /// Plain output: the last pull or push line, not repeated (a push
    /// says "Preparing" once per layer without naming it).
    last_transfer: Option<String>,
    running: BTreeSet<(usize, usize)>,
    /// Watch mode: the run's header, printed with its first results.
    header: Option<String>,
    /// Watch mode `--clear`: clear the screen when the first results come.
    clear: bool,
    /// Failures already rendered (the fatal one is often a task's too).
    shown: Vec<usize>,
    /// The run has several engines: each task's line names its own.
    name_engines: bool,
}

impl Human {
    /// Results to stdout, diagnostics and progress to stderr; colour and
    /// the progress line only on terminals.
    pub fn to_terminal() -> Self {
        let progress = std::io::stderr().is_terminal().then(|| {
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(100);
            Progress::new(width)
        });
        Self {
            out: Box::new(std::io::stdout()),
            style: Style {
                colour: super::colour::stdout(),
            },
            err_colour: stderr_colour(),
            progress,
            tasks: Vec::new(),
            printed: 0,
            building: BTreeMap::new(),
            last_transfer: None,
            running: BTreeSet::new(),
            header: None,
            clear: false,
            shown: Vec::new(),
            name_engines: false,
        }
    }

    /// For one run of watch mode: a header naming what triggered the run,
    /// shown (after clearing the screen, with `clear`) only when the run's
    /// first results arrive, so the last run's failures stay visible until
    /// then.
    pub fn for_watch(clear: bool) -> Self {
        Self {
            clear,
            ..Self::to_terminal()
        }
    }

    fn show_header(&mut self) {
        let Some(header) = self.header.take() else {
            return;
        };
        self.clear_progress();
        let mut text = String::new();
        if self.clear && self.style.colour {
            text.push_str("\x1b[2J\x1b[H");
        }
        text.push_str(&self.style.bold(&header));
        text.push('\n');
        let _ = self.out.write_all(text.as_bytes());
    }

    fn clear_progress(&mut self) {
        if let Some(progress) = self.progress.as_mut() {
            progress.clear();
        }
    }

    fn redraw(&mut self) {
        let Some(progress) = self.progress.as_mut() else {
            return;
        };
        let mut parts: Vec<String> = self.building.values().cloned().collect();
        if !self.running.is_empty() {
            let n = self.running.len();
            parts.push(format!("{n} check{} running", plural(n)));
        }
        if parts.is_empty() {
            progress.clear();
        } else {
            progress.show(&format!("⋯ {}", parts.join(" · ")));
        }
    }

    /// A line on stderr that must not tangle with the progress display.
    fn note(&mut self, text: &str) {
        self.clear_progress();
        eprintln!("{text}");
        self.redraw();
    }

    /// Prints every finished task whose predecessors are printed.
    fn flush_tasks(&mut self) {
        while let Some((_, Some(result))) = self.tasks.get(self.printed) {
            let result = result.clone();
            self.printed += 1;
            if result.is_visible() {
                self.clear_progress();
                self.print_task(&result);
            }
        }
        self.redraw();
    }

    fn print_task(&mut self, task: &TaskResult) {
        self.show_header();
        let s = self.style;
        if task.kept {
            let line = format!(
                "{} {}  {}\n",
                s.dim("▸"),
                printable(&task.name),
                s.dim(&format!(
                    "kept: {} before, {} check{}; not affected by the change",
                    task.status.word(),
                    task.checks.len(),
                    plural(task.checks.len())
                ))
            );
            let _ = self.out.write_all(line.as_bytes());
            let _ = self.out.flush();
            return;
        }
        let status = match task.status {
            Status::Passed => s.green("passed"),
            Status::Failed => s.red("failed"),
            Status::Warned => s.yellow("passed with warnings"),
            Status::Skipped => s.yellow("skipped"),
            Status::NotRun => s.yellow("not run"),
        };
        let engine = if self.name_engines {
            format!(" on engine {}", printable(&task.engine))
        } else {
            String::new()
        };
        let mut text = format!(
            "{} {}  {}\n",
            s.bold("▸"),
            s.bold(&printable(&task.name)),
            s.dim(&format!(
                "{status} in {}{engine}",
                humanize::duration(task.duration)
            ))
        );
        if let Some(note) = &task.note {
            text.push_str(&format!("  {}\n", s.dim(&printable(note))));
        }
        for check in &task.checks {
            text.push_str(&self.check_line(check));
        }
        text.push_str(&review::record_lines(s, &task.records));
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
        let failures = task
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Failed | Status::Warned))
            .filter_map(|c| c.failure.as_ref())
            .chain(task.error.as_ref());
        for failure in failures {
            self.shown.push(std::sync::Arc::as_ptr(failure) as usize);
            eprint!(
                "{}",
                render_diagnostic(failure.report.as_ref(), self.err_colour, None)
            );
        }
    }

    fn check_line(&self, check: &CheckResult) -> String {
        let s = self.style;
        let mark = match check.status {
            Status::Passed => s.green("✓"),
            Status::Failed => s.red("✗"),
            Status::Warned => s.yellow("!"),
            Status::Skipped | Status::NotRun => s.yellow("-"),
        };
        let name = match check.kind {
            CheckKind::Check => printable(&check.name).into_owned(),
            CheckKind::Checkpoint => format!("checkpoint: {}", printable(&check.name)),
        };
        let mut extra = Vec::new();
        if !check.gate {
            extra.push("informational".to_owned());
        }
        match (&check.failure, &check.note) {
            (Some(failure), _) => extra.push(printable(&failure.message).into_owned()),
            (None, Some(note)) => extra.push(printable(note).into_owned()),
            (None, None) => {}
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!("  {}", s.dim(&extra.join("; ")))
        };
        format!(
            "  {mark} {name:<48} {:>7}{extra}\n",
            humanize::duration(check.duration)
        )
    }

    fn review(
        &mut self,
        message: &str,
        results: &[CheckResult],
        records: &[crate::runner::Record],
    ) {
        self.flush_tasks();
        self.show_header();
        self.clear_progress();
        let text = review::text(self.style, message, results, records);
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    fn summary(&mut self, summary: &RunSummary) {
        // Tasks that never finished in order (a stopped run) still show.
        for index in self.printed..self.tasks.len() {
            if let (_, Some(result)) = &self.tasks[index] {
                let result = result.clone();
                if result.is_visible() {
                    self.print_task(&result);
                }
            }
        }
        self.printed = self.tasks.len();
        self.show_header();
        self.clear_progress();
        if let Some(fatal) = &summary.fatal {
            if !self
                .shown
                .contains(&(std::sync::Arc::as_ptr(fatal) as usize))
            {
                eprint!(
                    "{}",
                    render_diagnostic(fatal.report.as_ref(), self.err_colour, None)
                );
            }
        }
        if let Some(note) = super::left_behind::note(&summary.run_id, &summary.left_behind) {
            eprint!("{}", self.style.yellow(&note));
        }
        let s = self.style;
        let mut parts = vec![
            s.green(&format!("{} passed", summary.passed)),
            if summary.failed > 0 {
                s.red(&format!("{} failed", summary.failed))
            } else {
                format!("{} failed", summary.failed)
            },
        ];
        if summary.warned > 0 {
            parts.push(s.yellow(&format!(
                "{} warning{}",
                summary.warned,
                plural(summary.warned)
            )));
        }
        if summary.skipped > 0 {
            parts.push(format!("{} skipped", summary.skipped));
        }
        if summary.not_run > 0 {
            parts.push(s.yellow(&format!("{} not run", summary.not_run)));
        }
        if summary.filtered > 0 {
            parts.push(format!("{} filtered out", summary.filtered));
        }
        if let Some(p) = summary.partition {
            parts.push(format!(
                "partition {}/{} ({} task{} in the others)",
                p.index,
                p.count,
                p.elsewhere,
                plural(p.elsewhere)
            ));
        }
        let verdict = match (summary.signal, summary.exit as u8) {
            (Some(signal), _) => s.yellow(signal.reason()),
            (None, 0) => s.green("ok"),
            (None, _) => s.red("FAILED"),
        };
        let mut line = format!(
            "\n{verdict}: {} in {}\n",
            parts.join(", "),
            humanize::duration(summary.duration)
        );
        let engine = &summary.engine;
        if let (true, Some(version)) = (engine.chosen, &engine.version) {
            line.push_str(&format!(
                "engine: {} {} (Docker {})\n",
                engine.url, engine.origin, version.version
            ));
        }
        if let Some(cause) = &summary.stopped_by {
            let what = match &cause.check {
                Some(check) => format!("\"{}{}{check}\"", cause.task, crate::runner::SEPARATOR),
                None => format!("task \"{}\"", cause.task),
            };
            line.push_str(&format!("stopped after {what} failed (--fail-fast)\n"));
        }
        let _ = self.out.write_all(line.as_bytes());
        let _ = self.out.flush();
    }
}

/// The time of day (UTC), for watch mode's run headers.
fn clock() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:02}:{:02}:{:02} UTC",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

/// The first line of `text`, whitespace runs folded, cut at `max` chars.
fn one_line(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max {
        return folded;
    }
    let cut: String = folded.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Reporter for Human {
    fn report(&mut self, event: &Event) {
        match event {
            Event::TaskDeclared { task, .. } => self.tasks.push((*task, None)),
            Event::BuildStep {
                task,
                image,
                step,
                total,
                instruction,
            } => {
                let instruction = one_line(instruction, 72);
                let image = printable(image);
                let text = format!("building {image} step {step}/{total}: {instruction}");
                if self.progress.is_some() {
                    self.building.insert(*task, text);
                    self.redraw();
                } else {
                    eprintln!("  {text}");
                }
            }
            Event::ImageCopy {
                task,
                image,
                from,
                to,
                bytes,
                done,
            } => {
                let text = format!(
                    "copying {} from engine {} to {}: {}",
                    printable(image),
                    printable(from),
                    printable(to),
                    humanize::bytes(i64::try_from(*bytes).unwrap_or(i64::MAX))
                );
                if *done {
                    self.building.remove(task);
                    self.redraw();
                } else if self.progress.is_some() {
                    self.building.insert(*task, text);
                    self.redraw();
                }
            }
            Event::BuildNote { note, .. } => {
                let level = match note.level {
                    NoteLevel::Note => "note",
                    NoteLevel::Warning => "warning",
                };
                let text = format!(
                    "  {level}: {}: {}",
                    printable(&note.image),
                    one_line(&note.message, 240)
                );
                self.note(&text);
            }
            Event::Transfer {
                task,
                direction,
                reference,
                status,
                current,
                total,
            } => {
                let doing = match direction {
                    Direction::Pull => "pulling",
                    Direction::Push => "pushing",
                };
                let reference = printable(reference);
                let status = one_line(&printable(status), 72);
                let bytes = match (current, total) {
                    (Some(current), Some(total)) if *total > 0 => {
                        format!(" {}/{}", humanize::bytes(*current), humanize::bytes(*total))
                    }
                    _ => String::new(),
                };
                let text = format!("{doing} {reference}: {status}{bytes}");
                if self.progress.is_some() {
                    self.building.insert(*task, text);
                    self.redraw();
                } else if current.is_none() && self.last_transfer.as_ref() != Some(&text) {
                    // Plain output gets each step, not each byte count.
                    eprintln!("  {text}");
                    self.last_transfer = Some(text);
                }
            }
            Event::TransferFinished { task, .. } | Event::BuildFinished { task, .. } => {
                self.building.remove(task);
                self.redraw();
            }
            Event::CheckStarted { task, index, .. } => {
                self.running.insert((*task, *index));
                self.redraw();
            }
            Event::CheckFinished(result) => {
                self.running.remove(&(result.task, result.index));
                self.redraw();
            }
            Event::ScriptOutput { text, .. } => self.note(text),
            Event::CheckpointReview {
                message,
                results,
                records,
                ..
            } => self.review(message, results, records),
            Event::CheckpointPrompt { .. } => {
                self.clear_progress();
                eprint!("{}", review::PROMPT);
                let _ = std::io::stderr().flush();
            }
            Event::TaskFinished(result) => {
                self.building.remove(&result.id);
                if let Some(slot) = self.tasks.iter_mut().find(|(id, _)| *id == result.id) {
                    slot.1 = Some(result.clone());
                }
                self.flush_tasks();
            }
            Event::RunFinished(summary) => self.summary(summary),
            Event::RunStarted {
                trigger, engines, ..
            } => {
                self.name_engines = engines.len() > 1;
                if let Some(trigger) = trigger {
                    self.header = Some(format!("── {} · {trigger} ──", clock()));
                }
            }
            Event::TaskStarted { .. }
            | Event::BuildOutput { .. }
            | Event::BuildRead { .. }
            | Event::Recorded { .. } => {}
        }
    }
}
