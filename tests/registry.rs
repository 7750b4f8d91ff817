//! Pull and push against the real test registry (tests/remote/registry.sh:
//! Debian's docker-registry on 127.0.0.1:5000 with htpasswd basic auth),
//! through scripts: push, delete locally, pull back with the same digest,
//! with credentials from a config.json `auths` entry and from a credential
//! helper on PATH; a wrong password and an unknown repository end in their
//! diagnostics. Each test has its own DOCKER_CONFIG and repository, and
//! removes the tags it made.

mod common;

use std::path::Path;
use std::process::Command;

use common::{base_image, check, command, redact, task, Ran};

use common::registry::{
    delete_from_real, write_stub_helper, REAL as REGISTRY, REAL_PASSWORD as PASSWORD,
    REAL_USER as USER,
};

/// A temp DOCKER_CONFIG, and a directory for credential helpers to put on PATH.
struct DockerConfig {
    dir: tempfile::TempDir,
    bin: tempfile::TempDir,
}

impl DockerConfig {
    fn with(config_json: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), config_json).unwrap();
        Self {
            dir,
            bin: tempfile::tempdir().unwrap(),
        }
    }

    fn auths(user: &str, password: &str) -> Self {
        let auth = base64_of(&format!("{user}:{password}"));
        Self::with(&format!(
            r#"{{"auths":{{"{REGISTRY}":{{"auth":"{auth}"}}}}}}"#
        ))
    }

    /// `credHelpers` names a stub helper that answers as the docker CLI
    /// expects: the registry on stdin, JSON on stdout.
    fn helper() -> Self {
        let config = Self::with(&format!(
            r#"{{"credHelpers":{{"{REGISTRY}":"shakedown-stub"}}}}"#
        ));
        write_stub_helper(config.bin.path());
        config
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Ran {
        self.run_with(args, "100")
    }

    fn run_wide(&self, args: &[&str]) -> Ran {
        self.run_with(args, "400")
    }

    fn run_with(&self, args: &[&str], columns: &str) -> Ran {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Ran::from(
            command(args)
                .env("DOCKER_CONFIG", self.dir.path())
                .env("PATH", path)
                .env("COLUMNS", columns)
                .output()
                .expect("the shakedown binary runs"),
        )
    }
}

/// Removes the tags a test made, whatever happens to it.
struct Tags(Vec<String>);

impl Drop for Tags {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = Command::new("docker").args(["rmi", tag]).output();
        }
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn image_id(reference: &str) -> String {
    let out = Command::new("docker")
        .args(["image", "inspect", "-f", "{{.Id}}", reference])
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn has_image(reference: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", reference])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn round_trip(name: &str, config: &DockerConfig, how: &str) {
    base_image();
    let path = format!("shakedown-test/{name}-{}", std::process::id());
    let reference = format!("{REGISTRY}/{path}:1");
    let _tags = Tags(vec![reference.clone()]);
    let var = format!("reference={reference}");
    let stamp = format!("stamp={path}");
    let pushed = config.run(&[
        "run",
        "tests/fixtures/registry-push.rhai",
        "--var",
        &var,
        "--var",
        &stamp,
        "--format",
        "json",
    ]);
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    let json = pushed.json();
    let digest = task(&json, "push")["records"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "digest"))
        .map(|r| r["value"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("no digest recorded: {json:#}"));
    assert!(digest.starts_with("sha256:"), "{digest}");

    // The image's only name: removing it deletes the image and its own
    // layer, which only the registry has now.
    let id = image_id(&reference);
    let removed = Command::new("docker")
        .args(["rmi", &reference])
        .output()
        .unwrap();
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert!(!has_image(&reference) && !has_image(&id), "deleted locally");

    let digest_var = format!("digest={digest}");
    let how_var = format!("how={how}");
    let pulled = config.run(&[
        "run",
        "tests/fixtures/registry-pull.rhai",
        "--var",
        &var,
        "--var",
        &digest_var,
        "--var",
        &how_var,
        "--var",
        &stamp,
        "--format",
        "json",
    ]);
    assert_eq!(pulled.code, 0, "{}\n{}", pulled.stdout, pulled.stderr);
    let json = pulled.json();
    assert_eq!(
        check(&json, "the pulled digest is the pushed one")["status"],
        "passed"
    );
    assert!(has_image(&reference), "pulled back");
    delete_from_real(&path, &digest);
}

#[test]
fn push_delete_pull_round_trip_with_credentials_from_an_auths_entry() {
    round_trip("auths", &DockerConfig::auths(USER, PASSWORD), "pull");
}

#[test]
fn push_delete_pull_round_trip_with_a_credential_helper_and_pull_missing() {
    round_trip("helper", &DockerConfig::helper(), "missing");
}

/// The rendered diagnostic, with the temp config's path made stable.
fn shown(ran: &Ran, config: &DockerConfig) -> String {
    let text = ran
        .diagnostics()
        .replace(&config.path().display().to_string(), "$DOCKER_CONFIG");
    redact(&text, r"(?m)^\s+$", "")
}

#[test]
fn a_wrong_password_is_a_diagnostic_naming_the_registry_and_the_login() {
    base_image();
    let _tags = Tags(vec![format!("{REGISTRY}/shakedown-test/denied:1")]);
    let config = DockerConfig::auths(USER, "not-the-password");
    // Wide enough that the temp config's path is never wrapped.
    let ran = config.run_wide(&["run", "tests/fixtures/registry-denied.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let json = config
        .run(&[
            "run",
            "tests/fixtures/registry-denied.rhai",
            "--format",
            "json",
        ])
        .json();
    let error = &task(&json, "publish")["error"];
    assert_eq!(
        error["code"], "shakedown::registry::unauthorised",
        "{json:#}"
    );
    assert_eq!(error["location"]["line"], 4);
    insta::assert_snapshot!("push_unauthorised", shown(&ran, &config));
}

#[test]
fn an_unknown_repository_is_a_diagnostic_saying_the_registry_has_no_such_image() {
    let config = DockerConfig::auths(USER, PASSWORD);
    let ran = config.run(&["run", "tests/fixtures/registry-unknown.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    insta::assert_snapshot!("pull_unknown", shown(&ran, &config));
}

#[test]
fn without_credentials_the_diagnostic_says_to_log_in() {
    let config = DockerConfig::with("{}");
    let ran = config.run(&["run", "tests/fixtures/registry-unknown.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    insta::assert_snapshot!("pull_anonymous", shown(&ran, &config));
}

#[test]
fn an_unreachable_registry_is_a_diagnostic_saying_so() {
    let config = DockerConfig::with("{}");
    let ran = config.run(&["run", "tests/fixtures/registry-unreachable.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    insta::assert_snapshot!("pull_unreachable", shown(&ran, &config));
}

#[test]
fn a_credential_helper_that_is_not_there_is_a_diagnostic_naming_it() {
    let config = DockerConfig::with(r#"{"credsStore":"shakedown-absent"}"#);
    let ran = config.run(&["run", "tests/fixtures/registry-unknown.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    insta::assert_snapshot!("credential_helper_absent", shown(&ran, &config));
}

#[test]
fn a_bad_reference_is_a_script_error_at_the_call() {
    let config = DockerConfig::with("{}");
    let ran = config.run(&[
        "run",
        "tests/fixtures/registry-bad-reference.rhai",
        "--format",
        "json",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let json = ran.json();
    let error = &task(&json, "fetch")["error"];
    assert_eq!(error["code"], "shakedown::image::bad_reference", "{json:#}");
    assert_eq!(error["location"]["line"], 3);
}

#[test]
fn a_task_pulls_on_its_own_engine_what_another_engine_pushed() {
    base_image();
    let engine = common::extra_engine::ExtraEngine::start("rg");
    let config = DockerConfig::auths(USER, PASSWORD);
    let path = format!("shakedown-test/engines-{}", std::process::id());
    let reference = format!("{REGISTRY}/{path}:1");
    let _tags = Tags(vec![reference.clone()]);
    let (var, stamp, other) = (
        format!("reference={reference}"),
        format!("stamp={path}"),
        format!("other={}", engine.host),
    );
    let ran = config.run(&[
        "run",
        "tests/fixtures/registry-two-engines.rhai",
        "--engine",
        &other,
        "--var",
        &var,
        "--var",
        &stamp,
        "--format",
        "json",
    ]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let json = ran.json();
    let digest = |name: &str| task(&json, name)["records"][0]["value"].clone();
    assert_eq!(digest("push here"), digest("pull there"), "{json:#}");
    assert_eq!(task(&json, "pull there")["engine"], "other");
    assert!(
        engine
            .docker(&["image", "inspect", &reference])
            .status
            .success(),
        "the image was pulled on the other engine"
    );
    delete_from_real(&path, digest("push here").as_str().unwrap_or_default());
}
