//! The service discovery view: each Cloud Map service with its DNS name, records and health
//! check, the ECS services that register in it, its instances (task, address, Availability
//! Zone, health, whether DNS answers with it), and the stopped tasks whose addresses resolvers
//! may still hold. Rendering only: the engine decides ([`ecs_engine::service_discovery`]).

use ecs_engine::service_discovery::{runtime::InstanceHealth, HealthCheck};
use ecs_engine::Simulation;
use leptos::prelude::*;

/// One registered instance.
#[derive(Clone, PartialEq)]
pub struct InstanceView {
    /// The first 8 characters of the task id (the instance id).
    task: String,
    /// `AWS_INSTANCE_IPV4[:AWS_INSTANCE_PORT]`.
    address: String,
    /// `AVAILABILITY_ZONE`.
    zone: String,
    /// HEALTHY, UNHEALTHY or UNKNOWN.
    health: &'static str,
    /// Whether Route 53 answers with it now.
    answered: bool,
}

/// One Cloud Map service.
#[derive(Clone, PartialEq)]
pub struct CloudMapView {
    /// `name.namespace`, or the name of an API-only service.
    name: String,
    /// `Id`.
    id: String,
    /// Namespace, its type, records, routing policy and health check, in a line.
    facts: String,
    /// The ECS services that register in it.
    registered_by: Vec<String>,
    instances: Vec<InstanceView>,
    /// Stopped tasks' addresses resolvers may still hold: (task, until).
    cached: Vec<(String, String)>,
}

/// The Cloud Map services of the run, as the view shows them.
pub fn cloud_map_view(sim: &Simulation) -> Vec<CloudMapView> {
    let scenario = sim.scenario();
    let state = sim.service_discovery();
    let now = sim.now();
    scenario
        .cloud_map
        .list
        .iter()
        .enumerate()
        .map(|(c, cm)| {
            let ns = &scenario.namespaces.list[cm.namespace];
            let answer = sim.dns_answer(c);
            let records = cm.dns.as_ref().map_or_else(
                || "no DNS records: DiscoverInstances only".to_string(),
                |d| format!("{} · {}", d.describe(), d.routing.as_str()),
            );
            let health = match &cm.health {
                HealthCheck::None => "no health check".to_string(),
                HealthCheck::Custom => "custom health (ECS container health)".to_string(),
                HealthCheck::Route53(t) => format!("Route 53 {t} health check (not simulated)"),
            };
            let ttl = cm.dns.as_ref().map_or(0, |d| d.ttl_s());
            CloudMapView {
                name: cm
                    .dns
                    .as_ref()
                    .map_or_else(|| cm.name.clone(), |_| cm.dns_name(&scenario.namespaces)),
                id: cm.id.clone(),
                facts: format!(
                    "namespace {} ({}) · {records} · {health}",
                    ns.name,
                    ns.kind.as_str()
                ),
                registered_by: sim
                    .services()
                    .iter()
                    .filter(|s| {
                        s.service_registry
                            .as_ref()
                            .is_some_and(|r| r.cloud_map == c)
                    })
                    .map(|s| s.name.clone())
                    .collect(),
                instances: state
                    .instances
                    .get(c)
                    .into_iter()
                    .flatten()
                    .map(|i| {
                        let task = &sim.tasks()[i.task];
                        InstanceView {
                            task: task.id.chars().take(8).collect(),
                            address: i
                                .port
                                .map_or_else(|| i.ipv4.clone(), |p| format!("{}:{p}", i.ipv4)),
                            zone: sim.cluster().instances[task.reservation.slot]
                                .availability_zone
                                .clone(),
                            health: sim.instance_health(c, i).as_str(),
                            answered: answer.contains(&i.task),
                        }
                    })
                    .collect(),
                cached: state
                    .deregistered
                    .get(c)
                    .into_iter()
                    .flatten()
                    .filter(|(t, at)| {
                        sim.tasks()[*t].last_status == ecs_engine::task::TaskStatus::Stopped
                            && at.plus_secs(ttl) > now
                    })
                    .map(|(t, at)| {
                        (
                            sim.tasks()[*t].id.chars().take(8).collect(),
                            at.plus_secs(ttl).to_string(),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The service discovery section: nothing when the scenario has no Cloud Map service.
#[component]
pub fn ServiceDiscoveryView(services: Signal<Vec<CloudMapView>>) -> impl IntoView {
    move || {
        let list = services.get();
        if list.is_empty() {
            return None;
        }
        Some(view! {
            <h2>"Service discovery (Cloud Map)"</h2>
            {list.into_iter().map(|c| {
                let by = if c.registered_by.is_empty() {
                    "no ECS service registers here".to_string()
                } else {
                    format!("service {}", c.registered_by.join(", "))
                };
                let answered = c.instances.iter().filter(|i| i.answered).count();
                view! {
                    <table class="targets sd-service" data-name=c.name.clone()>
                        <caption class="lb-path" title="DNS name ← the ECS services whose tasks register in this Cloud Map service">
                            <strong class="sd-name">{c.name.clone()}</strong>" ← "
                            <span class="lb">{by}</span>
                            <span class="small muted">{format!(" · {} · DNS answers with {answered} of {}", c.id, c.instances.len())}</span>
                            <br/><span class="small muted sd-facts">{c.facts.clone()}</span>
                            {(!c.cached.is_empty()).then(|| view! {
                                <br/><span class="small sd-cached" title="ECS deregistered these tasks as they stopped, but resolvers keep a DNS answer for the record's TTL: requests they send there fail">
                                    {format!("stopped, still in cached answers: {}", c.cached.iter().map(|(t, until)| format!("{t} (until {until})")).collect::<Vec<_>>().join(", "))}
                                </span>
                            })}
                        </caption>
                        <thead><tr><th>"instance (task)"</th><th>"address"</th><th>"AZ"</th><th>"health"</th><th>"in DNS answers"</th></tr></thead>
                        <tbody>
                        {c.instances.into_iter().map(|i| {
                            let state = if i.health == InstanceHealth::Unhealthy.as_str() { "warming" } else { "available" };
                            view! {
                                <tr class="sd-instance" data-health=i.health>
                                    <td class="mono">{i.task}</td>
                                    <td class="mono">{i.address}</td>
                                    <td>{i.zone}</td>
                                    <td><span class=format!("state {state}")>{i.health}</span></td>
                                    <td class="sd-answered">{if i.answered { "yes" } else { "no" }}</td>
                                </tr>
                            }
                        }).collect_view()}
                        </tbody>
                    </table>
                }
            }).collect_view()}
        })
    }
}
