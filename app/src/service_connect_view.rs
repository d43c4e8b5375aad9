//! The Service Connect view: each endpoint of each namespace (client alias, discovery name,
//! server service), the services that resolve it or must be redeployed to, and its tasks with
//! whether the proxies send them requests and how many. Rendering only: the engine decides
//! ([`ecs_engine::service_connect`]).

use ecs_engine::service_connect::runtime::Reachability;
use ecs_engine::Simulation;
use leptos::prelude::*;

/// One task behind an endpoint.
#[derive(Clone, PartialEq)]
pub struct EndpointTaskView {
    /// The first 8 characters of its id.
    task: String,
    /// `available`, `warming` or `ejected`.
    state: &'static str,
    /// Why, in words.
    detail: String,
    /// Requests per second at the latest tick, retries included.
    rps: u64,
    /// Its share of the endpoint's requests, in percent.
    share: u64,
}

/// One Service Connect endpoint.
#[derive(Clone, PartialEq)]
pub struct EndpointView {
    namespace: String,
    alias: String,
    discovery_name: String,
    service: String,
    protocol: &'static str,
    resolved_by: Vec<String>,
    /// (cluster, service) of the services that must redeploy to resolve it.
    stale: Vec<(String, String)>,
    tasks: Vec<EndpointTaskView>,
}

/// The endpoints of the run, as the view shows them.
pub fn endpoints_view(sim: &Simulation) -> Vec<EndpointView> {
    sim.service_connect_endpoints()
        .iter()
        .enumerate()
        .map(|(e, x)| {
            let shares = sim.endpoint_shares(e);
            let total: f64 = shares.iter().map(|(_, r)| r).sum();
            let (resolved_by, stale) = sim.endpoint_clients(e);
            let service = |s: usize| &sim.services()[s];
            EndpointView {
                namespace: sim.namespaces().list[x.namespace].name.clone(),
                alias: x.spec.alias(),
                discovery_name: x.spec.discovery_name.clone(),
                service: sim.services()[x.service].name.clone(),
                protocol: x.spec.app_protocol.as_str(),
                resolved_by: resolved_by
                    .into_iter()
                    .map(|s| service(s).name.clone())
                    .collect(),
                stale: stale
                    .into_iter()
                    .map(|s| (service(s).cluster.clone(), service(s).name.clone()))
                    .collect(),
                tasks: sim
                    .endpoint_tasks(e)
                    .into_iter()
                    .map(|(t, r)| {
                        let rps = shares
                            .iter()
                            .find(|(x, _)| *x == t)
                            .map_or(0.0, |(_, r)| *r);
                        EndpointTaskView {
                            task: sim.tasks()[t].id.chars().take(8).collect(),
                            state: match r {
                                Reachability::Available => "available",
                                Reachability::WarmingUp(_) => "warming",
                                Reachability::Ejected(_) => "ejected",
                                Reachability::Out => "out",
                            },
                            detail: r.label(),
                            rps: rps.round() as u64,
                            share: if total > 0.0 {
                                (100.0 * rps / total).round() as u64
                            } else {
                                0
                            },
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The Service Connect section: nothing when the run has no endpoint. `redeploy` (absent in a
/// read-only embed) redeploys a service at the current time: (cluster, service).
#[component]
pub fn ServiceConnectView(
    endpoints: Signal<Vec<EndpointView>>,
    redeploy: Option<Callback<(String, String)>>,
) -> impl IntoView {
    move || {
        let list = endpoints.get();
        if list.is_empty() {
            return None;
        }
        Some(view! {
            <h2>"Service Connect"</h2>
            {list.into_iter().map(|e| {
                let clients = if e.resolved_by.is_empty() {
                    "no client resolves it yet".to_string()
                } else {
                    e.resolved_by.join(", ")
                };
                view! {
                    <table class="targets sc-endpoint" data-endpoint=e.alias.clone()>
                        <caption class="lb-path" title="client services → client alias → server service and its tasks">
                            <span class="listener sc-clients">{clients}</span>" → "
                            <strong class="sc-alias">{e.alias.clone()}</strong>" → service "
                            <span class="lb">{e.service.clone()}</span>
                            <br/><span class="small muted sc-facts">{format!("namespace {} · discovery name {} · {}", e.namespace, e.discovery_name, e.protocol)}</span>
                            {(!e.stale.is_empty()).then(|| {
                                let names: Vec<String> = e.stale.iter().map(|(_, n)| n.clone()).collect();
                                view! {
                                    <br/><span class="small sc-stale" title="Existing tasks can't resolve and connect to a new endpoint: redeploy these services (UpdateService with forceNewDeployment)">
                                        {format!("started before this endpoint, redeploy to reach it: {}", names.join(", "))}
                                    </span>
                                    {redeploy.map(|go| e.stale.iter().cloned().map(|(cluster, name)| {
                                        let label = format!("Redeploy {name}");
                                        view! {
                                            " "<button class="sc-redeploy" data-service=name.clone()
                                                title="UpdateService with forceNewDeployment at the current time: the new tasks resolve the endpoints of the namespace as they are now"
                                                on:click=move |_| go.run((cluster.clone(), name.clone()))>{label}</button>
                                        }
                                    }).collect_view())}
                                }
                            })}
                        </caption>
                        <thead><tr><th>"task"</th><th>"state"</th><th>"req/s"</th><th>"share"</th><th>"why"</th></tr></thead>
                        <tbody>
                        {e.tasks.into_iter().map(|t| view! {
                            <tr class="sc-task" data-state=t.state>
                                <td class="mono">{t.task}</td>
                                <td><span class=format!("state {}", t.state)>{t.state}</span></td>
                                <td class="num rps">{t.rps}</td><td class="num share">{format!("{} %", t.share)}</td>
                                <td class="small muted">{t.detail}</td>
                            </tr>
                        }).collect_view()}
                        </tbody>
                    </table>
                }
            }).collect_view()}
        })
    }
}
