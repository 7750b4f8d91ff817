//! A Dockerfile read for diagnostics: every instruction with its line and
//! byte span, the stages the instructions form, and the classic builder's
//! step numbering ("Step 3/19 : ..." is `step(3)`).
//!
//! The parsing itself is done by `parse-dockerfile`, which validates the file
//! and finds every instruction. It copes with lower-case keywords, `ARG`
//! before the first `FROM`, `\` continuations with comment and blank lines
//! between them, the `# syntax=` and `# escape=` directives, CRLF line ends and
//! a UTF-8 byte-order mark. Where it falls short, this module works around it:
//!
//! * It recognises a `RUN` here-document only when `<<WORD` is the first word
//!   of the command, and only the first of several, so `RUN cat <<EOF > /f`,
//!   `RUN python3 <<EOF` and `RUN <<A <<B` fail with "unknown instruction" on
//!   the body. Before it parses, the bodies it would miss are found the way
//!   BuildKit finds them and masked, byte for byte, with comment lines, so
//!   every offset stays an offset into the real file.
//! * It has no span for a whole instruction, its spans are offsets into the
//!   text after a byte-order mark, and a trimmed value's span can end inside
//!   a multi-byte character. Instruction spans are therefore recomputed here
//!   from the keyword's start by joining the logical line as BuildKit does.
//! * Its errors carry a message, a line and a byte column only (no kind);
//!   they are turned into a labelled span and a hint here.
//! * It contains `debug_assert!`s, `unwrap`s and `unreachable!`s. None fired
//!   on 300 000 mutated Dockerfiles, but a panic inside it is caught anyway
//!   and reported as a parse error.
//!
//! Left as parse-dockerfile has them: duplicate stage names are compared
//! case-sensitively (Docker ignores case), and `ONBUILD RUN <<EOF` is read as
//! a here-document (BuildKit does not).

use super::input_file::{self, InputError};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use parse_dockerfile as pd;
use thiserror::Error;

const BOM: &str = "\u{feff}";
const DEFAULT_ESCAPE: char = '\\';
/// What BuildKit and parse-dockerfile count as blanks inside a line.
const BLANKS: [char; 5] = [' ', '\t', '\r', '\x0b', '\x0c'];

/// A parsed Dockerfile that keeps where each instruction is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    pub path: PathBuf,
    /// The full text, byte-order mark included; spans index into it.
    pub source: String,
    /// Every instruction in file order, global `ARG`s included.
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

/// One instruction as the builder sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword: `FROM`, `RUN`, `USER`, ...
    pub kind: String,
    /// The text after the keyword and its `--flags`, continuation lines
    /// joined as the classic builder prints them in "Step n/m : ..." (the
    /// escape character and the line break removed, comment lines dropped,
    /// nothing else touched), trimmed. Here-document bodies follow on their
    /// own lines, closing delimiters included.
    pub args: String,
    /// `--name=value` flags in order, e.g. `("from", "builder")`; a flag
    /// without `=` has an empty value.
    pub flags: Vec<(String, String)>,
    /// 1-based line of the keyword.
    pub line: usize,
    /// Bytes of `Dockerfile::source` from the keyword to the last character
    /// of the instruction (continuation lines and here-documents included,
    /// trailing blanks and newline excluded).
    pub span: Range<usize>,
    /// Index into `Dockerfile::stages`; `None` for `ARG`s before the first
    /// `FROM`.
    pub stage: Option<usize>,
}

/// A build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// The name after `AS`, as written.
    pub name: Option<String>,
    /// The image after `FROM`, unexpanded (`${BASE_IMAGE}` stays as is).
    pub base: String,
    pub from_line: usize,
    /// Indices into `Dockerfile::instructions`, the `FROM` included.
    pub instructions: Range<usize>,
}

impl Dockerfile {
    /// Reads and parses the file at `path`. Bytes that are not UTF-8 are
    /// replaced (U+FFFD), so the spans index the text as read.
    pub fn read(path: &Path) -> Result<Self, DockerfileError> {
        let source = input_file::read_text(path, input_file::MAX_READ_BYTES).map_err(|err| {
            DockerfileError::Read {
                path: path.to_path_buf(),
                source: match err {
                    InputError::Missing(source) | InputError::Io(source) => source,
                    other => std::io::Error::other(other.to_string()),
                },
            }
        })?;
        Self::parse(path, source)
    }

    /// Parses `source`; `path` only names the file in diagnostics.
    pub fn parse(path: &Path, source: String) -> Result<Self, DockerfileError> {
        let bom = if source.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let text = source.get(bom..).unwrap_or_default();
        let built = panic::catch_unwind(AssertUnwindSafe(|| build(text)))
            .unwrap_or_else(|_| Err(Problem::parser_panicked()));
        match built {
            Ok((mut instructions, stages)) => {
                for instruction in &mut instructions {
                    instruction.span = instruction.span.start + bom..instruction.span.end + bom;
                }
                Ok(Self {
                    path: path.to_path_buf(),
                    source,
                    instructions,
                    stages,
                })
            }
            Err(problem) => Err(problem.into_error(path, source, bom)),
        }
    }

    /// The instruction the classic builder announces as "Step `n`/m": it
    /// numbers every instruction in file order from 1, global `ARG`s
    /// included.
    pub fn step(&self, n: usize) -> Option<&Instruction> {
        n.checked_sub(1).and_then(|i| self.instructions.get(i))
    }

    /// A stage by name (case-insensitive, as Docker compares them) or by
    /// index, as `COPY --from=` accepts.
    pub fn stage(&self, name_or_index: &str) -> Option<&Stage> {
        self.named_stage(name_or_index).or_else(|| {
            name_or_index
                .parse::<usize>()
                .ok()
                .and_then(|i| self.stages.get(i))
        })
    }

    /// The last stage: what a build without `--target` produces.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage a build with `--target` ends at (the final stage when
    /// `None`). Docker accepts only a stage name here, not an index.
    pub fn target_stage(&self, target: Option<&str>) -> Option<&Stage> {
        match target {
            Some(name) => self.named_stage(name),
            None => self.final_stage(),
        }
    }

    /// The instructions of `stage` whose keyword is `kind` (any case).
    pub fn find<'a>(&'a self, stage: &Stage, kind: &str) -> Vec<&'a Instruction> {
        self.instructions
            .get(stage.instructions.clone())
            .unwrap_or_default()
            .iter()
            .filter(|instruction| instruction.kind.eq_ignore_ascii_case(kind))
            .collect()
    }

    /// The source text of an instruction, as written.
    pub fn text(&self, instruction: &Instruction) -> &str {
        self.source
            .get(instruction.span.clone())
            .unwrap_or_default()
    }

    fn named_stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|stage| {
            stage
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

/// A Dockerfile that cannot be used.
#[derive(Debug, Error, Diagnostic)]
pub enum DockerfileError {
    /// The file is not a valid Dockerfile (boxed: it carries the file).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(Box<DockerfileParseError>),

    #[error("Dockerfile {} cannot be read: {source}", path.display())]
    #[diagnostic(
        code(shakedown::dockerfile::read),
        help("check the path; it is taken relative to the directory shakedown runs in")
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where and why a Dockerfile does not parse.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(shakedown::dockerfile::parse), help("{help}"))]
pub struct DockerfileParseError {
    pub path: PathBuf,
    /// "Dockerfile PATH line N: what is wrong".
    pub message: String,
    /// 1-based line of the problem, when it has one.
    pub line: Option<usize>,
    pub help: String,
    pub label: String,
    #[source_code]
    pub src: NamedSource<String>,
    /// Byte span in `src` (the file's full text).
    #[label("{label}")]
    pub at: SourceSpan,
}

// -----------------------------------------------------------------------------
// Building the model

/// Parses `text` (no byte-order mark) into instructions and stages whose
/// spans are offsets into `text`.
fn build(text: &str) -> Result<(Vec<Instruction>, Vec<Stage>), Problem> {
    let lines = LineIndex::new(text);
    let (masked, heredoc_ends) = mask_heredocs(text, directive_escape(text))?;
    let parsed = pd::parse(&masked).map_err(|err| Problem::from_parser(text, &lines, &err))?;
    let escape = parsed
        .parser_directives
        .escape
        .as_ref()
        .map_or(DEFAULT_ESCAPE, |directive| directive.value.value);

    let mut instructions: Vec<Instruction> = Vec::with_capacity(parsed.instructions.len());
    let mut stages: Vec<Stage> = Vec::new();
    for parsed in &parsed.instructions {
        let previous_end = instructions.last().map_or(0, |i| i.span.end);
        let shape = shape(parsed).unwrap_or_else(|| unknown_shape(text, previous_end));

        let logical = join_logical(text, shape.start, escape);
        let mut end = logical.end;
        for &terminator in &shape.heredoc_terminators {
            end = end.max(line_content_end(text, terminator));
        }
        let masked_end = heredoc_ends.get(&shape.start).copied();
        if let Some(masked_end) = masked_end {
            end = end.max(masked_end);
        }
        let end = shape.start
            + text
                .get(shape.start..end)
                .unwrap_or_default()
                .trim_end()
                .len();

        let joined = join_logical(text, shape.args_from, escape);
        let mut args = joined.text.trim().to_owned();
        if !shape.heredoc_terminators.is_empty() || masked_end.is_some() {
            let body_start = next_line_start(text, joined.end);
            if let Some(body) = text.get(body_start..end).filter(|b| !b.is_empty()) {
                args.push('\n');
                args.push_str(&body.replace("\r\n", "\n"));
            }
        }

        let index = instructions.len();
        let line = lines.line_of(shape.start);
        if let pd::Instruction::From(from) = parsed {
            stages.push(Stage {
                index: stages.len(),
                name: from.as_.as_ref().map(|(_, name)| name.value.to_string()),
                base: from.image.value.to_string(),
                from_line: line,
                instructions: index..index,
            });
        }
        let stage = stages.len().checked_sub(1);
        if let Some(current) = stages.last_mut() {
            current.instructions.end = index + 1;
        }
        instructions.push(Instruction {
            kind: shape.kind,
            args,
            flags: shape.flags,
            line,
            span: shape.start..end,
            stage,
        });
    }
    Ok((instructions, stages))
}

/// What is needed of a parsed instruction, whatever its kind.
struct Shape {
    kind: String,
    /// Offset of the keyword.
    start: usize,
    /// Offset just after the keyword and its flags.
    args_from: usize,
    flags: Vec<(String, String)>,
    /// Offsets of the closing lines of the here-documents parse-dockerfile read.
    heredoc_terminators: Vec<usize>,
}

fn shape(instruction: &pd::Instruction<'_>) -> Option<Shape> {
    use pd::Instruction as I;
    let none: &[pd::Flag<'_>] = &[];
    let (kind, keyword, options) = match instruction {
        I::Add(i) => ("ADD", &i.add, &i.options[..]),
        I::Arg(i) => ("ARG", &i.arg, none),
        I::Cmd(i) => ("CMD", &i.cmd, none),
        I::Copy(i) => ("COPY", &i.copy, &i.options[..]),
        I::Entrypoint(i) => ("ENTRYPOINT", &i.entrypoint, none),
        I::Env(i) => ("ENV", &i.env, none),
        I::Expose(i) => ("EXPOSE", &i.expose, none),
        I::From(i) => ("FROM", &i.from, &i.options[..]),
        I::Healthcheck(i) => ("HEALTHCHECK", &i.healthcheck, &i.options[..]),
        I::Label(i) => ("LABEL", &i.label, none),
        I::Maintainer(i) => ("MAINTAINER", &i.maintainer, none),
        I::Onbuild(i) => ("ONBUILD", &i.onbuild, none),
        I::Run(i) => ("RUN", &i.run, &i.options[..]),
        I::Shell(i) => ("SHELL", &i.shell, none),
        I::Stopsignal(i) => ("STOPSIGNAL", &i.stopsignal, none),
        I::User(i) => ("USER", &i.user, none),
        I::Volume(i) => ("VOLUME", &i.volume, none),
        I::Workdir(i) => ("WORKDIR", &i.workdir, none),
        _ => return None,
    };
    let flags = options
        .iter()
        .map(|flag| {
            let value = flag.value.as_ref().map(|v| v.value.to_string());
            (flag.name.value.to_string(), value.unwrap_or_default())
        })
        .collect();
    let mut heredoc_terminators = Vec::new();
    heredoc_terminators_of(instruction, &mut heredoc_terminators);
    Some(Shape {
        kind: kind.to_owned(),
        start: keyword.span.start,
        args_from: flags_end(options, keyword.span.end),
        flags,
        heredoc_terminators,
    })
}

/// A kind a later parse-dockerfile may add: found from the text instead.
fn unknown_shape(text: &str, previous_end: usize) -> Shape {
    let start = skip_blanks_and_comments(text, previous_end);
    let rest = text.get(start..).unwrap_or_default();
    let word = rest.split(char::is_whitespace).next().unwrap_or_default();
    Shape {
        kind: word.to_ascii_uppercase(),
        start,
        args_from: start + word.len(),
        flags: Vec::new(),
        heredoc_terminators: Vec::new(),
    }
}

fn heredoc_terminators_of(instruction: &pd::Instruction<'_>, out: &mut Vec<usize>) {
    use pd::Instruction as I;
    let of_source = |source: &pd::Source<'_>| match source {
        pd::Source::HereDoc(heredoc) => Some(heredoc.span.end),
        _ => None,
    };
    match instruction {
        I::Run(run) => out.extend(run.here_docs.iter().map(|heredoc| heredoc.span.end)),
        I::Add(add) => out.extend(add.src.iter().filter_map(of_source)),
        I::Copy(copy) => out.extend(copy.src.iter().filter_map(of_source)),
        I::Onbuild(onbuild) => heredoc_terminators_of(&onbuild.instruction, out),
        _ => {}
    }
}

fn flags_end(options: &[pd::Flag<'_>], keyword_end: usize) -> usize {
    options
        .iter()
        .map(|flag| flag.span().end)
        .fold(keyword_end, usize::max)
}

// -----------------------------------------------------------------------------
// Lines, continuations, directives

/// Start offsets of lines, for offset <-> line conversions.
struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            starts,
            len: text.len(),
        }
    }

    /// 1-based line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }

    /// Offset of a 1-based line and 1-based byte column, clamped to the line.
    fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.starts.get(i)) else {
            return self.len;
        };
        let line_end = self.starts.get(line).map_or(self.len, |next| next - 1);
        floor_boundary(text, (start + column.saturating_sub(1)).min(line_end))
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A logical line: physical lines joined at continuations.
struct Joined {
    /// As BuildKit joins it: each escape character ending a line (and the
    /// blanks after it) removed, the next line appended as is; comment lines
    /// and blank lines inside the continuation dropped.
    text: String,
    /// Offset just after the last character of the last line that was joined
    /// (before its `\r\n`).
    end: usize,
}

fn join_logical(text: &str, from: usize, escape: char) -> Joined {
    let mut joined = String::new();
    let mut pos = from;
    let mut end = from.min(text.len());
    let mut first = true;
    loop {
        let rest = text.get(pos..).unwrap_or_default();
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], Some(pos + i + 1)),
            None => (rest, None),
        };
        let line = line.trim_end_matches('\r');
        let continues = if !first && is_skipped_in_continuation(line) {
            true
        } else {
            first = false;
            end = pos + line.len();
            let trimmed = line.trim_end_matches([' ', '\t']);
            match trimmed.strip_suffix(escape) {
                Some(content) => {
                    joined.push_str(content);
                    true
                }
                None => {
                    joined.push_str(line);
                    false
                }
            }
        };
        match next {
            Some(next) if continues => pos = next,
            _ => break,
        }
    }
    Joined { text: joined, end }
}

fn is_skipped_in_continuation(line: &str) -> bool {
    let line = line.trim_start_matches(BLANKS);
    line.is_empty() || line.starts_with('#')
}

/// Offset of the start of the line after the one holding `offset`.
fn next_line_start(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or_default();
    rest.find('\n').map_or(text.len(), |i| offset + i + 1)
}

/// Offset of the end of the line holding `offset`, before its `\r\n`.
fn line_content_end(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or_default();
    let line = rest.find('\n').map_or(rest, |i| &rest[..i]);
    offset + line.trim_end_matches('\r').len()
}

fn skip_blanks_and_comments(text: &str, mut pos: usize) -> usize {
    loop {
        let rest = text.get(pos..).unwrap_or_default();
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if !trimmed.starts_with('#') {
            return pos.min(text.len());
        }
        pos = next_line_start(text, pos);
    }
}

/// The escape character chosen by a `# escape=` directive, read the way
/// parse-dockerfile reads directives (only at the very top, each at most
/// once).
fn directive_escape(text: &str) -> char {
    let mut escape = DEFAULT_ESCAPE;
    let mut seen: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let Some(rest) = line.strip_prefix('#') else {
            break;
        };
        let rest = rest.trim_start_matches(BLANKS);
        let Some((key, value)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim_end_matches(BLANKS).to_ascii_lowercase();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            break;
        }
        if seen.contains(&key) {
            return DEFAULT_ESCAPE;
        }
        if key == "escape" {
            let value = value.trim_matches(BLANKS);
            match value {
                "`" => escape = '`',
                "\\" => {}
                _ => break,
            }
        }
        seen.push(key);
    }
    escape
}

// -----------------------------------------------------------------------------
// Here-documents parse-dockerfile does not see

/// A here-document operator in a `RUN` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HeredocOp {
    delimiter: String,
    /// `<<-`: leading tabs are stripped, the closing line included.
    chomp: bool,
}

/// Masks the bodies of the `RUN` here-documents parse-dockerfile would read
/// as instructions. Returns the text to parse (same length, same line
/// breaks) and, per masked instruction's keyword offset, the end of its last
/// closing line.
fn mask_heredocs(
    text: &str,
    escape: char,
) -> Result<(Cow<'_, str>, HashMap<usize, usize>), Problem> {
    let mut masked: Option<String> = None;
    let mut ends = HashMap::new();
    let mut checked = HashSet::new();
    loop {
        let current = masked.as_deref().unwrap_or(text);
        let Some(found) = next_unread_heredoc(current, escape, &mut checked)? else {
            break;
        };
        let buffer = masked.get_or_insert_with(|| text.to_owned());
        for line in found.lines {
            mask(buffer, line);
        }
        ends.insert(found.start, found.end);
    }
    Ok((masked.map_or(Cow::Borrowed(text), Cow::Owned), ends))
}

struct Unread {
    /// Keyword offset of the `RUN`.
    start: usize,
    /// End of the last closing line.
    end: usize,
    /// Body and closing lines to mask (content only, no line breaks).
    lines: Vec<Range<usize>>,
}

/// The first `RUN` (not yet checked) with here-documents parse-dockerfile
/// leaves unread.
fn next_unread_heredoc(
    text: &str,
    escape: char,
    checked: &mut HashSet<usize>,
) -> Result<Option<Unread>, Problem> {
    let Ok(iter) = pd::parse_iter(text) else {
        return Ok(None);
    };
    for item in iter {
        // An error is reported by the full parse that follows.
        let Ok(instruction) = item else {
            break;
        };
        let pd::Instruction::Run(run) = &instruction else {
            continue;
        };
        let start = run.run.span.start;
        if !checked.insert(start) || !matches!(run.arguments, pd::Command::Shell(_)) {
            continue;
        }
        let joined = join_logical(text, flags_end(&run.options, run.run.span.end), escape);
        let ops = heredoc_ops(&joined.text);
        let read = run.here_docs.len();
        let Some(unread) = ops.get(read..).filter(|unread| !unread.is_empty()) else {
            continue;
        };
        let mut pos = match run.here_docs.last() {
            Some(last) => next_line_start(text, last.span.end),
            None => next_line_start(text, joined.end),
        };
        let mut found = Unread {
            start,
            end: joined.end,
            lines: Vec::new(),
        };
        for op in unread {
            let Some((closing_end, next)) = find_closing_line(text, pos, op, &mut found.lines)
            else {
                return Err(Problem::unterminated_heredoc(text, start..joined.end, op));
            };
            found.end = closing_end;
            pos = next;
        }
        return Ok(Some(found));
    }
    Ok(None)
}

/// Scans lines from `pos` for the line closing `op`, collecting the lines on
/// the way (the closing one included). Returns the closing line's content
/// end and the start of the line after it.
fn find_closing_line(
    text: &str,
    mut pos: usize,
    op: &HeredocOp,
    lines: &mut Vec<Range<usize>>,
) -> Option<(usize, usize)> {
    while pos < text.len() {
        let rest = text.get(pos..)?;
        let newline = rest.find('\n');
        let line = newline.map_or(rest, |i| &rest[..i]);
        let content = line.trim_end_matches(['\r', '\n']);
        if !content.is_empty() {
            lines.push(pos..pos + content.len());
        }
        let candidate = if op.chomp {
            content.trim_start_matches('\t')
        } else {
            content
        };
        let next = newline.map_or(text.len(), |i| pos + i + 1);
        if candidate == op.delimiter {
            return Some((pos + content.len(), next));
        }
        pos = next;
    }
    None
}

/// Replaces a line's content by a comment of the same byte length.
fn mask(text: &mut String, line: Range<usize>) {
    if line.is_empty()
        || line.end > text.len()
        || !text.is_char_boundary(line.start)
        || !text.is_char_boundary(line.end)
    {
        return;
    }
    let mut comment = String::with_capacity(line.len());
    comment.push('#');
    comment.extend(std::iter::repeat_n(' ', line.len() - 1));
    text.replace_range(line, &comment);
}

/// The here-document operators of a joined `RUN` command, found as BuildKit
/// finds them: the words (split at unquoted blanks, quotes kept) that match
/// `^\d*<<-?[^<]+$`.
fn heredoc_ops(command: &str) -> Vec<HeredocOp> {
    shell_words(command)
        .iter()
        .filter_map(|word| heredoc_op(word))
        .collect()
}

fn heredoc_op(word: &str) -> Option<HeredocOp> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let delimiter = unquote(rest);
    (!delimiter.is_empty()).then_some(HeredocOp { delimiter, chomp })
}

fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            word.push(c);
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                word.extend(chars.next());
            }
            continue;
        }
        if c.is_whitespace() {
            if in_word {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            continue;
        }
        in_word = true;
        word.push(c);
        match c {
            '\'' | '"' => quote = Some(c),
            '\\' => word.extend(chars.next()),
            _ => {}
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// A shell word with its quotes and escapes removed.
fn unquote(word: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => out.extend(chars.next()),
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, c) => out.push(c),
        }
    }
    out
}

// -----------------------------------------------------------------------------
// Errors

/// A parse problem located in the text without byte-order mark.
#[derive(Debug)]
struct Problem {
    message: String,
    line: Option<usize>,
    at: Range<usize>,
    label: String,
    help: String,
}

impl Problem {
    fn from_parser(text: &str, lines: &LineIndex, err: &pd::Error) -> Self {
        let message = format!("{err:#}");
        let (label, help) = explain(&message);
        if err.line() == 0 {
            return Self {
                message,
                line: None,
                at: 0..0,
                label,
                help,
            };
        }
        let pos = lines.offset(text, err.line(), err.column());
        let at = if let Some(delimiter) = unclosed_heredoc_delimiter(&message) {
            heredoc_opener(text, pos, delimiter).unwrap_or_else(|| word_at(text, pos))
        } else if message.contains("JSON") {
            pos..line_content_end(text, pos)
        } else {
            word_at(text, pos)
        };
        Self {
            message,
            line: Some(lines.line_of(at.start)),
            at,
            label,
            help,
        }
    }

    fn unterminated_heredoc(text: &str, at: Range<usize>, op: &HeredocOp) -> Self {
        let delimiter = &op.delimiter;
        Self {
            message: format!("here-document `{delimiter}` is never closed"),
            line: Some(LineIndex::new(text).line_of(at.start)),
            at,
            label: format!("`<<{delimiter}` opened here"),
            help: format!(
                "end the here-document with a line holding only `{delimiter}`{}",
                if op.chomp {
                    " (leading tabs allowed)"
                } else {
                    ""
                }
            ),
        }
    }

    fn parser_panicked() -> Self {
        Self {
            message: "the Dockerfile parser failed on this file".to_owned(),
            line: None,
            at: 0..0,
            label: "somewhere in this file".to_owned(),
            help: "this is a bug in shakedown's Dockerfile parser (parse-dockerfile); \
                   `docker build` itself may still accept the file"
                .to_owned(),
        }
    }

    fn into_error(self, path: &Path, source: String, bom: usize) -> DockerfileError {
        let name = path.display().to_string();
        let message = match self.line {
            Some(line) => format!("Dockerfile {name} line {line}: {}", self.message),
            None => format!("Dockerfile {name}: {}", self.message),
        };
        let start = (self.at.start + bom).min(source.len());
        let len = self.at.len().min(source.len() - start);
        DockerfileError::Parse(Box::new(DockerfileParseError {
            path: path.to_path_buf(),
            message,
            line: self.line,
            help: self.help,
            label: self.label,
            src: NamedSource::new(name, source),
            at: SourceSpan::new(start.into(), len),
        }))
    }
}

/// A label and a hint for one of parse-dockerfile's messages.
fn explain(message: &str) -> (String, String) {
    let (label, help): (&str, Cow<'_, str>) = if message.starts_with("unknown instruction") {
        (
            "not a Dockerfile instruction",
            "check the spelling (ADD, ARG, CMD, COPY, ENTRYPOINT, ENV, EXPOSE, FROM, HEALTHCHECK, \
             LABEL, MAINTAINER, ONBUILD, RUN, SHELL, STOPSIGNAL, USER, VOLUME, WORKDIR), and whether \
             the line above lacks a trailing `\\` that would continue it"
                .into(),
        )
    } else if message == "expected FROM" {
        (
            "only ARG may come before the first FROM",
            "start a build stage with a FROM line above this instruction".into(),
        )
    } else if message.starts_with("expected at least one FROM") {
        (
            "no FROM instruction in this file",
            "add a FROM line (e.g. `FROM debian:bookworm-slim`) to start a build stage".into(),
        )
    } else if message.contains("instruction requires") {
        (
            "arguments missing",
            "give the instruction its arguments; see https://docs.docker.com/reference/dockerfile/"
                .into(),
        )
    } else if let Some(delimiter) = unclosed_heredoc_delimiter(message) {
        (
            "here-document opened here is never closed",
            format!("end the here-document with a line holding only `{delimiter}`").into(),
        )
    } else if message.starts_with("expected end of quoted string") {
        (
            "quote never closed",
            "close the quote, or escape the quote character".into(),
        )
    } else if message.starts_with("duplicate stage name") {
        (
            "stage name already used",
            "give each stage a different name after AS".into(),
        )
    } else if message.contains("JSON") {
        (
            "not a JSON array of strings",
            "write the exec form as a JSON array of double-quoted strings, e.g. \
             [\"httpd\", \"-f\"], or drop the brackets to use the shell form"
                .into(),
        )
    } else if message.starts_with("invalid escape") {
        (
            "unsupported escape character",
            "the escape directive accepts only `\\` or a backtick".into(),
        )
    } else if message.starts_with("expected CMD or NONE") {
        (
            "CMD or NONE expected here",
            "write `HEALTHCHECK [--option=value ...] CMD command`, or `HEALTHCHECK NONE`".into(),
        )
    } else if message == "expected AS" || message == "expected newline or eof" {
        (
            "unexpected text",
            "write `FROM [--platform=...] image [AS name]`".into(),
        )
    } else {
        (
            "here",
            "fix the syntax of this instruction; see https://docs.docker.com/reference/dockerfile/"
                .into(),
        )
    };
    (label.to_owned(), help.into_owned())
}

fn unclosed_heredoc_delimiter(message: &str) -> Option<&str> {
    message
        .strip_prefix("expected end of here-document (")?
        .strip_suffix("), but reached eof")
}

/// The `<<DELIM` word that opened a here-document, searched backwards from
/// `pos`.
fn heredoc_opener(text: &str, pos: usize, delimiter: &str) -> Option<Range<usize>> {
    let before = text.get(..pos)?;
    before.rmatch_indices("<<").find_map(|(i, _)| {
        let after = text.get(i + 2..)?;
        let after = after.strip_prefix('-').unwrap_or(after);
        let after = after.trim_start_matches(['"', '\'']);
        after.starts_with(delimiter).then(|| word_at(text, i))
    })
}

/// The blank-delimited word at `pos` (empty at a blank or the end).
fn word_at(text: &str, pos: usize) -> Range<usize> {
    let rest = text.get(pos..).unwrap_or_default();
    let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
    pos..pos + len
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::{GraphicalReportHandler, GraphicalTheme};

    /// docker/Dockerfile.cpu as it is in the repository.
    const CPU: &str = r##"# facecraft demo image, CPU variant.
#
# The shape of the real user's hardened Dockerfile (three named stages, a
# model verified with sha256sum -c at build time, a non-root user, OCI
# labels), built offline: the base is the busybox image of docker/base
# instead of a Python distribution image. Build context: the repository root.
ARG BASE_IMAGE=shakedown-demo/busybox:latest

# Stage 1: fetch the models and verify their checksums.
FROM ${BASE_IMAGE} AS model-downloader
ARG LANDMARKS_SHA256=1e6052fdde886ab1762b5737c42c3e2f6aa932dd1bb6425b2cf1fe9d5b5665d1
COPY docker/models/face_landmarks.dat /models/face_landmarks.dat
RUN echo "${LANDMARKS_SHA256}  /models/face_landmarks.dat" | sha256sum -c -

# Stage 2: "install the wheels" (here: lay out the application).
FROM ${BASE_IMAGE} AS builder
RUN mkdir -p /opt/app/lib \
 && echo "device=cpu" > /opt/app/lib/build-info \
 && echo "variant=CPU" >> /opt/app/lib/build-info

# Stage 3: the image that ships.
FROM ${BASE_IMAGE} AS production
LABEL org.opencontainers.image.source="https://github.com/djok/facecraft" \
      org.opencontainers.image.version="1.0.0" \
      org.opencontainers.image.description="Face processing API (CPU build)" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.title="facecraft" \
      org.opencontainers.image.vendor="djok"
ENV APP_DEVICE=cpu \
    APP_HOME=/opt/app \
    FACECRAFT_PORT=8000
RUN echo 'appuser:x:1000:1000:facecraft:/home/appuser:/bin/sh' >> /etc/passwd \
 && echo 'appuser:x:1000:' >> /etc/group \
 && mkdir -p /home/appuser \
 && chown 1000:1000 /home/appuser
COPY --from=model-downloader /models /opt/models
COPY --from=builder /opt/app /opt/app
COPY docker/www /opt/app/www
WORKDIR /opt/app
USER appuser
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8000/health || exit 1
CMD ["httpd", "-f", "-v", "-p", "8000", "-h", "/opt/app/www"]
"##;

    const MULTI: &str = r#"# syntax=docker/dockerfile:1
ARG BASE_IMAGE=python:3.12-slim
ARG MODEL_URL

FROM ${BASE_IMAGE} AS model-downloader
ARG MODEL_URL
RUN curl -fsSL "$MODEL_URL" -o /model.bin

FROM ${BASE_IMAGE} AS builder
COPY requirements.txt /tmp/
RUN pip wheel -r /tmp/requirements.txt -w /wheels

FROM ${BASE_IMAGE} AS production
COPY --from=model-downloader /model.bin /models/
COPY --from=builder /wheels /wheels
USER 1000:1000
HEALTHCHECK --interval=30s --start-period=180s CMD curl -f http://localhost/ || exit 1
"#;

    fn parse(text: &str) -> Dockerfile {
        Dockerfile::parse(Path::new("Dockerfile"), text.to_owned())
            .unwrap_or_else(|err| panic!("{}", render(&err)))
    }

    fn parse_err(text: &str) -> DockerfileError {
        match Dockerfile::parse(Path::new("test/Dockerfile"), text.to_owned()) {
            Ok(parsed) => panic!("parsed: {parsed:#?}"),
            Err(err) => err,
        }
    }

    fn render(diag: &dyn Diagnostic) -> String {
        let handler =
            GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        let mut out = String::new();
        handler
            .render_report(&mut out, diag)
            .expect("render to a String");
        out
    }

    fn kinds(parsed: &Dockerfile) -> Vec<&str> {
        parsed
            .instructions
            .iter()
            .map(|i| i.kind.as_str())
            .collect()
    }

    fn flag<'a>(instruction: &'a Instruction, name: &str) -> Option<&'a str> {
        instruction
            .flags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The label span of a parse error, as text, with its line.
    fn label_of(err: &DockerfileError) -> (String, Option<usize>) {
        match err {
            DockerfileError::Parse(err) => {
                let text = err.src.inner();
                let range = err.at.offset()..err.at.offset() + err.at.len();
                (text[range].to_owned(), err.line)
            }
            DockerfileError::Read { .. } => panic!("not a parse error: {err}"),
        }
    }

    #[test]
    fn cpu_fixture_numbers_steps_like_the_classic_builder() {
        let parsed = parse(CPU);
        assert_eq!(parsed.instructions.len(), 19, "Step n/19");
        assert_eq!(
            kinds(&parsed),
            [
                "ARG",
                "FROM",
                "ARG",
                "COPY",
                "RUN",
                "FROM",
                "RUN",
                "FROM",
                "LABEL",
                "ENV",
                "RUN",
                "COPY",
                "COPY",
                "COPY",
                "WORKDIR",
                "USER",
                "EXPOSE",
                "HEALTHCHECK",
                "CMD"
            ]
        );
        let first = parsed.step(1).unwrap();
        assert_eq!(first.kind, "ARG");
        assert_eq!(first.args, "BASE_IMAGE=shakedown-demo/busybox:latest");
        assert_eq!(first.line, 7);
        assert_eq!(first.stage, None);
        assert_eq!(
            parsed.step(2).unwrap().args,
            "${BASE_IMAGE} AS model-downloader"
        );
        assert_eq!(parsed.step(16).unwrap().kind, "USER");
        assert_eq!(parsed.step(16).unwrap().args, "appuser");
        assert_eq!(parsed.step(16).unwrap().line, 40);
        assert_eq!(parsed.step(19).unwrap().kind, "CMD");
        assert!(parsed.step(0).is_none());
        assert!(parsed.step(20).is_none());
    }

    #[test]
    fn cpu_fixture_has_three_named_stages() {
        let parsed = parse(CPU);
        let names: Vec<_> = parsed.stages.iter().map(|s| s.name.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("model-downloader"),
                Some("builder"),
                Some("production")
            ]
        );
        for (i, stage) in parsed.stages.iter().enumerate() {
            assert_eq!(stage.index, i);
            assert_eq!(stage.base, "${BASE_IMAGE}");
            assert_eq!(parsed.instructions[stage.instructions.start].kind, "FROM");
            assert_eq!(
                parsed.instructions[stage.instructions.start].line,
                stage.from_line
            );
        }
        assert_eq!(parsed.stages[0].from_line, 10);
        assert_eq!(parsed.stages[0].instructions, 1..5);
        assert_eq!(parsed.stages[1].instructions, 5..7);
        assert_eq!(parsed.stages[2].instructions, 7..19);
        assert_eq!(
            parsed.final_stage().unwrap().name.as_deref(),
            Some("production")
        );
        assert_eq!(parsed.target_stage(None).unwrap().index, 2);
        assert_eq!(parsed.target_stage(Some("builder")).unwrap().index, 1);
        assert!(
            parsed.target_stage(Some("1")).is_none(),
            "--target takes names only"
        );
        assert!(parsed.target_stage(Some("nope")).is_none());
        assert_eq!(parsed.stage("BUILDER").unwrap().index, 1);
        assert_eq!(
            parsed.stage("0").unwrap().name.as_deref(),
            Some("model-downloader")
        );
        assert!(parsed.stage("3").is_none());
        for (i, instruction) in parsed.instructions.iter().enumerate() {
            let expected = parsed
                .stages
                .iter()
                .position(|s| s.instructions.contains(&i));
            assert_eq!(instruction.stage, expected, "{instruction:?}");
        }
    }

    #[test]
    fn cpu_fixture_joins_continuations_and_reads_flags() {
        let parsed = parse(CPU);
        let production = parsed.final_stage().unwrap();

        let users = parsed.find(production, "user");
        assert_eq!(users.len(), 1);
        assert_eq!(parsed.text(users[0]), "USER appuser");

        let copies = parsed.find(production, "COPY");
        assert_eq!(copies.len(), 3);
        assert_eq!(
            copies[0].flags,
            [("from".to_owned(), "model-downloader".to_owned())]
        );
        assert_eq!(copies[0].args, "/models /opt/models");
        assert_eq!(flag(copies[1], "from"), Some("builder"));
        assert!(copies[2].flags.is_empty());

        let health = parsed.find(production, "HEALTHCHECK")[0];
        assert_eq!(flag(health, "interval"), Some("5s"));
        assert_eq!(flag(health, "start-period"), Some("10s"));
        assert_eq!(flag(health, "retries"), Some("3"));
        assert_eq!(
            health.args,
            "CMD wget -q -O /dev/null http://127.0.0.1:8000/health || exit 1"
        );
        assert_eq!(health.line, 42);
        assert!(parsed.text(health).ends_with("|| exit 1"));
        assert_eq!(parsed.text(health).lines().count(), 2);

        // The classic builder keeps the blank before `\` and the next line's indent.
        let builder = parsed.stage("builder").unwrap();
        let run = parsed.find(builder, "RUN")[0];
        assert_eq!(
            run.args,
            "mkdir -p /opt/app/lib  && echo \"device=cpu\" > /opt/app/lib/build-info  \
             && echo \"variant=CPU\" >> /opt/app/lib/build-info"
        );
        assert_eq!(run.line, 17);
        assert!(parsed.text(run).starts_with("RUN mkdir"));
        assert!(parsed.text(run).ends_with(">> /opt/app/lib/build-info"));

        let label = parsed.find(production, "LABEL")[0];
        assert!(label.args.starts_with("org.opencontainers.image.source="));
        assert!(label
            .args
            .ends_with("org.opencontainers.image.vendor=\"djok\""));
        assert!(!label.args.contains('\\') && !label.args.contains('\n'));
        assert_eq!(parsed.text(label).lines().count(), 6);

        let cmd = parsed.find(production, "CMD")[0];
        assert_eq!(
            cmd.args,
            r#"["httpd", "-f", "-v", "-p", "8000", "-h", "/opt/app/www"]"#
        );
        assert_eq!(cmd.span.end, CPU.trim_end().len());
    }

    #[test]
    fn spans_cover_whole_instructions() {
        let parsed = parse(CPU);
        let mut previous_end = 0;
        for instruction in &parsed.instructions {
            let text = parsed.text(instruction);
            assert!(instruction.span.start >= previous_end);
            previous_end = instruction.span.end;
            assert!(
                text.to_ascii_uppercase().starts_with(&instruction.kind),
                "{text:?}"
            );
            assert_eq!(text, text.trim_end(), "no trailing blank or newline");
            let line = CPU[..instruction.span.start].matches('\n').count() + 1;
            assert_eq!(line, instruction.line);
        }
    }

    #[test]
    fn multi_stage_with_global_args() {
        let parsed = parse(MULTI);
        assert_eq!(parsed.step(1).unwrap().args, "BASE_IMAGE=python:3.12-slim");
        assert_eq!(parsed.step(1).unwrap().line, 2);
        assert_eq!(parsed.step(2).unwrap().args, "MODEL_URL");
        assert_eq!(parsed.step(2).unwrap().stage, None);
        assert_eq!(parsed.step(3).unwrap().kind, "FROM");
        assert_eq!(parsed.step(3).unwrap().stage, Some(0));
        assert_eq!(parsed.stages.len(), 3);
        assert_eq!(parsed.stages[0].name.as_deref(), Some("model-downloader"));
        assert_eq!(parsed.stages[0].base, "${BASE_IMAGE}");
        let target = parsed.target_stage(Some("builder")).unwrap();
        assert_eq!(target.from_line, 9);
        assert_eq!(
            parsed.find(target, "run")[0].args,
            "pip wheel -r /tmp/requirements.txt -w /wheels"
        );
        let production = parsed.final_stage().unwrap();
        let health = parsed.find(production, "HEALTHCHECK")[0];
        assert_eq!(flag(health, "start-period"), Some("180s"));
        assert_eq!(flag(health, "interval"), Some("30s"));
        assert_eq!(health.args, "CMD curl -f http://localhost/ || exit 1");
        let copies = parsed.find(production, "copy");
        assert_eq!(flag(copies[0], "from"), Some("model-downloader"));
        assert_eq!(flag(copies[1], "from"), Some("builder"));
        assert_eq!(parsed.find(production, "ENV"), Vec::<&Instruction>::new());
    }

    #[test]
    fn continuations_skip_comment_and_blank_lines() {
        let text = "FROM alpine\nRUN apk add \\\n    # the compiler\n    gcc \\\n\n  # and make\n    make\nUSER nobody\n";
        let parsed = parse(text);
        let run = &parsed.instructions[1];
        assert_eq!(run.args, "apk add     gcc     make");
        assert_eq!(run.line, 2);
        assert!(parsed.text(run).ends_with("    make"));
        assert_eq!(parsed.text(run).lines().count(), 6);
        assert_eq!(parsed.instructions[2].line, 8);
        assert_eq!(parsed.text(&parsed.instructions[2]), "USER nobody");
    }

    #[test]
    fn flags_span_continuations() {
        let text = "FROM a\nHEALTHCHECK --interval=5s \\\n  --start-period=180s \\\n  CMD true\n";
        let parsed = parse(text);
        let health = &parsed.instructions[1];
        assert_eq!(
            health.flags,
            [
                ("interval".to_owned(), "5s".to_owned()),
                ("start-period".to_owned(), "180s".to_owned())
            ]
        );
        assert_eq!(health.args, "CMD true");
        let text = "FROM --platform=linux/amd64 a AS b\nCOPY --link --chmod=755 x /y\n";
        let parsed = parse(text);
        assert_eq!(
            flag(&parsed.instructions[0], "platform"),
            Some("linux/amd64")
        );
        assert_eq!(parsed.instructions[0].args, "a AS b");
        assert_eq!(parsed.stages[0].name.as_deref(), Some("b"));
        assert_eq!(flag(&parsed.instructions[1], "link"), Some(""));
        assert_eq!(flag(&parsed.instructions[1], "chmod"), Some("755"));
        assert_eq!(parsed.instructions[1].args, "x /y");
    }

    #[test]
    fn heredoc_as_first_word() {
        let text = "FROM a\nRUN <<EOF\nset -e\necho hi\nEOF\nUSER x\n";
        let parsed = parse(text);
        assert_eq!(kinds(&parsed), ["FROM", "RUN", "USER"]);
        let run = &parsed.instructions[1];
        assert_eq!(run.args, "<<EOF\nset -e\necho hi\nEOF");
        assert_eq!(parsed.text(run), "RUN <<EOF\nset -e\necho hi\nEOF");
        assert_eq!(parsed.instructions[2].line, 6);
    }

    #[test]
    fn heredoc_later_in_the_command() {
        // parse-dockerfile alone fails on all of these ("unknown instruction").
        let text = "FROM a\nRUN cat <<EOF > /etc/motd\nRUN is not an instruction here\nEOF\nRUN python3 <<'PY'\nimport os\nprint(os.name)\nPY\nUSER x\n";
        let parsed = parse(text);
        assert_eq!(kinds(&parsed), ["FROM", "RUN", "RUN", "USER"]);
        let cat = &parsed.instructions[1];
        assert_eq!(
            cat.args,
            "cat <<EOF > /etc/motd\nRUN is not an instruction here\nEOF"
        );
        assert_eq!(parsed.text(cat).lines().count(), 3);
        let python = &parsed.instructions[2];
        assert_eq!(python.line, 5);
        assert!(python.args.starts_with("python3 <<'PY'\nimport os\n"));
        assert!(parsed.text(python).ends_with("\nPY"));
        assert_eq!(parsed.instructions[3].line, 9);
    }

    #[test]
    fn several_heredocs_and_chomp() {
        let text = "FROM a\nRUN <<A bash && <<-B sh\necho a\nA\n\techo b\n\tB\nCOPY <<EOF /x\nhello\nEOF\nUSER x\n";
        let parsed = parse(text);
        assert_eq!(kinds(&parsed), ["FROM", "RUN", "COPY", "USER"]);
        assert_eq!(
            parsed.instructions[1].args,
            "<<A bash && <<-B sh\necho a\nA\n\techo b\n\tB"
        );
        assert_eq!(parsed.instructions[2].line, 7);
        assert_eq!(parsed.instructions[2].args, "<<EOF /x\nhello\nEOF");
        assert_eq!(
            parsed.text(&parsed.instructions[2]),
            "COPY <<EOF /x\nhello\nEOF"
        );
        assert_eq!(parsed.instructions[3].line, 10);
    }

    #[test]
    fn lower_case_instructions() {
        let parsed =
            parse("arg v=1\nfrom alpine:${v} as Base\nrun echo hi\nuser nobody\nfrom base\n");
        assert_eq!(kinds(&parsed), ["ARG", "FROM", "RUN", "USER", "FROM"]);
        assert_eq!(parsed.stage("base").unwrap().base, "alpine:${v}");
        assert_eq!(parsed.stages[0].name.as_deref(), Some("Base"));
        assert_eq!(parsed.target_stage(Some("BASE")).unwrap().index, 0);
        assert_eq!(parsed.find(&parsed.stages[0], "USER")[0].args, "nobody");
        assert_eq!(parsed.step(3).unwrap().args, "echo hi");
    }

    #[test]
    fn directives_and_backtick_escape() {
        let text = "# syntax=docker/dockerfile:1\n# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n    C:\\ \nUSER x\n";
        let parsed = parse(text);
        assert_eq!(kinds(&parsed), ["FROM", "RUN", "USER"]);
        assert_eq!(parsed.instructions[0].line, 3);
        assert_eq!(parsed.instructions[1].args, "dir     C:\\");
        assert_eq!(parsed.instructions[2].line, 6);
        // A backslash is then an ordinary character, and heredocs still work.
        let text = "# escape=`\nFROM a\nRUN cat <<EOF > /x\nC:\\\nEOF\n";
        assert_eq!(
            parse(text).instructions[1].args,
            "cat <<EOF > /x\nC:\\\nEOF"
        );
    }

    #[test]
    fn crlf_and_byte_order_mark() {
        let text = "\u{feff}ARG X=1\r\nFROM a\r\nRUN a \\\r\n  b\r\nUSER é\r\n";
        let parsed = parse(text);
        assert_eq!(parsed.instructions[0].span.start, 3);
        assert_eq!(parsed.text(&parsed.instructions[0]), "ARG X=1");
        let run = &parsed.instructions[2];
        assert_eq!(run.args, "a   b");
        assert_eq!(parsed.text(run), "RUN a \\\r\n  b");
        assert_eq!(parsed.text(&parsed.instructions[3]), "USER é");
        assert_eq!(parsed.instructions[3].line, 5);
    }

    #[test]
    fn spans_stay_on_character_boundaries() {
        // parse-dockerfile's own span for this ENV ends inside the é.
        let text = "FROM a\nENV A=1  \\\n# é\n";
        let parsed = parse(text);
        assert_eq!(parsed.text(&parsed.instructions[1]), "ENV A=1  \\");
        assert_eq!(parsed.instructions[1].args, "A=1");
    }

    #[test]
    fn onbuild_keeps_the_inner_instruction_as_args() {
        let parsed = parse("FROM a\nONBUILD RUN echo hi\n");
        assert_eq!(parsed.instructions[1].kind, "ONBUILD");
        assert_eq!(parsed.instructions[1].args, "RUN echo hi");
    }

    #[test]
    fn syntax_error_points_at_the_line() {
        let err = parse_err("FROM alpine\nRUN echo hi\nFOO bar\nUSER x\n");
        let rendered = render(&err);
        assert!(
            rendered.contains("shakedown::dockerfile::parse"),
            "{rendered}"
        );
        assert!(rendered.contains("line 3"), "{rendered}");
        assert!(rendered.contains("unknown instruction 'FOO'"), "{rendered}");
        assert!(rendered.contains("[test/Dockerfile:3:1]"), "{rendered}");
        assert!(rendered.contains("FOO bar"), "{rendered}");
        assert!(
            rendered.contains("not a Dockerfile instruction"),
            "{rendered}"
        );
        assert_eq!(label_of(&err), ("FOO".to_owned(), Some(3)));
        assert_eq!(
            err.code().unwrap().to_string(),
            "shakedown::dockerfile::parse"
        );
    }

    #[test]
    fn missing_continuation_is_reported_on_the_orphan_line() {
        let err = parse_err("FROM a\nRUN apt-get update &&\n    apt-get install -y curl\n");
        assert_eq!(label_of(&err), ("apt-get".to_owned(), Some(3)));
        assert!(render(&err).contains("trailing `\\`"));
    }

    #[test]
    fn other_errors_get_sensible_spans() {
        let err = parse_err("RUN echo\nFROM a\n");
        assert_eq!(label_of(&err), ("RUN".to_owned(), Some(1)));
        assert!(render(&err).contains("only ARG may come before the first FROM"));

        let err = parse_err("# nothing here\n");
        assert_eq!(label_of(&err).1, None);
        assert!(render(&err).contains("FROM"));
        let _ = render(&parse_err(""));

        let err = parse_err("FROM a AS x\nFROM b AS x\n");
        assert_eq!(label_of(&err), ("x".to_owned(), Some(2)));

        let err = parse_err("FROM a\nSHELL [\"sh\", \n");
        assert_eq!(label_of(&err).1, Some(2));
        assert!(label_of(&err).0.starts_with("[\"sh\""));

        let err = parse_err("\u{feff}FROM a\nFOO\n");
        assert_eq!(label_of(&err), ("FOO".to_owned(), Some(2)));
    }

    #[test]
    fn unclosed_heredoc_is_reported_where_it_opens() {
        // Read by parse-dockerfile itself.
        let err = parse_err("FROM a\nRUN <<EOF\necho hi\n");
        assert_eq!(label_of(&err), ("<<EOF".to_owned(), Some(2)));
        assert!(render(&err).contains("line holding only `EOF`"));
        // Found by the masking pass.
        let err = parse_err("FROM a\nRUN cat <<END > /x\necho hi\nUSER x\n");
        let (label, line) = label_of(&err);
        assert_eq!(line, Some(2));
        assert_eq!(label, "RUN cat <<END > /x");
        assert!(render(&err).contains("`END` is never closed"));
    }

    #[test]
    fn read_names_the_path() {
        let missing = Path::new("/nonexistent/shakedown/Dockerfile");
        let err = Dockerfile::read(missing).unwrap_err();
        assert!(matches!(err, DockerfileError::Read { .. }));
        assert!(err
            .to_string()
            .contains("/nonexistent/shakedown/Dockerfile"));
        assert_eq!(
            err.code().unwrap().to_string(),
            "shakedown::dockerfile::read"
        );

        let path = std::env::temp_dir().join(format!("shakedown-df-{}", std::process::id()));
        std::fs::write(&path, CPU).unwrap();
        let parsed = Dockerfile::read(&path);
        let _ = std::fs::remove_file(&path);
        let parsed = parsed.unwrap();
        assert_eq!(parsed.path, path);
        assert_eq!(parsed.instructions.len(), 19);
    }

    #[test]
    fn heredoc_words_follow_buildkit() {
        let ops = heredoc_ops("cat <<EOF > /x && 3<<-\"E F\" tee \"<<NOT\" a<<NOT <<<NOT <<");
        assert_eq!(
            ops,
            [
                HeredocOp {
                    delimiter: "EOF".into(),
                    chomp: false
                },
                HeredocOp {
                    delimiter: "E F".into(),
                    chomp: true
                },
            ]
        );
        assert_eq!(unquote("'a b'\\c\"d\""), "a bcd");
        assert_eq!(directive_escape("# escape=`\nFROM a"), '`');
        assert_eq!(directive_escape("# foo\n# escape=`\nFROM a"), '\\');
    }

    #[test]
    fn no_panic_on_mangled_input() {
        let seeds = [CPU, MULTI, "FROM a\nRUN cat <<EOF > /x\né\nEOF\n\u{feff}"];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: Vec<char> = "\\`\n\r\t #<-=\"'[]é\u{feff}EOFRUNfrom".chars().collect();
        let check = |text: &str| {
            if let Err(err) = Dockerfile::parse(Path::new("f"), text.to_owned()) {
                let _ = render(&err);
            }
        };
        for seed in seeds {
            for (cut, _) in seed.char_indices().step_by(7) {
                check(&seed[..cut]);
                check(&seed[cut..]);
            }
            for _ in 0..300 {
                let mut chars: Vec<char> = seed.chars().collect();
                for _ in 0..1 + next() % 6 {
                    let at = (next() as usize) % (chars.len() + 1);
                    let c = alphabet[(next() as usize) % alphabet.len()];
                    match next() % 3 {
                        0 => chars.insert(at, c),
                        1 if at < chars.len() => {
                            chars.remove(at);
                        }
                        _ if at < chars.len() => chars[at] = c,
                        _ => chars.push(c),
                    }
                }
                check(&chars.into_iter().collect::<String>());
            }
        }
    }
}
