//! Errors a script can use, and one rule for exit codes (issue 14,
//! points 11, 12, 14 and 15).

mod common;

use common::{base_image, check, shakedown, shakedown_json, task};

#[test]
fn a_caught_error_is_a_map_and_a_rethrown_one_keeps_its_diagnostic() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/caught.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert_eq!(
        check(&json, "a caught error is a map")["status"],
        "passed",
        "{json:#}"
    );
    let rethrown = &check(&json, "a rethrown error keeps its diagnostic")["failure"];
    assert_eq!(rethrown["code"], "shakedown::path::missing");
    assert_eq!(rethrown["kind"], "script");
}

/// What the script names wrongly is a script error (2); what it examines
/// failing is a failed gate (1): the same mistake gets the same code from
/// every function.
#[test]
fn a_missing_path_is_a_script_error_from_every_reader() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/exit-codes.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    for name in [
        "file",
        "dockerfile",
        "compose",
        "dockerignore",
        "build",
        "build context",
    ] {
        let failure = &check(&json, name)["failure"];
        assert_eq!(failure["kind"], "script", "{name}: {failure:#}");
        assert_eq!(failure["code"], "shakedown::path::missing", "{name}");
    }
}

#[test]
fn a_bad_dockerignore_fails_a_gate_whichever_function_reads_it() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/exit-codes-content.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    for name in ["dockerignore()", "build()"] {
        let failure = &check(&json, name)["failure"];
        assert_eq!(failure["kind"], "primitive", "{name}: {failure:#}");
        assert_eq!(
            failure["code"], "shakedown::dockerignore::pattern",
            "{name}"
        );
    }
    assert_eq!(
        check(&json, "build()")["failure"]["related"][0]["line"],
        2,
        "the bad pattern's line"
    );
}

#[test]
fn names_with_escape_sequences_and_newlines_are_printed_escaped() {
    let ran = shakedown(&["run", "tests/fixtures/names.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(!ran.stdout.contains('\u{1b}'), "{:?}", ran.stdout);
    assert!(!ran.stderr.contains('\u{1b}'), "{:?}", ran.stderr);
    assert!(
        ran.stdout.contains("red\\u{1b}[31m\\nforged line"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("clear\\u{1b}[2Jscreen"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("inner\\ttab"), "{}", ran.stdout);
    assert!(
        !ran.stdout.lines().any(|l| l.starts_with("forged line")),
        "a name cannot start a line of its own: {}",
        ran.stdout
    );
    let (_, json) = shakedown_json(&["run", "tests/fixtures/names.rhai"]);
    assert_eq!(
        json["tasks"][0]["checks"][1]["name"], "red\u{1b}[31m\nforged line",
        "the JSON report keeps the name as written"
    );
}

#[test]
fn a_var_given_twice_is_an_argument_error() {
    let ran = shakedown(&[
        "run",
        "tests/fixtures/vars.rhai",
        "--var",
        "a=1",
        "--var",
        "a=2",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::cli::duplicate_var"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_engine_side_dockerfile_error_labels_the_dockerfile_line() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/engine-parse.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let error = &task(&json, "build")["error"];
    assert_eq!(error["code"], "shakedown::build::failed", "{error:#}");
    assert_eq!(
        error["related"][0]["file"],
        "tests/fixtures/engine-parse/Dockerfile"
    );
    assert_eq!(error["related"][0]["line"], 3);
    // The same diagnostic, at the same line, whichever builder ran.
    for builder in ["buildkit", "classic"] {
        insta::assert_snapshot!(
            "engine_parse_error",
            shakedown(&[
                "run",
                "--builder",
                builder,
                "tests/fixtures/engine-parse.rhai"
            ])
            .diagnostics()
        );
    }
}
