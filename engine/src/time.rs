//! Simulated time.
//!
//! The engine knows one clock: [`SimTime`], integer milliseconds since the start of the
//! scenario. The caller advances it; the engine never reads a wall clock. Durations in the
//! scenario document are ISO-8601 strings (`"PT2H"`, `"PT1M30S"`, `"P1D"`) or plain numbers
//! of seconds.

use std::fmt;

/// A point in simulated time: milliseconds since the scenario started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every scenario.
    pub const ZERO: SimTime = SimTime(0);

    /// Milliseconds since the start.
    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// Whole seconds since the start (rounded down).
    pub fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// This time plus a number of milliseconds, saturating at the end of time.
    pub fn plus_ms(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }

    /// This time plus a number of seconds, saturating at the end of time.
    pub fn plus_secs(self, secs: u64) -> SimTime {
        self.plus_ms(secs.saturating_mul(1000))
    }
}

impl fmt::Display for SimTime {
    /// `HH:MM:SS.mmm` since the start, e.g. `01:02:03.004`; days are added as `Nd `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 % 1000;
        let total_s = self.0 / 1000;
        let (d, h, m, s) = (
            total_s / 86_400,
            (total_s / 3600) % 24,
            (total_s / 60) % 60,
            total_s % 60,
        );
        if d > 0 {
            write!(f, "{d}d ")?;
        }
        write!(f, "{h:02}:{m:02}:{s:02}.{ms:03}")
    }
}

/// Seconds (as the scenario's options give them) in whole milliseconds, rounded.
pub fn seconds_ms(secs: f64) -> u64 {
    (secs * 1000.0).round() as u64
}

/// When a scenario's timed API call (`putAttributes[i]`, `stopTasks[i]`, ...) is made: its
/// `at`, a duration from the start (0 when absent); errors name `<path>.at`.
pub fn call_at_ms(call: &serde_json::Value, path: &str) -> Result<u64, String> {
    match call.get("at") {
        None => Ok(0),
        Some(at) => parse_duration_ms(at).map_err(|e| format!("{path}.at: {e}")),
    }
}

/// Parses a scenario duration: a JSON number of seconds (fractions allowed, rounded to the
/// millisecond) or an ISO-8601 duration string such as `PT2H`, `PT1M30S`, `PT0.5S` or `P1DT2H`.
/// Years and months are refused because their length is ambiguous.
pub fn parse_duration_ms(value: &serde_json::Value) -> Result<u64, String> {
    match value {
        serde_json::Value::Number(n) => {
            let secs = n
                .as_f64()
                .ok_or_else(|| format!("{n} is not a number of seconds"))?;
            seconds_to_ms(secs)
        }
        serde_json::Value::String(s) => parse_iso8601_duration_ms(s),
        other => Err(format!(
            "expected an ISO-8601 duration such as \"PT5M\" or a number of seconds, got {other}"
        )),
    }
}

fn seconds_to_ms(secs: f64) -> Result<u64, String> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{secs} is not a non-negative number of seconds"));
    }
    let ms = (secs * 1000.0).round();
    if ms > MAX_DURATION_MS as f64 {
        return Err(format!("{secs} seconds is longer than the 366-day limit"));
    }
    Ok(ms as u64)
}

/// The longest duration a scenario may use: 366 days.
pub const MAX_DURATION_MS: u64 = 366 * 86_400 * 1000;

/// Parses an ISO-8601 duration (`PnDTnHnMnS`, with `W` weeks accepted) into milliseconds.
pub fn parse_iso8601_duration_ms(s: &str) -> Result<u64, String> {
    let bad = || format!("\"{s}\" is not an ISO-8601 duration such as \"PT5M\" or \"P1DT2H\"");
    let rest = s.strip_prefix('P').ok_or_else(bad)?;
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total_secs = 0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut saw_component = false;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(c),
            unit => {
                let n: f64 = number.parse().map_err(|_| bad())?;
                number.clear();
                let scale = match (in_time, unit) {
                    (false, 'W') => 7.0 * 86_400.0,
                    (false, 'D') => 86_400.0,
                    (true, 'H') => 3600.0,
                    (true, 'M') => 60.0,
                    (true, 'S') => 1.0,
                    (false, 'Y') | (false, 'M') => {
                        return Err(format!(
                            "\"{s}\": years and months have no fixed length; use days (P30D)"
                        ))
                    }
                    _ => return Err(bad()),
                };
                total_secs += n * scale;
                saw_component = true;
            }
        }
    }
    if !number.is_empty() || !saw_component {
        return Err(bad());
    }
    seconds_to_ms(total_secs)
}

/// Formats milliseconds as a compact ISO-8601 duration (`PT1H30M`, `PT0S`).
pub fn format_iso8601_duration(ms: u64) -> String {
    let secs = ms / 1000;
    let frac = ms % 1000;
    let (d, h, m, s) = (
        secs / 86_400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
    );
    let mut out = String::from("P");
    if d > 0 {
        out.push_str(&format!("{d}D"));
    }
    if h > 0 || m > 0 || s > 0 || frac > 0 || d == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 || frac > 0 || (h == 0 && m == 0) {
            if frac > 0 {
                out.push_str(&format!("{s}.{frac:03}S"));
            } else {
                out.push_str(&format!("{s}S"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_accept_iso8601_and_seconds() {
        assert_eq!(parse_duration_ms(&json!("PT2H")), Ok(7_200_000));
        assert_eq!(parse_duration_ms(&json!("PT1M30S")), Ok(90_000));
        assert_eq!(parse_duration_ms(&json!("P1DT2H")), Ok(93_600_000));
        assert_eq!(parse_duration_ms(&json!("PT0.5S")), Ok(500));
        assert_eq!(parse_duration_ms(&json!(90)), Ok(90_000));
        assert_eq!(parse_duration_ms(&json!(1.25)), Ok(1250));
    }

    #[test]
    fn durations_reject_garbage_with_a_message() {
        for bad in [
            json!("2h"),
            json!("P"),
            json!("PT"),
            json!("PT5"),
            json!("P1M"),
            json!(-3),
        ] {
            assert!(parse_duration_ms(&bad).is_err(), "{bad} should be rejected");
        }
        assert!(parse_duration_ms(&json!(true)).is_err());
        assert!(parse_duration_ms(&json!("P400D")).is_err());
    }

    #[test]
    fn formatting_round_trips() {
        for ms in [0, 500, 90_000, 7_200_000, 93_600_000, 3_723_004] {
            let s = format_iso8601_duration(ms);
            assert_eq!(parse_iso8601_duration_ms(&s), Ok(ms), "{s}");
        }
        assert_eq!(SimTime(3_723_004).to_string(), "01:02:03.004");
        assert_eq!(SimTime(90_000_000).to_string(), "1d 01:00:00.000");
    }
}
