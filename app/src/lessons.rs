//! The lesson panel of a workshop lesson (`public/lessons/`, fetched like the presets, see
//! [`crate::presets`]): steps, live goal checks from the engine, hints and instructor notes.

use ecs_engine::lesson::{GoalStatus, Lesson};
use leptos::prelude::*;

/// The lesson panel.
#[component]
pub fn LessonPanel(
    lesson: Lesson,
    done: ReadSignal<usize>,
    goals: ReadSignal<Vec<GoalStatus>>,
) -> impl IntoView {
    let total = lesson.steps.len();
    let notes = lesson.instructor_notes.clone();
    let steps = lesson.steps.clone();
    view! {
        <section class="lesson" id="lesson-panel" aria-label="Lesson">
            <h2>{format!("Lesson: {}", lesson.title)}</h2>
            <p class="small muted" id="lesson-progress">{move || format!("{} of {total} steps done", done.get().min(total))}</p>
            <ol class="steps">
                {steps.into_iter().enumerate().map(|(i, step)| {
                    let state = move || match done.get() {
                        d if i < d => "done",
                        d if i == d => "current",
                        _ => "todo",
                    };
                    let hint = step.hint.clone();
                    view! {
                        <li class="step" data-state=state>
                            <strong>{step.title.clone()}</strong>
                            {move || (state() == "current").then(|| view! {
                                <p>{step.text.clone()}</p>
                                <ul class="goals">
                                    {goals.get().into_iter().map(|g| view! {
                                        <li class="goal" data-met=g.met.to_string()>{if g.met { "✓ " } else { "○ " }}{g.detail}</li>
                                    }).collect_view()}
                                </ul>
                                {hint.clone().map(|h| view! { <details class="hint"><summary>"Hint"</summary><code>{h}</code></details> })}
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
            {move || (done.get() >= total).then(|| view! { <p class="lesson-complete" id="lesson-complete">"Lesson complete."</p> })}
            {(!notes.is_empty()).then(|| view! { <details class="notes"><summary>"Instructor notes"</summary><p>{notes.clone()}</p></details> })}
        </section>
    }
}
