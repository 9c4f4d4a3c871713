//! Virtual time and node identities.
//!
//! The engine never reads the wall clock. Time is a [`SimTime`]: nanoseconds
//! of *virtual* time since the run began. Intervals are plain
//! [`std::time::Duration`]s, so units are always in the type, never in a bare
//! integer.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::parse::{Decimal, ParseError, closest, digits, scan_decimal, shown};

/// A point in virtual time: nanoseconds since the start of the run.
///
/// `SimTime` only moves forward, and only when the engine takes the next event
/// from its queue. Nodes read it through [`Ctx::now`](crate::Ctx::now) (the true
/// time) or [`Ctx::local_time`](crate::Ctx::local_time) (their own, possibly
/// skewed, clock).
///
/// ```
/// use std::time::Duration;
/// use weft_sim::SimTime;
///
/// let t = SimTime::ZERO + Duration::from_millis(1500);
/// assert_eq!(t.as_nanos(), 1_500_000_000);
/// assert_eq!(t.to_string(), "1.500000000s");
/// assert_eq!(t - SimTime::from_millis(500), Duration::from_secs(1));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SimTime(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The end of time; used as "no deadline".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// A time `nanos` nanoseconds after the start.
    pub const fn from_nanos(nanos: u64) -> SimTime {
        SimTime(nanos)
    }

    /// A time `millis` milliseconds after the start.
    pub const fn from_millis(millis: u64) -> SimTime {
        SimTime(millis * 1_000_000)
    }

    /// A time `secs` seconds after the start.
    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000_000)
    }

    /// Nanoseconds since the start.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time elapsed since the start, as a `Duration`.
    pub const fn since_start(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// `self + d`, saturating at [`SimTime::MAX`] instead of overflowing.
    pub fn saturating_add(self, d: Duration) -> SimTime {
        SimTime(self.0.saturating_add(duration_to_nanos(d)))
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// Converts a `Duration` to whole nanoseconds, saturating at `u64::MAX`
/// (about 584 years of virtual time).
pub(crate) fn duration_to_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Reads a duration written as a number and a unit, such as `150ms`, `2s`,
/// `1.5ms`, `250us` or `250µs`: the inverse of `Duration`'s `Debug` form, so
/// `parse_duration(&format!("{d:?}"))` gives back exactly `d`.
///
/// The number is decimal, with an optional fraction and optional `_` digit
/// separators (`1_000ms`); the unit follows it directly and is one of `ns`,
/// `us` (or `µs`), `ms`, `s`, `m` (minutes) or `h`. Whitespace around the
/// whole is ignored; nothing else may follow.
///
/// The arithmetic is exact (integers, not floating point): `0.1s` is exactly
/// 100 ms. A value that is not a whole number of nanoseconds (`0.5ns`,
/// `1.0000000001s`) is an error rather than being rounded, as are negative
/// numbers, a missing or unknown unit, and durations beyond
/// [`Duration::MAX`]. Every error's [`span`](ParseError::span) points at the
/// offending part of `text`.
///
/// ```
/// use std::time::Duration;
/// use weft_sim::time::parse_duration;
///
/// assert_eq!(parse_duration("150ms")?, Duration::from_millis(150));
/// assert_eq!(parse_duration(" 1.5µs ")?, Duration::from_nanos(1_500));
/// assert_eq!(parse_duration("1m")?, Duration::from_secs(60));
///
/// // Whatever `Debug` prints reads back exactly.
/// let d = Duration::new(12_345, 678_000_001);
/// assert_eq!(parse_duration(&format!("{d:?}"))?, d);
///
/// let err = parse_duration("150").expect_err("no unit");
/// assert!(err.message.contains("ns, us, µs, ms, s, m, h"));
/// assert_eq!(err.span, 0..3);
/// # Ok::<(), weft_sim::ParseError>(())
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, ParseError> {
    let body = text.trim();
    if body.is_empty() {
        return Err(ParseError::new("expected a duration such as `150ms`, found nothing", 0..text.len()));
    }
    let start = text.len() - text.trim_start().len();
    parse_duration_token(body).map_err(|e| e.offset(start))
}

/// The units a duration may carry, and their length in nanoseconds. A unit
/// must match the whole rest of its token, so their order does not matter.
const UNITS: [(&str, u128); 7] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// True if `word` is exactly one of the duration units (`ms`, `µs`, …).
pub(crate) fn is_unit(word: &str) -> bool {
    UNITS.iter().any(|(u, _)| *u == word)
}

/// The units as a message lists them.
const UNIT_LIST: &str = "ns, us, µs, ms, s, m, h";

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Reads one duration from `token`, which has no surrounding whitespace;
/// spans are relative to `token`. [`parse_duration`] and the latency parser
/// share this, so a duration inside a latency reads exactly like one alone.
pub(crate) fn parse_duration_token(token: &str) -> Result<Duration, ParseError> {
    let Some(number) = scan_decimal(token) else {
        return Err(not_a_number(token));
    };
    let rest = token.get(number.len..).unwrap_or_default();
    let number_span = 0..number.len;
    // The unit is the next run of non-space characters; anything after it is
    // reported separately, so the message names the right culprit.
    let unit_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (unit, after) = rest.split_at(unit_len);
    let unit_span = number.len..number.len + unit_len;

    if unit.is_empty() {
        let shown_number = shown(&token[number_span.clone()]);
        let next = after.trim();
        if is_unit(next) {
            return Err(ParseError::new(
                format!("write the unit directly after the number, without a space: `{shown_number}{next}`"),
                0..token.len(),
            ));
        }
        return Err(ParseError::new(
            format!("`{shown_number}` needs a unit, such as `{shown_number}ms`; expected one of {UNIT_LIST}"),
            number_span,
        ));
    }
    if let Some(after_point) = unit.strip_prefix('.') {
        let message = if after_point.starts_with(|c: char| c.is_ascii_digit()) {
            "a number can have only one decimal point"
        } else {
            "expected a digit after the decimal point"
        };
        return Err(ParseError::new(message, unit_span.start..unit_span.start + 1));
    }
    let Some(&(_, unit_nanos)) = UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err(unknown_unit(unit, unit_span));
    };
    if !after.trim().is_empty() {
        let extra = after.trim_start();
        let extra_start = token.len() - extra.len();
        return Err(ParseError::new(
            format!("unexpected `{}` after the duration", shown(extra)),
            extra_start..token.len(),
        ));
    }

    let written = &token[..number.len + unit_len];
    let too_long = || {
        ParseError::new(
            format!("`{}` is too long: the longest duration is {:?}", shown(written), Duration::MAX),
            0..written.len(),
        )
    };
    let nanos = scaled_nanos(number, unit_nanos).map_err(|problem| match problem {
        Problem::TooLarge => too_long(),
        Problem::BelowNanosecond => ParseError::new(
            format!(
                "`{}` is not a whole number of nanoseconds (durations have nanosecond resolution)",
                shown(written)
            ),
            0..written.len(),
        ),
    })?;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| too_long())?;
    // The remainder is below 10^9, so it fits a u32 without loss.
    let subsec = (nanos % NANOS_PER_SEC) as u32;
    Ok(Duration::new(secs, subsec))
}

/// Why a well-formed number times its unit is not a valid duration.
enum Problem {
    TooLarge,
    BelowNanosecond,
}

/// `number × unit_nanos`, exactly, as whole nanoseconds.
fn scaled_nanos(number: Decimal<'_>, unit_nanos: u128) -> Result<u128, Problem> {
    let mut whole: u128 = 0;
    for d in digits(number.int) {
        whole = whole.checked_mul(10).and_then(|w| w.checked_add(u128::from(d))).ok_or(Problem::TooLarge)?;
    }
    let whole_nanos = whole.checked_mul(unit_nanos).ok_or(Problem::TooLarge)?;

    // Trailing zeros of a fraction change nothing (`1.500000000000s`).
    let fraction = number.frac.unwrap_or_default().trim_end_matches(['0', '_']);
    let places = digits(fraction).count();
    // The largest unit is 3.6e12 ns = 2^13·3^2·5^11 ns, so a fraction whose
    // last digit is not zero is a whole number of nanoseconds only if it has
    // at most 13 places; capping at 18 keeps the products below in range.
    if places > 18 {
        return Err(Problem::BelowNanosecond);
    }
    let mut numerator: u128 = 0;
    for d in digits(fraction) {
        numerator = numerator * 10 + u128::from(d);
    }
    // numerator < 10^18 and unit_nanos <= 3.6e12: the product is < 2^102.
    let scaled = numerator * unit_nanos;
    let denominator = 10u128.pow(places as u32);
    if !scaled.is_multiple_of(denominator) {
        return Err(Problem::BelowNanosecond);
    }
    whole_nanos.checked_add(scaled / denominator).ok_or(Problem::TooLarge)
}

/// The error for a token that does not start with a digit.
fn not_a_number(token: &str) -> ParseError {
    let word_len = token.find(char::is_whitespace).unwrap_or(token.len());
    let word = &token[..word_len];
    let message = if word.starts_with('-') {
        "a duration cannot be negative".to_owned()
    } else if word.starts_with('.') && word[1..].starts_with(|c: char| c.is_ascii_digit()) {
        format!("write a digit before the decimal point, as in `0{}`", shown(word))
    } else {
        format!("expected a duration such as `150ms` or `1.5s`, found `{}`", shown(word))
    };
    ParseError::new(message, 0..word_len)
}

/// The error for a unit that is not one of [`UNITS`], with a suggestion when
/// the unit looks like a spelling of one of them.
fn unknown_unit(unit: &str, span: std::ops::Range<usize>) -> ParseError {
    // Spellings people reach for; the edit distance alone would miss most
    // of these (`sec` is two edits from `s`, too many for a 3-letter word).
    const ALIASES: [(&str, &str); 28] = [
        ("nsec", "ns"),
        ("nsecs", "ns"),
        ("nanos", "ns"),
        ("nanosecond", "ns"),
        ("nanoseconds", "ns"),
        ("usec", "us"),
        ("usecs", "us"),
        ("micros", "us"),
        ("microsecond", "us"),
        ("microseconds", "us"),
        ("μs", "µs"), // Greek small mu, not the micro sign `Debug` prints
        ("msec", "ms"),
        ("msecs", "ms"),
        ("millis", "ms"),
        ("millisecond", "ms"),
        ("milliseconds", "ms"),
        ("sec", "s"),
        ("secs", "s"),
        ("second", "s"),
        ("seconds", "s"),
        ("min", "m"),
        ("mins", "m"),
        ("minute", "m"),
        ("minutes", "m"),
        ("hr", "h"),
        ("hrs", "h"),
        ("hour", "h"),
        ("hours", "h"),
    ];
    let lower = unit.to_lowercase();
    let unit_names: Vec<&str> = UNITS.iter().map(|(u, _)| *u).collect();
    let suggestion = ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, unit)| *unit)
        .or_else(|| closest(unit, &unit_names));
    let hint = suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
    ParseError::new(format!("unknown unit `{}`; expected one of {UNIT_LIST}{hint}", shown(unit)), span)
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for SimTime {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub for SimTime {
    type Output = Duration;
    /// The duration between two times; panics if `rhs` is later, because a
    /// negative interval always means a logic error in the caller.
    fn sub(self, rhs: SimTime) -> Duration {
        let nanos =
            self.0.checked_sub(rhs.0).expect("SimTime subtraction went negative: the right side is later");
        Duration::from_nanos(nanos)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}s", self.0 / 1_000_000_000, self.0 % 1_000_000_000)
    }
}

impl fmt::Debug for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The identity of a node: its index, `0..node_count`, in the order the
/// builder added it.
///
/// ```
/// use weft_sim::NodeId;
/// let n = NodeId::new(3);
/// assert_eq!(n.index(), 3);
/// assert_eq!(n.to_string(), "n3");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(u32);

impl NodeId {
    /// The node with index `index`.
    pub const fn new(index: u32) -> NodeId {
        NodeId(index)
    }

    /// The node's index, usable to index a `Vec` of per-node data.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The node's index as a `u32`.
    pub const fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(text: &str) -> Duration {
        parse_duration(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    fn err(text: &str) -> ParseError {
        let e = parse_duration(text).expect_err(text);
        assert!(text.get(e.span.clone()).is_some(), "span {:?} not inside {text:?}", e.span);
        e
    }

    #[test]
    fn reads_every_unit() {
        assert_eq!(ok("150ms"), Duration::from_millis(150));
        assert_eq!(ok("2s"), Duration::from_secs(2));
        assert_eq!(ok("1.5ms"), Duration::from_micros(1_500));
        assert_eq!(ok("250us"), Duration::from_micros(250));
        assert_eq!(ok("250µs"), Duration::from_micros(250));
        assert_eq!(ok("0ns"), Duration::ZERO);
        assert_eq!(ok("7ns"), Duration::from_nanos(7));
        assert_eq!(ok("1m"), Duration::from_secs(60));
        assert_eq!(ok("1.5h"), Duration::from_secs(5_400));
        assert_eq!(ok("0.000001s"), Duration::from_micros(1));
    }

    #[test]
    fn reads_separators_whitespace_and_trailing_zeros() {
        assert_eq!(ok("1_000ms"), Duration::from_secs(1));
        assert_eq!(ok("0.000_001s"), Duration::from_micros(1));
        assert_eq!(ok("  \t10ms\n"), Duration::from_millis(10));
        assert_eq!(ok("1.500000000000000000000000s"), Duration::from_millis(1_500));
        assert_eq!(ok("007ms"), Duration::from_millis(7));
    }

    #[test]
    fn reads_what_debug_prints_at_the_extremes() {
        for d in [Duration::MAX, Duration::ZERO, Duration::new(1, 1), Duration::new(12_345, 678_000_000)] {
            assert_eq!(ok(&format!("{d:?}")), d);
        }
        assert_eq!(ok("18446744073709551615.999999999s"), Duration::MAX);
        // A fraction of a large unit that is still whole nanoseconds.
        assert_eq!(ok("0.00000000001h"), Duration::from_nanos(36));
        assert_eq!(ok("0.0000000000025h"), Duration::from_nanos(9)); // 13 places
        assert!(parse_duration("0.0000000000001h").is_err()); // 0.36 ns
    }

    #[test]
    fn a_missing_unit_is_named_and_the_units_listed() {
        let e = err("150");
        assert_eq!(e.span, 0..3);
        assert!(e.message.contains("needs a unit"), "{}", e.message);
        assert!(e.message.contains("ns, us, µs, ms, s, m, h"), "{}", e.message);
        assert_eq!(err("  1.5 ").span, 2..5);
    }

    #[test]
    fn unknown_units_point_at_the_unit_and_suggest_one() {
        let e = err("150sec");
        assert_eq!(e.span, 3..6);
        assert_eq!(
            e.message,
            "unknown unit `sec`; expected one of ns, us, µs, ms, s, m, h (did you mean `s`?)"
        );
        assert!(err("10MS").message.contains("did you mean `ms`?"));
        assert!(err("10mss").message.contains("did you mean `ms`?"));
        assert!(err("10μs").message.contains("did you mean `µs`?")); // Greek mu
        assert!(err("10minutes").message.contains("did you mean `m`?"));
        // `µ` is two bytes: the span must not split it.
        let e = err("10µs!");
        assert_eq!(e.span, 2..6, "{}", e.message);
        assert_eq!(err("10 µs!").span, 0..2);
        let e = err("5days");
        assert_eq!(e.span, 1..5);
        assert!(!e.message.contains("did you mean"), "{}", e.message);
    }

    #[test]
    fn malformed_numbers_are_errors() {
        let e = err("-5ms");
        assert!(e.message.contains("negative"), "{}", e.message);
        assert_eq!(e.span, 0..4);
        assert_eq!(err(".5ms").span, 0..4);
        assert!(err(".5ms").message.contains("`0.5ms`"));
        assert_eq!(err("1.ms").span, 1..2);
        assert!(err("1.2.3ms").message.contains("one decimal point"));
        assert_eq!(err("ms").span, 0..2);
        assert_eq!(err("_1ms").span, 0..4);
        assert_eq!(err("+1ms").span, 0..4);
        assert_eq!(err("1e3ms").span, 1..5);
    }

    #[test]
    fn spaces_and_trailing_text_are_errors() {
        let e = err("150 ms");
        assert_eq!(e.span, 0..6);
        assert!(e.message.contains("`150ms`"), "{}", e.message);
        let e = err("10ms 20ms");
        assert_eq!(e.span, 5..9);
        assert!(e.message.contains("unexpected `20ms`"), "{}", e.message);
    }

    #[test]
    fn empty_input_is_an_error() {
        assert_eq!(err("").span, 0..0);
        assert_eq!(err("   ").span, 0..3);
    }

    #[test]
    fn sub_nanosecond_values_are_rejected_not_rounded() {
        for text in ["0.5ns", "1.0000000001s", "0.0001us", "0.1234567891234567891234s"] {
            let e = err(text);
            assert!(e.message.contains("whole number of nanoseconds"), "{text}: {}", e.message);
            assert_eq!(e.span, 0..text.len());
        }
    }

    #[test]
    fn overflow_is_an_error() {
        for text in
            ["18446744073709551616s", "5124095576030432h", "99999999999999999999999999999999999999999ns"]
        {
            let e = err(text);
            assert!(e.message.contains("too long"), "{text}: {}", e.message);
            assert_eq!(e.span, 0..text.len());
        }
    }

    /// Durations of every magnitude `Debug` prints differently: ns, µs, ms, s.
    fn any_duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            (0u64..1_000).prop_map(Duration::from_nanos),
            (0u64..1_000_000_000).prop_map(Duration::from_nanos),
            any::<u64>().prop_map(Duration::from_nanos),
            (0u64..=1_000_000_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
            (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        ]
    }

    proptest! {
        #[test]
        fn debug_output_reads_back_exactly(d in any_duration()) {
            prop_assert_eq!(parse_duration(&format!("{d:?}")), Ok(d));
        }

        #[test]
        fn never_panics_and_spans_stay_inside(text in "\\PC{0,24}") {
            if let Err(e) = parse_duration(&text) {
                prop_assert!(text.get(e.span.clone()).is_some(), "{:?} in {:?}", e.span, text);
            }
        }

        #[test]
        fn near_misses_never_panic(text in "[ 0-9_.µsmunh-]{0,16}") {
            if let Err(e) = parse_duration(&text) {
                prop_assert!(text.get(e.span.clone()).is_some(), "{:?} in {:?}", e.span, text);
            }
        }
    }
}
