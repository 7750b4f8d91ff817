//! Files inside containers through the engine's archive API (what
//! `docker cp` uses): no shell or tool is needed in the image.

use std::io::Read;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    ContainerArchiveInfoOptions, CreateContainerOptions, DownloadFromContainerOptions,
    UploadToContainerOptions,
};
use futures_util::StreamExt;

use super::{image_name, Client, OpError};

/// What a path in a container is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Link,
    Other,
}

/// A path's metadata, from the first header of its archive, and its
/// content when it is a file and the content was asked for.
#[derive(Debug, Clone)]
pub struct PathEntry {
    pub kind: EntryKind,
    pub size: u64,
    /// Permission bits (0o755).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// A symbolic link's target ("" otherwise).
    pub link: String,
    pub data: Option<Vec<u8>>,
}

/// Enough of an archive to hold its first header, with any long-name
/// extension before it.
const HEADER_BYTES: usize = 64 * 1024;

impl Client {
    /// A container of `image` that is created but never started: its file
    /// system can be read through the archive API. Remove it afterwards.
    pub async fn create_reader(&self, image: &str) -> Result<String, OpError> {
        let docker = self.ready().await?;
        let body = ContainerCreateBody {
            image: Some(image.to_owned()),
            // Never run; a command is only needed because an image with
            // neither CMD nor ENTRYPOINT cannot be created.
            cmd: Some(vec!["/shakedown-never-started".to_owned()]),
            labels: Some(self.labels()),
            network_disabled: Some(true),
            ..Default::default()
        };
        let created = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .map_err(|err| OpError::from_bollard(&err, &self.endpoint, Some(image)))?;
        self.track(&created.id, format!("file reader of {}", image_name(image)));
        Ok(created.id)
    }

    /// Whether `path` exists in container `id` (a symbolic link exists,
    /// wherever it points).
    pub async fn path_exists(&self, id: &str, path: &str) -> Result<bool, OpError> {
        let docker = self.ready().await?;
        let options = ContainerArchiveInfoOptions {
            path: path.to_owned(),
        };
        match docker.get_container_archive_info(id, Some(options)).await {
            Ok(_) => Ok(true),
            Err(err) if is_missing_path(&err) => Ok(false),
            Err(err) => Err(OpError::from_bollard(&err, &self.endpoint, None)),
        }
    }

    /// The entry at `path` (a symbolic link itself, not its target), with
    /// the content of a file when `content`; `None` when there is none.
    pub async fn read_path(
        &self,
        id: &str,
        path: &str,
        content: bool,
    ) -> Result<Option<PathEntry>, OpError> {
        let docker = self.ready().await?;
        let options = DownloadFromContainerOptions {
            path: path.to_owned(),
        };
        let mut stream = docker.download_from_container(id, Some(options));
        let mut archive = Vec::new();
        let mut entry = None;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => archive.extend_from_slice(&bytes),
                Err(err) if is_missing_path(&err) => return Ok(None),
                Err(err) => return Err(OpError::from_bollard(&err, &self.endpoint, None)),
            }
            if entry.is_none() && archive.len() >= HEADER_BYTES {
                entry = first_entry(&archive, false)?;
                // A directory's archive holds the whole tree: its header is
                // all that is needed. So is a file's, unless its content is.
                if entry
                    .as_ref()
                    .is_some_and(|e| !content || e.kind != EntryKind::File)
                {
                    return Ok(entry);
                }
            }
        }
        first_entry(&archive, content)
    }

    /// Writes `data` to the file `path` in container `id` (mode 0644, owned
    /// by root), replacing it; its directory must exist.
    pub async fn write_file(&self, id: &str, path: &str, data: &[u8]) -> Result<(), OpError> {
        let docker = self.ready().await?;
        let (dir, name) = match path.rsplit_once('/') {
            Some(("", name)) => ("/", name),
            Some((dir, name)) => (dir, name),
            None => (".", path),
        };
        if name.is_empty() {
            return Err(OpError::Refused(format!(
                "{path:?} names a directory, not a file"
            )));
        }
        let tar = single_file_tar(name, data)
            .map_err(|err| OpError::Refused(format!("cannot pack {path:?}: {err}")))?;
        let options = UploadToContainerOptions {
            path: dir.to_owned(),
            ..Default::default()
        };
        docker
            .upload_to_container(id, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(|err| match err {
                bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                } => OpError::Refused(format!("there is no directory {dir:?} in the container")),
                other => OpError::from_bollard(&other, &self.endpoint, None),
            })
    }
}

/// The engine's 404 for a path (not for a missing container).
fn is_missing_path(err: &bollard::errors::Error) -> bool {
    match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message,
        } => !message.contains("No such container"),
        _ => false,
    }
}

fn bad_archive(err: &std::io::Error) -> OpError {
    OpError::Refused(format!(
        "the engine sent an archive that cannot be read: {err}"
    ))
}

/// The first entry of a tar archive (the path itself).
fn first_entry(archive: &[u8], content: bool) -> Result<Option<PathEntry>, OpError> {
    let mut tar = tar::Archive::new(archive);
    let mut entries = tar.entries().map_err(|e| bad_archive(&e))?;
    let Some(entry) = entries.next() else {
        return Ok(None);
    };
    let mut entry = entry.map_err(|e| bad_archive(&e))?;
    let header = entry.header();
    let kind = match header.entry_type() {
        t if t.is_file() => EntryKind::File,
        t if t.is_dir() => EntryKind::Dir,
        t if t.is_symlink() => EntryKind::Link,
        _ => EntryKind::Other,
    };
    let link = entry
        .link_name()
        .ok()
        .flatten()
        .map(|l| l.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut found = PathEntry {
        kind,
        size: header.size().unwrap_or(0),
        mode: header.mode().unwrap_or(0) & 0o7777,
        uid: header.uid().unwrap_or(0),
        gid: header.gid().unwrap_or(0),
        link,
        data: None,
    };
    if content && kind == EntryKind::File {
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| bad_archive(&e))?;
        found.data = Some(data);
    }
    Ok(Some(found))
}

fn single_file_tar(name: &str, data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_mtime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    builder.append_data(&mut header, name, data)?;
    builder.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_file_reads_back_with_its_metadata() {
        let tar = single_file_tar("note.txt", b"hello").unwrap();
        let entry = first_entry(&tar, true).unwrap().unwrap();
        assert_eq!(entry.kind, EntryKind::File);
        assert_eq!(entry.size, 5);
        assert_eq!(entry.mode, 0o644);
        assert_eq!(entry.data.as_deref(), Some(&b"hello"[..]));
        let header_only = first_entry(&tar, false).unwrap().unwrap();
        assert!(header_only.data.is_none());
    }

    #[test]
    fn an_empty_archive_has_no_entry() {
        assert!(first_entry(&[0; 1024], true).unwrap().is_none());
    }
}
