//! The ECS Playground app shell: loads the built-in example scenario, runs the engine in the
//! browser with play, pause, step and a speed control, and shows the simulated clock, the
//! container instances and the event log.
//!
//! The app is thin: it owns no simulation logic. It maps wall time to simulated time through
//! the speed factor and renders what the engine reports.

mod asg_form;
mod assumptions;
mod aws_view;
#[cfg(feature = "bench")]
mod bench;
mod build;
mod capacity;
mod chart_hover;
mod charts;
mod cluster;
mod fault_form;
mod lessons;
mod load_form;
mod logs_view;
mod persistence;
mod presets;
mod run_task_form;
mod scaling_form;
mod service_connect_view;
mod service_discovery_view;
mod service_form;
mod task_definition_form;
mod task_explain;

use std::cell::RefCell;
use std::rc::Rc;

use ecs_engine::event_log::LogEntry;
use ecs_engine::{Scenario, SimTime, Simulation};
use gloo_timers::callback::Interval;
use leptos::prelude::*;

/// Wall-clock milliseconds between two UI ticks.
const TICK_MS: u32 = 100;

/// Speeds offered: simulated seconds per wall second.
const SPEEDS: &[u32] = &[1, 10, 60, 600, 3600];

/// Log entries shown (newest first).
const LOG_ROWS: usize = 200;

fn main() {
    console_error_panic_hook::set_once();
    restore_root_flags();
    leptos::mount::mount_to_body(App);
}

/// One row of the services table.
#[derive(Clone, PartialEq)]
struct ServiceView {
    name: String,
    cluster: String,
    desired: u32,
    running: usize,
    pending: usize,
    strategies: String,
    constraints: String,
    last_event: String,
    /// A blue/green, linear or canary deployment under way: its strategy, lifecycle stage
    /// and the production traffic on the new revision; empty otherwise.
    deployment: String,
    /// The ARN of its deployment in progress (not its first), for StopServiceDeployment.
    deployment_arn: Option<String>,
    /// The deployment lifecycle hooks running now.
    hooks: Vec<HookView>,
    /// A CODE_DEPLOY service's CodeDeploy side, when a deployment group names it.
    code_deploy: Option<CodeDeployView>,
    /// ACTIVE, DRAINING or INACTIVE (after DeleteService).
    status: &'static str,
    /// Its Service Connect namespace and endpoints, when it uses Service Connect.
    connect: Option<String>,
    /// The Cloud Map service its tasks register in, in words.
    discovery: Option<String>,
    /// The EBS volume each of its tasks gets, in words.
    volume: Option<String>,
}

/// A CODE_DEPLOY service's deployment group and its latest CodeDeploy deployment.
#[derive(Clone, PartialEq)]
struct CodeDeployView {
    group: ecs_engine::code_deploy::DeploymentGroup,
    /// The container behind the service's load balancer (the AppSpec's LoadBalancerInfo).
    container: (String, u16),
    /// The revisions of the service's task definition family.
    revisions: Vec<String>,
    /// The service's current revision.
    current: String,
    latest: Option<CodeDeployRun>,
}

/// A CodeDeploy deployment as GetDeployment shows it.
#[derive(Clone, PartialEq)]
struct CodeDeployRun {
    id: String,
    status: &'static str,
    /// Whether it runs (InProgress or Ready).
    open: bool,
    /// Whether its rollback deployment runs: it holds the deployment group too.
    rolling_back: bool,
    /// What it deploys, with which configuration.
    what: String,
    /// Its lifecycle events and their statuses.
    events: Vec<(&'static str, &'static str)>,
    waiting: Option<ecs_engine::code_deploy::WaitType>,
    /// Its error and its rollback deployment, if any.
    outcome: String,
}

/// A deployment lifecycle hook run of a service's deployment.
#[derive(Clone, PartialEq)]
struct HookView {
    /// `hookId`.
    id: String,
    /// What it is and where it is, e.g. `pause ecs-pause-2-1 · AWAITING_ACTION until …`.
    text: String,
    /// A pause hook waiting for ContinueServiceDeployment.
    awaiting: bool,
}

/// One registered load balancer target.
#[derive(Clone, PartialEq)]
struct TargetView {
    target: String,
    task: String,
    /// The target group state (`healthy`, `initial`, ...): the row's colour.
    state: &'static str,
    /// The state as the load balancer words it: the same, or a Classic Load Balancer's
    /// `InService` / `OutOfService`.
    label: &'static str,
    reason: &'static str,
    /// Requests per second it gets now, and its share of the group's, in percent.
    rps: u64,
    share: u64,
}

/// A target group and its targets.
#[derive(Clone, PartialEq)]
struct TargetGroupView {
    name: String,
    /// What the caption calls the group: its name, or "instances" for a Classic Load
    /// Balancer, which registers container instances and has no target group.
    label: String,
    load_balancer: String,
    /// The listeners forwarding to it (`HTTP:80, HTTPS:443`), or a note that there are none.
    listeners: String,
    /// Its weight in a blue/green pair's production listener rule (`weight 30 %`); empty
    /// when no rule pairs it.
    weight: String,
    /// The routing algorithm, and for a Classic Load Balancer whether cross-zone load
    /// balancing and connection draining are on.
    algorithm: String,
    targets: Vec<TargetView>,
    /// What App Runner would run for the same requests in flight (section 11, G42).
    app_runner: String,
}

/// Application Auto Scaling: a scalable target with its bounds, and the alarms.
#[derive(Clone, PartialEq)]
struct ScalingView {
    resource_id: String,
    min: u32,
    max: u32,
}

/// A snapshot of engine state for rendering, refreshed after every advance.
#[derive(Clone, PartialEq, Default)]
struct View {
    target_groups: Vec<TargetGroupView>,
    /// The listeners' weighted splits, to shift.
    splits: Vec<ecs_engine::load_balancer::listener::ListenerSplit>,
    /// The task sets of EXTERNAL services, to scale or make primary.
    task_sets: Vec<ecs_engine::task_set::TaskSetView>,
    service_connect: Vec<service_connect_view::EndpointView>,
    service_discovery: Vec<service_discovery_view::CloudMapView>,
    scalable: Vec<ScalingView>,
    /// Each predictive scaling policy: its name and what it forecasts.
    forecasts: Vec<(String, String)>,
    alarms: Vec<(String, &'static str)>,
    activities: Vec<ecs_engine::autoscaling::ScalingActivity>,
    end: SimTime,
    services: Vec<ServiceView>,
    /// Every revision: `family:revision`, its status, and how many tasks run it.
    revisions: Vec<(String, &'static str, usize)>,
    log: Vec<LogEntry>,
    log_len: usize,
    running_tasks: usize,
    capacity: capacity::CapacityView,
    logs: logs_view::LogsView,
    aws: aws_view::AwsView,
}

/// Which event-log entries to show: a kind (`ServiceEvent`, ...) and a service, empty for all.
#[derive(Clone, Default, PartialEq)]
struct LogFilter {
    kind: String,
    service: String,
    /// The task whose CloudWatch Logs are shown (its id or the first characters of it).
    task: String,
}

/// A CODE_DEPLOY service's CodeDeploy row: its latest deployment's status and lifecycle
/// events, ContinueDeployment and StopDeployment while it runs, and CreateDeployment of a
/// chosen revision when none runs.
#[component]
fn CodeDeployRow(
    cd: CodeDeployView,
    create: Option<Callback<(CodeDeployView, String)>>,
    go: Option<Callback<(String, &'static str)>>,
    stop: Option<Callback<String>>,
) -> impl IntoView {
    use ecs_engine::code_deploy::WaitType;
    let running = cd
        .latest
        .as_ref()
        .filter(|l| l.open || l.rolling_back)
        .map(|l| (l.id.clone(), l.open));
    let actions = match running {
        Some((id, open)) => {
            let waiting = cd.latest.as_ref().and_then(|l| l.waiting);
            let (continue_id, stop_id) = (id.clone(), id.clone());
            let next = go.zip(waiting).map(|(go, wait)| {
                let (class, label, kind, title) = match wait {
                    WaitType::Ready => ("codedeploy-continue", "Reroute traffic", "READY_WAIT",
                        "ContinueDeployment (READY_WAIT) at the current time: production traffic starts moving to the replacement task set"),
                    WaitType::Termination => ("codedeploy-terminate", "Stop original now", "TERMINATION_WAIT",
                        "ContinueDeployment (TERMINATION_WAIT) at the current time: the original task set's tasks stop without waiting out terminationWaitTimeInMinutes"),
                };
                view! {
                    <button class=class title=title
                        on:click=move |_| go.run((continue_id.clone(), kind))>{label}</button>
                }
            });
            let halt = stop.filter(|_| open).map(|stop| view! {
                <button class="codedeploy-stop" title="StopDeployment with autoRollbackEnabled at the current time: production traffic goes back to the original task set"
                    on:click=move |_| stop.run(stop_id.clone())>"Stop and roll back"</button>
            });
            view! { {next}{halt} }.into_any()
        }
        None => {
            let choices: Vec<String> = cd
                .revisions
                .iter()
                .filter(|r| **r != cd.current)
                .cloned()
                .collect();
            let (pick, set_pick) = signal(choices.last().cloned().unwrap_or_default());
            let deploy = create.filter(|_| !choices.is_empty()).map(|create| {
                let target = cd.clone();
                view! {
                    <select class="codedeploy-revision" aria-label="Revision to deploy with CodeDeploy"
                        on:change=move |ev| set_pick.set(event_target_value(&ev))>
                        {choices.iter().map(|r| view! {
                            <option value=r.clone() selected=*r == pick.get_untracked()>{r.clone()}</option>
                        }).collect_view()}
                    </select>
                    <button class="codedeploy-deploy" title="CodeDeploy CreateDeployment at the current time, with an AppSpec naming this revision and the service's container behind its load balancer"
                        on:click=move |_| create.run((target.clone(), pick.get_untracked()))>"Deploy"</button>
                }
            });
            view! { {deploy} }.into_any()
        }
    };
    let group = format!("CodeDeploy {} / {}", cd.group.application, cd.group.name);
    let latest = cd.latest.clone().map(|l| view! {
        " · "<strong class="codedeploy-id">{l.id.clone()}</strong>" "
        <span class=format!("badge codedeploy-status {}", l.status)>{l.status}</span>
        " "<span class="muted">{l.what.clone()}</span>
        <div class="lifecycle-events">
            {l.events.iter().map(|(e, st)| view! {
                <span class=format!("lc-event {st}") data-event=*e title=format!("{e}: {st}")>{*e}</span>
            }).collect_view()}
        </div>
        {(!l.outcome.is_empty()).then(|| view! { <div class="codedeploy-outcome">{l.outcome.clone()}</div> })}
    });
    view! {
        <tr class="codedeploy" data-deployment=cd.latest.as_ref().map(|l| l.id.clone()).unwrap_or_default()>
            <td colspan="6" class="small">{group}{latest}</td>
            <td class="service-actions">{actions}</td>
        </tr>
    }
}

/// Service `s`'s CodeDeploy side: its deployment group and latest deployment.
fn code_deploy_view(sim: &Simulation, s: usize) -> Option<CodeDeployView> {
    let (group, container, revisions) = sim.code_deploy_target(s)?;
    let all = sim.code_deploy_deployments();
    let latest = all
        .iter()
        .rev()
        .find(|d| d.service == s && d.rollback_of.is_none())
        .map(|d| {
            let rollback = d.rolled_back_by.map(|r| &all[r]);
            let error = d
                .error
                .as_ref()
                .map(|(code, message)| format!("{code}: {message}"));
            let outcome = match (error, rollback) {
                (Some(e), Some(r)) => {
                    format!("{e} · rollback {} {}", r.id, r.status.as_str())
                }
                (Some(e), None) => format!("{e} · no rollback"),
                _ => String::new(),
            };
            CodeDeployRun {
                id: d.id.clone(),
                status: d.status.as_str(),
                open: d.status.open(),
                rolling_back: rollback.is_some_and(|r| r.status.open()),
                what: format!("{} · {}", d.task_definition, d.config),
                events: d
                    .events
                    .iter()
                    .map(|(e, st)| (e.as_str(), st.as_str()))
                    .collect(),
                waiting: d.waiting,
                outcome,
            }
        });
    Some(CodeDeployView {
        group: group.clone(),
        container,
        revisions,
        current: sim.services()[s].task_definition.clone(),
        latest,
    })
}

fn snapshot(sim: &Simulation, filter: &LogFilter) -> View {
    let mut counts = vec![(0usize, 0usize); sim.services().len()];
    for t in sim.tasks().iter().filter(|t| t.is_active()) {
        if let Some(s) = t.service {
            if t.last_status == ecs_engine::task::TaskStatus::Running {
                counts[s].0 += 1;
            } else {
                counts[s].1 += 1;
            }
        }
    }
    let services = sim
        .services()
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(s, (svc, (running, pending)))| ServiceView {
            deployment_arn: sim.deployment_in_progress_arn(s),
            hooks: svc
                .traffic_shift
                .iter()
                .flat_map(|x| x.gate.iter())
                .flat_map(|g| g.runs.iter().map(move |r| (g.stage, r)))
                .map(|(stage, r)| {
                    use ecs_engine::deployment_lifecycle_hook::HookStatus;
                    let awaiting = r.status == HookStatus::AwaitingAction;
                    let until = if r.status.open() {
                        format!(
                            " until {}, then {}",
                            r.expires_at,
                            r.hook.timeout_action.as_str()
                        )
                    } else {
                        String::new()
                    };
                    HookView {
                        id: r.id.clone(),
                        text: format!(
                            "{} hook {} at {} · {}{until}",
                            r.hook.label(),
                            r.id,
                            stage.as_str(),
                            r.status.as_str()
                        ),
                        awaiting,
                    }
                })
                .collect(),
            code_deploy: code_deploy_view(sim, s),
            connect: sim.service_connect_summary(s),
            discovery: sim.service_discovery_summary(s),
            volume: sim.volume_summary(s),
            status: svc.status.as_str(),
            name: svc.name.clone(),
            cluster: svc.cluster.clone(),
            desired: svc.desired_count,
            running,
            pending,
            // Fargate and DAEMON services take no placement strategy: say what they do.
            strategies: if sim
                .capacity_providers()
                .runs_on_fargate(svc.capacity.as_ref())
            {
                "Fargate: spread across the subnets' Availability Zones".to_string()
            } else if svc.scheduling == ecs_engine::service::SchedulingStrategy::Daemon {
                "DAEMON: one task on every instance that meets its constraints".to_string()
            } else {
                svc.strategies
                    .iter()
                    .map(|s| s.label())
                    .collect::<Vec<_>>()
                    .join(" → ")
            },
            constraints: svc
                .constraints
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(", "),
            deployment: svc
                .traffic_shift
                .as_ref()
                .map(|x| {
                    let to = if x.rollback {
                        "rolling back".to_string()
                    } else {
                        format!(
                            "{} % of production traffic on {}",
                            ecs_engine::blue_green::percent(x.green_tenths),
                            svc.task_definition
                        )
                    };
                    let failed = svc.deployments.last().is_some_and(|d| {
                        d.rollout_state == ecs_engine::deployment::RolloutState::Failed
                    });
                    let held = if failed {
                        " · FAILED, held until the next deployment"
                    } else {
                        ""
                    };
                    // A CodeDeploy deployment says its lifecycle event.
                    let ready = x.code_deploy.is_some_and(|cd| {
                        sim.code_deploy_deployments()
                            .get(cd)
                            .and_then(|d| d.waiting)
                            == Some(ecs_engine::code_deploy::WaitType::Ready)
                    });
                    let (kind, stage) = match x.code_deploy {
                        Some(_) if ready => (
                            format!("CodeDeploy {}", x.strategy.as_str()),
                            "Ready: waiting for ContinueDeployment",
                        ),
                        Some(_) => (
                            format!("CodeDeploy {}", x.strategy.as_str()),
                            ecs_engine::code_deploy::LifecycleEvent::of_stage(x.stage).map_or(
                                match x.stage {
                                    ecs_engine::blue_green::LifecycleStage::BakeTime => {
                                        "termination wait"
                                    }
                                    _ => "stopping the original task set",
                                },
                                |e| e.as_str(),
                            ),
                        ),
                        None => (x.strategy.as_str().to_string(), x.stage.as_str()),
                    };
                    format!("{kind} · {stage} · {to}{held}")
                })
                .or_else(|| sim.task_set_summary(s))
                .unwrap_or_default(),
            last_event: svc
                .events
                .last()
                .map(|e| e.message.clone())
                .unwrap_or_default(),
        })
        .collect();
    let entries = sim.log().entries();
    let target_groups = sim
        .target_groups()
        .iter()
        .enumerate()
        .map(|(g, tg)| {
            // Requests offered to the whole group: each target's share is of this.
            let total: f64 = tg
                .targets
                .iter()
                .filter_map(|o| sim.task_loads().get(o.task))
                .map(|l| l.offered_rps)
                .sum();
            TargetGroupView {
                name: tg.name.clone(),
                load_balancer: tg
                    .load_balancer
                    .and_then(|l| sim.load_balancers().get(l))
                    .map(|l| format!("{} ({})", l.name, tg.kind()))
                    .unwrap_or_default(),
                weight: sim
                    .listener_rule_weight(g)
                    .map(|w| format!("weight {} %", ecs_engine::blue_green::percent(w)))
                    .unwrap_or_default(),
                listeners: if tg.listeners.is_empty() {
                    "no listener in the scenario".to_string()
                } else {
                    tg.listeners.join(", ")
                },
                label: if tg.classic.is_some() {
                    "instances".to_string()
                } else {
                    tg.name.clone()
                },
                algorithm: match &tg.classic {
                    Some(c) => format!(
                        "{} · cross-zone {} · connection draining {} · health check {}",
                        tg.algorithm.as_str(),
                        if c.cross_zone { "on" } else { "off" },
                        match tg.deregistration_delay_s {
                            0 => "off".to_string(),
                            s => format!("{s} s"),
                        },
                        c.health_target
                    ),
                    None => tg.algorithm.as_str().to_string(),
                },
                app_runner: sim
                    .app_runner_comparison(g)
                    .map(|(config, sizing)| config.explain(&sizing))
                    .unwrap_or_default(),
                targets: tg
                    .targets
                    .iter()
                    .map(|x| {
                        let rps = sim.task_loads().get(x.task).map_or(0.0, |l| l.offered_rps);
                        let (label, reason) = match &tg.classic {
                            Some(_) => {
                                let (state, _, description) =
                                    ecs_engine::load_balancer::classic::instance_state(x);
                                (
                                    state,
                                    if description == "N/A" {
                                        ""
                                    } else {
                                        description
                                    },
                                )
                            }
                            None => (x.state.as_str(), x.reason.unwrap_or("")),
                        };
                        TargetView {
                            // A Classic Load Balancer registers the instance, not a port.
                            target: match tg.classic {
                                Some(_) => x.id.clone(),
                                None => format!("{}:{}", x.id, x.port),
                            },
                            task: sim.tasks()[x.task].id.chars().take(8).collect(),
                            state: x.state.as_str(),
                            label,
                            reason,
                            rps: rps.round() as u64,
                            share: if total > 0.0 {
                                (100.0 * rps / total).round() as u64
                            } else {
                                0
                            },
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    View {
        target_groups,
        splits: sim.listener_splits(),
        task_sets: sim.task_sets(),
        service_connect: service_connect_view::endpoints_view(sim),
        service_discovery: service_discovery_view::cloud_map_view(sim),
        scalable: sim
            .scalable_targets()
            .iter()
            .map(|t| ScalingView {
                resource_id: t.resource_id.clone(),
                min: t.min,
                max: t.max,
            })
            .collect(),
        forecasts: (0..sim.services().len())
            .flat_map(|s| sim.predictive_outlook(s))
            .map(|o| (o.policy.clone(), forecast_summary(&o)))
            .collect(),
        alarms: sim
            .alarms()
            .iter()
            .map(|a| (a.name.clone(), a.state.as_str()))
            .collect(),
        activities: sim.scaling_activities().iter().rev().cloned().collect(),
        end: sim.end(),
        services,
        revisions: sim
            .revision_states()
            .into_iter()
            .map(|(fr, status, tasks)| (fr, status.as_str(), tasks))
            .collect(),
        log: entries
            .iter()
            .rev()
            .filter(|e| filter.kind.is_empty() || format!("{:?}", e.kind) == filter.kind)
            .filter(|e| {
                filter.service.is_empty() || e.service.as_deref() == Some(filter.service.as_str())
            })
            .take(LOG_ROWS)
            .cloned()
            .collect(),
        log_len: entries.len(),
        running_tasks: sim
            .tasks()
            .iter()
            .filter(|t| t.last_status == ecs_engine::task::TaskStatus::Running)
            .count(),
        capacity: capacity::capacity_view(sim),
        logs: logs_view::logs_view(sim, &filter.task),
        aws: aws_view::aws_view(sim),
    }
}

/// The page's location hash, e.g. `#s=v1.…`.
fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// What to run at start: a shared link in the URL, else the autosaved scenario, else the
/// example; with a message when a link could not be opened or a scenario was restored.
fn initial_scenario() -> (Scenario, Option<String>, bool) {
    if ecs_engine::share::is_share_fragment(&location_hash()) {
        let (s, e) = scenario_from_location();
        return (s, e, false);
    }
    match persistence::restore() {
        Some(s) => (s, None, true),
        None => (example(), None, false),
    }
}

/// Toggles `data-<name>="<value>"` on the root element (theme, text size), remembered in
/// `localStorage`.
fn toggle_root_flag(name: &str, value: &str) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let attr = format!("data-{name}");
    let on = root.get_attribute(&attr).as_deref() != Some(value);
    let _ = if on {
        root.set_attribute(&attr, value)
    } else {
        root.remove_attribute(&attr)
    };
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(
            &format!("ecs-playground/{name}"),
            if on { value } else { "" },
        );
    }
}

/// Restores the theme and text size chosen earlier.
fn restore_root_flags() {
    let (Some(root), Some(storage)) = (
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element()),
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()),
    ) else {
        return;
    };
    for name in ["theme", "size"] {
        if let Ok(Some(v)) = storage.get_item(&format!("ecs-playground/{name}")) {
            if !v.is_empty() {
                let _ = root.set_attribute(&format!("data-{name}"), &v);
            }
        }
    }
}

/// The value of `?<key>=<value>` in the address (letters, digits and dashes only), or
/// `Some("")` for a bare `?<key>`.
fn query(key: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == key).then(|| {
            v.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(64)
                .collect()
        })
    })
}

/// The lesson named by `?lesson=<id>` in the address, if any.
fn lesson_from_location() -> Option<String> {
    query("lesson").filter(|id| !id.is_empty())
}

/// What to run: the scenario of a shared link in the URL, else the example; with the reason
/// when a link could not be opened.
fn scenario_from_location() -> (Scenario, Option<String>) {
    let hash = location_hash();
    if ecs_engine::share::is_share_fragment(&hash) {
        match ecs_engine::share::decode(&hash) {
            Ok(s) => return (s, None),
            Err(e) => {
                return (
                    example(),
                    Some(format!(
                        "This link could not be opened: {e} The example is shown instead."
                    )),
                )
            }
        }
    }
    (example(), None)
}

fn example() -> Scenario {
    Scenario::from_json(presets::EXAMPLE).unwrap_or_else(|_| {
        Scenario::from_json(r#"{"version": 1, "name": "Empty"}"#).expect("a minimal scenario loads")
    })
}

/// Fetches preset `stem` and loads it; `None` when there is no such preset.
async fn load_preset(stem: &str) -> Option<Result<Scenario, String>> {
    let json = presets::fetch(stem).await?;
    Some(json.and_then(|j| Scenario::from_json(&j).map_err(|e| e.to_string())))
}

#[component]
fn App() -> impl IntoView {
    #[cfg(feature = "bench")]
    if location_hash() == "#bench" {
        return view! { <bench::Bench/> }.into_any();
    }
    // `?embed`: the instances and one chart, playing, for slides (`&preset=<stem>` or a shared
    // link in the fragment; `&chart=tasks|cpu|requests|healthy`).
    let embed = query("embed").is_some();
    // The preset of an embed is fetched; the embed shows once it is there.
    let embed_preset = query("preset").filter(|p| embed && presets::stems().contains(p));
    let (initial, initial_error, restored) = match embed_preset {
        Some(_) => (example(), None, false),
        None => initial_scenario(),
    };
    let (scenario, set_scenario) = signal(initial.clone());
    provide_context(capacity::RefreshForms::default());
    let (load_error, set_load_error) = signal(initial_error);
    let (embed_ready, set_embed_ready) = signal(embed_preset.is_none());
    if let Some(stem) = embed_preset {
        leptos::task::spawn_local(async move {
            match load_preset(&stem).await {
                Some(Ok(s)) => set_scenario.set(s),
                Some(Err(e)) => set_load_error.set(Some(e)),
                None => {}
            }
            set_embed_ready.set(true);
        });
    }
    let (notice, set_notice) = signal(restored.then(|| {
        "Restored the scenario you were working on (autosaved in this browser).".to_string()
    }));
    let history = StoredValue::new_local(persistence::History::new(initial));
    let (can_undo, set_can_undo) = signal(false);
    let (can_redo, set_can_redo) = signal(false);
    // The picker shows the preset only while that preset is what runs: the documents of the
    // presets loaded so far, to compare with.
    let (picked, set_picked) = signal(String::new());
    let loaded_presets = StoredValue::new_local(vec![(
        "example".to_string(),
        serde_json::from_str::<serde_json::Value>(presets::EXAMPLE).unwrap_or_default(),
    )]);
    // Every change of scenario goes through here: shown, autosaved, and recorded for undo.
    let show = move |s: Scenario, record: bool| {
        persistence::autosave(&s);
        if record {
            history.update_value(|h| h.push(s.clone()));
        }
        history.with_value(|h| {
            set_can_undo.set(h.can_undo());
            set_can_redo.set(h.can_redo());
        });
        let stem = loaded_presets
            .with_value(|p| {
                p.iter()
                    .find(|(_, doc)| *doc == s.raw)
                    .map(|(stem, _)| stem.clone())
            })
            .unwrap_or_default();
        set_picked.set(stem);
        set_scenario.set(s);
    };
    // A shared link pasted into the address bar of an open page.
    let on_hash = leptos::prelude::window_event_listener(leptos::ev::hashchange, move |_| {
        if ecs_engine::share::is_share_fragment(&location_hash()) {
            let (s, e) = scenario_from_location();
            show(s, true);
            set_load_error.set(e);
        }
    });
    on_cleanup(move || on_hash.remove());
    // Presets arrive over the network: only the answer for the latest choice is shown.
    let chosen = StoredValue::new(String::new());
    let choose_preset = move |ev: leptos::ev::Event| {
        let stem = event_target_value(&ev);
        chosen.set_value(stem.clone());
        leptos::task::spawn_local(async move {
            let loaded = load_preset(&stem).await;
            if chosen.get_value() != stem {
                return;
            }
            match loaded {
                Some(Ok(s)) => {
                    loaded_presets.update_value(|p| {
                        if !p.iter().any(|(x, _)| *x == stem) {
                            p.push((stem.clone(), s.raw.clone()));
                        }
                    });
                    show(s, true);
                    set_load_error.set(None);
                    set_notice.set(None);
                }
                Some(Err(e)) => {
                    set_load_error.set(Some(format!("Preset {stem} does not load: {e}")))
                }
                None => {}
            }
        });
    };
    let undo = move |_| {
        if let Some(s) = history.try_update_value(|h| h.undo()).flatten() {
            show(s, false);
        }
    };
    let redo = move |_| {
        if let Some(s) = history.try_update_value(|h| h.redo()).flatten() {
            show(s, false);
        }
    };
    // Lessons: the one chosen (also `?lesson=<id>` in the address), steps done, live goals.
    let (lesson, set_lesson) = signal(None::<ecs_engine::lesson::Lesson>);
    let lesson_done = RwSignal::new(0usize);
    let lesson_goals = RwSignal::new(Vec::<ecs_engine::lesson::GoalStatus>::new());
    // A lesson and then its preset are fetched.
    let start_lesson = move |id: String| {
        leptos::task::spawn_local(async move {
            let lesson = presets::fetch_lesson(&id)
                .await
                .map(|json| json.and_then(|j| ecs_engine::lesson::Lesson::from_json(&j)));
            match lesson {
                Some(Ok(l)) => match load_preset(&l.preset).await {
                    Some(Ok(s)) => {
                        lesson_done.set(0);
                        lesson_goals.set(Vec::new());
                        set_lesson.set(Some(l));
                        set_notice.set(None);
                        show(s, true);
                    }
                    _ => set_load_error.set(Some(format!(
                        "Lesson {id} names a preset that does not load: {}",
                        l.preset
                    ))),
                },
                Some(Err(e)) => set_load_error.set(Some(format!("Lesson {id} does not load: {e}"))),
                None => set_load_error.set(Some(format!("There is no lesson {id}."))),
            }
        });
    };
    if let Some(id) = lesson_from_location() {
        start_lesson(id);
    }
    let choose_lesson = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        if id.is_empty() {
            set_lesson.set(None);
        } else {
            start_lesson(id);
        }
    };
    // Where the clock is, so edits from the build panel resume the run there.
    let clock = RwSignal::new(SimTime::ZERO);
    let resume_at = RwSignal::new(SimTime::ZERO);
    let apply_edit = Callback::new(move |s: Scenario| {
        resume_at.set(clock.get_untracked());
        show(s, true);
    });
    let fault_targets = RwSignal::new(fault_form::FaultTargets::default());
    let log_filter = RwSignal::new(LogFilter::default());
    let (apply_error, set_apply_error) = signal(None::<String>);
    // The line of the applied text that the error is about, when it names one.
    let apply_line = RwSignal::new(None::<usize>);
    let editor = NodeRef::<leptos::html::Textarea>::new();
    let apply = move |_| {
        let Some(text) = editor.get().map(|t| t.value()) else {
            return;
        };
        match Scenario::from_json(&text) {
            Ok(s) => {
                set_apply_error.set(None);
                set_notice.set(None);
                show(s, true);
            }
            Err(e) => {
                apply_line.set(e.line);
                set_apply_error.set(Some(format!("Not applied: {e}")));
            }
        }
    };
    let import = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        let name = file.name();
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string());
            apply_line.set(None);
            match text.map(|t| Scenario::from_json(&t)) {
                Some(Ok(s)) => {
                    set_apply_error.set(None);
                    set_notice.set(Some(format!("Imported {name}.")));
                    show(s, true);
                }
                Some(Err(e)) => set_apply_error.set(Some(format!("{name} was not imported: {e}"))),
                None => set_apply_error.set(Some(format!("{name} could not be read as text."))),
            }
        });
    };
    if embed {
        let chart = format!(
            "chart-{}",
            query("chart")
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "tasks".into())
        );
        return view! {
            <div class="embed" data-chart=chart.clone()>
                <style>{format!(".embed .chart:not(#{chart}) {{ display: none; }}")}</style>
                {move || load_error.get().map(|e| view! { <p class="error" role="alert" id="load-error">{e}</p> })}
                {move || embed_ready.get().then(|| view! {
                    <Playground scenario=scenario.get() lesson=lesson lesson_done=lesson_done lesson_goals=lesson_goals autoplay=true clock=clock resume_at=SimTime::ZERO fault_targets=fault_targets log_filter=log_filter/>
                })}
            </div>
        }
        .into_any();
    }
    view! {
        <header class="topbar">
            <h1>"ECS Playground"</h1>
            <span class="scenario-name" id="scenario-name" title=move || scenario.with(|s| s.name.clone())>{move || scenario.get().name.clone()}</span>
            <button id="undo" class="topbar-button" on:click=undo disabled=move || !can_undo.get() title="Undo the last change of scenario">"Undo"</button>
            <button id="redo" class="topbar-button" on:click=redo disabled=move || !can_redo.get() title="Redo">"Redo"</button>
            <button id="theme" class="topbar-button" on:click=move |_| toggle_root_flag("theme", "dark") title="Light or dark theme">"Theme"</button>
            <button id="large-text" class="topbar-button" on:click=move |_| toggle_root_flag("size", "large") title="Large text, for projectors">"A+"</button>
            <span class="picker preset-label"><label for="lesson">"Lesson"</label>
            <select id="lesson" on:change=choose_lesson prop:value=move || lesson.with(|l| l.as_ref().map(|l| l.id.clone()).unwrap_or_default())>
                <option value="">"None"</option>
                {presets::lesson_ids().into_iter().map(|id| view! { <option value=id.clone()>{id.clone()}</option> }).collect_view()}
            </select></span>
            <span class="picker"><label for="preset">"Preset"</label>
            <select id="preset" on:change=choose_preset prop:value=move || picked.get()>
                <option value="" selected=true disabled=true>"Choose a preset…"</option>
                {presets::topics().into_iter().map(|(topic, stems)| view! {
                    <optgroup label=topic>
                        {stems.into_iter().map(|stem| view! { <option value=stem.clone()>{stem.clone()}</option> }).collect_view()}
                    </optgroup>
                }).collect_view()}
            </select></span>
        </header>
        {move || load_error.get().map(|e| view! { <p class="error" role="alert" id="load-error">{e}</p> })}
        {move || notice.get().map(|n| view! { <p class="notice" id="notice">{n}</p> })}
        {move || lesson.get().map(|l| view! { <lessons::LessonPanel lesson=l done=lesson_done.read_only() goals=lesson_goals.read_only()/> })}
        <details class="editor" id="scenario-editor">
            <summary>"Scenario JSON: edit, import, export"</summary>
            <textarea id="scenario-json" spellcheck="false" aria-label="Scenario JSON" node_ref=editor
                prop:value=move || scenario.with(|s| s.to_json_pretty())></textarea>
            <div class="editor-actions">
                <button id="apply" on:click=apply>"Apply"</button>
                <a id="export" class="button" href=move || scenario.with(persistence::export_href)
                    download=move || scenario.with(persistence::export_file_name)>"Export JSON"</a>
                <label class="button" for="import">"Import JSON file…"</label>
                <input type="file" id="import" accept=".json,application/json" on:change=import/>
            </div>
            {move || apply_error.get().map(|e| view! { <p class="error" role="alert" id="apply-error">{e}
                {apply_line.get_untracked().map(|l| view! { " " <button type="button" id="apply-error-line"
                    on:click=move |_| if let Some(a) = editor.get_untracked() { task_definition_form::select_line(&a, None, l) }>{format!("Go to line {l}")}</button> })}
            </p> })}
        </details>
        <build::BuildPanel scenario=scenario clock=clock apply=apply_edit/>
        <fault_form::FaultsPanel scenario=scenario clock=clock targets=fault_targets.read_only() apply=apply_edit/>
        <scaling_form::ScalingPanel scenario=scenario clock=clock apply=apply_edit/>
        <assumptions::AssumptionsPanel scenario=scenario apply=apply_edit/>
        {move || {
            let s = scenario.get();
            // Only edits from the build panel resume mid-run; everything else starts at zero.
            let at = resume_at.get_untracked();
            resume_at.set(SimTime::ZERO);
            view! { <Playground scenario=s lesson=lesson lesson_done=lesson_done lesson_goals=lesson_goals autoplay=false clock=clock resume_at=at fault_targets=fault_targets log_filter=log_filter apply=apply_edit/> }
        }}
    }
    .into_any()
}

/// The address of the page with the scenario in its fragment.
fn share_url(scenario: &Scenario) -> String {
    let fragment = ecs_engine::share::encode(&scenario.raw);
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    format!("{base}#{fragment}")
}

#[component]
fn Playground(
    scenario: Scenario,
    lesson: ReadSignal<Option<ecs_engine::lesson::Lesson>>,
    lesson_done: RwSignal<usize>,
    lesson_goals: RwSignal<Vec<ecs_engine::lesson::GoalStatus>>,
    /// Start playing at once (the embed mode).
    autoplay: bool,
    /// Where the clock is now, for the page.
    clock: RwSignal<SimTime>,
    /// Replay up to this time before showing the run (after an edit made mid-run).
    resume_at: SimTime,
    /// What the Faults form can break, kept up to date with the cluster.
    fault_targets: RwSignal<fault_form::FaultTargets>,
    /// Which event-log entries show; kept by the page, so an edit (which replays the run)
    /// keeps the reader's choice.
    log_filter: RwSignal<LogFilter>,
    /// Receives the edits made from the instance cards (drain, terminate); none in the
    /// embed mode, whose cards have no buttons.
    #[prop(optional)]
    apply: Option<Callback<Scenario>>,
) -> impl IntoView {
    // The full-run digest: the determinism fingerprint the browser test compares with the
    // native engine's.
    // Computed after the first paint (a large scenario takes seconds to run to its end): 100 ms
    // leaves the browser a frame to show the page first.
    let (digest, set_digest) = signal(None::<String>);
    {
        let scenario = scenario.clone();
        gloo_timers::callback::Timeout::new(100, move || {
            let mut full = Simulation::new(scenario);
            let d = match full.run_to_end() {
                Ok(()) => full.log().digest(),
                Err(e) => format!("error: {e}"),
            };
            let _ = set_digest.try_set(Some(d));
        })
        .forget();
    }
    let description = scenario.description.clone();
    let link = share_url(&scenario);
    let (shared, set_shared) = signal(None::<String>);
    let copy_link = {
        let link = link.clone();
        move |_| {
            if let Some(w) = web_sys::window() {
                if let Ok(history) = w.history() {
                    let fragment = link
                        .split_once('#')
                        .map(|(_, f)| format!("#{f}"))
                        .unwrap_or_default();
                    let _ = history.replace_state_with_url(
                        &wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&fragment),
                    );
                }
                let _ = w.navigator().clipboard().write_text(&link);
            }
            set_shared.set(Some(link.clone()));
        }
    };
    let raw = StoredValue::new(scenario.raw.clone());
    let mut first = Simulation::new(scenario);
    // Process what happens at time zero (registrations, service creation) before showing it.
    let start_error = first.advance_to(resume_at).err();
    clock.set(first.now());
    let sim = StoredValue::new_local(first);
    let snapshot = move |s: &Simulation| snapshot(s, &log_filter.get_untracked());
    let (view_state, set_view) = signal(sim.with_value(snapshot));
    let (cards, set_cards) = signal(sim.with_value(cluster::cluster_view));
    fault_targets.set(cards.with_untracked(fault_form::fault_targets));
    let (now, set_now) = signal(sim.with_value(|s| s.now()));
    // The clock moves every tick; the rest of the view is published only when it changed,
    // so a quiet large cluster costs little per frame.
    let publish = move |s: &Simulation| {
        set_now.set(s.now());
        let v = snapshot(s);
        if view_state.with_untracked(|old| *old != v) {
            set_view.set(v);
        }
    };
    let cards_at = StoredValue::new(sim.with_value(|s| s.change_count()));
    let refresh_cards = move |s: &Simulation| {
        if cards_at.get_value() != s.change_count() {
            cards_at.set_value(s.change_count());
            let view = cluster::cluster_view(s);
            let targets = fault_form::fault_targets(&view);
            if fault_targets.with_untracked(|t| *t != targets) {
                fault_targets.set(targets);
            }
            set_cards.set(view);
        }
    };
    let (chart_svgs, set_charts) = signal(sim.with_value(draw_charts));
    // Charts change once a simulated minute; redraw only then.
    let refresh_charts = move |s: &Simulation| {
        let minutes = s.time_series().timestamps_ms.len();
        if chart_svgs.with_untracked(|c| c.0) != minutes {
            set_charts.set(draw_charts(s));
        }
        // Lesson goals are judged by the engine against this run's state.
        lesson.with_untracked(|l| {
            if let Some(l) = l {
                let done = s.lesson_progress(l, lesson_done.get_untracked());
                if done != lesson_done.get_untracked() {
                    lesson_done.set(done);
                }
                let goals = l
                    .steps
                    .get(done)
                    .map(|step| step.goals.iter().map(|g| s.check_goal(g)).collect())
                    .unwrap_or_default();
                lesson_goals.set(goals);
            }
        });
    };
    // A service's Explain: where its next task would go, and DescribeServices of it now.
    let (explanation, set_explanation) = signal(
        None::<(
            Result<ecs_engine::placement::explain::Explanation, String>,
            String,
        )>,
    );
    let explain = move |service: String| {
        set_explanation.set(Some(sim.with_value(|s| {
            let described = s.describe_service_by_name(&service).map_or_else(
                |e| e,
                |v| serde_json::to_string_pretty(&v).unwrap_or_default(),
            );
            (s.explain_next_placement(&service), described)
        })))
    };
    let (playing, set_playing) = signal(autoplay);
    let (speed, set_speed) = signal(60u32);
    let (error, set_error) = signal(start_error);
    // An edit at the current time from the cluster or capacity view, so a shared link replays
    // it: a card's Drain or Terminate button (the Faults form's edits), a group's capacity
    // buttons (UpdateAutoScalingGroup), a bucket's Upload button (PutObject).
    let edit_now = move |apply: Callback<Scenario>,
                         edit: &dyn Fn(
        &serde_json::Value,
        SimTime,
    ) -> Result<serde_json::Value, String>| {
        let at = sim.with_value(|s| s.now());
        let edited = raw.with_value(|doc| edit(doc, at));
        match edited.and_then(|d| Scenario::from_value(d).map_err(|e| e.to_string())) {
            Ok(s) => apply.run(s),
            Err(e) => set_error.set(Some(e)),
        }
    };
    let card_action = apply.map(|apply| {
        Callback::new(move |(instance, action): (String, cluster::CardAction)| {
            edit_now(apply, &|doc, at| match action {
                cluster::CardAction::Drain => ecs_engine::edit::drain_instance(doc, &instance, at),
                cluster::CardAction::Terminate => ecs_engine::edit::add_fault(
                    doc,
                    &serde_json::json!({"type": "InstanceTermination", "instance": instance}),
                    at,
                ),
            })
        })
    });
    let upload = apply.map(|apply| {
        Callback::new(move |(bucket, key): (String, String)| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::put_object(doc, &bucket, &key, at)
            })
        })
    });
    let change_revision = apply.map(|apply| {
        Callback::new(move |(revision, delete): (String, bool)| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::change_task_definition(doc, &revision, delete, at)
            })
        })
    });
    let delete_service = apply.map(|apply| {
        Callback::new(move |(cluster, service): (String, String)| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::delete_service(doc, &cluster, &service, at)
            })
        })
    });
    let redeploy = apply.map(|apply| {
        Callback::new(move |(cluster, service): (String, String)| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::force_new_deployment(doc, &cluster, &service, at)
            })
        })
    });
    let shift_listener = apply.map(|apply| {
        Callback::new(
            move |(arn, groups, percent): (String, [String; 2], String)| {
                edit_now(apply, &|doc, at| {
                    let percent = percent.trim().parse::<u32>().map_err(|_| {
                        format!(
                            "Weight: \"{}\" is not a whole percentage from 0 to 100",
                            percent.trim()
                        )
                    })?;
                    ecs_engine::edit::shift_listener(
                        doc,
                        &arn,
                        [&groups[0], &groups[1]],
                        percent,
                        at,
                    )
                })
            },
        )
    });
    let scale_task_set = apply.map(|apply| {
        Callback::new(
            move |(cluster, service, task_set, percent): (String, String, String, String)| {
                edit_now(apply, &|doc, at| {
                    let percent = percent.trim().parse::<f64>().map_err(|_| {
                        format!(
                            "scale.value: \"{}\" is not a percentage from 0 to 100",
                            percent.trim()
                        )
                    })?;
                    ecs_engine::edit::update_task_set(
                        doc, &cluster, &service, &task_set, percent, at,
                    )
                })
            },
        )
    });
    // A task set call (cluster, service, task set) made at the current time.
    type TaskSetEdit =
        fn(&serde_json::Value, &str, &str, &str, SimTime) -> Result<serde_json::Value, String>;
    let task_set_edit = move |edit: TaskSetEdit| {
        apply.map(|apply| {
            Callback::new(
                move |(cluster, service, task_set): (String, String, String)| {
                    edit_now(apply, &|doc, at| {
                        edit(doc, &cluster, &service, &task_set, at)
                    })
                },
            )
        })
    };
    let primary_task_set = task_set_edit(ecs_engine::edit::update_primary_task_set);
    let delete_task_set = task_set_edit(ecs_engine::edit::delete_task_set);
    let stop_deployment = apply.map(|apply| {
        Callback::new(move |arn: String| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::stop_service_deployment(doc, &arn, at)
            })
        })
    });
    let continue_hook = apply.map(|apply| {
        Callback::new(move |(arn, hook, action): (String, String, &'static str)| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::continue_service_deployment(doc, &arn, &hook, action, at)
            })
        })
    });
    let code_deploy_create = apply.map(|apply| {
        Callback::new(move |(cd, revision): (CodeDeployView, String)| {
            edit_now(apply, &|doc, at| {
                let container = (cd.container.0.as_str(), cd.container.1);
                ecs_engine::edit::create_deployment(doc, &cd.group, &revision, container, at)
            })
        })
    });
    let code_deploy_continue = apply.map(|apply| {
        Callback::new(move |(id, wait): (String, &'static str)| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::continue_deployment(doc, &id, wait, at)
            })
        })
    });
    let code_deploy_stop = apply.map(|apply| {
        Callback::new(move |id: String| {
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::stop_deployment(doc, &id, at)
            })
        })
    });
    let stop_task = apply.map(|apply| {
        // A chip carries the task ID's first 8 characters; StopTask takes the whole ID.
        Callback::new(move |short: String| {
            let (task, cluster) = sim.with_value(|s| {
                s.tasks()
                    .iter()
                    .find(|t| t.is_active() && t.id.starts_with(&short))
                    .map(|t| (t.id.clone(), t.cluster.clone()))
                    .or_else(|| {
                        // A task waiting in PROVISIONING can be stopped too (10.1).
                        s.provisioning_task_records()
                            .iter()
                            .find(|w| w.id.starts_with(&short))
                            .map(|w| (w.id.to_string(), w.cluster.to_string()))
                    })
                    .unwrap_or_else(|| (short.clone(), "default".to_string()))
            });
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::stop_task(doc, &cluster, &task, "", at)
            })
        })
    });
    // ECS Exec from the task panel: an ExecuteCommand call at the current time.
    let exec_task = apply.map(|apply| {
        Callback::new(
            move |(task, cluster, container, command): (String, String, String, String)| {
                edit_now(apply, &|doc, at| {
                    ecs_engine::edit::execute_command(
                        doc, &cluster, &task, &container, &command, at,
                    )
                })
            },
        )
    });
    let group_action = apply.map(|apply| {
        Callback::new(
            move |(group, sizes): (String, ecs_engine::edit::GroupCapacity)| {
                edit_now(apply, &|doc, at| {
                    ecs_engine::edit::set_group_capacity(doc, &group, sizes, at)
                })
            },
        )
    });

    let refresh_action = apply.map(|apply| {
        Callback::new(
            move |(group, choice): (String, Option<ecs_engine::edit::RefreshChoice>)| {
                edit_now(apply, &|doc, at| match &choice {
                    Some(choice) => {
                        ecs_engine::edit::start_instance_refresh(doc, &group, choice, at)
                    }
                    None => ecs_engine::edit::cancel_instance_refresh(doc, &group, at),
                })
            },
        )
    });

    let warm_action = apply.map(|apply| {
        Callback::new(
            move |(group, choice): (String, ecs_engine::edit::WarmPoolChoice)| {
                edit_now(apply, &|doc, at| {
                    ecs_engine::edit::put_warm_pool(doc, &group, &choice, at)
                })
            },
        )
    });

    let hook_action = apply.map(|apply| {
        Callback::new(move |(group, continues): (String, bool)| {
            // Every (instance, hook) wait of the group now.
            let holds: Vec<(String, String)> = sim.with_value(|s| {
                s.auto_scaling_groups()
                    .iter()
                    .filter(|g| g.spec.name == group)
                    .flat_map(|g| &g.instances)
                    .flat_map(|i| i.hooks.iter().map(|w| (i.id.clone(), w.hook.clone())))
                    .collect()
            });
            edit_now(apply, &|doc, at| {
                ecs_engine::edit::complete_lifecycle_actions(doc, &group, &holds, continues, at)
            })
        })
    });

    let advance = move |by_ms: u64| {
        sim.update_value(|s| {
            let target = s.now().plus_ms(by_ms);
            if let Err(e) = s.advance_to(target) {
                set_error.set(Some(e));
            }
            if s.now() >= s.end() {
                set_playing.set(false);
            }
            publish(s);
            refresh_cards(s);
            refresh_charts(s);
            clock.set(s.now());
        });
    };

    // The clock: while playing, each tick advances simulated time by speed × tick.
    let timer: Rc<RefCell<Option<Interval>>> = Rc::new(RefCell::new(None));
    {
        let timer = Rc::clone(&timer);
        Effect::new(move |_| {
            if playing.get() {
                *timer.borrow_mut() = Some(Interval::new(TICK_MS, move || {
                    advance(u64::from(speed.get_untracked()) * u64::from(TICK_MS));
                }));
            } else {
                timer.borrow_mut().take();
            }
        });
    }

    let step = move |_: ()| {
        sim.update_value(|s| {
            s.step();
            publish(s);
            refresh_cards(s);
            refresh_charts(s);
            clock.set(s.now());
        });
    };
    // Keyboard: Space plays or pauses, → steps, unless the focus is in a field.
    let keys = leptos::prelude::window_event_listener(leptos::ev::keydown, move |ev| {
        use wasm_bindgen::JsCast;
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| {
                matches!(
                    el.tag_name().as_str(),
                    "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON"
                )
            });
        if typing || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        match ev.key().as_str() {
            " " => {
                ev.prevent_default();
                set_playing.update(|p| *p = !*p);
            }
            "ArrowRight" => {
                ev.prevent_default();
                step(());
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
    // The timeline: any earlier moment is a replay from the start (the engine is
    // deterministic); a later one is simply reached.
    // Replays the scenario from the start up to `to`.
    let replay = move |to: SimTime| {
        let scenario = sim.with_value(|s| s.scenario().clone());
        let mut fresh = Simulation::new(scenario);
        if let Err(e) = fresh.advance_to(to) {
            set_error.set(Some(e));
        }
        publish(&fresh);
        refresh_cards(&fresh);
        set_charts.set(draw_charts(&fresh));
        refresh_charts(&fresh);
        clock.set(fresh.now());
        sim.set_value(fresh);
    };
    // The timeline: any earlier moment is a replay from the start (the engine is
    // deterministic); a later one is simply reached.
    let seek = move |to: SimTime| {
        set_playing.set(false);
        let now = sim.with_value(|s| s.now());
        if to >= now {
            advance(to.as_ms() - now.as_ms());
        } else {
            replay(to);
        }
    };
    let reset = move |_| {
        replay(SimTime::ZERO);
        set_explanation.set(None);
        set_playing.set(false);
    };

    view! {
        <p class="description" id="description">{description}</p>
        <section class="controls" aria-label="Simulation controls">
            <button id="play" on:click=move |_| set_playing.set(true) disabled=move || playing.get() title="Play (Space)">"Play"</button>
            <button id="pause" on:click=move |_| set_playing.set(false) disabled=move || !playing.get() title="Pause (Space)">"Pause"</button>
            <button id="step" on:click=move |_| step(()) title="Step (→)">"Step"</button>
            <button id="reset" on:click=reset>"Reset"</button>
            <label for="speed">"Speed"</label>
            <select id="speed" on:change=move |ev| {
                if let Ok(v) = event_target_value(&ev).parse::<u32>() { set_speed.set(v) }
            }>
                {SPEEDS.iter().map(|s| view! { <option value=s.to_string() selected=*s == 60>{format!("{s}×")}</option> }).collect_view()}
            </select>
            <span class="clock" id="clock" aria-live="off">{move || now.get().to_string()}</span>
            <input type="range" id="timeline" aria-label="Timeline: go to any moment of the run" min="0"
                max=move || (view_state.get().end.as_ms() / 1000).to_string()
                prop:value=move || (now.get().as_ms() / 1000).to_string()
                on:change=move |ev| {
                    if let Ok(secs) = event_target_value(&ev).parse::<u64>() {
                        seek(SimTime(secs * 1000));
                    }
                }/>
            <span class="muted">{move || format!("of {}", view_state.get().end)}</span>
            <span class="muted" id="running-count">{move || format!("{} tasks running", view_state.get().running_tasks)}</span>
            <button id="copy-link" on:click=copy_link title="Put this scenario in the address bar and copy the link">"Copy link"</button>
        </section>
        {move || shared.get().map(|l| view! {
            <p class="shared">"Link copied (" {l.len()} " characters): "
                <input id="share-link" readonly=true value=l.clone() aria-label="Shared link"/>
            </p>
        })}
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <main class="panes">
            <section class="pane" aria-label="Container instances">
                <h2>"Container instances"</h2>
                <cluster::ClusterLanes view=cards act=card_action/>
            </section>
            <section class="pane" aria-label="Services">
                <h2>"Services"</h2>
                <table id="services" class="services">
                    <thead><tr><th>"service"</th><th>"cluster"</th><th>"desired"</th><th>"running"</th><th>"pending"</th><th>"placement"</th><th></th></tr></thead>
                    <tbody>
                    {move || view_state.get().services.into_iter().map(|s| {
                        // Explain names the cluster too: two clusters may each have a `web`.
                        let name = format!("{}/{}", s.cluster, s.name);
                        let active = s.status == "ACTIVE";
                        let delete = delete_service.filter(|_| active).map(|delete| {
                            let (name, cluster) = (s.name.clone(), s.cluster.clone());
                            view! {
                                <button class="delete-service" title="DeleteService with force at the current time: its tasks stop, and the service goes DRAINING, then INACTIVE"
                                    aria-label=format!("Delete service {name}")
                                    on:click=move |_| delete.run((cluster.clone(), name.clone()))>"Delete"</button>
                            }
                        });
                        let roll_back = stop_deployment.zip(s.deployment_arn.clone()).map(|(stop, arn)| {
                            let name = s.name.clone();
                            view! {
                                <button class="roll-back" title="StopServiceDeployment with stopType ROLLBACK at the current time: a blue/green, linear or canary deployment sends production traffic back to the old revision at once; a rolling one deploys the last completed revision again"
                                    aria-label=format!("Roll back the deployment of service {name}")
                                    on:click=move |_| stop.run(arn.clone())>"Roll back"</button>
                            }
                        });
                        view! {
                            <tr class="service" data-service=s.name.clone() data-status=s.status>
                                <td><strong>{s.name.clone()}</strong>
                                    {(!active).then(|| view! { " "<span class="badge status">{s.status}</span> })}
                                    {(!s.deployment.is_empty()).then(|| view! { <br/><span class="small deployment-stage" title="the blue/green, linear or canary deployment under way (strategy · lifecycle stage · traffic), or an EXTERNAL service's task sets (status and scale)">{s.deployment.clone()}</span> })}
                                    {s.connect.clone().map(|c| view! { <br/><span class="small muted service-connect" title="Service Connect: the namespace and the client aliases this service serves">{c}</span> })}
                                    {s.discovery.clone().map(|c| view! { <br/><span class="small muted service-discovery" title="Service discovery: the Cloud Map service its tasks register in (serviceRegistries)">{c}</span> })}
                                    {s.volume.clone().map(|c| view! { <br/><span class="small muted service-volume" title="volumeConfigurations: the Amazon EBS volume ECS creates and attaches for each task">{c}</span> })}
                                </td>
                                <td>{s.cluster.clone()}</td>
                                <td class="num">{s.desired}</td>
                                <td class="num running">{s.running}</td>
                                <td class="num pending">{s.pending}</td>
                                <td class="small">{s.strategies.clone()}<br/><span class="muted">{s.constraints.clone()}</span></td>
                                <td class="service-actions"><button class="explain" on:click=move |_| explain(name.clone())>"Explain"</button>{roll_back}{delete}</td>
                            </tr>
                            {s.hooks.iter().map(|h| {
                                let hook_buttons = continue_hook.zip(s.deployment_arn.clone()).filter(|_| h.awaiting).map(|(go, arn)| {
                                    let (arn2, id, id2) = (arn.clone(), h.id.clone(), h.id.clone());
                                    view! {
                                        <button class="deploy-hook-continue" title="ContinueServiceDeployment with action CONTINUE at the current time: the deployment goes on to the next lifecycle stage"
                                            aria-label=format!("Continue deployment hook {id}")
                                            on:click=move |_| go.run((arn.clone(), id.clone(), "CONTINUE"))>"Continue"</button>
                                        <button class="deploy-hook-rollback" title="ContinueServiceDeployment with action ROLLBACK at the current time: production traffic goes back to the previous revision at once"
                                            aria-label=format!("Roll back at deployment hook {id2}")
                                            on:click=move |_| go.run((arn2.clone(), id2.clone(), "ROLLBACK"))>"Roll back"</button>
                                    }
                                });
                                view! {
                                    <tr class="deploy-hook" data-hook=h.id.clone()><td colspan="6" class="small">{h.text.clone()}</td><td class="service-actions">{hook_buttons}</td></tr>
                                }
                            }).collect_view()}
                            {s.code_deploy.clone().map(|cd| view! {
                                <CodeDeployRow cd=cd create=code_deploy_create go=code_deploy_continue stop=code_deploy_stop/>
                            })}
                            <tr class="service-event"><td colspan="7" class="small muted">{s.last_event.clone()}</td></tr>
                        }
                    }).collect_view()}
                    </tbody>
                </table>
                <ul id="revisions" class="revisions small" aria-label="Task definition revisions">
                    <li class="muted" title="Each registered revision: ACTIVE runs new tasks and services; INACTIVE (deregistered) keeps what runs it; DELETE_IN_PROGRESS is deleted once nothing uses it">"Task definitions:"</li>
                    {move || view_state.get().revisions.into_iter().map(|(revision, status, tasks)| {
                        let button = change_revision.and_then(|change| {
                            let (label, title, delete) = match status {
                                "ACTIVE" => ("Deregister", "DeregisterTaskDefinition at the current time: INACTIVE; running tasks and services keep it, nothing new may use it", false),
                                "INACTIVE" => ("Delete", "DeleteTaskDefinitions at the current time: DELETE_IN_PROGRESS until no task or service uses it, then gone", true),
                                _ => return None,
                            };
                            let r = revision.clone();
                            Some(view! {
                                <button class="revision-action" title=title aria-label=format!("{label} {r}")
                                    on:click=move |_| change.run((r.clone(), delete))>{label}</button>
                            })
                        });
                        view! {
                            <li class="revision" data-revision=revision.clone() data-status=status>
                                <span class="mono">{revision.clone()}</span>" "
                                <span class=format!("badge td-status {}", status.to_ascii_lowercase())>{status}</span>
                                {(tasks > 0).then(|| view! { <span class="muted">{format!(" {tasks} task{}", if tasks == 1 { "" } else { "s" })}</span> })}
                                " "{button}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || explanation.get().map(|(e, described)| view! {
                    {match e {
                        Ok(e) => view! { <task_explain::NextPlacementView e=e/> }.into_any(),
                        // Why no placement decision applies (a Fargate service).
                        Err(msg) => view! { <p id="explanation" class="explanation outcome">{msg}</p> }.into_any(),
                    }}
                    <details id="service-describe" class="task-describe">
                        <summary>"DescribeServices: this service as the AWS CLI shows it now (deployments, events)"</summary>
                        <pre>{described}</pre>
                    </details>
                })}
            </section>
            <section class="pane" aria-label="Load balancing and auto scaling">
                <h2>"Load balancer targets"</h2>
                {move || {
                    let v = view_state.get();
                    if v.target_groups.is_empty() {
                        return view! { <p class="muted small">"No target groups in this scenario."</p> }.into_any();
                    }
                    v.target_groups.into_iter().map(|g| view! {
                        <table class="targets" data-target-group=g.name.clone()>
                            <caption class="lb-path" title="load balancer → listener → target group (algorithm) → targets">
                                <span class="lb">{g.load_balancer.clone()}</span>" → "
                                <span class="listener">{g.listeners.clone()}</span>
                                {(!g.weight.is_empty()).then(|| view! { " "<span class="rule-weight" title="the listener's weight for this target group: a weighted forward (ModifyListener shifts it), or a blue/green, linear or canary deployment's production rule">{g.weight.clone()}</span> })}
                                " → "
                                <strong>{g.label.clone()}</strong>
                                <span class="muted">{format!(" ({})", g.algorithm)}</span>
                            </caption>
                            <thead><tr><th>"target"</th><th>"task"</th><th>"state"</th><th>"req/s"</th><th>"share"</th><th>"reason"</th></tr></thead>
                            <tbody>
                            {g.targets.into_iter().map(|t| view! {
                                <tr class="target" data-state=t.state>
                                    <td class="mono">{t.target}</td><td class="mono">{t.task}</td>
                                    <td><span class=format!("state {}", t.state)>{t.label}</span></td>
                                    <td class="num rps">{t.rps}</td><td class="num share">{format!("{} %", t.share)}</td>
                                    <td class="small muted">{t.reason}</td>
                                </tr>
                            }).collect_view()}
                            </tbody>
                            {(!g.app_runner.is_empty()).then(|| view! {
                                <tfoot><tr><td colspan="6" class="small muted app-runner"
                                    title="App Runner scales on concurrent requests per instance; the exact policy is not published (section 11)">
                                    {format!("The same requests in flight {}.", g.app_runner)}
                                </td></tr></tfoot>
                            })}
                        </table>
                    }).collect_view().into_any()
                }}
                {move || {
                    let splits = view_state.get().splits;
                    (!splits.is_empty()).then(|| view! {
                        <ul id="listener-splits" class="splits small">
                            {splits.into_iter().enumerate().map(|(i, sp)| {
                                let input = format!("split-{i}");
                                let percent = ecs_engine::blue_green::percent;
                                let line = format!(
                                    "Listener {} of {} forwards {} % to {} and {} % to {}. ",
                                    sp.listener, sp.load_balancer, percent(sp.weights[0]), sp.groups[0],
                                    percent(sp.weights[1]), sp.groups[1]
                                );
                                let first = (sp.weights[0] / 10).to_string();
                                let label = format!(" % to {}", sp.groups[0]);
                                let button = shift_listener.map(|shift| {
                                    let (arn, groups, input) = (sp.arn.clone(), sp.groups.clone(), input.clone());
                                    view! {
                                        <button id=format!("shift-{i}") title="ModifyListener at the current time"
                                            on:click=move |_| shift.run((arn.clone(), groups.clone(), build::input_value(&input)))>"Shift"</button>
                                    }
                                });
                                view! {
                                    <li class="split">{line}
                                        <label>"Send "<input id=input type="number" min="0" max="100" value=first size="4"/>{label}</label>" "
                                        {button}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                }}
                {move || {
                    let sets = view_state.get().task_sets;
                    (!sets.is_empty()).then(|| view! {
                        <h2 id="task-sets-heading">"Task sets (EXTERNAL deployment controller)"</h2>
                        <ul id="task-sets" class="task-sets small">
                            {sets.into_iter().enumerate().map(|(i, ts)| {
                                let input = format!("ts-scale-{i}");
                                let group = ts.target_group.as_ref().map_or(String::new(), |g| format!(" · target group {g}"));
                                let line = format!(
                                    " {} · {}{group} · {} % of desired: {} tasks ({} running, {} pending) · {}",
                                    ts.service, ts.task_definition, ts.scale, ts.computed, ts.running, ts.pending, ts.stability
                                );
                                let key = (ts.cluster.clone(), ts.service.clone(), ts.reference.clone());
                                let runs = ts.status != "DRAINING";
                                let scale_button = scale_task_set.filter(|_| runs).map(|scale| {
                                    let (key, input) = (key.clone(), input.clone());
                                    view! {
                                        <label>" Scale "<input id=input.clone() type="number" min="0" max="100" value=ts.scale.to_string() size="4"/>" % "</label>
                                        <button id=format!("ts-scale-btn-{i}") title="UpdateTaskSet at the current time"
                                            on:click=move |_| scale.run((key.0.clone(), key.1.clone(), key.2.clone(), build::input_value(&input)))>"Scale"</button>
                                    }
                                });
                                let primary_button = primary_task_set.filter(|_| runs && ts.status != "PRIMARY").map(|primary| {
                                    let key = key.clone();
                                    view! {
                                        " "<button id=format!("ts-primary-{i}") title="UpdateServicePrimaryTaskSet at the current time"
                                            on:click=move |_| primary.run(key.clone())>"Make primary"</button>
                                    }
                                });
                                let delete_button = delete_task_set.filter(|_| runs).map(|delete| {
                                    let (key, reference) = (key.clone(), ts.reference.clone());
                                    view! {
                                        " "<button id=format!("ts-delete-{i}") class="delete-task-set" title="DeleteTaskSet with force at the current time: its tasks stop and its targets deregister (DRAINING), then it is gone"
                                            aria-label=format!("Delete task set {reference}")
                                            on:click=move |_| delete.run(key.clone())>"Delete"</button>
                                    }
                                });
                                view! {
                                    <li class="task-set" data-status=ts.status>
                                        <span class=format!("state {}", ts.status.to_ascii_lowercase())>{ts.status}</span>" "
                                        <strong>{ts.reference.clone()}</strong>
                                        {(ts.reference != ts.id).then(|| view! { <span class="mono muted">{format!(" ({})", ts.id)}</span> })}
                                        {line}
                                        <div class="controls">{scale_button}{primary_button}{delete_button}</div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                }}
                <service_connect_view::ServiceConnectView endpoints=Signal::derive(move || view_state.get().service_connect) redeploy=redeploy/>
                <service_discovery_view::ServiceDiscoveryView services=Signal::derive(move || view_state.get().service_discovery)/>
                <h2>"Service auto scaling"</h2>
                {move || {
                    let v = view_state.get();
                    if v.scalable.is_empty() {
                        return view! { <p class="muted small">"No scalable targets in this scenario."</p> }.into_any();
                    }
                    view! {
                        <ul class="scalable small">
                            {v.scalable.into_iter().map(|t| view! { <li>{format!("{}: min {}, max {}", t.resource_id, t.min, t.max)}</li> }).collect_view()}
                        </ul>
                        {(!v.forecasts.is_empty()).then(|| view! {
                            <ul id="forecasts" class="forecasts small">
                                {v.forecasts.into_iter().map(|(policy, summary)| view! {
                                    <li class="forecast"><strong>{policy}</strong>" "{summary}</li>
                                }).collect_view()}
                            </ul>
                        })}
                        <ul id="alarms" class="alarms small">
                            {v.alarms.into_iter().map(|(name, state)| view! {
                                <li class="alarm" data-state=state><span class=format!("state {}", state.to_ascii_lowercase())>{state}</span>" "{name}</li>
                            }).collect_view()}
                        </ul>
                        <ol id="activities" class="activities small" reversed>
                            {v.activities.into_iter().map(|a| view! {
                                <li class="activity">
                                    <time>{SimTime(a.at_ms).to_string()}</time>" "<strong>{a.description}</strong>
                                    <div class="muted">{a.cause}</div>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>
            <section class="pane charts" aria-label="Charts" id="charts">
                <h2>"Metrics (one datapoint a minute)"</h2>
                <div class="chart-grid">
                    {move || chart_svgs.get().1.into_iter().map(|(id, svg)| view! {
                        <chart_hover::HoverChart id=id svg=svg sim=sim/>
                    }).collect_view()}
                </div>
            </section>
            <section class="pane capacity" aria-label="Capacity" id="capacity">
                <h2>"Capacity: Auto Scaling groups, capacity providers, cost"</h2>
                <capacity::CapacityPanel view=Signal::derive(move || view_state.with(|v| v.capacity.clone())) act=group_action refresh=refresh_action warm=warm_action hooks=hook_action/>
            </section>
            <section class="pane" aria-label="Event log">
                <h2>"Event log " <span class="muted">{move || format!("({} events)", view_state.get().log_len)}</span></h2>
                <div class="log-filter">
                    <select id="log-kind" aria-label="Show events of kind" prop:value=move || log_filter.with(|f| f.kind.clone()) on:change=move |ev| {
                        log_filter.update(|f| f.kind = event_target_value(&ev));
                        sim.with_value(|s| set_view.set(snapshot(s)));
                    }>
                        <option value="">"All kinds"</option>
                        {["ServiceEvent", "Scaling", "Capacity", "Alarm", "LoadBalancer", "TaskStateChange", "TaskPlaced", "PlacementFailure", "ContainerInstance", "RunTask", "TaskDefinition", "AwsService", "Resource", "ServiceConnect", "ServiceDiscovery", "ExecuteCommand", "Scenario"]
                            .into_iter().map(|k| view! { <option value=k>{k}</option> }).collect_view()}
                    </select>
                    <select id="log-service" aria-label="Show events of service" on:change=move |ev| {
                        log_filter.update(|f| f.service = event_target_value(&ev));
                        sim.with_value(|s| set_view.set(snapshot(s)));
                    }>
                        <option value="">"All services"</option>
                        {move || view_state.get().services.into_iter().map(|s| {
                            let chosen = log_filter.with_untracked(|f| f.service == s.name);
                            view! { <option value=s.name.clone() selected=chosen>{s.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <ol id="event-log" class="event-log" reversed>
                    {move || view_state.get().log.into_iter().map(|e| view! {
                        <li class="event" data-kind=format!("{:?}", e.kind)>
                            <time>{SimTime(e.at_ms).to_string()}</time>
                            <span class="kind">{format!("{:?}", e.kind)}</span>
                            <div class="message-cell">
                                {e.task_id.map(|id| {
                                    let short: String = id.chars().take(8).collect();
                                    view! {
                                        <span class="chip neutral task-link" data-task=short.clone() tabindex="0" role="button"
                                            title=format!("task {id}: click for DescribeTasks and why it is where it is")>{short.clone()}</span>
                                    }
                                })}
                                {log_message(e.message)}
                            </div>
                        </li>
                    }).collect_view()}
                </ol>
            </section>
            <task_explain::TaskPlacementPanel sim=sim stop=stop_task exec=exec_task/>
            <logs_view::LogsPanel view=Signal::derive(move || view_state.with(|v| v.logs.clone())) filter=log_filter refresh=Callback::new(move |_| sim.with_value(|s| set_view.set(snapshot(s))))/>
            <aws_view::AwsPanel view=Signal::derive(move || view_state.with(|v| v.aws.clone())) upload=upload/>
        </main>
        <footer class="footer">
            "Event-log digest of the full run: "
            {move || match digest.get() {
                Some(d) => view! { <code id="digest" data-digest=d.clone()>{d.clone()}</code> }.into_any(),
                None => view! { <span class="muted">"computing…"</span> }.into_any(),
            }}
        </footer>
    }
}

/// Every chart of the run as SVG text, with the number of datapoints drawn.
fn draw_charts(sim: &Simulation) -> (usize, Vec<(String, String)>) {
    let series = sim.time_series();
    let charts = chart_specs(sim)
        .iter()
        .map(|spec| (spec.id.clone(), charts::draw(spec, series)))
        .collect();
    (series.timestamps_ms.len(), charts)
}

/// Characters of a long event message shown before "more".
const MESSAGE_PREVIEW: usize = 280;

/// Messages up to this many characters are shown whole (an Auto Scaling activity with its
/// cause, a task's stopped reason); longer ones fold.
const MESSAGE_WHOLE: usize = 420;

/// An event's message. A long one (a service that started 25 tasks lists all 25, as AWS
/// does) shows its start and opens in full on a click or Enter, so it does not fill the log.
fn log_message(message: String) -> AnyView {
    if message.chars().count() <= MESSAGE_WHOLE {
        return view! { <span class="message">{message}</span> }.into_any();
    }
    let cut: String = message.chars().take(MESSAGE_PREVIEW).collect();
    let preview = match cut.rfind(' ') {
        Some(i) if i > MESSAGE_PREVIEW / 2 => cut[..i].to_string(),
        _ => cut,
    };
    view! {
        <details class="message long">
            <summary><span class="preview">{preview}</span><span class="more">" … more"</span><span class="less">"less"</span></summary>
            {message}
        </details>
    }
    .into_any()
}

/// Hours of a predictive policy's forecast the scaling panel lists.
const FORECAST_HOURS_SHOWN: usize = 6;

/// What a predictive scaling policy forecasts, in a line: its mode and target, then the tasks
/// of the next hours, or how many hours of data it still needs.
fn forecast_summary(o: &ecs_engine::autoscaling::predictive::PredictiveOutlook) -> String {
    let head = format!(
        "predictive, {}, {} {} a task",
        o.mode.as_str(),
        o.target_value,
        match o.measure {
            ecs_engine::autoscaling::predictive::Measure::Cpu => "% CPU",
            ecs_engine::autoscaling::predictive::Measure::Memory => "% memory",
            ecs_engine::autoscaling::predictive::Measure::AlbRequests => "requests a minute",
        }
    );
    let Some(made) = o.made_at_hour else {
        return format!(
            "({head}): no forecast yet, it needs {} hours of data ({} so far)",
            ecs_engine::autoscaling::predictive::MIN_HISTORY_HOURS,
            o.hours_seen
        );
    };
    let tasks: Vec<String> = o
        .hours
        .iter()
        .take(FORECAST_HOURS_SHOWN)
        .map(|&(_, c)| ecs_engine::autoscaling::predictive::tasks_for(c).to_string())
        .collect();
    let label = ecs_engine::autoscaling::predictive::hour_label;
    format!(
        "({head}), forecast made at {}; tasks an hour from {}: {}",
        label(made),
        o.hours.first().map_or_else(String::new, |&(h, _)| label(h)),
        tasks.join(" · ")
    )
}

/// The charts the run has (what they draw, not drawn yet).
fn chart_specs(sim: &Simulation) -> Vec<charts::ChartSpec> {
    let series = sim.time_series();
    let services: Vec<String> = sim.services().iter().map(|s| s.name.clone()).collect();
    let groups: Vec<(String, &'static str)> = sim
        .target_groups()
        .iter()
        .map(|g| (g.name.clone(), g.kind()))
        .collect();
    let queues: Vec<String> = sim.queues().iter().map(|q| q.name.clone()).collect();
    let (mut cpu_targets, mut memory_targets) = (Vec::new(), Vec::new());
    for (s, name) in services.iter().enumerate() {
        for (metric, value) in sim.tracking_targets(s) {
            let line = (format!("{name} target"), value);
            match metric.as_str() {
                "ECSServiceAverageCPUUtilization" => cpu_targets.push(line),
                "ECSServiceAverageMemoryUtilization" => memory_targets.push(line),
                _ => {}
            }
        }
    }
    let providers: Vec<(String, Option<u32>)> = sim
        .capacity_providers()
        .providers
        .iter()
        .filter(|p| p.group().is_some())
        .map(|p| {
            (
                p.name.clone(),
                p.managed_scaling().map(|m| m.target_capacity),
            )
        })
        .collect();
    // Alarms on a cluster's reservation (AWS/ECS, ClusterName): classic cluster scaling.
    let reservation_alarms: Vec<(String, charts::TargetLine)> = sim
        .alarms()
        .iter()
        .filter(|a| {
            a.metric.namespace == "AWS/ECS"
                && matches!(
                    a.metric.name.as_str(),
                    "CPUReservation" | "MemoryReservation"
                )
        })
        .filter_map(|a| {
            let cluster = a
                .metric
                .dimensions
                .iter()
                .find(|(n, _)| n == "ClusterName")?;
            Some((cluster.1.clone(), (a.name.clone(), a.threshold)))
        })
        .collect();
    let mut specs = charts::specs(
        series,
        (&services, &groups, &queues),
        (&cpu_targets, &memory_targets),
        &providers,
        &reservation_alarms,
    );
    specs.extend(service_connect_chart(sim));
    specs.extend(service_discovery_chart(sim));
    specs
}

/// Service discovery's requests per minute for each DNS name load profiles send to: in all,
/// failed, and sent to the addresses of stopped tasks from cached answers; with each Cloud Map
/// service's registered and healthy instances on the right.
fn service_discovery_chart(sim: &Simulation) -> Option<charts::ChartSpec> {
    use ecs_engine::service_discovery::dns::series;
    let mut names: Vec<String> = sim
        .scenario()
        .load_profiles
        .iter()
        .filter_map(|p| match &p.target {
            ecs_engine::load::LoadTarget::ServiceDiscovery(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    let scenario = sim.scenario();
    let services: Vec<String> = scenario
        .cloud_map
        .list
        .iter()
        .map(|c| c.series_name(&scenario.namespaces))
        .collect();
    if names.is_empty() && services.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    for n in &names {
        lines.push((format!("{n} requests"), series(n, "RequestCount")));
        lines.push((format!("{n} failed"), series(n, "Failed")));
        lines.push((
            format!("{n} to stopped tasks (cached answers)"),
            series(n, "StaleAddress"),
        ));
    }
    let mut right = Vec::new();
    for n in &services {
        right.push((format!("{n} instances"), series(n, "Instances")));
        right.push((format!("{n} healthy"), series(n, "HealthyInstances")));
    }
    Some(charts::ChartSpec {
        id: "chart-service-discovery".to_string(),
        title: "Service discovery: requests per minute and Cloud Map instances".to_string(),
        unit: "requests",
        lines,
        targets: Vec::new(),
        secondary: Some(("instances", right)),
    })
}

/// Service Connect's requests per minute: each endpoint's (`RequestCount`, retries included)
/// and those its tasks failed, and per load profile those that failed at the client's proxies
/// (no endpoint of that name, or no task to send them to).
fn service_connect_chart(sim: &Simulation) -> Option<charts::ChartSpec> {
    let mut names: Vec<String> = sim
        .service_connect_endpoints()
        .iter()
        .map(|e| e.spec.discovery_name.clone())
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    for d in names {
        lines.push((
            format!("{d} requests"),
            format!("serviceConnect/{d}/RequestCount"),
        ));
        lines.push((
            format!("{d} failed by its tasks"),
            format!("serviceConnect/{d}/HTTPCode_Target_5XX_Count"),
        ));
    }
    let mut clients: Vec<(String, String)> = sim
        .scenario()
        .load_profiles
        .iter()
        .filter_map(|p| match &p.target {
            ecs_engine::load::LoadTarget::ServiceConnect {
                address, client, ..
            } => Some((client.clone(), address.clone())),
            _ => None,
        })
        .collect();
    clients.sort();
    clients.dedup();
    for (client, address) in clients {
        lines.push((
            format!("{client} → {address} failed at the client"),
            ecs_engine::service_connect::metrics::client_failed_series(&client, &address),
        ));
    }
    Some(charts::ChartSpec {
        id: "chart-service-connect".to_string(),
        title: "Service Connect: requests per minute".to_string(),
        unit: "requests",
        lines,
        targets: Vec::new(),
        secondary: None,
    })
}
