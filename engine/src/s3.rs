//! S3 buckets that receive uploads and raise `Object Created` events (9.3).
//!
//! `buckets[]` holds CreateBucket requests; `NotificationConfiguration.EventBridgeConfiguration`
//! (PutBucketNotificationConfiguration's shape) turns EventBridge notifications on, without
//! which no event is sent (9.3); `Objects` lists objects already there. `putObjects[]` holds
//! PutObject calls with an `at` time, or a series of them (`count` uploads `every` seconds
//! apart, keys numbered after `KeyPrefix`): uploads by hand or as a load pattern.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::eventbridge::Event;
use crate::sim::{Simulation, Timer};
use crate::time::{parse_duration_ms, SimTime};

/// Uploads one `putObjects[]` entry may describe.
pub const MAX_UPLOADS_PER_ENTRY: u32 = 10_000;

/// A bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// `Bucket`.
    pub name: String,
    /// EventBridge notifications on.
    pub eventbridge: bool,
    /// Objects: key → size in bytes.
    pub objects: BTreeMap<String, u64>,
}

/// One scheduled upload series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// When the first upload happens.
    pub at_ms: u64,
    /// The bucket.
    pub bucket: String,
    /// The key, or the prefix of numbered keys.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// How many uploads (1 for a single PutObject).
    pub count: u32,
    /// Milliseconds between uploads.
    pub every_ms: u64,
}

fn text(v: &Value, key: &str, path: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| format!("{path}.{key}: required"))
}

/// Parses `buckets[]`.
pub fn parse_buckets(items: &[Value]) -> Result<Vec<Bucket>, String> {
    let mut out: Vec<Bucket> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let path = format!("buckets[{i}]");
        let name = text(v, "Bucket", &path)?;
        let valid = (3..=63).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid {
            return Err(format!("{path}.Bucket: \"{name}\" is not a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"));
        }
        if out.iter().any(|b| b.name == name) {
            return Err(format!("{path}.Bucket: bucket {name} already exists"));
        }
        let mut objects = BTreeMap::new();
        for (j, o) in v
            .get("Objects")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let key = text(o, "Key", &format!("{path}.Objects[{j}]"))?;
            objects.insert(key, o.get("Size").and_then(Value::as_u64).unwrap_or(1024));
        }
        out.push(Bucket {
            name,
            eventbridge: v
                .pointer("/NotificationConfiguration/EventBridgeConfiguration")
                .is_some(),
            objects,
        });
    }
    Ok(out)
}

/// Parses `putObjects[]` against the buckets.
pub fn parse_uploads(items: &[Value], buckets: &[Bucket]) -> Result<Vec<Upload>, String> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = format!("putObjects[{i}]");
            let bucket = text(v, "Bucket", &path)?;
            if !buckets.iter().any(|b| b.name == bucket) {
                return Err(format!("{path}.Bucket: NoSuchBucket: no bucket {bucket} in buckets[]"));
            }
            let (key, count) = match (v.get("Key").and_then(Value::as_str), v.get("KeyPrefix").and_then(Value::as_str)) {
                (Some(k), None) => (k.to_string(), 1),
                (None, Some(p)) => (
                    p.to_string(),
                    v.get("count")
                        .and_then(Value::as_u64)
                        .filter(|n| (1..=u64::from(MAX_UPLOADS_PER_ENTRY)).contains(n))
                        .ok_or_else(|| format!("{path}.count: 1 to {MAX_UPLOADS_PER_ENTRY} uploads of numbered keys"))? as u32,
                ),
                _ => return Err(format!("{path}.Key: give a Key, or a KeyPrefix with a count")),
            };
            let at_ms = match v.get("at") {
                None => 0,
                Some(a) => parse_duration_ms(a).map_err(|e| format!("{path}.at: {e}"))?,
            };
            let every_ms = match v.get("every") {
                None => 60_000,
                Some(e) => parse_duration_ms(e).map_err(|e| format!("{path}.every: {e}"))?.max(1),
            };
            Ok(Upload {
                at_ms,
                bucket,
                key,
                size: v.get("ContentLength").and_then(Value::as_u64).unwrap_or(1024),
                count,
                every_ms,
            })
        })
        .collect()
}

impl Simulation {
    /// Sets the timers of the scenario's uploads.
    pub(crate) fn schedule_uploads(&mut self) {
        for (i, u) in self.scenario.aws.uploads.clone().iter().enumerate() {
            self.schedule(SimTime(u.at_ms), Timer::PutObject(i, 0));
        }
    }

    /// Upload `n` of series `i` happens.
    pub(crate) fn upload(&mut self, i: usize, n: u32) {
        let u = self.scenario.aws.uploads[i].clone();
        let key = if u.count == 1 {
            u.key.clone()
        } else {
            format!("{}{:05}", u.key, n + 1)
        };
        self.put_object(&u.bucket, &key, u.size, "PutObject");
        if n + 1 < u.count {
            self.schedule(self.now().plus_ms(u.every_ms), Timer::PutObject(i, n + 1));
        }
    }

    /// Stores an object and, with EventBridge notifications on, sends `Object Created` (9.3).
    pub(crate) fn put_object(&mut self, bucket: &str, key: &str, size: u64, reason: &str) {
        let Some(b) = self.buckets.iter_mut().find(|b| b.name == bucket) else {
            return;
        };
        b.objects.insert(key.to_string(), size);
        let eventbridge = b.eventbridge;
        let msg = format!("s3://{bucket}/{key} created ({size} bytes, {reason})");
        self.log
            .push(self.now(), crate::event_log::EventKind::AwsService, msg);
        if eventbridge {
            let detail = json!({
                "version": "0",
                "bucket": {"name": bucket},
                "object": {"key": key, "size": size, "etag": format!("{:032x}", size), "sequencer": format!("{:016X}", self.now().as_ms())},
                "request-id": format!("PLAYGROUND{:08}", self.now().as_ms() % 100_000_000),
                "requester": "123456789012",
                "source-ip-address": "203.0.113.10",
                "reason": reason,
            });
            self.put_event(Event {
                source: "aws.s3".to_string(),
                detail_type: "Object Created".to_string(),
                resources: vec![format!("arn:aws:s3:::{bucket}")],
                detail,
            });
        }
    }

    /// The buckets and their objects.
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_uploads_name_their_fields() {
        let b = parse_buckets(&[json!({"Bucket": "uploads", "NotificationConfiguration": {"EventBridgeConfiguration": {}}})]).unwrap();
        assert!(b[0].eventbridge);
        assert!(parse_buckets(&[json!({"Bucket": "Bad_Name"})])
            .unwrap_err()
            .starts_with("buckets[0].Bucket"));
        let e = parse_uploads(&[json!({"Bucket": "other", "Key": "a"})], &b).unwrap_err();
        assert!(e.starts_with("putObjects[0].Bucket: NoSuchBucket"), "{e}");
        let u = parse_uploads(
            &[json!({"Bucket": "uploads", "KeyPrefix": "in/", "count": 3, "every": "PT10M"})],
            &b,
        )
        .unwrap();
        assert_eq!((u[0].count, u[0].every_ms), (3, 600_000));
    }
}
