# Startseite, Telefonbuch, Anmelden, Registrieren, Passwort, „Meine Nummern“ und „Warum hat es nicht geklingelt?“.

## Startseite

home-title = Telefonie für diese Veranstaltung
home-lead = Hol dir deine eigene Telefonnummer für die Veranstaltung. Nimm ein SIP-Telefon oder eine App, die du selbst einrichtest, oder ein Mobilteil vom Helpdesk, das du per Code anmeldest.
home-how-to-start = So geht’s los
home-logged-in = Du bist angemeldet.
home-sign-up-or-log-in = { $signup } (oder { $login }).
home-sign-up-link = Registrieren
home-log-in-link = anmelden
home-claim = Unter { $page } eine freie Nummer holen.
home-sip-label = SIP-Telefon oder App:
home-sip = Registrar, Benutzername und Passwort eintragen, die dort stehen.
home-handset-label = Mobilteil:
home-handset = { $code } wählen, danach deinen Token, und das Mobilteil hat deine Nummer.
home-useful-numbers = Nützliche Nummern
home-code-info = sagt dir deine eigene Nummer
home-code-echo = Echotest
home-code-register = Mobilteil mit deinem Token anmelden
home-code-helpdesk = Helpdesk
home-code-emergency = Notruf
home-phonebook = Alle eingetragenen Nummern stehen im { $phonebook }.
home-phonebook-link = Telefonbuch

## Telefonbuch

phonebook-title = Telefonbuch
phonebook-search-label = Name oder Nummer suchen
phonebook-search = Suchen
phonebook-nobody = Niemand gefunden.
phonebook-number = Nummer
phonebook-name = Name

## Anmelden

login-title = Anmelden
login-username = Benutzername
login-password = Passwort
login-submit = Anmelden
login-no-account = Noch kein Konto? { $signup }
login-sign-up-link = Registrieren
login-disabled = Dieses Konto ist gesperrt. Frag beim Helpdesk nach.
login-wrong = Benutzername oder Passwort falsch.
login-throttled-here = Zu viele Fehlversuche für dieses Konto von deiner Adresse: versuch es in { $seconds } s noch einmal.
login-throttled-everywhere = Zu viele Fehlversuche für dieses Konto von vielen Adressen: versuch es in { $seconds } s noch einmal, oder lass dir von einem Admin ein neues Passwort setzen.

## Registrieren

signup-title = Registrieren
signup-username = Benutzername
signup-username-help = Buchstaben, Ziffern, „.“, „-“ oder „_“. Damit meldest du dich an.
signup-display-name = Dein Name
signup-display-name-help = Steht im Telefonbuch und auf den Telefonen, die du anrufst.
signup-password = Passwort
signup-password-help = Mindestens { $count } Zeichen.
signup-password-again = Passwort wiederholen
signup-submit = Konto anlegen
signup-have-account = Schon ein Konto? { $login }
signup-log-in-link = Anmelden
signup-passwords-differ = Die beiden Passwörter sind verschieden. Gib zweimal dasselbe Passwort ein.
signup-limited-address = In der letzten Stunde wurden zu viele Konten von deiner Adresse angelegt: versuch es in { $minutes } min noch einmal, oder frag beim Helpdesk nach.
signup-limited-global = In der letzten Stunde wurden zu viele Konten angelegt: versuch es in { $minutes } min noch einmal, oder frag beim Helpdesk nach.

## Passwort

password-title = Passwort ändern
password-current = Aktuelles Passwort
password-new = Neues Passwort
password-new-help = Mindestens { $count } Zeichen. Deine anderen Sitzungen werden beendet.
password-new-again = Neues Passwort wiederholen
password-submit = Passwort ändern
password-back = Zurück zu meinen Nummern
password-differ = Die beiden neuen Passwörter sind verschieden. Gib zweimal dasselbe Passwort ein.
password-current-wrong = Das aktuelle Passwort ist falsch.
password-changed = Dein Passwort ist geändert. Deine anderen Sitzungen sind beendet.

## Meine Nummern

account-title = Meine Nummern
account-none-yet = Du hast noch keine Nummer. Hol dir unten eine.
account-at-most = Du hast { $count } { $count ->
        [one] Nummer
       *[other] Nummern
    }, mehr darf eine Person nicht haben.
account-change-password = Passwort ändern
account-stream-stopped = Live-Aktualisierung beendet. Was du siehst, ist von { $at }: lade die Seite neu.
account-stream-interrupted = Live-Aktualisierung unterbrochen, verbinde neu. Was du siehst, ist von { $at }.
account-copied = Kopiert
account-done-claimed = { $number } gehört dir. Die Details stehen unten.
account-done-taken-back = { $number } gehört dir wieder für diese Veranstaltung.
account-done-saved = Änderungen an { $number } gespeichert.
account-done-password = { $number } hat ein neues SIP-Passwort. Trag es in dein Telefon ein: das alte gilt nicht mehr.
account-done-deleted = { $number } ist gelöscht.
account-done-routing = Gespeichert, wie Anrufe an { $number } geleitet werden.
account-done-group = Gruppe { $number } gehört dir. Füg unten Mitglieder hinzu.
account-done-members = Mitglieder der Gruppe { $number } gespeichert.
account-done-invited = In Gruppe { $number } eingeladen; wem die Nummer gehört, nimmt an oder lehnt ab.
account-done-joined = Du bist jetzt Mitglied der Gruppe { $number }.
account-done-declined = Einladung in Gruppe { $number } abgelehnt.
account-done-paused = Die Mitgliedschaft in Gruppe { $number } ruht.
account-done-resumed = Die Mitgliedschaft in Gruppe { $number } ist wieder aktiv.
account-claim-no-number = Gib eine Nummer ein oder wähl eine der freien.
account-claim-no-kind = Wähl ein SIP-Telefon oder ein Mobilteil (Gruppen und Konferenzräume haben eigene Formulare).
account-not-held = { $number } ist nicht für dich reserviert, oder die Reservierung ist abgelaufen.
account-delete-unconfirmed = Nichts gelöscht: setz zuerst das Häkchen zur Bestätigung.

## Die Karte einer Nummer und das Formular zum Holen

account-claim-title = Nummer holen
account-claim-number = Nummer
account-claim-ranges = Freie Nummern liegen in { $ranges }.
account-claim-phone = Telefon
account-claim-sip = SIP-Telefon oder App (ich trage Benutzername und Passwort ein)
account-claim-handset = Mobilteil (ich melde es an, indem ich einen Token wähle)
account-claim-name = Name im Telefonbuch
account-claim-public = Mich ins öffentliche Telefonbuch eintragen
account-claim-submit = Diese Nummer holen
account-claim-or-pick = Oder nimm eine freie:
account-online = online
account-offline = offline
account-offline-since = seit { $time }
account-registered-until = Angemeldet bis { $time }
account-registered-agent-until = Angemeldet ({ $agent }) bis { $time }
account-answers-in = Antwortet in { $ms } ms
account-not-qualified = Erreichbarkeit nicht geprüft (Qualify ist aus oder hat noch nicht geantwortet)
account-kind-sip = SIP-Telefon
account-kind-handset = Mobilteil
account-kind-conference = Konferenzraum
account-kind-group = Gruppe
account-listed = im Telefonbuch
account-unlisted = nicht eingetragen
account-held = Seit der letzten Veranstaltung für dich reserviert bis { $time }. Hol sie zurück, um sie zu behalten; sonst wird sie dann freigegeben.
account-take-back = { $number } zurückholen
account-registrar = Registrar (Server)
account-transport = Transport: UDP oder TCP.
account-username = Benutzername
account-password = Passwort
account-new-password-open = Neues Passwort…
account-new-password-warning = Dein Telefon funktioniert erst wieder, wenn du das neue Passwort einträgst.
account-new-password = Neues Passwort erzeugen
account-group-about = Eine Gruppe: Anrufe an sie klingeln bei ihren Mitgliedern.
account-handset-bound = Seit { $time } ist ein Mobilteil an diese Nummer gebunden.
account-release-open = Mobilteil freigeben…
account-release-about = Das Mobilteil bekommt wieder eine vorläufige Nummer; du bekommst einen neuen Token.
account-release = Mobilteil freigeben
account-no-handset = Noch kein Mobilteil. Wähl auf dem Mobilteil:
account-digits = Zu wählende Ziffern
account-dial-slowly = Oder wähl { $code }, warte auf die Ansage, gib den Token ein und dann #.
account-token = Token
account-new-token = Neuer Token
account-why-link = Warum hat es nicht geklingelt? { $number } prüfen und testen
account-edit-open = Name und Telefonbuch…
account-edit-name = Name
account-edit-public = Ins öffentliche Telefonbuch eintragen
account-save = Speichern
account-delete-open = Löschen…
account-delete-confirm = Ja, { $number } und den Zugang seines Telefons endgültig löschen
account-delete = { $number } löschen

## Letzte Anrufe

account-calls-title = Letzte Anrufe
account-calls-none = Noch keine Anrufe.
account-calls-when = Wann
account-calls-from = Von
account-calls-to = An
account-calls-result = Ergebnis
account-calls-length = Dauer
account-calls-seconds = { $seconds } s
account-cause-answered = angenommen
account-cause-busy = besetzt
account-cause-no-answer = keine Antwort
account-cause-not-registered = nicht angemeldet
account-cause-rejected = abgelehnt
account-cause-dnd = Nicht stören
account-cause-unknown-number = unbekannte Nummer
account-cause-not-allowed = nicht erlaubt
account-cause-cancelled = abgebrochen
account-cause-forwarded = { $cause } (weitergeleitet an { $number })

## Weiterleitung: die Klingeltabelle und die Formulare

account-unknown = unbekannt
account-route-why = Warum klingelt es dort?
account-route-goes-to = { $case }: geht an { $number }
account-route-otherwise = { $case }: { $outcome }
account-route-busy = Besetzt
account-route-busy-dnd = Besetzt (auch bei „Nicht stören“)
account-route-no-answer = Keine Antwort nach { $seconds } s
account-route-nobody = Niemand erreichbar
account-route-hears-busy = wer anruft, hört besetzt
account-route-call-ends = der Anruf endet
account-route-hears-unreachable = wer anruft, hört „nicht erreichbar“
account-route-caption = Was klingelt, wenn ein Anruf an { $number } kommt
account-route-rings = Klingelt
account-route-when = Wann
account-route-phone-now = Telefon jetzt
account-route-forwarded = Sofort weitergeleitet an { $number }: hier klingelt nichts.
account-route-dnd = „Nicht stören“ ist an: nichts klingelt.
account-route-nothing = Nichts kann klingeln: kein Telefon ist gebunden, oder alle Mitglieder ruhen oder haben „Nicht stören“ an.
account-route-at-once = sofort, { $seconds } s lang
account-route-after = nach { $delay } s, { $seconds } s lang
account-route-no-call-waiting = (nicht während eines Gesprächs: Anklopfen ist aus)
account-route-no-asterisk = Asterisk ist nicht verbunden, daher ist der Zustand der Telefone unbekannt.
account-dnd-is-on = „Nicht stören“ an
account-dnd-off = „Nicht stören“ ausschalten
account-dnd-on = „Nicht stören“ einschalten
account-call-waiting-off = Anklopfen ausschalten
account-call-waiting-is-off = Anklopfen aus
account-call-waiting-on = Anklopfen einschalten
account-forwarding-open = Weiterleitung…
account-forwarding-about = Eine leere Nummer schaltet die jeweilige Weiterleitung aus.
account-forward-always = Immer an
account-forward-always-after = … nachdem es hier erst so viele Sekunden geklingelt hat (leer: sofort)
account-forward-busy = Bei besetzt (oder „Nicht stören“) an
account-forward-no-answer = Wenn niemand abnimmt, an
account-forward-no-answer-after = … nach so vielen Sekunden (leer: 20)
account-forward-unavailable-group = Wenn kein Mitglied erreichbar ist, an
account-forward-unavailable = Wenn das Telefon nicht erreichbar ist, an
account-forwarding-save = Weiterleitung speichern

## Gruppen und Mitgliedschaften

account-member-no-handset = noch kein Mobilteil
account-member-group = Gruppe
account-members = Mitglieder
account-members-none = Noch keine Mitglieder: Anrufe an { $number } erreichen niemanden. Füg eine deiner Nummern hinzu oder lade jemanden ein.
account-members-member = Mitglied
account-members-delay = Verzögerung (s)
account-members-state = Zustand
account-members-remove = Entfernen
account-members-remove-number = { $number } entfernen
account-members-delay-of = Verzögerung von { $number }
account-members-set = Setzen
account-members-invited = Eingeladen, noch ohne Antwort:
account-members-invited-one = { $number } (Verzögerung { $delay } s)
account-members-add-mine = Meine Nummer hinzufügen
account-members-delay-label = Verzögerung (s)
account-members-add = Hinzufügen
account-members-invite-number = Nummer einladen
account-members-invite = Einladen
account-group-settings-open = Klingeldauer und Ausweichziel…
account-group-timeout = Mitglieder klingeln (Sekunden, 5 bis 300)
account-group-fallback = Danach geht der Anruf an (leer: besetzt)
account-create-group-title = Gruppe anlegen
account-create-group-about = Eine Gruppe ist eine Nummer, die bei ihren Mitgliedern klingelt (deine Nummern und die von Leuten, die deine Einladung annehmen).
account-create-group-name = Name (Mitglieder sehen Anrufe als „Anrufer über Name“)
account-create-group-public = Ins öffentliche Telefonbuch eintragen
account-create-group-submit = Gruppe anlegen
account-group-no-number = Gib die Nummer der Gruppe ein.
account-member-no-number = Gib die Nummer des Mitglieds ein.
account-member-active = aktiv
account-member-paused = ruht
account-member-pause = Pausieren
account-member-resume = Fortsetzen
account-invitations = Einladungen
account-invitation-at-once = Gruppe { $group } lädt deine { $number } ein, sofort mitzuklingeln.
account-invitation-after = Gruppe { $group } lädt deine { $number } ein, nach { $delay } s mitzuklingeln.
account-invitation-accept = Annehmen
account-invitation-decline = Ablehnen
account-memberships = Meine Gruppenmitgliedschaften
account-memberships-group = Gruppe
account-memberships-mine = Meine Nummer
account-memberships-delay = Verzögerung

## Warum hat es nicht geklingelt?

why-title = Warum hat { $number } nicht geklingelt?
why-route = Der Weg des Anrufs
why-no-route = Für { $number } ist noch kein Weg übersetzt: Anrufe folgen der Nummerntabelle.
why-verdict-forwarded = Anrufe an { $number } werden sofort an { $to } weitergeleitet: hier klingelt nichts.
why-verdict-dnd = „Nicht stören“ ist an für { $number }: wer anruft, hört besetzt.
why-verdict-empty-group = Gruppe { $number } hat kein aktives Mitglied: bei niemandem klingelt es.
why-verdict-no-phone = { $number } hat noch kein Telefon: nichts kann klingeln.
why-verdict-no-asterisk = eventpbx ist gerade nicht mit Asterisk verbunden, daher ist der Zustand der Telefone unbekannt; Anrufe gehen trotzdem.
why-verdict-none-registered = Kein Telefon von { $number } ist gerade angemeldet: Anrufe finden niemanden zum Klingeln.
why-verdict-all-registered = Alle Telefone von { $number } sind angemeldet: Anrufe klingeln. Probier unten den Klingeltest.
why-verdict-some-registered = { $count } von { $phones } Telefonen von { $number } { $count ->
        [one] ist
       *[other] sind
    } angemeldet: die anderen klingeln nicht.
why-phones = Telefone
why-phones-none = Kein Telefon: hol dir zuerst ein Gerät oder binde ein Mobilteil.
why-phones-phone = Telefon
why-phones-now = Jetzt
why-phones-since = Seit
why-phones-software = Telefon-Software
why-phones-registered-at = Angemeldet bei
why-phones-registration-ends = Anmeldung endet
why-phones-not-seen-changing = keine Änderung gesehen
why-phones-no-registration = keine Anmeldung gespeichert
why-timeline = Anmeldungsänderungen (letzte 24 Stunden)
why-timeline-none = Keine am letzten Tag: die Telefone haben sich weder angemeldet noch abgemeldet.
why-timeline-when = Wann
why-timeline-phone = Telefon
why-timeline-became = Wurde
why-timeline-contact = Kontakt
why-ring = Klingeltest
why-ring-about = Ein Testanruf klingelt { $seconds } Sekunden; wird er angenommen, sagt er das und legt auf. Das Telefon zeigt „Ring test“.
why-ring-route = { $number } anrufen wie alle anderen
why-ring-phone = Nur das Telefon von { $number } klingeln lassen
why-ring-not-this-phone = Dieses Telefon gehört nicht zu { $number }: es wurde niemand angerufen.
why-ring-no-asterisk = eventpbx ist gerade nicht mit Asterisk verbunden und kann nicht anrufen: versuch es in einer Minute noch einmal.
why-test-route = Testanruf an { $number } über seinen Weg: { $state }
why-test-phone = Testanruf an { $number } direkt aufs Telefon: { $state }
why-test-calling = wählt…
why-test-ringing = klingelt…
why-test-answered = angenommen: das Telefon funktioniert
why-test-busy = besetzt
why-test-no-answer = keine Antwort
why-test-not-registered = nicht angemeldet (kein Telefon erreichbar)
why-test-rejected = vom Telefon abgelehnt
why-test-dnd = Nicht stören
why-test-unknown-number = unbekannte Nummer
why-test-not-allowed = nicht erlaubt
why-test-ended = beendet, bevor jemand abnahm
why-ring-running = Ein Testanruf an { $number } läuft schon: warte auf sein Ergebnis.
why-ring-full = Es laufen schon { $count } Testanrufe: versuch es in einer Minute noch einmal.
