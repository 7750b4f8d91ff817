//! A panic is never the user's answer and never a pass (issue 13): panics
//! injected where only tests can inject them (debug builds, with
//! SHAKEDOWN_TEST_PANIC) fail what they ran in, and leave no container.

mod common;

use common::{base_image, check, command, containers_of_pid, failures, shakedown, task, Ran};

fn with_panics(points: &str, args: &[&str]) -> (Ran, u32) {
    let child = command(args)
        .env("SHAKEDOWN_TEST_PANIC", points)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("shakedown starts");
    let pid = child.id();
    let output = child.wait_with_output().expect("shakedown ends");
    let ran = Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    (ran, pid)
}

fn assert_internal(failure: &serde_json::Value, said: &str) {
    assert_eq!(failure["code"], "shakedown::internal::panic", "{failure:#}");
    assert_eq!(failure["kind"], "internal", "{failure:#}");
    let message = failure["message"].as_str().unwrap_or_default();
    assert!(message.contains(said), "{message}");
    assert!(message.contains("(at src/"), "where it happened: {message}");
    let help = failure["help"].as_str().unwrap_or_default();
    assert!(
        help.contains("bug in shakedown") && help.contains("report"),
        "{help}"
    );
}

#[test]
fn a_panic_fails_its_check_task_or_script_and_the_rest_goes_on() {
    base_image();
    let (ran, pid) = with_panics(
        "script",
        &["run", "--format", "json", "tests/fixtures/panics.rhai"],
    );
    assert_eq!(
        ran.code, 1,
        "a panic is a failure, never a pass:\n{}",
        ran.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).expect("a JSON report");
    assert_eq!(json["exit"], 1);

    let panicking_task = task(&json, "a task that panics");
    assert_eq!(panicking_task["status"], "failed");
    assert_internal(&panicking_task["error"], "test_panic: in a task");

    let panicking_check = check(&json, "panics");
    assert_eq!(panicking_check["status"], "failed");
    assert_internal(&panicking_check["failure"], "test_panic: in a check");
    assert_eq!(check(&json, "passes beside it")["status"], "passed");
    assert_eq!(check(&json, "a check of the top level")["status"], "passed");

    let top = task(&json, "panics.rhai");
    assert_eq!(top["status"], "failed");
    assert_internal(&top["error"], "test_panic: at the top level");
    let failed = failures(&json);
    assert_eq!(
        failed.len(),
        1,
        "only the panicking check failed: {failed:#?}"
    );
    assert!(failed[0].starts_with("\"panics\": "), "{failed:#?}");
    assert!(
        ran.stderr.contains("shakedown::internal::panic"),
        "{}",
        ran.stderr
    );
    assert_eq!(
        containers_of_pid(pid, false),
        Vec::<String>::new(),
        "containers left"
    );
}

#[test]
fn a_panic_that_escapes_the_runner_still_removes_the_containers() {
    base_image();
    let (ran, pid) = with_panics(
        "before-cleanup",
        &["run", "tests/fixtures/panic-escapes.rhai"],
    );
    assert_eq!(ran.code, 101, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::internal::panic"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("injected panic (SHAKEDOWN_TEST_PANIC=before-cleanup)"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("bug in shakedown"), "{}", ran.stderr);
    assert_eq!(
        containers_of_pid(pid, false),
        Vec::<String>::new(),
        "containers left"
    );
}

#[test]
fn without_the_test_variable_there_is_nothing_to_trip() {
    let ran = shakedown(&[
        "run",
        "tests/fixtures/panic-escapes.rhai",
        "--format",
        "json",
    ]);
    assert_ne!(ran.code, 101, "{}", ran.stderr);
    let ran = {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let script = dir.path().join("trip.rhai");
        std::fs::write(&script, "test_panic(\"boom\");\n").expect("the script is written");
        shakedown(&["run", &script.display().to_string()])
    };
    assert_eq!(
        ran.code, 2,
        "test_panic is unknown to users:\n{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("shakedown::script::unknown_function"),
        "{}",
        ran.stderr
    );
}
