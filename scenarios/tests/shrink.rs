//! `weft shrink`'s library side: pinned faults replay the same run, and a
//! failure found by a nemesis shrinks to fewer faults that fail the same way.

use weft_scenarios::faults::{FaultAction, Shape, Target};
use weft_scenarios::shrink::{ShrinkError, ShrinkOptions, Shrunk, pinned_file, shrink};
use weft_scenarios::{RunOptions, RunReport, Scenario, library};

fn run(scenario: &Scenario, seed: u64) -> RunReport {
    scenario.run(&RunOptions { seed, keep_trace: false }).expect("it runs")
}

fn load(text: &str) -> Scenario {
    Scenario::load("test.toml", text, &[], "test.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// True if a fired fault names its nodes: nothing left to draw or look up.
fn is_concrete(action: &FaultAction) -> bool {
    let named = |t: &Target| matches!(t, Target::Nodes(_));
    match action {
        FaultAction::Crash(t)
        | FaultAction::Restart(t)
        | FaultAction::Pause(t)
        | FaultAction::Resume(t)
        | FaultAction::RestoreSpeed(t)
        | FaultAction::Clock { target: t, .. }
        | FaultAction::Slow { target: t, .. } => named(t),
        FaultAction::Partition(shape) => match shape {
            Shape::Groups(_) | Shape::Bridge(Some(_)) | Shape::Ring(Some(_)) => true,
            Shape::IsolateOne(t) => named(t),
            Shape::Halves | Shape::MajorityMinority | Shape::Bridge(None) | Shape::Ring(None) => false,
        },
        FaultAction::Cut { .. }
        | FaultAction::Heal
        | FaultAction::Degrade { .. }
        | FaultAction::RestoreLink { .. } => true,
    }
}

#[test]
fn pinned_faults_replay_the_same_run() {
    // Every library scenario (the rest of the file is written back too), a
    // second seed of those with faults, and many seeds of the two with a
    // nemesis (all six kinds of random fault, every partition shape).
    let mut cases: Vec<(&str, u64)> = Vec::new();
    for builtin in library::library() {
        let scenario = builtin.load(&[]).expect("a library scenario loads");
        cases.push((builtin.name, 1));
        if !scenario.faults.is_empty() || scenario.nemesis.is_some() {
            cases.push((builtin.name, 2));
        }
    }
    cases.extend((3..=12).map(|seed| ("replication-nemesis", seed)));
    cases.extend((3..=6).map(|seed| ("flood-two-datacentres", seed)));
    let mut shapes = std::collections::BTreeSet::new();
    for (name, seed) in cases {
        let scenario = library::find(name).expect("in the library").load(&[]).expect("loads");
        let original = run(&scenario, seed);
        let planned = !scenario.faults.is_empty() || scenario.nemesis.is_some();
        assert_eq!(!original.faults_fired.is_empty(), planned, "{name} seed {seed}: faults fired");
        for fault in &original.faults_fired {
            assert!(is_concrete(&fault.action), "{name} seed {seed}: {fault:?} is not concrete");
            if let FaultAction::Partition(shape) = &fault.action {
                shapes.insert(
                    format!("{shape:?}").chars().take_while(|c| c.is_alphabetic()).collect::<String>(),
                );
            }
        }
        let text = pinned_file(&scenario, &original.faults_fired, seed).expect("pins");
        assert!(!text.contains("[nemesis]"), "{text}");
        let pinned = load(&text);
        assert!(pinned.nemesis.is_none());
        assert_eq!(pinned.seed, seed);
        let replay = run(&pinned, seed);
        assert_eq!(replay.trace_hash, original.trace_hash, "{name} seed {seed}: the same run\n{text}");
        assert_eq!(replay.stats.events, original.stats.events);
        assert_eq!(format!("{:?}", replay.faults_fired), format!("{:?}", original.faults_fired));
    }
    // The nemesis seeds above drew every kind of partition.
    assert_eq!(shapes.into_iter().collect::<Vec<_>>(), ["Bridge", "Groups", "IsolateOne", "Ring"]);
}

/// `leader-election-volatile-votes` with its planned faults replaced by a
/// nemesis of crashes and partitions.
fn volatile_votes_under_a_nemesis() -> Scenario {
    let text = library::find("leader-election-volatile-votes").expect("in the library").text;
    let head = text.split("[[faults]]").next().expect("the part before the faults");
    load(&format!(
        "{head}[nemesis]\nfaults = [\"crash\", \"partition\"]\nevery = \"300ms\"\nlasting = \"100ms..1s\"\n\n\
         [checks]\none-leader-per-term = true\none-vote-per-term = true\n\n\
         [expect]\nviolation = \"one-vote-per-term\"\n"
    ))
}

/// The first seed in `1..=40` with which `scenario` violates `property`.
fn failing_seed(scenario: &Scenario, property: &str) -> u64 {
    (1..=40)
        .find(|&seed| run(scenario, seed).violations.iter().any(|v| v.property == property))
        .expect("a seed that fails within 40")
}

fn shrunk(scenario: &Scenario, seed: u64, max_runs: u32) -> Shrunk {
    let options = ShrinkOptions { seed, property: None, max_runs };
    let mut reported = 0;
    let shrunk = shrink(scenario, &options, &mut |p| {
        assert!(p.runs <= p.max_runs);
        reported += 1;
    })
    .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert_eq!(reported, shrunk.runs, "progress after every run");
    shrunk
}

#[test]
fn a_nemesis_failure_shrinks_to_fewer_faults_that_fail_the_same_way() {
    let scenario = volatile_votes_under_a_nemesis();
    let seed = failing_seed(&scenario, "one-vote-per-term");
    let original = run(&scenario, seed);
    let result = shrunk(&scenario, seed, 500);

    assert_eq!(result.property, "one-vote-per-term", "the expected violation is the target");
    assert!(result.pinned_exactly, "the pinned faults replay the run");
    assert!(!result.budget_exhausted, "{} runs", result.runs);
    assert_eq!(result.faults_before, original.faults_fired.len());
    assert!(
        result.faults.len() < result.faults_before,
        "{} faults of {}",
        result.faults.len(),
        result.faults_before
    );
    assert!(result.duration < scenario.duration, "{:?}", result.duration);

    let text = result.to_toml("shrunk.toml");
    assert!(text.starts_with("# Shrunk by `weft shrink test.toml --seed"), "{text}");
    assert!(!text.contains("[nemesis]") && text.contains("[expect]"), "{text}");
    // The written file, loaded as any file is and run with its own seed,
    // fails the same property, as the same run.
    let written = load(&text);
    assert_eq!(written.seed, seed);
    assert_eq!(written.faults.len(), result.faults.len());
    let report = run(&written, written.seed);
    assert!(report.violations.iter().any(|v| v.property == "one-vote-per-term"), "{:?}", report.violations);
    assert!(report.verdict().passed(), "it keeps its [expect]");
    assert_eq!(report.trace_hash, result.trace_hash);
    result.confirm(&text, "shrunk.toml").expect("confirmed");

    // Every fault left is needed: without any one of them, the run no longer
    // fails the same way (the property holds, or something else breaks too).
    let allowed: Vec<String> = original.violations.iter().map(|v| v.property.clone()).collect();
    for i in 0..written.faults.len() {
        let mut fewer = written.faults.clone();
        fewer.remove(i);
        let text = pinned_file(&written, &fewer, seed).expect("pins");
        let report = run(&load(&text), seed);
        let same_way = report.violations.iter().any(|v| v.property == "one-vote-per-term")
            && report.violations.iter().all(|v| allowed.contains(&v.property));
        assert!(!same_way, "fault {i} could have gone");
    }

    // The same input shrinks to the same file.
    assert_eq!(shrunk(&scenario, seed, 500).to_toml("shrunk.toml"), text);
}

#[test]
fn a_broken_variant_without_expect_shrinks_and_replays_as_a_violation() {
    let sets = vec!["params.vote_restriction=false".to_string()];
    let scenario = library::find("replication-nemesis").expect("in the library").load(&sets).expect("loads");
    let seed = failing_seed(&scenario, "committed-prefixes-agree");
    let result = shrunk(&scenario, seed, 500);
    assert_eq!(result.property, "committed-prefixes-agree", "the first violation");
    assert!(result.faults.len() < result.faults_before);
    let text = result.to_toml("shrunk.toml");
    assert!(text.contains("vote_restriction = false"), "the --set is written in:\n{text}");
    let report = run(&load(&text), seed);
    assert!(!report.verdict().passed());
    assert!(report.violations.iter().any(|v| v.property == "committed-prefixes-agree"));
    let original: Vec<String> = run(&scenario, seed).violations.into_iter().map(|v| v.property).collect();
    assert!(
        report.violations.iter().all(|v| original.contains(&v.property)),
        "no violation the original did not have: {:?} vs {original:?}",
        report.violations
    );
}

#[test]
fn the_budget_bounds_the_work_and_the_result_still_fails() {
    let scenario = volatile_votes_under_a_nemesis();
    let seed = failing_seed(&scenario, "one-vote-per-term");
    let result = shrunk(&scenario, seed, 4);
    assert!(result.budget_exhausted);
    assert_eq!(result.runs, 4);
    result.confirm(&result.to_toml("x.toml"), "x.toml").expect("what was kept fails");
}

#[test]
fn a_run_that_holds_has_nothing_to_shrink() {
    let scenario = library::find("leader-election").expect("in the library").load(&[]).expect("loads");
    let options = ShrinkOptions { seed: 1, property: None, max_runs: 100 };
    let error = shrink(&scenario, &options, &mut |_| {}).expect_err("nothing failed");
    assert!(matches!(error, ShrinkError::NothingFailed { seed: 1, expected: None }), "{error:?}");

    let scenario =
        library::find("leader-election-volatile-votes").expect("in the library").load(&[]).expect("loads");
    let options = ShrinkOptions { property: Some("one-leader-per-term".into()), ..options };
    let error = shrink(&scenario, &options, &mut |_| {}).expect_err("not that property");
    assert!(
        error.to_string().contains("does not violate `one-leader-per-term`; it violates: one-vote-per-term")
    );

    // A name the scenario does not check is not "not violated": it is unknown.
    let options = ShrinkOptions { property: Some("bogus".into()), ..options };
    let error = shrink(&scenario, &options, &mut |_| {}).expect_err("no such property");
    let ShrinkError::UnknownProperty { property, known } = &error else { panic!("{error:?}") };
    assert_eq!(property, "bogus");
    assert!(
        known.iter().any(|k| k == "one-leader-per-term") && known.iter().any(|k| k == "one-vote-per-term")
    );
    assert!(
        error.to_string().starts_with("`bogus` is not a property of this scenario; it checks: "),
        "{error}"
    );
}
