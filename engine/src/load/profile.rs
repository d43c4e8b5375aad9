//! Request-rate profiles: how many requests per second arrive at a target group over time.
//!
//! A profile is a sum of components, each a pure function of simulated time, so the cost of
//! a run never depends on the request rate (design principle 6).

use serde_json::Value;

use crate::time::{parse_duration_ms, SimTime};

/// One component of a load profile.
#[derive(Debug, Clone, PartialEq)]
pub enum RateComponent {
    /// `{"type": "constant", "requestsPerSecond": 100}`.
    Constant { rps: f64 },
    /// `{"type": "ramp", "from": 10, "to": 500, "start": "PT0S", "end": "PT1H"}`: linear
    /// between `start` and `end`, `from` before and `to` after.
    Ramp {
        from: f64,
        to: f64,
        start_ms: u64,
        end_ms: u64,
    },
    /// `{"type": "step", "initial": 100, "steps": [{"at": "PT10M", "requestsPerSecond": 500}]}`.
    /// Step values may be negative, to lower the sum of the other components (the live load
    /// control writes such steps); the profile's total never goes below zero.
    Step {
        initial: f64,
        steps: Vec<(u64, f64)>,
    },
    /// `{"type": "diurnal", "min": 200, "max": 5000, "peakAt": "PT14H", "period": "PT24H"}`:
    /// a sine wave between `min` and `max` that peaks at `peakAt` (modulo `period`).
    Diurnal {
        min: f64,
        max: f64,
        peak_ms: u64,
        period_ms: u64,
    },
    /// `{"type": "spikes", "spikes": [{"at": "PT30M", "duration": "PT5M", "requestsPerSecond": 2000}]}`:
    /// extra requests during each spike.
    Spikes { spikes: Vec<(u64, u64, f64)> },
    /// `{"type": "trace", "points": [[0, 100], [600, 300]]}`: (seconds, requests/s) pairs,
    /// linear in between, flat outside.
    Trace { points: Vec<(u64, f64)> },
}

/// A request-rate profile: the sum of its components, never negative.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RateProfile {
    /// The components, summed.
    pub components: Vec<RateComponent>,
}

/// Most points a trace may hold (keeps a shared link from freezing a tab).
pub const MAX_TRACE_POINTS: usize = 100_000;

impl RateProfile {
    /// Parses a profile: one component object or an array of them. `path` names the field
    /// in errors.
    pub fn parse(value: &Value, path: &str) -> Result<RateProfile, String> {
        let items: Vec<&Value> = match value {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        let mut components = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = if value.is_array() {
                format!("{path}[{i}]")
            } else {
                path.to_string()
            };
            components.push(parse_component(item, &p)?);
        }
        Ok(RateProfile { components })
    }

    /// Requests per second at `t`.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        self.sum_at(t).max(0.0)
    }

    /// The components' sum at `t` before the floor at zero: what a step added at `t` adds to.
    pub fn sum_at(&self, t: SimTime) -> f64 {
        let t = t.as_ms();
        self.components.iter().map(|c| c.rate_at(t)).sum::<f64>()
    }
}

impl RateComponent {
    fn rate_at(&self, t: u64) -> f64 {
        match self {
            RateComponent::Constant { rps } => *rps,
            RateComponent::Ramp {
                from,
                to,
                start_ms,
                end_ms,
            } => {
                if t <= *start_ms {
                    *from
                } else if t >= *end_ms {
                    *to
                } else {
                    let f = (t - start_ms) as f64 / (end_ms - start_ms) as f64;
                    from + (to - from) * f
                }
            }
            RateComponent::Step { initial, steps } => steps
                .iter()
                .take_while(|(at, _)| *at <= t)
                .last()
                .map_or(*initial, |(_, r)| *r),
            RateComponent::Diurnal {
                min,
                max,
                peak_ms,
                period_ms,
            } => {
                let phase = (t as f64 - *peak_ms as f64) / *period_ms as f64;
                // libm, not the platform's cos: the same bits natively and in wasm.
                let c = libm::cos(phase * std::f64::consts::TAU);
                min + (max - min) * (1.0 + c) / 2.0
            }
            RateComponent::Spikes { spikes } => spikes
                .iter()
                .filter(|(at, dur, _)| t >= *at && t < at + dur)
                .map(|(_, _, r)| r)
                .sum(),
            RateComponent::Trace { points } => {
                let i = points.partition_point(|(at, _)| *at <= t);
                match (i.checked_sub(1).map(|j| points[j]), points.get(i).copied()) {
                    (None, Some((_, r))) | (Some((_, r)), None) => r,
                    (Some((t0, r0)), Some((t1, r1))) => {
                        r0 + (r1 - r0) * (t - t0) as f64 / (t1 - t0) as f64
                    }
                    (None, None) => 0.0,
                }
            }
        }
    }
}

fn number(v: &Value, key: &str, path: &str) -> Result<f64, String> {
    match v.get(key) {
        Some(n) => n
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| format!("{path}.{key}: must be a number ≥ 0")),
        None => Err(format!("{path}.{key}: required")),
    }
}

fn signed(v: &Value, key: &str, path: &str) -> Result<f64, String> {
    match v.get(key) {
        Some(n) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{path}.{key}: must be a number")),
        None => Err(format!("{path}.{key}: required")),
    }
}

fn duration(v: &Value, key: &str, path: &str) -> Result<u64, String> {
    match v.get(key) {
        Some(d) => parse_duration_ms(d).map_err(|e| format!("{path}.{key}: {e}")),
        None => Err(format!("{path}.{key}: required")),
    }
}

fn parse_component(v: &Value, path: &str) -> Result<RateComponent, String> {
    let kind = v.get("type").and_then(Value::as_str).ok_or_else(|| {
        format!("{path}.type: required (constant, ramp, step, diurnal, spikes or trace)")
    })?;
    Ok(match kind {
        "constant" => RateComponent::Constant {
            rps: number(v, "requestsPerSecond", path)?,
        },
        "ramp" => {
            let (start_ms, end_ms) = (duration(v, "start", path)?, duration(v, "end", path)?);
            if end_ms <= start_ms {
                return Err(format!("{path}.end: must be after start"));
            }
            RateComponent::Ramp {
                from: number(v, "from", path)?,
                to: number(v, "to", path)?,
                start_ms,
                end_ms,
            }
        }
        "step" => {
            let mut steps = Vec::new();
            for (i, s) in list(v, "steps", path)?.iter().enumerate() {
                let p = format!("{path}.steps[{i}]");
                steps.push((duration(s, "at", &p)?, signed(s, "requestsPerSecond", &p)?));
            }
            steps.sort_by_key(|(at, _)| *at);
            RateComponent::Step {
                initial: if v.get("initial").is_some() {
                    number(v, "initial", path)?
                } else {
                    0.0
                },
                steps,
            }
        }
        "diurnal" => {
            let (min, max) = (number(v, "min", path)?, number(v, "max", path)?);
            if max < min {
                return Err(format!("{path}.max: must be at least min"));
            }
            let period_ms = match v.get("period") {
                Some(_) => duration(v, "period", path)?,
                None => 86_400_000,
            };
            if period_ms == 0 {
                return Err(format!("{path}.period: must be more than 0"));
            }
            RateComponent::Diurnal {
                min,
                max,
                peak_ms: match v.get("peakAt") {
                    Some(_) => duration(v, "peakAt", path)?,
                    None => 14 * 3_600_000,
                },
                period_ms,
            }
        }
        "spikes" => {
            let mut spikes = Vec::new();
            for (i, s) in list(v, "spikes", path)?.iter().enumerate() {
                let p = format!("{path}.spikes[{i}]");
                spikes.push((
                    duration(s, "at", &p)?,
                    duration(s, "duration", &p)?,
                    number(s, "requestsPerSecond", &p)?,
                ));
            }
            RateComponent::Spikes { spikes }
        }
        "trace" => {
            let raw = list(v, "points", path)?;
            if raw.len() > MAX_TRACE_POINTS {
                return Err(format!(
                    "{path}.points: {} points; the limit is {MAX_TRACE_POINTS}",
                    raw.len()
                ));
            }
            let mut points = Vec::with_capacity(raw.len());
            for (i, p) in raw.iter().enumerate() {
                let pair = p.as_array().filter(|a| a.len() == 2);
                let parsed = pair.and_then(|a| {
                    let secs = a[0].as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
                    let rps = a[1].as_f64().filter(|r| r.is_finite() && *r >= 0.0)?;
                    Some(((secs * 1000.0).round() as u64, rps))
                });
                let point = parsed.ok_or_else(|| {
                    format!(
                        "{path}.points[{i}]: expected [seconds, requestsPerSecond] with both ≥ 0"
                    )
                })?;
                if points.last().is_some_and(|(t, _)| *t >= point.0) {
                    return Err(format!("{path}.points[{i}]: times must increase"));
                }
                points.push(point);
            }
            RateComponent::Trace { points }
        }
        other => {
            return Err(format!(
                "{path}.type: \"{other}\" is not constant, ramp, step, diurnal, spikes or trace"
            ))
        }
    })
}

fn list<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a Vec<Value>, String> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{path}.{key}: required, a list"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(profile: &RateProfile, secs: u64) -> f64 {
        profile.rate_at(SimTime(secs * 1000))
    }

    #[test]
    fn every_profile_shape_gives_the_documented_rate() {
        let p = RateProfile::parse(
            &json!([
                {"type": "constant", "requestsPerSecond": 10},
                {"type": "ramp", "from": 0, "to": 100, "start": "PT100S", "end": "PT200S"},
                {"type": "step", "initial": 1, "steps": [{"at": 300, "requestsPerSecond": 50}]},
                {"type": "spikes", "spikes": [{"at": 400, "duration": 10, "requestsPerSecond": 1000}]},
                {"type": "trace", "points": [[500, 0], [600, 20]]}
            ]),
            "loadProfiles[0].requests",
        )
        .unwrap();
        assert_eq!(at(&p, 0), 10.0 + 0.0 + 1.0 + 0.0 + 0.0);
        assert_eq!(at(&p, 150), 10.0 + 50.0 + 1.0);
        assert_eq!(at(&p, 300), 10.0 + 100.0 + 50.0);
        assert_eq!(at(&p, 405), 10.0 + 100.0 + 50.0 + 1000.0);
        assert_eq!(at(&p, 410), 160.0);
        assert_eq!(at(&p, 550), 160.0 + 10.0);
        assert_eq!(at(&p, 700), 180.0);
    }

    #[test]
    fn diurnal_peaks_at_peak_and_bottoms_half_a_period_later() {
        let p = RateProfile::parse(
            &json!({"type": "diurnal", "min": 200, "max": 5000, "peakAt": "PT14H"}),
            "x",
        )
        .unwrap();
        assert!((at(&p, 14 * 3600) - 5000.0).abs() < 1e-6);
        assert!((at(&p, 2 * 3600) - 200.0).abs() < 1e-6);
        assert!((at(&p, 38 * 3600) - 5000.0).abs() < 1e-6);
    }

    #[test]
    fn bad_profiles_name_the_field() {
        for (v, want) in [
            (json!({"type": "wave"}), "x.type"),
            (json!({"type": "constant"}), "x.requestsPerSecond"),
            (
                json!({"type": "constant", "requestsPerSecond": -1}),
                "x.requestsPerSecond",
            ),
            (
                json!({"type": "ramp", "from": 1, "to": 2, "start": 10, "end": 5}),
                "x.end",
            ),
            (
                json!({"type": "trace", "points": [[1, 2], [1, 3]]}),
                "x.points[1]",
            ),
            (json!({"type": "trace", "points": [[1]]}), "x.points[0]"),
            (
                json!({"type": "step", "steps": [{"at": "soon", "requestsPerSecond": 1}]}),
                "x.steps[0].at",
            ),
        ] {
            let e = RateProfile::parse(&v, "x").unwrap_err();
            assert!(e.starts_with(want), "{e} should start with {want}");
        }
    }
}
