//! Service Connect in a run: endpoints in their namespaces, what each deployment's tasks serve
//! and can resolve, which tasks take traffic, rollbacks, and what DescribeServices,
//! DescribeTasks and the run output show (rules and sources in [`super`]; the proxy's routing
//! in [`super::proxy`], the metrics in [`super::metrics`]).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{json, Value};

use super::{EndpointSpec, ServiceConnectConfig, CLOUD_MAP_ARN_PREFIX};
use crate::event_log::EventKind;
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::time::SimTime;

/// A Service Connect endpoint: a Cloud Map service that ECS created for a server service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The namespace (index).
    pub namespace: usize,
    /// The `services[]` entry it came from.
    pub spec: EndpointSpec,
    /// The server service (index).
    pub service: usize,
    /// `srv-…`.
    pub id: String,
    /// When it was created.
    pub created_at: SimTime,
}

impl Endpoint {
    /// `arn:aws:servicediscovery:…:service/srv-…` (`discoveryArn`).
    pub fn arn(&self) -> String {
        format!("{CLOUD_MAP_ARN_PREFIX}:service/{}", self.id)
    }
}

/// What one deployment of a service has of Service Connect.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentConnect {
    /// The configuration its tasks run with.
    pub config: Rc<ServiceConnectConfig>,
    /// The endpoints (indexes) its tasks can resolve: those of its namespace when it started.
    pub resolvable: Vec<usize>,
    /// The endpoints (indexes) its tasks serve.
    pub serves: Vec<usize>,
}

impl DeploymentConnect {
    /// The endpoint (index) named `host:port` that this deployment's tasks resolve: the newest
    /// of those answering the alias.
    pub(super) fn resolve(&self, endpoints: &[Endpoint], host: &str, port: u16) -> Option<usize> {
        self.resolvable
            .iter()
            .copied()
            .rfind(|&e| endpoints[e].spec.answers(host, port))
    }
}

/// Whether a task of a server service takes Service Connect traffic now, and if not why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reachability {
    /// The proxies send it requests.
    Available,
    /// RUNNING, waiting for a HEALTHY health check or the 8-minute bound.
    WarmingUp(SimTime),
    /// Avoided by outlier detection until then.
    Ejected(SimTime),
    /// Stopping or not yet RUNNING: not an instance of the endpoint.
    Out,
}

impl Reachability {
    /// A short phrase for the UI and the run output.
    pub fn label(self) -> String {
        match self {
            Reachability::Available => "takes traffic".to_string(),
            Reachability::WarmingUp(at) => format!("held back until {at} (health check)"),
            Reachability::Ejected(at) => format!("avoided until {at} (outlier detection)"),
            Reachability::Out => "not registered".to_string(),
        }
    }
}

/// The Service Connect state of a run.
#[derive(Debug, Clone, Default)]
pub struct ServiceConnectState {
    /// Every endpoint created so far.
    pub endpoints: Vec<Endpoint>,
    /// Outlier detection's view of each task (indexed by task).
    pub(super) outliers: Vec<super::proxy::Outlier>,
    /// Per (endpoint, client service): this minute's requests.
    pub(super) minutes: BTreeMap<(usize, usize), super::metrics::EdgeMinute>,
    /// Requests that failed at the clients' proxies this minute, per load profile: no
    /// endpoint of that name, or no task to send them to.
    pub(super) client_failed: BTreeMap<usize, f64>,
    /// (profile, client service, deployment, the endpoint exists) already told it cannot
    /// resolve its endpoint.
    pub(super) unresolved_said: Vec<(usize, usize, usize, bool)>,
    /// Per profile: whether it is failing for want of a task, as last said.
    pub(super) no_targets_said: BTreeMap<usize, bool>,
    /// Each endpoint's requests at the latest routing tick (when), per task (for the UI):
    /// (task, requests/s).
    pub(super) latest: BTreeMap<usize, (SimTime, Vec<(usize, f64)>)>,
}

impl Simulation {
    /// The endpoints of the run.
    pub fn service_connect_endpoints(&self) -> &[Endpoint] {
        &self.service_connect.endpoints
    }

    /// The scenario's namespaces.
    pub fn namespaces(&self) -> &super::Namespaces {
        &self.scenario.namespaces
    }

    /// Endpoint `e`'s requests per second on each of its tasks at the latest routing tick
    /// (retries included): (task, requests/s).
    pub fn endpoint_shares(&self, e: usize) -> &[(usize, f64)] {
        match self.service_connect.latest.get(&e) {
            Some((at, list)) if Some(*at) == self.traffic.routed_at => list,
            _ => &[],
        }
    }

    /// The active services (indexes) of endpoint `e`'s namespace whose newest deployment
    /// resolves it, and those whose newest deployment started before it existed (they must
    /// redeploy).
    pub fn endpoint_clients(&self, e: usize) -> (Vec<usize>, Vec<usize>) {
        let namespace = self.service_connect.endpoints[e].namespace;
        let (mut resolve, mut stale) = (Vec::new(), Vec::new());
        for (s, svc) in self
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == crate::service::ServiceStatus::Active)
        {
            let Some(c) = svc
                .deployments
                .last()
                .and_then(|d| d.service_connect.as_deref())
                .filter(|c| c.config.namespace == namespace)
            else {
                continue;
            };
            if c.resolvable.contains(&e) {
                resolve.push(s);
            } else {
                stale.push(s);
            }
        }
        (resolve, stale)
    }

    /// A one-line summary of service `s`'s Service Connect for the services pane: its
    /// namespace, the endpoints it serves and whether it is a client only; `None` without
    /// Service Connect.
    pub fn service_connect_summary(&self, s: usize) -> Option<String> {
        let config = self.services[s].service_connect.as_deref()?;
        let ns = &self.scenario.namespaces.list[config.namespace].name;
        let serves: Vec<String> = config.endpoints.iter().map(EndpointSpec::alias).collect();
        Some(if serves.is_empty() {
            format!("Service Connect {ns} · client only")
        } else {
            format!("Service Connect {ns} · serves {}", serves.join(", "))
        })
    }

    /// Checks that `config`'s discovery names and client aliases are free in its namespace
    /// for service `s` (another service's endpoint holds them otherwise) [DG-components].
    pub(crate) fn check_service_connect(
        &self,
        s: usize,
        config: &ServiceConnectConfig,
    ) -> Result<(), String> {
        for (i, spec) in config.endpoints.iter().enumerate() {
            let path = format!("serviceConnectConfiguration.services[{i}]");
            for e in self
                .service_connect
                .endpoints
                .iter()
                .filter(|e| e.namespace == config.namespace && e.service != s)
            {
                let owner = &self.services[e.service].name;
                if e.spec.discovery_name == spec.discovery_name {
                    return Err(format!("{path}.discoveryName: {} is the discovery name of service {owner} in namespace {}; All discovery names must be unique within a namespace", spec.discovery_name, self.scenario.namespaces.list[config.namespace].name));
                }
                if e.spec.answers(&spec.dns_name, spec.port) {
                    return Err(format!("{path}.clientAliases: {} is a client alias of service {owner}; Each name and port mapping must be unique within the namespace", spec.alias()));
                }
            }
        }
        Ok(())
    }

    /// What a new deployment of service `s` running `config` has of Service Connect: its
    /// endpoints are created when new (a changed alias or port makes a new one), and it
    /// resolves every endpoint of its namespace as it starts [DG-components].
    pub(crate) fn deployment_connect(
        &mut self,
        s: usize,
        service_name: &str,
        config: Option<Rc<ServiceConnectConfig>>,
    ) -> Option<Rc<DeploymentConnect>> {
        let config = config?;
        let mut serves = Vec::new();
        for spec in &config.endpoints {
            // The same discovery name and alias is the same endpoint (the Cloud Map service):
            // it takes the new settings (timeouts, container port).
            let found = self.service_connect.endpoints.iter().position(|e| {
                e.namespace == config.namespace
                    && e.service == s
                    && e.spec.discovery_name == spec.discovery_name
                    && e.spec.answers(&spec.dns_name, spec.port)
            });
            let e = match found {
                Some(e) => {
                    self.service_connect.endpoints[e].spec = spec.clone();
                    e
                }
                None => {
                    let ns = &self.scenario.namespaces.list[config.namespace];
                    // A discovery name is one Cloud Map service in its namespace, whatever
                    // its aliases.
                    let id =
                        super::cloud_map_id("srv", &format!("{}/{}", ns.id, spec.discovery_name));
                    let msg = format!(
                        "service {service_name}: Service Connect endpoint {} created in namespace {} (discovery name {}, {} port {} of container {}); tasks that start from now on can resolve it",
                        spec.alias(),
                        ns.name,
                        spec.discovery_name,
                        spec.app_protocol.as_str(),
                        spec.container_port,
                        spec.container_name
                    );
                    self.service_connect.endpoints.push(Endpoint {
                        namespace: config.namespace,
                        spec: spec.clone(),
                        service: s,
                        id,
                        created_at: self.now(),
                    });
                    self.log
                        .push(self.now(), EventKind::ServiceConnect, msg)
                        .service(service_name);
                    self.service_connect.endpoints.len() - 1
                }
            };
            serves.push(e);
        }
        let resolvable: Vec<usize> = self
            .service_connect
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.namespace == config.namespace)
            .map(|(i, _)| i)
            .collect();
        // A redeployed client says which endpoints its new tasks reach that its previous
        // deployment's could not.
        let previous = self
            .services
            .get(s)
            .and_then(|svc| svc.deployments.last())
            .and_then(|d| d.service_connect.as_deref());
        if let Some(previous) = previous {
            let endpoints = &self.service_connect.endpoints;
            let mut new: Vec<String> = resolvable
                .iter()
                .map(|&e| &endpoints[e].spec)
                .filter(|x| {
                    !previous
                        .resolvable
                        .iter()
                        .any(|&p| endpoints[p].spec.answers(&x.dns_name, x.port))
                })
                .map(EndpointSpec::alias)
                .collect();
            new.dedup();
            if !new.is_empty() {
                let msg = format!(
                    "service {service_name}: the tasks of its new deployment resolve {}, which its earlier tasks cannot",
                    new.join(", ")
                );
                self.log
                    .push(self.now(), EventKind::ServiceConnect, msg)
                    .service(service_name);
            }
        }
        Some(Rc::new(DeploymentConnect {
            config,
            resolvable,
            serves,
        }))
    }

    /// Makes deployment `d`'s Service Connect configuration service `s`'s again, in the
    /// service and in its stored request (a rollback brings back the whole service revision):
    /// the next deployment and later updates run it.
    pub(crate) fn restore_service_connect(&mut self, s: usize, d: usize) {
        let config = self.services[s].deployments[d]
            .service_connect
            .as_ref()
            .map(|c| c.config.clone());
        let svc = &mut self.services[s];
        svc.set_request_member(
            "serviceConnectConfiguration",
            config.as_ref().map(|c| c.request.clone()),
        );
        svc.service_connect = config;
    }

    /// The Service Connect side of task `t`'s deployment, if it has one.
    fn task_connect(&self, t: usize) -> Option<&DeploymentConnect> {
        let task = &self.tasks[t];
        let svc = &self.services[task.service?];
        svc.deployments
            .get(task.deployment?)?
            .service_connect
            .as_deref()
    }

    /// Whether task `t` is an instance of a Service Connect endpoint now, and takes traffic.
    pub fn reachability(&self, t: usize) -> Reachability {
        let task = &self.tasks[t];
        if task.last_status != TaskStatus::Running || task.desired_status != TaskStatus::Running {
            // [unconfirmed] A task leaves its endpoints as its desired status turns STOPPED.
            return Reachability::Out;
        }
        let now = self.now();
        if let Some(until) = self
            .service_connect
            .outliers
            .get(t)
            .and_then(|o| o.ejected_until)
            .filter(|u| *u > now)
        {
            return Reachability::Ejected(until);
        }
        let checked = task
            .td
            .containers
            .iter()
            .any(|c| c.essential && c.has_health_check);
        // [DG-concepts: "up to 8 minutes"; the playground waits `options.serviceConnect`'s
        // healthGateSeconds, the whole bound by default, [unconfirmed]].
        let gate = task
            .started_at
            .unwrap_or(now)
            .plus_ms(self.scenario.options.service_connect.health_gate_ms);
        // The health check only matters within the gate (cheaper to ask last).
        if !checked
            || now >= gate
            || self.task_health_status(task) == crate::lifecycle::Health::Healthy
        {
            Reachability::Available
        } else {
            Reachability::WarmingUp(gate)
        }
    }

    /// The tasks of endpoint `e` (RUNNING, not stopping) and whether each takes traffic.
    pub fn endpoint_tasks(&self, e: usize) -> Vec<(usize, Reachability)> {
        let service = self.service_connect.endpoints[e].service;
        self.service_tasks
            .get(service)
            .into_iter()
            .flatten()
            .filter(|&&t| self.task_connect(t).is_some_and(|c| c.serves.contains(&e)))
            .map(|&t| (t, self.reachability(t)))
            .filter(|(_, r)| *r != Reachability::Out)
            .collect()
    }

    /// DescribeServices' `serviceConnectConfiguration` and `serviceConnectResources` of a
    /// deployment, when it has Service Connect.
    pub(crate) fn deployment_connect_json(
        &self,
        dep: &crate::deployment::Deployment,
    ) -> Option<(Value, Value)> {
        let c = dep.service_connect.as_ref()?;
        let resources: Vec<Value> = c
            .serves
            .iter()
            .map(|&e| {
                let x = &self.service_connect.endpoints[e];
                json!({"discoveryName": x.spec.discovery_name, "discoveryArn": x.arn()})
            })
            .collect();
        Some((c.config.request.clone(), Value::Array(resources)))
    }

    /// The proxy container ECS adds to a Service Connect task, as DescribeTasks lists it
    /// (named `ecs-service-connect-` and five characters [unconfirmed]).
    pub(crate) fn proxy_container_json(&self, t: usize) -> Option<Value> {
        self.task_connect(t)?;
        let task = &self.tasks[t];
        let suffix: String = task.id.chars().take(5).collect();
        Some(json!({
            "name": format!("ecs-service-connect-{suffix}"),
            "lastStatus": task.last_status.as_str(),
            "healthStatus": if task.last_status == TaskStatus::Running { "HEALTHY" } else { "UNKNOWN" },
        }))
    }

    /// The namespaces and endpoints for the run output: each endpoint's alias, server and
    /// tasks with whether they take traffic.
    pub fn service_connect_json(&self) -> Value {
        let endpoints: Vec<Value> = self
            .service_connect
            .endpoints
            .iter()
            .enumerate()
            .map(|(e, x)| {
                json!({
                    "namespace": self.scenario.namespaces.list[x.namespace].name,
                    "discoveryName": x.spec.discovery_name,
                    "clientAlias": x.spec.alias(),
                    "discoveryArn": x.arn(),
                    "service": self.services[x.service].name,
                    "tasks": self.endpoint_tasks(e).iter().map(|(t, r)| json!({
                        "taskId": self.tasks[*t].id,
                        "state": r.label(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "namespaces": self.scenario.namespaces.list.iter().map(|n| json!({
                "name": n.name, "id": n.id, "arn": n.arn(),
            })).collect::<Vec<_>>(),
            "endpoints": endpoints,
        })
    }
}
