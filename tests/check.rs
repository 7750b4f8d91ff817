//! `shakedown check`: the mistakes it finds without an engine, in one run,
//! each at its line; what is not a mistake; and `run` refusing the same.

mod common;

use common::shakedown;

#[test]
fn every_mistake_is_reported_in_one_run() {
    let ran = shakedown(&["check", "tests/fixtures/check/mistakes.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    insta::assert_snapshot!("mistakes", ran.stderr);
}

#[test]
fn script_functions_closures_and_rhai_built_ins_are_not_mistakes() {
    let ran = shakedown(&["check", "tests/fixtures/check/fine.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "✓ tests/fixtures/check/fine.rhai compiles, no mistakes found\n"
    );
}

#[test]
fn the_scripts_that_ship_have_no_mistakes() {
    let ran = shakedown(&[
        "check",
        "scripts/demo.rhai",
        "scripts/demo-smoke.rhai",
        "scripts/demo-static.rhai",
        "scripts/facecraft/01-verify-hardening.rhai",
        "scripts/facecraft/02-01-build-verify.rhai",
        "scripts/facecraft/03-smoke-test.rhai",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
}

#[test]
fn mistakes_known_to_fail_at_run_time_are_found_before() {
    // The fixtures other tests run to see these mistakes fail at run time.
    let ran = shakedown(&["check", "tests/fixtures/typos.rhai"]);
    assert_eq!(ran.code, 2);
    insta::assert_snapshot!("typos", ran.stderr);
}

#[test]
fn check_help_lists_only_its_options() {
    let ran = shakedown(&["check", "--help"]);
    assert_eq!(ran.code, 0);
    insta::assert_snapshot!("check_help", ran.stdout);
}

#[test]
fn run_refuses_a_task_declared_twice() {
    let ran = shakedown(&["check", "tests/fixtures/check/duplicate-task.rhai"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("shakedown::script::duplicate_task"),
        "{}",
        ran.stderr
    );
    let ran = shakedown(&["run", "tests/fixtures/check/duplicate-task.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    insta::assert_snapshot!("duplicate_task_run", ran.diagnostics());
}

#[test]
fn the_modules_a_script_imports_are_checked_too() {
    let ran = shakedown(&["check", "tests/fixtures/check/with-module.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran
        .stdout
        .contains("✓ tests/fixtures/check/with-module.rhai compiles, no mistakes found"));
    insta::assert_snapshot!("module_mistake", ran.stderr);
}
