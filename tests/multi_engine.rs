//! Several engines in one run (issue 10): `--engine NAME=URL`, tasks with
//! `engine:`, images that belong to their engine, `img.to()`, and cleanup
//! on every engine, against a real second engine of the test's own
//! (tests/engines/extra-engine.sh).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::extra_engine::{lines, ExtraEngine};
use common::{base_image, containers_of, shakedown, shakedown_json, task};

fn engine_flag(engine: &ExtraEngine) -> String {
    format!("gpu={}", engine.host)
}

/// Containers of a run on the extra engine.
fn containers_there(engine: &ExtraEngine, run_id: &str) -> Vec<String> {
    let filter = format!("label=io.shakedown.run={run_id}");
    lines(&engine.docker(&["ps", "-aq", "--filter", &filter]))
}

#[test]
fn the_seed_plan_runs_split_over_two_engines_with_one_report() {
    base_image();
    let engine = ExtraEngine::start("sp");
    let flag = engine_flag(&engine);
    let (ran, json) = shakedown_json(&[
        "run",
        "scripts/demo-two-engines.rhai",
        "--engine",
        &flag,
        "--approve",
    ]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(task(&json, "base image")["engine"], "default");
    assert_eq!(task(&json, "CPU image")["engine"], "default");
    assert_eq!(task(&json, "GPU image")["engine"], "gpu");
    for name in ["CPU image", "GPU image", "verify build results"] {
        assert_eq!(task(&json, name)["status"], "passed", "{name}: {json:#}");
    }
    assert_eq!(json["failed"], 0);
    // The GPU image was built there, from the base image img.to() copied.
    let there = engine.docker(&["image", "inspect", "shakedown-demo/facecraft:gpu"]);
    assert!(
        there.status.success(),
        "the GPU image is not on the gpu engine"
    );
    let run_id = json["run_id"].as_str().expect("a run id");
    assert_eq!(containers_there(&engine, run_id), Vec::<String>::new());

    // The human report names the engine of each task.
    let ran = shakedown(&[
        "run",
        "scripts/demo-two-engines.rhai",
        "--engine",
        &flag,
        "--approve",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("GPU image  passed in"),
        "{}",
        ran.stdout
    );
    let gpu_line = ran
        .stdout
        .lines()
        .find(|l| l.contains("▸ GPU image"))
        .expect("a GPU image line");
    assert!(gpu_line.ends_with("on engine gpu"), "{gpu_line}");
    let cpu_line = ran
        .stdout
        .lines()
        .find(|l| l.contains("▸ CPU image"))
        .expect("a CPU image line");
    assert!(cpu_line.ends_with("on engine default"), "{cpu_line}");
}

#[test]
fn an_image_used_on_another_engine_is_a_script_error_naming_both() {
    base_image();
    let engine = ExtraEngine::start("we");
    let flag = engine_flag(&engine);
    let ran = shakedown(&["run", "tests/fixtures/wrong-engine.rhai", "--engine", &flag]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    insta::assert_snapshot!("wrong_engine", ran.diagnostics());
}

#[test]
fn a_task_naming_an_engine_not_given_is_a_script_error_listing_the_engines() {
    base_image();
    let ran = shakedown(&["run", "tests/fixtures/wrong-engine.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    insta::assert_snapshot!("unknown_engine", ran.diagnostics());
}

#[test]
fn named_engines_that_do_not_answer_are_one_diagnostic_each_and_exit_3() {
    let ran = shakedown(&[
        "run",
        "tests/fixtures/wrong-engine.rhai",
        "--engine",
        "gpu=unix:///run/shakedown-test-no-such-engine.sock",
        "--engine",
        "arm=tcp://127.0.0.1:1",
    ]);
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert_eq!(ran.stdout, "", "no task may run");
    insta::assert_snapshot!("named_engines_unreachable", ran.stderr);
}

#[test]
fn a_bad_engine_argument_is_an_argument_error() {
    for (given, code) in [
        ("gpu", "shakedown::cli::bad_engine"),
        (
            "default=tcp://127.0.0.1:2375",
            "shakedown::cli::default_engine_named",
        ),
    ] {
        let ran = shakedown(&["run", "tests/fixtures/wrong-engine.rhai", "--engine", given]);
        assert_eq!(ran.code, 2, "{given}: {}", ran.stderr);
        assert!(ran.stderr.contains(code), "{given}: {}", ran.stderr);
    }
}

#[test]
fn a_failed_run_leaves_no_container_on_either_engine() {
    base_image();
    let engine = ExtraEngine::start("cf");
    let flag = engine_flag(&engine);
    let (ran, json) = shakedown_json(&[
        "run",
        "tests/fixtures/two-engines-fail.rhai",
        "--engine",
        &flag,
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(task(&json, "fails on default")["status"], "failed");
    assert_eq!(task(&json, "fails on gpu")["status"], "failed");
    assert_eq!(task(&json, "fails on gpu")["engine"], "gpu");
    let run_id = json["run_id"].as_str().expect("a run id");
    assert_eq!(containers_of(run_id), Vec::<String>::new());
    assert_eq!(containers_there(&engine, run_id), Vec::<String>::new());
}

#[test]
fn the_next_run_sweeps_a_killed_runs_containers_on_every_engine() {
    base_image();
    let engine = ExtraEngine::start("ck");
    let flag = engine_flag(&engine);
    let child = common::command(&[
        "run",
        "tests/fixtures/two-engines-hold.rhai",
        "--engine",
        &flag,
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("shakedown starts");
    let pid = child.id();
    let started = Instant::now();
    while common::containers_of_pid(pid, true).is_empty()
        || engine.containers_of_pid(pid, true).is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the containers did not start on both engines"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut child = child;
    child.kill().expect("the run is killed");
    let _ = child.wait();
    assert_eq!(common::containers_of_pid(pid, false).len(), 1);
    assert_eq!(engine.containers_of_pid(pid, false).len(), 1);
    // Any run that can reach both engines sweeps them.
    let ran = shakedown(&["run", "tests/fixtures/names.rhai", "--engine", &flag]);
    assert!(ran.code <= 1, "{}", ran.stderr);
    assert_eq!(common::containers_of_pid(pid, false), Vec::<String>::new());
    assert_eq!(engine.containers_of_pid(pid, false), Vec::<String>::new());
}

#[test]
fn an_engine_named_by_a_docker_context_runs_the_tasks_that_choose_it() {
    base_image();
    let engine = ExtraEngine::start("cx");
    // A tag only the extra engine has: finding it proves where the task ran.
    let only_there = format!("shakedown-test/only-there:{}", std::process::id());
    let tagged = engine.docker(&["tag", common::extra_engine::IMAGE, &only_there]);
    assert!(tagged.status.success());
    // The context store as the docker CLI writes it.
    let config = tempfile::tempdir().expect("a temp dir");
    let created = Command::new("docker")
        .env("DOCKER_CONFIG", config.path())
        .args([
            "context",
            "create",
            "gpu-box",
            "--docker",
            &format!("host={}", engine.host),
        ])
        .output()
        .expect("docker runs");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let var = format!("only_there={only_there}");
    let out = common::command(&[
        "run",
        "tests/fixtures/only-there.rhai",
        "--engine",
        "gpu=context:gpu-box",
        "--var",
        &var,
        "--format",
        "json",
    ])
    .env("DOCKER_CONFIG", config.path())
    .output()
    .expect("shakedown runs");
    let ran = common::Ran::from(out);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let json = ran.json();
    assert_eq!(task(&json, "there")["engine"], "gpu");
    assert_eq!(task(&json, "there")["status"], "passed");
    // The default engine has no such image.
    let here = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args(["image", "inspect", &only_there])
        .output()
        .expect("docker runs");
    assert!(!here.status.success());
}

#[test]
fn the_gpu_image_task_runs_on_the_tls_engine_through_a_context() {
    base_image();
    // The TLS engine tests/setup-remote-engines.sh runs on 127.0.0.1:2376,
    // named by a context the docker CLI creates with its certificates.
    let certs = common::remote::client_certs();
    let config = tempfile::tempdir().expect("a temp dir");
    let created = Command::new("docker")
        .env("DOCKER_CONFIG", config.path())
        .args([
            "context",
            "create",
            "gpu-tls",
            "--docker",
            &format!(
                "host=tcp://127.0.0.1:2376,ca={},cert={},key={}",
                certs.join("ca.pem").display(),
                certs.join("cert.pem").display(),
                certs.join("key.pem").display()
            ),
        ])
        .output()
        .expect("docker runs");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let out = common::command(&[
        "run",
        "scripts/demo-two-engines.rhai",
        "--engine",
        "gpu=context:gpu-tls",
        "--approve",
        "--format",
        "json",
    ])
    .env("DOCKER_CONFIG", config.path())
    .output()
    .expect("shakedown runs");
    let ran = common::Ran::from(out);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let json = ran.json();
    assert_eq!(task(&json, "CPU image")["engine"], "default");
    assert_eq!(task(&json, "GPU image")["engine"], "gpu");
    assert_eq!(task(&json, "GPU image")["status"], "passed");
    assert_eq!(json["failed"], 0);
    let run_id = json["run_id"].as_str().expect("a run id");
    assert_eq!(containers_of(run_id), Vec::<String>::new());
    let filter = format!("label=io.shakedown.run={run_id}");
    let left = Command::new("docker")
        .env("DOCKER_CONFIG", config.path())
        .args(["--context", "gpu-tls", "ps", "-aq", "--filter", &filter])
        .output()
        .expect("docker runs");
    assert!(left.status.success());
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "");
}
