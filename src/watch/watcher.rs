//! The file watcher: directories watched one by one (not recursively, so
//! excluded trees such as `target/` cost nothing, and editors that save by
//! renaming are caught), raw events settled into batches of relevant
//! changes.
//!
//! Only a change of a path that matters (the caller's `relevant` says so:
//! a script, a module it imports, a Dockerfile, a file a build sends) opens
//! or extends a batch. Reads, and writes to anything else, never touch the
//! settle timer, so a busy directory (an editor, a language server, a log
//! appended to) never holds a rerun back.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

/// The longest a batch stays open after its first relevant change, even
/// under a constant stream of them (unless `--debounce` is longer).
pub const MAX_BATCH: Duration = Duration::from_secs(2);

/// A settled batch of changed paths, and when it settled.
#[derive(Debug, Clone)]
pub struct Batch {
    pub paths: BTreeSet<PathBuf>,
    /// When it settled, in seconds since the Unix epoch.
    pub settled_at: f64,
}

/// Whether a change of a path matters. Asked when the event comes and
/// again when its batch settles (a temporary file renamed away by then
/// changes nothing).
pub type Relevance = Box<dyn Fn(&Path) -> bool + Send>;

pub struct Watcher {
    inner: RecommendedWatcher,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// Starts watching nothing yet; a batch goes to `on_batch` once no
    /// relevant change has come for `debounce`, or `MAX_BATCH` (or the
    /// debounce, if longer) after its first.
    pub fn new(
        on_batch: impl Fn(Batch) + Send + 'static,
        debounce: Duration,
        relevant: Relevance,
    ) -> notify::Result<Self> {
        let (raw_tx, raw_rx) = mpsc::channel::<notify::Event>();
        let inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event {
                let _ = raw_tx.send(event);
            }
        })?;
        let settler = Settler {
            raw: raw_rx,
            debounce,
            longest: MAX_BATCH.max(debounce),
            relevant,
        };
        std::thread::Builder::new()
            .name("watch debounce".into())
            .spawn(move || {
                while let Some(paths) = settler.next_batch() {
                    on_batch(Batch {
                        paths,
                        settled_at: crate::runner::unix_now(),
                    });
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

/// Turns raw events into batches.
struct Settler {
    raw: Receiver<notify::Event>,
    debounce: Duration,
    longest: Duration,
    relevant: Relevance,
}

impl Settler {
    /// The next settled batch; `None` when the watcher is gone.
    fn next_batch(&self) -> Option<BTreeSet<PathBuf>> {
        loop {
            let mut paths = BTreeSet::new();
            while !self.collect(&mut paths, self.raw.recv().ok()?) {}
            let opened = Instant::now();
            let mut last = opened;
            loop {
                let deadline = (last + self.debounce).min(opened + self.longest);
                let left = deadline.saturating_duration_since(Instant::now());
                match self.raw.recv_timeout(left) {
                    Ok(event) => {
                        if self.collect(&mut paths, event) {
                            last = Instant::now();
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            // Temporary files renamed away since (`sed -i`, atomic saves)
            // changed nothing.
            paths.retain(|p| (self.relevant)(p));
            if !paths.is_empty() {
                return Some(paths);
            }
        }
    }

    /// Adds the relevant paths an event changed; whether there were any.
    fn collect(&self, paths: &mut BTreeSet<PathBuf>, event: notify::Event) -> bool {
        if !is_change(&event.kind) {
            return false;
        }
        let before = paths.len();
        let mut touched_known = false;
        for path in event.paths {
            if is_scratch(&path) {
                continue;
            }
            if paths.contains(&path) {
                touched_known = true;
            } else if (self.relevant)(&path) {
                paths.insert(path);
            }
        }
        touched_known || paths.len() > before
    }
}

/// Whether an event changes content or names; reads (opening, reading,
/// closing without writing) do not.
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other => false,
        _ => true,
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

    const DEBOUNCE: Duration = Duration::from_millis(100);

    fn watching(dir: &Path) -> (Watcher, Receiver<Batch>) {
        watching_with(dir, Box::new(|_| true))
    }

    fn watching_with(dir: &Path, relevant: Relevance) -> (Watcher, Receiver<Batch>) {
        let (tx, rx) = mpsc::channel();
        let mut watcher = Watcher::new(to_channel(tx, |b| b), DEBOUNCE, relevant).unwrap();
        watcher.set_dirs(&BTreeSet::from([dir.to_owned()]));
        (watcher, rx)
    }

    /// What a build context with `*.log` in its .dockerignore cares about:
    /// files that exist (or existed when it was built), logs excluded.
    fn sent_files(known: &[PathBuf]) -> Relevance {
        let known = known.to_vec();
        Box::new(move |p: &Path| {
            p.extension().is_none_or(|e| e != "log") && (p.exists() || known.iter().any(|k| k == p))
        })
    }

    /// Runs `step` every `every` on a thread until the returned guard drops.
    fn background(every: Duration, mut step: impl FnMut() + Send + 'static) -> impl Drop {
        struct Stop(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Stop {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                step();
                std::thread::sleep(every);
            }
        });
        Stop(stop)
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

    #[test]
    fn reads_and_writes_to_irrelevant_files_never_hold_a_batch_back() {
        let dir = tempfile::tempdir().unwrap();
        let (other, log, file) = (
            dir.path().join("other.txt"),
            dir.path().join("server.log"),
            dir.path().join("app.py"),
        );
        fs::write(&other, "other").unwrap();
        fs::write(&file, "a").unwrap();
        let (_watcher, rx) = watching_with(dir.path(), sent_files(&[]));
        let _reader = background(Duration::from_millis(20), move || {
            let _ = fs::read_to_string(&other);
        });
        let appended = log.clone();
        let _writer = background(Duration::from_millis(50), move || {
            use std::io::Write;
            if let Ok(mut f) = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&appended)
            {
                let _ = writeln!(f, "GET /health 200");
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        for round in 0..3 {
            let saved = Instant::now();
            fs::write(&file, format!("b{round}")).unwrap();
            let batch = expect_batch_with(&rx, &file);
            assert_eq!(batch.paths, BTreeSet::from([file.clone()]), "only the save");
            // The bound: a save is seen within the debounce + 500 ms
            // while the noise goes on.
            assert!(
                saved.elapsed() < DEBOUNCE + Duration::from_millis(500),
                "settled {:?} after the save",
                saved.elapsed()
            );
        }
        assert!(rx.try_recv().is_err(), "the noise made a batch of its own");
    }

    #[test]
    fn a_constant_stream_of_changes_settles_within_the_longest_batch() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("model.dat");
        let (_watcher, rx) = watching(dir.path());
        let written = file.clone();
        let opened = Instant::now();
        let _writer = background(DEBOUNCE / 4, move || {
            let _ = fs::write(&written, format!("{:?}", Instant::now()));
        });
        expect_batch_with(&rx, &file);
        // Generous over MAX_BATCH: the issue asks for "never later than 2 s
        // after its first" change.
        assert!(
            opened.elapsed() < MAX_BATCH + Duration::from_millis(700),
            "the batch settled {:?} after its first change",
            opened.elapsed()
        );
    }

    #[test]
    fn a_sed_style_save_names_only_the_file_saved() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("index.html");
        fs::write(&file, "<p>a</p>").unwrap();
        let (_watcher, rx) = watching_with(dir.path(), sent_files(std::slice::from_ref(&file)));
        // `sed -i`: write a temporary file beside it, rename it over.
        let tmp = dir.path().join("sedaUELZy");
        fs::write(&tmp, "<p>b</p>").unwrap();
        fs::rename(&tmp, &file).unwrap();
        let batch = expect_batch_with(&rx, &file);
        assert_eq!(batch.paths, BTreeSet::from([file]));
    }
}
