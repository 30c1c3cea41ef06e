#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""docs/oci.md's table of runc's verbs and flags must match both binaries.

Every verb and option that `runc VERB --help` lists has a row in the table between the markers
`<!-- runc-flags -->` and `<!-- /runc-flags -->`; a row whose status starts with "yes" names an
option that `tenant VERB --help` lists, and one whose status starts with "no" names an option
tenant does not accept. Any other status ("ignored", "refused") must come with a reason. A
verb marked "no" needs no rows for its flags.

  runc-flags.py TENANT            check (exit 1 with the differences)
  runc-flags.py TENANT --skeleton print a table to start from
"""
import re
import subprocess
import sys

DOC = "docs/oci.md"
BEGIN, END = "<!-- runc-flags -->", "<!-- /runc-flags -->"
# Verbs runc has that are not about containers' lifecycle or that tenant leaves out on purpose
# still get rows: the table says so.
OPTION = re.compile(r"^\s{2,}((?:--?[\w-]+(?: value)?(?:, )?)+)\s")


def help_text(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    return p.stdout + p.stderr


def runc_verbs():
    text = help_text(["runc", "--help"])
    body = text.split("COMMANDS:", 1)[1].split("GLOBAL OPTIONS:", 1)[0]
    verbs = [m.group(1) for m in re.finditer(r"^\s{3}(\w+)", body, re.M)]
    return [v for v in verbs if v != "help"]


def runc_options(verb):
    argv = ["runc", "--help"] if verb == "(global)" else ["runc", verb, "--help"]
    text = help_text(argv)
    marker = "GLOBAL OPTIONS:" if verb == "(global)" else "OPTIONS:"
    if marker not in text:
        return []
    opts = []
    for line in text.split(marker, 1)[1].splitlines():
        m = OPTION.match(line)
        if not m:
            continue
        names = [n.split()[0] for n in m.group(1).split(", ")]
        longs = [n for n in names if n.startswith("--")]
        opts.append(longs[0] if longs else names[0])
    return [o for o in opts if o not in ("--help", "--version")]


def tenant_options(tenant, verb):
    argv = [tenant, "--help"] if verb == "(global)" else [tenant, verb, "--help"]
    text = help_text(argv)
    return set(re.findall(r"(?:^|[\s,])(--[\w-]+)", text, re.M)), text


def doc_rows():
    text = open(DOC).read()
    if BEGIN not in text or END not in text:
        return None
    rows = {}
    for line in text.split(BEGIN, 1)[1].split(END, 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("verb", "") or set(cells[0]) <= set("-: "):
            continue
        rows[(cells[0].strip("`"), cells[1].strip("`"))] = cells[2]
    return rows


def main():
    tenant = sys.argv[1]
    verbs = ["(global)"] + runc_verbs()
    if "--skeleton" in sys.argv:
        print("| verb | flag | tenant |\n|---|---|---|")
        for v in verbs:
            have_verb = v == "(global)" or "Usage: tenant " + v in help_text([tenant, v, "--help"])
            print(f"| `{v}` | | {'yes' if have_verb else 'no'} |")
            for o in runc_options(v):
                have, _ = tenant_options(tenant, v)
                print(f"| `{v}` | `{o}` | {'yes' if o in have else 'no'} |")
        return 0
    rows = doc_rows()
    if rows is None:
        print(f"{DOC}: no table between {BEGIN} and {END}")
        return 1
    bad = []
    for v in verbs:
        have, text = tenant_options(tenant, v)
        verb_status = rows.get((v, ""))
        if verb_status is None:
            bad.append(f"no row for runc's verb '{v}'")
        elif verb_status.startswith("yes") and "Usage: tenant" not in text:
            bad.append(f"'{v}' is marked yes, but 'tenant {v} --help' has no usage")
        elif verb_status.startswith("no") and "Usage: tenant" in text:
            bad.append(f"'{v}' is marked no, but 'tenant {v} --help' shows a usage")
        if verb_status and verb_status.startswith("no"):
            continue  # a verb tenant does not have: its flags need no rows
        for o in runc_options(v):
            status = rows.get((v, o))
            if status is None:
                bad.append(f"no row for runc's '{v} {o}'")
            elif status.startswith("yes") and o not in have:
                bad.append(f"'{v} {o}' is marked yes, but 'tenant {v} --help' does not list it")
            elif status.startswith("no") and o in have:
                bad.append(f"'{v} {o}' is marked no, but 'tenant {v} --help' lists it")
            elif not status.startswith(("yes", "no")) and len(status.split()) < 3:
                bad.append(f"'{v} {o}': status '{status}' needs a reason")
    for b in bad:
        print(f"{DOC}: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
