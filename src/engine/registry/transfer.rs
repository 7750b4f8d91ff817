//! Pulls and pushes, with the credentials the docker CLI would send and
//! the engine's progress as it comes.

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{CreateImageOptions, PushImageOptions, TagImageOptions};
use futures_util::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use super::answer::Answer;
use super::credentials::{self, Credentials, CredentialsError};
use super::reference::Reference;
use crate::engine::{Client, OpError};

/// What a pull or push reports while it runs: a line of the engine's
/// progress, per layer where it names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferEvent {
    /// "Pulling fs layer", "Downloading", "Pushed", "Digest: sha256:…"
    pub status: String,
    /// Bytes done and to do, when the engine says.
    pub current: Option<i64>,
    pub total: Option<i64>,
}

/// Pull or push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Pull,
    Push,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pull => "pull",
            Self::Push => "push",
        })
    }
}

/// A pull or a push that did not happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The engine tried and the registry (or the way to it) said no.
    #[error("the {direction} of {reference} failed: {message}")]
    Failed {
        direction: Direction,
        reference: String,
        registry: String,
        /// What the registry answered, when the message tells.
        answer: Option<Answer>,
        /// The engine's own words.
        message: String,
        /// Where the credentials that were sent came from; `None` when
        /// the request was anonymous.
        credentials: Option<String>,
    },
    #[error(transparent)]
    Op(#[from] OpError),
}

impl Client {
    /// Pulls `reference` into the engine and returns the image id.
    pub async fn pull(
        &self,
        reference: &Reference,
        on_event: impl FnMut(TransferEvent),
        cancel: &CancellationToken,
    ) -> Result<String, RegistryError> {
        let docker = self.ready_or_cancelled(cancel).await?;
        let credentials = credentials::for_registry(reference.auth_key()).await?;
        let options = CreateImageOptions {
            from_image: Some(reference.repository()),
            tag: Some(reference.tag_or_digest().to_owned()),
            ..Default::default()
        };
        let progress = docker.create_image(Some(options), None, to_bollard(credentials.as_ref()));
        let progress = progress.map(|item| {
            item.map(|info| TransferEvent {
                status: with_layer(info.id, info.status),
                current: info.progress_detail.as_ref().and_then(|d| d.current),
                total: info.progress_detail.as_ref().and_then(|d| d.total),
            })
        });
        self.follow(
            Direction::Pull,
            reference,
            credentials.as_ref(),
            progress,
            on_event,
            cancel,
        )
        .await?;
        let pulled = pulled_name(reference);
        let details = self.inspect_image(&pulled).await?;
        Ok(details.id)
    }

    /// Tags `image` (an id or a reference the engine has) as `reference`
    /// and pushes it.
    pub async fn push(
        &self,
        image: &str,
        reference: &Reference,
        on_event: impl FnMut(TransferEvent),
        cancel: &CancellationToken,
    ) -> Result<(), RegistryError> {
        let docker = self.ready_or_cancelled(cancel).await?;
        let tag = reference.tag.clone().unwrap_or_else(|| "latest".to_owned());
        if reference.digest.is_some() {
            return Err(RegistryError::Op(OpError::Refused(format!(
                "{reference} names a digest; a push needs a tag"
            ))));
        }
        docker
            .tag_image(
                image,
                Some(TagImageOptions {
                    repo: Some(reference.repository()),
                    tag: Some(tag.clone()),
                }),
            )
            .await
            .map_err(|err| OpError::from_bollard(&err, self.endpoint(), Some(image)))?;
        let credentials = credentials::for_registry(reference.auth_key()).await?;
        let progress = docker.push_image(
            &reference.repository(),
            Some(PushImageOptions {
                tag: Some(tag),
                ..Default::default()
            }),
            to_bollard(credentials.as_ref()),
        );
        let progress = progress.map(|item| {
            item.map(|info| TransferEvent {
                status: info.status.unwrap_or_default(),
                current: info.progress_detail.as_ref().and_then(|d| d.current),
                total: info.progress_detail.as_ref().and_then(|d| d.total),
            })
        });
        self.follow(
            Direction::Push,
            reference,
            credentials.as_ref(),
            progress,
            on_event,
            cancel,
        )
        .await
    }

    /// The repo digest (`sha256:…`) the engine holds for `image` in the
    /// repository of `reference`, if it was pulled from or pushed there.
    pub async fn repo_digest(&self, image: &str, reference: &Reference) -> Option<String> {
        let docker = self.ready().await.ok()?;
        let inspect = docker.inspect_image(image).await.ok()?;
        repo_digest_in(&inspect.repo_digests.unwrap_or_default(), reference)
    }

    async fn ready_or_cancelled(
        &self,
        cancel: &CancellationToken,
    ) -> Result<&bollard::Docker, OpError> {
        tokio::select! {
            ready = self.ready() => Ok(ready?),
            () = cancel.cancelled() => Err(OpError::Cancelled),
        }
    }

    async fn follow(
        &self,
        direction: Direction,
        reference: &Reference,
        credentials: Option<&Credentials>,
        progress: impl Stream<Item = Result<TransferEvent, bollard::errors::Error>>,
        mut on_event: impl FnMut(TransferEvent),
        cancel: &CancellationToken,
    ) -> Result<(), RegistryError> {
        let failed = |message: String| RegistryError::Failed {
            direction,
            reference: reference.to_string(),
            registry: reference.registry.clone(),
            answer: Answer::of(&message),
            message,
            credentials: credentials.map(|c| c.source.clone()),
        };
        let mut progress = std::pin::pin!(progress);
        loop {
            let next = tokio::select! {
                next = progress.next() => next,
                () = cancel.cancelled() => return Err(OpError::Cancelled.into()),
            };
            match next {
                None => return Ok(()),
                // An answer with no words (the push's closing digest record).
                Some(Ok(event)) if event.status.trim().is_empty() => {}
                Some(Ok(event)) => on_event(event),
                Some(Err(bollard::errors::Error::DockerStreamError { error })) => {
                    return Err(failed(error))
                }
                // The engine answers a pull it cannot start (no such
                // image, no access) with an error status.
                Some(Err(bollard::errors::Error::DockerResponseServerError {
                    status_code,
                    message,
                })) if status_code != 500 || Answer::of(&message).is_some() => {
                    return Err(failed(message))
                }
                Some(Err(err)) => {
                    return Err(OpError::from_bollard(&err, self.endpoint(), None).into())
                }
            }
        }
    }
}

/// "a1b2c3: Downloading" when the engine names the layer.
fn with_layer(id: Option<String>, status: Option<String>) -> String {
    let status = status.unwrap_or_default();
    match id {
        Some(id) if !id.is_empty() => format!("{id}: {status}"),
        _ => status,
    }
}

/// The name the engine files a pulled image under.
fn pulled_name(reference: &Reference) -> String {
    match &reference.digest {
        Some(digest) => format!("{}@{digest}", reference.repository()),
        None => format!("{}:{}", reference.repository(), reference.tag_or_digest()),
    }
}

/// `sha256:…` of the entry `repo@sha256:…` whose repo is the reference's
/// (the engine writes Docker Hub's repositories in the familiar form).
fn repo_digest_in(repo_digests: &[String], reference: &Reference) -> Option<String> {
    repo_digests.iter().find_map(|entry| {
        let (repo, digest) = entry.rsplit_once('@')?;
        let repo = Reference::parse(repo).ok()?;
        (repo.registry == reference.registry && repo.path == reference.path)
            .then(|| digest.to_owned())
    })
}

fn to_bollard(credentials: Option<&Credentials>) -> Option<DockerCredentials> {
    credentials.map(|c| DockerCredentials {
        username: c.username.clone(),
        password: c.password.clone(),
        identitytoken: c.identity_token.clone(),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repo_digest_is_the_one_of_the_references_repository() {
        let digests = [
            "busybox@sha256:aaaa".to_owned(),
            "127.0.0.1:5000/app@sha256:bbbb".to_owned(),
        ];
        let of = |text: &str| repo_digest_in(&digests, &Reference::parse(text).unwrap());
        assert_eq!(of("127.0.0.1:5000/app:2").as_deref(), Some("sha256:bbbb"));
        assert_eq!(
            of("docker.io/library/busybox").as_deref(),
            Some("sha256:aaaa")
        );
        assert_eq!(of("127.0.0.1:5000/other"), None);
    }

    #[test]
    fn a_pull_without_a_tag_pulls_latest_not_every_tag() {
        let r = Reference::parse("127.0.0.1:5000/app").unwrap();
        assert_eq!(pulled_name(&r), "127.0.0.1:5000/app:latest");
    }
}
