//! A build that failed at a `FROM` because the engine could not pull the
//! base image: the instruction is fine, so the diagnostic says what the
//! registry answered (read from the engine's message: `Answer`) and how to
//! get the image into the engine.

pub use crate::engine::registry::Answer;
use crate::engine::registry::{Reference, DOCKER_HUB};
use crate::error::{FileSpan, Thrown, ThrownKind};
use crate::static_read::dockerfile::{Dockerfile, Instruction};

/// The diagnostic code of a base image the registry would not give.
fn code(answer: Answer) -> &'static str {
    match answer {
        Answer::Unreachable => "shakedown::build::base_unreachable",
        Answer::Unknown => "shakedown::build::base_unknown",
        Answer::Unauthorised | Answer::UnknownOrUnauthorised => {
            "shakedown::build::base_unauthorised"
        }
    }
}

/// The diagnostic of a `FROM` whose base image could not be pulled.
/// `args` are the build args the script passed (they override ARG
/// defaults in the FROM line).
pub fn failure(
    dockerfile: &Dockerfile,
    name: &str,
    from: &Instruction,
    answer: Answer,
    engine_message: &str,
    args: &[(String, String)],
) -> Thrown {
    let written = from.args.split_whitespace().next().unwrap_or_default();
    let (base, used_args) = expand(dockerfile, written, args);
    let mut help = match answer {
        Answer::Unreachable => format!(
            "get the base image into this engine: `docker pull {base}` where there is a network, or \
             `docker save {base}` on a machine that has it and `docker load` here"
        ),
        Answer::Unknown => format!(
            "check the image's name and tag ({base}); if it exists only on another machine, \
             `docker save {base}` there and `docker load` here"
        ),
        Answer::Unauthorised | Answer::UnknownOrUnauthorised => format!(
            "check the name ({base}); for a private image, `docker login {}` as the engine's user \
             and build again, or `docker save {base}` where it is pulled and `docker load` here",
            registry(&base)
        ),
    };
    match used_args.as_slice() {
        [] => help.push_str("; or change this FROM to a base the engine has"),
        names => {
            let examples: Vec<String> = names.iter().map(|n| format!("{n}: \"…\"")).collect();
            help.push_str(&format!(
                "; or build from a base the engine has: build(#{{ …, args: #{{ {} }} }})",
                examples.join(", ")
            ));
        }
    }
    Thrown::new(
        ThrownKind::Failure,
        code(answer),
        format!("the base image {base} cannot be pulled: {answer} ({engine_message})"),
    )
    .help(help)
    .label("this build needs a base image the engine cannot pull")
    .span(FileSpan {
        name: name.to_owned(),
        text: dockerfile.source.clone().into(),
        offset: from.span.start,
        len: from.span.len(),
        label: format!("{base}: {answer}"),
    })
}

/// The FROM image with ARGs substituted as Docker substitutes them (build
/// args first, then the defaults of the ARGs before the first FROM), and
/// the names of the ARGs it uses.
fn expand(
    dockerfile: &Dockerfile,
    written: &str,
    args: &[(String, String)],
) -> (String, Vec<String>) {
    let mut values: Vec<(String, String)> = dockerfile
        .instructions
        .iter()
        .take_while(|i| i.kind != "FROM")
        .filter(|i| i.kind == "ARG")
        .filter_map(|i| {
            let (name, value) = i.args.split_once('=')?;
            Some((
                name.trim().to_owned(),
                value.trim().trim_matches('"').to_owned(),
            ))
        })
        .collect();
    for (name, value) in args {
        values.retain(|(n, _)| n != name);
        values.push((name.clone(), value.clone()));
    }
    let mut text = written.to_owned();
    let mut used = Vec::new();
    for (name, value) in &values {
        let (braced, bare) = (format!("${{{name}}}"), format!("${name}"));
        if text.contains(&braced) || text.contains(&bare) {
            used.push(name.clone());
            text = text.replace(&braced, value).replace(&bare, value);
        }
    }
    (text, used)
}

/// The `FROM` whose image (its build args expanded) is `image`, as
/// BuildKit names an image it could not load (`docker.io/library/x:latest`
/// for `x`).
pub fn from_naming<'a>(
    dockerfile: &'a Dockerfile,
    image: &str,
    args: &[(String, String)],
) -> Option<&'a Instruction> {
    let normal = |reference: &str| {
        let reference = reference
            .strip_prefix("docker.io/library/")
            .or_else(|| reference.strip_prefix("docker.io/"))
            .unwrap_or(reference);
        let last = reference.rsplit('/').next().unwrap_or(reference);
        if last.contains([':', '@']) {
            reference.to_owned()
        } else {
            format!("{reference}:latest")
        }
    };
    let wanted = normal(image);
    dockerfile
        .instructions
        .iter()
        .filter(|i| i.kind == "FROM")
        .find(|i| {
            let written = i.args.split_whitespace().next().unwrap_or_default();
            normal(&expand(dockerfile, written, args).0) == wanted
        })
}

/// The registry part of an image reference (`docker.io` when it has none).
fn registry(reference: &str) -> String {
    Reference::parse(reference).map_or_else(|_| DOCKER_HUB.to_owned(), |r| r.registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_override_arg_defaults_in_the_from_line() {
        let df = Dockerfile::parse(
            std::path::Path::new("Dockerfile"),
            "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE} AS app\n".into(),
        )
        .unwrap();
        assert_eq!(
            expand(&df, "${BASE_IMAGE}", &[]),
            ("python:3.11-slim".to_owned(), vec!["BASE_IMAGE".to_owned()])
        );
        let args = [("BASE_IMAGE".to_owned(), "local/python:3.11".to_owned())];
        assert_eq!(expand(&df, "${BASE_IMAGE}", &args).0, "local/python:3.11");
        assert_eq!(
            expand(&df, "debian:12", &args),
            ("debian:12".to_owned(), vec![])
        );
    }

    #[test]
    fn the_registry_of_a_reference() {
        assert_eq!(registry("python:3.11"), "docker.io");
        assert_eq!(registry("nvidia/cuda:12.1.0"), "docker.io");
        assert_eq!(registry("127.0.0.1:5000/x:1"), "127.0.0.1:5000");
        assert_eq!(registry("ghcr.io/a/b"), "ghcr.io");
    }
}
