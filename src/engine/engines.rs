//! The engines of one run: `default` (chosen by `--host`, `DOCKER_HOST`,
//! the context or the local socket) and those `--engine NAME=…` named.
//! Tasks choose one by name; the cleanup and the sweep of dead runs reach
//! every one.

use std::sync::Arc;

use futures_util::future::join_all;

use super::{Client, Endpoint, LeftBehind};
use crate::error::EngineError;

/// Every engine of a run, `default` first.
pub struct Engines {
    all: Vec<Arc<Client>>,
}

impl Engines {
    /// A run with one engine.
    pub fn single(default: Arc<Client>) -> Self {
        Self { all: vec![default] }
    }

    /// `default` and the named engines, sharing its run id. Names are
    /// unique (the command line was checked).
    pub fn new(default: Arc<Client>, named: Vec<(String, Endpoint)>) -> Self {
        let mut all = vec![Arc::clone(&default)];
        all.extend(
            named
                .into_iter()
                .map(|(name, endpoint)| Arc::new(default.also(&name, endpoint))),
        );
        Self { all }
    }

    /// The engine chosen by the usual rules.
    pub fn default_engine(&self) -> &Arc<Client> {
        &self.all[0]
    }

    /// An engine by name.
    pub fn get(&self, name: &str) -> Option<&Arc<Client>> {
        self.all.iter().find(|c| c.name() == name)
    }

    /// Every engine, `default` first.
    pub fn all(&self) -> &[Arc<Client>] {
        &self.all
    }

    /// The names of every engine, `default` first, for messages.
    pub fn names(&self) -> Vec<String> {
        self.all.iter().map(|c| c.name().to_owned()).collect()
    }

    /// Whether the run has engines besides `default`.
    pub fn is_many(&self) -> bool {
        self.all.len() > 1
    }

    /// Pings the named engines (`default` is checked by the runner, when
    /// the scripts may use it), all at once: the errors of those that do
    /// not answer (their messages name them).
    pub async fn check_named(&self) -> Vec<EngineError> {
        let answers = join_all(
            self.all[1..]
                .iter()
                .map(|c| async move { c.ready().await.err() }),
        )
        .await;
        answers.into_iter().flatten().collect()
    }

    /// Removes the containers of dead runs on every engine, all at once.
    pub async fn sweep_dead_runs(&self) {
        join_all(self.all.iter().map(|c| c.sweep_dead_runs())).await;
    }

    /// Whether every engine has answered this run.
    pub fn all_reached(&self) -> bool {
        self.all.iter().all(|c| c.reached())
    }

    /// A signal stopped the run: removals end within seconds on every engine.
    pub fn hurry_cleanup(&self) {
        for c in &self.all {
            c.hurry_cleanup();
        }
    }

    /// The end of a run on every engine at once: what could not be removed.
    pub async fn finish_run(&self) -> Vec<LeftBehind> {
        join_all(self.all.iter().map(|c| c.finish_run()))
            .await
            .into_iter()
            .flatten()
            .collect()
    }
}
