use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Why `shakedown defs` or `shakedown init` could not write what it makes.
#[derive(Debug, Error, Diagnostic)]
pub enum ScaffoldError {
    #[error("{path} cannot be written")]
    #[diagnostic(
        code(shakedown::scaffold::unwritable),
        help("check the path and its permissions; missing directories are created")
    )]
    Unwritable {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} already exists")]
    #[diagnostic(
        code(shakedown::init::exists),
        help("pass --force to replace it, or --output PATH to write the checklist elsewhere")
    )]
    Exists { path: String },

    #[error("no Dockerfile found under {dir} (Dockerfile* up to two levels down)")]
    #[diagnostic(
        code(shakedown::init::no_dockerfile),
        help("name the Dockerfiles: shakedown init docker/Dockerfile.cpu docker/Dockerfile.gpu")
    )]
    NoDockerfile { dir: String },

    #[error("Dockerfile {path} cannot be read: {reason}")]
    #[diagnostic(
        code(shakedown::init::dockerfile_unreadable),
        help("name a readable Dockerfile, relative to the directory shakedown runs in")
    )]
    DockerfileUnreadable { path: String, reason: String },

    #[error("Dockerfile {path} has no FROM: there is no image to build")]
    #[diagnostic(
        code(shakedown::init::no_stage),
        help("every Dockerfile starts its stages with FROM")
    )]
    NoStage {
        path: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("no FROM in this file")]
        at: SourceSpan,
    },
}
