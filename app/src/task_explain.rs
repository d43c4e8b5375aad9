//! Placement explanations. A service's Explain button asks where its next task would go; a
//! click on a task chip (or Enter on a focused one) asks why that task is where it is: the
//! engine replays the run to the task's placement and explains that decision
//! (`Simulation::explain_task_placement`), and shows the task as DescribeTasks returns it at
//! that moment. The answer to a chip floats beside the cluster, so the chips stay in view; ✕ or
//! Escape closes it. The panel also checks the task for ECS Exec as the amazon-ecs-exec-checker
//! does, and makes an ExecuteCommand call into it.

use ecs_engine::execute_command::{ExecPanel, Verdict as ExecVerdict};
use ecs_engine::placement::explain::{Explanation, Verdict};
use ecs_engine::placement::replay::TaskPlacement;
use ecs_engine::Simulation;
use leptos::prelude::*;

/// The task id of the chip an event happened on, if it happened on one.
pub fn chip_task(ev: &web_sys::Event) -> Option<String> {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest(".chip[data-task]").ok().flatten())
        .and_then(|chip| chip.get_attribute("data-task"))
}

/// "strategies A then B; constraints C" of an explanation.
fn rules(e: &Explanation) -> String {
    format!(
        "strategies {}; constraints {}",
        e.strategies_text(),
        e.constraints_text()
    )
}

/// Every instance of the cluster with the pipeline's verdict on it.
#[component]
fn CandidateTable(e: Explanation) -> impl IntoView {
    view! {
        <table class="candidates">
            <thead><tr><th>"instance"</th><th>"AZ"</th><th>"verdict"</th></tr></thead>
            <tbody>
            {e.candidates.into_iter().map(|c| {
                let class = match &c.verdict {
                    Verdict::Chosen => "chosen",
                    Verdict::LostTieBreak { .. } => "tie",
                    Verdict::Outranked { .. } => "outranked",
                    Verdict::Rejected { .. } => "rejected",
                };
                let text = c.verdict.reason().unwrap_or_else(|| "chosen".to_string());
                view! { <tr class=class><td>{c.instance_id}</td><td>{c.availability_zone}</td><td>{text}</td></tr> }
            }).collect_view()}
            </tbody>
        </table>
    }
}

/// Where the next task of a service would go now, and why.
#[component]
pub fn NextPlacementView(e: Explanation) -> impl IntoView {
    let header = format!("Next task of {}: {}", e.group, rules(&e));
    let outcome = match &e.chosen {
        Some(id) => format!("It would go on {id}."),
        None => "No container instance met all of its requirements.".to_string(),
    };
    view! {
        <div id="explanation" class="explanation">
            <h3>{header}</h3>
            <p class="outcome">{outcome}</p>
            <CandidateTable e=e/>
        </div>
    }
}

/// ECS Exec for the task shown: the checker's checklist, the earlier calls, and a form that
/// makes an ExecuteCommand call (task, cluster, container, command) at the current time.
#[component]
fn ExecSection(
    panel: ExecPanel,
    exec: Option<Callback<(String, String, String, String)>>,
) -> impl IntoView {
    let red = panel
        .checks
        .iter()
        .filter(|c| c.verdict == ExecVerdict::Fail)
        .count();
    let summary = match red {
        0 => "ECS Exec: ready (aws ecs execute-command would connect)".to_string(),
        1 => "ECS Exec: 1 problem".to_string(),
        n => format!("ECS Exec: {n} problems"),
    };
    let problems = red > 0;
    let rows = panel
        .checks
        .into_iter()
        .map(|c| {
            let (class, mark) = match c.verdict {
                ExecVerdict::Ok => ("ok", "✓"),
                ExecVerdict::Advice => ("advice", "!"),
                ExecVerdict::Fail => ("fail", "✗"),
            };
            view! { <tr class=class><td class="mark">{mark}</td><th scope="row">{c.check}</th><td>{c.detail}</td></tr> }
        })
        .collect_view();
    let calls = (!panel.calls.is_empty()).then(|| {
        view! {
            <ul id="exec-calls" class="exec-calls">
                {panel.calls.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
            </ul>
        }
    });
    let containers = panel.containers;
    let choose = (containers.len() > 1).then(|| {
        view! {
            <label>"container "
                <select id="exec-container">
                    {containers.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                </select>
            </label>
        }
    });
    let (task, cluster) = panel.task;
    let form = exec.map(|exec| {
        view! {
            <p class="task-actions exec-form">
                <label>"command "<input id="exec-command" value="/bin/sh" size="14"/></label>
                {choose}
                <button id="exec-task" title="ExecuteCommand (interactive) at the current time; the event log shows the session or AWS's error"
                    on:click=move |_| {
                        let container = crate::build::input_value("exec-container");
                        let command = crate::build::input_value("exec-command");
                        exec.run((task.clone(), cluster.clone(), container, command));
                    }>"aws ecs execute-command"</button>
            </p>
        }
    });
    view! {
        <details id="task-exec" class="task-exec" class:problems=problems>
            <summary>{summary}</summary>
            <table class="exec-checks"><tbody>{rows}</tbody></table>
            {calls}
            {form}
        </details>
    }
}

/// What the panel shows of one task: its ID, why it is where it is, DescribeTasks, whether
/// it is STOPPED, ECS Exec.
type Shown = (
    String,
    Result<TaskPlacement, String>,
    String,
    bool,
    Result<ExecPanel, String>,
);

/// The floating answer to a click on a task chip.
#[component]
pub fn TaskPlacementPanel(
    sim: StoredValue<Simulation, LocalStorage>,
    stop: Option<Callback<String>>,
    exec: Option<Callback<(String, String, String, String)>>,
) -> impl IntoView {
    let shown = RwSignal::new(None::<Shown>);
    let open = move |id: String| {
        let (answer, described, stopped, exec_panel) = sim.with_value(|s| {
            let described = s.describe_task_by_id(&id);
            // A STOPPED task has nothing left to stop.
            let stopped = described
                .as_ref()
                .is_ok_and(|v| v["lastStatus"] == "STOPPED");
            let described = described.map_or_else(
                |e| e,
                |v| serde_json::to_string_pretty(&v).unwrap_or_default(),
            );
            (
                s.explain_task_placement(&id),
                described,
                stopped,
                s.exec_panel(&id),
            )
        });
        shown.set(Some((id, answer, described, stopped, exec_panel)));
    };
    let clicks = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(id) = chip_task(&ev) {
            open(id);
        }
    });
    let keys = window_event_listener(leptos::ev::keydown, move |ev| match ev.key().as_str() {
        "Enter" => {
            if let Some(id) = chip_task(&ev) {
                open(id);
            }
        }
        "Escape" => shown.set(None),
        _ => {}
    });
    on_cleanup(move || {
        clicks.remove();
        keys.remove();
    });
    move || {
        shown.get().map(|(id, answer, described, stopped, exec_panel)| {
            // StopTask on the task shown (10.2): the button closes the panel.
            let stop_button = stop.filter(|_| !stopped).map(|stop| {
                let short: String = id.chars().take(8).collect();
                view! {
                    <p class="task-actions">
                        <button id="stop-task" title="StopTask at the current time: stopCode UserInitiated; a service starts a replacement"
                            on:click=move |_| { stop.run(id.clone()); shown.set(None); }>
                            {format!("Stop task {short}")}
                        </button>
                    </p>
                }
            });
            let body = match answer {
                Ok(p) => {
                    let short: String = p.task_id.chars().take(8).collect();
                    view! {
                        <h3>{format!("Why task {short} {} on {}", if stopped { "was" } else { "is" }, p.instance_id)}</h3>
                        <p class="outcome">{format!(
                            "Placed at {} as a task of {}: {}. The run was replayed to that moment; every instance is shown as it stood then.",
                            p.at, p.explanation.group, rules(&p.explanation)
                        )}</p>
                        <CandidateTable e=p.explanation/>
                    }
                    .into_any()
                }
                // Why no placement decision applies (Fargate, a daemon), or a task gone.
                Err(message) => view! { <p class="outcome">{message}</p> }.into_any(),
            };
            view! {
                <aside id="task-explanation" class="explanation task-explanation" role="dialog" aria-live="polite" aria-label="Why this task is on its instance">
                    <button class="close" aria-label="Close" title="Close (Escape)" on:click=move |_| shown.set(None)>"✕"</button>
                    {body}
                    <details id="task-describe" class="task-describe">
                        <summary>"DescribeTasks: this task as the AWS CLI shows it now"</summary>
                        <pre>{described}</pre>
                    </details>
                    {exec_panel.ok().map(|panel| view! { <ExecSection panel=panel exec=exec/> })}
                    {stop_button}
                </aside>
            }
        })
    }
}
