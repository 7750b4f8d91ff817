//! The engine adapter against the real test registry
//! (tests/remote/registry.sh: 127.0.0.1:5000, basic auth): push, delete
//! locally, pull back, same digest; credentials from a config.json `auths`
//! entry, then from a credential helper on PATH. One test: it sets
//! DOCKER_CONFIG and PATH for the whole process.

mod common;

use std::process::Command;

use shakedown::engine::registry::{Answer, Reference, RegistryError};
use shakedown::engine::{endpoint, Client};
use tokio_util::sync::CancellationToken;

use common::registry::{
    delete_from_real, write_stub_helper, REAL as REGISTRY, REAL_PASSWORD as PASSWORD,
    REAL_USER as USER,
};

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn push_delete_pull_round_trip_with_auths_and_with_a_helper() {
    common::base_image();
    let config = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    write_stub_helper(bin.path());
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    std::env::set_var("DOCKER_CONFIG", config.path());
    std::env::set_var("PATH", path);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let endpoint = endpoint::resolve(None, None, &endpoint::Environment::of_process())
        .expect("the engine's endpoint");
    let client = Client::connect(endpoint);
    let cancel = CancellationToken::new();
    let id = docker(&[
        "image",
        "inspect",
        "-f",
        "{{.Id}}",
        "shakedown-demo/busybox:latest",
    ]);
    let repo = format!("{REGISTRY}/shakedown-test/engine-{}", std::process::id());

    let auth = base64_of(&format!("{USER}:{PASSWORD}"));
    for (round, config_json) in [
        (
            "auths",
            format!(r#"{{"auths":{{"{REGISTRY}":{{"auth":"{auth}"}}}}}}"#),
        ),
        (
            "helper",
            r#"{"credHelpers":{"127.0.0.1:5000":"shakedown-stub"}}"#.to_owned(),
        ),
    ] {
        std::fs::write(config.path().join("config.json"), config_json).unwrap();
        let reference = Reference::parse(&format!("{repo}:{round}")).unwrap();
        let mut pushed_lines = Vec::new();
        runtime
            .block_on(client.push(&id, &reference, |e| pushed_lines.push(e.status), &cancel))
            .unwrap_or_else(|e| panic!("{round}: push failed: {e}"));
        assert!(!pushed_lines.is_empty(), "{round}: no progress");
        let pushed = runtime
            .block_on(client.repo_digest(&id, &reference))
            .expect("a digest after the push");
        docker(&["rmi", &reference.to_string()]);
        assert_eq!(
            runtime.block_on(client.repo_digest(&id, &reference)),
            None,
            "{round}: still tagged"
        );
        let mut pulled_lines = Vec::new();
        let pulled_id = runtime
            .block_on(client.pull(&reference, |e| pulled_lines.push(e.status), &cancel))
            .unwrap_or_else(|e| panic!("{round}: pull failed: {e}"));
        assert_eq!(pulled_id, id, "{round}");
        assert!(
            pulled_lines.iter().any(|l| l.contains(&pushed)),
            "{round}: {pulled_lines:?}"
        );
        assert_eq!(
            runtime.block_on(client.repo_digest(&id, &reference)),
            Some(pushed.clone()),
            "{round}"
        );
        docker(&["rmi", &reference.to_string()]);
        delete_from_real(&reference.path, &pushed);
    }

    // A wrong password: the registry's answer, and where the credentials came from.
    let wrong = base64_of(&format!("{USER}:wrong"));
    std::fs::write(
        config.path().join("config.json"),
        format!(r#"{{"auths":{{"{REGISTRY}":{{"auth":"{wrong}"}}}}}}"#),
    )
    .unwrap();
    let reference = Reference::parse(&format!("{repo}:wrong")).unwrap();
    let err = runtime
        .block_on(client.push(&id, &reference, |_| {}, &cancel))
        .unwrap_err();
    docker(&["rmi", &reference.to_string()]);
    match err {
        RegistryError::Failed {
            answer,
            credentials,
            registry,
            ..
        } => {
            assert_eq!(answer, Some(Answer::Unauthorised));
            assert_eq!(registry, REGISTRY);
            assert!(credentials.is_some_and(|c| c.contains("auths entry")));
        }
        other => panic!("{other}"),
    }
    // An unknown repository, with good credentials.
    std::fs::write(
        config.path().join("config.json"),
        format!(r#"{{"auths":{{"{REGISTRY}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
    let err = runtime
        .block_on(client.pull(
            &Reference::parse(&format!("{repo}-none:1")).unwrap(),
            |_| {},
            &cancel,
        ))
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Failed {
                answer: Some(Answer::Unknown),
                ..
            }
        ),
        "{err}"
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
