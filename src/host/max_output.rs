//! The `max_output` option: how much of a stream `run`, `exec`, `logs()`
//! and the waits keep (the first and the last half; the middle is counted).

use rhai::Map;

use super::limits::MAX_STRING_BYTES;
use crate::engine::DEFAULT_MAX_OUTPUT;
use crate::error::Thrown;

/// The most `max_output` may be: 250 MB (the default is 16 MB), so that
/// what is kept, with the line saying what was left out, is a string a
/// script may hold.
const LIMIT: i64 = 250_000_000;
#[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
const _: () = assert!(LIMIT + 1000 < MAX_STRING_BYTES as i64);

/// `max_output` in bytes (0 keeps nothing, only counts), or the default.
pub fn opt_max_output(options: &Map, what: &str) -> Result<usize, Thrown> {
    let Some(value) = options.get("max_output") else {
        return Ok(DEFAULT_MAX_OUTPUT);
    };
    let refuse = |why: String| {
        Thrown::usage(
            format!("option `max_output` of {what} {why}"),
            format!("give a number of bytes from 0 to {LIMIT} (250 MB), e.g. max_output: 1 * MB"),
        )
    };
    let bytes = value.as_int().map_err(|_| {
        refuse(format!(
            "must be a number of bytes, not a {}",
            value.type_name()
        ))
    })?;
    if !(0..=LIMIT).contains(&bytes) {
        return Err(refuse(format!("cannot be {bytes} bytes")));
    }
    usize::try_from(bytes).map_err(|_| refuse(format!("cannot be {bytes} bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Dynamic;

    fn read(value: Dynamic) -> Result<usize, Thrown> {
        let mut options = Map::new();
        options.insert("max_output".into(), value);
        opt_max_output(&options, "run()")
    }

    #[test]
    fn bytes_from_zero_to_a_gigabyte() {
        assert_eq!(
            opt_max_output(&Map::new(), "run()").unwrap(),
            DEFAULT_MAX_OUTPUT
        );
        assert_eq!(read(Dynamic::from_int(0)).unwrap(), 0);
        assert_eq!(read(Dynamic::from_int(1_000_000)).unwrap(), 1_000_000);
        assert!(read(Dynamic::from_int(-1)).is_err());
        assert!(read(Dynamic::from_int(i64::MAX)).is_err());
        assert_eq!(read(Dynamic::from_int(LIMIT)).unwrap(), 250_000_000);
        assert!(read(Dynamic::from_int(LIMIT + 1)).is_err());
        let err = read(Dynamic::from_float(1.5)).unwrap_err();
        assert!(
            err.message.contains("not a f64") || err.message.contains("not a float"),
            "{}",
            err.message
        );
    }
}
