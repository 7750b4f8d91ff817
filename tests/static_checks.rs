//! Static checks and provenance: the demo's files pass, their broken twin
//! fails each check with a diagnostic pointing into the right file.

mod common;

use common::{base_image, check, shakedown, shakedown_json};

#[test]
fn the_demo_files_pass_every_static_check() {
    let (ran, json) = shakedown_json(&[
        "run",
        "scripts/demo-static.rhai",
        "--host",
        "unix:///nonexistent.sock",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["failed"], 0);
    assert!(json["passed"].as_u64().unwrap_or(0) >= 20, "{json:#}");
}

#[test]
fn the_broken_twin_fails_each_check_pointing_into_its_files() {
    let args = [
        "run",
        "scripts/demo-static.rhai",
        "--var",
        "root=tests/fixtures/broken-static",
    ];
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(json["passed"], 0, "every check fails: {json:#}");
    let user = check(
        &json,
        "tests/fixtures/broken-static/docker/Dockerfile.gpu: runs as appuser",
    );
    assert_eq!(
        user["failure"]["related"][0]["file"],
        "tests/fixtures/broken-static/docker/Dockerfile.gpu"
    );
    let version = check(&json, "no version key");
    assert_eq!(
        version["failure"]["related"][0]["file"],
        "tests/fixtures/broken-static/docker/docker-compose.yml"
    );
    assert_eq!(version["failure"]["related"][0]["line"], 1);
    insta::assert_snapshot!("broken_static", shakedown(&args).diagnostics());
}

/// The user's own hardening checks, run as they would run them (from the
/// root of their repository) on a fixture of the same shape, with their
/// real finding: the compose healthcheck probes /health, the images /ready.
#[test]
fn the_users_hardening_checks_label_the_healthcheck_mismatch_in_both_files() {
    let dir = common::root().join("tests/fixtures/facecraft-shape");
    let script = "../../../scripts/facecraft/01-verify-hardening.rhai";
    let ran = |extra: &[&str]| {
        let mut args = vec!["run", script];
        args.extend_from_slice(extra);
        let output = common::command(&args)
            .current_dir(&dir)
            .output()
            .expect("shakedown runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = ran(&["--format", "json"]);
    assert_eq!(code, Some(1), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(json["passed"], 23, "{json:#}");
    assert_eq!(json["failed"], 1, "{json:#}");
    assert_eq!(
        check(
            &json,
            "21. two named volumes, uploads and processed, mounted by both services"
        )["status"],
        "passed"
    );
    let mismatch = &check(
        &json,
        "the compose healthcheck probes what the image's does",
    )["failure"];
    let related: Vec<(String, u64)> = mismatch["related"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["file"].as_str().unwrap_or_default().to_owned(),
                r["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            ("docker-compose.yml".to_owned(), 25),
            ("docker/Dockerfile.cpu".to_owned(), 42)
        ],
        "{mismatch:#}"
    );
    let (_, _, stderr) = ran(&[]);
    insta::assert_snapshot!("facecraft_shape", stderr);
}

#[test]
fn a_compose_services_line_is_the_line_of_its_key() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/compose-lines.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["passed"], 1, "{json:#}");
}

#[test]
fn a_dockerfile_syntax_error_points_into_the_dockerfile() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/bad-dockerfile.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let parses = check(&json, "the Dockerfile parses");
    assert_eq!(parses["failure"]["code"], "shakedown::dockerfile::parse");
    assert_eq!(parses["failure"]["related"][0]["line"], 3);
}

#[test]
fn paths_outside_the_run_directory_are_refused_unless_allowed() {
    let outside = common::root().join("../outside-shakedown.txt");
    std::fs::write(&outside, "outside").expect("a file beside the repository");
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/outside.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert_eq!(
        check(&json, "reads the shared design")["failure"]["code"],
        "shakedown::path::outside"
    );
    let (ran, _) = shakedown_json(&["run", "tests/fixtures/outside.rhai", "--allow-path", ".."]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let _ = std::fs::remove_file(outside);
}

#[test]
fn a_failing_size_check_shows_the_largest_layers_and_their_lines() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/size-gpu.rhai"]);
    assert_eq!(
        ran.code, 0,
        "an informational check only warns: {}",
        ran.stderr
    );
    let size = check(&json, "size under 1 kB");
    assert_eq!(size["status"], "warned");
    assert!(
        size["failure"]["related"]
            .as_array()
            .is_some_and(|r| r.iter().any(|l| l["file"] == "docker/Dockerfile.gpu")),
        "{size:#}"
    );
    assert_eq!(
        check(&json, "layers name their Dockerfile line")["status"],
        "passed",
        "{json:#}"
    );
    let human = shakedown(&["run", "tests/fixtures/size-gpu.rhai"]);
    assert!(
        human
            .stderr
            .contains("largest layers of shakedown-demo/facecraft:gpu"),
        "{}",
        human.stderr
    );
}

#[test]
fn a_failed_whoami_on_a_built_image_points_at_the_missing_user() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/no-user.rhai"]);
    assert_eq!(ran.code, 1);
    let whoami = check(&json, "runs as non-root user appuser");
    assert_eq!(
        whoami["failure"]["related"][0]["file"],
        "tests/fixtures/no-user/Dockerfile"
    );
    assert_eq!(
        whoami["failure"]["related"][0]["line"], 3,
        "the FROM of the stage without USER"
    );
}
