//! The workflow-command format: `::error file=…,line=…::message`, with
//! `%`, CR and LF escaped in the message, and `:` and `,` too in
//! properties (as @actions/core's `escapeData`/`escapeProperty` do).

/// Escapes a command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property's value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A workflow command: `::name key=value,…::message`.
pub fn command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let separator = if properties.is_empty() { "" } else { " " };
    format!(
        "::{name}{separator}{}::{}",
        properties.join(","),
        escape_data(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_escape_percent_and_line_breaks() {
        assert_eq!(escape_data("50%\r\nnext: a, b"), "50%25%0D%0Anext: a, b");
    }

    #[test]
    fn properties_escape_colons_and_commas_too() {
        assert_eq!(escape_property("a: b, c%"), "a%3A b%2C c%25");
    }

    #[test]
    fn a_command_joins_its_properties() {
        let line = command(
            "error",
            &[
                ("file", "x.rhai".into()),
                ("line", "3".into()),
                ("title", "t › c, d".into()),
            ],
            "expected \"a\"\ngot \"b\"",
        );
        assert_eq!(
            line,
            "::error file=x.rhai,line=3,title=t › c%2C d::expected \"a\"%0Agot \"b\""
        );
        assert_eq!(command("notice", &[], "hi"), "::notice::hi");
    }
}
