//! BuildKit builds (issue 11): mounts and secrets, the same diagnostics as
//! the classic builder, the warnings and notes both builders give.

mod common;

use std::process::Command;

use common::{base_image, check, shakedown, shakedown_json, task};

const SECRET_FILE: &str = "tests/fixtures/buildkit-mounts/token.txt";
const MOUNTS_IMAGE: &str = "shakedown-test/buildkit-mounts:latest";

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn secret_cache_and_bind_mounts_build_and_the_secret_stays_out() {
    base_image();
    let secret = std::fs::read_to_string(common::root().join(SECRET_FILE)).expect("the secret");
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let (ran, json) = shakedown_json(&[
        "run",
        "--var",
        &format!("stamp={stamp}"),
        "tests/fixtures/buildkit-mounts.rhai",
    ]);
    assert_eq!(
        common::failures(&json),
        Vec::<String>::new(),
        "{}",
        ran.stderr
    );
    assert_eq!(json["passed"], 4, "{json:#}");
    // Not in the report, the JSON, the image's history or its config.
    assert!(
        !ran.stdout.contains(&secret),
        "the JSON report holds the secret"
    );
    assert!(!ran.stderr.contains(&secret), "the output holds the secret");
    let history = docker(&["history", "--no-trunc", MOUNTS_IMAGE]);
    assert!(history.contains("/secret-length"), "{history}");
    assert!(!history.contains(&secret), "the history holds the secret");
    let inspect = docker(&["image", "inspect", MOUNTS_IMAGE]);
    assert!(
        !inspect.contains(&secret),
        "the image config holds the secret"
    );
}

#[test]
fn the_classic_builder_refuses_secrets() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/build-secret-classic.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let error = &task(&json, "build-secret-classic.rhai")["error"];
    assert_eq!(error["code"], "shakedown::build::unsupported", "{json:#}");
    assert_eq!(
        error["message"],
        "the classic builder cannot mount secrets; they need BuildKit"
    );
}

#[test]
fn a_heredoc_on_a_2010_engine_names_the_feature_the_line_and_the_engine() {
    let ran = shakedown(&[
        "run",
        "--builder",
        "buildkit",
        "tests/fixtures/heredoc.rhai",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let version = docker(&["version", "--format", "{{.Server.Version}}"]);
    let version = version
        .trim()
        .split(['+', '-'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let shown = ran.diagnostics().replace(&version, "VERSION");
    insta::assert_snapshot!("heredoc_buildkit", shown);
    // The classic builder reads no heredocs on any engine: its twin.
    let ran = shakedown(&["run", "--builder", "classic", "tests/fixtures/heredoc.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let shown = ran.diagnostics().replace(&version, "VERSION");
    insta::assert_snapshot!("heredoc_classic", shown);
}

#[test]
fn an_undeclared_build_arg_is_a_warning_under_both_builders() {
    base_image();
    for builder in ["buildkit", "classic"] {
        let (ran, json) = shakedown_json(&[
            "run",
            "--builder",
            builder,
            "tests/fixtures/build-args.rhai",
        ]);
        assert_eq!(ran.code, 0, "{builder}: {}", ran.stderr);
        assert_eq!(
            check(&json, "the declared arg reached the build")["status"],
            "passed"
        );
        let notes = &task(&json, "build-args.rhai")["build_notes"];
        assert_eq!(
            notes.as_array().map(Vec::len),
            Some(1),
            "{builder}: {json:#}"
        );
        assert_eq!(notes[0]["level"], "warning");
        assert_eq!(
            notes[0]["message"],
            "build arg `GREETNG` is declared by no ARG in tests/fixtures/stages/Dockerfile, so the build ignored it (did you mean `GREETING`?)"
        );
    }
}

#[test]
fn every_unknown_build_option_is_named() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/build-bad-options.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        json.to_string()
            .contains("build() has no options `nocache`, `secret`"),
        "{json:#}"
    );
}

/// A dockerd of this test's own with BuildKit turned off in its
/// configuration; stopped when dropped.
struct EngineWithoutBuildKit {
    name: String,
    host: String,
    _config: tempfile::TempDir,
}

impl EngineWithoutBuildKit {
    fn start() -> Self {
        let config = tempfile::tempdir().expect("a temp dir");
        let file = config.path().join("daemon.json");
        std::fs::write(&file, r#"{ "features": { "buildkit": false } }"#).expect("written");
        let name = format!("bkoff{}", std::process::id() % 10_000);
        let out = Command::new("bash")
            .arg(common::root().join("tests/engines/extra-engine.sh"))
            .args(["start", &name, "--config-file"])
            .arg(&file)
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the extra engine did not start:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let host = stdout
            .lines()
            .find_map(|l| l.strip_prefix("DOCKER_HOST="))
            .expect("the script prints DOCKER_HOST")
            .to_owned();
        Self {
            name,
            host,
            _config: config,
        }
    }
}

impl Drop for EngineWithoutBuildKit {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(common::root().join("tests/engines/extra-engine.sh"))
            .args(["stop", &self.name])
            .output();
    }
}

#[test]
fn auto_falls_back_to_the_classic_builder_with_a_note_where_buildkit_is_off() {
    let engine = EngineWithoutBuildKit::start();
    let (ran, json) = shakedown_json(&["run", "--host", &engine.host, "tests/fixtures/base.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let notes = &task(&json, "base.rhai")["build_notes"];
    assert_eq!(notes[0]["level"], "note", "{json:#}");
    assert_eq!(
        notes[0]["message"],
        "built with the classic builder: BuildKit is turned off in the engine's configuration"
    );
    // Asked for by name, BuildKit is an error there, not a silent fallback.
    let (ran, json) = shakedown_json(&[
        "run",
        "--host",
        &engine.host,
        "--builder",
        "buildkit",
        "tests/fixtures/base.rhai",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert_eq!(
        task(&json, "base.rhai")["error"]["code"],
        "shakedown::build::unsupported"
    );
}

#[test]
fn network_platform_and_pull_reach_both_builders() {
    base_image();
    for builder in ["buildkit", "classic"] {
        let (ran, json) = shakedown_json(&[
            "run",
            "--builder",
            builder,
            "tests/fixtures/build-run-options.rhai",
        ]);
        assert_eq!(
            common::failures(&json),
            Vec::<String>::new(),
            "{builder}: {}",
            ran.stderr
        );
        assert_eq!(json["passed"], 3, "{builder}: {json:#}");
    }
}
