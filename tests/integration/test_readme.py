#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''The examples in README.md work as shown.'''

import os
import re
import subprocess

import kmoddtest
from kmoddtest import KmoddTestCase, SOURCE_ROOT


def readme_block(language, after):
    with open(os.path.join(SOURCE_ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    start = text.index(after)
    match = re.compile(r'```%s\n(.*?)```' % language, re.S).search(text, start)
    return match.group(1)


class Readme(KmoddTestCase):
    def test_python_example(self):
        self.start_daemon()
        code = readme_block('python', '### From Python')
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address)
        out = subprocess.run(['/usr/bin/python3', '-c', code], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.splitlines()[-1], "['fat', 'msdos']")
        self.assertEqual(sorted(self.kernel.loaded()), ['fat', 'msdos'])

    def test_kmodctl_session(self):
        '''The session at the top of the README, line by line (sizes aside:
        the fake kernel's are estimates).'''
        self.start_daemon()
        session = readme_block('', 'authorized users and udev rules')
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address)
        cli = os.environ['KMODD_CLI']
        commands = re.findall(r'^\$ kmodctl (.*)$', session, re.M)
        self.assertGreaterEqual(len(commands), 3)
        for block in re.split(r'^\$ ', session, flags=re.M)[1:]:
            command, _, expected = block.partition('\n')
            out = subprocess.run([cli] + command.split()[1:], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            got = out.stdout.splitlines()
            want = expected.rstrip('\n').splitlines()
            if command.startswith('kmodctl list'):
                got = [line.split()[0] + ' ' + ' '.join(line.split()[2:]) for line in got]
                want = [line.split()[0] + ' ' + ' '.join(line.split()[2:]) for line in want]
            self.assertEqual(got, want, command)


if __name__ == '__main__':
    kmoddtest.main()
