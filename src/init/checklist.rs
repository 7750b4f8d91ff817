//! The checklist `shakedown init` writes: for each Dockerfile a task that
//! builds the image and checks what the Dockerfile says today, and a
//! sign-off at the end. What a hardened image should have and the
//! Dockerfile lacks is written as a check commented out, with a note.

use std::fmt::Write;

use super::facts::Facts;

/// The OCI labels a release should carry, suggested when none is set.
const OCI_LABELS: &[&str] = &["source", "version", "description", "licenses"];

/// The script for `images`, in order.
pub fn checklist(images: &[Facts]) -> String {
    let names: Vec<String> = images.iter().map(task_name).collect();
    let mut out = String::new();
    out.push_str("// A checklist written by `shakedown init` from\n");
    for name in &names {
        let _ = writeln!(out, "//     {name}");
    }
    out.push_str(
        "// It checks what the Dockerfiles say today: edit it into the checklist you\n\
         // want. Paths are relative to the directory init ran in; run it from there:\n\
         //\n\
         //     shakedown check <this file>\n\
         //     shakedown run <this file>\n",
    );
    for (facts, name) in images.iter().zip(&names) {
        out.push('\n');
        task(&mut out, facts, name);
    }
    let needs: Vec<String> = names.iter().map(|n| quote(n)).collect();
    let _ = write!(
        out,
        "\n// A person looks at the results and signs off (`--approve` in CI).\n\
         task(\"sign-off\", #{{ needs: [{}] }}, || {{\n    \
         approve(\"Review the images: every check above passed, sizes recorded\");\n\
         }});\n",
        needs.join(", ")
    );
    out
}

fn task_name(facts: &Facts) -> String {
    facts.dockerfile.display().to_string()
}

fn task(out: &mut String, facts: &Facts, name: &str) {
    let dockerfile = quote(&facts.dockerfile.display().to_string());
    let build = match &facts.context {
        Some(context) => format!(
            "build(#{{ dockerfile: {dockerfile}, context: {} }})",
            quote(&context.display().to_string())
        ),
        None => format!("build({dockerfile})"),
    };
    let _ = writeln!(out, "task({}, || {{\n    let img = {build};", quote(name));
    user(out, facts);
    labels(out, facts);
    healthcheck(out, facts);
    ports(out, facts);
    env(out, facts);
    let _ = writeln!(
        out,
        "    record({}, img.inspect().size);\n}});",
        quote(&format!("{name} size"))
    );
}

fn user(out: &mut String, facts: &Facts) {
    let check = "check(\"does not run as root\", || {\n    \
        let user = img.inspect().user;\n    \
        let name = user.split(\":\")[0];\n    \
        assert(name != \"\" && name != \"root\" && name != \"0\", `runs as \"${user}\"`);\n\
        });";
    if facts.runs_as_root() {
        let why = match &facts.user {
            Some(user) => format!("Its final stage sets USER {user}: the image runs as root."),
            None => "Its final stage sets no USER: the image runs as root.".to_owned(),
        };
        note(
            out,
            &format!("{why} A hardened image runs as a non-root user: add one (USER app), then enable this check."),
        );
        commented(out, check);
    } else if let Some(user) = &facts.user {
        let _ = writeln!(
            out,
            "    check({}, || assert_eq(img.inspect().user, {}));",
            quote(&format!("runs as USER {user}, not root")),
            quote(user)
        );
    }
}

fn labels(out: &mut String, facts: &Facts) {
    let oci: Vec<&str> = facts
        .labels
        .iter()
        .map(|(key, _)| key.as_str())
        .filter(|key| key.starts_with("org.opencontainers.image."))
        .collect();
    if oci.is_empty() {
        note(
            out,
            "It sets no OCI label (org.opencontainers.image.*). A release image says where it comes from: add LABELs, then enable this check.",
        );
        let keys: Vec<String> = OCI_LABELS
            .iter()
            .map(|key| quote(&format!("org.opencontainers.image.{key}")))
            .collect();
        commented(
            out,
            &format!(
                "check(\"carries the OCI labels\", || {{\n    \
                 let labels = img.inspect().labels;\n    \
                 for key in {} {{\n        assert_contains(labels, key);\n    }}\n}});",
                array(&keys, "    ")
            ),
        );
        return;
    }
    let keys: Vec<String> = oci.iter().map(|key| quote(key)).collect();
    let _ = writeln!(
        out,
        "    check(\"carries the OCI labels\", || {{\n        \
         let labels = img.inspect().labels;\n        \
         for key in {} {{\n            assert_contains(labels, key);\n        }}\n    }});",
        array(&keys, "        ")
    );
}

fn healthcheck(out: &mut String, facts: &Facts) {
    let check = "check(\"has a HEALTHCHECK\", || assert(img.inspect().healthcheck != (), \"the image has no healthcheck\"));";
    if facts.healthcheck {
        let _ = writeln!(out, "    {check}");
    } else {
        note(
            out,
            "It has no HEALTHCHECK. A service image tells the engine how to see it is healthy: add one, then enable this check.",
        );
        commented(out, check);
    }
}

fn ports(out: &mut String, facts: &Facts) {
    if facts.ports.is_empty() {
        return;
    }
    let ports: Vec<String> = facts.ports.iter().map(|p| quote(p)).collect();
    let _ = writeln!(
        out,
        "    check({}, || {{\n        \
         let ports = img.inspect().exposed_ports;\n        \
         for port in {} {{\n            assert_contains(ports, port);\n        }}\n    }});",
        quote(&format!("exposes {}", facts.ports.join(", "))),
        array(&ports, "        ")
    );
}

fn env(out: &mut String, facts: &Facts) {
    if facts.env.is_empty() {
        return;
    }
    let mut body = String::from("        let env = img.inspect().env;\n");
    for (key, value) in &facts.env {
        // A value with a variable in it is what the build made of it.
        let line = if value.contains('$') {
            format!("        assert_contains(env, {});\n", quote(key))
        } else {
            format!(
                "        assert_eq(env[{}], {});\n",
                quote(key),
                quote(value)
            )
        };
        body.push_str(&line);
    }
    let _ = writeln!(
        out,
        "    check(\"ENV as the Dockerfile sets it\", || {{\n{body}    }});"
    );
}

fn note(out: &mut String, text: &str) {
    let mut line = String::from("    //");
    for word in text.split_whitespace() {
        if line.len() + word.len() > 78 && line.len() > 6 {
            let _ = writeln!(out, "{line}");
            line = String::from("    //");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

fn commented(out: &mut String, code: &str) {
    for line in code.lines() {
        let _ = writeln!(out, "    // {line}");
    }
}

/// An array literal of `items` (already literals): on one line when it is
/// short, else one item a line at `indent` (the loop's own indentation).
fn array(items: &[String], indent: &str) -> String {
    let inline = items.join(", ");
    if inline.len() <= 60 {
        return format!("[{inline}]");
    }
    let mut out = String::from("[\n");
    for item in items {
        let _ = writeln!(out, "{indent}    {item},");
    }
    out.push_str(indent);
    out.push(']');
    out
}

/// A Rhai string literal of `text`.
fn quote(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_for_rhai() {
        assert_eq!(quote(r#"say "hi" \ now"#), r#""say \"hi\" \\ now""#);
    }
}
