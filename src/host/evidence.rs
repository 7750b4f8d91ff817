//! Reports a check keeps in case it fails: what a query looked for and did
//! not find, where the values it looked at came from.

use crate::error::{FileSpan, Report};
use crate::runner::context;

/// Keeps `report` on the current check, if code runs inside one.
pub fn keep(report: Report) {
    if let Some(check) = context::current().and_then(|ctx| ctx.check) {
        check.add_evidence(report);
    }
}

/// "docker/Dockerfile.cpu: no HEALTHCHECK instruction", optionally
/// labelling a place in the file.
pub fn absent(file: &str, message: String, span: Option<FileSpan>) {
    let report = Report::new("shakedown::static::absent", format!("{file}: {message}"));
    keep(match span {
        Some(span) => report.with_span(&span),
        None => report,
    });
}
