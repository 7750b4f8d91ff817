//! What CI gets from a run: reports in files, GitHub annotations and step
//! summary, colour as asked, and a selection that cannot pass by mistake.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{check, command, shakedown, shakedown_json, task, Ran};

fn run_with(args: &[&str], env: &[(&str, &Path)]) -> Ran {
    let mut cmd = command(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    Ran::from(cmd.output().expect("the shakedown binary runs"))
}

/// `xmllint --schema` with the Jenkins xUnit plugin's JUnit schema.
fn assert_valid_junit(path: &Path) {
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", "tests/schemas/junit-10.xsd"])
        .arg(path)
        .current_dir(common::root())
        .output()
        .expect("xmllint runs (bash tests/setup.sh installs it, and the schema)");
    assert!(
        out.status.success(),
        "{} does not validate:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

#[test]
fn a_failing_run_in_github_actions_annotates_writes_junit_and_a_summary() {
    common::base_image();
    let dir = tempfile::tempdir().expect("a temp dir");
    let junit = dir.path().join("reports/junit.xml");
    let json = dir.path().join("reports/report.json");
    let summary = dir.path().join("summary.md");
    let (junit_arg, json_arg) = (
        format!("junit={}", junit.display()),
        format!("json={}", json.display()),
    );
    let ran = run_with(
        &[
            "run",
            "tests/fixtures/no-user.rhai",
            "tests/fixtures/failing-build.rhai",
            "tests/fixtures/ci-report.rhai",
            "--approve",
            "--report",
            &junit_arg,
            "--report",
            &json_arg,
        ],
        &[
            ("GITHUB_ACTIONS", Path::new("true")),
            ("GITHUB_STEP_SUMMARY", &summary),
        ],
    );
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    let annotations: Vec<&str> = ran.stdout.lines().filter(|l| l.starts_with("::")).collect();
    let expected = [
        // The failing assertion, and the Dockerfile stage that set the user.
        "::error file=tests/fixtures/no-user.rhai,line=5,col=5,title=tests/fixtures/no-user.rhai › runs as non-root user appuser::expected \"appuser\", got \"root\"",
        "::error file=tests/fixtures/no-user/Dockerfile,line=3,col=1,title=tests/fixtures/no-user.rhai › runs as non-root user appuser::stage production has no USER instruction",
        "::error file=tests/fixtures/no-user/Dockerfile,line=4,col=1,title=tests/fixtures/no-user.rhai › carries the OCI licenses label::sets other keys, not \"org.opencontainers.image.licenses\"",
        // The failed build: the script's build call and the Dockerfile's RUN.
        "::error file=tests/fixtures/failing-build.rhai,line=3,col=15,title=build::building tests/fixtures/failing-run/Dockerfile failed at step 4",
        "::error file=tests/fixtures/failing-run/Dockerfile,line=5,col=1,title=build::this RUN exited with code 1",
        // Escaped: %, and a line break in the message.
        "::error file=tests/fixtures/ci-report.rhai,line=15,col=5,title=broken::the body gave up: 50%25 done, a:b, c%0Asecond line",
        // An informational failure is a warning.
        "::warning file=tests/fixtures/ci-report.rhai,line=11,col=9,title=figures › under the size target (informational)::2 GB is over the 1 GB target",
    ];
    for prefix in expected {
        assert!(
            annotations.iter().any(|a| a.starts_with(prefix)),
            "no annotation starting {prefix:?} in:\n{}",
            annotations.join("\n")
        );
    }
    assert!(
        annotations
            .iter()
            .all(|a| !a.contains('\n') && !a.contains('\r')),
        "an annotation spans lines"
    );
    // Passed, skipped and approved things are not annotated.
    assert_eq!(annotations.len(), 8, "{}", annotations.join("\n"));

    assert_valid_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report");
    for part in [
        "<testsuite name=\"tests/fixtures/ci-report.rhai › figures\"",
        "<property name=\"settings\" value=\"{&quot;ports&quot;:[8000,8001],&quot;user&quot;:&quot;appuser&quot;}\"/>",
        "<failure message=\"check &quot;runs as non-root user appuser&quot; failed: expected &quot;appuser&quot;, got &quot;root&quot;\" type=\"shakedown::check::assertion\">",
        "╰── this assertion does not hold",
        "<testcase name=\"task body\" classname=\"tests/fixtures/failing-build.rhai › build\">",
        "<skipped message=\"needs &quot;broken&quot;, which failed\"/>",
        "<system-out>warning (informational, not a gate): 2 GB is over the 1 GB target",
        "<system-out>a line from the script: 100% done",
        "<testcase name=\"checkpoint: Review the CI report\"",
    ] {
        assert!(xml.contains(part), "no {part:?} in:\n{xml}");
    }
    assert!(!xml.contains("\u{1b}["), "colour in the JUnit report");

    let markdown = std::fs::read_to_string(&summary).expect("the step summary");
    for part in [
        "### shakedown: ❌ failed",
        "#### ❌ tests/fixtures/failing-build.rhai › build — failed",
        "| ⚠️ | under the size target |",
        "- **settings**: ",
        "#### ⏭️ tests/fixtures/ci-report.rhai › publish — skipped",
        "| ✅ | checkpoint: Review the CI report |",
        "(with --approve) |",
    ] {
        assert!(markdown.contains(part), "no {part:?} in:\n{markdown}");
    }

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("JSON");
    assert_eq!(report["schema"], 1);
    let records = &task(&report, "figures")["records"];
    assert_eq!(
        records[1]["value"],
        serde_json::json!({"user": "appuser", "ports": [8000, 8001]})
    );
    assert_eq!(records[2]["value"], serde_json::json!(["base", "app"]));
    let signed = check(&report, "Review the CI report");
    assert_eq!(signed["approval"]["how"], "flag");
    // Human output stays on the terminal.
    assert!(ran.stdout.contains("▸ figures  passed"), "{}", ran.stdout);
}

#[test]
fn not_run_checks_are_skipped_in_junit_and_listed_in_every_report() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let junit = dir.path().join("junit.xml");
    let summary = dir.path().join("summary.md");
    let junit_arg = format!("junit={}", junit.display());
    let ran = run_with(
        &[
            "run",
            "--fail-fast",
            "tests/fixtures/fail-fast.rhai",
            "--report",
            &junit_arg,
            "--annotations",
            "github",
        ],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_valid_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("the JUnit report");
    for task in ["second", "third"] {
        let suite = format!(
            "<testsuite name=\"tests/fixtures/fail-fast.rhai › {task}\" tests=\"1\" skipped=\"1\""
        );
        assert!(xml.contains(&suite), "no {suite:?} in:\n{xml}");
    }
    assert!(
        xml.contains("<skipped message=\"not run (--fail-fast)\"/>"),
        "{xml}"
    );
    let markdown = std::fs::read_to_string(&summary).expect("the step summary");
    assert!(
        markdown.contains("Stopped after **first › fails** failed (`--fail-fast`)."),
        "{markdown}"
    );
    assert!(markdown.contains("not run (--fail-fast)"), "{markdown}");
    assert!(
        ran.stdout.contains(
            "::notice title=shakedown --fail-fast::stopped after \"first › fails\" failed;"
        ),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_report_path_that_cannot_be_written_stops_the_run_before_it_starts() {
    let ran = shakedown(&[
        "run",
        "tests/fixtures/filter.rhai",
        "--report",
        "junit=/proc/version/junit.xml",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::report::unwritable"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stdout.contains("▸"), "the run started: {}", ran.stdout);
    let ran = shakedown(&[
        "run",
        "tests/fixtures/filter.rhai",
        "--report",
        "xml=out.xml",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::cli::bad_report"),
        "{}",
        ran.stderr
    );
}

#[test]
fn filters_repeat_match_any_case_and_skips_exclude() {
    let (ran, json) = shakedown_json(&[
        "run",
        "tests/fixtures/filter.rhai",
        "--filter",
        "WHOAMI",
        "--filter",
        "sizes › size",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["passed"], 2);
    assert_eq!(json["filtered"], 1);
    assert_eq!(check(&json, "whoami is appuser")["status"], "passed");
    assert_eq!(check(&json, "size under 8 GB")["status"], "passed");

    let (ran, json) = shakedown_json(&[
        "run",
        "tests/fixtures/filter.rhai",
        "--filter",
        "images",
        "--skip",
        "LABELS",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["passed"], 1, "{json:#}");
    assert_eq!(json["filtered"], 2);
}

#[test]
fn a_selection_that_matches_nothing_exits_2_listing_the_names() {
    let ran = shakedown(&[
        "run",
        "tests/fixtures/filter.rhai",
        "--filter",
        "whoamI is root",
    ]);
    assert_eq!(ran.code, 2, "{}\n{}", ran.stdout, ran.stderr);
    insta::assert_snapshot!("empty_selection", ran.diagnostics());
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/filter.rhai", "--skip", "e"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert_eq!(json["exit"], 2);
    assert_eq!(json["fatal"]["code"], "shakedown::cli::empty_selection");
}

#[test]
fn a_checkpoint_left_out_counts_as_filtered_not_skipped() {
    let (ran, json) = shakedown_json(&[
        "run",
        "tests/fixtures/checkpoint.rhai",
        "--skip",
        "review the results",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(json["filtered"], 1);
    assert_eq!(json["skipped"], 0);
    assert_eq!(json["passed"], 1);
}

fn names_in(json: &serde_json::Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let tasks = json["tasks"].as_array().cloned().unwrap_or_default();
    let names = tasks
        .iter()
        .filter(|t| t["implicit"] == false)
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    let checks = tasks
        .iter()
        .flat_map(|t| t["checks"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["status"] == "passed")
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    (names, checks)
}

#[test]
fn partitions_together_run_the_whole_checklist_once_keeping_needs_chains() {
    let script = "tests/fixtures/partition.rhai";
    let (ran, whole) = shakedown_json(&["run", script]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let (all_tasks, all_checks) = names_in(&whole);
    assert_eq!(all_tasks.len(), 8);
    for count in [2, 3, 5] {
        let mut tasks_seen = BTreeSet::new();
        let mut checks_seen = BTreeSet::new();
        let mut runs = Vec::new();
        for index in 1..=count {
            let partition = format!("{index}/{count}");
            let (ran, json) = shakedown_json(&["run", script, "--partition", &partition]);
            assert_eq!(ran.code, 0, "{partition}: {}", ran.stderr);
            assert_eq!(json["partition"]["index"], index);
            let (tasks, checks) = names_in(&json);
            assert!(
                tasks.is_disjoint(&tasks_seen),
                "{partition} runs a task another partition ran: {tasks:?}"
            );
            assert!(checks.is_disjoint(&checks_seen), "{partition}: {checks:?}");
            assert_eq!(
                json["partition"]["elsewhere"].as_u64(),
                Some((all_tasks.len() - tasks.len()) as u64),
                "{partition}"
            );
            tasks_seen.extend(tasks.clone());
            checks_seen.extend(checks);
            runs.push(tasks);
        }
        assert_eq!(tasks_seen, all_tasks, "{count} partitions");
        assert_eq!(checks_seen, all_checks, "{count} partitions");
        for chain in [
            &["base", "cpu", "gpu", "sign off"][..],
            &["lint", "lint report"][..],
        ] {
            assert!(
                runs.iter()
                    .any(|tasks| chain.iter().all(|t| tasks.contains(*t))),
                "the chain {chain:?} is split across {runs:?}"
            );
        }
        // The same partition is the same tasks every time.
        let (_, again) = shakedown_json(&["run", script, "--partition", &format!("2/{count}")]);
        assert_eq!(names_in(&again).0, runs[1]);
    }
}

#[test]
fn colour_follows_the_flag_and_the_conventions() {
    let coloured = |ran: &Ran| ran.stdout.contains("\u{1b}[");
    let ran = shakedown(&["run", "tests/fixtures/filter.rhai", "--color", "always"]);
    assert!(coloured(&ran), "--color always: {}", ran.stdout);
    let run = |env: &[(&str, &str)], flag: &str| {
        let mut cmd = command(&["run", "tests/fixtures/filter.rhai", "--color", flag]);
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("runs");
        String::from_utf8_lossy(&out.stdout).contains("\u{1b}[")
    };
    assert!(!run(&[], "auto"), "a pipe gets no colour");
    assert!(run(&[("FORCE_COLOR", "1")], "auto"));
    assert!(run(&[("CLICOLOR_FORCE", "1")], "auto"));
    assert!(!run(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")], "auto"));
    assert!(!run(&[("FORCE_COLOR", "1")], "never"));
}
