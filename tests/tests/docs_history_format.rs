//! Every example history in `docs/history-format.md` reads, and has the
//! verdict the doc gives it, so the reference cannot drift from the checker.
//!
//! The convention: a ```` ```jsonl ```` fence is a complete history. Its
//! info string may go on with a model and a verdict
//! (```` ```jsonl kv linearizable ````, ```` ```jsonl cas-register
//! not-linearizable ````): then the history is checked against that model
//! and must get that verdict.

use weft_check::history::History;
use weft_check::{Budget, Model, Verdict, check};

const DOC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/history-format.md"));

/// The fewest examples the doc may have: deleting examples fails the test.
const MIN_EXAMPLES: usize = 3;

/// Each ```jsonl block: its line in the doc, its info words, its text.
fn blocks() -> Vec<(usize, Vec<String>, String)> {
    let mut found = Vec::new();
    let mut lines = DOC.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```jsonl") else { continue };
        let words = info.split_whitespace().map(str::to_string).collect();
        let text: Vec<&str> = lines.by_ref().map(|(_, l)| l).take_while(|l| !l.starts_with("```")).collect();
        found.push((number + 1, words, text.join("\n")));
    }
    found
}

#[test]
fn every_example_history_reads_and_has_its_stated_verdict() {
    let examples = blocks();
    assert!(examples.len() >= MIN_EXAMPLES, "only {} examples in the doc", examples.len());
    let mut models = Vec::new();
    for (line, words, text) in examples {
        let history = History::from_json_lines(&text)
            .unwrap_or_else(|e| panic!("docs/history-format.md:{line}: the example does not read: {e}"));
        assert!(!history.is_empty(), "docs/history-format.md:{line}: an empty example");
        let [model, verdict] = &words[..] else {
            panic!("docs/history-format.md:{line}: say the model and the verdict: ```jsonl MODEL VERDICT");
        };
        let model: Model = model.parse().unwrap_or_else(|e| panic!("docs/history-format.md:{line}: {e}"));
        let report = check(&history, model, Budget::DEFAULT)
            .unwrap_or_else(|e| panic!("docs/history-format.md:{line}: {e}"));
        let got = match report.verdict {
            Verdict::Linearizable => "linearizable",
            Verdict::NotLinearizable { .. } => "not-linearizable",
            Verdict::Unknown { .. } => "unknown",
        };
        assert_eq!(got, verdict, "docs/history-format.md:{line}: the doc says {verdict}");
        models.push(model);
    }
    for model in Model::ALL {
        assert!(models.contains(&model), "the doc has no example for the {model} model");
    }
}
