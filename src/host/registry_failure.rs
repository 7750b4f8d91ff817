//! A pull or push that did not happen, as what the script sees: which
//! registry, what it answered, and what to do about it.

use crate::engine::registry::{Answer, CredentialsError, ReferenceError, RegistryError};
use crate::error::{Thrown, ThrownKind};

use super::engine_errors;

pub fn thrown(err: RegistryError) -> Thrown {
    match err {
        RegistryError::Op(op) => engine_errors::thrown(op),
        RegistryError::Credentials(err) => credentials(err),
        RegistryError::Failed {
            direction,
            reference,
            registry,
            answer,
            message,
            credentials,
        } => {
            let login = format!(
                "`{}` as the user that runs shakedown (it reads the docker CLI's credentials: \
                 $DOCKER_CONFIG/config.json, default ~/.docker/config.json)",
                login_command(&registry)
            );
            let (refused, log_in) = match &credentials {
                Some(source) => (
                    format!("{registry} refused the credentials from {source}"),
                    format!("log in again with the right ones: {login}"),
                ),
                None => (
                    format!(
                        "{registry} wants credentials, and the docker CLI's config has none for it"
                    ),
                    format!("log in: {login}"),
                ),
            };
            let (code, said, help) = match answer {
                Some(Answer::Unauthorised) => {
                    ("shakedown::registry::unauthorised", refused, log_in)
                }
                Some(Answer::UnknownOrUnauthorised) => (
                    "shakedown::registry::unauthorised",
                    format!("{registry} has no such repository, or {refused}"),
                    format!("check the name ({reference}); for a private repository, {log_in}"),
                ),
                Some(Answer::Unknown) => (
                    "shakedown::registry::unknown",
                    format!("{registry} has no image {reference}"),
                    format!(
                        "check the repository name and the tag ({reference}); an image must be \
                         pushed to {registry} before it can be pulled"
                    ),
                ),
                Some(Answer::Unreachable) => (
                    "shakedown::registry::unreachable",
                    format!("the engine cannot reach {registry}"),
                    "check the registry's address and that it is running; without a network, \
                     `docker save` the image where it exists and `docker load` it here"
                        .to_owned(),
                ),
                None => (
                    "shakedown::registry::refused",
                    format!("{registry} refused the {direction}"),
                    "the registry's answer (in parentheses) says why".to_owned(),
                ),
            };
            Thrown::new(
                ThrownKind::Failure,
                code,
                format!("the {direction} of {reference} failed: {said} ({message})"),
            )
            .help(help)
            .label(format!("this {direction} failed"))
        }
    }
}

pub fn bad_reference(err: &ReferenceError) -> Thrown {
    Thrown::new(
        ThrownKind::Usage,
        "shakedown::image::bad_reference",
        err.to_string(),
    )
    .help("write an image reference as [registry[:port]/]name[:tag][@sha256:digest], e.g. \"127.0.0.1:5000/team/app:1.2\" or \"busybox:1.36\"")
}

fn credentials(err: CredentialsError) -> Thrown {
    let help = match &err {
        CredentialsError::Config { path, .. } => format!(
            "fix {path} (the docker CLI's configuration; DOCKER_CONFIG names its directory), or \
             move it away to pull and push without credentials"
        ),
        CredentialsError::HelperMissing { program } => format!(
            "install {program} (the docker CLI calls it for these credentials too), or remove \
             it from `credHelpers`/`credsStore` in config.json and `docker login` again"
        ),
        CredentialsError::Helper {
            program, registry, ..
        } => format!(
            "check the helper by hand: `echo {registry} | {program} get`; or remove it from \
             `credHelpers`/`credsStore` in config.json"
        ),
    };
    Thrown::new(
        ThrownKind::Failure,
        "shakedown::registry::credentials",
        err.to_string(),
    )
    .help(help)
    .label("the credentials for this could not be read")
}

/// `docker login REGISTRY`, or plain `docker login` for Docker Hub.
fn login_command(registry: &str) -> String {
    if registry == crate::engine::registry::DOCKER_HUB {
        "docker login".to_owned()
    } else {
        format!("docker login {registry}")
    }
}
