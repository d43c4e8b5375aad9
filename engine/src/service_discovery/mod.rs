//! Amazon ECS service discovery: a service's tasks register in an AWS Cloud Map service, and
//! clients find them by DNS name (`backend.corp.local`) through Route 53.
//!
//! What the scenario holds, verbatim:
//! - `namespaces[]`: Cloud Map CreatePrivateDnsNamespace (`Name`, `Vpc`),
//!   CreatePublicDnsNamespace and CreateHttpNamespace requests, or get-namespace output.
//! - `cloudMapServices[]`: Cloud Map CreateService requests (`Name`, `NamespaceId`,
//!   `DnsConfig`, `HealthCheckCustomConfig`, `HealthCheckConfig`, `Type`, `Description`), or
//!   `aws servicediscovery get-service` output (`{"Service": {"Id": "srv-…", "Arn": …}}`).
//! - `services[].serviceRegistries` (CreateService, UpdateService) [ECS-SR].
//! - `loadProfiles[]` with `serviceDiscovery` (`"backend.corp.local"`): requests that clients
//!   in the VPC send to the name, resolving it by DNS.
//!
//! The rules, with their sources:
//! - A service has at most one registry; tasks use `awsvpc`, `bridge` or `host`. With
//!   `awsvpc`, A and SRV records; an SRV record needs `port` or `containerName` and
//!   `containerPort`, not both. With `bridge` or `host`, SRV records only, with
//!   `containerName` and `containerPort` of the task definition [ECS-SD], [ECS-SR]. The
//!   refusals use the words ECS answers with where users have quoted them [ECS-errors].
//! - UpdateService may add, change or remove (`[]`) the registry; that starts a deployment,
//!   whose tasks register with the new configuration [ECS-SR].
//! - ECS registers a task while it is ACTIVATING, with the task id as the instance id and the
//!   attributes `AWS_INSTANCE_IPV4`, `AWS_INSTANCE_PORT`, `AVAILABILITY_ZONE`, `REGION`,
//!   `ECS_SERVICE_NAME`, `ECS_CLUSTER_NAME`, `EC2_INSTANCE_ID` (not on Fargate) and
//!   `ECS_TASK_DEFINITION_FAMILY` [ECS-SD]. The IPv4 address is the task's private one (its
//!   ENI with `awsvpc`, its instance's otherwise) [ECS-SD].
//! - With `HealthCheckCustomConfig`, ECS reports the task's container health to Cloud Map,
//!   which applies each change about 30 seconds later [CM-API]; an unhealthy instance leaves
//!   the DNS answers [ECS-SD].
//! - Route 53 answers a MULTIVALUE service with up to eight healthy records (all of them when
//!   eight or fewer), and with up to eight unhealthy ones when none is healthy; a WEIGHTED one
//!   with one record at random, as if all were healthy when none is [CM-API], [R53-MV].
//!   Resolvers cache an answer for the record's TTL [CM-API].
//! - A service that uses service discovery runs at most 1,000 tasks [ECS-SD].
//!
//! Where AWS is silent, the playground's choices (each marked [unconfirmed] where it is used):
//! a task with an essential container health check registers UNHEALTHY
//! (`AWS_INIT_HEALTH_STATUS`) and turns HEALTHY when ECS reports its first passing check; a
//! task without one registers HEALTHY; ECS deregisters a task when its desired status becomes
//! STOPPED, and a task on a DRAINING instance stays registered until then; the application
//! answers until its task leaves DEACTIVATING (SIGTERM); a resolver's cached answer was taken
//! at a moment spread evenly over the last TTL; a client does not try another address of its
//! answer when one refuses (`options.serviceDiscovery.clientsTryOtherAddresses` turns that
//! on); a Route 53 health check (`HealthCheckConfig`) is kept but not run: its instances
//! count as healthy.
//!
//! Sources:
//! - [ECS-SD] <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-discovery.html>
//! - [ECS-SR] <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceRegistry.html>
//! - [CM-API] <https://docs.aws.amazon.com/cloud-map/latest/api/API_CreateService.html>,
//!   `API_DnsConfig`, `API_HealthCheckCustomConfig`, `API_DiscoverInstances`
//! - [R53-MV] <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html>
//! - [ECS-errors] users' reports of ECS's InvalidParameterException texts, e.g.
//!   <https://github.com/hashicorp/terraform-provider-aws/issues/4373>

pub mod dns;
pub mod runtime;

use serde_json::Value;

use crate::service_connect::{cloud_map_id, NamespaceKind, Namespaces, CLOUD_MAP_ARN_PREFIX};
use crate::task_definition::{NetworkMode, ValidTaskDefinition};

/// Choices where AWS does not document what clients and Cloud Map do
/// (`options.serviceDiscovery`), switchable per scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceDiscoveryOptions {
    /// How long Cloud Map takes to apply a custom health status ECS reports, in milliseconds
    /// (default 30 s: "approximately 30 seconds" [CM-API]).
    pub custom_health_delay_ms: u64,
    /// [unconfirmed] Whether a client whose cached answer names a stopped task tries the
    /// answer's other addresses (default false: the request fails). A WEIGHTED answer has
    /// one address: its clients have none other to try.
    pub clients_try_other_addresses: bool,
}

impl Default for ServiceDiscoveryOptions {
    fn default() -> Self {
        ServiceDiscoveryOptions {
            custom_health_delay_ms: 30_000,
            clients_try_other_addresses: false,
        }
    }
}

impl crate::json_shape::FromJson for ServiceDiscoveryOptions {
    fn from_json(
        value: &Value,
        at: crate::json_shape::At<'_>,
    ) -> Result<Self, crate::json_shape::ShapeError> {
        let m = crate::json_shape::Members::of(value, at, "struct ServiceDiscoveryOptions")?;
        m.deny_unknown(&["customHealthDelaySeconds", "clientsTryOtherAddresses"]);
        let d = ServiceDiscoveryOptions::default();
        let delay_s: Option<f64> = m.get("customHealthDelaySeconds");
        if delay_s.is_some_and(|s| !(0.0..=300.0).contains(&s)) {
            m.refuse_member(
                "customHealthDelaySeconds",
                "customHealthDelaySeconds must be 0 to 300".to_string(),
            );
        }
        let built = ServiceDiscoveryOptions {
            custom_health_delay_ms: delay_s
                .map_or(d.custom_health_delay_ms, crate::time::seconds_ms),
            clients_try_other_addresses: m
                .get("clientsTryOtherAddresses")
                .unwrap_or(d.clients_try_other_addresses),
        };
        m.finish(built)
    }
}

/// A DNS record type of a Cloud Map service (`DnsRecords[].Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// An IPv4 address.
    A,
    /// An IPv6 address.
    Aaaa,
    /// An address and a port (`1 1 port instance-id.service.namespace`).
    Srv,
    /// Another domain name.
    Cname,
}

impl RecordType {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Srv => "SRV",
            RecordType::Cname => "CNAME",
        }
    }
}

/// `DnsConfig.RoutingPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingPolicy {
    /// Up to eight healthy records per answer (the default).
    Multivalue,
    /// One record per answer, at random.
    Weighted,
}

impl RoutingPolicy {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingPolicy::Multivalue => "MULTIVALUE",
            RoutingPolicy::Weighted => "WEIGHTED",
        }
    }
}

/// The most records Route 53 puts in a MULTIVALUE answer [R53-MV].
pub const MAX_ANSWER_RECORDS: usize = 8;

/// A Cloud Map service's `DnsConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsConfig {
    /// `RoutingPolicy` (default MULTIVALUE).
    pub routing: RoutingPolicy,
    /// `DnsRecords`: each type with its TTL in seconds.
    pub records: Vec<(RecordType, u64)>,
}

impl DnsConfig {
    /// Whether it has a record of type `t`.
    pub fn has(&self, t: RecordType) -> bool {
        self.records.iter().any(|(r, _)| *r == t)
    }

    /// The TTL clients cache an answer for: the A record's, else the SRV record's.
    pub fn ttl_s(&self) -> u64 {
        [RecordType::A, RecordType::Srv]
            .iter()
            .find_map(|t| {
                self.records
                    .iter()
                    .find(|(r, _)| r == t)
                    .map(|(_, ttl)| *ttl)
            })
            .unwrap_or(0)
    }

    /// `A 60 s, SRV 60 s`.
    pub fn describe(&self) -> String {
        self.records
            .iter()
            .map(|(t, ttl)| format!("{} {ttl} s", t.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How a Cloud Map service learns its instances' health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthCheck {
    /// No health check: every instance is answered.
    None,
    /// `HealthCheckCustomConfig`: ECS reports each task's container health.
    Custom,
    /// `HealthCheckConfig` (`Type`): Route 53 health checks, kept but not run [unconfirmed].
    Route53(String),
}

/// A Cloud Map service.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudMapService {
    /// `Name`.
    pub name: String,
    /// `srv-…`: given by get-service output, else derived from the namespace and name.
    pub id: String,
    /// `Arn`: given, or the playground's account's.
    pub arn: String,
    /// Its namespace (index into [`Namespaces::list`]).
    pub namespace: usize,
    /// `DnsConfig`; `None`: found with DiscoverInstances only (`Type` HTTP).
    pub dns: Option<DnsConfig>,
    /// Its health check.
    pub health: HealthCheck,
    /// `Description`.
    pub description: String,
}

impl CloudMapService {
    /// `name.namespace`, the name DNS answers for.
    pub fn dns_name(&self, namespaces: &Namespaces) -> String {
        format!("{}.{}", self.name, namespaces.list[self.namespace].name)
    }

    /// The name its chart series go under ([`dns::series`]): its DNS name lowercased, as
    /// load profiles write it (DNS names ignore case), or the name of an API-only service.
    pub fn series_name(&self, namespaces: &Namespaces) -> String {
        match self.dns {
            Some(_) => self.dns_name(namespaces).to_ascii_lowercase(),
            None => self.name.clone(),
        }
    }
}

/// The scenario's Cloud Map services (`cloudMapServices[]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CloudMapServices {
    /// In `cloudMapServices[]` order.
    pub list: Vec<CloudMapService>,
}

impl CloudMapServices {
    /// Parses `cloudMapServices[]`: CreateService requests or get-service output, each in a
    /// namespace of `namespaces`.
    pub fn parse(items: &[Value], namespaces: &Namespaces) -> Result<CloudMapServices, String> {
        let mut out = CloudMapServices::default();
        for (i, v) in items.iter().enumerate() {
            let path = format!("cloudMapServices[{i}]");
            let v = v.get("Service").unwrap_or(v);
            let service = parse_service(v, &path, namespaces)?;
            if let Some(other) = out.list.iter().find(|o| {
                o.namespace == service.namespace && o.name.eq_ignore_ascii_case(&service.name)
            }) {
                return Err(format!(
                    "{path}.Name: ServiceAlreadyExists: namespace {} already has a service named {}",
                    namespaces.list[service.namespace].name, other.name
                ));
            }
            out.list.push(service);
        }
        Ok(out)
    }

    /// The namespaces and Cloud Map services of a scenario document, as the loader reads them.
    pub fn of_document(doc: &Value) -> Result<(Namespaces, CloudMapServices), String> {
        let namespaces = Namespaces::of_document(doc)?;
        let items = doc
            .get("cloudMapServices")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let services = CloudMapServices::parse(items, &namespaces)?;
        Ok((namespaces, services))
    }

    /// A service by ARN.
    pub fn find_arn(&self, arn: &str) -> Option<usize> {
        self.list.iter().position(|s| s.arn == arn)
    }

    /// The service whose DNS records answer `host` (`name.namespace`, any case, an optional
    /// final dot).
    pub fn resolve(&self, namespaces: &Namespaces, host: &str) -> Option<usize> {
        let host = host.strip_suffix('.').unwrap_or(host);
        self.list
            .iter()
            .position(|s| s.dns.is_some() && s.dns_name(namespaces).eq_ignore_ascii_case(host))
    }
}

/// One Cloud Map CreateService request (or get-service `Service`) at `path`.
fn parse_service(
    v: &Value,
    path: &str,
    namespaces: &Namespaces,
) -> Result<CloudMapService, String> {
    if !v.is_object() {
        return Err(format!(
            "{path}: must be a Cloud Map CreateService request (an object with Name and NamespaceId)"
        ));
    }
    let name = v
        .get("Name")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{path}.Name: required (CreateService)"))?;
    check_service_name(name, &format!("{path}.Name"))?;
    // "The namespace ID must be specified, but it can be specified either here or in the
    // DnsConfig object" [CM-API]; the playground also takes its name or ARN.
    let (ns_path, ns_ref) = match (
        v.get("NamespaceId").and_then(Value::as_str),
        v.pointer("/DnsConfig/NamespaceId").and_then(Value::as_str),
    ) {
        (Some(n), _) => (format!("{path}.NamespaceId"), n),
        (None, Some(n)) => (format!("{path}.DnsConfig.NamespaceId"), n),
        (None, None) => {
            return Err(format!(
            "{path}.NamespaceId: required: the namespace's id (ns-…), name or ARN, of namespaces[]"
        ))
        }
    };
    let namespace = namespaces.find(ns_ref).ok_or_else(|| {
        format!("{ns_path}: NamespaceNotFound: No namespace exists with the specified ID: {ns_ref} (namespaces[] has no namespace with this id, name or ARN)")
    })?;
    let kind = namespaces.list[namespace].kind;
    let api_only = v.get("Type").and_then(Value::as_str) == Some("HTTP");
    let dns = match v.get("DnsConfig") {
        None | Some(Value::Null) => None,
        Some(_) if api_only => {
            return Err(format!(
                "{path}.DnsConfig: a service of Type HTTP is found only with DiscoverInstances: it has no DnsConfig"
            ));
        }
        Some(d) => Some(parse_dns_config(d, &format!("{path}.DnsConfig"))?),
    };
    if dns.is_some() && !kind.has_dns() {
        return Err(format!(
            "{path}.DnsConfig: namespace {} is an HTTP namespace: its instances are found with DiscoverInstances, not DNS (give no DnsConfig)",
            namespaces.list[namespace].name
        ));
    }
    let custom = v.get("HealthCheckCustomConfig").filter(|c| !c.is_null());
    let route53 = v.get("HealthCheckConfig").filter(|c| !c.is_null());
    let health = match (custom, route53) {
        (Some(_), Some(_)) => {
            return Err(format!("{path}.HealthCheckConfig: InvalidInput: specify either HealthCheckCustomConfig or HealthCheckConfig, not both"))
        }
        (Some(c), None) => {
            if let Some(t) = c.get("FailureThreshold") {
                if !t.as_u64().is_some_and(|n| (1..=10).contains(&n)) {
                    return Err(format!(
                        "{path}.HealthCheckCustomConfig.FailureThreshold: 1 to 10 (it is always 1 now)"
                    ));
                }
            }
            HealthCheck::Custom
        }
        (None, Some(c)) => {
            if kind == NamespaceKind::DnsPrivate {
                return Err(format!("{path}.HealthCheckConfig: InvalidInput: Route 53 health checks are for public DNS and HTTP namespaces only; {} is private (use HealthCheckCustomConfig)", namespaces.list[namespace].name));
            }
            if dns.as_ref().is_some_and(|d| d.has(RecordType::Cname)) {
                return Err(format!("{path}.HealthCheckConfig: InvalidInput: a service with a CNAME record takes no HealthCheckConfig"));
            }
            let t = c
                .get("Type")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{path}.HealthCheckConfig.Type: required: HTTP, HTTPS or TCP"))?;
            if !matches!(t, "HTTP" | "HTTPS" | "TCP") {
                return Err(format!(
                    "{path}.HealthCheckConfig.Type: \"{t}\" is not HTTP, HTTPS or TCP"
                ));
            }
            if t == "TCP" && c.get("ResourcePath").is_some() {
                return Err(format!(
                    "{path}.HealthCheckConfig.ResourcePath: a TCP health check takes no ResourcePath"
                ));
            }
            HealthCheck::Route53(t.to_string())
        }
        (None, None) => HealthCheck::None,
    };
    let description = v.get("Description").and_then(Value::as_str).unwrap_or("");
    if description.len() > 1024 {
        return Err(format!("{path}.Description: at most 1024 characters"));
    }
    let ns = &namespaces.list[namespace];
    let id = v.get("Id").and_then(Value::as_str).map_or_else(
        || cloud_map_id("srv", &format!("{}/{name}", ns.id)),
        str::to_string,
    );
    let arn = v
        .get("Arn")
        .and_then(Value::as_str)
        .filter(|a| a.starts_with("arn:"))
        .map_or_else(
            || format!("{CLOUD_MAP_ARN_PREFIX}:service/{id}"),
            str::to_string,
        );
    Ok(CloudMapService {
        name: name.to_string(),
        id,
        arn,
        namespace,
        dns,
        health,
        description: description.to_string(),
    })
}

/// `DnsConfig` at `path`: its records' types and TTLs, and the routing policy.
fn parse_dns_config(d: &Value, path: &str) -> Result<DnsConfig, String> {
    let routing = match d.get("RoutingPolicy").and_then(Value::as_str) {
        None | Some("MULTIVALUE") => RoutingPolicy::Multivalue,
        Some("WEIGHTED") => RoutingPolicy::Weighted,
        Some(other) => {
            return Err(format!(
                "{path}.RoutingPolicy: \"{other}\" is not MULTIVALUE or WEIGHTED"
            ))
        }
    };
    let list = d
        .get("DnsRecords")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| format!("{path}.DnsRecords: required: a list of {{Type, TTL}}"))?;
    let mut records = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let at = format!("{path}.DnsRecords[{i}]");
        let t = match r.get("Type").and_then(Value::as_str) {
            Some("A") => RecordType::A,
            Some("AAAA") => RecordType::Aaaa,
            Some("SRV") => RecordType::Srv,
            Some("CNAME") => RecordType::Cname,
            Some(other) => {
                return Err(format!(
                    "{at}.Type: \"{other}\" is not A, AAAA, SRV or CNAME"
                ))
            }
            None => return Err(format!("{at}.Type: required: A, AAAA, SRV or CNAME")),
        };
        let ttl = r
            .get("TTL")
            .and_then(Value::as_u64)
            .filter(|n| *n <= i32::MAX as u64)
            .ok_or_else(|| format!("{at}.TTL: required: seconds, 0 to 2147483647"))?;
        if records.iter().any(|(x, _)| *x == t) {
            return Err(format!(
                "{at}.Type: {} is already in DnsRecords",
                t.as_str()
            ));
        }
        records.push((t, ttl));
    }
    let config = DnsConfig { routing, records };
    if config.has(RecordType::Cname) {
        if config.records.len() > 1 {
            return Err(format!(
                "{path}.DnsRecords: a CNAME record comes alone (the combinations are A, AAAA, A and AAAA, SRV, CNAME)"
            ));
        }
        if routing != RoutingPolicy::Weighted {
            return Err(format!(
                "{path}.RoutingPolicy: You must specify WEIGHTED for the value of RoutingPolicy with a CNAME record"
            ));
        }
    }
    Ok(config)
}

/// A Cloud Map service `Name`: dot-separated labels of letters, digits, `_` and `-`, at most
/// 127 characters [CM-API].
fn check_service_name(name: &str, path: &str) -> Result<(), String> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if name.len() <= 127 && name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!("{path}: {name:?} is not a Cloud Map service name (labels of letters, numbers, underscores and hyphens separated by periods, at most 127 characters)"))
    }
}

/// Where a task's `AWS_INSTANCE_PORT` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryPort {
    /// No port (A records only).
    None,
    /// `port` (`awsvpc` with an SRV record).
    Given(u16),
    /// `containerName` and `containerPort`: the container port with `awsvpc`, the host port
    /// bound to it with `bridge` or `host`.
    Container {
        /// `containerName`.
        name: String,
        /// `containerPort`.
        port: u16,
    },
}

/// A service's `serviceRegistries[0]`, checked against its task definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRegistry {
    /// The Cloud Map service (index into [`CloudMapServices::list`]).
    pub cloud_map: usize,
    /// What `AWS_INSTANCE_PORT` is.
    pub port: RegistryPort,
    /// `serviceRegistries` as given, which DescribeServices echoes.
    pub request: Value,
}

/// The most tasks a service that uses service discovery runs ("a limit of 1,000 tasks per
/// service. This is due to a Route 53 service quota" [ECS-SD]).
pub const MAX_TASKS: u64 = 1_000;

/// Reads `serviceRegistries` of a CreateService or UpdateService request for a service that
/// runs `td`: `None` when absent, null or empty. Errors name the member.
pub fn parse_registries(
    raw: &Value,
    td: &ValidTaskDefinition,
    services: &CloudMapServices,
) -> Result<Option<ServiceRegistry>, String> {
    const AT: &str = "serviceRegistries";
    let list = match raw.get(AT) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(l)) if l.is_empty() => return Ok(None),
        Some(Value::Array(l)) => l,
        Some(_) => return Err(format!("{AT}: must be a list of {{registryArn, …}}")),
    };
    // (An EXTERNAL service's registries are its task sets': crate::task_set refuses them on
    // the service.)
    if list.len() > 1 {
        return Err(format!("{AT}: Each service may be associated with one service registry. Multiple service registries for each service isn't supported."));
    }
    let v = &list[0];
    let path = format!("{AT}[0]");
    let arn = v
        .get("registryArn")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{path}.registryArn: required: the ARN of a Cloud Map service"))?;
    let well_formed = arn.starts_with("arn:")
        && arn.split(':').nth(2) == Some("servicediscovery")
        && arn.contains(":service/srv-");
    if !well_formed {
        return Err(format!(
            "{path}.registryArn: The format of the supplied service registry ARN is invalid: {arn}."
        ));
    }
    let cloud_map = services.find_arn(arn).ok_or_else(|| {
        format!("{path}.registryArn: no Cloud Map service {arn} in cloudMapServices[] (add its `aws servicediscovery get-service` output or its CreateService request)")
    })?;
    let family = &td.family;
    if td.network_mode == NetworkMode::None {
        return Err(format!("{AT}: Service discovery requires that tasks specify either the awsvpc, bridge, or host network mode (none is not supported); {family} uses none"));
    }
    let dns = services.list[cloud_map].dns.as_ref();
    if dns.is_some_and(|d| d.has(RecordType::Cname)) {
        return Err(format!("{path}.registryArn: ECS registers its tasks' addresses; a Cloud Map service with a CNAME record cannot hold them"));
    }
    if dns.is_some_and(|d| d.has(RecordType::Aaaa) && !d.has(RecordType::A)) {
        return Err(format!("{path}.registryArn: AAAA records are not simulated (the playground's tasks have IPv4 addresses only); give the Cloud Map service an A or SRV record"));
    }
    let srv = dns.is_some_and(|d| d.has(RecordType::Srv));
    // `port` and `containerPort`: absent, or a port number.
    let port_member = |key: &str| {
        v.get(key)
            .filter(|p| !p.is_null())
            .map(|p| {
                p.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{path}.{key}: must be a port number, 1 to 65535"))
            })
            .transpose()
    };
    let port = port_member("port")?;
    let container_name = v.get("containerName").and_then(Value::as_str);
    let container_port = port_member("containerPort")?;
    if port.is_some() && (container_name.is_some() || container_port.is_some()) {
        return Err(format!("{path}: Specify a value for either 'port' or the 'containerName' and 'containerPort' combination, but not both. Remove one and retry."));
    }
    let bridge_or_host = matches!(td.network_mode, NetworkMode::Bridge | NetworkMode::Host);
    if bridge_or_host {
        if dns.is_some_and(|d| d.records.iter().any(|(t, _)| *t != RecordType::Srv)) {
            return Err(format!("{path}.registryArn: with the {} network mode, SRV is the only supported DNS record type; {} has {}", td.network_mode.as_str(), services.list[cloud_map].name, dns.map(DnsConfig::describe).unwrap_or_default()));
        }
        if container_name.is_none() || container_port.is_none() {
            return Err(format!("{path}: When specifying 'host' or 'bridge' for networkMode, values for 'containerName' and 'containerPort' must be specified from the task definition."));
        }
    } else if !srv {
        if container_port.is_some() {
            return Err(format!("{path}.containerPort: The values specified for serviceRegistries do not require a value for 'containerPort'. Remove the value and retry."));
        }
        if container_name.is_some() {
            return Err(format!("{path}.containerName: The values specified for serviceRegistries do not require a value for 'containerName'. Remove the value and retry."));
        }
        if port.is_some() && dns.is_some() {
            return Err(format!(
                "{path}.port: A port was provided but is not required by the specified service registry"
            ));
        }
    } else if port.is_none() && (container_name.is_none() || container_port.is_none()) {
        return Err(format!("{path}: the Cloud Map service has an SRV record: give either 'port' or the 'containerName' and 'containerPort' combination"));
    }
    let port = match (port, container_name, container_port) {
        (Some(p), _, _) => RegistryPort::Given(p),
        (None, Some(name), Some(cport)) => {
            if !td.containers.iter().any(|c| c.name == name) {
                return Err(format!("{path}.containerName: The container {name} is not valid. The value for 'containerName' must already be specified in the task definition. Registry: {arn}"));
            }
            let mapped = td
                .input
                .container_definitions
                .iter()
                .filter(|c| c.name.as_deref() == Some(name))
                .flat_map(|c| c.port_mappings.iter())
                .any(|m| m.container_port == Some(i64::from(cport)));
            if !mapped {
                return Err(format!(
                    "{path}.containerPort: The container {name} did not have a container port {cport} defined."
                ));
            }
            RegistryPort::Container {
                name: name.to_string(),
                port: cport,
            }
        }
        (None, Some(_), None) => {
            return Err(format!("{path}.containerPort: required with containerName"))
        }
        (None, None, Some(_)) => {
            return Err(format!("{path}.containerName: required with containerPort"))
        }
        (None, None, None) => RegistryPort::None,
    };
    Ok(Some(ServiceRegistry {
        cloud_map,
        port,
        request: Value::Array(list.clone()),
    }))
}

/// The DNS names the load controls offer: every Cloud Map service of the document with DNS
/// records, `name.namespace`.
pub fn dns_targets(doc: &Value) -> Vec<String> {
    let Ok((namespaces, services)) = CloudMapServices::of_document(doc) else {
        return Vec::new();
    };
    services
        .list
        .iter()
        .filter(|c| c.dns.is_some())
        .map(|c| c.dns_name(&namespaces))
        .collect()
}

/// Reads a `serviceDiscovery` load target: a DNS name, optionally `:port` (kept for the
/// reader; the answer's records settle where requests go).
pub fn parse_dns_target(text: &str, path: &str) -> Result<String, String> {
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || !host.contains('.') {
        return Err(format!(
            "{path}: {text:?} is not a DNS name of a Cloud Map service (service.namespace, e.g. backend.corp.local)"
        ));
    }
    Ok(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn namespaces() -> Namespaces {
        Namespaces::parse(
            &[
                json!({"Name": "corp.local", "Vpc": "vpc-1"}),
                json!({"Name": "api"}),
            ],
            &[],
        )
        .unwrap()
    }

    #[test]
    fn a_private_dns_namespace_is_told_by_its_vpc() {
        let n = namespaces();
        assert_eq!(n.list[0].kind, NamespaceKind::DnsPrivate);
        assert_eq!(n.list[1].kind, NamespaceKind::Http);
    }

    #[test]
    fn a_cloud_map_service_defaults_to_multivalue_and_gets_an_arn() {
        let n = namespaces();
        let s = CloudMapServices::parse(
            &[json!({"Name": "backend", "NamespaceId": "corp.local",
                "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 60}]},
                "HealthCheckCustomConfig": {"FailureThreshold": 1}})],
            &n,
        )
        .unwrap();
        let b = &s.list[0];
        assert_eq!(b.dns.as_ref().unwrap().routing, RoutingPolicy::Multivalue);
        assert_eq!(b.dns.as_ref().unwrap().ttl_s(), 60);
        assert!(b.arn.ends_with(&format!(":service/{}", b.id)));
        assert!(b.id.starts_with("srv-") && b.id.len() == 20);
        assert_eq!(s.resolve(&n, "Backend.corp.local."), Some(0));
    }

    #[test]
    fn dns_records_in_an_http_namespace_are_refused() {
        let e = CloudMapServices::parse(
            &[json!({"Name": "b", "NamespaceId": "api",
                "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 60}]}})],
            &namespaces(),
        )
        .unwrap_err();
        assert!(e.starts_with("cloudMapServices[0].DnsConfig:"), "{e}");
    }

    #[test]
    fn route53_health_checks_are_refused_in_a_private_namespace() {
        let e = CloudMapServices::parse(
            &[json!({"Name": "b", "NamespaceId": "corp.local",
                "DnsConfig": {"DnsRecords": [{"Type": "A", "TTL": 60}]},
                "HealthCheckConfig": {"Type": "HTTP"}})],
            &namespaces(),
        )
        .unwrap_err();
        assert!(e.contains("public DNS and HTTP namespaces only"), "{e}");
    }

    #[test]
    fn a_cname_record_needs_weighted_routing() {
        let e = CloudMapServices::parse(
            &[json!({"Name": "b", "NamespaceId": "corp.local",
                "DnsConfig": {"DnsRecords": [{"Type": "CNAME", "TTL": 60}]}})],
            &namespaces(),
        )
        .unwrap_err();
        assert!(e.contains("WEIGHTED"), "{e}");
    }

    #[test]
    fn the_same_name_twice_in_a_namespace_is_refused() {
        let e = CloudMapServices::parse(
            &[
                json!({"Name": "b", "NamespaceId": "corp.local"}),
                json!({"Name": "B", "NamespaceId": "corp.local"}),
            ],
            &namespaces(),
        )
        .unwrap_err();
        assert!(e.contains("ServiceAlreadyExists"), "{e}");
    }

    #[test]
    fn dns_targets_need_a_namespace() {
        assert_eq!(
            parse_dns_target("http://Backend.corp.local:8080/x", "p").unwrap(),
            "backend.corp.local"
        );
        assert!(parse_dns_target("backend", "p").is_err());
    }
}
