//! The registration call as an explicit state machine: what the caller hears and when the
//! binding happens. It does no I/O: the call task feeds it [`Input`]s (digits, playback ends,
//! timer expiries, the result of the database step) and carries out the [`Action`]s it returns.
//! That keeps every path (barge-in, timeouts, three tries, hangups) testable without Asterisk.

use std::time::Duration;

use crate::db::handsets::BindOutcome;

/// Prompts this flow plays, by file name under `sounds/<lang>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    EnterToken,
    TokenUnknown,
    TokenUsed,
    NotTemporary,
    LockedOut,
    InternalError,
    BoundNow,
    Goodbye,
    TryAgain,
    NoInput,
    RegistrationClosed,
}

impl Prompt {
    /// The file name (without extension) under the language folder.
    pub fn file(self) -> &'static str {
        match self {
            Prompt::EnterToken => "enter-token",
            Prompt::TokenUnknown => "token-unknown",
            Prompt::TokenUsed => "token-used",
            Prompt::NotTemporary => "not-temporary",
            Prompt::LockedOut => "locked-out",
            Prompt::InternalError => "internal-error",
            Prompt::BoundNow => "bound-now",
            Prompt::Goodbye => "goodbye",
            Prompt::TryAgain => "try-again",
            Prompt::NoInput => "no-input",
            Prompt::RegistrationClosed => "registration-closed",
        }
    }
}

/// One piece of audio in a playback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// A prompt file.
    Prompt(Prompt),
    /// One spoken digit.
    Digit(char),
}

/// Timing of the token entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Wait for the first digit after the prompt ended.
    pub first_digit: Duration,
    /// Wait between digits.
    pub inter_digit: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            first_digit: Duration::from_secs(10),
            inter_digit: Duration::from_secs(5),
        }
    }
}

/// What a DTMF key is, for logs: a token digit is never logged, only that it was one.
pub fn key_kind(key: char) -> &'static str {
    match key {
        '0'..='9' => "digit",
        '#' => "#",
        '*' => "*",
        _ => "other",
    }
}

/// Tries per call before eventpbx says goodbye.
pub const TRIES_PER_CALL: u32 = 3;
/// More digits than any token has: stop collecting and let validation say no.
const MAX_DIGITS: usize = 24;

/// What the call task must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Answer the channel.
    Answer,
    /// Ask the database whether this caller may register at all (temporary, not locked out).
    Precheck,
    /// Start a playback of these media, in order, as one playback.
    Play(Vec<Media>),
    /// Stop the current playback (barge-in).
    StopPlayback,
    /// (Re)start the one timer of this call.
    StartTimer(Duration),
    /// Cancel the timer.
    CancelTimer,
    /// Run the binding transaction with these digits.
    Bind(String),
    /// Hang up.
    Hangup,
}

/// What happened on the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The call entered Stasis; `digits` are those dialled en bloc after the code, if any.
    Start { digits: Option<String> },
    /// Result of [`Action::Precheck`].
    Prechecked(Precheck),
    /// A DTMF digit ended.
    Digit(char),
    /// The current playback ended (finished or stopped).
    PlaybackFinished,
    /// The timer expired.
    Timeout,
    /// Result of [`Action::Bind`]; `None` means the database failed (nothing changed).
    Bound(Option<BindOutcome>),
    /// The caller hung up.
    Hangup,
}

/// Result of the precheck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precheck {
    /// A temporary handset, not locked out.
    Allowed,
    /// Not a temporary handset.
    NotTemporary,
    /// Locked out after too many failures.
    LockedOut,
    /// The database could not answer.
    Failed,
}

/// Where the call is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Before StasisStart.
    New,
    /// Waiting for the precheck; `en_bloc` holds digits dialled after the code, which go to
    /// the bind only if the caller may try at all.
    Checking { en_bloc: Option<String> },
    /// Prompt playing or waiting for digits.
    Collecting {
        digits: String,
        try_no: u32,
        prompt_playing: bool,
    },
    /// The binding transaction runs.
    Binding { try_no: u32 },
    /// A final message plays; hang up when it ends.
    Finishing,
    /// Over: hung up by either side.
    Done,
}

/// The registration flow of one call.
#[derive(Debug)]
pub struct RegistrationFlow {
    state: State,
    timing: Timing,
    /// The outcome that ended the flow, for logging and tests.
    pub outcome: Option<BindOutcome>,
}

impl RegistrationFlow {
    /// A new flow with these timeouts.
    pub fn new(timing: Timing) -> Self {
        RegistrationFlow {
            state: State::New,
            timing,
            outcome: None,
        }
    }

    /// Where the call is now.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// True once nothing more will happen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// How many digits of the current entry are held, and whether the prompt still plays;
    /// `None` outside the entry. For the DTMF debug log, which must not show the digits.
    pub fn entry(&self) -> Option<(usize, bool)> {
        match &self.state {
            State::Collecting {
                digits,
                prompt_playing,
                ..
            } => Some((digits.len(), *prompt_playing)),
            _ => None,
        }
    }

    fn finish_with(&mut self, media: Vec<Media>) -> Vec<Action> {
        self.state = State::Finishing;
        vec![Action::CancelTimer, Action::Play(media)]
    }

    fn ask(&mut self, try_no: u32, mut lead: Vec<Media>) -> Vec<Action> {
        lead.push(Media::Prompt(Prompt::EnterToken));
        self.state = State::Collecting {
            digits: String::new(),
            try_no,
            prompt_playing: true,
        };
        vec![Action::CancelTimer, Action::Play(lead)]
    }

    /// Feeds one input; returns what to do, in order.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        if input == Input::Hangup {
            self.state = State::Done;
            return vec![Action::CancelTimer];
        }
        match (std::mem::replace(&mut self.state, State::Done), input) {
            // Digits dialled en bloc wait for the precheck too: it only reads, so a SIP
            // phone, a bound or a locked-out handset dialling `9955…` costs no write
            // transaction and leaves no row (the bind would refuse it, but inside the one
            // write lock every registration queues for).
            (State::New, Input::Start { digits }) => {
                self.state = State::Checking {
                    en_bloc: digits.filter(|d| !d.is_empty()),
                };
                vec![Action::Answer, Action::Precheck]
            }
            (State::Checking { en_bloc }, Input::Prechecked(check)) => match check {
                Precheck::Allowed => match en_bloc {
                    Some(d) => {
                        self.state = State::Binding { try_no: 1 };
                        vec![Action::Bind(d)]
                    }
                    None => self.ask(1, Vec::new()),
                },
                Precheck::NotTemporary => {
                    self.outcome = Some(BindOutcome::NotTemporary);
                    self.finish_with(vec![
                        Media::Prompt(Prompt::NotTemporary),
                        Media::Prompt(Prompt::Goodbye),
                    ])
                }
                Precheck::LockedOut => {
                    self.outcome = Some(BindOutcome::LockedOut);
                    self.finish_with(vec![Media::Prompt(Prompt::LockedOut)])
                }
                Precheck::Failed => self.finish_with(vec![Media::Prompt(Prompt::InternalError)]),
            },
            (
                State::Collecting {
                    mut digits,
                    try_no,
                    prompt_playing,
                },
                input,
            ) => self.collecting(&mut digits, try_no, prompt_playing, input),
            (State::Binding { try_no }, Input::Bound(result)) => self.bound(try_no, result),
            (State::Finishing, Input::PlaybackFinished) => {
                self.state = State::Done;
                vec![Action::Hangup]
            }
            // Anything else (a digit while binding, a stray playback end) changes nothing.
            (state, _) => {
                self.state = state;
                Vec::new()
            }
        }
    }

    fn collecting(
        &mut self,
        digits: &mut String,
        try_no: u32,
        prompt_playing: bool,
        input: Input,
    ) -> Vec<Action> {
        let stay = |digits: String, prompt_playing: bool| State::Collecting {
            digits,
            try_no,
            prompt_playing,
        };
        match input {
            Input::Digit('#') if digits.is_empty() => {
                // "#" alone: as if nothing was keyed.
                self.no_input(try_no)
            }
            Input::Digit('#') => self.submit(std::mem::take(digits), try_no),
            Input::Digit('*') => {
                // "*" starts the entry over.
                self.state = stay(String::new(), prompt_playing);
                vec![Action::StartTimer(self.timing.first_digit)]
            }
            Input::Digit(d) if d.is_ascii_digit() => {
                digits.push(d);
                if digits.len() >= MAX_DIGITS {
                    return self.submit(std::mem::take(digits), try_no);
                }
                self.state = stay(std::mem::take(digits), false);
                let mut actions = Vec::new();
                if prompt_playing {
                    // Barge-in: the digit is kept and the prompt stops.
                    actions.push(Action::StopPlayback);
                }
                actions.push(Action::StartTimer(self.timing.inter_digit));
                actions
            }
            Input::PlaybackFinished if prompt_playing => {
                let wait = if digits.is_empty() {
                    self.timing.first_digit
                } else {
                    self.timing.inter_digit
                };
                self.state = stay(std::mem::take(digits), false);
                vec![Action::StartTimer(wait)]
            }
            Input::Timeout if !prompt_playing => {
                if digits.is_empty() {
                    self.no_input(try_no)
                } else {
                    // The caller stopped keying without "#": take what is there.
                    self.submit(std::mem::take(digits), try_no)
                }
            }
            _ => {
                // Other DTMF (A-D), stray events: ignore.
                self.state = stay(std::mem::take(digits), prompt_playing);
                Vec::new()
            }
        }
    }

    fn submit(&mut self, digits: String, try_no: u32) -> Vec<Action> {
        self.state = State::Binding { try_no };
        vec![Action::CancelTimer, Action::Bind(digits)]
    }

    fn no_input(&mut self, try_no: u32) -> Vec<Action> {
        if try_no >= TRIES_PER_CALL {
            return self.finish_with(vec![
                Media::Prompt(Prompt::NoInput),
                Media::Prompt(Prompt::Goodbye),
            ]);
        }
        self.ask(try_no + 1, vec![Media::Prompt(Prompt::NoInput)])
    }

    fn bound(&mut self, try_no: u32, result: Option<BindOutcome>) -> Vec<Action> {
        let Some(outcome) = result else {
            return self.finish_with(vec![Media::Prompt(Prompt::InternalError)]);
        };
        self.outcome = Some(outcome.clone());
        let retry = |this: &mut Self, prompt: Prompt| {
            if try_no >= TRIES_PER_CALL {
                this.finish_with(vec![Media::Prompt(prompt), Media::Prompt(Prompt::Goodbye)])
            } else {
                this.ask(
                    try_no + 1,
                    vec![Media::Prompt(prompt), Media::Prompt(Prompt::TryAgain)],
                )
            }
        };
        match outcome {
            BindOutcome::Bound { number, .. } => {
                let mut media = vec![Media::Prompt(Prompt::BoundNow)];
                media.extend(number.chars().map(Media::Digit));
                media.push(Media::Prompt(Prompt::Goodbye));
                self.finish_with(media)
            }
            BindOutcome::UnknownToken | BindOutcome::Malformed => retry(self, Prompt::TokenUnknown),
            BindOutcome::TokenUsed => retry(self, Prompt::TokenUsed),
            BindOutcome::NotTemporary => self.finish_with(vec![
                Media::Prompt(Prompt::NotTemporary),
                Media::Prompt(Prompt::Goodbye),
            ]),
            BindOutcome::LockedOut => self.finish_with(vec![Media::Prompt(Prompt::LockedOut)]),
            BindOutcome::Closed => self.finish_with(vec![
                Media::Prompt(Prompt::RegistrationClosed),
                Media::Prompt(Prompt::Goodbye),
            ]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> RegistrationFlow {
        RegistrationFlow::new(Timing::default())
    }

    fn play(prompts: &[Prompt]) -> Action {
        Action::Play(prompts.iter().map(|p| Media::Prompt(*p)).collect())
    }

    /// Starts a call: the precheck runs first; an allowed caller's en bloc digits then go
    /// to the bind.
    fn started(f: &mut RegistrationFlow, digits: Option<&str>) {
        assert_eq!(
            f.handle(Input::Start {
                digits: digits.map(String::from)
            }),
            vec![Action::Answer, Action::Precheck]
        );
        if let Some(d) = digits {
            assert_eq!(
                f.handle(Input::Prechecked(Precheck::Allowed)),
                vec![Action::Bind(d.into())]
            );
        }
    }

    #[test]
    fn en_bloc_token_binds_without_a_prompt() {
        let mut f = flow();
        started(&mut f, Some("1234567890"));
        let actions = f.handle(Input::Bound(Some(BindOutcome::Bound {
            number: "4711".into(),
            name: "Alice".into(),
        })));
        assert_eq!(
            actions[1],
            Action::Play(vec![
                Media::Prompt(Prompt::BoundNow),
                Media::Digit('4'),
                Media::Digit('7'),
                Media::Digit('1'),
                Media::Digit('1'),
                Media::Prompt(Prompt::Goodbye),
            ])
        );
        assert_eq!(f.handle(Input::PlaybackFinished), vec![Action::Hangup]);
        assert!(f.is_done());
    }

    #[test]
    fn interactive_entry_with_barge_in_and_hash() {
        let mut f = flow();
        started(&mut f, None);
        assert_eq!(
            f.handle(Input::Prechecked(Precheck::Allowed)),
            vec![Action::CancelTimer, play(&[Prompt::EnterToken])]
        );
        // A digit while the prompt plays stops it and is kept.
        assert_eq!(
            f.handle(Input::Digit('1')),
            vec![
                Action::StopPlayback,
                Action::StartTimer(Duration::from_secs(5))
            ]
        );
        // The stopped playback's end changes nothing: the digit armed the timer.
        assert!(f.handle(Input::PlaybackFinished).is_empty());
        for d in "23456789".chars() {
            f.handle(Input::Digit(d));
        }
        f.handle(Input::Digit('0'));
        assert_eq!(
            f.handle(Input::Digit('#')),
            vec![Action::CancelTimer, Action::Bind("1234567890".into())]
        );
    }

    #[test]
    fn fast_repeated_digits_into_the_prompt_all_count_once() {
        // As Asterisk reports a fast entry keyed into the prompt: the stopped prompt's end
        // arrives among the digits, not before them.
        let mut f = flow();
        started(&mut f, None);
        f.handle(Input::Prechecked(Precheck::Allowed));
        assert_eq!(f.entry(), Some((0, true)));
        let mut keys = "1122334455".chars();
        let first = keys.next().unwrap();
        assert_eq!(f.handle(Input::Digit(first))[0], Action::StopPlayback);
        for d in keys.by_ref().take(3) {
            assert_eq!(
                f.handle(Input::Digit(d)),
                vec![Action::StartTimer(Duration::from_secs(5))],
                "one stop only"
            );
        }
        assert!(f.handle(Input::PlaybackFinished).is_empty());
        assert_eq!(f.entry(), Some((4, false)));
        for d in keys {
            f.handle(Input::Digit(d));
        }
        assert_eq!(f.entry(), Some((10, false)));
        assert_eq!(
            f.handle(Input::Digit('#')),
            vec![Action::CancelTimer, Action::Bind("1122334455".into())]
        );
        assert_eq!(f.entry(), None, "not collecting while binding");
    }

    #[test]
    fn key_kinds_for_logs_never_name_a_digit() {
        for d in '0'..='9' {
            assert_eq!(key_kind(d), "digit");
        }
        assert_eq!(key_kind('#'), "#");
        assert_eq!(key_kind('*'), "*");
        assert_eq!(key_kind('A'), "other");
    }

    #[test]
    fn wrong_token_then_right_one() {
        let mut f = flow();
        started(&mut f, Some("1111111111"));
        assert_eq!(
            f.handle(Input::Bound(Some(BindOutcome::UnknownToken))),
            vec![
                Action::CancelTimer,
                play(&[Prompt::TokenUnknown, Prompt::TryAgain, Prompt::EnterToken])
            ]
        );
        f.handle(Input::PlaybackFinished);
        for d in "2222222222".chars() {
            f.handle(Input::Digit(d));
        }
        assert_eq!(
            f.handle(Input::Digit('#')),
            vec![Action::CancelTimer, Action::Bind("2222222222".into())]
        );
    }

    #[test]
    fn three_failures_end_the_call() {
        let mut f = flow();
        started(&mut f, None);
        f.handle(Input::Prechecked(Precheck::Allowed));
        for try_no in 1..=3 {
            f.handle(Input::Digit('9'));
            f.handle(Input::Digit('#'));
            let actions = f.handle(Input::Bound(Some(BindOutcome::TokenUsed)));
            if try_no < 3 {
                assert_eq!(
                    actions[1],
                    play(&[Prompt::TokenUsed, Prompt::TryAgain, Prompt::EnterToken])
                );
            } else {
                assert_eq!(actions[1], play(&[Prompt::TokenUsed, Prompt::Goodbye]));
            }
        }
        assert_eq!(f.handle(Input::PlaybackFinished), vec![Action::Hangup]);
    }

    #[test]
    fn silence_times_out_three_times() {
        let mut f = flow();
        started(&mut f, None);
        f.handle(Input::Prechecked(Precheck::Allowed));
        for try_no in 1..=3 {
            assert_eq!(
                f.handle(Input::PlaybackFinished),
                vec![Action::StartTimer(Duration::from_secs(10))]
            );
            let actions = f.handle(Input::Timeout);
            if try_no < 3 {
                assert_eq!(actions[1], play(&[Prompt::NoInput, Prompt::EnterToken]));
            } else {
                assert_eq!(actions[1], play(&[Prompt::NoInput, Prompt::Goodbye]));
            }
        }
    }

    #[test]
    fn digits_then_silence_submit_what_was_keyed() {
        let mut f = flow();
        started(&mut f, None);
        f.handle(Input::Prechecked(Precheck::Allowed));
        f.handle(Input::PlaybackFinished);
        f.handle(Input::Digit('4'));
        assert_eq!(
            f.handle(Input::Timeout),
            vec![Action::CancelTimer, Action::Bind("4".into())]
        );
    }

    #[test]
    fn refusals_before_asking() {
        let mut f = flow();
        started(&mut f, None);
        assert_eq!(
            f.handle(Input::Prechecked(Precheck::NotTemporary))[1],
            play(&[Prompt::NotTemporary, Prompt::Goodbye])
        );
        let mut f = flow();
        started(&mut f, None);
        assert_eq!(
            f.handle(Input::Prechecked(Precheck::LockedOut))[1],
            play(&[Prompt::LockedOut])
        );
        // En bloc, the bind itself refuses with the same prompts.
        let mut f = flow();
        started(&mut f, Some("1234567890"));
        assert_eq!(
            f.handle(Input::Bound(Some(BindOutcome::LockedOut)))[1],
            play(&[Prompt::LockedOut])
        );
        let mut f = flow();
        started(&mut f, Some("1234567890"));
        assert_eq!(
            f.handle(Input::Bound(Some(BindOutcome::NotTemporary)))[1],
            play(&[Prompt::NotTemporary, Prompt::Goodbye])
        );
        let mut f = flow();
        started(&mut f, Some("1234567890"));
        assert_eq!(
            f.handle(Input::Bound(Some(BindOutcome::Closed)))[1],
            play(&[Prompt::RegistrationClosed, Prompt::Goodbye])
        );
        let mut f = flow();
        started(&mut f, None);
        assert_eq!(
            f.handle(Input::Prechecked(Precheck::Failed))[1],
            play(&[Prompt::InternalError])
        );
    }

    #[test]
    fn en_bloc_from_a_caller_who_may_not_try_never_binds() {
        for (check, prompt) in [
            (Precheck::NotTemporary, Prompt::NotTemporary),
            (Precheck::LockedOut, Prompt::LockedOut),
            (Precheck::Failed, Prompt::InternalError),
        ] {
            let mut f = flow();
            assert_eq!(
                f.handle(Input::Start {
                    digits: Some("1234567890".into())
                }),
                vec![Action::Answer, Action::Precheck]
            );
            let actions = f.handle(Input::Prechecked(check));
            assert!(
                !actions.iter().any(|a| matches!(a, Action::Bind(_))),
                "{actions:?}"
            );
            match &actions[1] {
                Action::Play(media) => assert_eq!(media[0], Media::Prompt(prompt)),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn database_failure_says_internal_error() {
        let mut f = flow();
        started(&mut f, Some("1234567890"));
        assert_eq!(
            f.handle(Input::Bound(None))[1],
            play(&[Prompt::InternalError])
        );
    }

    #[test]
    fn hangup_at_any_point_ends_the_flow() {
        for steps in 0..4 {
            let mut f = flow();
            let inputs = [
                Input::Start { digits: None },
                Input::Prechecked(Precheck::Allowed),
                Input::Digit('1'),
                Input::Digit('#'),
            ];
            for input in inputs.into_iter().take(steps) {
                f.handle(input);
            }
            assert_eq!(f.handle(Input::Hangup), vec![Action::CancelTimer]);
            assert!(f.is_done());
            // Late results after the hangup do nothing.
            assert!(f.handle(Input::Bound(None)).is_empty());
        }
    }

    #[test]
    fn dtmf_garbage_is_ignored_or_submitted_for_validation() {
        let mut f = flow();
        started(&mut f, None);
        f.handle(Input::Prechecked(Precheck::Allowed));
        assert!(f.handle(Input::Digit('A')).is_empty());
        f.handle(Input::Digit('5'));
        // "*" clears.
        f.handle(Input::Digit('*'));
        f.handle(Input::Digit('6'));
        assert_eq!(
            f.handle(Input::Digit('#')),
            vec![Action::CancelTimer, Action::Bind("6".into())]
        );
        // Endless digits are cut off and submitted.
        let mut f = flow();
        started(&mut f, None);
        f.handle(Input::Prechecked(Precheck::Allowed));
        let mut last = Vec::new();
        for _ in 0..MAX_DIGITS {
            last = f.handle(Input::Digit('1'));
        }
        assert_eq!(last[1], Action::Bind("1".repeat(MAX_DIGITS)));
    }
}
