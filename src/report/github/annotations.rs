//! `::error`/`::warning` annotations at the line a gate failed on, and at
//! the places the failure relates to (the Dockerfile instruction of a
//! failed build, the instruction that set a value). They come from each
//! failure's structured locations, never from the rendered diagnostic.

use std::io::Write;
use std::path::PathBuf;

use super::command::command;
use crate::cli::Format;
use crate::report::Reporter;
use crate::runner::{
    CheckKind, Event, Failure, Location, RunSummary, Status, TaskResult, SEPARATOR,
};

pub struct Annotations {
    out: Box<dyn Write + Send>,
    /// Paths are given to GitHub relative to the workspace.
    workspace: Option<PathBuf>,
    /// Failures already annotated (the fatal one may be a task's too).
    shown: Vec<usize>,
}

impl Annotations {
    /// On stdout beside human output; on stderr with `--format json`, so
    /// the JSON document stays clean (the runner reads both streams).
    pub fn new(format: Format) -> Self {
        let out: Box<dyn Write + Send> = match format {
            Format::Human => Box::new(std::io::stdout()),
            Format::Json => Box::new(std::io::stderr()),
        };
        let workspace = std::env::var_os("GITHUB_WORKSPACE")
            .filter(|w| !w.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok());
        Self {
            out,
            workspace,
            shown: Vec::new(),
        }
    }

    fn emit(&mut self, lines: &[String]) {
        for line in lines {
            let _ = writeln!(self.out, "{line}");
        }
        let _ = self.out.flush();
    }

    fn task(&mut self, task: &TaskResult) {
        let label = if task.implicit {
            task.script.clone()
        } else {
            task.name.clone()
        };
        let mut lines = Vec::new();
        for check in &task.checks {
            let Some(failure) = &check.failure else {
                continue;
            };
            let level = match check.status {
                Status::Failed => "error",
                Status::Warned => "warning",
                _ => continue,
            };
            let name = match check.kind {
                CheckKind::Check => check.name.clone(),
                CheckKind::Checkpoint => format!("checkpoint: {}", check.name),
            };
            let title = format!("{label}{SEPARATOR}{name}");
            let title = if check.gate {
                title
            } else {
                format!("{title} (informational)")
            };
            lines.extend(self.failure(level, &title, failure));
        }
        if let Some(error) = &task.error {
            lines.extend(self.failure("error", &label, error));
        }
        self.emit(&lines);
    }

    /// One annotation at the failing line, one at each related place.
    fn failure(&mut self, level: &str, title: &str, failure: &Failure) -> Vec<String> {
        self.shown.push(std::ptr::from_ref(failure) as usize);
        let mut message = failure.message.clone();
        if let Some(help) = &failure.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let mut lines = vec![command(
            level,
            &self.place(failure.location.as_ref(), title),
            &message,
        )];
        for related in &failure.related {
            let about = related
                .label
                .as_deref()
                .unwrap_or("related to this failure");
            let message = format!("{about}\n({}: {})", title, failure.message);
            lines.push(command(level, &self.place(Some(related), title), &message));
        }
        lines
    }

    fn place(&self, location: Option<&Location>, title: &str) -> Vec<(&'static str, String)> {
        let mut properties = Vec::new();
        if let Some(location) = location {
            properties.push(("file", self.relative(&location.file)));
            properties.push(("line", location.line.to_string()));
            properties.push(("col", location.column.to_string()));
        }
        properties.push(("title", title.to_owned()));
        properties
    }

    /// A path as GitHub wants it: relative to the workspace.
    fn relative(&self, file: &str) -> String {
        let path = std::path::Path::new(file);
        self.workspace
            .as_ref()
            .filter(|_| path.is_absolute())
            .and_then(|root| path.strip_prefix(root).ok())
            .map_or_else(|| file.to_owned(), |p| p.display().to_string())
    }

    fn summary(&mut self, summary: &RunSummary) {
        let mut lines = Vec::new();
        if let Some(fatal) = &summary.fatal {
            let known = self
                .shown
                .contains(&(std::sync::Arc::as_ptr(fatal) as usize));
            if !known {
                lines.extend(self.failure("error", "shakedown", fatal));
            }
        }
        if let Some(cause) = &summary.stopped_by {
            let what = match &cause.check {
                Some(check) => format!("{}{SEPARATOR}{check}", cause.task),
                None => cause.task.clone(),
            };
            lines.push(command(
                "notice",
                &[("title", "shakedown --fail-fast".to_owned())],
                &format!(
                    "stopped after \"{what}\" failed; {} not run",
                    summary.not_run
                ),
            ));
        }
        self.emit(&lines);
    }
}

impl Reporter for Annotations {
    fn report(&mut self, event: &Event) {
        match event {
            Event::TaskFinished(task) if !task.kept => self.task(task),
            Event::RunFinished(summary) => self.summary(summary),
            _ => {}
        }
    }
}
