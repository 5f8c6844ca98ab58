# The start page, the phonebook, login, sign-up, password, "My extensions" and "Why didn't it ring?".

## Start page

home-title = Telephony for this event
home-lead = Get your own phone number for the event. Use a SIP phone or app you configure yourself, or a handset from the help desk that you register by dialling a code.
home-how-to-start = How to start
home-logged-in = You are logged in.
home-sign-up-or-log-in = { $signup } (or { $login }).
home-sign-up-link = Sign up
home-log-in-link = log in
home-claim = On { $page }, claim a free number.
home-sip-label = SIP phone or app:
home-sip = enter the registrar, username and password shown there.
home-handset-label = Handset:
home-handset = dial { $code } followed by your token, and the handset becomes your number.
home-useful-numbers = Useful numbers
home-code-info = tells you your own number
home-code-echo = echo test
home-code-register = register a handset with your token
home-code-helpdesk = help desk
home-code-emergency = emergency
home-phonebook = Everyone's listed numbers are in the { $phonebook }.
home-phonebook-link = phonebook

## Phonebook

phonebook-title = Phonebook
phonebook-search-label = Search name or number
phonebook-search = Search
phonebook-nobody = Nobody found.
phonebook-number = Number
phonebook-name = Name

## Login

login-title = Log in
login-username = Username
login-password = Password
login-submit = Log in
login-no-account = No account yet? { $signup }
login-sign-up-link = Sign up
login-disabled = This account is disabled. Ask the help desk.
login-wrong = Wrong username or password.
login-throttled-here = Too many failed attempts for this account from your address: try again in { $seconds } s.
login-throttled-everywhere = Too many failed attempts for this account from many addresses: try again in { $seconds } s, or ask an admin to set a new password.

## Sign-up

signup-title = Sign up
signup-username = Username
signup-username-help = Letters, digits, '.', '-' or '_'. You log in with it.
signup-display-name = Your name
signup-display-name-help = Shown in the phonebook and on the phones you call.
signup-password = Password
signup-password-help = At least { $count } characters.
signup-password-again = Password again
signup-submit = Create account
signup-have-account = Have an account? { $login }
signup-log-in-link = Log in
signup-passwords-differ = The two passwords differ. Type the same password twice.
signup-limited-address = Too many accounts were created from your address in the last hour: try again in { $minutes } min, or ask the help desk.
signup-limited-global = Too many accounts were created in the last hour: try again in { $minutes } min, or ask the help desk.

## Password

password-title = Change your password
password-current = Current password
password-new = New password
password-new-help = At least { $count } characters. Your other sessions end.
password-new-again = New password again
password-submit = Change password
password-back = Back to my extensions
password-differ = The two new passwords differ. Type the same password twice.
password-current-wrong = The current password is wrong.
password-changed = Your password is changed. Your other sessions have ended.

## My extensions

account-title = My extensions
account-none-yet = You have no extension yet. Claim a number below.
account-at-most = You have { $count } { $count ->
        [one] extension
       *[other] extensions
    }, the most one person may have.
account-change-password = Change your password
account-stream-stopped = Live updates stopped. What you see is from { $at }: reload the page.
account-stream-interrupted = Live updates interrupted, reconnecting. What you see is from { $at }.
account-copied = Copied
account-done-claimed = { $number } is yours. The details are below.
account-done-taken-back = { $number } is yours again for this event.
account-done-saved = Saved the changes to { $number }.
account-done-password = { $number } has a new SIP password. Enter it in your phone: the old one no longer works.
account-done-deleted = { $number } is deleted.
account-done-routing = Saved how calls to { $number } are routed.
account-done-group = Group { $number } is yours. Add members below.
account-done-members = Saved the members of group { $number }.
account-done-invited = Invited into group { $number }; the owner of that number accepts or declines.
account-done-joined = You are a member of group { $number } now.
account-done-declined = Declined the invitation into group { $number }.
account-done-paused = The membership in group { $number } is paused.
account-done-resumed = The membership in group { $number } is active again.
account-claim-no-number = Type a number, or pick one of the free ones.
account-claim-no-kind = Choose a SIP phone or a handset (groups and conference rooms have their own forms).
account-not-held = { $number } is not held for you, or its hold has ended.
account-delete-unconfirmed = Nothing was deleted: tick the box to confirm first.

## An extension's card and the claim form

account-claim-title = Claim a number
account-claim-number = Number
account-claim-ranges = Free numbers are in { $ranges }.
account-claim-phone = Phone
account-claim-sip = SIP phone or app (I enter username and password)
account-claim-handset = Handset (I register it by dialling a token)
account-claim-name = Name in the phonebook
account-claim-public = List me in the public phonebook
account-claim-submit = Claim this number
account-claim-or-pick = Or take a free one:
account-online = online
account-offline = offline
account-offline-since = since { $time }
account-registered-until = Registered until { $time }
account-registered-agent-until = Registered ({ $agent }) until { $time }
account-answers-in = Answers in { $ms } ms
account-not-qualified = Reachability not checked (qualify is off or has not answered yet)
account-kind-sip = SIP phone
account-kind-handset = Handset
account-kind-conference = Conference room
account-kind-group = Group
account-listed = in the phonebook
account-unlisted = unlisted
account-held = Held for you from the last event until { $time }. Take it back to keep it; otherwise it is released then.
account-take-back = Take { $number } back
account-registrar = Registrar (server)
account-transport = Transport: UDP or TCP.
account-username = Username
account-password = Password
account-new-password-open = New password…
account-new-password-warning = Your phone stops working until you enter the new password.
account-new-password = Make a new password
account-group-about = A group: calls to it ring its members.
account-handset-bound = A handset is bound to this number since { $time }.
account-release-open = Release handset…
account-release-about = The handset gets a temporary number again; you get a new token.
account-release = Release the handset
account-no-handset = No handset yet. On the handset, dial:
account-digits = Digits to dial
account-dial-slowly = Or dial { $code }, wait for the prompt, type the token and then #.
account-token = Token
account-new-token = New token
account-why-link = Why didn't it ring? Check and test { $number }
account-edit-open = Name and phonebook…
account-edit-name = Name
account-edit-public = List in the public phonebook
account-save = Save
account-delete-open = Delete…
account-delete-confirm = Yes, delete { $number } and its phone's access for good
account-delete = Delete { $number }

## Recent calls

account-calls-title = Recent calls
account-calls-none = No calls yet.
account-calls-when = When
account-calls-from = From
account-calls-to = To
account-calls-result = Result
account-calls-length = Length
account-calls-seconds = { $seconds } s
account-cause-answered = answered
account-cause-busy = busy
account-cause-no-answer = no answer
account-cause-not-registered = not registered
account-cause-rejected = rejected
account-cause-dnd = do-not-disturb
account-cause-unknown-number = unknown number
account-cause-not-allowed = not allowed
account-cause-cancelled = cancelled
account-cause-forwarded = { $cause } (forwarded to { $number })

## Routing: the route table and the forwarding forms

account-unknown = unknown
account-route-why = Why does it ring there?
account-route-goes-to = { $case }: goes to { $number }
account-route-otherwise = { $case }: { $outcome }
account-route-busy = Busy
account-route-busy-dnd = Busy (and do-not-disturb)
account-route-no-answer = No answer after { $seconds } s
account-route-nobody = Nobody reachable
account-route-hears-busy = the caller hears busy
account-route-call-ends = the call ends
account-route-hears-unreachable = the caller hears “not reachable”
account-route-caption = Who rings when a call to { $number } comes in
account-route-rings = Rings
account-route-when = When
account-route-phone-now = Phone now
account-route-forwarded = Forwarded at once to { $number }: nothing here rings.
account-route-dnd = Do-not-disturb is on: nothing rings.
account-route-nothing = Nothing can ring: no phone is bound, or every member is paused or on do-not-disturb.
account-route-at-once = at once, for { $seconds } s
account-route-after = after { $delay } s, for { $seconds } s
account-route-no-call-waiting = (not while in a call: call waiting is off)
account-route-no-asterisk = Asterisk is not connected, so the phones' state is unknown.
account-dnd-is-on = do-not-disturb on
account-dnd-off = Turn do-not-disturb off
account-dnd-on = Turn do-not-disturb on
account-call-waiting-off = Turn call waiting off
account-call-waiting-is-off = call waiting off
account-call-waiting-on = Turn call waiting on
account-forwarding-open = Forwarding…
account-forwarding-about = An empty number turns that forwarding off.
account-forward-always = Always to
account-forward-always-after = … after ringing this many seconds here first (empty: at once)
account-forward-busy = When busy (or do-not-disturb) to
account-forward-no-answer = When nobody answers to
account-forward-no-answer-after = … after this many seconds (empty: 20)
account-forward-unavailable-group = When no member is reachable to
account-forward-unavailable = When the phone is not reachable to
account-forwarding-save = Save forwarding

## Groups and memberships

account-member-no-handset = no handset yet
account-member-group = group
account-members = Members
account-members-none = No members yet: calls to { $number } reach nobody. Add one of your extensions or invite someone's.
account-members-member = Member
account-members-delay = Delay (s)
account-members-state = State
account-members-remove = Remove
account-members-remove-number = Remove { $number }
account-members-delay-of = Delay of { $number }
account-members-set = Set
account-members-invited = Invited, not answered yet:
account-members-invited-one = { $number } (delay { $delay } s)
account-members-add-mine = Add my extension
account-members-delay-label = delay (s)
account-members-add = Add
account-members-invite-number = Invite number
account-members-invite = Invite
account-group-settings-open = Ring timeout and fallback…
account-group-timeout = Members ring for (seconds, 5 to 300)
account-group-fallback = Then the call goes to (empty: busy)
account-create-group-title = Create a group
account-create-group-about = A group is a number that rings its members (your extensions, and those of people who accept your invitation).
account-create-group-name = Name (members see calls as “caller via name”)
account-create-group-public = List it in the public phonebook
account-create-group-submit = Create the group
account-group-no-number = Type the group's number.
account-member-no-number = Type the member's number.
account-member-active = active
account-member-paused = paused
account-member-pause = Pause
account-member-resume = Resume
account-invitations = Invitations
account-invitation-at-once = Group { $group } invites your { $number } to ring at once.
account-invitation-after = Group { $group } invites your { $number } to ring after { $delay } s.
account-invitation-accept = Accept
account-invitation-decline = Decline
account-memberships = My group memberships
account-memberships-group = Group
account-memberships-mine = My extension
account-memberships-delay = Delay

## Why didn't it ring?

why-title = Why didn't { $number } ring?
why-route = The route
why-no-route = No route is compiled for { $number } yet: calls take the numbers table.
why-verdict-forwarded = Calls to { $number } are forwarded at once to { $to }: nothing here rings.
why-verdict-dnd = Do-not-disturb is on for { $number }: callers hear busy.
why-verdict-empty-group = Group { $number } has no active member: nobody rings.
why-verdict-no-phone = { $number } has no phone yet: nothing can ring.
why-verdict-no-asterisk = eventpbx is not connected to Asterisk now, so the phones' state is unknown; calls still work without it.
why-verdict-none-registered = No phone of { $number } is registered now: calls find nobody to ring.
why-verdict-all-registered = Every phone of { $number } is registered: calls ring. Try the ring button below.
why-verdict-some-registered = { $count } of { $phones } phones of { $number } { $count ->
        [one] is
       *[other] are
    } registered: the others do not ring.
why-phones = Phones
why-phones-none = No phone: claim a device or bind a handset first.
why-phones-phone = Phone
why-phones-now = Now
why-phones-since = Since
why-phones-software = Phone software
why-phones-registered-at = Registered at
why-phones-registration-ends = Registration ends
why-phones-not-seen-changing = not seen changing
why-phones-no-registration = no registration stored
why-timeline = Registration changes (last 24 hours)
why-timeline-none = None in the last day: the phones have not registered or dropped.
why-timeline-when = When
why-timeline-phone = Phone
why-timeline-became = Became
why-timeline-contact = Contact
why-ring = Ring me
why-ring-about = A test call rings for { $seconds } seconds; answered, it says so and hangs up. The phone shows “Ring test”.
why-ring-route = Call { $number } as anyone would
why-ring-phone = Ring only the phone of { $number }
why-ring-not-this-phone = That phone does not belong to { $number }: nothing was called.
why-ring-no-asterisk = eventpbx is not connected to Asterisk now, so it cannot call: try again in a minute.
why-test-route = Test call to { $number }, through its route: { $state }
why-test-phone = Test call to { $number }, the phone directly: { $state }
why-test-calling = calling…
why-test-ringing = ringing…
why-test-answered = answered: the phone works
why-test-busy = busy
why-test-no-answer = no answer
why-test-not-registered = not registered (no phone reachable)
why-test-rejected = rejected by the phone
why-test-dnd = do-not-disturb
why-test-unknown-number = unknown number
why-test-not-allowed = not allowed
why-test-ended = ended before anyone answered
why-ring-running = A test call to { $number } is already under way: wait for its outcome.
why-ring-full = { $count } test calls are under way already: try again in a minute.
