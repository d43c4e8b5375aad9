//! Evaluation against one container instance.

use std::cmp::Ordering;

use super::{Node, Op, Subject, Test};

/// What the evaluator needs to know about a container instance.
pub trait QuerySubject {
    /// Built-in and custom attributes; value-less attributes give `Some("")`.
    fn attribute(&self, name: &str) -> Option<&str>;
    /// Whether the agent is connected.
    fn agent_connected(&self) -> bool;
    /// The agent version, e.g. `1.82.0`.
    fn agent_version(&self) -> &str;
    /// The EC2 instance id.
    fn ec2_instance_id(&self) -> &str;
    /// Registration time, epoch milliseconds UTC.
    fn registered_at_epoch_ms(&self) -> i64;
    /// Tasks on the instance.
    fn running_tasks_count(&self) -> u32;
    /// Whether a task of `group` runs on the instance (`task:group`).
    fn has_task_in_group(&self, group: &str) -> bool;
}

/// Choices where AWS is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvalOptions {
    /// Whether `attribute:x != v` (and `!in`, `!~`) is true on instances without `x`.
    /// [unconfirmed] (3.5): the documented example "instances with the custom attribute stack
    /// unless the value is prod" suggests instances lacking `stack` are excluded, so the
    /// default is `false`.
    pub missing_attribute_not_equals_is_true: bool,
}

/// The result of evaluating an expression on one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Whether the instance matches.
    pub matched: bool,
    /// When false: the smallest predicate that made it false, with the instance's value.
    pub reason: Option<String>,
}

/// Evaluates a node.
pub fn evaluate(node: &Node, s: &dyn QuerySubject, o: &EvalOptions) -> Evaluation {
    match node {
        Node::And(a, b) => {
            let l = evaluate(a, s, o);
            if !l.matched {
                return l;
            }
            evaluate(b, s, o)
        }
        Node::Or(a, b) => {
            let l = evaluate(a, s, o);
            if l.matched {
                return l;
            }
            let r = evaluate(b, s, o);
            if r.matched {
                return r;
            }
            Evaluation {
                matched: false,
                reason: Some(format!(
                    "neither ({}) nor ({})",
                    l.reason.unwrap_or_default(),
                    r.reason.unwrap_or_default()
                )),
            }
        }
        Node::Not(inner) => {
            let e = evaluate(inner, s, o);
            Evaluation {
                matched: !e.matched,
                reason: e
                    .matched
                    .then(|| format!("not({}) is false", describe(inner))),
            }
        }
        Node::Predicate {
            subject,
            test,
            text,
        } => {
            let (matched, value) = predicate(subject, test, s, o);
            Evaluation {
                matched,
                reason: (!matched).then(|| match value {
                    Some(v) => format!("{text} is false (value: {v})"),
                    None => format!("{text} is false (attribute absent)"),
                }),
            }
        }
    }
}

fn describe(node: &Node) -> String {
    match node {
        Node::Predicate { text, .. } => text.clone(),
        Node::And(a, b) => format!("{} and {}", describe(a), describe(b)),
        Node::Or(a, b) => format!("{} or {}", describe(a), describe(b)),
        Node::Not(a) => format!("not({})", describe(a)),
    }
}

/// Compares dotted versions (`1.14.5` vs `1.9`) numerically, part by part.
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    parts(a).cmp(&parts(b))
}

fn predicate(
    subject: &Subject,
    test: &Test,
    s: &dyn QuerySubject,
    o: &EvalOptions,
) -> (bool, Option<String>) {
    if let Subject::TaskGroup = subject {
        let result = match test {
            Test::Compare(Op::Ne, v, _) => !s.has_task_in_group(v),
            Test::Compare(_, v, _) => s.has_task_in_group(v),
            Test::In(items, negated) => items.iter().any(|g| s.has_task_in_group(g)) != *negated,
            Test::Exists(_) => false,
        };
        return (result, Some("task groups on the instance".into()));
    }
    let value: Option<String> = match subject {
        Subject::Attribute(name) => s.attribute(name).map(str::to_string),
        Subject::AgentConnected => Some(s.agent_connected().to_string()),
        Subject::AgentVersion => Some(s.agent_version().to_string()),
        Subject::Ec2InstanceId => Some(s.ec2_instance_id().to_string()),
        Subject::RegisteredAt => Some(s.registered_at_epoch_ms().to_string()),
        Subject::RunningTasksCount => Some(s.running_tasks_count().to_string()),
        Subject::TaskGroup => None,
    };
    let Some(v) = value else {
        let negative = matches!(
            test,
            Test::Compare(Op::Ne | Op::NotMatches, ..) | Test::In(_, true)
        );
        let result = match test {
            Test::Exists(want) => !*want,
            _ => negative && o.missing_attribute_not_equals_is_true,
        };
        return (result, None);
    };
    let order = |arg: &str| -> Ordering {
        match subject {
            Subject::AgentVersion => compare_versions(&v, arg),
            Subject::RegisteredAt => {
                let t = crate::calendar::parse_utc_timestamp_ms(arg).unwrap_or(0);
                v.parse::<i64>().unwrap_or(0).cmp(&t)
            }
            _ => match (v.parse::<f64>(), arg.parse::<f64>()) {
                (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
                _ => v.as_str().cmp(arg),
            },
        }
    };
    let result = match test {
        Test::Exists(want) => *want,
        Test::In(items, negated) => items.contains(&v) != *negated,
        Test::Compare(op, arg, regex) => match op {
            Op::Eq | Op::Ne => {
                // Values compare as strings; versions, counts and dates by their meaning.
                let equal = match subject {
                    Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount => {
                        order(arg) == Ordering::Equal
                    }
                    _ => v == *arg,
                };
                equal == (*op == Op::Eq)
            }
            Op::Gt => order(arg) == Ordering::Greater,
            Op::Ge => order(arg) != Ordering::Less,
            Op::Lt => order(arg) == Ordering::Less,
            Op::Le => order(arg) != Ordering::Greater,
            Op::Matches => regex.as_ref().is_some_and(|r| r.is_match(&v)),
            Op::NotMatches => !regex.as_ref().is_some_and(|r| r.is_match(&v)),
        },
    };
    let shown = match subject {
        Subject::RegisteredAt => v
            .parse::<i64>()
            .map(crate::calendar::format_utc_timestamp)
            .unwrap_or(v),
        _ => v,
    };
    (result, Some(shown))
}
