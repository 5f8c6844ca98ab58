# Refusals and errors of the use cases, as pages show them (web::failure). The English texts are
# also the JSON API's `detail` (scripts parse it) and match the errors' Display texts, which the
# CLI prints: change them together. Quoted placeables ($text, $name, $role) come quoted.

err-internal = Internal error; nothing was changed
err-busy = The database is busy; nothing was changed, try again

## Storage refusals (db::Refusal)
err-bad-temporary-range = numbering.temporary_first/last is not a range of numbers; fix the settings
err-temporary-range-full = every temporary number is in use; widen numbering.temporary_first/last
err-no-free-token = could not find a free token; use a longer numbering.token_length
err-not-a-handset = extension { $number } is a SIP extension, not a handset: it has a password, no token
err-handset-bound = extension { $number } is bound to a handset; release the handset first
err-no-handset-bound = extension { $number } has no handset bound
err-extension-changed = extension { $number } changed meanwhile
err-entry-name-missing = Give the entry a name.
err-entry-name-invalid = The name must be at most { $max } characters, without line breaks.
err-entry-number-invalid = The number must be 1 to { $max } of 0-9, *, # and +.
err-entry-exists = There is already a phonebook entry for { $number }.
err-key-name-invalid = a key name is 1 to 64 characters
err-key-exists = an API key named { $name } exists

## Numbering rules (domain::numbering::ClaimError)
err-claim-not-digits = { $text } is not a number: use digits only, like 4711.
err-claim-taken = { $number } is already taken. Pick another one.
err-claim-reserved = { $number } is reserved and cannot be claimed.
err-claim-out-of-range = { $number } is outside the numbers you can claim ({ $ranges }).
err-claim-no-ranges = none are open right now
err-claim-fixed = { $number } clashes with { $what } { $fixed }: a phone could not tell them apart while dialling.
err-claim-temporary = { $number } clashes with the temporary handset numbers ({ $range }).
err-claim-prefix = { $number } clashes with the existing number { $other }: one is the start of the other, so a phone could not tell them apart while dialling.
err-claim-limit = You already have { $max } extension(s), the most one person may have. Delete one first.

## What a number from the settings file is (config), in err-claim-fixed
err-fixed-info = the info code
err-fixed-echo = the echo test code
err-fixed-registration = the registration code
err-fixed-group-pause = the group pause code
err-fixed-forwarding = the forwarding code
err-fixed-dnd = the do-not-disturb code
err-fixed-emergency = the emergency number
err-fixed-helpdesk = the help desk number

## Registration window (domain::event::Closed)
err-closed-not-yet = registration for { $event } opens on { $opens } (UTC)
err-closed-over = registration for { $event } closed on { $closed } (UTC)

## Extensions, users, handsets, the help desk (service errors)
err-unknown-user = no user is called { $name }
err-extension-not-found = Extension not found
err-no-sip-password = extension { $number } is a handset extension: it has a token, no SIP password
err-mint-count = Mint 1 to { $max } handsets at a time.
err-mint-range-full = Only { $free } temporary numbers are free; widen numbering.temporary_first/last or delete unused handsets.
err-handset-not-found = Handset not found
err-handout-not-waiting = { $number } takes no loaner: only a handset extension without a bound handset does (unbind its handset first).
err-handout-no-loaner = No loaner is waiting under the temporary number { $number }.
err-handout-closed = Handsets cannot be bound now: the event's registration is closed.
err-handout-locked-out = That loaner is locked out after wrong tokens for a while; take another one.
err-username-taken = The username { $name } is taken. Pick another one.
err-user-not-found = User not found
err-disable-yourself = You cannot disable yourself.

## Account input (domain::accounts::AccountError)
err-account-bad-username = A username is 3 to 32 characters: letters, digits, '.', '-' or '_'.
err-account-bad-name = A name is 1 to 60 characters, without line breaks.
err-account-password-short = Use a password of at least { $min } characters.
err-account-password-long = Use a password of at most { $max } characters.
err-account-password-guessable = That password is too easy to guess. Pick another one.
err-account-bad-role = { $role } is not a role: use attendee, helpdesk, operator or admin.

## Routing (domain::routing::RoutingError, service::routing::RouteChangeError)
err-route-unknown-member = unknown member { $number }: no extension or group has that number
err-route-own-member = group { $number } cannot be a member of itself
err-route-duplicate-member = member { $number } is listed twice
err-route-cycle = cycle: { $path }
err-route-too-deep = groups nest at most { $max } deep, and { $path } would be deeper
err-route-delay = delay { $delay } of member { $member } out of range 0–300 seconds
err-route-ring-timeout = ring timeout { $seconds } out of range 5–300 seconds
err-route-after = { $setting } { $seconds } out of range 1–300 seconds
err-route-after-without-target = always_after needs an always target
err-route-target-not-allowed = { $setting } to { $target }: not a number you may forward to (use an extension or group; temporary numbers and service codes are not)
err-route-target-is-itself = { $setting } to { $target }: that is this number itself
err-route-not-for-groups = a group has no { $setting }: its no-answer target is its fallback, after its ring timeout
err-route-groups-only = { $setting } is for groups only
err-not-a-group = { $number } is not a group
err-member-not-yours = { $number } is not yours: invite it instead, and its owner accepts or declines
err-no-invitation = there is no invitation of { $member } into group { $group }
err-not-a-member = { $member } is not a member of group { $group }

## A routing setting, as err-route-* name it
err-setting-always = forwarding always
err-setting-always-after = always_after
err-setting-busy = forwarding on busy
err-setting-no-answer = forwarding on no answer
err-setting-no-answer-after = no_answer_after
err-setting-unavailable = forwarding when unavailable
err-setting-fallback = the fallback
err-setting-call-waiting = call waiting
err-setting-ring-timeout = ring timeout

## Form fields (web::pages::fields)
err-field-not-a-number = { $label }: “{ $text }” is not a number.
err-field-not-seconds = { $label }: “{ $text }” is not a number of seconds.
err-field-ring-timeout = Ring timeout
err-field-fallback = Fallback
err-field-number = Number
err-field-member = Member
err-field-delay = Delay
err-field-always-to = Always to
err-field-always-after = Always after
err-field-busy-to = When busy to
err-field-no-answer-to = When nobody answers to
err-field-no-answer-after = Nobody answers after
err-field-unavailable-to = When not reachable to

## Numbers, searches, the event's settings (DomainError, SearchError, EventError)
err-bad-number = { $text } is not a number: use 1 to 15 digits
err-bad-token = a registration token is 8 to 20 digits
err-search-too-long = Search for at most { $max } characters: a number, or part of a name or username.
err-search-control = The search text has control characters (line breaks, tabs); type plain text.
err-event-name = name: 1 to { $max } characters, no control characters
err-event-date = { $field }: { $value } is not a date (YYYY-MM-DD)
err-event-time = { $field }: { $value } is not a time (YYYY-MM-DDTHH:MM, UTC)
err-event-ends-before-start = ends_on: the event ends before it starts
err-event-closes-before-open = registration_closes: registration closes before it opens

err-room-not-found = there is no conference room { $number }
err-room-bad-pin = a PIN is 4 to 8 digits (or empty for none)
err-room-bad-max = the maximum of participants is 2 to 100 (or empty for no limit)
err-route-conference-room = { $number } is a conference room: it has no forwarding, do-not-disturb or call waiting
err-route-room-as-member = { $number } is a conference room and cannot be a member of a group (forward to it instead)
