#!/usr/bin/env python3
"""Sums the results of meson test runs into one 'N passed, N failed, N skipped' line.

Every TAP line of every test program counts as one check; a program that
crashed or failed without a 'not ok' line counts as one failure, and a
program that skipped as a whole counts as one skip. Arguments: testlog.json
files written by `meson test`, plus optional extra counts as
'passed=N failed=N skipped=N' words.
"""
import json
import re
import sys

passed = failed = skipped = 0
for arg in sys.argv[1:]:
    m = re.fullmatch(r'(passed|failed|skipped)=(\d+)', arg)
    if m:
        n = int(m.group(2))
        if m.group(1) == 'passed':
            passed += n
        elif m.group(1) == 'failed':
            failed += n
        else:
            skipped += n
        continue
    try:
        lines = open(arg).read().splitlines()
    except OSError as e:
        print(f'count: {arg}: {e}', file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        out = t.get('stdout') or ''
        lines = re.findall(r'^(ok|not ok) \d+[^\n]*', out, re.M)
        full = re.findall(r'^(?:ok|not ok) \d+[^\n]*', out, re.M)
        ok = bad = 0
        for kind, line in zip(lines, full):
            # TAP directives: "# SKIP" is a skip, "# TODO" a known failure
            # that does not fail the run (counted as skipped).
            if re.search(r'#\s*(SKIP|TODO)\b', line, re.I):
                skipped += 1
            elif kind == 'ok':
                ok += 1
            else:
                bad += 1
        res = t.get('result', '')
        if res == 'SKIP':
            skipped += 1
            continue
        passed += ok
        failed += bad
        if res not in ('OK', 'EXPECTEDFAIL') and bad == 0:
            failed += 1
            print(f"count: {t.get('name')}: {res} without a failing check", file=sys.stderr)
        elif res == 'OK' and ok == 0:
            passed += 1
print(f'{passed} passed, {failed} failed, {skipped} skipped')
sys.exit(1 if failed else 0)
