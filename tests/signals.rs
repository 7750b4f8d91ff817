//! SIGTERM (CI cancelling a job, `timeout`) and SIGHUP stop a run like
//! Ctrl-C: the containers are removed, the report is printed, and the exit
//! code says which signal (issue 14, point 5). And every run that can reach
//! the engine sweeps what killed runs left, even one that only reads files
//! (point 6).

mod common;

use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use common::{
    base_image, command, containers_of, containers_of_pid, plant_dead_run_container, shakedown,
};

/// Every run sweeps dead runs' containers at its start: the tests of this
/// file take turns, so that the sweep test knows which run removed its
/// container.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn stopped_by(signal: &str, code: i32, name: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    base_image();
    let child = command(&["run", "tests/fixtures/signal.rhai", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("shakedown starts");
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    while containers_of_pid(pid, true).len() < 5 {
        assert!(Instant::now() < deadline, "the five containers never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    let sent = Instant::now();
    let killed = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = child.wait_with_output().expect("shakedown ends");
    let took = sent.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(took < Duration::from_secs(15), "it took {took:?} to stop");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(json["interrupted"], true);
    assert_eq!(json["signal"], name);
    assert_eq!(json["exit"], code);
    assert_eq!(
        containers_of_pid(pid, false),
        Vec::<String>::new(),
        "containers left"
    );
    assert!(
        stderr.contains("stopping and removing containers"),
        "{stderr}"
    );
}

#[test]
fn sigterm_cleans_up_and_exits_143() {
    stopped_by("-TERM", 143, "SIGTERM");
}

#[test]
fn sighup_cleans_up_and_exits_129() {
    stopped_by("-HUP", 129, "SIGHUP");
}

#[test]
fn a_run_that_only_reads_files_sweeps_dead_runs_containers() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    base_image();
    let run = format!("dead-static-{}", std::process::id());
    // A container as a run that died would leave it: its pid is gone.
    plant_dead_run_container(&run, 4_194_302);
    assert_eq!(containers_of(&run).len(), 1);
    let ran = shakedown(&["run", "scripts/demo-static.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        containers_of(&run),
        Vec::<String>::new(),
        "the static run swept it"
    );
}
