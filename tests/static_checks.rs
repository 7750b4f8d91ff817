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
