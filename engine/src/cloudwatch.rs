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

/// The `(Name, Value)` pairs of a `Dimensions` list, sorted; entries without both are
/// skipped (target tracking and metric math take them leniently; alarms check them).
pub fn dimensions(list: Option<&Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            Some((
                d.get("Name")?.as_str()?.to_string(),
                d.get("Value")?.as_str()?.to_string(),
            ))
        })
        .collect();
    out.sort();
    out
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
    /// Metric math: when set, the alarm watches this expression instead of `metric`.
    pub math: Option<MetricMath>,
}

/// An arithmetic expression over metric query ids (`m1 / m2`), as CloudWatch metric math
/// writes it; only `+ - * /`, parentheses and numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number.
    Number(f64),
    /// A query id.
    Id(String),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a op b`.
    Binary(Box<Expr>, char, Box<Expr>),
}

impl Expr {
    /// Parses an expression; the error says where it stops making sense.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let tokens = tokenize(text)?;
        let mut pos = 0;
        let e = parse_sum(&tokens, &mut pos)?;
        if pos != tokens.len() {
            return Err(format!("unexpected {:?} in \"{text}\"", tokens[pos]));
        }
        Ok(e)
    }

    /// Evaluates with `value(id)`; `None` when an id has no value or on division by zero
    /// (CloudWatch then has no datapoint).
    pub fn eval(&self, value: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        match self {
            Expr::Number(n) => Some(*n),
            Expr::Id(id) => value(id),
            Expr::Neg(e) => e.eval(value).map(|v| -v),
            Expr::Binary(a, op, b) => {
                let (a, b) = (a.eval(value)?, b.eval(value)?);
                match op {
                    '+' => Some(a + b),
                    '-' => Some(a - b),
                    '*' => Some(a * b),
                    _ => (b != 0.0).then(|| a / b),
                }
            }
        }
    }

    /// Every id the expression reads.
    pub fn ids(&self, out: &mut Vec<String>) {
        match self {
            Expr::Number(_) => {}
            Expr::Id(id) => out.push(id.clone()),
            Expr::Neg(e) => e.ids(out),
            Expr::Binary(a, _, b) => {
                a.ids(out);
                b.ids(out);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Id(String),
    Op(char),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(c) {
            out.push(Token::Op(c));
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            out.push(Token::Number(
                s.parse().map_err(|_| format!("\"{s}\" is not a number"))?,
            ));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Id(chars[start..i].iter().collect()));
        } else {
            return Err(format!(
                "'{c}' is not supported (only + - * / and parentheses)"
            ));
        }
        if out.len() > 200 {
            return Err("the expression is too long".to_string());
        }
    }
    Ok(out)
}

fn parse_sum(t: &[Token], pos: &mut usize) -> Result<Expr, String> {
    let mut left = parse_product(t, pos)?;
    while let Some(Token::Op(op @ ('+' | '-'))) = t.get(*pos) {
        *pos += 1;
        left = Expr::Binary(Box::new(left), *op, Box::new(parse_product(t, pos)?));
    }
    Ok(left)
}

fn parse_product(t: &[Token], pos: &mut usize) -> Result<Expr, String> {
    let mut left = parse_factor(t, pos, 0)?;
    while let Some(Token::Op(op @ ('*' | '/'))) = t.get(*pos) {
        *pos += 1;
        left = Expr::Binary(Box::new(left), *op, Box::new(parse_factor(t, pos, 0)?));
    }
    Ok(left)
}

fn parse_factor(t: &[Token], pos: &mut usize, depth: usize) -> Result<Expr, String> {
    if depth > 50 {
        return Err("the expression nests too deeply".to_string());
    }
    let token = t
        .get(*pos)
        .cloned()
        .ok_or("the expression ends too early")?;
    *pos += 1;
    match token {
        Token::Number(n) => Ok(Expr::Number(n)),
        Token::Id(id) => Ok(Expr::Id(id)),
        Token::Op('-') => Ok(Expr::Neg(Box::new(parse_factor(t, pos, depth + 1)?))),
        Token::Op('(') => {
            let e = parse_sum(t, pos)?;
            match t.get(*pos) {
                Some(Token::Op(')')) => {
                    *pos += 1;
                    Ok(e)
                }
                _ => Err("a '(' is not closed".to_string()),
            }
        }
        Token::Op(c) => Err(format!("unexpected '{c}'")),
    }
}

/// Metric math: named metric queries and the expression that combines them.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricMath {
    /// `(Id, metric, Stat)` of each `MetricStat` query.
    pub queries: Vec<(String, MetricId, Statistic)>,
    /// The `Expression` whose result is returned.
    pub expression: Expr,
    /// The expression as written.
    pub text: String,
}

impl MetricMath {
    /// Parses a `Metrics[]` list (target tracking's CustomizedMetricSpecification or
    /// PutMetricAlarm): `MetricStat` queries and exactly one returned `Expression`.
    pub fn parse(metrics: &[Value], path: &str) -> Result<MetricMath, String> {
        let mut queries = Vec::new();
        let mut expression = None;
        for (i, m) in metrics.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let id = m
                .get("Id")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{p}.Id: required"))?
                .to_string();
            if let Some(e) = m.get("Expression").and_then(Value::as_str) {
                let returned = m.get("ReturnData").and_then(Value::as_bool).unwrap_or(true);
                if returned {
                    let parsed = Expr::parse(e).map_err(|err| format!("{p}.Expression: {err}"))?;
                    expression = Some((parsed, e.to_string()));
                }
                continue;
            }
            let stat = m
                .get("MetricStat")
                .ok_or_else(|| format!("{p}: give MetricStat or Expression"))?;
            let metric = stat
                .get("Metric")
                .ok_or_else(|| format!("{p}.MetricStat.Metric: required"))?;
            let s = |k: &str| {
                metric
                    .get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("{p}.MetricStat.Metric.{k}: required"))
            };
            let dimensions = dimensions(metric.get("Dimensions"));
            let st = stat
                .get("Stat")
                .and_then(Value::as_str)
                .unwrap_or("Average");
            let statistic = Statistic::parse(st).ok_or_else(|| {
                format!("{p}.MetricStat.Stat: \"{st}\" is not Average, Sum, Minimum, Maximum or SampleCount")
            })?;
            queries.push((
                id,
                MetricId {
                    namespace: s("Namespace")?,
                    name: s("MetricName")?,
                    dimensions,
                },
                statistic,
            ));
        }
        let (expression, text) = expression
            .ok_or_else(|| format!("{path}: an Expression with ReturnData true is required"))?;
        let mut ids = Vec::new();
        expression.ids(&mut ids);
        if let Some(missing) = ids
            .iter()
            .find(|id| !queries.iter().any(|(q, _, _)| q == *id))
        {
            return Err(format!(
                "{path}: the expression reads {missing}, which no MetricStat query defines"
            ));
        }
        Ok(MetricMath {
            queries,
            expression,
            text,
        })
    }

    /// The expression's value over minutes `[from, to)`.
    pub fn value(&self, store: &MetricStore, from: u64, to: u64) -> Option<f64> {
        let values: Vec<(&str, Option<f64>)> = self
            .queries
            .iter()
            .map(|(id, metric, stat)| {
                (
                    id.as_str(),
                    store.aggregate(metric, from, to).map(|d| stat.of(d)),
                )
            })
            .collect();
        self.expression
            .eval(&|id| values.iter().find(|(q, _)| *q == id).and_then(|(_, v)| *v))
    }
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
            math: None,
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
            let value = match &self.math {
                Some(math) => math.value(store, from, to),
                None => store
                    .aggregate(&self.metric, from, to)
                    .map(|d| self.statistic.of(d)),
            };
            let Some(value) = value else {
                continue;
            };
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
    fn metric_math_backlog_per_task_9_4() {
        let math = MetricMath::parse(
            &[
                json!({"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
                    "Dimensions": [{"Name": "QueueName", "Value": "jobs"}]}, "Stat": "Sum"}, "ReturnData": false}),
                json!({"Id": "m2", "MetricStat": {"Metric": {"Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount",
                    "Dimensions": [{"Name": "ClusterName", "Value": "c"}, {"Name": "ServiceName", "Value": "worker"}]}, "Stat": "Average"}, "ReturnData": false}),
                json!({"Id": "e1", "Expression": "m1 / m2", "ReturnData": true}),
            ],
            "Metrics",
        )
        .unwrap();
        let mut store = MetricStore::default();
        store.put(math.queries[0].1.clone(), 0, Datapoint::single(1500.0));
        store.put(math.queries[1].1.clone(), 0, Datapoint::single(10.0));
        assert_eq!(
            math.value(&store, 0, 1),
            Some(150.0),
            "G39: 1500 messages over 10 tasks"
        );
        assert_eq!(math.value(&store, 1, 2), None, "no data, no datapoint");
        assert_eq!(
            Expr::parse("(m1 + 2) * -m2 / 4")
                .unwrap()
                .eval(&|id| Some(if id == "m1" { 2.0 } else { 4.0 })),
            Some(-4.0)
        );
        for bad in ["m1 /", "m1 $ m2", "(m1", ""] {
            assert!(Expr::parse(bad).is_err(), "{bad}");
        }
        let e = MetricMath::parse(&[json!({"Id": "e1", "Expression": "m9 * 2"})], "M").unwrap_err();
        assert!(e.contains("m9"), "{e}");
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
