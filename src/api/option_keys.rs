//! The keys of every option map the script API takes, named once: the
//! primitives reject any other key with them, and `shakedown check` reports
//! other keys in a literal map before anything runs.

/// The options of one or more functions (`options: Map` in the reference).
#[derive(Debug)]
pub struct OptionKeys {
    /// The functions (or methods) that take these options.
    pub functions: &'static [&'static str],
    /// The keys, in groups (`start` takes every key of `run` and its own).
    groups: &'static [&'static [&'static str]],
}

impl OptionKeys {
    /// Every key, in the order the reference lists them.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.groups.iter().flat_map(|group| group.iter().copied())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.keys().any(|known| known == key)
    }
}

const RUN_KEYS: &[&str] = &[
    "network",
    "user",
    "env",
    "workdir",
    "entrypoint",
    "timeout",
    "gpus",
    "max_output",
];

pub const TASK: OptionKeys = OptionKeys {
    functions: &["task"],
    groups: &[&["needs", "engine"]],
};

pub const CHECK: OptionKeys = OptionKeys {
    functions: &["check"],
    groups: &[&["gate", "timeout"]],
};

pub const BUILD: OptionKeys = OptionKeys {
    functions: &["build"],
    groups: &[&[
        "dockerfile",
        "context",
        "tag",
        "target",
        "args",
        "no_cache",
        "builder",
        "secrets",
        "platform",
        "network",
        "pull",
        "labels",
    ]],
};

pub const IMAGE: OptionKeys = OptionKeys {
    functions: &["image"],
    groups: &[&["pull"]],
};

pub const RUN: OptionKeys = OptionKeys {
    functions: &["run"],
    groups: &[RUN_KEYS],
};

pub const START: OptionKeys = OptionKeys {
    functions: &["start"],
    groups: &[RUN_KEYS, &["ports", "cmd"]],
};

pub const EXEC: OptionKeys = OptionKeys {
    functions: &["exec"],
    groups: &[&["user", "env", "workdir", "timeout", "max_output"]],
};

pub const WAIT_HTTP: OptionKeys = OptionKeys {
    functions: &["wait_http"],
    groups: &[&["status", "timeout", "interval"]],
};

pub const HTTP: OptionKeys = OptionKeys {
    functions: &["http", "http_get", "http_post"],
    groups: &[&[
        "headers",
        "body",
        "json",
        "multipart",
        "timeout",
        "max_body",
    ]],
};

/// A file field of `multipart` (not a function's options: `check` does not
/// look inside nested maps).
pub const MULTIPART_FILE: OptionKeys = OptionKeys {
    functions: &[],
    groups: &[&["content", "filename", "content_type"]],
};

/// Every function's options, for `shakedown check`.
pub const ALL: &[&OptionKeys] = &[
    &TASK, &CHECK, &BUILD, &IMAGE, &RUN, &START, &EXEC, &WAIT_HTTP, &HTTP,
];

/// The options of the function (or method) of that name, if it takes any.
pub fn of(function: &str) -> Option<&'static OptionKeys> {
    ALL.iter()
        .copied()
        .find(|options| options.functions.contains(&function))
}
