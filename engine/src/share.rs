//! Scenarios in a URL: `#s=v1.<data>`, where `<data>` is the scenario's compact JSON,
//! deflated (miniz_oxide) and base64url-encoded without padding. The CLI and the app use this
//! one codec.
//!
//! Decoding a link is hostile input: the fragment length is capped before anything else, the
//! inflated size is capped (no decompression bomb), and the JSON then passes the ordinary
//! scenario loader with its own limits. Every failure is a message, never a panic.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use crate::scenario::{Scenario, ScenarioError};

/// The fragment prefix of a shared scenario.
pub const PREFIX: &str = "s=";
/// The current share format.
pub const FORMAT: &str = "v1";
/// Longest fragment decoded, in characters (far above any real scenario, far below a freeze).
pub const MAX_FRAGMENT_CHARS: usize = 256 * 1024;
/// Largest inflated scenario, in bytes.
pub const MAX_INFLATED_BYTES: usize = 2 * 1024 * 1024;

/// Why a shared link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareError(pub String);

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ShareError {}

impl From<ScenarioError> for ShareError {
    fn from(e: ScenarioError) -> Self {
        ShareError(format!("the shared scenario is not valid: {e}."))
    }
}

/// Encodes a scenario document as a URL fragment (without the `#`).
pub fn encode(document: &Value) -> String {
    let compact = serde_json::to_string(document).unwrap_or_default();
    let deflated = miniz_oxide::deflate::compress_to_vec(compact.as_bytes(), 9);
    format!("{PREFIX}{FORMAT}.{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// Whether a fragment (with or without its `#`) carries a shared scenario.
pub fn is_share_fragment(fragment: &str) -> bool {
    fragment.trim_start_matches('#').starts_with(PREFIX)
}

/// Decodes a fragment (with or without its `#`) into the scenario's JSON text.
pub fn decode_to_json(fragment: &str) -> Result<String, ShareError> {
    if fragment.len() > MAX_FRAGMENT_CHARS {
        return Err(ShareError(format!(
            "the link is {} characters long; shared scenarios are at most {MAX_FRAGMENT_CHARS}.",
            fragment.len()
        )));
    }
    let body = fragment
        .trim_start_matches('#')
        .strip_prefix(PREFIX)
        .ok_or_else(|| {
            ShareError("the link carries no scenario (it should contain #s=v1.…).".into())
        })?;
    let (format, data) = body.split_once('.').ok_or_else(|| {
        ShareError("the link is cut short: no format version before the data.".into())
    })?;
    if format != FORMAT {
        return Err(ShareError(format!(
            "the link uses share format \"{format}\"; this playground reads \"{FORMAT}\". It may come from a newer version."
        )));
    }
    let deflated = URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|e| {
            ShareError(format!(
                "the link is damaged (not base64url: {e}); was it cut short when copied?"
            ))
        })?;
    let inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_INFLATED_BYTES).map_err(|e| {
        if matches!(e.status, miniz_oxide::inflate::TINFLStatus::HasMoreOutput) {
            ShareError(format!("the shared scenario inflates past {MAX_INFLATED_BYTES} bytes, so it was refused."))
        } else {
            ShareError("the link is damaged (the compressed data is incomplete). Was it cut short when copied?".into())
        }
    })?;
    String::from_utf8(inflated)
        .map_err(|_| ShareError("the link is damaged (not UTF-8 text).".into()))
}

/// Decodes a fragment into a loaded scenario.
pub fn decode(fragment: &str) -> Result<Scenario, ShareError> {
    let json = decode_to_json(fragment)?;
    Ok(Scenario::from_json(&json)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Value {
        serde_json::from_str(include_str!("../../public/scenarios/example.json")).unwrap()
    }

    #[test]
    fn round_trip_reproduces_the_run() {
        let doc = example();
        let link = encode(&doc);
        assert!(link.starts_with("s=v1."));
        let text = decode_to_json(&format!("#{link}")).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        let a = crate::scenario_digest(&doc.to_string()).unwrap();
        let b = crate::scenario_digest(&text).unwrap();
        assert_eq!(
            a, b,
            "the same event-log digest after a trip through the URL"
        );
    }

    #[test]
    fn hostile_fragments_give_messages() {
        let good = encode(&example());
        let cases = [
            (good[..good.len() / 2].to_string(), "damaged"),
            ("s=v9.abc".to_string(), "share format \"v9\""),
            ("s=v1".to_string(), "cut short"),
            ("s=v1.!!!!".to_string(), "base64url"),
            ("x=1".to_string(), "no scenario"),
            (
                format!("s=v1.{}", "A".repeat(MAX_FRAGMENT_CHARS)),
                "characters long",
            ),
            (
                format!(
                    "s=v1.{}",
                    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(b"{not json", 6))
                ),
                "not valid",
            ),
        ];
        for (fragment, expected) in cases {
            let e = decode(&fragment).unwrap_err();
            assert!(e.0.contains(expected), "{fragment:.40}: {e}");
        }
        // A decompression bomb: 50 MB of zeros deflates to about 50 KB.
        let bomb = vec![b' '; 50 * 1024 * 1024];
        let fragment = format!(
            "s=v1.{}",
            URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&bomb, 9))
        );
        assert!(fragment.len() < MAX_FRAGMENT_CHARS);
        assert!(decode(&fragment).unwrap_err().0.contains("inflates past"));
    }
}
