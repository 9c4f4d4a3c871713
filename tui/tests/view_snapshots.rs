//! The explorer's screens, drawn into ratatui's `TestBackend` and compared
//! with the committed snapshots in `tests/snapshots/`. A change to a screen
//! shows up as a diff; accept it on purpose with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test -p weft-tui --test view_snapshots`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use weft_tui::testing::{press, screen};
use weft_tui::{Explorer, Input, Theme};

fn explorer() -> Explorer {
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(weft_tui::testing::sample_trace(120), None);
    explorer
}

#[test]
fn main_screen_at_80x24() {
    let mut explorer = explorer();
    press(&mut explorer, "llllllllllllllllllll");
    insta::assert_snapshot!(screen(&mut explorer, 80, 24));
}

#[test]
fn help_screen() {
    let mut explorer = explorer();
    press(&mut explorer, "?");
    insta::assert_snapshot!(screen(&mut explorer, 80, 24));
}

#[test]
fn small_terminal_keeps_the_flow() {
    let mut explorer = explorer();
    press(&mut explorer, "ffl");
    insta::assert_snapshot!(screen(&mut explorer, 50, 12));
}

#[test]
fn large_terminal_after_a_crash() {
    let mut explorer = explorer();
    press(&mut explorer, "fll");
    insta::assert_snapshot!(screen(&mut explorer, 120, 36));
}

/// A host offering three scenarios that all "run" as the sample trace.
struct Library;

impl weft_tui::Host for Library {
    fn scenarios(&self) -> Vec<weft_tui::ScenarioEntry> {
        [
            ("leader-election", "five nodes elect a leader"),
            ("replication", "a replicated log"),
            ("sharding", "keys on shards"),
        ]
        .map(|(name, description)| weft_tui::ScenarioEntry {
            name: name.into(),
            pattern: name.into(),
            description: description.into(),
        })
        .to_vec()
    }

    fn run(
        &mut self,
        _name: &str,
        _seed: Option<u64>,
        forks: &[weft_tui::ForkFault],
    ) -> Result<weft_sim::trace::Trace, String> {
        // A fork "runs" as a shorter trace, so that the summary has
        // something to say.
        Ok(weft_tui::testing::sample_trace(if forks.is_empty() { 120 } else { 60 }))
    }
}

#[test]
fn scenario_picker() {
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(Library));
    explorer.open_picker();
    explorer.update(Input::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
    insta::assert_snapshot!(screen(&mut explorer, 80, 24));
}

#[test]
fn fork_summary() {
    let mut explorer = Explorer::new(Theme::plain()).with_host(Box::new(Library));
    explorer.open(weft_tui::testing::sample_trace(120), Some("leader-election".into()));
    press(&mut explorer, "llllllllll]c");
    insta::assert_snapshot!(screen(&mut explorer, 80, 24));
}
