//! SNS topics with email subscriptions: where "alert the administrators" ends (9, architecture
//! 4). A publish to a topic sends one notification per subscription, which the UI lists as
//! "emails sent".
//!
//! `snsTopics[]` holds CreateTopic requests (`Name`) with their `Subscriptions`
//! (Subscribe requests' `Protocol` and `Endpoint`).

use serde_json::Value;

use crate::sim::Simulation;
use crate::time::SimTime;

/// A topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// `Name`.
    pub name: String,
    /// `(Protocol, Endpoint)` of each subscription.
    pub subscriptions: Vec<(String, String)>,
}

impl Topic {
    /// `arn:aws:sns:us-east-1:123456789012:<name>`.
    pub fn arn(&self) -> String {
        format!("arn:aws:sns:us-east-1:123456789012:{}", self.name)
    }
}

/// One notification delivered to a subscriber.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Simulated milliseconds.
    pub at_ms: u64,
    /// The topic.
    pub topic: String,
    /// `email`, `sqs`, ...
    pub protocol: String,
    /// The address.
    pub endpoint: String,
    /// The message.
    pub message: String,
}

/// Parses `snsTopics[]`.
pub fn parse_topics(items: &[Value]) -> Result<Vec<Topic>, String> {
    let mut out: Vec<Topic> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let path = format!("snsTopics[{i}]");
        let name = v
            .get("Name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && n.len() <= 256)
            .ok_or_else(|| format!("{path}.Name: required"))?
            .to_string();
        if out.iter().any(|t| t.name == name) {
            return Err(format!("{path}.Name: topic {name} already exists"));
        }
        let mut subscriptions = Vec::new();
        for (j, s) in v
            .get("Subscriptions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let at = format!("{path}.Subscriptions[{j}]");
            let protocol = s
                .get("Protocol")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{at}.Protocol: required"))?;
            if !matches!(protocol, "email" | "email-json" | "sms" | "https" | "sqs") {
                return Err(format!(
                    "{at}.Protocol: \"{protocol}\" is not email, email-json, sms, https or sqs"
                ));
            }
            let endpoint = s
                .get("Endpoint")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{at}.Endpoint: required"))?;
            subscriptions.push((protocol.to_string(), endpoint.to_string()));
        }
        out.push(Topic {
            name,
            subscriptions,
        });
    }
    Ok(out)
}

impl Simulation {
    /// Publishes `message` to the topic named by `arn`; false when there is no such topic.
    pub(crate) fn sns_publish(&mut self, arn: &str, message: &str) -> bool {
        let name = arn.rsplit(':').next().unwrap_or(arn);
        let Some(topic) = self.topics.iter().find(|t| t.name == name).cloned() else {
            return false;
        };
        let now: SimTime = self.now();
        for (protocol, endpoint) in &topic.subscriptions {
            self.notifications.push(Notification {
                at_ms: now.as_ms(),
                topic: topic.name.clone(),
                protocol: protocol.clone(),
                endpoint: endpoint.clone(),
                message: message.to_string(),
            });
            let msg = format!("SNS {}: {protocol} sent to {endpoint}", topic.name);
            self.log
                .push(now, crate::event_log::EventKind::AwsService, msg);
        }
        true
    }

    /// Notifications delivered so far ("emails sent").
    pub fn notifications(&self) -> &[Notification] {
        &self.notifications
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn topics_parse_with_subscriptions() {
        let t = parse_topics(&[json!({"Name": "ops", "Subscriptions": [{"Protocol": "email", "Endpoint": "ops@example.com"}]})]).unwrap();
        assert_eq!(t[0].arn(), "arn:aws:sns:us-east-1:123456789012:ops");
        let e = parse_topics(&[
            json!({"Name": "ops", "Subscriptions": [{"Protocol": "pigeon", "Endpoint": "x"}]}),
        ])
        .unwrap_err();
        assert!(
            e.starts_with("snsTopics[0].Subscriptions[0].Protocol"),
            "{e}"
        );
    }
}
