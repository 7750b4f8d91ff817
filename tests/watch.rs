//! Watch mode against the real engine and the real file watcher: a change
//! in one image's context reruns that task (and what needs it) only. Every
//! test runs beside two background writers in the watched directories, as
//! editors, language servers and dev servers do: one reads a file every
//! 20 ms, one appends to a `.dockerignore`d log every 50 ms.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::Duration;

use common::{base_image, command, containers_of};

const RUN_LIMIT: Duration = Duration::from_secs(60);
const DEBOUNCE_MS: u64 = 100;

/// The two background writers, until dropped.
struct Noise {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Noise {
    /// Reads `read` every 20 ms and appends to `log` every 50 ms.
    fn start(read: PathBuf, log: PathBuf) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let _ = std::fs::read(&read);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let writer = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    if let Ok(mut f) = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&log)
                    {
                        n += 1;
                        let _ = writeln!(f, "request {n}: GET /health 200");
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Self {
            stop,
            threads: vec![reader, writer],
        }
    }

    /// Noise in fixture `a`'s context: a read of the file the build sends,
    /// and a log `.dockerignore` excludes.
    fn in_context_a(dir: &Path) -> Self {
        Self::start(dir.join("a/value.txt"), dir.join("a/server.log"))
    }
}

impl Drop for Noise {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

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
            &DEBOUNCE_MS.to_string(),
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
    let _noise = Noise::in_context_a(dir.path());
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
    let _noise = Noise::in_context_a(dir.path());
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

#[test]
fn beside_busy_writers_a_save_reruns_within_the_debounce_and_half_a_second() {
    base_image();
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let _noise = Noise::in_context_a(dir.path());
    let watching = Watching::start(dir.path());
    let mut run_ids = vec![];
    let first = watching.next_run();
    run_ids.push(first["run_id"].as_str().unwrap_or_default().to_owned());
    let bound = (DEBOUNCE_MS + 500) as f64 / 1000.0;
    let value = dir.path().join("a/value.txt");
    for (round, how) in ["write", "sed -i", "write", "sed -i"].iter().enumerate() {
        std::thread::sleep(Duration::from_millis(300));
        let text = if round % 2 == 0 { "bad" } else { "good" };
        let saved_at = now();
        if *how == "write" {
            std::fs::write(&value, format!("{text}\n")).unwrap();
        } else {
            let status = std::process::Command::new("sed")
                .args(["-i", &format!("s/.*/{text}/"), "a/value.txt"])
                .current_dir(dir.path())
                .status()
                .expect("sed runs");
            assert!(status.success());
        }
        let run = watching.next_run();
        run_ids.push(run["run_id"].as_str().unwrap_or_default().to_owned());
        let latency = run["started_at"].as_f64().unwrap_or(f64::MAX) - saved_at;
        assert!(
            latency < bound,
            "a save by {how} reran {latency:.3} s after it (bound {bound} s)"
        );
        // Only the saved file: not sed's temporary file, not the log.
        assert_eq!(run["trigger"], "a/value.txt changed", "{how}");
        let expected = if text == "bad" { "failed" } else { "passed" };
        assert_eq!(task(&run, "image a")["status"], expected);
        assert_eq!(task(&run, "image b")["kept"], true);
    }
    // The noise alone never starts a run.
    assert!(
        watching.runs.recv_timeout(Duration::from_secs(2)).is_err(),
        "a read or an ignored log started a run"
    );
    assert_eq!(watching.stop(), Some(130));
    for run_id in run_ids {
        assert_eq!(containers_of(&run_id), Vec::<String>::new());
    }
}

#[test]
fn a_change_of_an_imported_module_reruns_its_script() {
    base_image();
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    std::fs::create_dir_all(dir.path().join("lib")).unwrap();
    let module = dir.path().join("lib/expected.rhai");
    std::fs::write(&module, "fn value() { \"good\" }\n").unwrap();
    let _noise = Noise::start(module.clone(), dir.path().join("lib/lsp.log"));
    std::fs::write(
        dir.path().join("watch.rhai"),
        "import \"lib/expected\" as expected;\n\
         let want = expected::value();\n\
         task(\"image b\", || {\n\
             let img = build(#{ dockerfile: \"b/Dockerfile\", context: \"b\" });\n\
             check(\"b holds the expected value\", || assert_eq(img.run(\"cat /value.txt\").out, want));\n\
         });\n",
    )
    .unwrap();
    let watching = Watching::start(dir.path());
    let first = watching.next_run();
    assert_eq!(task(&first, "image b")["status"], "passed");
    std::fs::write(&module, "fn value() { \"other\" }\n").unwrap();
    let rerun = watching.next_run();
    assert_eq!(rerun["trigger"], "lib/expected.rhai changed");
    assert_eq!(
        task(&rerun, "image b")["status"],
        "failed",
        "the module was loaded anew"
    );
    assert_eq!(watching.stop(), Some(130));
}

#[test]
fn a_change_of_a_module_imported_inside_a_check_reruns_its_task() {
    base_image();
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    std::fs::create_dir_all(dir.path().join("lib")).unwrap();
    let module = dir.path().join("lib/expected.rhai");
    std::fs::write(&module, "fn value() { \"good\" }\n").unwrap();
    std::fs::write(
        dir.path().join("watch.rhai"),
        "task(\"image b\", || {\n\
             let img = build(#{ dockerfile: \"b/Dockerfile\", context: \"b\" });\n\
             check(\"b holds the expected value\", || {\n\
                 import \"lib/expected\" as expected;\n\
                 assert_eq(img.run(\"cat /value.txt\").out, expected::value());\n\
             });\n\
         });\n",
    )
    .unwrap();
    let watching = Watching::start(dir.path());
    let first = watching.next_run();
    assert_eq!(task(&first, "image b")["status"], "passed");
    std::fs::write(&module, "fn value() { \"other\" }\n").unwrap();
    let rerun = watching.next_run();
    assert_eq!(rerun["trigger"], "lib/expected.rhai changed");
    assert_eq!(
        task(&rerun, "image b")["status"],
        "failed",
        "the module was loaded anew"
    );
    assert_eq!(watching.stop(), Some(130));
}
