#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Hotplug through udev on a stock system, against the fake kernel.

There is no udevd here: a small evaluator reads the rule kmodd installs
(79-kmodd-autoload.rules, as built), the selection rule README.md shows
and udev's own 80-drivers.rules (the system's, else Debian's copy below),
in udev's order, and gives the RUN list of an event. The test then runs
that list in order, as udev does: kmodd's kmodctl line, then "kmod load"
(modprobe -b under the fake kernel's shim, which is what the builtin
does through libkmod). A rule the evaluator does not understand fails the
test, so an incompatible change of the shipped rule cannot go unnoticed.'''

import fnmatch
import glob
import os
import re
import shlex
import subprocess
import time

import kmoddtest
from kmoddtest import KmoddTestCase, SOURCE_ROOT

# Debian 12's /usr/lib/udev/rules.d/80-drivers.rules (systemd 252)
DEBIAN_80_DRIVERS = r'''
ACTION!="add", GOTO="drivers_end"

ENV{MODALIAS}=="?*", RUN{builtin}+="kmod load"
SUBSYSTEM=="tifm", ENV{TIFM_CARD_TYPE}=="SD", RUN{builtin}+="kmod load tifm_sd"
SUBSYSTEM=="tifm", ENV{TIFM_CARD_TYPE}=="MS", RUN{builtin}+="kmod load tifm_ms"
SUBSYSTEM=="memstick", RUN{builtin}+="kmod load ms_block mspro_block"
SUBSYSTEM=="i2o", RUN{builtin}+="kmod load i2o_block"
SUBSYSTEM=="module", KERNEL=="parport_pc", RUN{builtin}+="kmod load ppdev"
KERNEL=="mtd*ro", ENV{MTD_FTL}=="smartmedia", RUN{builtin}+="kmod load sm_ftl"

LABEL="drivers_end"
'''

CARD = '0000:00:03.0'
CARD_MODALIAS = 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00'
# a card the README's selection does not choose (an 82545EM, also e1000)
OTHER_CARD = '0000:00:05.0'
OTHER_MODALIAS = 'pci:v00008086d0000100Fsv00001AF4sd00001100bc02sc00i00'
# QEMU's usb-serial (an FTDI FT232): interface 1-1:1.0
SERIAL = '1-1:1.0'
SERIAL_MODALIAS = 'usb:v0403p6001d0400dc00dsc00dp00icFFiscFFipFFin00'

RULE_TOKEN = re.compile(r'\s*([A-Z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


class UnsupportedRule(Exception):
    pass


def rule_lines(text):
    '''The rules of a rules file: comments dropped, continuations joined.'''
    lines, pending = [], ''
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith('#')):
            continue
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        lines.append(pending + line)
        pending = ''
    return lines


def parse_rule(line):
    tokens, pos = [], 0
    while pos < len(line):
        m = RULE_TOKEN.match(line, pos)
        if not m:
            raise UnsupportedRule('cannot parse %r at %r' % (line, line[pos:]))
        tokens.append(m.groups()[:4])
        pos = m.end()
    return tokens


def glob_match(value, pattern):
    return any(fnmatch.fnmatchcase(value, alt) for alt in pattern.split('|'))


def substitute(value, env):
    def env_value(m):
        return env.get(m.group(1), '')
    out = re.sub(r'\$env\{([^}]*)\}', env_value, value)
    if re.search(r'[$%]', out):
        raise UnsupportedRule('substitution in %r' % value)
    return out


def run_list(rule_files, event):
    '''udev's processing of one event: rule files in lexical order of their
    names, each rule's matches then its assignments; returns the RUN list
    as [('program' | 'builtin', command)], in the order rules added them.'''
    env = dict(event)
    run = []
    for _name, text in sorted(rule_files.items()):
        lines = [parse_rule(line) for line in rule_lines(text)]
        goto = None
        for tokens in lines:
            keys = {key: value for key, _attr, _op, value in tokens}
            if goto is not None:
                if keys.get('LABEL') == goto:
                    goto = None
                continue
            matched = True
            for key, attr, op, value in tokens:
                if op not in ('==', '!='):
                    continue
                if key in ('ACTION', 'SUBSYSTEM', 'KERNEL', 'DRIVER'):
                    have = env.get(key, '')
                elif key == 'ENV':
                    have = env.get(attr, '')
                else:
                    raise UnsupportedRule('match key %s' % key)
                if glob_match(have, value) != (op == '=='):
                    matched = False
                    break
            if not matched:
                continue
            for key, attr, op, value in tokens:
                if op in ('==', '!=') or key == 'LABEL':
                    continue
                if key == 'ENV' and op == '=':
                    env[attr] = substitute(value, env)
                elif key == 'RUN' and attr in (None, 'program', 'builtin'):
                    entry = (attr or 'program', substitute(value, env))
                    if op in ('=', ':='):
                        run = []
                    run.append(entry)
                elif key == 'GOTO':
                    goto = value
                else:
                    raise UnsupportedRule('assignment %s%s' % (key, op))
    return run


def readme_blocks():
    '''The code blocks of README.md's "From a udev rule".'''
    with open(os.path.join(SOURCE_ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    start = text.index('### From a udev rule')
    end = text.index('\n### ', start + 1)
    return re.compile(r'```\n(.*?)```', re.S).findall(text, start, end)


def readme_selection_rule():
    '''The selection rule file README.md shows (its name, from the first
    comment line, and its text).'''
    block = readme_blocks()[0]
    path = re.match(r'# (/etc/udev/rules\.d/\S+\.rules)', block).group(1)
    return os.path.basename(path), block


class Hotplug(KmoddTestCase):
    '''The timer off: explicit AutoClean calls are the passes.'''

    config = '[Daemon]\nAutoCleanInterval=0\n'

    def setUp(self):
        super().setUp()
        self.kernel.add_driver('e1000', 'pci:e1000')
        self.kernel.add_driver('ftdi_sio', 'usb:ftdi_sio')
        self.rule_path = os.environ['KMODD_UDEV_RULE']
        with open(self.rule_path, encoding='utf-8') as f:
            shipped = f.read()
        selection_name, selection = readme_selection_rule()
        drivers = '/usr/lib/udev/rules.d/80-drivers.rules'
        if os.path.exists(drivers):
            with open(drivers, encoding='utf-8') as f:
                stock = f.read()
        else:
            stock = DEBIAN_80_DRIVERS
        self.rules = {
            os.path.basename(self.rule_path): shipped,
            selection_name: selection,
            '80-drivers.rules': stock,
        }
        self.start_daemon()
        self.watch_signals()

    def tearDown(self):
        reports = []
        for path in glob.glob(os.path.join(self.tmp, 'valgrind-kmodctl.*')):
            with open(path, errors='replace') as f:
                text = f.read()
            if 'ERROR SUMMARY: 0 errors' not in text:
                reports.append(text)
        super().tearDown()
        self.assertEqual(reports, [], 'kmodctl: valgrind reports')

    def event(self, subsystem, modalias, action='add'):
        return run_list(self.rules, {'ACTION': action, 'SUBSYSTEM': subsystem,
                                     'MODALIAS': modalias})

    def run_entry(self, entry, bus_address=None):
        '''Runs one RUN entry as udev does (stdin /dev/null, no terminal).'''
        kind, command = entry
        if kind == 'builtin':
            argv = shlex.split(command)
            self.assertEqual(argv[:2], ['kmod', 'load'])
            # the builtin: every match of the alias, blacklist applied
            for alias in argv[2:] or [self.current_modalias]:
                self.kernel.run_external(['modprobe', '-b', '-q', alias],
                                         stdin=subprocess.DEVNULL)
            return None
        argv = shlex.split(command)
        self.assertEqual(argv[0], os.environ['KMODD_INSTALLED_KMODCTL'])
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus_address or self.bus_address)
        # under KMODD_TEST_WRAPPER (valgrind) kmodctl too, reports to files
        wrapper = shlex.split(os.environ.get('KMODD_TEST_WRAPPER', ''))
        if wrapper:
            wrapper.append('--log-file=%s/valgrind-kmodctl.%%p' % self.tmp)
        return subprocess.run(wrapper + [os.environ['KMODD_CLI']] + argv[1:], env=env, text=True,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60 * self.time_factor())

    def plug(self, bus, name, modalias, driver, reverse=False):
        '''The device appears; udev runs the event's RUN list (reversed:
        "kmod load" first, as with a rule that runs late or does not wait);
        the kernel binds the device to the driver its module registered.'''
        self.kernel.add_device(bus, name, modalias)
        self.current_modalias = modalias
        entries = self.event(bus, modalias)
        self.assertEqual([kind for kind, _ in entries], ['program', 'builtin'], entries)
        results = [self.run_entry(e) for e in (reversed(entries) if reverse else entries)]
        kmodctl = [r for r in results if r is not None][0]
        self.assertEqual(kmodctl.returncode, 0, kmodctl.stderr)
        self.kernel.bind(driver, name)
        return kmodctl

    def assert_marked_by_the_rule(self, *modules):
        listed = self.list()
        for module in modules:
            self.assertTrue(listed[module]['autoclean'], module)
            self.assertEqual(listed[module]['requested-by'], 0, module)
            # inserted once, by kmodd for uid 0: "kmod load" did nothing
            self.assert_eventually(lambda m=module: self.signals_for(m) ==
                                   [('ModuleLoaded', {'reason': 'request', 'uid': 0})])

    def test_shipped_rule_needs_a_selection(self):
        # without the README's selection the shipped rule adds nothing:
        # "kmod load" alone, as on a system without kmodd
        rules = dict(self.rules)
        del rules[readme_selection_rule()[0]]
        for subsystem, modalias in (('pci', CARD_MODALIAS), ('usb', SERIAL_MODALIAS)):
            self.assertEqual(run_list(rules, {'ACTION': 'add', 'SUBSYSTEM': subsystem,
                                              'MODALIAS': modalias}),
                             [('builtin', 'kmod load')])
        # a card the selection does not name, remove events, no modalias
        self.assertEqual(self.event('pci', OTHER_MODALIAS), [('builtin', 'kmod load')])
        self.assertEqual(self.event('pci', CARD_MODALIAS, 'remove'), [])
        self.assertEqual(run_list(self.rules, {'ACTION': 'add', 'SUBSYSTEM': 'usb'}), [])
        # the chosen ones: kmodctl, blocking, before "kmod load"
        for subsystem, modalias in (('pci', CARD_MODALIAS), ('usb', SERIAL_MODALIAS)):
            entries = self.event(subsystem, modalias)
            self.assertEqual(entries[1], ('builtin', 'kmod load'))
            argv = shlex.split(entries[0][1])
            self.assertEqual(argv[1:], ['load', '--autoclean', '--', modalias])
            self.assertNotIn('--no-block', argv)

    def test_readme_shows_the_installed_rule(self):
        with open(os.path.join(SOURCE_ROOT, 'data', '79-kmodd-autoload.rules.in'),
                  encoding='utf-8') as f:
            source = f.read().replace('@bindir@', '/usr/bin')
        self.assertEqual(rule_lines(readme_blocks()[1]), rule_lines(source))
        with open(self.rule_path, encoding='utf-8') as f:
            built = f.read()
        self.assertEqual(built, source.replace(
            '/usr/bin/kmodctl', os.environ['KMODD_INSTALLED_KMODCTL']))

    def test_modalias_without_a_module(self):
        '''kmodctl exits 4 (udev logs a warning), "kmod load" says nothing.'''
        modalias = 'usb:vFFFFpFFFFd0000dcDCdsc00dp00icDCisc00ip00in00'
        self.kernel.add_device('usb', '1-2:1.0', modalias)
        self.current_modalias = modalias
        program, builtin = self.event('usb', modalias)
        out = self.run_entry(program)
        self.assertEqual(out.returncode, 4, out.stderr)
        self.run_entry(builtin)
        self.assertEqual(self.kernel.loaded(), {})

    def test_plug_unplug_plug(self):
        for cycle in range(3):
            out = self.plug('pci', CARD, CARD_MODALIAS, 'pci:e1000')
            self.assertEqual(out.stdout, 'Inserted e1000\n')
            self.assert_marked_by_the_rule('e1000')
            # in use while the card is there
            for _ in range(3):
                self.assertEqual(self.autoclean(self.root), [])
            self.kernel.remove_device('pci', CARD)
            # the pass after the unplug sees the use it had; the next removes it
            self.assertEqual(self.autoclean(self.root), [], 'cycle %d' % cycle)
            self.assertEqual(self.autoclean(self.root), ['e1000'], 'cycle %d' % cycle)
            self.assertNotIn('e1000', self.kernel.loaded())
            self.assert_eventually(lambda: [d['reason'] for s, d in self.signals_for('e1000')
                                            if s == 'ModuleUnloaded'] == ['autoclean'])
            self.signals.clear()

    def test_usb_serial_with_its_dependencies(self):
        out = self.plug('usb', SERIAL, SERIAL_MODALIAS, 'usb:ftdi_sio')
        inserted = out.stdout.split('\n')[:-1]
        self.assertEqual(inserted[-1], 'Inserted ftdi_sio')
        modules = [line.split()[1] for line in inserted]
        self.assertIn('usbserial', modules)
        self.assert_marked_by_the_rule(*modules)
        self.assertEqual(self.autoclean(self.root), [])
        self.kernel.remove_device('usb', SERIAL)
        self.assertEqual(self.autoclean(self.root), [])
        self.assertEqual(sorted(self.autoclean(self.root)), sorted(modules))
        for module in modules:
            self.assertNotIn(module, self.kernel.loaded())

    def test_kmod_load_first_is_never_marked(self):
        '''What the README says of --no-block or a rule after
        80-drivers.rules: the module someone else inserted first is theirs.'''
        out = self.plug('pci', CARD, CARD_MODALIAS, 'pci:e1000', reverse=True)
        self.assertEqual(out.stdout, '')
        self.assertIn('e1000', self.kernel.loaded())
        listed = self.list()['e1000']
        self.assertFalse(listed['autoclean'])
        self.assertNotIn('requested-by', listed)
        self.assert_eventually(lambda: self.signals_for('e1000') ==
                               [('ModuleLoaded', {'reason': 'external'})])
        # never removed, not even after the unplug
        self.kernel.remove_device('pci', CARD)
        for _ in range(3):
            self.assertEqual(self.autoclean(self.root), [])
        self.assertIn('e1000', self.kernel.loaded())

    def test_no_bus_at_boot(self):
        '''Coldplug before the system bus exists: kmodctl fails at once
        (exit 6), "kmod load" loads the driver unmarked.'''
        self.kernel.add_device('pci', CARD, CARD_MODALIAS)
        self.current_modalias = CARD_MODALIAS
        program, builtin = self.event('pci', CARD_MODALIAS)
        missing = 'unix:path=' + os.path.join(self.tmp, 'no-bus-yet')
        t0 = time.monotonic()
        out = self.run_entry(program, bus_address=missing)
        self.assertEqual(out.returncode, 6, out.stderr)
        self.assertIn('cannot connect to the system bus', out.stderr)
        # "at once": far from kmodctl's 25 s call timeout
        self.assertLess(time.monotonic() - t0, 20 * self.time_factor())
        self.run_entry(builtin)
        self.assertIn('e1000', self.kernel.loaded())
        self.assertFalse(self.list()['e1000']['autoclean'])


if __name__ == '__main__':
    kmoddtest.main()
