//! Mistakes `shakedown check` finds in a compiled script without an
//! engine: calls and properties no registered function resolves, option
//! keys a primitive does not take, tasks declared twice, `needs` that name
//! no task. What the API has comes from the registered functions'
//! metadata, as for the reference and the editor definitions.

mod calls;
mod span;
mod tasks;

use crate::error::Finding;
use crate::host::Vocabulary;
use crate::runner::Script;

/// Every mistake found in `script`, in the order of the script's lines.
pub fn findings(script: &Script, vocabulary: &Vocabulary) -> Vec<Finding> {
    let spans = span::Spans::new(script.file.clone());
    let mut found = calls::findings(&script.ast, &spans, vocabulary);
    found.extend(tasks::findings(&script.ast, &spans));
    found.sort_by_key(first_offset);
    found
}

fn first_offset(finding: &Finding) -> usize {
    use miette::Diagnostic;
    finding
        .labels()
        .and_then(|mut labels| labels.next())
        .map_or(0, |label| label.offset())
}
