#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''kmodctl -H and kmodd_client_new_for_host() against the real kmodd on the
private system bus, through tests/integration/fake-ssh (KMODD_SSH): a
stand-in for ssh that parses ssh's options, becomes the destination's user
and execs systemd-stdio-bridge on the private bus. The local
DBUS_SYSTEM_BUS_ADDRESS points nowhere, so everything that works went
through the bridge.

What the tests prove: the same output, JSON and exit status as locally;
ssh's argv; malformed hosts refused before ssh runs; an unknown host and
a refused login as exit status 7; a host that never answers given up at
--timeout with ssh killed; the far side's user decides authorization, and
no password is ever asked for; monitor ends with status 7 when the
connection drops.

Under `meson test --setup valgrind` (KMODD_TEST_WRAPPER) kmodctl runs under
valgrind too, its reports in files of its own: a leak or an error is a
failed test.'''

import glob
import json
import os
import pty
import queue
import shlex
import signal
import subprocess
import threading
import unittest

import gi
gi.require_version('Kmodd', '1')
from gi.repository import Gio, GLib, Kmodd  # noqa: E402

import kmoddtest  # noqa: E402
from kmoddtest import KmoddTestCase, ACTION, NOBODY, HERE  # noqa: E402

KMODCTL = os.environ.get('KMODD_CLI')
FAKE_SSH = os.path.join(HERE, 'fake-ssh')

# exit status, as kmodctl(1) documents them
OK, FAILED, USAGE, NOT_AUTHORIZED, NOT_FOUND, IN_USE, UNAVAILABLE, NO_CONNECTION = range(8)


class RemoteTestCase(KmoddTestCase):
    def setUp(self):
        if not KMODCTL:
            raise RuntimeError('KMODD_CLI is not set')
        super().setUp()
        self.ssh_log = os.path.join(self.tmp, 'ssh.log')
        self.start_daemon()

    def env(self, **extra):
        env = dict(os.environ)
        env.update({
            # nothing local: only the bridge reaches the bus
            'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=' + os.path.join(self.tmp, 'no-local-bus'),
            'LC_ALL': 'C.UTF-8',
            'KMODD_SSH': FAKE_SSH,
            'FAKE_SSH_BUS': self.bus_address,
            'FAKE_SSH_LOG': self.ssh_log,
        })
        env.update(extra)
        return env

    def local_env(self):
        env = dict(os.environ)
        env.update({'DBUS_SYSTEM_BUS_ADDRESS': self.bus_address, 'LC_ALL': 'C.UTF-8'})
        return env

    def kmodctl_command(self, *args):
        '''kmodctl's command line, under KMODD_TEST_WRAPPER (valgrind) if
        set, which then writes to files of its own, not to kmodctl's stderr.'''
        wrapper = shlex.split(os.environ.get('KMODD_TEST_WRAPPER', ''))
        if wrapper:
            wrapper.append('--log-file=%s/valgrind-kmodctl.%%p' % self.tmp)
        return wrapper + [KMODCTL] + list(args)

    def tearDown(self):
        reports = []
        for path in glob.glob(os.path.join(self.tmp, 'valgrind-kmodctl.*')):
            with open(path, errors='replace') as f:
                text = f.read()
            if 'ERROR SUMMARY: 0 errors' not in text:
                reports.append(text)
        super().tearDown()
        self.assertEqual(reports, [], 'kmodctl: valgrind reports')

    def kmodctl(self, *args, env=None, stdin=subprocess.DEVNULL, timeout=60):
        return subprocess.run(self.kmodctl_command(*args), env=env or self.env(), stdin=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout * self.time_factor())

    def ssh_runs(self):
        if not os.path.exists(self.ssh_log):
            return []
        with open(self.ssh_log) as f:
            return [json.loads(line) for line in f]

    def assertStatus(self, proc, status):
        self.assertEqual(proc.returncode, status,
                         'exit %d, not %d\nstdout: %s\nstderr: %s'
                         % (proc.returncode, status, proc.stdout, proc.stderr))

    def kmodctl_lines(self, stderr):
        '''kmodctl's own lines of stderr (ssh's are not).'''
        return [line for line in stderr.splitlines() if line.startswith('kmodctl')]

    def assert_gone(self, pid):
        def gone():
            try:
                with open('/proc/%d/stat' % pid) as f:
                    return f.read().split(') ')[-1].startswith('Z')
            except FileNotFoundError:
                return True
        self.assert_eventually(gone, message='ssh (pid %d) still runs' % pid)


class Commands(RemoteTestCase):
    def test_same_as_local(self):
        '''Output, JSON, stderr and exit status are the local ones.'''
        self.load(self.root, 'msdos')
        self.load(self.root, 'dummy', {'autoclean': GLib.Variant('b', True)})
        for args in (['list'], ['list', '--json'], ['list', '--autoclean', '--json'],
                     ['list', '--builtin'], ['info', 'msdos'], ['info', '--json', 'fat'],
                     ['status'], ['status', '--json'], ['info', 'nosuchmodule'],
                     ['unload', 'fat'], ['load', '--dry-run', 'vfat'],
                     ['unload', '--dry-run', '--dependencies', 'msdos'],
                     ['load', 'pcspkr'], ['unload', 'loop']):
            local = self.kmodctl(*args, env=self.local_env())
            remote = self.kmodctl('-H', 'localhost', *args)
            self.assertEqual((remote.returncode, remote.stdout, remote.stderr),
                             (local.returncode, local.stdout, local.stderr), args)
        self.assertNotEqual(local.returncode, OK)   # the error cases were errors

        runs = self.ssh_runs()
        self.assertEqual(len(runs), 14)
        for run in runs:
            self.assertEqual(run['argv'], ['-xT', '--', 'localhost', 'systemd-stdio-bridge'])

    def test_load_unload(self):
        proc = self.kmodctl('--host=root@localhost', 'load', 'msdos')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Inserted fat\nInserted msdos\n')
        self.assertIn('msdos', self.kernel.loaded())

        proc = self.kmodctl('-H', 'root@localhost:22', '--timeout', '20', 'unload',
                            '--dependencies', 'msdos')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Removed msdos\nRemoved fat\n')
        self.assertNotIn('fat', self.kernel.loaded())

        proc = self.kmodctl('-H[::1]', 'autoclean', env=self.env(FAKE_SSH_HOSTS='::1'))
        self.assertStatus(proc, OK)

        self.assertEqual([r['argv'] for r in self.ssh_runs()], [
            ['-xT', '--', 'root@localhost', 'systemd-stdio-bridge'],
            ['-xT', '-p', '22', '--', 'root@localhost', 'systemd-stdio-bridge'],
            ['-xT', '--', '::1', 'systemd-stdio-bridge'],
        ])

    def test_bad_hosts_refused_before_ssh(self):
        for host in ('-oProxyCommand=touch /tmp/owned', '', 'a b', 'host:0', 'host:65536',
                     'fe80::1', 'x@-p', 'user@', 'h\x1b[31mred', '[::1', 'a;id'):
            for args in (['-H', host], ['--host=' + host]):
                proc = self.kmodctl(*args, 'list')
                self.assertStatus(proc, USAGE)
                self.assertTrue(proc.stderr.startswith('kmodctl: cannot use host '), proc.stderr)
                self.assertEqual(proc.stderr.count('\n'), 1, proc.stderr)
                self.assertNotIn('\x1b', proc.stderr)
                self.assertEqual(proc.stdout, '')
        for args in (['-H'], ['--timeout=soon', '-H', 'localhost', 'list'],
                     ['-H', 'localhost', '--timeout=-1', 'list']):
            self.assertStatus(self.kmodctl(*args), USAGE)
        self.assertEqual(self.ssh_runs(), [])

    def test_unknown_host_and_refused_login(self):
        for host, env, ssh_says in (
                ('nosuchhost', {}, 'ssh: Could not resolve hostname nosuchhost'),
                ('localhost:2222', {}, 'port 2222: Connection refused'),
                ('tester@localhost', {'FAKE_SSH_MODE': 'refuse'}, 'Permission denied')):
            for args in (['list'], ['load', 'dummy'], ['monitor'], ['status', '--json']):
                proc = self.kmodctl('-H', host, *args, env=self.env(**env))
                self.assertStatus(proc, NO_CONNECTION)
                self.assertIn(ssh_says, proc.stderr)
                self.assertEqual(self.kmodctl_lines(proc.stderr),
                                 ['kmodctl: cannot connect to %s: Cannot reach the system bus '
                                  'of %s: ssh exited with status 255' % (host, host)])
                self.assertEqual(proc.stdout, '')
        self.assertNotIn('dummy', self.kernel.loaded())

    def test_host_that_never_answers(self):
        proc = self.kmodctl('-H', 'localhost', '--timeout=1', 'list',
                            env=self.env(FAKE_SSH_MODE='hang'))
        self.assertStatus(proc, NO_CONNECTION)
        self.assertEqual(proc.stderr, 'kmodctl: cannot connect to localhost: '
                         'No answer from localhost within 1 seconds\n')
        runs = self.ssh_runs()
        self.assertEqual(len(runs), 1)
        self.assert_gone(runs[0]['pid'])


class Authorization(RemoteTestCase):
    def run_with_terminal(self, args, env):
        '''Runs kmodctl with a pseudo-terminal on stdin: locally it would
        let polkit ask for a password.'''
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen(self.kmodctl_command(*args), env=env, stdin=slave,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            os.close(slave)
            slave = None
            out, err = proc.communicate(timeout=60 * self.time_factor())
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        return proc, out, err

    def test_the_far_side_user_decides(self):
        proc = self.kmodctl('-H', 'nobody@localhost', 'load', 'dummy')
        self.assertStatus(proc, NOT_AUTHORIZED)
        self.assertTrue(proc.stderr.startswith('kmodctl: cannot load dummy: Not authorized'),
                        proc.stderr)
        self.assertEqual(proc.stderr.count('\n'), 1, proc.stderr)
        self.assertNotIn('dummy', self.kernel.loaded())

        self.allow('load')
        proc = self.kmodctl('-H', 'nobody@localhost', 'load', 'dummy')
        self.assertStatus(proc, OK)
        modules = json.loads(self.kmodctl('-H', 'localhost', 'list', '--json').stdout)
        dummy = [m for m in modules['modules'] if m['name'] == 'dummy'][0]
        self.assertEqual(dummy['requested-by'], NOBODY)

    def test_no_password_is_asked_for(self):
        '''A challenge is the typed error at once, even from a terminal:
        no agent can answer on the far side.'''
        self.polkit.SetChallenge([ACTION + 'load', ACTION + 'unload'])
        bindir = os.path.join(self.tmp, 'bin')
        os.makedirs(bindir)
        agent_log = os.path.join(self.tmp, 'agent.log')
        with open(os.path.join(bindir, 'pkttyagent'), 'w') as f:
            f.write('#!/bin/sh\necho "$@" >> %s\nexit 1\n' % agent_log)
        os.chmod(os.path.join(bindir, 'pkttyagent'), 0o755)
        env = self.env(PATH=bindir + ':' + os.environ.get('PATH', '/usr/bin:/bin'))

        proc, out, err = self.run_with_terminal(['-H', 'nobody@localhost', 'load', 'dummy'], env)
        self.assertEqual(proc.returncode, NOT_AUTHORIZED, err)
        self.assertTrue(err.startswith('kmodctl: cannot load dummy: authentication is '
                                       'required, and no password can be asked for over -H'), err)
        self.assertEqual(err.count('\n'), 1, err)
        self.assertEqual(out, '')
        self.assertEqual([c[4] for c in self.polkit_calls()], [0])
        self.assertFalse(os.path.exists(agent_log))


class Monitor(RemoteTestCase):
    @staticmethod
    def _reader(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put('')

    def readline(self, lines, timeout=10):
        try:
            return lines.get(timeout=timeout * self.time_factor())
        except queue.Empty:
            self.fail('kmodctl monitor printed nothing within %ds' % timeout)

    def start_monitor(self, *args):
        proc = subprocess.Popen(self.kmodctl_command('-H', 'localhost', 'monitor', *args),
                                env=self.env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        for name in ('stdout', 'stderr'):
            lines = queue.Queue()
            threading.Thread(target=self._reader, args=(getattr(proc, name), lines),
                             daemon=True).start()
            setattr(proc, name + '_lines', lines)
        self.assertIn('Monitoring', self.readline(proc.stderr_lines))
        return proc

    def test_events_then_connection_lost(self):
        monitor = self.start_monitor('--json')
        self.load(self.root, 'msdos')
        events = [json.loads(self.readline(monitor.stdout_lines)) for _ in range(2)]
        self.assertEqual([(e['event'], e['name'], e['reason'], e['uid']) for e in events],
                         [('loaded', 'fat', 'request', 0), ('loaded', 'msdos', 'request', 0)])

        # the connection drops: the bridge (ssh, for kmodctl) is killed
        bridge = self.ssh_runs()[0]['pid']
        os.kill(bridge, signal.SIGKILL)
        self.assertEqual(monitor.wait(timeout=30 * self.time_factor()), NO_CONNECTION)
        self.assertEqual(self.readline(monitor.stderr_lines),
                         'kmodctl: cannot monitor: the connection to localhost was lost\n')
        self.assertEqual(self.readline(monitor.stdout_lines), '')

    def test_interrupted(self):
        monitor = self.start_monitor()
        monitor.send_signal(signal.SIGINT)
        self.assertEqual(monitor.wait(timeout=30 * self.time_factor()), OK)


class Library(RemoteTestCase):
    '''kmodd_client_new_for_host() and its properties, from Python.'''

    def setUp(self):
        super().setUp()
        self.saved_env = dict(os.environ)
        os.environ.update({'KMODD_SSH': FAKE_SSH, 'FAKE_SSH_BUS': self.bus_address,
                           'FAKE_SSH_LOG': self.ssh_log})

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved_env)
        super().tearDown()

    def test_new_for_host(self):
        self.load(self.root, 'msdos')
        client = Kmodd.Client.new_for_host_sync('root@localhost', None)
        self.assertEqual(client.get_host(), 'root@localhost')
        self.assertEqual(client.get_connect_timeout(), 30)
        self.assertTrue(client.get_service_running())
        self.assertEqual(client.get_kernel_release(), self.kernel.release)
        names = {m.get_name() for m in client.list_sync(Kmodd.ListFlags.NONE, None, None)}
        self.assertEqual(names, set(self.list()))
        with self.assertRaises(GLib.Error) as cm:
            client.unload_sync('fat', Kmodd.UnloadFlags.NONE, None)
        self.assertTrue(cm.exception.matches(Kmodd.error_quark(), Kmodd.Error.IN_USE))
        client.get_connection().close_sync(None)

    def test_new_for_host_async(self):
        results = []
        Kmodd.Client.new_for_host('localhost', None,
                                  lambda _s, res: results.append(res))
        self.assert_eventually(lambda: results)
        client = Kmodd.Client.new_for_host_finish(results[0])
        self.assertEqual(client.info_sync('dummy', None).get_name(), 'dummy')
        client.get_connection().close_sync(None)

    def test_errors(self):
        for host, domain, code in (
                ('-oProxyCommand=x', Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT),
                ('nosuchhost', Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_CLOSED)):
            with self.assertRaises(GLib.Error) as cm:
                Kmodd.Client.new_for_host_sync(host, None)
            self.assertTrue(cm.exception.matches(domain, code), cm.exception.message)

        os.environ['FAKE_SSH_MODE'] = 'hang'
        client = Kmodd.Client(host='localhost', connect_timeout=1)
        with self.assertRaises(GLib.Error) as cm:
            client.init(None)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT))
        self.assert_gone(self.ssh_runs()[-1]['pid'])

        # a host or a connection, not both
        client = Kmodd.Client(host='localhost', connection=self.root)
        with self.assertRaises(GLib.Error) as cm:
            client.init(None)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(),
                                             Gio.IOErrorEnum.INVALID_ARGUMENT))

    def test_cancelled(self):
        os.environ['FAKE_SSH_MODE'] = 'hang'
        cancellable = Gio.Cancellable()
        results = []
        Kmodd.Client.new_for_host('localhost', cancellable,
                                  lambda _s, res: results.append(res))
        self.assert_eventually(lambda: self.ssh_runs())
        cancellable.cancel()
        self.assert_eventually(lambda: results)
        with self.assertRaises(GLib.Error) as cm:
            Kmodd.Client.new_for_host_finish(results[0])
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))


if __name__ == '__main__':
    kmoddtest.main()
