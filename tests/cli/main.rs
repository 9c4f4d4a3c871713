//! End-to-end tests of the `weft` binary: exit codes, output shapes, and
//! located errors, exactly as a user sees them.

use std::process::{Command, Output};

mod docs_runs;
mod explore;
mod lincheck;
mod shrink;
mod sweep;

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft")).args(args).output().expect("the weft binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 output")
}

#[test]
fn run_json_has_the_documented_fields() {
    let out = weft(&["run", "ping-pong", "--seed", "5", "--set", "workload.requests=20", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for field in [
        "scenario",
        "pattern",
        "seed",
        "sets",
        "trace_hash",
        "events",
        "messages_sent",
        "messages_delivered",
        "messages_dropped",
        "sim_time_ns",
        "wall_time_ns",
        "metrics",
        "violations",
        "verdict",
    ] {
        assert!(json.get(field).is_some(), "missing `{field}` in {json}");
    }
    assert_eq!(json["scenario"], "ping-pong");
    assert_eq!(json["seed"], 5);
    assert_eq!(json["messages_delivered"], 40);
    assert_eq!(json["violations"], serde_json::json!([]));
    assert_eq!(json["verdict"], "held");
    assert_eq!(json["sets"], serde_json::json!(["workload.requests=20"]));
    let hash = json["trace_hash"].as_str().expect("hash is a string");
    assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
    assert_eq!(json["metrics"]["histograms"]["round_trip"]["count"], 20);
}

#[test]
fn the_same_seed_prints_the_same_hash_and_another_seed_does_not() {
    let hash = |seed: &str| {
        let out = weft(&["run", "flood", "--seed", seed, "--set", "workload.requests=20", "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        json["trace_hash"].as_str().expect("hash").to_string()
    };
    assert_eq!(hash("9"), hash("9"));
    assert_ne!(hash("9"), hash("10"));
}

#[test]
fn human_summary_names_the_run_and_its_checks() {
    let out = weft(&["run", "flood-sparse", "--set", "nodes.node=10", "--set", "workload.requests=5"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("scenario    flood-sparse (pattern flood, seed 1)"), "{text}");
    assert!(text.contains("trace hash"), "{text}");
    assert!(text.contains("checks      all held"), "{text}");
}

#[test]
fn check_determinism_runs_twice_and_reports_the_same_trace() {
    let args = ["run", "leader-election-leader-crash", "--check-determinism"];
    let out = weft(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let plain = weft(&args[..2]);
    let hash =
        stdout(&plain).lines().find_map(|l| l.strip_prefix("trace hash  ")).expect("a hash").to_string();
    let events =
        stdout(&plain).lines().find_map(|l| l.strip_prefix("events      ")).expect("a count").to_string();
    let expected = format!("determinism deterministic: 2 runs, {events} events each, trace hash {hash}");
    assert!(text.lines().any(|l| l == expected), "expected `{expected}` in:\n{text}");

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = weft(&json_args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let determinism = &json["determinism"];
    assert_eq!(determinism["deterministic"], true, "{json}");
    assert_eq!(determinism["runs"], 2);
    assert_eq!(determinism["events"], serde_json::json!([json["events"], json["events"]]));
    assert_eq!(determinism["trace_hashes"], serde_json::json!([json["trace_hash"], json["trace_hash"]]));
    assert_eq!(determinism["divergence"], serde_json::Value::Null);
    // Without the flag there is no `determinism` field.
    let out = weft(&["run", "leader-election-leader-crash", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert!(json.get("determinism").is_none(), "{json}");
}

#[test]
fn check_determinism_keeps_the_runs_own_verdict_and_refuses_a_trace_file() {
    // Deterministic, but the scenario's expected violation did not happen:
    // the run's own exit code stands.
    let out = weft(&["run", "flood-partitioned", "--set", "faults=[]", "--check-determinism"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("determinism deterministic: 2 runs"), "{text}");
    let out = weft(&["run", "ping-pong", "--check-determinism", "--trace", "t.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
}

#[test]
fn a_violation_exits_1_and_prints_a_replay_that_reproduces_it() {
    // Loss breaks flooding's exact message count.
    let out = weft(&["run", "flood", "--seed", "4", "--set", "network.loss=0.2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("✗ exact-deliveries at "), "{text}");
    let replay = text.lines().find_map(|l| l.strip_prefix("replay      ")).expect("a replay line");
    assert_eq!(replay, "weft run flood --seed 4 --set network.loss=0.2");
    let hash = |text: &str| text.lines().find(|l| l.starts_with("trace hash")).map(str::to_string);
    let args: Vec<&str> = replay.split_whitespace().skip(1).collect();
    let again = weft(&args);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(hash(&stdout(&again)), hash(&text), "the replay is the same run");
}

#[test]
fn an_expected_violation_exits_0_and_a_missing_one_exits_1() {
    let out = weft(&["run", "flood-partitioned", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["verdict"], "expected-violation");
    assert_eq!(json["expected_violation"], "every-node-sees-every-value");
    assert_eq!(json["violations"][0]["property"], "every-node-sees-every-value");

    // Without its partition the flood reaches everyone: the lesson fails.
    let out = weft(&["run", "flood-partitioned", "--set", "faults=[]"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("EXPECTED VIOLATION DID NOT HAPPEN"), "{}", stdout(&out));
}

#[test]
fn unknown_names_are_errors_with_suggestions_and_exit_2() {
    let out = weft(&["run", "flod"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown scenario `flod` (did you mean `flood`?)"), "{err}");
    assert!(err.contains("ping-pong"), "the error lists the valid names: {err}");

    let out = weft(&["run", "flood", "--set", "nodes.nodez=4"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("pattern `flood` has no role `nodez`: its roles are node"), "{err}");
    assert!(err.contains("--> --set #1:1:7"), "the error points into the argument: {err}");
    assert!(err.contains("did you mean `node`?"), "{err}");
}

#[test]
fn bad_values_and_flags_are_errors_with_exit_2() {
    for args in [
        &["run", "flood", "--set", "nodes.node=many"][..],
        &["run", "flood", "--set", "topology=torus"],
        &["run", "flood", "--set", "nodes"],
        &["run", "flood", "--set", "nodes.node=5", "--set", "topology=ring-matching"],
        &["run", "flood", "--set", "network.latency=uniform 5ms..1ms"],
        &["run", "ping-pong", "--seed", "-1"],
        &["run", "ping-pong", "--frobnicate"],
        &["run", "ping-pong", "--trace", "/nonexistent-dir/trace.jsonl"],
        &["run", "/nonexistent-dir/scenario.toml"],
        &["show", "nope"],
    ] {
        let out = weft(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("error"), "{args:?}: {}", stderr(&out));
    }
}

/// A scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn show_prints_a_file_that_runs_as_the_built_in_one() {
    let out = weft(&["show", "flood-sparse"]);
    assert_eq!(out.status.code(), Some(0));
    let dir = scratch("show");
    let path = dir.join("copy.toml");
    std::fs::write(&path, &out.stdout).expect("write copy");
    let path = path.to_str().expect("utf-8 path");
    let hash = |scenario: &str| {
        let out = weft(&["run", scenario, "--set", "workload.requests=10", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        json["trace_hash"].clone()
    };
    assert_eq!(hash(path), hash("flood-sparse"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn validate_reports_every_mistake_of_every_file_with_its_location() {
    let dir = scratch("validate");
    let good = dir.join("good.toml");
    std::fs::write(&good, weft_scenarios_text("ping-pong")).expect("write");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"bad\"\ndescription = \"two mistakes\"\npattern = \"flood\"\n\n[network]\nlatenc = \"1ms\"\nloss = 2\n\n[workload]\nrate = \"10/s\"\nrequests = 1\n",
    )
    .expect("write");
    let out = weft(&["validate", good.to_str().expect("utf-8"), bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(text.contains("ok       ") && text.contains("invalid  "), "{text}");
    assert!(err.contains("bad.toml:6:1"), "{err}");
    assert!(err.contains("unknown key `latenc` in [network]"), "{err}");
    assert!(err.contains("did you mean `latency`?"), "{err}");
    assert!(err.contains("bad.toml:7:8"), "{err}");
    assert!(err.contains("2 is not a probability"), "{err}");
    assert!(err.contains("2 mistakes in this scenario"), "{err}");

    let out = weft(&["validate", good.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn validate_finds_the_parameter_conflicts_run_finds() {
    // Each value alone is fine; together they cannot work. `weft validate`
    // must refuse what `weft run` would, at the line that says it.
    let dir = scratch("validate-conflicts");
    let cases = [
        (
            "leader-election",
            "[params]\nelection_timeout_min = \"300ms\"\nelection_timeout_max = \"100ms\"\n",
            "election_timeout_max (100ms) is less than election_timeout_min (300ms)",
            ":6:24",
        ),
        ("ownership-election", "[params]\nrenew_every = \"2s\"\n", "renew_every (2s) must be", ":5:15"),
        ("scatter-gather", "[params]\nhedge_after = \"10ms\"\n", "replicas = 1", ":5:15"),
    ];
    for (pattern, params, message, location) in cases {
        let path = dir.join(format!("{pattern}.toml"));
        let text = format!("name = \"c\"\ndescription = \"conflict\"\npattern = \"{pattern}\"\n{params}");
        let text = match pattern {
            "scatter-gather" => text + "[workload]\nrequests = 1\n",
            _ => text,
        };
        std::fs::write(&path, text).expect("write");
        let path = path.to_str().expect("utf-8");
        let out = weft(&["validate", path]);
        assert_eq!(out.status.code(), Some(2), "{pattern}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(err.contains(message), "{pattern}: {err}");
        assert!(err.contains(&format!("{path}{location}")), "{pattern}: {err}");
        let run = weft(&["run", path]);
        assert_eq!(run.status.code(), Some(2), "{pattern}");
        assert_eq!(stderr(&run), err, "validate and run report the same");
    }
    // A default involved in the conflict is named as such.
    let out = weft(&["validate", &format!("{}/scatter-gather.toml", dir.display())]);
    assert!(stderr(&out).contains("`params.replicas` (not written: its default)"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_run_that_checks_nothing_does_not_claim_all_held() {
    let args = ["ping-pong", "--set", "checks={}", "--set", "workload.requests=3"];
    let out = weft(&[&["run"][..], &args].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("checks      none: [checks] turns no property on"), "{text}");
    assert!(!text.contains("all held"), "{text}");

    let dir = scratch("checks-nothing");
    let path = dir.join("quiet.toml");
    let text = String::from_utf8(weft_scenarios_text("ping-pong")).expect("utf-8");
    let quiet = text.replace("all-round-trips-complete = true", "all-round-trips-complete = false");
    assert_ne!(quiet, text, "the library file checks its property");
    std::fs::write(&path, quiet).expect("write");
    let out = weft(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("checks nothing"), "{}", stdout(&out));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn an_existing_file_is_a_path_whatever_its_name() {
    let dir = scratch("paths");
    let file = dir.join("myflood");
    std::fs::write(&file, weft_scenarios_text("flood-sparse")).expect("write");
    let out = weft(&["validate", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Relative, without a `/`: still the file.
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["validate", "myflood"])
        .current_dir(&dir)
        .output()
        .expect("the weft binary runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("ok       myflood (flood-sparse"), "{}", stdout(&out));
    // A directory is not a scenario, and says so.
    let out = weft(&["validate", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("it is a directory"), "{}", stderr(&out));
    let out = weft(&["validate", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown scenario `no-such-thing`, and no file has that name"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// A library scenario's text, as `weft show` prints it.
fn weft_scenarios_text(name: &str) -> Vec<u8> {
    weft(&["show", name]).stdout
}

#[test]
fn trace_file_is_versioned_json_lines_with_the_runs_hash() {
    let dir = std::env::temp_dir().join(format!("weft-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("trace.jsonl");
    let out = weft(&[
        "run",
        "ping-pong",
        "--set",
        "workload.requests=3",
        "--json",
        "--trace",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let text = std::fs::read_to_string(&path).expect("trace written");
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines[0]["weft_trace"], 1);
    assert_eq!(lines[0]["scenario"], "ping-pong");
    // Header, 2 starts, 6 sends, 6 deliveries, footer.
    assert_eq!(lines.len(), 16);
    // Node 0 starts and sends its first ping before node 1 starts.
    assert_eq!(lines[1]["kind"], "start");
    assert_eq!(lines[1]["node"], 0);
    assert_eq!(lines[2]["kind"], "send");
    assert_eq!(lines[2]["msg"], serde_json::json!({"ping": {"seq": 0}}));
    assert_eq!(lines[3]["kind"], "start");
    assert_eq!(lines[3]["node"], 1);
    assert_eq!(lines[15]["trace_hash"], json["trace_hash"]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn list_json_is_an_array_of_named_scenarios() {
    let out = weft(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let names: Vec<&str> =
        json.as_array().expect("array").iter().map(|s| s["name"].as_str().expect("name")).collect();
    // Every built-in scenario, in the library's order (patterns add theirs after these).
    let library: Vec<&str> = weft_scenarios::library().iter().map(|b| b.name).collect();
    assert_eq!(names, library);
    assert_eq!(
        names[..5],
        ["ping-pong", "flood", "flood-sparse", "flood-two-datacentres", "flood-partitioned"]
    );
    assert!(json[0]["pattern"].is_string() && json[0]["description"].is_string());
}

/// The first fenced block of `lang` in the doc at `path` (relative to the
/// workspace root).
pub(crate) fn doc_block(path: &str, lang: &str, nth: usize) -> String {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let fence = format!("```{lang}\n");
    let start = text.match_indices(&fence).nth(nth).unwrap_or_else(|| panic!("{path}: no block {nth}")).0
        + fence.len();
    let end = start + text[start..].find("```").expect("closed block");
    text[start..end].to_string()
}

#[test]
fn the_run_json_doc_shows_a_real_run() {
    // The example in docs/run-json.md is the output of its own `replay`
    // command; only the wall time may differ. (This pins a trace hash: if a
    // change alters runs on purpose, regenerate the example.)
    let documented: serde_json::Value =
        serde_json::from_str(&doc_block("docs/run-json.md", "json", 0)).expect("the example is JSON");
    let replay = documented["replay"].as_str().expect("a replay command");
    let args: Vec<&str> = replay.split_whitespace().skip(1).chain(["--json"]).collect();
    let out = weft(&args);
    let mut actual: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    actual["wall_time_ns"] = documented["wall_time_ns"].clone();
    assert_eq!(actual, documented, "docs/run-json.md is out of date");
}

#[test]
fn the_trace_format_doc_shows_a_real_trace() {
    let dir = std::env::temp_dir().join(format!("weft-doc-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("t.jsonl");
    let out =
        weft(&["run", "ping-pong", "--set", "workload.requests=1", "--trace", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    let trace = std::fs::read_to_string(&path).expect("trace written");
    let documented = [0, 1, 2].map(|n| doc_block("docs/trace-format.md", "json", n)).concat();
    assert_eq!(trace, documented, "docs/trace-format.md is out of date");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
