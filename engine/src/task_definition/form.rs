//! The task-definition form: the common RegisterTaskDefinition fields (1.1, 1.2, 1.5) as the
//! UI edits them, read from and written into the JSON text, so that the form and the JSON
//! editor are two views of one text.
//!
//! Writing changes only the members whose form value changed and keeps every other member
//! (logging, volumes, the describe-task-definition wrapper, ...) as it was. Numbers are
//! written as JSON numbers when they are whole numbers and as the text typed otherwise, so
//! that validation names the field rather than the form dropping what was typed.

use serde_json::{Map, Value};

/// The common fields of a task definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskDefinitionForm {
    /// `family`.
    pub family: String,
    /// `requiresCompatibilities`: `EC2`, `FARGATE`, or empty (not given).
    pub compatibility: String,
    /// `networkMode`: `bridge`, `host`, `awsvpc`, `none`, or empty (not given: bridge).
    pub network_mode: String,
    /// Task `cpu` as written (`"1024"`, `"1 vCPU"`), empty when not given.
    pub cpu: String,
    /// Task `memory` as written (`"2048"`, `"2 GB"`), empty when not given.
    pub memory: String,
    /// `containerDefinitions`.
    pub containers: Vec<ContainerForm>,
}

/// One container's common fields; numbers as typed, empty when not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerForm {
    /// `name`.
    pub name: String,
    /// `image`.
    pub image: String,
    /// `cpu` units.
    pub cpu: String,
    /// `memory` (hard limit), MiB.
    pub memory: String,
    /// `memoryReservation` (soft limit), MiB.
    pub memory_reservation: String,
    /// `essential` (default true).
    pub essential: bool,
    /// `portMappings`.
    pub port_mappings: Vec<PortMappingForm>,
    /// `environment`.
    pub environment: Vec<EnvironmentForm>,
}

impl Default for ContainerForm {
    fn default() -> Self {
        ContainerForm {
            name: String::new(),
            image: String::new(),
            cpu: String::new(),
            memory: String::new(),
            memory_reservation: String::new(),
            essential: true,
            port_mappings: Vec::new(),
            environment: Vec::new(),
        }
    }
}

/// One port mapping; numbers as typed, empty when not given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortMappingForm {
    /// `containerPort`.
    pub container_port: String,
    /// `hostPort` (0 or empty in bridge mode: a dynamic port).
    pub host_port: String,
    /// `protocol`: `tcp`, `udp`, or empty (tcp).
    pub protocol: String,
    /// `containerPortRange`, e.g. `8000-8100` (1.5), instead of `containerPort`; empty when not
    /// given.
    pub container_port_range: String,
}

/// One environment variable of a container (`environment[]`: name and value).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvironmentForm {
    /// `name`.
    pub name: String,
    /// `value`.
    pub value: String,
}

impl TaskDefinitionForm {
    /// The form of JSON text (a RegisterTaskDefinition request or describe-task-definition
    /// output), or `None` when the text is not a JSON object.
    pub fn from_json(text: &str) -> Option<Self> {
        let value: Value = serde_json::from_str(text).ok()?;
        Some(Self::from_value(definition(&value)?))
    }

    fn from_value(v: &Map<String, Value>) -> Self {
        let listed = |c: &str| {
            v.get("requiresCompatibilities")
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|x| x.as_str() == Some(c)))
        };
        let compatibility = ["FARGATE", "EC2"]
            .into_iter()
            .find(|c| listed(c))
            .unwrap_or_default();
        TaskDefinitionForm {
            family: text_of(v.get("family")),
            compatibility: compatibility.to_string(),
            network_mode: text_of(v.get("networkMode")),
            cpu: text_of(v.get("cpu")),
            memory: text_of(v.get("memory")),
            containers: list_of(v.get("containerDefinitions"), ContainerForm::from_value),
        }
    }

    /// `text` with this form's fields written in (a new request when `text` is not a JSON
    /// object), pretty-printed; `text` itself when nothing changed.
    pub fn apply_to(&self, text: &str) -> String {
        let mut doc = serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| definition(v).is_some())
            .unwrap_or_else(|| Value::Object(Map::new()));
        let wrapped = matches!(doc.get("taskDefinition"), Some(Value::Object(_)));
        let target = if wrapped {
            &mut doc["taskDefinition"]
        } else {
            &mut doc
        };
        let Value::Object(obj) = target else {
            return text.to_string();
        };
        let old = Self::from_value(obj);
        if old == *self {
            return text.to_string();
        }
        if old.family != self.family {
            put_text(obj, "family", &self.family);
        }
        if old.compatibility != self.compatibility {
            let list = (!self.compatibility.is_empty())
                .then(|| Value::Array(vec![Value::String(self.compatibility.clone())]));
            put(obj, "requiresCompatibilities", list);
        }
        if old.network_mode != self.network_mode {
            put_text(obj, "networkMode", &self.network_mode);
        }
        if old.cpu != self.cpu {
            put_text(obj, "cpu", &self.cpu);
        }
        if old.memory != self.memory {
            put_text(obj, "memory", &self.memory);
        }
        merge_list(
            obj,
            "containerDefinitions",
            &self.containers,
            ContainerForm::from_value,
            ContainerForm::write,
        );
        serde_json::to_string_pretty(&doc).unwrap_or_else(|_| text.to_string())
    }
}

impl ContainerForm {
    fn from_value(v: &Map<String, Value>) -> Self {
        ContainerForm {
            name: text_of(v.get("name")),
            image: text_of(v.get("image")),
            cpu: text_of(v.get("cpu")),
            memory: text_of(v.get("memory")),
            memory_reservation: text_of(v.get("memoryReservation")),
            essential: v.get("essential").and_then(Value::as_bool).unwrap_or(true),
            port_mappings: list_of(v.get("portMappings"), PortMappingForm::from_value),
            environment: list_of(v.get("environment"), EnvironmentForm::from_value),
        }
    }

    fn write(&self, old: &Self, obj: &mut Map<String, Value>) {
        if old.name != self.name {
            put_text(obj, "name", &self.name);
        }
        if old.image != self.image {
            put_text(obj, "image", &self.image);
        }
        for (key, was, now) in [
            ("cpu", &old.cpu, &self.cpu),
            ("memory", &old.memory, &self.memory),
            (
                "memoryReservation",
                &old.memory_reservation,
                &self.memory_reservation,
            ),
        ] {
            if was != now {
                put(obj, key, number_or_text(now));
            }
        }
        if old.essential != self.essential {
            put(obj, "essential", Some(Value::Bool(self.essential)));
        }
        merge_list(
            obj,
            "portMappings",
            &self.port_mappings,
            PortMappingForm::from_value,
            PortMappingForm::write,
        );
        merge_list(
            obj,
            "environment",
            &self.environment,
            EnvironmentForm::from_value,
            EnvironmentForm::write,
        );
    }
}

impl EnvironmentForm {
    fn from_value(v: &Map<String, Value>) -> Self {
        EnvironmentForm {
            name: text_of(v.get("name")),
            value: text_of(v.get("value")),
        }
    }

    /// Values are strings in the API, also when they look like numbers.
    fn write(&self, old: &Self, obj: &mut Map<String, Value>) {
        if old.name != self.name {
            put_text(obj, "name", &self.name);
        }
        if old.value != self.value {
            obj.insert("value".to_string(), Value::String(self.value.clone()));
        }
    }
}

impl PortMappingForm {
    fn from_value(v: &Map<String, Value>) -> Self {
        PortMappingForm {
            container_port: text_of(v.get("containerPort")),
            host_port: text_of(v.get("hostPort")),
            protocol: text_of(v.get("protocol")),
            container_port_range: text_of(v.get("containerPortRange")),
        }
    }

    fn write(&self, old: &Self, obj: &mut Map<String, Value>) {
        if old.container_port_range != self.container_port_range {
            put_text(obj, "containerPortRange", &self.container_port_range);
        }
        if old.container_port != self.container_port {
            put(obj, "containerPort", number_or_text(&self.container_port));
        }
        if old.host_port != self.host_port {
            put(obj, "hostPort", number_or_text(&self.host_port));
        }
        if old.protocol != self.protocol {
            put_text(obj, "protocol", &self.protocol);
        }
    }
}

/// The task definition object of a request, or of describe output.
fn definition(value: &Value) -> Option<&Map<String, Value>> {
    match value.get("taskDefinition") {
        Some(Value::Object(inner)) => Some(inner),
        _ => value.as_object(),
    }
}

/// A string member as written, a number as its digits, anything else empty.
fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The forms of the objects of a list member (a non-object item gives an empty form).
fn list_of<T>(v: Option<&Value>, from: fn(&Map<String, Value>) -> T) -> Vec<T> {
    let empty = Map::new();
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| from(item.as_object().unwrap_or(&empty)))
        .collect()
}

/// Writes the list `key` of `obj` so that it reads as `new`: items past the end are dropped,
/// new ones added, and each kept item changed only where its form changed.
fn merge_list<T: PartialEq + Default>(
    obj: &mut Map<String, Value>,
    key: &str,
    new: &[T],
    from: fn(&Map<String, Value>) -> T,
    write: fn(&T, &T, &mut Map<String, Value>),
) {
    if list_of(obj.get(key), from) == new {
        return;
    }
    let mut items = obj
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    items.truncate(new.len());
    items.resize_with(new.len(), || Value::Object(Map::new()));
    for (item, form) in items.iter_mut().zip(new) {
        if !item.is_object() {
            *item = Value::Object(Map::new());
        }
        if let Value::Object(o) = item {
            let old = if o.is_empty() { T::default() } else { from(o) };
            write(form, &old, o);
        }
    }
    put(obj, key, (!items.is_empty()).then_some(Value::Array(items)));
}

/// Sets member `key`, or removes it (keeping the order of the others) for `None`.
fn put(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            obj.insert(key.to_string(), v);
        }
        None => {
            obj.shift_remove(key);
        }
    }
}

/// Sets a string member, or removes it when `text` is blank.
fn put_text(obj: &mut Map<String, Value>, key: &str, text: &str) {
    put(
        obj,
        key,
        (!text.trim().is_empty()).then(|| Value::String(text.to_string())),
    );
}

/// A whole number as a JSON number, other text as typed, blank as absent.
fn number_or_text(text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    Some(
        t.parse::<u64>()
            .map_or_else(|_| Value::String(text.to_string()), Value::from),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{add_service, add_task_definition};
    use crate::{Scenario, SimTime, Simulation};

    fn two_containers() -> TaskDefinitionForm {
        TaskDefinitionForm {
            family: "shop".into(),
            compatibility: "EC2".into(),
            network_mode: "bridge".into(),
            containers: vec![
                ContainerForm {
                    name: "web".into(),
                    image: "nginx:1.27".into(),
                    cpu: "256".into(),
                    memory: "512".into(),
                    port_mappings: vec![PortMappingForm {
                        container_port: "80".into(),
                        host_port: "0".into(),
                        protocol: "tcp".into(),
                        ..PortMappingForm::default()
                    }],
                    environment: vec![EnvironmentForm {
                        name: "PORT".into(),
                        value: "80".into(),
                    }],
                    ..ContainerForm::default()
                },
                ContainerForm {
                    name: "sidecar".into(),
                    image: "busybox".into(),
                    memory_reservation: "64".into(),
                    essential: false,
                    ..ContainerForm::default()
                },
            ],
            ..TaskDefinitionForm::default()
        }
    }

    /// 1.5 (bridge, `hostPort` 0 is dynamic) and 1.3 (reservations): a form with two
    /// containers writes a request that registers and whose service's tasks get placed.
    #[test]
    fn a_form_writes_a_request_that_registers_and_places() {
        let form = two_containers();
        let text = form.apply_to("");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["family"], "shop");
        assert_eq!(v["requiresCompatibilities"][0], "EC2");
        assert_eq!(
            v["containerDefinitions"][0]["portMappings"][0]["hostPort"],
            0
        );
        assert_eq!(v["containerDefinitions"][1]["essential"], false);
        // 1.1: environment values are strings, also when they look like numbers.
        assert_eq!(
            v["containerDefinitions"][0]["environment"],
            serde_json::json!([{"name": "PORT", "value": "80"}])
        );
        assert!(v.get("cpu").is_none(), "blank fields are left out");
        assert_eq!(TaskDefinitionForm::from_json(&text), Some(form));

        let doc = serde_json::json!({"version": 1, "containerInstances": [{"instanceType": "m5.large", "availabilityZone": "us-east-1a"}]});
        let (doc, family) = add_task_definition(&doc, &text).unwrap();
        let service = crate::edit::ServiceForm {
            name: "shop".into(),
            task_definition: family,
            desired: 3,
            ..Default::default()
        };
        let doc = add_service(&doc, &service).unwrap();
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        assert_eq!(sim.tasks().len(), 3);
    }

    #[test]
    fn writing_keeps_what_the_form_does_not_show_and_the_describe_wrapper() {
        let text = r#"{"taskDefinition": {"family": "web", "revision": 3, "containerDefinitions": [
            {"name": "app", "image": "nginx", "memory": 256, "logConfiguration": {"logDriver": "awslogs"},
             "portMappings": [{"containerPort": 80, "name": "http"}]}]}}"#;
        let mut form = TaskDefinitionForm::from_json(text).unwrap();
        assert_eq!(form.apply_to(text), text, "unchanged form, unchanged text");
        form.containers[0].memory = "512".into();
        form.containers[0].port_mappings[0].host_port = "8080".into();
        form.containers.push(ContainerForm {
            name: "log".into(),
            image: "fluent-bit".into(),
            ..ContainerForm::default()
        });
        let v: Value = serde_json::from_str(&form.apply_to(text)).unwrap();
        let td = &v["taskDefinition"];
        assert_eq!(td["revision"], 3);
        let app = &td["containerDefinitions"][0];
        assert_eq!(app["memory"], 512);
        assert_eq!(app["logConfiguration"]["logDriver"], "awslogs");
        assert_eq!(app["portMappings"][0]["name"], "http");
        assert_eq!(app["portMappings"][0]["hostPort"], 8080);
        assert_eq!(td["containerDefinitions"][1]["name"], "log");

        form.containers.truncate(1);
        form.containers[0].port_mappings.clear();
        form.containers[0].memory.clear();
        let v: Value = serde_json::from_str(&form.apply_to(text)).unwrap();
        let app = &v["taskDefinition"]["containerDefinitions"][0];
        assert!(app.get("portMappings").is_none() && app.get("memory").is_none());
        assert_eq!(
            v["taskDefinition"]["containerDefinitions"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    /// 1.2: a number typed as words is written as typed, and validation names the field.
    #[test]
    fn a_port_range_is_read_and_written_1_5() {
        let text = r#"{"family": "media", "containerDefinitions": [{"name": "rtp", "image": "x", "memory": 256,
            "portMappings": [{"containerPortRange": "10000-10099", "protocol": "udp"}]}]}"#;
        let mut form = TaskDefinitionForm::from_json(text).unwrap();
        let port = &mut form.containers[0].port_mappings[0];
        assert_eq!(
            (
                port.container_port_range.as_str(),
                port.container_port.as_str()
            ),
            ("10000-10099", "")
        );
        port.container_port_range = "10000-10199".into();
        let written: Value = serde_json::from_str(&form.apply_to(text)).unwrap();
        assert_eq!(
            written["containerDefinitions"][0]["portMappings"][0],
            serde_json::json!({"containerPortRange": "10000-10199", "protocol": "udp"})
        );
        let td = super::super::validate(
            &super::super::parse_task_definition_value(&written)
                .unwrap()
                .input,
        )
        .unwrap();
        assert_eq!(td.ports[0].count, 200);
    }

    #[test]
    fn a_mistyped_number_reaches_validation_naming_the_field_and_line() {
        let mut form = two_containers();
        form.containers[1].memory_reservation = "lots".into();
        let text = form.apply_to("");
        let e = crate::task_definition::check_task_definition(&text).unwrap_err();
        assert_eq!(e[0].path, "containerDefinitions[1].memoryReservation");
        let line = text.lines().nth(e[0].line.unwrap() - 1).unwrap();
        assert!(line.contains("\"memoryReservation\": \"lots\""), "{line}");
    }

    #[test]
    fn text_that_is_not_an_object_gives_no_form_and_a_new_request() {
        assert_eq!(TaskDefinitionForm::from_json("[1, 2"), None);
        assert_eq!(TaskDefinitionForm::from_json("[]"), None);
        let text = two_containers().apply_to("not json");
        assert!(crate::task_definition::check_task_definition(&text).is_ok());
    }
}
