//! Property tests for the readers (issue 13): arbitrary input never panics
//! the `.dockerignore` matcher, the Dockerfile reader, the compose reader or
//! the script compiler, and the matcher agrees with a reference model of
//! Docker's own (moby/patternmatcher: each pattern becomes a regular
//! expression; a path is excluded when the last pattern that matches it or
//! one of its parents is not an exception).
//!
//! CI runs 2000 cases of the matcher's model and 64 of each other
//! property. A long run:
//!
//! ```sh
//! PROPTEST_CASES=20000 cargo test --release --test properties
//! ```

use std::path::Path;

use proptest::prelude::*;
use shakedown::static_read::{compose, dockerfile::Dockerfile, dockerignore::DockerIgnore};

/// `cases` cases, unless `PROPTEST_CASES` says otherwise; failures are
/// shown, not written to a regressions file.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// --- the reference model of Docker's matcher ------------------------------

/// How a pattern matches, as `Pattern.compile` decides it.
enum Model {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Regex(regex::Regex),
}

/// Docker's translation of a (clean) pattern, for the patterns generated
/// below: letters, `.`, `*`, `?`, `**`, classes and `/`.
fn model(pattern: &str) -> Model {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regexp,
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut kind = Kind::Exact;
    let mut at = 0;
    let mut step = 0;
    while at < chars.len() {
        let c = chars[at];
        at += 1;
        match c {
            '*' if chars.get(at) == Some(&'*') => {
                at += 1;
                if chars.get(at) == Some(&'/') {
                    at += 1;
                }
                if at == chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = Kind::Regexp;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = Kind::Regexp;
                }
                if step == 0 {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = Kind::Regexp;
            }
            '?' => {
                re.push_str("[^/]");
                kind = Kind::Regexp;
            }
            '.' => re.push_str("\\."),
            '[' | ']' => {
                re.push(c);
                kind = Kind::Regexp;
            }
            other => re.push(other),
        }
        step += 1;
    }
    match kind {
        Kind::Exact => Model::Exact(pattern.to_owned()),
        Kind::Prefix => Model::Prefix(pattern[..pattern.len() - 2].to_owned()),
        Kind::Suffix => Model::Suffix(pattern[2..].to_owned()),
        Kind::Regexp => {
            re.push('$');
            Model::Regex(regex::Regex::new(&re).expect("the model's regex compiles"))
        }
    }
}

fn model_matches(model: &Model, path: &str) -> bool {
    match model {
        Model::Exact(text) => path == text,
        Model::Prefix(prefix) => path.starts_with(prefix.as_str()),
        Model::Suffix(suffix) => {
            path.ends_with(suffix.as_str()) || suffix.strip_prefix('/') == Some(path)
        }
        Model::Regex(re) => re.is_match(path),
    }
}

/// `MatchesOrParentMatches`, without its shortcut (which cannot change the
/// outcome): the last pattern matching the path or a parent decides.
fn model_excluded(patterns: &[(bool, String)], path: &str) -> bool {
    let mut excluded = false;
    for (exception, pattern) in patterns {
        let model = model(pattern);
        let parents = path.match_indices('/').map(|(at, _)| &path[..at]);
        let hit =
            model_matches(&model, path) || parents.into_iter().any(|p| model_matches(&model, p));
        if hit {
            excluded = !exception;
        }
    }
    excluded
}

// --- strategies -------------------------------------------------------------

fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a", "b", "ab", ".", "*", "?", "**", "[ab]", "[a-b]", "[^a]",
    ])
}

/// A clean pattern: segments of tokens joined by `/`, perhaps an exception.
fn pattern() -> impl Strategy<Value = (bool, String)> {
    (
        any::<bool>(),
        prop::collection::vec(prop::collection::vec(token(), 1..3), 1..4),
    )
        .prop_map(|(exception, segments)| {
            let text = segments
                .iter()
                .map(|tokens| tokens.concat())
                .collect::<Vec<_>>()
                .join("/");
            (exception, text)
        })
        // `.` and `..` segments would be cleaned away; keep patterns clean.
        .prop_filter("clean", |(_, text)| {
            text.split('/').all(|s| s != "." && s != "..")
        })
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "b", "ab", "ba", "a.b", "aab", ".a"]),
        1..5,
    )
    .prop_map(|segments| segments.join("/"))
}

/// Text built from the pieces a file of the kind is made of, plus any
/// characters at all.
fn text_of(pieces: Vec<&'static str>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(pieces).prop_map(str::to_owned),
            1 => any::<String>(),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

const DOCKERFILE: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "ARG ",
    "USER ",
    "LABEL ",
    "HEALTHCHECK ",
    "CMD ",
    "ENTRYPOINT ",
    "WORKDIR ",
    "EXPOSE ",
    "ONBUILD ",
    "SHELL ",
    "STOPSIGNAL ",
    "VOLUME ",
    "FOO ",
    "AS ",
    " ",
    "\n",
    "\\\n",
    "\\",
    "#",
    "# syntax=docker/dockerfile:1\n",
    "# escape=`\n",
    "`\n",
    "<<EOF\n",
    "EOF\n",
    "<<-EOT\n",
    "--from=",
    "--chown=",
    "--mount=type=cache,target=/x ",
    "${",
    "}",
    "$X",
    "=",
    "\"",
    "'",
    "[",
    "]",
    ",",
    "a",
    "b=c",
    "python:3.11",
    "\t",
    "\r\n",
    "\u{feff}",
];

const YAML: &[&str] = &[
    "services:",
    "volumes:",
    "version:",
    "image:",
    "environment:",
    "  ",
    "    ",
    "\n",
    "- ",
    ":",
    ": ",
    "\t",
    "\"",
    "'",
    "&a ",
    "*a",
    "<<: ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "|",
    ">",
    "#",
    "---\n",
    "...\n",
    "a",
    "b",
    "42",
    "null",
    "~",
    "true",
    "%YAML 1.2\n",
    "!!str ",
    "? ",
];

const RHAI: &[&str] = &[
    "let ",
    "x",
    " = ",
    "1",
    "\"s\"",
    "`t${x}`",
    "fn f(a) { a }",
    "f(",
    ")",
    "(",
    "{",
    "}",
    "[",
    "]",
    "#{",
    "a: 1",
    ",",
    ";",
    "\n",
    "||",
    "|x|",
    "if ",
    "else ",
    "while ",
    "loop ",
    "for ",
    " in ",
    "return",
    "throw ",
    "try ",
    "catch (e) ",
    "import \"m\" as m;",
    "m::",
    ".",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!",
    "&&",
    "<=",
    "=>",
    "switch ",
    "check(\"c\", || true);",
    "task(\"t\", || {});",
    "//",
    "/*",
    "*/",
    "'c'",
    "0x",
    "1e309",
    "9223372036854775808",
];

// --- properties -------------------------------------------------------------

proptest! {
    // Cheap, and a disagreement can hide behind parent matching: many cases.
    #![proptest_config(config(2000))]

    #[test]
    fn the_matcher_agrees_with_dockers(patterns in prop::collection::vec(pattern(), 1..5), path in path()) {
        let text: String = patterns
            .iter()
            .map(|(exception, p)| format!("{}{p}\n", if *exception { "!" } else { "" }))
            .collect();
        let ours = DockerIgnore::parse(&text).expect("generated patterns are valid");
        prop_assert_eq!(
            ours.is_excluded(&path),
            model_excluded(&patterns, &path),
            "patterns {:?}, path {:?}", text, path
        );
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_dockerignore_reader_never_panics(text in any::<String>(), path in any::<String>()) {
        if let Ok(ignore) = DockerIgnore::parse(&text) {
            let _ = ignore.is_excluded(&path);
            let _ = ignore.may_include_below(&path);
        }
    }

    #[test]
    fn the_dockerfile_reader_never_panics(text in text_of(DOCKERFILE.to_vec())) {
        let _ = Dockerfile::parse(Path::new("Dockerfile"), text);
    }

    #[test]
    fn the_compose_reader_never_panics(text in text_of(YAML.to_vec())) {
        let _ = compose::read(&text);
    }

    #[test]
    fn the_script_compiler_never_panics(text in text_of(RHAI.to_vec())) {
        let engine = shakedown::host::new_engine();
        let _ = shakedown::host::compile_source(&engine, Path::new("fuzz.rhai"), text);
    }
}
