//! SQS queues for worker services (9.4): producers add messages at a rate, the consumer
//! service's RUNNING tasks take them as fast as their CPU allows, and the backlog becomes
//! `AWS/SQS ApproximateNumberOfMessagesVisible`, the metric of backlog-per-task scaling.
//!
//! A `queues[]` entry is a CreateQueue request (`QueueName`, `Attributes` kept), plus the
//! playground's own `initialMessages`.

use serde_json::Value;

/// A queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// `QueueName`.
    pub name: String,
    /// Messages waiting.
    pub backlog: f64,
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
        })
    }
}
