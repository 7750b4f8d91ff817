//! The file watcher: directories watched one by one (not recursively, so
//! excluded trees such as `target/` cost nothing, and editors that save by
//! renaming are caught), raw events settled into batches.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

/// A settled batch of changed paths, and when it settled.
#[derive(Debug, Clone)]
pub struct Batch {
    pub paths: BTreeSet<PathBuf>,
    /// When it settled, in seconds since the Unix epoch.
    pub settled_at: f64,
}

pub struct Watcher {
    inner: RecommendedWatcher,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// Starts watching nothing yet; batches go to `on_batch` once no event
    /// has come for `debounce`.
    pub fn new(
        on_batch: impl Fn(Batch) + Send + 'static,
        debounce: Duration,
    ) -> notify::Result<Self> {
        let (raw_tx, raw_rx) = mpsc::channel::<notify::Event>();
        let inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event {
                let _ = raw_tx.send(event);
            }
        })?;
        std::thread::Builder::new()
            .name("watch debounce".into())
            .spawn(move || {
                while let Ok(first) = raw_rx.recv() {
                    let mut paths = BTreeSet::new();
                    collect(&mut paths, first);
                    loop {
                        match raw_rx.recv_timeout(debounce) {
                            Ok(event) => collect(&mut paths, event),
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    if !paths.is_empty() {
                        on_batch(Batch {
                            paths,
                            settled_at: crate::runner::unix_now(),
                        });
                    }
                }
            })
            .map_err(|e| notify::Error::generic(&e.to_string()))?;
        Ok(Self {
            inner,
            watched: BTreeSet::new(),
        })
    }

    /// Watches exactly these directories from now on.
    pub fn set_dirs(&mut self, dirs: &BTreeSet<PathBuf>) {
        let gone: Vec<PathBuf> = self.watched.difference(dirs).cloned().collect();
        for dir in gone {
            let _ = self.inner.unwatch(&dir);
            self.watched.remove(&dir);
        }
        for dir in dirs.difference(&self.watched.clone()) {
            if self.inner.watch(dir, RecursiveMode::NonRecursive).is_ok() {
                self.watched.insert(dir.clone());
            }
        }
    }

    /// Watches these directories too (a build just read them).
    pub fn add_dirs(&mut self, dirs: &BTreeSet<PathBuf>) {
        for dir in dirs.difference(&self.watched.clone()) {
            if self.inner.watch(dir, RecursiveMode::NonRecursive).is_ok() {
                self.watched.insert(dir.clone());
            }
        }
    }

    pub fn watched(&self) -> &BTreeSet<PathBuf> {
        &self.watched
    }
}

/// Keeps the paths of events that change content or names; reads and
/// editors' scratch files are not changes.
fn collect(paths: &mut BTreeSet<PathBuf>, event: notify::Event) {
    let counts = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other => false,
        _ => true,
    };
    if counts {
        paths.extend(event.paths.into_iter().filter(|p| !is_scratch(p)));
    }
}

/// Editors' temporary files: vim's swap files and its `4913` probe, backup
/// files ending in `~`, emacs lock and autosave files.
pub fn is_scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    name == "4913"
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
}

/// Sends batches into a channel as `wrap(batch)`.
pub fn to_channel<M: Send + 'static>(
    tx: Sender<M>,
    wrap: fn(Batch) -> M,
) -> impl Fn(Batch) + Send + 'static {
    move |batch| {
        let _ = tx.send(wrap(batch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::sync::mpsc::Receiver;
    use std::time::Instant;

    const LIMIT: Duration = Duration::from_secs(10);

    fn watching(dir: &Path) -> (Watcher, Receiver<Batch>) {
        let (tx, rx) = mpsc::channel();
        let mut watcher = Watcher::new(to_channel(tx, |b| b), Duration::from_millis(100)).unwrap();
        watcher.set_dirs(&BTreeSet::from([dir.to_owned()]));
        (watcher, rx)
    }

    /// The next batch that names `path`, within the limit.
    fn expect_batch_with(rx: &Receiver<Batch>, path: &Path) -> Batch {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let batch = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no event for {} within {LIMIT:?}", path.display()));
            if batch.paths.contains(path) {
                return batch;
            }
        }
    }

    fn vim_save(path: &Path, text: &str) {
        // vim's default on Linux (backupcopy=auto for a plain file): probe
        // with 4913, rename the original to a backup, write anew, delete
        // the backup.
        let dir = path.parent().unwrap();
        let probe = dir.join("4913");
        fs::write(&probe, "").unwrap();
        fs::remove_file(&probe).unwrap();
        let backup = dir.join(format!("{}~", path.file_name().unwrap().to_string_lossy()));
        fs::rename(path, &backup).unwrap();
        fs::write(path, text).unwrap();
        fs::remove_file(&backup).unwrap();
    }

    fn atomic_save(path: &Path, text: &str) {
        let tmp = path.with_extension("tmp-save");
        fs::write(&tmp, text).unwrap();
        fs::rename(&tmp, path).unwrap();
    }

    #[test]
    fn every_vim_style_save_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile");
        fs::write(&file, "FROM a\n").unwrap();
        let (_watcher, rx) = watching(dir.path());
        for round in 0..3 {
            vim_save(&file, &format!("FROM b{round}\n"));
            let batch = expect_batch_with(&rx, &file);
            assert!(
                batch.paths.iter().all(|p| !is_scratch(p)),
                "{:?}",
                batch.paths
            );
        }
    }

    #[test]
    fn every_atomic_rename_save_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.py");
        fs::write(&file, "a").unwrap();
        let (_watcher, rx) = watching(dir.path());
        for round in 0..3 {
            atomic_save(&file, &format!("b{round}"));
            expect_batch_with(&rx, &file);
        }
    }

    #[test]
    fn new_files_in_a_watched_directory_are_seen() {
        let dir = tempfile::tempdir().unwrap();
        let (_watcher, rx) = watching(dir.path());
        let file = dir.path().join("new.txt");
        fs::write(&file, "x").unwrap();
        expect_batch_with(&rx, &file);
    }

    #[test]
    fn a_burst_settles_into_one_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (_watcher, rx) = watching(dir.path());
        let files: Vec<PathBuf> = (0..5).map(|i| dir.path().join(format!("f{i}"))).collect();
        for file in &files {
            fs::write(file, "x").unwrap();
        }
        let batch = expect_batch_with(&rx, &files[4]);
        assert!(
            files.iter().all(|f| batch.paths.contains(f)),
            "{:?}",
            batch.paths
        );
    }

    #[test]
    fn unwatched_directories_are_quiet() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let (_watcher, rx) = watching(dir.path());
        fs::write(sub.join("inner.txt"), "x").unwrap();
        let marker = dir.path().join("marker");
        fs::write(&marker, "x").unwrap();
        let batch = expect_batch_with(&rx, &marker);
        assert!(
            !batch.paths.contains(&sub.join("inner.txt")),
            "not recursive"
        );
    }

    #[test]
    fn scratch_files_are_recognised() {
        for name in [
            "4913",
            "Dockerfile~",
            ".Dockerfile.swp",
            ".#app.py",
            "#app.py#",
        ] {
            assert!(is_scratch(Path::new(name)), "{name}");
        }
        assert!(!is_scratch(Path::new("Dockerfile")));
    }
}
