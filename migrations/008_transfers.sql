-- Blind transfer (SIP REFER) runs the Refer-To number in the transferring device's context.
-- Temporary handsets may not transfer at all; bound handsets and SIP phones may (the dialplan's
-- digits-only patterns guard what a Refer-To can reach). db::pjsip keeps this column in step
-- with the context.
ALTER TABLE ps_endpoints ADD COLUMN allow_transfer TEXT NOT NULL DEFAULT 'no';
UPDATE ps_endpoints SET allow_transfer = 'yes' WHERE context = 'eventpbx-extensions';
