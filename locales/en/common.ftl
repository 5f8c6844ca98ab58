# Everything every page shares: the frame, navigation, footer, small components, error pages.

site-name = eventpbx
page-title = { $title } · eventpbx
nav-main = Main
nav-phonebook = Phonebook
nav-account = My extensions
nav-helpdesk = Help desk
nav-operator = Operator
nav-admin = Admin
nav-logout = Log out
nav-login = Log in
nav-signup = Sign up
footer-tagline = eventpbx · self-service telephony for this event
footer-language = Language
copy-done = Copied
copy-button = Copy
pager-label = Pages
pager-previous = ← Previous
pager-next = Next →
pager-page = Page { $page } of { $pages }

language-unknown = This site speaks English and German only.

error-back-home = Back to the start page
error-not-found-title = Not found
error-not-found = There is nothing here. The link may be old, or the thing was deleted.
error-forbidden-title = Not allowed
error-forbidden = Your account may not open this page. Ask the help desk if you think it should.
error-csrf-title = Form expired
error-csrf = This form was too old or did not come from this site, so nothing was changed. Go back, reload the page and try again.
error-refused-title = That did not work
error-unavailable-title = Not available yet
error-unavailable = { $what } is not available yet. Please ask the help desk.
error-internal-title = Something went wrong
error-internal = Something went wrong on our side, and nothing was changed. Please try again; if it keeps happening, tell the help desk.
error-method-title = Not like this
error-method = This address only takes a form. Go back to the page with the form and use it there.
error-busy-title = Busy
error-busy = The database is busy; nothing was changed, try again.
error-changed-title = Changed meanwhile
error-changed = Changed at the same time by someone else, so nothing was changed. Reload and try again.
error-form-too-large = The form was too large.
error-form-incomplete = The form was incomplete. Go back and fill it in again.
