//! JSON lines on stdout, which reach the host through the guest's serial
//! console. Each line starts with [`PREFIX`], so that `scripts/bench.sh`
//! can pick them out of the kernel's and criterion's output.

use std::fmt::Write as _;
use std::io::Write as _;

/// The start of every result line.
pub const PREFIX: &str = "bench-json: ";

/// A JSON value, enough for flat records of numbers, strings and lists.
pub enum Value {
    /// A JSON string.
    Text(String),
    /// A JSON number. Non-finite values print as `null`.
    Number(f64),
    /// A JSON integer.
    Integer(i64),
    /// A JSON boolean.
    Bool(bool),
    /// A list of numbers.
    Numbers(Vec<f64>),
    /// A nested object of string values, in the order given.
    Strings(Vec<(String, String)>),
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<f64> for Value {
    fn from(number: f64) -> Value {
        Value::Number(number)
    }
}

impl From<usize> for Value {
    fn from(number: usize) -> Value {
        Value::Integer(number as i64)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl From<Vec<f64>> for Value {
    fn from(numbers: Vec<f64>) -> Value {
        Value::Numbers(numbers)
    }
}

/// Appends `text` to `out` as a JSON string literal.
fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if (control as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", control as u32);
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

fn push_number(out: &mut String, number: f64) {
    if number.is_finite() {
        let _ = write!(out, "{number}");
    } else {
        out.push_str("null");
    }
}

fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::Text(text) => push_string(out, text),
        Value::Number(number) => push_number(out, *number),
        Value::Integer(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Value::Numbers(numbers) => {
            out.push('[');
            for (index, number) in numbers.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                push_number(out, *number);
            }
            out.push(']');
        }
        Value::Strings(pairs) => {
            out.push('{');
            for (index, (key, text)) in pairs.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                push_string(out, key);
                out.push(':');
                push_string(out, text);
            }
            out.push('}');
        }
    }
}

/// Formats `fields` as one JSON object on one line.
pub fn to_json(fields: &[(&str, Value)]) -> String {
    let mut out = String::from("{");
    for (index, (key, value)) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        push_string(&mut out, key);
        out.push(':');
        push_value(&mut out, value);
    }
    out.push('}');
    out
}

/// Prints `fields` as one result line and flushes stdout, so that the line
/// reaches the serial console before anything that follows.
pub fn emit(fields: &[(&str, Value)]) {
    let line = format!("{PREFIX}{}\n", to_json(fields));
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(line.as_bytes());
    let _ = stdout.flush();
}

/// Returns the median of `values`, or NaN for an empty slice.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let length = sorted.len();
    match length {
        0 => f64::NAN,
        _ if length % 2 == 1 => sorted[length / 2],
        _ => (sorted[length / 2 - 1] + sorted[length / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_strings() {
        let line = to_json(&[("a", Value::from("x\"y\n")), ("b", Value::from(2usize))]);

        assert_eq!(line, r#"{"a":"x\"y\n","b":2}"#);
    }

    #[test]
    fn json_writes_non_finite_as_null() {
        let line = to_json(&[("list", Value::from(vec![1.5, f64::NAN]))]);

        assert_eq!(line, r#"{"list":[1.5,null]}"#);
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
