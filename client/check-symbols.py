#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Checks that libkmodd exports exactly the functions its GIR describes:
no symbol of the gdbus-codegen proxy or of the common library leaks out,
and nothing public is missing from the version script.

usage: check-symbols.py LIBRARY GIR'''

import subprocess
import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'


def exported(library):
    out = subprocess.run(['nm', '--dynamic', '--defined-only', library],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in ('T', 'D', 'B', 'R'):
            symbols.add(fields[2].split('@')[0])
    return symbols


def described(gir):
    symbols = set()
    for element in ET.parse(gir).iter():
        if element.tag in (CORE + 'function', CORE + 'method', CORE + 'constructor'):
            symbols.add(element.get(C + 'identifier'))
        get_type = element.get(GLIB + 'get-type')
        if get_type and get_type != 'intern':
            symbols.add(get_type)
    return symbols


def main():
    library, gir = sys.argv[1:3]
    have = exported(library)
    want = described(gir)
    extra = sorted(have - want)
    missing = sorted(want - have)
    for s in extra:
        print('exported but not in the GIR: %s' % s)
    for s in missing:
        print('in the GIR but not exported: %s' % s)
    bad = [s for s in have if not s.startswith('kmodd_')]
    for s in sorted(bad):
        print('exported without the kmodd_ prefix: %s' % s)
    if extra or missing or bad:
        return 1
    print('%d symbols, all public and all in the GIR' % len(have))
    return 0


if __name__ == '__main__':
    sys.exit(main())
