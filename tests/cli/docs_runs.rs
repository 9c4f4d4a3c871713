//! The `$ weft run ...` examples of the pattern pages are real: each
//! command runs, and its output is what the page shows.
//!
//! A ```text block holds one or more commands, each a `$ ` line (continued
//! by a trailing `\`) followed by the output the page shows. An output that
//! starts with the `scenario` line must be the whole output; any other is an
//! excerpt (`...` marks what it leaves out), whose lines must appear in the
//! real output, in order. Only
//! the wall time and the delivery rate (`M/s`) may differ. A command shown
//! without output must run without a usage error.
//!
//! After a change that alters runs on purpose, `WEFT_UPDATE_DOCS=1 cargo
//! test --test cli docs_runs` rewrites the outputs: whole outputs in full,
//! excerpts line by line, each shown line replaced by the output's next
//! line with the same first word.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The pages whose examples are checked.
const PAGES: &[&str] = &[
    "docs/patterns/leader-election.md",
    "docs/patterns/ownership-election.md",
    "docs/patterns/replication.md",
    "docs/patterns/sharding.md",
    "docs/patterns/scatter-gather.md",
];

/// One command of a block, and the output the page shows for it.
struct Example {
    /// The command's lines, `$ ` and continuations included.
    command: Vec<String>,
    /// The output lines shown.
    shown: Vec<String>,
}

impl Example {
    /// A whole output starts where every run's does, with its `scenario`
    /// line; anything else is an excerpt.
    fn is_excerpt(&self) -> bool {
        !self.shown.first().is_some_and(|l| l.starts_with("scenario "))
    }

    /// The command as `sh` runs it, with `weft` the binary under test.
    fn shell_command(&self) -> String {
        let joined: Vec<&str> = self.command.iter().map(|l| l.trim_end_matches('\\').trim()).collect();
        let command = joined.join(" ");
        let command = command.strip_prefix("$ weft ").expect("examples start with `$ weft `");
        format!("\"$WEFT\" {command}")
    }
}

/// The examples of the ```text blocks of `page` that start with `$ weft run`,
/// with the byte range of each block's body.
fn examples(page: &str) -> Vec<(std::ops::Range<usize>, Vec<Example>)> {
    let mut blocks = Vec::new();
    let mut at = 0;
    while let Some(open) = page[at..].find("```text\n") {
        let start = at + open + "```text\n".len();
        let end = start + page[start..].find("```").expect("a closed block");
        at = end + 3;
        let body = &page[start..end];
        if !body.starts_with("$ weft run") {
            continue;
        }
        let mut list: Vec<Example> = Vec::new();
        let mut continued = false;
        for line in body.lines() {
            if line.starts_with("$ ") {
                list.push(Example { command: vec![line.to_string()], shown: Vec::new() });
                continued = line.ends_with('\\');
            } else if continued {
                let example = list.last_mut().expect("a command before");
                example.command.push(line.to_string());
                continued = line.ends_with('\\');
            } else {
                list.last_mut().expect("a command before").shown.push(line.to_string());
            }
        }
        blocks.push((start..end, list));
    }
    blocks
}

/// The line with what may differ between runs blanked: the wall time, and
/// the delivery rate (wall time again).
fn normalize(line: &str) -> String {
    let mut line = line.to_string();
    if line.starts_with("outcome ")
        && let Some(comma) = line.rfind(", ")
        && line.ends_with(" wall")
    {
        line.replace_range(comma.., ", <wall> wall");
    }
    if let (Some(open), Some(close)) = (line.find(" ("), line.find(" M/s)"))
        && open < close
    {
        line.replace_range(open..close + " M/s)".len(), " (<rate> M/s)");
    }
    line
}

/// Runs `example` in `dir`; its exit code and output lines.
fn run(example: &Example, dir: &Path) -> (Option<i32>, Vec<String>) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(example.shell_command())
        .env("WEFT", env!("CARGO_BIN_EXE_weft"))
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("sh runs");
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    (out.status.code(), text.lines().map(str::to_string).collect())
}

/// What the page should show for `example`, given its real `output`. A
/// line whose only difference is the wall time stays as the page has it.
/// An excerpt keeps its shape: each line it shows becomes the next line of
/// the output with the same first word (dropped if there is none), and its
/// `...` lines stay where they are.
fn refreshed(example: &Example, output: &[String]) -> Vec<String> {
    let keep_wall = |actual: &String, shown: Option<&String>| match shown {
        Some(shown) if normalize(shown) == normalize(actual) => shown.clone(),
        _ => actual.clone(),
    };
    if !example.is_excerpt() {
        return output.iter().enumerate().map(|(i, a)| keep_wall(a, example.shown.get(i))).collect();
    }
    let first_word = |l: &str| l.split_whitespace().next().map(str::to_string);
    let mut kept = Vec::new();
    let mut rest = output.iter();
    for shown in &example.shown {
        if shown.trim() == "..." {
            kept.push(shown.clone());
        } else if let Some(word) = first_word(shown) {
            let mut ahead = rest.clone();
            if let Some(actual) = ahead.find(|a| first_word(a).as_ref() == Some(&word)) {
                kept.push(keep_wall(actual, Some(shown)));
                rest = ahead;
            }
        }
    }
    kept
}

/// Why `output` does not match what `example` shows, if it does not.
fn mismatch(example: &Example, code: Option<i32>, output: &[String]) -> Option<String> {
    if code == Some(2) || code.is_none() {
        return Some(format!("it failed to run (exit {code:?})"));
    }
    if example.shown.iter().all(|l| l.trim().is_empty()) {
        return None;
    }
    let actual: Vec<String> = output.iter().map(|l| normalize(l)).collect();
    let shown: Vec<String> = example.shown.iter().map(|l| normalize(l)).collect();
    if example.is_excerpt() {
        let mut rest = actual.iter();
        for line in shown.iter().filter(|l| l.trim() != "..." && !l.is_empty()) {
            if !rest.any(|a| a == line) {
                return Some(format!("the run does not print, in this order: {line:?}"));
            }
        }
        None
    } else if actual != shown {
        let first =
            actual.iter().zip(&shown).position(|(a, s)| a != s).unwrap_or(actual.len().min(shown.len()));
        Some(format!(
            "line {}: the page shows {:?}, the run prints {:?}",
            first + 1,
            shown.get(first),
            actual.get(first)
        ))
    } else {
        None
    }
}

#[test]
fn the_pattern_pages_show_what_weft_run_prints() {
    let update = std::env::var_os("WEFT_UPDATE_DOCS").is_some();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("weft-doc-runs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let mut stale = Vec::new();
    let mut checked = 0;
    for page_path in PAGES {
        let path = root.join(page_path);
        let page = std::fs::read_to_string(&path).expect("the page");
        let mut rewritten = page.clone();
        // Back to front, so earlier ranges stay valid as later ones change.
        for (range, list) in examples(&page).into_iter().rev() {
            let mut body = Vec::new();
            for example in &list {
                let (code, output) = run(example, &dir);
                checked += 1;
                if let Some(why) = mismatch(example, code, &output) {
                    stale.push(format!("{page_path}: `{}`: {why}", example.command[0]));
                }
                body.extend(example.command.iter().cloned());
                if example.shown.iter().any(|l| !l.trim().is_empty()) {
                    body.extend(refreshed(example, &output));
                }
            }
            rewritten.replace_range(range, &(body.join("\n") + "\n"));
        }
        if update && rewritten != page {
            std::fs::write(&path, rewritten).expect("the page is writable");
        }
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
    assert!(checked >= 20, "only {checked} examples found: is the block format still `$ weft run`?");
    assert!(
        update || stale.is_empty(),
        "pattern pages out of date (WEFT_UPDATE_DOCS=1 cargo test --test cli docs_runs rewrites them):\n{}",
        stale.join("\n")
    );
}
