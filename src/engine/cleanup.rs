use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};
use bollard::Docker;

use super::{HOST_LABEL, PID_LABEL, RUN_LABEL, START_LABEL};

/// Who this process is, so that a later run can tell whether the run that
/// created a container is still alive.
#[derive(Debug, Clone)]
pub struct Identity {
    pid: u32,
    host: String,
    started: String,
}

impl Identity {
    pub fn of_this_process() -> Self {
        let pid = std::process::id();
        Self {
            pid,
            host: hostname(),
            started: process_start(pid).unwrap_or_default(),
        }
    }

    pub fn run_id(&self) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("{}-{:x}", self.pid, nanos)
    }

    pub fn labels(&self, run_id: &str) -> HashMap<String, String> {
        HashMap::from([
            (RUN_LABEL.to_owned(), run_id.to_owned()),
            (PID_LABEL.to_owned(), self.pid.to_string()),
            (HOST_LABEL.to_owned(), self.host.clone()),
            (START_LABEL.to_owned(), self.started.clone()),
        ])
    }

    /// Whether the run that labelled a container is gone. Runs of other
    /// hosts are never judged dead: their processes cannot be seen here.
    fn is_dead(&self, labels: &HashMap<String, String>) -> bool {
        if labels.get(HOST_LABEL) != Some(&self.host) {
            return false;
        }
        let Some(pid) = labels.get(PID_LABEL).and_then(|p| p.parse::<u32>().ok()) else {
            return false;
        };
        match process_start(pid) {
            None => true,
            Some(started) => labels.get(START_LABEL).is_some_and(|s| *s != started),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// A process's start time in clock ticks since boot (field 22 of
/// /proc/PID/stat), to tell a live run from a reused pid.
fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19).map(str::to_owned)
}

async fn labelled(docker: &Docker, filter: String) -> Vec<(String, HashMap<String, String>)> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([("label".to_owned(), vec![filter])])),
        ..Default::default()
    };
    docker
        .list_containers(Some(options))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
        .collect()
}

async fn remove(docker: &Docker, id: &str) {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    let _ = docker.remove_container(id, Some(options)).await;
}

/// Removes the containers of runs on this host whose process is gone.
pub async fn sweep_dead_runs(docker: &Docker, me: &Identity) {
    for (id, labels) in labelled(docker, RUN_LABEL.to_owned()).await {
        if me.is_dead(&labels) {
            remove(docker, &id).await;
        }
    }
}

/// Removes every container of one run.
pub async fn remove_run(docker: &Docker, run_id: &str) {
    for (id, _) in labelled(docker, format!("{RUN_LABEL}={run_id}")).await {
        remove(docker, &id).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive() {
        let me = Identity::of_this_process();
        assert!(!me.is_dead(&me.labels("x")));
    }

    #[test]
    fn a_gone_pid_on_this_host_is_dead() {
        let me = Identity::of_this_process();
        let mut labels = me.labels("x");
        labels.insert(PID_LABEL.into(), u32::MAX.to_string());
        assert!(me.is_dead(&labels));
    }

    #[test]
    fn a_reused_pid_is_dead() {
        let me = Identity::of_this_process();
        let mut labels = me.labels("x");
        labels.insert(START_LABEL.into(), "1".into());
        assert!(me.is_dead(&labels));
    }

    #[test]
    fn another_hosts_run_is_never_judged() {
        let me = Identity::of_this_process();
        let mut labels = me.labels("x");
        labels.insert(HOST_LABEL.into(), "elsewhere".into());
        labels.insert(PID_LABEL.into(), u32::MAX.to_string());
        assert!(!me.is_dead(&labels));
    }
}
