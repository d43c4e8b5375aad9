//! The Faults form: at the current simulated time, interrupt Spot capacity, drain, terminate or
//! deregister an instance, set or delete its custom attributes, lose an Availability Zone. Each
//! button adds an entry with `at` = now to the scenario's `faults[]` (or
//! `updateContainerInstancesState[]`, `deregisterContainerInstances[]`, `putAttributes[]`,
//! `deleteAttributes[]`) through `ecs_engine::edit`, and
//! the run resumes where it was, so undo, autosave and shared links replay it exactly.

use ecs_engine::{Scenario, SimTime};
use leptos::prelude::*;
use serde_json::{json, Value};

use crate::build::{input_value, EditStatus};
use crate::cluster::ClusterView;

/// What the form offers to break, read from the running cluster.
#[derive(Clone, PartialEq, Default)]
pub struct FaultTargets {
    /// Spot instances not yet terminated: (id, label).
    pub spot: Vec<(String, String)>,
    /// Instances not yet terminated, deregistered ones included: (id, label).
    pub live: Vec<(String, String)>,
    /// The cluster of each instance not yet terminated: (id, cluster).
    pub cluster_of: Vec<(String, String)>,
    /// Zones of instances and Fargate tasks.
    pub zones: Vec<String>,
    /// Services with Fargate Spot tasks.
    pub fargate_spot_services: Vec<String>,
}

/// The targets of a cluster view.
pub fn fault_targets(view: &ClusterView) -> FaultTargets {
    let live: Vec<_> = view
        .instances
        .iter()
        // A deregistered instance can still be terminated (its EC2 instance runs on).
        .filter(|i| i.status != "INACTIVE" || i.deregistered)
        .collect();
    let label = |i: &crate::cluster::InstanceView| {
        format!(
            "{} · {}{}{}",
            i.id,
            i.az,
            if i.spot { " · Spot" } else { "" },
            if i.status == "ACTIVE" {
                String::new()
            } else if i.deregistered {
                " · deregistered".to_string()
            } else {
                format!(" · {}", i.status)
            }
        )
    };
    let mut services: Vec<String> = view
        .fargate
        .iter()
        .filter(|f| f.spot)
        .map(|f| f.task.label.clone())
        .collect();
    services.sort();
    services.dedup();
    FaultTargets {
        spot: live
            .iter()
            .filter(|i| i.spot)
            .map(|i| (i.id.clone(), label(i)))
            .collect(),
        live: live.iter().map(|i| (i.id.clone(), label(i))).collect(),
        cluster_of: live
            .iter()
            .map(|i| (i.id.clone(), i.cluster.clone()))
            .collect(),
        zones: view.all_zones(),
        fargate_spot_services: services,
    }
}

fn options(list: Vec<(String, String)>) -> impl IntoView {
    list.into_iter()
        .map(|(value, label)| view! { <option value=value>{label}</option> })
        .collect_view()
}

/// Minutes typed in a field as a `duration` (blank: until the end of the run).
fn minutes(id: &str) -> Result<Option<Value>, Vec<String>> {
    let text = input_value(id);
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(m) if m.is_finite() && m > 0.0 => Ok(Some(json!(m * 60.0))),
        _ => Err(vec![format!(
            "duration: \"{text}\" is not a number of minutes above 0"
        )]),
    }
}

/// A count typed in a field (1 when it is not a whole number above 0: the engine checks it).
fn count(id: &str) -> Value {
    match input_value(id).trim().parse::<u64>() {
        Ok(n) => json!(n),
        Err(_) => json!(input_value(id)),
    }
}

/// The form. `apply` receives every successful edit.
#[component]
pub fn FaultsPanel(
    scenario: ReadSignal<Scenario>,
    clock: RwSignal<SimTime>,
    targets: ReadSignal<FaultTargets>,
    apply: Callback<Scenario>,
) -> impl IntoView {
    let status = EditStatus::new();
    // Makes `edit` of the document at the current time and says `what` it did.
    let edit_now = move |edit: &dyn Fn(&Value, SimTime) -> Result<Value, String>, what: &str| {
        status.edit_now(
            scenario,
            clock,
            apply,
            &|doc, at| edit(doc, at).map_err(|e| vec![e]),
            what,
        );
    };
    // Adds `fault` (a `faults[]` entry without `at`) at the current time.
    let inject = move |fault: Result<Value, Vec<String>>, what: &str| match fault {
        Ok(f) => edit_now(&|doc, at| ecs_engine::edit::add_fault(doc, &f, at), what),
        Err(e) => status.finish(Err(e), String::new(), apply),
    };
    // A Spot fault of `kind` ("Spot interruption notice", "Rebalance recommendation") to the
    // chosen instance, or to as many as the count chosen by the seed.
    let spot_fault = move |kind: &str, what: &str| {
        let instance = input_value("fault-spot-instance");
        let mut f = json!({"type": kind, "count": count("fault-spot-count")});
        let what = if instance.is_empty() {
            format!("{what} to Spot instances chosen by the seed")
        } else {
            f["instance"] = json!(instance);
            f["count"] = json!(1);
            format!("{what} to {instance}")
        };
        inject(Ok(f), &what);
    };
    let spot = move |_| spot_fault("SpotInterruption", "Spot interruption notice");
    let rebalance = move |_| spot_fault("SpotRebalanceRecommendation", "rebalance recommendation");
    let terminate = move |_| {
        let instance = input_value("fault-instance");
        inject(
            Ok(json!({"type": "InstanceTermination", "instance": instance})),
            &format!("terminated {instance}"),
        );
    };
    let drain = move |_| {
        let instance = input_value("fault-instance");
        edit_now(
            &|doc, at| ecs_engine::edit::drain_instance(doc, &instance, at),
            &format!("{instance} set to DRAINING"),
        );
    };
    // PutAttributes / DeleteAttributes on the chosen instance, in the cluster it joined.
    let cluster_of = move |instance: &str| {
        targets.with(|t| {
            t.cluster_of
                .iter()
                .find(|(id, _)| id == instance)
                .map_or_else(|| "default".to_string(), |(_, c)| c.clone())
        })
    };
    let put_attribute = move |_| {
        let (instance, name) = (input_value("fault-instance"), input_value("attr-name"));
        let value = input_value("attr-value");
        let cluster = cluster_of(&instance);
        let shown = if value.trim().is_empty() {
            name.trim().to_string()
        } else {
            format!("{}={}", name.trim(), value.trim())
        };
        edit_now(
            &|doc, at| ecs_engine::edit::put_attribute(doc, &cluster, &instance, &name, &value, at),
            &format!("PutAttributes {shown} on {instance}"),
        );
    };
    let deregister = move |_| {
        let instance = input_value("fault-instance");
        let force = input_value("deregister-force") == "true";
        let cluster = cluster_of(&instance);
        edit_now(
            &|doc, at| ecs_engine::edit::deregister_instance(doc, &cluster, &instance, force, at),
            &format!(
                "DeregisterContainerInstance {instance}{}",
                if force { " (force)" } else { "" }
            ),
        );
    };
    let delete_attribute = move |_| {
        let (instance, name) = (input_value("fault-instance"), input_value("attr-name"));
        let cluster = cluster_of(&instance);
        edit_now(
            &|doc, at| ecs_engine::edit::delete_attribute(doc, &cluster, &instance, &name, at),
            &format!("DeleteAttributes {} on {instance}", name.trim()),
        );
    };
    let outage = move |_| {
        let zone = input_value("fault-az");
        let fault = minutes("fault-az-minutes").map(|d| {
            let mut f = json!({"type": "AzOutage", "availabilityZone": zone});
            if let Some(d) = d {
                f["duration"] = d;
            }
            f
        });
        inject(fault, &format!("Availability Zone {zone} is down"));
    };
    let fargate_spot = move |_| {
        let service = input_value("fault-fargate-service");
        let mut f =
            json!({"type": "FargateSpotInterruption", "count": count("fault-fargate-count")});
        if !service.is_empty() {
            f["service"] = json!(service);
        }
        inject(Ok(f), "Fargate Spot interruption");
    };
    let spot_list = Memo::new(move |_| targets.with(|t| t.spot.clone()));
    let live_list = Memo::new(move |_| targets.with(|t| t.live.clone()));
    let zone_list = Memo::new(move |_| targets.with(|t| t.zones.clone()));
    let service_list = Memo::new(move |_| targets.with(|t| t.fargate_spot_services.clone()));
    view! {
        <details class="build faults" id="faults-panel">
            <summary>"Faults and instance changes: interrupt Spot capacity, drain, terminate, deregister or set attributes on an instance, lose a zone (at the current time)"</summary>
            <p class="small muted">"Each change is added to the scenario (faults[], updateContainerInstancesState[], deregisterContainerInstances[], putAttributes[] or deleteAttributes[]) at the simulated time shown on the clock; the run resumes there, and Undo, Copy link and Export keep it."</p>
            <div class="build-grid">
                <fieldset>
                    <legend>"EC2 Spot interruption or rebalance"</legend>
                    <label>"Instance "<select id="fault-spot-instance">
                        <option value="">"any Spot instance (seeded choice)"</option>
                        {move || options(spot_list.get())}
                    </select></label>
                    <label>"Count "<input id="fault-spot-count" type="number" min="1" value="1" size="3"/></label>
                    <button id="inject-spot" on:click=spot title="The two-minute Spot interruption notice">"Interrupt"</button>
                    <button id="inject-rebalance" on:click=rebalance
                        title="EC2 instance rebalance recommendation: a group with CapacityRebalance launches a replacement, then terminates the instance">"Rebalance recommendation"</button>
                </fieldset>
                <fieldset>
                    <legend>"Container instance"</legend>
                    <label>"Instance "<select id="fault-instance">
                        {move || options(live_list.get())}
                    </select></label>
                    <button id="drain-instance" on:click=drain title="UpdateContainerInstancesState DRAINING">"Drain"</button>
                    <button id="terminate-instance" on:click=terminate>"Terminate"</button>
                    <div class="attr-row">
                        <button id="deregister-instance" on:click=deregister title="DeregisterContainerInstance: it leaves the cluster; its EC2 instance keeps running (and billing) until terminated">"Deregister"</button>
                        <label title="force: deregister even with tasks on it; they are orphaned and their services start copies elsewhere"><input id="deregister-force" type="checkbox"/>" force"</label>
                    </div>
                    <div class="attr-row">
                        <label>"Attribute "<input id="attr-name" size="10" placeholder="stack" aria-label="Custom attribute name"/></label>
                        <label>"= "<input id="attr-value" size="8" placeholder="(no value)" aria-label="Custom attribute value"/></label>
                        <button id="put-attribute" on:click=put_attribute title="PutAttributes: later placements see it (memberOf); running tasks stay">"Put"</button>
                        <button id="delete-attribute" on:click=delete_attribute title="DeleteAttributes">"Delete"</button>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Availability Zone outage"</legend>
                    <label>"Zone "<select id="fault-az">
                        {move || zone_list.get().into_iter().map(|z| view! { <option value=z.clone()>{z.clone()}</option> }).collect_view()}
                    </select></label>
                    <label>"For "<input id="fault-az-minutes" type="number" min="1" placeholder="until the end" size="8"/>" min"</label>
                    <button id="inject-az-outage" on:click=outage>"Lose the zone"</button>
                </fieldset>
                <fieldset>
                    <legend>"Fargate Spot interruption"</legend>
                    <label>"Service "<select id="fault-fargate-service">
                        <option value="">"any service"</option>
                        {move || service_list.get().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                    </select></label>
                    <label>"Tasks "<input id="fault-fargate-count" type="number" min="1" value="1" size="3"/></label>
                    <button id="inject-fargate-spot" on:click=fargate_spot>"Interrupt"</button>
                </fieldset>
            </div>
            {status.view("fault")}
        </details>
    }
}
