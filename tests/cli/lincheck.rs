//! `weft lincheck`: exit codes 0 (linearizable), 1 (not), 2 (bad input),
//! 3 (undecided), located errors, `--json`, standard input, and the outputs
//! shown in docs/history-format.md.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{doc_block, scratch, stderr, stdout, weft};

const DOC: &str = "docs/history-format.md";

/// Writes `text` to a file in a scratch directory; returns its path.
fn file(test: &str, name: &str, text: &str) -> String {
    let path = scratch(test).join(name);
    std::fs::write(&path, text).expect("scratch file written");
    path.to_str().expect("utf-8 path").to_string()
}

const LINEARIZABLE: &str = r#"{"process": 0, "type": "invoke", "f": "write", "value": 1}
{"process": 1, "type": "invoke", "f": "read"}
{"process": 0, "type": "ok", "f": "write", "value": 1}
{"process": 1, "type": "ok", "f": "read", "value": null}
"#;

const STALE_READ: &str = r#"{"process": 0, "type": "invoke", "f": "write", "value": 1}
{"process": 0, "type": "ok", "f": "write", "value": 1}
{"process": 1, "type": "invoke", "f": "write", "value": 2}
{"process": 1, "type": "ok", "f": "write", "value": 2}
{"process": 2, "type": "invoke", "f": "read"}
{"process": 2, "type": "ok", "f": "read", "value": 1}
"#;

#[test]
fn a_linearizable_history_exits_0_with_a_one_line_summary() {
    let path = file("lincheck-ok", "h.jsonl", LINEARIZABLE);
    let out = weft(&["lincheck", "--model", "register", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "linearizable: 2 operations by 2 processes (register); 2 states explored\n");
}

#[test]
fn a_violation_exits_1_with_its_window_on_a_timeline() {
    let path = file("lincheck-bad", "h.jsonl", STALE_READ);
    let out = weft(&["lincheck", "--model", "cas-register", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("NOT linearizable: 3 operations by 3 processes (cas-register)"), "{text}");
    assert!(
        text.contains(
            "read → 1 by p2 cannot take effect: it returned 1, but while it ran the register could only hold 2 \
             (after write 2 by p1)"
        ),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('p')).collect();
    assert_eq!(rows.len(), 2, "one row for p1's write, one for p2's read: {text}");
    assert!(rows[0].starts_with("p1  |") && rows[0].contains("write 2"), "{text}");
    assert!(rows[1].starts_with("p2 ") && rows[1].contains("==read → 1=="), "{text}");
    assert!(
        text.lines().all(|l| l.chars().count() <= 80 || !l.contains('|')),
        "the timeline fits 80 columns"
    );
}

#[test]
fn json_output_is_the_report() {
    let path = file("lincheck-json", "h.jsonl", STALE_READ);
    let out = weft(&["lincheck", "--model", "register", &path, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["verdict"], "not-linearizable");
    assert_eq!(json["model"], "register");
    assert_eq!(json["operations"], 3);
    assert_eq!(json["violation"]["operation"]["process"], 2);
    assert_eq!(json["violation"]["window"]["operations"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["violation"]["states"], serde_json::json!([2]));
    // (0 here: the quick test before the search saw that 1 was overwritten.)
    assert!(json["states_explored"].as_u64().is_some(), "{json}");
}

#[test]
fn dash_reads_the_history_from_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["lincheck", "--model", "register", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("weft runs");
    child.stdin.take().expect("a pipe").write_all(STALE_READ.as_bytes()).expect("written");
    let out = child.wait_with_output().expect("weft finishes");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let bad = "{\"process\": 0, \"type\": \"ok\", \"f\": \"read\", \"value\": 1}\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["lincheck", "--model", "register", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("weft runs");
    child.stdin.take().expect("a pipe").write_all(bad.as_bytes()).expect("written");
    let out = child.wait_with_output().expect("weft finishes");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: <stdin>:1:24: process 0 completes an operation it never invoked"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn mistakes_in_the_file_exit_2_at_their_line_and_column() {
    let text = LINEARIZABLE.replace(r#""type": "ok", "f": "read""#, r#""type": "done", "f": "read""#);
    let path = file("lincheck-parse", "h.jsonl", &text);
    let out = weft(&["lincheck", "--model", "register", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("error: {path}:4:24: expected \"invoke\", \"ok\", \"fail\" or \"info\", found \"done\"\n")
    );
    assert_eq!(stdout(&out), "", "nothing on standard output");

    let path = file("lincheck-model", "h.jsonl", LINEARIZABLE);
    let out = weft(&["lincheck", "--model", "kv", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {path}:1:39: `write` is not an operation of the kv model (it has get, put, append)\n"
        )
    );
}

#[test]
fn bad_flags_and_missing_files_exit_2() {
    let path = file("lincheck-flags", "h.jsonl", LINEARIZABLE);
    for args in [
        &["lincheck", "--model", "cas", &path][..],
        &["lincheck", &path],
        &["lincheck", "--model", "register", "/nonexistent-dir/h.jsonl"],
        &["lincheck", "--model", "register", &path, "--timeout", "5"],
        &["lincheck", "--model", "register", &path, "--max-states", "-1"],
    ] {
        let out = weft(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("error"), "{args:?}: {}", stderr(&out));
    }
    let out = weft(&["lincheck", "--model", "cas", &path]);
    assert!(stderr(&out).contains("cas-register"), "the error suggests the right name: {}", stderr(&out));
}

/// Thirty concurrent writes of different values, and meanwhile reads of
/// 0, 1, then 0 again (written once, it cannot come back): deciding it takes
/// the search about a billion configurations, and every value read was
/// written, so no quick test rejects it first.
fn pathological() -> String {
    let mut text = String::new();
    for p in 0..30 {
        text += &format!("{{\"process\": {p}, \"type\": \"invoke\", \"f\": \"write\", \"value\": {p}}}\n");
    }
    for value in [0, 1, 0] {
        text += "{\"process\": 99, \"type\": \"invoke\", \"f\": \"read\"}\n";
        text += &format!("{{\"process\": 99, \"type\": \"ok\", \"f\": \"read\", \"value\": {value}}}\n");
    }
    for p in 0..30 {
        text += &format!("{{\"process\": {p}, \"type\": \"ok\", \"f\": \"write\", \"value\": {p}}}\n");
    }
    text
}

#[test]
fn out_of_budget_exits_3_and_says_so() {
    let path = file("lincheck-budget", "h.jsonl", &pathological());
    let out = weft(&["lincheck", "--model", "register", &path, "--max-states", "1000"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("unknown (gave up): 33 operations by 31 processes (register); 1001 states explored"),
        "{text}"
    );
    assert!(text.contains("gave up: the search explored its limit of 1000 states (--max-states)"), "{text}");

    let out = weft(&["lincheck", "--model", "register", &path, "--timeout", "50ms"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stdout(&out).contains("gave up: the search was interrupted (--timeout)"), "{}", stdout(&out));
}

#[test]
fn the_docs_show_real_outputs() {
    // The cas example, its output, and the error of its broken variant.
    let history = doc_block(DOC, "jsonl cas-register not-linearizable", 0);
    let dir = scratch("lincheck-doc");
    std::fs::write(dir.join("cas.jsonl"), &history).expect("written");
    let run = |file: &str| {
        Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(["lincheck", "--model", "cas-register", file])
            .current_dir(&dir)
            .output()
            .expect("weft runs")
    };
    let out = run("cas.jsonl");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), doc_block(DOC, "text", 1), "{DOC} shows another output");

    let broken: Vec<String> = history
        .lines()
        .enumerate()
        .map(
            |(i, l)| {
                if i == 4 { l.replace(r#""swapped": true"#, r#""swapped": "yes""#) } else { l.to_string() }
            },
        )
        .collect();
    std::fs::write(dir.join("cas.jsonl"), broken.join("\n")).expect("written");
    let out = run("cas.jsonl");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), doc_block(DOC, "text", 2), "{DOC} shows another error");

    // The kv example's one-line summary.
    std::fs::write(dir.join("kv.jsonl"), doc_block(DOC, "jsonl kv linearizable", 0)).expect("written");
    let out = weft(&["lincheck", "--model", "kv", dir.join("kv.jsonl").to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), doc_block(DOC, "text", 0));
}

#[test]
fn a_run_history_checks_as_the_run_judged_it() {
    let dir = scratch("lincheck-run");
    let history = dir.join("reads.jsonl").display().to_string();
    // Followers answer reads from their own copies: the run's own check
    // finds a stale read (the violation this scenario expects)...
    let run = weft(&["run", "replication-follower-reads", "--history", &history]);
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    assert!(stdout(&run).contains("✗ (expected) linearizable"), "{}", stdout(&run));
    // ...and so does the checker, given the history the run wrote.
    let checked = weft(&["lincheck", "--model", "kv", &history]);
    assert_eq!(checked.status.code(), Some(1), "{}", stdout(&checked));

    // Reads through the log: linearizable, both in the run and on file.
    let run =
        weft(&["run", "replication-follower-reads", "--set", "follower_reads=false", "--history", &history]);
    assert_eq!(run.status.code(), Some(1), "the expected violation is missed: {}", stdout(&run));
    assert_eq!(weft(&["lincheck", "--model", "kv", &history]).status.code(), Some(0));
    // A pattern without clients has no history to write.
    let none = weft(&["run", "flood", "--history", &history]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("records no client history"), "{}", stderr(&none));
}
