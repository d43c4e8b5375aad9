//! The AWS services panel (issue 8), shown when the scenario has any: S3 buckets with their
//! objects (and an upload by hand), image repositories (ECR, ECR Public, Docker Hub) with
//! their images and what their lifecycle policy expired, SQS queues with their backlog,
//! DynamoDB tables with their items, EventBridge rules and Scheduler schedules (pattern or
//! schedule, targets, times matched), SNS notifications as "emails sent", and EFS file systems
//! with the counter that outlives tasks. Everything shown is read from the engine; an upload is an edit of the
//! scenario (`edit::put_object`).

use ecs_engine::eventbridge::Trigger;
use ecs_engine::registry::RegistryKind;
use ecs_engine::{SimTime, Simulation};
use leptos::prelude::*;
use serde_json::Value;

/// Keys shown per bucket.
const KEYS: usize = 3;

/// Emails shown (the newest).
const EMAILS: usize = 20;

/// An S3 bucket.
#[derive(Clone, PartialEq)]
pub struct BucketView {
    /// Bucket name.
    pub name: String,
    /// Objects in it.
    pub objects: usize,
    /// The last keys in key order (numbered uploads: the newest).
    pub last_keys: Vec<String>,
    /// EventBridge notifications on.
    pub eventbridge: bool,
}

/// An image repository.
#[derive(Clone, PartialEq)]
pub struct RepositoryView {
    /// The repository (`123456789012.dkr.ecr.us-east-1.amazonaws.com/api`, `nginx`, ...).
    pub uri: String,
    /// `ECR`, `ECR Public`, `Docker Hub` or `registry`.
    pub registry: &'static str,
    /// Lifecycle policy rules.
    pub rules: usize,
    /// Its images, in scenario order.
    pub images: Vec<ImageView>,
}

/// An image of a repository.
#[derive(Clone, PartialEq)]
pub struct ImageView {
    /// Tags, comma-separated, or the short digest of an untagged image.
    pub name: String,
    /// Compressed size, MiB.
    pub size_mib: f64,
    /// Push date, `YYYY-MM-DD`.
    pub pushed: String,
    /// `imageScanStatus.status`, if scanned.
    pub scan: Option<String>,
    /// When a lifecycle rule expired it, and which rule.
    pub expired: Option<(SimTime, u32)>,
}

/// An SQS queue.
#[derive(Clone, PartialEq)]
pub struct QueueView {
    /// `QueueName`.
    pub name: String,
    /// ApproximateNumberOfMessagesVisible now.
    pub visible: u64,
    /// ApproximateNumberOfMessagesNotVisible at the last minute's datapoint.
    pub in_flight: u64,
    /// `VisibilityTimeout`, seconds.
    pub visibility_timeout_s: u64,
}

/// An EventBridge rule.
#[derive(Clone, PartialEq)]
pub struct RuleView {
    /// Rule name.
    pub name: String,
    /// `pattern {…}` or `schedule rate(1 hour)`.
    pub trigger: String,
    /// Its targets, short: `ecs cluster/default`, `sns ops-alerts`.
    pub targets: Vec<String>,
    /// Times it matched (events delivered to its targets, scheduled firings included).
    pub matched: u64,
    /// `State` ENABLED.
    pub enabled: bool,
}

/// An SNS notification delivered.
#[derive(Clone, PartialEq)]
pub struct EmailView {
    /// When.
    pub at: SimTime,
    /// Topic name.
    pub topic: String,
    /// `email` …
    pub protocol: String,
    /// The address.
    pub to: String,
    /// The message.
    pub message: String,
}

/// What the panel shows.
#[derive(Clone, PartialEq, Default)]
pub struct AwsView {
    /// S3 buckets.
    pub buckets: Vec<BucketView>,
    /// Image repositories.
    pub repositories: Vec<RepositoryView>,
    /// SQS queues.
    pub queues: Vec<QueueView>,
    /// DynamoDB tables: name, items.
    pub tables: Vec<(String, u64)>,
    /// EventBridge rules.
    pub rules: Vec<RuleView>,
    /// Notifications delivered, newest first (at most [`EMAILS`]).
    pub emails: Vec<EmailView>,
    /// All notifications delivered so far.
    pub emails_sent: usize,
    /// Whether the scenario has SNS topics (so "no emails yet" is worth saying).
    pub topics: bool,
    /// EFS file systems: id, mount targets, the counter.
    pub file_systems: Vec<(String, usize, u64)>,
}

impl AwsView {
    /// Whether the scenario has none of these services.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
            && self.repositories.is_empty()
            && self.queues.is_empty()
            && self.tables.is_empty()
            && self.rules.is_empty()
            && self.emails.is_empty()
            && !self.topics
            && self.file_systems.is_empty()
    }
}

/// `334850` → `334,850`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `arn:aws:sns:us-east-1:123456789012:ops` → `sns ops`.
fn short_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, service, _, _, resource] => format!("{service} {resource}"),
        _ => arn.to_string(),
    }
}

/// Reads the panel from the engine.
pub fn aws_view(sim: &Simulation) -> AwsView {
    let raw_rules = sim
        .scenario()
        .raw
        .get("eventRules")
        .and_then(Value::as_array);
    let rules = sim.event_rules();
    let rules = rules
        .iter()
        .zip(sim.event_rule_matches().iter().copied())
        .map(|(r, matched)| {
            let raw = raw_rules.and_then(|list| {
                list.iter()
                    .find(|v| v.get("Name").and_then(Value::as_str) == Some(r.name.as_str()))
            });
            let trigger = match &r.trigger {
                Trigger::Schedule(t) if r.scheduler => {
                    format!("Scheduler {} ({})", t.expression, t.zone.name())
                }
                Trigger::Schedule(t) => format!("schedule {}", t.expression),
                Trigger::Pattern(_) => {
                    let pattern =
                        raw.and_then(|v| v.get("EventPattern"))
                            .map_or(String::new(), |p| {
                                // A pattern may be a JSON string or an object.
                                p.as_str().map_or_else(|| p.to_string(), str::to_string)
                            });
                    format!("pattern {pattern}")
                }
            };
            RuleView {
                name: r.name.clone(),
                trigger,
                targets: r.targets.iter().map(|t| short_arn(&t.arn)).collect(),
                matched,
                enabled: r.enabled,
            }
        })
        .collect();
    let notifications = sim.notifications();
    AwsView {
        buckets: sim
            .buckets()
            .iter()
            .map(|b| BucketView {
                name: b.name.clone(),
                objects: b.objects.len(),
                last_keys: b.objects.keys().rev().take(KEYS).cloned().collect(),
                eventbridge: b.eventbridge,
            })
            .collect(),
        repositories: sim
            .registries()
            .repositories
            .iter()
            .map(|r| RepositoryView {
                uri: r.uri.clone(),
                registry: match r.kind {
                    RegistryKind::EcrPrivate { .. } => "ECR",
                    RegistryKind::EcrPublic => "ECR Public",
                    RegistryKind::DockerHub => "Docker Hub",
                    RegistryKind::Other => "registry",
                },
                rules: r.lifecycle.len(),
                images: r
                    .images
                    .iter()
                    .map(|i| ImageView {
                        name: if i.tags.is_empty() {
                            format!("untagged {}", i.digest.chars().take(19).collect::<String>())
                        } else {
                            i.tags.join(", ")
                        },
                        size_mib: i.size_mib,
                        pushed: ecs_engine::calendar::format_utc_timestamp(i.pushed_at_epoch_ms)
                            .chars()
                            .take(10)
                            .collect(),
                        scan: i.scan_status.clone(),
                        expired: i.expired.map(|(at, rule)| (SimTime(at), rule)),
                    })
                    .collect(),
            })
            .collect(),
        queues: sim
            .queues()
            .iter()
            .map(|q| QueueView {
                name: q.name.clone(),
                visible: q.backlog.round() as u64,
                in_flight: sim
                    .time_series()
                    .series
                    .get(&format!(
                        "queue/{}/ApproximateNumberOfMessagesNotVisible",
                        q.name
                    ))
                    .and_then(|v| v.last())
                    .map_or(0, |n| n.round() as u64),
                visibility_timeout_s: q.visibility_timeout_ms / 1000,
            })
            .collect(),
        tables: sim
            .dynamo_db_tables()
            .iter()
            .map(|t| (t.name.clone(), t.items))
            .collect(),
        rules,
        emails: notifications
            .iter()
            .rev()
            .take(EMAILS)
            .map(|n| EmailView {
                at: SimTime(n.at_ms),
                topic: n.topic.clone(),
                protocol: n.protocol.clone(),
                to: n.endpoint.clone(),
                message: n.message.clone(),
            })
            .collect(),
        emails_sent: notifications.len(),
        topics: sim
            .scenario()
            .raw
            .get("snsTopics")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty()),
        file_systems: sim
            .file_systems()
            .iter()
            .map(|f| (f.id.clone(), f.mount_targets.len(), f.counter))
            .collect(),
    }
}

/// The panel; nothing when the scenario has none of these services. `upload` receives a
/// bucket and a key (blank: numbered) to upload at the current time; none in the embed mode.
#[component]
pub fn AwsPanel(
    view: Signal<AwsView>,
    upload: Option<Callback<(String, String)>>,
) -> impl IntoView {
    move || {
        let v = view.get();
        if v.is_empty() {
            return None;
        }
        Some(view! {
            <section class="pane aws" aria-label="AWS services" id="aws-services">
                <h2>"AWS services around ECS"</h2>
                <div class="aws-grid">
                {(!v.buckets.is_empty()).then(|| view! {
                    <div class="aws-block" id="aws-s3">
                        <h3>"S3 buckets"</h3>
                        <ul class="small">
                        {v.buckets.iter().map(|b| view! {
                            <li class="bucket" data-bucket=b.name.clone() data-objects=b.objects.to_string()>
                                <strong>{b.name.clone()}</strong>{format!(": {} object{}", b.objects, if b.objects == 1 { "" } else { "s" })}
                                {b.eventbridge.then_some(" · EventBridge on")}
                                {(!b.last_keys.is_empty()).then(|| view! { <div class="muted mono keys">{b.last_keys.join("  ")}</div> })}
                                {upload.map(|upload| {
                                    let bucket = b.name.clone();
                                    let field = format!("upload-key-{bucket}");
                                    let read = field.clone();
                                    view! {
                                        <div class="upload">
                                            <input id=field class="upload-key" size="14" placeholder="key (blank: upload-N)"
                                                aria-label=format!("Key of an object to upload to {bucket}")/>
                                            <button class="upload-button" data-bucket=bucket.clone()
                                                title="PutObject now: the bucket raises Object Created when EventBridge is on"
                                                on:click=move |_| upload.run((bucket.clone(), crate::build::input_value(&read)))>"Upload"</button>
                                        </div>
                                    }
                                })}
                            </li>
                        }).collect_view()}
                        </ul>
                    </div>
                })}
                {(!v.repositories.is_empty()).then(|| view! {
                    <div class="aws-block wide" id="aws-repositories">
                        <h3>"Image repositories"</h3>
                        {v.repositories.iter().map(|r| view! {
                            <div class="repository small" data-repository=r.uri.clone()>
                                <strong class="mono">{r.uri.clone()}</strong>
                                <span class="muted">{format!(" · {} · {}", r.registry, match r.rules {
                                    0 => "no lifecycle policy".to_string(),
                                    1 => "lifecycle policy of 1 rule".to_string(),
                                    n => format!("lifecycle policy of {n} rules"),
                                })}</span>
                                <table>
                                    <thead><tr><th>"image"</th><th class="num">"MiB"</th><th>"pushed"</th><th>"scan"</th><th>"status"</th></tr></thead>
                                    <tbody>
                                    {r.images.iter().map(|i| view! {
                                        <tr class="image" class:expired=i.expired.is_some() data-image=i.name.clone()>
                                            <td class="mono">{i.name.clone()}</td>
                                            <td class="num">{format!("{:.0}", i.size_mib)}</td>
                                            <td>{i.pushed.clone()}</td>
                                            <td>{i.scan.clone().unwrap_or_else(|| "not scanned".to_string())}</td>
                                            <td class="status">{match i.expired {
                                                Some((at, rule)) => format!("expired at {at} by lifecycle rule {rule}"),
                                                None => "available".to_string(),
                                            }}</td>
                                        </tr>
                                    }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }).collect_view()}
                    </div>
                })}
                {(!v.queues.is_empty()).then(|| view! {
                    <div class="aws-block" id="aws-sqs">
                        <h3>"SQS queues"</h3>
                        <ul class="small">
                        {v.queues.iter().map(|q| view! {
                            <li class="queue" data-queue=q.name.clone() data-visible=q.visible.to_string()>
                                <strong>{q.name.clone()}</strong>
                                {format!(": {} visible · {} in flight", grouped(q.visible), grouped(q.in_flight))}
                                <div class="muted">{format!("visibility timeout {} s", q.visibility_timeout_s)}</div>
                            </li>
                        }).collect_view()}
                        </ul>
                    </div>
                })}
                {(!v.tables.is_empty()).then(|| view! {
                    <div class="aws-block" id="aws-dynamodb">
                        <h3>"DynamoDB tables"</h3>
                        <ul class="small">
                        {v.tables.iter().map(|(name, items)| view! {
                            <li class="table" data-table=name.clone() data-items=items.to_string()><strong>{name.clone()}</strong>{format!(": {items} item{}", if *items == 1 { "" } else { "s" })}</li>
                        }).collect_view()}
                        </ul>
                    </div>
                })}
                {(!v.file_systems.is_empty()).then(|| view! {
                    <div class="aws-block" id="aws-efs">
                        <h3>"EFS file systems"</h3>
                        <ul class="small">
                        {v.file_systems.iter().map(|(id, mounts, counter)| view! {
                            <li class="file-system" data-file-system=id.clone() data-counter=counter.to_string()>
                                <strong class="mono">{id.clone()}</strong>{format!(": counter {counter} · {mounts} mount target{}", if *mounts == 1 { "" } else { "s" })}
                            </li>
                        }).collect_view()}
                        </ul>
                    </div>
                })}
                {(!v.rules.is_empty()).then(|| view! {
                    <div class="aws-block wide" id="aws-rules">
                        <h3>"EventBridge rules and Scheduler schedules"</h3>
                        <table class="small">
                            <thead><tr><th>"rule or schedule"</th><th>"matched"</th><th>"pattern or schedule"</th><th>"targets"</th></tr></thead>
                            <tbody>
                            {v.rules.iter().map(|r| view! {
                                <tr class="rule" data-rule=r.name.clone() data-matched=r.matched.to_string()>
                                    <td><strong>{r.name.clone()}</strong>{(!r.enabled).then_some(" (DISABLED)")}</td>
                                    <td class="num matched">{r.matched}</td>
                                    <td class="mono trigger" title=r.trigger.clone()>{r.trigger.clone()}</td>
                                    <td class="mono">{r.targets.join(", ")}</td>
                                </tr>
                            }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })}
                {v.topics.then(|| view! {
                    <div class="aws-block wide" id="aws-emails">
                        <h3>{format!("SNS: {} email{} sent", v.emails_sent, if v.emails_sent == 1 { "" } else { "s" })}</h3>
                        {v.emails.is_empty().then(|| view! { <p class="muted small">"None yet."</p> })}
                        <ol class="emails small" reversed>
                        {v.emails.iter().map(|e| view! {
                            <li class="email" data-topic=e.topic.clone()>
                                <time>{e.at.to_string()}</time>" "
                                <span class="muted">{format!("{} to ", e.protocol)}</span><strong class="to">{e.to.clone()}</strong>
                                <span class="muted">{format!(" ({})", e.topic)}</span>
                                <div class="message">{e.message.clone()}</div>
                            </li>
                        }).collect_view()}
                        </ol>
                    </div>
                })}
                </div>
            </section>
        })
    }
}
