//! DynamoDB tables, as far as the reference architectures need them: a table that tasks write
//! items to (architecture 1). `dynamoDbTables[]` holds CreateTable requests (`TableName`).

use serde_json::Value;

/// A table and the items written to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// `TableName`.
    pub name: String,
    /// Items written (PutItem calls that succeeded).
    pub items: u64,
}

impl Table {
    /// `arn:aws:dynamodb:us-east-1:123456789012:table/<name>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:dynamodb:us-east-1:123456789012:table/{}",
            self.name
        )
    }
}

impl crate::Simulation {
    /// The DynamoDB tables with the items written to them so far.
    pub fn dynamo_db_tables(&self) -> &[Table] {
        &self.tables
    }
}

/// Parses `dynamoDbTables[]`.
pub fn parse_tables(items: &[Value]) -> Result<Vec<Table>, String> {
    let mut out: Vec<Table> = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let name = v
            .get("TableName")
            .and_then(Value::as_str)
            .filter(|n| (3..=255).contains(&n.len()))
            .ok_or_else(|| format!("dynamoDbTables[{i}].TableName: required, 3 to 255 characters"))?
            .to_string();
        if out.iter().any(|t| t.name == name) {
            return Err(format!(
                "dynamoDbTables[{i}].TableName: table {name} already exists"
            ));
        }
        out.push(Table { name, items: 0 });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_need_a_name() {
        assert_eq!(
            parse_tables(&[json!({"TableName": "results"})]).unwrap()[0].arn(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/results"
        );
        assert!(parse_tables(&[json!({"TableName": "x"})])
            .unwrap_err()
            .starts_with("dynamoDbTables[0].TableName"));
    }
}
