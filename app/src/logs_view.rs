//! The logs view: a task's CloudWatch Logs streams (issue 8), as the `awslogs` driver names
//! them (group `/ecs/web`, stream `prefix/container/task-id`), each line with its simulated
//! time. Pick a task from the list or click a task chip; the lines follow the clock. Everything
//! shown is read from the engine (`Simulation::logs`, `Simulation::task_log_streams`).

use std::collections::BTreeMap;

use ecs_engine::{SimTime, Simulation};
use leptos::prelude::*;

use crate::LogFilter;

/// Lines shown per stream (the newest).
const LINES: usize = 200;

/// Tasks offered in the list (those that wrote last).
const TASKS: usize = 100;

/// A task that has log streams.
#[derive(Clone, PartialEq)]
pub struct LoggingTask {
    /// Its full id.
    pub id: String,
    /// `1a2b3c4d · web · RUNNING`.
    pub label: String,
}

/// One stream of the chosen task.
#[derive(Clone, PartialEq)]
pub struct StreamView {
    /// Log group name.
    pub group: String,
    /// Log stream name.
    pub name: String,
    /// The group's retention in days (none: never expire).
    pub retention: Option<u32>,
    /// The newest lines: simulated time, message.
    pub lines: Vec<(SimTime, String)>,
    /// Lines in the stream (more than shown when it is long).
    pub total: usize,
    /// Lines dropped (the stream's cap).
    pub dropped: u64,
}

/// What the panel shows.
#[derive(Clone, PartialEq, Default)]
pub struct LogsView {
    /// Tasks with log streams, oldest first.
    pub tasks: Vec<LoggingTask>,
    /// The chosen task's full id, if it has streams.
    pub selected: Option<String>,
    /// Its streams.
    pub streams: Vec<StreamView>,
    /// Whether the scenario writes any CloudWatch Logs at all.
    pub any: bool,
}

/// Reads the panel from the engine; `task` is the chosen task's id or its first characters
/// (as a task chip shows it).
pub fn logs_view(sim: &Simulation, task: &str) -> LogsView {
    let store = sim.logs();
    // Tasks with streams, by the time of their first line.
    let mut first_line: BTreeMap<&str, u64> = BTreeMap::new();
    for group in store.groups.values() {
        for stream in group.streams.values() {
            let first = stream.events.first().map_or(u64::MAX, |e| e.at_ms);
            first_line
                .entry(stream.task_id.as_str())
                .and_modify(|t| *t = (*t).min(first))
                .or_insert(first);
        }
    }
    if first_line.is_empty() && task.trim().is_empty() {
        // Nothing written and nothing chosen (most scenarios): no need to look at the tasks.
        return LogsView::default();
    }
    let mut writers: Vec<(u64, &str)> = first_line.iter().map(|(id, t)| (*t, *id)).collect();
    writers.sort();
    let skip = writers.len().saturating_sub(TASKS);
    let listed: BTreeMap<&str, &ecs_engine::task::Task> = sim
        .tasks()
        .iter()
        .filter(|t| first_line.contains_key(t.id.as_str()))
        .map(|t| (t.id.as_str(), t))
        .collect();
    let label = |id: &str| {
        let short: String = id.chars().take(8).collect();
        match listed.get(id) {
            Some(t) => format!(
                "{short} · {} · {}",
                t.service
                    .and_then(|s| sim.services().get(s))
                    .map_or(t.group.as_str(), |s| s.name.as_str()),
                t.last_status.as_str()
            ),
            None => short,
        }
    };
    let tasks: Vec<LoggingTask> = writers[skip..]
        .iter()
        .map(|(_, id)| LoggingTask {
            id: id.to_string(),
            label: label(id),
        })
        .collect();
    let wanted = task.trim();
    let selected = (!wanted.is_empty())
        .then(|| {
            writers
                .iter()
                .map(|(_, id)| *id)
                .find(|id| *id == wanted || id.starts_with(wanted))
        })
        .flatten()
        .map(str::to_string);
    let streams = selected
        .as_deref()
        .map(|id| {
            store
                .task_streams(id)
                .map(|(group, stream)| StreamView {
                    group: group.to_string(),
                    name: stream.name.clone(),
                    retention: store.groups.get(group).and_then(|g| g.retention_in_days),
                    lines: stream.events[stream.events.len().saturating_sub(LINES)..]
                        .iter()
                        .map(|e| (SimTime(e.at_ms), e.message.clone()))
                        .collect(),
                    total: stream.events.len(),
                    dropped: stream.dropped,
                })
                .collect()
        })
        .unwrap_or_default();
    LogsView {
        any: !store.groups.is_empty(),
        tasks,
        selected,
        streams,
    }
}

/// The panel. `filter.task` holds the choice; `refresh` re-reads the engine after a change.
#[component]
pub fn LogsPanel(
    view: Signal<LogsView>,
    filter: RwSignal<LogFilter>,
    refresh: Callback<()>,
) -> impl IntoView {
    let choose = move |task: String| {
        filter.update(|f| f.task = task);
        refresh.run(());
    };
    // A click on a task chip anywhere on the page shows that task's logs.
    let clicks = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(id) = crate::task_explain::chip_task(&ev) {
            choose(id);
        }
    });
    on_cleanup(move || clicks.remove());
    let tasks = Memo::new(move |_| view.with(|v| v.tasks.clone()));
    let selected = Memo::new(move |_| view.with(|v| v.selected.clone().unwrap_or_default()));
    view! {
        <section class="pane logs" aria-label="CloudWatch Logs" id="logs"
            style=move || if view.with(|v| v.any) || filter.with(|f| !f.task.is_empty()) { "" } else { "display: none" }>
            <h2>"CloudWatch Logs " <span class="muted small">"(awslogs: a task's streams; click a task chip or pick one)"</span></h2>
            <label class="small">"Task "
                <select id="logs-task" prop:value=move || selected.get() on:change=move |ev| choose(event_target_value(&ev))>
                    <option value="">"Choose a task…"</option>
                    {move || tasks.get().into_iter().map(|t| view! { <option value=t.id.clone()>{t.label}</option> }).collect_view()}
                </select>
            </label>
            {move || {
                let v = view.get();
                if v.selected.is_none() {
                    let hint = if filter.with(|f| f.task.is_empty()) {
                        "No task chosen."
                    } else {
                        "This task has written no CloudWatch Logs (no awslogs container, or not started yet)."
                    };
                    return view! { <p class="muted small" id="logs-empty">{hint}</p> }.into_any();
                }
                v.streams.into_iter().map(|s| {
                    let retention = s.retention.map_or("never expire".to_string(), |d| format!("retention {d} days"));
                    let more = (s.total > s.lines.len()).then(|| format!(" · last {} of {} lines", s.lines.len(), s.total));
                    view! {
                        <div class="log-stream" data-group=s.group.clone() data-stream=s.name.clone()>
                            <div class="log-names">
                                <span class="muted">"log group "</span><code class="log-group">{s.group.clone()}</code>
                                <span class="muted">" · log stream "</span><code class="log-stream-name">{s.name.clone()}</code>
                                <span class="muted small">{format!(" · {retention}")}{more}
                                    {(s.dropped > 0).then(|| format!(" · {} dropped", s.dropped))}</span>
                            </div>
                            // Scrolled from the bottom (column-reverse), so the newest line stays in view.
                            <div class="log-scroll"><ol class="log-lines">
                                {s.lines.into_iter().map(|(at, line)| view! {
                                    <li class="log-line"><time>{at.to_string()}</time><span class="log-message">{line}</span></li>
                                }).collect_view()}
                            </ol></div>
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </section>
    }
}
