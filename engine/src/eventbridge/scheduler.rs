//! EventBridge Scheduler (9.2): `schedules[]` holds CreateSchedule requests verbatim. A
//! schedule starts tasks through `RunTask` (or sends to an SNS topic or an SQS queue) at its
//! `at(...)`, `rate(...)` or `cron(...)` in its `ScheduleExpressionTimezone`, between its
//! `StartDate` and `EndDate`; the expressions and time zones follow the rules of scheduled
//! actions (5.5). A one-time `at(...)` schedule fires once.
//!
//! [unconfirmed] choices: a `FLEXIBLE` time window fires at its start (AWS picks a moment
//! within the window; its start keeps runs easy to compare), and the invocation goes out after
//! the same delivery delay as a rule's. `ActionAfterCompletion` is accepted and changes nothing
//! in a run.

use serde_json::Value;

use super::{parse_state, parse_target, Rule, Timing, Trigger};
use crate::autoscaling::schedule::{parse_schedule, parse_timezone, Zone};
use crate::autoscaling::scheduled::time_window;

/// Parses `schedules[]` (CreateSchedule requests) into rules the EventBridge module runs; the
/// error names the field.
pub fn parse_schedules(items: &[Value]) -> Result<Vec<Rule>, String> {
    let mut out: Vec<Rule> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let path = format!("schedules[{i}]");
        let text = |k: &str| v.get(k).and_then(Value::as_str);
        let name = text("Name")
            .filter(|n| !n.is_empty() && n.len() <= 64)
            .ok_or_else(|| format!("{path}.Name: required, at most 64 characters"))?
            .to_string();
        if out.iter().any(|r| r.name == name) {
            return Err(format!("{path}.Name: schedule {name} already exists"));
        }
        let expression = text("ScheduleExpression").ok_or_else(|| {
            format!("{path}.ScheduleExpression: required, e.g. at(2025-01-01T09:00:00), rate(1 hour) or cron(0 9 * * ? *)")
        })?;
        let schedule =
            parse_schedule(expression).map_err(|e| format!("{path}.ScheduleExpression: {e}"))?;
        let zone = match text("ScheduleExpressionTimezone") {
            None => Zone::utc(),
            Some(z) => {
                parse_timezone(z).map_err(|e| format!("{path}.ScheduleExpressionTimezone: {e}"))?
            }
        };
        let (start_ms, end_ms) = time_window(v, &path, "StartDate", "EndDate")?;
        let window = v.get("FlexibleTimeWindow").ok_or_else(|| {
            format!("{path}.FlexibleTimeWindow: required, e.g. {{\"Mode\": \"OFF\"}}")
        })?;
        match window.get("Mode").and_then(Value::as_str) {
            Some("OFF") => {}
            Some("FLEXIBLE") => {
                let minutes = window.get("MaximumWindowInMinutes").and_then(Value::as_u64);
                if !minutes.is_some_and(|m| (1..=1440).contains(&m)) {
                    return Err(format!(
                        "{path}.FlexibleTimeWindow.MaximumWindowInMinutes: 1 to 1440 with Mode FLEXIBLE"
                    ));
                }
            }
            _ => return Err(format!("{path}.FlexibleTimeWindow.Mode: OFF or FLEXIBLE")),
        }
        let enabled = parse_state(v, &path)?;
        if let Some(action) = text("ActionAfterCompletion") {
            if !matches!(action, "NONE" | "DELETE") {
                return Err(format!(
                    "{path}.ActionAfterCompletion: \"{action}\" is not NONE or DELETE"
                ));
            }
        }
        let target = v
            .get("Target")
            .ok_or_else(|| format!("{path}.Target: required"))?;
        let target = parse_target(target, &format!("{path}.Target"))?;
        out.push(Rule {
            name,
            trigger: Trigger::Schedule(Timing {
                expression: expression.to_string(),
                schedule,
                zone,
                start_ms,
                end_ms,
            }),
            enabled,
            targets: vec![target],
            scheduler: true,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schedule(extra: Value) -> Value {
        let mut v = json!({
            "Name": "nightly-report",
            "ScheduleExpression": "cron(0 2 * * ? *)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/default",
                "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
                "EcsParameters": {"TaskDefinitionArn": "report", "TaskCount": 1}}
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    }

    #[test]
    fn section_9_2_create_schedule_requests_parse_with_their_zone_and_window() {
        let rules = parse_schedules(&[schedule(json!({
            "ScheduleExpressionTimezone": "Europe/Paris",
            "StartDate": "2025-01-02T00:00:00Z",
            "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
        }))])
        .unwrap();
        let r = &rules[0];
        assert!(r.scheduler && r.enabled);
        let Trigger::Schedule(t) = &r.trigger else {
            panic!("a schedule")
        };
        assert_eq!(t.expression, "cron(0 2 * * ? *)");
        assert_ne!(t.zone, Zone::utc());
        assert!(t.start_ms.is_some() && t.end_ms.is_none());
        assert_eq!(
            r.targets[0].arn,
            "arn:aws:ecs:us-east-1:123456789012:cluster/default"
        );
    }

    #[test]
    fn bad_create_schedule_requests_name_the_field() {
        let cases = [
            (
                json!({"ScheduleExpression": "rate(5 hour)"}),
                "schedules[0].ScheduleExpression",
            ),
            (
                json!({"ScheduleExpressionTimezone": "Mars/Olympus"}),
                "schedules[0].ScheduleExpressionTimezone",
            ),
            (
                json!({"FlexibleTimeWindow": {"Mode": "FLEXIBLE"}}),
                "schedules[0].FlexibleTimeWindow.MaximumWindowInMinutes",
            ),
            (
                json!({"FlexibleTimeWindow": null}),
                "schedules[0].FlexibleTimeWindow",
            ),
            (
                json!({"StartDate": "2025-02-01T00:00:00Z", "EndDate": "2025-01-01T00:00:00Z"}),
                "schedules[0].EndDate",
            ),
            (
                json!({"Target": {"Arn": "arn:aws:lambda:us-east-1:1:function:f"}}),
                "schedules[0].Target.Arn",
            ),
            (json!({"State": "PAUSED"}), "schedules[0].State"),
        ];
        for (extra, field) in cases {
            let e = parse_schedules(&[schedule(extra.clone())]).unwrap_err();
            assert!(e.starts_with(field), "{extra}: {e}");
        }
        let twice = parse_schedules(&[schedule(json!({})), schedule(json!({}))]).unwrap_err();
        assert!(twice.starts_with("schedules[1].Name"), "{twice}");
    }
}
