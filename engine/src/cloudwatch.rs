//! CloudWatch as far as scaling needs it (5.2): one-minute datapoints of named metrics, and
//! metric alarms (PutMetricAlarm requests, verbatim) with period, evaluation periods and
//! datapoints to alarm.

use std::collections::BTreeMap;

use serde_json::Value;

/// A metric's identity: namespace, name and dimensions (sorted by name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricId {
    /// `AWS/ECS`, `AWS/ApplicationELB`, ...
    pub namespace: String,
    /// `CPUUtilization`, `RequestCountPerTarget`, ...
    pub name: String,
    /// `(Name, Value)` pairs, sorted.
    pub dimensions: Vec<(String, String)>,
}

impl MetricId {
    /// A metric id with its dimensions sorted.
    pub fn new(namespace: &str, name: &str, dimensions: &[(&str, &str)]) -> MetricId {
        let mut dimensions: Vec<(String, String)> = dimensions
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        dimensions.sort();
        MetricId {
            namespace: namespace.to_string(),
            name: name.to_string(),
            dimensions,
        }
    }
}

/// A one-minute statistic set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datapoint {
    /// Sum of the samples.
    pub sum: f64,
    /// Number of samples.
    pub count: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

impl Datapoint {
    /// One sample.
    pub fn single(v: f64) -> Datapoint {
        Datapoint {
            sum: v,
            count: 1.0,
            min: v,
            max: v,
        }
    }

    fn merge(self, o: Datapoint) -> Datapoint {
        Datapoint {
            sum: self.sum + o.sum,
            count: self.count + o.count,
            min: self.min.min(o.min),
            max: self.max.max(o.max),
        }
    }
}

/// `Statistic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// Sum over count.
    Average,
    /// Sum.
    Sum,
    /// Smallest.
    Minimum,
    /// Largest.
    Maximum,
    /// How many samples.
    SampleCount,
}

impl Statistic {
    /// Parses the AWS spelling.
    pub fn parse(s: &str) -> Option<Statistic> {
        Some(match s {
            "Average" => Statistic::Average,
            "Sum" => Statistic::Sum,
            "Minimum" => Statistic::Minimum,
            "Maximum" => Statistic::Maximum,
            "SampleCount" => Statistic::SampleCount,
            _ => return None,
        })
    }

    /// The statistic of a datapoint.
    pub fn of(self, d: Datapoint) -> f64 {
        match self {
            Statistic::Average => d.sum / d.count.max(1.0),
            Statistic::Sum => d.sum,
            Statistic::Minimum => d.min,
            Statistic::Maximum => d.max,
            Statistic::SampleCount => d.count,
        }
    }
}

/// Every metric's one-minute datapoints, by minute index (minute `k` covers
/// `[k, k+1)` minutes of simulated time).
#[derive(Debug, Clone, Default)]
pub struct MetricStore {
    data: BTreeMap<MetricId, BTreeMap<u64, Datapoint>>,
}

impl MetricStore {
    /// Records minute `minute`'s datapoint.
    pub fn put(&mut self, id: MetricId, minute: u64, d: Datapoint) {
        self.data.entry(id).or_default().insert(minute, d);
    }

    /// The datapoint of minute `minute`, if any.
    pub fn get(&self, id: &MetricId, minute: u64) -> Option<Datapoint> {
        self.data.get(id)?.get(&minute).copied()
    }

    /// The aggregate over minutes `[from, to)`, if any datapoint exists.
    pub fn aggregate(&self, id: &MetricId, from: u64, to: u64) -> Option<Datapoint> {
        self.data
            .get(id)?
            .range(from..to)
            .map(|(_, d)| *d)
            .reduce(Datapoint::merge)
    }

    /// Every metric id known.
    pub fn ids(&self) -> impl Iterator<Item = &MetricId> {
        self.data.keys()
    }
}

/// `ComparisonOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `GreaterThanOrEqualToThreshold`.
    GreaterOrEqual,
    /// `GreaterThanThreshold`.
    Greater,
    /// `LessThanThreshold`.
    Less,
    /// `LessThanOrEqualToThreshold`.
    LessOrEqual,
}

impl Comparison {
    fn parse(s: &str) -> Option<Comparison> {
        Some(match s {
            "GreaterThanOrEqualToThreshold" => Comparison::GreaterOrEqual,
            "GreaterThanThreshold" => Comparison::Greater,
            "LessThanThreshold" => Comparison::Less,
            "LessThanOrEqualToThreshold" => Comparison::LessOrEqual,
            _ => return None,
        })
    }

    /// Whether `value` breaches `threshold`.
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterOrEqual => value >= threshold,
            Comparison::Greater => value > threshold,
            Comparison::Less => value < threshold,
            Comparison::LessOrEqual => value <= threshold,
        }
    }
}

/// `StateValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmState {
    /// Not enough data.
    InsufficientData,
    /// Not breaching.
    Ok,
    /// Breaching.
    Alarm,
}

impl AlarmState {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
        }
    }
}

/// A metric alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    /// `AlarmName`.
    pub name: String,
    /// The metric watched.
    pub metric: MetricId,
    /// `Statistic`.
    pub statistic: Statistic,
    /// `Period` in minutes (CloudWatch periods for these metrics are multiples of 60 s).
    pub period_minutes: u64,
    /// `EvaluationPeriods`.
    pub evaluation_periods: u64,
    /// `DatapointsToAlarm` (default: `EvaluationPeriods`).
    pub datapoints_to_alarm: u64,
    /// `Threshold`.
    pub threshold: f64,
    /// `ComparisonOperator`.
    pub comparison: Comparison,
    /// `AlarmActions`: scaling policy ARNs or names.
    pub actions: Vec<String>,
    /// Current state.
    pub state: AlarmState,
    /// The newest period's value, when there was one.
    pub last_value: Option<f64>,
}

fn positive(v: &Value, key: &str, path: &str) -> Result<u64, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{path}.{key}: required, a whole number above 0"))
}

impl Alarm {
    /// Parses a PutMetricAlarm request (`alarms[i]`).
    pub fn parse(v: &Value, path: &str) -> Result<Alarm, String> {
        let s = |key: &str| -> Result<String, String> {
            v.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("{path}.{key}: required"))
        };
        let name = s("AlarmName")?;
        let namespace = s("Namespace")?;
        let metric_name = s("MetricName")?;
        let mut dims = Vec::new();
        if let Some(d) = v.get("Dimensions") {
            for (i, dim) in d
                .as_array()
                .ok_or_else(|| format!("{path}.Dimensions: must be a list of {{Name, Value}}"))?
                .iter()
                .enumerate()
            {
                let get = |k: &str| {
                    dim.get(k)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| format!("{path}.Dimensions[{i}].{k}: required"))
                };
                dims.push((get("Name")?, get("Value")?));
            }
        }
        dims.sort();
        let statistic = match v.get("Statistic").and_then(Value::as_str) {
            Some(st) => Statistic::parse(st).ok_or_else(|| {
                format!("{path}.Statistic: \"{st}\" is not Average, Sum, Minimum, Maximum or SampleCount")
            })?,
            None => {
                return Err(format!(
                    "{path}.Statistic: required (ExtendedStatistic and metric math are not simulated)"
                ))
            }
        };
        let period = positive(v, "Period", path)?;
        if period % 60 != 0 {
            return Err(format!(
                "{path}.Period: {period} s; ECS and ALB metrics have one datapoint a minute, so use a multiple of 60"
            ));
        }
        let evaluation_periods = positive(v, "EvaluationPeriods", path)?;
        let datapoints_to_alarm = match v.get("DatapointsToAlarm") {
            None => evaluation_periods,
            Some(_) => positive(v, "DatapointsToAlarm", path)?,
        };
        if datapoints_to_alarm > evaluation_periods {
            return Err(format!(
                "{path}.DatapointsToAlarm: must not exceed EvaluationPeriods ({evaluation_periods})"
            ));
        }
        let threshold = v
            .get("Threshold")
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("{path}.Threshold: required, a number"))?;
        let op = s("ComparisonOperator")?;
        let comparison = Comparison::parse(&op).ok_or_else(|| {
            format!("{path}.ComparisonOperator: \"{op}\" is not a static-threshold operator")
        })?;
        let actions = crate::request::string_list(v.get("AlarmActions"));
        Ok(Alarm {
            name,
            metric: MetricId {
                namespace,
                name: metric_name,
                dimensions: dims,
            },
            statistic,
            period_minutes: period / 60,
            evaluation_periods,
            datapoints_to_alarm,
            threshold,
            comparison,
            actions,
            state: AlarmState::InsufficientData,
            last_value: None,
        })
    }

    /// Evaluates the alarm with data up to (not including) minute `end`. Missing periods
    /// are treated as `missing` (the CloudWatch default): they neither breach nor clear, and
    /// with no data at all the alarm is `INSUFFICIENT_DATA`. Returns the new state.
    pub fn evaluate(&mut self, store: &MetricStore, end: u64) -> AlarmState {
        let mut present = 0;
        let mut breaching = 0;
        self.last_value = None;
        for j in 0..self.evaluation_periods {
            let to = end.saturating_sub(j * self.period_minutes);
            let from = to.saturating_sub(self.period_minutes);
            if to == from {
                break;
            }
            let Some(d) = store.aggregate(&self.metric, from, to) else {
                continue;
            };
            let value = self.statistic.of(d);
            if j == 0 {
                self.last_value = Some(value);
            }
            present += 1;
            if self.comparison.breaches(value, self.threshold) {
                breaching += 1;
            }
        }
        self.state = if breaching >= self.datapoints_to_alarm {
            AlarmState::Alarm
        } else if present == 0 {
            AlarmState::InsufficientData
        } else {
            AlarmState::Ok
        };
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cpu() -> MetricId {
        MetricId::new(
            "AWS/ECS",
            "CPUUtilization",
            &[("ServiceName", "web"), ("ClusterName", "prod")],
        )
    }

    #[test]
    fn m_of_n_datapoints_to_alarm() {
        let mut alarm = Alarm::parse(
            &json!({"AlarmName": "hi", "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServiceName", "Value": "web"}],
                    "Statistic": "Average", "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 2,
                    "Threshold": 50, "ComparisonOperator": "GreaterThanThreshold"}),
            "alarms[0]",
        )
        .unwrap();
        let mut store = MetricStore::default();
        assert_eq!(alarm.evaluate(&store, 0), AlarmState::InsufficientData);
        for (minute, v) in [(0, 60.0), (1, 40.0), (2, 70.0)] {
            store.put(cpu(), minute, Datapoint::single(v));
        }
        assert_eq!(
            alarm.evaluate(&store, 2),
            AlarmState::Ok,
            "one of two breaching"
        );
        assert_eq!(alarm.evaluate(&store, 3), AlarmState::Alarm, "two of three");
        assert_eq!(alarm.last_value, Some(70.0));
    }

    #[test]
    fn periods_aggregate_minutes() {
        let mut alarm = Alarm::parse(
            &json!({"AlarmName": "hi", "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServiceName", "Value": "web"}],
                    "Statistic": "Average", "Period": 300, "EvaluationPeriods": 1,
                    "Threshold": 50, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}),
            "a",
        )
        .unwrap();
        let mut store = MetricStore::default();
        for minute in 0..5 {
            store.put(
                cpu(),
                minute,
                Datapoint::single(if minute < 2 { 100.0 } else { 20.0 }),
            );
        }
        assert_eq!(alarm.evaluate(&store, 5), AlarmState::Alarm, "average 52");
        assert_eq!(alarm.last_value, Some(52.0));
    }

    #[test]
    fn bad_alarms_name_the_field() {
        let base = json!({"AlarmName": "a", "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
            "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanThreshold"});
        for (key, value, want) in [
            ("Period", json!(30), "a.Period"),
            ("Statistic", json!("p99"), "a.Statistic"),
            (
                "ComparisonOperator",
                json!("LessThanLowerThreshold"),
                "a.ComparisonOperator",
            ),
            ("DatapointsToAlarm", json!(2), "a.DatapointsToAlarm"),
            ("Threshold", json!("high"), "a.Threshold"),
        ] {
            let mut v = base.clone();
            v[key] = value;
            let e = Alarm::parse(&v, "a").unwrap_err();
            assert!(e.starts_with(want), "{e}");
        }
    }
}
