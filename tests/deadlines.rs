//! Absurd numbers of seconds, and floods of output: every seconds-taking
//! function refuses what makes no sense at the call, and every deadline
//! holds whatever the volume (issue 13).

mod common;

use std::collections::BTreeSet;

use common::{base_image, check, root, shakedown_json, task};

const ABSURD: &str = "tests/fixtures/absurd-seconds.rhai";
const VALUES: [&str; 4] = ["1e300", "-1", "0.0/0.0", "9223372036854775807"];

/// Every function of the reference that takes seconds: a parameter named
/// `timeout` or `grace`, or an options map documented (in its entry or its
/// section's introduction) with an option in seconds.
fn functions_taking_seconds() -> BTreeSet<String> {
    let reference = shakedown::host::api_reference();
    let mut found = BTreeSet::new();
    for section in reference.split("\n## ").skip(1) {
        let mut entries = section.split("\n### ");
        let intro = entries.next().unwrap_or_default();
        let option_in_seconds = |text: &str| {
            ["timeout", "interval"]
                .iter()
                .any(|key| text.contains(&format!("`{key}` (seconds")))
        };
        for entry in entries {
            let heading = entry.lines().next().unwrap_or_default();
            let Some((name, params)) = heading.trim_start_matches('`').split_once('(') else {
                continue;
            };
            let takes_seconds = params.contains("timeout:")
                || params.contains("grace:")
                || (params.contains("options: Map")
                    && (option_in_seconds(entry) || option_in_seconds(intro)));
            if takes_seconds {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

#[test]
fn every_documented_function_taking_seconds_is_in_the_fixture() {
    let functions = functions_taking_seconds();
    for expected in ["check", "Image.run", "Container.stop", "http_get"] {
        assert!(
            functions.contains(expected),
            "{expected} not found in {functions:?}"
        );
    }
    let fixture = std::fs::read_to_string(root().join(ABSURD)).expect("the fixture");
    for function in &functions {
        for value in VALUES {
            let given = fixture.lines().any(|line| {
                line.contains(&format!("(\"{function} ")) && line.contains(&format!(" = {value}\""))
            });
            assert!(given, "{ABSURD} does not give {function} the value {value}");
        }
    }
}

#[test]
fn absurd_seconds_are_refused_at_the_call_everywhere() {
    base_image();
    let (ran, json) = shakedown_json(&["run", ABSURD]);
    assert_eq!(ran.code, 2, "a script error each:\n{}", ran.stderr);
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    let fixture = std::fs::read_to_string(root().join(ABSURD)).expect("the fixture");
    let lines: Vec<&str> = fixture.lines().collect();
    let mut cases = 0;
    for (index, line) in lines.iter().enumerate() {
        let Some(name) = line
            .strip_prefix("check(\"")
            .or_else(|| line.strip_prefix("task(\""))
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let failure = if line.starts_with("task(") {
            task(&json, name)["error"].clone()
        } else {
            check(&json, name)["failure"].clone()
        };
        assert_eq!(
            failure["code"], "shakedown::script::bad_seconds",
            "{name}: {failure:#}"
        );
        // The call with the absurd value: on the declaring line or below.
        let call = (index..lines.len())
            .find(|&i| VALUES.iter().any(|v| gives(lines[i], v)))
            .unwrap_or(index);
        assert_eq!(failure["location"]["line"], call + 1, "{name}: {failure:#}");
        assert!(
            failure["help"]
                .as_str()
                .unwrap_or_default()
                .contains("86400"),
            "{name}: {failure:#}"
        );
        cases += 1;
    }
    // The release gate: a task whose run got 1e300 went green.
    assert_eq!(cases, 13 * VALUES.len() + 1, "every case ran");
}

/// Whether a line of the fixture passes `value` as seconds.
fn gives(line: &str, value: &str) -> bool {
    [
        format!(": {value} "),
        format!("({value})"),
        format!(", {value})"),
    ]
    .iter()
    .any(|form| line.contains(form.as_str()))
}

fn record(json: &serde_json::Value, task_name: &str, name: &str) -> f64 {
    task(json, task_name)["records"]
        .as_array()
        .and_then(|records| records.iter().find(|r| r["name"] == name))
        .and_then(|r| r["value"].as_f64())
        .unwrap_or_else(|| panic!("no record {name:?} in {json:#}"))
}

fn duration(json: &serde_json::Value, name: &str) -> f64 {
    check(json, name)["duration"].as_f64().unwrap_or(f64::MAX)
}

/// The bound: the work ends within a second of its deadline.
const WITHIN: f64 = 1.0;

#[test]
fn floods_hold_every_deadline_and_keep_bounded_output() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/floods.rhai"]);
    let failed: BTreeSet<String> = common::failures(&json).into_iter().collect();
    let expected: BTreeSet<String> = [
        "\"check: the timeout holds under a flood\": \"did not finish within its timeout of 2s\"",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain(
        [
            "wait_log: gives up at its timeout",
            "wait_http: gives up at its timeout",
            "wait_healthy: gives up at its timeout",
        ]
        .iter()
        .map(|name| format!("\"{name}\": {}", check(&json, name)["failure"]["message"])),
    )
    .collect();
    assert_eq!(failed, expected, "{}", ran.stderr);
    assert_eq!(ran.code, 1);

    // A check's timeout: the check ends within a second of it.
    let check_took = duration(&json, "check: the timeout holds under a flood");
    assert!(check_took < 2.0 + WITHIN, "the check took {check_took}s");
    // A run's timeout: past a quick run's cost (create, start, remove),
    // the flooded run ends within a second of its deadline.
    let (flood, overhead) = (
        record(&json, "floods.rhai", "run flood"),
        record(&json, "floods.rhai", "run overhead"),
    );
    assert!(
        flood - overhead < 2.0 + WITHIN,
        "the run took {flood}s, a quick one {overhead}s"
    );
    // An exec's timeout, likewise.
    let (flood, overhead) = (
        record(&json, "a flooding service", "exec flood"),
        record(&json, "a flooding service", "exec overhead"),
    );
    assert!(
        flood - overhead < 2.0 + WITHIN,
        "the exec took {flood}s, a quick one {overhead}s"
    );
    // Waits on a flooding container give up at their timeout, saying what
    // they saw.
    let wait_log = check(&json, "wait_log: gives up at its timeout");
    let took = wait_log["duration"].as_f64().unwrap_or(f64::MAX);
    assert!(took < 3.0 + WITHIN, "wait_log took {took}s");
    assert_eq!(wait_log["failure"]["code"], "shakedown::wait::timeout");
    let message = wait_log["failure"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("lines, none matching; the last: \"a line of chatter\""),
        "{message}"
    );
    for name in [
        "wait_http: gives up at its timeout",
        "wait_healthy: gives up at its timeout",
    ] {
        let took = duration(&json, name);
        assert!(took < 2.0 + WITHIN, "{name}: it took {took}s");
        assert_eq!(
            check(&json, name)["failure"]["code"],
            "shakedown::wait::timeout"
        );
    }
}
