# Was alle Seiten teilen: Rahmen, Navigation, Fußzeile, kleine Bausteine, Fehlerseiten.

site-name = eventpbx
page-title = { $title } · eventpbx
nav-main = Hauptmenü
nav-phonebook = Telefonbuch
nav-account = Meine Nummern
nav-helpdesk = Helpdesk
nav-operator = Betrieb
nav-admin = Verwaltung
nav-logout = Abmelden
nav-login = Anmelden
nav-signup = Registrieren
footer-tagline = eventpbx · Telefonie zum Selbermachen für diese Veranstaltung
footer-language = Sprache
copy-done = Kopiert
copy-button = Kopieren
pager-label = Seiten
pager-previous = ← Zurück
pager-next = Weiter →
pager-page = Seite { $page } von { $pages }

language-unknown = Diese Seite spricht nur Deutsch und Englisch.

error-back-home = Zurück zur Startseite
error-not-found-title = Nicht gefunden
error-not-found = Hier ist nichts. Der Link ist vielleicht alt, oder es wurde gelöscht.
error-forbidden-title = Nicht erlaubt
error-forbidden = Dein Konto darf diese Seite nicht öffnen. Frag beim Helpdesk nach, wenn du meinst, dass es das sollte.
error-csrf-title = Formular abgelaufen
error-csrf = Dieses Formular war zu alt oder kam nicht von dieser Seite, deshalb wurde nichts geändert. Geh zurück, lade die Seite neu und versuch es noch einmal.
error-refused-title = Das hat nicht geklappt
error-unavailable-title = Noch nicht verfügbar
error-unavailable = { $what } ist noch nicht verfügbar. Bitte frag beim Helpdesk nach.
error-internal-title = Etwas ist schiefgegangen
error-internal = Bei uns ist etwas schiefgegangen, und nichts wurde geändert. Bitte versuch es noch einmal; wenn es wieder passiert, sag dem Helpdesk Bescheid.
error-method-title = So nicht
error-method = Diese Adresse nimmt nur ein Formular entgegen. Geh zurück zur Seite mit dem Formular und benutze es dort.
error-busy-title = Belegt
error-busy = Die Datenbank ist gerade belegt; nichts wurde geändert, versuch es noch einmal.
error-changed-title = Zwischendurch geändert
error-changed = Jemand anderes hat das gleichzeitig geändert, deshalb wurde nichts geändert. Lade neu und versuch es noch einmal.
error-form-too-large = Das Formular war zu groß.
error-form-incomplete = Das Formular war unvollständig. Geh zurück und füll es noch einmal aus.
