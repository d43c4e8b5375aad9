//! The cluster query language of `memberOf` constraints (3.5).
//!
//! `subject operator [argument]`, combined with `and`/`&&`, `or`/`||`, `not`/`!` and
//! parentheses. The grammar (3.5) is [unconfirmed]: derived from AWS's description and
//! examples, all of which parse. Parsing never panics: errors point at a 1-based column.
//! Evaluation reports the smallest predicate that made an expression false.
//!
//! `=~` is AWS's Java regular-expression match, which must match the whole value; we anchor
//! the pattern and use `regex-lite` (no Unicode classes or look-around; Java's look-around is
//! rarely used in attribute patterns).

mod eval;
mod lexer;
mod parser;

pub use eval::{EvalOptions, Evaluation, QuerySubject};

/// Longest expression AWS accepts (3.4).
pub const MAX_EXPRESSION_CHARS: usize = 2000;
/// Deepest nesting of parentheses and `not` we accept.
pub const MAX_DEPTH: usize = 64;

/// A parse error with the column it was found at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// 1-based character column.
    pub column: usize,
    /// The expression.
    pub source: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at column {}", self.message, self.column)?;
        if self.source.chars().count() <= 200 {
            write!(
                f,
                "\n  {}\n  {}^",
                self.source,
                " ".repeat(self.column.saturating_sub(1))
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// What a predicate tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// `attribute:<name>`.
    Attribute(String),
    /// `agentConnected`.
    AgentConnected,
    /// `agentVersion`.
    AgentVersion,
    /// `ec2InstanceId`.
    Ec2InstanceId,
    /// `registeredAt`.
    RegisteredAt,
    /// `runningTasksCount`.
    RunningTasksCount,
    /// `task:group`.
    TaskGroup,
}

/// Comparison operators, with their word forms folded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`, `equals`.
    Eq,
    /// `!=`, `not_equals`.
    Ne,
    /// `>`, `greater_than`.
    Gt,
    /// `>=`, `greater_than_equal`.
    Ge,
    /// `<`, `less_than`.
    Lt,
    /// `<=`, `less_than_equal`.
    Le,
    /// `=~`, `matches`.
    Matches,
    /// `!~`, `not_matches`.
    NotMatches,
}

/// A predicate's test.
#[derive(Debug, Clone)]
pub enum Test {
    /// `subject op value`.
    Compare(Op, String, Option<regex_lite::Regex>),
    /// `subject in [..]` (negated for `!in` / `not_in`).
    In(Vec<String>, bool),
    /// `subject exists` (negated for `!exists` / `not_exists`).
    Exists(bool),
}

/// The syntax tree.
#[derive(Debug, Clone)]
pub enum Node {
    /// Both sides.
    And(Box<Node>, Box<Node>),
    /// Either side.
    Or(Box<Node>, Box<Node>),
    /// Negation.
    Not(Box<Node>),
    /// One predicate, with its source text for explanations.
    Predicate {
        /// What it tests.
        subject: Subject,
        /// How.
        test: Test,
        /// The predicate as written.
        text: String,
    },
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub struct Expression {
    root: Node,
    source: String,
}

impl Expression {
    /// Parses an expression; a `memberOf(...)` wrapper is accepted too.
    pub fn parse(src: &str) -> Result<Expression, ParseError> {
        if src.chars().count() > MAX_EXPRESSION_CHARS {
            return Err(ParseError {
                message: format!("the expression is longer than {MAX_EXPRESSION_CHARS} characters"),
                column: MAX_EXPRESSION_CHARS + 1,
                source: src.chars().take(80).collect(),
            });
        }
        let inner = strip_member_of(src);
        let offset = src[..src.len() - src.trim_start().len()].chars().count()
            + if inner.len() != src.trim().len() {
                "memberOf(".len()
            } else {
                0
            };
        let root = parser::parse(inner).map_err(|(message, column)| ParseError {
            message,
            column: column + offset,
            source: src.to_string(),
        })?;
        Ok(Expression {
            root,
            source: src.trim().to_string(),
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Whether the result depends only on what an instance registered (its attributes, id,
    /// agent version, registration time), so it can be cached per instance. Expressions on
    /// `runningTasksCount`, `task:group` or `agentConnected` change as tasks come and go.
    pub fn is_static(&self) -> bool {
        fn walk(n: &Node) -> bool {
            match n {
                Node::And(a, b) | Node::Or(a, b) => walk(a) && walk(b),
                Node::Not(a) => walk(a),
                Node::Predicate { subject, .. } => !matches!(
                    subject,
                    Subject::RunningTasksCount | Subject::TaskGroup | Subject::AgentConnected
                ),
            }
        }
        walk(&self.root)
    }

    /// Evaluates against one container instance.
    pub fn evaluate(&self, subject: &dyn QuerySubject, opts: &EvalOptions) -> Evaluation {
        eval::evaluate(&self.root, subject, opts)
    }
}

/// Checks an expression as it is being typed (a form field validated on every input event):
/// `Ok` when [`Expression::parse`] accepts it, else the [`ParseError`] with its message and
/// 1-based character column, which may be one past the last character when the expression
/// ends too early. Never panics; costs one parse, bounded by [`MAX_EXPRESSION_CHARS`].
pub fn validate(src: &str) -> Result<(), ParseError> {
    Expression::parse(src).map(|_| ())
}

/// Strips a `memberOf( … )` wrapper, as in `memberOf(attribute:ecs.os-family == LINUX)`.
pub fn strip_member_of(src: &str) -> &str {
    let t = src.trim();
    match t
        .strip_prefix("memberOf(")
        .and_then(|r| r.strip_suffix(')'))
    {
        Some(inner) => inner,
        None => t,
    }
}

#[cfg(test)]
mod tests;
