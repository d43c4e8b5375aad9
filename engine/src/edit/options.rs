//! The scenario's `options` where AWS is silent (section 12 of the behaviour reference): each
//! choice the simulator makes for AWS, listed with its default and what AWS does say, so the
//! app can show the assumptions of a run and switch them. An option set back to its default
//! leaves the document.

use serde_json::{Map, Value};

/// What values an option takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptionKind {
    /// One of these spellings.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Flag,
    /// A number from `min` to `max`; `whole` when only whole numbers are allowed.
    Number {
        /// The least value.
        min: f64,
        /// The greatest value.
        max: f64,
        /// Whole numbers only.
        whole: bool,
    },
}

/// One switchable assumption.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assumption {
    /// Its path under `options`, e.g. `targetTrackingAlarms.lowAlarmFraction`.
    pub path: &'static str,
    /// What it decides, in a few words.
    pub label: &'static str,
    /// Its values.
    pub kind: OptionKind,
    /// The default, as written in the document.
    pub default: &'static str,
    /// What AWS documents, and where it is silent.
    pub note: &'static str,
}

/// The assumptions a user may switch, in the order of section 12.
pub const ASSUMPTIONS: &[Assumption] = &[
    // Section 12 item 1.
    Assumption {
        path: "placementTieBreak",
        label: "Placement tie-break",
        kind: OptionKind::Choice(&["random", "firstRegistered"]),
        default: "random",
        note: "AWS does not say how it picks among instances the strategies rank equal.",
    },
    // Section 12 item 1.
    Assumption {
        path: "spreadCountsPending",
        label: "Spread counts PENDING tasks, not only RUNNING ones",
        kind: OptionKind::Flag,
        default: "true",
        note: "AWS does not say; counting them makes a batch placed at once spread.",
    },
    // Section 12 item 2.
    Assumption {
        path: "dynamicHostPorts",
        label: "Dynamic host port",
        kind: OptionKind::Choice(&["random", "lowest"]),
        default: "random",
        note: "AWS does not say which free port of the ephemeral range a task gets.",
    },
    // Section 12 item 4.
    Assumption {
        path: "capacity.weightTies",
        label: "Capacity provider split: a tie goes to",
        kind: OptionKind::Choice(&["higherWeight", "strategyOrder"]),
        default: "higherWeight",
        note: "AWS documents base and weight, not how an uneven split rounds.",
    },
    // Section 12 item 5.
    Assumption {
        path: "targetTrackingAlarms.highAlarmDatapoints",
        label: "Target tracking: minutes above the target to scale out",
        kind: OptionKind::Number {
            min: 1.0,
            max: 1440.0,
            whole: true,
        },
        default: "3",
        note: "Observed in the alarms AWS creates, not documented.",
    },
    // Section 12 item 5.
    Assumption {
        path: "targetTrackingAlarms.lowAlarmDatapoints",
        label: "Target tracking: minutes under the low threshold to scale in",
        kind: OptionKind::Number {
            min: 1.0,
            max: 1440.0,
            whole: true,
        },
        default: "15",
        note: "Observed in the alarms AWS creates, not documented.",
    },
    // Section 12 item 5.
    Assumption {
        path: "targetTrackingAlarms.lowAlarmFraction",
        label: "Target tracking: low threshold, as a fraction of the target",
        kind: OptionKind::Number {
            min: 0.01,
            max: 1.0,
            whole: false,
        },
        default: "0.9",
        note: "AWS speaks of a gap of more than 10 %.",
    },
    // Section 12 item 6.
    Assumption {
        path: "targetTrackingAlarms.scaleInFraction",
        label: "Target tracking: share of the decrease one scale-in removes",
        kind: OptionKind::Number {
            min: 0.01,
            max: 1.0,
            whole: false,
        },
        default: "1",
        note: "AWS only says scale-in is gradual and never removes too much.",
    },
    // Section 12 item 7.
    Assumption {
        path: "capacity.provisioningTasksPerCluster",
        label: "Quota: tasks in PROVISIONING per cluster",
        kind: OptionKind::Number {
            min: 1.0,
            max: 100000.0,
            whole: true,
        },
        default: "500",
        note: "The quota exists; 500 is the value commonly quoted.",
    },
    // Section 12 item 7, the same AWS blog.
    Assumption {
        path: "capacity.provisioningTimeoutMinutes",
        label: "Minutes a task waits in PROVISIONING for capacity before it stops",
        kind: OptionKind::Number {
            min: 1.0,
            max: 1440.0,
            whole: true,
        },
        default: "30",
        note: "An AWS blog says between 10 and 30 minutes.",
    },
    // Section 12 item 8.
    Assumption {
        path: "capacity.withoutStrategy",
        label: "No launch type and no default strategy",
        kind: OptionKind::Choice(&["EC2", "reject"]),
        default: "EC2",
        note: "Historically the EC2 launch type; AWS no longer says.",
    },
    // Section 12 item 9.
    Assumption {
        path: "capacity.fargateSpotStopCode",
        label: "stopCode of an interrupted Fargate Spot task",
        kind: OptionKind::Choice(&["SpotInterruption", "TerminationNotice"]),
        default: "SpotInterruption",
        note: "AWS documents both codes for this case.",
    },
    // Section 12 item 11.
    Assumption {
        path: "capacity.reservationFormula",
        label: "CapacityProviderReservation when nothing waits",
        kind: OptionKind::Choice(&["ratio", "emptyCount"]),
        default: "ratio",
        note: "M / N × 100, or the 2023 guide's 100 minus empty instances.",
    },
    // Section 12 item 11.
    Assumption {
        path: "capacity.scaleInStep",
        label: "Managed scaling: scale-in",
        kind: OptionKind::Choice(&["toGoal", "halfPerMinute"]),
        default: "toGoal",
        note: "AWS says step by step, more than one instance and less than 50 %.",
    },
    // Section 12 item 11.
    Assumption {
        path: "capacity.scaleFromZero",
        label: "Managed scaling from no instances",
        kind: OptionKind::Choice(&["estimate", "twoInstances"]),
        default: "estimate",
        note: "The guide's \"scales out to 200 %\" is ambiguous.",
    },
    // Managed Instances infrastructure optimization (not in section 12: Managed Instances
    // came later).
    Assumption {
        path: "capacity.underutilizedInstances",
        label: "Managed Instances: an underutilized instance is one whose tasks",
        kind: OptionKind::Choice(&["consolidateOrRightSize", "consolidate", "never"]),
        default: "consolidateOrRightSize",
        note: "AWS drains underutilized instances but publishes no threshold: here, tasks that fit on other instances of the zone, or that a cheaper type runs.",
    },
    // Section 12 item 12.
    Assumption {
        path: "initialHealthChecks",
        label: "Passing health checks a new target needs",
        kind: OptionKind::Number {
            min: 1.0,
            max: 10.0,
            whole: true,
        },
        default: "",
        note: "Blank: the target group's HealthyThresholdCount, as the ECS guide says; the ALB guide says 1.",
    },
    // Section 12 item 12.
    Assumption {
        path: "requestCountPerTargetDivisor",
        label: "RequestCountPerTarget divides by",
        kind: OptionKind::Choice(&["healthyTargets", "registeredTargets"]),
        default: "healthyTargets",
        note: "AWS's metric list says healthy targets; what it does while none is healthy is not said.",
    },
    // Section 12 item 13.
    Assumption {
        path: "missingAttributeMatchesNegations",
        label: "memberOf: != matches instances without the attribute",
        kind: OptionKind::Flag,
        default: "false",
        note: "AWS's example suggests it does not.",
    },
    // Section 12 item 14.
    Assumption {
        path: "lifecycle.throttleFirstSeconds",
        label: "Service throttle: first back-off, seconds",
        kind: OptionKind::Number {
            min: 0.0,
            max: 900.0,
            whole: false,
        },
        default: "30",
        note: "Only the 15-minute cap is documented; the back-off doubles up to it.",
    },
    // Section 10.1: AWS names ACTIVATING, not its length.
    Assumption {
        path: "lifecycle.activatingSeconds",
        label: "ACTIVATING, seconds (the end of the container start)",
        kind: OptionKind::Number {
            min: 0.0,
            max: 86400.0,
            whole: false,
        },
        default: "1",
        note: "AWS documents the state (networking, load balancer registration), not how long it lasts.",
    },
    // Section 10.1: AWS names DEPROVISIONING (ENI detach and delete), not its length.
    Assumption {
        path: "lifecycle.deprovisioningSeconds",
        label: "DEPROVISIONING of an awsvpc task, seconds (its ENI stays until STOPPED)",
        kind: OptionKind::Number {
            min: 0.0,
            max: 86400.0,
            whole: false,
        },
        default: "10",
        note: "AWS documents the state (ENI detach and delete), not how long it lasts.",
    },
    // Warm pools: AWS says instances leave the pool faster than cold launches, not how fast.
    Assumption {
        path: "capacity.warmPoolStartSeconds",
        label: "Warm pool: a Warmed:Stopped instance into service, seconds",
        kind: OptionKind::Number {
            min: 0.0,
            max: 86400.0,
            whole: false,
        },
        default: "30",
        note: "AWS documents that a warm instance skips the launch's initialization, not how long its start and the agent's registration take.",
    },
    Assumption {
        path: "capacity.warmPoolResumeSeconds",
        label: "Warm pool: a Warmed:Hibernated instance into service, seconds",
        kind: OptionKind::Number {
            min: 0.0,
            max: 86400.0,
            whole: false,
        },
        default: "20",
        note: "AWS documents that hibernated instances resume with their memory, not how long it takes.",
    },
    Assumption {
        path: "capacity.warmPoolSettleSeconds",
        label: "Warm pool without ECS_WARM_POOLS_CHECK: seconds a warming instance takes tasks",
        kind: OptionKind::Number {
            min: 0.0,
            max: 86400.0,
            whole: false,
        },
        default: "30",
        note: "The ECS guide requires ECS_WARM_POOLS_CHECK=true; how long an unchecked agent stays registered and reachable before its instance stops in the pool is not said.",
    },
    // Service Connect: the ECS guide gives the proxy's rules, not Envoy's settings behind them.
    Assumption {
        path: "serviceConnect.healthGateSeconds",
        label: "Service Connect: seconds an UNKNOWN or UNHEALTHY task waits for traffic",
        kind: OptionKind::Number {
            min: 0.0,
            max: 480.0,
            whole: false,
        },
        default: "480",
        note: "The ECS guide says a task whose health check is not HEALTHY is held back \"up to 8 minutes\", not how the timeout is computed.",
    },
    Assumption {
        path: "serviceConnect.maxEjectionPercent",
        label: "Service Connect: most of an endpoint's tasks outlier detection avoids at once, %",
        kind: OptionKind::Number {
            min: 0.0,
            max: 100.0,
            whole: true,
        },
        default: "10",
        note: "The ECS guide says a task with 5 failures in 30 seconds is avoided for 30 to 300 seconds, not how many may be at once (Envoy's default: 10 %, at least one).",
    },
    Assumption {
        path: "serviceConnect.panicThresholdPercent",
        label: "Service Connect: below this share of tasks left, the avoided ones take traffic, %",
        kind: OptionKind::Number {
            min: 0.0,
            max: 100.0,
            whole: true,
        },
        default: "50",
        note: "Not documented for Service Connect; Envoy's default panic threshold is 50 %: with fewer healthy hosts it sends to all of them.",
    },
    // Service discovery: Cloud Map's delay is approximate; what clients do is up to them.
    Assumption {
        path: "serviceDiscovery.customHealthDelaySeconds",
        label: "Service discovery: seconds Cloud Map takes to apply a health status ECS reports",
        kind: OptionKind::Number {
            min: 0.0,
            max: 300.0,
            whole: false,
        },
        default: "30",
        note: "The Cloud Map API says it waits \"approximately 30 seconds\" after UpdateInstanceCustomHealthStatus before changing the instance's status.",
    },
    Assumption {
        path: "serviceDiscovery.clientsTryOtherAddresses",
        label: "Service discovery: a client tries another address of its DNS answer when one refuses",
        kind: OptionKind::Flag,
        default: "false",
        note: "Up to the client's software (Route 53: \"client software can try another IP address in the response\"); by default a request to a stopped task's cached address fails.",
    },
    // EBS volumes attached to tasks: AWS gives no figure for how long they take.
    Assumption {
        path: "ebs.attachSeconds",
        label: "EBS volumes: seconds to create and attach a task's volume (PROVISIONING)",
        kind: OptionKind::Number {
            min: 0.0,
            max: 3600.0,
            whole: false,
        },
        default: "10",
        note: "The ECS guide says the volume is created and attached before the task runs, not how long it takes.",
    },
    Assumption {
        path: "ebs.detachSeconds",
        label: "EBS volumes: seconds to detach and delete it (DEPROVISIONING)",
        kind: OptionKind::Number {
            min: 0.0,
            max: 3600.0,
            whole: false,
        },
        default: "10",
        note: "Not documented; the task stays DEPROVISIONING while its volume detaches.",
    },
];

/// The option's value in the document as text (`firstRegistered`, `0.5`, `true`), or its
/// default when the document does not set it.
pub fn assumption_value(doc: &Value, a: &Assumption) -> String {
    let mut at = doc.get("options");
    for key in a.path.split('.') {
        at = at.and_then(|v| v.get(key));
    }
    match at {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => a.default.to_string(),
    }
}

/// Sets the option at `path` from `text`; its default (or blank) removes it from the document.
/// The text is checked against the option's kind here, with an error naming the field; the
/// loader checks the rest.
pub fn set_assumption(doc: &Value, path: &str, text: &str) -> Result<Value, String> {
    let a = ASSUMPTIONS
        .iter()
        .find(|a| a.path == path)
        .ok_or_else(|| format!("options.{path}: not an option the playground switches"))?;
    let text = text.trim();
    let value = if text.is_empty() || text == a.default {
        None
    } else {
        Some(match a.kind {
            OptionKind::Choice(spellings) => {
                if !spellings.contains(&text) {
                    return Err(format!(
                        "options.{path}: \"{text}\" is not one of {}",
                        spellings.join(", ")
                    ));
                }
                Value::from(text)
            }
            OptionKind::Flag => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(format!("options.{path}: must be true or false")),
            },
            OptionKind::Number { min, max, whole } => {
                let n: f64 = text
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite() && (min..=max).contains(n))
                    .filter(|n| !whole || n.fract() == 0.0)
                    .ok_or_else(|| {
                        let what = if whole { "a whole number" } else { "a number" };
                        format!("options.{path}: \"{text}\" is not {what} from {min} to {max}")
                    })?;
                // Whole numbers are written as integers (`450`, not `450.0`).
                if n.fract() == 0.0 {
                    Value::from(n as u64)
                } else {
                    Value::from(n)
                }
            }
        })
    };
    let mut out = doc.clone();
    write_option(&mut out, path, value);
    crate::Scenario::from_value(out.clone()).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Sets every assumption back to its default: each leaves the document, which is checked
/// once.
pub fn reset_assumptions(doc: &Value) -> Result<Value, String> {
    let mut out = doc.clone();
    for a in ASSUMPTIONS {
        write_option(&mut out, a.path, None);
    }
    crate::Scenario::from_value(out.clone()).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Sets (or with `None` removes) `options.<path>` in the document.
fn write_option(doc: &mut Value, path: &str, value: Option<Value>) {
    let keys: Vec<&str> = std::iter::once("options").chain(path.split('.')).collect();
    write_member(doc, &keys, value);
}

/// Sets (or with `None` removes) the member at `keys` under `parent`, making objects on the
/// way and removing the ones a removal leaves empty.
fn write_member(parent: &mut Value, keys: &[&str], value: Option<Value>) {
    match keys {
        [] => {}
        [last] => {
            let Some(object) = parent.as_object_mut() else {
                return;
            };
            match value {
                Some(v) => {
                    object.insert((*last).to_string(), v);
                }
                None => {
                    object.shift_remove(*last);
                }
            }
        }
        [next, rest @ ..] => {
            let removing = value.is_none();
            if !parent.get(*next).is_some_and(Value::is_object) {
                if removing {
                    return;
                }
                parent[*next] = Value::Object(Map::new());
            }
            write_member(&mut parent[*next], rest, value);
            if removing && parent[*next].as_object().is_some_and(Map::is_empty) {
                parent.as_object_mut().map(|o| o.shift_remove(*next));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use serde_json::json;

    fn doc() -> Value {
        json!({"version": 1, "options": {"routingIntervalSeconds": 5}})
    }

    #[test]
    fn section_12_every_default_is_the_loaders_own() {
        let defaults = Scenario::from_value(doc()).unwrap().options;
        for a in ASSUMPTIONS {
            assert_eq!(assumption_value(&doc(), a), a.default, "{}", a.path);
            // Writing a value other than the default changes the loaded options.
            let other = match a.kind {
                OptionKind::Choice(s) => s.iter().find(|s| **s != a.default).unwrap().to_string(),
                OptionKind::Flag => (a.default != "true").to_string(),
                OptionKind::Number { max, whole, .. } => {
                    if whole {
                        format!("{}", max as u64)
                    } else {
                        format!("{}", max / 2.0)
                    }
                }
            };
            let set = set_assumption(&doc(), a.path, &other).unwrap();
            assert_eq!(assumption_value(&set, a), other, "{}", a.path);
            let loaded = Scenario::from_value(set.clone()).unwrap().options;
            assert_ne!(loaded, defaults, "{} = {other} is read", a.path);
            // And back to the default: the document is as before.
            let back = set_assumption(&set, a.path, a.default).unwrap();
            assert_eq!(back, doc(), "{}", a.path);
            let bare = json!({"version": 1});
            let set = set_assumption(&bare, a.path, &other).unwrap();
            assert_eq!(
                set_assumption(&set, a.path, "").unwrap(),
                bare,
                "{}",
                a.path
            );
        }
    }

    #[test]
    fn resetting_every_assumption_gives_the_document_back() {
        let mut set = doc();
        for (path, text) in [
            ("placementTieBreak", "firstRegistered"),
            ("targetTrackingAlarms.lowAlarmFraction", "0.5"),
            ("spreadCountsPending", "false"),
        ] {
            set = set_assumption(&set, path, text).unwrap();
        }
        assert_ne!(set, doc());
        assert_eq!(reset_assumptions(&set).unwrap(), doc());
    }

    #[test]
    fn bad_values_name_the_option() {
        let e = set_assumption(&doc(), "placementTieBreak", "lowestId").unwrap_err();
        assert_eq!(
            e,
            "options.placementTieBreak: \"lowestId\" is not one of random, firstRegistered"
        );
        let e =
            set_assumption(&doc(), "targetTrackingAlarms.highAlarmDatapoints", "2.5").unwrap_err();
        assert_eq!(
            e,
            "options.targetTrackingAlarms.highAlarmDatapoints: \"2.5\" is not a whole number from 1 to 1440"
        );
        let e = set_assumption(&doc(), "seed", "4").unwrap_err();
        assert!(e.starts_with("options.seed: not an option"), "{e}");
        let e = set_assumption(&doc(), "missingAttributeMatchesNegations", "yes").unwrap_err();
        assert_eq!(
            e,
            "options.missingAttributeMatchesNegations: must be true or false"
        );
    }
}
