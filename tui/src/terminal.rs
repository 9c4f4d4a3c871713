//! The real terminal: raw mode, the alternate screen, the mouse, and the
//! frame loop. This is the only place in the explorer that reads the wall
//! clock: it measures the time between frames and hands it to `update` as a
//! [`Input::Tick`], which is all playback needs.

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;

use crate::app::{Explorer, Input};
use crate::view;

/// How often the screen is redrawn while playing.
const FRAME: Duration = Duration::from_millis(40);

/// Runs the explorer in the terminal until the user quits. The terminal is
/// restored afterwards, also when drawing fails or the program panics.
pub fn run(mut explorer: Explorer) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    // ratatui's init installs a panic hook that restores the terminal; the
    // mouse is ours to release.
    let result =
        execute!(io::stdout(), EnableMouseCapture).and_then(|()| frame_loop(&mut terminal, &mut explorer));
    let released = execute!(io::stdout(), DisableMouseCapture);
    ratatui::try_restore()?;
    result.and(released)
}

fn frame_loop(terminal: &mut ratatui::DefaultTerminal, explorer: &mut Explorer) -> io::Result<()> {
    let size = terminal.size()?;
    explorer.update(Input::Resize(size.width, size.height));
    let mut last = Instant::now();
    while !explorer.should_quit() {
        terminal.draw(|frame| view::draw(explorer, frame))?;
        let wait =
            if explorer.playing { FRAME.saturating_sub(last.elapsed()) } else { Duration::from_secs(3600) };
        if event::poll(wait)? {
            let input = match event::read()? {
                Event::Key(key) => Some(Input::Key(key)),
                Event::Mouse(mouse) => Some(Input::Mouse(mouse)),
                Event::Resize(width, height) => Some(Input::Resize(width, height)),
                _ => None,
            };
            if let Some(input) = input {
                explorer.update(input);
            }
        }
        let now = Instant::now();
        explorer.update(Input::Tick(now - last));
        last = now;
    }
    Ok(())
}
