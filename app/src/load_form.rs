//! The "Load pattern" fieldset: pick a shape (constant, ramp, daily curve, spikes) or draw
//! one, see it over the run, and set it as the requests of a target group or service.
//! The engine (`ecs_engine::load::pattern`) turns the fields into a profile, samples the
//! preview and edits the scenario; this file only reads the fields and draws.

use ecs_engine::load::pattern::{self, Pattern};
use ecs_engine::Scenario;
use leptos::prelude::*;

use crate::build::{input_value, reload, set_input, EditStatus};

/// The preview's drawing box (SVG user units).
const W: f64 = 300.0;
const H: f64 = 90.0;

fn number(id: &str) -> f64 {
    input_value(id).trim().parse().unwrap_or(f64::NAN)
}

/// The pattern the fields describe.
fn pattern_from_fields() -> Pattern {
    match input_value("pat-kind").as_str() {
        "ramp" => Pattern::Ramp {
            from: number("pat-from"),
            to: number("pat-to"),
            start_min: number("pat-start"),
            end_min: number("pat-end"),
        },
        "diurnal" => Pattern::Diurnal {
            min: number("pat-min"),
            max: number("pat-max"),
            peak_hour: number("pat-peak"),
        },
        "spikes" => Pattern::Spikes {
            base: number("pat-base"),
            extra: number("pat-extra"),
            every_min: number("pat-every"),
            length_min: number("pat-length"),
        },
        "drawn" => Pattern::Drawn {
            points: input_value("pat-points"),
        },
        _ => Pattern::Constant {
            rps: number("pat-rps"),
        },
    }
}

/// The preview polyline (SVG points) and its peak, or why there is none.
fn preview(duration_ms: u64) -> Result<(String, f64), String> {
    let requests = pattern::requests(&pattern_from_fields())?;
    let samples = pattern::preview(&requests, duration_ms, 241)?;
    let peak = samples.iter().map(|s| s.1).fold(0.0, f64::max);
    let scale = if peak > 0.0 { peak * 1.1 } else { 1.0 };
    let last = samples.last().map_or(1.0, |s| s.0.max(1e-9));
    let points = samples
        .iter()
        .map(|(m, r)| format!("{:.1},{:.1}", m / last * W, H - r / scale * H))
        .collect::<Vec<_>>()
        .join(" ");
    Ok((points, peak))
}

/// The fieldset. `apply` receives every successful edit.
#[component]
pub fn LoadPatternFieldset(
    scenario: ReadSignal<Scenario>,
    apply: Callback<Scenario>,
) -> impl IntoView {
    let status = EditStatus::new();
    let kind = RwSignal::new("diurnal".to_string());
    // Bumped on every input in the fieldset: the preview reads the fields again.
    let edited = RwSignal::new(0u32);
    let duration_ms = move || scenario.with(|s| s.duration_ms);
    let preview_result = Memo::new(move |_| {
        edited.track();
        kind.track();
        preview(duration_ms())
    });
    // The first preview ran before the fields were in the page: read them again once they
    // are (effects run after the view is mounted).
    Effect::new(move |_| edited.update(|n| *n += 1));
    // Drawing: the points typed so far, (minute, rps), while a pointer is down on the pad.
    let drawing = StoredValue::new(None::<Vec<(f64, f64)>>);
    let pad_point = move |ev: &leptos::ev::PointerEvent| -> Option<(f64, f64)> {
        use wasm_bindgen::JsCast;
        let pad = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())?;
        let rect = pad.get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return None;
        }
        let fx = ((f64::from(ev.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
        let fy = ((f64::from(ev.client_y()) - rect.top()) / rect.height()).clamp(0.0, 1.0);
        let top = number("pat-draw-max");
        let top = if top.is_finite() && top > 0.0 {
            top
        } else {
            1000.0
        };
        let minutes = duration_ms() as f64 / 60_000.0;
        Some((
            (fx * minutes * 10.0).round() / 10.0,
            ((1.0 - fy) * top).round(),
        ))
    };
    let write_points = move |points: &[(f64, f64)]| {
        let text = points
            .iter()
            .map(|(m, r)| format!("{m}:{r}"))
            .collect::<Vec<_>>()
            .join(", ");
        set_input("pat-points", &text);
        edited.update(|n| *n += 1);
    };
    let on_down = move |ev: leptos::ev::PointerEvent| {
        if kind.get_untracked() != "drawn" {
            return;
        }
        ev.prevent_default();
        if let Some(p) = pad_point(&ev) {
            drawing.set_value(Some(vec![p]));
            write_points(&[p]);
        }
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let Some(p) = drawing.with_value(|d| d.is_some().then(|| pad_point(&ev)).flatten()) else {
            return;
        };
        // Times must increase: drawing back over earlier minutes redraws them.
        let points = drawing.with_value(|d| {
            let mut v = d.clone().unwrap_or_default();
            v.retain(|q| q.0 < p.0);
            v.push(p);
            v
        });
        write_points(&points);
        drawing.set_value(Some(points));
    };
    let on_up = move |_| drawing.set_value(None);
    let set_pattern = move |_| {
        let target = input_value("pat-target");
        let result = pattern::requests(&pattern_from_fields()).and_then(|requests| {
            scenario.with_untracked(|s| pattern::set_requests(&s.raw, &target, requests))
        });
        let result = result.map_err(|e| vec![e]).and_then(reload);
        status.finish(
            result,
            format!("Load pattern set for {target}: the run replays with it."),
            apply,
        );
    };
    // A number field: its visible label (often a word between fields) and the name a
    // screen reader says.
    let field = |id: &'static str, label: &'static str, value: &'static str, name: &'static str| {
        view! { <label>{label}" "<input id=id type="number" min="0" value=value aria-label=name/></label> }
    };
    let shown = move |k: &'static str| {
        move || {
            if kind.get() == k {
                "pattern-fields"
            } else {
                "pattern-fields hidden"
            }
        }
    };
    view! {
        <fieldset class="load-pattern" on:input=move |_| edited.update(|n| *n += 1)>
            <legend>"Load pattern: pick a shape or draw one"</legend>
            <label>"To "<select id="pat-target">
                {move || scenario.with(|s| ecs_engine::edit::load_targets(&s.raw)).into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
            </select></label>
            <label>"Shape "<select id="pat-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="constant">"constant"</option>
                <option value="ramp">"ramp"</option>
                <option value="diurnal" selected>"daily curve"</option>
                <option value="spikes">"spikes"</option>
                <option value="drawn">"drawn by hand"</option>
            </select></label>
            <div class=shown("constant")>{field("pat-rps", "Requests/s", "500", "Requests per second")}</div>
            <div class=shown("ramp")>
                {field("pat-from", "From", "100", "Ramp start, requests per second")}{field("pat-to", "to", "2000", "Ramp end, requests per second")}" req/s, minute "
                {field("pat-start", "", "0", "Minute the ramp starts")}{field("pat-end", "to", "30", "Minute the ramp ends")}
            </div>
            <div class=shown("diurnal")>
                {field("pat-min", "Min", "200", "Lowest requests per second of the day")}{field("pat-max", "max", "3000", "Highest requests per second of the day")}" req/s, peak at hour "
                {field("pat-peak", "", "14", "Hour of the daily peak")}
            </div>
            <div class=shown("spikes")>
                {field("pat-base", "Base", "200", "Base requests per second")}{field("pat-extra", "+", "2000", "Extra requests per second during a spike")}" req/s for "
                {field("pat-length", "", "5", "Minutes a spike lasts")}" min every "{field("pat-every", "", "30", "Minutes from one spike to the next")}" min"
            </div>
            <div class=shown("drawn")>
                <label>"Points (minute:req/s) "<input id="pat-points" size="28" placeholder="0:200, 30:1500, 60:400"/></label>
                <label>"Pad top "<input id="pat-draw-max" type="number" min="1" value="2000"/>" req/s"</label>
            </div>
            <svg id="pat-preview" class=move || if kind.get() == "drawn" { "pattern-preview drawing" } else { "pattern-preview" }
                viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                aria-label="Preview of the pattern over the run; when drawing, press and drag across it"
                on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointerleave=on_up>
                <rect x="0" y="0" width=W height=H class="pad"/>
                {move || preview_result.get().ok().map(|(points, _)| view! { <polyline points=points class="line"/> })}
            </svg>
            {move || match preview_result.get() {
                Ok((_, peak)) => view! { <p class="small muted" id="pat-summary">{format!("Over the run ({} min): peak {peak:.0} requests/s.", duration_ms() / 60_000)}</p> }.into_any(),
                Err(e) => view! { <p class="small error" id="pat-summary" role="status">{e}</p> }.into_any(),
            }}
            <button id="pat-apply" on:click=set_pattern>"Set load pattern"</button>
            {status.view("pattern")}
        </fieldset>
    }
}
