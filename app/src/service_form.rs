//! The service editor of the "Add to the scenario" panel: a CreateService request with a
//! launch type or capacity provider strategy, the desired count, ordered placement strategies,
//! constraints (a `memberOf` expression validated on every keystroke), a target group and the
//! deployment configuration. The request is built and checked by `ecs_engine::edit::add_service`.

use ecs_engine::edit::{service_choices, ProviderShare, ServiceForm, StrategyRow, TargetGroupLink};
use ecs_engine::placement::cql;
use ecs_engine::Scenario;
use leptos::prelude::*;

use crate::build::{input_list, input_value, reload, EditStatus};
use crate::scaling_form::whole;

/// A row of a list the user can grow and shrink; `id` makes its field ids unique.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Row {
    id: usize,
    kind: RwSignal<String>,
}

/// Rows of one list, with the next free id.
#[derive(Clone, Copy)]
struct Rows {
    rows: RwSignal<Vec<Row>>,
    next: RwSignal<usize>,
}

impl Rows {
    fn new() -> Self {
        Rows {
            rows: RwSignal::new(Vec::new()),
            next: RwSignal::new(0),
        }
    }

    fn add(self, kind: &str) {
        let id = self.next.get_untracked();
        self.next.set(id + 1);
        let kind = RwSignal::new(kind.to_string());
        self.rows.update(|r| r.push(Row { id, kind }));
    }

    fn remove(self, id: usize) {
        self.rows.update(|r| r.retain(|row| row.id != id));
    }
}

/// The `field` choices of a placement strategy type (3.2).
fn strategy_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "spread" => &[
            "attribute:ecs.availability-zone",
            "instanceId",
            "attribute:ecs.instance-type",
        ],
        "binpack" => &["memory", "cpu"],
        _ => &[],
    }
}

/// A percentage typed in field `id` in tenths (AWS takes multiples of 0.1); `field` prefixes
/// `Percent` in the error.
fn tenths(id: &str, field: &str) -> Result<u32, Vec<String>> {
    let text = input_value(id);
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .map(|p| (p * 10.0).round() as u32)
        .ok_or_else(|| {
            vec![format!(
                "{field}Percent: \"{}\" is not a percentage",
                text.trim()
            )]
        })
}

/// The form's fields as a [`ServiceForm`], or the field that could not be read.
fn read_form(
    providers: &[Row],
    strategies: &[Row],
    awsvpc: bool,
) -> Result<ServiceForm, Vec<String>> {
    let capacity = input_value("svc-capacity");
    // Fargate has no placement strategies or constraints: the form hides them, and rows
    // typed before FARGATE was chosen are left out.
    let placed = capacity != "FARGATE";
    let mut capacity_provider_strategy = Vec::new();
    if capacity == "strategy" {
        for (i, row) in providers.iter().enumerate() {
            let path = format!("capacityProviderStrategy[{i}]");
            capacity_provider_strategy.push(ProviderShare {
                provider: input_value(&format!("svc-cp-provider-{}", row.id)),
                base: whole(&format!("svc-cp-base-{}", row.id), &format!("{path}.base"))?,
                weight: whole(
                    &format!("svc-cp-weight-{}", row.id),
                    &format!("{path}.weight"),
                )?,
            });
        }
    }
    // The shifting strategies' fields show only for them.
    let strategy = input_value("svc-strategy");
    let defaults = ServiceForm::default();
    let (bake_minutes, pause_stage) = match strategy.as_str() {
        "" | "ROLLING" => (defaults.bake_minutes, String::new()),
        _ => (
            whole("svc-bake", "deploymentConfiguration.bakeTimeInMinutes")?,
            input_value("svc-pause"),
        ),
    };
    let shift = match strategy.as_str() {
        "LINEAR" => Some("deploymentConfiguration.linearConfiguration.step"),
        "CANARY" => Some("deploymentConfiguration.canaryConfiguration.canary"),
        _ => None,
    };
    let (shift_tenths, shift_bake_minutes) = match shift {
        Some(field) => (
            tenths("svc-shift", field)?,
            whole("svc-shift-bake", &format!("{field}BakeTimeInMinutes"))?,
        ),
        None => (defaults.shift_tenths, defaults.shift_bake_minutes),
    };
    let load_balancer = match input_value("svc-tg") {
        tg if tg.is_empty() => None,
        target_group => {
            let container = input_value("svc-container");
            let (name, port) = container.rsplit_once(':').ok_or_else(|| {
                vec![
                    "loadBalancers[0].containerName: the task definition maps no container port"
                        .to_string(),
                ]
            })?;
            Some(TargetGroupLink {
                target_group,
                container_name: name.to_string(),
                container_port: port.parse().unwrap_or(0),
                alternate_target_group: input_value("svc-alt-tg"),
            })
        }
    };
    Ok(ServiceForm {
        name: input_value("svc-name"),
        cluster: input_value("svc-cluster"),
        task_definition: input_value("svc-td"),
        desired: whole("svc-desired", "desiredCount")?,
        launch_type: if capacity == "strategy" {
            String::new()
        } else {
            capacity
        },
        capacity_provider_strategy,
        placement_strategy: strategies
            .iter()
            .filter(|_| placed)
            .map(|row| StrategyRow {
                kind: row.kind.get_untracked(),
                field: input_value(&format!("svc-ps-field-{}", row.id)),
            })
            .collect(),
        distinct_instance: placed && input_value("svc-distinct") == "true",
        member_of: if placed {
            input_value("svc-member-of")
        } else {
            String::new()
        },
        load_balancer,
        minimum_healthy_percent: whole("svc-min", "deploymentConfiguration.minimumHealthyPercent")?,
        maximum_percent: whole("svc-max", "deploymentConfiguration.maximumPercent")?,
        circuit_breaker: input_value("svc-cb") == "true",
        rollback: input_value("svc-rollback") == "true",
        code_deploy_config: if strategy == "CODE_DEPLOY" {
            input_value("svc-cd-config")
        } else {
            defaults.code_deploy_config
        },
        strategy,
        bake_minutes,
        shift_tenths,
        shift_bake_minutes,
        pause_stage,
        az_rebalancing: input_value("svc-azr") == "true",
        execute_command: input_value("svc-exec") == "true",
        subnets: if awsvpc {
            input_list("svc-subnets")
        } else {
            Vec::new()
        },
        service_connect_namespace: input_value("svc-sc-ns"),
        service_connect_port: input_value("svc-sc-port"),
        service_connect_alias: input_value("svc-sc-alias"),
        service_registry: input_value("svc-sd-registry"),
        service_registry_port: input_value("svc-sd-port"),
    })
}

/// The live check of the `memberOf` expression: the field, then under it the expression with
/// the offending character underlined and the message, or a "valid" hint. `problem` holds the
/// parse error of the current text (none when it is empty or valid).
fn member_of_field(problem: RwSignal<Option<cql::ParseError>>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let check = move |ev| {
        let value = event_target_value(&ev);
        problem.set(if value.trim().is_empty() {
            None
        } else {
            cql::validate(&value).err()
        });
        text.set(value);
    };
    let feedback = move || {
        let value = text.get();
        match problem.get() {
            _ if value.trim().is_empty() => view! {
                <p class="small hint" id="svc-member-of-msg">"Optional, e.g. attribute:ecs.instance-type =~ t3.*"</p>
            }
            .into_any(),
            None => view! { <p class="small cql-ok" id="svc-member-of-msg">"✓ valid expression"</p> }.into_any(),
            Some(e) => {
                let chars: Vec<char> = value.chars().collect();
                let at = e.column.saturating_sub(1).min(chars.len());
                let before: String = chars[..at].iter().collect();
                let bad: String = chars.get(at).map_or(" ".to_string(), char::to_string);
                let after: String = chars.get(at + 1..).map_or(String::new(), |r| r.iter().collect());
                view! {
                    <div class="cql-mirror" aria-hidden="true">{before}<mark>{bad}</mark>{after}</div>
                    <p class="cql-error" id="svc-member-of-msg" role="status">
                        {format!("{} (column {})", e.message, e.column)}
                    </p>
                }
                .into_any()
            }
        }
    };
    view! {
        <label class="wide">"memberOf expression "
            <input id="svc-member-of" class="cql" spellcheck="false" autocomplete="off"
                placeholder="attribute:ecs.instance-type =~ t3.*"
                aria-describedby="svc-member-of-msg"
                aria-invalid=move || problem.with(Option::is_some).to_string()
                on:input=check/>
        </label>
        <div class="cql-feedback">{feedback}</div>
    }
}

/// The service fieldset. Successful edits go to `apply`; the outcome is shown by `status`.
#[component]
pub fn ServiceFieldset(
    scenario: ReadSignal<Scenario>,
    clock: RwSignal<ecs_engine::SimTime>,
    status: EditStatus,
    apply: Callback<Scenario>,
) -> impl IntoView {
    let cluster = RwSignal::new("default".to_string());
    let td = RwSignal::new(String::new());
    let family = crate::build::chosen_family(scenario, td);
    let choices = Memo::new(move |_| {
        scenario.with(|s| service_choices(&s.raw, &cluster.get(), &family.get()))
    });
    let capacity = RwSignal::new(String::new());
    let target_group = RwSignal::new(String::new());
    let deploy_strategy = RwSignal::new("ROLLING".to_string());
    let providers = Rows::new();
    let strategies = Rows::new();
    let problem = RwSignal::new(None::<cql::ParseError>);
    let create = move |_| {
        if let Some(e) = problem.get_untracked() {
            status.from("service").finish(
                Err(vec![format!(
                    "placementConstraints: the memberOf expression is invalid: {} (column {})",
                    e.message, e.column
                )]),
                String::new(),
                apply,
            );
            return;
        }
        let awsvpc = choices.with_untracked(|c| c.awsvpc);
        let result = read_form(
            &providers.rows.get_untracked(),
            &strategies.rows.get_untracked(),
            awsvpc,
        )
        .and_then(|form| {
            scenario.with_untracked(|s| {
                ecs_engine::edit::add_service(&s.raw, &form)
                    .map_err(|e| vec![e])
                    .and_then(reload)
            })
        });
        status.from("service").finish(
            result,
            format!("Created service {}.", input_value("svc-name").trim()),
            apply,
        );
    };
    // Pasted JSON: every service in it, verbatim (describe-services' read-only members are
    // ignored by the loader); or task sets, created at the current time.
    let paste = move |_| {
        let at = clock.get_untracked();
        let task_sets = scenario.with_untracked(|s| {
            ecs_engine::edit::add_task_sets_json(&s.raw, &input_value("svc-json"), at)
        });
        match task_sets {
            Ok(None) => {}
            Ok(Some((doc, added))) => {
                let what = format!("Added {} at {at}.", added.join(", "));
                status.from("service-json").finish(reload(doc), what, apply);
                return;
            }
            Err(e) => {
                status
                    .from("service-json")
                    .finish(Err(vec![e]), String::new(), apply);
                return;
            }
        }
        let result = scenario.with_untracked(|s| {
            // A definition without a name or task definition (ecspresso's) takes the form's.
            let defaults = ecs_engine::edit::PastedServiceDefaults {
                service_name: input_value("svc-name"),
                task_definition: input_value("svc-td"),
            };
            ecs_engine::edit::add_services_json(&s.raw, &input_value("svc-json"), &defaults)
                .map_err(|e| vec![e])
                .and_then(|(doc, names)| reload(doc).map(|s| (s, names)))
        });
        let (result, what) = match result {
            Ok((s, names)) => (
                Ok(s),
                format!(
                    "Created {} {}.",
                    if names.len() == 1 {
                        "service"
                    } else {
                        "services"
                    },
                    names.join(", ")
                ),
            ),
            Err(e) => (Err(e), String::new()),
        };
        status.from("service-json").finish(result, what, apply);
    };
    let provider_row = move |row: Row| {
        let id = row.id;
        view! {
            <li>
                <select id=format!("svc-cp-provider-{id}") class="cp-provider" aria-label="Capacity provider">
                    {move || choices.with(|c| c.capacity_providers.clone()).into_iter().map(|p| view! { <option value=p.clone()>{p.clone()}</option> }).collect_view()}
                </select>
                <input id=format!("svc-cp-base-{id}") type="number" min="0" max="100000" value="0" aria-label="base"/>
                <input id=format!("svc-cp-weight-{id}") type="number" min="0" max="1000" value="1" aria-label="weight"/>
                <button type="button" class="remove" aria-label="Remove this capacity provider" on:click=move |_| providers.remove(id)>"×"</button>
            </li>
        }
    };
    let strategy_row = move |row: Row| {
        let id = row.id;
        view! {
            <li>
                <select id=format!("svc-ps-type-{id}") aria-label="Strategy type"
                    prop:value=move || row.kind.get()
                    on:change=move |ev| row.kind.set(event_target_value(&ev))>
                    <option value="spread">"spread"</option>
                    <option value="binpack">"binpack"</option>
                    <option value="random">"random"</option>
                </select>
                {move || {
                    let fields = strategy_fields(&row.kind.get());
                    view! {
                        <select id=format!("svc-ps-field-{id}") aria-label="Strategy field" disabled=fields.is_empty()>
                            {fields.iter().map(|f| view! { <option value=*f>{*f}</option> }).collect_view()}
                        </select>
                    }
                }}
                <button type="button" class="remove" aria-label="Remove this placement strategy" on:click=move |_| strategies.remove(id)>"×"</button>
            </li>
        }
    };
    view! {
        <fieldset class="service-form">
            <legend>"Service (CreateService)"</legend>
            <div class="svc-group">
                <label>"Name "<input id="svc-name" size="12"/></label>
                <label>"Task definition "<select id="svc-td" on:change=move |ev| td.set(event_target_value(&ev))>
                    {move || choices.with(|c| c.families.clone()).into_iter().map(|f| view! { <option value=f.clone() selected=f == family.get()>{f.clone()}</option> }).collect_view()}
                </select></label>
                <label>"Cluster "<input id="svc-cluster" value="default" size="10" on:input=move |ev| cluster.set(event_target_value(&ev))/></label>
                <label>"Desired count "<input id="svc-desired" type="number" min="0" value="2"/></label>
                <label>"Capacity "<select id="svc-capacity" on:change=move |ev| {
                    capacity.set(event_target_value(&ev));
                    if capacity.get_untracked() == "strategy" && providers.rows.with_untracked(Vec::is_empty) {
                        providers.add("");
                    }
                }>
                    <option value="">"cluster default"</option>
                    <option value="EC2">"launch type EC2"</option>
                    <option value="FARGATE">"launch type FARGATE"</option>
                    <option value="EXTERNAL">"launch type EXTERNAL"</option>
                    <option value="strategy">"capacity provider strategy"</option>
                </select></label>
                <Show when=move || capacity.get() == "strategy">
                    <div class="svc-cp-head" aria-hidden="true"><span class="cp-provider">"provider"</span><span>"base"</span><span>"weight"</span></div>
                    <ol class="svc-rows" aria-label="Capacity provider strategy">
                        <For each=move || providers.rows.get() key=|r| r.id let:row>{provider_row(row)}</For>
                    </ol>
                    <button type="button" id="svc-cp-add" on:click=move |_| providers.add("")>"+ provider"</button>
                    {move || choices.with(|c| c.capacity_providers.is_empty()).then(|| view! {
                        <p class="small hint">"No capacity provider is associated with this cluster (clusters[].capacityProviders)."</p>
                    })}
                </Show>
                <Show when=move || choices.with(|c| c.awsvpc)>
                    <label>"Subnets "<input id="svc-subnets" placeholder="subnet-a, subnet-b" size="16"/></label>
                </Show>
            </div>
            <div class="svc-group">
                <Show when=move || capacity.get() != "FARGATE" fallback=|| view! {
                    <span class="svc-heading">"Placement"</span>
                    <p class="small hint" id="svc-fargate-placement">"Task placement strategies and constraints aren't supported for tasks using the Fargate launch type: Fargate runs each task on a host of its own, spread across the Availability Zones of its subnets."</p>
                }>
                <span class="svc-heading">"Placement strategies, in order"</span>
                <ol class="svc-rows" aria-label="Placement strategies">
                    <For each=move || strategies.rows.get() key=|r| r.id let:row>{strategy_row(row)}</For>
                </ol>
                {move || strategies.rows.with(Vec::is_empty).then(|| view! {
                    <p class="small hint">"None: the service default, spread(AZ) then spread(instanceId)."</p>
                })}
                <button type="button" id="svc-ps-add" on:click=move |_| strategies.add("spread")>"+ strategy"</button>
                <span class="svc-heading">"Constraints"</span>
                <label><input id="svc-distinct" type="checkbox"/>" distinctInstance"</label>
                {member_of_field(problem)}
                </Show>
            </div>
            <div class="svc-group">
                <label>"Target group "<select id="svc-tg" on:change=move |ev| target_group.set(event_target_value(&ev))>
                    <option value="">"none"</option>
                    {move || choices.with(|c| c.target_groups.clone()).into_iter().map(|t| view! { <option value=t.clone() selected=t == target_group.get()>{t.clone()}</option> }).collect_view()}
                </select></label>
                <Show when=move || !target_group.get().is_empty()>
                    <label>"Container:port "<select id="svc-container">
                        {move || choices.with(|c| c.container_ports.clone()).into_iter().map(|(n, p)| view! { <option value=format!("{n}:{p}")>{format!("{n}:{p}")}</option> }).collect_view()}
                    </select></label>
                </Show>
                <Show when=move || choices.with(|c| c.classic_load_balancers.contains(&target_group.get()))>
                    <span id="svc-clb-note" class="small muted">"A Classic Load Balancer registers whole instances and sends to a fixed instance port: the container needs that hostPort, so one task per instance."</span>
                </Show>
                <span class="svc-heading">"Service Connect"</span>
                <label title="serviceConnectConfiguration.namespace: a Cloud Map namespace; a new name is added as an HTTP namespace. Empty: no Service Connect">"Namespace "
                    <input id="svc-sc-ns" list="svc-sc-namespaces" placeholder="none" size="9"/></label>
                <datalist id="svc-sc-namespaces">
                    {move || choices.with(|c| c.namespaces.clone()).into_iter().map(|n| view! { <option value=n.clone()></option> }).collect_view()}
                </datalist>
                <label title="serviceConnectConfiguration.services[0].portName: a named port mapping of the task definition this service serves; client only: it calls others">"Serves "
                    <select id="svc-sc-port">
                        <option value="">"client only"</option>
                        {move || choices.with(|c| c.port_names.clone()).into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                    </select></label>
                <label title="clientAliases[0]: the dnsName:port clients connect to; empty: portName.namespace and the port mapping's port">"Alias "
                    <input id="svc-sc-alias" placeholder="backend:8080" size="11"/></label>
                <span class="svc-heading">"Service discovery"</span>
                <label title="serviceRegistries[0]: the DNS name (service.namespace) of a Cloud Map service its tasks register in; a new name adds the Cloud Map service (A record, 60 s TTL, ECS-reported health) and its private DNS namespace. Empty: none">"DNS name "
                    <input id="svc-sd-registry" list="svc-sd-names" placeholder="none" size="16"/></label>
                <datalist id="svc-sd-names">
                    {move || choices.with(|c| c.cloud_map_services.clone()).into_iter().map(|n| view! { <option value=n.clone()></option> }).collect_view()}
                </datalist>
                <label title="serviceRegistries[0].containerName and containerPort: the port an SRV record gives (required with the bridge and host network modes); none: A records">"SRV port "
                    <select id="svc-sd-port">
                        <option value="">"none (A record)"</option>
                        {move || choices.with(|c| c.container_ports.clone()).into_iter().map(|(n, p)| view! { <option value=format!("{n}:{p}")>{format!("{n}:{p}")}</option> }).collect_view()}
                    </select></label>
                <span class="svc-heading">"Deployment configuration"</span>
                <label>"Min healthy % "<input id="svc-min" type="number" min="0" max="100" value="100"/></label>
                <label>"Max % "<input id="svc-max" type="number" min="100" value="200"/></label>
                <label><input id="svc-cb" type="checkbox"/>" circuit breaker"</label>
                <label><input id="svc-rollback" type="checkbox"/>" rollback"</label>
                <label title="deploymentConfiguration.strategy: BLUE_GREEN, LINEAR and CANARY start the new revision beside the old one in the alternate target group, then shift production traffic; CODE_DEPLOY hands deployments to a CodeDeploy deployment group">"Strategy "
                    <select id="svc-strategy" on:change=move |ev| deploy_strategy.set(event_target_value(&ev))>
                        {["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"].map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                        <option value="CODE_DEPLOY">"CODE_DEPLOY (CodeDeploy)"</option>
                    </select></label>
                <Show when=move || deploy_strategy.get() != "ROLLING">
                    {move || if deploy_strategy.get() == "CODE_DEPLOY" {
                        view! {
                            <label title="the deployment group's deploymentConfigName: how AllowTraffic moves production traffic">"Configuration "
                                <select id="svc-cd-config">
                                    {["CodeDeployDefault.ECSAllAtOnce", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "CodeDeployDefault.ECSCanary10Percent5Minutes", "CodeDeployDefault.ECSCanary10Percent15Minutes"].map(|c| view! { <option value=c>{c.trim_start_matches("CodeDeployDefault.")}</option> }).collect_view()}
                                </select></label>
                            <label title="terminationWaitTimeInMinutes: the original task set runs this long, without production traffic, after AfterAllowTraffic">"Termination wait min "
                                <input id="svc-bake" type="number" min="0" max="2880" value="5"/></label>
                        }.into_any()
                    } else {
                        view! {
                            <label title="bakeTimeInMinutes: both revisions run this long after the production traffic shift">"Bake min "
                                <input id="svc-bake" type="number" min="0" max="1440" value="5"/></label>
                            <label title="deploymentConfiguration.lifecycleHooks: a PAUSE hook holds the deployment at this stage until ContinueServiceDeployment (the Continue button on the service row) or its 24-hour timeout, which rolls back">"Pause at "
                                <select id="svc-pause">
                                    <option value="">"no pause hook"</option>
                                    {["PRE_SCALE_UP", "POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"].map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                                </select></label>
                        }.into_any()
                    }}
                    <Show when=move || !target_group.get().is_empty()>
                        <label title="advancedConfiguration.alternateTargetGroupArn (CODE_DEPLOY: the deployment group's second target group): where the new revision starts">"Alternate target group "
                            <select id="svc-alt-tg">
                                {move || choices.with(|c| c.target_groups.clone()).into_iter().filter(|t| *t != target_group.get()).map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                            </select></label>
                    </Show>
                </Show>
                <Show when=move || matches!(deploy_strategy.get().as_str(), "LINEAR" | "CANARY")>
                    {move || {
                        let canary = deploy_strategy.get() == "CANARY";
                        let (label, percent, wait) = if canary { ("Canary % ", "5", "10") } else { ("Step % ", "10", "6") };
                        view! {
                            <label>{label}<input id="svc-shift" type="number" min="0.1" max="100" step="0.1" value=percent/></label>
                            <label>{if canary { "Canary bake min " } else { "Step bake min " }}
                                <input id="svc-shift-bake" type="number" min="0" max="1440" value=wait/></label>
                        }
                    }}
                </Show>
                <label title="availabilityZoneRebalancing: unchecked writes DISABLED; checked leaves CreateService's default (ENABLED, DISABLED for binpack)">
                    <input id="svc-azr" type="checkbox" checked/>" AZ rebalancing"</label>
                <label title="enableExecuteCommand: aws ecs execute-command into the tasks (ECS Exec); the task definition needs a task role whose policy allows the four ssmmessages actions">
                    <input id="svc-exec" type="checkbox"/>" ECS Exec"</label>
                <div class="svc-actions">
                    <button id="create-service" on:click=create disabled=move || capacity.get() != "FARGATE" && problem.with(Option::is_some)>"Create service"</button>
                    {status.view_at("build", "service")}
                </div>
            </div>
            <details class="svc-paste">
                <summary>"…or paste JSON: a CreateService input, a task set call (CreateTaskSet, UpdateTaskSet, UpdateServicePrimaryTaskSet, DeleteTaskSet), or "<code>"aws ecs describe-services"</code>" or "<code>"describe-task-sets"</code>" output"</summary>
                <textarea id="svc-json" rows="6" spellcheck="false" aria-label="CreateService, CreateTaskSet, describe-services or describe-task-sets JSON"
                    placeholder="{\"serviceName\": \"web\", \"taskDefinition\": \"web:1\", \"desiredCount\": 2}"></textarea>
                <button id="add-service-json" on:click=paste>"Create from JSON"</button>
                {status.view_at("build", "service-json")}
            </details>
        </fieldset>
    }
}
