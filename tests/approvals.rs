//! Approvals that last: a person approves at a real pseudo-terminal, a
//! later run with no terminal passes from the ledger, a changed image
//! fails the checkpoint naming it, and an edited ledger fails `verify`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{check, command, shakedown, shakedown_json};
use rexpect::process::WaitStatus;

const TAG: &str = "shakedown-test/approvals:latest";

/// A copy of the fixture's build context the test may change.
fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for file in ["Dockerfile", "payload.txt"] {
        std::fs::copy(
            common::root().join("tests/fixtures/approvals").join(file),
            dir.path().join(file),
        )
        .expect("the fixture copies");
    }
    dir
}

fn image_id() -> String {
    let out = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", TAG])
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs shakedown on a pseudo-terminal, answers its checkpoint, and
/// returns what the terminal showed.
fn answer_at_a_terminal(args: &[&str], answer: &str) -> (String, WaitStatus) {
    let mut cmd = command(args);
    cmd.stdin(Stdio::inherit());
    let mut session = rexpect::session::spawn_command(cmd, Some(180_000)).expect("a pty");
    let review = session
        .exp_string("Type \"approved\" to approve, anything else rejects: ")
        .expect("the prompt");
    session.send_line(answer).expect("the answer is typed");
    let rest = session.exp_eof().expect("the run ends");
    let status = session.process().wait().expect("the exit status");
    (utf8(&format!("{review}{rest}")), status)
}

/// rexpect hands over each byte as a char; put the UTF-8 back together.
fn utf8(read: &str) -> String {
    let bytes: Vec<u8> = read
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn an_approval_at_a_terminal_lasts_until_an_image_changes() {
    common::base_image();
    let app = app_dir();
    let ledger_dir = tempfile::tempdir().expect("a temp dir");
    let ledger = ledger_dir.path().join(".shakedown/approvals.jsonl");
    let (dir, ledger_arg) = (
        app.path().display().to_string(),
        ledger.display().to_string(),
    );
    let var = format!("dir={dir}");
    let args = [
        "run",
        "tests/fixtures/approvals.rhai",
        "--var",
        &var,
        "--allow-path",
        &dir,
        "--approvals",
        &ledger_arg,
    ];

    // A person approves at the terminal.
    let (screen, status) = answer_at_a_terminal(&args, "approved");
    assert!(
        matches!(status, WaitStatus::Exited(_, 0)),
        "{status:?}\n{screen}"
    );
    assert!(
        screen.contains("◆ checkpoint: Ship the app image"),
        "{screen}"
    );
    assert!(screen.contains("(at the terminal)"), "{screen}");
    let first_id = image_id();

    // CI: no terminal, same images: it passes from the ledger.
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let checkpoint = check(&json, "Ship the app image");
    assert_eq!(checkpoint["approval"]["how"], "ledger", "{checkpoint:#}");
    assert_eq!(checkpoint["approval"]["entry"], 1, "{checkpoint:#}");
    let note = checkpoint["note"].as_str().unwrap_or_default();
    assert!(
        note.starts_with("approved by ") && note.ends_with(" UTC (ledger)"),
        "{note}"
    );

    // A file the image copies changes: the rebuilt image has a new id,
    // and the checkpoint fails naming it with both ids.
    std::fs::write(app.path().join("payload.txt"), "a changed payload\n").expect("write");
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let second_id = image_id();
    assert_ne!(first_id, second_id);
    let failure = &check(&json, "Ship the app image")["failure"];
    assert_eq!(failure["code"], "shakedown::checkpoint::images_changed");
    let message = failure["message"].as_str().unwrap_or_default();
    let named = format!("image {TAG} was {first_id}, now {second_id}");
    assert!(message.contains(&named), "{message}");
    assert!(
        ran.stderr.contains("shakedown::checkpoint::images_changed"),
        "{}",
        ran.stderr
    );

    // The ledger holds the approval and its reuse, chained.
    let verified = shakedown(&["approvals", "verify", &ledger_arg]);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    assert!(
        verified.stdout.contains("2 entries, chain intact"),
        "{}",
        verified.stdout
    );
    let listed = shakedown(&["approvals", "list", &ledger_arg]);
    assert!(listed.stdout.contains("approved by"), "{}", listed.stdout);
    assert!(
        listed.stdout.contains("from the ledger, reusing #1"),
        "{}",
        listed.stdout
    );
    assert!(
        listed.stdout.contains(&format!("image {TAG} {first_id}")),
        "{}",
        listed.stdout
    );

    // Someone edits an entry by hand: verify names it and fails.
    let text = std::fs::read_to_string(&ledger).expect("the ledger");
    std::fs::write(&ledger, text.replacen(&first_id, &second_id, 1)).expect("write");
    let tampered = shakedown(&["approvals", "verify", &ledger_arg]);
    assert_eq!(tampered.code, 1, "{}", tampered.stderr);
    assert!(
        tampered.stderr.contains("shakedown::approvals::tampered"),
        "{}",
        tampered.stderr
    );
    let words = tampered.stderr.replace('│', " ");
    let words: Vec<&str> = words.split_whitespace().collect();
    assert!(
        words
            .join(" ")
            .contains("is not intact: entry 1 was edited: its content does not match its hash"),
        "{}",
        tampered.stderr
    );
    // And a run no longer trusts it.
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert_eq!(
        check(&json, "Ship the app image")["failure"]["code"],
        "shakedown::checkpoint::ledger_broken"
    );

    let _ = Command::new("docker")
        .args(["rmi", "-f", &first_id, &second_id])
        .output();
}

#[test]
fn a_rejection_at_the_terminal_is_recorded_with_its_reason() {
    let ledger_dir = tempfile::tempdir().expect("a temp dir");
    let ledger = ledger_dir.path().join("approvals.jsonl");
    let ledger_arg = ledger.display().to_string();
    let args = [
        "run",
        "tests/fixtures/checkpoint.rhai",
        "--approvals",
        &ledger_arg,
    ];
    let (screen, status) = answer_at_a_terminal(&args, "not yet");
    assert!(
        matches!(status, WaitStatus::Exited(_, 1)),
        "{status:?}\n{screen}"
    );
    let listed = shakedown(&["approvals", "list", &ledger_arg]);
    assert!(listed.stdout.contains("rejected by"), "{}", listed.stdout);
    assert!(
        listed.stdout.contains("reason: \"not yet\""),
        "{}",
        listed.stdout
    );
    // With no terminal, the rejection stands.
    let (ran, json) = shakedown_json(&args);
    assert_eq!(ran.code, 1);
    assert_eq!(
        check(&json, "Review the results")["failure"]["code"],
        "shakedown::checkpoint::rejected_in_ledger"
    );
}

#[test]
fn with_json_on_a_terminal_the_prompt_goes_to_the_terminal_not_the_document() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("report.json");
    let ledger = dir.path().join("approvals.jsonl");
    let mut cmd = command(&[
        "run",
        "tests/fixtures/checkpoint.rhai",
        "--format",
        "json",
        "--approvals",
        &ledger.display().to_string(),
    ]);
    cmd.stdin(Stdio::inherit())
        .stdout(std::fs::File::create(&out).expect("the output file"));
    let mut session = rexpect::session::spawn_command(cmd, Some(60_000)).expect("a pty");
    session
        .exp_string("checkpoint: Review the results")
        .expect("the review on the terminal");
    session
        .exp_string("Type \"approved\" to approve, anything else rejects: ")
        .expect("the prompt on the terminal");
    session.send_line("approved").expect("typed");
    session.exp_eof().expect("the run ends");
    let status = session.process().wait().expect("the exit status");
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    let text = std::fs::read_to_string(&out).expect("the JSON document");
    assert!(!text.contains("Type \"approved\""), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("stdout is only JSON");
    assert_eq!(
        check(&json, "Review the results")["approval"]["how"],
        "terminal"
    );
    assert!(Path::new(&ledger).exists());
}

#[test]
fn verify_names_the_first_bad_entry_of_a_tampered_ledger() {
    // Three approvals, then someone rewrote who gave the second.
    let ran = shakedown(&[
        "approvals",
        "verify",
        "tests/fixtures/ledgers/tampered.jsonl",
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    insta::assert_snapshot!("tampered_ledger", ran.stderr);
    let ran = shakedown(&["approvals", "verify", "tests/fixtures/ledgers/none.jsonl"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("shakedown::approvals::missing"),
        "{}",
        ran.stderr
    );
}
