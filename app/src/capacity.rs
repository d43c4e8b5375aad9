//! The capacity panel: each Auto Scaling group (min, desired, max, live instances, its
//! provider's CapacityProviderReservation against the target, tasks waiting in PROVISIONING,
//! its warm pool, the last activities in AWS's words), each service's capacity provider
//! strategy, and the cost meter. Everything shown is read from the engine.

use ecs_engine::auto_scaling_group::instance_refresh::RefreshStatus;
use ecs_engine::auto_scaling_group::warm_pool::PoolState;
use ecs_engine::auto_scaling_group::GroupInstanceState;
use ecs_engine::capacity_provider::managed_scaling::ReservationReading;
use ecs_engine::edit::{GroupCapacity, RefreshChoice, WarmPoolChoice};
use ecs_engine::{SimTime, Simulation};
use leptos::prelude::*;

/// Activities shown per group, newest first.
const ACTIVITIES: usize = 5;

/// One Auto Scaling group as the panel shows it.
#[derive(Clone, PartialEq)]
pub struct GroupView {
    /// `AutoScalingGroupName`.
    pub name: String,
    /// `MinSize`.
    pub min: u32,
    /// Desired capacity now.
    pub desired: u32,
    /// `MaxSize`.
    pub max: u32,
    /// Instances InService.
    pub in_service: u32,
    /// Instances Pending (launching).
    pub pending: u32,
    /// Instances Terminating (draining, or held by lifecycle hooks).
    pub terminating: u32,
    /// Instances lifecycle hooks hold in Pending:Wait or Terminating:Wait.
    pub held: u32,
    /// The capacity provider over the group.
    pub provider: Option<ProviderView>,
    /// The group's own scaling policies, a line each (type, and the alarms that run them).
    pub policies: Vec<String>,
    /// The last activities: time, Description, Cause.
    pub activities: Vec<(SimTime, String, String)>,
    /// The group's launch template now, and every launch template of the scenario.
    pub templates: (String, Vec<String>),
    /// Its last instance refresh, if any.
    pub refresh: Option<RefreshView>,
    /// Its warm pool, if PutWarmPool set one.
    pub warm: Option<WarmView>,
    /// Whether it may have a warm pool (no Spot, no mixed instances policy).
    pub warm_allowed: bool,
}

/// A group's warm pool, as DescribeWarmPool shows it.
#[derive(Clone, PartialEq)]
pub struct WarmView {
    /// `PoolState`.
    pub pool_state: PoolState,
    /// `MinSize`.
    pub min_size: u32,
    /// `MaxGroupPreparedCapacity`; `None`: the group's `MaxSize`.
    pub max_prepared: Option<u32>,
    /// The instances it should hold now.
    pub size: u32,
    /// Instances ready in the pool.
    pub ready: u32,
    /// Instances warming up into it.
    pub warming: u32,
    /// Whether the launch template's user data sets `ECS_WARM_POOLS_CHECK=true`.
    pub check: bool,
}

/// An instance refresh as DescribeInstanceRefreshes shows it.
#[derive(Clone, PartialEq)]
pub struct RefreshView {
    /// `InstanceRefreshId`.
    pub id: String,
    /// `Status`.
    pub status: RefreshStatus,
    /// `PercentageComplete`.
    pub percentage: u32,
    /// `InstancesToUpdate`.
    pub to_update: u32,
    /// `StatusReason`.
    pub reason: Option<String>,
}

/// An Auto Scaling group's capacity provider and its CapacityProviderReservation.
#[derive(Clone, PartialEq)]
pub struct ProviderView {
    /// Its name.
    pub name: String,
    /// The metric's last published datapoint (once a minute), what managed scaling acts on.
    pub published: Option<f64>,
    /// The figures now: instances needed (M) and in the group (N), tasks waiting.
    pub now: Option<ReservationReading>,
    /// `targetCapacity`; None: managed scaling disabled.
    pub target: Option<u32>,
}

/// A service's capacity provider strategy and the tasks it has waiting for capacity.
#[derive(Clone, PartialEq)]
pub struct ServiceCapacity {
    /// Service name.
    pub name: String,
    /// `FARGATE{base 2, weight 1} + FARGATE_SPOT{weight 3}`, or how it launches otherwise.
    pub strategy: String,
    /// Tasks waiting in PROVISIONING.
    pub waiting: u32,
    /// The task records among them (those waiting for an instance provider): the first 8
    /// characters of their IDs, oldest first.
    pub provisioning: Vec<String>,
}

/// What the panel shows.
#[derive(Clone, PartialEq, Default)]
pub struct CapacityView {
    /// Auto Scaling groups.
    pub groups: Vec<GroupView>,
    /// Services with a capacity provider strategy (or launch type FARGATE).
    pub services: Vec<ServiceCapacity>,
    /// EC2 and Fargate dollars per hour now, and dollars so far.
    pub cost: (f64, f64, f64),
    /// EBS volumes' dollars per hour now, when the run has volumes.
    pub ebs_cost: Option<f64>,
    /// The run's EBS volumes.
    pub volumes: Vec<VolumeView>,
    /// Managed Instances providers.
    pub managed: Vec<ManagedView>,
}

/// One Amazon ECS Managed Instances capacity provider.
#[derive(Clone, PartialEq)]
pub struct ManagedView {
    name: String,
    cluster: String,
    /// `instanceRequirements` in words.
    requirements: String,
    /// The live instances: `2 × t3a.medium (us-east-1a, us-east-1b)`, per type.
    instances: Vec<String>,
    /// Instances booting.
    booting: usize,
    /// Instances terminated so far.
    terminated: usize,
    /// `scaleInAfter`: `120 s`, or `off`.
    scale_in: String,
    /// Infrastructure optimization under way: each underutilized instance, why, and when it
    /// drains, or that it is draining.
    optimization: Vec<String>,
}

/// One EBS volume attached to a task (or kept after it).
#[derive(Clone, PartialEq)]
pub struct VolumeView {
    id: String,
    /// The first 8 characters of its task's id.
    task: String,
    /// `gp3, 100 GiB, 3000 IOPS, 125 MiB/s`.
    spec: String,
    zone: String,
    /// creating, in-use, available or deleted (EC2's words).
    state: &'static str,
    usd_per_hour: f64,
}

/// Reads the panel's figures from the engine.
pub fn capacity_view(sim: &Simulation) -> CapacityView {
    let providers = sim.capacity_providers();
    let groups = sim
        .auto_scaling_groups()
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let count = |state: GroupInstanceState| {
                group.instances.iter().filter(|i| i.state == state).count() as u32
            };
            let provider = providers
                .providers
                .iter()
                .position(|p| p.group() == Some(g))
                .map(|p| {
                    let cp = &providers.providers[p];
                    ProviderView {
                        name: cp.name.clone(),
                        published: sim
                            .time_series()
                            .series
                            .get(&format!(
                                "capacityProvider/{}/CapacityProviderReservation",
                                cp.name
                            ))
                            .and_then(|v| v.last().copied()),
                        now: sim.capacity_provider_reservation(p),
                        target: cp.managed_scaling().map(|m| m.target_capacity),
                    }
                });
            GroupView {
                name: group.spec.name.clone(),
                min: group.spec.min,
                desired: group.desired,
                max: group.spec.max,
                in_service: count(GroupInstanceState::InService),
                pending: count(GroupInstanceState::Pending),
                terminating: count(GroupInstanceState::Terminating),
                held: group
                    .instances
                    .iter()
                    .filter(|i| {
                        i.held()
                            && matches!(
                                i.state,
                                GroupInstanceState::Pending | GroupInstanceState::Terminating
                            )
                    })
                    .count() as u32,
                provider,
                policies: sim
                    .auto_scaling_policies()
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.group == g)
                    .map(|(p, _)| sim.group_policy_summary(p))
                    .collect(),
                templates: (
                    group.spec.template.name.clone(),
                    sim.scenario()
                        .launch_templates
                        .iter()
                        .map(|t| t.name.clone())
                        .collect(),
                ),
                refresh: group.refreshes.last().map(|r| RefreshView {
                    id: r.id.clone(),
                    status: r.status,
                    percentage: r.percentage_complete,
                    to_update: if r.status == RefreshStatus::InProgress {
                        r.instances_to_update()
                    } else {
                        0
                    },
                    reason: r.status_reason.clone(),
                }),
                warm: group.warm_pool.as_ref().map(|p| WarmView {
                    pool_state: p.pool_state,
                    min_size: p.min_size,
                    max_prepared: p.max_prepared,
                    size: p.size(group.spec.max, group.desired),
                    ready: count(GroupInstanceState::Warmed),
                    warming: count(GroupInstanceState::WarmedPending),
                    check: group.spec.template.warm_pools_check(),
                }),
                warm_allowed: group.spec.warm_pool_allowed(),
                activities: group
                    .activities
                    .iter()
                    .rev()
                    .take(ACTIVITIES)
                    .map(|a| (a.at, a.description.clone(), a.cause.clone()))
                    .collect(),
            }
        })
        .collect();
    let records = sim.provisioning_task_records();
    let services = sim
        .services()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let c = s.capacity.as_ref()?;
            Some(ServiceCapacity {
                name: s.name.clone(),
                strategy: if c.from_launch_type {
                    "launchType FARGATE".to_string()
                } else {
                    c.strategy.label()
                },
                waiting: s.waiting_total(),
                provisioning: records
                    .iter()
                    .filter(|r| r.service == Some(i))
                    .map(|r| r.id.chars().take(8).collect())
                    .collect(),
            })
        })
        .collect();
    let cost = sim.cost();
    let volumes: Vec<VolumeView> = sim
        .ebs_volumes()
        .iter()
        .map(|v| VolumeView {
            id: v.id.clone(),
            task: sim.tasks()[v.task].id.chars().take(8).collect(),
            spec: v.config.describe(),
            zone: v.availability_zone.clone(),
            state: sim.volume_state(v),
            usd_per_hour: if v.deleted_at.is_none() {
                v.config.usd_per_hour()
            } else {
                0.0
            },
        })
        .collect();
    let managed = providers
        .providers
        .iter()
        .enumerate()
        .filter_map(|(p, cp)| Some((p, cp, cp.managed_instances()?)))
        .map(|(p, cp, mi)| {
            let mine: Vec<_> = sim
                .managed_instances()
                .iter()
                .filter(|i| i.provider == p)
                .collect();
            let mut by_type: Vec<(&str, Vec<&str>)> = Vec::new();
            for i in mine.iter().filter(|i| !i.terminated && i.slot.is_some()) {
                match by_type.iter_mut().find(|(t, _)| *t == i.instance_type.name) {
                    Some((_, zones)) => zones.push(&i.availability_zone),
                    None => by_type.push((i.instance_type.name, vec![&i.availability_zone])),
                }
            }
            ManagedView {
                name: cp.name.clone(),
                cluster: mi.cluster.clone(),
                requirements: mi.requirements_text(),
                instances: by_type
                    .into_iter()
                    .map(|(t, zones)| format!("{} × {t} ({})", zones.len(), per_zone(&zones)))
                    .collect(),
                booting: mine
                    .iter()
                    .filter(|i| !i.terminated && i.slot.is_none())
                    .count(),
                terminated: mine.iter().filter(|i| i.terminated).count(),
                scale_in: mi
                    .scale_in_after_s
                    .map_or("off".to_string(), |s| format!("{s} s")),
                optimization: optimization_lines(sim, p),
            }
        })
        .collect();
    CapacityView {
        managed,
        groups,
        services,
        cost: (
            cost.ec2_usd_per_hour,
            cost.fargate_usd_per_hour,
            cost.total_usd,
        ),
        ebs_cost: (!volumes.is_empty()).then_some(cost.ebs_usd_per_hour),
        volumes,
    }
}

/// Up to six task IDs, then how many more.
fn provisioning_list(ids: &[String]) -> String {
    let mut text = ids.iter().take(6).cloned().collect::<Vec<_>>().join(" ");
    if ids.len() > 6 {
        text.push_str(&format!(" +{} more", ids.len() - 6));
    }
    text
}

/// `us-east-1a, us-east-1b`, or `2 in us-east-1a, 1 in us-east-1b` when a zone has several.
fn per_zone(zones: &[&str]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for z in zones {
        match counts.iter_mut().find(|(x, _)| x == z) {
            Some((_, n)) => *n += 1,
            None => counts.push((z, 1)),
        }
    }
    counts.sort_unstable();
    let several = counts.iter().any(|(_, n)| *n > 1);
    counts
        .iter()
        .map(|(z, n)| {
            if several {
                format!("{n} in {z}")
            } else {
                z.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What infrastructure optimization is doing on provider `p`'s instances, a line each.
fn optimization_lines(sim: &Simulation, p: usize) -> Vec<String> {
    let after = sim.capacity_providers().providers[p]
        .managed_instances()
        .and_then(|m| m.scale_in_after_s);
    sim.managed_instances()
        .iter()
        .enumerate()
        .filter(|(_, m)| m.provider == p && !m.terminated)
        .filter_map(|(i, m)| {
            let name = format!("{} ({})", m.id, m.instance_type.name);
            if m.optimizing {
                return Some(format!("{name}: DRAINING, underutilized"));
            }
            let since = m.underutilized_since?;
            let why = sim.managed_instance_underutilized(i)?;
            Some(format!(
                "{name}: underutilized, {}; drains at {}",
                why.describe(),
                since.plus_secs(after?)
            ))
        })
        .collect()
}

/// The panel. `act` receives a group's new sizes from its buttons, `refresh` its instance
/// refresh form, `warm` its warm pool controls (none of them in the embed mode).
#[component]
pub fn CapacityPanel(
    view: Signal<CapacityView>,
    act: Option<Callback<(String, GroupCapacity)>>,
    refresh: Option<Callback<(String, Option<RefreshChoice>)>>,
    warm: Option<Callback<(String, WarmPoolChoice)>>,
    hooks: Option<Callback<(String, bool)>>,
) -> impl IntoView {
    let forms = use_context::<RefreshForms>().unwrap_or_default();
    view! {
        <p class="small muted capacity-intro">
            "EC2 Auto Scaling works on instances: it launches and terminates them to reach a group's desired capacity. "
            "Service Auto Scaling works on tasks: it changes a service's desired count. "
            "A capacity provider links the two: managed scaling sets the group's desired capacity from CapacityProviderReservation, "
            "the instances needed (M) over the instances in the group (N), aiming at targetCapacity."
        </p>
        <p class="small cost" id="cost">
            {move || view.with(|v| {
                let (ec2, fargate, total) = v.cost;
                let ebs = v.ebs_cost.map(|e| format!(" · EBS ${e:.3}/h")).unwrap_or_default();
                format!("Cost now: EC2 ${ec2:.3}/h · Fargate ${fargate:.3}/h{ebs} · ${total:.2} so far")
            })}
        </p>
        {move || {
            let list = view.with(|v| v.volumes.clone());
            (!list.is_empty()).then(|| view! {
                <table class="targets ebs-volumes" id="ebs-volumes">
                    <caption class="small muted">"EBS volumes attached to tasks (volumeConfigurations): one per task, in its zone"</caption>
                    <thead><tr><th>"volume"</th><th>"task"</th><th>"type and size"</th><th>"AZ"</th><th>"state"</th><th>"$/h"</th></tr></thead>
                    <tbody>
                    {list.into_iter().map(|v| view! {
                        <tr class="ebs-volume" data-state=v.state>
                            <td class="mono">{v.id}</td><td class="mono">{v.task}</td>
                            <td class="small">{v.spec}</td><td>{v.zone}</td>
                            <td><span class=format!("state {}", if v.state == "in-use" { "available" } else { "warming" })>{v.state}</span></td>
                            <td class="num">{format!("{:.4}", v.usd_per_hour)}</td>
                        </tr>
                    }).collect_view()}
                    </tbody>
                </table>
            })
        }}
        {move || {
            let list = view.with(|v| v.managed.clone());
            (!list.is_empty()).then(|| view! {
                <table class="targets managed-instances" id="managed-instances">
                    <caption class="small muted">"Amazon ECS Managed Instances: ECS chooses, launches and terminates these providers' instances"</caption>
                    <thead><tr><th>"provider"</th><th>"instance requirements"</th><th>"instances"</th><th>"booting"</th><th>"terminated"</th><th>"scaleInAfter"</th></tr></thead>
                    <tbody>
                    {list.into_iter().map(|m| view! {
                        <tr class="managed-provider" data-provider=m.name.clone()>
                            <td><strong>{m.name.clone()}</strong><br/><span class="small muted">{format!("cluster {}", m.cluster)}</span></td>
                            <td class="small">{m.requirements}</td>
                            <td class="small instances">{if m.instances.is_empty() { "none".to_string() } else { m.instances.join("; ") }}</td>
                            <td class="num booting">{m.booting}</td>
                            <td class="num terminated">{m.terminated}</td>
                            <td class="num">{m.scale_in}</td>
                        </tr>
                        <tr class="managed-optimization" data-provider=m.name.clone()>
                            <td colspan="6" class="small optimization">
                                <span class="muted">"Infrastructure optimization (one instance drains at a time): "</span>
                                {if m.optimization.is_empty() {
                                    view! { <span>"nothing underutilized"</span> }.into_any()
                                } else {
                                    view! { <ul>{m.optimization.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul> }.into_any()
                                }}
                            </td>
                        </tr>
                    }).collect_view()}
                    </tbody>
                </table>
            })
        }}
        {move || {
            let v = view.get();
            if v.groups.is_empty() && v.services.is_empty() {
                return view! { <p class="muted small">"No Auto Scaling groups or capacity provider strategies in this scenario: tasks run on the container instances listed."</p> }.into_any();
            }
            view! {
                {v.groups.into_iter().map(|g| view! { {
                    let form = forms.form(&g.name);
                    view! { <GroupCard g=g act=act refresh=refresh warm=warm hooks=hooks form=form/> }
                } }).collect_view()}
                {(!v.services.is_empty()).then(|| view! {
                    <table class="capacity-services small" id="capacity-services">
                        <thead><tr><th>"service"</th><th>"capacity provider strategy"</th><th>"waiting in PROVISIONING"</th><th>"PROVISIONING tasks"</th></tr></thead>
                        <tbody>
                        {v.services.into_iter().map(|s| view! {
                            <tr data-service=s.name.clone()>
                                <td><strong>{s.name.clone()}</strong></td>
                                <td class="mono strategy">{s.strategy}</td>
                                <td class="num waiting">{s.waiting}</td>
                                <td class="mono small provisioning-tasks">{provisioning_list(&s.provisioning)}</td>
                            </tr>
                        }).collect_view()}
                        </tbody>
                    </table>
                })}
            }.into_any()
        }}
    }
}

/// A group's capacity buttons: desired − and + (moving min or max along when they would
/// refuse it) and scale to 0, each an UpdateAutoScalingGroup at the current time.
fn capacity_buttons(g: &GroupView, act: Callback<(String, GroupCapacity)>) -> impl IntoView {
    let (name, min, desired, max) = (g.name.clone(), g.min, g.desired, g.max);
    let resize = Callback::new(move |desired: u32| {
        let sizes = GroupCapacity {
            min: min.min(desired),
            desired,
            max: max.max(desired),
        };
        act.run((name.clone(), sizes));
    });
    let zero = Callback::new({
        let name = g.name.clone();
        move |()| {
            act.run((
                name.clone(),
                GroupCapacity {
                    min: 0,
                    desired: 0,
                    max: 0,
                },
            ))
        }
    });
    view! {
        <div class="asg-actions" role="group" aria-label=format!("Capacity of {}", g.name)>
            <button class="asg-less" disabled=desired == 0 aria-label=format!("Desired capacity of {} minus one", g.name)
                on:click=move |_| resize.run(desired.saturating_sub(1))>"desired −"</button>
            <button class="asg-more" aria-label=format!("Desired capacity of {} plus one", g.name)
                on:click=move |_| resize.run(desired + 1)>"desired +"</button>
            <button class="asg-zero" on:click=move |_| zero.run(())
                title="UpdateAutoScalingGroup with MinSize, DesiredCapacity and MaxSize 0: how the playground removes a group (it has no DeleteAutoScalingGroup; AWS's ForceDelete would also terminate instances that managed termination protection keeps here)">"Scale to 0"</button>
        </div>
    }
}

/// The last instance refresh: status, progress and reason, as DescribeInstanceRefreshes
/// reports them.
fn refresh_status(r: RefreshView) -> impl IntoView {
    let short: String = r.id.chars().take(8).collect();
    let line = format!(
        "Instance refresh {short}…: {} · {} % complete{}",
        r.status.as_str(),
        r.percentage,
        if r.to_update > 0 {
            format!(" · {} to update", r.to_update)
        } else {
            String::new()
        }
    );
    view! {
        <div class="asg-refresh small" data-status=r.status.as_str() title=format!("InstanceRefreshId {}", r.id)>
            <strong>{line}</strong>
            <progress max="100" value=r.percentage.to_string()></progress>
            {r.reason.map(|why| view! { <div class="muted reason">{why}</div> })}
        </div>
    }
}

/// What a group's instance refresh form holds. It lives in the panel, not in the card, so the
/// card can be rebuilt at every tick of the clock without closing the form or losing input.
#[derive(Clone, Copy)]
struct RefreshForm {
    open: RwSignal<bool>,
    min: RwSignal<String>,
    max: RwSignal<String>,
    protected: RwSignal<String>,
    warmup: RwSignal<String>,
    template: RwSignal<String>,
}

impl RefreshForm {
    fn new() -> Self {
        RefreshForm {
            open: RwSignal::new(false),
            min: RwSignal::new("90".to_string()),
            max: RwSignal::new("100".to_string()),
            protected: RwSignal::new("Wait".to_string()),
            warmup: RwSignal::new(String::new()),
            template: RwSignal::new(String::new()),
        }
    }
}

/// Every group's instance refresh form, by group name. The app provides it as a context from
/// above the playground, which is rebuilt at every edit of the scenario (starting a refresh
/// is one), so a form keeps its values and stays open; its signals belong to the app.
#[derive(Clone, Copy)]
pub struct RefreshForms {
    forms: StoredValue<
        (
            Option<Owner>,
            std::collections::HashMap<String, RefreshForm>,
        ),
        LocalStorage,
    >,
}

impl Default for RefreshForms {
    fn default() -> Self {
        RefreshForms {
            forms: StoredValue::new_local((Owner::current(), Default::default())),
        }
    }
}

impl RefreshForms {
    /// Group `group`'s form, made on first use.
    fn form(self, group: &str) -> RefreshForm {
        self.forms
            .try_update_value(|(owner, forms)| {
                *forms
                    .entry(group.to_string())
                    .or_insert_with(|| match owner {
                        Some(owner) => owner.with(RefreshForm::new),
                        None => RefreshForm::new(),
                    })
            })
            .unwrap_or_else(RefreshForm::new)
    }
}

/// The instance refresh form: StartInstanceRefresh with the healthy percentages, what to do
/// with protected instances, and optionally another launch template.
fn refresh_form(
    g: &GroupView,
    refresh: Callback<(String, Option<RefreshChoice>)>,
    state: RefreshForm,
) -> impl IntoView {
    let name = g.name.clone();
    let name_for_cancel = g.name.clone();
    let running = g
        .refresh
        .as_ref()
        .is_some_and(|r| r.status == RefreshStatus::InProgress);
    let (current, templates) = g.templates.clone();
    let known = templates.clone();
    let RefreshForm {
        open,
        min,
        max,
        protected,
        warmup,
        template,
    } = state;
    let start = move |_| {
        let number = |s: String, default: u32| s.trim().parse::<u32>().unwrap_or(default);
        refresh.run((
            name.clone(),
            Some(RefreshChoice {
                min_healthy: number(min.get(), 90),
                max_healthy: number(max.get(), 100),
                protected_instances: protected.get(),
                instance_warmup: warmup.get().trim().parse().ok(),
                // A choice kept from another scenario's group of the same name is dropped.
                template: Some(template.get()).filter(|t| !t.is_empty() && known.contains(t)),
            }),
        ));
    };
    let label = |what: &str| format!("{what} of {}", g.name);
    let id = |what: &str| format!("refresh-{what}-{}", g.name);
    view! {
        <div class="asg-refresh-form small">
            <button class="refresh-toggle" id=id("toggle") aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "▾ Instance refresh" } else { "▸ Instance refresh…" }}</button>
            // A plain toggle, not <details>: Chromium did not lay out number inputs made inside
            // a closed <details> once it opened (the card is rebuilt every tick).
            <div class="refresh-fields" hidden=move || !open.get()>
            <p class="muted">"StartInstanceRefresh replaces the group's instances in batches. Managed draining moves their tasks first; managed termination protection keeps instances with tasks unless protected instances are refreshed."</p>
            <div class="row">
                <label>"MinHealthyPercentage "
                    <input class="refresh-min" id=id("min") type="number" min="0" max="100" prop:value=min
                        aria-label=label("Minimum healthy percentage")
                        on:input=move |ev| min.set(event_target_value(&ev))/></label>
                <label>"MaxHealthyPercentage "
                    <input class="refresh-max" id=id("max") type="number" min="100" max="200" prop:value=max
                        aria-label=label("Maximum healthy percentage")
                        on:input=move |ev| max.set(event_target_value(&ev))/></label>
                <label>"InstanceWarmup "
                    <input class="refresh-warmup" id=id("warmup") type="number" min="0" max="172800"
                        placeholder="group's" prop:value=warmup
                        aria-label=label("Instance warmup in seconds")
                        on:input=move |ev| warmup.set(event_target_value(&ev))/>" s"</label>
            </div>
            <div class="row">
                <label>"ScaleInProtectedInstances "
                    <select class="refresh-protected" id=id("protected") aria-label=label("Scale-in protected instances")
                        on:change=move |ev| protected.set(event_target_value(&ev))>
                        <option value="Wait" selected=move || protected.get() == "Wait">"Wait (the API's default; fails after an hour)"</option>
                        <option value="Refresh" selected=move || protected.get() == "Refresh">"Refresh (replace them too)"</option>
                        <option value="Ignore" selected=move || protected.get() == "Ignore">"Ignore (leave them)"</option>
                    </select></label>
                <label>"Launch template "
                    <select class="refresh-template" id=id("template") aria-label=label("Desired launch template")
                        on:change=move |ev| template.set(event_target_value(&ev))>
                        <option value="" selected=move || template.get().is_empty()>{format!("keep {current}")}</option>
                        {templates.into_iter().filter(|t| *t != current).map(|t| {
                            let chosen = t.clone();
                            view! {
                                <option value=t.clone() selected=move || template.get() == chosen>{t.clone()}</option>
                            }
                        }).collect_view()}
                    </select></label>
            </div>
            <button class="refresh-start" id=id("start") on:click=start disabled=running
                title=if running { "One instance refresh at a time per group: cancel the one in progress first" } else { "StartInstanceRefresh at the current time" }>
                "Start instance refresh"</button>
            {running.then(|| {
                let name = name_for_cancel.clone();
                view! {
                    <button class="refresh-cancel" id=id("cancel") on:click=move |_| refresh.run((name.clone(), None))>
                        "Cancel instance refresh"</button>
                }
            })}
            </div>
        </div>
    }
}

#[component]
fn GroupCard(
    g: GroupView,
    act: Option<Callback<(String, GroupCapacity)>>,
    refresh: Option<Callback<(String, Option<RefreshChoice>)>>,
    warm: Option<Callback<(String, WarmPoolChoice)>>,
    hooks: Option<Callback<(String, bool)>>,
    form: RefreshForm,
) -> impl IntoView {
    let buttons = act.map(|act| capacity_buttons(&g, act));
    // Instances held by lifecycle hooks: complete their actions, as a hook's Lambda would.
    let complete = hooks.filter(|_| g.held > 0).map(|complete| {
        let (go, stop) = (g.name.clone(), g.name.clone());
        view! {
            <div class="asg-actions hook-actions" role="group" aria-label=format!("Lifecycle actions of {}", g.name)>
                <span class="small muted">{format!("{} held by lifecycle hooks: ", g.held)}</span>
                <button class="hook-continue" title="CompleteLifecycleAction with result CONTINUE for every hook holding an instance, at the current time"
                    on:click=move |_| complete.run((go.clone(), true))>"Complete: CONTINUE"</button>
                <button class="hook-abandon" title="CompleteLifecycleAction with result ABANDON: a launching instance is terminated; a terminating one goes on terminating"
                    on:click=move |_| complete.run((stop.clone(), false))>"ABANDON"</button>
            </div>
        }
    });
    let warm_pool = warm_pool_line(&g, warm);
    let form = refresh.map(|refresh| refresh_form(&g, refresh, form));
    let status = g.refresh.clone().map(refresh_status);
    let some = |n: u32, what: &str| {
        if n > 0 {
            format!(", {n} {what}")
        } else {
            String::new()
        }
    };
    let sizes = format!(
        "min {} · desired {} · max {} — {} in service{}{}{}",
        g.min,
        g.desired,
        g.max,
        g.in_service,
        some(g.pending, "launching"),
        some(g.terminating, "terminating"),
        some(g.held, "held by lifecycle hooks (:Wait)"),
    );
    let provider = g.provider.map(|p| {
        let metric = format!(
            "CapacityProviderReservation {} ({})",
            p.published
                .map_or_else(|| "not published yet".to_string(), |v| format!("{v:.0} %")),
            p.target.map_or_else(
                || "managed scaling disabled".to_string(),
                |t| format!("target {t} %")
            )
        );
        let now = p.now.map(|r| {
            format!(
                "Now: {} instance{} needed (M), {} in the group (N); {} task{} waiting in PROVISIONING{}.",
                r.needed,
                if r.needed == 1 { "" } else { "s" },
                r.instances,
                r.waiting,
                if r.waiting == 1 { "" } else { "s" },
                if r.ignored > 0 {
                    format!(", {} too large for every instance type of the group", r.ignored)
                } else {
                    String::new()
                }
            )
        });
        view! {
            <div class="reservation" data-provider=p.name.clone()
                data-value=p.published.map(|v| format!("{v:.0}")).unwrap_or_default()>
                <span class="badge">{format!("capacity provider {}", p.name)}</span>" "
                <strong class="metric">{metric}</strong>
                <div class="muted now">{now}</div>
            </div>
        }
    });
    view! {
        <div class="asg" data-group=g.name.clone()>
            <h3>{format!("Auto Scaling group {}", g.name)}</h3>
            <div class="small sizes">{sizes}</div>
            {buttons}
            {complete}
            {warm_pool}
            {status}
            {form}
            {(!g.policies.is_empty()).then(|| view! {
                <ul class="asg-policies small">
                    {g.policies.into_iter().map(|p| view! { <li class="asg-policy">{p}</li> }).collect_view()}
                </ul>
            })}
            {provider}
            <ul class="asg-activities small">
                {g.activities.into_iter().map(|(at, description, cause)| view! {
                    <li class="asg-activity">
                        <time>{at.to_string()}</time>" "<strong>{description}</strong>
                        <div class="muted">{cause}</div>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// A group's warm pool: what it holds against its size, a warning when the agent does not
/// wait for instances to leave it, and (outside the embed mode) its PoolState, MinSize and
/// MaxGroupPreparedCapacity, each change a PutWarmPool at the current time.
fn warm_pool_line(g: &GroupView, put: Option<Callback<(String, WarmPoolChoice)>>) -> impl IntoView {
    if g.warm.is_none() && (put.is_none() || !g.warm_allowed) {
        return None;
    }
    let status = g.warm.as_ref().map(|w| {
        let prepared = w.max_prepared.map_or_else(
            || format!("MaxSize {}", g.max),
            |m| format!("MaxGroupPreparedCapacity {m}"),
        );
        format!(
            "Warm pool: {} Warmed:{}{} · size {} ({prepared} − desired {}, at least MinSize {})",
            w.ready,
            w.pool_state.as_str(),
            if w.warming > 0 {
                format!(", {} Warmed:Pending", w.warming)
            } else {
                String::new()
            },
            w.size,
            g.desired,
            w.min_size
        )
    });
    let warning = g.warm.as_ref().filter(|w| !w.check).map(|_| view! {
        <div class="warm-warning">"The launch template's user data does not set ECS_WARM_POOLS_CHECK=true: the ECS agent registers instances while they warm up, tasks land there and stop when the instance enters the pool."</div>
    });
    let controls = put.map(|put| {
        let name = g.name.clone();
        let current = g.warm.as_ref().map(|w| WarmPoolChoice {
            min_size: w.min_size,
            max_prepared: w.max_prepared,
            pool_state: w.pool_state.as_str().to_string(),
        });
        let base = current.clone().unwrap_or(WarmPoolChoice {
            min_size: 0,
            max_prepared: None,
            pool_state: "Stopped".to_string(),
        });
        let state = current.as_ref().map(|c| c.pool_state.clone()).unwrap_or_default();
        let send = move |choice: WarmPoolChoice| put.run((name.clone(), choice));
        let (on_state, on_min, on_max) = (send.clone(), send.clone(), send);
        let (b1, b2, b3) = (base.clone(), base.clone(), base);
        let has_pool = current.is_some();
        let id = |what: &str| format!("warm-{what}-{}", g.name);
        let label = |what: &str| format!("{what} of the warm pool of {}", g.name);
        view! {
            <div class="row warm-controls">
                <label>"Warm pool "
                    <select class="warm-state" id=id("state") aria-label=label("Pool state")
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if !v.is_empty() {
                                on_state(WarmPoolChoice { pool_state: v, ..b1.clone() });
                            }
                        }>
                        {(!has_pool).then(|| view! { <option value="" selected=true>"none"</option> })}
                        {["Stopped", "Hibernated", "Running"].into_iter().map(|s| view! {
                            <option value=s selected=state == s>{s}</option>
                        }).collect_view()}
                    </select></label>
                {has_pool.then(|| view! {
                    <label>"MinSize "
                        <input class="warm-min" id=id("min") type="number" min="0" prop:value=b2.min_size.to_string()
                            aria-label=label("Minimum size")
                            on:change=move |ev| {
                                if let Ok(n) = event_target_value(&ev).trim().parse() {
                                    on_min(WarmPoolChoice { min_size: n, ..b2.clone() });
                                }
                            }/></label>
                    <label>"MaxGroupPreparedCapacity "
                        <input class="warm-max" id=id("max") type="number" min="0" placeholder="MaxSize"
                            prop:value=b3.max_prepared.map(|m| m.to_string()).unwrap_or_default()
                            aria-label=label("Maximum prepared capacity")
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                on_max(WarmPoolChoice { max_prepared: v.trim().parse().ok(), ..b3.clone() });
                            }/></label>
                })}
            </div>
        }
    });
    Some(view! {
        <div class="warm-pool small" data-ready=g.warm.as_ref().map(|w| w.ready.to_string()).unwrap_or_default()>
            {status.map(|s| view! { <div class="warm-status">{s}</div> })}
            {warning}
            {controls}
        </div>
    })
}
