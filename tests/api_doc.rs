//! The script API reference in docs/ is generated from the registered
//! functions; this fails when it is stale.

use std::path::Path;

#[test]
fn the_script_api_reference_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/script-api.md");
    let generated = shakedown::host::api_reference();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("docs/script-api.md is writable");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/script-api.md is stale: run `UPDATE_DOCS=1 cargo test --test api_doc` and commit it"
    );
}

#[test]
fn every_registered_function_is_documented() {
    let reference = shakedown::host::api_reference();
    for name in [
        "task(",
        "check(",
        "approve(",
        "record(",
        "assert(",
        "assert_eq(",
        "assert_ne(",
        "assert_match(",
        "assert_contains(",
        "build(",
        "image(",
        "Image.inspect(",
        "Image.run(",
        "Image.id",
        "Image.tag",
        "RunResult.exit_code",
        "RunResult.stdout",
        "RunResult.stderr",
        "RunResult.out",
        "RunResult.ok",
        "RunResult.timed_out",
        "RunResult.duration",
        "Image.file(",
        "Image.exists(",
        "Image.stat(",
        "Image.start(",
        "Container.exec(",
        "Container.logs(",
        "Container.port(",
        "Container.url(",
        "Container.health",
        "Container.running",
        "Container.exit_code",
        "Container.wait_healthy(",
        "Container.wait_http(",
        "Container.wait_log(",
        "Container.wait_port(",
        "Container.copy_out(",
        "Container.copy_in(",
        "Container.stop(",
        "http_get(",
        "http_post(",
        "http(",
        "Response.status",
        "Response.headers",
        "Response.text",
        "Response.body",
        "Response.json(",
        "`vars`",
        "`KB`",
        "`MB`",
        "`GB`",
    ] {
        assert!(reference.contains(name), "the reference lacks {name}");
    }
}

/// The definitions editors read (`shakedown defs`) are committed under
/// docs/definitions/ for this repository's own scripts; this fails when
/// they are stale.
#[test]
fn the_committed_definitions_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/definitions");
    let generated = shakedown::host::definitions();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).expect("docs/definitions can be made");
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).expect("docs/definitions is writable");
        }
    }
    for (name, text) in &generated {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            &on_disk == text,
            "docs/definitions/{name} is stale: run `UPDATE_DOCS=1 cargo test --test api_doc` and commit it"
        );
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    committed.sort();
    let mut expected: Vec<String> = generated.iter().map(|(name, _)| name.clone()).collect();
    expected.sort();
    assert_eq!(committed, expected, "docs/definitions holds other files");
}
