#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''libkmodd against the real kmodd on the private system bus.

Two kinds of tests: the C tests (client/tests/test-client.c), of which each
method here sets up the world and runs one path, as root or as uid 65534,
checking its exit status; and a panel's flow through GObject introspection
(Kmodd-1.typelib), in this process, on the harness's own connections.

Environment (tests/integration/meson.build): KMODD_TEST_CLIENT (the C test
program), GI_TYPELIB_PATH and LD_LIBRARY_PATH (the built library).'''

import os
import subprocess

import gi
gi.require_version('Kmodd', '1')
from gi.repository import Gio, GLib, Kmodd  # noqa: E402

import kmoddtest  # noqa: E402
from kmoddtest import KmoddTestCase, ACTION, NOBODY  # noqa: E402

TEST_CLIENT = os.environ.get('KMODD_TEST_CLIENT')


class CTests(KmoddTestCase):
    '''Each method runs one path of test-client in the world it expects.'''

    def run_c(self, path, uid=0, env=None, check=True):
        if not TEST_CLIENT:
            self.fail('KMODD_TEST_CLIENT is not set')
        full_env = dict(os.environ)
        full_env.update({
            'DBUS_SYSTEM_BUS_ADDRESS': self.bus_address,
            'G_DEBUG': 'fatal-criticals',
            'KMODD_TEST_RELEASE': self.kernel.release,
        })
        full_env.update(env or {})
        kwargs = {}
        if uid != 0:
            kwargs = {'user': uid, 'group': uid, 'extra_groups': []}
        proc = subprocess.run([TEST_CLIENT, '-p', path], env=full_env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=120 * self.time_factor(), **kwargs)
        if check:
            self.assertEqual(proc.returncode, 0, '%s failed:\n%s' % (path, proc.stdout))
            # a path that matched nothing would pass without running
            self.assertIn('ok 1 %s' % path, proc.stdout, proc.stdout)
        return proc

    def test_properties(self):
        self.start_daemon()
        self.run_c('/client/root/properties')

    def test_load_list_info_unload(self):
        self.start_daemon()
        self.run_c('/client/root/load-list-info-unload')
        self.assertEqual(self.kernel.loaded(), {})

    def test_typed_errors(self):
        self.start_daemon()
        self.run_c('/client/root/errors')

    def test_signals(self):
        self.start_daemon()
        self.run_c('/client/root/signals')

    def test_autoclean_and_notify(self):
        self.start_daemon()
        self.run_c('/client/root/autoclean-notify')
        self.assertNotIn('dummy', self.kernel.loaded())

    def test_not_authorized_as_user(self):
        self.start_daemon()
        # the polkit mock allows nothing unless told
        self.run_c('/client/user/not-authorized', uid=NOBODY)
        self.assertEqual(self.kernel.loaded(), {})
        actions = {c[2] for c in self.polkit_calls()}
        self.assertEqual(actions, {ACTION + 'load', ACTION + 'load-with-parameters',
                                   ACTION + 'autoclean'})

    def test_interactive_authorization_as_user(self):
        self.start_daemon()
        self.polkit.SetChallenge([ACTION + 'load'])
        self.run_c('/client/user/interactive', uid=NOBODY)
        self.assertIn('dummy', self.kernel.loaded())
        flags = [c[4] for c in self.polkit_calls() if c[2] == ACTION + 'load']
        # first without, then with ALLOW_USER_INTERACTION
        self.assertEqual(flags, [0, 1])

    def test_cancel_as_user(self):
        self.start_daemon()
        self.allow('load')
        self.polkit.SimulateHang(True)
        self.run_c('/client/user/cancel', uid=NOBODY)
        self.assertNotIn('dummy', self.kernel.loaded())

    def test_no_service(self):
        self.run_c('/client/root/no-service')

    def test_service_appears(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address,
                   G_DEBUG='fatal-criticals', KMODD_TEST_RELEASE=self.kernel.release)
        proc = subprocess.Popen([TEST_CLIENT, '-p', '/client/root/service-appears'],
                                env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            for line in proc.stdout:
                if line == 'ready\n':
                    break
            else:
                self.fail('test-client did not get ready')
            self.start_daemon()
            out, _ = proc.communicate(timeout=60 * self.time_factor())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn('ok 1 /client/root/service-appears', out)

    def test_no_bus(self):
        missing = os.path.join(self.tmp, 'no-such-socket')
        self.run_c('/client/no-bus', env={'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=' + missing})
        self.run_c('/client/no-bus', uid=NOBODY,
                   env={'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=' + missing})


class Introspection(KmoddTestCase):
    '''A panel's flow, through Kmodd-1.typelib.'''

    def setUp(self):
        super().setUp()
        self.start_daemon()

    def wait_async(self, start, finish, timeout=30):
        '''start(callback) begins an async call; returns finish(result) or
        raises its GLib.Error.'''
        results = []
        start(lambda source, result, *_: results.append(result))
        self.assert_eventually(lambda: results, timeout=timeout,
                               message='the async call did not finish')
        return finish(results[0])

    def events(self, client):
        events = []

        def on_event(_client, name, event):
            events.append((event.get_kind(), name, event.get_reason(),
                           event.get_uid() if event.has_uid() else None))

        client.connect('module-loaded', on_event)
        client.connect('module-unloaded', on_event)
        return events

    def test_panel_flow(self):
        '''An unprivileged user's panel: list, load with a password (the
        polkit mock's challenge plays the authentication agent), see
        module-loaded, unload.'''
        self.polkit.SetChallenge([ACTION + 'load', ACTION + 'unload'])
        client = self.wait_async(
            lambda cb: Kmodd.Client.new_for_connection(self.user, Kmodd.ClientFlags.NONE,
                                                       None, cb),
            Kmodd.Client.new_for_connection_finish)
        self.assertTrue(client.props.service_running)
        self.assertEqual(client.props.kernel_release, self.kernel.release)
        self.assertEqual(client.props.lockdown, 'none')
        events = self.events(client)

        modules = self.wait_async(
            lambda cb: client.list_async(Kmodd.ListFlags.NONE, None, None, cb),
            client.list_finish)
        self.assertEqual([m.get_name() for m in modules], [])

        # without interaction polkit's challenge is an error a panel can act on
        with self.assertRaises(GLib.Error) as cm:
            self.wait_async(
                lambda cb: client.load_async('msdos', None, Kmodd.LoadFlags.NONE, None, cb),
                client.load_finish)
        self.assertTrue(cm.exception.matches(Kmodd.error_quark(),
                                             Kmodd.Error.INTERACTIVE_AUTHORIZATION_REQUIRED),
                        cm.exception)

        client.props.allow_interactive_authorization = True
        inserted = self.wait_async(
            lambda cb: client.load_async('msdos', None, Kmodd.LoadFlags.NONE, None, cb),
            client.load_finish)
        self.assertEqual(inserted, ['fat', 'msdos'])
        self.assert_eventually(lambda: len(events) >= 2)
        self.assertEqual(sorted(events), sorted([
            (Kmodd.ModuleEventKind.LOADED, 'fat', Kmodd.ModuleEventReason.REQUEST, NOBODY),
            (Kmodd.ModuleEventKind.LOADED, 'msdos', Kmodd.ModuleEventReason.REQUEST, NOBODY),
        ]))
        flags = [c[4] for c in self.polkit_calls() if c[2] == ACTION + 'load']
        self.assertEqual(flags, [0, 1])

        modules = {m.props.name: m for m in client.list_sync(Kmodd.ListFlags.NONE, None, None)}
        self.assertEqual(modules['fat'].get_holders(), ['msdos'])
        self.assertEqual(modules['msdos'].props.requested_by, NOBODY)
        self.assertEqual(modules['msdos'].get_state(), Kmodd.ModuleState.LIVE)
        self.assertIsNotNone(modules['msdos'].get_loaded_at())

        del events[:]
        removed = self.wait_async(
            lambda cb: client.unload_async('msdos', Kmodd.UnloadFlags.DEPENDENCIES, None, cb),
            client.unload_finish)
        self.assertEqual(removed, ['msdos', 'fat'])
        self.assert_eventually(lambda: len(events) >= 2)
        self.assertEqual({(e[0], e[1]) for e in events},
                         {(Kmodd.ModuleEventKind.UNLOADED, 'msdos'),
                          (Kmodd.ModuleEventKind.UNLOADED, 'fat')})
        self.assertEqual(self.kernel.loaded(), {})

    def test_external_load_and_typed_errors(self):
        client = Kmodd.Client.new_for_connection_sync(self.root, Kmodd.ClientFlags.NONE, None)
        events = self.events(client)
        self.assertEqual(self.kernel.run_external(['modprobe', 'dummy']).returncode, 0)
        self.assert_eventually(lambda: events)
        self.assertEqual(events, [(Kmodd.ModuleEventKind.LOADED, 'dummy',
                                   Kmodd.ModuleEventReason.EXTERNAL, None)])

        client.load_sync('msdos', None, Kmodd.LoadFlags.NONE, None)
        with self.assertRaises(GLib.Error) as cm:
            client.unload_sync('fat', Kmodd.UnloadFlags.NONE, None)
        self.assertTrue(cm.exception.matches(Kmodd.error_quark(), Kmodd.Error.IN_USE))
        self.assertEqual(cm.exception.message, 'Module fat is in use by msdos')

        with self.assertRaises(GLib.Error) as cm:
            client.info_sync('no_such_module', None)
        self.assertTrue(cm.exception.matches(Kmodd.error_quark(), Kmodd.Error.NOT_FOUND))

        info = client.info_sync('loop', None)
        self.assertEqual(info.get_name(), 'loop')
        self.assertIn('max_loop', info.get_parameter_names())
        self.assertFalse(info.get_loaded())
        self.assertEqual(info.get_dict().unpack()['name'], 'loop')

    def test_property_notify(self):
        client = Kmodd.Client.new_for_connection_sync(self.root, Kmodd.ClientFlags.NONE, None)
        notified = []
        client.connect('notify::autoclean-marks',
                       lambda c, _pspec: notified.append(c.props.autoclean_marks))
        self.assertEqual(client.props.autoclean_marks, 0)
        client.load_sync('dummy', None, Kmodd.LoadFlags.AUTOCLEAN, None)
        self.assert_eventually(lambda: 1 in notified)
        self.assertEqual(client.props.autoclean_marks, 1)
        self.assertEqual(client.autoclean_sync(Kmodd.AutoCleanFlags.ALL, None), ['dummy'])
        self.assert_eventually(lambda: notified[-1:] == [0])

    def test_service_stops(self):
        client = Kmodd.Client.new_for_connection_sync(self.root, Kmodd.ClientFlags.NONE, None)
        running = []
        client.connect('notify::service-running',
                       lambda c, _pspec: running.append(c.props.service_running))
        self.assertTrue(client.props.service_running)
        self.assertEqual(self.stop_daemon(), 0)
        self.assert_eventually(lambda: running[-1:] == [False])
        self.assertIsNone(client.props.version)
        with self.assertRaises(GLib.Error) as cm:
            client.list_sync(Kmodd.ListFlags.NONE, None, None)
        self.assertTrue(cm.exception.matches(Gio.DBusError.quark(),
                                             Gio.DBusError.SERVICE_UNKNOWN), cm.exception)


if __name__ == '__main__':
    kmoddtest.main()
