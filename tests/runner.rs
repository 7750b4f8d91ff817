//! How the runner schedules, orders, filters and stops, seen from the CLI.

mod common;

use common::{check, shakedown, shakedown_json, task};

fn records(json: &serde_json::Value, task_name: &str) -> Vec<serde_json::Value> {
    task(json, task_name)["records"]
        .as_array()
        .map(|r| r.iter().map(|r| r["value"].clone()).collect())
        .unwrap_or_default()
}

#[test]
fn a_loop_hands_each_check_its_own_value() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/loop-capture.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let mut seen: Vec<String> = records(&json, "loop-capture.rhai")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    seen.sort();
    assert_eq!(seen, ["a", "b", "c"]);
}

#[test]
fn jobs_1_runs_strictly_in_declaration_order() {
    let (ran, json) = shakedown_json(&["run", "--jobs", "1", "tests/fixtures/order.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let mut order: Vec<i64> = records(&json, "order.rhai")
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .collect();
    order.extend(
        records(&json, "later task")
            .iter()
            .filter_map(serde_json::Value::as_i64),
    );
    assert_eq!(order, [1, 2, 3, 4, 5]);
}

#[test]
fn results_are_reported_in_declaration_order_whatever_finishes_first() {
    let (ran, json) = shakedown_json(&["run", "--jobs", "4", "tests/fixtures/order.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let names: Vec<&str> = task(&json, "order.rhai")["checks"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["check 1", "check 2", "check 3", "check 4"]);
}

#[test]
fn fail_fast_stops_at_the_first_failure_and_reports_what_did_not_run() {
    let (ran, json) = shakedown_json(&["run", "--fail-fast", "tests/fixtures/fail-fast.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(json["passed"], 0, "nothing after the failure ran: {json:#}");
    assert_eq!(
        json["stopped_by"],
        serde_json::json!({"script": "tests/fixtures/fail-fast.rhai", "task": "first", "check": "fails"})
    );
    // The top level goes on declaring after the stop: every task is there.
    for name in ["second", "third"] {
        assert_eq!(task(&json, name)["status"], "not_run", "{json:#}");
        assert_eq!(task(&json, name)["note"], "not run (--fail-fast)");
    }
    // A check its task's body had declared when the run stopped is not run
    // (the body itself is stopped, so it may not have got that far).
    let first = task(&json, "first")["checks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        first
            .iter()
            .all(|c| c["name"] == "fails" || c["status"] == "not_run"),
        "{json:#}"
    );
    assert!(json["not_run"].as_u64() >= Some(2), "{json:#}");
    let human = common::shakedown(&["run", "--fail-fast", "tests/fixtures/fail-fast.rhai"]);
    for line in [
        "▸ second  not run",
        "  not run (--fail-fast)",
        "stopped after \"first › fails\" failed (--fail-fast)",
    ] {
        assert!(
            human.stdout.contains(line),
            "no {line:?} in:\n{}",
            human.stdout
        );
    }
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/needs-failed.rhai"]);
    assert_eq!(ran.code, 1);
    assert_eq!(json["failed"], 1);
}

#[test]
fn filter_keeps_matching_tasks_and_checks() {
    let (ran, json) = shakedown_json(&["run", "--filter", "size", "tests/fixtures/filter.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["passed"], 1);
    assert_eq!(json["filtered"], 2);
    assert_eq!(check(&json, "size under 8 GB")["status"], "passed");
    let (_, json) = shakedown_json(&["run", "--filter", "images", "tests/fixtures/filter.rhai"]);
    assert_eq!(json["passed"], 2, "a task's name keeps all its checks");
}

#[test]
fn vars_and_sizes_are_visible_everywhere() {
    let (ran, json) = shakedown_json(&["run", "--var", "tag=v1", "tests/fixtures/vars.rhai"]);
    assert_eq!(ran.code, 0, "{}\n{json:#}", ran.stderr);
    assert_eq!(json["passed"], 3);
}

#[test]
fn the_json_report_has_tasks_checks_records_and_checkpoints() {
    common::base_image();
    let (ran, json) = shakedown_json(&["run", "--approve", "scripts/demo.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["exit"], 0);
    assert_eq!(json["failed"], 0);
    assert_eq!(json["passed"], 19);
    assert_eq!(
        task(&json, "CPU image")["records"][0]["name"],
        "CPU image size"
    );
    assert!(
        task(&json, "CPU image")["records"][0]["value"]
            .as_i64()
            .unwrap_or(0)
            > 1_000_000
    );
    let checkpoint = &task(&json, "verify build results")["checks"][0];
    assert_eq!(checkpoint["kind"], "checkpoint");
    assert_eq!(checkpoint["approval"]["how"], "flag", "{checkpoint:#}");
    let informational = check(&json, "size under 8 GB");
    assert_eq!(informational["gate"], false);
}

#[test]
fn a_check_passes_unless_it_throws_or_returns_false() {
    common::base_image();
    let ran = shakedown(&[
        "run",
        "tests/fixtures/check-values.rhai",
        "--format",
        "json",
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let json = ran.json();
    for name in [
        "ends with a run; and a semicolon",
        "returns a string",
        "returns a map",
        "returns unit",
        "returns true",
    ] {
        assert_eq!(check(&json, name)["status"], "passed", "{name}: {json:#}");
    }
    let failed = check(&json, "returns false");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failure"]["code"], "shakedown::check::false");
    assert!(
        !ran.stderr.contains("shakedown::host"),
        "no internal type name in messages: {}",
        ran.stderr
    );
}
