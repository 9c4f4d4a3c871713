//! `update`: how each input changes the explorer.

use crossterm::event::{KeyCode, MouseButton, MouseEventKind};
use weft_sim::NodeId;
use weft_sim::trace::TraceKind;

use super::{Explorer, ForkFault, ForkKind, Input, Overlay, Run, SPEEDS};
use crate::describe::{self, Names};
use crate::keys::{Action, Key, Pane, action_for};
use crate::recording::Mark;
use crate::view;

impl Explorer {
    /// Applies one input.
    pub fn update(&mut self, input: Input) {
        match input {
            Input::Key(event) => {
                // While typing a search, characters are text, not commands.
                if let Some(text) = &mut self.typing {
                    match event.code {
                        KeyCode::Char(c)
                            if !event.modifiers.contains(crossterm::event::KeyModifiers::CONTROL) =>
                        {
                            text.push(c);
                            return;
                        }
                        KeyCode::Backspace => {
                            text.pop();
                            return;
                        }
                        _ => {}
                    }
                }
                if let Some(key) = Key::from_event(event) {
                    if let Some(action) = action_for(key, self.mode()) {
                        self.act(action);
                    } else if self.overlay != Overlay::None && self.picker.is_none() {
                        // Any other key closes help or a summary.
                        self.overlay = Overlay::None;
                    }
                }
            }
            Input::Mouse(mouse) => self.click(mouse.kind, mouse.column, mouse.row),
            Input::Tick(elapsed) => self.tick(elapsed),
            Input::Resize(width, height) => self.size = (width, height),
        }
    }

    /// Does what a key asks.
    pub fn act(&mut self, action: Action) {
        self.status = None;
        if self.picker.is_some() {
            return self.act_in_picker(action);
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.overlay = Overlay::Help;
                self.help_scroll = 0;
            }
            Action::Close => {
                if self.typing.take().is_none() {
                    self.overlay = Overlay::None;
                }
            }
            // Within the help's length, so that ↑ after many ↓ moves at once.
            Action::ScrollDown | Action::ScrollUp => {
                let limit = view::help_scroll_limit(self, self.size);
                let at = self.help_scroll.min(limit);
                self.help_scroll =
                    if action == Action::ScrollDown { (at + 1).min(limit) } else { at.saturating_sub(1) };
            }
            Action::Confirm => {
                if let Some(text) = self.typing.take() {
                    self.query = text;
                    self.search(true);
                }
            }
            Action::Picker => self.open_picker(),
            Action::FocusNext | Action::FocusPrev => {
                let at = Pane::ALL.iter().position(|p| *p == self.focus).unwrap_or(0);
                let n = Pane::ALL.len();
                let next = if action == Action::FocusNext { at + 1 } else { at + n - 1 };
                self.focus = Pane::ALL[next % n];
            }
            Action::NextNode | Action::PrevNode => self.select_step(action == Action::NextNode),
            Action::Search => self.typing = Some(String::new()),
            Action::SearchNext => self.search(true),
            Action::SearchPrev => self.search(false),
            Action::FilterNode => self.filter.node_only = !self.filter.node_only,
            Action::FilterKind => self.filter.kind = self.filter.kind.next(),
            Action::Faster => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            Action::Slower => self.speed = self.speed.saturating_sub(1),
            Action::TogglePlay => {
                self.playing = !self.playing;
                self.play_credit = 0.0;
                // Pressing play at the end plays again from the start.
                if self.playing
                    && let Some(run) = self.runs.last_mut()
                    && run.cursor + 1 >= run.recording.len()
                {
                    run.seek(0);
                }
            }
            Action::ShowDiff => match self.run().and_then(|r| r.diff.as_ref()) {
                Some(_) => self.overlay = Overlay::Diff,
                None => {
                    self.status =
                        Some("this is an original run, not a fork: press c, r, p, x or u to fork".into())
                }
            },
            Action::Back => {
                if self.runs.len() > 1 {
                    self.runs.pop();
                    self.overlay = Overlay::None;
                    let label = if self.runs.len() == 1 {
                        "the original run".to_string()
                    } else {
                        "the previous fork".into()
                    };
                    self.status = Some(format!("back to {label}"));
                } else {
                    self.status = Some("this is the original run".into());
                }
            }
            Action::ForkCrash => self.fork_selected(ForkKind::Crash),
            Action::ForkRestart => self.fork_selected(ForkKind::Restart),
            Action::ForkIsolate => self.fork_selected(ForkKind::Isolate),
            Action::ForkCut | Action::ForkCutOneWay => self.fork_cut(action == Action::ForkCut),
            Action::ForkHeal => self.fork(ForkKind::Heal),
            Action::StepForward => self.move_by(1),
            Action::StepBack => self.move_by(-1),
            Action::PageForward => self.move_by(self.page() as i64),
            Action::PageBack => self.move_by(-(self.page() as i64)),
            Action::GoStart => self.seek(0),
            Action::GoEnd => self.seek(usize::MAX),
            Action::NextFault | Action::PrevFault => {
                self.jump_mark(action == Action::NextFault, |m| matches!(m, Mark::Fault), "fault");
            }
            Action::NextViolation | Action::PrevViolation => {
                let forward = action == Action::NextViolation;
                if self.jump_mark(forward, |m| matches!(m, Mark::Violation(_)), "violation") {
                    self.name_violations();
                }
            }
            Action::NextNodeMessage => self.jump_node_message(true),
            Action::PrevNodeMessage => self.jump_node_message(false),
        }
    }

    fn act_in_picker(&mut self, action: Action) {
        let Some(picker) = &mut self.picker else { return };
        let count = picker.entries.len();
        match action {
            Action::Quit => self.quit = true,
            Action::Close => {
                // Leaving the picker returns to the open run, if there is one.
                if self.runs.is_empty() {
                    self.quit = true;
                } else {
                    self.picker = None;
                }
            }
            Action::NextNode if count > 0 => picker.selected = (picker.selected + 1) % count,
            Action::PrevNode if count > 0 => picker.selected = (picker.selected + count - 1) % count,
            Action::Confirm => {
                let Some(entry) = picker.entries.get(picker.selected).cloned() else { return };
                let Some(host) = &mut self.host else { return };
                match host.run(&entry.name, None, &[]) {
                    Ok(trace) => self.open(trace, Some(entry.name)),
                    Err(message) => self.status = Some(message),
                }
            }
            _ => {}
        }
    }

    fn tick(&mut self, elapsed: std::time::Duration) {
        if !self.playing {
            return;
        }
        self.play_credit += f64::from(self.speed()) * elapsed.as_secs_f64();
        let whole = self.play_credit.floor();
        self.play_credit -= whole;
        if whole >= 1.0 {
            self.move_by(whole as i64);
        }
        if let Some(run) = self.run()
            && run.cursor + 1 >= run.recording.len()
        {
            self.playing = false;
            self.play_credit = 0.0;
        }
    }

    fn click(&mut self, kind: MouseEventKind, column: u16, row: u16) {
        // The picker covers the screen: the wheel and clicks choose there,
        // never move the run behind it.
        if let Some(picker) = &mut self.picker {
            match kind {
                MouseEventKind::ScrollDown => return self.act_in_picker(Action::NextNode),
                MouseEventKind::ScrollUp => return self.act_in_picker(Action::PrevNode),
                MouseEventKind::Down(MouseButton::Left) => {
                    if let Some(i) = view::picker_row_at(self.size, picker, row) {
                        picker.selected = i;
                    }
                }
                _ => {}
            }
            return;
        }
        match kind {
            MouseEventKind::ScrollDown if self.overlay == Overlay::Help => {
                return self.act(Action::ScrollDown);
            }
            MouseEventKind::ScrollUp if self.overlay == Overlay::Help => return self.act(Action::ScrollUp),
            MouseEventKind::ScrollDown => return self.move_by(1),
            MouseEventKind::ScrollUp => return self.move_by(-1),
            MouseEventKind::Down(MouseButton::Left) => {}
            _ => return,
        }
        match view::hit(self, column, row) {
            Some(view::Hit::Node(node)) => self.selected = node,
            Some(view::Hit::Event(event)) => self.seek(event),
            Some(view::Hit::Pane(pane)) => self.focus = pane,
            None => {}
        }
    }

    // ----- moving the cursor -----

    fn seek(&mut self, event: usize) {
        if let Some(run) = self.runs.last_mut() {
            run.seek(event);
        }
    }

    fn move_by(&mut self, delta: i64) {
        if let Some(run) = self.runs.last_mut() {
            let target = (run.cursor as i64).saturating_add(delta).max(0) as usize;
            run.seek(target);
        }
    }

    /// Moves to the next (or previous) mark `wanted` accepts; says so and
    /// returns false if there is none.
    fn jump_mark(&mut self, forward: bool, wanted: impl Fn(&Mark) -> bool, what: &str) -> bool {
        let Some(run) = self.runs.last_mut() else { return false };
        let cursor = run.cursor;
        let marks = run.recording.marks.iter().filter(|(_, m)| wanted(m)).map(|(i, _)| *i);
        let target =
            if forward { marks.filter(|i| *i > cursor).min() } else { marks.filter(|i| *i < cursor).max() };
        match target {
            Some(event) => {
                run.seek(event);
                true
            }
            None => {
                let side = if forward { "after" } else { "before" };
                self.status = Some(format!("no {what} {side} this event"));
                false
            }
        }
    }

    /// Names the violations marked at the cursor's event in the status
    /// line: `‼ property: message`.
    fn name_violations(&mut self) {
        let Some(run) = self.run() else { return };
        let here: Vec<String> = run
            .recording
            .violations()
            .filter(|(i, _)| *i == run.cursor)
            .map(|(_, v)| format!("{} {}: {}", describe::glyph::VIOLATION, v.property, v.message))
            .collect();
        if !here.is_empty() {
            self.status = Some(here.join("; "));
        }
    }

    fn jump_node_message(&mut self, forward: bool) {
        let node = self.selected;
        let Some(run) = self.runs.last_mut() else { return };
        let events = run.recording.events_of(node);
        let is_message = |i: &&usize| {
            matches!(
                run.recording.trace.events[**i].kind,
                TraceKind::Send { .. } | TraceKind::Deliver { .. } | TraceKind::Drop { .. }
            )
        };
        let split = events.partition_point(|i| *i <= run.cursor);
        let target = if forward {
            events[split..].iter().find(is_message)
        } else {
            events[..split].iter().rev().filter(|i| **i < run.cursor).find(is_message)
        };
        match target.copied() {
            Some(event) => run.seek(event),
            None => {
                let name = Names(&run.recording.trace.header).name(node);
                let side = if forward { "later" } else { "earlier" };
                self.status = Some(format!("no {side} message of {name}"));
            }
        }
    }

    fn select_step(&mut self, forward: bool) {
        let Some(run) = self.run() else { return };
        let count = run.recording.node_count().max(1) as u32;
        let at = self.selected.as_u32().min(count - 1);
        let next = if forward { (at + 1) % count } else { (at + count - 1) % count };
        self.selected = NodeId::new(next);
    }

    /// Finds the next (or previous) event whose log line contains the
    /// query, wrapping around the run.
    fn search(&mut self, forward: bool) {
        if self.query.is_empty() {
            self.status = Some("type / and a word to search for".into());
            return;
        }
        let needle = self.query.to_lowercase();
        let Some(run) = self.runs.last_mut() else { return };
        let len = run.recording.len();
        let recording = &run.recording;
        let names = Names(&recording.trace.header);
        let matches = |i: usize| {
            describe::event(names, &recording.trace.events[i], |id| recording.message_body(id))
                .to_lowercase()
                .contains(&needle)
        };
        let cursor = run.cursor;
        // Every event once, starting next to the cursor and wrapping
        // around the run, the cursor's own event last.
        let mut order =
            (1..=len).map(|k| if forward { (cursor + k) % len } else { (cursor + len - k) % len });
        match order.find(|i| matches(*i)) {
            Some(event) => {
                let wrapped = if forward { event <= cursor } else { event >= cursor };
                run.seek(event);
                if wrapped {
                    self.status = Some(format!("`{}`: wrapped around the run", self.query));
                }
            }
            None => self.status = Some(format!("`{}` is not in this run", self.query)),
        }
    }

    // ----- forks -----

    fn fork_selected(&mut self, kind: fn(NodeId) -> ForkKind) {
        self.fork(kind(self.selected));
    }

    fn fork_cut(&mut self, both_ways: bool) {
        let Some(run) = self.run() else { return };
        match run.recording.message_of(run.cursor) {
            Some((_, life)) if life.from != life.to => {
                self.fork(ForkKind::Cut { from: life.from, to: life.to, both_ways })
            }
            _ => {
                self.status = Some(
                    "put the cursor on a message (a send, delivery or drop) to cut the link it travels"
                        .into(),
                )
            }
        }
    }

    /// Re-runs the current run's scenario and seed with one more fault at
    /// the cursor's time, and shows the new run over the old one. (The
    /// fault fires after every event of that moment, not just after the
    /// cursor's: a run handles a moment whole before a planned fault.)
    fn fork(&mut self, kind: ForkKind) {
        let Some(run) = self.runs.last() else { return };
        let Some(scenario) = run.scenario.clone() else {
            // The command first: on a narrow terminal the end is what gets cut.
            self.status = Some(format!(
                "to fork, run `weft explore {} --seed {}` (a trace file cannot re-run)",
                run.recording.trace.header.scenario, run.recording.trace.header.seed
            ));
            return;
        };
        let Some(host) = &mut self.host else {
            self.status = Some("forking needs a host that can run scenarios".into());
            return;
        };
        let fault = ForkFault { at: run.time(), kind };
        let mut forks = run.forks.clone();
        forks.push(fault.clone());
        let seed = run.recording.trace.header.seed;
        match host.run(&scenario, Some(seed), &forks) {
            Ok(trace) => {
                let cursor = run.cursor;
                let mut child = Run::new(trace, Some(scenario));
                let words = fault.describe(Names(&child.recording.trace.header));
                child.diff = Some(super::Diff::between(&run.recording, &child.recording, words));
                child.forks = forks;
                child.seek(cursor);
                self.runs.push(child);
                self.overlay = Overlay::Diff;
                self.playing = false;
            }
            Err(message) => self.status = Some(format!("the fork did not run: {message}")),
        }
    }
}

#[cfg(test)]
mod tests;
