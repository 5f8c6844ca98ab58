# The staff pages: /admin (every section and the audit log), /helpdesk (search, one
# extension, loaners and their printable sheet) and /operator (live view, DECT, charts).

## /admin: shared words

admin-title = Admin
admin-back-whole = Back to the whole admin page
admin-toc = Sections
admin-toc-event = Event
admin-toc-users = Users
admin-toc-extensions = Extensions
admin-toc-groups = Groups
admin-toc-numbering = Numbering
admin-toc-handsets = Temporary handsets
admin-toc-phonebook = Phonebook entries
admin-toc-keys = API keys
admin-toc-audit = Audit log of the help desk
admin-name = Name
admin-number = Number
admin-username = Username
admin-password = Password
admin-sip-username = SIP username
admin-temporary-number = Temporary number
admin-role = Role
admin-kind = Kind
admin-owner = Owner
admin-state = State
admin-created = Created
admin-actions = Actions
admin-search = Search
admin-save = Save
admin-set = Set
admin-remove = Remove
admin-delete = Delete
admin-delete-more = Delete…

## Event

admin-event = Event
admin-event-none = No event is set: sign-up, claiming and binding are open at all times.
admin-event-summary = { $starts } to { $ends }. Registration (sign-up, claiming, binding handsets) is open from { $opens } to { $closes } ({ $zone }); staff may add numbers at any time.
admin-event-name = Name
admin-event-first-day = First day
admin-event-last-day = Last day
admin-event-opens = Registration opens ({ $zone })
admin-event-closes = Registration closes ({ $zone })
admin-event-set = Set the event
admin-event-clear = Clear the event (registration always open)

## Users

admin-users = Users ({ $count })
admin-users-search = Search users
admin-users-since = Since
admin-users-status = Status
admin-users-you = { $role } (you)
admin-users-role-of = Role of { $user }
admin-users-disabled = disabled
admin-users-active = active
admin-users-enable = Enable
admin-users-disable = Disable
admin-users-own-role = You cannot change your own role.

## Extensions

admin-extensions = Extensions ({ $count })
admin-extensions-search = Search number or name
admin-extensions-name-listing = Name and listing
admin-extensions-name-of = Name of { $number }
admin-extensions-public = public
admin-extensions-release = Release handset
admin-extensions-confirm-delete = Yes, delete { $number }
admin-extensions-not-confirmed = Nothing was deleted: tick the box to confirm first.

## Groups

admin-groups = Groups ({ $count })
admin-groups-none = No groups yet. Attendees make them on their account page; desks are made above.
admin-groups-first = The first { $count } by number; search the extensions above for the others.
admin-groups-owner = owner: { $owner }
admin-groups-no-members = No members: calls reach nobody.
admin-groups-member = Member
admin-groups-delay = Delay (s)
admin-groups-delay-of = Delay of { $number }
admin-groups-delay-label = Delay
admin-groups-active = active
admin-groups-paused = paused
admin-groups-pause = Pause
admin-groups-resume = Resume
admin-groups-invited = Invited:
admin-groups-add-number = Add number
admin-groups-add-delay = delay (s)
admin-groups-add = Add
admin-groups-ring-for = Members ring for (s, 5 to 300)
admin-groups-then-to = then to (empty: busy)
admin-groups-member-refused = Member: type an extension's number.

## Numbering

admin-numbering = Numbering
admin-numbering-ranges = Claimable ranges
admin-numbering-from = From
admin-numbering-to = to
admin-numbering-add-range = Add range
admin-numbering-reserved = Reserved numbers
admin-numbering-free = Free
admin-numbering-reason = Reason
admin-numbering-reserve = Reserve
admin-numbering-per-person = Per person
admin-numbering-max = Extensions one person may claim
admin-numbering-max-refused = The maximum is a whole number from 0 to 100.
admin-numbering-settings = From the settings file (read-only)
admin-numbering-info-code = Info code
admin-numbering-echo-code = Echo test code
admin-numbering-register-code = Registration code
admin-numbering-temporary = Temporary numbers
admin-numbering-emergency = Emergency
admin-numbering-helpdesk = Help desk
admin-numbering-token-length = Token length
admin-numbering-digits = { $count } digits

## Temporary handsets

admin-handsets = Temporary handsets ({ $count } waiting)
admin-handsets-mint = Mint
admin-handsets-create = Create handset accounts
admin-handsets-none = No temporary handsets.
admin-handsets-new = New handset accounts (shown only now)
admin-handsets-registrar = Registrar:
admin-handsets-provision = Provision each handset with its username and password.

## Phonebook entries

admin-phonebook = Phonebook entries
admin-phonebook-intro = Listed in the phonebook beside the extensions people published, for example the help desk or the info line.
admin-phonebook-phones = Phones fetch the book from
admin-phonebook-services = Services fetch it from
admin-phonebook-none = No entries of your own yet.
admin-phonebook-add = Add entry

## API keys

admin-keys = API keys
admin-keys-scope = Scope
admin-keys-scope-read = read
admin-keys-scope-read-write = read-write
admin-keys-scope-admin = admin (users, every SIP password)
admin-keys-scope-admin-short = admin
admin-keys-create = Create key
admin-keys-revoked = revoked
admin-keys-live = live
admin-keys-revoke = Revoke
admin-keys-scope-refused = The scope is read, read-write or admin.
admin-keys-shown = API key { $name } (shown only now)
admin-keys-how = Give it to the service in this header; only a hash of it is stored:

## Desks (emergency and help-desk numbers)

admin-fixed-code = service code
admin-fixed-emergency = emergency
admin-fixed-helpdesk = help desk
admin-desk-warn-none = { $number } ({ $kind }): no desk is set up — calls hear 'please go to the help desk'
admin-desk-warn-unbound = { $number } ({ $kind }): its desk handset is not bound yet — calls hear 'please go to the help desk'
admin-desk-warn-unstaffed = { $number } ({ $kind }): no member of its group can ring — calls hear 'please go to the help desk'
admin-desks = Set up a desk
admin-desks-intro = Emergency and help-desk numbers are answered by an extension only admins can claim. It is yours (see your account page), and rings like any other extension.
admin-desks-option = { $number } ({ $kind })
admin-desks-name = Name in the phonebook
admin-desks-name-default = Help desk
admin-desks-phone = Phone
admin-desks-kind-sip = SIP phone
admin-desks-kind-handset = handset (binds with a token)
admin-desks-kind-group = group (staffed by the members you add below)
admin-desks-claim = Claim for the desk
admin-desks-kind-refused = Choose a SIP phone or a handset.
admin-desks-set-up = Desk { $number } set up (shown only now)
admin-desks-dial = Dial this from the desk's handset to bind it:
admin-desks-is-group = The desk is a group: add its members in the groups section.
admin-desks-is-conference = The desk is a conference room.
admin-desks-set-up-group = Desk { $number } set up as a group
admin-desks-group-members = Add its members in the groups section, or invite people's extensions from your account page.
admin-desks-group-link = → The groups section

## DECT

admin-dect = DECT subscription window
admin-dect-open = Open for any handset ({ $minutes } min)
admin-dect-close = Close
admin-dect-off = The DECT sync is off ([omm] enabled = false).
admin-dect-choose = Choose open or close.
admin-dect-busy = The DECT sync is busy or stopped; try again in a moment.

## Audit log

admin-audit-back = ← Back to the admin page
admin-audit-intro = What the help desk (and operators and admins on the help desk pages) opened and changed, newest first. No secret is ever written here.
admin-audit-count = Audit log ({ $count })
admin-audit-when = When
admin-audit-who = Who
admin-audit-what = What
admin-audit-user = User
admin-audit-extension = Extension
admin-audit-handset = Handset
admin-audit-details = Details
admin-audit-none = Nothing yet.
admin-audit-bad-page = The page of the audit log is a number from 1 on.
admin-audit-viewed = looked at the credentials
admin-audit-new-token = made a new token
admin-audit-new-sip-password = made a new SIP password
admin-audit-unbound = unbound the handset
admin-audit-released = released the handset
admin-audit-minted = minted loaners
admin-audit-printed-sheet = opened the loaner sheet
admin-audit-handed-out = handed out a loaner

## /helpdesk: search

helpdesk-title = Help desk
helpdesk-role-attendee = attendee
helpdesk-role-helpdesk = help desk
helpdesk-role-operator = operator
helpdesk-role-admin = admin
helpdesk-kind-sip = SIP
helpdesk-kind-handset-bound = handset (bound)
helpdesk-kind-handset-waiting = handset (waiting)
helpdesk-kind-group = group
helpdesk-kind-conference = conference room
helpdesk-intro = Find anyone's account or extension, listed in the phonebook or not. Everything you open or change here is written to the audit log.
helpdesk-loaners-link = Loaner handsets: mint, print, release
helpdesk-search-label = Number, name or username
helpdesk-search = Search
helpdesk-bad-page = The page is a number from 1 to { $max }.
helpdesk-bad-address = The address of this search is malformed; search again with the form.
helpdesk-users = Users ({ $count })
helpdesk-username = Username
helpdesk-name = Name
helpdesk-role = Role
helpdesk-extensions-col = Extensions
helpdesk-user-disabled = (disabled)
helpdesk-no-user = No user matches.
helpdesk-extensions = Extensions ({ $count })
helpdesk-number = Number
helpdesk-kind = Kind
helpdesk-owner = Owner
helpdesk-phonebook = Phonebook
helpdesk-listed = listed
helpdesk-unlisted = unlisted
helpdesk-no-extension = No extension matches.

## /helpdesk/ext/N

helpdesk-ext-title = Extension { $number }
helpdesk-back = ← Back to the search
helpdesk-badge-sip = SIP phone
helpdesk-badge-handset = Handset
helpdesk-badge-group = Group
helpdesk-badge-conference = Conference room
helpdesk-badge-listed = in the phonebook
helpdesk-owner-label = Owner:
helpdesk-owner-details = ({ $name }, { $role })
helpdesk-owner-disabled = ({ $name }, { $role }, disabled)
helpdesk-owner-nobody = nobody
helpdesk-not-registered = not registered
helpdesk-registered = registered
helpdesk-until = until
helpdesk-registrar = Registrar (server)
helpdesk-password = Password
helpdesk-password-warning = The phone stops working until the new password is entered.
helpdesk-new-password = Make a new SIP password
helpdesk-bound-handset = Bound handset
helpdesk-bound-since = Bound since
helpdesk-unbind = Unbind: the handset becomes a loaner again
helpdesk-release-for-good = Release the handset for good…
helpdesk-release-confirm = Yes, delete handset { $handset }
helpdesk-release = Release
helpdesk-no-handset = No handset yet. On the handset, dial:
helpdesk-digits = Digits to dial
helpdesk-token = Token
helpdesk-new-token = New token
helpdesk-hand-out-label = Or hand out a loaner: its temporary number
helpdesk-hand-out = Hand out
helpdesk-group = A group: calls to it ring its members. It has no phone of its own.
helpdesk-conference = A conference room: callers who dial it talk together. Its owner manages it on their account page.
helpdesk-done-token = { $number } has a new token; the old one no longer binds.
helpdesk-done-password = { $number } has a new SIP password: enter it in the phone.
helpdesk-done-unbind = The handset of { $number } is a loaner again, as { $temporary }; { $number } has a new token.
helpdesk-done-hand-out = Loaner { $loaner } is { $number } now: hand it over.
helpdesk-release-not-confirmed = Nothing was released: tick the box to confirm first.
helpdesk-done-release = The handset is released: its credentials no longer work.

## /helpdesk/loaners and the sheet

helpdesk-loaners-title = Loaner handsets
helpdesk-mint = Mint loaners
helpdesk-mint-intro = Each loaner gets a temporary number and SIP credentials. The answer is the printable sheet for the box.
helpdesk-mint-count = How many
helpdesk-mint-submit = Mint and show the sheet
helpdesk-waiting = Waiting loaners ({ $count })
helpdesk-reprint = Print the sheet of waiting loaners again
helpdesk-temporary-number = Temporary number
helpdesk-sip-username = SIP username
helpdesk-minted = Minted
helpdesk-released-when = Released when handed back
helpdesk-sure = sure
helpdesk-none-waiting = No loaner is waiting.
helpdesk-sheet-new = New loaners
helpdesk-sheet-waiting = Waiting loaners
helpdesk-sheet-back = ← Back to the loaners
helpdesk-sheet-print = Print this page (Ctrl+P) and stick each card on its handset. It shows passwords: keep the sheet at the desk.
helpdesk-sheet-empty = No loaner is waiting: mint some first.
helpdesk-card-title = Loaner { $number }
helpdesk-card-registrar = Registrar
helpdesk-card-qr = QR code of the credentials of loaner { $number }
helpdesk-card-no-qr = (no QR code: the credentials are too long for one)
helpdesk-card-bind = To make it your number: dial { $code } and your token from this handset.

## /operator

operator-title = Live view
operator-hang-up = Hang up…
operator-really-hang-up = Really hang up
operator-not-hung-up = The call was not hung up: { $problem }
operator-temporary-waiting = temporary handsets waiting
operator-failed-tokens = failed token attempts (10 min)
operator-active-calls = active calls
operator-registered-devices = registered devices
operator-ari-connected = connected
operator-ari-is-down = down
operator-ari-down = Asterisk is not connected ({ $status }). Calls between extensions keep working, but the codes and this view do not until it is back.
operator-ari-not-configured = eventpbx has no ARI connection configured
operator-ari-connecting = connecting
operator-ari-reconnecting = reconnecting: { $error }
operator-ari-replaced = another eventpbx took over the ARI application; restart this one
operator-ari-stopped = stopped
operator-channels = Channels now on the Asterisk
operator-caller = Caller
operator-callee = Callee
operator-state = State
operator-duration = Duration
operator-bridged-with = Bridged with
operator-actions = Actions
operator-no-calls = No calls right now.
operator-token-alarm = Alarm: { $failures } failed registration tokens in the last { $minutes } minutes (more than { $limit }). Someone may be guessing tokens; check the temporary handsets.
operator-stream-stopped = Live updates stopped. What you see is from { $at }: reload the page.
operator-stream-interrupted = Live updates interrupted, reconnecting. What you see is from { $at }.

## DECT on the operator page (and the admin's window)

operator-dect = DECT (OMM)
operator-dect-mode = subscription mode:
operator-dect-connecting = connecting
operator-dect-connected = connected
operator-dect-down = down: { $why }
operator-dect-mode-unknown = unknown
operator-dect-mode-off = Off
operator-dect-mode-wildcard = Wildcard
operator-dect-mode-configured = Configured
operator-dect-number = Number
operator-dect-bound = Bound
operator-dect-omm-user = OMM user
operator-dect-yes = yes
operator-dect-no = no
operator-dect-not-yet = not yet
operator-dect-none = No DECT handsets yet.

## Charts

operator-chart-hour = The last hour
operator-chart-day = The last day
operator-chart-note = From the per-minute statistics (counted again for the last hour every minute). Gaps: eventpbx was not running. Updated every minute.
operator-chart-calls = calls
operator-chart-going-on = calls going on
operator-chart-failed = failed tokens
operator-chart-calls-per-minute = Calls per minute
operator-chart-calls-per-10 = Calls per 10 minutes
operator-chart-failed-per-minute = Failed tokens per minute
operator-chart-failed-per-10 = Failed tokens per 10 minutes
operator-chart-going-on-title = Calls going on (most at once)
operator-chart-registered-title = Registered devices
operator-chart-kind-sip = SIP phones
operator-chart-kind-handset = handsets
operator-chart-kind-dect = DECT handsets
operator-chart-kind-temporary = temporary
operator-chart-bar = { $at } { $series }: { $value }
operator-chart-max = max { $max }
