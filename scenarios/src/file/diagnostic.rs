//! Mistakes in a scenario, and where they are.
//!
//! A scenario is read from more than one piece of text: the file itself, and
//! each `--set key=value` given on the command line. Every [`Diagnostic`]
//! points into one of them by an [`Origin`], so an error in a `--set` is
//! shown against that argument, not against a line of the file that does
//! not contain it.

use std::fmt;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// One piece of text a scenario is read from.
#[derive(Clone, Debug)]
pub struct Source {
    /// What to call it in messages: a path, `library/flood.toml`, or
    /// `--set`.
    pub name: String,
    /// The text.
    pub text: String,
}

/// The sources of one scenario: the file first, then each `--set`.
#[derive(Clone, Debug, Default)]
pub struct Sources(Vec<Source>);

impl Sources {
    /// Adds a source and returns its index, for [`Origin::source`].
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> usize {
        self.0.push(Source { name: name.into(), text: text.into() });
        self.0.len() - 1
    }

    /// The source at `index`.
    pub fn get(&self, index: usize) -> Option<&Source> {
        self.0.get(index)
    }

    /// `name:line:column` of the start of `origin`.
    pub fn locate(&self, origin: &Origin) -> String {
        let name = self.get(origin.source).map_or("?", |s| s.name.as_str());
        let (line, column) = self.line_column(origin.source, origin.span.start);
        format!("{name}:{line}:{column}")
    }

    /// The 1-based line and column (in characters) of byte `offset` of
    /// source `index`.
    pub fn line_column(&self, index: usize, offset: usize) -> (usize, usize) {
        let Some(source) = self.0.get(index) else { return (1, 1) };
        let offset = floor_char_boundary(&source.text, offset);
        let before = &source.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }
}

/// The largest char boundary at or below `offset` (spans from a parser of
/// mutated input must never make us slice inside a character).
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Where something was written: a byte range of one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Index into [`Sources`].
    pub source: usize,
    /// Byte range within that source.
    pub span: Range<usize>,
}

/// Reading order: by source, then by position.
impl Ord for Origin {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.source, self.span.start, self.span.end).cmp(&(other.source, other.span.start, other.span.end))
    }
}

impl PartialOrd for Origin {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Origin {
    /// A part of this origin: `inner` is a byte range within the text the
    /// origin covers, when that text is written out verbatim.
    pub fn narrow(&self, inner: Range<usize>) -> Origin {
        let start = (self.span.start + inner.start).min(self.span.end);
        let end = (self.span.start + inner.end).clamp(start, self.span.end);
        Origin { source: self.source, span: start..end }
    }
}

/// One mistake: where, what is wrong, and (sometimes) how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the mistake is, if it is anywhere in particular.
    pub origin: Option<Origin>,
    /// What is wrong, and what was expected.
    pub message: String,
    /// A suggestion ("did you mean `latency`?").
    pub help: Option<String>,
}

impl Diagnostic {
    /// A mistake at `origin`.
    pub fn at(origin: &Origin, message: impl Into<String>) -> Diagnostic {
        Diagnostic { origin: Some(origin.clone()), message: message.into(), help: None }
    }

    /// Adds a suggestion.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds "did you mean `x`?" if `suggestion` is some.
    pub fn maybe_did_you_mean(self, suggestion: Option<String>) -> Diagnostic {
        match suggestion {
            Some(s) => self.help(format!("did you mean `{s}`?")),
            None => self,
        }
    }
}

/// Every mistake found in one scenario, with the text they point into.
///
/// `Display` renders each as a compiler would: `file:line:column`, the line,
/// a caret under the mistake, and the suggestion.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    /// The texts the diagnostics point into.
    pub sources: Sources,
    /// The mistakes, in the order they appear in the sources.
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// `file:line:column` of a diagnostic, or just the source name.
    pub fn location(&self, diagnostic: &Diagnostic) -> Option<String> {
        let origin = diagnostic.origin.as_ref()?;
        self.sources.get(origin.source)?;
        Some(self.sources.locate(origin))
    }

    /// Renders every diagnostic, with colour if `styled`.
    pub fn render(&self, styled: bool) -> String {
        let renderer = if styled { Renderer::styled() } else { Renderer::plain() };
        let mut out = String::new();
        for diagnostic in &self.list {
            let title = Level::ERROR.primary_title(diagnostic.message.as_str());
            let mut group =
                match diagnostic.origin.as_ref().and_then(|o| Some((o, self.sources.get(o.source)?))) {
                    Some((origin, source)) => {
                        let start = floor_char_boundary(&source.text, origin.span.start);
                        let end = floor_char_boundary(&source.text, origin.span.end.max(start));
                        title.element(
                            Snippet::source(source.text.as_str())
                                .path(source.name.as_str())
                                .annotation(AnnotationKind::Primary.span(start..end)),
                        )
                    }
                    None => Group::with_title(title),
                };
            if let Some(help) = &diagnostic.help {
                group = group.element(Level::HELP.message(help.as_str()));
            }
            out.push_str(&renderer.render(&[group]));
            out.push_str("\n\n");
        }
        let count = self.list.len();
        out.push_str(&format!(
            "{count} {} in this scenario",
            if count == 1 { "mistake" } else { "mistakes" }
        ));
        out
    }

    /// Sorts the diagnostics into reading order and drops exact repeats.
    pub(crate) fn sort(&mut self) {
        self.list.sort_by(|a, b| a.origin.cmp(&b.origin).then_with(|| a.message.cmp(&b.message)));
        self.list.dedup();
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let mut sources = Sources::default();
        let s = sources.add("a.toml", "x = 1\nµ = \"y\"\n");
        assert_eq!(sources.line_column(s, 0), (1, 1));
        assert_eq!(sources.line_column(s, 6), (2, 1));
        // After the two-byte `µ`, the space is column 2.
        assert_eq!(sources.line_column(s, 8), (2, 2));
        // Inside `µ`: rounded down to its start, never a panic.
        assert_eq!(sources.line_column(s, 7), (2, 1));
        assert_eq!(sources.line_column(s, 999), (3, 1));
    }

    #[test]
    fn rendering_names_the_file_line_and_help() {
        let mut sources = Sources::default();
        let s = sources.add("flood.toml", "name = \"f\"\nlatenc = \"1ms\"\n");
        let diagnostics = Diagnostics {
            list: vec![
                Diagnostic::at(&Origin { source: s, span: 11..17 }, "unknown key `latenc`")
                    .help("did you mean `latency`?"),
            ],
            sources,
        };
        let text = diagnostics.to_string();
        assert!(text.contains("flood.toml:2:1"), "{text}");
        assert!(text.contains("unknown key `latenc`"), "{text}");
        assert!(text.contains("did you mean `latency`?"), "{text}");
        assert_eq!(diagnostics.location(&diagnostics.list[0]).as_deref(), Some("flood.toml:2:1"));
    }
}
