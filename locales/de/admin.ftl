# Die Seiten fürs Team: /admin (alle Abschnitte und das Protokoll), /helpdesk (Suche, eine
# Nummer, Leihgeräte und ihr Druckblatt) und /operator (Live-Ansicht, DECT, Diagramme).

## /admin: gemeinsame Wörter

admin-title = Verwaltung
admin-back-whole = Zurück zur ganzen Verwaltungsseite
admin-toc = Abschnitte
admin-toc-event = Veranstaltung
admin-toc-users = Benutzer
admin-toc-extensions = Nummern
admin-toc-groups = Gruppen
admin-toc-numbering = Nummernplan
admin-toc-handsets = Temporäre Mobilteile
admin-toc-phonebook = Telefonbucheinträge
admin-toc-keys = API-Schlüssel
admin-toc-audit = Protokoll des Helpdesks
admin-name = Name
admin-number = Nummer
admin-username = Benutzername
admin-password = Passwort
admin-sip-username = SIP-Benutzername
admin-temporary-number = Temporäre Nummer
admin-role = Rolle
admin-kind = Art
admin-owner = Besitzer
admin-state = Zustand
admin-created = Angelegt
admin-actions = Aktionen
admin-search = Suchen
admin-save = Speichern
admin-set = Setzen
admin-remove = Entfernen
admin-delete = Löschen
admin-delete-more = Löschen…

## Veranstaltung

admin-event = Veranstaltung
admin-event-none = Keine Veranstaltung eingetragen: Registrieren, Nummern beanspruchen und Mobilteile verbinden geht jederzeit.
admin-event-summary = { $starts } bis { $ends }. Die Anmeldung (Registrieren, Nummern beanspruchen, Mobilteile verbinden) ist von { $opens } bis { $closes } ({ $zone }) offen; das Team kann jederzeit Nummern anlegen.
admin-event-name = Name
admin-event-first-day = Erster Tag
admin-event-last-day = Letzter Tag
admin-event-opens = Anmeldung öffnet ({ $zone })
admin-event-closes = Anmeldung schließt ({ $zone })
admin-event-set = Veranstaltung speichern
admin-event-clear = Veranstaltung löschen (Anmeldung immer offen)

## Benutzer

admin-users = Benutzer ({ $count })
admin-users-search = Benutzer suchen
admin-users-since = Seit
admin-users-status = Status
admin-users-you = { $role } (du)
admin-users-role-of = Rolle von { $user }
admin-users-disabled = gesperrt
admin-users-active = aktiv
admin-users-enable = Entsperren
admin-users-disable = Sperren
admin-users-own-role = Deine eigene Rolle kannst du nicht ändern.

## Nummern

admin-extensions = Nummern ({ $count })
admin-extensions-search = Nummer oder Name suchen
admin-extensions-name-listing = Name und Eintrag
admin-extensions-name-of = Name von { $number }
admin-extensions-public = im Telefonbuch
admin-extensions-release = Mobilteil freigeben
admin-extensions-confirm-delete = Ja, { $number } löschen
admin-extensions-not-confirmed = Nichts wurde gelöscht: setz zuerst das Häkchen zur Bestätigung.

## Gruppen

admin-groups = Gruppen ({ $count })
admin-groups-none = Noch keine Gruppen. Teilnehmende legen sie auf ihrer Kontoseite an; Anlaufstellen werden oben eingerichtet.
admin-groups-first = Die ersten { $count } nach Nummer; die anderen findest du oben über die Nummernsuche.
admin-groups-owner = Besitzer: { $owner }
admin-groups-no-members = Keine Mitglieder: Anrufe erreichen niemanden.
admin-groups-member = Mitglied
admin-groups-delay = Verzögerung (s)
admin-groups-delay-of = Verzögerung von { $number }
admin-groups-delay-label = Verzögerung
admin-groups-active = aktiv
admin-groups-paused = pausiert
admin-groups-pause = Pausieren
admin-groups-resume = Fortsetzen
admin-groups-invited = Eingeladen:
admin-groups-add-number = Nummer hinzufügen
admin-groups-add-delay = Verzögerung (s)
admin-groups-add = Hinzufügen
admin-groups-ring-for = Mitglieder klingeln (s, 5 bis 300)
admin-groups-then-to = danach an (leer: besetzt)
admin-groups-member-refused = Mitglied: gib die Nummer eines Anschlusses ein.

## Nummernplan

admin-numbering = Nummernplan
admin-numbering-ranges = Freie Nummernbereiche
admin-numbering-from = Von
admin-numbering-to = bis
admin-numbering-add-range = Bereich hinzufügen
admin-numbering-reserved = Reservierte Nummern
admin-numbering-free = Freigeben
admin-numbering-reason = Grund
admin-numbering-reserve = Reservieren
admin-numbering-per-person = Pro Person
admin-numbering-max = Nummern, die eine Person beanspruchen darf
admin-numbering-max-refused = Das Höchstmaß ist eine ganze Zahl von 0 bis 100.
admin-numbering-settings = Aus der Konfigurationsdatei (nur lesen)
admin-numbering-info-code = Info-Code
admin-numbering-echo-code = Echotest-Code
admin-numbering-register-code = Anmeldecode
admin-numbering-temporary = Temporäre Nummern
admin-numbering-emergency = Notruf
admin-numbering-helpdesk = Helpdesk
admin-numbering-token-length = Token-Länge
admin-numbering-digits = { $count ->
    [one] { $count } Ziffer
   *[other] { $count } Ziffern
}

## Temporäre Mobilteile

admin-handsets = Temporäre Mobilteile ({ $count } warten)
admin-handsets-mint = Anlegen
admin-handsets-create = Mobilteil-Zugänge erzeugen
admin-handsets-none = Keine temporären Mobilteile.
admin-handsets-new = Neue Mobilteil-Zugänge (nur jetzt sichtbar)
admin-handsets-registrar = Registrar:
admin-handsets-provision = Richte jedes Mobilteil mit seinem Benutzernamen und Passwort ein.

## Telefonbucheinträge

admin-phonebook = Telefonbucheinträge
admin-phonebook-intro = Stehen im Telefonbuch neben den Nummern, die Leute veröffentlicht haben, zum Beispiel der Helpdesk oder die Infonummer.
admin-phonebook-phones = Telefone laden das Buch von
admin-phonebook-services = Dienste laden es von
admin-phonebook-none = Noch keine eigenen Einträge.
admin-phonebook-add = Eintrag hinzufügen

## API-Schlüssel

admin-keys = API-Schlüssel
admin-keys-scope = Umfang
admin-keys-scope-read = lesen
admin-keys-scope-read-write = lesen und schreiben
admin-keys-scope-admin = Verwaltung (Benutzer, alle SIP-Passwörter)
admin-keys-scope-admin-short = Verwaltung
admin-keys-create = Schlüssel erzeugen
admin-keys-revoked = widerrufen
admin-keys-live = gültig
admin-keys-revoke = Widerrufen
admin-keys-scope-refused = Der Umfang ist read, read-write oder admin.
admin-keys-shown = API-Schlüssel { $name } (nur jetzt sichtbar)
admin-keys-how = Gib ihn dem Dienst in diesem Header; gespeichert wird nur ein Hash davon:

## Anlaufstellen (Notruf- und Helpdesk-Nummern)

admin-fixed-code = Dienstcode
admin-fixed-emergency = Notruf
admin-fixed-helpdesk = Helpdesk
admin-desk-warn-none = { $number } ({ $kind }): keine Anlaufstelle eingerichtet — Anrufende hören „bitte geh zum Helpdesk“
admin-desk-warn-unbound = { $number } ({ $kind }): das Mobilteil der Anlaufstelle ist noch nicht verbunden — Anrufende hören „bitte geh zum Helpdesk“
admin-desk-warn-unstaffed = { $number } ({ $kind }): kein Mitglied der Gruppe kann klingeln — Anrufende hören „bitte geh zum Helpdesk“
admin-desks = Anlaufstelle einrichten
admin-desks-intro = Notruf- und Helpdesk-Nummern beantwortet ein Anschluss, den nur die Verwaltung beanspruchen kann. Er gehört dir (siehe deine Kontoseite) und klingelt wie jeder andere Anschluss.
admin-desks-option = { $number } ({ $kind })
admin-desks-name = Name im Telefonbuch
admin-desks-name-default = Helpdesk
admin-desks-phone = Telefon
admin-desks-kind-sip = SIP-Telefon
admin-desks-kind-handset = Mobilteil (verbindet sich per Token)
admin-desks-kind-group = Gruppe (besetzt mit den Mitgliedern, die du unten hinzufügst)
admin-desks-claim = Für die Anlaufstelle beanspruchen
admin-desks-kind-refused = Wähl ein SIP-Telefon oder ein Mobilteil.
admin-desks-set-up = Anlaufstelle { $number } eingerichtet (nur jetzt sichtbar)
admin-desks-dial = Wähl das vom Mobilteil der Anlaufstelle, um es zu verbinden:
admin-desks-is-group = Die Anlaufstelle ist eine Gruppe: füge ihre Mitglieder im Abschnitt Gruppen hinzu.
admin-desks-is-conference = Die Anlaufstelle ist ein Konferenzraum.
admin-desks-set-up-group = Anlaufstelle { $number } als Gruppe eingerichtet
admin-desks-group-members = Füge ihre Mitglieder im Abschnitt Gruppen hinzu oder lade Nummern anderer Leute von deiner Kontoseite aus ein.
admin-desks-group-link = → Zum Abschnitt Gruppen

## DECT

admin-dect = DECT-Anmeldefenster
admin-dect-open = Für jedes Mobilteil öffnen ({ $minutes } min)
admin-dect-close = Schließen
admin-dect-off = Der DECT-Abgleich ist aus ([omm] enabled = false).
admin-dect-choose = Wähl öffnen oder schließen.
admin-dect-busy = Der DECT-Abgleich ist beschäftigt oder gestoppt; versuch es gleich noch einmal.

## Protokoll

admin-audit-back = ← Zurück zur Verwaltungsseite
admin-audit-intro = Was der Helpdesk (und Betrieb und Verwaltung auf den Helpdesk-Seiten) geöffnet und geändert hat, neueste zuerst. Geheimnisse werden hier nie aufgeschrieben.
admin-audit-count = Protokoll ({ $count })
admin-audit-when = Wann
admin-audit-who = Wer
admin-audit-what = Was
admin-audit-user = Benutzer
admin-audit-extension = Nummer
admin-audit-handset = Mobilteil
admin-audit-details = Einzelheiten
admin-audit-none = Noch nichts.
admin-audit-bad-page = Die Seite des Protokolls ist eine Zahl ab 1.
admin-audit-viewed = hat die Zugangsdaten angesehen
admin-audit-new-token = hat ein neues Token erzeugt
admin-audit-new-sip-password = hat ein neues SIP-Passwort erzeugt
admin-audit-unbound = hat das Mobilteil getrennt
admin-audit-released = hat das Mobilteil freigegeben
admin-audit-minted = hat Leihgeräte angelegt
admin-audit-printed-sheet = hat das Leihgeräte-Blatt geöffnet
admin-audit-handed-out = hat ein Leihgerät ausgegeben

## /helpdesk: Suche

helpdesk-title = Helpdesk
helpdesk-role-attendee = Teilnehmer
helpdesk-role-helpdesk = Helpdesk
helpdesk-role-operator = Betrieb
helpdesk-role-admin = Verwaltung
helpdesk-kind-sip = SIP
helpdesk-kind-handset-bound = Mobilteil (verbunden)
helpdesk-kind-handset-waiting = Mobilteil (wartet)
helpdesk-kind-group = Gruppe
helpdesk-kind-conference = Konferenzraum
helpdesk-intro = Finde das Konto oder die Nummer von allen, ob im Telefonbuch oder nicht. Alles, was du hier öffnest oder änderst, kommt ins Protokoll.
helpdesk-loaners-link = Leihgeräte: anlegen, drucken, freigeben
helpdesk-search-label = Nummer, Name oder Benutzername
helpdesk-search = Suchen
helpdesk-bad-page = Die Seite ist eine Zahl von 1 bis { $max }.
helpdesk-bad-address = Die Adresse dieser Suche ist kaputt; such noch einmal mit dem Formular.
helpdesk-users = Benutzer ({ $count })
helpdesk-username = Benutzername
helpdesk-name = Name
helpdesk-role = Rolle
helpdesk-extensions-col = Nummern
helpdesk-user-disabled = (gesperrt)
helpdesk-no-user = Kein Benutzer passt.
helpdesk-extensions = Nummern ({ $count })
helpdesk-number = Nummer
helpdesk-kind = Art
helpdesk-owner = Besitzer
helpdesk-phonebook = Telefonbuch
helpdesk-listed = eingetragen
helpdesk-unlisted = nicht eingetragen
helpdesk-no-extension = Keine Nummer passt.

## /helpdesk/ext/N

helpdesk-ext-title = Nummer { $number }
helpdesk-back = ← Zurück zur Suche
helpdesk-badge-sip = SIP-Telefon
helpdesk-badge-handset = Mobilteil
helpdesk-badge-group = Gruppe
helpdesk-badge-conference = Konferenzraum
helpdesk-badge-listed = im Telefonbuch
helpdesk-owner-label = Besitzer:
helpdesk-owner-details = ({ $name }, { $role })
helpdesk-owner-disabled = ({ $name }, { $role }, gesperrt)
helpdesk-owner-nobody = niemand
helpdesk-not-registered = nicht angemeldet
helpdesk-registered = angemeldet
helpdesk-until = bis
helpdesk-registrar = Registrar (Server)
helpdesk-password = Passwort
helpdesk-password-warning = Das Telefon geht nicht mehr, bis das neue Passwort eingetragen ist.
helpdesk-new-password = Neues SIP-Passwort erzeugen
helpdesk-bound-handset = Verbundenes Mobilteil
helpdesk-bound-since = Verbunden seit
helpdesk-unbind = Trennen: das Mobilteil wird wieder ein Leihgerät
helpdesk-release-for-good = Mobilteil endgültig freigeben…
helpdesk-release-confirm = Ja, Mobilteil { $handset } löschen
helpdesk-release = Freigeben
helpdesk-no-handset = Noch kein Mobilteil. Wähl am Mobilteil:
helpdesk-digits = Zu wählende Ziffern
helpdesk-token = Token
helpdesk-new-token = Neues Token
helpdesk-hand-out-label = Oder gib ein Leihgerät aus: seine temporäre Nummer
helpdesk-hand-out = Ausgeben
helpdesk-group = Eine Gruppe: Anrufe an sie klingeln bei ihren Mitgliedern. Sie hat kein eigenes Telefon.
helpdesk-conference = Ein Konferenzraum: Wer ihn anruft, spricht mit allen anderen darin. Sein Besitzer verwaltet ihn auf seiner Kontoseite.
helpdesk-done-token = { $number } hat ein neues Token; das alte verbindet nicht mehr.
helpdesk-done-password = { $number } hat ein neues SIP-Passwort: trag es im Telefon ein.
helpdesk-done-unbind = Das Mobilteil von { $number } ist wieder ein Leihgerät, als { $temporary }; { $number } hat ein neues Token.
helpdesk-done-hand-out = Leihgerät { $loaner } ist jetzt { $number }: gib es heraus.
helpdesk-release-not-confirmed = Nichts wurde freigegeben: setz zuerst das Häkchen zur Bestätigung.
helpdesk-done-release = Das Mobilteil ist freigegeben: seine Zugangsdaten gelten nicht mehr.

## /helpdesk/loaners und das Druckblatt

helpdesk-loaners-title = Leihgeräte
helpdesk-mint = Leihgeräte anlegen
helpdesk-mint-intro = Jedes Leihgerät bekommt eine temporäre Nummer und SIP-Zugangsdaten. Als Antwort kommt das Druckblatt für die Kiste.
helpdesk-mint-count = Wie viele
helpdesk-mint-submit = Anlegen und Blatt zeigen
helpdesk-waiting = Wartende Leihgeräte ({ $count })
helpdesk-reprint = Blatt der wartenden Leihgeräte neu drucken
helpdesk-temporary-number = Temporäre Nummer
helpdesk-sip-username = SIP-Benutzername
helpdesk-minted = Angelegt
helpdesk-released-when = Freigeben, wenn zurückgegeben
helpdesk-sure = sicher
helpdesk-none-waiting = Kein Leihgerät wartet.
helpdesk-sheet-new = Neue Leihgeräte
helpdesk-sheet-waiting = Wartende Leihgeräte
helpdesk-sheet-back = ← Zurück zu den Leihgeräten
helpdesk-sheet-print = Druck diese Seite (Strg+P) und kleb jede Karte auf ihr Mobilteil. Sie zeigt Passwörter: lass das Blatt am Helpdesk.
helpdesk-sheet-empty = Kein Leihgerät wartet: leg zuerst welche an.
helpdesk-card-title = Leihgerät { $number }
helpdesk-card-registrar = Registrar
helpdesk-card-qr = QR-Code der Zugangsdaten von Leihgerät { $number }
helpdesk-card-no-qr = (kein QR-Code: die Zugangsdaten sind zu lang dafür)
helpdesk-card-bind = So wird es deine Nummer: wähl { $code } und dein Token an diesem Mobilteil.

## /operator

operator-title = Live-Ansicht
operator-hang-up = Auflegen…
operator-really-hang-up = Wirklich auflegen
operator-not-hung-up = Der Anruf wurde nicht beendet: { $problem }
operator-temporary-waiting = temporäre Mobilteile warten
operator-failed-tokens = falsche Token-Versuche (10 min)
operator-active-calls = laufende Anrufe
operator-registered-devices = angemeldete Geräte
operator-ari-connected = verbunden
operator-ari-is-down = getrennt
operator-ari-down = Asterisk ist nicht verbunden ({ $status }). Anrufe zwischen Nummern gehen weiter, aber die Codes und diese Ansicht erst wieder, wenn die Verbindung zurück ist.
operator-ari-not-configured = eventpbx hat keine ARI-Verbindung eingerichtet
operator-ari-connecting = verbindet
operator-ari-reconnecting = verbindet neu: { $error }
operator-ari-replaced = ein anderes eventpbx hat die ARI-Anwendung übernommen; starte dieses neu
operator-ari-stopped = gestoppt
operator-channels = Kanäle gerade auf dem Asterisk
operator-caller = Anrufer
operator-callee = Angerufen
operator-state = Zustand
operator-duration = Dauer
operator-bridged-with = Verbunden mit
operator-actions = Aktionen
operator-no-calls = Gerade keine Anrufe.
operator-token-alarm = Alarm: { $failures } falsche Anmelde-Tokens in den letzten { $minutes } Minuten (mehr als { $limit }). Vielleicht rät jemand Tokens; prüf die temporären Mobilteile.
operator-stream-stopped = Live-Aktualisierung gestoppt. Was du siehst, ist von { $at }: lade die Seite neu.
operator-stream-interrupted = Live-Aktualisierung unterbrochen, verbindet neu. Was du siehst, ist von { $at }.

## DECT auf der Betriebsseite (und das Fenster der Verwaltung)

operator-dect = DECT (OMM)
operator-dect-mode = Anmeldemodus:
operator-dect-connecting = verbindet
operator-dect-connected = verbunden
operator-dect-down = getrennt: { $why }
operator-dect-mode-unknown = unbekannt
operator-dect-mode-off = Aus
operator-dect-mode-wildcard = Wildcard (jedes Mobilteil)
operator-dect-mode-configured = Nur eingerichtete
operator-dect-number = Nummer
operator-dect-bound = Verbunden
operator-dect-omm-user = OMM-Benutzer
operator-dect-yes = ja
operator-dect-no = nein
operator-dect-not-yet = noch nicht
operator-dect-none = Noch keine DECT-Mobilteile.

## Diagramme

operator-chart-hour = Die letzte Stunde
operator-chart-day = Der letzte Tag
operator-chart-note = Aus der Statistik pro Minute (für die letzte Stunde jede Minute neu gezählt). Lücken: eventpbx lief nicht. Wird jede Minute aktualisiert.
operator-chart-calls = Anrufe
operator-chart-going-on = laufende Anrufe
operator-chart-failed = falsche Tokens
operator-chart-calls-per-minute = Anrufe pro Minute
operator-chart-calls-per-10 = Anrufe pro 10 Minuten
operator-chart-failed-per-minute = Falsche Tokens pro Minute
operator-chart-failed-per-10 = Falsche Tokens pro 10 Minuten
operator-chart-going-on-title = Laufende Anrufe (höchstens gleichzeitig)
operator-chart-registered-title = Angemeldete Geräte
operator-chart-kind-sip = SIP-Telefone
operator-chart-kind-handset = Mobilteile
operator-chart-kind-dect = DECT-Mobilteile
operator-chart-kind-temporary = temporär
operator-chart-bar = { $at } { $series }: { $value }
operator-chart-max = max. { $max }
