//! Confinement (issue 14, points 1–3 and 8): builds, imports and network
//! modes stay inside what the user allowed, and only regular files of a
//! sane size are read as scripts. The builds run against the real engine.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{base_image, check, command, root, shakedown, shakedown_json};

/// A directory outside the repository (the run directory) holding a build
/// context whose Dockerfile copies a file, a "secret" whose first line a
/// parse error must never show, and a module.
struct Outside {
    dir: tempfile::TempDir,
}

const SECRET_LINE: &str = "root:x:0:0:the-first-line-must-never-show";

impl Outside {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let write = |name: &str, text: &str| {
            std::fs::write(dir.path().join(name), text).expect("a file in the temp dir");
        };
        write(
            "Dockerfile",
            "FROM shakedown-demo/busybox:latest\nCOPY s /s\n",
        );
        write("s", "outside-secret\n");
        write("secret.txt", &format!("{SECRET_LINE}\nmore\n"));
        write("mod.rhai", "fn answer() { 42 }\n");
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The directory as a `../../…` path from the repository root: the
    /// sweep's `../outside`.
    fn relative(&self) -> String {
        relative_from_root(self.path())
    }
}

fn relative_from_root(path: &Path) -> String {
    let root = std::fs::canonicalize(root()).expect("the repository root");
    let path = std::fs::canonicalize(path).expect("the path exists");
    let ups = root.components().count() - 1;
    let rest = path.strip_prefix("/").unwrap_or(&path);
    format!("{}{}", "../".repeat(ups), rest.display())
}

/// A tag only this test uses; the image is removed when it is dropped.
struct Tag(String);

impl Tag {
    fn new(name: &str) -> Self {
        Self(format!(
            "shakedown-test/confinement-{name}:{}",
            std::process::id()
        ))
    }
}

impl Drop for Tag {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn build_args<'a>(dockerfile: &'a str, context: &'a str, tag: &'a Tag) -> Vec<String> {
    vec![
        "run".into(),
        "tests/fixtures/confinement/build.rhai".into(),
        "--var".into(),
        format!("dockerfile={dockerfile}"),
        "--var".into(),
        format!("context={context}"),
        "--var".into(),
        format!("tag={}", tag.0),
    ]
}

/// Runs a build fixture and checks it was refused as a script error
/// (exit 2) naming the path, with nothing of the outside file shown.
fn assert_build_refused(dockerfile: &str, context: &str) {
    let tag = Tag::new("refused");
    let args = build_args(dockerfile, context, &tag);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let error = &common::task(&json, "build")["error"];
    assert_eq!(error["code"], "shakedown::path::outside", "{json:#}");
    assert_eq!(error["kind"], "script");
    assert!(
        !ran.stderr.contains("the-first-line-must-never-show"),
        "{}",
        ran.stderr
    );
    assert!(
        !ran.stderr.to_lowercase().contains("root:x:0:0"),
        "{}",
        ran.stderr
    );
    let human = shakedown(&args);
    assert!(human.stderr.contains("--allow-path"), "{}", human.stderr);
}

#[test]
fn a_build_from_a_directory_outside_is_refused() {
    let outside = Outside::new();
    let rel = outside.relative();
    assert_build_refused(&format!("{rel}/Dockerfile"), &rel);
}

#[test]
fn a_build_context_that_is_a_symlink_to_outside_is_refused() {
    let outside = Outside::new();
    let links = root().join("target/confinement-links");
    std::fs::create_dir_all(&links).expect("a directory under target/");
    let link = links.join(format!("outside-{}", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(outside.path(), &link).expect("a symlink");
    let rel = link
        .strip_prefix(root())
        .expect("under the root")
        .display()
        .to_string();
    assert_build_refused(&format!("{rel}/Dockerfile"), &rel);
    // The context alone (with a Dockerfile inside the run directory) too.
    assert_build_refused("tests/fixtures/base/Dockerfile", &rel);
    let _ = std::fs::remove_file(&link);
}

#[test]
fn a_host_directory_as_context_is_refused() {
    assert_build_refused("tests/fixtures/base/Dockerfile", "/etc/ssh");
}

#[test]
fn an_outside_file_as_dockerfile_never_shows_its_first_line() {
    let outside = Outside::new();
    assert_build_refused("/etc/passwd", "tests/fixtures/base");
    assert_build_refused(
        &format!("{}/secret.txt", outside.relative()),
        "tests/fixtures/base",
    );
}

#[test]
fn allow_path_opens_a_directory_for_builds() {
    base_image();
    let outside = Outside::new();
    let rel = outside.relative();
    let tag = Tag::new("allowed");
    let mut args = build_args(&format!("{rel}/Dockerfile"), &rel, &tag);
    args.extend(["--allow-path".into(), outside.path().display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        check(&json, "the copied file is in the image")["status"],
        "passed"
    );
}

fn import_with(module: &str, extra: &[&str]) -> (common::Ran, serde_json::Value) {
    let var = format!("path={module}");
    let mut args = vec![
        "run",
        "tests/fixtures/confinement/import.rhai",
        "--var",
        &var,
    ];
    args.extend(extra);
    shakedown_json(&args)
}

#[test]
fn imports_from_outside_are_refused_unless_allowed() {
    let outside = Outside::new();
    let absolute = outside.path().join("mod").display().to_string();
    let relative = format!("{}/mod", outside.relative());
    // The importing script is in tests/fixtures/confinement/: climb from there.
    let from_script = format!("../../../{relative}");
    for module in [&absolute, &from_script] {
        let (ran, json) = import_with(module, &[]);
        assert_eq!(ran.code, 2, "{module}: {}", ran.stderr);
        let error = &common::task(&json, "import.rhai")["error"];
        assert_eq!(error["code"], "shakedown::path::outside", "{json:#}");
        assert_eq!(error["location"]["line"], 3, "the import line");
    }
    let allow = outside.path().display().to_string();
    let (ran, json) = import_with(&absolute, &["--allow-path", &allow]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(check(&json, "the module answers")["status"], "passed");
}

#[test]
fn a_module_symlinked_to_outside_is_refused() {
    let outside = Outside::new();
    let links = root().join("target/confinement-links");
    std::fs::create_dir_all(&links).expect("a directory under target/");
    let link = links.join(format!("mod-{}.rhai", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(outside.path().join("mod.rhai"), &link).expect("a symlink");
    let (ran, json) = import_with(&link.display().to_string(), &[]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert_eq!(
        common::task(&json, "import.rhai")["error"]["code"],
        "shakedown::path::outside"
    );
    let _ = std::fs::remove_file(&link);
}

#[test]
fn modules_inside_import_their_neighbours() {
    let (ran, json) = import_with("lib/answer", &[]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(check(&json, "the module answers")["status"], "passed");
}

/// A container this test starts itself, outside any shakedown run.
struct Foreign(String);

impl Foreign {
    fn start() -> Self {
        let name = format!("shakedown-test-foreign-{}", std::process::id());
        let status = Command::new("docker")
            .args([
                "run",
                "-d",
                "--rm",
                "--name",
                &name,
                "shakedown-demo/busybox:latest",
                "sleep",
                "60",
            ])
            .stdout(Stdio::null())
            .status()
            .expect("docker runs");
        assert!(status.success(), "the foreign container starts");
        Self(name)
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "-f", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn host_and_foreign_container_networks_need_an_explicit_opt_in() {
    base_image();
    let foreign = Foreign::start();
    let other = format!("other={}", foreign.0);
    let args = [
        "run",
        "tests/fixtures/confinement/network.rhai",
        "--var",
        &other,
    ];
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    for name in [
        "host network",
        "a service on the host network",
        "a container this run did not start",
    ] {
        let failure = &check(&json, name)["failure"];
        assert_eq!(
            failure["code"], "shakedown::network::refused",
            "{name}: {json:#}"
        );
        assert_eq!(failure["kind"], "script");
    }
    assert_eq!(
        check(&json, "a container this run started")["status"],
        "passed",
        "a sidecar of the run's own service needs no opt-in"
    );
    let human = shakedown(&[
        "run",
        "tests/fixtures/confinement/network.rhai",
        "--var",
        &other,
        "--filter",
        "host network",
    ]);
    insta::assert_snapshot!("host_network_refused", human.diagnostics());

    let allowed = [
        "run",
        "tests/fixtures/confinement/network.rhai",
        "--var",
        &other,
        "--allow-network",
        "host",
        "--allow-network",
        &format!("container:{}", foreign.0),
    ];
    let (ran, json) = shakedown_json(&allowed);
    assert_eq!(ran.code, 0, "{}\n{json:#}", ran.stderr);
}

#[test]
fn a_bad_allow_network_is_an_argument_error() {
    let ran = shakedown(&["run", "scripts/demo.rhai", "--allow-network", "bridge"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::cli::bad_allow_network"),
        "{}",
        ran.stderr
    );
}

/// Runs shakedown on `script`, giving up (and failing) after a generous
/// bound instead of hanging the test run.
fn run_bounded(script: &Path) -> (i32, String) {
    let mut child = command(&["run", &script.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("shakedown starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting works") {
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
            }
            return (status.code().unwrap_or(-1), stderr);
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("shakedown run {} did not end within 60 s", script.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn scripts_that_are_not_regular_files_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fifo = dir.path().join("script.rhai");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for (path, code) in [
        (fifo.clone(), "shakedown::cli::script_not_a_file"),
        (
            PathBuf::from("/dev/zero"),
            "shakedown::cli::script_not_a_file",
        ),
        (
            dir.path().to_path_buf(),
            "shakedown::cli::script_not_a_file",
        ),
    ] {
        let (exit, stderr) = run_bounded(&path);
        assert_eq!(exit, 2, "{}: {stderr}", path.display());
        assert!(stderr.contains(code), "{}: {stderr}", path.display());
    }
}

#[test]
fn a_script_over_the_size_cap_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let big = dir.path().join("big.rhai");
    let line = "// padding padding padding padding padding padding padding padding\n";
    let text = line.repeat(10_000_000 / line.len() + 1);
    std::fs::write(&big, text).expect("a large script");
    let (exit, stderr) = run_bounded(&big);
    assert_eq!(exit, 2, "{stderr}");
    assert!(
        stderr.contains("shakedown::cli::script_too_large"),
        "{stderr}"
    );
}
