//! The key table: every key the explorer answers to, in one place.
//!
//! [`BINDINGS`] drives three things, so they can never disagree: the
//! dispatch ([`action_for`]), the help screen (`?`), and the table in
//! `docs/explorer.md` (a test checks the page against [`markdown_table`]).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The panes of the explorer's main screen. Focus moves between them with
/// Tab; some keys mean different things in different panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    /// The space-time diagram: one column per node, one row per event.
    Flow,
    /// The event log.
    Log,
    /// The network drawing.
    Topology,
    /// The selected node's state.
    Inspector,
}

impl Pane {
    /// Every pane, in focus order.
    pub const ALL: [Pane; 4] = [Pane::Flow, Pane::Log, Pane::Topology, Pane::Inspector];

    /// The pane's title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Flow => "message flow",
            Pane::Log => "event log",
            Pane::Topology => "topology",
            Pane::Inspector => "inspector",
        }
    }
}

/// A key, as the table writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable character (space included).
    Char(char),
    /// A character with Ctrl held.
    Ctrl(char),
    /// ←
    Left,
    /// →
    Right,
    /// ↑
    Up,
    /// ↓
    Down,
    /// Home
    Home,
    /// End
    End,
    /// Page Up
    PageUp,
    /// Page Down
    PageDown,
    /// Tab
    Tab,
    /// Shift-Tab
    BackTab,
    /// Enter
    Enter,
    /// Escape
    Esc,
    /// Backspace
    Backspace,
}

impl Key {
    /// The key of a terminal key event; `None` for releases and keys the
    /// explorer does not use.
    pub fn from_event(event: KeyEvent) -> Option<Key> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        Some(match event.code {
            KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Tab => Key::Tab,
            KeyCode::BackTab => Key::BackTab,
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Esc,
            KeyCode::Backspace => Key::Backspace,
            _ => return None,
        })
    }

    /// How the help screen and the docs write the key.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Tab => "Tab".into(),
            Key::BackTab => "Shift-Tab".into(),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Backspace => "Backspace".into(),
        }
    }
}

/// Everything a key can ask the explorer to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave the explorer.
    Quit,
    /// Show or hide the key table.
    Help,
    /// Close whatever is open over the main screen (help, a fork's
    /// summary), or cancel a search being typed.
    Close,
    /// Start or stop playback.
    TogglePlay,
    /// One event later.
    StepForward,
    /// One event earlier.
    StepBack,
    /// A page of events later.
    PageForward,
    /// A page of events earlier.
    PageBack,
    /// The first event.
    GoStart,
    /// The last event.
    GoEnd,
    /// The next fault.
    NextFault,
    /// The previous fault.
    PrevFault,
    /// The next property violation.
    NextViolation,
    /// The previous property violation.
    PrevViolation,
    /// The selected node's next message (sent, received or lost).
    NextNodeMessage,
    /// The selected node's previous message.
    PrevNodeMessage,
    /// Play faster.
    Faster,
    /// Play slower.
    Slower,
    /// Select the next node.
    NextNode,
    /// Select the previous node.
    PrevNode,
    /// Move focus to the next pane.
    FocusNext,
    /// Move focus to the previous pane.
    FocusPrev,
    /// Type a search of the event log.
    Search,
    /// The next event matching the search.
    SearchNext,
    /// The previous event matching the search.
    SearchPrev,
    /// Show only the selected node's events in the log, or all again.
    FilterNode,
    /// Show only one kind of event in the log (cycles through the kinds).
    FilterKind,
    /// Fork: crash the selected node at the cursor.
    ForkCrash,
    /// Fork: restart the selected node at the cursor.
    ForkRestart,
    /// Fork: partition the selected node away from all others.
    ForkIsolate,
    /// Fork: cut, both ways, the link the message at the cursor travels.
    ForkCut,
    /// Fork: cut that link one way only (sender to receiver).
    ForkCutOneWay,
    /// Fork: heal every partition and cut at the cursor.
    ForkHeal,
    /// Go back from a fork to the run it was forked from.
    Back,
    /// Show the summary of how this fork differs from its parent.
    ShowDiff,
    /// Open the scenario picker.
    Picker,
    /// In the picker: open the highlighted scenario. In a search: search.
    Confirm,
    /// In the help: scroll down.
    ScrollDown,
    /// In the help: scroll up.
    ScrollUp,
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere, whatever is open or being typed.
    Always,
    /// On the main screen, whatever has focus.
    Anywhere,
    /// On the main screen, when one of these panes has focus.
    Panes(&'static [Pane]),
    /// In the scenario picker.
    Picker,
    /// While typing a search.
    Typing,
    /// While the help is showing.
    Help,
}

/// One row of the key table.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// The keys (any of them).
    pub keys: &'static [Key],
    /// What they do.
    pub action: Action,
    /// Where.
    pub scope: Scope,
    /// The help screen's heading this row sits under.
    pub section: &'static str,
    /// What they do, in words.
    pub help: &'static str,
}

const MOVE: &str = "Move through time";
const LOOK: &str = "Look around";
const FORK: &str = "Fork: change the past, run again";
const PICK: &str = "In the scenario picker";
const GENERAL: &str = "General";
const HELP: &str = "In this help";
const TYPING: &str = "While typing a search";

/// The flow diagram and the log are lists of events: ↑ and ↓ move the
/// cursor there. The topology and the inspector are about nodes: ↑ and ↓
/// pick the node there.
const EVENT_PANES: &[Pane] = &[Pane::Flow, Pane::Log];
const NODE_PANES: &[Pane] = &[Pane::Topology, Pane::Inspector];

macro_rules! bind {
    ([$($key:expr),+], $action:ident, $scope:expr, $section:expr, $help:literal) => {
        Binding { keys: &[$($key),+], action: Action::$action, scope: $scope, section: $section, help: $help }
    };
}

use Key::*;
use Scope::*;

/// The key table. Order matters twice: it is the help screen's order, and
/// the first row that matches a key (in scope) wins.
pub const BINDINGS: &[Binding] = &[
    bind!([Char(' ')], TogglePlay, Anywhere, MOVE, "play / pause"),
    bind!([Char('l'), Right], StepForward, Anywhere, MOVE, "step one event forward"),
    bind!([Char('h'), Left], StepBack, Anywhere, MOVE, "step one event back"),
    bind!([Down], StepForward, Panes(EVENT_PANES), MOVE, "step forward (flow and log have focus)"),
    bind!([Up], StepBack, Panes(EVENT_PANES), MOVE, "step back (flow and log have focus)"),
    bind!([PageDown], PageForward, Anywhere, MOVE, "a page of events forward"),
    bind!([PageUp], PageBack, Anywhere, MOVE, "a page of events back"),
    bind!([Char('g'), Home], GoStart, Anywhere, MOVE, "go to the start"),
    bind!([Char('G'), End], GoEnd, Anywhere, MOVE, "go to the end"),
    bind!([Char('f')], NextFault, Anywhere, MOVE, "next fault"),
    bind!([Char('F')], PrevFault, Anywhere, MOVE, "previous fault"),
    bind!([Char('v')], NextViolation, Anywhere, MOVE, "next property violation"),
    bind!([Char('V')], PrevViolation, Anywhere, MOVE, "previous property violation"),
    bind!([Char('m')], NextNodeMessage, Anywhere, MOVE, "next message of the selected node"),
    bind!([Char('M')], PrevNodeMessage, Anywhere, MOVE, "previous message of the selected node"),
    bind!([Char('+'), Char('=')], Faster, Anywhere, MOVE, "play faster"),
    bind!([Char('-')], Slower, Anywhere, MOVE, "play slower"),
    bind!([Char(']')], NextNode, Anywhere, LOOK, "select the next node (or click it)"),
    bind!([Char('[')], PrevNode, Anywhere, LOOK, "select the previous node"),
    bind!([Down], NextNode, Panes(NODE_PANES), LOOK, "next node (topology and inspector have focus)"),
    bind!([Up], PrevNode, Panes(NODE_PANES), LOOK, "previous node (topology and inspector have focus)"),
    bind!([Tab], FocusNext, Anywhere, LOOK, "focus the next pane"),
    bind!([BackTab], FocusPrev, Anywhere, LOOK, "focus the previous pane"),
    bind!([Char('/')], Search, Anywhere, LOOK, "search the events"),
    bind!([Char('n')], SearchNext, Anywhere, LOOK, "next match"),
    bind!([Char('N')], SearchPrev, Anywhere, LOOK, "previous match"),
    bind!([Char('o')], FilterNode, Anywhere, LOOK, "log: only the selected node's events / all"),
    bind!(
        [Char('k')],
        FilterKind,
        Anywhere,
        LOOK,
        "log: next kind: messages, drops, timers, faults, observations"
    ),
    bind!([Char('c')], ForkCrash, Anywhere, FORK, "crash the selected node here"),
    bind!([Char('r')], ForkRestart, Anywhere, FORK, "restart the selected node here"),
    bind!([Char('p')], ForkIsolate, Anywhere, FORK, "partition the selected node away"),
    bind!([Char('x')], ForkCut, Anywhere, FORK, "cut the link of the message at the cursor"),
    bind!([Char('X')], ForkCutOneWay, Anywhere, FORK, "cut it one way (sender to receiver)"),
    bind!([Char('u')], ForkHeal, Anywhere, FORK, "heal every partition and cut"),
    bind!([Char('d')], ShowDiff, Anywhere, FORK, "what this fork changed"),
    bind!([Char('b'), Backspace], Back, Anywhere, FORK, "back to the run this was forked from"),
    bind!([Char('s')], Picker, Anywhere, GENERAL, "choose another scenario"),
    bind!([Char('?')], Help, Anywhere, GENERAL, "this help"),
    bind!([Esc], Close, Anywhere, GENERAL, "close a fork's summary"),
    bind!([Char('q')], Quit, Anywhere, GENERAL, "quit"),
    bind!([Ctrl('c')], Quit, Always, GENERAL, "quit, from anywhere"),
    bind!([Down, Char('j')], ScrollDown, Help, HELP, "scroll down"),
    bind!([Up, Char('k')], ScrollUp, Help, HELP, "scroll up"),
    bind!([Esc, Char('q'), Char('?')], Close, Help, HELP, "close the help"),
    bind!([Enter], Confirm, Typing, TYPING, "search for what was typed (then n and N)"),
    bind!([Esc], Close, Typing, TYPING, "stop typing, do not search"),
    bind!([Up, Char('k')], PrevNode, Picker, PICK, "previous scenario"),
    bind!([Down, Char('j')], NextNode, Picker, PICK, "next scenario"),
    bind!([Enter], Confirm, Picker, PICK, "explore it"),
    bind!([Char('q'), Esc], Close, Picker, PICK, "back to the run, or quit if there is none"),
];

/// Where the explorer is, for choosing a binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The main screen, with this pane focused.
    Main(Pane),
    /// The scenario picker.
    Picker,
    /// Typing a search.
    Typing,
    /// Reading the help.
    Help,
}

/// The action `key` asks for in `mode`: the first binding in scope that
/// lists the key.
///
/// ```
/// use weft_tui::keys::{Action, Key, Mode, Pane, action_for};
///
/// assert_eq!(action_for(Key::Char('l'), Mode::Main(Pane::Flow)), Some(Action::StepForward));
/// assert_eq!(action_for(Key::Down, Mode::Main(Pane::Flow)), Some(Action::StepForward));
/// assert_eq!(action_for(Key::Down, Mode::Main(Pane::Topology)), Some(Action::NextNode));
/// assert_eq!(action_for(Key::Char('z'), Mode::Main(Pane::Flow)), None);
/// ```
pub fn action_for(key: Key, mode: Mode) -> Option<Action> {
    BINDINGS.iter().find(|b| b.keys.contains(&key) && in_scope(b.scope, mode)).map(|b| b.action)
}

fn in_scope(scope: Scope, mode: Mode) -> bool {
    match (scope, mode) {
        (Scope::Always, _) | (Scope::Anywhere, Mode::Main(_)) => true,
        (Scope::Panes(panes), Mode::Main(pane)) => panes.contains(&pane),
        (Scope::Picker, Mode::Picker) | (Scope::Typing, Mode::Typing) | (Scope::Help, Mode::Help) => true,
        _ => false,
    }
}

/// How a binding's keys are written: `l, →`.
pub fn keys_label(binding: &Binding) -> String {
    binding.keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ")
}

/// The key table as the Markdown table in `docs/explorer.md`, one table per
/// section.
pub fn markdown_table() -> String {
    let mut out = String::new();
    let mut section = "";
    for binding in BINDINGS {
        if binding.section != section {
            section = binding.section;
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("**{section}**\n\n| keys | what they do |\n| --- | --- |\n"));
        }
        let keys = binding.keys.iter().map(|k| format!("`{}`", k.label())).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("| {keys} | {} |\n", binding.help));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                let overlap = match (a.scope, b.scope) {
                    (Scope::Always, _) | (_, Scope::Always) => true,
                    (Scope::Panes(p), Scope::Panes(q)) => p.iter().any(|x| q.contains(x)),
                    (Scope::Anywhere, Scope::Panes(_)) | (Scope::Panes(_), Scope::Anywhere) => true,
                    (x, y) => x == y,
                };
                if overlap {
                    for key in a.keys {
                        assert!(
                            !b.keys.contains(key),
                            "{} is bound to {:?} and {:?}",
                            key.label(),
                            a.action,
                            b.action
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_main_screen_action_has_a_key() {
        use Action::*;
        for action in [
            Quit,
            Help,
            Close,
            TogglePlay,
            StepForward,
            StepBack,
            PageForward,
            PageBack,
            GoStart,
            GoEnd,
            NextFault,
            PrevFault,
            NextViolation,
            PrevViolation,
            NextNodeMessage,
            PrevNodeMessage,
            Faster,
            Slower,
            NextNode,
            PrevNode,
            FocusNext,
            FocusPrev,
            Search,
            SearchNext,
            SearchPrev,
            FilterNode,
            FilterKind,
            ForkCrash,
            ForkRestart,
            ForkIsolate,
            ForkCut,
            ForkCutOneWay,
            ForkHeal,
            Back,
            ShowDiff,
            Picker,
        ] {
            assert!(
                BINDINGS.iter().any(|b| b.action == action && b.scope != Scope::Picker),
                "{action:?} has no key on the main screen"
            );
        }
    }
}
