//! The assumptions panel: the choices the simulator makes where AWS is silent (section 12 of
//! the behaviour reference), each with what AWS does say, switchable. A switch edits the
//! scenario's `options` (`ecs_engine::edit::set_assumption`); the run replays to where it was.

use ecs_engine::edit::{
    assumption_value, reset_assumptions, set_assumption, Assumption, OptionKind, ASSUMPTIONS,
};
use ecs_engine::Scenario;
use leptos::prelude::*;

use crate::build::{reload, EditStatus};

/// The control of one assumption: a select, a checkbox or a number field showing the
/// document's value, which calls `set` with the new text. `refused` moves when a value was
/// refused, so the control shows the document's value again.
fn control(
    a: &'static Assumption,
    id: String,
    current: Memo<String>,
    refused: RwSignal<u32>,
    set: impl Fn(String) + Copy + 'static,
) -> AnyView {
    let shown = move || {
        refused.track();
        current.get()
    };
    match a.kind {
        OptionKind::Choice(spellings) => view! {
            <select id=id prop:value=shown on:change=move |ev| set(event_target_value(&ev))>
                {spellings.iter().map(|s| view! { <option value=*s>{*s}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        OptionKind::Flag => view! {
            <input type="checkbox" id=id prop:checked=move || shown() == "true"
                on:change=move |ev| set(event_target_checked(&ev).to_string())/>
        }
        .into_any(),
        OptionKind::Number { min, max, whole } => view! {
            <input type="number" id=id min=min max=max step=if whole { "1" } else { "any" } size="6"
                placeholder="default" prop:value=shown
                on:change=move |ev| set(event_target_value(&ev))/>
        }
        .into_any(),
    }
}

/// The panel. `apply` receives every successful edit.
#[component]
pub fn AssumptionsPanel(
    scenario: ReadSignal<Scenario>,
    apply: Callback<Scenario>,
) -> impl IntoView {
    let status = EditStatus::new();
    let rows = ASSUMPTIONS
        .iter()
        .map(|a| {
            let id = format!("opt-{}", a.path.replace('.', "-"));
            let current = Memo::new(move |_| scenario.with(|s| assumption_value(&s.raw, a)));
            let refused = RwSignal::new(0u32);
            let set = move |text: String| {
                let result = scenario.with_untracked(|s| {
                    set_assumption(&s.raw, a.path, &text)
                        .map_err(|e| vec![e])
                        .and_then(reload)
                });
                if result.is_err() {
                    refused.update(|n| *n += 1);
                }
                let shown = if text.trim().is_empty() {
                    "its default"
                } else {
                    text.trim()
                };
                status.finish(
                    result,
                    format!(
                        "options.{} is now {shown}; the run replayed from the start.",
                        a.path
                    ),
                    apply,
                );
            };
            let default = if a.default.is_empty() {
                String::new()
            } else {
                format!(" Default: {}.", a.default)
            };
            view! {
                <tr>
                    <th scope="row"><label for=id.clone()>{a.label}</label>
                        <code class="small">{format!("options.{}", a.path)}</code></th>
                    <td>{control(a, id, current, refused, set)}</td>
                    <td class="small muted">{a.note}{default}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="build assumptions" id="assumptions-panel">
            <summary>"Assumptions: what the simulator decides where AWS is silent"</summary>
            <p class="small muted">"AWS does not document these. Each is the scenario's options member named in the table; a change applies to the whole run, and Undo, Copy link and Export keep it."</p>
            <table class="assumptions-table">
                <thead><tr><th>"what"</th><th>"value"</th><th>"what AWS says"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <button type="button" id="assumptions-reset" on:click=move |_| {
                let result = scenario.with_untracked(|s| {
                    reset_assumptions(&s.raw).map_err(|e| vec![e]).and_then(reload)
                });
                status.finish(
                    result,
                    "Every assumption is back to its default; the run replayed from the start.".to_string(),
                    apply,
                );
            }>"Reset all to their defaults"</button>
            {status.view("assumptions")}
        </details>
    }
}
