//! SQS queues for worker services (9.4): producers add messages at a rate, the consumer
//! service's RUNNING tasks take them as fast as their CPU allows, and the backlog becomes
//! `AWS/SQS ApproximateNumberOfMessagesVisible`, the metric of backlog-per-task scaling.
//!
//! A `queues[]` entry is a CreateQueue request (`QueueName`, `Attributes` with
//! `VisibilityTimeout`), plus the playground's own `initialMessages`.
//!
//! A worker holds the messages it is processing (its rate × its latency, by Little's law);
//! they are `ApproximateNumberOfMessagesNotVisible`. A worker stopped gracefully (scale-in,
//! deployment) finishes them; one that dies (OOM, an instance or Spot task gone, a crash)
//! leaves them to reappear after the queue's `VisibilityTimeout` (default 30 s).

use serde_json::Value;

/// A queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// `QueueName`.
    pub name: String,
    /// Messages waiting.
    pub backlog: f64,
    /// `VisibilityTimeout` in milliseconds (default 30 s, at most 12 h).
    pub visibility_timeout_ms: u64,
    /// Messages of dead workers that become visible again: (when, how many).
    pub returning: Vec<(crate::time::SimTime, f64)>,
}

/// `VisibilityTimeout` default, seconds.
pub const DEFAULT_VISIBILITY_TIMEOUT_S: u64 = 30;

/// `Attributes.VisibilityTimeout` (a string of seconds, as CreateQueue takes it, or a number).
fn visibility_timeout_s(v: &Value, path: &str) -> Result<u64, String> {
    let Some(raw) = v.pointer("/Attributes/VisibilityTimeout") else {
        return Ok(DEFAULT_VISIBILITY_TIMEOUT_S);
    };
    let secs = match raw {
        Value::String(s) => s.trim().parse::<u64>().ok(),
        other => other.as_u64(),
    };
    secs.filter(|s| *s <= 43_200)
        .ok_or_else(|| format!("{path}.Attributes.VisibilityTimeout: 0 to 43200 seconds"))
}

impl Queue {
    /// Parses `queues[i]`.
    pub fn parse(v: &Value, path: &str) -> Result<Queue, String> {
        let name = v
            .get("QueueName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && n.len() <= 80)
            .ok_or_else(|| format!("{path}.QueueName: required, at most 80 characters"))?;
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(format!(
                "{path}.QueueName: \"{name}\" may hold only letters, digits, hyphens and underscores"
            ));
        }
        let backlog = match v.get("initialMessages") {
            None => 0.0,
            Some(n) => n
                .as_f64()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| format!("{path}.initialMessages: must be a number ≥ 0"))?,
        };
        Ok(Queue {
            name: name.to_string(),
            backlog,
            visibility_timeout_ms: visibility_timeout_s(v, path)? * 1000,
            returning: Vec::new(),
        })
    }
}
