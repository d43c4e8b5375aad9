//! The AWS services around ECS that a scenario declares (section 9, issue 8): S3 buckets and
//! uploads, SNS topics, DynamoDB tables, EventBridge rules and Scheduler schedules, and what the applications in the
//! tasks do. Each service's module parses its own requests; this gathers them.

use serde_json::Value;

/// The checked requests of the services around ECS.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsServices {
    /// `buckets[]`.
    pub buckets: Vec<crate::s3::Bucket>,
    /// `putObjects[]`.
    pub uploads: Vec<crate::s3::Upload>,
    /// `snsTopics[]`.
    pub topics: Vec<crate::sns::Topic>,
    /// `dynamoDbTables[]`.
    pub tables: Vec<crate::dynamodb::Table>,
    /// `eventRules[]`, then the EventBridge Scheduler schedules of `schedules[]`.
    pub rules: Vec<crate::eventbridge::Rule>,
    /// `applications[]`.
    pub applications: Vec<crate::application::Application>,
}

impl AwsServices {
    /// Parses every section; the error names the field.
    pub fn parse(
        buckets: &[Value],
        uploads: &[Value],
        topics: &[Value],
        tables: &[Value],
        rules: &[Value],
        schedules: &[Value],
        applications: &[Value],
    ) -> Result<AwsServices, String> {
        let buckets = crate::s3::parse_buckets(buckets)?;
        Ok(AwsServices {
            uploads: crate::s3::parse_uploads(uploads, &buckets)?,
            buckets,
            topics: crate::sns::parse_topics(topics)?,
            tables: crate::dynamodb::parse_tables(tables)?,
            rules: {
                let mut all = crate::eventbridge::parse_rules(rules)?;
                all.extend(crate::eventbridge::parse_schedules(schedules)?);
                all
            },
            applications: crate::application::parse_applications(applications)?,
        })
    }
}
