//! Services against the real engine: started containers, waits, HTTP,
//! files inside images, the smoke demo; every failure path ends in its
//! diagnostic and no container is left behind.

mod common;

use std::path::Path;

use common::{base_image, check, failures, root, shakedown_json, task};

/// The fixture image with nothing but a static binary and a data file
/// needs busybox in its context (docker/setup-engine.sh puts it there).
fn bare_context() {
    let target = root().join("tests/fixtures/base/busybox");
    if !target.exists() {
        std::fs::copy(root().join("docker/base/busybox"), &target)
            .expect("docker/base/busybox exists (run docker/setup-engine.sh)");
    }
}

fn run(script: &str) -> (common::Ran, serde_json::Value) {
    base_image();
    bare_context();
    shakedown_json(&["run", script])
}

fn text<'a>(value: &'a serde_json::Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_default()
}

#[test]
fn every_service_primitive_works() {
    let (ran, json) = run("tests/fixtures/services.rhai");
    assert_eq!(failures(&json), Vec::<String>::new(), "{}", ran.stderr);
    assert_eq!(json["passed"], 10, "{json:#}");
}

#[test]
fn files_are_read_from_an_image_with_no_shell() {
    let (ran, json) = run("tests/fixtures/files.rhai");
    assert_eq!(failures(&json), Vec::<String>::new(), "{}", ran.stderr);
    assert_eq!(json["passed"], 6, "{json:#}");
}

#[test]
fn the_smoke_demo_passes_and_leaves_nothing_behind() {
    let (ran, json) = run("scripts/demo-smoke.rhai");
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(failures(&json), Vec::<String>::new());
    assert_eq!(json["passed"], 8, "{json:#}");
    let no_face = task(&json, "smoke test")["records"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "no-face status"))
        .map(|r| r["value"].clone());
    assert_eq!(
        no_face,
        Some(serde_json::json!(400)),
        "the no-face branch ran: {json:#}"
    );
}

/// Every failure path of the fixture, with the code it must fail with and
/// what its message and detail must say.
#[test]
#[allow(clippy::too_many_lines)]
fn every_failure_ends_in_its_diagnostic() {
    let (ran, json) = run("tests/fixtures/service-failures.rhai");
    assert_eq!(ran.code, 2, "a usage error is among them:\n{}", ran.stderr);
    let expect = |name: &str, code: &str, in_message: &[&str], in_detail: &[&str]| {
        let c = check(&json, name);
        assert_eq!(c["status"], "failed", "{name}: {c:#}");
        let failure = &c["failure"];
        assert_eq!(text(failure, "code"), code, "{name}: {failure:#}");
        for part in in_message {
            assert!(
                text(failure, "message").contains(part),
                "{name}: the message lacks {part:?}: {failure:#}"
            );
        }
        for part in in_detail {
            assert!(
                text(failure, "detail").contains(part),
                "{name}: the detail lacks {part:?}: {failure:#}"
            );
        }
        assert!(
            failure["help"].as_str().is_some_and(|h| !h.is_empty()),
            "{name}: no help: {failure:#}"
        );
        c["duration"].as_f64().unwrap_or(f64::MAX)
    };
    let state = "shakedown-demo/facecraft:cpu) is running";
    let log = ["its log (1 line):", "idle for now"];
    for (name, what) in [
        ("wait_healthy times out", "it to be healthy"),
        ("wait_http times out", "/health to answer 200"),
        ("wait_log times out", "a log line matching /ready to serve/"),
        ("wait_port times out", "port 8000 (127.0.0.1:"),
    ] {
        let took = expect(
            name,
            "shakedown::wait::timeout",
            &[what, "after 1s", "last saw: ", state],
            &log,
        );
        assert!(took < 5.0, "{name} took {took}s");
    }
    assert!(
        text(&check(&json, "wait_port times out")["failure"], "message")
            .contains("nothing listens in the container")
    );
    expect(
        "http times out",
        "shakedown::http::timeout",
        &[
            "no answer from http://127.0.0.1:",
            "/cgi-bin/slow within 1s",
        ],
        &[],
    );

    // A container that exits ends the wait at once, with its code and log.
    let early = ["exited with code 3"];
    let early_log = ["fatal: model file is corrupt", "loading models"];
    for name in [
        "wait_http ends when it exits",
        "wait_healthy ends when it exits",
        "wait_port ends when it exits",
    ] {
        let took = expect(name, "shakedown::wait::exited", &early, &early_log);
        assert!(took < 10.0, "{name} took {took}s: it did not end at once");
    }
    expect(
        "url of a container that exited",
        "shakedown::container::exited",
        &["exited with code 3", "port 8000 has no host port"],
        &early_log,
    );
    expect(
        "wait_log ends when it is killed",
        "shakedown::wait::exited",
        &["exited with code 137", "/never/"],
        &["its log is empty"],
    );

    expect(
        "no HEALTHCHECK",
        "shakedown::wait::no_healthcheck",
        &["shakedown-test/bare:latest has no HEALTHCHECK"],
        &[],
    );
    let no_hc = &check(&json, "no HEALTHCHECK")["failure"];
    assert_eq!(
        no_hc["related"][0]["file"],
        "tests/fixtures/base/Dockerfile"
    );
    assert!(
        ran.stderr.contains("this stage has no HEALTHCHECK"),
        "{}",
        ran.stderr
    );
    expect(
        "unhealthy",
        "shakedown::wait::unhealthy",
        &["became unhealthy", "probe says: not today"],
        &["running (unhealthy)"],
    );

    expect(
        "refused",
        "shakedown::http::refused",
        &["could not connect to http://127.0.0.1:1/health", "refused"],
        &[],
    );
    expect(
        "https",
        "shakedown::http::bad_url",
        &["https is not supported"],
        &[],
    );
    expect(
        "not json",
        "shakedown::http::not_json",
        &["is not JSON", "facecraft demo"],
        &[],
    );
    expect(
        "copy_out of a missing file",
        "shakedown::container::no_file",
        &["/no/such/file"],
        &[],
    );
    expect(
        "stat of a missing path",
        "shakedown::file::missing",
        &["/no/such/file"],
        &[],
    );
    expect(
        "an unknown option of start",
        "shakedown::script::usage",
        &["start() has no option `port`"],
        &[],
    );
    expect(
        "an unpublished port",
        "shakedown::script::usage",
        &["port 8000", "is not published"],
        &[],
    );

    // The task failed after starting a container; shakedown_json checked
    // that no container of the run is left.
    let failing = task(&json, "a failing task still removes its containers");
    assert_eq!(failing["status"], "failed");
    assert!(Path::new(&root().join("tests/fixtures/base/busybox")).exists());
}

#[test]
fn the_smoke_scripts_compile() {
    let ran = common::shakedown(&[
        "check",
        "scripts/demo-smoke.rhai",
        "scripts/facecraft/03-smoke-test.rhai",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("03-smoke-test.rhai compiles"));
}

/// The container a failed task started is removed when that task ends, not
/// only by the sweep at the end of the run.
#[test]
fn a_failed_tasks_container_is_removed_when_the_task_ends() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    base_image();
    let child = common::command(&[
        "run",
        "--jobs",
        "1",
        "--format",
        "json",
        "tests/fixtures/task-cleanup.rhai",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("shakedown starts");
    let label = format!("label=io.shakedown.pid={}", child.id());
    let deadline = Instant::now() + Duration::from_secs(30);
    let seen = loop {
        let out = Command::new("docker")
            .args(["ps", "-a", "--filter", &label, "--format", "{{.Command}}"])
            .output()
            .expect("docker ps runs");
        let commands = String::from_utf8_lossy(&out.stdout).into_owned();
        if commands.contains("sleep 3\"") {
            break commands;
        }
        assert!(Instant::now() < deadline, "the second task never ran");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        !seen.contains("3601"),
        "the failed task's container outlived its task: {seen}"
    );
    let output = child.wait_with_output().expect("shakedown ends");
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(
        task(&json, "starts a container and fails")["status"],
        "failed"
    );
    assert_eq!(task(&json, "runs after it")["status"], "passed");
}
