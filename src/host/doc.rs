//! The script API reference, generated from the registered functions'
//! metadata (docs/script-api.md; a test fails when it is stale).

use std::fmt::Write;

use rhai::Engine;
use serde_json::Value;

use super::limits;
use super::values::SIZES;
use crate::api::{type_name as tidy, MODULES};

/// The reference as Markdown.
pub fn api_reference() -> String {
    let mut out = String::from(
        "# Script API reference\n\n\
         Generated from the functions shakedown registers (`cargo test` fails when this file is \
         stale; `UPDATE_DOCS=1 cargo test --test api_doc` rewrites it). The design behind it is \
         in `DESIGN.md` of the product; decisions are in `docs/decisions.md`.\n\n\
         ## Values every script sees\n\n\
         - `vars`: a map of the `--var KEY=VALUE` pairs given on the command line (strings).\n",
    );
    for (name, value) in SIZES {
        let _ = writeln!(
            out,
            "- `{name}`: {value} (decimal, as `docker images` shows sizes)."
        );
    }
    out.push_str(&errors_imports_limits());
    out.push_str(
        "\nSeconds (every `timeout`, `wait_http`'s `interval`, `stop`'s grace) are integers or \
         floats above 0 (a grace may be 0) and at most 86400, a day; anything else (NaN, infinity, \
         a negative number) is refused at the call with `shakedown::script::bad_seconds`.\n",
    );
    for module in MODULES {
        let mut engine = Engine::new_raw();
        (module.register)(&mut engine);
        let _ = write!(out, "\n## {}\n\n{}\n", module.title, module.intro);
        for function in functions(&engine) {
            out.push_str(&function);
        }
    }
    out.push_str(&super::stdlib::reference());
    out
}

/// What a caught error holds, where modules come from, how much a script
/// may hold.
fn errors_imports_limits() -> String {
    format!(
        "\n## Errors, imports and limits\n\n\
         - **A caught error** (`try {{ … }} catch (e) {{ … }}`) of a shakedown function is a map: \
         `message`, `code` (`shakedown::area::kind`), `help` (`()` when none), `line` (of the \
         call) and `file` (the script). `throw e` rethrows it with its whole diagnostic. Errors \
         Rhai raises itself (an unknown function, a type mismatch) are Rhai's maps: `message`, \
         `line`, `position`, `source`.\n\
         - **`import \"path\" as name;`** loads `path.rhai`, relative to the importing script (or \
         absolute), confined like every path: outside the directory shakedown runs in it is \
         refused unless `--allow-path DIR` allows it. A module is a regular file of at most {} MB.\n\
         - **Limits**: {}. Going past one is a script error at the line that did it. A script is \
         at most {} MB, and a file a script reads at most {} MB.\n",
        limits::MAX_SCRIPT_BYTES / 1_000_000,
        limits::summary(),
        limits::MAX_SCRIPT_BYTES / 1_000_000,
        limits::MAX_READ_BYTES / 1_000_000,
    )
}

fn functions(engine: &Engine) -> Vec<String> {
    let Ok(json) = engine.gen_fn_metadata_to_json(false) else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_str::<Value>(&json) else {
        return Vec::new();
    };
    let mut entries: Vec<(String, String)> = value["functions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let name = f["name"].as_str()?;
            let comments: Vec<&str> = f["docComments"]
                .as_array()
                .map(|c| c.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if comments.is_empty() {
                return None; // to_string and friends
            }
            let params: Vec<String> = f["params"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            let n = p["name"].as_str().unwrap_or("_");
                            match p["type"].as_str() {
                                Some(t) => format!("{n}: {}", tidy(t)),
                                None => n.to_owned(),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let returns = f["returnType"].as_str().map(tidy).unwrap_or_default();
            let heading = match name.strip_prefix("get$") {
                Some(prop) => {
                    let owner = params
                        .first()
                        .map_or("value", |p| p.split(':').nth(1).map_or("value", str::trim));
                    format!("`{owner}.{prop}`")
                }
                None => {
                    let args = if params
                        .first()
                        .is_some_and(|p| ["img:", "r:", "c:"].iter().any(|me| p.starts_with(me)))
                    {
                        let (me, rest) = params
                            .split_first()
                            .map_or(("", &[][..]), |(m, r)| (m.as_str(), r));
                        let owner = me.split(':').nth(1).map_or("", str::trim);
                        return Some((
                            format!("{owner}.{name}"),
                            entry(
                                &format!("`{owner}.{name}({})`", rest.join(", ")),
                                &returns,
                                &comments,
                            ),
                        ));
                    } else {
                        params.join(", ")
                    };
                    format!("`{name}({args})`")
                }
            };
            Some((heading.clone(), entry(&heading, &returns, &comments)))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().map(|(_, text)| text).collect()
}

fn entry(heading: &str, returns: &str, comments: &[&str]) -> String {
    let returns = if returns.is_empty() || returns == "()" {
        String::new()
    } else {
        format!(" → `{returns}`")
    };
    let body: Vec<String> = comments
        .iter()
        .flat_map(|c| c.lines())
        .map(|line| line.trim_start_matches("///").trim().to_owned())
        .collect();
    format!("\n### {heading}{returns}\n\n{}\n", body.join("\n"))
}
