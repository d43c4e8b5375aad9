use std::collections::BTreeMap;

use super::*;

struct Inst {
    attrs: BTreeMap<String, String>,
    id: String,
    version: String,
    registered: i64,
    tasks: u32,
    groups: Vec<String>,
    connected: bool,
}

impl Inst {
    fn new(kind: &str, az: &str) -> Inst {
        let mut attrs = BTreeMap::new();
        attrs.insert("ecs.instance-type".to_string(), kind.to_string());
        attrs.insert("ecs.availability-zone".to_string(), az.to_string());
        Inst {
            attrs,
            id: format!("i-{kind}-{az}"),
            version: "1.14.5".into(),
            registered: 0,
            tasks: 0,
            groups: vec![],
            connected: true,
        }
    }
}

impl QuerySubject for Inst {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
    fn agent_connected(&self) -> bool {
        self.connected
    }
    fn agent_version(&self) -> &str {
        &self.version
    }
    fn ec2_instance_id(&self) -> &str {
        &self.id
    }
    fn registered_at_epoch_ms(&self) -> i64 {
        self.registered
    }
    fn running_tasks_count(&self) -> u32 {
        self.tasks
    }
    fn has_task_in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

fn matches(expr: &str, inst: &Inst) -> bool {
    Expression::parse(expr)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .evaluate(inst, &EvalOptions::default())
        .matched
}

#[test]
fn cql_documented_examples_parse() {
    for e in [
        "attribute:ecs.instance-type == t2.small",
        "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
        "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
        "task:group == service:production",
        "not(task:group == database)",
        "runningTasksCount == 1",
        "agentVersion < 1.14.5",
        "registeredAt < 2018-02-13",
        "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']",
        "attribute:stack == prod",
        "attribute:stack != prod",
        "attribute:ecs.instance-type in [t2.small, t2.medium]",
        "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a",
        "memberOf(attribute:ecs.os-family == WINDOWS_SERVER_2022_FULL)",
        "registeredAt >= 2018-06-18T22:28:28+00:00",
        "attribute:ecs.instance-type equals t2.small || attribute:stack exists",
    ] {
        assert!(
            Expression::parse(e).is_ok(),
            "{e}: {:?}",
            Expression::parse(e).err()
        );
    }
}

#[test]
fn g12_member_of_instance_type_and_az() {
    let a = Inst::new("t2.small", "us-east-1a");
    let b = Inst::new("t2.medium", "us-east-1b");
    let g = Inst::new("g2.2xlarge", "us-east-1a");
    let e1 =
        "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone != us-east-1a";
    assert_eq!(
        [matches(e1, &a), matches(e1, &b), matches(e1, &g)],
        [false, true, false]
    );
    let e2 = "attribute:ecs.instance-type in [t2.small, t2.medium]";
    assert_eq!(
        [matches(e2, &a), matches(e2, &b), matches(e2, &g)],
        [true, true, false]
    );
}

#[test]
fn cql_precedence_not_and_groups() {
    let mut a = Inst::new("t2.small", "us-east-1a");
    a.groups.push("database".into());
    assert!(matches("attribute:ecs.instance-type == x or attribute:ecs.instance-type == t2.small and attribute:ecs.availability-zone == us-east-1a", &a));
    assert!(!matches("(attribute:ecs.instance-type == x or attribute:ecs.instance-type == t2.small) and attribute:ecs.availability-zone == b", &a));
    assert!(!matches("not(task:group == database)", &a));
    assert!(matches("task:group == database", &a));
    assert!(matches("! attribute:ecs.instance-type == m5.large", &a));
}

#[test]
fn cql_versions_counts_dates() {
    let mut a = Inst::new("t2.small", "us-east-1a");
    a.version = "1.9.0".into();
    assert!(
        matches("agentVersion < 1.14.5", &a),
        "versions compare numerically, not as text"
    );
    a.tasks = 12;
    assert!(matches("runningTasksCount > 9", &a));
    a.registered = crate::calendar::parse_utc_timestamp_ms("2018-02-12T10:00:00Z").unwrap();
    assert!(matches("registeredAt < 2018-02-13", &a));
    assert!(!matches("registeredAt > 2018-02-13", &a));
}

#[test]
fn cql_missing_attribute_is_excluded_by_default() {
    let a = Inst::new("t2.small", "us-east-1a");
    assert!(!matches("attribute:stack != prod", &a));
    let e = Expression::parse("attribute:stack != prod").unwrap();
    assert!(
        e.evaluate(
            &a,
            &EvalOptions {
                missing_attribute_not_equals_is_true: true
            }
        )
        .matched
    );
    assert!(matches("attribute:stack not_exists", &a));
    let why = e.evaluate(&a, &EvalOptions::default()).reason.unwrap();
    assert!(
        why.contains("attribute:stack != prod") && why.contains("absent"),
        "{why}"
    );
}

#[test]
fn cql_parse_errors_point_at_the_column() {
    let col = |e: &str| Expression::parse(e).err().map(|e| e.column);
    assert_eq!(col("attribute:stack = prod"), Some(17));
    assert_eq!(col("attribute:stack =="), Some(19));
    assert_eq!(col("(attribute:stack == a"), Some(22));
    assert_eq!(col("colour == red"), Some(1));
    assert_eq!(col("registeredAt < 2018-02-30"), Some(16));
    assert_eq!(col("attribute:x =~ (a"), Some(16));
    assert_eq!(col("runningTasksCount =~ 3"), Some(19));
    assert!(Expression::parse(&"a".repeat(2001)).is_err());
    assert!(Expression::parse(&format!(
        "{}attribute:a == b{}",
        "(".repeat(100),
        ")".repeat(100)
    ))
    .is_err());
}

#[test]
fn validate_reports_the_message_and_column_as_you_type() {
    // 3.5: each prefix of a documented example is checked as it is typed.
    let full = "attribute:ecs.instance-type =~ t3.*";
    let e = validate("attribute:ecs.instance-type =~").unwrap_err();
    assert_eq!(e.column, 31, "one past the end: the value is missing");
    assert!(validate(full).is_ok());
    let e = validate("attribute:ecs.instance-type = t3.*").unwrap_err();
    assert_eq!(e.column, 29);
    assert!(!e.message.is_empty());
    assert!(validate(&format!("memberOf({full})")).is_ok());
    assert_eq!(validate("memberOf(colour == red)").unwrap_err().column, 10);
}

proptest::proptest! {
    #[test]
    fn cql_validate_never_panics_and_points_inside_or_just_past_the_text(src in "\\PC{0,120}") {
        if let Err(e) = validate(&src) {
            proptest::prop_assert!(e.column >= 1);
            proptest::prop_assert!(e.column <= src.chars().count() + 1);
        }
    }


    #[test]
    fn cql_never_panics(src in "\\PC{0,80}", soup in proptest::collection::vec(proptest::sample::select(vec![
        "attribute:a", "==", "!=", "in", "[", "]", ",", "(", ")", "not", "and", "or", "!", "=~", ".*", "x", "'q'", "exists", "task:group", "agentVersion", "1.2", "<",
    ]), 0..20)) {
        let inst = Inst::new("t2.small", "us-east-1a");
        for text in [src, soup.join(" ")] {
            if let Ok(e) = Expression::parse(&text) {
                let _ = e.evaluate(&inst, &EvalOptions::default());
            }
        }
    }
}
