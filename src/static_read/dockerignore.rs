//! `.dockerignore` handling that reproduces what Docker itself does.
//!
//! This is deliberately *not* gitignore. It follows three pieces of Docker's Go
//! code:
//!
//! * `ignorefile.ReadAll` (moby/patternmatcher, formerly buildkit's
//!   `dockerignore.ReadAll`) for reading the file: a line whose very first
//!   character is `#` is a comment, lines are trimmed, blank lines are skipped,
//!   a leading `!` marks an exception, the rest is cleaned like Go's
//!   `filepath.Clean` and a leading `/` is dropped.
//! * `patternmatcher.New` / `Pattern.compile` / `MatchesOrParentMatches` for
//!   matching: Go `filepath.Match` syntax extended with `**`, a pattern matches
//!   a path when it matches the path itself or one of its parent directories,
//!   and the last matching pattern wins.
//! * The walk in moby's `pkg/archive` `Tarballer` (what `docker build` uses to
//!   tar a local context): `MatchesUsingParentResults` while walking, and the
//!   prefix test that decides whether an excluded directory must still be
//!   entered because an exception may re-include something below it.
//!
//! Known, deliberate differences from Go (all in patterns nobody writes on
//! purpose, where Docker's translation to a regular expression misbehaves):
//! a backslash escape always means the literal next character (Go's regexp
//! would read `\d` as "a digit"), `*` or `?` inside `[...]` are literal
//! characters, and `^` outside a class is a literal character.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::input_file::{self, InputError};

/// A `.dockerignore` that could not be read or holds a pattern Docker rejects.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    /// A pattern Docker would refuse (`filepath.ErrBadPattern`, or a lone `!`).
    #[error(".dockerignore line {line}: bad pattern `{pattern}`: {reason}")]
    BadPattern {
        /// 1-based line number in the `.dockerignore`.
        line: usize,
        /// The line as written (trimmed).
        pattern: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The `.dockerignore` exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// How one pattern matches, mirroring the `matchType` of moby/patternmatcher.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// No wildcard at all: the path must equal the pattern.
    Exact(String),
    /// `foo**`: the path must start with `foo`.
    Prefix(String),
    /// `**` followed by no wildcard: the path must end with the rest
    /// (or, for `**/foo`, be exactly `foo`).
    Suffix(String),
    /// Anything else: what Go turns into an anchored regular expression.
    Glob(Vec<Tok>),
}

/// One element of a compiled glob (the regular expression Go builds).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A literal character.
    Lit(char),
    /// `*`: any run of characters other than `/` (regexp `[^/]*`).
    Star,
    /// `?`: one character other than `/` (regexp `[^/]`).
    Quest,
    /// `[...]` / `[^...]`: one character in (or not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `**` (optionally followed by `/`) inside a pattern: regexp `(.*/)?`,
    /// i.e. zero or more whole directories.
    DirStar,
    /// `**` at the very end of a pattern that is not a plain prefix: regexp `.*`.
    AnyTail,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern without its `!` (Go's `Pattern.String()`).
    text: String,
    /// True for an exception (`!pattern`): a match re-includes the path.
    exception: bool,
    matcher: Matcher,
}

/// Per-pattern results for a directory, carried to its children while
/// walking (Go's `patternmatcher.MatchInfo`). The default value means
/// "nothing known about the parent", as for entries at the context root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchInfo {
    parent_matched: Vec<bool>,
}

/// The patterns of a `.dockerignore`, matched the way Docker matches them.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

impl DockerIgnore {
    /// Parse the text of a `.dockerignore`.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let mut patterns = Vec::new();
        for (index, raw_line) in split_lines(text).enumerate() {
            let line = index + 1;
            let mut raw = raw_line;
            if index == 0 {
                raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
            }
            // ReadAll: a comment is a line whose *first* character is '#',
            // before any trimming ("  # x" is a pattern).
            if raw.starts_with('#') {
                continue;
            }
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            let bad = |reason| PatternError::BadPattern {
                line,
                pattern: trimmed.to_string(),
                reason,
            };
            let read_all = normalize_read_all(trimmed);
            if let Some(pattern) = new_pattern(&read_all).map_err(bad)? {
                patterns.push(pattern);
            }
        }
        Ok(Self { patterns })
    }

    /// Read `<context_dir>/.dockerignore`; no file means no patterns.
    pub fn read(context_dir: &Path) -> Result<Self, PatternError> {
        let path = context_dir.join(".dockerignore");
        match input_file::read_text(&path, input_file::MAX_READ_BYTES) {
            Ok(text) => Self::parse(&text),
            Err(InputError::Missing(_)) => Ok(Self::empty()),
            Err(InputError::Io(source)) => Err(PatternError::Io { path, source }),
            Err(other) => Err(PatternError::Io {
                path,
                source: io::Error::other(other.to_string()),
            }),
        }
    }

    /// A matcher without patterns: nothing is excluded.
    pub fn empty() -> Self {
        Self::default()
    }

    /// True when there is no pattern at all.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Append an exception for exactly `rel_path`, as the docker CLI appends
    /// `!.dockerignore` and `!<Dockerfile>`. Unlike the CLI the path is taken
    /// literally, so a Dockerfile named `a[1]` is kept too.
    pub fn keep(&mut self, rel_path: &str) {
        let cleaned = clean_relative(rel_path);
        if cleaned == "." || cleaned.is_empty() {
            return;
        }
        self.patterns.push(Pattern {
            text: cleaned.clone(),
            exception: true,
            matcher: Matcher::Exact(cleaned),
        });
    }

    /// Whether `rel_path` (slash-separated, relative to the context root) is
    /// excluded: Docker's `MatchesOrParentMatches`. The root itself is never
    /// excluded.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        let file = clean_relative(rel_path);
        if file == "." {
            return false;
        }
        let mut matched = false;
        for pattern in &self.patterns {
            // Only patterns that can change the outcome need evaluating.
            if pattern.exception != matched {
                continue;
            }
            let hit =
                pattern.matches(&file) || parent_dirs(&file).any(|parent| pattern.matches(parent));
            if hit {
                matched = !pattern.exception;
            }
        }
        matched
    }

    /// Docker's `MatchesUsingParentResults`, which is what its context walk
    /// actually uses: patterns that matched the parent directory count as
    /// matching, the others are tried on `rel_path` alone. Pass
    /// `MatchInfo::default()` for entries at the root (or when the parent is
    /// unknown), and the returned info to the entry's children.
    ///
    /// This differs from [`is_excluded`](Self::is_excluded) in one corner,
    /// exactly as in Docker: a pattern skipped for the parent (because it could
    /// not change the parent's result) is not remembered as matching it.
    pub fn is_excluded_with_parent(&self, rel_path: &str, parent: &MatchInfo) -> (bool, MatchInfo) {
        let file = clean_relative(rel_path);
        let known = parent.parent_matched.len() == self.patterns.len();
        let mut info = MatchInfo {
            parent_matched: vec![false; self.patterns.len()],
        };
        if file == "." {
            return (false, info);
        }
        let mut matched = false;
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = known && parent.parent_matched[i];
            if !hit {
                if pattern.exception != matched {
                    continue;
                }
                hit = pattern.matches(&file);
                if !hit && !known {
                    hit = parent_dirs(&file).any(|p| pattern.matches(p));
                }
            }
            info.parent_matched[i] = hit;
            if hit {
                matched = !pattern.exception;
            }
        }
        (matched, info)
    }

    /// Whether an exception pattern could re-include something below the
    /// directory `rel_dir`. When this is false an excluded directory is skipped
    /// without being read, as Docker does.
    ///
    /// Docker's test is purely textual: an exception counts only when
    /// `<exception>/` starts with `<rel_dir>/`. So `!build/keep.txt` rescues
    /// `build/keep.txt` from an excluded `build`, but `!*/keep.txt` or
    /// `!**/keep.txt` do not.
    pub fn may_include_below(&self, rel_dir: &str) -> bool {
        let dir = clean_relative(rel_dir);
        let dir_slash = format!("{dir}/");
        self.patterns
            .iter()
            .filter(|p| p.exception)
            .any(|p| format!("{}/", p.text).starts_with(&dir_slash))
    }
}

impl fmt::Display for DockerIgnore {
    /// One pattern per line, as Docker holds them after reading.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.patterns {
            writeln!(f, "{}{}", if p.exception { "!" } else { "" }, p.text)?;
        }
        Ok(())
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact(text) => path == text,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|bare| path == bare)
            }
            Matcher::Glob(toks) => glob_matches(toks, path),
        }
    }
}

/// Lines as Go's `bufio.ScanLines` yields them: split on `\n`, one trailing
/// `\r` dropped, no empty last line after a final newline.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive('\n').map(|l| {
        let l = l.strip_suffix('\n').unwrap_or(l);
        l.strip_suffix('\r').unwrap_or(l)
    })
}

/// What `ignorefile.ReadAll` turns one trimmed, non-comment line into.
fn normalize_read_all(trimmed: &str) -> String {
    let (invert, body) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut body = body.to_string();
    if !body.is_empty() {
        body = go_clean(&body);
        if body.len() > 1 && body.starts_with('/') {
            body.remove(0);
        }
    }
    if invert {
        format!("!{body}")
    } else {
        body
    }
}

/// What `patternmatcher.New` does with one string from `ReadAll`.
fn new_pattern(raw: &str) -> Result<Option<Pattern>, &'static str> {
    let p = raw.trim();
    if p.is_empty() {
        return Ok(None);
    }
    // New cleans the whole string again, '!' included ("!/" becomes "!").
    let p = go_clean(p);
    let (exception, text) = match p.strip_prefix('!') {
        Some("") => return Err("illegal exclusion pattern \"!\""),
        Some(rest) => (true, rest.to_string()),
        None => (false, p),
    };
    validate_go_match(&text)?;
    let matcher = compile(&text)?;
    Ok(Some(Pattern {
        text,
        exception,
        matcher,
    }))
}

/// The syntax check of Go's `filepath.Match` (Unix rules): a trailing `\`,
/// an unterminated or empty `[...]`, or a range with a missing end is bad.
fn validate_go_match(pattern: &str) -> Result<(), &'static str> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 >= chars.len() {
                    return Err("trailing backslash");
                }
                i += 2;
            }
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                let mut ranges = 0;
                loop {
                    if chars.get(i) == Some(&']') && ranges > 0 {
                        i += 1;
                        break;
                    }
                    class_char(&chars, &mut i)?;
                    if chars.get(i) == Some(&'-') {
                        i += 1;
                        class_char(&chars, &mut i)?;
                    }
                    ranges += 1;
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Go's `getEsc`: one (possibly escaped) character of a class, which must be
/// followed by something.
fn class_char(chars: &[char], i: &mut usize) -> Result<char, &'static str> {
    match chars.get(*i) {
        None => return Err("unterminated character class"),
        Some('-') | Some(']') => return Err("misplaced `-` or `]` in character class"),
        Some('\\') => *i += 1,
        Some(_) => {}
    }
    let c = *chars.get(*i).ok_or("unterminated character class")?;
    *i += 1;
    if *i >= chars.len() {
        return Err("unterminated character class");
    }
    Ok(c)
}

/// Go's `Pattern.compile`, producing tokens instead of a regexp string.
fn compile(text: &str) -> Result<Matcher, &'static str> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Glob,
    }
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut kind = Kind::Exact;
    let mut pos = 0;
    let mut iteration = 0;
    while pos < chars.len() {
        let ch = chars[pos];
        pos += 1;
        match ch {
            '*' if chars.get(pos) == Some(&'*') => {
                pos += 1;
                // "**/" is treated as "**".
                if chars.get(pos) == Some(&'/') {
                    pos += 1;
                }
                if pos == chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        toks.push(Tok::AnyTail);
                        kind = Kind::Glob;
                    }
                } else {
                    toks.push(Tok::DirStar);
                    kind = Kind::Glob;
                }
                if iteration == 0 {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                toks.push(Tok::Star);
                kind = Kind::Glob;
            }
            '?' => {
                toks.push(Tok::Quest);
                kind = Kind::Glob;
            }
            '\\' => {
                if let Some(&next) = chars.get(pos) {
                    pos += 1;
                    toks.push(Tok::Lit(next));
                    kind = Kind::Glob;
                } else {
                    toks.push(Tok::Lit('\\'));
                }
            }
            '[' => {
                let mut negated = false;
                if chars.get(pos) == Some(&'^') {
                    negated = true;
                    pos += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    if chars.get(pos) == Some(&']') && !ranges.is_empty() {
                        pos += 1;
                        break;
                    }
                    let lo = class_char(&chars, &mut pos)?;
                    let mut hi = lo;
                    if chars.get(pos) == Some(&'-') {
                        pos += 1;
                        hi = class_char(&chars, &mut pos)?;
                    }
                    if hi < lo {
                        // Go's regexp refuses this when matching, which makes
                        // the whole build fail; refuse it up front.
                        return Err("invalid character class range");
                    }
                    ranges.push((lo, hi));
                }
                toks.push(Tok::Class { negated, ranges });
                kind = Kind::Glob;
            }
            ']' => {
                toks.push(Tok::Lit(']'));
                kind = Kind::Glob;
            }
            other => toks.push(Tok::Lit(other)),
        }
        iteration += 1;
    }
    Ok(match kind {
        Kind::Exact => Matcher::Exact(text.to_string()),
        // Strip the trailing "**".
        Kind::Prefix => Matcher::Prefix(text[..text.len() - 2].to_string()),
        // Strip the leading "**".
        Kind::Suffix => Matcher::Suffix(text[2..].to_string()),
        Kind::Glob => Matcher::Glob(toks),
    })
}

/// Anchored match of a compiled glob against the whole path, by tracking the
/// set of reachable positions (no exponential backtracking).
fn glob_matches(toks: &[Tok], path: &str) -> bool {
    let chars: Vec<char> = path.chars().collect();
    let n = chars.len();
    let mut states = vec![false; n + 1];
    states[0] = true;
    for tok in toks {
        let mut next = vec![false; n + 1];
        for pos in (0..=n).filter(|&p| states[p]) {
            match tok {
                Tok::Lit(c) => {
                    if chars.get(pos) == Some(c) {
                        next[pos + 1] = true;
                    }
                }
                Tok::Quest => {
                    if chars.get(pos).is_some_and(|&c| c != '/') {
                        next[pos + 1] = true;
                    }
                }
                Tok::Class { negated, ranges } => {
                    if let Some(&c) = chars.get(pos) {
                        let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                        if inside != *negated {
                            next[pos + 1] = true;
                        }
                    }
                }
                Tok::Star => {
                    next[pos] = true;
                    let mut end = pos;
                    while end < n && chars[end] != '/' {
                        end += 1;
                        next[end] = true;
                    }
                }
                Tok::DirStar => {
                    // (.*/)? -- Go's '.' does not match a newline.
                    next[pos] = true;
                    for (j, &c) in chars.iter().enumerate().skip(pos) {
                        if c == '\n' {
                            break;
                        }
                        if c == '/' {
                            next[j + 1] = true;
                        }
                    }
                }
                Tok::AnyTail => {
                    next[pos] = true;
                    for (j, &c) in chars.iter().enumerate().skip(pos) {
                        if c == '\n' {
                            break;
                        }
                        next[j + 1] = true;
                    }
                }
            }
        }
        if !next.iter().any(|&s| s) {
            return false;
        }
        states = next;
    }
    states[n]
}

/// The parent directories of a clean relative path, shortest first
/// (`a/b/c` gives `a`, `a/b`).
fn parent_dirs(file: &str) -> impl Iterator<Item = &str> {
    file.match_indices('/').map(move |(i, _)| &file[..i])
}

/// A path as Docker matches it: `filepath.Clean`, without a leading `/`.
fn clean_relative(path: &str) -> String {
    let cleaned = go_clean(path);
    match cleaned.strip_prefix('/') {
        Some("") => ".".to_string(),
        Some(rest) => rest.to_string(),
        None => cleaned,
    }
}

/// Go's `path/filepath.Clean` for `/`-separated paths.
pub(crate) fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        match DockerIgnore::parse(text) {
            Ok(d) => d,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    fn excluded(text: &str, path: &str) -> bool {
        ignore(text).is_excluded(path)
    }

    fn bad_line(text: &str) -> usize {
        match DockerIgnore::parse(text) {
            Err(PatternError::BadPattern { line, .. }) => line,
            other => panic!("expected a bad pattern, got {other:?}"),
        }
    }

    // --- reading the file -------------------------------------------------

    #[test]
    fn empty_file_excludes_nothing() {
        assert!(ignore("").is_empty());
        assert!(!excluded("", "anything"));
        assert!(!DockerIgnore::empty().is_excluded("a/b"));
    }

    #[test]
    fn comment_lines_are_skipped() {
        let d = ignore("# a comment\nfoo\n#bar");
        assert_eq!(d.to_string(), "foo\n");
        assert!(!d.is_excluded("bar"));
    }

    #[test]
    fn hash_after_leading_space_is_a_pattern_not_a_comment() {
        // ReadAll checks for '#' before trimming.
        let d = ignore("  # not a comment");
        assert_eq!(d.to_string(), "# not a comment\n");
        assert!(d.is_excluded("# not a comment"));
    }

    #[test]
    fn blank_and_whitespace_lines_are_skipped() {
        let d = ignore("\n   \n\t\nfoo\n\n");
        assert_eq!(d.to_string(), "foo\n");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert!(excluded("   foo.txt   \n", "foo.txt"));
    }

    #[test]
    fn crlf_line_endings_are_accepted() {
        let d = ignore("foo\r\n!foo/keep\r\n");
        assert!(d.is_excluded("foo/x"));
        assert!(!d.is_excluded("foo/keep"));
    }

    #[test]
    fn utf8_bom_on_first_line_is_dropped() {
        assert!(excluded("\u{feff}foo", "foo"));
    }

    #[test]
    fn leading_slash_is_removed() {
        // "/foo/bar" and "foo/bar" are the same pattern.
        assert!(excluded("/foo/bar", "foo/bar"));
        assert_eq!(ignore("/foo/bar").to_string(), "foo/bar\n");
    }

    #[test]
    fn dot_slash_prefix_is_cleaned() {
        assert!(excluded("./foo", "foo"));
        assert_eq!(ignore("!./foo").to_string(), "!foo\n");
    }

    #[test]
    fn dot_dot_is_resolved() {
        let d = ignore("foo/../bar");
        assert_eq!(d.to_string(), "bar\n");
        assert!(d.is_excluded("bar"));
        assert!(!d.is_excluded("foo"));
    }

    #[test]
    fn double_slashes_collapse() {
        assert!(excluded("foo//bar", "foo/bar"));
    }

    #[test]
    fn trailing_slash_is_dropped_so_files_match_too() {
        // Unlike gitignore, "foo/" also matches a file named foo.
        assert!(excluded("foo/", "foo"));
        assert!(excluded("foo/", "foo/x"));
    }

    #[test]
    fn lone_dot_pattern_matches_nothing() {
        let d = ignore(".\n./\n");
        assert!(!d.is_excluded("a"));
        assert!(!d.is_excluded("a/b"));
        assert!(!d.is_excluded("."));
    }

    #[test]
    fn lone_slash_pattern_matches_nothing() {
        assert!(!excluded("/", "a"));
    }

    #[test]
    fn leading_dot_dot_pattern_matches_nothing_inside_context() {
        assert!(!excluded("../foo", "foo"));
    }

    #[test]
    fn exception_whitespace_after_bang_is_trimmed() {
        let d = ignore("*.txt\n!  keep.txt");
        assert!(!d.is_excluded("keep.txt"));
        assert!(d.is_excluded("other.txt"));
    }

    #[test]
    fn lone_bang_is_an_error_with_line_number() {
        assert_eq!(bad_line("foo\n\n!\n"), 3);
        assert_eq!(bad_line("!/"), 1);
    }

    #[test]
    fn unclosed_bracket_is_an_error_naming_line_and_pattern() {
        match DockerIgnore::parse("# c\nok\n  foo[ab  \n") {
            Err(e @ PatternError::BadPattern { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("line 3"), "{msg}");
                assert!(msg.contains("foo[ab"), "{msg}");
            }
            other => panic!("expected error, got {other:?}"),
        }
    }

    #[test]
    fn empty_class_is_an_error() {
        assert_eq!(bad_line("a[]"), 1);
        assert_eq!(bad_line("a[]b]"), 1);
        assert_eq!(bad_line("a[^]"), 1);
    }

    #[test]
    fn dangling_range_is_an_error() {
        assert_eq!(bad_line("a[b-]"), 1);
        assert_eq!(bad_line("a[-b]"), 1);
    }

    #[test]
    fn reversed_range_is_an_error() {
        assert_eq!(bad_line("[z-a]"), 1);
    }

    #[test]
    fn trailing_backslash_is_an_error() {
        assert_eq!(bad_line("ok\nfoo\\"), 2);
    }

    #[test]
    fn read_without_file_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = DockerIgnore::read(dir.path()).expect("read");
        assert!(d.is_empty());
    }

    #[test]
    fn read_parses_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".dockerignore"), "*.log\n").expect("write");
        let d = DockerIgnore::read(dir.path()).expect("read");
        assert!(d.is_excluded("x.log"));
    }

    #[test]
    fn read_reports_bad_pattern_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".dockerignore"), "a\nb[\n").expect("write");
        assert!(matches!(
            DockerIgnore::read(dir.path()),
            Err(PatternError::BadPattern { line: 2, .. })
        ));
    }

    // --- matching: the examples of Docker's documentation -----------------

    #[test]
    fn doc_star_slash_temp_matches_one_level_down() {
        let d = ignore("*/temp*");
        assert!(d.is_excluded("somedir/temporary.txt"));
        assert!(d.is_excluded("somedir/temp"));
        assert!(d.is_excluded("somedir/temp/inner.txt"));
        assert!(!d.is_excluded("temp"));
        assert!(!d.is_excluded("a/b/temp"));
    }

    #[test]
    fn doc_star_star_temp_matches_two_levels_down() {
        let d = ignore("*/*/temp*");
        assert!(d.is_excluded("somedir/subdir/temporary.txt"));
        assert!(!d.is_excluded("somedir/temporary.txt"));
        assert!(!d.is_excluded("temporary.txt"));
    }

    #[test]
    fn doc_question_mark_matches_one_character() {
        let d = ignore("temp?");
        assert!(d.is_excluded("tempa"));
        assert!(d.is_excluded("tempb"));
        assert!(!d.is_excluded("temp"));
        assert!(!d.is_excluded("tempab"));
        assert!(!d.is_excluded("dir/tempa"));
    }

    #[test]
    fn doc_double_star_go_matches_anywhere_including_root() {
        let d = ignore("**/*.go");
        assert!(d.is_excluded("main.go"));
        assert!(d.is_excluded("a/main.go"));
        assert!(d.is_excluded("a/b/c/main.go"));
        assert!(!d.is_excluded("main.go.txt"));
    }

    #[test]
    fn doc_markdown_exception_then_secret_readme() {
        let d = ignore("*.md\n!README*.md\nREADME-secret.md");
        assert!(d.is_excluded("CHANGES.md"));
        assert!(!d.is_excluded("README.md"));
        assert!(!d.is_excluded("README-public.md"));
        assert!(d.is_excluded("README-secret.md"));
    }

    #[test]
    fn doc_last_match_wins_when_exception_comes_last() {
        let d = ignore("*.md\nREADME-secret.md\n!README*.md");
        assert!(d.is_excluded("CHANGES.md"));
        assert!(!d.is_excluded("README-secret.md"));
        assert!(!d.is_excluded("README.md"));
    }

    #[test]
    fn doc_leading_slash_and_plain_path_are_equivalent() {
        for text in ["/foo/bar", "foo/bar"] {
            let d = ignore(text);
            assert!(d.is_excluded("foo/bar"), "{text}");
            assert!(d.is_excluded("foo/bar/baz"), "{text}");
            assert!(!d.is_excluded("x/foo/bar"), "{text}");
        }
    }

    // --- matching rules ------------------------------------------------------

    #[test]
    fn star_does_not_cross_directories() {
        let d = ignore("*.md");
        assert!(d.is_excluded("README.md"));
        assert!(!d.is_excluded("docs/README.md"));
    }

    #[test]
    fn directory_exclusion_covers_children() {
        let d = ignore("docs");
        assert!(d.is_excluded("docs"));
        assert!(d.is_excluded("docs/a/b.txt"));
        assert!(!d.is_excluded("docs2"));
        assert!(!d.is_excluded("src/docs"));
    }

    #[test]
    fn wildcard_matching_a_parent_excludes_children() {
        let d = ignore("*/node_modules");
        assert!(d.is_excluded("web/node_modules/x/index.js"));
        assert!(!d.is_excluded("node_modules/x"));
    }

    #[test]
    fn exception_inside_excluded_directory() {
        let d = ignore("docs\n!docs/keep.md");
        assert!(d.is_excluded("docs/other.md"));
        assert!(!d.is_excluded("docs/keep.md"));
        assert!(d.is_excluded("docs"));
    }

    #[test]
    fn exception_before_exclusion_is_overridden() {
        let d = ignore("!keep.txt\n*.txt");
        assert!(d.is_excluded("keep.txt"));
    }

    #[test]
    fn exception_of_a_directory_reincludes_its_children() {
        let d = ignore("*\n!src");
        assert!(!d.is_excluded("src/main.rs"));
        assert!(d.is_excluded("target/debug"));
    }

    #[test]
    fn root_is_never_excluded() {
        let d = ignore("*\n**");
        assert!(!d.is_excluded(""));
        assert!(!d.is_excluded("."));
        assert!(d.is_excluded("anything"));
    }

    #[test]
    fn double_star_alone_matches_everything() {
        let d = ignore("**");
        assert!(d.is_excluded("a"));
        assert!(d.is_excluded("a/b/c"));
    }

    #[test]
    fn trailing_double_star_matches_everything_below() {
        let d = ignore("foo/**");
        assert!(d.is_excluded("foo/a"));
        assert!(d.is_excluded("foo/a/b"));
        assert!(!d.is_excluded("foo"));
        assert!(!d.is_excluded("foobar"));
    }

    #[test]
    fn double_star_in_the_middle_matches_zero_or_more_directories() {
        let d = ignore("a/**/b");
        assert!(d.is_excluded("a/b"));
        assert!(d.is_excluded("a/x/b"));
        assert!(d.is_excluded("a/x/y/b"));
        assert!(d.is_excluded("a/x/y/b/child"));
        assert!(!d.is_excluded("a/xb"));
    }

    #[test]
    fn leading_double_star_slash_name_matches_at_any_depth() {
        let d = ignore("**/target");
        assert!(d.is_excluded("target"));
        assert!(d.is_excluded("crates/x/target"));
        assert!(d.is_excluded("crates/x/target/debug/app"));
        assert!(!d.is_excluded("mytarget"));
    }

    #[test]
    fn double_star_glued_to_a_suffix_is_a_plain_suffix_match() {
        // Go compiles "**.go" to a suffix test, so "main.go" matches too.
        let d = ignore("**.go");
        assert!(d.is_excluded("main.go"));
        assert!(d.is_excluded("a/b/main.go"));
    }

    #[test]
    fn double_star_glued_in_the_middle_needs_a_slash() {
        // Go's regexp for "a**b" is ^a(.*/)?b$.
        let d = ignore("a**b");
        assert!(d.is_excluded("ab"));
        assert!(d.is_excluded("ax/b"));
        assert!(!d.is_excluded("axb"));
    }

    #[test]
    fn prefix_double_star_matches_any_continuation() {
        let d = ignore("build**");
        assert!(d.is_excluded("build"));
        assert!(d.is_excluded("buildx"));
        assert!(d.is_excluded("build/out"));
    }

    #[test]
    fn character_class_and_negation() {
        let d = ignore("file[0-9].txt\nlog[^a].txt");
        assert!(d.is_excluded("file3.txt"));
        assert!(!d.is_excluded("filex.txt"));
        assert!(d.is_excluded("logb.txt"));
        assert!(!d.is_excluded("loga.txt"));
    }

    #[test]
    fn bang_inside_class_is_not_negation() {
        // Go's filepath.Match only knows '^'.
        let d = ignore("x[!a]");
        assert!(d.is_excluded("x!"));
        assert!(d.is_excluded("xa"));
        assert!(!d.is_excluded("xb"));
    }

    #[test]
    fn backslash_escapes_a_wildcard() {
        let d = ignore("a\\*b");
        assert!(d.is_excluded("a*b"));
        assert!(!d.is_excluded("axb"));
    }

    #[test]
    fn regex_special_characters_are_literal() {
        let d = ignore("a.b+c(d)|{e}$\nf.*");
        assert!(d.is_excluded("a.b+c(d)|{e}$"));
        assert!(d.is_excluded("f.x"));
        assert!(!d.is_excluded("fxx"));
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert!(!excluded("readme.md", "README.md"));
    }

    #[test]
    fn unicode_question_mark_matches_one_character() {
        assert!(excluded("caf?", "café"));
    }

    #[test]
    fn input_paths_are_cleaned() {
        let d = ignore("docs");
        assert!(d.is_excluded("./docs/a"));
        assert!(d.is_excluded("/docs//a"));
    }

    #[test]
    fn keep_reincludes_an_excluded_file() {
        let mut d = ignore("Dockerfile\n.dockerignore\nbuild");
        d.keep("Dockerfile");
        d.keep(".dockerignore");
        d.keep("build/Dockerfile.prod");
        assert!(!d.is_excluded("Dockerfile"));
        assert!(!d.is_excluded(".dockerignore"));
        assert!(!d.is_excluded("build/Dockerfile.prod"));
        assert!(d.is_excluded("build/other"));
        assert!(d.may_include_below("build"));
    }

    #[test]
    fn keep_takes_the_path_literally() {
        let mut d = ignore("*");
        d.keep("a[1]/Dockerfile");
        assert!(!d.is_excluded("a[1]/Dockerfile"));
        assert!(d.is_excluded("a1/Dockerfile"));
        assert!(d.may_include_below("a[1]"));
    }

    // --- walking decisions -----------------------------------------------------

    #[test]
    fn no_exceptions_means_excluded_dirs_are_skipped() {
        let d = ignore("docs");
        assert!(!d.may_include_below("docs"));
    }

    #[test]
    fn literal_exception_below_dir_forces_descent() {
        let d = ignore("docs\n!docs/a/keep.md");
        assert!(d.may_include_below("docs"));
        assert!(d.may_include_below("docs/a"));
        assert!(!d.may_include_below("docs/b"));
        assert!(!d.may_include_below("doc"));
    }

    #[test]
    fn wildcard_exception_does_not_force_descent() {
        // Docker's test is a textual prefix check: "*/keep.txt/" does not
        // start with "build/", so an excluded "build" is never entered even
        // though "build/keep.txt" itself is not excluded by the patterns.
        let d = ignore("build\n!*/keep.txt");
        assert!(!d.is_excluded("build/keep.txt"));
        assert!(!d.may_include_below("build"));
    }

    #[test]
    fn walk_matching_agrees_with_is_excluded_in_common_cases() {
        let d = ignore("docs\n!docs/keep.md\n*.log");
        let (dir, info) = d.is_excluded_with_parent("docs", &MatchInfo::default());
        assert!(dir);
        assert!(!d.is_excluded_with_parent("docs/keep.md", &info).0);
        assert!(d.is_excluded_with_parent("docs/other.md", &info).0);
        let (top, _) = d.is_excluded_with_parent("x.log", &MatchInfo::default());
        assert!(top);
    }

    #[test]
    fn walk_matching_forgets_patterns_skipped_for_the_parent() {
        // Docker's MatchesUsingParentResults: "!a" is not evaluated for the
        // directory "a" (it could not change its result), so it is not
        // remembered, and for "a/x" it is tried against "a/x" alone.
        let d = ignore("a/x\n!a");
        assert!(!d.is_excluded("a/x"));
        let (dir, info) = d.is_excluded_with_parent("a", &MatchInfo::default());
        assert!(!dir);
        assert!(d.is_excluded_with_parent("a/x", &info).0);
    }

    #[test]
    fn go_clean_matches_go() {
        assert_eq!(go_clean(""), ".");
        assert_eq!(go_clean("a//b/./c/.."), "a/b");
        assert_eq!(go_clean("/../a"), "/a");
        assert_eq!(go_clean("../../a"), "../../a");
        assert_eq!(go_clean("a/../.."), "..");
        assert_eq!(go_clean("/"), "/");
        assert_eq!(go_clean("!/"), "!");
    }
}
