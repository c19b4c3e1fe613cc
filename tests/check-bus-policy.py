#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks kmodd's D-Bus bus policy: well-formed, only root may own the
name, anyone may send to it, and no wildcard rule anywhere."""

import sys
import xml.etree.ElementTree as ET

NAME = 'org.freedesktop.KernelModules1'


def fail(msg):
    print('%s: %s' % (sys.argv[1], msg), file=sys.stderr)
    sys.exit(1)


root = ET.parse(sys.argv[1]).getroot()
if root.tag != 'busconfig':
    fail('the root element is not <busconfig>')

owners = []
senders = []
for policy in root.iter('policy'):
    context = dict(policy.attrib)
    for rule in policy:
        if rule.tag not in ('allow', 'deny'):
            fail('unexpected element <%s>' % rule.tag)
        for key, value in rule.attrib.items():
            if '*' in value:
                fail('wildcard rule: %s="%s"' % (key, value))
        if rule.tag == 'allow' and 'own' in rule.attrib:
            owners.append((context, rule.attrib['own']))
        if rule.tag == 'allow' and rule.attrib.get('send_destination') == NAME:
            senders.append(context)

if owners != [({'user': 'root'}, NAME)]:
    fail('only root may own %s; found %r' % (NAME, owners))
if not senders or any(c != {'context': 'default'} for c in senders):
    fail('anyone (context="default") must be allowed to send to %s' % NAME)
print('ok')
