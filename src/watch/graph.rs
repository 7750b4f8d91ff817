//! What each task read (its builds' contexts and Dockerfiles) and what it
//! needs, learnt from run events, and the modules each script imports; and
//! which tasks a change of files affects.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::runner::{Event, TaskKey};
use crate::static_read::build_context::{BuildContext, ContextEntry, EntryKind};
use crate::static_read::dockerignore::DockerIgnore;

/// One build a task ran: the files it sent.
#[derive(Debug, Clone)]
pub struct BuildInput {
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    ignore: DockerIgnore,
    /// What it sent (slash paths relative to the context), so that the
    /// removal of one counts and a file that came and went unsent does not.
    sent: BTreeSet<String>,
    /// The directories to watch for it, as they were when it read them.
    read_dirs: BTreeSet<PathBuf>,
}

impl BuildInput {
    /// Reads what the build sends (one walk of its context).
    pub fn new(context: PathBuf, dockerfile: PathBuf) -> Self {
        let mut ignore = DockerIgnore::read(&context).unwrap_or_else(|_| DockerIgnore::empty());
        if let Ok(rel) = dockerfile.strip_prefix(&context) {
            ignore.keep(&slash(rel));
        }
        ignore.keep(".dockerignore");
        let entries = walk(&context, &dockerfile);
        let read_dirs = dirs_of(&context, &dockerfile, &entries);
        Self {
            sent: entries.into_iter().map(|e| e.path).collect(),
            read_dirs,
            context,
            dockerfile,
            ignore,
        }
    }

    /// Whether a change of `path` changes what this build sends: its
    /// Dockerfile, its `.dockerignore`, or a file `.dockerignore` lets
    /// through that is there now (a new file is sent next time) or was sent
    /// (its removal counts). An editor's temporary file that was renamed
    /// away before anyone asks changed nothing.
    pub fn is_affected_by(&self, path: &Path) -> bool {
        if path == self.dockerfile {
            return true;
        }
        let Ok(rel) = path.strip_prefix(&self.context) else {
            return false;
        };
        let rel = slash(rel);
        if rel.is_empty() || rel == ".git" || rel.starts_with(".git/") {
            return false;
        }
        if rel != ".dockerignore" && self.ignore.is_excluded(&rel) {
            return false;
        }
        self.sent.contains(&rel) || path.symlink_metadata().is_ok()
    }

    /// The directories to watch so that every file this build sends, and
    /// every new file it would send, is seen: as they are now (a new
    /// directory in the context counts).
    pub fn dirs(&self) -> BTreeSet<PathBuf> {
        dirs_of(
            &self.context,
            &self.dockerfile,
            &walk(&self.context, &self.dockerfile),
        )
    }

    /// The directories to watch, as they were when the build read them.
    pub fn read_dirs(&self) -> &BTreeSet<PathBuf> {
        &self.read_dirs
    }
}

/// What a build of `context` with `dockerfile` sends; nothing when it
/// cannot be read.
fn walk(context: &Path, dockerfile: &Path) -> Vec<ContextEntry> {
    BuildContext::new(context, dockerfile)
        .and_then(|c| c.entries())
        .unwrap_or_default()
}

/// The context root, the Dockerfile's directory, and every directory the
/// context sends or sends files from.
fn dirs_of(context: &Path, dockerfile: &Path, entries: &[ContextEntry]) -> BTreeSet<PathBuf> {
    let mut dirs = BTreeSet::from([context.to_owned()]);
    if let Some(parent) = dockerfile.parent() {
        dirs.insert(parent.to_owned());
    }
    for entry in entries {
        let path = context.join(&entry.path);
        match entry.kind {
            EntryKind::Dir => {
                dirs.insert(path);
            }
            _ => {
                if let Some(parent) = path.parent() {
                    dirs.insert(parent.to_owned());
                }
            }
        }
    }
    dirs
}

fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Debug, Clone, Default)]
struct TaskInputs {
    needs: Vec<String>,
    builds: Vec<BuildInput>,
}

/// The inputs of every task seen so far, by task.
#[derive(Debug, Default)]
pub struct Graph {
    tasks: HashMap<TaskKey, TaskInputs>,
    /// This run: task id → key, and what the task read so far.
    current: HashMap<usize, (TaskKey, TaskInputs)>,
    /// Module files (absolute) → the scripts that import them.
    modules: HashMap<PathBuf, BTreeSet<String>>,
}

/// What a batch of changed files means for the next run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Affected {
    /// Scripts that changed, or whose modules did: all their tasks rerun.
    pub scripts: BTreeSet<String>,
    /// Imported modules that changed (the engine must load them anew).
    pub modules: BTreeSet<PathBuf>,
    /// Tasks whose builds read a changed file.
    pub tasks: BTreeSet<TaskKey>,
    /// The changed files that mattered.
    pub files: BTreeSet<PathBuf>,
    /// When the last batch of them settled (seconds since the Unix epoch).
    pub settled_at: Option<f64>,
}

impl Affected {
    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty() && self.tasks.is_empty()
    }

    pub fn merge(&mut self, other: Affected) {
        self.scripts.extend(other.scripts);
        self.modules.extend(other.modules);
        self.tasks.extend(other.tasks);
        self.files.extend(other.files);
        self.settled_at = match (self.settled_at, other.settled_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

impl Graph {
    /// Learns from a run's events.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::TaskDeclared {
                task,
                name,
                script,
                needs,
                ..
            } => {
                let inputs = TaskInputs {
                    needs: needs.clone(),
                    builds: Vec::new(),
                };
                self.current
                    .insert(*task, ((script.clone(), name.clone()), inputs));
            }
            Event::BuildRead {
                task,
                context,
                dockerfile,
            } => {
                if let Some((_, inputs)) = self.current.get_mut(task) {
                    inputs
                        .builds
                        .push(BuildInput::new(context.clone(), dockerfile.clone()));
                }
            }
            Event::TaskFinished(result) => {
                if let Some((key, inputs)) = self.current.remove(&result.id) {
                    if result.kept {
                        if let Some(known) = self.tasks.get_mut(&key) {
                            known.needs = inputs.needs;
                        }
                    } else {
                        self.tasks.insert(key, inputs);
                    }
                }
            }
            _ => {}
        }
    }

    /// Records the modules a script imports (absolute paths), replacing
    /// what it imported before.
    pub fn set_imports(&mut self, script: &str, modules: &BTreeSet<PathBuf>) {
        for importers in self.modules.values_mut() {
            importers.remove(script);
        }
        self.modules.retain(|_, importers| !importers.is_empty());
        for module in modules {
            self.modules
                .entry(module.clone())
                .or_default()
                .insert(script.to_owned());
        }
    }

    /// Whether a change of `path` affects anything: a script, a module one
    /// imports, or a build of this run or of an earlier one.
    pub fn affects(&self, path: &Path, scripts: &[(PathBuf, String)]) -> bool {
        scripts.iter().any(|(p, _)| p == path)
            || self.modules.contains_key(path)
            || self.builds().any(|(_, b)| b.is_affected_by(path))
    }

    /// The directories the builds of task `task` (of this run) read, to
    /// watch from the moment they read them.
    pub fn dirs_read_by(&self, task: usize) -> BTreeSet<PathBuf> {
        self.current
            .get(&task)
            .map(|(_, inputs)| {
                inputs
                    .builds
                    .iter()
                    .flat_map(|b| b.read_dirs().iter().cloned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every build known, with its task: earlier runs' and this run's.
    fn builds(&self) -> impl Iterator<Item = (&TaskKey, &BuildInput)> {
        let earlier = self.tasks.iter();
        let now = self.current.values().map(|(key, inputs)| (key, inputs));
        earlier
            .chain(now)
            .flat_map(|(key, inputs)| inputs.builds.iter().map(move |b| (key, b)))
    }

    /// Which tasks and scripts the changed files affect. `scripts` maps
    /// each script's absolute path to its name.
    pub fn affected(&self, changed: &BTreeSet<PathBuf>, scripts: &[(PathBuf, String)]) -> Affected {
        let mut affected = Affected::default();
        for path in changed {
            if let Some((_, name)) = scripts.iter().find(|(p, _)| p == path) {
                affected.scripts.insert(name.clone());
                affected.files.insert(path.clone());
            }
            if let Some(importers) = self.modules.get(path) {
                affected.scripts.extend(importers.iter().cloned());
                affected.modules.insert(path.clone());
                affected.files.insert(path.clone());
            }
            for (key, build) in self.builds() {
                if build.is_affected_by(path) {
                    affected.tasks.insert(key.clone());
                    affected.files.insert(path.clone());
                }
            }
        }
        affected
    }

    /// The tasks to rerun: those affected, every task of a changed script,
    /// and, transitively, the tasks that need them.
    pub fn rerun(&self, affected: &Affected) -> BTreeSet<TaskKey> {
        let mut rerun: BTreeSet<TaskKey> = affected.tasks.clone();
        rerun.extend(
            self.tasks
                .keys()
                .filter(|(script, _)| affected.scripts.contains(script))
                .cloned(),
        );
        loop {
            let more: Vec<TaskKey> = self
                .tasks
                .iter()
                .filter(|(key, _)| !rerun.contains(*key))
                .filter(|((script, _), inputs)| {
                    inputs
                        .needs
                        .iter()
                        .any(|need| rerun.contains(&(script.clone(), need.clone())))
                })
                .map(|(key, _)| key.clone())
                .collect();
            if more.is_empty() {
                return rerun;
            }
            rerun.extend(more);
        }
    }

    /// Every directory to watch: the scripts' and their modules', and
    /// every build's.
    pub fn watch_dirs(&self, scripts: &[(PathBuf, String)]) -> BTreeSet<PathBuf> {
        let mut dirs: BTreeSet<PathBuf> = scripts
            .iter()
            .map(|(p, _)| p)
            .chain(self.modules.keys())
            .filter_map(|p| p.parent().map(Path::to_owned))
            .collect();
        for inputs in self.tasks.values() {
            for build in &inputs.builds {
                dirs.extend(build.dirs());
            }
        }
        dirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{Status, TaskResult};
    use std::time::Duration;

    fn declared(graph: &mut Graph, id: usize, name: &str, needs: &[&str]) {
        graph.observe(&Event::TaskDeclared {
            task: id,
            name: name.into(),
            script: "demo.rhai".into(),
            engine: "default".into(),
            implicit: false,
            needs: needs.iter().map(|s| (*s).to_owned()).collect(),
        });
    }

    fn finished(graph: &mut Graph, id: usize, name: &str, kept: bool) {
        graph.observe(&Event::TaskFinished(TaskResult {
            id,
            name: name.into(),
            script: "demo.rhai".into(),
            engine: "default".into(),
            implicit: false,
            kept,
            status: Status::Passed,
            duration: Duration::ZERO,
            note: None,
            error: None,
            checks: Vec::new(),
            records: Vec::new(),
            build_notes: Vec::new(),
            value: None,
        }));
    }

    fn key(name: &str) -> TaskKey {
        ("demo.rhai".into(), name.into())
    }

    /// A context with a .dockerignore, two tasks building from it (cpu from
    /// the root, gpu from its Dockerfile), a third needing the gpu task.
    fn demo() -> (tempfile::TempDir, Graph) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("docker/models")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".dockerignore"), "*\n!docker/models\n").unwrap();
        std::fs::write(root.join("docker/Dockerfile.cpu"), "FROM x\n").unwrap();
        std::fs::write(root.join("docker/Dockerfile.gpu"), "FROM x\n").unwrap();
        std::fs::write(root.join("docker/models/m.dat"), "m").unwrap();
        let mut graph = Graph::default();
        declared(&mut graph, 1, "cpu", &[]);
        declared(&mut graph, 2, "gpu", &[]);
        declared(&mut graph, 3, "approve", &["gpu"]);
        for (id, file) in [(1, "docker/Dockerfile.cpu"), (2, "docker/Dockerfile.gpu")] {
            graph.observe(&Event::BuildRead {
                task: id,
                context: root.to_owned(),
                dockerfile: root.join(file),
            });
        }
        for (id, name) in [(1, "cpu"), (2, "gpu"), (3, "approve")] {
            finished(&mut graph, id, name, false);
        }
        (dir, graph)
    }

    fn changed(paths: &[PathBuf]) -> BTreeSet<PathBuf> {
        paths.iter().cloned().collect()
    }

    #[test]
    fn a_dockerfile_change_affects_the_task_that_built_it_and_its_dependents() {
        let (dir, graph) = demo();
        let affected = graph.affected(&changed(&[dir.path().join("docker/Dockerfile.gpu")]), &[]);
        assert_eq!(affected.tasks, BTreeSet::from([key("gpu")]));
        assert_eq!(
            graph.rerun(&affected),
            BTreeSet::from([key("gpu"), key("approve")])
        );
    }

    #[test]
    fn a_file_in_the_shared_context_affects_both_builds() {
        let (dir, graph) = demo();
        let affected = graph.affected(&changed(&[dir.path().join("docker/models/m.dat")]), &[]);
        assert_eq!(affected.tasks, BTreeSet::from([key("cpu"), key("gpu")]));
    }

    #[test]
    fn new_files_in_the_context_count() {
        let (dir, graph) = demo();
        let new = dir.path().join("docker/models/new.dat");
        std::fs::write(&new, "n").unwrap();
        let affected = graph.affected(&changed(&[new]), &[]);
        assert_eq!(affected.tasks.len(), 2);
    }

    #[test]
    fn a_removed_file_counts_when_it_was_sent_and_a_vanished_temp_file_does_not() {
        let (dir, graph) = demo();
        let sent = dir.path().join("docker/models/m.dat");
        std::fs::remove_file(&sent).unwrap();
        assert_eq!(graph.affected(&changed(&[sent]), &[]).tasks.len(), 2);
        // `sed -i` wrote it and renamed it over another file: gone, never sent.
        let temp = dir.path().join("docker/models/sedaUELZy");
        assert!(graph.affected(&changed(&[temp]), &[]).is_empty());
    }

    #[test]
    fn a_build_of_the_running_run_counts_before_its_task_ends() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM x\n").unwrap();
        let mut graph = Graph::default();
        declared(&mut graph, 1, "cpu", &[]);
        graph.observe(&Event::BuildRead {
            task: 1,
            context: dir.path().to_owned(),
            dockerfile: dir.path().join("Dockerfile"),
        });
        let dockerfile = dir.path().join("Dockerfile");
        assert!(graph.affects(&dockerfile, &[]));
        assert_eq!(
            graph.affected(&changed(&[dockerfile]), &[]).tasks,
            BTreeSet::from([key("cpu")])
        );
    }

    #[test]
    fn a_module_change_reruns_the_scripts_that_import_it() {
        let (dir, mut graph) = demo();
        let module = dir.path().join("lib/checks.rhai");
        graph.set_imports("demo.rhai", &BTreeSet::from([module.clone()]));
        assert!(graph.affects(&module, &[]));
        let affected = graph.affected(&changed(std::slice::from_ref(&module)), &[]);
        assert_eq!(affected.scripts, BTreeSet::from(["demo.rhai".to_owned()]));
        assert_eq!(affected.modules, BTreeSet::from([module.clone()]));
        assert!(graph.watch_dirs(&[]).contains(&dir.path().join("lib")));
        graph.set_imports("demo.rhai", &BTreeSet::new());
        assert!(!graph.affects(&module, &[]));
    }

    #[test]
    fn reads_of_nothing_relevant_are_not_relevant() {
        let (dir, graph) = demo();
        std::fs::write(dir.path().join("server.log"), "x").unwrap();
        assert!(!graph.affects(&dir.path().join("server.log"), &[]));
        assert!(!graph.affects(&dir.path().join(".git/index"), &[]));
        assert!(graph.affects(&dir.path().join("docker/Dockerfile.gpu"), &[]));
    }

    #[test]
    fn dockerignored_files_and_git_never_affect() {
        let (dir, graph) = demo();
        let paths = [
            dir.path().join("README.md"),
            dir.path().join(".git/index"),
            dir.path().join("docker/other.txt"),
        ];
        assert!(graph.affected(&changed(&paths), &[]).is_empty());
    }

    #[test]
    fn the_dockerignore_itself_affects_every_build_of_the_context() {
        let (dir, graph) = demo();
        let affected = graph.affected(&changed(&[dir.path().join(".dockerignore")]), &[]);
        assert_eq!(affected.tasks.len(), 2);
    }

    #[test]
    fn a_script_change_reruns_its_tasks() {
        let (dir, graph) = demo();
        let script = dir.path().join("demo.rhai");
        let affected = graph.affected(
            &changed(std::slice::from_ref(&script)),
            &[(script, "demo.rhai".into())],
        );
        assert_eq!(affected.scripts, BTreeSet::from(["demo.rhai".to_owned()]));
        assert_eq!(graph.rerun(&affected).len(), 3);
    }

    #[test]
    fn a_kept_task_keeps_what_it_read_before() {
        let (dir, mut graph) = demo();
        declared(&mut graph, 7, "cpu", &[]);
        finished(&mut graph, 7, "cpu", true);
        let affected = graph.affected(&changed(&[dir.path().join("docker/Dockerfile.cpu")]), &[]);
        assert_eq!(affected.tasks, BTreeSet::from([key("cpu")]));
    }

    #[test]
    fn watched_dirs_cover_the_sent_files_and_not_excluded_trees() {
        let (dir, graph) = demo();
        std::fs::create_dir_all(dir.path().join("target/debug")).unwrap();
        let dirs = graph.watch_dirs(&[]);
        assert!(dirs.contains(dir.path()));
        assert!(dirs.contains(&dir.path().join("docker/models")));
        assert!(
            dirs.contains(&dir.path().join("docker")),
            "the Dockerfiles' directory"
        );
        assert!(!dirs.contains(&dir.path().join("target/debug")));
        assert!(!dirs.contains(&dir.path().join(".git")));
    }
}
