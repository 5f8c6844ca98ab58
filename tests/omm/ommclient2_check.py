"""Drives eventpbx's fake OMM (tests/omm/fake_omm.rs) with an independent AXI client,
mitel-ommclient2 0.0.1, so the fake speaks the protocol as someone else understood it.

Run by tests/it/omm_python.rs: python3 ommclient2_check.py PORT USER PASSWORD IPEI
The fake holds one unbound handset with that IPEI. Exits non-zero on the first mismatch.
"""

import sys

from mitel_ommclient2 import OMMClient2, exceptions, messages, types


def check(condition, what):
    if not condition:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)
    print("ok: " + what)


def main():
    port, user, password, ipei = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

    try:
        OMMClient2("127.0.0.1", user, "wrong-" + password, port=port, ommsync=True)
        check(False, "a wrong password is refused")
    except exceptions.EAuth:
        check(True, "a wrong password is refused with EAuth")

    c = OMMClient2("127.0.0.1", user, password, port=port, ommsync=True)
    check(c.ping(), "Ping answers")

    devices = list(c.get_devices())
    check(len(devices) == 1, "GetPPDev pages list the one device")
    device = devices[0]
    check(device.ipei == ipei, "the device carries its IPEI")
    check(device.relType == types.PPRelTypeType("Unbound"), "the new device is Unbound")

    modulus, exponent = c.get_publickey()
    check(modulus.bit_length() >= 1024 and exponent > 1, "GetPublicKey gives a usable RSA key")

    created = c.create_user("4711")
    check(created is not None and created.num == "4711", "CreatePPUser creates the user")
    check(isinstance(created.uid, int) and created.uid > 0, "the new user has a uid")

    renamed = c.set_user_name(created.uid, "Alice & <Bob>")
    check(renamed.name == "Alice & <Bob>", "SetPPUser renames, escaping intact")

    users = list(c.get_users())
    check([u.uid for u in users] == [created.uid], "GetPPUser pages list the user")
    check(c.get_user(created.uid).name == "Alice & <Bob>", "GetPPUser reads the new name")

    attached = c.attach_user_device(created.uid, device.ppn)
    check(attached is not None, "SetPP answers with user and device")
    user_part, device_part = attached
    check(user_part.relType == types.PPRelTypeType("Dynamic"), "the user is tied Dynamic")
    check(device_part.uid == created.uid, "the device is tied to the user")
    check(c.get_device(device.ppn).uid == created.uid, "GetPPDev shows the tie")

    detached = c.detach_user_device(created.uid, device.ppn)
    check(detached[1].relType == types.PPRelTypeType("Unbound"), "SetPP unties again")

    try:
        c.get_user(created.uid + 1000)
        check(False, "an unknown uid is refused")
    except exceptions.ENoEnt:
        check(True, "an unknown uid is refused with ENoEnt")

    r = c.connection.request(messages.GetPPDev(attrs={"ppn": device.ppn + 1000}))
    check(r.errCode == "ENoEnt", "GetPPDev past the last device says ENoEnt")
    c.connection.close()


if __name__ == "__main__":
    main()
