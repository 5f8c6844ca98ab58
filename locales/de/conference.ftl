# Konferenzräume auf /account: das Formular zum Anlegen, die Karte des Raums und die Seite
# des Raums für seinen Besitzer (src/web/pages/account/conference.rs).

conference-create-title = Einen Konferenzraum anlegen
conference-create-help = Alle, die die Nummer des Raums wählen, sprechen miteinander. Eine PIN (4 bis 8 Ziffern) hält Fremde draußen, eine Obergrenze hält den Raum klein. Der Raum zählt als eine deiner Nummern.
conference-number = Nummer
conference-name = Name
conference-pin = PIN (freiwillig, 4 bis 8 Ziffern)
conference-max = Höchstens so viele Teilnehmende (freiwillig, 2 bis 100)
conference-public = Im Telefonbuch zeigen
conference-create = Raum anlegen
conference-card = Ein Konferenzraum: Alle, die ihn anrufen, sprechen miteinander.
conference-open = Wer im Raum ist, PIN und Obergrenze
conference-who = Gerade im Raum
conference-nobody = Niemand ist im Raum.
conference-not-connected = eventpbx ist gerade nicht mit Asterisk verbunden: Wer im Raum ist, ist nicht bekannt.
conference-caller = Anrufer
conference-state = Zustand
conference-talking = spricht
conference-muted = stumm
conference-mute = Stumm schalten
conference-unmute = Wieder hörbar machen
conference-remove = Hinauswerfen
conference-settings = Einstellungen
conference-save = Speichern
conference-back = Zurück zu meinen Nummern
conference-type-number = Gib die Nummer des Raums ein.
conference-max-not-number = Die Obergrenze ist eine Zahl von 2 bis 100.
conference-gone = Diese Person ist nicht mehr im Raum.
conference-created = Der Raum ist bereit. Sag den Leuten seine Nummer (und die PIN, falls es eine gibt).
conference-saved = Gespeichert. Wer schon im Raum ist, bleibt drin.
conference-done-muted = Stumm geschaltet.
conference-done-unmuted = Wieder hörbar.
conference-done-removed = Aus dem Raum entfernt.
conference-dial = Wähle { $number }, um teilzunehmen.
conference-title = Konferenzraum { $number }
