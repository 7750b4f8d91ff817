//! Shared by the integration tests: run the real binary against the real
//! engine, from the repository root, without colour, at a fixed width.
#![allow(dead_code)]

pub mod extra_engine;
pub mod registry;
pub mod remote;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The JSON report on stdout.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Diagnostics only: stderr without the plain build-progress lines.
    pub fn diagnostics(&self) -> String {
        self.stderr
            .lines()
            .filter(|l| {
                !["  building ", "  pulling ", "  pushing "]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A ledger path of its own for each command, so that runs with
/// checkpoints never write into the repository and never share a ledger.
fn scratch_ledger() -> std::path::PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "shakedown-test-{}-{}/approvals.jsonl",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ))
}

pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shakedown"));
    cmd.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("SHAKEDOWN_APPROVALS", scratch_ledger())
        .stdin(Stdio::null());
    cmd
}

pub fn shakedown(args: &[&str]) -> Ran {
    Ran::from(command(args).output().expect("the shakedown binary runs"))
}

/// Runs with `--format json` and checks that the run left no container.
pub fn shakedown_json(args: &[&str]) -> (Ran, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let ran = shakedown(&all);
    let json = ran.json();
    let run_id = json["run_id"].as_str().expect("a run id").to_owned();
    assert_eq!(
        containers_of(&run_id),
        Vec::<String>::new(),
        "run {run_id} left containers behind"
    );
    (ran, json)
}

/// Ids of containers that carry `label` (`key=value`); all of them, or
/// only the running ones.
pub fn containers_labelled(label: &str, running_only: bool) -> Vec<String> {
    let filter = format!("label={label}");
    let mut args = vec!["ps", "-q", "--filter", &filter];
    if !running_only {
        args.push("-a");
    }
    let out = Command::new("docker")
        .args(&args)
        .output()
        .expect("docker ps runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Ids of containers labelled with a run id.
pub fn containers_of(run_id: &str) -> Vec<String> {
    containers_labelled(&format!("io.shakedown.run={run_id}"), false)
}

/// Ids of containers a shakedown process made (all, or the running ones).
pub fn containers_of_pid(pid: u32, running_only: bool) -> Vec<String> {
    containers_labelled(&format!("io.shakedown.pid={pid}"), running_only)
}

/// Creates a container as a run that died would leave it: labelled with
/// `run_id`, this host and a pid that no process has.
pub fn plant_dead_run_container(run_id: &str, dead_pid: u32) {
    base_image();
    let created = Command::new("docker")
        .args([
            "create",
            "--label",
            &format!("io.shakedown.run={run_id}"),
            "--label",
            &format!("io.shakedown.host={}", hostname()),
            "--label",
            &format!("io.shakedown.pid={dead_pid}"),
            "shakedown-demo/busybox:latest",
            "true",
        ])
        .output()
        .expect("docker create runs");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
}

/// This machine's host name, as shakedown labels its containers with.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The demo's busybox base image, built once per test binary.
pub fn base_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let ran = shakedown(&["run", "tests/fixtures/base.rhai"]);
        assert_eq!(
            ran.code, 0,
            "building the base image failed:\n{}\n{}",
            ran.stdout, ran.stderr
        );
    });
}

/// A task's JSON by name.
pub fn task<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["tasks"]
        .as_array()
        .and_then(|tasks| tasks.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no task {name:?} in {json:#}"))
}

/// A check's JSON by name, in any task.
pub fn check<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["checks"].as_array().into_iter().flatten())
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name:?} in {json:#}"))
}

/// "name: message" of every check that did not pass.
pub fn failures(json: &serde_json::Value) -> Vec<String> {
    json["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["checks"].as_array().into_iter().flatten())
        .filter(|c| c["status"] != "passed")
        .map(|c| format!("{}: {}", c["name"], c["failure"]["message"]))
        .collect()
}

/// `text` with every match of `pattern` replaced, for snapshots of output
/// that holds a port or a hash.
pub fn redact(text: &str, pattern: &str, with: &str) -> String {
    regex::Regex::new(pattern)
        .expect("a valid pattern")
        .replace_all(text, with)
        .into_owned()
}
