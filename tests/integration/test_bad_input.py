#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''kmodd against bad input of every kind, over the bus, on the fake kernel:
names, List's names, parameters, option dictionaries, nested variants,
wrong signatures, unknown methods and interfaces, properties, invalid
UTF-8, log escaping. Every one is a typed error, the kernel is unchanged
and the daemon answers after each.

Every test prints its figures on stderr in lines that start with
"ROBUSTNESS " (inputs tried), so that a run's log can be summed up with
`grep ROBUSTNESS`.
'''

import os

from gi.repository import Gio, GLib

import kmoddtest
from kmoddtest import (KmoddTestCase, BUS_NAME, ERROR_PREFIX,
                       INTERFACE, NOBODY, OBJECT_PATH)
from robustness import (DBUS_ERROR, INVALID_ARGS, LIMITS, PROPERTIES, B, S, report,
                        remote_error, RawBusClient)


class BadInput(KmoddTestCase):
    '''Hostile or malformed requests: each one gets a typed error, nothing
    changes in the kernel, and the daemon keeps answering.'''

    def setUp(self):
        super().setUp()
        self.start_daemon()
        # polkit would allow anything: only validation may stop these
        self.polkit.AllowUnknown(True)
        self.tried = 0
        self.before = self.kernel.loaded()

    def tearDown(self):
        report('bad inputs (%s)' % self._testMethodName, tried=self.tried)
        after = self.kernel.loaded()
        super().tearDown()
        if not self._outcome_failed():
            self.assertEqual(after, self.before, 'a bad input changed the kernel')

    def assert_alive(self):
        self.assertIsInstance(self.list(), dict)
        self.assertIsNotNone(self.daemon)
        self.assertIsNone(self.daemon.poll(), 'kmodd died')

    def expect_error(self, allowed, func, *args, **kwargs):
        '''Calls func, which must fail with a D-Bus error in allowed (a
        set of full or short names); returns (name, message).'''
        self.tried += 1
        allowed = {a if '.' in a else ERROR_PREFIX + a for a in allowed}
        try:
            result = func(*args, **kwargs)
        except GLib.Error as e:
            name = remote_error(e)
            self.assertIn(name, allowed, '%r: %s' % (args, e.message))
            return name, e.message
        self.fail('%s%r succeeded with %r' % (func.__name__, args, result))

    # -- names --------------------------------------------------------------

    # (name, what it is): "invalid" is refused by validation
    # (InvalidName); "unknown" passes validation as an alias but matches
    # nothing (NotFound, or NotLoaded for Unload); the last ones exist and
    # are refused for what they are.
    BAD_NAMES = [
        ('', 'invalid'),
        ('.', 'unknown'),
        ('..', 'unknown'),
        ('../../tmp/x', 'invalid'),
        ('/tmp/evil.ko', 'invalid'),
        ('evil.ko', 'unknown'),
        ('dummy.ko', 'unknown'),
        ('dccp.evil', 'unknown'),
        ('fat.', 'unknown'),
        ('foo/bar', 'invalid'),
        ('a' * 56, 'unknown'),
        ('d' * 4096, 'invalid'),
        ('x' * 1025, 'invalid'),
        ('dummy\n', 'invalid'),
        ('evil\nROBUSTNESS-INJECTED line', 'invalid'),
        ('dummy;reboot', 'unknown'),
        (';', 'unknown'),
        ('$(id)', 'unknown'),
        ('x$(touch /tmp/pwn)', 'invalid'),
        ('`id`', 'invalid'),
        ('dummy`reboot`', 'invalid'),
        ('\x1b[2J\x1b[31mred', 'invalid'),
        ('dummy\x1b]0;title\x07', 'invalid'),
        ('dummy\r', 'invalid'),
        ('dummy\t', 'invalid'),
        ('dummy\x7f', 'invalid'),
        ('-f', 'invalid'),
        ('--force', 'invalid'),
        ('-r', 'invalid'),
        ('-', 'invalid'),
        ('*', 'invalid'),
        ('?', 'invalid'),
        ('dumm?', 'invalid'),
        ('fat*', 'invalid'),
        ('[a-z]*', 'invalid'),
        ('dumm\\y', 'invalid'),
        ('"dummy"', 'invalid'),
        ("'dummy'", 'invalid'),
        ('dummy ', 'invalid'),
        (' dummy', 'invalid'),
        ('caf\u00e9', 'invalid'),
        ('\u0434\u0430', 'invalid'),
        ('dumm\u0443', 'invalid'),          # Cyrillic u
        ('\U0001F4A3', 'invalid'),
        ('dummy\u200b', 'invalid'),         # zero-width space
        ('\u202edummy', 'invalid'),         # right-to-left override
        ('\ufeffdummy', 'invalid'),
        ('%s%s%s%n', 'unknown'),
        ('%n', 'unknown'),
        ('pci:v*d*', 'invalid'),
        ('symbol:', 'unknown'),
        ('platform:pcspkr', 'Blacklisted'),
        ('pcspkr', 'Blacklisted'),
        ('dccp', 'Failed'),               # install /bin/false
    ]

    @staticmethod
    def name_errors(kind, method):
        if kind == 'invalid':
            return {'InvalidName'}
        if kind == 'unknown':
            return {'NotFound', 'NotLoaded'} if method == 'Unload' else {'NotFound'}
        return {'NotLoaded'} if method == 'Unload' else {kind}

    def test_names(self):
        for name, kind in self.BAD_NAMES:
            self.expect_error(self.name_errors(kind, 'Load'), self.load, self.root, name)
            self.expect_error(self.name_errors(kind, 'Load'), self.load, self.user, name)
            self.expect_error(self.name_errors(kind, 'Unload'), self.unload, self.root, name)
            self.expect_error(self.name_errors(kind, 'Unload'), self.unload, self.user, name)
            if kind in ('invalid', 'unknown'):
                self.expect_error(self.name_errors(kind, 'Info'), self.info, self.root, name)
                self.expect_error(self.name_errors(kind, 'Info'), self.info, self.user, name)
                # dry runs, which need no authorization, too
                self.expect_error(self.name_errors(kind, 'Load'), self.load, self.user, name,
                                  {'dry-run': B(True)})
                self.expect_error(self.name_errors(kind, 'Unload'), self.unload, self.user,
                                  name, {'dry-run': B(True)})
            else:
                # it exists: Info describes it
                self.tried += 1
                self.assertIn('name', self.info(self.user, name))
        self.assertFalse(os.path.exists('/tmp/pwn'))
        self.assert_alive()
        # still the same daemon doing the right thing
        self.assertEqual(self.load(self.root, 'dummy', {'dry-run': B(True)}), ['dummy'])

    def test_list_names_option(self):
        for name, kind in self.BAD_NAMES:
            if kind in ('invalid', 'unknown'):
                self.expect_error({'InvalidName'}, self.list, self.user,
                                  {'names': GLib.Variant('as', ['fat', name])})
        self.assert_alive()

    # -- parameters ---------------------------------------------------------

    BAD_PARAMETERS = [
        '',
        ' ',
        'nosuchparam=1',
        'numdummies=1 nosuchparam=1',
        'a=1 -- b',
        '--',
        '-numdummies=1',
        'numdummies=1 -- b',
        'x=$(touch /tmp/pwn)',
        'numdummies=$(touch /tmp/pwn)',
        'numdummies=`touch /tmp/pwn`',
        ';reboot',
        'numdummies=1;reboot',
        'numdummies=1 ;reboot',
        'numdummies=1|reboot',
        'numdummies=1&&reboot',
        'numdummies=1>/tmp/pwn',
        'numdummies=1\nnumdummies=2',
        'numdummies=1\n',
        'numdummies=\n1',
        'numdummies=\r1',
        'numdummies=1\tx=2',
        'numdummies="1',
        'numdummies="1 2',
        "numdummies='1'",
        'numdummies="1"x"',
        'numdummies="$(id)"',
        'numdummies=\x1b[2J',
        'numdummies=\u00e9',
        'numdummies=1\\',
        '=1',
        '==',
        'p' * 65 + '=1',
        'numdummies=' + 'x' * 65536,
        ('numdummies=1 ' * 6000).strip(),
        'x' * 65536,
    ]

    def test_parameters(self):
        for text in self.BAD_PARAMETERS:
            # past the string bound (kmodd-limits.h), the gate refuses it first
            errors = {'LimitsExceeded'} if len(text) > 4096 else {'InvalidParameters'}
            self.expect_error(errors, self.load, self.root, 'dummy',
                              {'parameters': S(text)})
            self.expect_error(errors, self.load, self.user, 'dummy',
                              {'parameters': S(text), 'dry-run': B(True)})
        # parameters for a module with an install command, or an alias
        # matching several modules, or a builtin
        self.expect_error({'InvalidParameters', 'Failed'}, self.load, self.root, 'dccp',
                          {'parameters': S('a=1')})
        self.assertFalse(os.path.exists('/tmp/pwn'))
        self.assert_alive()
        # a good one still works, and nothing of the bad ones stuck
        self.assertEqual(self.load(self.root, 'dummy', {'parameters': S('numdummies=2')}),
                         ['dummy'])
        self.assertEqual(self.kernel.loaded()['dummy']['params'], {'numdummies': '2'})
        self.unload(self.root, 'dummy')

    # -- options ------------------------------------------------------------

    def nested(self, depth):
        v = B(True)
        for _ in range(depth - 1):
            v = GLib.Variant('v', v)
        return v

    SPECS = {'Load': {'parameters': 's', 'autoclean': 'b', 'dry-run': 'b'},
             'Unload': {'dependencies': 'b', 'dry-run': 'b'},
             'List': {'include-builtin': 'b', 'names': 'as'},
             'Info': {},
             'AutoClean': {'all': 'b'}}

    def acceptable(self, method, options):
        spec = self.SPECS[method]
        return len(options) <= 32 and all(
            k in spec and v.get_type_string() == spec[k] for k, v in options.items())

    def test_options(self):
        bad = [
            {'force': B(True)},
            {'ignore-blacklist': B(True)},
            {'ignore-install': B(True)},
            {'path': S('/tmp/evil.ko')},
            {'Force': B(True)},
            {'autoclean ': B(True)},
            {'': B(True)},
            {'evil\nROBUSTNESS-INJECTED': B(True)},
            {'\x1b[2J': B(True)},
            {'autoclean': S('yes')},
            {'autoclean': GLib.Variant('i', 1)},
            {'autoclean': GLib.Variant('v', B(True))},
            {'autoclean': GLib.Variant('ab', [True])},
            {'dry-run': S('true')},
            {'dry-run': GLib.Variant('y', 1)},
            {'parameters': B(True)},
            {'parameters': GLib.Variant('as', ['numdummies=1'])},
            {'parameters': GLib.Variant('ay', b'numdummies=1')},
            {'dependencies': B(True)},      # an Unload option, not Load's
            {'include-builtin': B(True)},   # a List option
            {'autoclean': self.nested(2)},
            {'autoclean': self.nested(16)},
            dict(('key%d' % i, B(True)) for i in range(33)),
            dict(('key%d' % i, B(True)) for i in range(10000)),
            dict(('autoclean' if i == 0 else 'k%d' % i, GLib.Variant('s', 'x' * 100))
                 for i in range(1000)),
        ]
        methods = {'Load': lambda o: self.load(self.root, 'dummy', o),
                   'LoadUser': lambda o: self.load(self.user, 'dummy', o),
                   'Unload': lambda o: self.unload(self.root, 'dummy', o),
                   'Info': lambda o: self.info(self.root, 'dummy', o),
                   'List': lambda o: self.list(self.root, o),
                   'AutoClean': lambda o: self.autoclean(self.root, o)}
        bad += [{'autoclean': B(True)}, {'parameters': S('x=1')}, {'all': B(True)},
                {'names': S('fat')}, {'names': GLib.Variant('ao', ['/a'])},
                {'include-builtin': S('yes')}, {'all': S('yes')},
                {'dependencies': GLib.Variant('as', [])}]
        for options in bad:
            for method, func in methods.items():
                if self.acceptable(method.replace('User', ''), options):
                    continue
                # a dict of more than 64 KiB is over the call's size bound
                size = GLib.Variant('a{sv}', options).get_size()
                self.expect_error({LIMITS} if size > 65536 else {INVALID_ARGS}, func, options)
        # the same key twice: a{sv} on the wire allows it, kmodd must not
        twice = GLib.Variant.new_array(GLib.VariantType('{sv}'), [
            GLib.Variant.new_dict_entry(S('dry-run'), GLib.Variant('v', B(True))),
            GLib.Variant.new_dict_entry(S('dry-run'), GLib.Variant('v', B(False))),
        ])
        self.tried += 1
        with self.assertRaises(GLib.Error) as cm:
            self.root.call_sync(BUS_NAME, OBJECT_PATH, INTERFACE, 'Load',
                                GLib.Variant.new_tuple(S('dummy'), twice), None,
                                Gio.DBusCallFlags.NONE, 30000, None)
        self.assertEqual(remote_error(cm.exception), INVALID_ARGS, cm.exception.message)
        self.assert_alive()

    def test_deeply_nested_variants(self):
        '''Variants nested up to and past the D-Bus limit (64 in all): the
        bus may refuse the message (and drop the sender), kmodd must answer
        the ones it gets with InvalidArgs and keep its own connection.'''
        outcomes = {}
        for depth in (16, 31, 32, 33, 62, 63, 64, 65, 100, 127):
            conn = self.connect()
            self.tried += 1
            try:
                self.load(conn, 'dummy', {'autoclean': self.nested(depth)}, timeout=10)
                outcomes[depth] = 'accepted'
            except GLib.Error as e:
                outcomes[depth] = remote_error(e) or e.message
            if not conn.is_closed():
                conn.close_sync(None)
            self.assertNotEqual(outcomes[depth], 'accepted')
            self.assert_alive()
        report('nested variants', **{str(k): v.rsplit('.', 1)[-1] for k, v in outcomes.items()})
        for depth, outcome in outcomes.items():
            if depth <= 32:
                self.assertEqual(outcome, INVALID_ARGS, depth)

    # -- signatures, unknown members ----------------------------------------

    def test_wrong_signatures(self):
        wrong = {
            'Load': [('()', ()), ('(s)', ('dummy',)), ('(a{sv})', ({},)),
                     ('(sa{sv}s)', ('dummy', {}, 'x')), ('(sas)', ('dummy', [])),
                     ('(sa{ss})', ('dummy', {})), ('(ia{sv})', (1, {})),
                     ('(oa{sv})', ('/dummy', {})), ('(aya{sv})', (b'dummy', {})),
                     ('(as)', (['dummy'],)), ('(v)', (S('dummy'),)),
                     ('((sa{sv}))', (('dummy', {}),))],
            'Unload': [('()', ()), ('(s)', ('dummy',)), ('(i)', (1,)),
                       ('(sa{sv}b)', ('dummy', {}, True)), ('(sa{sb})', ('dummy', {}))],
            'List': [('(s)', ('x',)), ('(a{ss})', ({},)), ('(a{sv}a{sv})', ({}, {})),
                     ('(sa{sv})', ('dummy', {})), ('(aa{sv})', ([],))],
            'Info': [('()', ()), ('(s)', ('fat',)), ('(sa{ss})', ('fat', {})),
                     ('(a{sv})', ({},)), ('(ss)', ('fat', 'x'))],
            'AutoClean': [('(b)', (True,)), ('(s)', ('x',)), ('(a{sv}b)', ({}, True)),
                          ('(a{ss})', ({},))],
        }
        for method, calls in wrong.items():
            for sig, args in calls:
                self.expect_error({INVALID_ARGS}, self.call, self.root, method, args, sig)
            # no body at all
            self.tried += 1
            with self.assertRaises(GLib.Error) as cm:
                self.root.call_sync(BUS_NAME, OBJECT_PATH, INTERFACE, method, None, None,
                                    Gio.DBusCallFlags.NONE, 10000, None)
            self.assertEqual(remote_error(cm.exception), INVALID_ARGS)
        self.assert_alive()

    def raw_call(self, path, interface, method, params, conn=None):
        conn = conn or self.root
        return conn.call_sync(BUS_NAME, path, interface, method, params, None,
                              Gio.DBusCallFlags.NONE, 10000, None)

    def test_unknown_members(self):
        unknown_method = {DBUS_ERROR + 'UnknownMethod', DBUS_ERROR + 'AccessDenied'}
        unknown_iface = {DBUS_ERROR + 'UnknownInterface', DBUS_ERROR + 'UnknownMethod',
                         DBUS_ERROR + 'AccessDenied'}
        unknown_object = {DBUS_ERROR + 'UnknownObject', DBUS_ERROR + 'UnknownMethod',
                          DBUS_ERROR + 'UnknownInterface'}
        args = GLib.Variant('(sa{sv})', ('dummy', {}))
        for conn in (self.root, self.user):
            for method in ('Explode', 'load', 'LOAD', 'Load2', 'Insert', 'ForceLoad',
                           'Remove', 'Get', 'Introspect', 'ModuleLoaded', 'Version'):
                self.expect_error(unknown_method, self.raw_call, OBJECT_PATH, INTERFACE,
                                  method, args, conn)
            for iface in ('org.freedesktop.KernelModules1.Manager2',
                          'org.freedesktop.KernelModules1',
                          'org.freedesktop.KernelModules1.Manager.Private',
                          'org.freedesktop.DBus.Mock', 'org.example.Evil'):
                self.expect_error(unknown_iface, self.raw_call, OBJECT_PATH, iface,
                                  'Load', args, conn)
            for path in ('/', '/org', '/org/freedesktop/KernelModules1/Manager',
                         '/org/freedesktop/KernelModules', '/org/freedesktop/KernelModules1/x'):
                self.expect_error(unknown_object, self.raw_call, path, INTERFACE,
                                  'Load', args, conn)
            # no interface at all: GDBus must not guess one that changes things
            for method in ('Load', 'Unload', 'List', 'Explode'):
                self.tried += 1
                msg = Gio.DBusMessage.new_method_call(BUS_NAME, OBJECT_PATH, None, method)
                msg.set_body(GLib.Variant('(a{sv})', ({},)) if method == 'List' else args)
                reply, _ = conn.send_message_with_reply_sync(
                    msg, Gio.DBusSendMessageFlags.NONE, 10000, None)
                if method == 'List' and reply.get_message_type() == Gio.DBusMessageType.METHOD_RETURN:
                    continue    # harmless either way
                self.assertEqual(reply.get_message_type(), Gio.DBusMessageType.ERROR,
                                 '%s without an interface' % method)
                self.assertTrue(reply.get_error_name().startswith(DBUS_ERROR),
                                reply.get_error_name())
        self.assert_alive()

    def test_properties(self):
        get_errors = {INVALID_ARGS, DBUS_ERROR + 'UnknownProperty',
                      DBUS_ERROR + 'UnknownInterface', DBUS_ERROR + 'AccessDenied'}
        set_errors = get_errors | {DBUS_ERROR + 'PropertyReadOnly'}
        for conn in (self.root, self.user):
            for prop in ('NoSuchProperty', '', 'version', 'Version\n', 'AutoCleanMarks2'):
                self.expect_error(get_errors, self.raw_call, OBJECT_PATH, PROPERTIES, 'Get',
                                  GLib.Variant('(ss)', (INTERFACE, prop)), conn)
            for iface in ('', 'org.example.Evil', 'org.freedesktop.KernelModules1'):
                self.expect_error(get_errors, self.raw_call, OBJECT_PATH, PROPERTIES, 'Get',
                                  GLib.Variant('(ss)', (iface, 'Version')), conn)
                self.expect_error(get_errors, self.raw_call, OBJECT_PATH, PROPERTIES,
                                  'GetAll', GLib.Variant('(s)', (iface,)), conn)
            for prop, value in (('ModulesDisabled', B(False)), ('Version', S('9')),
                                ('AutoCleanInterval', GLib.Variant('u', 1)),
                                ('AutoCleanInterval', S('wrong type')),
                                ('NoSuchProperty', B(True))):
                self.expect_error(set_errors, self.raw_call, OBJECT_PATH, PROPERTIES, 'Set',
                                  GLib.Variant('(ssv)', (INTERFACE, prop, value)), conn)
            for sig, params in (('(s)', ('Version',)), ('(sss)', (INTERFACE, 'Version', 'x')),
                                ('()', ())):
                self.expect_error({INVALID_ARGS, DBUS_ERROR + 'UnknownMethod'}, self.raw_call,
                                  OBJECT_PATH, PROPERTIES, 'Get', GLib.Variant(sig, params),
                                  conn)
        self.assertEqual(self.get_property('Version').split('.')[0], '0')
        self.assertEqual(self.get_property('AutoCleanInterval'), 60)
        self.assert_alive()

    # -- invalid UTF-8, below GDBus -----------------------------------------

    def test_invalid_utf8(self):
        '''D-Bus strings are UTF-8: a message that carries anything else
        is refused by the bus (which drops the sender); kmodd never sees it,
        and goes on.'''
        # first show that the raw client itself is right: a valid call
        # through it gets kmodd's answer
        raw = RawBusClient(self.bus_socket)
        serial = raw.call(OBJECT_PATH, INTERFACE, 'Info', BUS_NAME, b'sa{sv}',
                          RawBusClient.body_s_asv(b'fat'))
        self.assertEqual(raw.read_reply(), (2, serial))
        serial = raw.call(OBJECT_PATH, INTERFACE, 'Load', BUS_NAME, b'sa{sv}',
                          RawBusClient.body_s_asv(b'dummy', [(b'dry-run', b'x')]))
        self.assertEqual(raw.read_reply(), (3, serial))     # InvalidArgs: not a b
        raw.close()

        samples = [
            (b'\xff\xfe', ()),
            (b'dumm\xc0\xb9', ()),                  # overlong "y"
            (b'\xed\xa0\x80', ()),                  # a surrogate
            (b'dummy\xf8\x88\x80\x80\x80', ()),
            (b'dumm\x00y', ()),                     # NUL inside a string
            (b'dummy', [(b'param\xffeters', b'x')]),
            (b'dummy', [(b'parameters', b'numdummies=\xff')]),
        ]
        for name, entries in samples:
            for uid in (0, NOBODY):
                self.tried += 1
                raw = RawBusClient(self.bus_socket, uid)
                serial = raw.call(OBJECT_PATH, INTERFACE, 'Load', BUS_NAME, b'sa{sv}',
                                  RawBusClient.body_s_asv(name, entries))
                try:
                    kind, reply_to = raw.read_reply()
                    # an error is acceptable; an answer that it worked is not
                    self.assertEqual((kind, reply_to), (3, serial), name)
                except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                    pass
                raw.close()
                self.assert_alive()
        self.assertNotIn('dummy', self.kernel.loaded())

    # -- the log ------------------------------------------------------------

    def test_log_escapes_control_characters(self):
        '''What a caller sends is echoed to the log escaped: no raw escape
        sequence, no line break that would forge a log line.'''
        marker = 'ROBUSTNESS-INJECTED'
        names = ['evil\n' + marker, 'evil\r' + marker, '\x1b[2J\x1b[H' + marker,
                 'x\x1b]0;' + marker + '\x07', 'x\x00y'.replace('\x00', '\n') + marker,
                 'x;' + marker + '\x1b[1m', '\u2028' + marker, '\x85' + marker,
                 'a' * 300 + '\n' + marker]
        for name in names:
            for func in (self.load, self.unload, self.info):
                self.expect_error({'InvalidName', 'NotFound', 'NotLoaded'}, func, self.root, name)
            self.expect_error({'InvalidName', 'NotFound'}, self.load, self.user, name)
            self.expect_error({INVALID_ARGS}, self.load, self.root, 'dummy', {name: B(True)})
            self.expect_error({INVALID_ARGS}, self.list, self.root,
                              {'names': GLib.Variant('as', [name]), 'x': B(True)})
            self.expect_error({'InvalidParameters'}, self.load, self.root, 'dummy',
                              {'parameters': S('numdummies=' + name)})
        self.expect_error({'InvalidName', INVALID_ARGS}, self.list, self.root,
                          {'names': GLib.Variant('as', names)})
        self.assert_alive()
        log = self.daemon_output()
        self.assertIn(marker, log)      # the requests were logged (--verbose)
        self.assertNotIn('\x1b', log)
        self.assertNotIn('\r', log)
        self.assertNotIn('\u2028', log)
        self.assertNotIn('\x85', log)
        for line in log.splitlines():
            # a forged line would start with the marker
            self.assertFalse(line.lstrip().startswith(marker), repr(line))
        self.assertIn('evil\\x0a' + marker, log)


if __name__ == '__main__':
    kmoddtest.main()
