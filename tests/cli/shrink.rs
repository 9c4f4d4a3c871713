//! `weft shrink`: a failing run becomes a small file that replays the
//! failure with one command.

use std::process::Command;

use super::{doc_block, scratch, stderr, stdout, weft};

#[test]
fn shrinking_a_nemesis_failure_writes_a_file_that_fails_with_its_seed() {
    let dir = scratch("shrink-nemesis");
    let file = dir.join("stale.toml");
    let file = file.to_str().expect("utf-8 path");
    let args =
        ["shrink", "replication-nemesis", "--set", "vote_restriction=false", "--seed", "3", "--out", file];
    let out = weft(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("shrinking   replication-nemesis with seed 3\n"), "{text}");
    for line in ["property    `committed-prefixes-agree`", "faults      9 → ", "written     ", "runs        "]
    {
        assert!(text.contains(line), "`{line}` is missing from\n{text}");
    }
    assert!(text.contains(&format!("replay      weft run {file}   (exits 1")), "{text}");
    assert!(text.contains(&format!("explore     weft explore {file}")), "{text}");

    let written = std::fs::read_to_string(file).expect("the file was written");
    assert!(
        written.starts_with(
            "# Shrunk by `weft shrink replication-nemesis --seed 3 --set vote_restriction=false`"
        )
    );
    assert!(written.contains("\nseed = 3\n") && !written.contains("[nemesis]"), "{written}");

    // One command replays it: the file's own seed, the same violation.
    let replay = weft(&["run", file]);
    assert_eq!(replay.status.code(), Some(1), "{}", stdout(&replay));
    assert!(stdout(&replay).contains("✗ committed-prefixes-agree at"), "{}", stdout(&replay));
}

#[test]
fn an_expected_violation_shrinks_to_a_file_that_still_shows_it() {
    // The default file name, in the current directory.
    let dir = scratch("shrink-default");
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["shrink", "leader-election-volatile-votes", "--max-runs", "100"])
        .current_dir(&dir)
        .output()
        .expect("the weft binary runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let name = "leader-election-volatile-votes-seed1-shrunk.toml";
    assert!(stdout(&out).contains("(the violation the scenario expects)"), "{}", stdout(&out));
    let path = dir.join(name);
    assert!(path.exists(), "{} was written", path.display());
    let replay = weft(&["run", path.to_str().expect("utf-8 path")]);
    assert_eq!(replay.status.code(), Some(0), "{}", stdout(&replay));
    assert!(stdout(&replay).contains("violated as expected"), "{}", stdout(&replay));
}

#[test]
fn a_seed_that_does_not_fail_has_nothing_to_shrink() {
    let dir = scratch("shrink-nothing");
    let file = dir.join("none.toml");
    let out =
        weft(&["shrink", "leader-election", "--seed", "1", "--out", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("nothing to shrink: with seed 1 every checked property held"),
        "{}",
        stderr(&out)
    );
    assert!(!file.exists(), "no file for nothing");

    let out = weft(&["shrink", "leader-election-volatile-votes", "--property", "one-leader-per-term"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not violate `one-leader-per-term`"), "{}", stderr(&out));

    // A property the scenario does not have is named as such, with the ones
    // it has (before any run).
    let out = weft(&["shrink", "leader-election-volatile-votes", "--property", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`bogus` is not a property of this scenario; it checks: ")
            && stderr(&out).contains("one-leader-per-term"),
        "{}",
        stderr(&out)
    );

    // An --out that cannot be written is found before the search.
    let missing = dir.join("no-such-dir").join("x.toml");
    let out = weft(&["shrink", "leader-election-volatile-votes", "--out", missing.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no search was started");

    let out = weft(&["shrink", "leader-election-volatile-votes", "--max-runs", "1"]);
    assert_eq!(out.status.code(), Some(2), "a budget of one run cannot pin the faults");
}

#[test]
fn the_checking_doc_shows_a_real_shrink_and_its_file() {
    // docs/checking.md shows a command, its output and (the end of) the file
    // it writes: all three are real. If a change alters runs on purpose,
    // regenerate the example.
    let session = doc_block("docs/checking.md", "text", 0);
    let (command, documented) = session.split_once('\n').expect("a command, then its output");
    let args: Vec<&str> =
        command.strip_prefix("$ weft ").expect("a weft command").split_whitespace().collect();
    let dir = scratch("shrink-doc");
    let out = Command::new(env!("CARGO_BIN_EXE_weft")).args(&args).current_dir(&dir).output().expect("runs");
    assert_eq!(stdout(&out), documented, "docs/checking.md is out of date");

    let shown = doc_block("docs/checking.md", "toml", 0);
    let file = std::fs::read_to_string(dir.join("replication-nemesis-seed3-shrunk.toml")).expect("written");
    let (head, tail) = shown.split_once("# ... the rest of the scenario, as it was ...\n").expect("elided");
    assert!(file.starts_with(head), "docs/checking.md shows another head than:\n{file}");
    assert!(file.contains(tail), "docs/checking.md shows other faults than:\n{file}");
}
