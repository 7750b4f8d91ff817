//! Reading a file shakedown is told to read (a script, a module, a file a
//! script names): regular files only, up to a size. A FIFO would block the
//! read forever and `/dev/zero` would never end, so anything that is not a
//! regular file is refused before it is opened.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// The largest file a static reader reads, in bytes (a file's text is one
/// script string, and this is the longest a script may hold).
pub const MAX_READ_BYTES: u64 = 256_000_000;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("it does not exist")]
    Missing(#[source] io::Error),
    #[error("it is {kind}, not a regular file")]
    NotAFile { kind: &'static str },
    #[error("it is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("{0}")]
    Io(#[source] io::Error),
}

/// The bytes of the regular file at `path` (symbolic links followed), at
/// most `limit` of them.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    // stat, not open: opening a FIFO blocks until someone writes to it.
    let meta = fs::metadata(path).map_err(io_error)?;
    check(&meta, limit)?;
    let file = File::open(path).map_err(io_error)?;
    // What was opened may have been swapped since the stat.
    check(&file.metadata().map_err(io_error)?, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { limit });
    }
    Ok(bytes)
}

/// The text of the file (bytes that are not UTF-8 replaced by U+FFFD).
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    let bytes = read(path, limit)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    })
}

fn check(meta: &fs::Metadata, limit: u64) -> Result<(), InputError> {
    if !meta.is_file() {
        return Err(InputError::NotAFile {
            kind: kind(&meta.file_type()),
        });
    }
    if meta.len() > limit {
        return Err(InputError::TooLarge { limit });
    }
    Ok(())
}

fn io_error(err: io::Error) -> InputError {
    if err.kind() == io::ErrorKind::NotFound {
        InputError::Missing(err)
    } else {
        InputError::Io(err)
    }
}

/// What a file that is not a regular file is, in words.
fn kind(file_type: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, "hello").unwrap();
        assert_eq!(read(&path, 5).unwrap(), b"hello");
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, "hello").unwrap();
        assert!(matches!(
            read(&path, 4),
            Err(InputError::TooLarge { limit: 4 })
        ));
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        for (path, kind) in [
            (fifo.as_path(), "a FIFO (named pipe)"),
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
        ] {
            match read(path, 100) {
                Err(InputError::NotAFile { kind: k }) => assert_eq!(k, kind),
                other => panic!("{} was not refused: {other:?}", path.display()),
            }
        }
    }

    #[test]
    fn a_missing_file_is_missing() {
        assert!(matches!(
            read(Path::new("/nonexistent/x"), 1),
            Err(InputError::Missing(_))
        ));
    }
}
