//! Every example in `docs/scenario-format.md` loads (or, if it shows a
//! mistake, fails the way the doc says), so the reference cannot drift from
//! the loader.
//!
//! The convention the doc follows, fence by fence:
//!
//! - ```` ```toml ````: a complete scenario. It must load on its own.
//! - ```` ```toml fragment ````: part of a scenario (one section, a few
//!   keys). The test wraps it into a scenario before loading it: it puts
//!   `name`, `description` and `pattern` in front (each only if the fragment
//!   does not set that key itself) and, only if the fragment has no
//!   `[workload]` and the pattern takes one, a small default workload after it. The pattern is `flood`
//!   unless the fragment's first line is `# pattern: NAME` or the fragment
//!   sets `pattern` itself.
//! - ```` ```toml error ```` and ```` ```toml fragment error ````: an example
//!   of a mistake. It must *fail* to load, and it must be followed (after
//!   blank lines only) by a ```` ```text ```` block showing the error: its
//!   first line starts with `error: `, every line that starts with `error: `
//!   appears in the rendered diagnostics, and there are as many such lines
//!   as mistakes reported (so an example fails only for the reason it shows).
//!
//! Complete examples that load are also run once with their own seed, and
//! must pass (every check holds, or the expected violation happens): the doc
//! says what they do.
//!
//! Other fences (`sh`, `text`, ...) are not checked. Examples are loaded with
//! `Scenario::load` and no `--set`; a failure names the example's line in the
//! markdown and prints the diagnostics (and, for a fragment, the text loaded).

// Every top-level key the loader accepts, in the order the doc explains them.
use weft_scenarios::scenario::TOP_LEVEL_KEYS as TOP_LEVEL;
use weft_scenarios::{Diagnostics, RunOptions, Scenario};

const DOC_PATH: &str = "docs/scenario-format.md";
const DOC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scenario-format.md"));

/// The fewest examples the doc may have: deleting examples fails the test.
const MIN_EXAMPLES: usize = 40;

/// A fenced block of the doc.
#[derive(Debug)]
struct Block {
    /// The 1-based line of its opening fence.
    line: usize,
    /// The words after the opening backticks: `["toml", "fragment"]`.
    info: Vec<String>,
    /// Its text, without the fences.
    text: String,
    /// True if only blank lines separate it from the block before it.
    follows_closely: bool,
}

/// How a `toml` example is to be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Kind {
    fragment: bool,
    error: bool,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    let mut only_blank_since_close = false;
    for (index, line) in doc.lines().enumerate() {
        let trimmed = line.trim_start();
        match open.take() {
            Some(mut block) => {
                if trimmed.starts_with("```") {
                    blocks.push(block);
                    only_blank_since_close = true;
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                    open = Some(block);
                }
            }
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some(Block {
                        line: index + 1,
                        info: info.split_whitespace().map(str::to_string).collect(),
                        text: String::new(),
                        follows_closely: only_blank_since_close,
                    });
                } else if !trimmed.is_empty() {
                    only_blank_since_close = false;
                }
            }
        }
    }
    assert!(open.is_none(), "{DOC_PATH}: a fenced block is never closed");
    blocks
}

/// The kind of a `toml` block; panics on an info string the convention does
/// not know, so a typo cannot make an example go unchecked.
fn kind(block: &Block) -> Option<Kind> {
    let (first, rest) = block.info.split_first()?;
    if first != "toml" {
        return None;
    }
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    let kind = match words.as_slice() {
        [] => Kind { fragment: false, error: false },
        ["fragment"] => Kind { fragment: true, error: false },
        ["error"] => Kind { fragment: false, error: true },
        ["fragment", "error"] => Kind { fragment: true, error: true },
        _ => panic!(
            "{DOC_PATH}:{}: unknown fence ```{}: use toml, toml fragment, toml error or toml fragment error",
            block.line,
            block.info.join(" ")
        ),
    };
    Some(kind)
}

/// The value of a top-level `key = "value"` line written before any table
/// header, if the fragment sets `key`.
fn top_level_value<'a>(fragment: &'a str, key: &str) -> Option<&'a str> {
    for line in fragment.lines().map(str::trim) {
        if line.starts_with('[') {
            return None;
        }
        if let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().trim_matches('"'));
        }
    }
    None
}

/// A fragment made into a whole scenario (see the module docs).
fn wrap(fragment: &str) -> String {
    let declared = fragment.lines().next().and_then(|l| l.trim().strip_prefix("# pattern:")).map(str::trim);
    let pattern = top_level_value(fragment, "pattern").or(declared).unwrap_or("flood");
    let mut text = String::new();
    if top_level_value(fragment, "name").is_none() {
        text.push_str("name = \"example\"\n");
    }
    if top_level_value(fragment, "description").is_none() {
        text.push_str("description = \"a fragment of docs/scenario-format.md\"\n");
    }
    if top_level_value(fragment, "pattern").is_none() {
        text.push_str(&format!("pattern = \"{pattern}\"\n"));
    }
    text.push_str(fragment);
    let has_workload = top_level_value(fragment, "workload").is_some()
        || fragment.lines().any(|l| l.trim().starts_with("[workload"));
    // A small workload, for the patterns that take one: closed loop if
    // they run only closed loops, open loop otherwise.
    let support = weft_scenarios::catalog::find(pattern).ok().and_then(|entry| entry.info().workload);
    if let Some(support) = support.filter(|_| !has_workload) {
        text.push_str(if support.open_loop {
            "\n[workload]\nrate = \"100/s\"\nrequests = 10\n"
        } else {
            "\n[workload]\nrequests = 10\n"
        });
    }
    text
}

fn load(text: &str) -> Result<Scenario, Diagnostics> {
    Scenario::load("example.toml", text, &[], "example.toml")
}

#[test]
fn every_example_in_the_scenario_format_doc_loads() {
    let blocks = blocks(DOC);
    let mut failures = Vec::new();
    let mut examples = 0;
    for (i, block) in blocks.iter().enumerate() {
        let Some(kind) = kind(block) else { continue };
        examples += 1;
        let text = if kind.fragment { wrap(&block.text) } else { block.text.clone() };
        let at = format!("{DOC_PATH}:{}", block.line);
        let shown = if kind.fragment { format!("\nloaded as:\n{text}") } else { String::new() };
        match (load(&text), kind.error) {
            (Ok(scenario), false) if !kind.fragment => {
                // A complete example is meant to be run: it must do what it says.
                match scenario.run(&RunOptions { seed: scenario.seed, keep_trace: false }) {
                    Ok(report) if report.verdict().passed() => {}
                    Ok(report) => failures.push(format!(
                        "{at}: this example loads, but its run fails its checks: {:?} {:?}",
                        report.verdict(),
                        report.violations
                    )),
                    Err(e) => failures.push(format!("{at}: this example loads, but cannot run: {e}")),
                }
            }
            (Ok(_), false) => {}
            (Err(diagnostics), false) => {
                failures.push(format!("{at}: this example does not load:\n{diagnostics}{shown}"))
            }
            (Ok(_), true) => {
                failures.push(format!("{at}: this example shows a mistake, but it loads{shown}"))
            }
            (Err(diagnostics), true) => {
                let shown_error = blocks.get(i + 1).filter(|b| b.follows_closely && b.info == ["text"]);
                let Some(shown_error) = shown_error else {
                    failures.push(format!(
                        "{at}: an error example must be followed by a ```text block showing the error"
                    ));
                    continue;
                };
                let rendered = diagnostics.to_string();
                let first = shown_error.text.lines().next().unwrap_or_default();
                if !first.starts_with("error: ") {
                    failures.push(format!(
                        "{DOC_PATH}:{}: the error shown should start with `error: `, found `{first}`",
                        shown_error.line
                    ));
                }
                let lines: Vec<&str> =
                    shown_error.text.lines().filter(|l| l.starts_with("error: ")).collect();
                if lines.len() != diagnostics.list.len() {
                    failures.push(format!(
                        "{at}: the doc shows {} error(s) (line {}), the loader reports {}:\n{rendered}{shown}",
                        lines.len(),
                        shown_error.line,
                        diagnostics.list.len()
                    ));
                }
                for line in lines {
                    if !rendered.contains(line) {
                        failures.push(format!(
                            "{at}: the loader does not report\n  {line}\nas the doc shows (line {}); it reports:\n{rendered}{shown}",
                            shown_error.line
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {examples} examples are wrong:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        examples >= MIN_EXAMPLES,
        "{DOC_PATH} has {examples} toml examples; expected at least {MIN_EXAMPLES}"
    );
}

#[test]
fn the_doc_has_a_heading_for_every_top_level_key_in_order() {
    // Headings are `#` lines outside fenced blocks (TOML comments start with `#` too).
    let mut in_fence = false;
    let mut headings: Vec<(usize, &str)> = Vec::new();
    for (i, line) in DOC.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.starts_with('#') {
            headings.push((i + 1, line));
        }
    }
    let mut previous: Option<(usize, &str)> = None;
    for key in TOP_LEVEL {
        let written = [format!("`{key}`"), format!("`[{key}]`"), format!("`[[{key}]]`")];
        let found = headings.iter().find(|(_, h)| written.iter().any(|w| h.contains(w.as_str())));
        let Some(&(line, _)) = found else {
            panic!("{DOC_PATH} has no heading for the top-level key `{key}`");
        };
        if let Some((before, previous_key)) = previous {
            assert!(
                line > before,
                "{DOC_PATH}:{line}: the heading for `{key}` comes before the one for `{previous_key}` (line {before})"
            );
        }
        previous = Some((line, key));
    }
}

#[test]
fn fragments_are_wrapped_as_the_convention_says() {
    // A plain fragment gets the header and the default flood workload.
    let wrapped = wrap("[network]\nloss = 0.1\n");
    assert!(wrapped.starts_with("name = \"example\"\n"), "{wrapped}");
    assert!(wrapped.contains("pattern = \"flood\"") && wrapped.contains("rate = \"100/s\""), "{wrapped}");
    load(&wrapped).expect("a wrapped fragment loads");

    // `# pattern:` picks the pattern, and its default workload.
    let wrapped = wrap("# pattern: ping-pong\n[nodes]\npinger = 1\n");
    assert!(wrapped.contains("pattern = \"ping-pong\"") && !wrapped.contains("rate"), "{wrapped}");
    load(&wrapped).expect("a ping-pong fragment loads");

    // A fragment's own workload and top-level keys are not doubled.
    let wrapped = wrap("name = \"mine\"\n[workload]\nrate = 5\nrequests = 1\n");
    assert_eq!(wrapped.matches("[workload]").count(), 1, "{wrapped}");
    assert_eq!(wrapped.matches("name =").count(), 1, "{wrapped}");
    load(&wrapped).expect("a fragment with its own workload loads");
}

#[test]
fn the_readme_scenario_loads_and_holds() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    let blocks: Vec<&str> = readme.split("```toml\n").skip(1).filter_map(|b| b.split("```").next()).collect();
    assert!(!blocks.is_empty(), "the README shows a scenario file");
    for text in blocks {
        let scenario = Scenario::load("README.md", text, &[], "README.md").unwrap_or_else(|e| panic!("{e}"));
        let report = scenario.run(&RunOptions { seed: scenario.seed, keep_trace: false }).expect("runs");
        assert!(report.verdict().passed(), "README scenario: {:?}", report.violations);
    }
}
