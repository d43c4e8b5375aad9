//! EventBridge event patterns: which events a rule matches.
//!
//! A pattern is a JSON object whose fields mirror the event's. A nested object descends into
//! the event; an array lists the accepted values of a leaf (any one matches, and an array in
//! the event matches when any of its elements does). Array elements are literals or content
//! filters: `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but` (a value, a
//! list or a `prefix`), `exists` and `numeric` comparisons.

use serde_json::Value;

/// A checked event pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPattern(Value);

impl EventPattern {
    /// Parses `EventPattern` (a JSON object, or a string holding one as PutRule takes it).
    pub fn parse(v: &Value, path: &str) -> Result<EventPattern, String> {
        let v = match v {
            Value::String(s) => serde_json::from_str(s)
                .map_err(|e| format!("{path}: Event pattern is not valid JSON ({e})"))?,
            other => other.clone(),
        };
        check(&v, path)?;
        Ok(EventPattern(v))
    }

    /// Whether `event` (the full envelope: `source`, `detail-type`, `detail`, ...) matches.
    pub fn matches(&self, event: &Value) -> bool {
        object_matches(&self.0, event)
    }
}

fn check(v: &Value, path: &str) -> Result<(), String> {
    let Value::Object(map) = v else {
        return Err(format!("{path}: Event pattern must be a JSON object"));
    };
    if map.is_empty() {
        return Err(format!("{path}: Event pattern is empty"));
    }
    for (k, child) in map {
        let at = format!("{path}.{k}");
        match child {
            Value::Object(_) => check(child, &at)?,
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(format!("{at}: Empty arrays are not allowed"));
                }
                for item in items {
                    if let Value::Object(filter) = item {
                        let name = filter.keys().next().map(String::as_str).unwrap_or("");
                        if filter.len() != 1
                            || !matches!(
                                name,
                                "prefix"
                                    | "suffix"
                                    | "equals-ignore-case"
                                    | "wildcard"
                                    | "anything-but"
                                    | "exists"
                                    | "numeric"
                            )
                        {
                            return Err(format!("{at}: Unrecognized match type {name}"));
                        }
                    }
                }
            }
            _ => {
                return Err(format!(
                    "{at}: Match value must be String, number, true, false, or null"
                ))
            }
        }
    }
    Ok(())
}

fn object_matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(map) = pattern else {
        return false;
    };
    map.iter().all(|(k, p)| {
        let field = event.get(k);
        match p {
            // A nested pattern against an array of objects matches when any element does.
            Value::Object(_) => field.is_some_and(|f| match f {
                Value::Array(items) => items.iter().any(|i| object_matches(p, i)),
                other => object_matches(p, other),
            }),
            Value::Array(accepted) => accepted.iter().any(|a| leaf_matches(a, field)),
            _ => false,
        }
    })
}

fn leaf_matches(accepted: &Value, field: Option<&Value>) -> bool {
    if let Value::Object(filter) = accepted {
        if let Some(exists) = filter.get("exists").and_then(Value::as_bool) {
            return field.is_some() == exists;
        }
    }
    let Some(field) = field else {
        return false;
    };
    if let Value::Array(values) = field {
        return values.iter().any(|v| one_matches(accepted, v));
    }
    one_matches(accepted, field)
}

fn one_matches(accepted: &Value, value: &Value) -> bool {
    let Value::Object(filter) = accepted else {
        return literal_eq(accepted, value);
    };
    let s = value.as_str();
    match filter.iter().next() {
        Some((name, arg)) => match name.as_str() {
            "prefix" => match (arg, s) {
                (Value::String(p), Some(s)) => s.starts_with(p.as_str()),
                _ => false,
            },
            "suffix" => match (arg, s) {
                (Value::String(p), Some(s)) => s.ends_with(p.as_str()),
                _ => false,
            },
            "equals-ignore-case" => match (arg, s) {
                (Value::String(p), Some(s)) => s.eq_ignore_ascii_case(p),
                _ => false,
            },
            "wildcard" => match (arg, s) {
                (Value::String(p), Some(s)) => crate::iam::glob(p, s, false),
                _ => false,
            },
            "anything-but" => match arg {
                Value::Array(list) => !list.iter().any(|x| literal_eq(x, value)),
                Value::Object(_) => !one_matches(arg, value),
                other => !literal_eq(other, value),
            },
            "numeric" => value.as_f64().is_some_and(|n| numeric(arg, n)),
            _ => false,
        },
        None => false,
    }
}

fn literal_eq(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn numeric(arg: &Value, n: f64) -> bool {
    let Some(list) = arg.as_array() else {
        return false;
    };
    list.chunks(2).all(|pair| {
        match (
            pair.first().and_then(Value::as_str),
            pair.get(1).and_then(Value::as_f64),
        ) {
            (Some(op), Some(x)) => match op {
                "<" => n < x,
                "<=" => n <= x,
                "=" => n == x,
                ">=" => n >= x,
                ">" => n > x,
                _ => false,
            },
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task_stopped(stop_code: &str) -> Value {
        json!({"source": "aws.ecs", "detail-type": "ECS Task State Change",
               "detail": {"lastStatus": "STOPPED", "stopCode": stop_code, "group": "family:batch",
                          "containers": [{"name": "job", "exitCode": 1}]}})
    }

    #[test]
    fn literals_nesting_and_content_filters() {
        let p = EventPattern::parse(&json!({"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
            "detail": {"lastStatus": ["STOPPED"], "stopCode": [{"anything-but": "UserInitiated"}]}}), "p").unwrap();
        assert!(p.matches(&task_stopped("EssentialContainerExited")));
        assert!(!p.matches(&task_stopped("UserInitiated")));
        let p = EventPattern::parse(&json!({"detail": {"group": [{"prefix": "family:"}], "containers": {"exitCode": [{"numeric": [">", 0]}]}}}), "p").unwrap();
        assert!(
            p.matches(&task_stopped("x")),
            "arrays in the event match any element"
        );
        let p =
            EventPattern::parse(&json!({"detail": {"reason": [{"exists": false}]}}), "p").unwrap();
        assert!(p.matches(&task_stopped("x")));
        let s3 = json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": "uploads"}, "object": {"key": "in/a.csv"}}});
        let p = EventPattern::parse(&json!("{\"source\": [\"aws.s3\"], \"detail\": {\"object\": {\"key\": [{\"suffix\": \".csv\"}]}}}"), "p").unwrap();
        assert!(p.matches(&s3));
    }

    #[test]
    fn bad_patterns_name_the_field() {
        assert!(
            EventPattern::parse(&json!({"source": []}), "eventRules[0].EventPattern")
                .unwrap_err()
                .starts_with("eventRules[0].EventPattern.source")
        );
        assert!(EventPattern::parse(&json!({"source": "aws.ecs"}), "p")
            .unwrap_err()
            .contains("Match value"));
        assert!(
            EventPattern::parse(&json!({"detail": {"x": [{"regex": "a"}]}}), "p")
                .unwrap_err()
                .contains("Unrecognized match type")
        );
        assert!(EventPattern::parse(&json!("{not json"), "p").is_err());
    }
}
