//! Reading values from text: the error every weft-sim parser returns, and the
//! small pieces of grammar the parsers share.
//!
//! The parsers ([`parse_duration`](crate::time::parse_duration) and
//! [`Latency`](crate::Latency)'s `FromStr`) are meant for scenario files and
//! command lines, so a [`ParseError`] says both *what* was wrong (and what was
//! expected instead) and *where*: a byte range within the parsed text, which a
//! caller can shift with [`ParseError::offset`] and turn into a line and
//! column inside a larger file.

use std::ops::Range;

/// Text could not be read as a value: what was wrong, and where in the text.
///
/// ```
/// use weft_sim::time::parse_duration;
///
/// let text = "150sec";
/// let err = parse_duration(text).expect_err("`sec` is not a unit");
/// assert_eq!(&text[err.span.clone()], "sec");
/// assert!(err.message.contains("did you mean `s`?"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// What was wrong, phrased for a person: it names what was expected.
    pub message: String,
    /// The byte range within the parsed text that the message is about. It
    /// always lies inside the text and on `char` boundaries, so
    /// `&text[span]` never panics; it is empty only when the text was.
    pub span: Range<usize>,
}

impl ParseError {
    /// An error about the bytes `span` of the parsed text.
    pub fn new(message: impl Into<String>, span: Range<usize>) -> ParseError {
        ParseError { message: message.into(), span }
    }

    /// The same error with its span moved `by` bytes to the right: for a
    /// caller that parsed a slice starting at byte `by` of a larger text and
    /// wants the span to point into that larger text.
    pub fn offset(mut self, by: usize) -> ParseError {
        self.span = self.span.start.saturating_add(by)..self.span.end.saturating_add(by);
        self
    }
}

/// A non-negative decimal number as written: `12`, `1.5`, `1_000.250`.
///
/// Digits may be separated by `_` (after the first digit, as in Rust
/// literals). Both parts keep their underscores; [`digits`] skips them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decimal<'a> {
    /// The digits before the point (at least one).
    pub int: &'a str,
    /// The digits after the point, if there is a point followed by a digit.
    pub frac: Option<&'a str>,
    /// How many bytes of the text the number takes.
    pub len: usize,
}

/// Reads the decimal number at the start of `text`, or `None` if `text` does
/// not start with a digit. Stops at the first byte that cannot continue the
/// number; a `.` not followed by a digit is left for the caller to report.
pub(crate) fn scan_decimal(text: &str) -> Option<Decimal<'_>> {
    let bytes = text.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // Every byte examined here is ASCII, so every index we slice at is a
    // `char` boundary even when the text goes on with multi-byte characters.
    let run_end = |from: usize| {
        from + bytes.get(from..).map_or(0, |rest| {
            rest.iter().position(|b| !(b.is_ascii_digit() || *b == b'_')).unwrap_or(rest.len())
        })
    };
    let int_end = run_end(0);
    let int = text.get(..int_end)?;
    let has_fraction =
        bytes.get(int_end) == Some(&b'.') && bytes.get(int_end + 1).is_some_and(u8::is_ascii_digit);
    if !has_fraction {
        return Some(Decimal { int, frac: None, len: int_end });
    }
    let frac_end = run_end(int_end + 1);
    let frac = text.get(int_end + 1..frac_end)?;
    Some(Decimal { int, frac: Some(frac), len: frac_end })
}

/// The decimal digits of `part` as numbers, skipping `_` separators.
pub(crate) fn digits(part: &str) -> impl Iterator<Item = u8> + '_ {
    part.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0')
}

impl Decimal<'_> {
    /// The number as the nearest `f64` (may be infinite for absurdly long
    /// inputs; callers check).
    pub fn to_f64(self) -> f64 {
        let mut plain: String = self.int.chars().filter(|c| *c != '_').collect();
        if let Some(frac) = self.frac {
            plain.push('.');
            plain.extend(frac.chars().filter(|c| *c != '_'));
        }
        // The grammar above only lets digits and one point through, which
        // `f64::from_str` always accepts; NaN makes any caller's check fail
        // should that ever change.
        plain.parse().unwrap_or(f64::NAN)
    }
}

/// The candidate closest to `word` (ignoring case), if it is close enough to
/// be a plausible typo or abbreviation: a small edit distance, `word` is a
/// prefix of it at least three characters long, or it is a prefix of `word`
/// at least two characters long.
///
/// The one "did you mean" of weft: scenario files use it for every name.
///
/// ```
/// use weft_sim::parse::closest;
/// assert_eq!(closest("unifrom", &["uniform", "normal"]), Some("uniform"));
/// assert_eq!(closest("raft", &["ping-pong", "flood"]), None);
/// ```
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word: Vec<char> = word.to_lowercase().chars().collect();
    let mut best: Option<(usize, &'a str)> = None;
    for &candidate in candidates {
        let cand: Vec<char> = candidate.chars().collect();
        let abbreviation = word.len() >= 3 && cand.starts_with(&word);
        let extension = cand.len() >= 2 && word.starts_with(&cand);
        let distance = if word == cand {
            0 // only the case differs
        } else if abbreviation || extension {
            // An abbreviation (`expo`, `unif`) or a longer spelling (`sdev`,
            // `normally`): as good as one typo.
            1
        } else {
            let allowed = (word.len().max(cand.len()) / 3).max(1);
            if word.len().abs_diff(cand.len()) > allowed {
                // Too far apart to be a typo; also bounds the work below for
                // huge (fuzzed) words.
                continue;
            }
            let d = edit_distance(&word, &cand);
            if d > allowed {
                continue;
            }
            d
        };
        if best.is_none_or(|(b, _)| distance < b) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions
/// and swaps of neighbours each cost one (so `unifrom` is one from `uniform`).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    // Three rolling rows: the swap rule looks two rows back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            let mut best = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca) {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// `text` for quoting in a message, cut short (at a `char` boundary) if it
/// is long, so a mangled line does not produce a screenful of error.
pub(crate) fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_numbers_with_separators_and_fractions() {
        let d = scan_decimal("1_000.25ms").expect("a number");
        assert_eq!((d.int, d.frac, d.len), ("1_000", Some("25"), 8));
        let d = scan_decimal("7.ms").expect("a number");
        assert_eq!((d.int, d.frac, d.len), ("7", None, 1));
        assert!(scan_decimal("_1").is_none());
        assert!(scan_decimal(".5").is_none());
        assert!(scan_decimal("").is_none());
        assert_eq!(scan_decimal("12.5").map(Decimal::to_f64), Some(12.5));
    }

    #[test]
    fn suggests_near_misses_only() {
        let words = ["uniform", "normal", "exponential"];
        assert_eq!(closest("unifrom", &words), Some("uniform"));
        assert_eq!(closest("Uniform", &words), Some("uniform"));
        assert_eq!(closest("expo", &words), Some("exponential"));
        assert_eq!(closest("norml", &words), Some("normal"));
        assert_eq!(closest("normally", &words), Some("normal"));
        assert_eq!(closest("banana", &words), None);
        assert_eq!(edit_distance(&['a', 'b'], &['b', 'a']), 1);
        assert_eq!(edit_distance(&[], &['a', 'b']), 2);
    }

    #[test]
    fn shown_cuts_long_text_at_a_char_boundary() {
        assert_eq!(shown("short"), "short");
        let long = "µ".repeat(50);
        assert_eq!(shown(&long), format!("{}…", "µ".repeat(40)));
    }

    #[test]
    fn offset_shifts_the_span() {
        assert_eq!(ParseError::new("x", 2..5).offset(10).span, 12..15);
    }
}
