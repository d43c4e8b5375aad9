//! The load model: request rates arriving at target groups (or straight at a service's
//! tasks) and what serving them costs each task.
//!
//! A `loadProfiles[]` entry of the scenario:
//! ```json
//! {"targetGroup": "web", "requests": {"type": "diurnal", "min": 200, "max": 5000},
//!  "cost": {"cpuUnitMsPerRequest": 2048, "baselineMemoryMiB": 200}}
//! ```
//! `targetGroup` names a target group (name or ARN), `loadBalancerName` a Classic Load
//! Balancer ([`crate::load_balancer::classic`]); `service` instead sends the requests
//! straight to a service's RUNNING tasks in equal shares (no load balancer); `queue` with
//! `consumer` makes the rate messages sent to an SQS queue that a worker service drains (9.4);
//! `serviceConnect` with `client` makes it the requests a client service's tasks send to a
//! Service Connect endpoint (`"backend:8080"`, [`crate::service_connect`]).

pub mod cost;
pub mod pattern;
pub mod profile;

use serde_json::Value;

pub use cost::{CostModel, TaskLoad};
pub use profile::RateProfile;

/// Where a load profile's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadTarget {
    /// A target group, by name or ARN.
    TargetGroup(String),
    /// A service, by name; its RUNNING tasks share the requests equally.
    Service(String),
    /// An SQS queue and the service that consumes it.
    Queue {
        /// `QueueName`.
        queue: String,
        /// The consuming service.
        consumer: String,
    },
    /// A Service Connect endpoint that a client service's tasks call
    /// ([`crate::service_connect`]).
    ServiceConnect {
        /// `serviceConnect` as written (`backend:8080`, `http://backend:8080`).
        address: String,
        /// Its host, lowercased.
        host: String,
        /// Its port.
        port: u16,
        /// `client`: the service whose tasks send the requests.
        client: String,
    },
    /// A DNS name of a Cloud Map service (`backend.corp.local`), lowercased: clients in the
    /// VPC resolve it and send to the addresses of the answer ([`crate::service_discovery`]).
    ServiceDiscovery(String),
}

/// One `loadProfiles[]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProfile {
    /// Where the requests go.
    pub target: LoadTarget,
    /// Requests per second over time.
    pub requests: RateProfile,
    /// What each request costs the tasks that serve it.
    pub cost: CostModel,
}

impl LoadProfile {
    /// Parses `loadProfiles[index]`.
    pub fn parse(v: &Value, index: usize) -> Result<LoadProfile, String> {
        let path = format!("loadProfiles[{index}]");
        // A Classic Load Balancer has no target group: its name takes the place of one.
        let classic = v.get("loadBalancerName").and_then(Value::as_str);
        if classic.is_some() && v.get("targetGroup").is_some() {
            return Err(format!(
                "{path}.loadBalancerName: give targetGroup or loadBalancerName, not both"
            ));
        }
        let target = match (
            v.get("targetGroup").and_then(Value::as_str).or(classic),
            v.get("service").and_then(Value::as_str),
            v.get("queue").and_then(Value::as_str),
            v.get("serviceConnect").and_then(Value::as_str),
            v.get("serviceDiscovery").and_then(Value::as_str),
        ) {
            (Some(tg), None, None, None, None) => LoadTarget::TargetGroup(tg.to_string()),
            (None, Some(s), None, None, None) => LoadTarget::Service(s.to_string()),
            (None, None, None, None, Some(name)) => LoadTarget::ServiceDiscovery(
                crate::service_discovery::parse_dns_target(
                    name,
                    &format!("{path}.serviceDiscovery"),
                )?,
            ),
            (None, None, None, Some(a), None) => {
                let (host, port) =
                    crate::service_connect::parse_address(a, &format!("{path}.serviceConnect"))?;
                LoadTarget::ServiceConnect {
                    address: a.to_string(),
                    host,
                    port,
                    client: v
                        .get("client")
                        .and_then(Value::as_str)
                        .filter(|c| !c.is_empty())
                        .ok_or_else(|| {
                            format!("{path}.client: required with serviceConnect: the service whose tasks send the requests")
                        })?
                        .to_string(),
                }
            }
            (None, None, Some(q), None, None) => LoadTarget::Queue {
                queue: q.to_string(),
                consumer: v
                    .get("consumer")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        format!("{path}.consumer: required with queue: the service that takes the messages")
                    })?
                    .to_string(),
            },
            _ => {
                return Err(format!(
                    "{path}: give exactly one of targetGroup (a target group name or ARN), service, queue (with consumer), serviceConnect (with client), or serviceDiscovery (a Cloud Map service's DNS name)"
                ))
            }
        };
        let requests = RateProfile::parse(
            v.get("requests")
                .ok_or_else(|| format!("{path}.requests: required"))?,
            &format!("{path}.requests"),
        )?;
        let cost = CostModel::parse(v.get("cost"), &format!("{path}.cost"))?;
        Ok(LoadProfile {
            target,
            requests,
            cost,
        })
    }
}
