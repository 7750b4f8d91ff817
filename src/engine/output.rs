//! Bounded capture of a container's output: the first and the last bytes
//! of a stream are kept, the middle is only counted. Reading is linear in
//! the bytes (each byte is copied at most once on its way in), whatever the
//! volume or the length of the lines.

/// How much of each stream is kept by default: the first and the last 8 MB.
pub const DEFAULT_MAX_OUTPUT: usize = 16_000_000;

/// What a capture kept of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The kept bytes as text (invalid UTF-8 replaced); when `truncated`, the
    /// first and the last bytes with a line in between saying how much was
    /// left out.
    pub text: String,
    /// How many bytes the stream had.
    pub bytes: u64,
    /// Whether bytes were left out.
    pub truncated: bool,
}

/// Keeps at most `max` bytes of a stream: the first half and the last half.
#[derive(Debug)]
pub struct Capture {
    head_cap: usize,
    head: Vec<u8>,
    tail: Ring,
    total: u64,
}

impl Capture {
    pub fn new(max: usize) -> Self {
        let head_cap = max.div_ceil(2);
        Self {
            head_cap,
            head: Vec::new(),
            tail: Ring::new(max - head_cap),
            total: 0,
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        let take = (self.head_cap - self.head.len()).min(data.len());
        self.head.extend_from_slice(&data[..take]);
        self.tail.push(&data[take..]);
    }

    pub fn finish(self) -> Captured {
        let tail = self.tail.into_vec();
        let kept = (self.head.len() + tail.len()) as u64;
        let truncated = kept < self.total;
        let mut text = text(self.head);
        if truncated {
            text.push_str(&format!(
                "\n[… shakedown left out {} bytes here (max_output) …]\n",
                self.total - kept
            ));
        }
        text.push_str(&String::from_utf8_lossy(&tail));
        Captured {
            text,
            bytes: self.total,
            truncated,
        }
    }
}

/// Bytes as text without a copy when they are valid UTF-8.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// The last `cap` bytes pushed into it.
#[derive(Debug)]
struct Ring {
    cap: usize,
    buf: Vec<u8>,
    /// Where the oldest byte is, once `buf` is full.
    start: usize,
}

impl Ring {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            buf: Vec::new(),
            start: 0,
        }
    }

    fn push(&mut self, data: &[u8]) {
        let data = &data[data.len().saturating_sub(self.cap)..];
        let grow = (self.cap - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..grow]);
        let mut rest = &data[grow..];
        while !rest.is_empty() {
            let n = (self.cap - self.start).min(rest.len());
            self.buf[self.start..self.start + n].copy_from_slice(&rest[..n]);
            self.start = (self.start + n) % self.cap;
            rest = &rest[n..];
        }
    }

    fn into_vec(mut self) -> Vec<u8> {
        self.buf.rotate_left(self.start);
        self.buf
    }
}

/// Splits a stream into lines as it comes, looking at each byte once. A
/// line longer than `max_line` is cut there (the rest of it, up to its end,
/// is skipped), so a stream with no newline keeps no more than that.
#[derive(Debug)]
pub struct Lines {
    max_line: usize,
    partial: Vec<u8>,
    /// The current line was cut; skip to its end.
    skipping: bool,
}

impl Lines {
    pub fn new(max_line: usize) -> Self {
        Self {
            max_line,
            partial: Vec::new(),
            skipping: false,
        }
    }

    /// Calls `line` with each line `data` completes (without its newline);
    /// stops early, returning `true`, when `line` returns `true`.
    pub fn push(&mut self, mut data: &[u8], mut line: impl FnMut(&[u8]) -> bool) -> bool {
        while let Some(end) = data.iter().position(|b| *b == b'\n') {
            let found = self.complete(&data[..end], &mut line);
            data = &data[end + 1..];
            if found {
                return true;
            }
        }
        self.keep(data);
        false
    }

    /// The last line, when the stream ended without a newline.
    pub fn finish(&mut self, line: impl FnMut(&[u8]) -> bool) -> bool {
        if self.partial.is_empty() {
            return false;
        }
        let mut line = line;
        let found = line(&self.partial);
        self.partial.clear();
        found
    }

    fn complete(&mut self, end: &[u8], line: &mut impl FnMut(&[u8]) -> bool) -> bool {
        let found = if self.partial.is_empty() && !self.skipping {
            line(&end[..end.len().min(self.max_line)])
        } else {
            self.keep(end);
            line(&self.partial)
        };
        self.partial.clear();
        self.skipping = false;
        found
    }

    fn keep(&mut self, data: &[u8]) {
        let room = self.max_line.saturating_sub(self.partial.len());
        self.partial
            .extend_from_slice(&data[..room.min(data.len())]);
        if data.len() > room {
            self.skipping = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(max: usize, chunks: &[&[u8]]) -> Captured {
        let mut capture = Capture::new(max);
        for chunk in chunks {
            capture.push(chunk);
        }
        capture.finish()
    }

    #[test]
    fn what_fits_is_kept_whole() {
        let c = captured(16, &[b"hello ", b"world\n"]);
        assert_eq!(c.text, "hello world\n");
        assert_eq!(c.bytes, 12);
        assert!(!c.truncated);
    }

    #[test]
    fn the_first_and_last_halves_are_kept_and_the_rest_counted() {
        let c = captured(8, &[b"abcdefghij", b"klmnopqrstuvwxyz"]);
        assert!(c.truncated);
        assert_eq!(c.bytes, 26);
        assert_eq!(
            c.text,
            "abcd\n[… shakedown left out 18 bytes here (max_output) …]\nwxyz"
        );
    }

    #[test]
    fn the_tail_is_right_whatever_the_chunk_sizes() {
        let data: Vec<u8> = (0..5000u32).map(|i| b'a' + (i % 26) as u8).collect();
        for chunk in [1, 3, 7, 64, 1000, 5000] {
            let mut capture = Capture::new(100);
            for piece in data.chunks(chunk) {
                capture.push(piece);
            }
            let c = capture.finish();
            let expected_tail = String::from_utf8(data[data.len() - 50..].to_vec()).unwrap();
            let expected_head = String::from_utf8(data[..50].to_vec()).unwrap();
            assert!(c.text.starts_with(&expected_head), "chunk {chunk}");
            assert!(c.text.ends_with(&expected_tail), "chunk {chunk}");
            assert_eq!(c.bytes, 5000);
        }
    }

    #[test]
    fn max_zero_keeps_nothing_but_counts() {
        let c = captured(0, &[b"abc", b"def"]);
        assert_eq!(c.bytes, 6);
        assert!(c.truncated);
        assert!(!c.text.contains("abc"));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let c = captured(16, &[b"ok \xff"]);
        assert_eq!(c.text, "ok \u{fffd}");
    }

    fn lines(max: usize, chunks: &[&[u8]]) -> Vec<String> {
        let mut seen = Vec::new();
        let mut splitter = Lines::new(max);
        for chunk in chunks {
            splitter.push(chunk, |l| {
                seen.push(String::from_utf8_lossy(l).into_owned());
                false
            });
        }
        splitter.finish(|l| {
            seen.push(String::from_utf8_lossy(l).into_owned());
            false
        });
        seen
    }

    #[test]
    fn lines_are_found_across_chunks() {
        assert_eq!(
            lines(100, &[b"one\ntw", b"o\n", b"\nthree"]),
            ["one", "two", "", "three"]
        );
    }

    #[test]
    fn a_long_line_is_cut_at_the_limit() {
        assert_eq!(
            lines(4, &[b"abcdefgh", b"ijk\nxy\nlongerline\n"]),
            ["abcd", "xy", "long"]
        );
    }

    #[test]
    fn the_search_stops_at_the_first_match() {
        let mut splitter = Lines::new(100);
        let mut seen = 0;
        let found = splitter.push(b"a\nb\nc\n", |l| {
            seen += 1;
            l == b"b"
        });
        assert!(found);
        assert_eq!(seen, 2);
    }
}
