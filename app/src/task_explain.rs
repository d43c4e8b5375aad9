//! Placement explanations. A service's Explain button asks where its next task would go; a
//! click on a task chip (or Enter on a focused one) asks why that task is where it is: the
//! engine replays the run to the task's placement and explains that decision
//! (`Simulation::explain_task_placement`), and shows the task as DescribeTasks returns it at
//! that moment. The answer to a chip floats beside the cluster, so the chips stay in view; ✕ or
//! Escape closes it.

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
        <table>
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

/// The floating answer to a click on a task chip.
#[component]
pub fn TaskPlacementPanel(
    sim: StoredValue<Simulation, LocalStorage>,
    stop: Option<Callback<String>>,
) -> impl IntoView {
    let shown = RwSignal::new(None::<(String, Result<TaskPlacement, String>, String)>);
    let open = move |id: String| {
        let (answer, described) = sim.with_value(|s| {
            let described = s.describe_task_by_id(&id).map_or_else(
                |e| e,
                |v| serde_json::to_string_pretty(&v).unwrap_or_default(),
            );
            (s.explain_task_placement(&id), described)
        });
        shown.set(Some((id, answer, described)));
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
        shown.get().map(|(id, answer, described)| {
            // StopTask on the task shown (10.2): the button closes the panel.
            let stop_button = stop.map(|stop| {
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
                        <h3>{format!("Why task {short} is on {}", p.instance_id)}</h3>
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
                    {stop_button}
                </aside>
            }
        })
    }
}
