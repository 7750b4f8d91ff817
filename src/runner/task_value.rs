//! What a task hands to the tasks that need it: the value its body
//! returned (`result("task name")`).

use std::fmt;
use std::sync::Arc;

use rhai::Dynamic;

use super::outcome::Status;
use super::task::Task;
use crate::error::Thrown;

/// The value a task's body returned, shared by every task that reads it.
#[derive(Clone)]
pub struct TaskValue(Arc<Dynamic>);

impl TaskValue {
    /// Keeps `value` as it is now: a copy, never shared with the closure
    /// that made it.
    pub fn new(value: &Dynamic) -> Self {
        Self(Arc::new(value.flatten_clone()))
    }

    /// A copy for a reader, who may change it without changing anyone
    /// else's.
    pub fn get(&self) -> Dynamic {
        (*self.0).clone()
    }
}

impl fmt::Debug for TaskValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.type_name())
    }
}

/// The value the body of task `name` returned, asked for by `task` (or a
/// check of it): only a task it needs, directly or through the tasks it
/// needs, has surely finished, so only those may be asked for.
pub fn needed_value(
    task: &Task,
    name: &str,
    declared: impl Fn(&str) -> bool,
) -> Result<Dynamic, Thrown> {
    let Some(need) = find_need(task, name) else {
        return Err(not_needed(task, name, declared(name)));
    };
    let result = need.result.get();
    match result {
        Some(result) if matches!(result.status, Status::Passed | Status::Warned) => {
            Ok(result.value.map_or(Dynamic::UNIT, |v| v.get()))
        }
        // A task runs only when its needs passed: this one cannot be read.
        _ => Err(Thrown::usage(
            format!("task \"{name}\" has no result: it did not pass"),
            "a task that needs it is skipped when it fails; read its result only in a task that needs it",
        )
        .with_code("shakedown::task::no_result")),
    }
}

/// The task named `name` among the needs of `task`, transitively.
fn find_need(task: &Task, name: &str) -> Option<Arc<Task>> {
    let mut pending = task.needs();
    let mut seen = Vec::new();
    while let Some(need) = pending.pop() {
        if need.name == name {
            return Some(need);
        }
        if !seen.contains(&need.id) {
            seen.push(need.id);
            pending.extend(need.needs());
        }
    }
    None
}

fn not_needed(task: &Task, name: &str, exists: bool) -> Thrown {
    let add = if task.implicit {
        format!("read it in a task that needs it: task(\"…\", #{{ needs: [\"{name}\"] }}, || {{ let value = result(\"{name}\"); … }})")
    } else {
        format!(
            "add it to the needs of task \"{}\": task(\"{}\", #{{ needs: [\"{name}\"] }}, …), so that it runs after \"{name}\" has finished",
            task.name, task.name
        )
    };
    let message = match (exists, task.implicit) {
        (false, _) => format!("no task named \"{name}\" is declared before this one"),
        (true, true) => format!(
            "the top level of a script cannot read the result of task \"{name}\": it runs before it"
        ),
        (true, false) => format!("task \"{}\" does not need task \"{name}\"", task.name),
    };
    let help = if exists {
        add
    } else {
        format!("check the spelling of the task's name; {add}")
    };
    Thrown::usage(message, help).with_code(if exists {
        "shakedown::task::not_needed"
    } else {
        "shakedown::task::unknown"
    })
}
