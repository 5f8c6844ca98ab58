"""Drives eventpbx's LDAP directory with Python's ldap3, an LDAP client written
independently of both OpenLDAP and the Rust crate the server uses. Run by
tests/it/ldap_directory.rs against a book filled by its `fill`:

    python ldap3_client.py PORT BASE_DN

Exits non-zero with a message on the first disagreement.
"""

import sys

from ldap3 import ALL, BASE, LEVEL, SUBTREE, Connection, Server
from ldap3.utils.conv import escape_filter_chars


def numbers(conn, base, filter_, scope=SUBTREE):
    conn.search(base, filter_, search_scope=scope, attributes=["telephoneNumber"])
    return sorted(str(e.telephoneNumber) for e in conn.entries)


def expect(what, got, want):
    if got != want:
        sys.exit(f"{what}: got {got!r}, want {want!r}")


def main():
    port, base = int(sys.argv[1]), sys.argv[2]
    # get_info=ALL reads the root DSE and the schema entry the root DSE does not name.
    server = Server("127.0.0.1", port=port, get_info=ALL)
    conn = Connection(server, auto_bind=True, raise_exceptions=False)
    expect("naming contexts", list(server.info.naming_contexts), [base])

    # The vendors' filters (sources in ldap_directory.rs).
    expect("yealink name", numbers(conn, base, "(|(cn=al*)(sn=al*))"), ["4711", "4712"])
    expect(
        "yealink number",
        numbers(conn, base, "(|(telephoneNumber=47*)(mobile=47*)(ipPhone=47*))"),
        ["4711", "4712"],
    )
    expect("snom name", numbers(conn, base, "(&(telephoneNumber=*)(sn=ali*))"), ["4711"])
    expect("snom number", numbers(conn, base, "(&(telephoneNumber=4711*)(sn=*))"), ["4711"])
    expect("omm name", numbers(conn, base, "(|(cn=help*)(sn=help*))"), ["1000"])

    # Hostile names: ldap3 escapes the assertion itself; the value comes back intact.
    for name, number in [("Bob (*) \\ x", "4800"), ("Alice Müller", "4711"), ("Nul\0Name", "4900")]:
        filter_ = f"(cn={escape_filter_chars(name)})"
        conn.search(base, filter_, attributes=["cn", "telephoneNumber"])
        expect(f"entries for {filter_}", len(conn.entries), 1)
        expect(f"cn of {number}", conn.entries[0].cn.value, name)

    # Scopes.
    expect("one level", len(numbers(conn, base, "(objectClass=*)", LEVEL)), 5)
    conn.search(f"uid=4711,{base}", "(objectClass=*)", search_scope=BASE, attributes=["*"])
    expect("base entry", conn.entries[0].displayName.value, "Alice Müller")
    conn.search(f"uid=9999,{base}", "(objectClass=*)", search_scope=BASE)
    expect("unknown base", conn.result["result"], 32)

    # Paging: ldap3 follows the cookies itself.
    paged = list(
        conn.extend.standard.paged_search(
            base, "(objectClass=inetOrgPerson)", attributes=["telephoneNumber"], paged_size=2, generator=True
        )
    )
    got = sorted(str(e["attributes"]["telephoneNumber"][0]) for e in paged if e["type"] == "searchResEntry")
    expect("paged search", got, ["1000", "4711", "4712", "4800", "4900"])

    # Read-only.
    conn.add(f"uid=666,{base}", "inetOrgPerson", {"cn": "Mallory", "sn": "Mallory"})
    expect("add", conn.result["result"], 53)
    conn.unbind()
    print("ldap3: all checks passed")


if __name__ == "__main__":
    main()
