//! Service discovery in a run: ECS registers a service's tasks in its Cloud Map service,
//! reports their health, and deregisters them as they stop (rules and sources in [`super`]).

use std::rc::Rc;

use serde_json::{json, Value};

use super::{HealthCheck, RegistryPort, ServiceRegistry};
use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::time::SimTime;

/// A task registered in a Cloud Map service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudMapInstance {
    /// The task (index).
    pub task: usize,
    /// `AWS_INSTANCE_IPV4`: the task's ENI address with `awsvpc`, its instance's otherwise.
    pub ipv4: String,
    /// `AWS_INSTANCE_PORT`, when the registry names a port.
    pub port: Option<u16>,
    /// When ECS registered it.
    pub registered_at: SimTime,
    /// `AWS_INIT_HEALTH_STATUS` (with `HealthCheckCustomConfig`): HEALTHY, or UNHEALTHY for a
    /// task whose essential containers have health checks [unconfirmed].
    pub initially_healthy: bool,
}

/// What Cloud Map says of an instance's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceHealth {
    /// Healthy: DNS answers it.
    Healthy,
    /// Unhealthy: left out of the answers while any instance is healthy.
    Unhealthy,
    /// The service has no health check: always answered.
    Unknown,
}

impl InstanceHealth {
    /// The AWS spelling (`HealthStatus`).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceHealth::Healthy => "HEALTHY",
            InstanceHealth::Unhealthy => "UNHEALTHY",
            InstanceHealth::Unknown => "UNKNOWN",
        }
    }
}

/// One DNS answer of a Cloud Map service, from when Route 53 started giving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// When it started.
    pub from: SimTime,
    /// The tasks its records name (sorted).
    pub tasks: Vec<usize>,
}

/// The service discovery state of a run.
#[derive(Debug, Clone, Default)]
pub struct ServiceDiscoveryState {
    /// The registered instances of each Cloud Map service (indexed like
    /// [`super::CloudMapServices::list`]).
    pub instances: Vec<Vec<CloudMapInstance>>,
    /// The DNS answers of each Cloud Map service that load reaches, oldest first, as far back
    /// as its TTL.
    pub answers: Vec<Vec<Answer>>,
    /// When each Cloud Map service's tasks deregistered: (task, when), kept for a TTL, for the
    /// resolvers that still hold their addresses.
    pub deregistered: Vec<Vec<(usize, SimTime)>>,
    /// Register and deregister calls so far: a DNS answer worked out before a change is stale.
    pub(crate) registrations: u64,
    /// Per Cloud Map service: the answer in `answers` holds for (task generation,
    /// registrations) until this time (the next health status Cloud Map applies).
    pub(crate) answer_valid: Vec<Option<((u64, u64), SimTime)>>,
    /// Per load profile, this minute's requests.
    pub(crate) minutes: std::collections::BTreeMap<usize, super::dns::DnsMinute>,
}

/// The private IPv4 address of the instance in slot `slot` (bridge and host tasks register
/// it).
pub fn instance_ip(slot: usize) -> String {
    format!("10.1.{}.{}", (slot / 250) % 250, slot % 250 + 4)
}

impl Simulation {
    /// The registry configuration task `t` runs with: its deployment's, else its service's.
    fn task_registry(&self, t: usize) -> Option<Rc<ServiceRegistry>> {
        let task = &self.tasks[t];
        let svc = &self.services[task.service?];
        task.deployment
            .and_then(|d| svc.deployments.get(d))
            .map_or_else(
                || svc.service_registry.clone(),
                |d| d.service_registry.clone(),
            )
    }

    /// Makes deployment `d`'s service registry service `s`'s again, in the service and in its
    /// stored request: a rollback brings back the whole service revision.
    pub(crate) fn restore_service_registry(&mut self, s: usize, d: usize) {
        let registry = self.services[s].deployments[d].service_registry.clone();
        let svc = &mut self.services[s];
        svc.set_request_member(
            "serviceRegistries",
            registry.as_ref().map(|r| r.request.clone()),
        );
        svc.service_registry = registry;
    }

    /// Registers task `t` in its service's Cloud Map service (ECS does so while the task is
    /// ACTIVATING [ECS-SD]); a task already registered stays as it is.
    pub(crate) fn register_in_cloud_map(&mut self, t: usize) {
        let Some(registry) = self.task_registry(t) else {
            return;
        };
        let c = registry.cloud_map;
        let state = &mut self.service_discovery;
        if state.instances.len() <= c {
            state
                .instances
                .resize(self.scenario.cloud_map.list.len(), Vec::new());
        }
        if state.instances[c].iter().any(|i| i.task == t) {
            return;
        }
        let task = &self.tasks[t];
        let awsvpc = task.td.network_mode == crate::task_definition::NetworkMode::Awsvpc;
        let ipv4 = if awsvpc {
            crate::load_balancer::registration::task_ip(t)
        } else {
            instance_ip(task.reservation.slot)
        };
        let port = match &registry.port {
            RegistryPort::None => None,
            RegistryPort::Given(p) => Some(*p),
            RegistryPort::Container { port, .. } if awsvpc => Some(*port),
            RegistryPort::Container { name, port } => task
                .reservation
                .bindings
                .iter()
                .find(|b| &b.container_name == name && b.container_port == *port)
                .map(|b| b.host_port),
        };
        let cm = &self.scenario.cloud_map.list[c];
        let checked = task.td.essential_check_interval_s().is_some();
        let instance = CloudMapInstance {
            task: t,
            ipv4: ipv4.clone(),
            port,
            registered_at: self.now(),
            initially_healthy: !checked,
        };
        let health = match cm.health {
            HealthCheck::Custom if checked => {
                "; custom health UNHEALTHY until ECS reports its container health check passing"
            }
            HealthCheck::Custom => "; custom health HEALTHY (no container health check)",
            HealthCheck::Route53(_) => "; its Route 53 health check is not simulated",
            HealthCheck::None => "",
        };
        let address = port.map_or(ipv4.clone(), |p| format!("{ipv4}:{p}"));
        let msg = format!(
            "registered task {} as an instance of Cloud Map service {} ({}) in namespace {}: {address}{health}",
            task.id,
            cm.name,
            cm.id,
            self.scenario.namespaces.list[cm.namespace].name
        );
        let (id, service) = (task.id.clone(), task.service);
        self.service_discovery.instances[c].push(instance);
        self.service_discovery.registrations += 1;
        let entry = self.log.push(self.now(), EventKind::ServiceDiscovery, msg);
        entry.task(&id);
        if let Some(s) = service {
            entry.service(&self.services[s].name.clone());
        }
    }

    /// Deregisters task `t` from its Cloud Map service, as ECS does once its desired status
    /// is STOPPED [unconfirmed: the developer guide does not say when].
    pub(crate) fn deregister_from_cloud_map(&mut self, t: usize) {
        let now = self.now();
        for c in 0..self.service_discovery.instances.len() {
            let list = &mut self.service_discovery.instances[c];
            let Some(i) = list.iter().position(|x| x.task == t) else {
                continue;
            };
            list.remove(i);
            self.service_discovery.registrations += 1;
            let cm = &self.scenario.cloud_map.list[c];
            let ttl = cm.dns.as_ref().map_or(0, super::DnsConfig::ttl_s);
            let cached = if ttl > 0 {
                format!(
                    "; resolvers that cached an answer naming it keep it for up to {ttl} s (until {})",
                    now.plus_secs(ttl)
                )
            } else {
                String::new()
            };
            let msg = format!(
                "deregistered task {} from Cloud Map service {}{cached}",
                self.tasks[t].id, cm.name
            );
            let deregistered = &mut self.service_discovery.deregistered;
            if deregistered.len() <= c {
                deregistered.resize(c + 1, Vec::new());
            }
            deregistered[c].retain(|(_, at)| at.plus_secs(ttl) > now);
            deregistered[c].push((t, now));
            let id = self.tasks[t].id.clone();
            self.log
                .push(now, EventKind::ServiceDiscovery, msg)
                .task(&id);
        }
    }

    /// What Cloud Map says of instance `i`'s health now: with `HealthCheckCustomConfig`, the
    /// task's container health as ECS reported it, applied `customHealthDelaySeconds` later.
    pub fn instance_health(&self, c: usize, i: &CloudMapInstance) -> InstanceHealth {
        match self.scenario.cloud_map.list[c].health {
            HealthCheck::None => InstanceHealth::Unknown,
            // [unconfirmed] Route 53 health checks are not run: healthy.
            HealthCheck::Route53(_) => InstanceHealth::Healthy,
            HealthCheck::Custom => {
                let delay = self
                    .scenario
                    .options
                    .service_discovery
                    .custom_health_delay_ms;
                let now = self.now().as_ms();
                let healthy = if now < i.registered_at.as_ms() + delay {
                    i.initially_healthy
                } else {
                    reported_healthy(&self.tasks[i.task], now - delay)
                        .unwrap_or(i.initially_healthy)
                };
                if healthy {
                    InstanceHealth::Healthy
                } else {
                    InstanceHealth::Unhealthy
                }
            }
        }
    }

    /// Whether task `t` is registered in a Cloud Map service to which ECS reports its health
    /// (`HealthCheckCustomConfig`).
    pub(crate) fn reports_health_to_cloud_map(&self, t: usize) -> bool {
        self.service_discovery
            .instances
            .iter()
            .enumerate()
            .any(|(c, list)| {
                self.scenario.cloud_map.list[c].health == HealthCheck::Custom
                    && list.iter().any(|i| i.task == t)
            })
    }

    /// When the next health status of Cloud Map service `c`'s instances takes effect, as far
    /// as their tasks' states so far tell: the end of an instance's initial status, and each
    /// health check verdict `customHealthDelaySeconds` after ECS reports it.
    pub(crate) fn next_health_change(&self, c: usize) -> Option<SimTime> {
        if self.scenario.cloud_map.list[c].health != HealthCheck::Custom {
            return None;
        }
        let delay = self
            .scenario
            .options
            .service_discovery
            .custom_health_delay_ms;
        let now = self.now();
        self.service_discovery
            .instances
            .get(c)?
            .iter()
            .flat_map(|i| {
                let task = &self.tasks[i.task];
                let healthy = task
                    .td
                    .essential_check_interval_s()
                    .zip(task.started_at)
                    .map(|(interval, started)| started.plus_secs(u64::from(interval)));
                [Some(i.registered_at), healthy, task.unhealthy_at]
                    .into_iter()
                    .flatten()
                    .map(move |at| at.plus_ms(delay))
            })
            .filter(|at| *at > now)
            .min()
    }

    /// The tasks Route 53 answers for Cloud Map service `c` now: the healthy instances, or
    /// every instance when none is healthy (MULTIVALUE answers up to eight unhealthy records;
    /// WEIGHTED answers as if all were healthy) [CM-API].
    pub fn dns_answer(&self, c: usize) -> Vec<usize> {
        let Some(list) = self.service_discovery.instances.get(c) else {
            return Vec::new();
        };
        let mut healthy: Vec<usize> = list
            .iter()
            .filter(|i| self.instance_health(c, i) != InstanceHealth::Unhealthy)
            .map(|i| i.task)
            .collect();
        if healthy.is_empty() {
            healthy = list.iter().map(|i| i.task).collect();
        }
        healthy.sort_unstable();
        healthy
    }

    /// Whether task `t`'s application answers: its containers run from ACTIVATING until
    /// DEACTIVATING ends [unconfirmed: it stops answering at SIGTERM].
    pub(crate) fn answers_requests(&self, t: usize) -> bool {
        matches!(
            self.tasks[t].last_status,
            TaskStatus::Activating | TaskStatus::Running | TaskStatus::Deactivating
        )
    }

    /// `aws servicediscovery list-instances` of Cloud Map service `c`, with each instance's
    /// health (`HealthStatus`, as GetInstancesHealthStatus gives it).
    pub fn cloud_map_instances_json(&self, c: usize) -> Value {
        let cm = &self.scenario.cloud_map.list[c];
        let instances: Vec<Value> = self
            .service_discovery
            .instances
            .get(c)
            .into_iter()
            .flatten()
            .map(|i| {
                let task = &self.tasks[i.task];
                let inst = &self.cluster.instances[task.reservation.slot];
                let mut attributes = json!({
                    "AWS_INSTANCE_IPV4": i.ipv4,
                    "AVAILABILITY_ZONE": inst.availability_zone,
                    "REGION": crate::registry::REGION,
                    "ECS_CLUSTER_NAME": task.cluster,
                    "ECS_TASK_DEFINITION_FAMILY": task.td.family,
                });
                if let Some(p) = i.port {
                    attributes["AWS_INSTANCE_PORT"] = json!(p.to_string());
                }
                if let Some(s) = task.service {
                    attributes["ECS_SERVICE_NAME"] = json!(self.services[s].name);
                    // A task set's tasks carry its externalId ("the ECS_TASK_SET_EXTERNAL_ID
                    // Cloud Map attribute", CreateTaskSet).
                    let external_id = task
                        .deployment
                        .and_then(|d| self.services[s].deployments.get(d))
                        .and_then(|d| d.task_set.as_ref())
                        .and_then(|ts| ts.external_id.as_ref());
                    if let Some(id) = external_id {
                        attributes["ECS_TASK_SET_EXTERNAL_ID"] = json!(id);
                    }
                }
                if !inst.fargate {
                    attributes["EC2_INSTANCE_ID"] = json!(inst.ec2_instance_id);
                }
                if cm.health == HealthCheck::Custom {
                    attributes["AWS_INIT_HEALTH_STATUS"] = json!(if i.initially_healthy {
                        "HEALTHY"
                    } else {
                        "UNHEALTHY"
                    });
                }
                json!({
                    "Id": task.id,
                    "Attributes": attributes,
                    "HealthStatus": self.instance_health(c, i).as_str(),
                })
            })
            .collect();
        json!({
            "Service": cm.name,
            "ServiceId": cm.id,
            "ServiceArn": cm.arn,
            "Namespace": self.scenario.namespaces.list[cm.namespace].name,
            "DnsName": cm.dns.as_ref().map(|_| cm.dns_name(&self.scenario.namespaces)),
            "DnsRecords": cm.dns.as_ref().map(super::DnsConfig::describe),
            "RoutingPolicy": cm.dns.as_ref().map(|d| d.routing.as_str()),
            "Instances": instances,
        })
    }

    /// The Cloud Map instances and the DNS answers resolvers hold.
    pub fn service_discovery(&self) -> &ServiceDiscoveryState {
        &self.service_discovery
    }

    /// Service `s`'s registry in words (`service discovery orders.corp.local · A 60 s`), when
    /// it has one.
    pub fn service_discovery_summary(&self, s: usize) -> Option<String> {
        let registry = self.services[s].service_registry.as_deref()?;
        let cm = &self.scenario.cloud_map.list[registry.cloud_map];
        Some(match &cm.dns {
            Some(d) => format!(
                "service discovery {} · {}",
                cm.dns_name(&self.scenario.namespaces),
                d.describe()
            ),
            None => format!(
                "service discovery {} in {} · DiscoverInstances only",
                cm.name, self.scenario.namespaces.list[cm.namespace].name
            ),
        })
    }

    /// Every Cloud Map service with its instances, for the run output.
    pub fn service_discovery_json(&self) -> Value {
        Value::Array(
            (0..self.scenario.cloud_map.list.len())
                .map(|c| self.cloud_map_instances_json(c))
                .collect(),
        )
    }
}

/// Whether ECS reported task `task` healthy at `at_ms` (its essential containers' health
/// checks: HEALTHY once the slowest first check passed, UNHEALTHY from `unhealthy_at`), or
/// `None` when it had reported nothing yet. A task without a health check is healthy.
fn reported_healthy(task: &crate::task::Task, at_ms: u64) -> Option<bool> {
    let Some(interval) = task.td.essential_check_interval_s() else {
        return Some(true);
    };
    if task.unhealthy_at.is_some_and(|u| u.as_ms() <= at_ms) {
        return Some(false);
    }
    let started = task.started_at?;
    (started.plus_secs(u64::from(interval)).as_ms() <= at_ms).then_some(true)
}
