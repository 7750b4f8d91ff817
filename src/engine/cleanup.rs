//! Removing what a run created. Every container is tracked from its
//! creation until the engine has removed it; each removal runs under its own
//! deadline and is abandoned when the engine does not answer, so a stalled
//! engine never holds a run up. What could not be removed is reported by
//! name; the next run sweeps it (its run is dead by then).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bollard::errors::Error as Bollard;
use bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};
use bollard::Docker;
use futures_util::future::join_all;
use serde::Serialize;
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::deadline::{self, CLEANUP, CLEANUP_STALLED};
use super::identity::Identity;
use super::op_error::describe;
use super::RUN_LABEL;

/// A container a run could not remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftBehind {
    /// The engine it is on (`default`, or a name `--engine` gave).
    pub engine: String,
    /// Its id, shortened as `docker ps` shows it.
    pub container: String,
    /// What it was for ("run of IMAGE \"cmd\"").
    pub what: String,
    /// Why it is still there.
    pub reason: String,
}

#[derive(Debug)]
struct Tracked {
    what: String,
    /// Why the last attempt to remove it failed.
    failure: Option<String>,
}

/// The containers of one run, and their removal.
#[derive(Debug)]
pub struct Reaper {
    live: Mutex<BTreeMap<String, Tracked>>,
    /// Removals started and not yet ended.
    in_flight: watch::Sender<usize>,
    /// A removal was abandoned and nothing has answered since.
    stalled: AtomicBool,
    /// The run was stopped by a signal: removals get `HURRIED` more at most.
    hurried: CancellationToken,
}

/// Once a signal has stopped the run, how long a removal may still take:
/// the person (or CI) who stopped it expects the process to end within a
/// few seconds, whatever the engine does.
const HURRIED: Duration = Duration::from_secs(3);

impl Default for Reaper {
    fn default() -> Self {
        Self {
            live: Mutex::default(),
            in_flight: watch::channel(0).0,
            stalled: AtomicBool::new(false),
            hurried: CancellationToken::new(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `docker rm -f`: a running container is killed first; its anonymous
/// volumes go with it.
fn force() -> Option<RemoveContainerOptions> {
    Some(RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    })
}

/// The short id `docker ps` shows.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

impl Reaper {
    /// A container this run created and must remove.
    pub fn track(&self, id: &str, what: impl Into<String>) {
        lock(&self.live).insert(
            id.to_owned(),
            Tracked {
                what: what.into(),
                failure: None,
            },
        );
    }

    /// A signal stopped the run: every removal, in flight or to come, ends
    /// within `HURRIED` from now.
    pub fn hurry(&self) {
        self.hurried.cancel();
    }

    /// How long the next removal may take.
    fn limit(&self) -> Duration {
        if self.stalled.load(Ordering::SeqCst) {
            CLEANUP_STALLED
        } else {
            CLEANUP
        }
    }

    /// Removes a container (killing it if it runs) within the cleanup
    /// deadline. One that is gone already counts as removed; one that
    /// cannot be removed stays tracked, with the reason.
    pub async fn remove(&self, docker: &Docker, id: &str) {
        let limit = self.limit();
        let hurried = async {
            self.hurried.cancelled().await;
            tokio::time::sleep(HURRIED).await;
        };
        let answer = tokio::select! {
            answer = docker.remove_container(id, force()) => Ok(answer),
            () = tokio::time::sleep(limit) => Err(limit),
            () = hurried => Err(HURRIED),
        };
        let failure = match answer {
            Ok(
                Ok(())
                | Err(Bollard::DockerResponseServerError {
                    status_code: 404, ..
                }),
            ) => None,
            // "removal of container … is already in progress": the engine
            // is removing it.
            Ok(Err(Bollard::DockerResponseServerError {
                status_code: 409, ..
            })) => None,
            Ok(Err(err)) => Some(describe(&err)),
            Err(waited) => {
                self.stalled.store(true, Ordering::SeqCst);
                Some(deadline::no_answer(waited))
            }
        };
        let mut live = lock(&self.live);
        match failure {
            None => {
                live.remove(id);
                self.stalled.store(false, Ordering::SeqCst);
            }
            Some(reason) => {
                if let Some(tracked) = live.get_mut(id) {
                    tracked.failure = Some(reason);
                }
            }
        }
    }

    /// Starts removing a container on the runtime and returns at once; the
    /// receiver says when the removal has ended (removed or abandoned). The
    /// end of the run waits for every removal started this way.
    pub fn remove_later(self: &Arc<Self>, docker: Docker, id: String) -> oneshot::Receiver<()> {
        let (done, ended) = oneshot::channel();
        self.in_flight.send_modify(|n| *n += 1);
        let me = Arc::clone(self);
        tokio::spawn(async move {
            me.remove(&docker, &id).await;
            me.in_flight.send_modify(|n| *n = n.saturating_sub(1));
            let _ = done.send(());
        });
        ended
    }

    /// The end of a run: waits for the removals in flight, removes what is
    /// still tracked and, when the engine answers, whatever still carries
    /// the run's label (a container whose creation was cancelled before
    /// the engine said its id). Returns what could not be removed.
    pub async fn finish(&self, docker: Option<&Docker>, run_id: &str) -> Vec<LeftBehind> {
        let mut in_flight = self.in_flight.subscribe();
        let _ = tokio::time::timeout(CLEANUP + Duration::from_secs(1), async {
            in_flight.wait_for(|n| *n == 0).await
        })
        .await;
        let Some(docker) = docker else {
            return self.left_behind();
        };
        // Once the engine is known stalled, what it failed to remove is not
        // asked again (that would only cost another deadline); what was
        // never asked is.
        let stalled = self.stalled.load(Ordering::SeqCst);
        let ids: Vec<String> = lock(&self.live)
            .iter()
            .filter(|(_, tracked)| !stalled || tracked.failure.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        join_all(ids.iter().map(|id| self.remove(docker, id))).await;
        if !self.stalled.load(Ordering::SeqCst) {
            match labelled(docker, format!("{RUN_LABEL}={run_id}"), self.limit()).await {
                Ok(found) => {
                    for (id, _) in &found {
                        lock(&self.live).entry(id.clone()).or_insert(Tracked {
                            what: "a container of this run".to_owned(),
                            failure: None,
                        });
                    }
                    join_all(found.iter().map(|(id, _)| self.remove(docker, id))).await;
                }
                Err(reason) => {
                    for tracked in lock(&self.live).values_mut() {
                        tracked.failure.get_or_insert_with(|| reason.clone());
                    }
                }
            }
        }
        self.left_behind()
    }

    fn left_behind(&self) -> Vec<LeftBehind> {
        lock(&self.live)
            .iter()
            .map(|(id, tracked)| LeftBehind {
                engine: String::new(),
                container: short(id).to_owned(),
                what: tracked.what.clone(),
                reason: tracked
                    .failure
                    .clone()
                    .unwrap_or_else(|| "the engine could not be asked to remove it".to_owned()),
            })
            .collect()
    }
}

/// Containers carrying a label (`key` or `key=value`), within `limit`.
async fn labelled(
    docker: &Docker,
    filter: String,
    limit: Duration,
) -> Result<Vec<(String, HashMap<String, String>)>, String> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([("label".to_owned(), vec![filter])])),
        ..Default::default()
    };
    match tokio::time::timeout(limit, docker.list_containers(Some(options))).await {
        Ok(Ok(list)) => Ok(list
            .into_iter()
            .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
            .collect()),
        Ok(Err(err)) => Err(describe(&err)),
        Err(_) => Err(deadline::no_answer(limit)),
    }
}

/// Removes the containers of runs on this host whose process is gone, all
/// at once, each within the cleanup deadline; quiet, it is a courtesy.
pub async fn sweep_dead_runs(docker: &Docker, me: &Identity) {
    let Ok(found) = labelled(docker, RUN_LABEL.to_owned(), CLEANUP).await else {
        return;
    };
    let dead = found.iter().filter(|(_, labels)| me.is_dead(labels));
    join_all(dead.map(|(id, _)| async move {
        let _ = tokio::time::timeout(CLEANUP, remove_for_good(docker, id)).await;
    }))
    .await;
}

/// Removes a container and returns once it is gone: when the engine is
/// already removing it (a request of the dead run, answered only now that
/// the engine is back: 409), asks again until that removal has ended.
async fn remove_for_good(docker: &Docker, id: &str) {
    while let Err(Bollard::DockerResponseServerError {
        status_code: 409, ..
    }) = docker.remove_container(id, force()).await
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tracked_container_is_left_behind_until_removed() {
        let reaper = Reaper::default();
        reaper.track("0123456789abcdef0123", "run of busybox \"sleep 30\"");
        let left = reaper.left_behind();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].container, "0123456789ab");
        assert_eq!(left[0].what, "run of busybox \"sleep 30\"");
    }

    #[test]
    fn a_stalled_engine_gets_shorter_deadlines() {
        let reaper = Reaper::default();
        assert_eq!(reaper.limit(), CLEANUP);
        reaper.stalled.store(true, Ordering::SeqCst);
        assert_eq!(reaper.limit(), CLEANUP_STALLED);
    }
}
