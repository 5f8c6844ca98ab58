# The browser phone on the account page (src/web/pages/account/phone.rs, static/phone.js).

phone-heading = Browser phone
phone-intro = A phone in this page: calls to your number ring here and on your phone together, and calls from here show your number. It needs a microphone and stays registered while the page is open.
phone-add = Add a browser phone to { $number }
phone-remove = Remove the browser phone of { $number }
phone-title = Phone { $number }
phone-licence = The phone uses JsSIP (MIT licence).
phone-needs-script = The browser phone needs JavaScript.
phone-number-label = Number to call
phone-pad-label = Dial pad
phone-call = Call
phone-hangup = Hang up
phone-answer = Answer
phone-decline = Decline
phone-mute = Mute
phone-unmute = Unmute
phone-notify-allow = Notify me of calls
phone-notify-title = Incoming call
phone-media-label = Audio packets sent / received:
phone-no-media = No microphone: allow this page to use it.
phone-state-off = Not connected
phone-state-connecting = Connecting…
phone-state-ready = Ready
phone-state-failed = Not registered:
phone-state-calling = Calling…
phone-state-ringing = Ringing…
phone-state-incoming = Incoming call:
phone-state-in-call = In call
phone-state-ended = Call ended:

# Refusals (db::Refusal; the English ones are their Display texts, the CLI's words).
phone-err-exists = { $number } has a browser phone already.
phone-err-none = { $number } has no browser phone.
phone-err-group = { $number } is a group: it rings its members and has no phone of its own.
phone-err-room = { $number } is a conference room: callers dial into it, it has no phone.
