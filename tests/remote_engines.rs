//! shakedown reaches the engines the docker CLI reaches (issue 10): a TLS
//! engine, an engine over SSH, and the engine of a Docker context, and
//! agrees with `docker` on which engine is current. The engines are real
//! (tests/setup-remote-engines.sh starts them, from tests/setup.sh): a
//! dockerd with --tlsverify on 127.0.0.1:2376 and an sshd on
//! 127.0.0.1:2222 that reaches the first engine.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{command, redact, Ran};

const TLS_HOST: &str = "tcp://127.0.0.1:2376";
const SSH_HOST: &str = "ssh://root@127.0.0.1:2222";

fn remote() -> PathBuf {
    common::remote::dir()
}

fn cert_path() -> PathBuf {
    common::remote::client_certs()
}

/// PATH with the tests' `ssh` (their key, known_hosts, BatchMode) first.
fn ssh_path() -> String {
    format!(
        "{}:{}",
        remote().join("ssh/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// How a command (shakedown or docker) is pointed at an engine: the
/// variables it gets; the others the tests care about are removed.
#[derive(Default, Clone)]
struct Env {
    vars: Vec<(&'static str, String)>,
}

impl Env {
    fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.vars.push((key, value.into()));
        self
    }

    fn tls(self) -> Self {
        self.with("DOCKER_TLS_VERIFY", "1")
            .with("DOCKER_CERT_PATH", cert_path().display().to_string())
    }

    fn apply(&self, cmd: &mut Command) {
        for var in [
            "DOCKER_HOST",
            "DOCKER_CONTEXT",
            "DOCKER_TLS_VERIFY",
            "DOCKER_CERT_PATH",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("PATH", ssh_path());
        for (key, value) in &self.vars {
            cmd.env(key, value);
        }
    }
}

fn docker(env: &Env, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("docker");
    env.apply(&mut cmd);
    cmd.args(args).output().expect("docker runs")
}

/// `docker info`'s ID, Name and DockerRootDir: which engine `docker` uses.
fn docker_engine(env: &Env, flags: &[&str]) -> String {
    let mut args = flags.to_vec();
    args.extend(["info", "--format", "{{.ID}} {{.Name}} {{.DockerRootDir}}"]);
    let out = docker(env, &args);
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs shakedown with `--format json`.
fn shakedown(env: &Env, args: &[&str]) -> (Ran, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let mut cmd = command(&all);
    env.apply(&mut cmd);
    let ran = Ran::from(cmd.output().expect("shakedown runs"));
    let json = ran.json();
    (ran, json)
}

/// The same triple, from what shakedown's report says it used.
fn shakedown_engine(json: &serde_json::Value) -> String {
    let v = &json["engine"]["version"];
    format!(
        "{} {} {}",
        v["id"].as_str().unwrap_or_default(),
        v["name"].as_str().unwrap_or_default(),
        v["root_dir"].as_str().unwrap_or_default()
    )
}

/// Runs the small checklist on an engine: every check passes, and the run
/// used the engine `docker` reaches with the same settings.
fn checklist_passes_on(env: &Env, flags: &[&str], docker_flags: &[&str]) -> serde_json::Value {
    let mut args = vec!["run", "tests/fixtures/remote.rhai"];
    args.extend(flags);
    let (ran, json) = shakedown(env, &args);
    assert_eq!(ran.code, 0, "{}\n{json:#}", ran.stderr);
    assert_eq!(json["passed"], 3, "{json:#}");
    assert_eq!(shakedown_engine(&json), docker_engine(env, docker_flags));
    json
}

#[test]
fn a_checklist_runs_on_the_tls_engine() {
    let json = checklist_passes_on(
        &Env::default().tls(),
        &["--host", TLS_HOST],
        &["-H", TLS_HOST],
    );
    assert_eq!(json["engine"]["tls"], true);
    assert_eq!(json["engine"]["origin"], "from --host");
    // Through DOCKER_HOST and https:// as well.
    let env = Env::default().tls().with("DOCKER_HOST", TLS_HOST);
    let json = checklist_passes_on(&env, &[], &[]);
    assert_eq!(json["engine"]["origin"], "from DOCKER_HOST");
    let https = "https://127.0.0.1:2376";
    let env = Env::default().with("DOCKER_CERT_PATH", cert_path().display().to_string());
    let (ran, json) = shakedown(
        &env,
        &["run", "tests/fixtures/remote.rhai", "--host", https],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["engine"]["tls"], true);
}

#[test]
fn a_checklist_runs_over_ssh() {
    let json = checklist_passes_on(&Env::default(), &["--host", SSH_HOST], &["-H", SSH_HOST]);
    assert_eq!(json["engine"]["url"], SSH_HOST);
    assert_eq!(json["engine"]["tls"], false);
    // The human report names an engine something chose.
    let mut cmd = command(&["run", "tests/fixtures/remote.rhai", "--host", SSH_HOST]);
    Env::default().apply(&mut cmd);
    let ran = Ran::from(cmd.output().expect("shakedown runs"));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout
            .contains("engine: ssh://root@127.0.0.1:2222 from --host (Docker "),
        "{}",
        ran.stdout
    );
}

/// A context store made by the docker CLI itself, in a DOCKER_CONFIG of the
/// test's own: `tls` (the TLS engine, with its certificates), `ssh` (the
/// first engine over SSH), `nowhere` (nothing listens there); `tls` is
/// current.
fn context_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let env = Env::default().with("DOCKER_CONFIG", dir.path().display().to_string());
    let certs = cert_path();
    let tls = format!(
        "host={TLS_HOST},ca={},cert={},key={}",
        certs.join("ca.pem").display(),
        certs.join("cert.pem").display(),
        certs.join("key.pem").display()
    );
    for args in [
        vec!["context", "create", "tls", "--docker", tls.as_str()],
        vec![
            "context",
            "create",
            "ssh",
            "--docker",
            &format!("host={SSH_HOST}"),
        ],
        vec![
            "context",
            "create",
            "nowhere",
            "--docker",
            "host=tcp://127.0.0.1:9",
        ],
        vec!["context", "use", "tls"],
    ] {
        let out = docker(&env, &args);
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

#[test]
fn shakedown_and_docker_agree_on_the_current_engine() {
    let store = context_store();
    let config = Env::default().with("DOCKER_CONFIG", store.path().display().to_string());
    let local = docker_engine(&Env::default(), &[]);
    let tls = docker_engine(&Env::default().tls(), &["-H", TLS_HOST]);
    assert_ne!(local, tls, "the two engines differ (their data roots do)");

    // (how it is chosen, shakedown's flags, docker's flags, the environment)
    let cases: Vec<(&str, Vec<&str>, Vec<&str>, Env)> = vec![
        ("docker context use tls", vec![], vec![], config.clone()),
        (
            "DOCKER_CONTEXT=ssh over the current context",
            vec![],
            vec![],
            config.clone().with("DOCKER_CONTEXT", "ssh"),
        ),
        (
            "DOCKER_HOST over DOCKER_CONTEXT and the current context",
            vec![],
            vec![],
            config
                .clone()
                .with("DOCKER_CONTEXT", "ssh")
                .with("DOCKER_HOST", "unix:///var/run/docker.sock"),
        ),
        (
            "--context over DOCKER_HOST",
            vec!["--context", "tls"],
            vec!["--context", "tls"],
            config
                .clone()
                .with("DOCKER_HOST", "unix:///var/run/docker.sock"),
        ),
        (
            "--context default: DOCKER_HOST",
            vec!["--context", "default"],
            vec!["--context", "default"],
            config.clone().with("DOCKER_HOST", SSH_HOST),
        ),
    ];
    for (how, flags, docker_flags, env) in cases {
        let mut args = vec!["run", "tests/fixtures/remote.rhai"];
        args.extend(&flags);
        let (ran, json) = shakedown(&env, &args);
        assert_eq!(ran.code, 0, "{how}: {}", ran.stderr);
        let theirs = docker_engine(&env, &docker_flags);
        let ours = shakedown_engine(&json);
        eprintln!(
            "{how}:\n  docker    {theirs}\n  shakedown {ours}  ({} {})",
            json["engine"]["url"].as_str().unwrap_or_default(),
            json["engine"]["origin"].as_str().unwrap_or_default()
        );
        assert_eq!(ours, theirs, "{how}: {json:#}");
    }
    let (_, json) = shakedown(&config, &["run", "tests/fixtures/remote.rhai"]);
    assert_eq!(shakedown_engine(&json), tls);
    let origin = json["engine"]["origin"].as_str().unwrap_or_default();
    assert!(
        origin.starts_with("from context `tls` in ") && origin.ends_with("/config.json"),
        "{origin}"
    );
}

/// The diagnostic for an engine that does not answer, with the temp
/// directory's path and the OS's wording made stable.
fn unreachable(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["run", "tests/fixtures/remote.rhai"];
    all.extend(args);
    let mut cmd = command(&all);
    env.apply(&mut cmd);
    // Wide enough that no path is wrapped before it is redacted.
    cmd.env("COLUMNS", "400");
    let ran = Ran::from(cmd.output().expect("shakedown runs"));
    assert_eq!(ran.code, 3, "{}", ran.stderr);
    assert!(!ran.stderr.contains("hyper"), "{}", ran.stderr);
    assert_eq!(
        ran.stderr.matches("shakedown::engine::").count(),
        1,
        "one diagnostic, not one per task: {}",
        ran.stderr
    );
    let shown = redact(&ran.diagnostics(), r"/tmp/[.\w-]+", "<DOCKER_CONFIG>");
    redact(
        &shown,
        &regex::escape(&remote().display().to_string()),
        "<REMOTE>",
    )
}

#[test]
fn an_unreachable_engine_is_one_diagnostic_naming_where_it_came_from() {
    let store = context_store();
    let config = Env::default().with("DOCKER_CONFIG", store.path().display().to_string());
    let mut cmd = Command::new("docker");
    config.apply(&mut cmd);
    let used = cmd
        .args(["context", "use", "nowhere"])
        .output()
        .expect("docker runs");
    assert!(used.status.success());
    insta::assert_snapshot!("unreachable_context", unreachable(&config, &[]));
    insta::assert_snapshot!(
        "unreachable_context_flag",
        unreachable(&config, &["--context", "missing"])
    );
    insta::assert_snapshot!(
        "unreachable_tls",
        unreachable(&Env::default().tls(), &["--host", "tcp://127.0.0.1:9"])
    );
    insta::assert_snapshot!(
        "unreachable_ssh",
        unreachable(&Env::default(), &["--host", "ssh://root@127.0.0.1:9"])
    );
    // The TLS engine, with certificates it does not trust.
    let wrong = Env::default().with("DOCKER_TLS_VERIFY", "1").with(
        "DOCKER_CERT_PATH",
        remote().join("tls/server").display().to_string(),
    );
    insta::assert_snapshot!("untrusted_tls", unreachable(&wrong, &["--host", TLS_HOST]));
}

#[test]
fn host_and_context_together_are_an_argument_error_as_in_the_docker_cli() {
    let mut cmd = command(&[
        "run",
        "tests/fixtures/remote.rhai",
        "--host",
        TLS_HOST,
        "--context",
        "tls",
    ]);
    Env::default().apply(&mut cmd);
    let ran = Ran::from(cmd.output().expect("shakedown runs"));
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("--context"), "{}", ran.stderr);
}
