//! `weft lincheck`: the exit code is the verdict, and bad files are located.

use super::{scratch, stderr, stdout, weft};

/// Writes `lines` (one event each) to a history file in a scratch dir.
fn history(test: &str, lines: &[&str]) -> String {
    let path = scratch(test).join("history.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write the history");
    path.display().to_string()
}

/// p0 writes 1; p1 then reads 0, a value nobody wrote... or `read`.
fn write_then_read(test: &str, read: &str) -> String {
    history(
        test,
        &[
            r#"{"process": 0, "type": "invoke", "f": "write", "value": 1, "time": 1000}"#,
            r#"{"process": 0, "type": "ok", "f": "write", "value": 1, "time": 2000}"#,
            r#"{"process": 1, "type": "invoke", "f": "read", "value": null, "time": 3000}"#,
            &format!(r#"{{"process": 1, "type": "ok", "f": "read", "value": {read}, "time": 4000}}"#),
        ],
    )
}

#[test]
fn the_exit_code_is_the_verdict() {
    let good = weft(&["lincheck", "--model", "register", &write_then_read("lin-good", "1")]);
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    assert!(stdout(&good).starts_with("linearizable: 2 operations by 2 processes"), "{}", stdout(&good));

    // The read began after the write was acknowledged: it must see 1.
    let stale = weft(&["lincheck", "--model", "register", &write_then_read("lin-stale", "null")]);
    assert_eq!(stale.status.code(), Some(1), "{}", stderr(&stale));
    let text = stdout(&stale);
    assert!(text.starts_with("NOT linearizable"), "{text}");
    assert!(text.contains("p1 ") && text.contains("read → null"), "the window names the read: {text}");

    let json = weft(&["lincheck", "--model", "register", "--json", &write_then_read("lin-json", "null")]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON object");
    assert_eq!(json["verdict"], "not-linearizable");
}

#[test]
fn a_run_history_checks_as_the_run_judged_it() {
    let dir = scratch("lin-run");
    let file = dir.join("reads.jsonl").display().to_string();
    let run = weft(&["run", "replication-follower-reads", "--history", &file]);
    assert_eq!(run.status.code(), Some(0), "the expected violation happened: {}", stdout(&run));
    let checked = weft(&["lincheck", "--model", "kv", &file]);
    assert_eq!(checked.status.code(), Some(1), "{}", stdout(&checked));

    let run =
        weft(&["run", "replication-follower-reads", "--set", "follower_reads=false", "--history", &file]);
    assert_eq!(run.status.code(), Some(1), "no violation, so the expectation is missed");
    assert_eq!(weft(&["lincheck", "--model", "kv", &file]).status.code(), Some(0));
    // A tiny budget decides nothing, and says so.
    let undecided = weft(&["lincheck", "--model", "kv", "--max-states", "3", &file]);
    assert_eq!(undecided.status.code(), Some(3), "{}", stdout(&undecided));
    assert!(stdout(&undecided).contains("gave up"), "{}", stdout(&undecided));
}

#[test]
fn bad_histories_and_flags_exit_2_with_a_location() {
    let broken = history(
        "lin-broken",
        &[r#"{"process": 0, "type": "invoke", "f": "read"}"#, r#"{"process": 0, "type": "ok", "f": "red"}"#],
    );
    let kv = write_then_read("lin-kv", "1");
    for (args, says) in [
        (vec!["lincheck", "--model", "register", &broken], "history.jsonl:2:"),
        (vec!["lincheck", "--model", "kv", &kv], "`write` is not an operation of the kv model"),
        (vec!["lincheck", "--model", "regster", &kv], "unknown model `regster`"),
        (vec!["lincheck", "--model", "register", "/nonexistent/h.jsonl"], "cannot read"),
        (vec!["lincheck", "--model", "register", "--timeout", "soon", &kv], "--timeout"),
    ] {
        let out = weft(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?} should say `{says}`: {}", stderr(&out));
    }
}

#[test]
fn the_history_format_doc_examples_are_real() {
    // Each JSON example, the model it is written for, and the exit code its
    // text promises.
    let dir = scratch("lin-doc");
    for (nth, model, code) in
        [(0, "cas-register", 0), (1, "cas-register", 0), (2, "kv", 0), (3, "register", 1)]
    {
        let path = dir.join(format!("example-{nth}.jsonl"));
        std::fs::write(&path, super::doc_block("docs/history-format.md", "json", nth)).expect("write");
        let out = weft(&["lincheck", "--model", model, &path.display().to_string()]);
        assert_eq!(out.status.code(), Some(code), "example {nth}: {}{}", stdout(&out), stderr(&out));
    }
    // The session shown is the last example, checked.
    let session = super::doc_block("docs/history-format.md", "text", 0);
    let (command, documented) = session.split_once('\n').expect("a command, then its output");
    assert_eq!(command, "$ weft lincheck --model register going-back.jsonl");
    std::fs::copy(dir.join("example-3.jsonl"), dir.join("going-back.jsonl")).expect("copy");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["lincheck", "--model", "register", "going-back.jsonl"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(stdout(&out), documented, "docs/history-format.md is out of date");
}
