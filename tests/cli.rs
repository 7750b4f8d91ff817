//! The command line's face: help texts are snapshot-tested.

mod common;

use common::shakedown;

#[test]
fn help_explains_every_option() {
    let ran = shakedown(&["run", "--help"]);
    assert_eq!(ran.code, 0);
    insta::assert_snapshot!("run_help", ran.stdout);
    let ran = shakedown(&["--help"]);
    assert_eq!(ran.code, 0);
    insta::assert_snapshot!("help", ran.stdout);
}

#[test]
fn check_compiles_without_an_engine() {
    let ran = common::Ran::from(
        common::command(&["check", "scripts/demo.rhai"])
            .env("DOCKER_HOST", "unix:///nonexistent.sock")
            .output()
            .expect("the shakedown binary runs"),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran
        .stdout
        .contains("scripts/demo.rhai compiles, no mistakes found"));
}
