# Conference rooms on /account: the create form, the room's card and the owner's room page
# (src/web/pages/account/conference.rs).

conference-create-title = Create a conference room
conference-create-help = Everyone who dials the room's number talks together. A PIN (4 to 8 digits) keeps strangers out; a limit keeps the room small. The room counts as one of your extensions.
conference-number = Number
conference-name = Name
conference-pin = PIN (optional, 4 to 8 digits)
conference-max = Most participants (optional, 2 to 100)
conference-public = List in the phonebook
conference-create = Create the room
conference-card = A conference room: everyone who dials it talks together.
conference-open = Who is in the room, PIN and limit
conference-who = In the room now
conference-nobody = Nobody is in the room.
conference-not-connected = eventpbx is not connected to Asterisk now: who is in the room is not known.
conference-caller = Caller
conference-state = State
conference-talking = talking
conference-muted = muted
conference-mute = Mute
conference-unmute = Unmute
conference-remove = Remove
conference-settings = Settings
conference-save = Save
conference-back = Back to my extensions
conference-type-number = Type the room's number.
conference-max-not-number = The most participants is a number from 2 to 100.
conference-gone = That participant is no longer in the room.
conference-created = The room is ready. Tell people its number (and the PIN, if any).
conference-saved = Saved. Callers already in the room stay.
conference-done-muted = Muted.
conference-done-unmuted = Unmuted.
conference-done-removed = Removed from the room.
conference-dial = Dial { $number } to join.
conference-title = Conference room { $number }
