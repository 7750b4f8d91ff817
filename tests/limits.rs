//! Bounded scripts and linear readers (issue 14, points 7, 9, 10 and 13):
//! a value that grows without end stops with a diagnostic at its line, an
//! HTTP body at `max_body`, and reading every line of a large file or every
//! key of a large compose map takes time in proportion to its size.

mod common;

use std::fmt::Write;
use std::time::{Duration, Instant};

use common::{base_image, check, shakedown, shakedown_json, task};

#[test]
fn a_string_doubling_at_the_top_level_stops_at_its_line() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/limits-top-level.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let error = &task(&json, "limits-top-level.rhai")["error"];
    assert_eq!(error["code"], "shakedown::script::too_large", "{json:#}");
    assert_eq!(error["location"]["line"], 4, "the line that grows it");
    let human = shakedown(&["run", "tests/fixtures/limits-top-level.rhai"]);
    insta::assert_snapshot!("string_too_large", human.diagnostics());
}

#[test]
fn values_and_http_bodies_are_bounded() {
    base_image();
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/limits.rhai"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let array = &check(&json, "an array that doubles forever")["failure"];
    assert_eq!(array["code"], "shakedown::script::too_large");
    // Inside a closure Rhai reports the call of the closure: the check.
    assert_eq!(array["location"]["line"], 3);
    for name in ["a body that never ends", "a body over max_body"] {
        let failure = &check(&json, name)["failure"];
        assert_eq!(
            failure["code"], "shakedown::http::too_large",
            "{name}: {json:#}"
        );
        assert!(
            failure["help"]
                .as_str()
                .is_some_and(|h| h.contains("max_body")),
            "{failure:#}"
        );
    }
    assert_eq!(check(&json, "a body under max_body")["status"], "passed");
}

/// A text file of `lines` lines with one `needle` line, and a compose file
/// whose service has `keys` environment keys, in a temporary directory.
struct Large {
    dir: tempfile::TempDir,
    lines: usize,
    needle: usize,
    keys: usize,
}

impl Large {
    fn new(lines: usize, keys: usize) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let needle = lines / 2;
        let mut text = String::with_capacity(lines * 81);
        for i in 1..=lines {
            if i == needle {
                text.push_str("the needle is here\n");
            } else {
                let _ = writeln!(text, "{i:08} {}", "a line of a large log file ".repeat(2));
            }
        }
        std::fs::write(dir.path().join("large.txt"), text).expect("the text file");
        let mut compose = String::from("services:\n  api:\n    image: x\n    environment:\n");
        for i in 0..keys {
            let _ = writeln!(compose, "      KEY_{i}: value-{i}");
        }
        std::fs::write(dir.path().join("compose.yml"), compose).expect("the compose file");
        Self {
            dir,
            lines,
            needle,
            keys,
        }
    }

    fn run(&self) -> (common::Ran, serde_json::Value, Duration) {
        let dir = self.dir.path().display().to_string();
        let vars = [
            format!("text={dir}/large.txt"),
            format!("compose={dir}/compose.yml"),
            format!("lines={}", self.lines),
            format!("needle={}", self.needle),
            format!("keys={}", self.keys),
        ];
        let mut args = vec!["run", "tests/fixtures/readers.rhai", "--allow-path", &dir];
        for var in &vars {
            args.extend(["--var", var]);
        }
        let started = Instant::now();
        let (ran, json) = shakedown_json(&args);
        (ran, json, started.elapsed())
    }
}

/// The sweep: 8 MB took 82 s for each of `lines`, `count` and `matches`,
/// and 20k compose keys 9.2 s (100k over a minute). Linear reading takes a
/// small part of the generous bound below, even in a debug build.
#[test]
fn large_files_and_compose_maps_are_read_in_linear_time() {
    let large = Large::new(100_000, 50_000); // 8.5 MB of text
    let (ran, json, took) = large.run();
    assert_eq!(ran.code, 0, "{}\n{json:#}", ran.stderr);
    assert_eq!(json["passed"], 4, "{json:#}");
    assert!(
        took < Duration::from_secs(60),
        "8 MB of lines and 50k compose keys took {took:?}"
    );
}

#[test]
fn what_is_not_a_compose_file_is_a_diagnostic_at_its_line() {
    let (ran, json) = shakedown_json(&["run", "tests/fixtures/compose-shapes.rhai"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    for (name, code, line) in [
        ("scalar", "shakedown::compose::not_compose", 1),
        ("list", "shakedown::compose::not_compose", 1),
        ("services-42", "shakedown::compose::not_compose", 2),
        ("empty", "shakedown::compose::not_compose", 1),
        ("tab", "shakedown::compose::parse", 1),
        ("duplicate", "shakedown::compose::duplicate_key", 6),
    ] {
        let failure = &check(&json, name)["failure"];
        assert_eq!(failure["code"], code, "{name}: {failure:#}");
        assert_eq!(
            failure["related"][0]["file"],
            format!("tests/fixtures/compose-shapes/{name}.yml"),
            "{name}"
        );
        assert_eq!(failure["related"][0]["line"], line, "{name}: {failure:#}");
    }
    insta::assert_snapshot!(
        "compose_shapes",
        shakedown(&["run", "tests/fixtures/compose-shapes.rhai"]).diagnostics()
    );
}
