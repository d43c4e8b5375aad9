//! Tokens of the cluster query language, each with its 1-based column.

/// A token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `[`.
    ListOpen,
    /// `]`.
    ListClose,
    /// `,`.
    Comma,
    /// A symbol operator: `==`, `!=`, `>=`, `>`, `<=`, `<`, `=~`, `!~`, `&&`, `||`, `!`.
    Sym(&'static str),
    /// A bare word (subject, keyword, value).
    Word(String),
    /// A quoted string.
    Quoted(String),
}

const SYMBOLS: &[&str] = &[
    "==", "!=", ">=", "<=", "=~", "!~", "&&", "||", ">", "<", "!",
];

/// Splits the source into tokens, or returns (message, column).
pub fn lex(src: &str) -> Result<Vec<(Tok, usize)>, (String, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            '(' => Some(Tok::Open),
            ')' => Some(Tok::Close),
            '[' => Some(Tok::ListOpen),
            ']' => Some(Tok::ListClose),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(t) = single {
            out.push((t, col));
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == c)
                .ok_or(("unterminated quoted value".to_string(), col))?;
            out.push((Tok::Quoted(chars[i + 1..i + 1 + end].iter().collect()), col));
            i += end + 2;
            continue;
        }
        if let Some(sym) = SYMBOLS.iter().find(|s| {
            let s: Vec<char> = s.chars().collect();
            chars[i..].starts_with(&s)
        }) {
            // `!exists` and `!in` are words that start with `!`.
            let rest: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic() || **c == '_')
                .collect();
            if *sym == "!" && (rest == "exists" || rest == "in") {
                out.push((Tok::Word(format!("!{rest}")), col));
                i += 1 + rest.len();
                continue;
            }
            out.push((Tok::Sym(sym), col));
            i += sym.chars().count();
            continue;
        }
        if c == '=' {
            return Err(("'=' is not an operator; use == or =~".to_string(), col));
        }
        let start = i;
        while i < chars.len()
            && !chars[i].is_whitespace()
            && !"()[],'\"".contains(chars[i])
            && !starts_operator(&chars[i..])
        {
            i += 1;
        }
        if i == start {
            return Err((format!("unexpected character '{c}'"), col));
        }
        out.push((Tok::Word(chars[start..i].iter().collect()), col));
    }
    Ok(out)
}

/// Whether an operator symbol begins here (values such as `g2.*` or `2018-06-18T22:28:28+00:00`
/// contain no operator characters except inside words, so `=`, `!`, `<`, `>`, `&`, `|` end a word).
fn starts_operator(rest: &[char]) -> bool {
    matches!(rest.first(), Some('=' | '!' | '<' | '>'))
        || rest.starts_with(&['&', '&'])
        || rest.starts_with(&['|', '|'])
}
