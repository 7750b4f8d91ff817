//! Numbers as people read them.

use std::time::Duration;

/// Bytes in decimal units with three significant digits, as `docker
/// images` shows them: `4.08 GB`, `652 MB`, `13.8 GB`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    #[allow(clippy::cast_precision_loss)]
    let mut value = n.unsigned_abs() as f64;
    let mut unit = 0;
    while value >= 999.5 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let sign = if n < 0 { "-" } else { "" };
    if unit == 0 {
        return format!("{sign}{} B", n.unsigned_abs());
    }
    let text = if value < 9.995 {
        format!("{value:.2}")
    } else if value < 99.95 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    format!("{sign}{text} {}", UNITS[unit])
}

/// `0.41s`, `12.3s`, `2m05s`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.2}s")
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_three_significant_digits() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_992_345), "1.99 MB");
        assert_eq!(bytes(4_080_000_000), "4.08 GB");
        assert_eq!(bytes(13_800_000_000), "13.8 GB");
        assert_eq!(bytes(652_000_000), "652 MB");
    }

    #[test]
    fn durations_shorten_with_size() {
        assert_eq!(duration(Duration::from_millis(410)), "0.41s");
        assert_eq!(duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(duration(Duration::from_secs(125)), "2m05s");
    }
}
