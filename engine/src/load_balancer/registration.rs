//! ECS and the target group (8.1–8.3, 4.4): registering a task's targets when it starts,
//! their health-check timeline, ECS replacing tasks that fail ELB health checks, and
//! deregistration with its delay when a task stops.

use super::target_group::{Target, TargetState, TargetType};
use super::{matcher_accepts, reachable};
use crate::event_log::EventKind;
use crate::sim::{Simulation, Timer};
use crate::task::TaskStatus;
use crate::time::SimTime;

/// A task's ENI address for `ip` targets: made up from the task's index, deterministic.
pub fn task_ip(task: usize) -> String {
    format!("10.0.{}.{}", (task / 250) % 250, task % 250 + 4)
}

impl Simulation {
    /// Registers a task that just reached RUNNING with its service's target groups (8.1).
    pub(crate) fn register_targets(&mut self, t: usize) {
        let Some(s) = self.tasks[t].service else {
            return;
        };
        // A blue/green, linear or canary deployment's tasks go to one side of each pair.
        let alternate = self.tasks[t]
            .deployment
            .and_then(|d| self.services[s].deployments.get(d))
            .is_some_and(|d| d.alternate);
        for link in self.links_of_task(t).to_vec() {
            let g = link.group(alternate);
            let task = &self.tasks[t];
            let inst = &self.cluster.instances[task.reservation.slot];
            let tg = &self.lb.target_groups[g];
            let (id, port, target_sgs) = match tg.target_type {
                TargetType::Instance => {
                    let port = task
                        .reservation
                        .bindings
                        .iter()
                        .find(|b| {
                            b.container_name == link.container_name
                                && b.container_port == link.container_port
                        })
                        .map_or(link.container_port, |b| b.host_port);
                    (
                        inst.ec2_instance_id.clone(),
                        port,
                        inst.security_groups.clone(),
                    )
                }
                TargetType::Ip => (
                    task_ip(t),
                    link.container_port,
                    self.services[s].task_security_groups.clone(),
                ),
            };
            let check_port = tg.health_check.port.unwrap_or(port);
            let lb = self.lb.load_balancer_of(g);
            // A Classic Load Balancer checks the instance: a task on it must listen on the
            // check's port, and the instance must be in a zone the load balancer serves.
            let classic_miss = tg.classic.as_ref().and_then(|c| {
                let slot = task.reservation.slot;
                let answered = self
                    .instance_tasks
                    .get(slot)
                    .into_iter()
                    .flatten()
                    .any(|&o| {
                        let o = &self.tasks[o];
                        o.is_active()
                            && o.reservation
                                .bindings
                                .iter()
                                .any(|b| b.host_port == check_port)
                    });
                if !c.serves(&inst.availability_zone) {
                    Some(super::classic::ZONE_NOT_SERVED)
                } else if !answered {
                    Some("Target.Timeout")
                } else {
                    None
                }
            });
            let (passes, reason) = if let Some(reason) = classic_miss {
                (false, reason)
            } else if !reachable(
                &self.lb.security_groups,
                &lb.security_groups,
                &target_sgs,
                check_port,
            ) {
                (false, "Target.Timeout")
            } else if tg.health_check.http && !matcher_accepts(&tg.health_check.matcher, 200) {
                // A TCP check only opens a connection: no HTTP code to match.
                (false, "Target.ResponseCodeMismatch")
            } else {
                (true, "")
            };
            let verdict_in = if passes {
                // `initialHealthChecks` settles the ALB guide's ambiguity (8.2); a Classic
                // Load Balancer counts HealthyThreshold passes.
                let initial = match tg.classic {
                    Some(_) => None,
                    None => self.lb.initial_health_checks,
                };
                tg.time_to_healthy_ms(initial)
            } else {
                tg.time_to_unhealthy_ms()
            };
            let msg = if tg.classic.is_some() {
                format!(
                    "registered instance {id} (task {}, host port {port}) with Classic Load Balancer {}; OutOfService (Instance registration is still in progress.)",
                    task.id, tg.name
                )
            } else {
                format!(
                    "registered target {id}:{port} (task {}) in target group {}; state initial (Elb.RegistrationInProgress)",
                    task.id, tg.name
                )
            };
            let classic_event = tg.classic.is_some().then(|| {
                format!(
                    "(service {}) registered 1 instances in (elb {})",
                    self.services[s].name, tg.name
                )
            });
            let target = Target {
                task: t,
                id,
                port,
                state: TargetState::Initial,
                reason: Some(if passes {
                    "Elb.InitialHealthChecking"
                } else {
                    reason
                }),
                registered_at: self.now(),
                passes,
                slow_start_until: None,
                drain_until: None,
            };
            self.lb.target_groups[g].add_target(target);
            self.log_target(t, msg);
            if let Some(event) = classic_event {
                self.service_event(s, event);
            }
            self.schedule(self.now().plus_ms(verdict_in), Timer::TargetHealth(g, t));
        }
    }

    /// A health-check verdict is due for task `t`'s target in group `g` (G34).
    pub(crate) fn target_health(&mut self, g: usize, t: usize) {
        let now = self.now();
        let tg = &mut self.lb.target_groups[g];
        let Some(target) = tg.targets.iter_mut().find(|x| x.task == t) else {
            return;
        };
        match target.state {
            TargetState::Initial => {
                let (state, reason) = if target.passes {
                    (TargetState::Healthy, None)
                } else {
                    // Still checking when the application stopped answering: a timeout.
                    let reason = target
                        .reason
                        .filter(|r| *r != "Elb.InitialHealthChecking")
                        .unwrap_or("Target.Timeout");
                    (TargetState::Unhealthy, Some(reason))
                };
                target.state = state;
                target.reason = reason;
                // Slow start begins when the target turns healthy, and only if another
                // healthy target is not in slow start (8.3).
                let target = target.clone();
                if state == TargetState::Healthy && tg.slow_start_s > 0 {
                    let others_ready = tg.targets.iter().any(|o| {
                        o.task != t
                            && o.state == TargetState::Healthy
                            && o.slow_start_until.is_none_or(|u| u <= now)
                    });
                    if others_ready {
                        let until = now.plus_secs(tg.slow_start_s);
                        if let Some(x) = tg.targets.iter_mut().find(|x| x.task == t) {
                            x.slow_start_until = Some(until);
                        }
                    }
                }
                let msg = health_message(tg, &target, &self.tasks[t].id);
                self.announce_health(g, t, msg, state == TargetState::Unhealthy);
            }
            TargetState::Unhealthy => self.elb_health_failed(g, t),
            TargetState::Draining => {
                if target.drain_until.is_some_and(|u| u <= now) {
                    tg.remove_targets_of(t);
                }
            }
            // A healthy target whose checks started failing (the application stopped
            // answering) is unhealthy once `UnhealthyThresholdCount` checks failed.
            TargetState::Healthy if !target.passes => {
                target.state = TargetState::Unhealthy;
                target.reason = Some("Target.Timeout");
                let target = target.clone();
                let msg = health_message(tg, &target, &self.tasks[t].id);
                self.announce_health(g, t, msg, true);
            }
            TargetState::Healthy => {}
        }
    }

    /// Logs task `t`'s target's new health state in group `g`, lets its service look again,
    /// and acts on an unhealthy target.
    fn announce_health(&mut self, g: usize, t: usize, msg: String, unhealthy: bool) {
        self.log_target(t, msg);
        if let Some(s) = self.tasks[t].service {
            self.poke_service(s);
        }
        if unhealthy {
            self.elb_health_failed(g, t);
        }
    }

    /// A load balancer line of the event log about task `t`'s target.
    fn log_target(&mut self, t: usize, msg: String) {
        let task_id = self.tasks[t].id.clone();
        self.log
            .push(self.now(), EventKind::LoadBalancer, msg)
            .task(&task_id);
    }

    /// Task `t`'s application stops answering (8.2): each of its targets fails the checks
    /// that follow. A healthy one turns unhealthy after `UnhealthyThresholdCount × interval`
    /// (`Target.Timeout`); one still in its initial checks fails its first verdict. Returns
    /// whether the task had a target to fail.
    pub(crate) fn targets_stop_answering(&mut self, t: usize) -> bool {
        let now = self.now();
        let mut any = false;
        for g in 0..self.lb.target_groups.len() {
            let tg = &mut self.lb.target_groups[g];
            let after = tg.time_to_unhealthy_ms();
            let Some(target) = tg.live_target_mut(t) else {
                continue;
            };
            any = true;
            target.passes = false;
            if target.state == TargetState::Healthy {
                self.schedule(now.plus_ms(after), Timer::TargetHealth(g, t));
            }
        }
        any
    }

    /// ECS replaces a service task whose target is unhealthy, once the health-check grace
    /// period since the task started has passed (4.3, 4.4, G34).
    fn elb_health_failed(&mut self, g: usize, t: usize) {
        let Some(s) = self.tasks[t].service else {
            return;
        };
        if !self.tasks[t].is_active() || self.tasks[t].unhealthy_stop.is_some() {
            return;
        }
        if let Some(grace_ends) = self.in_grace_period(t, s) {
            self.schedule(grace_ends, Timer::TargetHealth(g, t));
            return;
        }
        let tg = &self.lb.target_groups[g];
        let reason = if tg.classic.is_some() {
            format!("Task failed ELB health checks in (elb {})", tg.name)
        } else {
            format!("Task failed ELB health checks in (target-group {})", tg.arn)
        };
        let msg = self.unhealthy_event(s, g, t);
        self.service_event(s, msg);
        self.task_failed_health_checks(s, t, reason);
    }

    /// The service event of 3.8 for task `t`'s unhealthy target in group `g`: `(service
    /// <name>) (task <id>) (instance <id>) (port <n>) is unhealthy in (target-group <name>) due
    /// to (reason <text>)`, without `(instance ...)` on Fargate. The reason is the target's
    /// health description as DescribeTargetHealth words it.
    fn unhealthy_event(&self, s: usize, g: usize, t: usize) -> String {
        let tg = &self.lb.target_groups[g];
        let task = &self.tasks[t];
        let inst = &self.cluster.instances[task.reservation.slot];
        let target = tg.targets_of(t).next();
        if tg.classic.is_some() {
            let why = target.map_or(super::classic::FAILED_CHECKS, |x| {
                super::classic::instance_state(x).2
            });
            return format!(
                "(service {}) (task {}) (instance {}) is unhealthy in (elb {}) due to (reason {why})",
                self.services[s].name, task.id, inst.ec2_instance_id, tg.name
            );
        }
        let port = target.map_or(0, |x| x.port);
        let why = match target.and_then(|x| x.reason) {
            Some("Target.ResponseCodeMismatch") => {
                format!("Health checks failed with these codes: [{}]", 200)
            }
            Some("Target.Timeout") if tg.health_check.http => "Request timed out".to_string(),
            _ => "Health checks failed".to_string(),
        };
        let instance = if inst.fargate {
            String::new()
        } else {
            format!("(instance {}) ", inst.ec2_instance_id)
        };
        format!(
            "(service {}) (task {}) {instance}(port {port}) is unhealthy in (target-group {}) due to (reason {why})",
            self.services[s].name, task.id, tg.name
        )
    }

    /// Starts deregistering task `t`'s targets; returns when the slowest drain ends, or
    /// `None` when the task had no target.
    pub(crate) fn deregister_targets(&mut self, t: usize) -> Option<SimTime> {
        let now = self.now();
        let mut until: Option<SimTime> = None;
        for g in 0..self.lb.target_groups.len() {
            let tg = &mut self.lb.target_groups[g];
            let (delay, name) = (tg.deregistration_delay_s, tg.name.clone());
            let classic = tg.classic.is_some();
            let Some(target) = tg.live_target_mut(t) else {
                continue;
            };
            // A Classic Load Balancer's connection draining holds an InService instance only:
            // an OutOfService one gets no requests, and "the maximum timeout limit does not
            // apply to connections to unhealthy instances" (8.6): it is gone at once.
            let configured = delay;
            let delay = classic_drain_s(classic, target.state, delay);
            target.state = TargetState::Draining;
            target.reason = Some("Target.DeregistrationInProgress");
            let end = now.plus_secs(delay);
            target.drain_until = Some(end);
            let instance = target.id.clone();
            let msg = if classic {
                format!(
                    "deregistering instance {instance} from Classic Load Balancer {name}; {}",
                    if delay > 0 {
                        format!("connection draining for {delay} s")
                    } else if configured > 0 {
                        "it is OutOfService, so connection draining does not hold it: it is gone at once".to_string()
                    } else {
                        "connection draining is off, so it is gone at once".to_string()
                    }
                )
            } else {
                format!(
                    "deregistering target {instance}:{} from target group {name}; draining for {delay} s",
                    target.port
                )
            };
            self.log_target(t, msg);
            self.schedule(end, Timer::TargetHealth(g, t));
            until = Some(until.map_or(end, |u| u.max(end)));
            if classic {
                if let Some(s) = self.tasks[t].service {
                    let event = format!(
                        "(service {}) deregistered 1 instances in (elb {name})",
                        self.services[s].name
                    );
                    self.service_event(s, event);
                }
                self.instance_deregistered_under(g, t, &instance);
            }
        }
        until
    }

    /// Classic Load Balancer `g` deregistered `instance` for task `t`: the registrations of
    /// other tasks on the same instance end with it, since whole instances are registered
    /// ("a task from one service stopping can cause the entire container instance to be
    /// deregistered … while another task from a different service on the same container
    /// instance is still using it", 8.6).
    fn instance_deregistered_under(&mut self, g: usize, t: usize, instance: &str) {
        let now = self.now();
        let delay = self.lb.target_groups[g].deregistration_delay_s;
        let others: Vec<usize> = self.lb.target_groups[g]
            .targets
            .iter()
            .filter(|x| x.task != t && x.id == instance && x.state != TargetState::Draining)
            .map(|x| x.task)
            .collect();
        for o in others {
            let mut end = now;
            if let Some(x) = self.lb.target_groups[g].live_target_mut(o) {
                end = now.plus_secs(classic_drain_s(true, x.state, delay));
                x.state = TargetState::Draining;
                x.reason = Some("Target.DeregistrationInProgress");
                x.drain_until = Some(end);
            }
            let msg = format!(
                "task {} loses its place in Classic Load Balancer {} too: ECS deregistered the whole instance {instance} when task {} stopped",
                self.tasks[o].id, self.lb.target_groups[g].name, self.tasks[t].id
            );
            self.log_target(o, msg);
            self.schedule(end, Timer::TargetHealth(g, o));
        }
    }

    /// When task `t`'s health-check grace period ends, if it is still running (4.4: the
    /// scheduler ignores ELB and container health check failures until then).
    pub(crate) fn in_grace_period(&self, t: usize, s: usize) -> Option<SimTime> {
        let ends = self.tasks[t]
            .started_at
            .unwrap_or(self.now())
            .plus_ms(self.services[s].health_check_grace_ms);
        (self.now() < ends).then_some(ends)
    }

    /// Whether every target of task `t` is healthy (4.4); true when it has none.
    pub(crate) fn targets_healthy(&self, t: usize) -> bool {
        self.lb
            .target_groups
            .iter()
            .all(|tg| tg.targets_of(t).all(|x| x.state == TargetState::Healthy))
    }

    /// Whether task `t` has a registered (not draining) target.
    pub(crate) fn has_live_targets(&self, t: usize) -> bool {
        self.tasks[t].last_status == TaskStatus::Running
            && self.lb.target_groups.iter().any(|tg| {
                tg.targets
                    .iter()
                    .any(|x| x.task == t && x.state != TargetState::Draining)
            })
    }
}

/// How long a target in `state` drains when deregistered, `delay_s` being its group's
/// deregistration delay: a Classic Load Balancer (`classic`) drains only an InService
/// (healthy) instance; an OutOfService one goes at once (8.6, connection draining).
fn classic_drain_s(classic: bool, state: TargetState, delay_s: u64) -> u64 {
    if classic && state != TargetState::Healthy {
        0
    } else {
        delay_s
    }
}

/// The event-log line for `target`'s new health state in group `tg` (task `task_id`): in
/// DescribeTargetHealth's words, or DescribeInstanceHealth's for a Classic Load Balancer.
fn health_message(tg: &super::target_group::TargetGroup, target: &Target, task_id: &str) -> String {
    if tg.classic.is_some() {
        let (state, _, description) = super::classic::instance_state(target);
        format!(
            "instance {} (task {task_id}) is {state} in Classic Load Balancer {}{}",
            target.id,
            tg.name,
            if description == "N/A" {
                String::new()
            } else {
                format!(" ({description})")
            }
        )
    } else {
        format!(
            "target {}:{} in target group {} is {}{}",
            target.id,
            target.port,
            tg.name,
            target.state.as_str(),
            target.reason.map(|r| format!(" ({r})")).unwrap_or_default()
        )
    }
}

impl Simulation {
    /// The target groups and their registered targets.
    pub fn target_groups(&self) -> &[super::target_group::TargetGroup] {
        &self.lb.target_groups
    }

    /// The load balancers (the implicit one included when used).
    pub fn load_balancers(&self) -> &[super::LoadBalancer] {
        &self.lb.load_balancers
    }
}
