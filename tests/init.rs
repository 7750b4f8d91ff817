//! `shakedown init`: a checklist for the demo's Dockerfiles that passes
//! when run right away, and what init refuses.

mod common;

use std::path::PathBuf;

use common::{base_image, command, shakedown, shakedown_json, Ran};

const DEMO: [&str; 3] = [
    "docker/base/Dockerfile",
    "docker/Dockerfile.cpu",
    "docker/Dockerfile.gpu",
];

/// A scratch directory of this test's own under target/ (inside the
/// directory shakedown runs in, as scripts must be).
fn scratch(name: &str) -> PathBuf {
    let dir = common::root()
        .join("target/test-init")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn init(dockerfiles: &[&str], output: &str, more: &[&str]) -> Ran {
    let mut args = vec!["init"];
    args.extend(dockerfiles);
    args.extend(["--output", output]);
    args.extend(more);
    shakedown(&args)
}

#[test]
fn the_checklist_for_the_demo_dockerfiles_passes_right_away() {
    base_image();
    let dir = scratch("demo");
    let output = dir.join("shakedown.rhai").display().to_string();
    let ran = init(&DEMO, &output, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let script = std::fs::read_to_string(&output).unwrap_or_default();
    insta::assert_snapshot!("demo_checklist", script);

    let ran = shakedown(&["check", &output]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let (ran, json) = shakedown_json(&["run", &output, "--approve"]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    // Every Dockerfile's task and the sign-off ran, and checks passed.
    for name in DEMO.iter().copied().chain(["sign-off"]) {
        let task = common::task(&json, name);
        assert_eq!(task["status"], "passed", "{task:#}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_checks_written_commented_out_are_ready_to_enable() {
    let dir = scratch("enable");
    let output = dir.join("checklist.rhai").display().to_string();
    let ran = init(&["docker/base/Dockerfile"], &output, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let script = std::fs::read_to_string(&output).unwrap_or_default();
    assert!(
        script.contains("// check(\"does not run as root\""),
        "{script}"
    );
    assert!(
        script.contains("// check(\"has a HEALTHCHECK\""),
        "{script}"
    );
    // Uncomment each commented-out check, as a person would.
    let mut enabled = String::new();
    let mut inside = false;
    for line in script.lines() {
        let code = line.trim_start().strip_prefix("// ");
        match code {
            Some(code) if inside || code.starts_with("check(") => {
                inside = !(code == "});" || (code.starts_with("check(") && code.ends_with(");")));
                enabled.push_str(&format!("    {code}\n"));
            }
            _ => enabled.push_str(&format!("{line}\n")),
        }
    }
    assert!(
        enabled.contains("\n    check(\"does not run as root\""),
        "{enabled}"
    );
    let path = dir.join("enabled.rhai");
    std::fs::write(&path, enabled).expect("writable");
    let ran = shakedown(&["check", &path.display().to_string()]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_existing_checklist_is_replaced_only_with_force() {
    let dir = scratch("force");
    let output = dir.join("shakedown.rhai");
    std::fs::write(&output, "// mine\n").expect("writable");
    let shown = output.display().to_string();
    let ran = init(&["docker/Dockerfile.cpu"], &shown, &[]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("shakedown::init::exists"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("--force"), "{}", ran.stderr);
    assert_eq!(
        std::fs::read_to_string(&output).unwrap_or_default(),
        "// mine\n"
    );
    let ran = init(&["docker/Dockerfile.cpu"], &shown, &["--force"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(std::fs::read_to_string(&output)
        .unwrap_or_default()
        .contains("build(\"docker/Dockerfile.cpu\")"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn with_no_dockerfile_named_or_found_init_says_so() {
    let dir = scratch("empty");
    let ran = Ran::from(
        command(&["init"])
            .current_dir(&dir)
            .output()
            .expect("the shakedown binary runs"),
    );
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("shakedown::init::no_dockerfile"),
        "{}",
        ran.stderr
    );
    assert!(!dir.join("shakedown.rhai").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_finds_the_dockerfiles_two_levels_down() {
    let dir = scratch("found");
    std::fs::create_dir_all(dir.join("docker/base")).expect("dirs");
    std::fs::write(dir.join("docker/Dockerfile.cpu"), "FROM x\nUSER app\n").expect("w");
    std::fs::write(dir.join("docker/base/Dockerfile"), "FROM scratch\n").expect("w");
    let ran = Ran::from(
        command(&["init"])
            .current_dir(&dir)
            .output()
            .expect("the shakedown binary runs"),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let script = std::fs::read_to_string(dir.join("shakedown.rhai")).unwrap_or_default();
    assert!(
        script.contains("task(\"docker/Dockerfile.cpu\""),
        "{script}"
    );
    assert!(
        script.contains("task(\"docker/base/Dockerfile\""),
        "{script}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
