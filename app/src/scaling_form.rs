//! The Service Auto Scaling form: add a target tracking policy, a step scaling policy with its
//! CloudWatch alarm, a predictive scaling policy, or a scheduled action to a service of the
//! running scenario. Each is a
//! scenario edit (`ecs_engine::edit`), checked by the engine's own parsers so errors name the
//! field; the run is replayed to where it was, so undo, autosave and shared links keep it.

use ecs_engine::edit::{PredictivePolicyForm, StepPolicyForm, PREDICTIVE_METRICS, TRACKED_METRICS};
use ecs_engine::{Scenario, SimTime};
use leptos::prelude::*;
use serde_json::Value;

use crate::build::{input_value, EditStatus};

/// A whole number typed in field `id`, or an error naming `field`.
pub(crate) fn whole<T: std::str::FromStr>(id: &str, field: &str) -> Result<T, Vec<String>> {
    let text = input_value(id);
    text.trim().parse::<T>().map_err(|_| {
        vec![format!(
            "{field}: \"{}\" is not a whole number ≥ 0",
            text.trim()
        )]
    })
}

/// A whole number typed in field `id`, none when blank.
fn optional(id: &str, field: &str) -> Result<Option<u32>, Vec<String>> {
    if input_value(id).trim().is_empty() {
        Ok(None)
    } else {
        whole(id, field).map(Some)
    }
}

/// A number typed in field `id`, or an error naming `field`.
fn number(id: &str, field: &str) -> Result<f64, Vec<String>> {
    let text = input_value(id);
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| vec![format!("{field}: \"{}\" is not a number", text.trim())])
}

/// The form. `apply` receives every successful edit.
#[component]
pub fn ScalingPanel(
    scenario: ReadSignal<Scenario>,
    clock: RwSignal<SimTime>,
    apply: Callback<Scenario>,
) -> impl IntoView {
    let status = EditStatus::new();
    let services = Memo::new(move |_| {
        scenario.with(|s| ecs_engine::edit::names(&s.raw, "services", "serviceName"))
    });
    // Runs `edit` on the document; the run resumes at the current time.
    let edit = move |edit: &dyn Fn(&Value) -> Result<Value, Vec<String>>, what: String| {
        status.edit_now(scenario, clock, apply, &|doc, _| edit(doc), &what);
    };
    let one = |r: Result<Value, String>| r.map_err(|e| vec![e]);
    let target_tracking = move |_| {
        let service = input_value("scale-service");
        let name = input_value("tt-name");
        let metric = input_value("tt-metric");
        edit(
            &|doc| {
                let value = number("tt-target", "TargetValue")?;
                let min = whole("tt-min", "MinCapacity")?;
                let max = whole("tt-max", "MaxCapacity")?;
                one(ecs_engine::edit::add_target_tracking_policy(
                    doc,
                    &service,
                    &name,
                    &metric,
                    value,
                    (min, max),
                ))
            },
            format!(
                "target tracking policy {} on {service} ({metric})",
                name.trim()
            ),
        );
    };
    let step = move |_| {
        let service = input_value("scale-service");
        let name = input_value("step-name");
        edit(
            &|doc| {
                let form = StepPolicyForm {
                    service: service.clone(),
                    name: name.clone(),
                    metric: input_value("step-metric"),
                    scale_out: input_value("step-direction") != "in",
                    threshold: number("step-threshold", "Threshold")?,
                    evaluation_periods: whole("step-periods", "EvaluationPeriods")?,
                    tasks: whole("step-tasks", "ScalingAdjustment")?,
                    cooldown_s: whole("step-cooldown", "Cooldown")?,
                    min: whole("step-min", "MinCapacity")?,
                    max: whole("step-max", "MaxCapacity")?,
                };
                one(ecs_engine::edit::add_step_scaling_policy(doc, &form))
            },
            format!(
                "step scaling policy {} on {service} with alarm {}-alarm",
                name.trim(),
                name.trim()
            ),
        );
    };
    let predictive = move |_| {
        let service = input_value("scale-service");
        let name = input_value("ps-name");
        let mode = input_value("ps-mode");
        edit(
            &|doc| {
                let form = PredictivePolicyForm {
                    service: service.clone(),
                    name: name.clone(),
                    metric: input_value("ps-metric"),
                    target_value: number("ps-target", "TargetValue")?,
                    mode: mode.clone(),
                    buffer_s: whole("ps-buffer", "SchedulingBufferTime")?,
                    min: whole("ps-min", "MinCapacity")?,
                    max: whole("ps-max", "MaxCapacity")?,
                };
                one(ecs_engine::edit::add_predictive_policy(doc, &form))
            },
            format!(
                "predictive scaling policy {} on {service} ({mode})",
                name.trim()
            ),
        );
    };
    let scheduled = move |_| {
        let service = input_value("scale-service");
        let name = input_value("sched-name");
        let schedule = input_value("sched-expr");
        edit(
            &|doc| {
                let zone = input_value("sched-tz");
                let bounds = (
                    optional("sched-min", "MinCapacity")?,
                    optional("sched-max", "MaxCapacity")?,
                );
                one(ecs_engine::edit::add_scheduled_action(
                    doc,
                    &service,
                    &name,
                    &schedule,
                    Some(zone.as_str()),
                    bounds,
                ))
            },
            format!(
                "scheduled action {} on {service} ({})",
                name.trim(),
                schedule.trim()
            ),
        );
    };
    // Pasted requests or describe output; a bare policy configuration goes to the chosen
    // service. Worked out on the document as it is now, then applied at the current time.
    let paste = move |_| {
        let service = input_value("scale-service");
        let text = input_value("scale-json");
        match scenario
            .with_untracked(|s| ecs_engine::edit::add_scaling_json(&s.raw, &text, &service))
        {
            Ok((doc, added)) => edit(&|_| Ok(doc.clone()), format!("added {}", added.join(", "))),
            Err(e) => edit(&|_| Err(vec![e.clone()]), String::new()),
        }
    };
    view! {
        <details class="build scaling" id="scaling-panel">
            <summary>"Service Auto Scaling: add a target tracking, step (with its alarm) or predictive policy, or a scheduled action"</summary>
            <p class="small muted">"Each is added to the scenario (scalableTargets, scalingPolicies, alarms, scheduledActions) as the AWS request; a policy applies from the start of the run, which is replayed to the time on the clock. Undo, Copy link and Export keep it."</p>
            <label class="small">"Service "<select id="scale-service">
                {move || services.get().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
            </select></label>
            <div class="build-grid">
                <fieldset>
                    <legend>"Target tracking (PutScalingPolicy)"</legend>
                    <label>"Name "<input id="tt-name" value="cpu-target" size="10"/></label>
                    <label>"Metric "<select id="tt-metric">
                        {TRACKED_METRICS.iter().map(|m| view! { <option value=*m>{*m}</option> }).collect_view()}
                    </select></label>
                    <label>"Target "<input id="tt-target" type="number" value="50" size="5"/></label>
                    <label>"Min "<input id="tt-min" type="number" min="0" value="1" size="3"/></label>
                    <label>"Max "<input id="tt-max" type="number" min="0" value="10" size="3"/></label>
                    <button id="add-target-tracking" on:click=target_tracking>"Add policy"</button>
                </fieldset>
                <fieldset>
                    <legend>"Step scaling with its CloudWatch alarm"</legend>
                    <label>"Name "<input id="step-name" value="cpu-high" size="9"/></label>
                    <select id="step-direction" aria-label="Direction">
                        <option value="out">"add"</option>
                        <option value="in">"remove"</option>
                    </select>
                    <input id="step-tasks" type="number" min="1" value="1" size="3" aria-label="Tasks"/>
                    <label>"task(s) when "<select id="step-metric">
                        <option value="CPUUtilization">"CPUUtilization"</option>
                        <option value="MemoryUtilization">"MemoryUtilization"</option>
                    </select></label>
                    <label>"is ≥ (add) or < (remove) "<input id="step-threshold" type="number" value="70" size="4"/>" %"</label>
                    <label>"for "<input id="step-periods" type="number" min="1" value="2" size="3"/>" min"</label>
                    <label>"Cooldown "<input id="step-cooldown" type="number" min="0" value="60" size="4"/>" s"</label>
                    <label>"Min "<input id="step-min" type="number" min="0" value="1" size="3"/></label>
                    <label>"Max "<input id="step-max" type="number" min="0" value="10" size="3"/></label>
                    <button id="add-step-policy" on:click=step>"Add policy and alarm"</button>
                </fieldset>
                <fieldset>
                    <legend>"Predictive scaling (PutScalingPolicy)"</legend>
                    <label>"Name "<input id="ps-name" value="forecast" size="9"/></label>
                    <label>"Metric pair "<select id="ps-metric">
                        {PREDICTIVE_METRICS.iter().map(|m| view! { <option value=*m>{*m}</option> }).collect_view()}
                    </select></label>
                    <label title="percent of one task's CPU or memory, or requests a task a minute">"Target "<input id="ps-target" type="number" value="50" size="5"/></label>
                    <label>"Mode "<select id="ps-mode">
                        <option value="ForecastAndScale">"ForecastAndScale"</option>
                        <option value="ForecastOnly">"ForecastOnly"</option>
                    </select></label>
                    <label title="SchedulingBufferTime: tasks for an hour launch this long before it">"Launch "<input id="ps-buffer" type="number" min="0" max="3600" value="300" size="5"/>" s before the hour"</label>
                    <label>"Min "<input id="ps-min" type="number" min="0" value="1" size="3"/></label>
                    <label>"Max "<input id="ps-max" type="number" min="0" value="10" size="3"/></label>
                    <button id="add-predictive-policy" on:click=predictive>"Add policy"</button>
                    <p class="small muted">"It forecasts from 24 hours of data, each hour from the same hour of the days before, and only scales out."</p>
                </fieldset>
                <fieldset>
                    <legend>"Scheduled action (PutScheduledAction)"</legend>
                    <label>"Name "<input id="sched-name" value="evening" size="9"/></label>
                    <label>"Schedule "<input id="sched-expr" value="cron(0 18 * * ? *)" size="18" title="at(2025-01-01T08:00:00), rate(1 hour) or cron(0 8 ? * MON-FRI *)"/></label>
                    <label>"Time zone "<input id="sched-tz" placeholder="UTC" size="12"/></label>
                    <label>"Min "<input id="sched-min" type="number" min="0" value="2" size="3"/></label>
                    <label>"Max "<input id="sched-max" type="number" min="0" value="4" size="3"/></label>
                    <button id="add-scheduled-action" on:click=scheduled>"Add action"</button>
                </fieldset>
                <fieldset class="scale-paste">
                    <legend>"Or paste JSON from the AWS CLI"</legend>
                    <textarea id="scale-json" rows="5" spellcheck="false" aria-label="Scaling JSON from the AWS CLI"
                        placeholder="RegisterScalableTarget, PutScalingPolicy, PutScheduledAction or PutMetricAlarm input; describe-scaling-policies (or other describe) output; an EC2 Auto Scaling group's PutScalingPolicy or describe-policies output; or a bare TargetTracking, StepScaling or PredictiveScaling PolicyConfiguration for the service above"></textarea>
                    <button id="add-scaling-json" on:click=paste>"Add from JSON"</button>
                </fieldset>
            </div>
            {status.view("scaling")}
        </details>
    }
}
