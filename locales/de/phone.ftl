# Das Telefon im Browser auf der Kontoseite (src/web/pages/account/phone.rs, static/phone.js).

phone-heading = Telefon im Browser
phone-intro = Ein Telefon in dieser Seite: Anrufe für deine Nummer klingeln hier und an deinem Telefon zugleich, und Anrufe von hier zeigen deine Nummer. Es braucht ein Mikrofon und bleibt angemeldet, solange die Seite offen ist.
phone-add = Browser-Telefon für { $number } einrichten
phone-remove = Browser-Telefon von { $number } entfernen
phone-title = Telefon { $number }
phone-licence = Das Telefon nutzt JsSIP (MIT-Lizenz).
phone-needs-script = Das Browser-Telefon braucht JavaScript.
phone-number-label = Anzurufende Nummer
phone-pad-label = Wähltasten
phone-call = Anrufen
phone-hangup = Auflegen
phone-answer = Annehmen
phone-decline = Ablehnen
phone-mute = Stumm
phone-unmute = Ton an
phone-notify-allow = Bei Anrufen benachrichtigen
phone-notify-title = Eingehender Anruf
phone-media-label = Audiopakete gesendet / empfangen:
phone-no-media = Kein Mikrofon: erlaube dieser Seite, es zu benutzen.
phone-state-off = Nicht verbunden
phone-state-connecting = Verbinde…
phone-state-ready = Bereit
phone-state-failed = Nicht angemeldet:
phone-state-calling = Rufe an…
phone-state-ringing = Es klingelt…
phone-state-incoming = Eingehender Anruf:
phone-state-in-call = Im Gespräch
phone-state-ended = Gespräch beendet:

# Ablehnungen (db::Refusal).
phone-err-exists = { $number } hat schon ein Browser-Telefon.
phone-err-none = { $number } hat kein Browser-Telefon.
phone-err-group = { $number } ist eine Gruppe: Sie lässt ihre Mitglieder klingeln und hat kein eigenes Telefon.
phone-err-room = { $number } ist ein Konferenzraum: Man wählt sich ein, er hat kein Telefon.
