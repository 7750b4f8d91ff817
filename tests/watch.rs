//! Watch mode against the real engine and the real file watcher: a change
//! in one image's context reruns that task (and what needs it) only.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use common::{base_image, command, containers_of};

const RUN_LIMIT: Duration = Duration::from_secs(60);

struct Watching {
    child: Child,
    runs: Receiver<serde_json::Value>,
    log: std::path::PathBuf,
}

impl Watching {
    fn start(dir: &Path) -> Self {
        let mut child = command(&[
            "watch",
            "watch.rhai",
            "--format",
            "json",
            "--debounce",
            "100",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("stderr.log")).expect("a log file"),
        ))
        .spawn()
        .expect("shakedown watch starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, runs) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&line) {
                    let _ = tx.send(doc);
                }
            }
        });
        Self {
            child,
            runs,
            log: dir.join("stderr.log"),
        }
    }

    fn next_run(&self) -> serde_json::Value {
        self.runs.recv_timeout(RUN_LIMIT).unwrap_or_else(|_| {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            panic!("no run report within {RUN_LIMIT:?}; stderr:\n{log}")
        })
    }

    fn stop(mut self) -> Option<i32> {
        let _ = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        self.child.wait().ok().and_then(|s| s.code())
    }
}

fn task<'a>(run: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    common::task(run, name)
}

fn copy_fixture(to: &Path) {
    let from = common::root().join("tests/fixtures/watch");
    for entry in [
        "watch.rhai",
        "a/Dockerfile",
        "a/value.txt",
        "a/ignored.txt",
        "a/.dockerignore",
        "b/Dockerfile",
        "b/value.txt",
    ] {
        let target = to.join(entry);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(entry), target).unwrap();
    }
}

#[test]
fn a_change_reruns_only_the_tasks_it_affects() {
    base_image();
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let watching = Watching::start(dir.path());
    let mut run_ids = Vec::new();

    let first = watching.next_run();
    run_ids.push(first["run_id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(first["trigger"], "first run");
    assert_eq!(task(&first, "image a")["status"], "passed");
    assert_eq!(task(&first, "image b")["status"], "passed");

    // Break a file in a's context: a fails, "after a" reruns, b is kept.
    std::fs::write(dir.path().join("a/value.txt"), "bad\n").unwrap();
    let broken = watching.next_run();
    run_ids.push(broken["run_id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(broken["trigger"], "a/value.txt changed");
    assert_eq!(task(&broken, "image a")["status"], "failed");
    assert_eq!(task(&broken, "image a")["kept"], false);
    assert_eq!(task(&broken, "image b")["kept"], true);
    assert_eq!(task(&broken, "after a")["kept"], false);

    // Fix it: a passes again.
    std::fs::write(dir.path().join("a/value.txt"), "good\n").unwrap();
    let fixed = watching.next_run();
    run_ids.push(fixed["run_id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(task(&fixed, "image a")["status"], "passed");
    assert_eq!(task(&fixed, "image b")["kept"], true);

    // A file .dockerignore excludes: nothing reruns.
    std::fs::write(dir.path().join("a/ignored.txt"), "still ignored\n").unwrap();
    assert!(
        watching.runs.recv_timeout(Duration::from_secs(3)).is_err(),
        "an excluded file started a run"
    );

    // A script change reruns that script.
    let script = dir.path().join("watch.rhai");
    let text = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, format!("{text}\n// edited\n")).unwrap();
    let rerun = watching.next_run();
    run_ids.push(rerun["run_id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(task(&rerun, "image b")["kept"], false);

    assert_eq!(watching.stop(), Some(130));
    for run_id in run_ids {
        assert_eq!(containers_of(&run_id), Vec::<String>::new());
    }
}

#[test]
fn a_script_error_waits_for_the_next_save() {
    base_image();
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let script = dir.path().join("watch.rhai");
    let good = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, "task(\"broken\", || {").unwrap();
    let watching = Watching::start(dir.path());
    assert!(
        watching.runs.recv_timeout(Duration::from_secs(2)).is_err(),
        "a broken script ran"
    );
    std::fs::write(&script, good).unwrap();
    let run = watching.next_run();
    assert_eq!(task(&run, "image a")["status"], "passed");
    assert_eq!(watching.stop(), Some(130));
}
