//! Every mistake in a history file is an error at its line and column,
//! saying what was expected — never a panic.

use weft_check::history::{EventType, Function, History, Value};

/// The error `text` gives: `(line, column, message)`.
fn error(text: &str) -> (usize, usize, String) {
    let e = History::from_json_lines(text).expect_err("the history is bad");
    (e.line, e.column, e.message)
}

/// Asserts `text` fails at `line`:`column` with a message containing `says`.
#[track_caller]
fn fails(text: &str, line: usize, column: usize, says: &str) {
    let (l, c, message) = error(text);
    assert_eq!((l, c), (line, column), "{message}\n{text}");
    assert!(message.contains(says), "`{message}` should contain `{says}`");
}

const WRITE: &str = r#"{"process": 0, "type": "invoke", "f": "write", "value": 1}"#;

#[test]
fn bad_json_is_located_by_serde() {
    fails(r#"{"process": 0, "type": "invoke" "f": "read"}"#, 1, 33, "expected `,` or `}`");
    fails(r#"{"process": 0, "type": "invoke", "f": "read"} x"#, 1, 47, "trailing characters");
    fails(
        r#"{"process": 0, "type": "invoke", "f": "read", "process": 1}"#,
        1,
        55,
        "duplicate field `process`",
    );
    fails("[1, 2]", 1, 1, "expected an event object");
    fails("  42", 1, 3, "expected an event object");
}

#[test]
fn unknown_fields_types_and_functions_name_what_is_allowed() {
    fails(
        r#"{"process": 0, "type": "invoke", "f": "read", "swaped": true}"#,
        1,
        54,
        "unknown field `swaped`, expected one of `process`, `type`, `f`, `key`, `value`, `swapped`, `time`",
    );
    fails(
        r#"{"process": 0, "type": "done", "f": "read"}"#,
        1,
        24,
        r#"expected "invoke", "ok", "fail" or "info", found "done""#,
    );
    fails(r#"{"process": 0, "type": "invoke", "f": "delete"}"#, 1, 39, r#"found "delete""#);
    fails(r#"{"process": -1, "type": "invoke", "f": "read"}"#, 1, 13, "expected a process number");
    fails(r#"{"type": "invoke", "f": "read"}"#, 1, 1, "missing `process`");
    fails(r#"  {"process": 1, "f": "read"}"#, 1, 3, "missing `type`");
}

#[test]
fn columns_count_characters_not_bytes() {
    fails(r#"{"process": 0, "type": "invoke", "f": "lés", "value": "é"}"#, 1, 39, r#"found "lés""#);
    fails(r#"{"prócess": 0}"#, 1, 10, "unknown field `prócess`");
}

#[test]
fn keys_belong_to_key_value_operations_only() {
    fails(
        r#"{"process": 0, "type": "invoke", "f": "put", "value": "a"}"#,
        1,
        1,
        "missing `key`: a put names the key",
    );
    fails(
        r#"{"process": 0, "type": "invoke", "f": "read", "key": "k"}"#,
        1,
        54,
        "a read is a register operation and has no `key`",
    );
    fails(
        r#"{"process": 0, "type": "invoke", "f": "get", "key": 5}"#,
        1,
        53,
        "expected a key (a string), found 5",
    );
}

#[test]
fn values_must_fit_the_operation() {
    fails(
        r#"{"process": 0, "type": "invoke", "f": "write"}"#,
        1,
        1,
        "a write needs a value: an integer or a string",
    );
    fails(r#"{"process": 0, "type": "invoke", "f": "write", "value": null}"#, 1, 57, "a write needs a value");
    fails(
        r#"{"process": 0, "type": "invoke", "f": "write", "value": [1, 2]}"#,
        1,
        57,
        "a write needs a value",
    );
    fails(
        r#"{"process": 0, "type": "invoke", "f": "write", "value": 1.5}"#,
        1,
        57,
        "expected a value: null, an integer",
    );
    fails(
        r#"{"process": 0, "type": "invoke", "f": "cas", "value": 1}"#,
        1,
        55,
        "a cas needs a pair [expected, new]: two integers, or null and an integer",
    );
    fails(
        r#"{"process": 0, "type": "invoke", "f": "cas", "value": [1, null]}"#,
        1,
        55,
        "a cas needs a pair [expected, new]",
    );
    fails(
        r#"{"process": 0, "type": "invoke", "f": "read", "value": 3}"#,
        1,
        56,
        "a read's invoke carries no value",
    );
    let read_ok = r#"{"process": 0, "type": "invoke", "f": "read"}
{"process": 0, "type": "ok", "f": "read"}"#;
    fails(read_ok, 2, 1, "missing `value`: a read's ok carries the value read (null if absent)");
    let read_pair = r#"{"process": 0, "type": "invoke", "f": "read"}
{"process": 0, "type": "ok", "f": "read", "value": [1, 2]}"#;
    fails(read_pair, 2, 52, "a read reads one value");
    let changed = format!("{WRITE}\n{}", r#"{"process": 0, "type": "ok", "f": "write", "value": 2}"#);
    fails(&changed, 2, 53, "the completion's value differs from its invocation's on line 1 (1)");
}

#[test]
fn swapped_belongs_to_a_cas_ok() {
    let cas = r#"{"process": 0, "type": "invoke", "f": "cas", "value": [1, 2]}"#;
    fails(&format!("{cas}\n{}", r#"{"process": 0, "type": "ok", "f": "cas"}"#), 2, 1, "missing `swapped`");
    fails(
        &format!("{cas}\n{}", r#"{"process": 0, "type": "ok", "f": "cas", "swapped": "yes"}"#),
        2,
        53,
        "expected true or false",
    );
    fails(
        &format!("{cas}\n{}", r#"{"process": 0, "type": "info", "f": "cas", "swapped": true}"#),
        2,
        55,
        "only a cas's ok has `swapped`",
    );
    fails(
        r#"{"process": 0, "type": "invoke", "f": "write", "value": 1, "swapped": true}"#,
        1,
        71,
        "only a cas has `swapped`, not a write",
    );
}

#[test]
fn each_process_alternates_invoke_and_completion() {
    fails(
        r#"{"process": 4, "type": "ok", "f": "write", "value": 1}"#,
        1,
        24,
        "process 4 completes an operation it never invoked",
    );
    fails(
        &format!("{WRITE}\n\n{WRITE}"),
        3,
        24,
        "process 0 invokes again while its write from line 1 is still open",
    );
    fails(
        &format!("{WRITE}\n{}", r#"{"process": 0, "type": "ok", "f": "read", "value": 1}"#),
        2,
        35,
        "process 0 invoked a write on line 1 but completes a read",
    );
    let put = r#"{"process": 0, "type": "invoke", "f": "put", "key": "a", "value": 1}"#;
    fails(
        &format!("{put}\n{}", r#"{"process": 0, "type": "ok", "f": "put", "key": "b"}"#),
        2,
        49,
        r#"invoked on key "a" (line 1) but completes on key "b""#,
    );
}

#[test]
fn times_never_go_backwards_and_are_optional_event_by_event() {
    let at = |t: &str| format!(r#"{{"process": {t}, "type": "invoke", "f": "read", "time": {t}}}"#);
    fails(&format!("{}\n{}", at("5"), at("3")), 2, 55, "time goes backwards: 3 ns after 5 ns");
    let untimed = r#"{"process": 9, "type": "invoke", "f": "read"}"#;
    // Some events with times, some without: the lines give the order.
    let mixed =
        History::from_json_lines(&format!("{}\n{untimed}\n{}", at("5"), at("7"))).expect("mixed times");
    let times: Vec<Option<u64>> = mixed.events().iter().map(|e| e.time).collect();
    assert_eq!(times, vec![Some(5), None, Some(7)]);
    // ... and the times given still never go backwards, across untimed lines.
    fails(&format!("{}\n{untimed}\n{}", at("5"), at("3")), 3, 55, "time goes backwards: 3 ns after 5 ns");
    fails(&at("-1").replace(r#""process": -1"#, r#""process": 1"#), 1, 55, "a time in nanoseconds");
    // Equal times are fine: concurrent.
    assert!(History::from_json_lines(&format!("{}\n{}", at("5"), at("5").replace("5,", "6,"))).is_ok());
}

#[test]
fn a_good_file_reads_as_written() {
    let text = r#"
{"process": 0, "type": "invoke", "f": "cas", "value": [1, 2], "time": 10}

{"process": 1, "type": "invoke", "f": "read", "value": null, "time": 11}
{"process": 0, "type": "ok", "f": "cas", "swapped": false, "time": 12}
{"process": 1, "type": "ok", "f": "read", "value": "x", "time": 13}
"#;
    let history = History::from_json_lines(text).expect("a good history");
    assert_eq!(history.len(), 4);
    let events = history.events();
    assert_eq!(events[2].event.kind, EventType::Ok);
    assert_eq!(events[2].event.f, Function::Cas);
    assert_eq!(
        events[2].event.value,
        Value::Pair([Some(1), Some(2)]),
        "a completion without a value repeats the invocation's"
    );
    assert_eq!(events[2].event.swapped, Some(false));
    assert_eq!(events[3].event.value, Value::Text("x".into()));
    assert_eq!(events[3].time, Some(13));
    assert_eq!(history.source_line(2), 5, "blank lines count");
    assert_eq!(history.open_operations(), Vec::<u32>::new());
    // And writes back in the same format.
    assert_eq!(History::from_json_lines(&history.to_json_lines()), Ok(history));
}

#[test]
fn integers_too_big_are_out_of_range() {
    let value = |v: &str| format!(r#"{{"process": 0, "type": "invoke", "f": "write", "value": {v}}}"#);
    fails(
        &value("9223372036854775808"),
        1,
        57,
        "9223372036854775808 is out of range (-9223372036854775808 to 9223372036854775807): expected a value",
    );
    fails(&value("-9223372036854775809"), 1, 57, "-9223372036854775809 is out of range");
    fails(
        &value("[1, 99999999999999999999999999999999999999999]"),
        1,
        57,
        "99999999999999999999999999999999999999999 is out of range",
    );
    assert!(History::from_json_lines(&value("9223372036854775807")).is_ok(), "i64::MAX fits");
    // Not an integer at all: the usual message.
    fails(&value("1.5"), 1, 57, "expected a value: null, an integer");
    let process = r#"{"process": 4294967296, "type": "invoke", "f": "read"}"#;
    fails(process, 1, 13, "4294967296 is out of range (0 to 4294967295): expected a process number");
    let time = r#"{"process": 0, "type": "invoke", "f": "read", "time": 18446744073709551616}"#;
    fails(time, 1, 55, "18446744073709551616 is out of range");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_line() {
    let text = format!("\u{feff}{WRITE}\n{}", WRITE.replace("invoke", "ok"));
    let history = History::from_json_lines(&text).expect("a BOM is skipped");
    assert_eq!(history.len(), 2);
    // Columns count from after it.
    let bad = "\u{feff}{\"process\": 0, \"type\": \"done\", \"f\": \"read\"}";
    fails(bad, 1, 24, "expected \"invoke\"");
}
