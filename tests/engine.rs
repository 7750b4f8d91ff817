//! The primitives against the real engine: inspect, run options, build
//! contexts, cleanup.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    base_image, check, command, containers_of, plant_dead_run_container, shakedown, shakedown_json,
};

fn all_passed(script: &str) -> serde_json::Value {
    base_image();
    let (ran, json) = shakedown_json(&["run", script]);
    let failed = common::failures(&json);
    assert!(
        failed.is_empty() || script.ends_with("run-options.rhai"),
        "{failed:#?}\n{}",
        ran.stderr
    );
    json
}

#[test]
fn inspect_returns_every_field() {
    let json = all_passed("tests/fixtures/inspect.rhai");
    assert_eq!(json["passed"], 7, "{json:#}");
}

#[test]
fn run_honours_every_option() {
    let json = all_passed("tests/fixtures/run-options.rhai");
    let others: Vec<_> = json["tasks"][0]["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"] != "gpus asks the engine for a GPU")
        .filter(|c| c["status"] != "passed")
        .collect();
    assert!(others.is_empty(), "{others:#?}");
    // No GPU runtime on this machine: the engine refuses the device request.
    let gpus = check(&json, "gpus asks the engine for a GPU");
    assert_eq!(gpus["status"], "failed");
    assert_eq!(gpus["failure"]["code"], "shakedown::engine::refused");
    assert!(
        gpus["failure"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("device"),
        "{gpus:#}"
    );
}

#[test]
fn the_build_context_honours_dockerignore() {
    let json = all_passed("tests/fixtures/dockerignore.rhai");
    assert_eq!(json["passed"], 1);
}

#[test]
fn ctrl_c_stops_the_run_and_removes_its_containers() {
    base_image();
    let child = command(&["run", "tests/fixtures/sleeper.rhai", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("shakedown starts");
    let pid = child.id();
    let run_label = format!("label=io.shakedown.pid={pid}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = Command::new("docker")
            .args(["ps", "-q", "--filter", &run_label])
            .output()
            .expect("docker ps");
        if !out.stdout.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the container never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    let killed = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = child.wait_with_output().expect("shakedown ends");
    assert_eq!(output.status.code(), Some(130));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(json["interrupted"], true);
    assert_eq!(
        containers_of(json["run_id"].as_str().unwrap_or_default()),
        Vec::<String>::new()
    );
}

#[test]
fn a_killed_runs_containers_are_swept_by_the_next_run() {
    base_image();
    // A container as a run that died would leave it: its pid is gone. Every
    // run sweeps at its start, so a test running beside this one may remove
    // it first: what matters is that it is gone after a run.
    let dead = format!("dead-run-{}", std::process::id());
    plant_dead_run_container(&dead, 4_194_303);
    let ran = shakedown(&["run", "tests/fixtures/engine.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(containers_of(&dead), Vec::<String>::new());
}

#[test]
fn build_honours_target_args_tag_and_no_cache() {
    let json = all_passed("tests/fixtures/build-options.rhai");
    assert_eq!(json["passed"], 4, "{json:#}");
}
