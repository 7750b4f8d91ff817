//! `--report junit=PATH`: JUnit XML as Jenkins, GitLab and GitHub test
//! reporters read it. One `testsuite` per task (`script › task`), one
//! `testcase` per check and checkpoint; a failed gate is a `failure` whose
//! message is the diagnostic's first line and whose text is the whole
//! diagnostic; an informational failure passes with its warning in
//! `system-out`; skipped and not-run checks are `skipped` with the reason;
//! records are the suite's `properties`.

use std::collections::HashMap;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::file::ReportFile;
use super::Reporter;
use crate::error::render_diagnostic;
use crate::runner::{
    CheckKind, CheckResult, Event, Failure, FailureKind, RunSummary, Status, TaskResult, SEPARATOR,
};

/// Diagnostics in the report are rendered at this width, without colour.
const WIDTH: usize = 100;

/// The name of the test case that stands for a task's own body (a failed
/// build, a task not run).
pub const TASK_BODY: &str = "task body";

pub struct Junit {
    file: ReportFile,
    /// `print` output, by task id, for the suite's `system-out`.
    output: HashMap<usize, String>,
}

impl Junit {
    pub fn new(file: ReportFile) -> Self {
        Self {
            file,
            output: HashMap::new(),
        }
    }
}

impl Reporter for Junit {
    fn report(&mut self, event: &Event) {
        match event {
            Event::ScriptOutput { task, text } => {
                let out = self.output.entry(*task).or_default();
                out.push_str(text);
                out.push('\n');
            }
            Event::RunFinished(summary) => self.file.write(&document(summary, &self.output)),
            _ => {}
        }
    }
}

/// The whole JUnit document of a run.
pub fn document(summary: &RunSummary, output: &HashMap<usize, String>) -> String {
    let mut report = Report::new("shakedown");
    report.set_time(summary.duration);
    for task in summary.tasks.iter().filter(|t| t.is_visible()) {
        report.add_test_suite(suite(task, output.get(&task.id)));
    }
    if let Some(fatal) = &summary.fatal {
        let mut suite = TestSuite::new("shakedown");
        suite.add_test_case(failed_case("run", "shakedown", fatal));
        report.add_test_suite(suite);
    }
    let xml = report
        .to_string()
        .unwrap_or_else(|err| format!("<!-- the JUnit report could not be written: {err} -->\n"));
    without_total_skipped(&xml)
}

/// The suite's name: `script › task`, or the script for its top level.
fn suite_name(task: &TaskResult) -> String {
    if task.implicit {
        task.script.clone()
    } else {
        format!("{}{SEPARATOR}{}", task.script, task.name)
    }
}

fn suite(task: &TaskResult, output: Option<&String>) -> TestSuite {
    let name = suite_name(task);
    let mut suite = TestSuite::new(name.as_str());
    suite.set_time(task.duration);
    suite.add_properties(
        task.records
            .iter()
            .map(|r| Property::new(r.name.as_str(), r.value.text())),
    );
    if let Some(error) = &task.error {
        suite.add_test_case(failed_case(TASK_BODY, &name, error));
    } else if matches!(task.status, Status::Skipped | Status::NotRun) && task.checks.is_empty() {
        let mut status = TestCaseStatus::skipped();
        status.set_message(
            task.note
                .clone()
                .unwrap_or_else(|| task.status.word().into()),
        );
        let mut case = TestCase::new(TASK_BODY, status);
        case.set_classname(name.as_str());
        suite.add_test_case(case);
    }
    for check in &task.checks {
        suite.add_test_case(case(check, &name));
    }
    if let Some(output) = output {
        suite.set_system_out(output.as_str());
    }
    suite
}

fn case(check: &CheckResult, classname: &str) -> TestCase {
    let name = match check.kind {
        CheckKind::Check => check.name.clone(),
        CheckKind::Checkpoint => format!("checkpoint: {}", check.name),
    };
    let mut case = match (&check.failure, check.status) {
        (Some(failure), Status::Failed) => failed_case(&name, classname, failure),
        (_, Status::Skipped | Status::NotRun) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(
                check
                    .note
                    .clone()
                    .unwrap_or_else(|| check.status.word().into()),
            );
            TestCase::new(name.as_str(), status)
        }
        (Some(failure), _) => {
            let mut case = TestCase::new(name.as_str(), TestCaseStatus::success());
            case.set_system_out(format!(
                "warning (informational, not a gate): {}\n{}",
                failure.message,
                rendered(failure)
            ));
            case
        }
        (None, _) => {
            let mut case = TestCase::new(name.as_str(), TestCaseStatus::success());
            if let Some(note) = &check.note {
                case.set_system_out(note.as_str());
            }
            case
        }
    };
    case.set_classname(classname);
    case.set_time(check.duration);
    case
}

/// A test case whose gate failed: `failure` for what the checklist found,
/// `error` for a script or engine error.
fn failed_case(name: &str, classname: &str, failure: &Failure) -> TestCase {
    let kind = match failure.kind {
        FailureKind::Script | FailureKind::Engine | FailureKind::Cancelled => NonSuccessKind::Error,
        _ => NonSuccessKind::Failure,
    };
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(failure.report.message.as_str());
    status.set_type(failure.code.as_str());
    status.set_description(rendered(failure));
    let mut case = TestCase::new(name, status);
    case.set_classname(classname);
    case
}

fn rendered(failure: &Failure) -> String {
    render_diagnostic(failure.report.as_ref(), false, Some(WIDTH))
}

/// quick-junit writes a `skipped` count on `<testsuites>`; the Jenkins
/// xUnit schema (junit-10.xsd) has no such attribute there and rejects the
/// file, so it is dropped (each `<testsuite>` keeps its own count).
fn without_total_skipped(xml: &str) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml.to_owned();
    };
    let end = xml[start..].find('>').map_or(xml.len(), |e| start + e);
    let tag = &xml[start..end];
    let Some(at) = tag.find(" skipped=\"") else {
        return xml.to_owned();
    };
    let value_end = tag[at + 10..]
        .find('"')
        .map_or(tag.len(), |e| at + 10 + e + 1);
    format!("{}{}{}", &xml[..start + at], &tag[value_end..], &xml[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_skipped_count_is_dropped_from_testsuites_only() {
        let xml = "<?xml version=\"1.0\"?>\n<testsuites name=\"shakedown\" tests=\"2\" skipped=\"1\" failures=\"0\" errors=\"0\">\n<testsuite name=\"a\" tests=\"2\" skipped=\"1\" errors=\"0\" failures=\"0\"/>\n</testsuites>\n";
        let cleaned = without_total_skipped(xml);
        assert!(
            cleaned.contains(
                "<testsuites name=\"shakedown\" tests=\"2\" failures=\"0\" errors=\"0\">"
            ),
            "{cleaned}"
        );
        assert!(
            cleaned.contains("<testsuite name=\"a\" tests=\"2\" skipped=\"1\""),
            "{cleaned}"
        );
    }
}
