//! Scheduled actions (5.5): PutScheduledAction requests with `at`, `rate` or `cron`
//! schedules in a time zone, changing a scalable target's minimum and maximum.

use serde_json::Value;

use super::schedule::{next_fire, parse_schedule, parse_timezone, Schedule, Zone};
use crate::sim::{Simulation, Timer};
use crate::time::SimTime;

/// A PutScheduledAction request, checked.
#[derive(Debug, Clone)]
pub struct ScheduledActionRequest {
    /// `ScheduledActionName`.
    pub name: String,
    /// `ResourceId`.
    pub resource_id: String,
    /// `Schedule`, parsed.
    pub schedule: Schedule,
    /// `Schedule`, as written.
    pub expression: String,
    /// `Timezone` (default UTC).
    pub zone: Zone,
    /// `StartTime`, epoch milliseconds.
    pub start_ms: Option<i64>,
    /// `EndTime`, epoch milliseconds.
    pub end_ms: Option<i64>,
    /// `ScalableTargetAction.MinCapacity`.
    pub min: Option<u32>,
    /// `ScalableTargetAction.MaxCapacity`.
    pub max: Option<u32>,
}

impl ScheduledActionRequest {
    /// Parses `scheduledActions[i]`.
    pub fn parse(v: &Value, path: &str) -> Result<ScheduledActionRequest, String> {
        let name = v
            .get("ScheduledActionName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{path}.ScheduledActionName: required"))?
            .to_string();
        let resource_id = super::resource_of(v, path)?;
        let expression = v
            .get("Schedule")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{path}.Schedule: required, e.g. cron(0 8 ? * MON-FRI *)"))?
            .to_string();
        let schedule = parse_schedule(&expression).map_err(|e| format!("{path}.Schedule: {e}"))?;
        let zone = match v.get("Timezone").and_then(Value::as_str) {
            None => Zone::utc(),
            Some(z) => parse_timezone(z).map_err(|e| format!("{path}.Timezone: {e}"))?,
        };
        let (start_ms, end_ms) = time_window(v, path, "StartTime", "EndTime")?;
        let action = v.get("ScalableTargetAction").ok_or_else(|| {
            format!("{path}.ScalableTargetAction: required ({{MinCapacity, MaxCapacity}})")
        })?;
        let cap = |k: &str| -> Result<Option<u32>, String> {
            match action.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(n) => n
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        format!("{path}.ScalableTargetAction.{k}: must be a whole number ≥ 0")
                    }),
            }
        };
        let (min, max) = (cap("MinCapacity")?, cap("MaxCapacity")?);
        if min.is_none() && max.is_none() {
            return Err(format!(
                "{path}.ScalableTargetAction: give MinCapacity, MaxCapacity or both"
            ));
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if hi < lo {
                return Err(format!(
                    "{path}.ScalableTargetAction.MaxCapacity: {hi} is below MinCapacity {lo}"
                ));
            }
        }
        Ok(ScheduledActionRequest {
            name,
            resource_id,
            schedule,
            expression,
            zone,
            start_ms,
            end_ms,
            min,
            max,
        })
    }
}

impl Simulation {
    fn epoch_ms(&self, t: SimTime) -> i64 {
        self.scenario.start_epoch_ms + t.as_ms() as i64
    }

    /// Sets the first timer of every scheduled action.
    pub(crate) fn create_scheduled_actions(&mut self) {
        let requests = self.scenario.scheduled_actions.clone();
        for (i, a) in requests.iter().enumerate() {
            if !self
                .scaling
                .targets
                .iter()
                .any(|t| t.resource_id == a.resource_id)
            {
                self.log.push(
                    self.now(),
                    crate::event_log::EventKind::Scenario,
                    format!(
                        "scheduledActions[{i}].ResourceId: No scalable target registered for service namespace: ecs, resource ID: {}, scalable dimension: ecs:service:DesiredCount",
                        a.resource_id
                    ),
                );
                continue;
            }
            if requests[..i]
                .iter()
                .any(|o| o.name == a.name && o.resource_id == a.resource_id)
            {
                self.log.push(
                    self.now(),
                    crate::event_log::EventKind::Scenario,
                    format!(
                        "scheduledActions[{i}].ScheduledActionName: {} is used twice for {}",
                        a.name, a.resource_id
                    ),
                );
                continue;
            }
            self.schedule_next_action(i, self.epoch_ms(self.now()) - 1);
        }
    }

    fn schedule_next_action(&mut self, i: usize, after_epoch_ms: i64) {
        let a = &self.scenario.scheduled_actions[i];
        let anchor = a.start_ms.unwrap_or(self.scenario.start_epoch_ms);
        if let Some(at) = next_fire(
            &a.schedule,
            &a.zone,
            anchor,
            a.start_ms,
            a.end_ms,
            after_epoch_ms,
        ) {
            let sim_ms = at - self.scenario.start_epoch_ms;
            if sim_ms >= 0 && (sim_ms as u64) <= self.scenario.duration_ms {
                self.schedule(SimTime(sim_ms as u64), Timer::ScheduledAction(i));
            }
        }
    }

    /// A scheduled action fires (5.5, G27): the bounds change, and a desired count outside
    /// them is brought inside. Nothing is restored later.
    pub(crate) fn run_scheduled_action(&mut self, i: usize) {
        let a = self.scenario.scheduled_actions[i].clone();
        self.schedule_next_action(i, self.epoch_ms(self.now()));
        let Some(t) = self
            .scaling
            .targets
            .iter()
            .position(|x| x.resource_id == a.resource_id)
        else {
            return;
        };
        if self.scaling.targets[t].suspended.scheduled {
            return;
        }
        let target = &mut self.scaling.targets[t];
        if let Some(min) = a.min {
            target.min = min;
        }
        if let Some(max) = a.max {
            target.max = max;
        }
        // Bounds given alone may cross the other one; the new one wins (5.5 gives either alone).
        if target.min > target.max {
            if a.min.is_some() {
                target.max = target.min;
            } else {
                target.min = target.max;
            }
        }
        let (min, max, s) = (target.min, target.max, target.service);
        let desired = self.services[s].desired_count;
        let cause = format!("scheduled action name {} was triggered", a.name);
        let bounds = format!("Setting min capacity to {min} and max capacity to {max}");
        self.log.push(
            self.now(),
            crate::event_log::EventKind::Scaling,
            format!("{bounds}: {cause} ({} {})", a.expression, a.zone.name()),
        );
        if desired < min || desired > max {
            let new = desired.clamp(min, max);
            self.set_desired(
                t,
                new,
                format!("{cause}, changing the desired capacity from {desired} to {new}."),
            );
        } else {
            self.scaling.activities.push(super::ScalingActivity {
                at_ms: self.now().as_ms(),
                resource_id: a.resource_id.clone(),
                description: format!("{bounds}."),
                cause,
            });
        }
    }
}

/// A request's start and end members (`StartTime`/`EndTime`, or a Scheduler schedule's
/// `StartDate`/`EndDate`): each absent, a UTC timestamp or epoch seconds, the end not before
/// the start. Epoch milliseconds.
pub(crate) fn time_window(
    v: &Value,
    path: &str,
    start_key: &str,
    end_key: &str,
) -> Result<(Option<i64>, Option<i64>), String> {
    let time = |k: &str| -> Result<Option<i64>, String> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => crate::calendar::parse_utc_timestamp_ms(s)
                .map(Some)
                .ok_or_else(|| {
                    format!("{path}.{k}: \"{s}\" is not a UTC time such as 2025-01-01T00:00:00Z")
                }),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(|secs| Some((secs * 1000.0) as i64))
                .ok_or_else(|| format!("{path}.{k}: not a time")),
            Some(_) => Err(format!("{path}.{k}: not a time")),
        }
    };
    let (start, end) = (time(start_key)?, time(end_key)?);
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(format!("{path}.{end_key}: is before {start_key}"));
        }
    }
    Ok((start, end))
}
