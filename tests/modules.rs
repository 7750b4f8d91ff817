//! Sharing checks and values (issue 12): `import` at the top level, in
//! tasks and in checks; modules that declare tasks and checks; failures
//! labelled in the module and at the script's calling line; the standard
//! library; `result()` between tasks.

mod common;

use common::{base_image, check, shakedown, shakedown_json, task};

const CHECKS: &str = "tests/fixtures/modules/lib/checks.rhai";
const EVERYWHERE: &str = "tests/fixtures/modules/everywhere.rhai";

/// The file and line of a failure's location, and of its related places.
fn places(failure: &serde_json::Value) -> (String, u64, Vec<(String, u64)>) {
    let place = |p: &serde_json::Value| {
        (
            p["file"].as_str().unwrap_or_default().to_owned(),
            p["line"].as_u64().unwrap_or_default(),
        )
    };
    let (file, line) = place(&failure["location"]);
    let related = failure["related"]
        .as_array()
        .into_iter()
        .flatten()
        .map(place)
        .collect();
    (file, line, related)
}

#[test]
fn modules_work_at_the_top_level_in_tasks_and_in_checks() {
    let (ran, json) = shakedown_json(&["run", EVERYWHERE]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    for passed in [
        "1 is positive",
        "2 is positive",
        "sees the top level's import",
        "2 doubled is 4",
    ] {
        assert_eq!(check(&json, passed)["status"], "passed", "{passed}");
    }
    // A check a module function declared: the failing line in the module,
    // the script's call of the function as the second place.
    let failure = &check(&json, "-1 is positive")["failure"];
    assert_eq!(failure["code"], "shakedown::check::assertion");
    assert_eq!(
        places(failure),
        (CHECKS.to_owned(), 7, vec![(EVERYWHERE.to_owned(), 6)])
    );
    // A module imported inside a check, failing in its function.
    let failure = &check(&json, "imports in a check")["failure"];
    assert_eq!(
        places(failure),
        (CHECKS.to_owned(), 12, vec![(EVERYWHERE.to_owned(), 13)])
    );
    // A task a module declared, with a check of its own.
    let failure = &check(&json, "3 doubled is 4")["failure"];
    assert_eq!(
        places(failure),
        (CHECKS.to_owned(), 17, vec![(EVERYWHERE.to_owned(), 19)])
    );
    assert_eq!(task(&json, "doubles 2")["status"], "passed");
    insta::assert_snapshot!(
        "module_failures",
        shakedown(&["run", EVERYWHERE, "--jobs", "1"]).diagnostics()
    );
}

#[test]
fn a_module_that_imports_itself_is_refused() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/modules/cycle.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let error = &task(&json, "cycle.rhai")["error"];
    assert_eq!(error["code"], "shakedown::import::cycle", "{error:#}");
}

#[test]
fn tasks_read_the_values_of_the_tasks_they_need() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/modules/values.rhai"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    for name in [
        "the sum is 10",
        "reads a task it needs",
        "and the tasks that one needs, unchanged",
        "a task returning nothing gives ()",
    ] {
        assert_eq!(check(&json, name)["status"], "passed", "{name}");
    }
}

#[test]
fn reading_a_task_not_needed_says_to_add_it_to_needs() {
    let fixture = "tests/fixtures/modules/not-needed.rhai";
    let (ran, json) = shakedown_json(&["run", fixture]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let error = &task(&json, "checks")["error"];
    assert_eq!(error["code"], "shakedown::task::not_needed");
    assert_eq!(error["location"]["line"], 3);
    insta::assert_snapshot!(
        "result_not_needed",
        shakedown(&["run", fixture]).diagnostics()
    );
}

#[test]
fn the_standard_library_passes_a_hardened_image_and_fails_a_bare_one() {
    base_image();
    let fixture = "tests/fixtures/modules/hardening.rhai";
    let (ran, json) = shakedown_json(&["run", fixture]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let hardened = task(&json, "hardened");
    let statuses: Vec<_> = hardened["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["name"].clone(), c["status"].clone()))
        .collect();
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    assert!(statuses.iter().all(|(_, s)| s == "passed"), "{statuses:?}");
    let bare = "shakedown-test/modules-bare:latest";
    let expect = [
        ("runs as a non-root user", "the image sets no USER", 15),
        (
            "carries its OCI labels",
            "org.opencontainers.image.version",
            16,
        ),
        ("declares a HEALTHCHECK", "declares no HEALTHCHECK", 17),
        ("ships none of [\"gcc\", \"sh\"]", "/bin/sh", 18),
        (
            "has no secrets in its history",
            "matches API_TOKEN=\\S+",
            19,
        ),
    ];
    for (name, says, line) in expect {
        let check = check(&json, &format!("{bare} {name}"));
        assert_eq!(check["status"], "failed", "{name}");
        let failure = &check["failure"];
        let message = failure["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{name}: {message}");
        let (file, _, related) = places(failure);
        assert_eq!(file, "shakedown/hardening.rhai", "{name}");
        assert!(
            related.contains(&(fixture.to_owned(), line)),
            "{name}: the caller's line {line} in {related:?}"
        );
    }
    let secrets = check(&json, &format!("{bare} has no secrets in its history"));
    let message = secrets["failure"]["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("s3cr3t"),
        "the secret is not shown: {message}"
    );
    assert!(message.contains("bare/Dockerfile:3"), "{message}");
    let labels = check(&json, &format!("{bare} carries its OCI labels"));
    let message = labels["failure"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("org.example.team"), "{message}");
    assert!(!message.contains("image.title"), "{message}");
    insta::assert_snapshot!(
        "stdlib_failures",
        shakedown(&["run", fixture, "--filter", "bare", "--jobs", "1"]).diagnostics()
    );
}

#[test]
fn an_unknown_standard_module_lists_the_ones_there_are() {
    let dir = tempfile::tempdir_in(common::root().join("target")).unwrap();
    let script = dir.path().join("unknown.rhai");
    std::fs::write(&script, "import \"shakedown/hardenning\" as h;\n").unwrap();
    let (ran, json) = shakedown_json(&["run", &script.display().to_string()]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let error = &task(&json, "unknown.rhai")["error"];
    assert_eq!(error["code"], "shakedown::import::missing");
    assert!(
        error["help"]
            .as_str()
            .unwrap_or_default()
            .contains("shakedown/hardening"),
        "{error:#}"
    );
}
