//! Typed reading of a document that is already parsed JSON: each structure takes its members
//! by name, and a member of the wrong JSON type, a missing required member or an unknown one is
//! refused with its path and serde's wording (`containerDefinitions[0].cpu`: "invalid type:
//! string \"x\", expected i64").
//!
//! Every typed document reads through here: the scenario's top level and `options`, the
//! hand-drawn instances, lessons, and the generated RegisterTaskDefinition model
//! (`task_definition/model.rs`). It replaces serde's derived visitors wrapped by
//! `serde_path_to_error`, which were about 50 KB of the gzipped wasm the browser downloads;
//! these plain functions over a [`Value`] are a few KB (BENCHMARKS.md, "Bundle size").

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// Where a value sits in the document: the chain of members and list indexes from the root.
/// It is only rendered into text when a member is refused.
#[derive(Debug, Clone, Copy)]
pub enum At<'a> {
    /// The document itself.
    Root,
    /// A member of an object.
    Member(&'a At<'a>, &'a str),
    /// An item of a list.
    Index(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    /// `containerDefinitions[0].portMappings[1].containerPort`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Root => Ok(()),
            At::Member(At::Root, key) => f.write_str(key),
            At::Member(parent, key) => write!(f, "{parent}.{key}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// A member refused: of the wrong JSON type, missing, unknown, or out of its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// Path of the member, e.g. `containerDefinitions[0].cpu`.
    pub path: String,
    /// What was found and what the shape expects, in serde's wording.
    pub message: String,
}

/// A type read from a JSON value at a place in the document.
pub trait FromJson: Sized {
    /// Reads `value`, or refuses it naming `at`.
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError>;
}

/// "invalid type: string \"x\", expected i64", as serde words it for a JSON value.
fn invalid_type(value: &Value, expected: &str, at: At<'_>) -> ShapeError {
    let found = match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    };
    ShapeError {
        path: at.to_string(),
        message: format!("invalid type: {found}, expected {expected}"),
    }
}

impl FromJson for String {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| invalid_type(value, "a string", at))
    }
}

impl FromJson for i64 {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        match value {
            Value::Number(n) if n.is_u64() && n.as_i64().is_none() => Err(ShapeError {
                path: at.to_string(),
                message: format!("invalid value: integer `{n}`, expected i64"),
            }),
            _ => value.as_i64().ok_or_else(|| invalid_type(value, "i64", at)),
        }
    }
}

/// A whole number from 0 to `max`, named `expected` ("u64") when refused.
fn unsigned(value: &Value, at: At<'_>, expected: &str, max: u64) -> Result<u64, ShapeError> {
    match value {
        Value::Number(n) if n.is_u64() || n.is_i64() => match n.as_u64() {
            Some(v) if v <= max => Ok(v),
            _ => Err(ShapeError {
                path: at.to_string(),
                message: format!("invalid value: integer `{n}`, expected {expected}"),
            }),
        },
        _ => Err(invalid_type(value, expected, at)),
    }
}

impl FromJson for u64 {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        unsigned(value, at, "u64", u64::MAX)
    }
}

impl FromJson for u32 {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        unsigned(value, at, "u32", u32::MAX.into()).map(|v| v as u32)
    }
}

impl FromJson for f64 {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        value.as_f64().ok_or_else(|| invalid_type(value, "f64", at))
    }
}

/// An optional member: `null` is `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        match value {
            Value::Null => Ok(None),
            v => T::from_json(v, at).map(Some),
        }
    }
}

/// Any JSON, kept as it is (a request body read by its own module later).
impl FromJson for Value {
    fn from_json(value: &Value, _at: At<'_>) -> Result<Self, ShapeError> {
        Ok(value.clone())
    }
}

/// An enumeration written as one of its spellings, e.g. `"spot"` of `on-demand | spot`.
pub trait Spelled: Copy + 'static {
    /// Each spelling and the value it stands for.
    const SPELLINGS: &'static [(&'static str, Self)];
}

impl<T: Spelled> FromJson for T {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        one_of(value, at, T::SPELLINGS)
    }
}

/// One of `spellings`; anything else is refused in serde's wording ("unknown variant `x`,
/// expected `on-demand` or `spot`").
fn one_of<T: Copy>(value: &Value, at: At<'_>, spellings: &[(&str, T)]) -> Result<T, ShapeError> {
    let text = value
        .as_str()
        .ok_or_else(|| invalid_type(value, "a string", at))?;
    if let Some((_, v)) = spellings.iter().find(|(s, _)| *s == text) {
        return Ok(*v);
    }
    let names: Vec<String> = spellings.iter().map(|(s, _)| format!("`{s}`")).collect();
    let expected = match names.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    };
    Err(ShapeError {
        path: at.to_string(),
        message: format!("unknown variant `{text}`, expected {expected}"),
    })
}

impl FromJson for bool {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        value
            .as_bool()
            .ok_or_else(|| invalid_type(value, "a boolean", at))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let items = value
            .as_array()
            .ok_or_else(|| invalid_type(value, "a sequence", at))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| T::from_json(item, At::Index(&at, i)))
            .collect()
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let object = value
            .as_object()
            .ok_or_else(|| invalid_type(value, "a map", at))?;
        object
            .iter()
            .map(|(k, v)| Ok((k.clone(), T::from_json(v, At::Member(&at, k))?)))
            .collect()
    }
}

/// The members of a JSON object read as one structure shape.
///
/// Members are read without early returns: the first refusal is kept and [`Members::finish`]
/// returns it. A structure is then built in one expression with no drop code for each member
/// that could fail, which keeps the generated model small.
pub struct Members<'a> {
    object: &'a Map<String, Value>,
    at: At<'a>,
    refused: Cell<Option<ShapeError>>,
}

impl<'a> Members<'a> {
    /// The object at `at`, or a refusal saying which `shape` (e.g. "struct PortMapping") was
    /// expected there.
    pub fn of(value: &'a Value, at: At<'a>, shape: &str) -> Result<Self, ShapeError> {
        match value {
            Value::Object(object) => Ok(Members {
                object,
                at,
                refused: Cell::new(None),
            }),
            other => Err(invalid_type(other, shape, at)),
        }
    }

    /// The member `key`: `None` when absent, `null`, or refused (the refusal is kept for
    /// [`Members::finish`]).
    pub fn get<T: FromJson>(&self, key: &str) -> Option<T> {
        let value = self.member(key)?;
        match T::from_json(value, At::Member(&self.at, key)) {
            Ok(read) => Some(read),
            Err(e) => {
                self.refuse(e);
                None
            }
        }
    }

    /// The member `key`, which the shape requires: when absent or `null` it is refused
    /// ("missing field `key`") and the default stands in until [`Members::finish`].
    pub fn required<T: FromJson + Default>(&self, key: &str) -> T {
        if self.member(key).is_none() {
            self.refuse_member(key, format!("missing field `{key}`"));
        }
        self.get(key).unwrap_or_default()
    }

    /// Refuses every member not in `known`, in serde's wording ("unknown field `sed`,
    /// expected one of `version`, `name`, ...").
    pub fn deny_unknown(&self, known: &[&str]) {
        if let Some(key) = self.object.keys().find(|k| !known.contains(&k.as_str())) {
            let names: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            let message = format!(
                "unknown field `{key}`, expected one of {}",
                names.join(", ")
            );
            self.refuse_member(key, message);
        }
    }

    /// Refuses the member `key` with `message`, for a check of the shape's own (a range).
    pub fn refuse_member(&self, key: &str, message: String) {
        self.refuse(ShapeError {
            path: At::Member(&self.at, key).to_string(),
            message,
        });
    }

    /// The member's value unless absent or `null`. Not inlined, nor is [`Members::refuse`]:
    /// the map lookup would otherwise be copied into each member's read.
    #[inline(never)]
    fn member(&self, key: &str) -> Option<&'a Value> {
        self.object.get(key).filter(|v| !v.is_null())
    }

    /// Keeps `e` unless a member was refused before.
    #[inline(never)]
    fn refuse(&self, e: ShapeError) {
        let first = self.refused.take().unwrap_or(e);
        self.refused.set(Some(first));
    }

    /// The structure built from the members, or the first member refused.
    pub fn finish<T>(self, built: T) -> Result<T, ShapeError> {
        match self.refused.into_inner() {
            Some(e) => Err(e),
            None => Ok(built),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read<T: FromJson>(v: Value) -> Result<T, ShapeError> {
        T::from_json(&v, At::Root)
    }

    #[test]
    fn a_refused_member_is_named_by_its_path_and_serde_wording() {
        let doc = json!({"items": [{"n": 1}, {"n": "x"}]});
        let m = Members::of(&doc, At::Root, "struct Doc").unwrap();
        assert_eq!(m.get::<Vec<BTreeMap<String, i64>>>("items"), None);
        let items = m.finish(()).unwrap_err();
        assert_eq!(items.path, "items[1].n");
        assert_eq!(items.message, "invalid type: string \"x\", expected i64");
    }

    #[test]
    fn each_json_type_is_named_as_serde_names_it() {
        let cases = [
            (json!(true), "boolean `true`"),
            (json!(1.5), "floating point `1.5`"),
            (json!(-3), "integer `-3`"),
            (json!([1]), "sequence"),
            (json!({"a": 1}), "map"),
        ];
        for (v, found) in cases {
            let e = read::<String>(v).unwrap_err();
            assert_eq!(
                e.message,
                format!("invalid type: {found}, expected a string")
            );
        }
        assert_eq!(
            read::<bool>(json!("yes")).unwrap_err().message,
            "invalid type: string \"yes\", expected a boolean"
        );
        assert_eq!(
            read::<i64>(json!(u64::MAX)).unwrap_err().message,
            format!("invalid value: integer `{}`, expected i64", u64::MAX)
        );
    }

    #[test]
    fn absent_and_null_members_are_none_and_a_non_object_names_the_shape() {
        let doc = json!({"a": null});
        let m = Members::of(&doc, At::Root, "struct Doc").unwrap();
        assert_eq!(m.get::<String>("a"), None);
        assert_eq!(m.get::<String>("b"), None);
        assert_eq!(m.finish(7), Ok(7));
        let nested = json!({"outer": [3]});
        let m = Members::of(&nested, At::Root, "struct Doc").unwrap();
        assert_eq!(m.get::<Vec<Vec<String>>>("outer"), None);
        assert_eq!(m.get::<Vec<i64>>("outer"), Some(vec![3]));
        let e = m.finish(()).unwrap_err();
        assert_eq!(e.path, "outer[0]");
        assert_eq!(e.message, "invalid type: integer `3`, expected a sequence");
        let e = Members::of(&json!("x"), At::Root, "struct PortMapping")
            .err()
            .unwrap();
        assert_eq!(
            e.message,
            "invalid type: string \"x\", expected struct PortMapping"
        );
    }

    #[test]
    fn required_unknown_and_enumerated_members_are_refused_in_serde_wording() {
        let doc = json!({"kind": "spot", "sed": 4});
        let m = Members::of(&doc, At::Root, "struct Doc").unwrap();
        m.deny_unknown(&["kind", "seed"]);
        assert_eq!(m.required::<String>("name"), "");
        let e = m.finish(()).unwrap_err();
        assert_eq!(e.path, "sed", "the first refusal is kept");
        assert_eq!(
            e.message,
            "unknown field `sed`, expected one of `kind`, `seed`"
        );

        let m = Members::of(&doc, At::Root, "struct Doc").unwrap();
        assert_eq!(m.required::<String>("name"), "");
        let e = m.finish(()).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            ("name", "missing field `name`")
        );

        let two = [("on-demand", 0), ("spot", 1)];
        assert_eq!(one_of(&json!("spot"), At::Root, &two), Ok(1));
        let e = one_of(&json!("Spot"), At::Root, &two).unwrap_err();
        assert_eq!(
            e.message,
            "unknown variant `Spot`, expected `on-demand` or `spot`"
        );
        let three = [("a", 0), ("b", 1), ("c", 2)];
        let e = one_of(&json!("d"), At::Root, &three).unwrap_err();
        assert_eq!(
            e.message,
            "unknown variant `d`, expected one of `a`, `b`, `c`"
        );
    }

    #[test]
    fn whole_numbers_keep_to_their_range() {
        assert_eq!(read::<u32>(json!(7)), Ok(7));
        assert_eq!(
            read::<u32>(json!(5_000_000_000u64)).unwrap_err().message,
            "invalid value: integer `5000000000`, expected u32"
        );
        assert_eq!(
            read::<u64>(json!(-1)).unwrap_err().message,
            "invalid value: integer `-1`, expected u64"
        );
        assert_eq!(
            read::<u64>(json!(1.5)).unwrap_err().message,
            "invalid type: floating point `1.5`, expected u64"
        );
        assert_eq!(read::<f64>(json!(2)), Ok(2.0));
    }
}
