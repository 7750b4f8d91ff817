//! `img.to("gpu")`: copies an image from one engine to another by
//! streaming the export of one (`docker save`) into the load of the other
//! (`docker load`). Nothing touches the disk and at most `CHUNKS` pieces
//! of the archive are in memory: the load reads as fast as the export
//! writes, and the export waits when the load is slower.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bollard::query_parameters::{ImportImageOptions, TagImageOptions};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::deadline::{cancellable, BUILD_ANSWER};
use super::{image_name, Client, OpError};

/// How many pieces of the archive may wait between the export and the
/// load (bollard reads the export in pieces of at most a few hundred KB).
const CHUNKS: usize = 8;

/// How often the progress callback hears how far the copy is.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// What a copy moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transferred {
    /// The size of the archive streamed.
    pub bytes: u64,
}

/// Aborts the export when the copy ends early (cancelled, the load failed).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Client {
    /// Copies image `id` from this engine to `target`, and gives it `tag`
    /// (a `name:tag` the image has here) there when there is one. `progress` hears the bytes streamed so far,
    /// a few times a second.
    pub async fn copy_image_to(
        &self,
        target: &Client,
        id: &str,
        tag: Option<&str>,
        mut progress: impl FnMut(u64),
        cancel: &CancellationToken,
    ) -> Result<Transferred, OpError> {
        let request = async {
            let source = self.ready().await?.clone();
            // The load answers once it has read the whole archive.
            let loader = target.ready().await?.clone().with_timeout(BUILD_ANSWER);
            let streamed = Arc::new(AtomicU64::new(0));
            let (pieces, body) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS);
            let export = tokio::spawn(export(source, id.to_owned(), pieces, Arc::clone(&streamed)));
            let _abort = AbortOnDrop(export.abort_handle());
            let body = futures_util::stream::unfold(body, |mut body| async move {
                body.recv().await.map(|piece| (piece, body))
            });
            let options = ImportImageOptions {
                quiet: true,
                ..Default::default()
            };
            let mut load = std::pin::pin!(loader.import_image_stream(options, body, None));
            let mut ticks = tokio::time::interval(PROGRESS_EVERY);
            let loaded = loop {
                tokio::select! {
                    answer = load.next() => match answer {
                        None => break Ok(()),
                        Some(Ok(_)) => {}
                        Some(Err(err)) => break Err(err),
                    },
                    _ = ticks.tick() => progress(streamed.load(Ordering::Relaxed)),
                }
            };
            // A failed export is the cause of a failed load: say that.
            let exported = export
                .await
                .map_err(|err| OpError::Refused(format!("the export ended: {err}")))?;
            let bytes = exported.map_err(|err| self.error(&err, id))?;
            loaded.map_err(|err| target.error(&err, id))?;
            progress(bytes);
            // What was loaded is the image asked for, under the same id.
            target.inspect_image(id).await?;
            if let Some(tag) = tag {
                let (repo, tag) = split_reference(tag);
                let options = TagImageOptions {
                    repo: Some(repo.to_owned()),
                    tag: Some(tag.to_owned()),
                };
                target
                    .ready()
                    .await?
                    .tag_image(id, Some(options))
                    .await
                    .map_err(|err| target.error(&err, id))?;
            }
            Ok(Transferred { bytes })
        };
        cancellable(cancel, request).await
    }

    fn error(&self, err: &bollard::errors::Error, id: &str) -> OpError {
        OpError::from_bollard(err, self.endpoint(), Some(image_name(id)))
    }
}

/// Streams `docker save ID` into `pieces`, counting what it sent; ends the
/// body with an error when the export fails, so the load fails too.
async fn export(
    docker: bollard::Docker,
    id: String,
    pieces: mpsc::Sender<Result<Bytes, std::io::Error>>,
    streamed: Arc<AtomicU64>,
) -> Result<u64, bollard::errors::Error> {
    let mut archive = std::pin::pin!(docker.export_image(&id));
    let mut total = 0u64;
    while let Some(piece) = archive.next().await {
        match piece {
            Ok(piece) => {
                total += piece.len() as u64;
                streamed.store(total, Ordering::Relaxed);
                if pieces.send(Ok(piece)).await.is_err() {
                    break; // the load ended; it says why
                }
            }
            Err(err) => {
                let _ = pieces
                    .send(Err(std::io::Error::other(super::op_error::describe(&err))))
                    .await;
                return Err(err);
            }
        }
    }
    Ok(total)
}

/// `registry:5000/team/app:1.0` → (`registry:5000/team/app`, `1.0`); no
/// tag means `latest`, as the docker CLI reads it.
fn split_reference(reference: &str) -> (&str, &str) {
    let name_start = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[name_start..].rfind(':') {
        Some(colon) => {
            let at = name_start + colon;
            (&reference[..at], &reference[at + 1..])
        }
        None => (reference, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn a_reference_splits_into_repository_and_tag() {
        assert_eq!(split_reference("demo:gpu"), ("demo", "gpu"));
        assert_eq!(
            split_reference("registry:5000/team/app:1.0"),
            ("registry:5000/team/app", "1.0")
        );
        assert_eq!(
            split_reference("registry:5000/team/app"),
            ("registry:5000/team/app", "latest")
        );
    }
}
