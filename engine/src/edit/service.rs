//! The service editor's edit: a CreateService request built from the form (section 4), and
//! what the form offers to choose from (capacity providers, target groups, containers).
//! Every rule is checked by the engine's own service loader, so errors name the AWS field.

use serde_json::{json, Value};

use super::{entries, names, section};
use crate::revisions::Revisions;
use crate::task_definition::NetworkMode;
use crate::{Scenario, Simulation};

/// One entry of `capacityProviderStrategy` (6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderShare {
    /// `capacityProvider`.
    pub provider: String,
    /// `base`: tasks placed on this provider first.
    pub base: u32,
    /// `weight`: its share of the tasks after the base.
    pub weight: u32,
}

/// One entry of `placementStrategy` (3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyRow {
    /// `type`: `spread`, `binpack` or `random`.
    pub kind: String,
    /// `field`: `instanceId`, `attribute:<name>`, `cpu` or `memory`; empty for `random`.
    pub field: String,
}

/// The one `loadBalancers[]` entry the form offers (8.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetGroupLink {
    /// A target group of the scenario, by name or ARN; the request gets its ARN.
    pub target_group: String,
    /// `containerName`: a container of the task definition.
    pub container_name: String,
    /// `containerPort`: a port that container maps.
    pub container_port: u16,
    /// `advancedConfiguration.alternateTargetGroupArn` for a blue/green, linear or canary
    /// strategy, by name or ARN; empty leaves `advancedConfiguration` out.
    pub alternate_target_group: String,
}

/// A CreateService request as the service editor asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceForm {
    /// `serviceName`.
    pub name: String,
    /// `cluster`; empty or `default` leave it out.
    pub cluster: String,
    /// `taskDefinition`: `family` or `family:revision`.
    pub task_definition: String,
    /// `desiredCount`.
    pub desired: u32,
    /// `launchType` (`EC2`, `FARGATE` or `EXTERNAL`); empty leaves it out.
    pub launch_type: String,
    /// `capacityProviderStrategy`; empty leaves it out (6.1: not with a launch type).
    pub capacity_provider_strategy: Vec<ProviderShare>,
    /// `placementStrategy`, in the order they apply (3.2).
    pub placement_strategy: Vec<StrategyRow>,
    /// A `distinctInstance` constraint (3.4).
    pub distinct_instance: bool,
    /// A `memberOf` constraint's cluster query language expression; empty: none (3.5).
    pub member_of: String,
    /// `loadBalancers[0]`, if any.
    pub load_balancer: Option<TargetGroupLink>,
    /// `deploymentConfiguration.minimumHealthyPercent` (4.3).
    pub minimum_healthy_percent: u32,
    /// `deploymentConfiguration.maximumPercent` (4.3).
    pub maximum_percent: u32,
    /// `deploymentConfiguration.deploymentCircuitBreaker.enable` (4.5).
    pub circuit_breaker: bool,
    /// `deploymentConfiguration.deploymentCircuitBreaker.rollback` (4.5).
    pub rollback: bool,
    /// `deploymentConfiguration.strategy`: `ROLLING` (or empty, left out), `BLUE_GREEN`,
    /// `LINEAR` or `CANARY` ([`crate::blue_green`]); or `CODE_DEPLOY`: the CODE_DEPLOY
    /// deployment controller, with a CodeDeploy application and deployment group
    /// ([`crate::code_deploy`]) pairing the target group with the alternate one.
    pub strategy: String,
    /// With `CODE_DEPLOY`: the deployment group's `deploymentConfigName`.
    pub code_deploy_config: String,
    /// `bakeTimeInMinutes`, with a strategy other than ROLLING; with `CODE_DEPLOY`, the
    /// deployment group's `terminationWaitTimeInMinutes`.
    pub bake_minutes: u32,
    /// LINEAR's `stepPercent` or CANARY's `canaryPercent`, in tenths of a percent.
    pub shift_tenths: u32,
    /// LINEAR's `stepBakeTimeInMinutes` or CANARY's `canaryBakeTimeInMinutes`.
    pub shift_bake_minutes: u32,
    /// The lifecycle stage of a `PAUSE` deployment lifecycle hook, with a strategy other
    /// than ROLLING; empty for none ([`crate::deployment_lifecycle_hook`]).
    pub pause_stage: String,
    /// Availability Zone rebalancing as CreateService defaults it; false writes
    /// `availabilityZoneRebalancing: DISABLED`.
    pub az_rebalancing: bool,
    /// `networkConfiguration.awsvpcConfiguration.subnets`; empty leaves it out (required for
    /// an `awsvpc` task definition).
    pub subnets: Vec<String>,
    /// `serviceConnectConfiguration.namespace`; empty: no Service Connect. A name the
    /// scenario lacks is added to `namespaces[]` (CreateHttpNamespace).
    pub service_connect_namespace: String,
    /// The `portName` the service serves through Service Connect; empty: a client only.
    pub service_connect_port: String,
    /// Its client alias, `dnsName:port`; empty: the defaults (`portName.namespace` and the
    /// port mapping's port).
    pub service_connect_alias: String,
    /// Service discovery: the DNS name (`name.namespace`) or ARN of a Cloud Map service the
    /// tasks register in; a new name adds the Cloud Map service, and its namespace as a
    /// private DNS namespace when the scenario lacks it. Empty: none.
    pub service_registry: String,
    /// `containerName:containerPort` the registry's SRV records give; empty: A records only.
    pub service_registry_port: String,
    /// `enableExecuteCommand`: ECS Exec into the service's tasks (the task definition needs a
    /// task role).
    pub execute_command: bool,
}

impl Default for ServiceForm {
    /// The API defaults: REPLICA, no strategy (the service default spread), min 100 %,
    /// max 200 %, no circuit breaker (4.3).
    fn default() -> Self {
        ServiceForm {
            name: String::new(),
            cluster: "default".to_string(),
            task_definition: String::new(),
            desired: 1,
            launch_type: String::new(),
            capacity_provider_strategy: Vec::new(),
            placement_strategy: Vec::new(),
            distinct_instance: false,
            member_of: String::new(),
            load_balancer: None,
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            circuit_breaker: false,
            rollback: false,
            strategy: String::new(),
            code_deploy_config: crate::code_deploy::DEFAULT_CONFIG.to_string(),
            bake_minutes: 5,
            shift_tenths: 100,
            shift_bake_minutes: 6,
            pause_stage: String::new(),
            az_rebalancing: true,
            subnets: Vec::new(),
            service_connect_namespace: String::new(),
            service_connect_port: String::new(),
            service_connect_alias: String::new(),
            service_registry: String::new(),
            service_registry_port: String::new(),
            execute_command: false,
        }
    }
}

/// What the service editor offers for a cluster and task definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceChoices {
    /// What `taskDefinition` can name, in registration order: each family (its latest
    /// revision) and, for a family with several revisions, each `family:revision` (1.1).
    pub families: Vec<String>,
    /// Capacity providers associated with the cluster (`clusters[].capacityProviders`).
    pub capacity_providers: Vec<String>,
    /// Target group names (`targetGroups[].Name`), then Classic Load Balancer names
    /// (`classicLoadBalancers[].LoadBalancerName`).
    pub target_groups: Vec<String>,
    /// The Classic Load Balancer names among `target_groups`.
    pub classic_load_balancers: Vec<String>,
    /// `(containerName, containerPort)` of every port mapping of the task definition.
    pub container_ports: Vec<(String, u16)>,
    /// The names of the task definition's containers (what RunTask overrides can name).
    pub containers: Vec<String>,
    /// Whether the task definition uses `awsvpc`, so the service needs subnets.
    pub awsvpc: bool,
    /// The `name` of every named port mapping of the task definition: what a Service Connect
    /// `portName` can serve.
    pub port_names: Vec<String>,
    /// The namespaces a Service Connect service can join: `namespaces[]` and the clusters'
    /// `serviceConnectDefaults`.
    pub namespaces: Vec<String>,
    /// The DNS names of the Cloud Map services a service can register in
    /// (`cloudMapServices[]` with DNS records).
    pub cloud_map_services: Vec<String>,
}

/// The choices for a service in `cluster` running `task_definition` (a family or
/// `family:revision`; an unknown one offers no containers). Cheap enough for every keystroke:
/// it reads the document and registers its task definitions, nothing more.
pub fn service_choices(doc: &Value, cluster: &str, task_definition: &str) -> ServiceChoices {
    let cluster = match cluster.trim() {
        "" => "default",
        c => c,
    };
    let capacity_providers = doc
        .get("clusters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| {
            c.get("clusterName")
                .and_then(Value::as_str)
                .unwrap_or("default")
                == cluster
        })
        .flat_map(|c| crate::request::string_list(c.get("capacityProviders")))
        .collect();
    let (revisions, registered) = Revisions::of_document(doc);
    let mut families: Vec<(String, Vec<String>)> = Vec::new();
    for revision in registered {
        let family = revision.rsplit_once(':').map_or("", |(f, _)| f).to_string();
        match families.iter_mut().find(|(f, _)| *f == family) {
            Some((_, list)) => list.push(revision),
            None => families.push((family, vec![revision])),
        }
    }
    let td = revisions
        .resolve(task_definition.trim())
        .ok()
        .map(|(_, td)| td);
    ServiceChoices {
        families: families
            .into_iter()
            .flat_map(|(family, revisions)| {
                let several = revisions.len() > 1;
                std::iter::once(family).chain(revisions.into_iter().filter(move |_| several))
            })
            .collect(),
        capacity_providers,
        target_groups: names(doc, "targetGroups", "Name")
            .into_iter()
            .chain(names(doc, "classicLoadBalancers", "LoadBalancerName"))
            .collect(),
        classic_load_balancers: names(doc, "classicLoadBalancers", "LoadBalancerName"),
        container_ports: td.as_ref().map_or_else(Vec::new, |td| {
            td.ports
                .iter()
                .map(|p| (p.container_name.clone(), p.container_port))
                .collect()
        }),
        containers: td.as_ref().map_or_else(Vec::new, |td| {
            td.containers.iter().map(|c| c.name.clone()).collect()
        }),
        awsvpc: td
            .as_ref()
            .is_some_and(|td| td.network_mode == NetworkMode::Awsvpc),
        port_names: td.as_ref().map_or_else(Vec::new, |td| {
            td.input
                .container_definitions
                .iter()
                .flat_map(|c| c.port_mappings.iter())
                .filter_map(|m| m.name.clone())
                .collect()
        }),
        namespaces: crate::service_connect::Namespaces::of_document(doc)
            .map(|n| n.list.into_iter().map(|n| n.name).collect())
            .unwrap_or_default(),
        cloud_map_services: crate::service_discovery::dns_targets(doc),
    }
}

/// The CreateService request of `form`, verbatim; `arn_of` turns a target group name into
/// its ARN; a name in `classic` is a Classic Load Balancer, given as `loadBalancerName`.
fn request(
    form: &ServiceForm,
    name: &str,
    arn_of: impl Fn(&str) -> String,
    classic: &[&str],
) -> Value {
    let mut service = json!({
        "serviceName": name,
        "taskDefinition": form.task_definition.trim(),
        "desiredCount": form.desired,
    });
    let cluster = form.cluster.trim();
    if !cluster.is_empty() && cluster != "default" {
        service["cluster"] = json!(cluster);
    }
    if !form.launch_type.trim().is_empty() {
        service["launchType"] = json!(form.launch_type.trim());
    }
    if !form.capacity_provider_strategy.is_empty() {
        service["capacityProviderStrategy"] = form
            .capacity_provider_strategy
            .iter()
            .map(|p| json!({"capacityProvider": p.provider.trim(), "base": p.base, "weight": p.weight}))
            .collect();
    }
    if !form.placement_strategy.is_empty() {
        service["placementStrategy"] = form
            .placement_strategy
            .iter()
            .map(|s| match s.field.trim() {
                "" => json!({"type": s.kind.trim()}),
                field => json!({"type": s.kind.trim(), "field": field}),
            })
            .collect();
    }
    let mut constraints = Vec::new();
    if form.distinct_instance {
        constraints.push(json!({"type": "distinctInstance"}));
    }
    if !form.member_of.trim().is_empty() {
        constraints.push(json!({"type": "memberOf", "expression": form.member_of.trim()}));
    }
    if !constraints.is_empty() {
        service["placementConstraints"] = Value::Array(constraints);
    }
    if let Some(lb) = &form.load_balancer {
        let chosen = lb.target_group.trim();
        // A Classic Load Balancer is named, not given as a target group (8.6).
        let key = if classic.contains(&chosen) {
            "loadBalancerName"
        } else {
            "targetGroupArn"
        };
        let reference = if classic.contains(&chosen) {
            chosen.to_string()
        } else {
            arn_of(chosen)
        };
        service["loadBalancers"] = json!([{
            key: reference,
            "containerName": lb.container_name.trim(),
            "containerPort": lb.container_port,
        }]);
        let alternate = lb.alternate_target_group.trim();
        // A CODE_DEPLOY service names one target group; its deployment group holds the pair.
        if !alternate.is_empty() && form.strategy != "CODE_DEPLOY" {
            service["loadBalancers"][0]["advancedConfiguration"] =
                json!({"alternateTargetGroupArn": arn_of(alternate)});
        }
    }
    let mut deployment = json!({
        "minimumHealthyPercent": form.minimum_healthy_percent,
        "maximumPercent": form.maximum_percent,
    });
    if form.circuit_breaker {
        deployment["deploymentCircuitBreaker"] = json!({"enable": true, "rollback": form.rollback});
    }
    let strategy = form.strategy.trim();
    if strategy == "CODE_DEPLOY" {
        service["deploymentController"] = json!({"type": "CODE_DEPLOY"});
    } else if !strategy.is_empty() && strategy != "ROLLING" {
        deployment["strategy"] = json!(strategy);
        deployment["bakeTimeInMinutes"] = json!(form.bake_minutes);
        let percent = f64::from(form.shift_tenths) / 10.0;
        match strategy {
            "LINEAR" => {
                deployment["linearConfiguration"] = json!({"stepPercent": percent,
                    "stepBakeTimeInMinutes": form.shift_bake_minutes});
            }
            "CANARY" => {
                deployment["canaryConfiguration"] = json!({"canaryPercent": percent,
                    "canaryBakeTimeInMinutes": form.shift_bake_minutes});
            }
            _ => {}
        }
        if !form.pause_stage.is_empty() {
            deployment["lifecycleHooks"] =
                json!([{"targetType": "PAUSE", "lifecycleStages": [form.pause_stage]}]);
        }
    }
    service["deploymentConfiguration"] = deployment;
    if !form.az_rebalancing {
        service["availabilityZoneRebalancing"] = json!("DISABLED");
    }
    if form.execute_command {
        service["enableExecuteCommand"] = json!(true);
    }
    if !form.subnets.is_empty() {
        service["networkConfiguration"] = json!({"awsvpcConfiguration": {"subnets": form.subnets}});
    }
    let namespace = form.service_connect_namespace.trim();
    if !namespace.is_empty() {
        let mut connect = json!({"enabled": true, "namespace": namespace});
        let port = form.service_connect_port.trim();
        if !port.is_empty() {
            let mut entry = json!({"portName": port});
            if let Some((dns, alias_port)) = form.service_connect_alias.trim().rsplit_once(':') {
                // A port that is not a number is kept, for the loader to refuse by name.
                entry["clientAliases"] = json!([{
                    "dnsName": dns,
                    "port": alias_port.parse::<u64>().map_or_else(|_| json!(alias_port), |p| json!(p)),
                }]);
            }
            connect["services"] = json!([entry]);
        }
        service["serviceConnectConfiguration"] = connect;
    }
    service
}

/// Adds the CreateService request of `form`. The service must load as AWS would accept it:
/// the engine's service loader checks the launch type or capacity provider strategy (6.1,
/// G21), the placement strategies and constraints (3.2–3.5), the target group, container and
/// port (8.1), the deployment configuration (4.3, 4.5) and the subnets of `awsvpc`; its error
/// names the field, e.g. `placementConstraints[0].expression: …`.
pub fn add_service(doc: &Value, form: &ServiceForm) -> Result<Value, String> {
    let name = form.name.trim();
    super::auto_scaling_group::check_name(name, "serviceName")?;
    if form.task_definition.trim().is_empty() {
        return Err("taskDefinition: required".to_string());
    }
    let before = Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
    let classic: Vec<&str> = before
        .load_balancing
        .target_groups
        .iter()
        .filter(|t| t.classic.is_some())
        .map(|t| t.name.as_str())
        .collect();
    let service = request(
        form,
        name,
        |tg| {
            before.load_balancing.find(tg).map_or_else(
                || tg.to_string(),
                |g| before.load_balancing.target_groups[g].arn.clone(),
            )
        },
        &classic,
    );
    let mut service = service;
    let mut doc = if form.strategy == "CODE_DEPLOY" {
        with_code_deploy_group(doc, &before, form, name)?
    } else {
        doc.clone()
    };
    let alias = form.service_connect_alias.trim();
    if !alias.is_empty() && !alias.contains(':') {
        return Err(format!("serviceConnectConfiguration.services[0].clientAliases[0]: {alias:?} needs a port: dnsName:port, e.g. backend:8080"));
    }
    with_service_connect_namespace(&mut doc, &mut service);
    let registry = form.service_registry.trim();
    if !registry.is_empty() {
        let srv = form.service_registry_port.trim();
        let arn = with_registry(&mut doc, registry, !srv.is_empty())?;
        let mut entry = json!({"registryArn": arn});
        if let Some((container, port)) = srv.rsplit_once(':') {
            entry["containerName"] = json!(container);
            entry["containerPort"] = port
                .parse::<u64>()
                .map_or_else(|_| json!(port), |p| json!(p));
        }
        service["serviceRegistries"] = json!([entry]);
    }
    create_services(&doc, vec![service]).map(|(doc, _)| doc)
}

/// The ARN of the Cloud Map service the form names by DNS name (`name.namespace`) or ARN.
/// A new name adds a CreateService request for it (an SRV record when `srv`, else an A
/// record, a 60-second TTL, `HealthCheckCustomConfig`) and, when the scenario lacks the
/// namespace, a CreatePrivateDnsNamespace request.
fn with_registry(doc: &mut Value, registry: &str, srv: bool) -> Result<String, String> {
    let (namespaces, known) = crate::service_discovery::CloudMapServices::of_document(doc)?;
    if let Some(c) = known
        .find_arn(registry)
        .or_else(|| known.resolve(&namespaces, registry))
    {
        return Ok(known.list[c].arn.clone());
    }
    let Some((name, namespace)) = registry
        .split_once('.')
        .filter(|(n, ns)| !n.is_empty() && !ns.is_empty())
    else {
        return Err(format!("serviceRegistries[0].registryArn: {registry:?} is not a Cloud Map service of the scenario; give its DNS name, service.namespace (e.g. orders.corp.local), to add one"));
    };
    push_cloud_map_service(doc, &namespaces, (name, namespace), srv, None);
    let (_, added) = crate::service_discovery::CloudMapServices::of_document(doc)
        .map_err(|e| format!("serviceRegistries[0].registryArn: {e}"))?;
    Ok(added.list.last().map(|c| c.arn.clone()).unwrap_or_default())
}

/// The CodeDeploy side of a CODE_DEPLOY service made with the form: application
/// `<service>-app` (CreateApplication, ECS) and deployment group `<service>-dg`
/// (CreateDeploymentGroup) pairing its target group with the alternate one, with the form's
/// configuration and termination wait, the listeners that forward to each group as the
/// production and test routes, and rollback on DEPLOYMENT_FAILURE and
/// DEPLOYMENT_STOP_ON_REQUEST.
fn with_code_deploy_group(
    doc: &Value,
    before: &Scenario,
    form: &ServiceForm,
    name: &str,
) -> Result<Value, String> {
    let Some(lb) = &form.load_balancer else {
        return Err(
            "loadBalancers: the CODE_DEPLOY deployment controller needs a target group".to_string(),
        );
    };
    let (blue, green) = (lb.target_group.trim(), lb.alternate_target_group.trim());
    if green.is_empty() || green == blue {
        return Err("loadBalancers[0]: CodeDeploy needs a second target group for the replacement task set (the alternate target group)".to_string());
    }
    let mut doc = doc.clone();
    let application = format!("{name}-app");
    if !names(&doc, "codeDeployApplications", "applicationName").contains(&application) {
        section(&mut doc, "codeDeployApplications")
            .push(json!({"applicationName": application, "computePlatform": "ECS"}));
    }
    let (production, test) = (listener_arns(before, blue), listener_arns(before, green));
    let production = if production.is_empty() {
        vec![format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/playground-alb/0000000000000000/{blue}")]
    } else {
        production
    };
    let mut pair = json!({"targetGroups": [{"name": blue}, {"name": green}],
        "prodTrafficRoute": {"listenerArns": [production[0]]}});
    if let Some(t) = test.first().filter(|t| **t != production[0]) {
        pair["testTrafficRoute"] = json!({"listenerArns": [t]});
    }
    let cluster = if form.cluster.trim().is_empty() {
        "default"
    } else {
        form.cluster.trim()
    };
    section(&mut doc, "deploymentGroups").push(json!({
        "applicationName": application,
        "deploymentGroupName": format!("{name}-dg"),
        "serviceRoleArn": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
        "deploymentConfigName": form.code_deploy_config,
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess":
            {"action": "TERMINATE", "terminationWaitTimeInMinutes": form.bake_minutes}},
        "autoRollbackConfiguration": {"enabled": true, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]},
        "loadBalancerInfo": {"targetGroupPairInfoList": [pair]},
        "ecsServices": [{"serviceName": name, "clusterName": cluster}],
    }));
    Ok(doc)
}

/// ARNs for the listeners that forward to target group `tg` of scenario `before`, made from
/// their load balancer and port.
fn listener_arns(before: &Scenario, tg: &str) -> Vec<String> {
    let lb = &before.load_balancing;
    let Some(g) = lb.find(tg) else {
        return Vec::new();
    };
    let balancer = &lb.load_balancer_of(g).name;
    lb.target_groups[g]
        .listeners
        .iter()
        .filter_map(|label| label.rsplit([':', ' ']).next())
        .filter(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        .map(|port| {
            format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/{balancer}/0000000000000000/{port}")
        })
        .collect()
}

/// What the service form gives a pasted definition that lacks it. Service definition files
/// of deployment tools (ecspresso's `ecs-service-def.json`, CodeDeploy samples) leave out
/// `serviceName` and `taskDefinition`, which the tool supplies; the form's Name and Task
/// definition play that part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PastedServiceDefaults {
    /// For a pasted service without `serviceName`.
    pub service_name: String,
    /// For a pasted service without `taskDefinition`.
    pub task_definition: String,
}

/// Adds the services of pasted JSON, verbatim: a CreateService input, the `service` that
/// `aws ecs create-service` returns, `aws ecs describe-services` output (its `services[]`; the
/// read-only members are ignored when the scenario loads, and an EXTERNAL service's
/// `taskSets` become task set calls), or a list of them. A single pasted
/// service without `serviceName` or `taskDefinition` (missing or empty) takes them from
/// `defaults`. Returns the document and the names added; a refusal names the service and the
/// field.
pub fn add_services_json(
    doc: &Value,
    text: &str,
    defaults: &PastedServiceDefaults,
) -> Result<(Value, Vec<String>), String> {
    let pasted: Value = serde_json::from_str(text).map_err(|e| format!("JSON: {e}"))?;
    let mut services = match pasted {
        Value::Array(list) => list,
        Value::Object(mut o) => match (o.remove("services"), o.remove("service")) {
            (Some(Value::Array(list)), _) => list,
            (_, Some(one @ Value::Object(_))) => vec![one],
            _ => vec![Value::Object(o)],
        },
        _ => {
            return Err(
                "JSON: expected a service object, a list of them, or describe-services output"
                    .to_string(),
            )
        }
    };
    if services.is_empty() {
        return Err("services: the pasted JSON holds no service".to_string());
    }
    if let [Value::Object(one)] = services.as_mut_slice() {
        for (field, default) in [
            ("serviceName", &defaults.service_name),
            ("taskDefinition", &defaults.task_definition),
        ] {
            let absent = one
                .get(field)
                .is_none_or(|v| v.as_str().is_some_and(|s| s.trim().is_empty()));
            if absent && !default.trim().is_empty() {
                one.insert(field.to_string(), Value::String(default.trim().to_string()));
            }
        }
    }
    let mut doc = doc.clone();
    let mut made = Vec::new();
    for s in &mut services {
        with_service_connect_namespace(&mut doc, s);
        with_cloud_map_service(&mut doc, s);
        // An EXTERNAL service's task sets come with it.
        for (key, call) in super::task_sets::external_service_calls(s) {
            made.push(format!("{key}[{}]", entries(&doc, key).count()));
            section(&mut doc, key).push(call);
        }
    }
    let (doc, names) = create_services(&doc, services)?;
    // A task set call the run refuses (a target group or revision the scenario lacks) is
    // said in its event log when it is made, at time zero.
    if !made.is_empty() {
        let scenario = Scenario::from_value(doc.clone()).map_err(|e| e.to_string())?;
        let mut sim = Simulation::new(scenario);
        sim.advance_to(crate::time::SimTime(0))
            .map_err(|e| e.to_string())?;
        if let Some(e) = sim.log().entries().iter().find_map(|e| {
            made.iter()
                .any(|path| e.message.contains(&format!(": {path}.")))
                .then(|| e.message.clone())
        }) {
            return Err(e);
        }
    }
    Ok((doc, names))
}

/// Service Connect for a pasted service. describe-services shows `serviceConnectConfiguration`
/// only on its deployments: the PRIMARY one's becomes the request's. A namespace named (not by
/// ARN) that the scenario lacks is one the service's account has: it is added to
/// `namespaces[]` as a CreateHttpNamespace request.
fn with_service_connect_namespace(doc: &mut Value, s: &mut Value) {
    if s.get("serviceConnectConfiguration")
        .is_none_or(Value::is_null)
    {
        let primary = s
            .get("deployments")
            .and_then(Value::as_array)
            .and_then(|l| {
                l.iter()
                    .find(|d| d.get("status").and_then(Value::as_str) == Some("PRIMARY"))
            })
            .and_then(|d| d.get("serviceConnectConfiguration"))
            .cloned();
        if let (Some(c), Some(obj)) = (primary, s.as_object_mut()) {
            obj.insert("serviceConnectConfiguration".into(), c);
        }
    }
    let Some(ns) = s
        .pointer("/serviceConnectConfiguration/namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && !n.starts_with("arn:"))
    else {
        return;
    };
    let known =
        crate::service_connect::Namespaces::of_document(doc).is_ok_and(|n| n.find(ns).is_some());
    if !known {
        section(doc, "namespaces").push(json!({"Name": ns}));
    }
}

/// Service discovery for a pasted service whose registry the document does not have: a
/// stand-in Cloud Map service with the registry's ARN, since the ARN alone does not tell its
/// name, namespace or records. The playground's choice: named after the ECS service (as a
/// Cloud Map name: lowercase, at most 56 characters, `-2`, `-3`… when taken), in the private
/// DNS namespace `local` (added when missing; `local-2`… when `local` is an HTTP namespace),
/// with an SRV record when the registry names a port and an A record otherwise, a 60-second
/// TTL, and `HealthCheckCustomConfig`. Replace it with `aws servicediscovery get-service`
/// output to run the real one.
fn with_cloud_map_service(doc: &mut Value, s: &Value) {
    let Some(registry) = s
        .get("serviceRegistries")
        .and_then(Value::as_array)
        .and_then(|l| l.first())
    else {
        return;
    };
    let Some(arn) = registry
        .get("registryArn")
        .and_then(Value::as_str)
        .filter(|a| a.starts_with("arn:") && a.contains(":service/srv-"))
    else {
        return;
    };
    let (namespaces, known) =
        crate::service_discovery::CloudMapServices::of_document(doc).unwrap_or_default();
    if known.find_arn(arn).is_some() {
        return;
    }
    let (namespace, existing) = (1..)
        .map(|i| numbered("local", i))
        .map(|n| {
            let found = namespaces.find(&n);
            (n, found)
        })
        .find(|(_, found)| found.is_none_or(|k| namespaces.list[k].kind.has_dns()))
        .expect("an endless list of names");
    // A Cloud Map name: labels of letters, digits, `_` and `-`, at most 63 characters.
    let cleaned: String = s
        .get("serviceName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(56)
        .collect();
    let base = match cleaned.trim_matches('-') {
        "" => "service",
        b => b,
    };
    let taken = |n: &str| {
        known
            .list
            .iter()
            .any(|c| Some(c.namespace) == existing && c.name.eq_ignore_ascii_case(n))
    };
    let name = (1..)
        .map(|i| numbered(base, i))
        .find(|n| !taken(n))
        .expect("an endless list of names");
    let srv = ["port", "containerName", "containerPort"]
        .iter()
        .any(|k| registry.get(*k).is_some_and(|v| !v.is_null()));
    push_cloud_map_service(doc, &namespaces, (&name, &namespace), srv, Some(arn));
}

/// `base` for `i` 1, `base-i` after.
fn numbered(base: &str, i: usize) -> String {
    if i == 1 {
        base.to_string()
    } else {
        format!("{base}-{i}")
    }
}

/// Adds Cloud Map service `name` of `namespace` to the document as the playground makes one
/// (an SRV record when `srv`, else an A record, a 60-second TTL, `HealthCheckCustomConfig`),
/// with the ARN `given` (as get-service output) or its own; and the namespace, as a
/// CreatePrivateDnsNamespace request, when `namespaces` lacks it.
fn push_cloud_map_service(
    doc: &mut Value,
    namespaces: &crate::service_connect::Namespaces,
    (name, namespace): (&str, &str),
    srv: bool,
    given: Option<&str>,
) {
    if namespaces.find(namespace).is_none() {
        section(doc, "namespaces").push(json!({"Name": namespace, "Vpc": "vpc-playground"}));
    }
    let mut service = json!({
        "Name": name,
        "NamespaceId": namespace,
        "DnsConfig": {"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": if srv { "SRV" } else { "A" }, "TTL": 60}]},
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
    });
    if let Some(arn) = given {
        service["Id"] = json!(arn.rsplit('/').next().unwrap_or_default());
        service["Arn"] = json!(arn);
    }
    section(doc, "cloudMapServices").push(service);
}

/// Appends CreateService requests to the document once they pass what AWS checks (a unique
/// name) and what the engine's service loader checks when the simulation is built. With
/// several services, a refusal starts with the service's name. Returns the document and the
/// names added.
fn create_services(doc: &Value, services: Vec<Value>) -> Result<(Value, Vec<String>), String> {
    let several = services.len() > 1;
    let names_of: Vec<String> = services
        .iter()
        .map(|s| {
            s.get("serviceName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let label = |k: usize, message: String| {
        if several {
            format!("{}: {message}", names_of[k])
        } else {
            message
        }
    };
    let mut taken = names(doc, "services", "serviceName");
    for (k, name) in names_of.iter().enumerate() {
        if !services[k].is_object() {
            return Err(label(k, "expected a CreateService object".to_string()));
        }
        if name.is_empty() {
            return Err(label(
                k,
                "serviceName: required (CreateService needs a serviceName)".to_string(),
            ));
        }
        super::auto_scaling_group::check_name(name, "serviceName").map_err(|e| label(k, e))?;
        if taken.contains(name) {
            return Err(label(
                k,
                format!("serviceName: a service named {name} already exists"),
            ));
        }
        taken.push(name.clone());
    }
    let mut doc = doc.clone();
    let list = section(&mut doc, "services");
    let first = list.len();
    list.extend(services);
    // A refusal of the scenario loader or of the service loader (run when the simulation is
    // built, logged as `services[<index>].<field>: <why>`) for one of the new services.
    let ours = |path: &str| {
        path.strip_prefix("services[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?.checked_sub(first)?, rest)))
            .filter(|(k, _)| *k < names_of.len())
            .map(|(k, rest)| (k, rest.trim_start_matches('.').to_string()))
    };
    let scenario = Scenario::from_value(doc.clone()).map_err(|e| match ours(&e.path) {
        Some((k, field)) => label(k, format!("{field}: {}", e.message)),
        None => e.to_string(),
    })?;
    // The scenario's warnings (members kept but not simulated) are logged the same way; they
    // do not refuse the service.
    let warnings: Vec<String> = scenario
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.path, w.message))
        .collect();
    let sim = Simulation::new(scenario);
    for (k, _) in names_of.iter().enumerate() {
        let prefix = format!("services[{}].", first + k);
        if let Some(e) = sim
            .log()
            .entries()
            .iter()
            .filter(|e| !warnings.contains(&e.message))
            .find_map(|e| e.message.strip_prefix(&prefix))
        {
            return Err(label(k, e.to_string()));
        }
    }
    Ok((doc, names_of))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimTime;

    /// t3.large and m5.large instances in two AZs, a bridge web task definition with a
    /// dynamic port, an instance target group, and the FARGATE providers on cluster `prod`.
    fn doc() -> Value {
        json!({
            "version": 1,
            "containerInstances": [
                {"instanceType": "t3.large", "availabilityZone": "us-east-1a"},
                {"instanceType": "t3.large", "availabilityZone": "us-east-1b"},
                {"instanceType": "m5.large", "availabilityZone": "us-east-1a", "count": 2},
                {"instanceType": "c5.large", "availabilityZone": "us-east-1b"}
            ],
            "targetGroups": [{"Name": "web", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1", "HealthCheckIntervalSeconds": 10}],
            "clusters": [{"clusterName": "prod", "capacityProviders": ["FARGATE", "FARGATE_SPOT"]}],
            "taskDefinitions": [
                {"family": "web", "containerDefinitions": [{"name": "nginx", "image": "nginx", "cpu": 256, "memory": 512, "essential": true, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]},
                {"family": "tiny", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "app", "image": "app", "essential": true, "portMappings": [{"containerPort": 8080}]}]}
            ]
        })
    }

    fn form(name: &str) -> ServiceForm {
        ServiceForm {
            name: name.to_string(),
            task_definition: "web".to_string(),
            desired: 4,
            ..ServiceForm::default()
        }
    }

    fn run(doc: Value, secs: u64) -> Simulation {
        let mut sim = Simulation::new(Scenario::from_value(doc).unwrap());
        sim.advance_to(SimTime(secs * 1000)).unwrap();
        sim
    }

    #[test]
    fn code_deploy_writes_the_controller_an_application_and_a_deployment_group() {
        let mut d = doc();
        d["targetGroups"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Name": "web-green", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}));
        d["loadBalancers"] = json!([{"Name": "edge", "Type": "application"}]);
        d["listeners"] = json!([
            {"LoadBalancerArn": "edge", "Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web"}]},
            {"LoadBalancerArn": "edge", "Protocol": "HTTP", "Port": 8080, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web-green"}]}]);
        let link = TargetGroupLink {
            target_group: "web".to_string(),
            container_name: "nginx".to_string(),
            container_port: 80,
            alternate_target_group: "web-green".to_string(),
        };
        let f = ServiceForm {
            load_balancer: Some(link.clone()),
            strategy: "CODE_DEPLOY".to_string(),
            code_deploy_config: "CodeDeployDefault.ECSLinear10PercentEvery3Minutes".to_string(),
            bake_minutes: 15,
            ..form("web")
        };
        let out = add_service(&d, &f).unwrap();
        let svc = &out["services"][0];
        assert_eq!(svc["deploymentController"], json!({"type": "CODE_DEPLOY"}));
        assert!(svc["loadBalancers"][0]
            .get("advancedConfiguration")
            .is_none());
        assert!(svc["deploymentConfiguration"].get("strategy").is_none());
        assert_eq!(
            out["codeDeployApplications"],
            json!([{"applicationName": "web-app", "computePlatform": "ECS"}])
        );
        let group = &out["deploymentGroups"][0];
        assert_eq!(
            group["deploymentConfigName"],
            "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"
        );
        assert_eq!(
            group["blueGreenDeploymentConfiguration"]["terminateBlueInstancesOnDeploymentSuccess"]
                ["terminationWaitTimeInMinutes"],
            15
        );
        let pair = &group["loadBalancerInfo"]["targetGroupPairInfoList"][0];
        assert_eq!(
            pair["targetGroups"],
            json!([{"name": "web"}, {"name": "web-green"}])
        );
        assert!(pair["prodTrafficRoute"]["listenerArns"][0]
            .as_str()
            .unwrap()
            .ends_with("/edge/0000000000000000/80"));
        assert!(pair["testTrafficRoute"]["listenerArns"][0]
            .as_str()
            .unwrap()
            .ends_with("/edge/0000000000000000/8080"));
        // The service runs, and the row's Deploy (CreateDeployment) deploys through the group.
        let scenario = Scenario::from_value(out.clone()).unwrap();
        let group = scenario.code_deploy.groups[0].clone();
        let deployed =
            crate::edit::create_deployment(&out, &group, "web", ("nginx", 80), SimTime(60_000))
                .unwrap();
        let sim = run(deployed, 600);
        assert_eq!(sim.code_deploy_deployments().len(), 1);
        // Without the second target group, it is refused naming the field.
        let e = add_service(
            &d,
            &ServiceForm {
                load_balancer: Some(TargetGroupLink {
                    alternate_target_group: String::new(),
                    ..link
                }),
                ..f
            },
        )
        .unwrap_err();
        assert!(
            e.starts_with("loadBalancers[0]: CodeDeploy needs a second target group"),
            "{e}"
        );
    }

    #[test]
    fn a_classic_load_balancer_is_offered_and_named_by_load_balancer_name() {
        // 8.6: a service names its Classic Load Balancer with loadBalancerName; the form's
        // load balancer choice lists it after the target groups.
        let mut d = doc();
        d["classicLoadBalancers"] = json!([{"LoadBalancerName": "legacy", "AvailabilityZones": ["us-east-1a"],
            "Listeners": [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}]}]);
        d["taskDefinitions"][0]["containerDefinitions"][0]["portMappings"] =
            json!([{"containerPort": 80, "hostPort": 80}]);
        let choices = service_choices(&d, "default", "web");
        assert_eq!(choices.target_groups, ["web", "legacy"]);
        assert_eq!(choices.classic_load_balancers, ["legacy"]);
        let f = ServiceForm {
            load_balancer: Some(TargetGroupLink {
                target_group: "legacy".to_string(),
                container_name: "nginx".to_string(),
                container_port: 80,
                alternate_target_group: String::new(),
            }),
            ..form("old")
        };
        let out = add_service(&d, &f).unwrap();
        assert_eq!(
            out["services"][0]["loadBalancers"],
            json!([{"loadBalancerName": "legacy", "containerName": "nginx", "containerPort": 80}])
        );
        // A dynamic host port is refused, naming the field.
        d["taskDefinitions"][0]["containerDefinitions"][0]["portMappings"] =
            json!([{"containerPort": 80, "hostPort": 0}]);
        let e = add_service(&d, &f).unwrap_err();
        assert!(
            e.starts_with("loadBalancers[0].containerPort: A host port mapping"),
            "{e}"
        );
    }

    #[test]
    fn a_linear_strategy_writes_the_api_members_and_the_alternate_target_group() {
        let mut d = doc();
        d["targetGroups"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Name": "web-green", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}));
        let link = TargetGroupLink {
            target_group: "web".to_string(),
            container_name: "nginx".to_string(),
            container_port: 80,
            alternate_target_group: "web-green".to_string(),
        };
        let f = ServiceForm {
            load_balancer: Some(link.clone()),
            strategy: "LINEAR".to_string(),
            bake_minutes: 3,
            shift_tenths: 125,
            shift_bake_minutes: 2,
            ..form("web")
        };
        let out = add_service(&d, &f).unwrap();
        let svc = &out["services"][0];
        assert_eq!(
            svc["deploymentConfiguration"],
            json!({"minimumHealthyPercent": 100, "maximumPercent": 200, "strategy": "LINEAR",
                "bakeTimeInMinutes": 3, "linearConfiguration": {"stepPercent": 12.5, "stepBakeTimeInMinutes": 2}})
        );
        assert!(
            svc["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"]
                .as_str()
                .unwrap()
                .contains(":targetgroup/web-green/")
        );
        assert_eq!(run(out, 60).listener_rule_weight(0), Some(1000));
        // Without the alternate target group, the engine's check names the field.
        let e = add_service(
            &d,
            &ServiceForm {
                load_balancer: Some(TargetGroupLink {
                    alternate_target_group: String::new(),
                    ..link.clone()
                }),
                ..f.clone()
            },
        )
        .unwrap_err();
        assert!(
            e.contains("loadBalancers[0].advancedConfiguration.alternateTargetGroupArn: required"),
            "{e}"
        );
        // A pause stage writes a PAUSE lifecycle hook, which the loader takes.
        let paused = ServiceForm {
            load_balancer: Some(link.clone()),
            pause_stage: "PRE_PRODUCTION_TRAFFIC_SHIFT".to_string(),
            ..f.clone()
        };
        let out = add_service(&d, &paused).unwrap();
        assert_eq!(
            out["services"][0]["deploymentConfiguration"]["lifecycleHooks"],
            json!([{"targetType": "PAUSE", "lifecycleStages": ["PRE_PRODUCTION_TRAFFIC_SHIFT"]}])
        );
        let sim = run(out, 60);
        assert_eq!(sim.services()[0].lifecycle_hooks.len(), 1);
        // Pause hooks cannot run where traffic moves: the loader's error names the field.
        let e = add_service(
            &d,
            &ServiceForm {
                pause_stage: "PRODUCTION_TRAFFIC_SHIFT".to_string(),
                ..paused
            },
        )
        .unwrap_err();
        assert!(e.contains("lifecycleHooks[0].lifecycleStages[0]"), "{e}");
    }

    #[test]
    fn pasted_services_with_notes_in_the_log_are_not_refused() {
        // A blue/green service with lifecycle hooks (its first deployment runs none) and a
        // binpack service asking for AZ rebalancing (kept, not done): the event log says so
        // as notes, which the paste box must not read as refusals.
        let mut d = doc();
        d["targetGroups"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Name": "web-green", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}));
        let defaults = PastedServiceDefaults::default();
        let pasted = r#"[{"serviceName": "bg", "taskDefinition": "web", "desiredCount": 1,
            "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
                "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}]},
            "loadBalancers": [{"targetGroupArn": "web", "containerName": "nginx", "containerPort": 80,
                "advancedConfiguration": {"alternateTargetGroupArn": "web-green"}}]},
            {"serviceName": "packed", "taskDefinition": "web", "desiredCount": 1,
             "placementStrategy": [{"type": "binpack", "field": "memory"}],
             "availabilityZoneRebalancing": "ENABLED"}]"#;
        let (out, added) = add_services_json(&d, pasted, &defaults).unwrap();
        assert_eq!(added, ["bg", "packed"]);
        let sim = run(out, 1);
        for note in [
            "service bg: deploymentConfiguration.lifecycleHooks: the first deployment runs no hooks",
            "service packed: availabilityZoneRebalancing ENABLED is kept",
        ] {
            assert!(
                sim.log().entries().iter().any(|e| e.message.starts_with(note)),
                "{note}"
            );
        }
    }

    #[test]
    fn az_rebalancing_is_left_to_create_service_unless_turned_off() {
        let on = add_service(&doc(), &form("web")).unwrap();
        assert!(on["services"][0]
            .get("availabilityZoneRebalancing")
            .is_none());
        let off = ServiceForm {
            az_rebalancing: false,
            ..form("web")
        };
        let off = add_service(&doc(), &off).unwrap();
        assert_eq!(
            off["services"][0]["availabilityZoneRebalancing"],
            "DISABLED"
        );
        let mut sim = crate::Simulation::new(crate::Scenario::from_value(off).unwrap());
        sim.advance_to(crate::SimTime(1_000)).unwrap();
        assert_eq!(
            sim.describe()["services"][0]["availabilityZoneRebalancing"],
            "DISABLED"
        );
    }

    #[test]
    fn g12_member_of_places_only_on_matching_instances_binpacked() {
        // G12 with t3: memberOf(attribute:ecs.instance-type =~ t3.*) keeps the t3 instances,
        // and binpack(memory) (G7) fills one of them before the other.
        let f = ServiceForm {
            member_of: "attribute:ecs.instance-type =~ t3.*".to_string(),
            placement_strategy: vec![StrategyRow {
                kind: "binpack".to_string(),
                field: "memory".to_string(),
            }],
            load_balancer: Some(TargetGroupLink {
                target_group: "web".to_string(),
                container_name: "nginx".to_string(),
                container_port: 80,
                alternate_target_group: String::new(),
            }),
            minimum_healthy_percent: 50,
            circuit_breaker: true,
            rollback: true,
            ..form("pinned")
        };
        let doc = add_service(&doc(), &f).unwrap();
        let svc = &doc["services"][0];
        assert_eq!(
            svc["placementConstraints"],
            json!([{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}])
        );
        assert_eq!(
            svc["placementStrategy"],
            json!([{"type": "binpack", "field": "memory"}])
        );
        assert!(svc["loadBalancers"][0]["targetGroupArn"]
            .as_str()
            .unwrap()
            .contains(":targetgroup/web/"));
        assert_eq!(
            svc["deploymentConfiguration"],
            json!({"minimumHealthyPercent": 50, "maximumPercent": 200, "deploymentCircuitBreaker": {"enable": true, "rollback": true}})
        );
        assert!(svc.get("networkConfiguration").is_none());
        let sim = run(doc, 120);
        let hosts: Vec<&str> = sim
            .tasks()
            .iter()
            .filter(|t| t.is_active())
            .map(|t| {
                sim.cluster().instances[t.reservation.slot]
                    .instance_type
                    .name
            })
            .collect();
        assert_eq!(hosts.len(), 4);
        assert!(hosts.iter().all(|h| *h == "t3.large"), "{hosts:?}");
        let slots: std::collections::BTreeSet<_> =
            sim.tasks().iter().map(|t| t.reservation.slot).collect();
        assert_eq!(slots.len(), 1, "binpack fills one t3.large first");
    }

    #[test]
    fn g11_distinct_instance_from_the_form_leaves_the_extra_task_unplaced() {
        // G11: five instances, desired 6, distinctInstance → 5 run, one per instance.
        let f = ServiceForm {
            desired: 6,
            distinct_instance: true,
            ..form("spread-out")
        };
        let doc = add_service(&doc(), &f).unwrap();
        assert_eq!(
            doc["services"][0]["placementConstraints"],
            json!([{"type": "distinctInstance"}])
        );
        let sim = run(doc, 120);
        let slots: std::collections::BTreeSet<_> = sim
            .tasks()
            .iter()
            .filter(|t| t.is_active())
            .map(|t| t.reservation.slot)
            .collect();
        assert_eq!(slots.len(), 5);
        assert_eq!(sim.tasks().iter().filter(|t| t.is_active()).count(), 5);
    }

    #[test]
    fn errors_name_the_aws_field() {
        let d = doc();
        let bad = |f: ServiceForm| add_service(&d, &f).unwrap_err();
        let e = bad(ServiceForm {
            member_of: "attribute:ecs.instance-type = t3.*".to_string(),
            ..form("a")
        });
        assert!(e.starts_with("placementConstraints[0].expression: "), "{e}");
        assert!(e.contains("column 29"), "{e}");
        let e = bad(ServiceForm {
            distinct_instance: true,
            member_of: "nope".to_string(),
            ..form("a")
        });
        assert!(e.starts_with("placementConstraints[1].expression"), "{e}");
        let e = bad(ServiceForm {
            placement_strategy: vec![
                StrategyRow {
                    kind: "spread".to_string(),
                    field: "attribute:ecs.availability-zone".to_string(),
                },
                StrategyRow {
                    kind: "binpack".to_string(),
                    field: "disk".to_string(),
                },
            ],
            ..form("a")
        });
        assert!(e.starts_with("placementStrategy[1].field"), "{e}");
        let e = bad(ServiceForm {
            load_balancer: Some(TargetGroupLink {
                target_group: "web".to_string(),
                container_name: "nginx".to_string(),
                container_port: 81,
                alternate_target_group: String::new(),
            }),
            ..form("a")
        });
        assert!(e.starts_with("loadBalancers[0].containerPort"), "{e}");
        let e = bad(ServiceForm {
            maximum_percent: 90,
            ..form("a")
        });
        assert!(
            e.starts_with("deploymentConfiguration.maximumPercent"),
            "{e}"
        );
        let e = bad(ServiceForm {
            launch_type: "EC3".to_string(),
            ..form("a")
        });
        assert!(e.starts_with("launchType"), "{e}");
        assert!(bad(form("a b")).starts_with("serviceName"));
        let e = bad(ServiceForm {
            task_definition: "nothing".to_string(),
            ..form("a")
        });
        assert!(e.starts_with("taskDefinition"), "{e}");
    }

    #[test]
    fn g21_capacity_provider_strategies_are_checked() {
        let d = doc();
        let share = |provider: &str, base, weight| ProviderShare {
            provider: provider.to_string(),
            base,
            weight,
        };
        let fargate = |strategy| ServiceForm {
            cluster: "prod".to_string(),
            task_definition: "tiny".to_string(),
            capacity_provider_strategy: strategy,
            subnets: vec!["subnet-a".to_string()],
            ..form("f")
        };
        // G21: both with a base, or every weight 0, is refused; both a launch type and a
        // strategy is refused (6.1).
        let e = add_service(
            &d,
            &fargate(vec![share("FARGATE", 1, 1), share("FARGATE_SPOT", 1, 1)]),
        )
        .unwrap_err();
        assert!(e.starts_with("capacityProviderStrategy"), "{e}");
        let e = add_service(
            &d,
            &fargate(vec![share("FARGATE", 0, 0), share("FARGATE_SPOT", 0, 0)]),
        )
        .unwrap_err();
        assert!(e.starts_with("capacityProviderStrategy"), "{e}");
        let e = add_service(
            &d,
            &ServiceForm {
                launch_type: "FARGATE".to_string(),
                ..fargate(vec![share("FARGATE", 0, 1)])
            },
        )
        .unwrap_err();
        assert!(
            e.contains("both a launch type and capacity provider strategy"),
            "{e}"
        );
        // awsvpc needs subnets.
        let e = add_service(
            &d,
            &ServiceForm {
                subnets: Vec::new(),
                ..fargate(vec![share("FARGATE", 0, 1)])
            },
        )
        .unwrap_err();
        assert!(
            e.starts_with("networkConfiguration.awsvpcConfiguration.subnets"),
            "{e}"
        );
        // G20: FARGATE base 2 weight 1 + FARGATE_SPOT weight 3, desired 10 → 4 / 6.
        let doc = add_service(
            &d,
            &ServiceForm {
                desired: 10,
                ..fargate(vec![share("FARGATE", 2, 1), share("FARGATE_SPOT", 0, 3)])
            },
        )
        .unwrap();
        assert_eq!(
            doc["services"][0]["capacityProviderStrategy"],
            json!([{"capacityProvider": "FARGATE", "base": 2, "weight": 1}, {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 3}])
        );
        let sim = run(doc, 180);
        let on = |p: usize| {
            sim.tasks()
                .iter()
                .filter(|t| t.capacity_provider == Some(p))
                .count()
        };
        assert_eq!((on(0), on(1)), (4, 6));
    }

    #[test]
    fn choices_come_from_the_scenario_and_the_task_definition() {
        let d = doc();
        let c = service_choices(&d, "prod", "tiny");
        assert_eq!(c.families, ["web", "tiny"]);
        assert_eq!(c.capacity_providers, ["FARGATE", "FARGATE_SPOT"]);
        assert_eq!(c.target_groups, ["web"]);
        assert_eq!(c.container_ports, [("app".to_string(), 8080)]);
        assert!(c.awsvpc);
        let c = service_choices(&d, "", "web:1");
        assert!(c.capacity_providers.is_empty());
        assert_eq!(c.container_ports, [("nginx".to_string(), 80)]);
        assert!(!c.awsvpc);
        assert_eq!(service_choices(&d, "default", "nope:9").container_ports, []);
        // 1.1: a second registration of web is web:2; both revisions can be chosen.
        let mut d = d;
        let again = d["taskDefinitions"][0].clone();
        d["taskDefinitions"].as_array_mut().unwrap().push(again);
        assert_eq!(
            service_choices(&d, "", "").families,
            ["web", "web:1", "web:2", "tiny"]
        );
    }

    fn paste(text: &str) -> Result<(Value, Vec<String>), String> {
        add_services_json(&doc(), text, &PastedServiceDefaults::default())
    }

    #[test]
    fn pasted_describe_services_output_adds_every_service_verbatim() {
        // `aws ecs describe-services` output: the read-only members stay in the document
        // (verbatim) and the loader ignores them; the cluster comes from clusterArn.
        let pasted = r#"{"services": [
            {"serviceName": "api", "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/default",
             "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
             "desiredCount": 2, "runningCount": 2, "status": "ACTIVE", "launchType": "EC2"},
            {"serviceName": "batch", "taskDefinition": "web", "desiredCount": 1}],
            "failures": []}"#;
        let (with, added) = paste(pasted).unwrap();
        assert_eq!(added, ["api", "batch"]);
        assert_eq!(with["services"][0]["runningCount"], 2);
        let mut sim = Simulation::new(Scenario::from_value(with).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        let running = |s: usize| sim.tasks().iter().filter(|t| t.service == Some(s)).count();
        assert_eq!((running(0), running(1)), (2, 1));
        // create-service's response wraps it in `service`; a bare object is the input itself.
        let (_, added) = paste(
            r#"{"service": {"serviceName": "one", "taskDefinition": "web", "desiredCount": 1}}"#,
        )
        .unwrap();
        assert_eq!(added, ["one"]);
    }

    /// A deployment tool's service definition (ecspresso's `ecs-service-def.json`) has no
    /// `serviceName` or `taskDefinition`: the form's Name and Task definition fill them, and
    /// nothing else is touched. Without them AWS's CreateService refuses it.
    #[test]
    fn a_pasted_definition_without_name_takes_the_forms() {
        let pasted = r#"{"desiredCount": 2, "launchType": "EC2", "taskDefinition": "",
            "placementStrategy": [{"type": "spread", "field": "instanceId"}]}"#;
        let defaults = PastedServiceDefaults {
            service_name: " api ".to_string(),
            task_definition: "web:1".to_string(),
        };
        let (with, added) = add_services_json(&doc(), pasted, &defaults).unwrap();
        assert_eq!(added, ["api"]);
        let service = with["services"].as_array().unwrap().last().unwrap();
        assert_eq!(
            service,
            &json!({"desiredCount": 2, "launchType": "EC2", "taskDefinition": "web:1",
                "placementStrategy": [{"type": "spread", "field": "instanceId"}], "serviceName": "api"})
        );
        let mut sim = Simulation::new(Scenario::from_value(with).unwrap());
        sim.advance_to(SimTime(60_000)).unwrap();
        assert_eq!(sim.tasks().len(), 2);
        // A member kept but not simulated is a warning of the loaded scenario, not a refusal.
        let (with, _) = add_services_json(
            &doc(),
            r#"{"serviceName": "alarmed", "taskDefinition": "web", "desiredCount": 1,
                "vpcLatticeConfigurations": [{"roleArn": "r", "targetGroupArn": "t", "portName": "web"}]}"#,
            &defaults,
        )
        .unwrap();
        let n = with["services"].as_array().unwrap().len() - 1;
        let warned = Scenario::from_value(with).unwrap().warnings;
        assert!(
            warned.iter().any(|w| w.path == format!("services[{n}]")
                && w.message == "kept but not simulated yet: vpcLatticeConfigurations"),
            "{warned:?}"
        );
        // A name in the JSON wins over the form's.
        let (_, added) = add_services_json(
            &doc(),
            r#"{"serviceName": "own", "taskDefinition": "web", "desiredCount": 1}"#,
            &defaults,
        )
        .unwrap();
        assert_eq!(added, ["own"]);
        assert_eq!(
            paste(pasted).unwrap_err(),
            "serviceName: required (CreateService needs a serviceName)"
        );
    }

    #[test]
    fn pasted_services_are_refused_with_the_service_and_the_field() {
        let two = |second: &str| {
            format!(
                r#"[{{"serviceName": "a", "taskDefinition": "web", "desiredCount": 1}}, {second}]"#
            )
        };
        assert_eq!(
            paste(&two(
                r#"{"serviceName": "b", "taskDefinition": "web", "desiredCount": -1}"#
            ))
            .unwrap_err(),
            "b: desiredCount: must be a whole number"
        );
        assert_eq!(
            paste(&two(
                r#"{"serviceName": "a", "taskDefinition": "web", "desiredCount": 1}"#
            ))
            .unwrap_err(),
            "a: serviceName: a service named a already exists"
        );
        assert_eq!(
            paste(r#"{"serviceName": "c", "taskDefinition": "nope", "desiredCount": 1}"#)
                .unwrap_err(),
            "taskDefinition: ClientException: Unable to describe task definition \"nope\": no family \"nope\" is registered in this scenario."
        );
        assert!(paste("{\"serviceName\": ")
            .unwrap_err()
            .starts_with("JSON: EOF while parsing"));
        assert_eq!(
            paste(r#"{"services": []}"#).unwrap_err(),
            "services: the pasted JSON holds no service"
        );
    }
}
