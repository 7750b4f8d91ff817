//! A Docker Engine of a test's own beside the shared one
//! (tests/engines/extra-engine.sh), stopped when dropped.

use std::process::{Command, Output};

use super::root;

/// The image every extra engine gets from the shared one at its start.
pub const IMAGE: &str = "shakedown-demo/busybox:latest";

/// A dockerd of this test's own; stopped (and thawed first) when dropped,
/// whatever the test did.
pub struct ExtraEngine {
    pub name: String,
    pub host: String,
}

impl ExtraEngine {
    pub fn start(prefix: &str) -> Self {
        Self::start_with(prefix, &[])
    }

    /// With more dockerd flags (`-H tcp://… --tlsverify …`).
    pub fn start_with(prefix: &str, flags: &[&str]) -> Self {
        let name = format!("{prefix}{}", std::process::id() % 100_000);
        let out = Command::new("bash")
            .arg(root().join("tests/engines/extra-engine.sh"))
            .args(["start", &name])
            .args(flags)
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the extra engine did not start:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let host = stdout
            .lines()
            .find_map(|l| l.strip_prefix("DOCKER_HOST="))
            .expect("the script prints DOCKER_HOST")
            .to_owned();
        let engine = Self { name, host };
        // No registry: the image comes from the shared engine.
        let loaded = Command::new("bash")
            .args([
                "-c",
                &format!("docker save {IMAGE} | docker -H {} load", engine.host),
            ])
            .env_remove("DOCKER_HOST")
            .output()
            .expect("bash runs");
        assert!(
            loaded.status.success(),
            "{}",
            String::from_utf8_lossy(&loaded.stderr)
        );
        engine
    }

    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .env("DOCKER_HOST", &self.host)
            .args(args)
            .output()
            .expect("docker runs")
    }

    /// Its dockerd's and containerd's pids.
    pub fn pids(&self) -> Vec<String> {
        let out = Command::new("bash")
            .arg(root().join("tests/engines/extra-engine.sh"))
            .args(["pids", &self.name])
            .output()
            .expect("bash runs");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }

    /// Sends a signal to its dockerd and containerd (-STOP freezes them).
    pub fn signal(&self, signal: &str) {
        for pid in self.pids() {
            let _ = Command::new("kill").args([signal, &pid]).status();
        }
    }

    /// Containers of a shakedown process on this engine (by its pid label).
    pub fn containers_of_pid(&self, pid: u32, running_only: bool) -> Vec<String> {
        let filter = format!("label=io.shakedown.pid={pid}");
        let mut args = vec!["ps", "-q", "--filter", &filter];
        if !running_only {
            args.push("-a");
        }
        lines(&self.docker(&args))
    }

    pub fn stop(&self) {
        self.signal("-CONT");
        let _ = Command::new("bash")
            .arg(root().join("tests/engines/extra-engine.sh"))
            .args(["stop", &self.name])
            .status();
    }
}

impl Drop for ExtraEngine {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}
