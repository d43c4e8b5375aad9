//! The task-definition editor of the build panel: a form for the common fields and a JSON
//! editor with a line-number gutter, two views of one text
//! ([`ecs_engine::task_definition::TaskDefinitionForm`] reads and writes it). The text is
//! checked as it changes; each error names its line, column and field, marks its line in the
//! gutter, and moves the caret to that line when clicked.

use ecs_engine::eks_fargate::PodSize;
use ecs_engine::task_definition::{
    check_task_definition, ContainerForm, EnvironmentForm, PortMappingForm, TaskDefinitionForm,
};
use leptos::prelude::*;

use crate::build::EditStatus;
use wasm_bindgen::JsCast;

/// The form of `text`: a blank form with one container for empty text, `None` when the text
/// is not a JSON object.
fn form_of(text: &str) -> Option<TaskDefinitionForm> {
    if text.trim().is_empty() {
        return Some(TaskDefinitionForm {
            containers: vec![ContainerForm::default()],
            ..TaskDefinitionForm::default()
        });
    }
    TaskDefinitionForm::from_json(text)
}

/// Changes the form of the text and writes it back into the text.
fn update(text: RwSignal<String>, change: impl FnOnce(&mut TaskDefinitionForm)) {
    let current = text.get_untracked();
    if let Some(mut form) = form_of(&current) {
        change(&mut form);
        text.set(form.apply_to(&current));
    }
}

/// Selects line `line` (1-based) of `area`, focuses it and scrolls the line into the middle
/// of `scroller`.
pub(crate) fn select_line(
    area: &web_sys::HtmlTextAreaElement,
    scroller: Option<&web_sys::Element>,
    line: usize,
) {
    let text = area.value();
    let mut start = 0u32;
    let mut range = None;
    for (n, l) in text.split('\n').enumerate() {
        let len = l.encode_utf16().count() as u32;
        if n + 1 == line {
            range = Some((start, start + len));
            break;
        }
        start += len + 1;
    }
    let (start, end) = range.unwrap_or((start, start));
    let _ = area.focus();
    let _ = area.set_selection_range(start, end);
    if let Some(s) = scroller {
        let line_height = area.scroll_height() / text.split('\n').count().max(1) as i32;
        s.set_scroll_top(line_height * (line as i32 - 1) - s.client_height() / 2);
    }
}

/// A text field of the form, `id`, showing `get` and writing through `set`.
fn field(
    id: String,
    label: &'static str,
    numeric: bool,
    form: Memo<Option<TaskDefinitionForm>>,
    text: RwSignal<String>,
    get: impl Fn(&TaskDefinitionForm) -> Option<String> + Send + Sync + 'static,
    set: impl Fn(&mut TaskDefinitionForm, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let size = if numeric { "5" } else { "14" };
    view! {
        <label>{label}" "<input id=id size=size inputmode=numeric.then_some("numeric")
            prop:value=move || form.with(|f| f.as_ref().and_then(&get).unwrap_or_default())
            on:input=move |ev| {
                let v = event_target_value(&ev);
                update(text, |f| set(f, v));
            }/></label>
    }
}

/// Container `i` of the form, if there is one.
fn container(f: &mut TaskDefinitionForm, i: usize) -> Option<&mut ContainerForm> {
    f.containers.get_mut(i)
}

/// Port mapping `j` of container `i`, if there is one.
fn port(f: &mut TaskDefinitionForm, i: usize, j: usize) -> Option<&mut PortMappingForm> {
    container(f, i)?.port_mappings.get_mut(j)
}

/// Environment variable `j` of container `i`, if there is one.
fn env(f: &mut TaskDefinitionForm, i: usize, j: usize) -> Option<&mut EnvironmentForm> {
    container(f, i)?.environment.get_mut(j)
}

/// The fields of container `i`, with `ports` port-mapping rows and `envs` environment rows.
fn container_view(
    i: usize,
    (ports, envs): (usize, usize),
    form: Memo<Option<TaskDefinitionForm>>,
    text: RwSignal<String>,
) -> impl IntoView {
    let c = move |f: &TaskDefinitionForm| f.containers.get(i).cloned();
    let id = move |what: &str| format!("td-c{i}-{what}");
    macro_rules! container_field {
        ($what:literal, $label:literal, $numeric:literal, $member:ident) => {
            field(
                id($what),
                $label,
                $numeric,
                form,
                text,
                move |f| c(f).map(|c| c.$member),
                move |f, v| {
                    if let Some(c) = container(f, i) {
                        c.$member = v;
                    }
                },
            )
        };
    }
    let port_row = move |j: usize| {
        let pid = move |what: &str| format!("td-c{i}-p{j}-{what}");
        let p = move |f: &TaskDefinitionForm| {
            f.containers
                .get(i)
                .and_then(|c| c.port_mappings.get(j))
                .cloned()
        };
        view! {
            <div class="td-row td-port">
                <span class="muted">"Port"</span>
                {field(pid("container"), "container", true, form, text, move |f| p(f).map(|p| p.container_port), move |f, v| if let Some(p) = port(f, i, j) { p.container_port = v })}
                {field(pid("host"), "host", true, form, text, move |f| p(f).map(|p| p.host_port), move |f, v| if let Some(p) = port(f, i, j) { p.host_port = v })}
                {field(pid("range"), "or range", false, form, text, move |f| p(f).map(|p| p.container_port_range), move |f, v| if let Some(p) = port(f, i, j) { p.container_port_range = v })}
                <select id=pid("protocol") aria-label="protocol"
                    prop:value=move || form.with(|f| f.as_ref().and_then(p).map(|p| p.protocol).unwrap_or_default())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        update(text, |f| if let Some(p) = port(f, i, j) { p.protocol = v });
                    }>
                    <option value="">"tcp (default)"</option>
                    <option value="tcp">"tcp"</option>
                    <option value="udp">"udp"</option>
                </select>
                <button type="button" id=pid("remove") title="Remove this port mapping" aria-label="Remove this port mapping"
                    on:click=move |_| update(text, |f| if let Some(c) = container(f, i) { if j < c.port_mappings.len() { c.port_mappings.remove(j); } })>"×"</button>
            </div>
        }
    };
    let env_row = move |j: usize| {
        let eid = move |what: &str| format!("td-c{i}-e{j}-{what}");
        let e = move |f: &TaskDefinitionForm| {
            f.containers
                .get(i)
                .and_then(|c| c.environment.get(j))
                .cloned()
        };
        view! {
            <div class="td-row td-port">
                <span class="muted">"Env"</span>
                {field(eid("name"), "name", false, form, text, move |f| e(f).map(|e| e.name), move |f, v| if let Some(e) = env(f, i, j) { e.name = v })}
                {field(eid("value"), "value", false, form, text, move |f| e(f).map(|e| e.value), move |f, v| if let Some(e) = env(f, i, j) { e.value = v })}
                <button type="button" id=eid("remove") title="Remove this environment variable" aria-label="Remove this environment variable"
                    on:click=move |_| update(text, |f| if let Some(c) = container(f, i) { if j < c.environment.len() { c.environment.remove(j); } })>"×"</button>
            </div>
        }
    };
    view! {
        <fieldset class="td-container">
            <legend>{format!("Container {}", i + 1)}</legend>
            <div class="td-row">
                {container_field!("name", "Name", false, name)}
                {container_field!("image", "Image", false, image)}
                <label><input type="checkbox" id=id("essential")
                    prop:checked=move || form.with(|f| f.as_ref().and_then(c).is_none_or(|c| c.essential))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        update(text, |f| if let Some(c) = container(f, i) { c.essential = on });
                    }/>" essential"</label>
                <button type="button" id=id("remove") class="td-remove"
                    on:click=move |_| update(text, |f| if i < f.containers.len() { f.containers.remove(i); })>"Remove container"</button>
            </div>
            <div class="td-row">
                {container_field!("cpu", "CPU units", true, cpu)}
                {container_field!("memory", "Memory MiB", true, memory)}
                {container_field!("reservation", "Reservation MiB", true, memory_reservation)}
            </div>
            {(0..ports).map(port_row).collect_view()}
            <button type="button" id=id("add-port")
                on:click=move |_| update(text, |f| if let Some(c) = container(f, i) { c.port_mappings.push(PortMappingForm::default()) })>"+ Port mapping"</button>
            {(0..envs).map(env_row).collect_view()}
            <button type="button" id=id("add-env")
                on:click=move |_| update(text, |f| if let Some(c) = container(f, i) { c.environment.push(EnvironmentForm::default()) })>"+ Environment variable"</button>
        </fieldset>
    }
}

/// The editor. `register` receives the text when Register is pressed.
#[component]
pub fn TaskDefinitionEditor(register: Callback<String>, status: EditStatus) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let json_view = RwSignal::new(true);
    let form = Memo::new(move |_| text.with(|t| form_of(t)));
    let shape = Memo::new(move |_| {
        form.with(|f| {
            f.as_ref().map(|f| {
                f.containers
                    .iter()
                    .map(|c| (c.port_mappings.len(), c.environment.len()))
                    .collect::<Vec<_>>()
            })
        })
    });
    // The registration check, and for a valid definition what its containers would run as on
    // EKS on Fargate (section 11).
    let checked = Memo::new(move |_| {
        text.with(|t| match t.trim().is_empty() {
            true => Err(Vec::new()),
            false => check_task_definition(t)
                .map(|(_, parsed, _)| PodSize::of_task_definition(&parsed.input).explain()),
        })
    });
    let errors =
        Memo::new(move |_| checked.with(|c| c.as_ref().err().cloned().unwrap_or_default()));
    let area = NodeRef::<leptos::html::Textarea>::new();
    let scroller = NodeRef::<leptos::html::Div>::new();
    let go_to = move |line: usize| {
        json_view.set(true);
        // The JSON view is shown on the next frame when switching from the form.
        request_animation_frame(move || {
            if let Some(a) = area.get_untracked() {
                let s = scroller.get_untracked();
                select_line(&a, s.as_ref().map(|s| s.unchecked_ref()), line);
            }
        });
    };
    let tab = move |json: bool, id: &'static str, label: &'static str| {
        view! {
            <button type="button" role="tab" id=id aria-selected=move || (json_view.get() == json).to_string()
                on:click=move |_| json_view.set(json)>{label}</button>
        }
    };
    let gutter = move || {
        let bad: Vec<usize> = errors.with(|e| e.iter().filter_map(|e| e.line).collect());
        let lines = text.with(|t| t.split('\n').count());
        (1..=lines)
            .map(|l| {
                let class = if bad.contains(&l) { "ln bad" } else { "ln" };
                view! { <span class=class data-line=l>{l}</span> }
            })
            .collect_view()
    };
    let form_view = move || {
        match shape.get() {
        None => view! {
            <p class="muted" id="td-form-unavailable">"The JSON is not a task definition object yet: fix it in the JSON view, or "
                <button type="button" id="td-form-new" on:click=move |_| text.set(String::new())>"start a new one"</button>"."</p>
        }
        .into_any(),
        Some(counts) => view! {
            <div class="td-row">
                {field("td-family".into(), "Family", false, form, text, |f| Some(f.family.clone()), |f, v| f.family = v)}
                <label>"Launch type "<select id="td-compat" prop:value=move || form.with(|f| f.as_ref().map(|f| f.compatibility.clone()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); update(text, |f| f.compatibility = v); }>
                    <option value="">"(not given)"</option>
                    <option value="EC2">"EC2"</option>
                    <option value="FARGATE">"FARGATE"</option>
                </select></label>
                <label>"Network "<select id="td-network" prop:value=move || form.with(|f| f.as_ref().map(|f| f.network_mode.clone()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); update(text, |f| f.network_mode = v); }>
                    <option value="">"(default: bridge)"</option>
                    <option value="bridge">"bridge"</option>
                    <option value="host">"host"</option>
                    <option value="awsvpc">"awsvpc"</option>
                    <option value="none">"none"</option>
                </select></label>
                {field("td-cpu".into(), "Task CPU", true, form, text, |f| Some(f.cpu.clone()), |f, v| f.cpu = v)}
                {field("td-memory".into(), "Task memory", true, form, text, |f| Some(f.memory.clone()), |f, v| f.memory = v)}
            </div>
            {counts.into_iter().enumerate().map(|(i, rows)| container_view(i, rows, form, text)).collect_view()}
            <button type="button" id="td-add-container"
                on:click=move |_| update(text, |f| f.containers.push(ContainerForm::default()))>"+ Container"</button>
        }
        .into_any(),
    }
    };
    view! {
        <fieldset class="td-editor">
            <legend>"Task definition"</legend>
            <div class="td-tabs" role="tablist" aria-label="Edit the task definition as">
                {tab(false, "td-tab-form", "Form")}
                {tab(true, "td-tab-json", "JSON")}
                <span class="muted small">"Paste RegisterTaskDefinition JSON or describe-task-definition output; the form edits the same text."</span>
            </div>
            <div class="td-form" role="tabpanel" aria-labelledby="td-tab-form" hidden=move || json_view.get()>
                {form_view}
            </div>
            <div class="td-code" role="tabpanel" aria-labelledby="td-tab-json" node_ref=scroller hidden=move || !json_view.get()>
                <pre class="td-gutter" id="td-gutter" aria-hidden="true">{gutter}</pre>
                <textarea id="td-json" spellcheck="false" wrap="off" aria-label="Task definition JSON" node_ref=area
                    rows=move || text.with(|t| t.split('\n').count() + 1).max(6)
                    placeholder=r#"{"family": "web", "containerDefinitions": [...]}"#
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </div>
            {move || errors.with(|e| (!e.is_empty()).then(|| view! {
                <ul class="td-errors" id="td-errors" aria-live="polite">
                    {e.iter().map(|e| {
                        let at = match (e.line, e.column) {
                            (Some(l), Some(c)) => format!("line {l}, column {c} — "),
                            _ => String::new(),
                        };
                        let field = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path) };
                        let label = format!("{at}{field}{}", e.message);
                        let line = e.line;
                        view! { <li><button type="button" class="td-error" data-line=line
                            on:click=move |_| if let Some(l) = line { go_to(l) }>{label}</button></li> }
                    }).collect_view()}
                </ul>
            }))}
            <div class="td-actions">
                <button id="register-td" on:click=move |_| register.run(text.get_untracked())>"Register"</button>
                {move || checked.get().ok().map(|eks| view! {
                    <span class="small muted" id="td-valid">"Valid: ready to register."</span>
                    <span class="small muted" id="td-eks" title="EKS on Fargate sizes one pod per node: the larger of the biggest init container and the sum of the others' requests, plus 256 MiB, rounded up to a Fargate size">
                        "Elsewhere: "{eks}"."
                    </span>
                })}
            </div>
            {status.view_at("build", "td")}
        </fieldset>
    }
}
