//! Workshop lessons: a preset plus steps whose goals are checked against the engine's state.
//!
//! A lesson is a JSON document (`public/lessons/<id>.json`, format in `docs/LESSONS.md`):
//! ```json
//! {"version": 1, "id": "binpack", "title": "…", "preset": "binpack-vs-spread",
//!  "instructorNotes": "…",
//!  "steps": [{"title": "…", "text": "…", "hint": "…",
//!             "goals": [{"check": "instancesUsed", "service": "web", "atMost": 2, "at": "PT5M"}]}]}
//! ```
//! A goal with `at` is judged only once the run has reached that simulated time, so "at most"
//! goals cannot pass at time zero; `seriesMax` with `from` counts only the datapoints of the
//! minutes after that time. A step is done when all its goals are met.

use serde_json::Value;

use crate::json_shape::{At, FromJson, Members, ShapeError};
use crate::sim::Simulation;
use crate::task::TaskStatus;
use crate::time::{parse_duration_ms, SimTime};

/// The lesson format version this engine reads.
pub const LESSON_VERSION: u64 = 1;

/// A lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Short id (the file stem).
    pub id: String,
    /// Title.
    pub title: String,
    /// The preset it starts from.
    pub preset: String,
    /// Notes for the instructor (shown on request).
    pub instructor_notes: String,
    /// Steps, in order.
    pub steps: Vec<Step>,
}

/// One step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Title.
    pub title: String,
    /// What to do.
    pub text: String,
    /// A hint, shown on request.
    pub hint: Option<String>,
    /// What must hold for the step to be done.
    pub goals: Vec<Goal>,
}

/// Bounds of a count or value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    /// At least.
    pub at_least: Option<f64>,
    /// At most.
    pub at_most: Option<f64>,
}

impl Bounds {
    fn holds(&self, v: f64) -> bool {
        self.at_least.is_none_or(|lo| v >= lo) && self.at_most.is_none_or(|hi| v <= hi)
    }

    fn describe(&self) -> String {
        match (self.at_least, self.at_most) {
            (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
            (Some(lo), None) => format!("at least {lo}"),
            (None, Some(hi)) => format!("at most {hi}"),
            (None, None) => "anything".to_string(),
        }
    }
}

/// What a goal checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// RUNNING tasks of a service.
    RunningTasks(String),
    /// Instances that run at least one RUNNING task of a service.
    InstancesUsed(String),
    /// A service's desired count.
    DesiredCount(String),
    /// The largest value a time series has taken so far (`service/web/CPUUtilization`, ...),
    /// counting datapoints from a simulated time on.
    SeriesMax(String, SimTime),
    /// The smallest value a time series has taken, counting datapoints from a simulated
    /// time on.
    SeriesMin(String, SimTime),
    /// The newest value of a time series.
    SeriesLast(String),
    /// Event-log entries whose message contains the text.
    EventsContaining(String),
    /// Stopped tasks (of a service, when named) whose stop code, stopped reason or container
    /// exit contains the text ([`crate::stopped_tasks`]).
    StoppedTasks(Option<String>, String),
}

/// A goal: a check, its bounds, and from when it is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// What is measured.
    pub check: Check,
    /// What it must be.
    pub bounds: Bounds,
    /// Judged only from this simulated time on.
    pub at: SimTime,
}

/// A goal's verdict now.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalStatus {
    /// Whether it holds.
    pub met: bool,
    /// What was measured, in words (`3 instances used; wanted at most 2`).
    pub detail: String,
}

/// A lesson document as written.
#[derive(Default)]
struct RawLesson {
    version: u64,
    id: String,
    title: String,
    preset: String,
    instructor_notes: String,
    steps: Vec<RawStep>,
}

impl FromJson for RawLesson {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct RawLesson")?;
        m.deny_unknown(&[
            "version",
            "id",
            "title",
            "preset",
            "instructorNotes",
            "steps",
        ]);
        let built = RawLesson {
            version: m.required("version"),
            id: m.required("id"),
            title: m.required("title"),
            preset: m.required("preset"),
            instructor_notes: m.get("instructorNotes").unwrap_or_default(),
            steps: m.required("steps"),
        };
        m.finish(built)
    }
}

/// One step of a lesson as written.
#[derive(Default)]
struct RawStep {
    title: String,
    text: String,
    hint: Option<String>,
    goals: Vec<RawGoal>,
}

impl FromJson for RawStep {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct RawStep")?;
        m.deny_unknown(&["title", "text", "hint", "goals"]);
        let built = RawStep {
            title: m.required("title"),
            text: m.required("text"),
            hint: m.get("hint"),
            goals: m.required("goals"),
        };
        m.finish(built)
    }
}

/// One goal of a step as written.
#[derive(Default)]
struct RawGoal {
    check: String,
    service: Option<String>,
    series: Option<String>,
    contains: Option<String>,
    at_least: Option<f64>,
    at_most: Option<f64>,
    at: Option<Value>,
    from: Option<Value>,
}

impl FromJson for RawGoal {
    fn from_json(value: &Value, at: At<'_>) -> Result<Self, ShapeError> {
        let m = Members::of(value, at, "struct RawGoal")?;
        m.deny_unknown(&[
            "check", "service", "series", "contains", "atLeast", "atMost", "at", "from",
        ]);
        let built = RawGoal {
            check: m.required("check"),
            service: m.get("service"),
            series: m.get("series"),
            contains: m.get("contains"),
            at_least: m.get("atLeast"),
            at_most: m.get("atMost"),
            at: m.get("at"),
            from: m.get("from"),
        };
        m.finish(built)
    }
}

impl Lesson {
    /// Parses a lesson; errors name the field.
    pub fn from_json(text: &str) -> Result<Lesson, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        // From the parsed value, as every document is: one deserializer type in the bundle.
        let raw = RawLesson::from_json(&value, At::Root)
            .map_err(|e| format!("{}: {}", e.path, e.message))?;
        if raw.version != LESSON_VERSION {
            return Err(format!(
                "version: this playground reads lesson version {LESSON_VERSION}"
            ));
        }
        if raw.steps.is_empty() {
            return Err("steps: a lesson needs at least one step".to_string());
        }
        let mut steps = Vec::new();
        for (i, s) in raw.steps.into_iter().enumerate() {
            let mut goals = Vec::new();
            for (j, g) in s.goals.into_iter().enumerate() {
                goals.push(goal(g, &format!("steps[{i}].goals[{j}]"))?);
            }
            if goals.is_empty() {
                return Err(format!("steps[{i}].goals: a step needs at least one goal"));
            }
            steps.push(Step {
                title: s.title,
                text: s.text,
                hint: s.hint,
                goals,
            });
        }
        Ok(Lesson {
            id: raw.id,
            title: raw.title,
            preset: raw.preset,
            instructor_notes: raw.instructor_notes,
            steps,
        })
    }
}

fn goal(g: RawGoal, path: &str) -> Result<Goal, String> {
    let need = |v: Option<String>, field: &str| {
        v.ok_or_else(|| format!("{path}.{field}: required for check {}", g.check))
    };
    let check = match g.check.as_str() {
        "runningTasks" => Check::RunningTasks(need(g.service.clone(), "service")?),
        "instancesUsed" => Check::InstancesUsed(need(g.service.clone(), "service")?),
        "desiredCount" => Check::DesiredCount(need(g.service.clone(), "service")?),
        "seriesMax" | "seriesMin" => {
            let series = need(g.series.clone(), "series")?;
            let from = match &g.from {
                None => SimTime::ZERO,
                Some(v) => SimTime(parse_duration_ms(v).map_err(|e| format!("{path}.from: {e}"))?),
            };
            if g.check == "seriesMax" {
                Check::SeriesMax(series, from)
            } else {
                Check::SeriesMin(series, from)
            }
        }
        "seriesLast" => Check::SeriesLast(need(g.series.clone(), "series")?),
        "events" => Check::EventsContaining(need(g.contains.clone(), "contains")?),
        "stoppedTasks" => Check::StoppedTasks(g.service.clone(), need(g.contains.clone(), "contains")?),
        other => {
            return Err(format!(
                "{path}.check: \"{other}\" is not runningTasks, instancesUsed, desiredCount, seriesMax, seriesMin, seriesLast, events or stoppedTasks"
            ))
        }
    };
    if g.at_least.is_none() && g.at_most.is_none() {
        return Err(format!("{path}: give atLeast, atMost or both"));
    }
    let at = match &g.at {
        None => SimTime::ZERO,
        Some(v) => SimTime(parse_duration_ms(v).map_err(|e| format!("{path}.at: {e}"))?),
    };
    Ok(Goal {
        check,
        bounds: Bounds {
            at_least: g.at_least,
            at_most: g.at_most,
        },
        at,
    })
}

impl Simulation {
    /// Judges a goal against the current state.
    pub fn check_goal(&self, goal: &Goal) -> GoalStatus {
        if self.now() < goal.at {
            return GoalStatus {
                met: false,
                detail: format!("judged from {} of simulated time", goal.at),
            };
        }
        let service = |name: &str| self.service_named(name);
        let (value, what): (Option<f64>, String) = match &goal.check {
            Check::RunningTasks(name) => (
                service(name).map(|s| {
                    self.tasks()
                        .iter()
                        .filter(|t| {
                            t.service == Some(s)
                                && t.is_active()
                                && t.last_status == TaskStatus::Running
                        })
                        .count() as f64
                }),
                format!("RUNNING tasks of {name}"),
            ),
            Check::InstancesUsed(name) => (
                service(name).map(|s| {
                    let mut slots: Vec<usize> = self
                        .tasks()
                        .iter()
                        .filter(|t| {
                            t.service == Some(s)
                                && t.is_active()
                                && t.last_status == TaskStatus::Running
                        })
                        .map(|t| t.reservation.slot)
                        .collect();
                    slots.sort_unstable();
                    slots.dedup();
                    slots.len() as f64
                }),
                format!("instances running {name}"),
            ),
            Check::DesiredCount(name) => (
                service(name).map(|s| f64::from(self.services()[s].desired_count)),
                format!("desired count of {name}"),
            ),
            Check::SeriesMax(series, from) | Check::SeriesMin(series, from) => {
                let ts = self.time_series();
                let highest = matches!(goal.check, Check::SeriesMax(..));
                let word = if highest { "highest" } else { "lowest" };
                (
                    ts.series.get(series).and_then(|v| {
                        let after = v
                            .iter()
                            .zip(&ts.timestamps_ms)
                            .filter(|(_, &t)| t > from.as_ms())
                            .map(|(v, _)| *v);
                        if highest {
                            // No datapoint yet counts as 0, as before.
                            Some(after.fold(0.0, f64::max))
                        } else {
                            after.reduce(f64::min)
                        }
                    }),
                    if *from == SimTime::ZERO {
                        format!("{word} {series}")
                    } else {
                        format!("{word} {series} after {from}")
                    },
                )
            }
            Check::SeriesLast(series) => (
                self.time_series()
                    .series
                    .get(series)
                    .and_then(|v| v.last().copied()),
                format!("latest {series}"),
            ),
            Check::EventsContaining(text) => (
                Some(
                    self.log()
                        .entries()
                        .iter()
                        .filter(|e| e.message.contains(text.as_str()))
                        .count() as f64,
                ),
                format!("events containing \"{text}\""),
            ),
            Check::StoppedTasks(name, text) => {
                let of = match name {
                    Some(name) => service(name).map(Some),
                    None => Some(None),
                };
                (
                    of.map(|s| {
                        self.stopped_tasks(usize::MAX, s)
                            .1
                            .iter()
                            .filter(|t| {
                                t.stop_code.contains(text.as_str())
                                    || t.stopped_reason.contains(text.as_str())
                                    || t.exit.as_ref().is_some_and(|e| e.contains(text.as_str()))
                            })
                            .count() as f64
                    }),
                    match name {
                        Some(name) => format!("stopped tasks of {name} showing \"{text}\""),
                        None => format!("stopped tasks showing \"{text}\""),
                    },
                )
            }
        };
        match value {
            Some(v) => GoalStatus {
                met: goal.bounds.holds(v),
                detail: format!("{what}: {v}; wanted {}", goal.bounds.describe()),
            },
            None => GoalStatus {
                met: false,
                detail: format!("{what}: not in this scenario"),
            },
        }
    }

    /// Lesson progress: `done` steps were completed before; the next ones complete while all
    /// their goals hold now. Returns the new number of completed steps (never fewer).
    pub fn lesson_progress(&self, lesson: &Lesson, done: usize) -> usize {
        done + lesson
            .steps
            .iter()
            .skip(done)
            .take_while(|s| s.goals.iter().all(|g| self.check_goal(g).met))
            .count()
    }
}
