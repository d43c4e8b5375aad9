//! The cluster view: container instances in one lane per Availability Zone (Spot, DRAINING,
//! INACTIVE and Auto Scaling group marked on each card), and a Fargate lane where Fargate
//! tasks are chips rather than instance cards (a Fargate task's host is not a container
//! instance of the cluster).
//!
//! Building the view walks every task, so it is rebuilt only when the engine's
//! [`Simulation::change_count`] moves; the lanes then filter the cached cards.

use ecs_engine::capacity_provider::ProviderKind;
use ecs_engine::container_instance::InstanceStatus;
use ecs_engine::scenario::Lifecycle;
use ecs_engine::Simulation;
use leptos::prelude::*;

/// What the page shows about one container instance.
#[derive(Clone, PartialEq)]
pub struct InstanceView {
    /// EC2 instance id.
    pub id: String,
    /// The cluster it registered into.
    pub cluster: String,
    /// Instance type name.
    pub instance_type: String,
    /// Availability Zone: the lane it is in.
    pub az: String,
    /// A Spot instance.
    pub spot: bool,
    /// ACTIVE, DRAINING or INACTIVE.
    pub status: String,
    /// INACTIVE because it was deregistered: its EC2 instance still runs.
    pub deregistered: bool,
    /// The Auto Scaling group that launched it.
    pub group: Option<String>,
    /// The Managed Instances capacity provider that launched it.
    pub managed_by: Option<String>,
    /// CPU units reserved.
    pub cpu_used: u32,
    /// CPU units registered.
    pub cpu_total: u32,
    /// MiB reserved.
    pub mem_used: u32,
    /// MiB registered.
    pub mem_total: u32,
    /// ENIs attached to awsvpc tasks, and how many task ENIs it can take.
    pub enis: (u32, u32),
    /// CPU units and MiB held back for daemon tasks not yet placed (4.1).
    pub held: (u32, u32),
    /// Custom attributes (not those ECS sets), as `name=value` or `name`.
    pub attributes: Vec<String>,
    /// Its active tasks.
    pub tasks: Vec<TaskChip>,
}

/// What a card's buttons do to their instance, at the current time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CardAction {
    /// UpdateContainerInstancesState to DRAINING.
    Drain,
    /// The instance is terminated.
    Terminate,
}

/// A task as a chip on its instance: its service (or group), colour and host ports.
#[derive(Clone, PartialEq)]
pub struct TaskChip {
    /// The first characters of the task id.
    pub id: String,
    /// Service name, or the task's group.
    pub label: String,
    /// Colour class `c0`..`c7`.
    pub colour: usize,
    /// Host ports, `:32768 :32769`.
    pub ports: String,
    /// `lastStatus`.
    pub status: &'static str,
    /// `healthStatus` (1.11): HEALTHY, UNHEALTHY or UNKNOWN.
    pub health: &'static str,
    /// The scheduler found it unhealthy and keeps it until its replacement is healthy (4.3).
    pub replacing: bool,
}

impl TaskChip {
    /// The chip's classes: its colour, its status, `unhealthy` when it is, and `replacing`
    /// while the scheduler replaces it.
    pub fn class(&self) -> String {
        let unhealthy = if self.health == "UNHEALTHY" {
            " unhealthy"
        } else {
            ""
        };
        let replacing = if self.replacing { " replacing" } else { "" };
        format!(
            "chip c{} {}{unhealthy}{replacing}",
            self.colour,
            self.status.to_ascii_lowercase()
        )
    }

    /// The chip's tooltip: id, label, status, health when known.
    pub fn title(&self) -> String {
        let health = if self.health == "UNKNOWN" {
            String::new()
        } else {
            format!(", {}", self.health)
        };
        let replacing = if self.replacing {
            "; failed its health checks, so it stops once its replacement is healthy"
        } else {
            ""
        };
        format!(
            "task {} ({}) {}{health}{replacing}: click for why it is here, and its logs",
            self.id, self.label, self.status
        )
    }
}

/// A Fargate task in the Fargate lane.
#[derive(Clone, PartialEq)]
pub struct FargateChip {
    /// The task on its own.
    pub task: TaskChip,
    /// Launched by FARGATE_SPOT rather than FARGATE.
    pub spot: bool,
    /// The zone of its subnet.
    pub az: String,
}

/// Everything the cluster pane draws.
#[derive(Clone, PartialEq, Default)]
pub struct ClusterView {
    /// Container instances (never Fargate hosts), grouped by Auto Scaling group within a zone.
    pub instances: Vec<InstanceView>,
    /// Active Fargate tasks, by zone, provider and service.
    pub fargate: Vec<FargateChip>,
    /// The zones of container instances, sorted: one lane each.
    pub zones: Vec<String>,
    /// Tasks created PROVISIONING that wait for capacity from an instance provider, with the
    /// provider's name.
    pub provisioning: Vec<(TaskChip, String)>,
    /// The stopped tasks of all services and standalone tasks, then of each service that
    /// has any.
    pub stopped: Vec<StoppedGroup>,
}

/// The stopped tasks of one service (or of all): how many, and the newest
/// [`STOPPED_SHOWN`] of them.
#[derive(Clone, PartialEq)]
pub struct StoppedGroup {
    /// The service's name; empty for all.
    pub service: String,
    /// How many stopped.
    pub total: usize,
    /// The newest, newest first.
    pub rows: Vec<StoppedRow>,
}

/// A stopped task in the list of stopped tasks.
#[derive(Clone, PartialEq)]
pub struct StoppedRow {
    /// The task as a chip (status STOPPED).
    pub chip: TaskChip,
    /// `family:revision`.
    pub task_definition: String,
    /// `stoppedAt`, on the simulated clock.
    pub at: String,
    /// `stopCode`.
    pub code: String,
    /// `stoppedReason`.
    pub reason: String,
    /// Its essential container's exit code and `reason`, if it exited.
    pub exit: Option<String>,
    /// It stopped while PROVISIONING, never placed.
    pub never_placed: bool,
}

/// How many stopped tasks the list shows, newest first.
pub const STOPPED_SHOWN: usize = 50;

impl ClusterView {
    /// The zones of instances and of Fargate tasks: what an AZ outage can hit.
    pub fn all_zones(&self) -> Vec<String> {
        let mut z: Vec<String> = self
            .zones
            .iter()
            .cloned()
            .chain(self.fargate.iter().map(|f| f.az.clone()))
            .collect();
        z.sort();
        z.dedup();
        z
    }
}

/// The cluster as cards and chips; see the module documentation for when to call it.
pub fn cluster_view(sim: &Simulation) -> ClusterView {
    let instances = &sim.cluster().instances;
    let providers = &sim.capacity_providers().providers;
    let mut chips: Vec<Vec<TaskChip>> = vec![Vec::new(); instances.len()];
    let mut fargate = Vec::new();
    for t in sim.tasks().iter().filter(|t| t.is_active()) {
        let ports: Vec<String> = t
            .reservation
            .bindings
            .iter()
            .map(|b| match b.count {
                1 => format!(":{}", b.host_port),
                n => format!(":{}-{}", b.host_port, b.host_port.saturating_add(n - 1)),
            })
            .collect();
        let (label, colour) = chip_label(sim, t.service, &t.group);
        let chip = TaskChip {
            id: t.id.chars().take(8).collect(),
            label,
            colour,
            ports: ports.join(" "),
            status: t.last_status.as_str(),
            health: sim.task_health_status(t).as_str(),
            replacing: t.unhealthy_stop.is_some(),
        };
        let Some(host) = instances.get(t.reservation.slot) else {
            continue;
        };
        if host.fargate {
            let spot = t
                .capacity_provider
                .and_then(|p| providers.get(p))
                .map_or(host.lifecycle == Lifecycle::Spot, |p| {
                    p.kind == ProviderKind::FargateSpot
                });
            fargate.push(FargateChip {
                task: chip,
                spot,
                az: host.availability_zone.clone(),
            });
        } else {
            chips[t.reservation.slot].push(chip);
        }
    }
    fargate.sort_by(|a, b| (&a.az, a.spot, &a.task.label).cmp(&(&b.az, b.spot, &b.task.label)));
    let groups = sim.auto_scaling_groups();
    let mut cards: Vec<InstanceView> = instances
        .iter()
        .zip(chips)
        .filter(|(i, _)| !i.fargate)
        .map(|(i, tasks)| InstanceView {
            id: i.ec2_instance_id.clone(),
            cluster: i.cluster.clone(),
            instance_type: i.instance_type.name.to_string(),
            az: i.availability_zone.clone(),
            spot: i.lifecycle == Lifecycle::Spot,
            status: status_label(i.status).to_string(),
            deregistered: i.deregistered,
            group: i
                .auto_scaling_group
                .and_then(|g| groups.get(g))
                .map(|g| g.spec.name.clone()),
            managed_by: i
                .capacity_provider
                .map(|p| &providers[p])
                .filter(|p| p.managed_instances().is_some())
                .map(|p| p.name.clone()),
            cpu_used: i.registered.cpu.saturating_sub(i.remaining.cpu),
            cpu_total: i.registered.cpu,
            mem_used: i
                .registered
                .memory_mib
                .saturating_sub(i.remaining.memory_mib),
            mem_total: i.registered.memory_mib,
            enis: (i.enis_in_use, i.eni_task_capacity),
            held: (
                i.daemon_hold.resources.cpu,
                i.daemon_hold.resources.memory_mib,
            ),
            attributes: i
                .attributes
                .iter()
                .filter(|(k, _)| !k.starts_with("ecs.") && !k.starts_with("com.amazonaws.ecs."))
                .map(|(k, v)| {
                    if v.is_empty() {
                        k.clone()
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect(),
            tasks,
        })
        .collect();
    // Stable: within a group, launch order.
    cards.sort_by(|a, b| a.group.cmp(&b.group));
    let mut zones: Vec<String> = cards.iter().map(|c| c.az.clone()).collect();
    zones.sort();
    zones.dedup();
    let provisioning = sim
        .provisioning_task_records()
        .iter()
        .map(|w| {
            let (label, colour) = chip_label(sim, w.service, w.group);
            let chip = TaskChip {
                id: w.id.chars().take(8).collect(),
                label,
                colour,
                ports: String::new(),
                status: "PROVISIONING",
                health: "UNKNOWN",
                replacing: false,
            };
            (chip, providers[w.provider].name.clone())
        })
        .collect();
    let stopped = std::iter::once(None)
        .chain((0..sim.services().len()).map(Some))
        .filter_map(|s| {
            let (total, rows) = sim.stopped_tasks(STOPPED_SHOWN, s);
            let service = s.map_or_else(String::new, |s| sim.services()[s].name.clone());
            (s.is_none() || total > 0).then(|| StoppedGroup {
                service,
                total,
                rows: rows.into_iter().map(|r| stopped_row(sim, r)).collect(),
            })
        })
        .collect();
    ClusterView {
        instances: cards,
        fargate,
        zones,
        provisioning,
        stopped,
    }
}

/// A stopped task as its list shows it.
fn stopped_row(sim: &Simulation, r: ecs_engine::stopped_tasks::StoppedTask) -> StoppedRow {
    let (label, colour) = chip_label(sim, r.service, &r.group);
    StoppedRow {
        chip: TaskChip {
            id: r.id.chars().take(8).collect(),
            label,
            colour,
            ports: String::new(),
            status: "STOPPED",
            health: "UNKNOWN",
            replacing: false,
        },
        task_definition: r.task_definition,
        at: r.stopped_at.to_string(),
        code: r.stop_code,
        reason: r.stopped_reason,
        exit: r.exit,
        never_placed: r.never_placed,
    }
}

/// A chip's label and colour class: its service's name and index, or, for a standalone task,
/// its task group.
fn chip_label(sim: &Simulation, service: Option<usize>, group: &str) -> (String, usize) {
    let label = service
        .and_then(|s| sim.services().get(s))
        .map_or_else(|| group.to_string(), |s| s.name.clone());
    let colour = service.unwrap_or(sim.services().len() + group.len()) % 8;
    (label, colour)
}

fn status_label(s: InstanceStatus) -> &'static str {
    match s {
        InstanceStatus::Active => "ACTIVE",
        InstanceStatus::Draining => "DRAINING",
        InstanceStatus::Inactive => "INACTIVE",
    }
}

/// The pane's content: one lane per zone, then the Fargate lane.
#[component]
pub fn ClusterLanes(
    view: ReadSignal<ClusterView>,
    /// The cards' Drain and Terminate buttons; none, no buttons.
    act: Option<Callback<(String, CardAction)>>,
) -> impl IntoView {
    view! {
        <div id="instances" class="lanes">
            <For each=move || view.with(|v| v.zones.clone()) key=|z| z.clone() let:az>
                <ZoneLane view=view az=az act=act/>
            </For>
            {move || view.with(|v| v.instances.is_empty() && v.fargate.is_empty()).then(|| view! {
                <p class="muted small">"No container instances or Fargate tasks yet."</p>
            })}
            <FargateLane view=view/>
            <ProvisioningLane view=view/>
        </div>
        <StoppedTasks view=view/>
    }
}

/// The stopped tasks, newest first, as the console lists them with "Desired status: Stopped":
/// why each stopped (10.2, 10.3). A task's ID opens the task panel (DescribeTasks).
#[component]
fn StoppedTasks(view: ReadSignal<ClusterView>) -> impl IntoView {
    // The service whose stopped tasks are listed; empty for all.
    let chosen = RwSignal::new(String::new());
    let group = move || {
        view.with(|v| {
            let name = chosen.get();
            v.stopped
                .iter()
                .find(|g| g.service == name)
                .or(v.stopped.first())
                .cloned()
        })
    };
    let total = move || view.with(|v| v.stopped.first().map_or(0, |g| g.total));
    view! {
        <details id="stopped-tasks" class="stopped-tasks">
            <summary>"Stopped tasks "<span class="muted">{move || match total() {
                0 => "(none yet)".to_string(),
                n => format!("({n})"),
            }}</span></summary>
            <p class="small stopped-filter">
                <label>"Service "
                    <select id="stopped-service" aria-label="Show the stopped tasks of service"
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {move || view.with(|v| v.stopped.iter().map(|g| {
                            let label = if g.service.is_empty() { format!("All ({})", g.total) } else { format!("{} ({})", g.service, g.total) };
                            let selected = chosen.with_untracked(|c| *c == g.service);
                            view! { <option value=g.service.clone() selected=selected>{label}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <span class="muted">{move || group().filter(|g| g.total > g.rows.len()).map(|g| format!(" the newest {} of {}", g.rows.len(), g.total))}</span>
            </p>
            <table class="stopped">
                <thead><tr><th>"task"</th><th>"revision"</th><th>"stopped at"</th><th>"stop code"</th><th>"stopped reason · exit"</th></tr></thead>
                <tbody>
                    <For each=move || group().map(|g| g.rows).unwrap_or_default()
                        key=|r| (r.chip.id.clone(), r.at.clone()) let:r>
                        <tr class="stopped-task" data-code=r.code.clone()>
                            <td><span class=format!("{} task-link", r.chip.class()) data-task=r.chip.id.clone() tabindex="0" role="button"
                                title=format!("task {} ({}): click for DescribeTasks", r.chip.id, r.chip.label)>
                                {format!("{} {}", r.chip.label, r.chip.id)}</span></td>
                            <td class="mono">{r.task_definition.clone()}</td>
                            <td class="mono">{r.at.clone()}</td>
                            <td class="mono">{r.code.clone()}</td>
                            <td>{r.reason.clone()}
                                {r.never_placed.then(|| view! { <span class="muted">" · stopped while PROVISIONING, never placed"</span> })}
                                {r.exit.clone().map(|e| view! { <br/><span class="muted mono">{e}</span> })}
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </details>
    }
}

/// How many terminated instances a lane lists when unfolded, newest first.
const GONE_SHOWN: usize = 24;

#[component]
fn ZoneLane(
    view: ReadSignal<ClusterView>,
    az: String,
    act: Option<Callback<(String, CardAction)>>,
) -> impl IntoView {
    let zone = az.clone();
    let heading = move || {
        view.with(|v| {
            let here: Vec<&InstanceView> = v.instances.iter().filter(|i| i.az == zone).collect();
            let live = here.iter().filter(|i| i.status != "INACTIVE").count();
            let spot = here
                .iter()
                .filter(|i| i.spot && i.status != "INACTIVE")
                .count();
            let deregistered = here.iter().filter(|i| i.deregistered).count();
            let gone = here.len() - live - deregistered;
            let mut s = format!("{live} instance{}", if live == 1 { "" } else { "s" });
            if spot > 0 {
                s.push_str(&format!(", {spot} Spot"));
            }
            if gone > 0 {
                s.push_str(&format!(", {gone} terminated"));
            }
            if deregistered > 0 {
                s.push_str(&format!(", {deregistered} deregistered"));
            }
            s
        })
    };
    let zone = az.clone();
    let gone_zone = az.clone();
    // Terminated instances stay listed (AWS keeps them INACTIVE for a while), but folded
    // away under the lane, newest first, so a long run's scale-ins do not bury the live ones.
    let gone = move || {
        view.with(|v| {
            v.instances
                .iter()
                .filter(|i| i.az == gone_zone && i.status == "INACTIVE")
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="lane" data-az=az.clone() aria-label=format!("Availability Zone {az}")>
            <h3 class="lane-title">{az.clone()}<span class="muted small">" · " {heading}</span></h3>
            <div class="instances">
                <For each=move || view.with(|v| v.instances.iter().filter(|i| i.az == zone && i.status != "INACTIVE").cloned().collect::<Vec<_>>())
                    key=|i| (i.id.clone(), i.tasks.len(), i.tasks.iter().flat_map(|t| [t.status, t.health]).collect::<String>(), i.cpu_used, i.mem_used, i.held, i.status.clone(), i.attributes.clone())
                    let:inst>
                    <InstanceCard inst=inst act=act/>
                </For>
            </div>
            {move || {
                let gone = gone();
                (!gone.is_empty()).then(|| {
                    let shown = gone.len().min(GONE_SHOWN);
                    let earlier = gone.len() - shown;
                    view! {
                        <details class="gone-list">
                            <summary class="muted small">{
                                let what = if gone.iter().any(|i| i.deregistered) { "inactive" } else { "terminated" };
                                format!("{} {what} instance{}", gone.len(), if gone.len() == 1 { "" } else { "s" })
                            }</summary>
                            <div class="instances">
                                {gone.into_iter().rev().take(shown).map(|inst| view! { <InstanceCard inst=inst act=None/> }).collect_view()}
                            </div>
                            {(earlier > 0).then(|| view! { <p class="muted small">{format!("and {earlier} terminated earlier")}</p> })}
                        </details>
                    }
                })
            }}
        </section>
    }
}

#[component]
fn FargateLane(view: ReadSignal<ClusterView>) -> impl IntoView {
    let summary = move || {
        view.with(|v| {
            let spot = v.fargate.iter().filter(|f| f.spot).count();
            format!(
                "{} tasks: {} FARGATE, {} FARGATE_SPOT",
                v.fargate.len(),
                v.fargate.len() - spot,
                spot
            )
        })
    };
    let zones = move || {
        view.with(|v| {
            let mut z: Vec<String> = v.fargate.iter().map(|f| f.az.clone()).collect();
            z.dedup();
            z
        })
    };
    move || {
        view.with(|v| !v.fargate.is_empty()).then(|| view! {
            <section class="lane fargate" id="fargate-lane" aria-label="Fargate"
                title="AWS runs each Fargate task on a host of its own: there are no instances to manage">
                <h3 class="lane-title">"Fargate"<span class="muted small">" · " {summary}</span></h3>
                <For each=zones key=|z| z.clone() let:az>
                    <FargateZone view=view az=az/>
                </For>
            </section>
        })
    }
}

/// The tasks created PROVISIONING that wait for capacity (10.1): on no instance yet.
#[component]
fn ProvisioningLane(view: ReadSignal<ClusterView>) -> impl IntoView {
    move || {
        view.with(|v| !v.provisioning.is_empty()).then(|| view! {
            <section class="lane provisioning" id="provisioning-lane" aria-label="Tasks waiting for capacity"
                title="ECS created these tasks; they wait in PROVISIONING until their capacity provider has an instance with room">
                <h3 class="lane-title">"PROVISIONING"<span class="muted small">" · "
                    {move || view.with(|v| format!("{} task{} waiting for capacity", v.provisioning.len(), if v.provisioning.len() == 1 { "" } else { "s" }))}
                </span></h3>
                <ul class="chips provisioning-chips">
                    <For each=move || view.with(|v| v.provisioning.clone())
                        key=|(c, _)| c.id.clone() let:item>
                        <li class=format!("{} provisioning-task", item.0.class()) data-task=item.0.id.clone()
                            data-provider=item.1.clone()
                            title=format!("task {} ({}) PROVISIONING: waiting for capacity from capacity provider {}", item.0.id, item.0.label, item.1)>
                            {item.0.label.clone()}
                        </li>
                    </For>
                </ul>
            </section>
        })
    }
}

/// The Fargate tasks of one zone.
#[component]
fn FargateZone(view: ReadSignal<ClusterView>, az: String) -> impl IntoView {
    let zone = az.clone();
    view! {
        <div class="fargate-zone" data-az=az.clone()>
            <span class="muted small zone">{az.clone()}</span>
            <ul class="chips fargate-chips">
                <For each=move || view.with(|v| v.fargate.iter().filter(|f| f.az == zone).cloned().collect::<Vec<_>>())
                    key=|f| (f.task.id.clone(), f.task.status, f.task.health) let:f>
                    <li class=format!("{} fargate-task{}", f.task.class(), if f.spot { " spot" } else { "" })
                        data-health=f.task.health
                        data-provider=if f.spot { "FARGATE_SPOT" } else { "FARGATE" } data-az=f.az.clone() data-task=f.task.id.clone() tabindex="0" role="button"
                        title=format!("task {} ({}) {} on {} in {}", f.task.id, f.task.label, f.task.status, if f.spot { "FARGATE_SPOT" } else { "FARGATE" }, f.az)>
                        {f.spot.then(|| view! { <span class="spot-mark">"Spot "</span> })}
                        {f.task.label.clone()}
                        <span class="az">{short_zone(&f.az)}</span>
                    </li>
                </For>
            </ul>
        </div>
    }
}

/// `us-east-1a` → `1a`: enough on a chip.
fn short_zone(az: &str) -> String {
    let tail: String = az.chars().rev().take(2).collect();
    tail.chars().rev().collect()
}

/// "; N units held back for daemon tasks" of a resource bar's tooltip, when some are (4.1).
fn held_note(held: u32, unit: &str) -> String {
    if held == 0 {
        String::new()
    } else {
        format!("; {held} {unit} held back for daemon tasks not yet placed (hatched)")
    }
}

#[component]
fn InstanceCard(inst: InstanceView, act: Option<Callback<(String, CardAction)>>) -> impl IntoView {
    let pct = |used: u32, total: u32| (used * 100).checked_div(total).unwrap_or(0);
    let cpu = pct(inst.cpu_used, inst.cpu_total);
    let mem = pct(inst.mem_used, inst.mem_total);
    // The hatched part shows what is held out of what is free.
    let held_cpu = pct(
        inst.held.0.min(inst.cpu_total - inst.cpu_used),
        inst.cpu_total,
    );
    let held_mem = pct(
        inst.held.1.min(inst.mem_total - inst.mem_used),
        inst.mem_total,
    );
    let group = inst
        .group
        .clone()
        .map(|g| {
            view! { <span class="badge group" title=format!("launched by Auto Scaling group {g}")>{g.clone()}</span> }
        })
        .or_else(|| inst.managed_by.clone().map(|p| {
            view! { <span class="badge group managed" title=format!("launched by Amazon ECS Managed Instances (capacity provider {p}): ECS chose its type, and terminates it when idle")>{format!("MI {p}")}</span> }
        }));
    if inst.status == "INACTIVE" {
        // Terminated or deregistered: kept small, so the lane shows what is left.
        let (title, badge) = if inst.deregistered {
            (
                "Deregistered (DeregisterContainerInstance): no longer part of the cluster; its EC2 instance keeps running, and billing, until it is terminated",
                "INACTIVE · deregistered",
            )
        } else {
            ("Terminated: no longer part of the cluster", "INACTIVE")
        };
        return view! {
            <article class="instance gone" data-status="INACTIVE" data-instance=inst.id.clone() title=title>
                <header>
                    <strong>{inst.instance_type.clone()}</strong>
                    {inst.spot.then(|| view! { <span class="badge spot">"Spot"</span> })}
                    {group}
                    <span class="badge status">{badge}</span>
                </header>
                <div class="muted small">{inst.id.clone()}</div>
            </article>
        }
        .into_any();
    }
    view! {
        <article class="instance" data-status=inst.status.clone() data-instance=inst.id.clone()>
            <header>
                <strong>{inst.instance_type.clone()}</strong>
                {inst.spot.then(|| view! { <span class="badge spot">"Spot"</span> })}
                {group}
                <span class="badge status">{inst.status.clone()}</span>
            </header>
            <div class="muted small">{inst.id.clone()}</div>
            {(!inst.attributes.is_empty()).then(|| view! {
                <div class="attrs small" title="custom attributes">{inst.attributes.join(" · ")}</div>
            })}
            <div class="bar" title=format!("CPU {} / {} units{}", inst.cpu_used, inst.cpu_total, held_note(inst.held.0, "units"))>
                <span class="label">"CPU"</span>
                <span class="track">
                    <span class="fill cpu" style=format!("width:{cpu}%")></span>
                    {(held_cpu > 0).then(|| view! { <span class="fill held" style=format!("width:{held_cpu}%")></span> })}
                </span>
                <span class="value">{format!("{cpu}%")}</span>
            </div>
            <div class="bar" title=format!("Memory {} / {} MiB{}", inst.mem_used, inst.mem_total, held_note(inst.held.1, "MiB"))>
                <span class="label">"MEM"</span>
                <span class="track">
                    <span class="fill mem" style=format!("width:{mem}%")></span>
                    {(held_mem > 0).then(|| view! { <span class="fill held" style=format!("width:{held_mem}%")></span> })}
                </span>
                <span class="value">{format!("{mem}%")}</span>
            </div>
            <div class="small card-foot">
                <span>
                    {match inst.tasks.len() { 1 => "1 task".to_string(), n => format!("{n} tasks") }}
                    {(inst.enis.0 > 0).then(|| view! {
                        <span class="enis muted" title="ENIs attached to awsvpc tasks / the tasks' ENIs it can take">{format!(" · ENIs {}/{}", inst.enis.0, inst.enis.1)}</span>
                    })}
                </span>
                {act.map(|act| {
                    let (drain_id, end_id) = (inst.id.clone(), inst.id.clone());
                    let active = inst.status == "ACTIVE";
                    view! {
                        <span class="card-actions">
                            {active.then(|| view! {
                                <button class="card-action drain" title="Drain: set it to DRAINING now (UpdateContainerInstancesState)"
                                    aria-label=format!("Drain {}", inst.id) on:click=move |_| act.run((drain_id.clone(), CardAction::Drain))>"Drain"</button>
                            })}
                            <button class="card-action terminate" title="Terminate it now: its tasks stop, services replace them"
                                aria-label=format!("Terminate {}", inst.id) on:click=move |_| act.run((end_id.clone(), CardAction::Terminate))>"✕"</button>
                        </span>
                    }
                })}
            </div>
            <ul class="chips">
                {inst.tasks.iter().map(|t| view! {
                    <li class=t.class() data-task=t.id.clone() data-health=t.health tabindex="0" role="button" title=t.title()>
                        {t.label.clone()} <span class="ports">{t.ports.clone()}</span>
                    </li>
                }).collect_view()}
            </ul>
        </article>
    }
    .into_any()
}
