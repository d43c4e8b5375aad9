//! The "Add to the scenario" panel: instances from the catalogue, a pasted task definition,
//! a service (`service_form.rs`), a standalone task (`run_task_form.rs`), and the live load
//! control. Every action is an engine edit
//! of the scenario document (`ecs_engine::edit`), so it is undoable, autosaved and shared by
//! links.

use ecs_engine::instance_types::CATALOGUE;
use ecs_engine::{Scenario, SimTime};
use leptos::prelude::*;
use serde_json::Value;

use crate::task_definition_form::TaskDefinitionEditor;

/// An edit of the scenario document made at a simulated time: the new document, or the
/// problems to show.
pub(crate) type DocumentEdit<'a> = dyn Fn(&Value, SimTime) -> Result<Value, Vec<String>> + 'a;

/// What an edit produced: the new scenario, or the problems to show.
pub type EditResult = Result<Scenario, Vec<String>>;

/// Loads an edited document as the scenario, or its errors.
pub(crate) fn reload(doc: Value) -> EditResult {
    Scenario::from_value(doc).map_err(|e| vec![e.to_string()])
}

/// The value of the form field with id `id` (`"true"`/`"false"` for a checkbox), empty when
/// there is none.
pub(crate) fn input_value(id: &str) -> String {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return String::new();
    };
    if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        if i.type_() == "checkbox" {
            return i.checked().to_string();
        }
        return i.value();
    }
    if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return t.value();
    }
    if let Some(s) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
        return s.value();
    }
    String::new()
}

/// The items of the comma-separated form field with id `id`, trimmed, blanks left out.
pub(crate) fn input_list(id: &str) -> Vec<String> {
    input_value(id)
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Sets the value of the input with id `id`.
pub(crate) fn set_input(id: &str, value: &str) {
    use wasm_bindgen::JsCast;
    if let Some(i) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        i.set_value(value);
    }
}

/// The catalogue as `<option>`s: name, vCPU, memory and on-demand price, `selected` chosen.
pub(crate) fn type_options(selected: &'static str) -> impl IntoView {
    CATALOGUE
        .iter()
        .map(|t| {
            view! {
                <option value=t.name selected=t.name == selected>
                    {format!("{} · {} vCPU · {} GiB · ${:.3}/h", t.name, t.vcpu, t.memory_mib / 1024, t.on_demand_usd_per_hour)}
                </option>
            }
        })
        .collect_view()
}

/// What the last edit of a panel did: a line saying so, or the problems (`#<prefix>-done`,
/// `#<prefix>-errors`). A panel of several fieldsets shows it in the fieldset whose button made
/// the edit ([`EditStatus::from`], [`EditStatus::view_at`]), next to that button and not at the
/// panel's end, out of view.
#[derive(Clone, Copy)]
pub(crate) struct EditStatus {
    done: RwSignal<String>,
    errors: RwSignal<Vec<String>>,
    origin: RwSignal<&'static str>,
}

impl EditStatus {
    /// Nothing done yet.
    pub(crate) fn new() -> Self {
        EditStatus {
            done: RwSignal::new(String::new()),
            errors: RwSignal::new(Vec::new()),
            origin: RwSignal::new(""),
        }
    }

    /// The next outcome comes from the fieldset `origin`.
    pub(crate) fn from(self, origin: &'static str) -> Self {
        self.origin.set(origin);
        self
    }

    /// Applies a successful edit and says `what` it did, or shows its problems.
    pub(crate) fn finish(self, result: EditResult, what: String, apply: Callback<Scenario>) {
        match result {
            Ok(s) => {
                self.errors.set(Vec::new());
                self.done.set(what);
                apply.run(s);
            }
            Err(e) => {
                self.done.set(String::new());
                self.errors.set(e);
            }
        }
    }

    /// Makes `edit` of the scenario document at the current time (`clock`), and says "At
    /// <time>: <what>." or shows its problems: the Faults and Scaling forms' submit.
    pub(crate) fn edit_now(
        self,
        scenario: ReadSignal<Scenario>,
        clock: RwSignal<SimTime>,
        apply: Callback<Scenario>,
        edit: &DocumentEdit<'_>,
        what: &str,
    ) {
        let at = clock.get_untracked();
        let result = scenario.with_untracked(|s| edit(&s.raw, at).and_then(reload));
        self.finish(result, format!("At {at}: {what}."), apply);
    }

    /// The line and the problems, when the last outcome came from the fieldset `origin`.
    pub(crate) fn view_at(self, prefix: &'static str, origin: &'static str) -> impl IntoView {
        move || (self.origin.get() == origin).then(|| self.view(prefix))
    }

    /// The line and the problems.
    pub(crate) fn view(self, prefix: &'static str) -> impl IntoView {
        let (done, errors) = (self.done, self.errors);
        view! {
            {move || (!done.get().is_empty()).then(|| view! { <p class="small" id=format!("{prefix}-done")>{done.get()}</p> })}
            {move || (!errors.get().is_empty()).then(|| view! {
                <ul class="error" role="alert" id=format!("{prefix}-errors")>{errors.get().into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            })}
        }
    }
}

/// The task definition family chosen in a form's `td` select, or the first one while none is
/// chosen.
pub(crate) fn chosen_family(scenario: ReadSignal<Scenario>, td: RwSignal<String>) -> Memo<String> {
    Memo::new(move |_| {
        let families =
            scenario.with(|s| ecs_engine::edit::service_choices(&s.raw, "", "").families);
        let chosen = td.get();
        if families.contains(&chosen) {
            chosen
        } else {
            families.first().cloned().unwrap_or_default()
        }
    })
}

/// The panel. `apply` receives every successful edit.
#[component]
pub fn BuildPanel(
    scenario: ReadSignal<Scenario>,
    clock: RwSignal<SimTime>,
    apply: Callback<Scenario>,
) -> impl IntoView {
    let status = EditStatus::new();
    let finish = move |origin: &'static str, result: EditResult, what: String| {
        status.from(origin).finish(result, what, apply)
    };
    let add_instances = move |_| {
        let count = input_value("add-count").parse::<u32>().unwrap_or(0);
        let spot = input_value("add-spot") == "true";
        let cluster = input_value("add-cluster");
        let kind = input_value("add-type");
        let result = scenario.with_untracked(|s| {
            ecs_engine::edit::add_instances(
                &s.raw,
                &kind,
                &input_value("add-az"),
                count,
                spot,
                Some(&cluster),
                &input_value("add-attributes"),
            )
            .map_err(|e| vec![e])
            .and_then(reload)
        });
        finish("instances", result, format!("Added {count} × {kind}."));
    };
    let register = move |text: String| {
        let result = scenario.with_untracked(|s| {
            ecs_engine::edit::add_task_definition(&s.raw, &text)
                .and_then(|(doc, family)| reload(doc).map(|s| (s, family)))
        });
        match result {
            Ok((s, family)) => finish("td", Ok(s), format!("Registered task definition {family}.")),
            Err(e) => finish("td", Err(e), String::new()),
        }
    };
    // The live load control: the chosen target's requests/s (a queue's messages/s) now, and a
    // rate to set from now.
    let load_target = RwSignal::new(String::new());
    let load_now = Memo::new(move |_| {
        let at = clock.get();
        scenario.with(|s| {
            let targets = ecs_engine::edit::load_targets(&s.raw);
            let chosen = load_target.get();
            let target = if targets.contains(&chosen) {
                chosen
            } else {
                targets.first().cloned().unwrap_or_default()
            };
            (
                ecs_engine::edit::offered_load(s, &target, at),
                ecs_engine::edit::load_rate_unit(&s.raw, &target),
            )
        })
    });
    let set_load = move |_| {
        let rate = input_value("load-rate").parse::<f64>().unwrap_or(f64::NAN);
        let target = input_value("load-target");
        let at = clock.get_untracked();
        let unit = scenario.with_untracked(|s| ecs_engine::edit::load_rate_unit(&s.raw, &target));
        let result = scenario.with_untracked(|s| {
            ecs_engine::edit::set_load_now(&s.raw, &target, at, rate)
                .map_err(|e| vec![e])
                .and_then(reload)
        });
        finish(
            "load",
            result,
            format!("From {at}: {rate} {unit} to {target}."),
        );
    };
    let add_load_balancing = move |_| {
        let at = clock.get_untracked();
        let result = scenario.with_untracked(|s| {
            ecs_engine::edit::add_load_balancing_json(&s.raw, &input_value("lb-json"), at)
        });
        match result {
            Ok((doc, added)) => finish(
                "lb-json",
                reload(doc),
                format!("Added {}.", added.join(", ")),
            ),
            Err(e) => finish("lb-json", Err(vec![e]), String::new()),
        }
    };
    view! {
        <details class="build" id="build-panel">
            <summary>"Add to the scenario: instances, task definitions, services, load"</summary>
            <div class="build-grid">
                <fieldset>
                    <legend>"Container instances"</legend>
                    <label>"Type "<select id="add-type">
                        {type_options("m5.large")}
                    </select></label>
                    <label>"AZ "<input id="add-az" value="us-east-1a" size="11"/></label>
                    <label>"Count "<input id="add-count" type="number" min="1" max="100" value="1" size="4"/></label>
                    <label><input id="add-spot" type="checkbox"/>" Spot"</label>
                    <label>"ECS_CLUSTER "<input id="add-cluster" placeholder="default" size="10"/></label>
                    <label>"Attributes "<input id="add-attributes" placeholder="team=blue, gpu" size="16"
                        title="Custom attributes for memberOf constraints: name=value or name, separated by commas"/></label>
                    <button id="add-instances" on:click=add_instances>"Add instances"</button>
                    {status.view_at("build", "instances")}
                </fieldset>
                <fieldset>
                    <legend>"Live load, from the current time on"</legend>
                    <label>"To "<select id="load-target" on:change=move |ev| load_target.set(event_target_value(&ev))>
                        {move || scenario.with(|s| ecs_engine::edit::load_targets(&s.raw)).into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                    </select></label>
                    <span class="small muted" id="load-now">{move || { let (rate, unit) = load_now.get(); format!("now {rate:.0} {unit}") }}</span>
                    <label>"Set to "<input id="load-rate" type="number" min="0" value="1000" step="100" size="6"/>
                        <span id="load-unit">{move || format!(" {}", load_now.get().1)}</span></label>
                    <button id="set-load" on:click=set_load>"Set load"</button>
                    {status.view_at("build", "load")}
                </fieldset>
                <crate::asg_form::AsgFieldset scenario=scenario apply=apply/>
                <TaskDefinitionEditor register=Callback::new(register) status=status/>
                <crate::service_form::ServiceFieldset scenario=scenario clock=clock status=status apply=apply/>
                <crate::run_task_form::RunTaskFieldset scenario=scenario clock=clock status=status apply=apply/>
                <fieldset class="lb-paste">
                    <legend>"Load balancers and target groups"</legend>
                    <p class="small muted">"Paste what the AWS CLI takes or prints: "<code>"aws elbv2 create-target-group"</code>", "
                        <code>"describe-target-groups"</code>", "<code>"create-load-balancer"</code>", "<code>"describe-listeners"</code>", "<code>"modify-listener"</code>" (made now), or a Classic Load Balancer's "
                        <code>"aws elb create-load-balancer"</code>" / "<code>"describe-load-balancers"</code>"."</p>
                    <textarea id="lb-json" rows="5" spellcheck="false" aria-label="Load balancer, listener or target group JSON"
                        placeholder="{\"TargetGroups\": [{\"TargetGroupName\": \"web\", \"Protocol\": \"HTTP\", \"Port\": 80, \"TargetType\": \"instance\"}]}"></textarea>
                    <button id="add-lb-json" on:click=add_load_balancing>"Add from JSON"</button>
                    {status.view_at("build", "lb-json")}
                </fieldset>
                <crate::load_form::LoadPatternFieldset scenario=scenario apply=apply/>
            </div>
        </details>
    }
}
