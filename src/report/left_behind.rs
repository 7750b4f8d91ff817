//! The note a run prints when it could not remove some of its containers
//! (the engine did not answer in time): which ones, why, and what removes
//! them.

use crate::engine::LeftBehind;

/// The note for people, on stderr; `None` when everything was removed.
pub fn note(run_id: &str, left: &[LeftBehind]) -> Option<String> {
    if left.is_empty() {
        return None;
    }
    let plural = if left.len() == 1 { "" } else { "s" };
    let mut text = format!(
        "note: {} container{plural} of this run could not be removed; the next run on this machine removes {}, or `docker rm -f $(docker ps -aq --filter label=io.shakedown.run={run_id})` does:\n",
        left.len(),
        if left.len() == 1 { "it" } else { "them" },
    );
    for container in left {
        // Runs with one engine say nothing of engines.
        let engine = if container.engine == crate::cli::DEFAULT_ENGINE {
            String::new()
        } else {
            format!(" (engine {})", container.engine)
        };
        text.push_str(&format!(
            "  {}{engine}  {}: {}\n",
            container.container, container.what, container.reason
        ));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_each_container_and_why() {
        assert_eq!(note("1-a", &[]), None);
        let left = [LeftBehind {
            engine: "default".into(),
            container: "0123456789ab".into(),
            what: "run of busybox \"sleep 30\"".into(),
            reason: "the engine did not answer within 10s".into(),
        }];
        let text = note("1-a", &left).unwrap();
        assert!(text.starts_with("note: 1 container of this run could not be removed"));
        assert!(text.contains("label=io.shakedown.run=1-a"));
        assert!(text.contains(
            "  0123456789ab  run of busybox \"sleep 30\": the engine did not answer within 10s\n"
        ));
    }
}
