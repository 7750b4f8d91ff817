//! The options map of `build(#{ … })`, checked and turned into the
//! engine's `BuildRequest`. Every path is confined; every unknown key is
//! named at once.

use std::path::{Path, PathBuf};

use rhai::Map;

use super::convert::{known_keys, opt_bool, opt_string, opt_string_map};
use super::network_mode;
use super::paths::Confinement;
use crate::api::option_keys;
use crate::engine::{BuildRequest, Builder};
use crate::error::Thrown;
use crate::static_read::dockerfile::Dockerfile;

const WHAT: &str = "build()";

/// The networks `RUN` steps may use, as `docker buildx build --network`.
const NETWORKS: &[&str] = &["default", "none", "host"];

/// Reads and checks the options of one `build()`.
pub fn request(options: &Map, allowed_networks: &[String]) -> Result<BuildRequest, Thrown> {
    known_keys(options, &option_keys::BUILD, WHAT)?;
    let dockerfile = opt_string(options, "dockerfile", WHAT)?.ok_or_else(|| {
        Thrown::usage(
            "build() needs a `dockerfile`",
            "e.g. build(#{ dockerfile: \"docker/Dockerfile.cpu\" }) or build(\"docker/Dockerfile.cpu\")",
        )
    })?;
    let context = opt_string(options, "context", WHAT)?.unwrap_or_else(|| ".".into());
    confine_build(&context, &dockerfile)?;
    let network = opt_string(options, "network", WHAT)?.filter(|n| !n.is_empty());
    if let Some(network) = &network {
        if !NETWORKS.contains(&network.as_str()) {
            return Err(Thrown::usage(
                format!("option `network` of build() cannot be {network:?}"),
                "its RUN steps may use \"default\", \"none\" or \"host\"",
            ));
        }
        network_mode::check(Some(network), allowed_networks)?;
    }
    Ok(BuildRequest {
        context: PathBuf::from(&context),
        dockerfile: PathBuf::from(&dockerfile),
        tag: opt_string(options, "tag", WHAT)?.filter(|t| !t.is_empty()),
        target: opt_string(options, "target", WHAT)?.filter(|t| !t.is_empty()),
        args: opt_string_map(options, "args", WHAT)?,
        no_cache: opt_bool(options, "no_cache", WHAT)?.unwrap_or(false),
        builder: builder(options)?,
        secrets: secrets(options)?,
        platform: opt_string(options, "platform", WHAT)?.filter(|p| !p.is_empty()),
        network,
        pull: opt_bool(options, "pull", WHAT)?.unwrap_or(false),
        labels: opt_string_map(options, "labels", WHAT)?,
    })
}

fn builder(options: &Map) -> Result<Option<Builder>, Thrown> {
    match opt_string(options, "builder", WHAT)?.as_deref() {
        None | Some("") => Ok(None),
        Some("auto") => Ok(Some(Builder::Auto)),
        Some("buildkit") => Ok(Some(Builder::BuildKit)),
        Some("classic") => Ok(Some(Builder::Classic)),
        Some(other) => Err(Thrown::usage(
            format!("option `builder` of build() cannot be {other:?}"),
            "use \"auto\" (BuildKit when the engine supports it), \"buildkit\" or \"classic\"",
        )),
    }
}

/// `secrets: #{ id: "path/to/file" }`: each file confined and present.
fn secrets(options: &Map) -> Result<Vec<(String, PathBuf)>, Thrown> {
    let confinement = Confinement::of_run();
    let mut secrets = Vec::new();
    for (id, path) in opt_string_map(options, "secrets", WHAT)? {
        let what = format!("the file of secret `{id}`");
        let joined = confinement.check(&path, &what)?;
        if !joined.is_file() {
            return Err(Thrown::usage(
                format!("{what} {path:?} is not a file"),
                "name an existing file, relative to the directory shakedown runs in: secrets: #{ id: \"path/to/file\" }",
            )
            .with_code("shakedown::path::missing"));
        }
        secrets.push((id, joined));
    }
    Ok(secrets)
}

/// A build sends its context and its Dockerfile to the engine, where
/// `COPY` and `img.file()` can read them: both must lie where the script
/// may read (the context's `.dockerignore`, which a bad pattern would
/// quote, too).
fn confine_build(context: &str, dockerfile: &str) -> Result<(), Thrown> {
    let confinement = Confinement::of_run();
    confinement.check(context, "the build context")?;
    confinement.check(dockerfile, "the Dockerfile")?;
    let ignore = Path::new(context).join(".dockerignore");
    confinement.check_path(
        &ignore,
        &ignore.display().to_string(),
        "the build context's",
    )?;
    Ok(())
}

/// The build args every Dockerfile may be given without an `ARG`: Docker's
/// predefined proxy args, and BuildKit's own settings.
const PREDEFINED_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// A warning for each build arg in `args` that no `ARG` of the Dockerfile
/// declares: the builder ignores it, so a misspelt name silently builds
/// the default. (Both builders only print a line about it.)
pub fn undeclared_args(request: &BuildRequest) -> Vec<String> {
    let Ok(file) = Dockerfile::read(&request.dockerfile) else {
        return Vec::new();
    };
    let declared: Vec<&str> = file
        .instructions
        .iter()
        .filter(|i| i.kind == "ARG")
        .flat_map(|i| i.args.split_whitespace())
        .map(|word| word.split_once('=').map_or(word, |(name, _)| name))
        .collect();
    request
        .args
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| {
            !declared.contains(name)
                && !PREDEFINED_ARGS.contains(name)
                && !name.starts_with("BUILDKIT_")
        })
        .map(|name| {
            let hint = closest(name, &declared)
                .map(|near| format!(" (did you mean `{near}`?)"))
                .unwrap_or_default();
            format!(
                "build arg `{name}` is declared by no ARG in {}, so the build ignored it{hint}",
                request.dockerfile.display()
            )
        })
        .collect()
}

/// The declared name nearest to `name`, if it is a likely misspelling.
fn closest<'a>(name: &str, declared: &[&'a str]) -> Option<&'a str> {
    declared
        .iter()
        .map(|d| (edit_distance(&name.to_lowercase(), &d.to_lowercase()), *d))
        .filter(|(distance, d)| *distance <= 2.max(d.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, d)| d)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j] + 1).min(row[j + 1] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_arg_is_named_with_the_declared_one() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let dockerfile = dir.path().join("Dockerfile");
        std::fs::write(&dockerfile, "ARG FLAVOR=cpu\nFROM scratch\nARG VERSION\n")
            .expect("written");
        let request = BuildRequest {
            dockerfile,
            args: vec![
                ("FLAVOUR".into(), "gpu".into()),
                ("VERSION".into(), "1".into()),
                ("HTTP_PROXY".into(), "x".into()),
            ],
            ..Default::default()
        };
        let warnings = undeclared_args(&request);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("build arg `FLAVOUR` is declared by no ARG in "));
        assert!(warnings[0].ends_with("(did you mean `FLAVOR`?)"));
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("FLAVOUR", "FLAVOR"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("ZZZZZZ", &["VERSION"]), None);
    }
}
