//! The preset scenarios of `public/scenarios/` and the lessons of `public/lessons/`.
//!
//! Only the example is built into the wasm (the first page shows it without waiting for the
//! network); the others are fetched when chosen, from the copies trunk puts in `dist/`
//! (`scenarios/<stem>.json`, `lessons/<id>.json`). `public/presets.json` lists them, in the
//! order the pickers show them: the app builds its pickers from it, and the service worker
//! caches every file it names, so presets and lessons work offline too.

use serde_json::Value;

/// The built-in example scenario.
pub const EXAMPLE: &str = include_str!("../../public/scenarios/example.json");

/// The index: `{"scenarios": [stems], "lessons": [ids], "topics": [{"topic", "scenarios"}]}`.
const INDEX: &str = include_str!("../../public/presets.json");

fn index_list(key: &str) -> Vec<String> {
    serde_json::from_str::<Value>(INDEX)
        .ok()
        .and_then(|v| v.get(key).and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// Preset file stems, in the order the picker shows them.
pub fn stems() -> Vec<String> {
    index_list("scenarios")
}

/// The presets by topic, as the picker groups them: (topic, stems).
pub fn topics() -> Vec<(String, Vec<String>)> {
    serde_json::from_str::<Value>(INDEX)
        .ok()
        .and_then(|v| v.get("topics").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| {
            let name = t.get("topic")?.as_str()?.to_string();
            let stems = t
                .get("scenarios")?
                .as_array()?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect();
            Some((name, stems))
        })
        .collect()
}

/// Lesson ids, in the order the picker shows them.
pub fn lesson_ids() -> Vec<String> {
    index_list("lessons")
}

/// Fetches `url` (relative to the page) as text.
async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let failed = |e: wasm_bindgen::JsValue| {
        format!(
            "{url} could not be fetched ({})",
            e.as_string()
                .or_else(|| js_sys::JSON::stringify(&e).ok().map(String::from))
                .unwrap_or_default()
        )
    };
    let window = web_sys::window().ok_or_else(|| format!("{url}: no window"))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    JsFuture::from(response.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .ok_or_else(|| format!("{url}: not text"))
}

/// The JSON of a preset by file stem: `None` when the index has no such preset.
pub async fn fetch(stem: &str) -> Option<Result<String, String>> {
    if stem == "example" {
        return Some(Ok(EXAMPLE.to_string()));
    }
    if !stems().iter().any(|s| s == stem) {
        return None;
    }
    Some(fetch_text(&format!("scenarios/{stem}.json")).await)
}

/// The JSON of a lesson by id: `None` when the index has no such lesson.
pub async fn fetch_lesson(id: &str) -> Option<Result<String, String>> {
    if !lesson_ids().iter().any(|i| i == id) {
        return None;
    }
    Some(fetch_text(&format!("lessons/{id}.json")).await)
}
