//! Amazon ECS Service Connect: services in a Cloud Map namespace reach each other by name
//! through a proxy that ECS adds to every task.
//!
//! What the scenario holds, verbatim:
//! - `namespaces[]`: Cloud Map CreateHttpNamespace requests (`Name`, `Description`, `Tags`,
//!   `CreatorRequestId`), or `aws servicediscovery get-namespace` output (`{"Namespace": …}`).
//! - `clusters[].serviceConnectDefaults.namespace` (CreateCluster): the cluster's default
//!   namespace, created as an HTTP namespace when no namespace has that name [API-CSCD].
//! - `services[].serviceConnectConfiguration` (CreateService, UpdateService) [API-SCC].
//! - `loadProfiles[]` with `client` and `serviceConnect` (`"backend:8080"`, `"http://…"`): the
//!   requests a client service's tasks send to a Service Connect endpoint.
//!
//! The rules, with their sources:
//! - `portName` must name a `portMappings[].name` of the task definition; `discoveryName`
//!   defaults to it; a client alias's `dnsName` defaults to `discoveryName.namespace`; at most
//!   one client alias [API-SCS]. With no alias the endpoint keeps the port mapping's port
//!   [DG-concepts] ("reuses the port number and port name from the task definition").
//! - Discovery names and client aliases are unique in a namespace; a service belongs to one
//!   namespace [DG-components].
//! - The task definition sets the task memory limit, uses `awsvpc` or `bridge`, runs Linux,
//!   has no `links` (nor `hostname` in bridge mode); TLS needs `awsvpc`; standalone tasks, the
//!   EXTERNAL launch type and the CODE_DEPLOY and EXTERNAL deployment controllers are not
//!   supported [DG-components]. A port's `appProtocol` cannot change [API-PM]; a service runs
//!   at most 1,000 tasks [DG-quotas].
//! - ECS adds a proxy container to each task of the service; it reserves nothing of its own
//!   and uses the task's CPU and memory left over by the containers [DG-components].
//! - A client task resolves the endpoints that existed in its namespace when its deployment
//!   started: "Existing tasks can't resolve and connect to the new endpoint … You must
//!   redeploy existing services before the applications can resolve new endpoints"
//!   [DG-components]. The tasks behind an endpoint it resolves change as the server scales
//!   and deploys.
//! - The proxy balances round robin over the endpoint's tasks; a task with 5 or more failed
//!   requests in the last 30 seconds is avoided for 30 to 300 seconds (outlier detection); a
//!   failed request is retried twice, avoiding the host that just failed [DG-components].
//! - A task whose essential container reports HEALTHY takes traffic at once; UNKNOWN or
//!   UNHEALTHY holds it back for up to 8 minutes [DG-concepts].
//! - Metrics in `AWS/ECS`: `RequestCount` by `DiscoveryName` (inbound, at the server's proxies),
//!   and `RequestCountPerTarget`, `HTTPCode_Target_2XX_Count`, `HTTPCode_Target_5XX_Count`
//!   (HTTP ports only) and `TargetResponseTime` by `TargetDiscoveryName`, where `ServiceName`
//!   is the client service [DG-metrics].
//!
//! Where AWS is silent, the playground's choices (each marked [unconfirmed] where it is used):
//! a task leaves its endpoints when its desired status becomes STOPPED; UNKNOWN and UNHEALTHY
//! tasks wait the full 8 minutes; a request with no task to go to fails at the client's proxy;
//! outlier detection counts failures in fixed 30-second windows, ejects for 30 s times the
//! number of ejections (at most 300 s), ejects at most 10 % of an endpoint's tasks (at least
//! one), and with fewer than half the tasks left sends to the avoided ones too (the panic
//! threshold), as Envoy's defaults do; each task fails the same share of every attempt it gets
//! (its share of its whole offered load), so a request is served once or given up; with one
//! task, the retries go to it again; during a blue/green deployment the endpoint sends
//! production traffic, and its retries, by the deployment's weights;
//! an endpoint (a discovery name and client alias) stays in its namespace for the whole run,
//! even when its service is deleted or drops it, and a server update that keeps both keeps it.
//!
//! Sources:
//! - [API-SCC] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceConnectConfiguration.html>
//! - [API-SCS] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceConnectService.html>
//! - [API-CSCD] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ClusterServiceConnectDefaultsRequest.html>
//! - [API-TO] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TimeoutConfiguration.html>
//! - [API-PM] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html>
//! - [DG-quotas] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html>
//! - [DG-concepts] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts.html>
//! - [DG-components] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html>
//! - [DG-metrics] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html>
//! - [CM-NS] <https://docs.aws.amazon.com/cloud-map/latest/api/API_CreateHttpNamespace.html>

pub mod metrics;
pub mod proxy;
pub mod runtime;

use serde_json::Value;

use crate::task_definition::{NetworkMode, ValidTaskDefinition};

/// Choices where AWS does not document the Service Connect proxy's behaviour
/// (`options.serviceConnect`), switchable per scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceConnectOptions {
    /// [unconfirmed] How long a task whose health is UNKNOWN or UNHEALTHY waits before it takes
    /// traffic, in milliseconds (default 8 minutes, the bound AWS gives: "up to 8 minutes").
    pub health_gate_ms: u64,
    /// [unconfirmed] The share of an endpoint's tasks outlier detection may avoid at once, in
    /// percent (at least one task; default 10, Envoy's `max_ejection_percent`).
    pub max_ejection_percent: f64,
    /// [unconfirmed] Below this share of an endpoint's tasks taking traffic, the proxies send
    /// to the avoided ones too, in percent (default 50, Envoy's panic threshold; 0: never).
    pub panic_threshold_percent: f64,
}

impl Default for ServiceConnectOptions {
    fn default() -> Self {
        ServiceConnectOptions {
            health_gate_ms: 8 * 60_000,
            max_ejection_percent: 10.0,
            panic_threshold_percent: 50.0,
        }
    }
}

impl crate::json_shape::FromJson for ServiceConnectOptions {
    fn from_json(
        value: &Value,
        at: crate::json_shape::At<'_>,
    ) -> Result<Self, crate::json_shape::ShapeError> {
        let m = crate::json_shape::Members::of(value, at, "struct ServiceConnectOptions")?;
        m.deny_unknown(&[
            "healthGateSeconds",
            "maxEjectionPercent",
            "panicThresholdPercent",
        ]);
        let d = ServiceConnectOptions::default();
        let gate_s: Option<f64> = m.get("healthGateSeconds");
        if gate_s.is_some_and(|s| !(0.0..=480.0).contains(&s)) {
            m.refuse_member(
                "healthGateSeconds",
                "healthGateSeconds must be 0 to 480 (AWS: up to 8 minutes)".to_string(),
            );
        }
        let built = ServiceConnectOptions {
            health_gate_ms: gate_s.map_or(d.health_gate_ms, crate::time::seconds_ms),
            max_ejection_percent: m
                .get("maxEjectionPercent")
                .unwrap_or(d.max_ejection_percent),
            panic_threshold_percent: m
                .get("panicThresholdPercent")
                .unwrap_or(d.panic_threshold_percent),
        };
        for (key, v) in [
            ("maxEjectionPercent", built.max_ejection_percent),
            ("panicThresholdPercent", built.panic_threshold_percent),
        ] {
            if !(0.0..=100.0).contains(&v) {
                m.refuse_member(key, format!("{key} must be 0 to 100"));
            }
        }
        m.finish(built)
    }
}

/// The account and Region of the playground's Cloud Map ARNs.
pub(crate) const CLOUD_MAP_ARN_PREFIX: &str = "arn:aws:servicediscovery:us-east-1:123456789012";

/// What a Cloud Map namespace answers: API calls only, or DNS queries too [CM-NS].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceKind {
    /// `HTTP` (CreateHttpNamespace): instances are found with DiscoverInstances only.
    Http,
    /// `DNS_PRIVATE` (CreatePrivateDnsNamespace): a private hosted zone in a VPC.
    DnsPrivate,
    /// `DNS_PUBLIC` (CreatePublicDnsNamespace): a public hosted zone.
    DnsPublic,
}

impl NamespaceKind {
    /// The AWS spelling (`Type`).
    pub fn as_str(self) -> &'static str {
        match self {
            NamespaceKind::Http => "HTTP",
            NamespaceKind::DnsPrivate => "DNS_PRIVATE",
            NamespaceKind::DnsPublic => "DNS_PUBLIC",
        }
    }

    /// Whether DNS queries find its services' instances.
    pub fn has_dns(self) -> bool {
        self != NamespaceKind::Http
    }
}

/// A Cloud Map namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// `Name`.
    pub name: String,
    /// `Type`: given by get-namespace output; for a request, `DNS_PRIVATE` when it names a
    /// `Vpc` (CreatePrivateDnsNamespace), `DNS_PUBLIC` when it has `Properties.DnsProperties`
    /// and no `Vpc` (CreatePublicDnsNamespace), `HTTP` otherwise (CreateHttpNamespace).
    pub kind: NamespaceKind,
    /// `ns-…`, derived from the name.
    pub id: String,
    /// `Description`.
    pub description: String,
    /// The cluster whose `serviceConnectDefaults` created it, when `namespaces[]` did not.
    pub created_for: Option<String>,
    /// The `Arn` of pasted get-namespace output (a namespace shared from another account has
    /// its owner's); `None`: the playground's account.
    pub given_arn: Option<String>,
}

impl Namespace {
    /// `arn:aws:servicediscovery:…:namespace/ns-…`.
    pub fn arn(&self) -> String {
        self.given_arn
            .clone()
            .unwrap_or_else(|| format!("{CLOUD_MAP_ARN_PREFIX}:namespace/{}", self.id))
    }
}

/// An id of Cloud Map's shape (`prefix-` and 16 lowercase letters and digits), derived from
/// `name` so that a scenario gives the same ids on every run.
pub(crate) fn cloud_map_id(prefix: &str, name: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    // FNV-1a, 64 bits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut id = String::with_capacity(prefix.len() + 17);
    id.push_str(prefix);
    id.push('-');
    for i in 0..16 {
        let bits = if i < 12 {
            (h >> (i * 5)) & 31
        } else {
            (h >> (i * 3)) & 31
        };
        id.push(ALPHABET[bits as usize] as char);
    }
    id
}

/// The scenario's namespaces and the clusters' default namespaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    /// Every namespace: `namespaces[]` in order, then those the clusters' defaults created.
    pub list: Vec<Namespace>,
    /// (cluster name, namespace index) of each `clusters[].serviceConnectDefaults`.
    pub cluster_defaults: Vec<(String, usize)>,
}

impl Namespaces {
    /// Parses `namespaces[]` (CreateHttpNamespace, CreatePrivateDnsNamespace and
    /// CreatePublicDnsNamespace requests, or get-namespace output) and the
    /// `serviceConnectDefaults` of `clusters[]` (CreateCluster requests).
    pub fn parse(namespaces: &[Value], clusters: &[Value]) -> Result<Namespaces, String> {
        let mut out = Namespaces::default();
        for (i, v) in namespaces.iter().enumerate() {
            let path = format!("namespaces[{i}]");
            // `aws servicediscovery get-namespace` output wraps the namespace.
            let v = v.get("Namespace").unwrap_or(v);
            if !v.is_object() {
                return Err(format!(
                    "{path}: must be a CreateHttpNamespace, CreatePrivateDnsNamespace or CreatePublicDnsNamespace request (an object with Name)"
                ));
            }
            let name = v
                .get("Name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{path}.Name: required (CreateHttpNamespace)"))?;
            check_namespace_name(name, &format!("{path}.Name"))?;
            if out.find(name).is_some() {
                return Err(format!(
                    "{path}.Name: NamespaceAlreadyExists: a namespace named {name} is already in namespaces[]"
                ));
            }
            // get-namespace output: any namespace type serves Service Connect [API-SCC].
            let kind = match v.get("Type").and_then(Value::as_str) {
                Some("HTTP") => NamespaceKind::Http,
                Some("DNS_PRIVATE") => NamespaceKind::DnsPrivate,
                Some("DNS_PUBLIC") => NamespaceKind::DnsPublic,
                Some(t) => {
                    return Err(format!(
                        "{path}.Type: \"{t}\" is not HTTP, DNS_PRIVATE or DNS_PUBLIC"
                    ))
                }
                None if v.get("Vpc").is_some() => NamespaceKind::DnsPrivate,
                None if v.pointer("/Properties/DnsProperties").is_some() => {
                    NamespaceKind::DnsPublic
                }
                None => NamespaceKind::Http,
            };
            let description = v.get("Description").and_then(Value::as_str).unwrap_or("");
            if description.len() > 1024 {
                return Err(format!("{path}.Description: at most 1024 characters"));
            }
            out.list.push(Namespace {
                name: name.to_string(),
                kind,
                id: v
                    .get("Id")
                    .and_then(Value::as_str)
                    .map_or_else(|| cloud_map_id("ns", name), str::to_string),
                description: description.to_string(),
                created_for: None,
                given_arn: v
                    .get("Arn")
                    .and_then(Value::as_str)
                    .filter(|a| a.starts_with("arn:"))
                    .map(str::to_string),
            });
        }
        for (i, c) in clusters.iter().enumerate() {
            let Some(defaults) = c.get("serviceConnectDefaults") else {
                continue;
            };
            let path = format!("clusters[{i}].serviceConnectDefaults.namespace");
            let cluster = c
                .get("clusterName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default");
            let name = defaults
                .get("namespace")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{path}: required (a namespace name or ARN)"))?;
            if name.is_empty() {
                // "" removes the cluster's Service Connect defaults [API-CSCD].
                continue;
            }
            let index = match out.find(name) {
                Some(n) => n,
                None if name.starts_with("arn:") => {
                    return Err(format!("{path}: NamespaceNotFoundException: The specified namespace wasn't found: {name} (no namespace in namespaces[] has this ARN)"));
                }
                None => {
                    // A new name: ECS creates an HTTP namespace [API-CSCD].
                    check_namespace_name(name, &path)?;
                    out.list.push(Namespace {
                        name: name.to_string(),
                        kind: NamespaceKind::Http,
                        id: cloud_map_id("ns", name),
                        description: String::new(),
                        created_for: Some(cluster.to_string()),
                        given_arn: None,
                    });
                    out.list.len() - 1
                }
            };
            out.cluster_defaults.push((cluster.to_string(), index));
        }
        Ok(out)
    }

    /// The namespaces of a scenario document (`namespaces[]` and `clusters[]`), as the loader
    /// reads them.
    pub fn of_document(doc: &Value) -> Result<Namespaces, String> {
        let list = |key: &str| {
            doc.get(key)
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice)
        };
        Namespaces::parse(list("namespaces"), list("clusters"))
    }

    /// A namespace by name, ARN or id.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.list
            .iter()
            .position(|n| n.name == name || n.id == name || n.arn() == name)
    }

    /// The default namespace of cluster `cluster`, if it has one.
    pub fn cluster_default(&self, cluster: &str) -> Option<usize> {
        self.cluster_defaults
            .iter()
            .find(|(c, _)| c == cluster)
            .map(|(_, n)| *n)
    }
}

/// CreateHttpNamespace's `Name`: 1 to 1,024 printable characters, not an ARN [CM-NS].
fn check_namespace_name(name: &str, path: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 1024
        || name.starts_with("arn:")
        || !name.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(format!(
            "{path}: {name:?} is not a namespace name (1 to 1024 printable characters, no spaces, not an ARN)"
        ));
    }
    Ok(())
}

/// `appProtocol` of the port mapping an endpoint serves; TCP when not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppProtocol {
    /// No `appProtocol`: TCP, without protocol-specific telemetry.
    Tcp,
    /// `http`.
    Http,
    /// `http2`.
    Http2,
    /// `grpc`.
    Grpc,
}

impl AppProtocol {
    /// Whether the proxy reports HTTP status codes (`HTTPCode_Target_*`) for it [DG-metrics].
    pub fn http_codes(self) -> bool {
        matches!(self, AppProtocol::Http | AppProtocol::Http2)
    }

    /// Its name as the task definition spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AppProtocol::Tcp => "tcp",
            AppProtocol::Http => "http",
            AppProtocol::Http2 => "http2",
            AppProtocol::Grpc => "grpc",
        }
    }
}

/// One `serviceConnectConfiguration.services[]` entry, with its defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSpec {
    /// `portName`.
    pub port_name: String,
    /// `discoveryName` (default: `portName`).
    pub discovery_name: String,
    /// The client alias's `dnsName` (default: `discoveryName.namespace`).
    pub dns_name: String,
    /// The client alias's `port` (default: the port mapping's `containerPort`).
    pub port: u16,
    /// The container whose port mapping it is.
    pub container_name: String,
    /// That port mapping's `containerPort`.
    pub container_port: u16,
    /// That port mapping's `appProtocol`.
    pub app_protocol: AppProtocol,
    /// `timeout.perRequestTimeoutSeconds` (default 15 for HTTP, HTTP/2 and gRPC; none for TCP).
    pub per_request_timeout_s: Option<u64>,
    /// `timeout.idleTimeoutSeconds` (default 300, or 3,600 for TCP) [API-TO].
    pub idle_timeout_s: u64,
}

impl EndpointSpec {
    /// `dnsName:port`, the name client applications connect to.
    pub fn alias(&self) -> String {
        format!("{}:{}", self.dns_name, self.port)
    }

    /// Whether `host:port` names this endpoint's client alias (DNS names ignore case).
    pub fn answers(&self, host: &str, port: u16) -> bool {
        self.port == port && self.dns_name.eq_ignore_ascii_case(host)
    }
}

/// The most tasks a Service Connect service runs: the Cloud Map instances-per-service quota
/// [DG-quotas: "Services configured to use Amazon ECS Service Connect have a limit of 1,000
/// tasks per service"; how ECS refuses more is [unconfirmed]].
pub const MAX_TASKS: u64 = 1_000;

/// Whether two `serviceConnect` addresses name the same client alias (`backend:8080` and
/// `http://Backend:8080/` do).
pub fn same_address(a: &str, b: &str) -> bool {
    match (parse_address(a, ""), parse_address(b, "")) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A service's `serviceConnectConfiguration`, checked against its task definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceConnectConfig {
    /// The namespace (index into [`Namespaces::list`]).
    pub namespace: usize,
    /// The endpoints it serves (`services[]`); empty for a client-only service.
    pub endpoints: Vec<EndpointSpec>,
    /// The configuration as given, which DescribeServices echoes for the deployment.
    pub request: Value,
}

/// Facts about the service a configuration belongs to that its rules depend on.
#[derive(Debug, Clone, Copy)]
pub struct ServiceFacts<'a> {
    /// The cluster (for its default namespace).
    pub cluster: &'a str,
    /// `launchType: EXTERNAL`.
    pub external: bool,
    /// `deploymentController.type`, when given.
    pub controller: Option<&'a str>,
}

/// Reads a whole number of seconds member of `obj` at `path`.
fn seconds(obj: &Value, key: &str, path: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= i32::MAX as u64)
            .map(Some)
            .ok_or_else(|| {
                format!("{path}.{key}: must be a whole number of seconds, 0 to 2147483647")
            }),
    }
}

/// A Cloud Map service name: up to 64 lowercase letters, digits, `_` and `-`, not starting
/// with `-` [API-SCS].
fn check_discovery_name(name: &str, path: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("{path}: {name:?} is not a discovery name (up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen)"))
    }
}

/// A client alias `dnsName`: up to 127 lowercase letters, digits, `_`, `-` and `.`, not
/// starting with `-` [API-SCS].
fn check_dns_name(name: &str, path: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 127
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!("{path}: {name:?} is not a DNS name for a client alias (up to 127 lowercase letters, numbers, underscores, hyphens and periods, not starting with a hyphen)"))
    }
}

/// Reads `serviceConnectConfiguration` of a CreateService or UpdateService request for a
/// service that runs `td`: `None` when it is absent or `enabled` is false. Errors name the
/// member, from `serviceConnectConfiguration` on.
pub fn parse(
    raw: &Value,
    td: &ValidTaskDefinition,
    facts: ServiceFacts<'_>,
    namespaces: &Namespaces,
) -> Result<Option<ServiceConnectConfig>, String> {
    const AT: &str = "serviceConnectConfiguration";
    let v = match raw.get(AT) {
        None | Some(Value::Null) => return Ok(None),
        Some(v) if v.is_object() => v,
        Some(_) => return Err(format!("{AT}: must be an object with enabled")),
    };
    let enabled = v
        .get("enabled")
        .ok_or_else(|| format!("{AT}.enabled: required (true or false)"))?
        .as_bool()
        .ok_or_else(|| format!("{AT}.enabled: must be true or false"))?;
    if !enabled {
        return Ok(None);
    }
    if let Some(c @ ("CODE_DEPLOY" | "EXTERNAL")) = facts.controller {
        return Err(format!(
            "{AT}: Service Connect does not support services with the {c} deployment controller"
        ));
    }
    if facts.external {
        return Err(format!(
            "{AT}: Service Connect does not support the EXTERNAL launch type (ECS Anywhere)"
        ));
    }
    let family = &td.family;
    if !matches!(td.network_mode, NetworkMode::Awsvpc | NetworkMode::Bridge) {
        return Err(format!("{AT}: Service Connect needs a task definition with networkMode awsvpc or bridge; {family} uses {}", td.network_mode.as_str()));
    }
    if td.is_windows() {
        return Err(format!(
            "{AT}: Service Connect supports Linux tasks only; {family} runs {}",
            td.os_family
        ));
    }
    if td.task_memory_mib.is_none() {
        return Err(format!("{AT}: Task definitions must set the task memory limit to use Service Connect ({family} sets memory per container only; the proxy uses the task memory the containers leave)"));
    }
    if let Some(n) = raw.get("desiredCount").and_then(Value::as_u64) {
        if n > MAX_TASKS {
            return Err(format!("desiredCount: {n} is more than the {MAX_TASKS} tasks a Service Connect service can run (the Cloud Map instances-per-service quota)"));
        }
    }
    if td.network_mode == NetworkMode::Bridge {
        if let Some(c) = td
            .input
            .container_definitions
            .iter()
            .find(|c| c.hostname.is_some())
        {
            return Err(format!("{AT}: with the bridge network mode, Service Connect does not support the hostname container parameter; container {} of {family} sets it", c.name.as_deref().unwrap_or("")));
        }
    }
    if let Some(c) = td
        .input
        .container_definitions
        .iter()
        .find(|c| !c.links.is_empty())
    {
        return Err(format!(
            "{AT}: Service Connect does not support links; container {} of {family} has links",
            c.name.as_deref().unwrap_or("")
        ));
    }
    let namespace = match v.get("namespace").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        Some(n) => namespaces.find(n).ok_or_else(|| {
            format!("{AT}.namespace: NamespaceNotFoundException: The specified namespace wasn't found: {n} (add a CreateHttpNamespace request to namespaces[], or set clusters[].serviceConnectDefaults)")
        })?,
        None => namespaces.cluster_default(facts.cluster).ok_or_else(|| {
            format!("{AT}.namespace: required: cluster {} has no default namespace (clusters[].serviceConnectDefaults)", facts.cluster)
        })?,
    };
    if v.get("accessLogConfiguration")
        .is_some_and(|a| !a.is_null())
        && v.get("logConfiguration").is_none_or(Value::is_null)
    {
        return Err(format!("{AT}.accessLogConfiguration: To enable access logs, you must also specify a logConfiguration in the serviceConnectConfiguration"));
    }
    let ns_name = &namespaces.list[namespace].name;
    let mut endpoints: Vec<EndpointSpec> = Vec::new();
    let entries = match v.get("services") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(format!("{AT}.services: must be a list")),
    };
    for (i, e) in entries.iter().enumerate() {
        let path = format!("{AT}.services[{i}]");
        let port_name = e
            .get("portName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{path}.portName: required (the name of a portMappings entry of the task definition)"))?;
        let (container_name, mapping) = td
            .input
            .container_definitions
            .iter()
            .flat_map(|c| c.port_mappings.iter().map(move |m| (c, m)))
            .find(|(_, m)| m.name.as_deref() == Some(port_name))
            .ok_or_else(|| {
                let named: Vec<&str> = td
                    .input
                    .container_definitions
                    .iter()
                    .flat_map(|c| c.port_mappings.iter())
                    .filter_map(|m| m.name.as_deref())
                    .collect();
                let have = if named.is_empty() {
                    "it names none of its port mappings".to_string()
                } else {
                    format!("its port mappings are named {}", named.join(", "))
                };
                format!("{path}.portName: no portMappings entry of {family} is named {port_name}; {have}")
            })?;
        let container_port = mapping
            .container_port
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                format!("{path}.portName: port mapping {port_name} has no containerPort (a containerPortRange cannot serve Service Connect)")
            })?;
        let app_protocol = match mapping.app_protocol.as_deref() {
            None | Some("") => AppProtocol::Tcp,
            Some("http") => AppProtocol::Http,
            Some("http2") => AppProtocol::Http2,
            Some("grpc") => AppProtocol::Grpc,
            Some(other) => {
                return Err(format!("{path}.portName: port mapping {port_name} has appProtocol {other:?}, not http, http2 or grpc"))
            }
        };
        let discovery_name = match e.get("discoveryName").and_then(Value::as_str) {
            Some(d) if !d.is_empty() => d.to_string(),
            _ => port_name.to_string(),
        };
        check_discovery_name(&discovery_name, &format!("{path}.discoveryName"))?;
        let aliases = match e.get("clientAliases") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => return Err(format!("{path}.clientAliases: must be a list")),
        };
        if aliases.len() > 1 {
            return Err(format!(
                "{path}.clientAliases: The maximum number of client aliases that you can have in this list is 1"
            ));
        }
        let (dns_name, port) = match aliases.first() {
            Some(a) => {
                let ap = format!("{path}.clientAliases[0]");
                let port = a
                    .get("port")
                    .ok_or_else(|| {
                        format!(
                            "{ap}.port: required (the port the proxy listens on in client tasks)"
                        )
                    })?
                    .as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("{ap}.port: must be 1 to 65535"))?;
                let dns = match a.get("dnsName").and_then(Value::as_str) {
                    Some(d) if !d.is_empty() => {
                        check_dns_name(d, &format!("{ap}.dnsName"))?;
                        d.to_string()
                    }
                    _ => format!("{discovery_name}.{ns_name}"),
                };
                (dns, port)
            }
            None => (format!("{discovery_name}.{ns_name}"), container_port),
        };
        if let Some(o) = e.get("ingressPortOverride").filter(|o| !o.is_null()) {
            if o.as_u64().is_none_or(|p| p > 65535) {
                return Err(format!("{path}.ingressPortOverride: must be 0 to 65535"));
            }
        }
        let timeout = e.get("timeout").cloned().unwrap_or(Value::Null);
        let tp = format!("{path}.timeout");
        let per_request = seconds(&timeout, "perRequestTimeoutSeconds", &tp)?;
        if per_request.is_some() && app_protocol == AppProtocol::Tcp {
            return Err(format!("{tp}.perRequestTimeoutSeconds: can only be set if the port's appProtocol isn't TCP (port mapping {port_name} sets no appProtocol); only idleTimeoutSeconds is allowed for TCP"));
        }
        let idle = seconds(&timeout, "idleTimeoutSeconds", &tp)?;
        if e.get("tls").is_some_and(|t| !t.is_null()) {
            if td.network_mode != NetworkMode::Awsvpc {
                return Err(format!(
                    "{path}.tls: Service Connect TLS needs networkMode awsvpc; bridge is not supported"
                ));
            }
            if e.pointer("/tls/issuerCertificateAuthority").is_none() {
                return Err(format!(
                    "{path}.tls.issuerCertificateAuthority: required (awsPcaAuthorityArn)"
                ));
            }
        }
        let spec = EndpointSpec {
            port_name: port_name.to_string(),
            discovery_name,
            dns_name,
            port,
            container_name: container_name.name.clone().unwrap_or_default(),
            container_port,
            app_protocol,
            per_request_timeout_s: match app_protocol {
                AppProtocol::Tcp => None,
                _ => Some(per_request.unwrap_or(15)),
            },
            idle_timeout_s: idle.unwrap_or(match app_protocol {
                AppProtocol::Tcp => 3600,
                _ => 300,
            }),
        };
        if let Some(j) = endpoints
            .iter()
            .position(|x| x.discovery_name == spec.discovery_name)
        {
            return Err(format!("{path}.discoveryName: {} is already the discovery name of services[{j}]; All discovery names must be unique within a namespace", spec.discovery_name));
        }
        if let Some(j) = endpoints
            .iter()
            .position(|x| x.answers(&spec.dns_name, spec.port))
        {
            return Err(format!("{path}.clientAliases: {} is already the client alias of services[{j}]; Each name and port mapping must be unique within the namespace", spec.alias()));
        }
        endpoints.push(spec);
    }
    Ok(Some(ServiceConnectConfig {
        namespace,
        endpoints,
        request: v.clone(),
    }))
}

/// UpdateService's rule for the ports a Service Connect service serves: "`appProtocol` is
/// immutable in a Service Connect service. Updating this field requires a service deletion and
/// redeployment" (the same for `protocol`) [API-PM].
pub fn check_protocols_kept(
    old: &ServiceConnectConfig,
    new: &ServiceConnectConfig,
) -> Result<(), String> {
    for (i, n) in new.endpoints.iter().enumerate() {
        if let Some(o) = old.endpoints.iter().find(|o| o.port_name == n.port_name) {
            if o.app_protocol != n.app_protocol {
                return Err(format!("serviceConnectConfiguration.services[{i}].portName: port mapping {} changes appProtocol from {} to {}: appProtocol is immutable in a Service Connect service. Updating this field requires a service deletion and redeployment", n.port_name, o.app_protocol.as_str(), n.app_protocol.as_str()));
            }
        }
    }
    Ok(())
}

/// The host and port a load profile's `serviceConnect` names: `backend:8080`,
/// `http://backend:8080/path`, `grpc://…`. The port is required: a client alias is a name
/// and a port.
pub fn parse_address(text: &str, path: &str) -> Result<(String, u16), String> {
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| {
        format!("{path}: {text:?} needs a port: a Service Connect client alias is dnsName:port, e.g. backend:8080")
    })?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{path}: {port:?} is not a port (1 to 65535)"))?;
    if host.is_empty() {
        return Err(format!("{path}: {text:?} names no host"));
    }
    Ok((host.to_ascii_lowercase(), port))
}

/// How the load controls name a Service Connect target: `client → dnsName:port`.
pub const TARGET_ARROW: &str = " → ";

/// The Service Connect targets the load controls offer, `client → dnsName:port`: for every
/// service of the document with Service Connect enabled, every endpoint a service of its
/// namespace declares, and the targets of the document's Service Connect load profiles. Read
/// from the document (the run checks them when it starts): a port the task definition settles
/// comes from the family's registration the service names, or its latest.
pub fn client_targets(doc: &Value) -> Vec<String> {
    let list = |key: &str| {
        doc.get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
    };
    let text = |v: &Value, p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    // A namespace named by name, id or ARN is the same namespace.
    let namespaces = Namespaces::of_document(doc).unwrap_or_default();
    let canonical = |n: String| match namespaces.find(&n) {
        Some(i) => namespaces.list[i].name.clone(),
        None => n,
    };
    let cluster_default = |svc: &Value| {
        let cluster = crate::request::cluster_name(svc);
        list("clusters")
            .iter()
            .find(|c| text(c, "/clusterName").unwrap_or_else(|| "default".into()) == cluster)
            .and_then(|c| text(c, "/serviceConnectDefaults/namespace"))
    };
    // (namespace, service name, its Service Connect configuration)
    let members: Vec<(String, String, &Value)> = list("services")
        .iter()
        .filter_map(|svc| {
            let c = svc.get("serviceConnectConfiguration")?;
            if c.get("enabled") != Some(&Value::Bool(true)) {
                return None;
            }
            let ns = canonical(text(c, "/namespace").or_else(|| cluster_default(svc))?);
            Some((ns, text(svc, "/serviceName")?, svc))
        })
        .collect();
    // A port the task definition settles: from the registration the service names, as the
    // run registers them.
    let (revisions, _) = crate::revisions::Revisions::of_document(doc);
    let container_port = |svc: &Value, port_name: &str| {
        let (_, td) = revisions.resolve(&text(svc, "/taskDefinition")?).ok()?;
        td.input
            .container_definitions
            .iter()
            .flat_map(|c| c.port_mappings.iter())
            .find(|m| m.name.as_deref() == Some(port_name))
            .and_then(|m| u64::try_from(m.container_port?).ok())
    };
    let mut endpoints: Vec<(String, String)> = Vec::new();
    for (ns, _, svc) in &members {
        let entries = svc
            .pointer("/serviceConnectConfiguration/services")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for e in entries {
            let Some(port_name) = text(e, "/portName") else {
                continue;
            };
            let discovery = text(e, "/discoveryName").unwrap_or_else(|| port_name.clone());
            let dns =
                text(e, "/clientAliases/0/dnsName").unwrap_or_else(|| format!("{discovery}.{ns}"));
            let port = e
                .pointer("/clientAliases/0/port")
                .and_then(Value::as_u64)
                .or_else(|| container_port(svc, &port_name));
            if let Some(port) = port {
                endpoints.push((ns.clone(), format!("{}:{port}", dns.to_ascii_lowercase())));
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for (ns, client, _) in &members {
        for (_, alias) in endpoints.iter().filter(|(n, _)| n == ns) {
            out.push(format!("{client}{TARGET_ARROW}{alias}"));
        }
    }
    for p in list("loadProfiles") {
        if let (Some(client), Some(address)) = (text(p, "/client"), text(p, "/serviceConnect")) {
            // Written as a URL or with capitals, it is the alias the endpoints offer.
            let address = parse_address(&address, "")
                .map_or(address, |(host, port)| format!("{host}:{port}"));
            out.push(format!("{client}{TARGET_ARROW}{address}"));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cloud_map_ids_have_aws_shape_and_are_stable() {
        let a = cloud_map_id("ns", "shop");
        assert_eq!(a, cloud_map_id("ns", "shop"));
        assert_ne!(a, cloud_map_id("ns", "shop2"));
        assert_eq!(a.len(), 19);
        assert!(a.starts_with("ns-"));
        assert!(a[3..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }

    #[test]
    fn namespaces_from_requests_output_and_cluster_defaults() {
        let ns = Namespaces::parse(
            &[
                json!({"Name": "shop", "Description": "the shop"}),
                json!({"Namespace": {"Name": "internal", "Id": "ns-abcdefabcdefabcd", "Type": "HTTP"}}),
            ],
            &[
                json!({"clusterName": "prod", "serviceConnectDefaults": {"namespace": "shop"}}),
                json!({"clusterName": "dev", "serviceConnectDefaults": {"namespace": "dev-ns"}}),
                json!({"clusterName": "old", "serviceConnectDefaults": {"namespace": ""}}),
            ],
        )
        .unwrap();
        assert_eq!(ns.list.len(), 3);
        assert_eq!(ns.find("internal"), Some(1));
        assert_eq!(ns.find("ns-abcdefabcdefabcd"), Some(1));
        assert_eq!(ns.find(&ns.list[0].arn()), Some(0));
        assert_eq!(ns.cluster_default("prod"), Some(0));
        // A new name in the cluster's defaults creates an HTTP namespace [API-CSCD].
        assert_eq!(ns.cluster_default("dev"), Some(2));
        assert_eq!(ns.list[2].created_for.as_deref(), Some("dev"));
        assert_eq!(ns.cluster_default("old"), None);
    }

    #[test]
    fn namespace_errors_name_the_field() {
        let e = Namespaces::parse(&[json!({"Name": "a"}), json!({"Name": "a"})], &[]).unwrap_err();
        assert!(
            e.starts_with("namespaces[1].Name: NamespaceAlreadyExists"),
            "{e}"
        );
        let e = Namespaces::parse(&[json!({"Description": "x"})], &[]).unwrap_err();
        assert!(e.starts_with("namespaces[0].Name: required"), "{e}");
        let e = Namespaces::parse(
            &[],
            &[json!({"serviceConnectDefaults": {"namespace": "arn:aws:servicediscovery:us-east-1:1:namespace/ns-x"}})],
        )
        .unwrap_err();
        assert!(e.contains("NamespaceNotFoundException"), "{e}");
    }

    #[test]
    fn client_targets_pair_each_client_with_its_namespace_endpoints() {
        let doc = json!({
            "clusters": [{"clusterName": "default", "serviceConnectDefaults": {"namespace": "shop"}}],
            "taskDefinitions": [{"family": "api", "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 256, "portMappings": [{"name": "http", "containerPort": 8080}]}]}],
            "services": [
                {"serviceName": "api", "taskDefinition": "api", "serviceConnectConfiguration": {"enabled": true,
                    "services": [{"portName": "http"}, {"portName": "admin", "clientAliases": [{"port": 9000, "dnsName": "admin"}]}]}},
                {"serviceName": "web", "serviceConnectConfiguration": {"enabled": true, "namespace": "shop"}},
                {"serviceName": "other", "serviceConnectConfiguration": {"enabled": true, "namespace": "elsewhere"}},
                {"serviceName": "off", "serviceConnectConfiguration": {"enabled": false}}
            ],
            "loadProfiles": [{"client": "batch", "serviceConnect": "http://api:1"}]
        });
        assert_eq!(
            client_targets(&doc),
            vec![
                "api → http.shop:8080",
                "api → admin:9000",
                "web → http.shop:8080",
                "web → admin:9000",
                "batch → api:1",
            ]
        );
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("backend:8080", "p").unwrap(),
            ("backend".into(), 8080)
        );
        assert_eq!(
            parse_address("http://Backend.shop:80/health", "p").unwrap(),
            ("backend.shop".into(), 80)
        );
        assert!(parse_address("backend", "p")
            .unwrap_err()
            .contains("needs a port"));
        assert!(parse_address("backend:0", "p").is_err());
    }
}
