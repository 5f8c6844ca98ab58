//! Conference rooms as pure rules: the room's settings (PIN, maximum of participants), the PIN
//! entry of a caller (three tries), who may enter a full room, when music plays, and the live
//! list of participants. No I/O: `calls::conference` drives Asterisk by these answers.

use std::collections::BTreeMap;

/// Shortest PIN.
pub const PIN_MIN: usize = 4;
/// Longest PIN.
pub const PIN_MAX: usize = 8;
/// Tries a caller has for the PIN before hearing goodbye.
pub const PIN_TRIES: u32 = 3;
/// The most participants a room may be limited to (and the most it takes without a limit):
/// one mixing bridge of 100 is already far beyond what an event's meeting needs.
pub const MAX_PARTICIPANTS: u32 = 100;

/// Why a room setting was refused; the message is safe to show to whoever typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConferenceError {
    /// A PIN that is not 4 to 8 digits.
    #[error("a PIN is 4 to 8 digits (or empty for none)")]
    BadPin,
    /// A maximum outside 2..=100.
    #[error("the maximum of participants is 2 to 100 (or empty for no limit)")]
    BadMax,
}

/// A room's settings, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomSettings {
    /// Callers must type this (and `#`) before they enter; None: everyone enters.
    pub pin: Option<String>,
    /// At most this many participants; None: [`MAX_PARTICIPANTS`].
    pub max_participants: Option<u32>,
}

impl RoomSettings {
    /// Checks a PIN and a maximum as typed (empty or None means none).
    pub fn parse(pin: Option<&str>, max: Option<u32>) -> Result<RoomSettings, ConferenceError> {
        let pin = match pin.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => {
                let digits = p.bytes().all(|b| b.is_ascii_digit());
                if !digits || !(PIN_MIN..=PIN_MAX).contains(&p.len()) {
                    return Err(ConferenceError::BadPin);
                }
                Some(p.to_string())
            }
        };
        let max_participants = match max {
            None | Some(0) => None,
            Some(n) if (2..=MAX_PARTICIPANTS).contains(&n) => Some(n),
            Some(_) => return Err(ConferenceError::BadMax),
        };
        Ok(RoomSettings {
            pin,
            max_participants,
        })
    }

    /// The limit in force.
    pub fn limit(&self) -> u32 {
        self.max_participants.unwrap_or(MAX_PARTICIPANTS)
    }

    /// Whether one more caller may enter a room that has `present` participants.
    pub fn admits(&self, present: usize) -> bool {
        u32::try_from(present).is_ok_and(|p| p < self.limit())
    }
}

/// What one finished PIN attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOutcome {
    /// Right: the caller enters.
    Accepted,
    /// Wrong, tries left: "wrong PIN, try again".
    Retry,
    /// Wrong for the last time: goodbye.
    GiveUp,
}

/// A caller typing the PIN: keys are collected until `#` (or until as many digits as the PIN
/// has: phones that send `#` late or never still get in; the `#` that follows is ignored); a timeout with or without keys
/// counts as a wrong try, so a silent caller is sent away after [`PIN_TRIES`] timeouts.
#[derive(Debug, Clone)]
pub struct PinEntry {
    pin: String,
    typed: String,
    tries: u32,
}

impl PinEntry {
    /// Entry of `pin` (already checked by [`RoomSettings::parse`]).
    pub fn new(pin: &str) -> PinEntry {
        PinEntry {
            pin: pin.to_string(),
            typed: String::new(),
            tries: 0,
        }
    }

    /// One key; Some when it completed an attempt.
    pub fn key(&mut self, key: char) -> Option<PinOutcome> {
        match key {
            // `#` ends an attempt; on nothing typed (a `#` right after an attempt that
            // ended at the PIN's length) it is no try at all.
            '#' if self.typed.is_empty() => None,
            '#' => Some(self.attempt()),
            '0'..='9' => {
                self.typed.push(key);
                (self.typed.len() >= self.pin.len()).then(|| self.attempt())
            }
            // `*` starts the attempt again without using a try.
            '*' => {
                self.typed.clear();
                None
            }
            _ => None,
        }
    }

    /// The caller stopped typing for too long.
    pub fn timeout(&mut self) -> PinOutcome {
        self.attempt()
    }

    /// Tries used so far.
    pub fn tries(&self) -> u32 {
        self.tries
    }

    fn attempt(&mut self) -> PinOutcome {
        let typed = std::mem::take(&mut self.typed);
        // Compared without an early exit, so timing says nothing about a prefix.
        let same = typed.len() == self.pin.len()
            && typed
                .bytes()
                .zip(self.pin.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            return PinOutcome::Accepted;
        }
        self.tries += 1;
        if self.tries >= PIN_TRIES {
            PinOutcome::GiveUp
        } else {
            PinOutcome::Retry
        }
    }
}

/// One participant as the room's owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Asterisk's channel id: the participant's id in the API and the forms.
    pub id: String,
    /// The caller's number (caller id as the phone's extension sets it).
    pub number: String,
    /// The caller's name.
    pub name: String,
    /// Speaking now (TALK_DETECT).
    pub talking: bool,
    /// Muted by the owner: the room does not hear them.
    pub muted: bool,
    /// When they entered (unix seconds).
    pub joined_at: i64,
}

/// What changes for the room when someone enters or leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Play the join (or leave) tone to the room: someone else is there to hear it.
    pub tone: bool,
    /// Start music on hold: the one left is alone.
    pub music_on: bool,
    /// Stop music on hold: the one alone has company now.
    pub music_off: bool,
    /// The room is empty: its bridge can go.
    pub empty: bool,
}

/// The participants of every room, by room number then id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rooms {
    rooms: BTreeMap<String, BTreeMap<String, Participant>>,
}

impl Rooms {
    /// Everyone in `room`, by the time they entered.
    pub fn participants(&self, room: &str) -> Vec<Participant> {
        let mut list: Vec<Participant> = self
            .rooms
            .get(room)
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default();
        list.sort_by(|a, b| (a.joined_at, &a.id).cmp(&(b.joined_at, &b.id)));
        list
    }

    /// How many are in `room`.
    pub fn count(&self, room: &str) -> usize {
        self.rooms.get(room).map_or(0, BTreeMap::len)
    }

    /// `p` entered `room` (again, after a restart: then nothing changes for the room).
    pub fn enter(&mut self, room: &str, p: Participant) -> Change {
        let members = self.rooms.entry(room.to_string()).or_default();
        let again = members.insert(p.id.clone(), p).is_some();
        let n = members.len();
        Change {
            tone: !again && n > 1,
            music_on: !again && n == 1,
            music_off: !again && n == 2,
            empty: false,
        }
    }

    /// Participant `id` left `room`; None if they were not in it.
    pub fn leave(&mut self, room: &str, id: &str) -> Option<Change> {
        let members = self.rooms.get_mut(room)?;
        members.remove(id)?;
        let n = members.len();
        if n == 0 {
            self.rooms.remove(room);
        }
        Some(Change {
            tone: n > 0,
            music_on: n == 1,
            music_off: false,
            empty: n == 0,
        })
    }

    /// Forgets `id` without it counting as leaving (its task stopped, the channel stays in
    /// the bridge and is adopted again).
    pub fn forget(&mut self, room: &str, id: &str) {
        if let Some(members) = self.rooms.get_mut(room) {
            members.remove(id);
            if members.is_empty() {
                self.rooms.remove(room);
            }
        }
    }

    /// Sets what `update` changes of participant `id`; false if they are not in `room`.
    pub fn update(&mut self, room: &str, id: &str, update: impl FnOnce(&mut Participant)) -> bool {
        match self.rooms.get_mut(room).and_then(|r| r.get_mut(id)) {
            Some(p) => {
                update(p);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, at: i64) -> Participant {
        Participant {
            id: id.into(),
            number: "2001".into(),
            name: "A".into(),
            talking: false,
            muted: false,
            joined_at: at,
        }
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(RoomSettings::parse(None, None), Ok(RoomSettings::default()));
        assert_eq!(
            RoomSettings::parse(Some(" "), Some(0)),
            Ok(RoomSettings::default())
        );
        let s = RoomSettings::parse(Some("1234"), Some(5)).unwrap();
        assert_eq!((s.pin.as_deref(), s.limit()), (Some("1234"), 5));
        for bad in ["123", "123456789", "12a4", "12 34", "١٢٣٤"] {
            assert_eq!(
                RoomSettings::parse(Some(bad), None),
                Err(ConferenceError::BadPin),
                "{bad}"
            );
        }
        for bad in [1, 101, u32::MAX] {
            assert_eq!(
                RoomSettings::parse(None, Some(bad)),
                Err(ConferenceError::BadMax)
            );
        }
        assert_eq!(RoomSettings::default().limit(), MAX_PARTICIPANTS);
    }

    #[test]
    fn a_full_room_admits_nobody_more() {
        let s = RoomSettings::parse(None, Some(2)).unwrap();
        assert!(s.admits(0) && s.admits(1));
        assert!(!s.admits(2) && !s.admits(3));
        assert!(!RoomSettings::default().admits(100));
    }

    #[test]
    fn the_pin_gets_three_tries() {
        let mut e = PinEntry::new("4711");
        assert_eq!(e.key('#'), None, "nothing typed is no try");
        assert_eq!(e.key('1'), None);
        assert_eq!(e.key('#'), Some(PinOutcome::Retry));
        // Too many digits end the attempt at the PIN's length.
        for k in "999".chars() {
            assert_eq!(e.key(k), None);
        }
        assert_eq!(e.key('9'), Some(PinOutcome::Retry));
        assert_eq!(e.key('#'), None, "the # after a full-length try");
        assert_eq!(e.timeout(), PinOutcome::GiveUp);
        assert_eq!(e.tries(), 3);
    }

    #[test]
    fn the_right_pin_enters_with_or_without_hash() {
        let mut e = PinEntry::new("4711");
        assert_eq!(e.key('0'), None);
        assert_eq!(e.key('*'), None);
        let keys: Vec<_> = "4711".chars().map(|k| e.key(k)).collect();
        assert_eq!(keys, vec![None, None, None, Some(PinOutcome::Accepted)]);
        let mut e = PinEntry::new("4711");
        assert_eq!(e.key('5'), None);
        assert_eq!(e.key('#'), Some(PinOutcome::Retry));
        for k in "4711".chars().take(3) {
            e.key(k);
        }
        assert_eq!(e.key('1'), Some(PinOutcome::Accepted));
        assert_eq!(e.tries(), 1);
    }

    #[test]
    fn tones_and_music_follow_the_head_count() {
        let mut rooms = Rooms::default();
        let first = rooms.enter("800", person("a", 1));
        assert!(first.music_on && !first.tone && !first.music_off);
        let second = rooms.enter("800", person("b", 2));
        assert!(second.tone && second.music_off && !second.music_on);
        let third = rooms.enter("800", person("c", 3));
        assert!(third.tone && !third.music_off && !third.music_on);
        // Adopted again after a restart: no tone, no music change.
        let again = rooms.enter("800", person("c", 3));
        assert!(!again.tone && !again.music_on && !again.music_off);
        assert_eq!(rooms.count("800"), 3);
        let left = rooms.leave("800", "b").unwrap();
        assert!(left.tone && !left.music_on && !left.empty);
        let left = rooms.leave("800", "a").unwrap();
        assert!(left.tone && left.music_on);
        assert_eq!(rooms.leave("800", "a"), None);
        let left = rooms.leave("800", "c").unwrap();
        assert!(left.empty && !left.tone && !left.music_on);
        assert_eq!(rooms.count("800"), 0);
    }

    #[test]
    fn participants_list_in_order_and_updates_find_only_members() {
        let mut rooms = Rooms::default();
        rooms.enter("800", person("z", 1));
        rooms.enter("800", person("a", 2));
        rooms.enter("801", person("q", 1));
        let ids: Vec<_> = rooms
            .participants("800")
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, ["z", "a"]);
        assert!(rooms.update("800", "a", |p| p.muted = true));
        assert!(!rooms.update("800", "q", |p| p.muted = true));
        assert!(!rooms.update("802", "a", |p| p.muted = true));
        assert!(rooms.participants("800")[1].muted);
        rooms.forget("801", "q");
        assert!(rooms.participants("801").is_empty());
    }
}
