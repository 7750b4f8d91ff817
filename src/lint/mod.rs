//! Mistakes `shakedown check` finds in a compiled script without an
//! engine: calls and properties no registered function resolves, option
//! keys a primitive does not take, tasks declared twice, `needs` that name
//! no task. What the API has comes from the registered functions'
//! metadata, as for the reference and the editor definitions.

mod calls;
mod modules;
mod span;
mod tasks;

use crate::error::Finding;
use crate::host::Vocabulary;
use crate::runner::Script;

pub use modules::imported;

/// Every mistake found in `script`, in the order of the script's lines.
pub fn findings(script: &Script, vocabulary: &Vocabulary) -> Vec<Finding> {
    let spans = span::Spans::new(script.file.clone());
    let mut found = calls::findings(&script.ast, &spans, vocabulary);
    found.extend(tasks::findings(&script.ast, &spans));
    found.sort_by_key(first_offset);
    found
}

/// What `check` finds in a module a script imports: its calls, methods,
/// properties and options (its task names may come from its callers).
pub fn module_findings(module: &Script, vocabulary: &Vocabulary) -> Vec<Finding> {
    let spans = span::Spans::new(module.file.clone());
    let mut found = calls::findings(&module.ast, &spans, vocabulary);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages of what `check` finds in `text`.
    fn found(text: &str) -> Vec<String> {
        let mut engine = crate::host::new_engine();
        engine.set_optimization_level(rhai::OptimizationLevel::None);
        let script =
            crate::host::compile_source(&engine, std::path::Path::new("t.rhai"), text.to_owned())
                .map_err(|err| format!("{err:?}"))
                .unwrap();
        findings(&script, Vocabulary::shared())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_closure_keeps_the_type_of_what_it_captures() {
        assert_eq!(
            found("let img = image(\"x\"); check(\"c\", || img.idd);"),
            ["Image has no property `idd`"]
        );
        // A nested closure, and a value a method returns.
        assert_eq!(
            found("let img = image(\"x\"); task(\"t\", || { let r = img.run(\"id\"); check(\"c\", || r.outt); });"),
            ["RunResult has no property `outt`"]
        );
    }

    #[test]
    fn what_the_walk_cannot_type_is_not_reported() {
        // A loop variable, a parameter, a reassigned variable, a map.
        assert!(found(
            "let img = image(\"x\"); for img in [#{ idd: 1 }] { print(img.idd); }\n\
             fn f(img) { img.idd }\n\
             let r = image(\"x\"); r = #{ idd: 1 }; print(r.idd);\n\
             let m = image(\"x\").inspect(); print(m.anything);"
        )
        .is_empty());
    }

    #[test]
    fn calls_through_variables_maps_and_modules_are_not_unknown() {
        assert!(found(
            "let f = |x| x + 1; print(f(1));\n\
             let o = #{ greet: |n| n }; print(o.greet(1));\n\
             print(Fn(\"f\").call(1));"
        )
        .is_empty());
        // A value a module made may hold closures the module names.
        assert!(found("import \"lib\" as m; m::anything(1); m::make().hello();").is_empty());
    }

    #[test]
    fn unknown_names_and_wrong_counts_are_reported() {
        assert_eq!(
            found("frobnicate(1); image(\"a\", \"b\", \"c\"); [1].lenght();"),
            [
                "unknown function `frobnicate`",
                "`image` does not take 3 arguments",
                "unknown method `lenght`"
            ]
        );
    }

    #[test]
    fn every_unknown_option_key_is_named_once() {
        assert_eq!(
            found("let img = build(#{ dockerfile: \"D\", no_cahce: true, tagg: \"t\" }); img.run(\"id\", #{ netwrk: \"none\" });"),
            ["build() has no options `no_cahce`, `tagg`", "run() has no option `netwrk`"]
        );
    }
}
