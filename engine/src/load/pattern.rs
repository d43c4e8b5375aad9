//! The load patterns the UI offers: a pattern picked from a few shapes (constant, ramp,
//! daily curve, repeated spikes) or drawn by hand, written into the scenario as the
//! `requests` of a target's `loadProfiles[]` entry, and sampled for a preview.
//!
//! Patterns are the profile components of [`super::profile`] (`constant`, `ramp`,
//! `diurnal`, `spikes`, `trace`) with the parameters a form asks for, in minutes and hours
//! rather than seconds.

use serde_json::{json, Value};

use super::RateProfile;
use crate::time::SimTime;

/// Requests per second at most in a pattern (a guard against typing mistakes, far above
/// what a playground cluster serves).
pub const MAX_RPS: f64 = 10_000_000.0;

/// A load pattern as its form fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// The same rate all along.
    Constant {
        /// Requests per second.
        rps: f64,
    },
    /// A straight line from `from` to `to` requests/s between two minutes.
    Ramp {
        /// Requests per second before and at `start_min`.
        from: f64,
        /// Requests per second at and after `end_min`.
        to: f64,
        /// When the ramp starts, in minutes.
        start_min: f64,
        /// When the ramp ends, in minutes.
        end_min: f64,
    },
    /// A daily curve between `min` and `max`, highest at `peak_hour` (UTC, simulated).
    Diurnal {
        /// The night-time rate.
        min: f64,
        /// The peak rate.
        max: f64,
        /// Hour of the day of the peak, 0–24.
        peak_hour: f64,
    },
    /// A base rate plus `extra` requests/s for `length_min` minutes every `every_min`
    /// minutes, the first spike at `every_min`.
    Spikes {
        /// The rate between spikes.
        base: f64,
        /// What a spike adds.
        extra: f64,
        /// Minutes from one spike to the next.
        every_min: f64,
        /// How long a spike lasts, in minutes.
        length_min: f64,
    },
    /// Points drawn by hand or typed: `minute:rps` pairs (`0:200, 30:1500, 60:400`), joined
    /// by straight lines, the last rate held.
    Drawn {
        /// The points as text.
        points: String,
    },
}

fn rate(value: f64, field: &str) -> Result<f64, String> {
    if value.is_finite() && (0.0..=MAX_RPS).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{field}: requests per second from 0 to {MAX_RPS}, not {value}"
        ))
    }
}

fn minutes(value: f64, field: &str) -> Result<f64, String> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!("{field}: a number of minutes, 0 or more"))
    }
}

/// Seconds as JSON: whole seconds stay integers, so the scenario reads well.
fn secs(minutes: f64) -> Value {
    let s = (minutes * 60_000.0).round() / 1000.0;
    if s.fract() == 0.0 && s < 9.0e15 {
        json!(s as u64)
    } else {
        json!(s)
    }
}

/// Parses drawn points, `minute:rps` pairs separated by commas, semicolons or spaces, into
/// (seconds, requests/s) with times strictly increasing.
pub fn parse_points(text: &str) -> Result<Vec<(f64, f64)>, String> {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (i, pair) in text
        .split([',', ';', ' ', '\n'])
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        let field = format!("points[{i}]");
        let (m, r) = pair
            .split_once(':')
            .ok_or_else(|| format!("{field}: \"{pair}\" is not minute:rps, such as 30:1500"))?;
        let m = minutes(m.trim().parse().unwrap_or(f64::NAN), &field)?;
        let r = rate(r.trim().parse().unwrap_or(f64::NAN), &field)?;
        let s = (m * 60_000.0).round() / 1000.0;
        if points.last().is_some_and(|(t, _)| *t >= s) {
            return Err(format!(
                "{field}: minute {m} is not after the point before it"
            ));
        }
        points.push((s, r));
    }
    if points.is_empty() {
        return Err("points: draw a line or type minute:rps pairs, such as 0:200, 30:1500".into());
    }
    if points.len() > super::profile::MAX_TRACE_POINTS {
        return Err(format!(
            "points: at most {} points",
            super::profile::MAX_TRACE_POINTS
        ));
    }
    Ok(points)
}

/// The `requests` value (profile components, as the scenario writes them) of a pattern.
pub fn requests(pattern: &Pattern) -> Result<Value, String> {
    Ok(match pattern {
        Pattern::Constant { rps } => {
            json!({"type": "constant", "requestsPerSecond": rate(*rps, "requestsPerSecond")?})
        }
        Pattern::Ramp {
            from,
            to,
            start_min,
            end_min,
        } => {
            let (from, to) = (rate(*from, "from")?, rate(*to, "to")?);
            let start = minutes(*start_min, "start")?;
            let end = minutes(*end_min, "end")?;
            if end <= start {
                return Err("end: must be after start".into());
            }
            json!({"type": "ramp", "from": from, "to": to, "start": secs(start), "end": secs(end)})
        }
        Pattern::Diurnal {
            min,
            max,
            peak_hour,
        } => {
            let (min, max) = (rate(*min, "min")?, rate(*max, "max")?);
            if max < min {
                return Err("max: must be at least min".into());
            }
            if !(peak_hour.is_finite() && (0.0..=24.0).contains(peak_hour)) {
                return Err("peakAt: an hour of the day, 0 to 24".into());
            }
            json!({"type": "diurnal", "min": min, "max": max, "peakAt": secs(peak_hour * 60.0)})
        }
        Pattern::Spikes {
            base,
            extra,
            every_min,
            length_min,
        } => {
            let base = rate(*base, "base")?;
            let extra = rate(*extra, "spike")?;
            let every = minutes(*every_min, "every")?;
            let length = minutes(*length_min, "length")?;
            if every < 1.0 {
                return Err("every: at least 1 minute between spikes".into());
            }
            if length <= 0.0 || length >= every {
                return Err("length: more than 0 and less than the time between spikes".into());
            }
            // Spikes over a day; the profile holds them as a list (at most 1,440).
            let count = (1440.0 / every).floor() as usize;
            let spikes: Vec<Value> = (1..=count)
                .map(|k| {
                    json!({"at": secs(every * k as f64), "duration": secs(length), "requestsPerSecond": extra})
                })
                .collect();
            json!([{"type": "constant", "requestsPerSecond": base}, {"type": "spikes", "spikes": spikes}])
        }
        Pattern::Drawn { points } => {
            let points: Vec<Value> = parse_points(points)?
                .into_iter()
                .map(|(s, r)| json!([s, r]))
                .collect();
            json!({"type": "trace", "points": points})
        }
    })
}

/// Samples `requests` (a profile as the scenario writes it) at `samples` evenly spaced
/// moments over `duration_ms`: (minute, requests/s) pairs, for a preview.
pub fn preview(
    requests: &Value,
    duration_ms: u64,
    samples: usize,
) -> Result<Vec<(f64, f64)>, String> {
    let profile = RateProfile::parse(requests, "requests")?;
    let n = samples.clamp(2, 2000);
    Ok((0..n)
        .map(|i| {
            let t = duration_ms as f64 * i as f64 / (n - 1) as f64;
            (t / 60_000.0, profile.rate_at(SimTime(t.round() as u64)))
        })
        .collect())
}

/// Whether `target` names a target group (`"targetGroup"`), a Classic Load Balancer
/// (`"loadBalancerName"`), a service (`"service"`) or an SQS queue (`"queue"`) of the
/// document, in that order: the key a `loadProfiles[]` entry uses for it.
pub(crate) fn target_key(doc: &Value, target: &str) -> Result<&'static str, String> {
    let named = |section: &str, field: &str| {
        crate::edit::names(doc, section, field)
            .iter()
            .any(|n| n == target)
    };
    if named("targetGroups", "Name") {
        Ok("targetGroup")
    } else if named("classicLoadBalancers", "LoadBalancerName") {
        Ok("loadBalancerName")
    } else if named("services", "serviceName") {
        Ok("service")
    } else if named("queues", "QueueName") {
        Ok("queue")
    } else if target
        .split_once(crate::service_connect::TARGET_ARROW)
        .is_some_and(|(client, _)| {
            crate::edit::names(doc, "services", "serviceName")
                .iter()
                .any(|n| n == client)
        })
    {
        Ok("serviceConnect")
    } else if crate::service_discovery::parse_dns_target(target, "").is_ok_and(|t| {
        crate::service_discovery::dns_targets(doc)
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&t))
    }) {
        Ok("serviceDiscovery")
    } else {
        Err(format!(
            "target: no target group, service or queue named {target}, not a Service Connect target (client{}dnsName:port), and not the DNS name of a Cloud Map service",
            crate::service_connect::TARGET_ARROW
        ))
    }
}

/// The members of a new load profile for `target` (told apart by `key`, from [`target_key`]):
/// `{"targetGroup": "web"}`, or for a Service Connect target `client → backend:8080`
/// `{"client": "client", "serviceConnect": "backend:8080"}`.
pub(crate) fn target_members(key: &str, target: &str) -> Value {
    match target.split_once(crate::service_connect::TARGET_ARROW) {
        Some((client, address)) if key == "serviceConnect" => {
            json!({"client": client, "serviceConnect": address})
        }
        _ => json!({key: target}),
    }
}

/// Whether load profile `p` sends its requests to `target` (told apart by `key`).
pub(crate) fn names_target(p: &Value, key: &str, target: &str) -> bool {
    let member = |k: &str| p.get(k).and_then(Value::as_str);
    match target.split_once(crate::service_connect::TARGET_ARROW) {
        Some((client, address)) if key == "serviceConnect" => {
            member("client") == Some(client)
                && member("serviceConnect")
                    .is_some_and(|a| crate::service_connect::same_address(a, address))
        }
        _ if key == "serviceDiscovery" => member(key).is_some_and(|name| {
            let dns = |n: &str| crate::service_discovery::parse_dns_target(n, "");
            dns(name).is_ok() && dns(name) == dns(target)
        }),
        _ => member(key) == Some(target),
    }
}

/// Sets the requests of `target`'s load profile to `requests` (a pattern's, from
/// [`requests`]), keeping its cost model; adds a profile when the target has none.
pub fn set_requests(doc: &Value, target: &str, requests: Value) -> Result<Value, String> {
    let key = target_key(doc, target)?;
    let mut doc = doc.clone();
    let profiles = crate::edit::section(&mut doc, "loadProfiles");
    match profiles.iter_mut().find(|p| names_target(p, key, target)) {
        Some(p) => p["requests"] = requests,
        None if key == "queue" => return Err(crate::edit::no_producer(target)),
        None => {
            let mut p = target_members(key, target);
            p["requests"] = requests;
            profiles.push(p);
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(requests: &Value, minute: f64) -> f64 {
        RateProfile::parse(requests, "requests")
            .unwrap()
            .rate_at(SimTime((minute * 60_000.0) as u64))
    }

    #[test]
    fn each_pattern_gives_a_profile_the_engine_reads() {
        let ramp = requests(&Pattern::Ramp {
            from: 100.0,
            to: 900.0,
            start_min: 10.0,
            end_min: 50.0,
        })
        .unwrap();
        assert_eq!(at(&ramp, 0.0), 100.0);
        assert_eq!(at(&ramp, 30.0), 500.0);
        assert_eq!(at(&ramp, 60.0), 900.0);
        let diurnal = requests(&Pattern::Diurnal {
            min: 200.0,
            max: 5000.0,
            peak_hour: 14.0,
        })
        .unwrap();
        assert_eq!(at(&diurnal, 14.0 * 60.0), 5000.0);
        assert!((at(&diurnal, 2.0 * 60.0) - 200.0).abs() < 1e-6);
        let spikes = requests(&Pattern::Spikes {
            base: 100.0,
            extra: 2000.0,
            every_min: 30.0,
            length_min: 5.0,
        })
        .unwrap();
        assert_eq!(at(&spikes, 10.0), 100.0);
        assert_eq!(at(&spikes, 32.0), 2100.0);
        assert_eq!(at(&spikes, 61.0), 2100.0);
        let drawn = requests(&Pattern::Drawn {
            points: "0:200, 30:1400; 60:200".into(),
        })
        .unwrap();
        assert_eq!(at(&drawn, 15.0), 800.0);
        assert_eq!(at(&drawn, 90.0), 200.0, "the last rate is held");
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |p: Pattern| requests(&p).unwrap_err();
        assert!(err(Pattern::Constant { rps: -1.0 }).starts_with("requestsPerSecond:"));
        assert!(err(Pattern::Constant { rps: f64::NAN }).starts_with("requestsPerSecond:"));
        assert!(err(Pattern::Ramp {
            from: 1.0,
            to: 2.0,
            start_min: 5.0,
            end_min: 5.0
        })
        .starts_with("end:"));
        assert!(err(Pattern::Diurnal {
            min: 9.0,
            max: 1.0,
            peak_hour: 3.0
        })
        .starts_with("max:"));
        assert!(err(Pattern::Spikes {
            base: 0.0,
            extra: 5.0,
            every_min: 10.0,
            length_min: 10.0
        })
        .starts_with("length:"));
        assert!(err(Pattern::Drawn {
            points: "0:1, 5:2, 5:3".into()
        })
        .starts_with("points[2]:"));
        assert!(err(Pattern::Drawn {
            points: "abc".into()
        })
        .starts_with("points[0]:"));
        assert!(err(Pattern::Drawn { points: " ".into() }).starts_with("points:"));
    }

    #[test]
    fn a_pattern_replaces_the_requests_and_keeps_the_cost() {
        let doc = json!({"version": 1,
            "targetGroups": [{"Name": "web"}],
            "services": [{"serviceName": "api"}],
            "loadProfiles": [{"targetGroup": "web", "requests": {"type": "constant", "requestsPerSecond": 5},
                              "cost": {"cpuUnitMsPerRequest": 10}}]});
        let r = requests(&Pattern::Constant { rps: 300.0 }).unwrap();
        let out = set_requests(&doc, "web", r.clone()).unwrap();
        assert_eq!(out["loadProfiles"][0]["requests"], r);
        assert_eq!(out["loadProfiles"][0]["cost"]["cpuUnitMsPerRequest"], 10);
        let out = set_requests(&out, "api", r.clone()).unwrap();
        assert_eq!(
            out["loadProfiles"][1],
            json!({"service": "api", "requests": r})
        );
        assert!(set_requests(&doc, "nope", r)
            .unwrap_err()
            .starts_with("target:"));
    }

    #[test]
    fn the_preview_samples_the_profile_over_the_run() {
        let r = requests(&Pattern::Ramp {
            from: 0.0,
            to: 600.0,
            start_min: 0.0,
            end_min: 60.0,
        })
        .unwrap();
        let p = preview(&r, 3_600_000, 7).unwrap();
        assert_eq!(p.len(), 7);
        assert_eq!(p[0], (0.0, 0.0));
        assert_eq!(p[3], (30.0, 300.0));
        assert_eq!(p[6], (60.0, 600.0));
        assert!(preview(&json!({"type": "wave"}), 1000, 5).is_err());
    }
}
