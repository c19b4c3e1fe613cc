# SPDX-License-Identifier: LGPL-2.1-or-later
'''Test harness for kmodd's integration tests.

Every test gets a world of its own: a fake kernel (tests/fakekernel), a
private system bus run by the real dbus-daemon with kmodd's real bus policy,
a polkitd mock (polkitd_kmodd.py), and the real kmodd binary, started under
the fake kernel's LD_PRELOAD shim. Tests talk to kmodd over the bus as root
(self.root) or as an unprivileged user (self.user, uid 65534), exactly as
clients do. The test process runs in its own network namespace (meson runs
it under `unshare --net`) so that the fake kernel's uevents reach only this
test's kmodd.

Environment (set by tests/meson.build):
  KMODD_DAEMON          the kmodd binary under test
  KMODD_TEST_WRAPPER    optional command to run kmodd under (valgrind ...)
  KMODD_SOURCE_ROOT     the source tree
'''

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import dbusmock
from gi.repository import Gio, GLib

from fakekernel import FakeKernel

BUS_NAME = 'org.freedesktop.KernelModules1'
OBJECT_PATH = '/org/freedesktop/KernelModules1'
INTERFACE = 'org.freedesktop.KernelModules1.Manager'
ERROR_PREFIX = 'org.freedesktop.KernelModules1.Error.'
ACTION = 'org.freedesktop.KernelModules1.'
NOBODY = 65534

SOURCE_ROOT = os.environ.get(
    'KMODD_SOURCE_ROOT',
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HERE = os.path.dirname(os.path.abspath(__file__))

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <!-- the defaults of the real system bus (system.conf) -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <!-- the test's own mocks, run as root -->
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
    <allow send_interface="org.freedesktop.DBus.Mock"/>
  </policy>
  <!-- kmodd's real bus policy, as installed -->
  <include>{policy}</include>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_connections_per_user">1000</limit>
</busconfig>
'''


class KmoddTestCase(dbusmock.DBusTestCase):
    '''Base class: a fresh fake kernel, bus, polkit mock and kmodd per test.'''

    # Tests may set these before calling start_daemon().
    config = None          # text of kmodd.conf
    start_polkit = True

    @classmethod
    def setUpClass(cls):
        cls.daemon_path = os.environ.get('KMODD_DAEMON') or shutil.which('kmodd')
        if not cls.daemon_path:
            raise RuntimeError('KMODD_DAEMON is not set')

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='kmodd-test-')
        os.chmod(self.tmp, 0o755)
        self.kernel = FakeKernel(os.path.join(self.tmp, 'root')).create()
        self.runtime_dir = os.path.join(self.tmp, 'run')
        self.config_dir = os.path.join(self.tmp, 'etc')
        os.makedirs(self.config_dir)
        self.daemon = None
        self.daemon_log_path = os.path.join(self.tmp, 'kmodd.log')
        self.daemon_log = None
        self.signals = []
        self._subscriptions = []

        self.bus_socket = os.path.join(self.tmp, 'system_bus_socket')
        conf = os.path.join(self.tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG.format(
                socket=self.bus_socket,
                policy=os.path.join(SOURCE_ROOT, 'data',
                                    'org.freedesktop.KernelModules1.conf')))
        self.bus_pid, self.bus_address = self.start_dbus(conf=conf)
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = self.bus_address
        os.chmod(self.bus_socket, 0o777)

        self.polkitd = None
        self.polkit = None
        if self.start_polkit:
            self.start_polkitd()

        self.root = self.connect()
        self.user = self.connect(uid=NOBODY)

    def tearDown(self):
        failed = self._outcome_failed()
        for conn, sub in self._subscriptions:
            conn.signal_unsubscribe(sub)
        status = None
        died = None
        if self.daemon is not None and self.daemon.poll() is None:
            status = self.stop_daemon()
        elif self.daemon is not None and self.daemon.returncode != 0:
            died = self.daemon.returncode   # exited on its own, not by the test
        for conn in (getattr(self, 'root', None), getattr(self, 'user', None)):
            if conn is not None and not conn.is_closed():
                conn.close_sync(None)
        self.stop_polkitd()
        self.stop_bus()
        del os.environ['DBUS_SYSTEM_BUS_ADDRESS']
        reports = self.memory_error_reports()
        if failed or reports or died is not None or os.environ.get('KMODD_TEST_SHOW_LOG'):
            self.print_daemon_log()
        if self.daemon_log is not None:
            self.daemon_log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if not failed:
            self.assertEqual(reports, [], 'kmodd: sanitizer or valgrind report (log above)')
            self.assertIsNone(died, 'kmodd exited with status %s during the test' % died)
        if status is not None and not failed:
            self.assertEqual(status, 0, 'kmodd did not exit cleanly on SIGTERM')

    # What ASan, LeakSanitizer, UBSan and valgrind print when they find
    # something (meson test --setup asan / --setup valgrind).
    MEMORY_ERROR_MARKERS = ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer',
                            'runtime error:', 'SUMMARY: UndefinedBehaviorSanitizer')

    def memory_error_reports(self):
        try:
            text = self.daemon_output()
        except (OSError, ValueError):
            return []
        return [line for line in text.splitlines()
                if any(m in line for m in self.MEMORY_ERROR_MARKERS)
                or ('ERROR SUMMARY:' in line and 'ERROR SUMMARY: 0 errors' not in line)]

    def _outcome_failed(self):
        outcome = getattr(self, '_outcome', None)
        if outcome is None:
            return False
        errors = getattr(outcome, 'errors', None)
        if errors is None:   # Python >= 3.11
            result = getattr(outcome, 'result', None)
            if result is None:
                return False
            return any(t is self for t, _ in result.errors + result.failures)
        return any(e is not None for _, e in errors)

    # -- polkit ----------------------------------------------------------

    def start_polkitd(self):
        self.polkitd, self.polkit = self.spawn_server_template(
            os.path.join(HERE, 'polkitd_kmodd.py'), {},
            stdout=subprocess.DEVNULL, system_bus=True)

    def stop_polkitd(self):
        if self.polkitd is not None:
            # a mock: no need to wait for a graceful exit
            self.polkitd.kill()
            self.polkitd.wait()
            self.polkitd = None
            self.polkit = None

    def stop_bus(self):
        '''Stops the bus daemon (not our child: it forked) and waits for it.'''
        try:
            os.kill(self.bus_pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open('/proc/%d/stat' % self.bus_pid) as f:
                    if f.read().split(') ')[-1].startswith('Z'):
                        return
            except FileNotFoundError:
                return
            time.sleep(0.005)

    def allow(self, *actions):
        self.polkit.SetAllowed([ACTION + a for a in actions])

    def polkit_calls(self):
        return [(str(k), str(n), str(a), dict(d), int(f))
                for (k, n, a, d, f) in self.polkit.GetCalls()]

    # -- the daemon ------------------------------------------------------

    def daemon_env(self, extra_env=None):
        '''The environment kmodd runs in: this process's (sanitizer options
        included), the fake kernel, the private bus, its own directories.'''
        env = self.kernel.env()
        env.update({
            'DBUS_SYSTEM_BUS_ADDRESS': self.bus_address,
            'RUNTIME_DIRECTORY': self.runtime_dir,
            'CONFIGURATION_DIRECTORY': self.config_dir,
            'G_DEBUG': 'fatal-criticals',
            'LC_ALL': 'C.UTF-8',
        })
        env.update(extra_env or {})
        return env

    def daemon_command(self, *args):
        '''kmodd's command line, under KMODD_TEST_WRAPPER (valgrind) if set.'''
        wrapper = shlex.split(os.environ.get('KMODD_TEST_WRAPPER', ''))
        return wrapper + [self.daemon_path] + list(args)

    def start_daemon(self, wait=True, extra_env=None):
        if self.config is not None:
            with open(os.path.join(self.config_dir, 'kmodd.conf'), 'w') as f:
                f.write(self.config)
        if self.daemon_log is None:
            self.daemon_log = open(self.daemon_log_path, 'ab')
        self.daemon = subprocess.Popen(self.daemon_command('--verbose'),
                                       env=self.daemon_env(extra_env), stdout=self.daemon_log,
                                       stderr=subprocess.STDOUT)
        if wait:
            self.wait_for_name()
        return self.daemon

    def wait_for_name(self, timeout=30):
        deadline = time.monotonic() + timeout * self.time_factor()
        while time.monotonic() < deadline:
            if self.daemon is not None and self.daemon.poll() is not None:
                self.fail('kmodd exited with %d before owning its name'
                          % self.daemon.returncode)
            try:
                self.root.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                    'org.freedesktop.DBus', 'GetNameOwner',
                                    GLib.Variant('(s)', (BUS_NAME,)), None,
                                    Gio.DBusCallFlags.NONE, 1000, None)
                return
            except GLib.Error:
                time.sleep(0.02)
        self.fail('kmodd did not own %s within %ds' % (BUS_NAME, timeout))

    def stop_daemon(self, sig=signal.SIGTERM, timeout=30):
        self.daemon.send_signal(sig)
        try:
            status = self.daemon.wait(timeout * self.time_factor())
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()
            self.fail('kmodd did not stop within %ds of signal %d' % (timeout, sig))
        self.daemon = None
        return status

    def kill_daemon(self):
        self.daemon.kill()
        self.daemon.wait()
        self.daemon = None

    def daemon_output(self):
        if self.daemon_log is not None:
            self.daemon_log.flush()
        with open(self.daemon_log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def print_daemon_log(self):
        try:
            text = self.daemon_output()
        except OSError:
            return
        sys.stderr.write('\n----- kmodd log -----\n%s----- end of kmodd log -----\n' % text)

    @staticmethod
    def time_factor():
        return float(os.environ.get('KMODD_TEST_TIME_FACTOR', '1'))

    # -- clients ---------------------------------------------------------

    def connect(self, uid=0, gid=None):
        '''A new connection to the system bus, authenticated as uid.

        The bus learns the uid from the socket (SO_PEERCRED, taken at
        connect time) and GDBus offers the real uid: switching both, while
        keeping root as the saved uid to come back to, is enough to be
        someone else for the life of the connection.'''
        if gid is None:
            gid = uid
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
                 Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        if uid == 0:
            return Gio.DBusConnection.new_for_address_sync(self.bus_address, flags, None, None)
        os.setresgid(gid, gid, 0)
        os.setresuid(uid, uid, 0)
        try:
            return Gio.DBusConnection.new_for_address_sync(self.bus_address, flags, None, None)
        finally:
            os.setresuid(0, 0, 0)
            os.setresgid(0, 0, 0)

    def call(self, conn, method, args, signature, interactive=False, timeout=30):
        '''Calls method on kmodd; returns the unpacked reply or raises
        GLib.Error.'''
        flags = Gio.DBusCallFlags.NONE
        if interactive:
            flags |= Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION
        reply = conn.call_sync(BUS_NAME, OBJECT_PATH, INTERFACE, method,
                               GLib.Variant(signature, args), None, flags,
                               int(timeout * 1000 * self.time_factor()), None)
        return reply.unpack()

    def load(self, conn, name, options=None, **kw):
        return self.call(conn, 'Load', (name, options or {}), '(sa{sv})', **kw)[0]

    def unload(self, conn, name, options=None, **kw):
        return self.call(conn, 'Unload', (name, options or {}), '(sa{sv})', **kw)[0]

    def list(self, conn=None, options=None):
        modules = self.call(conn or self.root, 'List', (options or {},), '(a{sv})')[0]
        return {m['name']: m for m in modules}

    def info(self, conn, name, options=None):
        return self.call(conn, 'Info', (name, options or {}), '(sa{sv})')[0]

    def autoclean(self, conn, options=None, **kw):
        return self.call(conn, 'AutoClean', (options or {},), '(a{sv})', **kw)[0]

    def get_property(self, name):
        reply = self.root.call_sync(BUS_NAME, OBJECT_PATH, 'org.freedesktop.DBus.Properties',
                                    'Get', GLib.Variant('(ss)', (INTERFACE, name)),
                                    None, Gio.DBusCallFlags.NONE, 5000, None)
        return reply.unpack()[0]

    def assertDBusError(self, name, func, *args, **kwargs):
        '''Asserts func raises the D-Bus error name (short names are
        kmodd's own errors); returns the error message.'''
        if '.' not in name:
            name = ERROR_PREFIX + name
        with self.assertRaises(GLib.Error) as cm:
            func(*args, **kwargs)
        remote = Gio.DBusError.get_remote_error(cm.exception)
        self.assertEqual(remote, name, cm.exception.message)
        message = cm.exception.message
        prefix = 'GDBus.Error:%s: ' % remote
        return message[len(prefix):] if message.startswith(prefix) else message

    # -- signals ---------------------------------------------------------

    def watch_signals(self, conn=None):
        conn = conn or self.root

        def on_signal(_conn, _sender, _path, _iface, signal_name, params):
            if params.get_type_string() != '(sa{sv})':
                return  # DevicesChanged: see test_devices_list.py
            name, details = params.unpack()
            self.signals.append((signal_name, name, details))

        sub = conn.signal_subscribe(BUS_NAME, INTERFACE, None, OBJECT_PATH, None,
                                    Gio.DBusSignalFlags.NONE, on_signal)
        self._subscriptions.append((conn, sub))
        # make sure the match rule is in place before anything happens
        conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                       'org.freedesktop.DBus', 'GetId', None, None,
                       Gio.DBusCallFlags.NONE, 5000, None)

    def pump(self, seconds=0.0):
        '''Runs the main context for a while (signals arrive here).'''
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + seconds
        while True:
            while ctx.pending():
                ctx.iteration(False)
            if time.monotonic() >= deadline:
                return
            time.sleep(0.005)

    def assert_eventually(self, condition, timeout=10, message=None):
        deadline = time.monotonic() + timeout * self.time_factor()
        while True:
            self.pump()
            if condition():
                return
            if time.monotonic() > deadline:
                self.fail(message or 'condition not met within %ss' % timeout)
            time.sleep(0.01)

    def signals_for(self, name):
        return [(s, d) for (s, n, d) in self.signals if n == name]


def main():
    unittest.main(verbosity=2)
