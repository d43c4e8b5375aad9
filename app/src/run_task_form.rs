//! The RunTask fieldset of the "Add to the scenario" panel: a standalone task run at the
//! current time, with a container's command and environment and the task's CPU and memory as
//! overrides. The request is built and checked by `ecs_engine::edit::run_task`, which also
//! says what the call did (started, waiting, or failed with ECS's reason).

use ecs_engine::edit::{service_choices, RunTaskForm};
use ecs_engine::{Scenario, SimTime};
use leptos::prelude::*;

use crate::build::{input_list, input_value, reload, EditStatus};

/// The fieldset. Successful edits go to `apply`; the outcome is shown by `status`.
#[component]
pub fn RunTaskFieldset(
    scenario: ReadSignal<Scenario>,
    clock: RwSignal<SimTime>,
    status: EditStatus,
    apply: Callback<Scenario>,
) -> impl IntoView {
    let td = RwSignal::new(String::new());
    let family = crate::build::chosen_family(scenario, td);
    let choices = Memo::new(move |_| scenario.with(|s| service_choices(&s.raw, "", &family.get())));
    let run = move |_| {
        let at = clock.get_untracked();
        let form = RunTaskForm {
            cluster: input_value("rt-cluster"),
            task_definition: input_value("rt-td"),
            count: input_value("rt-count").trim().parse().unwrap_or(0),
            launch_type: input_value("rt-launch"),
            group: input_value("rt-group"),
            subnets: if choices.with_untracked(|c| c.awsvpc) {
                input_list("rt-subnets")
            } else {
                Vec::new()
            },
            container: input_value("rt-container"),
            command: input_value("rt-command"),
            environment: input_value("rt-env"),
            cpu: input_value("rt-cpu"),
            memory: input_value("rt-memory"),
        };
        let result = scenario.with_untracked(|s| ecs_engine::edit::run_task(&s.raw, &form, at));
        match result {
            Ok((doc, outcome)) => {
                status
                    .from("run-task")
                    .finish(reload(doc), format!("At {at}: {outcome}."), apply)
            }
            Err(e) => status
                .from("run-task")
                .finish(Err(vec![e]), String::new(), apply),
        }
    };
    view! {
        <fieldset class="run-task-form">
            <legend>"Standalone task, now (RunTask)"</legend>
            <label>"Task definition "<select id="rt-td" on:change=move |ev| td.set(event_target_value(&ev))>
                {move || choices.with(|c| c.families.clone()).into_iter().map(|f| view! { <option value=f.clone() selected=f == family.get()>{f.clone()}</option> }).collect_view()}
            </select></label>
            <label>"Count "<input id="rt-count" type="number" min="1" max="10" value="1" size="3"/></label>
            <label>"Launch type "<select id="rt-launch">
                <option value="EC2">"EC2"</option>
                <option value="FARGATE">"FARGATE"</option>
                <option value="">"cluster default"</option>
            </select></label>
            <label>"Cluster "<input id="rt-cluster" placeholder="default" size="10"/></label>
            <label>"Group "<input id="rt-group" placeholder="family:…" size="12"
                title="The task group: distinctInstance and spread(instanceId) count the tasks of one group"/></label>
            {move || choices.with(|c| c.awsvpc).then(|| view! {
                <label>"Subnets "<input id="rt-subnets" placeholder="subnet-a, subnet-b" size="16"/></label>
            })}
            <fieldset class="rt-overrides">
                <legend>"Overrides"</legend>
                <label>"Container "<select id="rt-container">
                    {move || choices.with(|c| c.containers.clone()).into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                </select></label>
                <label>"Command "<input id="rt-command" size="22" placeholder="python manage.py migrate"
                    title="Replaces the container's command: words separated by spaces, or a JSON list"/></label>
                <label>"Environment "<input id="rt-env" size="22" placeholder="MODE=full, DRY_RUN=false"/></label>
                <label>"Task CPU "<input id="rt-cpu" size="5" placeholder="1024"/></label>
                <label>"Task memory "<input id="rt-memory" size="5" placeholder="2048"/></label>
            </fieldset>
            <button id="run-task" on:click=run>"aws ecs run-task"</button>
            {status.view_at("build", "run-task")}
        </fieldset>
    }
}
