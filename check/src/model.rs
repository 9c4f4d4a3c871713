//! The models: what a correct single copy of the object would answer.
//!
//! A model is a sequential specification: a starting state and, for each
//! operation, whether it is allowed in a state and what state it leaves.
//! The search asks the model one question, over and over: "from this state,
//! can this operation happen, and what comes next?" ([`Machine::step`]).
//!
//! To make that question cheap, every value in a partition is *interned*:
//! given a small number, once, so a state is a `u32` and comparing states is
//! comparing numbers. Only `append` makes new values as the search goes (the
//! concatenation of two strings); those are interned as they appear.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::history::{Function, Value};

/// The object a history is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// One register, starting absent (`null`): `read` and `write`.
    Register,
    /// One register with compare-and-set: `read`, `write` and `cas`.
    CasRegister,
    /// A key-value store: `get`, `put` and `append`, each on a key. Every
    /// key starts as the empty string; keys are independent, so each key's
    /// operations are checked on their own.
    Kv,
}

impl Model {
    /// Every model, in the order `--help` lists them.
    pub const ALL: [Model; 3] = [Model::Register, Model::CasRegister, Model::Kv];

    /// The model's name, as `--model` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Model::Register => "register",
            Model::CasRegister => "cas-register",
            Model::Kv => "kv",
        }
    }

    /// The operations a history of this model may contain.
    pub fn functions(self) -> &'static [Function] {
        match self {
            Model::Register => &[Function::Read, Function::Write],
            Model::CasRegister => &[Function::Read, Function::Write, Function::Cas],
            Model::Kv => &[Function::Get, Function::Put, Function::Append],
        }
    }

    /// What the object is called in explanations.
    pub(crate) fn object(self) -> &'static str {
        match self {
            Model::Register | Model::CasRegister => "the register",
            Model::Kv => "the key",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A model name that is not one of [`Model::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown model `{0}`: expected register, cas-register or kv")]
pub struct UnknownModel(pub String);

impl FromStr for Model {
    type Err = UnknownModel;

    fn from_str(text: &str) -> Result<Model, UnknownModel> {
        Model::ALL.into_iter().find(|m| m.name() == text).ok_or_else(|| UnknownModel(text.to_string()))
    }
}

/// A state: the interned number of a value (see [`Values`]).
pub(crate) type State = u32;

/// An operation as the search sees it: its effect on interned states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    /// A read (or get) that returned `expect`: allowed only in that state.
    Read { expect: State },
    /// A write (or put): any state becomes `value`.
    Write { value: State },
    /// A compare-and-set. `swapped: Some(true)`: it was allowed only in
    /// `expect`, and left `new`; `Some(false)`: only in another state, and
    /// changed nothing; `None` (outcome unknown): whatever the state says.
    Cas { expect: State, new: State, swapped: Option<bool> },
    /// An append: the state becomes itself followed by `suffix`.
    Append { suffix: State },
}

impl Action {
    /// True if the action never changes the state, so dropping it from a
    /// history can only make the history easier to linearize.
    pub(crate) fn observes_only(self) -> bool {
        matches!(self, Action::Read { .. } | Action::Cas { swapped: Some(false), .. })
    }
}

/// A plain value of a register or a key, as states hold them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Plain {
    Absent,
    Int(i64),
    Text(String),
    /// For a key: any text holding an append that no get ever returned
    /// (see [`Machine::mark_unread`]). No get can see such a text, and
    /// appending keeps the unread part, so until a put replaces it, every
    /// such text behaves the same: the machine keeps them as one state.
    Unread,
}

/// How [`Plain::Unread`] is shown, where a value is expected.
const UNREAD_TEXT: &str = "(text holding an append no get returned)";

impl Plain {
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Plain::Absent => Value::Null,
            Plain::Int(i) => Value::Int(*i),
            Plain::Text(s) => Value::Text(s.clone()),
            Plain::Unread => Value::Text(UNREAD_TEXT.to_string()),
        }
    }

    /// The text an append works on: strings as they are, integers in
    /// decimal.
    fn text(&self) -> String {
        match self {
            Plain::Absent | Plain::Unread => String::new(),
            Plain::Int(i) => i.to_string(),
            Plain::Text(s) => s.clone(),
        }
    }
}

/// The interning table of one partition, and the model's step function.
#[derive(Debug)]
pub(crate) struct Machine {
    model: Model,
    ids: BTreeMap<Plain, State>,
    plains: Vec<Plain>,
    /// Appends already computed: (state, suffix) to the resulting state.
    appended: BTreeMap<(State, State), State>,
    /// Suffixes that no get returned (see [`Machine::mark_unread`]).
    unread: BTreeSet<State>,
}

impl Machine {
    /// A machine whose state 0 is the model's starting value: absent for a
    /// register, the empty string for a key.
    pub(crate) fn new(model: Model) -> Machine {
        let mut machine = Machine {
            model,
            ids: BTreeMap::new(),
            plains: Vec::new(),
            appended: BTreeMap::new(),
            unread: BTreeSet::new(),
        };
        let start = machine.intern_plain(match model {
            Model::Register | Model::CasRegister => Plain::Absent,
            Model::Kv => Plain::Text(String::new()),
        });
        debug_assert_eq!(start, Machine::INITIAL);
        machine
    }

    /// The state every register and every key starts in.
    pub(crate) const INITIAL: State = 0;

    /// The state holding `value`. For a key, absent is the empty string.
    pub(crate) fn intern(&mut self, value: Plain) -> State {
        match value {
            Plain::Absent if self.model == Model::Kv => self.intern_plain(Plain::Text(String::new())),
            plain => self.intern_plain(plain),
        }
    }

    fn intern_plain(&mut self, plain: Plain) -> State {
        if let Some(&id) = self.ids.get(&plain) {
            return id;
        }
        let id = State::try_from(self.plains.len()).expect("fewer than 2^32 distinct values");
        self.plains.push(plain.clone());
        self.ids.insert(plain, id);
        id
    }

    /// The value a state holds, as the machine keeps it (ordered).
    pub(crate) fn plain(&self, state: State) -> &Plain {
        &self.plains[state as usize]
    }

    /// The value a state holds, as a history writes it: a key's initial
    /// value, absent, is `null` (to the model, absent and `""` are one
    /// value, since appending to either gives the same text).
    pub(crate) fn value(&self, state: State) -> Value {
        if self.model == Model::Kv && state == Machine::INITIAL {
            return Value::Null;
        }
        self.plains[state as usize].to_value()
    }

    /// Applies `action` in `state`: the next state, or `None` if the action
    /// cannot happen there.
    pub(crate) fn step(&mut self, state: State, action: Action) -> Option<State> {
        match action {
            Action::Read { expect } => (state == expect).then_some(state),
            Action::Write { value } => Some(value),
            Action::Cas { expect, new, swapped } => match swapped {
                Some(true) => (state == expect).then_some(new),
                Some(false) => (state != expect).then_some(state),
                None => Some(if state == expect { new } else { state }),
            },
            Action::Append { suffix } => Some(self.append(state, suffix)),
        }
    }

    /// For a key: could appends alone turn `state` into `target`? (An
    /// integer stays itself only without appends; text only grows at its
    /// end.) The search uses this to abandon an order early: when no put
    /// can come before a pending get, the state must grow into what the get
    /// returned.
    pub(crate) fn could_grow_into(&self, state: State, target: State) -> bool {
        if state == target {
            return true;
        }
        match &self.plains[target as usize] {
            Plain::Text(target) => target.starts_with(&self.plains[state as usize].text()),
            // An integer (or absent) cannot be reached by appending.
            _ => false,
        }
    }

    /// True if the text of `state` contains the text of `part` (an append of
    /// `part` may be what a get returning `state` saw).
    pub(crate) fn contains(&self, state: State, part: State) -> bool {
        match &self.plains[state as usize] {
            Plain::Text(text) => text.contains(&self.plains[part as usize].text()),
            _ => false,
        }
    }

    /// True for the key-value model, where [`Machine::could_grow_into`] applies.
    pub(crate) fn appends(&self) -> bool {
        self.model == Model::Kv
    }

    /// Declares that no get of this key returned a text containing the text
    /// of `suffix`. An append of it then leads to the one [`Plain::Unread`]
    /// state: the orders of such appends, which nothing observed, no
    /// longer make as many distinct states for the search to try.
    pub(crate) fn mark_unread(&mut self, suffix: State) {
        debug_assert!(self.appends(), "only keys have appends");
        self.unread.insert(suffix);
    }

    fn append(&mut self, state: State, suffix: State) -> State {
        if let Some(&next) = self.appended.get(&(state, suffix)) {
            return next;
        }
        if self.unread.contains(&suffix) || self.plains[state as usize] == Plain::Unread {
            let next = self.intern_plain(Plain::Unread);
            self.appended.insert((state, suffix), next);
            return next;
        }
        let joined = self.plains[state as usize].text() + &self.plains[suffix as usize].text();
        let next = self.intern_plain(Plain::Text(joined));
        self.appended.insert((state, suffix), next);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_read_back() {
        for model in Model::ALL {
            assert_eq!(model.name().parse::<Model>(), Ok(model));
        }
        assert_eq!("cas".parse::<Model>(), Err(UnknownModel("cas".into())));
    }

    #[test]
    fn a_key_starts_empty_and_null_is_empty() {
        let mut m = Machine::new(Model::Kv);
        assert_eq!(m.intern(Plain::Absent), Machine::INITIAL);
        assert_eq!(m.intern(Plain::Text(String::new())), Machine::INITIAL);
        let mut r = Machine::new(Model::Register);
        assert_eq!(r.intern(Plain::Absent), Machine::INITIAL);
        assert_ne!(r.intern(Plain::Text(String::new())), Machine::INITIAL, "a register's \"\" is a value");
    }

    #[test]
    fn append_concatenates_text_and_integers_in_decimal() {
        let mut m = Machine::new(Model::Kv);
        let a = m.intern(Plain::Text("a".into()));
        let seven = m.intern(Plain::Int(7));
        let s = m.step(Machine::INITIAL, Action::Append { suffix: a }).expect("append always applies");
        let s = m.step(s, Action::Append { suffix: seven }).expect("append always applies");
        assert_eq!(m.value(s), Value::Text("a7".into()));
        let s = m.step(s, Action::Append { suffix: a }).expect("append always applies");
        assert_eq!(m.value(s), Value::Text("a7a".into()));
    }

    #[test]
    fn text_grows_only_at_its_end() {
        let mut m = Machine::new(Model::Kv);
        let (ab, abc, b) = (
            m.intern(Plain::Text("ab".into())),
            m.intern(Plain::Text("abc".into())),
            m.intern(Plain::Text("b".into())),
        );
        let (seven, seventy) = (m.intern(Plain::Int(7)), m.intern(Plain::Text("70".into())));
        assert!(m.could_grow_into(Machine::INITIAL, abc));
        assert!(m.could_grow_into(ab, abc));
        assert!(m.could_grow_into(abc, abc));
        assert!(!m.could_grow_into(abc, ab));
        assert!(!m.could_grow_into(b, abc));
        assert!(m.could_grow_into(seven, seventy), "7 then append \"0\"");
        assert!(!m.could_grow_into(Machine::INITIAL, seven), "appends make text, never an integer");
    }

    #[test]
    fn cas_swaps_only_on_the_expected_value() {
        let mut m = Machine::new(Model::CasRegister);
        let (one, two) = (m.intern(Plain::Int(1)), m.intern(Plain::Int(2)));
        let swap = Action::Cas { expect: one, new: two, swapped: Some(true) };
        let refuse = Action::Cas { expect: one, new: two, swapped: Some(false) };
        let unknown = Action::Cas { expect: one, new: two, swapped: None };
        assert_eq!(m.step(one, swap), Some(two));
        assert_eq!(m.step(two, swap), None);
        assert_eq!(m.step(one, refuse), None);
        assert_eq!(m.step(two, refuse), Some(two));
        assert_eq!(m.step(one, unknown), Some(two));
        assert_eq!(m.step(Machine::INITIAL, unknown), Some(Machine::INITIAL));
    }
}
