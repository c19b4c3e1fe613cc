#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''kmodctl against the real kmodd on the private system bus: output, JSON,
exit status, authorization (with and without a terminal), --no-block,
monitor, and a missing bus or service.

Environment (tests/integration/meson.build): KMODD_CLI, the kmodctl under
test.'''

import json
import os
import pty
import queue
import re
import signal
import subprocess
import threading
import time
import unittest

import kmoddtest
from kmoddtest import KmoddTestCase, ACTION, NOBODY

KMODCTL = os.environ.get('KMODD_CLI')

# exit status, as kmodctl(1) documents them
OK, FAILED, USAGE, NOT_AUTHORIZED, NOT_FOUND, IN_USE, UNAVAILABLE = range(7)

FAKE_AGENT = '''#!/usr/bin/python3
# Stands in for pkttyagent: logs its arguments, says it is registered by
# closing --notify-fd, and waits to be terminated.
import os, signal, sys, time
log = os.environ['FAKE_AGENT_LOG']
def note(line):
    with open(log, 'a') as f:
        f.write(line + '\\n')
note(' '.join(sys.argv[1:]) + ' isatty=%d' % os.isatty(0))
def on_term(*_):
    note('terminated')
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
args = sys.argv[1:]
os.close(int(args[args.index('--notify-fd') + 1]))
while True:
    time.sleep(1)
'''


class KmodctlTestCase(KmoddTestCase):
    def setUp(self):
        if not KMODCTL:
            raise RuntimeError('KMODD_CLI is not set')
        super().setUp()

    def env(self, **extra):
        env = dict(os.environ)
        env.update({'DBUS_SYSTEM_BUS_ADDRESS': self.bus_address, 'LC_ALL': 'C.UTF-8'})
        env.update(extra)
        return env

    @staticmethod
    def as_user(uid):
        if uid == 0:
            return {}
        return {'user': uid, 'group': uid, 'extra_groups': []}

    def kmodctl(self, *args, uid=0, env=None, stdin=subprocess.DEVNULL, timeout=60):
        return subprocess.run([KMODCTL] + list(args), env=env or self.env(), stdin=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout * self.time_factor(), **self.as_user(uid))

    def assertStatus(self, proc, status):
        self.assertEqual(proc.returncode, status,
                         'exit %d, not %d\nstdout: %s\nstderr: %s'
                         % (proc.returncode, status, proc.stdout, proc.stderr))

    def assertOneLineError(self, proc, start):
        '''stderr is exactly one line, starting with start.'''
        self.assertTrue(proc.stderr.startswith(start), proc.stderr)
        self.assertEqual(proc.stderr.count('\n'), 1, proc.stderr)
        self.assertTrue(proc.stderr.endswith('\n'), proc.stderr)

    def loaded(self):
        return self.kernel.loaded()


class Usage(KmodctlTestCase):
    def test_help(self):
        proc = self.kmodctl('--help')
        self.assertStatus(proc, OK)
        for command in ('list', 'info', 'load', 'unload', 'autoclean', 'monitor', 'status'):
            self.assertRegex(proc.stdout, r'\n  %s +\S' % command)
        self.assertEqual(proc.stderr, '')

        for command, option in (('list', '--builtin'), ('info', '--json'), ('load', '--no-block'),
                                ('unload', '--dependencies'), ('autoclean', '--all'),
                                ('monitor', '--json'), ('status', '--json')):
            proc = self.kmodctl(command, '--help')
            self.assertStatus(proc, OK)
            self.assertIn('kmodctl %s [OPTION' % command, proc.stdout)
            self.assertIn(option, proc.stdout)
            # the same through "help COMMAND"
            self.assertEqual(self.kmodctl('help', command).stdout, proc.stdout)

        proc = self.kmodctl('--version')
        self.assertStatus(proc, OK)
        self.assertRegex(proc.stdout, r'^kmodctl \d+\.\d+\.\d+\n$')

    def test_usage_errors(self):
        for args in ([], ['frobnicate'], ['--frobnicate'], ['load'], ['info'],
                     ['unload', 'fat', 'vfat'], ['list', 'fat'], ['list', '--dry-run'],
                     ['load', '--no-block', '--dry-run', 'dummy'], ['load', 'loop', 'max_part'],
                     ['unload', '-fat']):
            proc = self.kmodctl(*args)
            self.assertStatus(proc, USAGE)
            self.assertTrue(proc.stderr.startswith('kmodctl'), proc.stderr)
            self.assertEqual(proc.stdout, '', args)


class Commands(KmodctlTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    # -- list ----------------------------------------------------------------

    def test_list_table(self):
        self.load(self.root, 'msdos')
        for uid in (0, NOBODY):
            proc = self.kmodctl('list', uid=uid)
            self.assertStatus(proc, OK)
            lines = proc.stdout.splitlines()
            self.assertEqual(lines[0].split(), ['Module', 'Size', 'State', 'AutoClean', 'Devices',
                                                'Used', 'by'])
            rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
            loaded = self.loaded()
            self.assertEqual(rows['fat'], [str(loaded['fat']['size']), 'live', '-', '0', '1',
                                           'msdos'])
            self.assertEqual(rows['msdos'], [str(loaded['msdos']['size']), 'live', '-', '0', '0'])
            self.assertEqual(set(rows), {'fat', 'msdos'})

    def test_list_json(self):
        self.load(self.root, 'msdos')
        self.kernel.run_external(['modprobe', 'dummy'], check=True)
        before = time.time()
        proc = self.kmodctl('list', '--json')
        self.assertStatus(proc, OK)
        doc = json.loads(proc.stdout)
        modules = {m['name']: m for m in doc['modules']}
        self.assertEqual(set(modules), {'fat', 'msdos', 'dummy'})
        fat = modules['fat']
        self.assertEqual(set(fat), {'name', 'state', 'size', 'refcount', 'holders', 'taint',
                                    'autoclean', 'visited', 'requested-by', 'loaded-at',
                                    'devices'})
        self.assertEqual(fat['devices'], 0)
        self.assertEqual(fat['state'], 'live')
        self.assertEqual(fat['size'], self.loaded()['fat']['size'])
        self.assertEqual(fat['refcount'], 1)
        self.assertEqual(fat['holders'], ['msdos'])
        self.assertEqual(fat['taint'], '')
        self.assertIs(fat['autoclean'], False)
        self.assertIsNone(fat['visited'])
        self.assertEqual(fat['requested-by'], 0)
        self.assertIsInstance(fat['loaded-at'], int)
        self.assertLess(abs(fat['loaded-at'] / 1e6 - before), 60)
        # loaded outside kmodd: nobody asked
        self.assertIsNone(modules['dummy']['requested-by'])
        self.assertIsNone(modules['dummy']['loaded-at'])

    def test_list_autoclean(self):
        self.assertStatus(self.kmodctl('load', '--autoclean', 'dummy'), OK)
        self.assertStatus(self.kmodctl('load', 'msdos'), OK)

        proc = self.kmodctl('list')
        rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[1:]}
        self.assertEqual(rows['dummy'][3], 'visited')
        self.assertEqual(rows['msdos'][3], '-')

        proc = self.kmodctl('list', '--autoclean')
        self.assertStatus(proc, OK)
        self.assertEqual([line.split()[0] for line in proc.stdout.splitlines()[1:]], ['dummy'])

        # a pass clears the visited bit
        self.assertStatus(self.kmodctl('autoclean'), OK)
        modules = json.loads(self.kmodctl('list', '--autoclean', '--json').stdout)['modules']
        self.assertEqual([(m['name'], m['autoclean'], m['visited']) for m in modules],
                         [('dummy', True, False)])
        proc = self.kmodctl('list', '--autoclean')
        self.assertEqual(proc.stdout.splitlines()[1].split()[3], 'marked')

    def test_list_builtin(self):
        names = [m['name'] for m in json.loads(self.kmodctl('list', '--json').stdout)['modules']]
        self.assertNotIn('unix', names)
        self.assertTrue(self.kernel.is_builtin('unix'))
        proc = self.kmodctl('list', '--builtin', '--json')
        self.assertStatus(proc, OK)
        modules = {m['name']: m for m in json.loads(proc.stdout)['modules']}
        self.assertEqual(modules['unix']['state'], 'builtin')
        rows = {line.split()[0]: line.split() for line in
                self.kmodctl('list', '--builtin').stdout.splitlines()[1:]}
        self.assertEqual(rows['unix'], ['unix', '-', 'builtin', '-', '0', '-'])

    # -- info ----------------------------------------------------------------

    def test_info(self):
        proc = self.kmodctl('info', 'fs-msdos', uid=NOBODY)
        self.assertStatus(proc, OK)
        fields = [tuple(re.split(r':\s+', line, 1)) for line in proc.stdout.splitlines()]
        self.assertIn(('name', 'msdos'), fields)
        self.assertIn(('depends', 'fat'), fields)
        self.assertIn(('alias', 'fs-msdos'), fields)
        self.assertIn(('license', 'GPL'), fields)
        self.assertIn(('loaded', 'no'), fields)
        self.assertIn(('install command', 'no'), fields)

        proc = self.kmodctl('info', '--json', 'loop')
        self.assertStatus(proc, OK)
        info = json.loads(proc.stdout)
        self.assertEqual(info['name'], 'loop')
        self.assertIn('max_part', info['parameters'])
        self.assertIn('Maximum number of partitions', info['parameters']['max_part'])
        self.assertEqual(info['depends'], [])
        self.assertIs(info['loaded'], False)
        self.assertIs(info['builtin'], False)
        self.assertTrue(info['filename'].endswith(('.ko', '.ko.xz', '.ko.zst', '.ko.gz')))

        info = json.loads(self.kmodctl('info', '--json', 'dccp').stdout)
        self.assertIs(info['has-install-command'], True)
        info = json.loads(self.kmodctl('info', '--json', 'pcspkr').stdout)
        self.assertIs(info['blacklisted'], True)

    def test_info_not_found(self):
        proc = self.kmodctl('info', 'no_such_module')
        self.assertStatus(proc, NOT_FOUND)
        self.assertOneLineError(proc, 'kmodctl: cannot describe no_such_module: ')
        self.assertEqual(proc.stdout, '')

    # -- load ----------------------------------------------------------------

    def test_load_prints_what_was_inserted(self):
        proc = self.kmodctl('load', 'msdos')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Inserted fat\nInserted msdos\n')
        self.assertEqual(proc.stderr, '')
        self.assertEqual(set(self.loaded()), {'fat', 'msdos'})

        # already loaded: nothing to say
        proc = self.kmodctl('load', 'msdos')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, '')

        proc = self.kmodctl('load', '--dry-run', 'fs-vfat')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Would insert vfat\n')
        self.assertNotIn('vfat', self.loaded())

    def test_load_with_parameters(self):
        proc = self.kmodctl('load', 'loop', 'max_part=8')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Inserted loop\n')
        self.assertEqual(self.loaded()['loop']['params']['max_part'], '8')

        # the words are joined into one "parameters" option
        proc = self.kmodctl('load', 'snd-dummy', 'pcm_devs=2', 'fake_buffer=0')
        self.assertStatus(proc, OK)
        self.assertIn('\'parameters\': <\'pcm_devs=2 fake_buffer=0\'>', self.daemon_output())
        self.assertEqual(self.loaded()['snd_dummy']['params']['pcm_devs'].split(',')[0], '2')

    # Daemon bug: service/kmodd-kernel.c module_parameter_names() takes the
    # declared parameters from "parmtype" only, but a parameter declared with
    # module_param_cb() (loop's max_loop and hw_queue_depth in Linux 6.1) has
    # a "parm" description and no "parmtype": kmodd refuses it with
    # InvalidParameters, while Info lists it and modprobe accepts it.
    def test_load_with_untyped_parameter(self):
        proc = self.kmodctl('load', 'loop', 'max_loop=8')
        self.assertStatus(proc, OK)
        self.assertEqual(self.loaded()['loop']['params']['max_loop'], '8')

    def test_load_bad_parameters(self):
        proc = self.kmodctl('load', 'loop', 'no_such_parameter=1')
        self.assertStatus(proc, USAGE)
        self.assertOneLineError(proc, 'kmodctl: cannot load loop: ')
        self.assertNotIn('loop', self.loaded())

    def test_load_not_found(self):
        proc = self.kmodctl('load', 'no_such_module')
        self.assertStatus(proc, NOT_FOUND)
        self.assertOneLineError(proc, 'kmodctl: cannot load no_such_module: ')

    def test_load_blacklisted(self):
        proc = self.kmodctl('load', 'pcspkr')
        self.assertStatus(proc, FAILED)
        self.assertOneLineError(proc, 'kmodctl: cannot load pcspkr: ')

    def test_invalid_names(self):
        # after "--" a name that looks like an option is a name, which
        # kmodctl refuses with the service's words before calling it
        before = self.loaded()
        for args, what in ((['load', '--', '-foo'], 'load -foo'),
                           (['load', 'a b'], 'load a b'),
                           (['unload', '../../tmp/x'], 'unload ../../tmp/x'),
                           (['info', '/tmp/evil.ko'], 'describe /tmp/evil.ko'),
                           (['load', '--no-block', '--autoclean', 'fat*'], 'load fat*')):
            proc = self.kmodctl(*args)
            self.assertStatus(proc, USAGE)
            self.assertOneLineError(proc, 'kmodctl: cannot %s: ' % what)
        self.assertNotIn('Load(', self.daemon_output())
        self.assertEqual(self.loaded(), before)

        # escape sequences in a name are not sent to the terminal
        proc = self.kmodctl('unload', 'a\x1b[31mb')
        self.assertStatus(proc, USAGE)
        self.assertOneLineError(proc, 'kmodctl: cannot unload a\\x1b[31mb: Invalid character')
        self.assertNotIn('\x1b', proc.stderr)

        # without "--" it is an option, and never a name
        proc = self.kmodctl('unload', '-foo')
        self.assertStatus(proc, USAGE)
        self.assertNotIn('Unload(-foo', self.daemon_output())
        proc = self.kmodctl('load', '--dry-run', '-r')
        self.assertStatus(proc, USAGE)
        self.assertNotIn('Load(-r', self.daemon_output())

    def test_load_denied(self):
        proc = self.kmodctl('load', 'dummy', uid=NOBODY)
        self.assertStatus(proc, NOT_AUTHORIZED)
        self.assertOneLineError(proc, 'kmodctl: cannot load dummy: Not authorized')
        self.assertNotIn('dummy', self.loaded())

        self.allow('load')
        proc = self.kmodctl('load', 'dummy', uid=NOBODY)
        self.assertStatus(proc, OK)
        self.assertIn('dummy', self.loaded())

    def test_load_without_terminal_needs_no_password(self):
        '''Without a terminal kmodctl does not allow interaction: a
        challenge is an error, at once.'''
        self.polkit.SetChallenge([ACTION + 'load'])
        proc = self.kmodctl('load', 'dummy', uid=NOBODY)
        self.assertStatus(proc, NOT_AUTHORIZED)
        self.assertOneLineError(proc, 'kmodctl: cannot load dummy: authentication is required')
        self.assertEqual([c[4] for c in self.polkit_calls()], [0])

    def run_with_terminal(self, args, uid, env):
        '''Runs kmodctl with a pseudo-terminal on stdin.'''
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([KMODCTL] + args, env=env, stdin=slave,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    **self.as_user(uid))
            os.close(slave)
            slave = None
            out, err = proc.communicate(timeout=60 * self.time_factor())
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        return proc, out, err

    def test_load_with_terminal_starts_agent(self):
        '''With a terminal, kmodctl starts a polkit agent for itself, waits
        until it is registered, calls allowing interaction, and stops it.'''
        self.polkit.SetChallenge([ACTION + 'load'])
        bindir = os.path.join(self.tmp, 'bin')
        os.makedirs(bindir)
        os.chmod(bindir, 0o755)
        agent = os.path.join(bindir, 'pkttyagent')
        with open(agent, 'w') as f:
            f.write(FAKE_AGENT)
        os.chmod(agent, 0o755)
        log = os.path.join(self.tmp, 'agent.log')
        open(log, 'w').close()
        os.chmod(log, 0o666)

        env = self.env(PATH=bindir + ':' + os.environ.get('PATH', '/usr/bin:/bin'),
                       FAKE_AGENT_LOG=log)
        proc, out, err = self.run_with_terminal(['load', 'dummy'], NOBODY, env)
        self.assertEqual(proc.returncode, OK, err)
        self.assertEqual(out, 'Inserted dummy\n')
        self.assertIn('dummy', self.loaded())
        self.assertEqual([c[4] for c in self.polkit_calls()], [1])
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines, ['--process %d --notify-fd 3 --fallback isatty=1' % proc.pid,
                                 'terminated'])

    def test_load_with_terminal_without_agent(self):
        '''No pkttyagent: the call still allows interaction (an agent of the
        session may answer).'''
        self.polkit.SetChallenge([ACTION + 'load'])
        env = self.env(PATH=os.path.join(self.tmp, 'empty'))
        proc, out, err = self.run_with_terminal(['load', 'dummy'], NOBODY, env)
        self.assertEqual(proc.returncode, OK, err)
        self.assertEqual([c[4] for c in self.polkit_calls()], [1])

    def test_load_no_block_does_not_wait_for_the_module(self):
        '''--no-block returns once kmodd has queued the request, long before
        a slow module's init ends; the load goes on after kmodctl is gone.'''
        self.kernel.set_init_delay(3000)
        start = time.monotonic()
        proc = self.kmodctl('load', '--no-block', '--autoclean', 'dummy', timeout=10)
        elapsed = time.monotonic() - start
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, '')
        self.assertEqual(proc.stderr, '')
        self.assertLess(elapsed, 2.0)
        self.assertNotEqual(self.loaded().get('dummy', {}).get('state'), 'live')
        self.assert_eventually(lambda: self.loaded().get('dummy', {}).get('state') == 'live',
                               timeout=10, message='dummy was not loaded')
        self.assert_eventually(lambda: self.list().get('dummy', {}).get('autoclean'),
                               message='dummy is not marked for AutoClean')

    def test_load_no_block_still_reports_early_errors(self):
        proc = self.kmodctl('load', '--no-block', 'no-such-module')
        self.assertStatus(proc, NOT_FOUND)
        proc = self.kmodctl('load', '--no-block', 'dummy', uid=NOBODY)
        self.assertStatus(proc, NOT_AUTHORIZED)
        self.assertNotIn('dummy', self.loaded())

    # -- unload --------------------------------------------------------------

    def test_unload(self):
        self.load(self.root, 'msdos')
        proc = self.kmodctl('unload', '--dry-run', '--dependencies', 'msdos')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Would remove msdos\nWould remove fat\n')
        self.assertEqual(set(self.loaded()), {'fat', 'msdos'})

        proc = self.kmodctl('unload', 'msdos', '--dependencies')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Removed msdos\nRemoved fat\n')
        self.assertEqual(self.loaded(), {})

    def test_unload_in_use(self):
        self.load(self.root, 'msdos')
        proc = self.kmodctl('unload', 'fat')
        self.assertStatus(proc, IN_USE)
        self.assertEqual(proc.stderr, 'kmodctl: cannot unload fat: Module fat is in use by msdos\n')
        self.assertEqual(proc.stdout, '')
        self.assertIn('fat', self.loaded())

    def test_unload_not_loaded(self):
        proc = self.kmodctl('unload', 'loop')
        self.assertStatus(proc, NOT_FOUND)
        self.assertOneLineError(proc, 'kmodctl: cannot unload loop: ')

    def test_unload_denied(self):
        self.load(self.root, 'dummy')
        proc = self.kmodctl('unload', 'dummy', uid=NOBODY)
        self.assertStatus(proc, NOT_AUTHORIZED)
        self.assertOneLineError(proc, 'kmodctl: cannot unload dummy: ')
        self.assertIn('dummy', self.loaded())

    # -- autoclean -----------------------------------------------------------

    def test_autoclean(self):
        self.assertStatus(self.kmodctl('load', '--autoclean', 'dummy'), OK)
        self.assertStatus(self.kmodctl('load', 'msdos'), OK)

        proc = self.kmodctl('autoclean', uid=NOBODY)
        self.assertStatus(proc, NOT_AUTHORIZED)

        # the first pass only clears the visited bit the load set
        proc = self.kmodctl('autoclean')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, '')
        proc = self.kmodctl('autoclean')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Removed dummy\n')
        self.assertEqual(set(self.loaded()), {'fat', 'msdos'})

    def test_autoclean_all(self):
        self.assertStatus(self.kmodctl('load', '--autoclean', 'dummy'), OK)
        proc = self.kmodctl('autoclean', '--all')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Removed dummy\n')

    # -- status --------------------------------------------------------------

    def test_status(self):
        proc = self.kmodctl('status', uid=NOBODY)
        self.assertStatus(proc, OK)
        fields = dict(re.split(r':\s+', line, 1) for line in proc.stdout.splitlines())
        self.assertEqual(fields, {
            'Version': fields['Version'],
            'Kernel release': self.kernel.release,
            'Lockdown': 'none',
            'Modules disabled': 'no',
            'Signatures enforced': 'no',
            'AutoClean interval': '60 s',
            'AutoClean marks': '0',
        })
        self.assertEqual(fields['Version'], self.get_property('Version'))

        self.load(self.root, 'dummy', {'autoclean': kmoddtest.GLib.Variant('b', True)})
        status = json.loads(self.kmodctl('status', '--json').stdout)
        self.assertEqual(status, {
            'version': self.get_property('Version'),
            'kernel-release': self.kernel.release,
            'lockdown': 'none',
            'modules-disabled': False,
            'signatures-enforced': False,
            'autoclean-interval': 60,
            'autoclean-marks': 1,
        })

    # -- monitor -------------------------------------------------------------

    def start_monitor(self, *args, uid=0):
        proc = subprocess.Popen([KMODCTL, 'monitor'] + list(args), env=self.env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **self.as_user(uid))
        self.addCleanup(self.stop_monitor, proc)
        # readers in threads, so that a timeout never loses a buffered line
        for name in ('stdout', 'stderr'):
            lines = queue.Queue()
            threading.Thread(target=self._reader, args=(getattr(proc, name), lines),
                             daemon=True).start()
            setattr(proc, name + '_lines', lines)
        line = self.readline(proc.stderr_lines)
        self.assertIn('Monitoring', line)
        return proc

    @staticmethod
    def _reader(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put('')

    def stop_monitor(self, proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    def readline(self, lines, timeout=10):
        try:
            return lines.get(timeout=timeout * self.time_factor())
        except queue.Empty:
            self.fail('kmodctl monitor printed nothing within %ds' % timeout)

    def finish_monitor(self, proc, sig):
        '''Stops the monitor with sig; returns what else it printed on stdout.'''
        proc.send_signal(sig)
        self.assertEqual(proc.wait(timeout=10 * self.time_factor()), 0)
        rest = []
        while True:
            line = self.readline(proc.stdout_lines)
            if line == '':
                return ''.join(rest)
            rest.append(line)

    def test_monitor_json(self):
        monitor = self.start_monitor('--json', uid=NOBODY)
        self.assertStatus(self.kmodctl('load', 'msdos'), OK)
        self.assertEqual(self.kernel.run_external(['modprobe', 'dummy']).returncode, 0)
        self.assertEqual(self.kernel.run_external(['rmmod', 'dummy']).returncode, 0)
        self.assertStatus(self.kmodctl('unload', 'msdos'), OK)

        events = [json.loads(self.readline(monitor.stdout_lines)) for _ in range(5)]
        for event in events:
            self.assertEqual(set(event), {'time', 'event', 'name', 'reason', 'uid'})
            self.assertRegex(event['time'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d')
        self.assertEqual([(e['event'], e['name'], e['reason'], e['uid']) for e in events], [
            ('loaded', 'fat', 'request', 0),
            ('loaded', 'msdos', 'request', 0),
            ('loaded', 'dummy', 'external', None),
            ('unloaded', 'dummy', 'external', None),
            ('unloaded', 'msdos', 'request', 0),
        ])

        self.assertEqual(self.finish_monitor(monitor, signal.SIGTERM), '')

    def test_monitor_text(self):
        monitor = self.start_monitor()
        self.allow('load')
        self.assertStatus(self.kmodctl('load', 'dummy', uid=NOBODY), OK)
        self.assertEqual(self.kernel.run_external(['modprobe', 'vfat']).returncode, 0)
        lines = [self.readline(monitor.stdout_lines) for _ in range(3)]
        stamp = r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}'
        self.assertRegex(lines[0], r'^%s loaded +dummy request %d\n$' % (stamp, NOBODY))
        self.assertRegex(lines[1], r'^%s loaded +fat external -\n$' % stamp)
        self.assertRegex(lines[2], r'^%s loaded +vfat external -\n$' % stamp)
        self.assertEqual(self.finish_monitor(monitor, signal.SIGINT), '')


class Unavailable(KmodctlTestCase):
    '''No system bus (early boot), or no service.'''

    COMMANDS = (['list'], ['list', '--json'], ['info', 'dummy'], ['load', 'dummy'],
                ['load', '--no-block', '--autoclean', 'dummy'], ['unload', 'dummy'],
                ['autoclean'], ['monitor'], ['status'])

    def test_no_bus(self):
        env = self.env(DBUS_SYSTEM_BUS_ADDRESS='unix:path=' + os.path.join(self.tmp, 'missing'))
        for args in self.COMMANDS:
            for uid in (0, NOBODY):
                start = time.monotonic()
                proc = self.kmodctl(*args, uid=uid, env=env, timeout=5)
                elapsed = time.monotonic() - start
                self.assertStatus(proc, UNAVAILABLE)
                self.assertOneLineError(proc, 'kmodctl: cannot connect to the system bus: ')
                self.assertEqual(proc.stdout, '')
                # at once, not after a timeout; generous for a loaded machine
                self.assertLess(elapsed, 3.0 * self.time_factor(), args)

    def test_bad_name_without_bus(self):
        '''A name kmodd would refuse is a usage error (2), not "unavailable",
        even when there is no bus: a udev rule's log says what is wrong.'''
        env = self.env(DBUS_SYSTEM_BUS_ADDRESS='unix:path=' + os.path.join(self.tmp, 'missing'))
        for args in (['load', '../x'], ['load', '--no-block', '--autoclean', '/tmp/evil.ko'],
                     ['unload', 'fat*'], ['info', '']):
            proc = self.kmodctl(*args, env=env, timeout=5)
            self.assertStatus(proc, USAGE)
            self.assertOneLineError(proc, 'kmodctl: cannot ')
            self.assertNotIn('system bus', proc.stderr)

    def test_no_service(self):
        # the private bus cannot start kmodd, as a bus without its
        # activation file would not
        for args in self.COMMANDS:
            if args[0] in ('monitor',) or '--no-block' in args:
                continue
            proc = self.kmodctl(*args)
            self.assertStatus(proc, UNAVAILABLE)
            self.assertTrue(proc.stderr.startswith('kmodctl: cannot '), proc.stderr)
            self.assertIn('service is not', proc.stderr)
            self.assertEqual(proc.stderr.count('\n'), 1, proc.stderr)


if __name__ == '__main__':
    kmoddtest.main()
