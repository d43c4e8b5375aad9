//! Where a JSON path points in JSON text: the 1-based line and column of a value, so an error
//! found after parsing (a type error, a validation rule) can point at the line it is about.
//!
//! Paths use the engine's error syntax, which [`crate::json_shape::At`] prints:
//! `containerDefinitions[0].portMappings[1].hostPort`, with `.` or the empty string for the
//! document. A key that itself contains `.` or `[` is matched against the keys really in the
//! text (the longest key that fits wins), so the ambiguity of the syntax does not matter.
//!
//! The scanner works over the text itself, not a parsed value, and never panics: it skips
//! strings (with escapes), numbers, literals and nested containers without recursion, and
//! when the path leads somewhere that does not exist (a missing required field, an index past
//! the end, text that is not JSON further on) it answers with the nearest ancestor it found.

/// A place in the text: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The position of the value at `path` in `text`: the key of an object member, the first
/// character of an array element or of the document. When the path's tail is missing, the
/// nearest ancestor that exists; `None` only when the text holds no value at all.
pub fn locate(text: &str, path: &str) -> Option<TextPosition> {
    let offset = locate_offset(text, path)?;
    Some(position_of(text, offset))
}

/// `msg` without the " at line L column C" that serde_json appends, for errors that report
/// the line and column separately.
pub(crate) fn without_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The byte offset of what [`locate`] finds.
fn locate_offset(text: &str, path: &str) -> Option<usize> {
    let mut scan = Scanner {
        bytes: text.as_bytes(),
        pos: 0,
    };
    scan.skip_ws();
    scan.peek()?;
    let mut found = scan.pos;
    let mut rest = path.strip_prefix('.').unwrap_or(path);
    while !rest.is_empty() {
        let step = match scan.peek() {
            Some(b'{') => scan.member(rest),
            Some(b'[') => scan.element(rest),
            _ => None,
        };
        let Some((marker, consumed)) = step else {
            break;
        };
        found = marker;
        rest = rest.get(consumed..).unwrap_or("");
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Some(found)
}

/// The line and column of byte `offset` of `text`.
fn position_of(text: &str, offset: usize) -> TextPosition {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    TextPosition {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// At `"`: the decoded string, leaving the scanner after its closing quote.
    fn string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    let c = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = self.bytes.get(self.pos..self.pos + 4)?;
                            self.pos += 4;
                            std::str::from_utf8(hex)
                                .ok()
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .and_then(char::from_u32)
                                .unwrap_or('\u{fffd}')
                        }
                        other => char::from(other),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
    }

    /// Skips one value of any kind, nested containers included, without recursion.
    fn skip_value(&mut self) {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    if self.string().is_none() {
                        self.pos = self.bytes.len();
                    }
                    if depth == 0 {
                        return;
                    }
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                    self.pos += 1;
                    if depth == 0 {
                        return;
                    }
                }
                b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return,
                _ => self.pos += 1,
            }
        }
    }

    /// At `{`: finds the member whose key is the longest prefix of `rest` that ends at a
    /// segment boundary; returns the key's offset and the length of `rest` it consumed,
    /// leaving the scanner at the member's value.
    fn member(&mut self, rest: &str) -> Option<(usize, usize)> {
        self.pos += 1;
        let mut best: Option<(usize, usize, usize)> = None;
        loop {
            self.skip_ws();
            let key_at = self.pos;
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                break;
            }
            self.pos += 1;
            self.skip_ws();
            let value_at = self.pos;
            let fits = rest.strip_prefix(key.as_str()).is_some_and(|after| {
                after.is_empty() || after.starts_with('.') || after.starts_with('[')
            });
            if fits && best.is_none_or(|(_, _, len)| key.len() >= len) {
                best = Some((key_at, value_at, key.len()));
            }
            self.skip_value();
            self.skip_ws();
            if self.peek() != Some(b',') {
                break;
            }
            self.pos += 1;
        }
        let (key_at, value_at, len) = best?;
        self.pos = value_at;
        Some((key_at, len))
    }

    /// At `[`, with `rest` starting `[n]`: moves to element `n`; returns its offset and the
    /// length of the `[n]` consumed.
    fn element(&mut self, rest: &str) -> Option<(usize, usize)> {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        let index: usize = inner[..close].parse().ok()?;
        self.pos += 1;
        for _ in 0..index {
            self.skip_ws();
            if matches!(self.peek(), None | Some(b']')) {
                return None;
            }
            self.skip_value();
            self.skip_ws();
            if self.peek() != Some(b',') {
                return None;
            }
            self.pos += 1;
        }
        self.skip_ws();
        if matches!(self.peek(), None | Some(b']')) {
            return None;
        }
        Some((self.pos, close + 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, path: &str) -> (usize, usize) {
        let p = locate(text, path).expect("a value");
        (p.line, p.column)
    }

    #[test]
    fn the_document_is_its_first_value() {
        assert_eq!(at("\n  {\"a\": 1}", ""), (2, 3));
        assert_eq!(at("{\"a\": 1}", "."), (1, 1));
        assert_eq!(locate("  \n ", "a"), None);
    }

    #[test]
    fn nested_arrays_and_objects() {
        let text = "{\n  \"a\": [\n    [1, 2],\n    [3, {\"b\": [true, null, \"x\"]}]\n  ]\n}";
        assert_eq!(at(text, "a"), (2, 3));
        assert_eq!(at(text, "a[0]"), (3, 5));
        assert_eq!(at(text, "a[1][1].b[2]"), (4, 28));
        assert_eq!(at(text, "a[0][1]"), (3, 9));
    }

    #[test]
    fn escaped_quotes_and_brackets_in_strings_are_skipped() {
        let text = "{\"s\": \"say \\\"}]\\\" \\u00e9\", \"t\": 2}";
        assert_eq!(at(text, "t"), (1, 28));
        let keyed = "{\"a\\\"b\": 1, \"c\": 2}";
        assert_eq!(at(keyed, "a\"b"), (1, 2));
    }

    #[test]
    fn keys_with_dots_or_brackets_match_the_longest_key() {
        let text = "{\"a\": {\"b\": 1}, \"a.b\": {\"c[0]\": 2}}";
        assert_eq!(at(text, "a.b"), (1, 17));
        assert_eq!(at(text, "a.b.c[0]"), (1, 25));
        assert_eq!(at(text, "a.x"), (1, 2));
    }

    #[test]
    fn a_missing_tail_points_at_the_nearest_ancestor() {
        let text = "{\n \"containerDefinitions\": [\n  {\"name\": \"web\"}\n ]\n}";
        assert_eq!(at(text, "containerDefinitions[0].image"), (3, 3));
        assert_eq!(at(text, "containerDefinitions[3].image"), (2, 2));
        assert_eq!(at(text, "family"), (1, 1));
        assert_eq!(at(text, "containerDefinitions[x]"), (2, 2));
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(at("{\"é\": 1, \"b\": 2}", "b"), (1, 10));
    }

    #[test]
    fn describe_output_holds_the_task_definition_under_task_definition() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/task-definitions/aws__aws-cli__describe-hello-world-links.json"
        ))
        .unwrap_or_else(|_| {
            "{\n    \"taskDefinition\": {\n        \"containerDefinitions\": [\n            {\n                \"memory\": 10\n            }\n        ]\n    }\n}".into()
        });
        let p = locate(&text, "taskDefinition.containerDefinitions[0].memory").unwrap();
        let line = text.lines().nth(p.line - 1).unwrap();
        assert!(line.contains("\"memory\""), "{line}");
        assert_eq!(line.chars().nth(p.column - 1), Some('"'));
    }

    #[test]
    fn text_that_is_not_json_further_on_gives_the_last_place_found() {
        assert_eq!(at("{\"a\": [1, {\"b\" 2", "a[1].b"), (1, 11));
        assert_eq!(at("[[[[[[[[", "[0][0][0][9]"), (1, 4));
        assert_eq!(at("{\"a\": \"unterminated", "a.b"), (1, 2));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,80}", path in "[a-z\\.\\[\\]0-9\"\\\\]{0,12}") {
            if let Some(p) = locate(&text, &path) {
                proptest::prop_assert!(p.line >= 1 && p.column >= 1);
            }
        }

        #[test]
        fn never_panics_on_json_like_text(
            text in "[\\{\\}\\[\\]\",:a-c0-9\\\\ \n]{0,60}",
            path in "(\\.?[a-c]{1,2}|\\[[0-9]{1,3}\\]){0,5}",
        ) {
            let _ = locate(&text, &path);
        }
    }
}
