-- DECT handsets released in eventpbx (their device deleted: a loaner handed back) whose OMM
-- records the sync still has to remove (src/service/dect.rs): the OMM user that logged the
-- handset in with the deleted device's credentials, and, with omm.unsubscribe_on_release, the
-- handset's subscription. A queue, filled by the trigger in the deleting transaction whatever
-- deleted the device (admin page, API, CLI), and emptied by the sync once the OMM confirmed;
-- rows wait here while the OMM is unreachable.
CREATE TABLE dect_releases (
    id INTEGER PRIMARY KEY,
    -- The OMM user is found by its number, which is the device's SIP username, not by a uid
    -- that may name someone else after an OMM reset.
    device_id TEXT NOT NULL,
    -- The device is deleted only if the record at omm_ppn still carries this IPEI.
    ipei TEXT NOT NULL,
    omm_ppn INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TRIGGER dect_handsets_released AFTER DELETE ON dect_handsets
BEGIN
    INSERT INTO dect_releases (device_id, ipei, omm_ppn, created_at)
    VALUES (OLD.device_id, OLD.ipei, OLD.omm_ppn, CAST(strftime('%s', 'now') AS INTEGER));
END;
