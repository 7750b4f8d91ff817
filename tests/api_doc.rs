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
