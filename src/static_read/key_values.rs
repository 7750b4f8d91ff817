//! The `KEY=VALUE` pairs of an `ENV` or `LABEL` instruction, as Docker
//! reads them: words split at blanks outside quotes, quotes removed,
//! backslash escapes applied; or the legacy form `ENV KEY value words`.

/// The pairs `args` (an instruction's text after its keyword) sets, in
/// order.
pub fn key_values(args: &str) -> Vec<(String, String)> {
    let args = args.trim();
    let first = words(args).into_iter().next().unwrap_or_default();
    if !first.contains('=') {
        // Legacy form: the first word is the key, the rest the value.
        let (key, value) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        return if key.is_empty() {
            Vec::new()
        } else {
            vec![(key.to_owned(), value.trim().to_owned())]
        };
    }
    words(args)
        .into_iter()
        .filter_map(|word| {
            word.split_once('=')
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
        })
        .filter(|(key, _)| !key.is_empty())
        .collect()
}

/// Blank-separated words, quotes removed: `"…"` keeps blanks and takes
/// backslash escapes, `'…'` keeps everything as written.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(args: &str) -> Vec<(String, String)> {
        key_values(args)
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn pairs_with_quotes_and_escapes() {
        assert_eq!(
            pairs(r#"a=1 b="two words" c='it''s' d=x\ y e="say \"hi\"""#),
            [
                kv("a", "1"),
                kv("b", "two words"),
                kv("c", "its"),
                kv("d", "x y"),
                kv("e", "say \"hi\"")
            ]
        );
    }

    #[test]
    fn continuation_lines_joined_by_the_reader_are_blanks() {
        assert_eq!(
            pairs("APP_DEVICE=cpu     APP_HOME=/opt/app"),
            [kv("APP_DEVICE", "cpu"), kv("APP_HOME", "/opt/app")]
        );
    }

    #[test]
    fn the_legacy_form_is_one_pair() {
        assert_eq!(
            pairs("GREETING hello  world"),
            [kv("GREETING", "hello  world")]
        );
        assert_eq!(pairs(""), []);
    }
}
