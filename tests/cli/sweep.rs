//! `weft sweep`: seed order whatever the thread count, shards that merge
//! into the whole, failing seeds with replays that reproduce them.

use super::{scratch, stderr, stdout, weft};

/// The JSON lines of a sweep: its runs, then its summary.
fn lines(out: &std::process::Output) -> (Vec<serde_json::Value>, serde_json::Value) {
    let mut lines: Vec<serde_json::Value> = stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert!(lines.iter().all(|l| l["type"] == "run"));
    (lines, summary)
}

#[test]
fn a_sweep_is_ordered_by_seed_and_the_same_on_one_thread_or_two() {
    let sweep =
        |jobs: &str| weft(&["sweep", "leader-election", "--seeds", "3..11", "--jobs", jobs, "--json"]);
    let (one, two) = (sweep("1"), sweep("2"));
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert_eq!(stdout(&one), stdout(&two), "the thread count changes nothing");
    let (runs, summary) = lines(&one);
    let seeds: Vec<u64> = runs.iter().map(|r| r["seed"].as_u64().expect("a seed")).collect();
    assert_eq!(seeds, (3..11).collect::<Vec<_>>());
    assert_eq!(summary["runs"], 8);
    // Each line is the same run `weft run` makes with that seed.
    let single = weft(&["run", "leader-election", "--seed", "7", "--json"]);
    let single: serde_json::Value = serde_json::from_slice(&single.stdout).expect("JSON");
    assert_eq!(runs[4]["trace_hash"], single["trace_hash"]);
    assert_eq!(runs[4]["replay"], "weft run leader-election --seed 7");
}

#[test]
fn shards_merge_into_the_summary_of_the_whole_sweep() {
    let dir = scratch("sweep-shards");
    let whole_out = weft(&["sweep", "replication-nemesis", "--seeds", "1..=12", "--json"]);
    let (_, whole) = lines(&whole_out);
    let mut files = Vec::new();
    for shard in ["0/3", "1/3", "2/3"] {
        let out = weft(&["sweep", "replication-nemesis", "--seeds", "1..=12", "--shard", shard, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(lines(&out).0.len(), 4, "shard {shard} has a third of the seeds");
        let file = dir.join(format!("shard-{}.jsonl", &shard[..1]));
        std::fs::write(&file, &out.stdout).expect("write the shard");
        files.push(file.display().to_string());
    }
    let mut args = vec!["sweep", "--json", "--merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = weft(&args);
    assert_eq!(merged.status.code(), Some(0), "{}", stderr(&merged));
    let (runs, merged_summary) = lines(&merged);
    assert_eq!(runs.len(), 12);
    assert_eq!(merged_summary["seeds"], "1..=12");
    // Exactly: the raw lines, floats to the last digit, not values that
    // compare equal after rounding.
    assert_eq!(stdout(&merged), stdout(&whole_out), "merged shards print exactly the whole sweep");
    let _ = whole;

    // The same shard twice is a mistake, not twice the evidence.
    let twice = weft(&["sweep", "--merge", &files[0], &files[0]]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains("appears twice"), "{}", stderr(&twice));
    // A shard left out is noticed.
    let two = weft(&["sweep", "--merge", &files[0], &files[2]]);
    assert_eq!(two.status.code(), Some(2));
    assert!(stderr(&two).contains("missing shard 1/3"), "{}", stderr(&two));
    // A shard of another configuration (`--set`) does not belong.
    let broken = weft(&[
        "sweep",
        "replication-nemesis",
        "--seeds",
        "1..=12",
        "--shard",
        "1/3",
        "--json",
        "--set",
        "follower_reads=true",
    ]);
    let file = dir.join("shard-1-broken.jsonl");
    std::fs::write(&file, &broken.stdout).expect("write the shard");
    let mixed = weft(&["sweep", "--merge", &files[0], &file.display().to_string(), &files[2]]);
    assert_eq!(mixed.status.code(), Some(2));
    assert!(stderr(&mixed).contains("merge the shards of one sweep"), "{}", stderr(&mixed));
}

#[test]
fn a_shard_with_no_seeds_says_so_and_still_merges() {
    let dir = scratch("sweep-empty-shard");
    let out = weft(&["sweep", "ping-pong", "--seeds", "1..3", "--shard", "2/5"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "sweep       ping-pong: shard 2/5 of seeds 1..=2 has no seeds (there are more shards than seeds)\n"
    );
    let mut files = Vec::new();
    for shard in 0..5 {
        let shard = format!("{shard}/5");
        let out = weft(&["sweep", "ping-pong", "--seeds", "1..3", "--shard", &shard, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let file = dir.join(format!("{}.jsonl", &shard[..1]));
        std::fs::write(&file, &out.stdout).expect("write the shard");
        files.push(file.display().to_string());
    }
    let empty = std::fs::read_to_string(&files[4]).expect("read");
    assert!(
        empty.starts_with(
            r#"{"type":"summary","scenario":"ping-pong","seeds":"1..=2","shard":"4/5","runs":0"#
        ),
        "{empty}"
    );
    let mut args = vec!["sweep", "--merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = weft(&args);
    assert_eq!(merged.status.code(), Some(0), "{}", stderr(&merged));
    assert!(
        stdout(&merged).starts_with("merged      2 runs from 5 files\nruns        2: 2 passed"),
        "{}",
        stdout(&merged)
    );
}

#[test]
fn ranges_too_big_for_one_process_are_refused_with_a_hint() {
    for seeds in ["0..18446744073709551615", "0..=18446744073709551615", "0..1099511627776"] {
        let out = weft(&["sweep", "ping-pong", "--seeds", seeds]);
        assert_eq!(out.status.code(), Some(2), "{seeds}: {}", stderr(&out));
        assert!(stderr(&out).contains("one sweep runs at most 1000000"), "{}", stderr(&out));
        assert!(stderr(&out).contains("--shard 0/"), "{}", stderr(&out));
    }
    // A shard of a huge range is fine when it is small.
    let out = weft(&[
        "sweep",
        "ping-pong",
        "--seeds",
        "0..=18446744073709551615",
        "--shard",
        "9223372036854775807/9223372036854775808",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("over 2 seeds on "), "{}", stdout(&out));
}

#[test]
fn more_jobs_than_seeds_start_one_thread_per_seed() {
    let out = weft(&["sweep", "ping-pong", "--seeds", "1", "--jobs", "10000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("sweep       ping-pong over 1 seed on 1 thread: "), "{}", stdout(&out));
    assert!(stdout(&out).contains("runs        1: 1 passed, 0 failed"), "{}", stdout(&out));
}

#[test]
fn failing_seeds_are_listed_with_replays_that_fail_again() {
    // A flood cut in two, with no `[expect]`: every seed fails.
    let dir = scratch("sweep-failing");
    let text = String::from_utf8(weft(&["show", "flood-partitioned"]).stdout).expect("utf-8");
    let text = text.split("[expect]").next().expect("the file before [expect]");
    let path = dir.join("cut-flood.toml");
    std::fs::write(&path, text).expect("write the scenario");
    let path = path.display().to_string();
    let out = weft(&["sweep", &path, "--seeds", "1..4"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("runs        3: 0 passed, 3 failed"), "{text}");
    assert!(text.contains("violations  every-node-sees-every-value in 3 runs"), "{text}");
    let replay = text
        .lines()
        .find(|l| l.contains("seed 2 "))
        .and_then(|l| l.split_once("weft run "))
        .map(|(_, args)| args.to_string())
        .expect("a replay for seed 2");
    let mut args = vec!["run"];
    args.extend(replay.split_whitespace());
    assert_eq!(weft(&args).status.code(), Some(1), "the replay fails again: weft run {replay}");
}

#[test]
fn bad_sweep_input_is_an_error_with_exit_2() {
    let dir = scratch("sweep-bad");
    let junk = dir.join("junk.jsonl");
    std::fs::write(&junk, "{\"type\": \"run\", \"seed\": 1}\nnot json\n").expect("write");
    let junk = junk.display().to_string();
    for (args, says) in [
        (&["sweep", "flood", "--seeds", "5..3"][..], "the range is empty"),
        (&["sweep", "flood", "--seeds", "x"], "`x` is not a seed"),
        (&["sweep", "flood", "--seeds", "1..3", "--shard", "3/3"], "bad shard `3/3`"),
        (&["sweep", "flood", "--seeds", "1..3", "--jobs", "0"], "--jobs"),
        (&["sweep", "flood"], "--seeds"),
        (&["sweep", "flod", "--seeds", "1..3"], "did you mean `flood`?"),
        (&["sweep", "--merge", &junk], "junk.jsonl:1:"),
        (&["sweep", "--merge", &junk], "missing field"),
    ] {
        let out = weft(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?} should say `{says}`: {}", stderr(&out));
    }
}
