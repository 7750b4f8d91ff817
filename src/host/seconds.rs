//! The one conversion of a script's seconds to a [`Duration`]: every option
//! and argument that takes seconds (timeouts, a stop's grace, a wait's
//! interval) goes through it, so absurd values get the same diagnostic
//! everywhere instead of a panic deep in the runtime.

use std::time::Duration;

use rhai::{Dynamic, Map};

use crate::error::Thrown;

/// The longest any timeout, grace or interval may be: a day. Nothing a
/// checklist waits for takes longer, and a bound keeps every deadline
/// representable.
pub const MAX_SECONDS: i64 = 24 * 3600;

/// Whether 0 seconds means something for this value (a stop's grace: kill
/// at once) or not (a timeout that expires before it starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zero {
    Refused,
    Allowed,
}

/// The code of every refused number of seconds.
pub const CODE: &str = "shakedown::script::bad_seconds";

/// Reads `value` as seconds: an integer or a float from 0 (when `zero`
/// allows it) to a day. `name` and `what` say where it was given
/// ("`timeout` of run()").
pub fn seconds(value: &Dynamic, name: &str, what: &str, zero: Zero) -> Result<Duration, Thrown> {
    let refuse = |why: String| {
        let range = match zero {
            Zero::Allowed => "from 0 to",
            Zero::Refused => "above 0 and at most",
        };
        Thrown::usage(
            format!("`{name}` of {what} {why}"),
            format!("give a number of seconds {range} {MAX_SECONDS} (a day), e.g. `{name}: 30`"),
        )
        .with_code(CODE)
    };
    if let Ok(int) = value.as_int() {
        return match int {
            i64::MIN..=-1 => Err(refuse(format!("cannot be negative ({int} seconds)"))),
            0 if zero == Zero::Refused => Err(refuse("must be more than 0 seconds".into())),
            0..=MAX_SECONDS => Ok(Duration::from_secs(int.unsigned_abs())),
            _ => Err(refuse(format!(
                "is {int} seconds, more than a day ({MAX_SECONDS})"
            ))),
        };
    }
    let Ok(float) = value.as_float() else {
        return Err(refuse(format!(
            "must be a number of seconds, not a {}",
            value.type_name()
        )));
    };
    let shown = value.to_string();
    if float.is_nan() {
        return Err(refuse("must be a number of seconds, not NaN".into()));
    }
    if float < 0.0 {
        return Err(refuse(format!("cannot be negative ({shown} seconds)")));
    }
    #[allow(clippy::cast_precision_loss)] // a day is exact in an f64
    if float > MAX_SECONDS as f64 {
        return Err(refuse(format!(
            "is {shown} seconds, more than a day ({MAX_SECONDS})"
        )));
    }
    // In range, so the conversion cannot fail; a value too small for a
    // nanosecond becomes zero and is judged as zero.
    let duration = Duration::try_from_secs_f64(float).unwrap_or(Duration::ZERO);
    if duration.is_zero() && zero == Zero::Refused {
        return Err(refuse(format!("must be more than 0 seconds, not {shown}")));
    }
    Ok(duration)
}

/// An option in seconds, `None` when absent.
pub fn opt_seconds(
    options: &Map,
    key: &str,
    what: &str,
    zero: Zero,
) -> Result<Option<Duration>, Thrown> {
    options
        .get(key)
        .map(|value| seconds(value, key, what, zero))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: Dynamic, zero: Zero) -> Result<Duration, Thrown> {
        seconds(&value, "timeout", "run()", zero)
    }

    #[test]
    fn integers_and_floats_in_range_are_durations() {
        assert_eq!(
            read(Dynamic::from_int(30), Zero::Refused).unwrap(),
            Duration::from_secs(30)
        );
        assert_eq!(
            read(Dynamic::from_float(2.5), Zero::Refused).unwrap(),
            Duration::from_millis(2500)
        );
        assert_eq!(
            read(Dynamic::from_int(MAX_SECONDS), Zero::Refused).unwrap(),
            Duration::from_secs(86_400)
        );
        assert_eq!(
            read(Dynamic::from_int(0), Zero::Allowed).unwrap(),
            Duration::ZERO
        );
    }

    #[test]
    fn absurd_values_are_refused_with_a_reason() {
        let cases = [
            (Dynamic::from_float(1e300), "more than a day"),
            (Dynamic::from_float(f64::INFINITY), "more than a day"),
            (Dynamic::from_float(f64::NEG_INFINITY), "negative"),
            (Dynamic::from_float(f64::NAN), "not NaN"),
            (Dynamic::from_float(-1.0), "negative"),
            (Dynamic::from_int(-1), "negative"),
            (Dynamic::from_int(i64::MAX), "more than a day"),
            (Dynamic::from_int(i64::MIN), "negative"),
            (Dynamic::from_int(86_401), "more than a day"),
            (Dynamic::from_int(0), "more than 0"),
            (Dynamic::from_float(0.0), "more than 0"),
            (Dynamic::from_float(1e-300), "more than 0"),
            (Dynamic::from("30".to_owned()), "not a string"),
        ];
        for (value, why) in cases {
            let shown = value.to_string();
            let err = read(value, Zero::Refused).unwrap_err();
            assert!(err.message.contains(why), "{shown}: {}", err.message);
            assert!(
                err.message.starts_with("`timeout` of run()"),
                "{}",
                err.message
            );
            assert_eq!(err.code, CODE);
            assert!(err.help.unwrap().contains("86400"));
        }
    }

    #[test]
    fn a_huge_float_is_shown_short() {
        let err = read(Dynamic::from_float(1e300), Zero::Refused).unwrap_err();
        assert!(err.message.contains("1e300 seconds"), "{}", err.message);
    }

    #[test]
    fn an_absent_option_is_none() {
        assert_eq!(
            opt_seconds(&Map::new(), "timeout", "run()", Zero::Refused).unwrap(),
            None
        );
    }
}
