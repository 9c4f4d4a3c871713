//! `weft explore` and `weft` alone: the errors a user meets before the
//! screen is taken over, and sessions in a pseudo-terminal (a scenario, the
//! picker, a trace file), driven by keys and read back through a terminal
//! emulator.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use super::{scratch, stderr, stdout, weft};

#[test]
fn no_arguments_in_a_pipe_lists_the_scenarios_and_how_to_explore_one() {
    let out = weft(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for builtin in weft_scenarios::library() {
        assert!(text.contains(builtin.name), "`{}` is missing from {text}", builtin.name);
    }
    assert!(text.contains("weft explore"), "{text}");
    assert!(text.contains("weft run"), "{text}");
}

#[test]
fn a_missing_trace_file_is_an_error_naming_it() {
    let out = weft(&["explore", "--trace", "missing.jsonl"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("error") && err.contains("missing.jsonl"), "{err}");
}

#[test]
fn a_malformed_trace_file_is_an_error_at_its_line_and_column() {
    let dir = scratch("explore-bad-trace");
    let path = dir.join("bad.jsonl");
    std::fs::write(
        &path,
        "{\"weft_trace\": 1, \"scenario\": \"x\", \"seed\": 1, \"nodes\": []}\n{\"time\": oops}\n",
    )
    .expect("write");
    let path = path.to_str().expect("utf-8 path");
    let out = weft(&["explore", "--trace", path]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{path}:2:10: ")), "{err}");
    assert!(!err.contains("at line 1"), "no second, contradicting location: {err}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn explore_needs_a_terminal_and_says_so() {
    let out = weft(&["explore", "leader-election"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("needs a terminal") && err.contains("--trace"), "{err}");

    // A mistake in the scenario is reported first: it is the one to fix.
    let out = weft(&["explore", "flod"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown scenario `flod` (did you mean `flood`?)"), "{}", stderr(&out));
}

#[test]
fn explore_takes_a_scenario_or_a_trace_but_not_both() {
    for args in [
        &["explore"][..],
        &["explore", "flood", "--trace", "t.jsonl"],
        &["explore", "--trace", "t", "--seed", "1"],
    ] {
        let out = weft(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("--trace"), "{args:?}: {}", stderr(&out));
    }
}

/// How long any one thing may take to show on screen (a debug build on a
/// busy machine is slow; a hang is a failure, not a stuck test run).
const DEADLINE: Duration = Duration::from_secs(20);

/// `weft` running in an 80×24 pseudo-terminal, its output read into a
/// terminal emulator on a thread.
struct Session {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    /// The terminal's own end; dropping it hangs the terminal up.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    fn start(args: &[&str]) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_weft"));
        command.args(args);
        command.env("TERM", "xterm-256color");
        command.env_remove("NO_COLOR");
        let child = pty.slave.spawn_command(command).expect("weft starts");
        // Only the child holds the terminal's other end now, so the reader
        // sees the end of the output when the child exits.
        drop(pty.slave);
        let rows = NonZeroU16::new(24).expect("nonzero");
        let cols = NonZeroU16::new(80).expect("nonzero");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut output = pty.master.try_clone_reader().expect("the terminal's output");
        let parser = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = output.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                parser.lock().expect("the parser lock").process(&buffer[..n]);
            }
        });
        let keys = pty.master.take_writer().expect("the terminal's input");
        Session { child, keys, screen, _master: pty.master }
    }

    fn contents(&self) -> String {
        self.screen.lock().expect("the parser lock").screen().contents()
    }

    fn header(&self) -> String {
        let parser = self.screen.lock().expect("the parser lock");
        parser.screen().rows(0, 80).next().unwrap_or_default()
    }

    fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).expect("key written");
        self.keys.flush().expect("key flushed");
    }

    /// Waits until `done` holds of the screen, or fails showing it.
    fn wait_for(&mut self, what: &str, done: impl Fn(&Session) -> bool) {
        let start = Instant::now();
        while !done(self) {
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("waited {DEADLINE:?} for {what}; the screen shows:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_text(&mut self, text: &str) {
        self.wait_for(&format!("`{text}`"), |s| s.contents().contains(text));
    }

    fn wait_for_no_text(&mut self, text: &str) {
        self.wait_for(&format!("`{text}` to go"), |s| !s.contents().contains(text));
    }

    /// Presses q, waits for weft to exit, and checks that it exited well
    /// and gave the terminal back: the normal screen, not the explorer's.
    fn quit(mut self) {
        self.press("q");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                break status;
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("weft did not quit within {DEADLINE:?}; the screen shows:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "weft exited with {status:?}; the screen shows:\n{}", self.contents());
        // The reader thread may still be taking in the last bytes.
        self.wait_for("the normal screen back", |s| {
            !s.screen.lock().expect("the parser lock").screen().alternate_screen()
        });
    }
}

#[test]
fn a_session_steps_opens_help_forks_goes_back_and_quits() {
    let mut session = Session::start(&["explore", "leader-election"]);
    session.wait_for_text("message flow");

    session.press("lll");
    session.wait_for("the header at event 4", |s| s.header().contains("event 4/"));

    session.press("?");
    session.wait_for_text("Move through time");
    // Esc alone: crossterm waits a moment to tell it from an escape sequence.
    session.press("\x1b");
    session.wait_for_no_text("Move through time");

    session.press("c");
    session.wait_for_text("added: crash");
    session.press("b");
    session.wait_for_text("back to the original run");
    session.wait_for_no_text("added: crash");

    session.quit();
}

#[test]
fn bare_weft_in_a_terminal_opens_the_picker_and_explores_the_chosen_scenario() {
    let mut session = Session::start(&[]);
    session.wait_for_text("choose a scenario to explore");
    let first = weft_scenarios::library()[0].name;
    session.wait_for_text(first);
    session.press("\r");
    session.wait_for("the chosen scenario's run", |s| s.contents().contains("message flow"));
    assert!(session.header().contains(first), "the header names {first}: {}", session.header());
    session.quit();
}

#[test]
fn a_trace_file_opens_in_the_explorer_and_says_how_to_fork() {
    let dir = scratch("explore-trace-file");
    let path = dir.join("run.jsonl");
    let path = path.to_str().expect("utf-8 path");
    let out = weft(&["run", "ping-pong", "--seed", "4", "--trace", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut session = Session::start(&["explore", "--trace", path]);
    session.wait_for_text("message flow");
    assert!(session.header().contains("ping-pong"), "{}", session.header());
    session.press("c");
    session.wait_for_text("weft explore ping-pong --seed 4");
    session.quit();
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
