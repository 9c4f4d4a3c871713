//! The explorer at every size and in both themes: no panic from a 0x0
//! terminal up, and no colour at all under `NO_COLOR`.

use proptest::prelude::*;
use ratatui::style::Color;
use weft_tui::testing::{draw, press};
use weft_tui::{Explorer, Theme};

/// A host whose runs are the sample trace (a fork's a shorter one), with
/// two scenarios to pick from.
struct SampleHost;

impl weft_tui::Host for SampleHost {
    fn scenarios(&self) -> Vec<weft_tui::ScenarioEntry> {
        ["sample", "another"]
            .map(|name| weft_tui::ScenarioEntry {
                name: name.into(),
                pattern: "pattern".into(),
                description: "a scenario with a description long enough to be cut on small screens".into(),
            })
            .to_vec()
    }

    fn run(
        &mut self,
        _: &str,
        _: Option<u64>,
        forks: &[weft_tui::ForkFault],
    ) -> Result<weft_sim::trace::Trace, String> {
        Ok(weft_tui::testing::sample_trace(if forks.is_empty() { 150 } else { 80 }))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any size, any cursor, any overlay (help, a fork's summary, the
    /// picker, a search being typed): drawing never panics, and a click
    /// anywhere never panics either. (proptest prints the size and keys
    /// that fail.)
    #[test]
    fn every_size_draws(
        width in 0u16..150,
        height in 0u16..50,
        steps in 0usize..200,
        keys in "[?lhfvkoG\\]cdsb/x]{0,6}",
    ) {
        let mut explorer = Explorer::new(Theme::colour()).with_host(Box::new(SampleHost));
        explorer.open(weft_tui::testing::sample_trace(150), Some("sample".into()));
        for _ in 0..steps {
            press(&mut explorer, "l");
        }
        press(&mut explorer, &keys);
        draw(&mut explorer, width, height);
        for (x, y) in [(0, 0), (width / 2, height / 2), (width.saturating_sub(1), height.saturating_sub(1))] {
            let _ = weft_tui::view::hit(&explorer, x, y);
        }
    }
}

/// The overlays the proptest reaches by chance, each drawn at every size
/// for certain.
#[test]
fn every_overlay_draws_at_every_size() {
    type Setup = fn(&mut Explorer);
    let setups: [(&str, Setup); 4] = [
        ("help", |e| press(e, "?")),
        ("fork summary", |e| press(e, "lllc")),
        ("picker", |e| press(e, "s")),
        ("search prompt", |e| press(e, "/heart")),
    ];
    for (what, setup) in setups {
        let mut explorer = Explorer::new(Theme::colour()).with_host(Box::new(SampleHost));
        explorer.open(weft_tui::testing::sample_trace(150), Some("sample".into()));
        setup(&mut explorer);
        for width in (0..130).step_by(7) {
            for height in 0..40 {
                draw(&mut explorer, width, height);
            }
        }
        let screen = format!("{:?}", draw(&mut explorer, 80, 24));
        let expected = match what {
            "help" => "Move through time",
            "fork summary" => "added: crash",
            "picker" => "choose a scenario",
            _ => "/heart",
        };
        assert!(screen.contains(expected), "{what}: {screen}");
    }
}

#[test]
fn resizing_down_to_nothing_and_back_is_fine() {
    let mut explorer = Explorer::new(Theme::colour());
    explorer.open(weft_tui::testing::sample_trace(150), None);
    for (w, h) in [(80, 24), (30, 8), (10, 3), (1, 1), (0, 0), (200, 60), (80, 24)] {
        draw(&mut explorer, w, h);
    }
    let text = format!("{:?}", draw(&mut explorer, 19, 10));
    assert!(text.contains("enlarge"), "a tiny terminal asks to be made bigger: {text}");
}

#[test]
fn no_color_means_no_colour_but_every_glyph() {
    let colourless = |theme| {
        let mut explorer = Explorer::new(theme);
        explorer.open(weft_tui::testing::sample_trace(150), None);
        press(&mut explorer, "fll");
        let buffer = draw(&mut explorer, 100, 30);
        let coloured = buffer.content.iter().filter(|c| c.fg != Color::Reset || c.bg != Color::Reset).count();
        let glyphs: String = buffer.content.iter().map(|c| c.symbol()).collect();
        (coloured, glyphs)
    };
    let (plain_coloured, plain_glyphs) = colourless(Theme::plain());
    let (coloured, glyphs) = colourless(Theme::colour());
    assert_eq!(plain_coloured, 0, "NO_COLOR: not one coloured cell");
    assert!(coloured > 0, "the colour theme does colour");
    assert_eq!(plain_glyphs, glyphs, "the same glyphs with and without colour");
    for glyph in ["╳", "✕", "▶", "●", "‼"] {
        assert!(plain_glyphs.contains(glyph), "the screen shows {glyph}");
    }
}

/// A hand-edited trace file can say anything its format allows: message
/// ids far apart, nodes the header never declared, deliveries of messages
/// never sent. The explorer shows it; it does not panic or run out of
/// memory.
#[test]
fn a_strange_but_well_formed_trace_is_shown() {
    let text = r#"{"weft_trace":1,"scenario":"odd","seed":1,"nodes":[{"name":"a","role":"r"}]}
{"time":0,"kind":"send","id":18446744073709551615,"from":0,"to":7,"msg":"hi"}
{"time":5,"kind":"deliver","id":3,"from":9,"to":0}
{"time":6,"kind":"duplicate","id":12,"copy":18446744073709551614}
{"time":7,"kind":"fault","fault":{"fault":"partition","groups":[[0,42]]}}
{"time":8,"kind":"drop","id":18446744073709551615,"from":0,"to":7,"reason":"loss"}
{"events":5,"trace_hash":"0000000000000000"}
"#;
    let trace = weft_sim::trace::Trace::read_jsonl(text.as_bytes()).expect("well-formed");
    let mut explorer = Explorer::new(Theme::plain());
    explorer.open(trace, None);
    for keys in ["", "l", "llll", "G", "hh]]]x", "?"] {
        press(&mut explorer, keys);
        for (w, h) in [(80, 24), (40, 10)] {
            draw(&mut explorer, w, h);
        }
    }
}
