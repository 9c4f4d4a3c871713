//! A TOML document in which every key and value remembers where it was
//! written.
//!
//! The `toml` crate parses the text (and reports every syntax error it can
//! recover from); this module copies the result into a small tree of our own,
//! [`Item`], whose [`Origin`]s point into [`Sources`]. Owning the tree lets
//! `--set key.path=value` splice command-line values into it, each still
//! pointing at the argument it came from.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, Origin, Sources};

/// A value, and where it was written.
#[derive(Clone, Debug)]
pub struct Item {
    /// The value.
    pub value: Value,
    /// Where it was written.
    pub origin: Origin,
}

/// A TOML value.
#[derive(Clone, Debug)]
pub enum Value {
    /// A string.
    String(String),
    /// An integer (TOML integers are 64-bit signed).
    Integer(i64),
    /// A float.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A date or time, which no scenario field takes; kept as its text.
    Datetime(String),
    /// An array.
    Array(Vec<Item>),
    /// A table.
    Table(Table),
}

impl Value {
    /// The TOML name of the value's type, for "expected a string, found an
    /// integer".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

impl Item {
    /// The value as a plain `toml` value, origins dropped: how a program
    /// writes back a document it changed (`weft shrink` does).
    pub fn to_toml(&self) -> toml::Value {
        match &self.value {
            Value::String(s) => toml::Value::String(s.clone()),
            Value::Integer(i) => toml::Value::Integer(*i),
            Value::Float(f) => toml::Value::Float(*f),
            Value::Bool(b) => toml::Value::Boolean(*b),
            Value::Datetime(text) => match text.parse() {
                Ok(datetime) => toml::Value::Datetime(datetime),
                Err(_) => toml::Value::String(text.clone()),
            },
            Value::Array(items) => toml::Value::Array(items.iter().map(Item::to_toml).collect()),
            Value::Table(table) => {
                toml::Value::Table(table.entries.iter().map(|e| (e.key.clone(), e.item.to_toml())).collect())
            }
        }
    }
}

/// A table's entries, in key order.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// The entries.
    pub entries: Vec<Entry>,
}

/// One `key = value` of a table.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key was written.
    pub key_origin: Origin,
    /// The value.
    pub item: Item,
}

impl Table {
    /// The entry for `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }
}

/// Parses `text` (source `source` of `sources`) into a document: its root
/// table, and every syntax error found.
pub fn parse(sources: &Sources, source: usize) -> (Item, Vec<Diagnostic>) {
    let text = sources.get(source).map_or("", |s| s.text.as_str());
    let (root, errors) = DeTable::parse_recoverable(text);
    let diagnostics = errors
        .iter()
        .map(|e| {
            let span = e.span().unwrap_or(0..0);
            Diagnostic::at(&Origin { source, span }, format!("invalid TOML: {}", e.message().trim()))
        })
        .collect();
    let origin = Origin { source, span: root.span() };
    (Item { value: Value::Table(convert_table(root.get_ref(), source)), origin }, diagnostics)
}

fn convert_table(table: &DeTable<'_>, source: usize) -> Table {
    let entries = table
        .iter()
        .map(|(key, value)| Entry {
            key: key.get_ref().to_string(),
            key_origin: Origin { source, span: key.span() },
            item: convert(value, source),
        })
        .collect();
    Table { entries }
}

fn convert(value: &Spanned<DeValue<'_>>, source: usize) -> Item {
    let origin = Origin { source, span: value.span() };
    let value = match value.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Integer(n),
            // Out of i64 range: keep the text, so the reader can say so.
            Err(_) => Value::String(i.as_str().to_string()),
        },
        DeValue::Float(f) => Value::Float(f.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(items) => Value::Array(items.iter().map(|i| convert(i, source)).collect()),
        DeValue::Table(t) => Value::Table(convert_table(t, source)),
    };
    Item { value, origin }
}

/// Applies one `--set key.path=value` (source `source` of `sources`, whose
/// text is the whole argument) to the document `root`.
///
/// The value is read as TOML if it parses as a TOML value (`10`, `0.5`,
/// `true`, `["a", "b"]`, `{ count = 3 }`) and as a plain string otherwise,
/// so `--set pattern=flood` needs no quotes; a value that starts like an
/// array, a table or a quoted string must be valid TOML. A numeric path
/// segment indexes an array: `faults.0.at=2s`.
pub fn apply_set(root: &mut Item, sources: &Sources, source: usize) -> Result<(), Diagnostic> {
    apply_set_under(root, sources, source, &[])
}

/// [`apply_set`], with the key path taken to start below the keys `implied`
/// (`--set round_trips=10` is `params.round_trips`). The implied keys point
/// at the key the user wrote: it is what made them.
pub fn apply_set_under(
    root: &mut Item,
    sources: &Sources,
    source: usize,
    implied: &[&str],
) -> Result<(), Diagnostic> {
    let text = sources.get(source).map_or("", |s| s.text.as_str());
    let whole = Origin { source, span: 0..text.len() };
    let Some(eq) = text.find('=') else {
        return Err(Diagnostic::at(&whole, "expected `key.path=value`").help("for example: --set seed=7"));
    };
    let (path, value_text) = (&text[..eq], &text[eq + 1..]);
    let key_origin = Origin { source, span: 0..eq };
    if path.trim().is_empty() {
        return Err(Diagnostic::at(&whole, "expected `key.path=value`, found no key"));
    }
    let value_start = eq + 1 + (value_text.len() - value_text.trim_start().len());
    let value_origin = Origin { source, span: value_start..eq + 1 + value_text.trim_end().len() };
    let value = parse_set_value(value_text.trim(), &value_origin)?;

    let mut segments: Vec<&str> = implied.to_vec();
    segments.extend(path.split('.').map(str::trim));
    // Where each segment starts in the argument, so a mistake in one segment
    // is pointed at precisely.
    let mut segment_origins = vec![key_origin.clone(); implied.len()];
    let mut offset = 0;
    for raw in path.split('.') {
        let lead = raw.len() - raw.trim_start().len();
        let start = offset + lead;
        segment_origins.push(Origin { source, span: start..start + raw.trim().len() });
        offset += raw.len() + 1;
    }
    if segments[implied.len()..].iter().any(|s| s.is_empty()) {
        return Err(Diagnostic::at(&key_origin, format!("`{path}` is not a key path (empty segment)")));
    }
    let mut here = root;
    for (depth, segment) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        let so_far = segments[..=depth].join(".");
        here = match &mut here.value {
            Value::Table(table) => {
                if table.get(segment).is_none() {
                    if let Some(next) = segments.get(depth + 1)
                        && next.parse::<usize>().is_ok()
                    {
                        return Err(Diagnostic::at(
                            &segment_origins[depth],
                            format!("`{so_far}` is not in the scenario, so it has no element {next}"),
                        ));
                    }
                    // A new key: tables along the way are created, as TOML's
                    // dotted keys would.
                    let origin = segment_origins[depth].clone();
                    let item = Item { value: Value::Table(Table::default()), origin: origin.clone() };
                    table.entries.push(Entry { key: segment.to_string(), key_origin: origin, item });
                }
                &mut table.get_mut(segment).expect("present: found or inserted above").item
            }
            Value::Array(items) => {
                let Ok(index) = segment.parse::<usize>() else {
                    return Err(Diagnostic::at(
                        &key_origin,
                        format!("`{so_far}`: an array is indexed by a number, found `{segment}`"),
                    ));
                };
                let len = items.len();
                let Some(item) = items.get_mut(index) else {
                    return Err(Diagnostic::at(
                        &key_origin,
                        format!("`{so_far}`: index {index} is past the end of an array of {len}"),
                    ));
                };
                item
            }
            other => {
                return Err(Diagnostic::at(
                    &key_origin,
                    format!(
                        "`{so_far}` cannot be set: `{}` is {}, not a table",
                        segments[..depth].join("."),
                        other.kind()
                    ),
                ));
            }
        };
        if last {
            *here = value;
            return Ok(());
        }
    }
    unreachable!("the loop returns at the last segment")
}

/// The text a `--set` value is wrapped in to parse it as TOML.
const WRAP: &str = "v = ";

fn parse_set_value(text: &str, origin: &Origin) -> Result<Item, Diagnostic> {
    // Parse as the right-hand side of a TOML key.
    let wrapped = format!("{WRAP}{text}");
    let parsed = DeTable::parse(&wrapped);
    if let Ok(table) = &parsed
        && let Some(v) = table.get_ref().get("v")
    {
        let mut item = convert(v, origin.source);
        relocate(&mut item, origin.span.start);
        return Ok(item);
    }
    // Not TOML. Text that starts like an array, a table or a quoted string
    // was meant as TOML and is broken: say where. Anything else is a bare
    // string, so `--set topology=ring` needs no quotes.
    if let (Err(error), Some('[' | '{' | '"' | '\'')) = (&parsed, text.chars().next()) {
        let span = error.span().unwrap_or(WRAP.len()..wrapped.len());
        let inner = span.start.saturating_sub(WRAP.len())..span.end.saturating_sub(WRAP.len());
        return Err(Diagnostic::at(&origin.narrow(inner), format!("invalid TOML: {}", error.message().trim()))
            .help("a value that starts with `[`, `{` or a quote is read as TOML; quote the whole argument for the shell"));
    }
    Ok(Item { value: Value::String(text.to_string()), origin: origin.clone() })
}

/// Moves the spans of an item parsed from a wrapped `--set` value (and of
/// everything inside it) into the argument, where the value starts at byte
/// `start`: a mistake inside an array or table then points at its own part.
fn relocate(item: &mut Item, start: usize) {
    let shift = |span: &mut std::ops::Range<usize>| {
        *span = span.start.saturating_sub(WRAP.len()) + start..span.end.saturating_sub(WRAP.len()) + start;
    };
    shift(&mut item.origin.span);
    match &mut item.value {
        Value::Array(items) => items.iter_mut().for_each(|i| relocate(i, start)),
        Value::Table(table) => table.entries.iter_mut().for_each(|e| {
            shift(&mut e.key_origin.span);
            relocate(&mut e.item, start);
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> (Sources, Item) {
        let mut sources = Sources::default();
        let s = sources.add("t.toml", text);
        let (root, errors) = parse(&sources, s);
        assert!(errors.is_empty(), "{errors:?}");
        (sources, root)
    }

    fn lookup<'a>(item: &'a Item, path: &[&str]) -> &'a Item {
        path.iter().fold(item, |item, key| match &item.value {
            Value::Table(t) => &t.get(key).expect("key present").item,
            Value::Array(a) => &a[key.parse::<usize>().expect("index")],
            other => panic!("not a container: {other:?}"),
        })
    }

    #[test]
    fn spans_point_at_the_written_value() {
        let (sources, root) = doc("[network]\nloss = 0.5\n");
        let loss = lookup(&root, &["network", "loss"]);
        assert!(matches!(loss.value, Value::Float(f) if f == 0.5));
        assert_eq!(sources.line_column(loss.origin.source, loss.origin.span.start), (2, 8));
    }

    #[test]
    fn set_replaces_creates_and_indexes() {
        let (mut sources, mut root) = doc("seed = 1\n[[faults]]\nat = \"1s\"\n");
        for arg in ["seed=7", "network.latency=uniform 1ms..2ms", "faults.0.at=2s"] {
            let s = sources.add("--set", arg);
            apply_set(&mut root, &sources, s).expect("valid set");
        }
        assert!(matches!(lookup(&root, &["seed"]).value, Value::Integer(7)));
        let latency = lookup(&root, &["network", "latency"]);
        assert!(matches!(&latency.value, Value::String(s) if s == "uniform 1ms..2ms"));
        // The value points into its own argument, after the `=`.
        assert_eq!(latency.origin.source, 2);
        assert_eq!(latency.origin.span, 16..32);
        assert!(matches!(&lookup(&root, &["faults", "0", "at"]).value, Value::String(s) if s == "2s"));
    }

    #[test]
    fn set_through_a_scalar_or_past_an_array_is_an_error() {
        let (mut sources, mut root) = doc("seed = 1\n[[faults]]\nat = \"1s\"\n");
        for arg in ["seed.x=1", "faults.3.at=1s", "faults.x=1", "=3", "novalue", "a..b=1"] {
            let s = sources.add("--set", arg);
            let error = apply_set(&mut root, &sources, s).expect_err(arg);
            assert_eq!(error.origin.as_ref().map(|o| o.source), Some(s), "{arg}");
        }
    }
}
