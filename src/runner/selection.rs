//! What part of a checklist a run runs: `--filter`, `--skip` and
//! `--partition`, and the diagnostic for a selection that matches nothing.

use std::sync::Arc;

use super::failure::{Failure, FailureKind};
use crate::error::{FileSpan, Report};

/// The separator of a check's full name: `task › check`.
pub const SEPARATOR: &str = " › ";

/// `--filter` and `--skip` texts, and `--partition`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub filters: Vec<Pattern>,
    pub skips: Vec<Pattern>,
    pub partition: Option<Partition>,
    /// The command line, so a diagnostic can point at a filter.
    pub command_line: Option<Arc<str>>,
}

/// One `--filter` or `--skip` text.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    lower: String,
    /// Where the option is on the command line (offset, length).
    pub span: Option<(usize, usize)>,
}

/// `--partition K/N` (K counts from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: usize,
    pub count: usize,
}

impl Pattern {
    pub fn new(text: &str, span: Option<(usize, usize)>) -> Self {
        Self {
            text: text.to_owned(),
            lower: text.to_lowercase(),
            span,
        }
    }

    fn matches(&self, lower_name: &str) -> bool {
        lower_name.contains(&self.lower)
    }
}

/// A task's checks and checkpoints by name, for the diagnostic of an empty
/// selection.
pub struct Names {
    pub task: String,
    pub checks: Vec<String>,
}

impl Selection {
    /// `task › check`, the name filters match.
    pub fn full_name(task: &str, check: &str) -> String {
        format!("{task}{SEPARATOR}{check}")
    }

    /// Whether a check or checkpoint of a task runs: some filter (if any
    /// was given) and no skip matches `task › check`, in any case.
    pub fn selects(&self, task: &str, check: &str) -> bool {
        let name = Self::full_name(task, check).to_lowercase();
        (self.filters.is_empty() || self.filters.iter().any(|f| f.matches(&name)))
            && !self.skips.iter().any(|s| s.matches(&name))
    }

    /// Whether `--filter` or `--skip` leave anything out.
    pub fn narrows(&self) -> bool {
        !self.filters.is_empty() || !self.skips.is_empty()
    }

    /// The diagnostic for a selection that left out every check and
    /// checkpoint there is: it points at the options and lists the names.
    pub fn nothing_selected(&self, names: &[Names]) -> Failure {
        let mut message = String::from("the selection matches no check or checkpoint");
        let given: Vec<String> = self
            .filters
            .iter()
            .map(|f| format!("--filter {:?}", f.text))
            .chain(self.skips.iter().map(|s| format!("--skip {:?}", s.text)))
            .collect();
        if !given.is_empty() {
            message = format!("{message} ({})", given.join(", "));
        }
        let listing: Vec<String> = names
            .iter()
            .map(|n| {
                let mut text = format!("  {}", n.task);
                for check in &n.checks {
                    text.push_str(&format!("\n    {}", Self::full_name(&n.task, check)));
                }
                if n.checks.is_empty() {
                    text.push_str("  (no checks)");
                }
                text
            })
            .collect();
        let help = if listing.is_empty() {
            "the scripts declared no tasks or checks".to_owned()
        } else {
            format!(
                "filters match \"task › check\" in any case; the names there are:\n{}",
                listing.join("\n")
            )
        };
        let code = "shakedown::cli::empty_selection";
        let mut report = Report::new(code, message.clone()).with_help(Some(help.clone()));
        if let Some(line) = &self.command_line {
            let spans = self.filters.iter().chain(&self.skips).filter_map(|p| {
                p.span.map(|(offset, len)| FileSpan {
                    name: "command line".into(),
                    text: Arc::clone(line),
                    offset,
                    len,
                    label: "matches nothing".into(),
                })
            });
            for span in spans {
                report = report.with_span(&span);
            }
        }
        Failure {
            kind: FailureKind::Script,
            code: code.to_owned(),
            message,
            actual: None,
            expected: None,
            location: None,
            related: Vec::new(),
            help: Some(help),
            detail: None,
            report: Arc::new(report),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(filters: &[&str], skips: &[&str]) -> Selection {
        Selection {
            filters: filters.iter().map(|f| Pattern::new(f, None)).collect(),
            skips: skips.iter().map(|s| Pattern::new(s, None)).collect(),
            ..Selection::default()
        }
    }

    #[test]
    fn no_options_select_everything() {
        assert!(selection(&[], &[]).selects("CPU image", "size"));
    }

    #[test]
    fn any_filter_may_match_in_any_case() {
        let s = selection(&["gpu", "SIZE"], &[]);
        assert!(s.selects("GPU image", "whoami"));
        assert!(s.selects("CPU image", "size under 8 GB"));
        assert!(!s.selects("CPU image", "whoami"));
    }

    #[test]
    fn a_filter_may_span_task_and_check() {
        let s = selection(&["cpu image › size"], &[]);
        assert!(s.selects("CPU image", "size under 8 GB"));
        assert!(!s.selects("GPU image", "size under 8 GB"));
    }

    #[test]
    fn skips_exclude_even_what_a_filter_selects() {
        let s = selection(&["image"], &["gpu"]);
        assert!(s.selects("CPU image", "whoami"));
        assert!(!s.selects("GPU image", "whoami"));
        assert!(!selection(&[], &["whoami"]).selects("CPU image", "WHOAMI is appuser"));
    }
}
