# Ablehnungen und Fehler, wie die Seiten sie zeigen (web::failure). Die JSON-API und die CLI
# bleiben englisch.

err-internal = Interner Fehler; nichts wurde geändert
err-busy = Die Datenbank ist gerade belegt; nichts wurde geändert, versuch es noch einmal

## Ablehnungen der Datenbank (db::Refusal)
err-bad-temporary-range = numbering.temporary_first/last ergibt keinen Nummernbereich; korrigiere die Einstellungen
err-temporary-range-full = Jede temporäre Nummer ist vergeben; erweitere numbering.temporary_first/last
err-no-free-token = Kein freier Token gefunden; nimm eine größere numbering.token_length
err-not-a-handset = Nebenstelle { $number } ist eine SIP-Nebenstelle, kein Mobilteil: Sie hat ein Passwort, keinen Token
err-handset-bound = An Nebenstelle { $number } ist ein Mobilteil gebunden; gib das Mobilteil zuerst frei
err-no-handset-bound = An Nebenstelle { $number } ist kein Mobilteil gebunden
err-extension-changed = Nebenstelle { $number } wurde zwischendurch geändert
err-entry-name-missing = Gib dem Eintrag einen Namen.
err-entry-name-invalid = Der Name darf höchstens { $max } Zeichen lang sein, ohne Zeilenumbrüche.
err-entry-number-invalid = Die Nummer besteht aus 1 bis { $max } Zeichen aus 0-9, *, # und +.
err-entry-exists = Für { $number } gibt es schon einen Telefonbucheintrag.
err-key-name-invalid = Ein Schlüsselname hat 1 bis 64 Zeichen
err-key-exists = Es gibt schon einen API-Schlüssel namens { $name }

## Nummernregeln (domain::numbering::ClaimError)
err-claim-not-digits = { $text } ist keine Nummer: Nimm nur Ziffern, etwa 4711.
err-claim-taken = { $number } ist schon vergeben. Such dir eine andere aus.
err-claim-reserved = { $number } ist reserviert und kann nicht belegt werden.
err-claim-out-of-range = { $number } liegt außerhalb der Nummern, die du belegen kannst ({ $ranges }).
err-claim-no-ranges = gerade ist keiner offen
err-claim-fixed = { $number } kollidiert mit { $what } { $fixed }: Ein Telefon könnte beim Wählen nicht unterscheiden, welche gemeint ist.
err-claim-temporary = { $number } kollidiert mit den temporären Nummern für Mobilteile ({ $range }).
err-claim-prefix = { $number } kollidiert mit der vorhandenen Nummer { $other }: Die eine ist der Anfang der anderen, deshalb könnte ein Telefon sie beim Wählen nicht unterscheiden.
err-claim-limit = { $max ->
    [one] Du hast schon eine Nebenstelle, mehr darf eine Person nicht haben. Lösch sie zuerst.
   *[other] Du hast schon { $max } Nebenstellen, mehr darf eine Person nicht haben. Lösch zuerst eine.
}

## Was eine Nummer aus der Einstellungsdatei ist (config), in err-claim-fixed
err-fixed-info = dem Info-Code
err-fixed-echo = dem Echotest-Code
err-fixed-registration = dem Anmeldecode
err-fixed-group-pause = dem Code für Gruppenpausen
err-fixed-forwarding = dem Weiterleitungscode
err-fixed-dnd = dem Code für „Nicht stören“
err-fixed-emergency = der Notrufnummer
err-fixed-helpdesk = der Helpdesk-Nummer

## Anmeldezeitraum (domain::event::Closed)
err-closed-not-yet = Die Anmeldung für { $event } öffnet am { $opens } (UTC)
err-closed-over = Die Anmeldung für { $event } wurde am { $closed } (UTC) geschlossen

## Nebenstellen, Benutzer, Mobilteile, Helpdesk (Fehler der Anwendungsfälle)
err-unknown-user = Es gibt keinen Benutzer namens { $name }
err-extension-not-found = Nebenstelle nicht gefunden
err-no-sip-password = Nebenstelle { $number } ist eine Mobilteil-Nebenstelle: Sie hat einen Token, kein SIP-Passwort
err-mint-count = Leg 1 bis { $max } Mobilteile auf einmal an.
err-mint-range-full = { $free ->
    [0] Keine temporäre Nummer ist mehr frei; erweitere numbering.temporary_first/last oder lösch ungenutzte Mobilteile.
    [one] Nur eine temporäre Nummer ist frei; erweitere numbering.temporary_first/last oder lösch ungenutzte Mobilteile.
   *[other] Nur { $free } temporäre Nummern sind frei; erweitere numbering.temporary_first/last oder lösch ungenutzte Mobilteile.
}
err-handset-not-found = Mobilteil nicht gefunden
err-handout-not-waiting = { $number } nimmt kein Leihgerät: Das geht nur bei einer Mobilteil-Nebenstelle ohne gebundenes Mobilteil (löse zuerst ihr Mobilteil).
err-handout-no-loaner = Unter der temporären Nummer { $number } wartet kein Leihgerät.
err-handout-closed = Mobilteile können gerade nicht gebunden werden: Die Anmeldung für die Veranstaltung ist geschlossen.
err-handout-locked-out = Dieses Leihgerät ist nach falschen Tokens eine Weile gesperrt; nimm ein anderes.
err-username-taken = Der Benutzername { $name } ist schon vergeben. Such dir einen anderen aus.
err-user-not-found = Benutzer nicht gefunden
err-disable-yourself = Du kannst dich nicht selbst sperren.

## Kontoeingaben (domain::accounts::AccountError)
err-account-bad-username = Ein Benutzername hat 3 bis 32 Zeichen: Buchstaben, Ziffern, „.“, „-“ oder „_“.
err-account-bad-name = Ein Name hat 1 bis 60 Zeichen, ohne Zeilenumbrüche.
err-account-password-short = Nimm ein Passwort mit mindestens { $min } Zeichen.
err-account-password-long = Nimm ein Passwort mit höchstens { $max } Zeichen.
err-account-password-guessable = Dieses Passwort ist zu leicht zu erraten. Such dir ein anderes aus.
err-account-bad-role = { $role } ist keine Rolle: Nimm attendee, helpdesk, operator oder admin.

## Anrufweiterleitung und Gruppen (RoutingError, RouteChangeError)
err-route-unknown-member = Unbekanntes Mitglied { $number }: Keine Nebenstelle und keine Gruppe hat diese Nummer
err-route-own-member = Gruppe { $number } kann nicht ihr eigenes Mitglied sein
err-route-duplicate-member = Mitglied { $number } steht zweimal in der Liste
err-route-cycle = Schleife: { $path }
err-route-too-deep = Gruppen lassen sich höchstens { $max } Ebenen tief verschachteln, und { $path } wäre tiefer
err-route-delay = Verzögerung { $delay } für Mitglied { $member } liegt außerhalb von 0–300 Sekunden
err-route-ring-timeout = Klingeldauer { $seconds } liegt außerhalb von 5–300 Sekunden
err-route-after = { $seconds } Sekunden gehen für { $setting } nicht: erlaubt sind 1–300 Sekunden
err-route-after-without-target = Eine Wartezeit vor der Weiterleitung „immer“ braucht ein Ziel dafür
err-route-target-not-allowed = { $target } geht nicht als Ziel für { $setting }: Weiterleiten kannst du nur an eine Nebenstelle oder Gruppe, nicht an temporäre Nummern oder Service-Codes
err-route-target-is-itself = { $target } geht nicht als Ziel für { $setting }: Das ist diese Nummer selbst
err-route-not-for-groups = Für Gruppen gibt es { $setting } nicht: Nimmt keiner ab, geht der Anruf nach ihrer Klingeldauer an ihre Ausweichnummer
err-route-groups-only = Nur Gruppen haben { $setting }
err-not-a-group = { $number } ist keine Gruppe
err-member-not-yours = { $number } gehört dir nicht: Lade sie stattdessen ein, dann nimmt ihr Besitzer an oder lehnt ab
err-no-invitation = Es gibt keine Einladung von { $member } in die Gruppe { $group }
err-not-a-member = { $member } ist kein Mitglied der Gruppe { $group }

## Eine Einstellung der Weiterleitung, wie err-route-* sie nennen
err-setting-always = die Weiterleitung „immer“
err-setting-always-after = die Wartezeit vor „immer“
err-setting-busy = die Weiterleitung bei besetzt
err-setting-no-answer = die Weiterleitung bei keiner Antwort
err-setting-no-answer-after = die Wartezeit bis „keine Antwort“
err-setting-unavailable = die Weiterleitung bei nicht erreichbar
err-setting-fallback = die Ausweichnummer
err-setting-call-waiting = das Anklopfen
err-setting-ring-timeout = die Klingeldauer

## Formularfelder (web::pages::fields)
err-field-not-a-number = { $label }: „{ $text }“ ist keine Nummer.
err-field-not-seconds = { $label }: „{ $text }“ ist keine Sekundenzahl.
err-field-ring-timeout = Klingeldauer
err-field-fallback = Ausweichnummer
err-field-number = Nummer
err-field-member = Mitglied
err-field-delay = Verzögerung
err-field-always-to = Immer an
err-field-always-after = Immer nach
err-field-busy-to = Bei besetzt an
err-field-no-answer-to = Wenn keiner abnimmt, an
err-field-no-answer-after = Keiner nimmt ab nach
err-field-unavailable-to = Wenn nicht erreichbar, an

## Nummern, Suchen, die Einstellungen der Veranstaltung (DomainError, SearchError, EventError)
err-bad-number = { $text } ist keine Nummer: Nimm 1 bis 15 Ziffern
err-bad-token = Ein Anmeldetoken hat 8 bis 20 Ziffern
err-search-too-long = Such nach höchstens { $max } Zeichen: einer Nummer oder einem Teil eines Namens oder Benutzernamens.
err-search-control = Der Suchtext enthält Steuerzeichen (Zeilenumbrüche, Tabs); gib einfachen Text ein.
err-event-name = Name: 1 bis { $max } Zeichen, keine Steuerzeichen
err-event-date = { $field }: { $value } ist kein Datum (etwa 2026-08-01)
err-event-time = { $field }: { $value } ist keine Uhrzeit (etwa 2026-08-01T10:00, UTC)
err-event-ends-before-start = ends_on: Die Veranstaltung endet, bevor sie beginnt
err-event-closes-before-open = registration_closes: Die Anmeldung schließt, bevor sie öffnet

err-room-not-found = Es gibt keinen Konferenzraum { $number }.
err-room-bad-pin = Eine PIN hat 4 bis 8 Ziffern (oder bleibt leer für keine).
err-room-bad-max = Die Höchstzahl der Teilnehmenden ist 2 bis 100 (oder leer für keine Grenze).
err-route-conference-room = { $number } ist ein Konferenzraum: Er hat keine Weiterleitung, kein „Nicht stören“ und kein Anklopfen.
err-route-room-as-member = { $number } ist ein Konferenzraum und kann kein Mitglied einer Gruppe sein (leite stattdessen dorthin weiter).
