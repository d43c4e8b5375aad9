//! Where a scenario lives besides the URL: autosave in `localStorage`, the undo/redo
//! history of every change, and JSON files in and out (the same files `ecs-sim` reads).

use ecs_engine::Scenario;

/// The `localStorage` key of the autosaved scenario (versioned with the format).
pub const AUTOSAVE_KEY: &str = "ecs-playground/scenario/v1";

/// Most scenarios the undo history keeps.
pub const MAX_HISTORY: usize = 50;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Saves the scenario's JSON; a full or refused storage is ignored (the page keeps working).
pub fn autosave(scenario: &Scenario) {
    if let Some(s) = storage() {
        let _ = s.set_item(AUTOSAVE_KEY, &scenario.to_json_pretty());
    }
}

/// The autosaved scenario, if there is one and it still loads.
pub fn restore() -> Option<Scenario> {
    let text = storage()?.get_item(AUTOSAVE_KEY).ok()??;
    Scenario::from_json(&text).ok()
}

/// The undo/redo history: every scenario the page has shown, and which one is current.
#[derive(Debug, Clone, Default)]
pub struct History {
    entries: Vec<Scenario>,
    current: usize,
}

impl History {
    /// A history holding one scenario.
    pub fn new(first: Scenario) -> History {
        History {
            entries: vec![first],
            current: 0,
        }
    }

    /// Records a new current scenario; the redo branch is dropped.
    pub fn push(&mut self, s: Scenario) {
        self.entries.truncate(self.current + 1);
        self.entries.push(s);
        if self.entries.len() > MAX_HISTORY {
            self.entries.remove(0);
        }
        self.current = self.entries.len() - 1;
    }

    /// Steps back; the scenario to show, if there is an older one.
    pub fn undo(&mut self) -> Option<Scenario> {
        self.current = self.current.checked_sub(1)?;
        self.entries.get(self.current).cloned()
    }

    /// Steps forward again; the scenario to show, if an undo was made.
    pub fn redo(&mut self) -> Option<Scenario> {
        if self.current + 1 >= self.entries.len() {
            return None;
        }
        self.current += 1;
        self.entries.get(self.current).cloned()
    }

    /// Whether undo would do something.
    pub fn can_undo(&self) -> bool {
        self.current > 0
    }

    /// Whether redo would do something.
    pub fn can_redo(&self) -> bool {
        self.current + 1 < self.entries.len()
    }
}

/// A `data:` URL holding the scenario's JSON, for the export link.
pub fn export_href(scenario: &Scenario) -> String {
    let json = scenario.to_json_pretty();
    format!(
        "data:application/json;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&json))
    )
}

/// A file name for the export: the scenario's name in lower case with dashes.
pub fn export_file_name(scenario: &Scenario) -> String {
    let stem: String = scenario
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-');
    format!("{}.json", if stem.is_empty() { "scenario" } else { stem })
}
