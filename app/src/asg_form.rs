//! The build panel's "Auto Scaling group" fieldset: a group from instance types (several, or
//! Spot, make a mixed instances policy), its sizes, subnets or zones and ECS_CLUSTER, with an
//! optional capacity provider (managed scaling, termination protection, draining, the
//! cluster's default strategy). The requests are written and checked by
//! `ecs_engine::edit::add_auto_scaling_group`.

use ecs_engine::edit::{AutoScalingGroupForm, CapacityProviderForm};
use ecs_engine::Scenario;
use leptos::prelude::*;

use crate::build::{input_list, input_value, reload, set_input, type_options, EditStatus};
use crate::scaling_form::whole;

/// The form as the engine's edit takes it.
fn read_form() -> Result<AutoScalingGroupForm, Vec<String>> {
    let on = |id: &str| input_value(id) == "true";
    let capacity_provider = if on("asg-cp") {
        Some(CapacityProviderForm {
            name: input_value("asg-cp-name"),
            managed_scaling: on("asg-ms"),
            target_capacity: whole("asg-target", "managedScaling.targetCapacity")?,
            termination_protection: on("asg-mtp"),
            managed_draining: on("asg-drain"),
            default_strategy: on("asg-default"),
        })
    } else {
        None
    };
    Ok(AutoScalingGroupForm {
        name: input_value("asg-name"),
        instance_types: input_list("asg-types"),
        spot: on("asg-spot"),
        spot_draining: on("asg-spot-draining"),
        on_demand_base: whole("asg-od-base", "OnDemandBaseCapacity")?,
        on_demand_percent_above_base: whole("asg-od-pct", "OnDemandPercentageAboveBaseCapacity")?,
        spot_allocation: input_value("asg-spot-alloc"),
        min: whole("asg-min", "MinSize")?,
        max: whole("asg-max", "MaxSize")?,
        desired: whole("asg-desired", "DesiredCapacity")?,
        zones: input_list("asg-zones"),
        cluster: input_value("asg-cluster"),
        protect_new_instances: on("asg-protect"),
        capacity_provider,
    })
}

/// The fieldset. Successful edits go to `apply`; the outcome is shown inside it, next to
/// its button (`#asg-done`, `#asg-errors`).
#[component]
pub fn AsgFieldset(scenario: ReadSignal<Scenario>, apply: Callback<Scenario>) -> impl IntoView {
    let status = EditStatus::new();
    let spot = RwSignal::new(false);
    let provider = RwSignal::new(true);
    let create = move |_| {
        let result = read_form().and_then(|form| {
            scenario.with_untracked(|s| {
                ecs_engine::edit::add_auto_scaling_group(&s.raw, &form)
                    .map_err(|e| vec![e])
                    .and_then(reload)
            })
        });
        let name = input_value("asg-name");
        let what = if provider.get_untracked() {
            format!(
                "Created Auto Scaling group {} with capacity provider {}.",
                name.trim(),
                input_value("asg-cp-name").trim()
            )
        } else {
            format!("Created Auto Scaling group {}.", name.trim())
        };
        status.finish(result, what, apply);
    };
    let toggle = |signal: RwSignal<bool>| move |ev| signal.set(event_target_checked(&ev));
    // The picker adds the chosen type to the typed list (once), then goes back to its prompt.
    let pick_type = move |ev| {
        let chosen = event_target_value(&ev);
        if chosen.is_empty() {
            return;
        }
        let mut types = input_list("asg-types");
        if !types.contains(&chosen) {
            types.push(chosen);
        }
        set_input("asg-types", &types.join(", "));
        event_target::<web_sys::HtmlSelectElement>(&ev).set_value("");
    };
    view! {
        <fieldset class="asg-form">
            <legend>"Auto Scaling group"</legend>
            <div class="svc-group">
                <label>"Name "<input id="asg-name" value="asg" size="8"/></label>
                <label>"Types "<input id="asg-types" value="m5.large" size="14" spellcheck="false"
                    title="Instance types from the catalogue, comma-separated; several make a MixedInstancesPolicy (Overrides in priority order)"/></label>
                <label>"add "<select id="asg-type-pick" on:change=pick_type
                    title="Adds the type to the list (after the ones there: the first has the highest priority)">
                    <option value="" selected>"a type…"</option>
                    {type_options("")}
                </select></label>
                <label>"Min "<input id="asg-min" type="number" min="0" value="0"/></label>
                <label>"Desired "<input id="asg-desired" type="number" min="0" value="0"/></label>
                <label>"Max "<input id="asg-max" type="number" min="0" value="10"/></label>
                <label>"Subnets or AZs "<input id="asg-zones" value="us-east-1a, us-east-1b" size="18" spellcheck="false"
                    title="subnet-… ids of the scenario (VPCZoneIdentifier) or Availability Zones"/></label>
                <label>"ECS_CLUSTER "<input id="asg-cluster" value="default" size="9"
                    title="Written into the launch template's user data; the capacity provider joins this cluster"/></label>
                <label><input id="asg-protect" type="checkbox" checked/>" NewInstancesProtectedFromScaleIn"</label>
                <label><input id="asg-spot" type="checkbox" on:change=toggle(spot)/>" Spot"</label>
                <label title="ECS_ENABLE_SPOT_INSTANCE_DRAINING=true in the user data: a Spot interruption notice sets the instance DRAINING, so its tasks are replaced before it goes"><input id="asg-spot-draining" type="checkbox" checked disabled=move || !spot.get()/>" Spot draining"</label>
                <label title="OnDemandBaseCapacity: the first instances are on-demand">"on-demand base "<input id="asg-od-base" type="number" min="0" value="0" disabled=move || !spot.get()/></label>
                <label title="OnDemandPercentageAboveBaseCapacity: the rest are Spot">"% on-demand above "<input id="asg-od-pct" type="number" min="0" max="100" value="0" disabled=move || !spot.get()/></label>
                <label title="SpotAllocationStrategy: which of the types each Spot launch uses (the playground models no Spot pool depth: every pool is as deep as the others)">"Spot allocation "
                    <select id="asg-spot-alloc" disabled=move || !spot.get()>
                        <option value="">"lowest-price (2 pools)"</option>
                        {["price-capacity-optimized", "capacity-optimized", "capacity-optimized-prioritized"].map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                    </select></label>
            </div>
            <div class="svc-group">
                <label class="svc-heading"><input id="asg-cp" type="checkbox" checked on:change=toggle(provider)/>" Capacity provider"</label>
                <label>"Name "<input id="asg-cp-name" value="cp-asg" size="9" disabled=move || !provider.get()/></label>
                <label><input id="asg-ms" type="checkbox" checked disabled=move || !provider.get()/>" managed scaling"</label>
                <label>"target % "<input id="asg-target" type="number" min="1" max="100" value="100" disabled=move || !provider.get()/></label>
                <label><input id="asg-mtp" type="checkbox" disabled=move || !provider.get()/>" managed termination protection"</label>
                <label><input id="asg-drain" type="checkbox" checked disabled=move || !provider.get()/>" managed draining"</label>
                <label><input id="asg-default" type="checkbox" disabled=move || !provider.get()/>" add to the cluster's default strategy"</label>
                <button id="add-asg" on:click=create>"Create group"</button>
            </div>
            <div class="asg-status">{status.view("asg")}</div>
        </fieldset>
    }
}
