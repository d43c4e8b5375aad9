//! Recursive-descent parser: `or` binds loosest, then `and`, then `not`.

use super::lexer::{lex, Tok};
use super::{Node, Op, Subject, Test, MAX_DEPTH};

type PResult<T> = Result<T, (String, usize)>;

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end_col: usize,
    depth: usize,
}

/// Parses the expression body.
pub fn parse(src: &str) -> PResult<Node> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end_col: src.chars().count() + 1,
        depth: 0,
    };
    if p.toks.is_empty() {
        return Err(("empty expression".to_string(), 1));
    }
    let node = p.expr()?;
    if let Some((t, col)) = p.toks.get(p.pos) {
        return Err((
            format!("unexpected {} after a complete expression", describe(t)),
            *col,
        ));
    }
    Ok(node)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Open => "'('".into(),
        Tok::Close => "')'".into(),
        Tok::ListOpen => "'['".into(),
        Tok::ListClose => "']'".into(),
        Tok::Comma => "','".into(),
        Tok::Sym(s) => format!("'{s}'"),
        Tok::Word(w) => format!("'{w}'"),
        Tok::Quoted(q) => format!("'{q}'"),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(_, c)| *c)
    }

    fn is_word(&self, words: &[&str], syms: &[&str]) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) => words.contains(&w.as_str()),
            Some(Tok::Sym(s)) => syms.contains(s),
            _ => false,
        }
    }

    fn expr(&mut self) -> PResult<Node> {
        let mut left = self.term()?;
        while self.is_word(&["or"], &["||"]) {
            self.pos += 1;
            let right = self.term()?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self) -> PResult<Node> {
        let mut left = self.factor()?;
        while self.is_word(&["and"], &["&&"]) {
            self.pos += 1;
            let right = self.factor()?;
            left = Node::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn factor(&mut self) -> PResult<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((
                format!("nested more than {MAX_DEPTH} levels deep"),
                self.col(),
            ));
        }
        let node = if self.is_word(&["not"], &["!"]) {
            self.pos += 1;
            Node::Not(Box::new(self.factor()?))
        } else if self.peek() == Some(&Tok::Open) {
            let open = self.col();
            self.pos += 1;
            let inner = self.expr()?;
            if self.peek() != Some(&Tok::Close) {
                return Err((
                    format!("expected ')' to close the '(' at column {open}"),
                    self.col(),
                ));
            }
            self.pos += 1;
            inner
        } else {
            self.predicate()?
        };
        self.depth -= 1;
        Ok(node)
    }

    fn predicate(&mut self) -> PResult<Node> {
        let col = self.col();
        let word = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            Some(t) => {
                return Err((
                    format!(
                        "expected a subject such as attribute:ecs.instance-type, found {}",
                        describe(t)
                    ),
                    col,
                ))
            }
            None => {
                return Err((
                    "expected a subject such as attribute:ecs.instance-type".to_string(),
                    col,
                ))
            }
        };
        let subject = match word.as_str() {
            "agentConnected" => Subject::AgentConnected,
            "agentVersion" => Subject::AgentVersion,
            "ec2InstanceId" => Subject::Ec2InstanceId,
            "registeredAt" => Subject::RegisteredAt,
            "runningTasksCount" => Subject::RunningTasksCount,
            "task:group" => Subject::TaskGroup,
            w => match w.strip_prefix("attribute:") {
                Some(name) if !name.is_empty() => Subject::Attribute(name.to_string()),
                _ => {
                    return Err((
                        format!("unknown subject '{w}'; use attribute:<name>, agentConnected, agentVersion, ec2InstanceId, registeredAt, runningTasksCount or task:group"),
                        col,
                    ))
                }
            },
        };
        self.pos += 1;
        let op_col = self.col();
        let op_text = match self.peek() {
            Some(Tok::Sym(s)) => (*s).to_string(),
            Some(Tok::Word(w)) => w.clone(),
            _ => return Err((format!("expected an operator after '{word}'"), op_col)),
        };
        self.pos += 1;
        let test = match op_text.as_str() {
            "in" | "!in" | "not_in" => Test::In(self.list()?, op_text != "in"),
            "exists" | "!exists" | "not_exists" => Test::Exists(op_text == "exists"),
            _ => {
                let op = match op_text.as_str() {
                    "==" | "equals" => Op::Eq,
                    "!=" | "not_equals" => Op::Ne,
                    ">" | "greater_than" => Op::Gt,
                    ">=" | "greater_than_equal" => Op::Ge,
                    "<" | "less_than" => Op::Lt,
                    "<=" | "less_than_equal" => Op::Le,
                    "=~" | "matches" => Op::Matches,
                    "!~" | "not_matches" => Op::NotMatches,
                    other => return Err((format!("'{other}' is not an operator"), op_col)),
                };
                let value_col = self.col();
                let value = self.value()?;
                let regex = match op {
                    Op::Matches | Op::NotMatches => Some(
                        regex_lite::Regex::new(&format!("^(?:{value})$")).map_err(|e| {
                            (
                                format!("invalid regular expression '{value}': {e}"),
                                value_col,
                            )
                        })?,
                    ),
                    _ => None,
                };
                if subject == Subject::RegisteredAt
                    && crate::calendar::parse_utc_timestamp_ms(&value).is_none()
                {
                    return Err((
                        format!(
                            "'{value}' is not a date such as 2018-06-18 or 2018-06-18T22:28:28Z"
                        ),
                        value_col,
                    ));
                }
                if subject == Subject::RunningTasksCount && value.parse::<u64>().is_err() {
                    return Err((format!("'{value}' is not a whole number"), value_col));
                }
                Test::Compare(op, value, regex)
            }
        };
        check_operator(&subject, &test).map_err(|m| (m, op_col))?;
        let text = render(&word, &op_text, &test);
        Ok(Node::Predicate {
            subject,
            test,
            text,
        })
    }

    fn value(&mut self) -> PResult<String> {
        let col = self.col();
        match self.peek().cloned() {
            Some(Tok::Word(w)) if !["and", "or", "not"].contains(&w.as_str()) => {
                self.pos += 1;
                Ok(w)
            }
            Some(Tok::Quoted(q)) => {
                self.pos += 1;
                Ok(q)
            }
            Some(t) => Err((format!("expected a value, found {}", describe(&t)), col)),
            None => Err(("expected a value".to_string(), col)),
        }
    }

    fn list(&mut self) -> PResult<Vec<String>> {
        if self.peek() != Some(&Tok::ListOpen) {
            return Err(("expected a list such as [a, b]".to_string(), self.col()));
        }
        self.pos += 1;
        let mut items = vec![self.value()?];
        loop {
            match self.peek() {
                Some(Tok::Comma) => {
                    self.pos += 1;
                    items.push(self.value()?);
                }
                Some(Tok::ListClose) => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(("expected ',' or ']' in the list".to_string(), self.col())),
            }
        }
    }
}

/// The operator table of 3.5.
fn check_operator(subject: &Subject, test: &Test) -> Result<(), String> {
    let ordering = matches!(test, Test::Compare(Op::Gt | Op::Ge | Op::Lt | Op::Le, ..));
    let equality_like = !ordering;
    let allowed = match subject {
        Subject::Attribute(_) => true,
        Subject::AgentConnected | Subject::Ec2InstanceId => {
            equality_like && !matches!(test, Test::Exists(_))
        }
        Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount => {
            matches!(
                test,
                Test::Compare(Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le, ..)
            )
        }
        Subject::TaskGroup => matches!(test, Test::Compare(Op::Eq | Op::Ne, ..) | Test::In(..)),
    };
    if allowed {
        Ok(())
    } else {
        let list = match subject {
            Subject::AgentConnected | Subject::Ec2InstanceId => "==, !=, in, not_in, =~, !~",
            Subject::TaskGroup => "==, !=, in, not_in",
            _ => "==, !=, >, >=, <, <=",
        };
        Err(format!(
            "this operator does not apply to this subject; allowed: {list}"
        ))
    }
}

fn render(subject: &str, op: &str, test: &Test) -> String {
    match test {
        Test::Compare(_, v, _) => format!("{subject} {op} {v}"),
        Test::In(items, _) => format!("{subject} {op} [{}]", items.join(", ")),
        Test::Exists(_) => format!("{subject} {op}"),
    }
}
