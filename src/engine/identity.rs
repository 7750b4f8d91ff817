//! Who a run is, so that a later run can tell whether the run that
//! created a container is still alive.

use std::collections::HashMap;

use super::{HOST_LABEL, PID_LABEL, RUN_LABEL, START_LABEL};

/// Who this process is.
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
    pub fn is_dead(&self, labels: &HashMap<String, String>) -> bool {
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
