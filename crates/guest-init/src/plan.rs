//! Parsing of plan files.
//!
//! A plan is a text file with one step per line. Each line is split at ASCII
//! whitespace, with no quoting or escapes. Leading `KEY=VALUE` words set
//! environment variables for that step only, and the next word is the program
//! (or the `run-all` directive) followed by its arguments. Blank lines and
//! lines whose first non-blank character is `#` are ignored.

use std::fmt;

/// The directive that runs every executable file in a directory.
pub const RUN_ALL: &str = "run-all";

/// One line of a plan that runs something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Line number in the plan file, starting at 1.
    pub line: usize,
    /// Environment variables set for this step, in the order written.
    pub env: Vec<(String, String)>,
    /// The program or directive that the step runs.
    pub action: Action,
}

/// The program or directive of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run `program` with `args`. A program without a `/` is looked up in `PATH`.
    Run { program: String, args: Vec<String> },
    /// Run every executable regular file in `directory`, in byte order of
    /// their names, each with `args`.
    RunAll {
        directory: String,
        args: Vec<String>,
    },
}

/// A plan that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Line number in the plan file, starting at 1, or `None` for an error
    /// about the whole plan.
    pub line: Option<usize>,
    /// Description of the problem.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(formatter, "line {line}: {}", self.message),
            None => formatter.write_str(&self.message),
        }
    }
}

/// Parses a whole plan before anything runs, so that a typo on a late line
/// fails the plan at once instead of after the earlier steps ran.
///
/// A plan with no steps is an error, so that an empty or fully commented-out
/// plan cannot pass.
pub fn parse(text: &str) -> Result<Vec<Step>, ParseError> {
    let mut steps = Vec::new();

    for (index, line) in text.lines().enumerate() {
        if let Some(step) = parse_line(index + 1, line)? {
            steps.push(step);
        }
    }

    if steps.is_empty() {
        return Err(ParseError {
            line: None,
            message: "the plan contains no commands".to_string(),
        });
    }
    Ok(steps)
}

/// Parses one line, returning `None` for blank and comment lines.
fn parse_line(line: usize, text: &str) -> Result<Option<Step>, ParseError> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }

    let mut words = trimmed.split_ascii_whitespace().peekable();
    let mut env = Vec::new();
    while let Some(assignment) = words.peek().and_then(|word| split_assignment(word)) {
        env.push(assignment);
        words.next();
    }

    let Some(program) = words.next() else {
        return Err(ParseError {
            line: Some(line),
            message: "missing command after the environment variables".to_string(),
        });
    };
    let mut args: Vec<String> = words.map(str::to_string).collect();

    let action = if program == RUN_ALL {
        if args.is_empty() {
            return Err(ParseError {
                line: Some(line),
                message: format!("{RUN_ALL} requires a directory: {RUN_ALL} DIRECTORY [ARGS...]"),
            });
        }
        let directory = args.remove(0);
        Action::RunAll { directory, args }
    } else {
        Action::Run {
            program: program.to_string(),
            args,
        }
    };

    Ok(Some(Step { line, env, action }))
}

/// Splits `KEY=VALUE` into its parts when `KEY` is a valid environment
/// variable name (a letter or `_`, then letters, digits or `_`).
fn split_assignment(word: &str) -> Option<(String, String)> {
    let (key, value) = word.split_once('=')?;

    let mut characters = key.chars();
    let first = characters.next()?;
    let valid_first = first.is_ascii_alphabetic() || first == '_';
    let valid_rest =
        characters.all(|character| character.is_ascii_alphanumeric() || character == '_');
    if !(valid_first && valid_rest) {
        return None;
    }

    Some((key.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    fn run(line: usize, program: &str, args: &[&str]) -> Step {
        Step {
            line,
            env: Vec::new(),
            action: Action::Run {
                program: program.to_string(),
                args: strings(args),
            },
        }
    }

    #[test]
    fn parse_commands_in_order() {
        let steps = parse("/bin/a one  two\n/bin/b\n");

        assert_eq!(
            steps,
            Ok(vec![
                run(1, "/bin/a", &["one", "two"]),
                run(2, "/bin/b", &[])
            ])
        );
    }

    #[test]
    fn parse_skips_comments_and_blanks() {
        let steps = parse("# header\n\n   \n  # indented comment\n/bin/a\t#not-a-comment\n");

        assert_eq!(steps, Ok(vec![run(5, "/bin/a", &["#not-a-comment"])]));
    }

    #[test]
    fn parse_leading_assignments() {
        let steps = parse("A=1 _B=x=y /bin/a C=3\n");

        let expected = Step {
            line: 1,
            env: vec![
                ("A".to_string(), "1".to_string()),
                ("_B".to_string(), "x=y".to_string()),
            ],
            action: Action::Run {
                program: "/bin/a".to_string(),
                args: strings(&["C=3"]),
            },
        };
        assert_eq!(steps, Ok(vec![expected]));
    }

    #[test]
    fn parse_invalid_key_is_program() {
        let steps = parse("1A=x /bin/a\n");

        assert_eq!(steps, Ok(vec![run(1, "1A=x", &["/bin/a"])]));
    }

    #[test]
    fn parse_empty_value() {
        let steps = parse("EMPTY= /bin/a\n");

        let Ok(steps) = steps else {
            panic!("parse failed: {steps:?}");
        };
        assert_eq!(steps[0].env, vec![("EMPTY".to_string(), String::new())]);
    }

    #[test]
    fn parse_run_all() {
        let steps = parse("T=kernel run-all /bin/tests --test-threads=1\n");

        let expected = Step {
            line: 1,
            env: vec![("T".to_string(), "kernel".to_string())],
            action: Action::RunAll {
                directory: "/bin/tests".to_string(),
                args: strings(&["--test-threads=1"]),
            },
        };
        assert_eq!(steps, Ok(vec![expected]));
    }

    #[test]
    fn parse_run_all_without_directory() {
        let error = parse("/bin/a\nrun-all\n");

        let Err(error) = error else {
            panic!("parse accepted run-all without a directory: {error:?}");
        };
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("requires a directory"), "{error}");
    }

    #[test]
    fn parse_assignments_without_command() {
        let error = parse("/bin/a\nA=1 B=2\n");

        let Err(error) = error else {
            panic!("parse accepted a line without a command: {error:?}");
        };
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("missing command"), "{error}");
    }

    #[test]
    fn parse_rejects_empty_plan() {
        for text in ["", "\n\n", "# only a comment\n"] {
            let error = parse(text);

            let Err(error) = error else {
                panic!("parse accepted {text:?}: {error:?}");
            };
            assert!(error.message.contains("no commands"), "{error}");
        }
    }

    #[test]
    fn parse_accepts_crlf() {
        let steps = parse("/bin/a x\r\n");

        assert_eq!(steps, Ok(vec![run(1, "/bin/a", &["x"])]));
    }
}
