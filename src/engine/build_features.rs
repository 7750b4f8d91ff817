//! Dockerfile features a builder cannot read: heredocs and `--link` need
//! the Dockerfile frontend built into Docker 23.0 and later; `RUN --mount`
//! needs BuildKit. Found before the build, so the diagnostic names the
//! feature, its line and the engine's version rather than quoting a parse
//! error about the line after it.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use crate::static_read::dockerfile::Dockerfile;

/// A feature of the Dockerfile the chosen builder cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooNew {
    /// "heredocs", "`COPY --link`", …
    pub feature: String,
    pub line: usize,
    /// The instruction's bytes in the Dockerfile.
    pub span: Range<usize>,
    pub needs: Needs,
    /// Which builder of which engine cannot: "the BuildKit of Docker 20.10.24".
    pub builder: String,
}

/// What a feature needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    BuildKit,
    /// The Dockerfile frontend built into Docker 23.0 and later.
    Docker23,
    /// Both: the classic builder reads no heredocs on any engine.
    BuildKitOnDocker23,
}

impl std::fmt::Display for Needs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::BuildKit => "BuildKit",
            Self::Docker23 => "Docker 23.0 or later",
            Self::BuildKitOnDocker23 => "BuildKit on Docker 23.0 or later",
        })
    }
}

/// The first instruction using a feature the builder cannot read, if any.
/// `engine` is the engine's version (`20.10.24+dfsg1`); a `# syntax=`
/// directive names a frontend the engine fetches, so BuildKit's own is not
/// the judge then.
pub fn first_too_new(file: &Dockerfile, buildkit: bool, engine: &str) -> Option<TooNew> {
    let version = engine.split(['+', '-']).next().unwrap_or(engine);
    let builder = if buildkit {
        format!("the BuildKit of Docker {version}")
    } else {
        format!("the classic builder (Docker {version})")
    };
    let frontend_is_built_in = !has_syntax_directive(&file.source);
    let modern = major(version) >= 23;
    for ins in &file.instructions {
        let found = |feature: &str, needs: Needs| TooNew {
            feature: feature.to_owned(),
            line: ins.line,
            span: ins.span.clone(),
            needs,
            builder: builder.clone(),
        };
        let text = file.text(ins);
        let first_line = text.lines().next().unwrap_or_default();
        let flag = |name: &str| ins.flags.iter().any(|(f, _)| f == name);
        let is = |kind: &str| ins.kind == kind;
        if !buildkit {
            if is("RUN") && flag("mount") {
                return Some(found("`RUN --mount`", Needs::BuildKit));
            }
            if (is("RUN") || is("COPY") || is("ADD")) && has_heredoc(first_line) {
                return Some(found("heredocs", Needs::BuildKitOnDocker23));
            }
            continue;
        }
        if !frontend_is_built_in || modern {
            continue;
        }
        if (is("RUN") || is("COPY") || is("ADD")) && has_heredoc(first_line) {
            return Some(found("heredocs", Needs::Docker23));
        }
        if (is("COPY") || is("ADD")) && flag("link") {
            return Some(found(&format!("`{} --link`", ins.kind), Needs::Docker23));
        }
        if is("RUN") && flag("network") {
            return Some(found("`RUN --network`", Needs::Docker23));
        }
    }
    None
}

/// Whether a line has a here-document operator: `<<EOF`, `<<-EOF`, `<<"EOF"`.
fn has_heredoc(line: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r#"<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?"#).ok())
        .as_ref()
        .is_some_and(|re| re.is_match(line))
}

fn has_syntax_directive(source: &str) -> bool {
    source
        .trim_start_matches('\u{feff}')
        .lines()
        .take_while(|l| l.starts_with('#'))
        .any(|l| {
            l.trim_start_matches('#')
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("syntax")
        })
}

fn major(version: &str) -> u32 {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(text: &str) -> Dockerfile {
        Dockerfile::parse(Path::new("Dockerfile"), text.into()).expect("parses")
    }

    const HEREDOC: &str = "FROM scratch\nCOPY busybox /bin/\nRUN <<EOF\necho hi\nEOF\n";

    #[test]
    fn heredocs_need_docker_23() {
        let found = first_too_new(&file(HEREDOC), true, "20.10.24+dfsg1").expect("found");
        assert_eq!(found.feature, "heredocs");
        assert_eq!(found.line, 3);
        assert_eq!(found.builder, "the BuildKit of Docker 20.10.24");
        assert_eq!(first_too_new(&file(HEREDOC), true, "24.0.7"), None);
    }

    #[test]
    fn a_syntax_directive_brings_its_own_frontend() {
        let text = format!("# syntax=docker/dockerfile:1\n{HEREDOC}");
        assert_eq!(first_too_new(&file(&text), true, "20.10.24"), None);
    }

    #[test]
    fn the_classic_builder_reads_no_mounts() {
        let f = file("FROM scratch\nRUN --mount=type=cache,target=/c true\n");
        let found = first_too_new(&f, false, "20.10.24").expect("found");
        assert_eq!(found.feature, "`RUN --mount`");
        assert_eq!(found.needs, Needs::BuildKit);
        assert_eq!(first_too_new(&f, true, "20.10.24"), None);
    }

    #[test]
    fn link_needs_docker_23() {
        let f = file("FROM scratch\nCOPY --link a /a\n");
        let found = first_too_new(&f, true, "20.10.24").expect("found");
        assert_eq!(found.feature, "`COPY --link`");
    }
}
