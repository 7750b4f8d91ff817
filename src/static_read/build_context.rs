//! A build context streamed as a tar, the way `docker build` sends a local
//! directory to the Engine API.
//!
//! What the docker CLI does, and this module reproduces:
//!
//! * the context directory and the Dockerfile path are resolved through
//!   symlinks (`filepath.EvalSymlinks`); a relative Dockerfile path is relative
//!   to the current directory, like `docker build -f`;
//! * `<context>/.dockerignore` is read, and exceptions for `.dockerignore` and
//!   the Dockerfile are appended so both are always sent (the daemon itself
//!   drops them from what `COPY`/`ADD` see when they are excluded);
//! * the walk is sorted by name, depth first, directories before their
//!   contents, and skips excluded directories unless an exception may apply
//!   below them (see [`DockerIgnore::may_include_below`]); excluded directories
//!   that are entered for that reason are not themselves added;
//! * entries are regular files, directories (name ending in `/`) and symlinks
//!   (stored as links, never followed), with the permission bits kept,
//!   uid/gid 0, no user or group name, and the mtime in whole seconds; other
//!   kinds of file (sockets, FIFOs, devices) are left out;
//! * a Dockerfile outside the context is added at the end under a generated
//!   name (mode 0600), and that name is appended to the `.dockerignore` sent
//!   in the tar (one is created when there is none), as the CLI does with its
//!   `.dockerfile.<random>` entry, so the daemon removes it from the context
//!   that `COPY . .` sees.

use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::dockerignore::{DockerIgnore, MatchInfo, PatternError};

/// Largest chunk sent through the stream.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Capacity of the channel returned by [`BuildContext::stream`], in chunks.
pub const CHANNEL_CAPACITY: usize = 8;

/// Prefix of the name given to a Dockerfile that lies outside the context.
pub const OUTSIDE_DOCKERFILE_PREFIX: &str = ".shakedown-dockerfile-";

/// Why a build context could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The context directory does not exist.
    #[error("build context directory {} does not exist", path.display())]
    ContextMissing {
        /// The context directory as given.
        path: PathBuf,
    },
    /// The context path exists but is not a directory.
    #[error("build context {} is not a directory", path.display())]
    ContextNotDirectory {
        /// The context path as given.
        path: PathBuf,
    },
    /// The Dockerfile does not exist.
    #[error("Dockerfile {} not found", path.display())]
    DockerfileNotFound {
        /// The Dockerfile path as given.
        path: PathBuf,
    },
    /// The Dockerfile path names a directory or another non-file.
    #[error("Dockerfile {} is not a regular file", path.display())]
    DockerfileNotAFile {
        /// The Dockerfile path as given.
        path: PathBuf,
    },
    /// A file or directory of the context could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The file or directory that could not be read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The `.dockerignore` is unreadable or holds a bad pattern.
    #[error(transparent)]
    Ignore(#[from] PatternError),
}

/// Kind of an entry of the context tar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A directory (its tar name ends with `/`).
    Dir,
    /// A regular file.
    File,
    /// A symbolic link, stored as a link.
    Symlink,
}

/// One entry of the context tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    /// Slash-separated path relative to the context root, without a trailing
    /// `/` even for directories.
    pub path: String,
    /// What the entry is.
    pub kind: EntryKind,
}

/// A Dockerfile that lies outside the context and is added under `name`.
#[derive(Debug, Clone)]
struct Outside {
    name: String,
    source: PathBuf,
}

/// A local build context, ready to be listed or streamed as a tar.
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// The context directory, with symlinks resolved.
    pub root: PathBuf,
    /// The Dockerfile's name inside the tar: the `dockerfile` parameter of
    /// the build request.
    pub dockerfile_in_tar: String,
    /// The Dockerfile on disk, with symlinks resolved.
    pub dockerfile_path: PathBuf,
    ignore: DockerIgnore,
    outside: Option<Outside>,
}

impl BuildContext {
    /// `context_dir` is the build context; `dockerfile` is a path to the
    /// Dockerfile (may be inside or outside the context; a relative path is
    /// relative to the current directory, as with `docker build -f`).
    ///
    /// Reads `<context>/.dockerignore` and keeps the Dockerfile and
    /// `.dockerignore` as Docker's CLI does. When the Dockerfile lies outside
    /// the context, it is added to the tar under a generated name such as
    /// `.shakedown-dockerfile-<hex>` and `dockerfile_in_tar` names it;
    /// otherwise `dockerfile_in_tar` is its slash path relative to the context.
    pub fn new(context_dir: &Path, dockerfile: &Path) -> Result<Self, ContextError> {
        let root = fs::canonicalize(context_dir).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                ContextError::ContextMissing {
                    path: context_dir.to_path_buf(),
                }
            } else {
                ContextError::Unreadable {
                    path: context_dir.to_path_buf(),
                    source,
                }
            }
        })?;
        if !root.is_dir() {
            return Err(ContextError::ContextNotDirectory {
                path: context_dir.to_path_buf(),
            });
        }

        let dockerfile_path = fs::canonicalize(dockerfile).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                ContextError::DockerfileNotFound {
                    path: dockerfile.to_path_buf(),
                }
            } else {
                ContextError::Unreadable {
                    path: dockerfile.to_path_buf(),
                    source,
                }
            }
        })?;
        if !dockerfile_path.is_file() {
            return Err(ContextError::DockerfileNotAFile {
                path: dockerfile.to_path_buf(),
            });
        }

        let mut ignore = DockerIgnore::read(&root)?;
        ignore.keep(".dockerignore");

        let inside = dockerfile_path
            .strip_prefix(&root)
            .ok()
            .filter(|rel| !rel.as_os_str().is_empty())
            .map(slash_path);
        let (dockerfile_in_tar, outside) = match inside {
            Some(rel) => {
                ignore.keep(&rel);
                (rel, None)
            }
            None => {
                let name = outside_name(&root, &dockerfile_path);
                let outside = Outside {
                    name: name.clone(),
                    source: dockerfile_path.clone(),
                };
                (name, Some(outside))
            }
        };

        Ok(Self {
            root,
            dockerfile_in_tar,
            dockerfile_path,
            ignore,
            outside,
        })
    }

    /// True when the Dockerfile lies outside the context and is added to the
    /// tar under a generated name.
    pub fn dockerfile_is_outside(&self) -> bool {
        self.outside.is_some()
    }

    /// The `.dockerignore` patterns in force, including the appended
    /// exceptions for `.dockerignore` and the Dockerfile.
    pub fn ignore(&self) -> &DockerIgnore {
        &self.ignore
    }

    /// Every entry that would be sent, directories included, in tar order.
    /// Regular files are opened once to check that they can be read, as the
    /// docker CLI does before sending a context.
    pub fn entries(&self) -> Result<Vec<ContextEntry>, ContextError> {
        let mut entries = Vec::new();
        let mut saw_ignore_file = false;
        walk(&self.root, &self.ignore, &mut |item: &WalkItem<'_>| {
            let mut kind = item.kind;
            if self.outside.is_some() && item.rel == ".dockerignore" {
                // Sent as a rewritten regular file.
                saw_ignore_file = true;
                kind = EntryKind::File;
            }
            if item.kind == EntryKind::File {
                File::open(item.abs).map_err(|source| ContextError::Unreadable {
                    path: item.abs.to_path_buf(),
                    source,
                })?;
            }
            entries.push(ContextEntry {
                path: item.rel.to_string(),
                kind,
            });
            Ok::<(), ContextError>(())
        })?;
        if let Some(outside) = &self.outside {
            File::open(&outside.source).map_err(|source| ContextError::Unreadable {
                path: outside.source.clone(),
                source,
            })?;
            entries.push(ContextEntry {
                path: outside.name.clone(),
                kind: EntryKind::File,
            });
            if !saw_ignore_file {
                entries.push(ContextEntry {
                    path: ".dockerignore".to_string(),
                    kind: EntryKind::File,
                });
            }
        }
        Ok(entries)
    }

    /// Every file path (slash-separated, relative) that would be sent, in
    /// tar order: regular files and symlinks, not directories. A Dockerfile
    /// outside the context appears under its generated name; watch
    /// [`dockerfile_path`](Self::dockerfile_path) for it.
    pub fn files(&self) -> Result<Vec<String>, ContextError> {
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| e.kind != EntryKind::Dir)
            .map(|e| e.path)
            .collect())
    }

    /// Stream the tar. The walk and the tar writing run on their own thread
    /// and send chunks of at most [`CHUNK_SIZE`] bytes through a channel of
    /// [`CHANNEL_CAPACITY`] chunks, so a large context is never held in
    /// memory. An I/O error (naming the file) is sent as `Err` and ends the
    /// stream. Dropping the receiver stops the thread.
    ///
    /// May be called from inside or outside a tokio runtime.
    pub fn stream(&self) -> mpsc::Receiver<Result<Bytes, io::Error>> {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let job = TarJob {
            root: self.root.clone(),
            ignore: self.ignore.clone(),
            outside: self.outside.clone(),
        };
        let thread_tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("shakedown-context-tar".to_string())
            .spawn(move || run_tar_job(&job, thread_tx));
        if let Err(e) = spawned {
            // The channel is empty, so this cannot be full.
            let _ = tx.try_send(Err(e));
        }
        rx
    }
}

/// What the tar thread needs, owned.
struct TarJob {
    root: PathBuf,
    ignore: DockerIgnore,
    outside: Option<Outside>,
}

fn run_tar_job(job: &TarJob, tx: mpsc::Sender<Result<Bytes, io::Error>>) {
    let mut out = ChunkWriter::new(tx.clone());
    let result = {
        let mut builder = tar::Builder::new(&mut out);
        match write_tar(job, &mut builder) {
            Ok(()) => builder.finish(),
            Err(e) => {
                // Dropping the builder writes the end-of-archive blocks;
                // a failed stream must not look complete.
                builder.get_mut().discard();
                Err(e)
            }
        }
    };
    if let Err(e) = result.and_then(|()| out.send_rest()) {
        if !tx.is_closed() {
            let _ = tx.blocking_send(Err(e));
        }
    }
}

fn write_tar<W: Write>(job: &TarJob, builder: &mut tar::Builder<W>) -> io::Result<()> {
    let mut saw_ignore_file = false;
    walk(&job.root, &job.ignore, &mut |item: &WalkItem<'_>| {
        let named = |e: io::Error| name_error(item.abs, e);
        if let Some(outside) = &job.outside {
            if item.rel == ".dockerignore" {
                saw_ignore_file = true;
                let mut content = fs::read(item.abs).map_err(named)?;
                content.extend_from_slice(format!("\n{}\n", outside.name).as_bytes());
                let mut header = header_for(EntryKind::File, item.meta);
                header.set_size(content.len() as u64);
                return builder
                    .append_data(&mut header, item.rel_path, content.as_slice())
                    .map_err(named);
            }
        }
        let mut header = header_for(item.kind, item.meta);
        match item.kind {
            EntryKind::Dir => {
                let mut name = item.rel_path.as_os_str().to_owned();
                name.push("/");
                builder.append_data(&mut header, PathBuf::from(name), io::empty())
            }
            EntryKind::Symlink => {
                let target = fs::read_link(item.abs).map_err(named)?;
                builder.append_link(&mut header, item.rel_path, target)
            }
            EntryKind::File => {
                let file = File::open(item.abs).map_err(named)?;
                let reader = ExactReader::new(file, item.meta.len());
                builder.append_data(&mut header, item.rel_path, reader)
            }
        }
        .map_err(named)
    })?;

    if let Some(outside) = &job.outside {
        let named = |e: io::Error| name_error(&outside.source, e);
        let file = File::open(&outside.source).map_err(named)?;
        let meta = file.metadata().map_err(named)?;
        let mut header = header_for(EntryKind::File, &meta);
        header.set_mode(0o600);
        builder
            .append_data(
                &mut header,
                &outside.name,
                ExactReader::new(file, meta.len()),
            )
            .map_err(named)?;
        if !saw_ignore_file {
            let content = format!(".dockerignore\n{}\n", outside.name);
            let mut header = header_for(EntryKind::File, &meta);
            header.set_mode(0o600);
            header.set_size(content.len() as u64);
            builder.append_data(&mut header, ".dockerignore", content.as_bytes())?;
        }
    }
    Ok(())
}

/// A tar header as the docker CLI writes one (`archive.FileInfoHeader` with
/// `ChownOpts` 0:0).
fn header_for(kind: EntryKind, meta: &Metadata) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(match kind {
        EntryKind::Dir => tar::EntryType::Directory,
        EntryKind::File => tar::EntryType::Regular,
        EntryKind::Symlink => tar::EntryType::Symlink,
    });
    header.set_mode(mode_of(meta));
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs()),
    );
    header.set_size(if kind == EntryKind::File {
        meta.len()
    } else {
        0
    });
    header
}

#[cfg(unix)]
fn mode_of(meta: &Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    // Permission bits plus setuid, setgid and sticky, as Go keeps them.
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_meta: &Metadata) -> u32 {
    // What the docker CLI uses on Windows.
    0o755
}

/// An I/O error that names the file it happened on.
fn name_error(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Reads exactly `len` bytes: a file that grew is cut at the size written in
/// its header, a file that shrank is an error (the tar would be corrupt).
struct ExactReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> ExactReader<R> {
    fn new(inner: R, len: u64) -> Self {
        Self {
            inner,
            remaining: len,
        }
    }
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while it was being sent",
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Collects tar bytes into chunks of [`CHUNK_SIZE`] and sends each full chunk.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    discarding: bool,
}

impl ChunkWriter {
    fn new(tx: mpsc::Sender<Result<Bytes, io::Error>>) -> Self {
        Self {
            buf: Vec::with_capacity(CHUNK_SIZE),
            tx,
            discarding: false,
        }
    }

    /// Drop everything written from now on.
    fn discard(&mut self) {
        self.discarding = true;
        self.buf.clear();
    }

    fn send_buf(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_SIZE));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "build context stream closed"))
    }

    /// Send what is left after the archive is complete.
    fn send_rest(&mut self) -> io::Result<()> {
        if self.discarding || self.buf.is_empty() {
            return Ok(());
        }
        self.send_buf()
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.discarding {
            return Ok(data.len());
        }
        let n = data.len().min(CHUNK_SIZE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK_SIZE {
            self.send_buf()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One entry met by the walk and not excluded.
struct WalkItem<'a> {
    /// Slash-separated path relative to the root (lossy for non-UTF-8 names).
    rel: &'a str,
    /// The same relative path, exact, for the tar header.
    rel_path: &'a Path,
    abs: &'a Path,
    meta: &'a Metadata,
    kind: EntryKind,
}

/// A path the walk could not read.
struct WalkError {
    path: PathBuf,
    source: io::Error,
}

impl From<WalkError> for ContextError {
    fn from(e: WalkError) -> Self {
        ContextError::Unreadable {
            path: e.path,
            source: e.source,
        }
    }
}

impl From<WalkError> for io::Error {
    fn from(e: WalkError) -> Self {
        name_error(&e.path, e.source)
    }
}

struct Frame {
    abs: PathBuf,
    rel: String,
    rel_path: PathBuf,
    info: MatchInfo,
    children: std::vec::IntoIter<OsString>,
}

/// Docker's context walk (moby `Tarballer.Do`): sorted, depth first, calling
/// `visit` for every entry that is not excluded.
fn walk<E: From<WalkError>>(
    root: &Path,
    ignore: &DockerIgnore,
    visit: &mut dyn FnMut(&WalkItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let children = sorted_names(root).map_err(|source| WalkError {
        path: root.to_path_buf(),
        source,
    })?;
    let mut stack = vec![Frame {
        abs: root.to_path_buf(),
        rel: String::new(),
        rel_path: PathBuf::new(),
        info: MatchInfo::default(),
        children: children.into_iter(),
    }];
    while let Some(frame) = stack.last_mut() {
        let Some(name) = frame.children.next() else {
            stack.pop();
            continue;
        };
        let abs = frame.abs.join(&name);
        let rel = if frame.rel.is_empty() {
            name.to_string_lossy().into_owned()
        } else {
            format!("{}/{}", frame.rel, name.to_string_lossy())
        };
        let rel_path = frame.rel_path.join(&name);
        let meta = match fs::symlink_metadata(&abs) {
            Ok(meta) => meta,
            // Removed since the directory was listed.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => return Err(WalkError { path: abs, source }.into()),
        };
        let file_type = meta.file_type();
        let kind = if file_type.is_symlink() {
            EntryKind::Symlink
        } else if file_type.is_dir() {
            EntryKind::Dir
        } else if file_type.is_file() {
            EntryKind::File
        } else {
            continue;
        };

        let (excluded, info) = ignore.is_excluded_with_parent(&rel, &frame.info);
        if !excluded {
            visit(&WalkItem {
                rel: &rel,
                rel_path: &rel_path,
                abs: &abs,
                meta: &meta,
                kind,
            })?;
        }
        if kind == EntryKind::Dir && (!excluded || ignore.may_include_below(&rel)) {
            let children = match sorted_names(&abs) {
                Ok(children) => children,
                // Only entered to look for exceptions: Docker logs and goes on.
                Err(_) if excluded => Vec::new(),
                Err(source) => return Err(WalkError { path: abs, source }.into()),
            };
            stack.push(Frame {
                abs,
                rel,
                rel_path,
                info,
                children: children.into_iter(),
            });
        }
    }
    Ok(())
}

/// The names in a directory, sorted bytewise as Go's `os.ReadDir` sorts them.
fn sorted_names(dir: &Path) -> io::Result<Vec<OsString>> {
    let mut names = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name()))
        .collect::<io::Result<Vec<_>>>()?;
    names.sort();
    Ok(names)
}

/// A relative path with `/` separators.
fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A stable name for a Dockerfile from outside the context, derived from its
/// path (so repeated builds send the same tar), avoiding existing names.
fn outside_name(root: &Path, dockerfile: &Path) -> String {
    let mut hash = fnv1a(0xcbf2_9ce4_8422_2325, &path_bytes(dockerfile));
    let mut name = format!("{OUTSIDE_DOCKERFILE_PREFIX}{hash:016x}");
    for _ in 0..1000 {
        if fs::symlink_metadata(root.join(&name)).is_err() {
            break;
        }
        hash = fnv1a(hash, b"+");
        name = format!("{OUTSIDE_DOCKERFILE_PREFIX}{hash:016x}");
    }
    name
}

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Create files under `root`; a path ending in `/` is a directory.
    fn make_tree(root: &Path, files: &[(&str, &str)]) {
        for (path, content) in files {
            let full = root.join(path);
            if path.ends_with('/') {
                fs::create_dir_all(&full).expect("mkdir");
            } else {
                if let Some(parent) = full.parent() {
                    fs::create_dir_all(parent).expect("mkdir parent");
                }
                fs::write(&full, content).expect("write");
            }
        }
    }

    fn context(root: &Path, dockerfile: &str) -> BuildContext {
        match BuildContext::new(root, &root.join(dockerfile)) {
            Ok(ctx) => ctx,
            Err(e) => panic!("context failed: {e}"),
        }
    }

    fn collect_blocking(ctx: &BuildContext) -> Result<Vec<Bytes>, io::Error> {
        let mut rx = ctx.stream();
        let mut chunks = Vec::new();
        while let Some(chunk) = rx.blocking_recv() {
            chunks.push(chunk?);
        }
        Ok(chunks)
    }

    struct TarEntry {
        kind: tar::EntryType,
        mode: u32,
        uid: u64,
        gid: u64,
        mtime: u64,
        link: Option<String>,
        data: Vec<u8>,
    }

    /// Entries of a tar by name, plus the names in order.
    fn read_tar(bytes: &[u8]) -> (Vec<String>, BTreeMap<String, TarEntry>) {
        let mut archive = tar::Archive::new(bytes);
        let mut order = Vec::new();
        let mut map = BTreeMap::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let header = entry.header();
            let kind = header.entry_type();
            let mode = header.mode().expect("mode");
            let uid = header.uid().expect("uid");
            let gid = header.gid().expect("gid");
            let mtime = header.mtime().expect("mtime");
            let link = entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned());
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read entry");
            order.push(name.clone());
            map.insert(
                name,
                TarEntry {
                    kind,
                    mode,
                    uid,
                    gid,
                    mtime,
                    link,
                    data,
                },
            );
        }
        (order, map)
    }

    fn stream_tar(ctx: &BuildContext) -> (Vec<String>, BTreeMap<String, TarEntry>) {
        let chunks = collect_blocking(ctx).expect("stream");
        let all: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        read_tar(&all)
    }

    fn sample_tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[
                ("Dockerfile", "FROM scratch\n"),
                (
                    ".dockerignore",
                    "*.log\nsecret\nnode_modules\n!node_modules/keep.js\n",
                ),
                ("src/main.rs", "fn main() {}\n"),
                ("src/lib.rs", "// lib\n"),
                ("src/debug.log", "log at depth is kept\n"),
                ("build.log", "excluded\n"),
                ("secret/key", "hidden\n"),
                ("node_modules/dep/index.js", "dep\n"),
                ("node_modules/keep.js", "kept\n"),
                ("a.txt", "a\n"),
                ("a/b.txt", "ab\n"),
                ("empty/", ""),
            ],
        );
        dir
    }

    #[test]
    fn files_lists_included_files_in_sorted_walk_order() {
        let dir = sample_tree();
        let ctx = context(dir.path(), "Dockerfile");
        let files = ctx.files().expect("files");
        assert_eq!(
            files,
            [
                ".dockerignore",
                "Dockerfile",
                "a/b.txt",
                "a.txt",
                "node_modules/keep.js",
                "src/debug.log",
                "src/lib.rs",
                "src/main.rs",
            ]
        );
        assert_eq!(ctx.dockerfile_in_tar, "Dockerfile");
        assert!(!ctx.dockerfile_is_outside());
    }

    #[test]
    fn entries_include_directories_but_not_excluded_ones_entered_for_exceptions() {
        let dir = sample_tree();
        let ctx = context(dir.path(), "Dockerfile");
        let dirs: Vec<String> = ctx
            .entries()
            .expect("entries")
            .into_iter()
            .filter(|e| e.kind == EntryKind::Dir)
            .map(|e| e.path)
            .collect();
        assert_eq!(dirs, ["a", "empty", "src"]);
    }

    #[test]
    fn stream_round_trips_names_contents_and_headers() {
        let dir = sample_tree();
        let ctx = context(dir.path(), "Dockerfile");
        let (order, entries) = stream_tar(&ctx);
        assert_eq!(
            order,
            [
                ".dockerignore",
                "Dockerfile",
                "a/",
                "a/b.txt",
                "a.txt",
                "empty/",
                "node_modules/keep.js",
                "src/",
                "src/debug.log",
                "src/lib.rs",
                "src/main.rs",
            ]
        );
        let main = &entries["src/main.rs"];
        assert_eq!(main.data, b"fn main() {}\n");
        assert_eq!(main.kind, tar::EntryType::Regular);
        assert_eq!((main.uid, main.gid), (0, 0));
        assert_eq!(entries["src/"].kind, tar::EntryType::Directory);
        assert_eq!(entries["node_modules/keep.js"].data, b"kept\n");
        // The stream and files() agree.
        let files = ctx.files().expect("files");
        let streamed: Vec<&String> = order.iter().filter(|n| !n.ends_with('/')).collect();
        assert_eq!(streamed, files.iter().collect::<Vec<_>>());
    }

    #[cfg(unix)]
    #[test]
    fn stream_keeps_file_modes_and_mtime() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[("Dockerfile", "FROM scratch\n"), ("run.sh", "#!/bin/sh\n")],
        );
        let script = dir.path().join("run.sh");
        fs::set_permissions(&script, fs::Permissions::from_mode(0o750)).expect("chmod");
        let mtime = fs::metadata(&script)
            .expect("stat")
            .modified()
            .expect("mtime")
            .duration_since(UNIX_EPOCH)
            .expect("epoch")
            .as_secs();
        let (_, entries) = stream_tar(&context(dir.path(), "Dockerfile"));
        assert_eq!(entries["run.sh"].mode, 0o750);
        assert_eq!(entries["run.sh"].mtime, mtime);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_stored_as_links_and_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[("Dockerfile", "FROM scratch\n"), ("real/file.txt", "x\n")],
        );
        std::os::unix::fs::symlink("real/file.txt", dir.path().join("link.txt")).expect("link");
        std::os::unix::fs::symlink("real", dir.path().join("linkdir")).expect("link");
        std::os::unix::fs::symlink("/nonexistent", dir.path().join("dangling")).expect("link");
        let ctx = context(dir.path(), "Dockerfile");
        let (order, entries) = stream_tar(&ctx);
        assert_eq!(
            order,
            [
                "Dockerfile",
                "dangling",
                "link.txt",
                "linkdir",
                "real/",
                "real/file.txt"
            ]
        );
        assert_eq!(entries["link.txt"].kind, tar::EntryType::Symlink);
        assert_eq!(entries["link.txt"].link.as_deref(), Some("real/file.txt"));
        assert_eq!(entries["linkdir"].kind, tar::EntryType::Symlink);
        assert_eq!(entries["dangling"].link.as_deref(), Some("/nonexistent"));
    }

    #[test]
    fn stream_works_inside_a_tokio_runtime_in_small_chunks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big: String = (0..40_000).map(|i| format!("{i:07}\n")).collect();
        make_tree(
            dir.path(),
            &[("Dockerfile", "FROM scratch\n"), ("big.txt", &big)],
        );
        let ctx = context(dir.path(), "Dockerfile");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let chunks = runtime.block_on(async {
            let mut rx = ctx.stream();
            let mut chunks = Vec::new();
            while let Some(chunk) = rx.recv().await {
                chunks.push(chunk.expect("chunk"));
            }
            chunks
        });
        assert!(chunks.len() > 4, "{} chunks", chunks.len());
        assert!(chunks
            .iter()
            .all(|c| !c.is_empty() && c.len() <= CHUNK_SIZE));
        let all: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        assert_eq!(all.len() % 512, 0);
        let (_, entries) = read_tar(&all);
        assert_eq!(entries["big.txt"].data, big.as_bytes());
    }

    #[test]
    fn long_paths_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let long = format!("{}/{}.txt", "d".repeat(80), "f".repeat(120));
        make_tree(
            dir.path(),
            &[("Dockerfile", "FROM scratch\n"), (&long, "deep\n")],
        );
        let (_, entries) = stream_tar(&context(dir.path(), "Dockerfile"));
        assert_eq!(entries[&long].data, b"deep\n");
    }

    #[test]
    fn excluded_dockerfile_and_dockerignore_are_still_sent() {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[
                ("Dockerfile", "FROM scratch\n"),
                (".dockerignore", "Dockerfile\n.dockerignore\n*.txt\n"),
                ("a.txt", "a\n"),
                ("b.rs", "b\n"),
            ],
        );
        let ctx = context(dir.path(), "Dockerfile");
        assert_eq!(
            ctx.files().expect("files"),
            [".dockerignore", "Dockerfile", "b.rs"]
        );
        let (_, entries) = stream_tar(&ctx);
        assert_eq!(entries["Dockerfile"].data, b"FROM scratch\n");
        // Sent unchanged: the daemon applies it again itself.
        assert_eq!(
            entries[".dockerignore"].data,
            b"Dockerfile\n.dockerignore\n*.txt\n"
        );
    }

    #[test]
    fn dockerfile_inside_an_excluded_directory_is_sent_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[
                (".dockerignore", "docker\n"),
                ("docker/Dockerfile.prod", "FROM scratch\n"),
                ("docker/notes.md", "no\n"),
                ("app.py", "print()\n"),
            ],
        );
        let ctx = context(dir.path(), "docker/Dockerfile.prod");
        assert_eq!(ctx.dockerfile_in_tar, "docker/Dockerfile.prod");
        let (order, _) = stream_tar(&ctx);
        assert_eq!(order, [".dockerignore", "app.py", "docker/Dockerfile.prod"]);
    }

    #[test]
    fn dockerfile_outside_context_gets_a_generated_name_and_dockerignore() {
        let ctx_dir = tempfile::tempdir().expect("tempdir");
        let df_dir = tempfile::tempdir().expect("tempdir");
        make_tree(ctx_dir.path(), &[("app.py", "print()\n")]);
        make_tree(df_dir.path(), &[("Dockerfile.dev", "FROM busybox\n")]);
        let dockerfile = df_dir.path().join("Dockerfile.dev");
        let ctx = BuildContext::new(ctx_dir.path(), &dockerfile).expect("context");
        assert!(ctx.dockerfile_is_outside());
        let name = ctx.dockerfile_in_tar.clone();
        assert!(name.starts_with(OUTSIDE_DOCKERFILE_PREFIX), "{name}");
        assert_eq!(name.len(), OUTSIDE_DOCKERFILE_PREFIX.len() + 16);
        assert_eq!(
            ctx.dockerfile_path,
            fs::canonicalize(&dockerfile).expect("canon")
        );
        assert_eq!(
            ctx.files().expect("files"),
            [
                "app.py".to_string(),
                name.clone(),
                ".dockerignore".to_string()
            ]
        );
        let (order, entries) = stream_tar(&ctx);
        assert_eq!(
            order,
            [
                "app.py".to_string(),
                name.clone(),
                ".dockerignore".to_string()
            ]
        );
        assert_eq!(entries[&name].data, b"FROM busybox\n");
        assert_eq!(entries[&name].mode, 0o600);
        assert_eq!(
            entries[".dockerignore"].data,
            format!(".dockerignore\n{name}\n").as_bytes()
        );
        // Same Dockerfile, same name: repeated builds send the same tar.
        let again = BuildContext::new(ctx_dir.path(), &dockerfile).expect("context");
        assert_eq!(again.dockerfile_in_tar, name);
    }

    #[test]
    fn dockerfile_outside_context_is_appended_to_existing_dockerignore() {
        let ctx_dir = tempfile::tempdir().expect("tempdir");
        let df_dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            ctx_dir.path(),
            &[(".dockerignore", "*.log"), ("a.log", "x"), ("b.py", "y")],
        );
        make_tree(df_dir.path(), &[("Dockerfile", "FROM busybox\n")]);
        let ctx =
            BuildContext::new(ctx_dir.path(), &df_dir.path().join("Dockerfile")).expect("context");
        let name = ctx.dockerfile_in_tar.clone();
        let (order, entries) = stream_tar(&ctx);
        assert_eq!(
            order,
            [
                ".dockerignore".to_string(),
                "b.py".to_string(),
                name.clone()
            ]
        );
        assert_eq!(
            entries[".dockerignore"].data,
            format!("*.log\n{name}\n").as_bytes()
        );
    }

    #[test]
    fn wildcard_exception_does_not_rescue_files_in_an_excluded_dir() {
        // Docker quirk: the walk only enters an excluded directory when an
        // exception literally starts with its path.
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[
                ("Dockerfile", "FROM scratch\n"),
                (".dockerignore", "build\n!*/keep.txt\n"),
                ("build/keep.txt", "k\n"),
                ("other/keep.txt", "k\n"),
            ],
        );
        let ctx = context(dir.path(), "Dockerfile");
        assert!(!ctx.ignore().is_excluded("build/keep.txt"));
        assert_eq!(
            ctx.files().expect("files"),
            [".dockerignore", "Dockerfile", "other/keep.txt"]
        );
    }

    #[test]
    fn walk_uses_parent_results_like_docker() {
        // "a/x" then "!a": MatchesOrParentMatches would keep a/x, but Docker's
        // walk (MatchesUsingParentResults) leaves it out.
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[
                ("Dockerfile", "FROM scratch\n"),
                (".dockerignore", "a/x\n!a\n"),
                ("a/x", "x\n"),
                ("a/y", "y\n"),
            ],
        );
        let ctx = context(dir.path(), "Dockerfile");
        assert_eq!(
            ctx.files().expect("files"),
            [".dockerignore", "Dockerfile", "a/y"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn context_and_dockerfile_symlinks_are_resolved() {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[("real/Dockerfile", "FROM scratch\n"), ("real/f", "f\n")],
        );
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("ctx")).expect("link");
        let ctx = BuildContext::new(&dir.path().join("ctx"), &dir.path().join("ctx/Dockerfile"))
            .expect("context");
        assert_eq!(
            ctx.root,
            fs::canonicalize(dir.path().join("real")).expect("canon")
        );
        assert_eq!(ctx.dockerfile_in_tar, "Dockerfile");
        assert!(!ctx.dockerfile_is_outside());
    }

    #[test]
    fn missing_context_dir_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        match BuildContext::new(&missing, &missing.join("Dockerfile")) {
            Err(ContextError::ContextMissing { path }) => assert_eq!(path, missing),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn context_that_is_a_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(dir.path(), &[("file", "x")]);
        let file = dir.path().join("file");
        assert!(matches!(
            BuildContext::new(&file, &file),
            Err(ContextError::ContextNotDirectory { .. })
        ));
    }

    #[test]
    fn missing_dockerfile_error_names_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let df = dir.path().join("Dockerfile.missing");
        match BuildContext::new(dir.path(), &df) {
            Err(e @ ContextError::DockerfileNotFound { .. }) => {
                assert!(e.to_string().contains("Dockerfile.missing"), "{e}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn dockerfile_that_is_a_directory_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(dir.path(), &[("Dockerfile/", "")]);
        assert!(matches!(
            BuildContext::new(dir.path(), &dir.path().join("Dockerfile")),
            Err(ContextError::DockerfileNotAFile { .. })
        ));
    }

    #[test]
    fn bad_dockerignore_pattern_is_an_error_with_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[
                ("Dockerfile", "FROM scratch\n"),
                (".dockerignore", "ok\n\nbad[\n"),
            ],
        );
        match BuildContext::new(dir.path(), &dir.path().join("Dockerfile")) {
            Err(e @ ContextError::Ignore(PatternError::BadPattern { line: 3, .. })) => {
                assert!(e.to_string().contains("bad["), "{e}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_file_is_named_in_files_and_stream() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        make_tree(
            dir.path(),
            &[("Dockerfile", "FROM scratch\n"), ("locked.txt", "x\n")],
        );
        let locked = dir.path().join("locked.txt");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        if File::open(&locked).is_ok() {
            // Running as root: permissions do not stop us, nothing to test.
            return;
        }
        let ctx = context(dir.path(), "Dockerfile");
        match ctx.files() {
            Err(e @ ContextError::Unreadable { .. }) => {
                assert!(e.to_string().contains("locked.txt"), "{e}");
            }
            other => panic!("unexpected {other:?}"),
        }
        match collect_blocking(&ctx) {
            Err(e) => assert!(e.to_string().contains("locked.txt"), "{e}"),
            Ok(_) => panic!("stream should fail"),
        }
    }

    #[test]
    fn dropping_the_receiver_stops_the_stream() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = "x".repeat(CHUNK_SIZE * (CHANNEL_CAPACITY + 4));
        make_tree(
            dir.path(),
            &[("Dockerfile", "FROM scratch\n"), ("big", &big)],
        );
        let ctx = context(dir.path(), "Dockerfile");
        let mut rx = ctx.stream();
        let first = rx.blocking_recv().expect("a chunk").expect("ok chunk");
        assert_eq!(first.len(), CHUNK_SIZE);
        drop(rx);
        // Nothing to join; the writer thread sees the closed channel and ends.
    }

    #[test]
    fn exact_reader_rejects_a_shrunk_file() {
        let mut reader = ExactReader::new(&b"abc"[..], 5);
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).expect_err("short");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn exact_reader_cuts_a_grown_file() {
        let mut reader = ExactReader::new(&b"abcdef"[..], 3);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).expect("read");
        assert_eq!(out, b"abc");
    }
}
