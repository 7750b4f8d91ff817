//! Each failing fixture ends in its diagnostic and exit code; the rendered
//! diagnostics are snapshot-tested (no colour, 100 columns).

mod common;

use common::registry::Registry;
use common::{base_image, check, redact, shakedown, shakedown_json, task};

#[test]
fn a_final_stage_without_user_fails_whoami_and_a_missing_label_fails() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/no-user.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    let whoami = check(&json, "runs as non-root user appuser");
    assert_eq!(whoami["status"], "failed");
    assert_eq!(whoami["failure"]["actual"], "\"root\"");
    assert_eq!(whoami["failure"]["expected"], "\"appuser\"");
    assert_eq!(whoami["failure"]["location"]["line"], 5);
    let label = check(&json, "carries the OCI licenses label");
    assert_eq!(label["failure"]["kind"], "assertion");
    insta::assert_snapshot!(
        "no_user",
        shakedown(&["run", "tests/fixtures/no-user.rhai"]).diagnostics()
    );
}

#[test]
fn a_run_that_fails_mid_build_points_at_the_dockerfile_line() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/failing-build.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    let build = task(&json, "build");
    assert_eq!(build["status"], "failed");
    assert_eq!(build["error"]["code"], "shakedown::build::failed");
    assert_eq!(
        build["error"]["related"][0]["file"],
        "tests/fixtures/failing-run/Dockerfile"
    );
    assert_eq!(build["error"]["related"][0]["line"], 5);
    assert_eq!(
        build["checks"].as_array().map(Vec::len),
        Some(0),
        "nothing after the build ran"
    );
    // The same diagnostic, at the same lines, whichever builder ran.
    for builder in ["buildkit", "classic"] {
        insta::assert_snapshot!(
            "failing_build",
            shakedown(&[
                "run",
                "--builder",
                builder,
                "tests/fixtures/failing-build.rhai"
            ])
            .diagnostics()
        );
    }
}

#[test]
fn timeouts_end_runs_engine_waits_and_script_loops() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/timeouts.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    assert_eq!(
        check(&json, "server answers within 1s")["failure"]["kind"],
        "assertion"
    );
    assert_eq!(
        check(&json, "stuck on the engine")["failure"]["kind"],
        "timeout"
    );
    assert_eq!(
        check(&json, "stuck in a loop")["failure"]["kind"],
        "timeout"
    );
    insta::assert_snapshot!(
        "timeouts",
        shakedown(&["run", "tests/fixtures/timeouts.rhai"]).diagnostics()
    );
}

#[test]
fn a_syntax_error_is_a_script_error_in_run_and_check() {
    let ran = shakedown(&["run", "tests/fixtures/syntax-error.rhai"]);
    assert_eq(ran.code, 2, &ran.stderr);
    assert_eq!(ran.stdout, "", "nothing runs");
    let checked = shakedown(&["check", "tests/fixtures/syntax-error.rhai"]);
    assert_eq(checked.code, 2, &checked.stderr);
    assert_eq!(checked.stderr, ran.stderr);
    insta::assert_snapshot!("syntax_error", ran.diagnostics());
}

#[test]
fn an_unknown_function_is_a_script_error() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/unknown-function.rhai"]);
    assert_eq(ran.code, 2, &ran.stderr);
    assert_eq!(
        task(&json, "typo")["error"]["code"],
        "shakedown::script::unknown_function"
    );
    insta::assert_snapshot!(
        "unknown_function",
        shakedown(&["run", "tests/fixtures/unknown-function.rhai"]).diagnostics()
    );
}

#[test]
fn mistyped_names_get_a_suggestion_from_the_registered_api_at_their_line() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/typos.rhai"]);
    assert_eq(ran.code, 2, &ran.stderr);
    let far = &check(&json, "a typo far below its check")["failure"];
    assert_eq!(far["location"]["line"], 13, "the call that went wrong");
    assert_eq!(
        far["help"],
        "did you mean `assert`? (docs/script-api.md lists the API)"
    );
    assert_eq!(
        check(&json, "a mistyped property")["failure"]["help"],
        "did you mean `.lines`? (docs/script-api.md lists the API)"
    );
    insta::assert_snapshot!(
        "typos",
        shakedown(&["run", "tests/fixtures/typos.rhai"]).diagnostics()
    );
}

#[test]
fn a_skipped_task_names_every_failed_need() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/needs-several-failed.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    assert_eq!(
        task(&json, "sign off")["note"],
        "needs \"cpu image\" and \"gpu image\", which failed"
    );
    let human = shakedown(&[
        "run",
        "tests/fixtures/needs-several-failed.rhai",
        "--jobs",
        "1",
    ]);
    insta::assert_snapshot!(
        "needs_several_failed",
        redact(&human.stdout, r"\d+\.\d\ds", "0.00s")
    );
}

#[test]
fn a_failing_size_check_on_an_image_found_by_reference_shows_its_largest_layers() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/size-by-reference.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    let ran = shakedown(&[
        "run",
        "tests/fixtures/size-by-reference.rhai",
        "--jobs",
        "1",
    ]);
    let layers = "largest layers of shakedown-demo/busybox:latest";
    let blocks: Vec<&str> = ran.stderr.split("shakedown::check::false").collect();
    let shows = |name: &str| {
        blocks
            .iter()
            .find(|b| b.contains(&format!("check \"{name}\" failed")))
            .is_some_and(|b| b.contains(layers))
    };
    assert!(shows("fits the budget"), "{}", ran.stderr);
    assert!(
        shows("a captured figure stays under the budget"),
        "{}",
        ran.stderr
    );
    assert!(
        !shows("carries many labels"),
        "it never read the size: {}",
        ran.stderr
    );
    let _ = json;
    // The busybox layer's content hash and sizes depend on Debian's build.
    let shown = redact(&ran.diagnostics(), r"file:[0-9a-f]+…?", "file:[hash]");
    let shown = redact(&shown, r"(?m)^ +\d+(\.\d+)? [kMG]?B  ", "     [size]  ");
    insta::assert_snapshot!("size_by_reference", shown);
}

#[test]
fn a_base_image_that_cannot_be_pulled_says_what_the_registry_answered() {
    base_image();
    let unknown = Registry::KnowsNoImage.start();
    let private = Registry::WantsCredentials.start();
    for (name, base, code) in [
        (
            "pull_unreachable",
            None,
            "shakedown::build::base_unreachable",
        ),
        (
            "pull_unknown",
            Some(format!("{unknown}/shakedown-test/missing:1")),
            "shakedown::build::base_unknown",
        ),
        (
            "pull_unauthorised",
            Some(format!("{private}/shakedown-test/private:1")),
            "shakedown::build::base_unauthorised",
        ),
    ] {
        let var = base.map(|b| format!("base={b}"));
        // The engine's own words (quoted in the message) differ between
        // builders: a twin snapshot each; the FROM line is the same.
        for (builder, snapshot) in [
            ("classic", name.to_owned()),
            ("buildkit", format!("{name}_buildkit")),
        ] {
            let mut args = vec!["run", "--builder", builder, "tests/fixtures/pull.rhai"];
            if let Some(var) = &var {
                args.extend(["--var", var.as_str()]);
            }
            let (ran, json) = shakedown_json(&args);
            assert_eq(ran.code, 1, &ran.stderr);
            let error = &task(&json, "build on a missing base")["error"];
            assert_eq!(error["code"], code, "{builder}: {error:#}");
            assert_eq!(
                error["related"][0]["file"],
                "tests/fixtures/pull/Dockerfile"
            );
            assert_eq!(error["related"][0]["line"], 3, "the FROM");
            let shown = redact(
                &shakedown(&args).diagnostics(),
                r"127\.0\.0\.1:\d{2,}",
                "127.0.0.1:PORT",
            );
            insta::assert_snapshot!(snapshot, shown);
        }
    }
}

#[test]
fn an_unreachable_tcp_engine_says_what_the_failure_means() {
    let ran = shakedown(&[
        "run",
        "tests/fixtures/engine.rhai",
        "--host",
        "tcp://127.0.0.1:9",
    ]);
    assert_eq(ran.code, 3, &ran.stderr);
    assert!(!ran.stderr.contains("hyper"), "{}", ran.stderr);
    insta::assert_snapshot!("unreachable_tcp", ran.diagnostics());
}

#[test]
fn a_misspelled_option_names_the_valid_ones() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/bad-option.rhai"]);
    assert_eq(ran.code, 2, &ran.stderr);
    let air_gap = check(&json, "air-gap");
    assert_eq!(air_gap["failure"]["kind"], "script");
    assert!(air_gap["failure"]["help"]
        .as_str()
        .unwrap_or_default()
        .contains("network"));
}

#[test]
fn a_task_that_needs_a_failed_task_is_skipped_with_the_reason() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/needs-failed.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    let publish = task(&json, "publish");
    assert_eq!(publish["status"], "skipped");
    assert_eq!(publish["note"], "needs \"build\", which failed");
    assert_eq!(publish["checks"].as_array().map(Vec::len), Some(0));
    assert!(shakedown(&["run", "tests/fixtures/needs-failed.rhai"])
        .stdout
        .contains("needs \"build\", which failed"));
}

#[test]
fn a_checkpoint_without_a_terminal_fails_and_says_how_to_approve() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/checkpoint.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    let checkpoint = check(&json, "Review the results");
    assert_eq!(checkpoint["kind"], "checkpoint");
    assert_eq!(
        checkpoint["failure"]["code"],
        "shakedown::checkpoint::no_terminal"
    );
    insta::assert_snapshot!(
        "checkpoint_no_terminal",
        shakedown(&[
            "run",
            "tests/fixtures/checkpoint.rhai",
            "--approvals",
            "target/no-such-dir/approvals.jsonl"
        ])
        .diagnostics()
    );

    let (approved, json) = shakedown_json(&["run", "tests/fixtures/checkpoint.rhai", "--approve"]);
    assert_eq(approved.code, 0, &approved.stderr);
    let checkpoint = check(&json, "Review the results");
    assert_eq!(checkpoint["approval"]["how"], "flag", "{checkpoint:#}");
    assert!(
        checkpoint["note"]
            .as_str()
            .is_some_and(|n| n.ends_with("(with --approve)")),
        "{checkpoint:#}"
    );
}

#[test]
fn an_unreachable_engine_names_the_endpoint_and_exits_3() {
    let ran = shakedown(&[
        "run",
        "tests/fixtures/engine.rhai",
        "--host",
        "unix:///nonexistent.sock",
    ]);
    assert_eq(ran.code, 3, &ran.stderr);
    insta::assert_snapshot!("unreachable_socket", ran.diagnostics());

    // An address that refuses connections: found before the first task.
    let (refused, json) = {
        let ran = shakedown(&[
            "run",
            "tests/fixtures/engine.rhai",
            "--host",
            "tcp://127.0.0.1:9",
            "--format",
            "json",
        ]);
        let json = ran.json();
        (ran, json)
    };
    assert_eq(refused.code, 3, &refused.stderr);
    assert_eq!(json["fatal"]["code"], "shakedown::engine::unreachable");
    assert!(json["fatal"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("tcp://127.0.0.1:9"));
}

#[test]
fn a_missing_image_says_how_to_pull_it() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/missing-image.rhai"]);
    assert_eq(ran.code, 1, &ran.stderr);
    let error = &task(&json, "uses a missing image")["error"];
    assert_eq!(error["code"], "shakedown::image::missing");
    assert!(error["help"]
        .as_str()
        .unwrap_or_default()
        .contains(r#"image("shakedown-test/does-not-exist:1.0", #{ pull: "missing" })"#));
}

#[test]
fn a_bad_argument_is_exit_2() {
    let ran = shakedown(&["run", "--jobs", "0", "tests/fixtures/vars.rhai"]);
    assert_eq(ran.code, 2, &ran.stderr);
    let ran = shakedown(&["run", "--var", "novalue", "tests/fixtures/vars.rhai"]);
    assert_eq(ran.code, 2, &ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::cli::bad_var"),
        "{}",
        ran.stderr
    );
    let ran = shakedown(&["run", "tests/fixtures/no-such-script.rhai"]);
    assert_eq(ran.code, 2, &ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::cli::script_unreadable"),
        "{}",
        ran.stderr
    );
}

fn assert_eq(code: i32, expected: i32, stderr: &str) {
    assert_eq!(code, expected, "exit code; stderr:\n{stderr}");
}
