#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''AutoClean over the bus, against the fake kernel, with short intervals.'''

import errno
import os
import signal
import time

from gi.repository import GLib

import kmoddtest
from kmoddtest import KmoddTestCase, NOBODY

AUTOCLEAN = {'autoclean': GLib.Variant('b', True)}
ALL = {'all': GLib.Variant('b', True)}


class Marks(KmoddTestCase):
    '''What gets marked, and what a pass does, with the timer off so that
    only explicit AutoClean calls run passes.'''

    config = '[Daemon]\nAutoCleanInterval=0\n'

    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_load_marks_what_it_inserts(self):
        self.load(self.root, 'fat')
        self.assertEqual(self.load(self.root, 'msdos', AUTOCLEAN), ['msdos'])
        modules = self.list()
        self.assertTrue(modules['msdos']['autoclean'])
        self.assertTrue(modules['msdos']['visited'])
        # fat was already there: it belongs to whoever loaded it
        self.assertFalse(modules['fat']['autoclean'])
        self.assertNotIn('visited', modules['fat'])
        self.assertEqual(self.get_property('AutoCleanMarks'), 1)

    def test_dependencies_are_marked_too(self):
        self.assertEqual(self.load(self.root, 'msdos', AUTOCLEAN), ['fat', 'msdos'])
        modules = self.list()
        self.assertTrue(modules['fat']['autoclean'])
        self.assertTrue(modules['msdos']['autoclean'])
        self.assertEqual(self.get_property('AutoCleanMarks'), 2)

    def test_two_passes_and_cascade(self):
        self.load(self.root, 'msdos', AUTOCLEAN)
        self.watch_signals()
        # first pass: everything was just inserted (visited): nothing goes
        self.assertEqual(self.autoclean(self.root), [])
        modules = self.list()
        self.assertFalse(modules['msdos']['visited'])
        # fat is held by msdos: in use, so visited again
        self.assertTrue(modules['fat']['visited'])
        # second pass: msdos goes, and fat with it, now unused
        self.assertEqual(self.autoclean(self.root), ['msdos', 'fat'])
        self.assertEqual(self.kernel.loaded(), {})
        self.assert_eventually(lambda: len(self.signals) == 2)
        self.assertEqual(self.signals, [
            ('ModuleUnloaded', 'msdos', {'reason': 'autoclean', 'uid': 0}),
            ('ModuleUnloaded', 'fat', {'reason': 'autoclean', 'uid': 0}),
        ])
        self.assertEqual(self.get_property('AutoCleanMarks'), 0)

    def test_all_ignores_visited_bits(self):
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.assertEqual(self.autoclean(self.root, ALL), ['dummy'])
        self.assertEqual(self.kernel.loaded(), {})

    def test_in_use_and_unmarked_are_never_removed(self):
        self.load(self.root, 'vfat', AUTOCLEAN)
        self.load(self.root, 'dummy')              # a plain load: not marked
        self.kernel.run_external(['modprobe', 'loop'], check=True)   # not ours
        self.kernel.set_refcnt('vfat', 1)          # mounted
        for _ in range(3):
            self.assertEqual(self.autoclean(self.root, ALL), [])
        self.assertEqual(sorted(self.kernel.loaded()), ['dummy', 'fat', 'loop', 'vfat'])
        self.kernel.set_refcnt('vfat', 0)          # unmounted
        self.assertEqual(self.autoclean(self.root, ALL), ['vfat', 'fat'])

    def test_external_rmmod_drops_the_mark(self):
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.assertEqual(self.get_property('AutoCleanMarks'), 1)
        self.kernel.run_external(['rmmod', 'dummy'], check=True)
        self.assert_eventually(lambda: self.get_property('AutoCleanMarks') == 0)
        # loaded again by hand: it is not ours any more
        self.kernel.run_external(['modprobe', 'dummy'], check=True)
        self.assertEqual(self.autoclean(self.root, ALL), [])
        self.assertFalse(self.list()['dummy']['autoclean'])

    def test_failed_load_marks_what_went_in(self):
        '''A load that fails halfway leaves its dependencies in, as modprobe
        does: they are recorded and marked, so that AutoClean takes them out.'''
        self.kernel.fail_init({'msdos': errno.ENODEV})
        self.assertDBusError('Failed', self.load, self.root, 'msdos', AUTOCLEAN)
        self.assertEqual(list(self.kernel.loaded()), ['fat'])
        fat = self.list()['fat']
        self.assertTrue(fat['autoclean'])
        self.assertEqual(fat['requested-by'], 0)
        self.assertEqual(self.autoclean(self.root, ALL), ['fat'])

    def test_reloaded_by_someone_else_is_not_ours(self):
        '''rmmod and modprobe by hand, faster than kmodd sees the events:
        the module loaded again is not kmodd's, and AutoClean leaves it.'''
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.daemon.send_signal(signal.SIGSTOP)
        try:
            self.kernel.run_external(['rmmod', 'dummy'], check=True)
            self.kernel.run_external(['modprobe', 'dummy'], check=True)
        finally:
            self.daemon.send_signal(signal.SIGCONT)
        self.assert_eventually(lambda: self.get_property('AutoCleanMarks') == 0)
        self.assertEqual(self.autoclean(self.root, ALL), [])
        self.assertIn('dummy', self.kernel.loaded())
        self.assertNotIn('requested-by', self.list()['dummy'])

    def test_unload_drops_the_mark(self):
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.unload(self.root, 'dummy')
        self.assertEqual(self.get_property('AutoCleanMarks'), 0)

    def test_autoclean_needs_authorization(self):
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.assertDBusError('NotAuthorized', self.autoclean, self.user, ALL)
        self.assertIn('dummy', self.kernel.loaded())
        self.allow('autoclean')
        self.assertEqual(self.autoclean(self.user, ALL), ['dummy'])

    def test_user_load_is_marked_with_uid(self):
        self.allow('load')
        self.load(self.user, 'dummy', AUTOCLEAN)
        entry = self.list()['dummy']
        self.assertTrue(entry['autoclean'])
        self.assertEqual(entry['requested-by'], NOBODY)

    def test_bad_option(self):
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                             self.load, self.root, 'dummy', {'autoclean': GLib.Variant('s', 'yes')})
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                             self.autoclean, self.root, {'all': GLib.Variant('i', 1)})
        self.assertEqual(self.kernel.loaded(), {})


class Restart(KmoddTestCase):
    config = '[Daemon]\nAutoCleanInterval=0\n'

    def test_restart_keeps_marks(self):
        self.start_daemon()
        self.load(self.root, 'msdos', AUTOCLEAN)
        self.load(self.root, 'dummy')
        self.assertEqual(self.autoclean(self.root), [])   # clears msdos' bit
        self.assertEqual(self.stop_daemon(), 0)
        self.start_daemon()
        modules = self.list()
        self.assertTrue(modules['msdos']['autoclean'])
        self.assertFalse(modules['msdos']['visited'])
        self.assertFalse(modules['dummy']['autoclean'])
        self.assertEqual(modules['dummy']['requested-by'], 0)
        self.assertEqual(self.get_property('AutoCleanMarks'), 2)
        # and the pass carries on where it was
        self.assertEqual(self.autoclean(self.root), ['msdos', 'fat'])

    def test_crash_keeps_marks(self):
        self.start_daemon()
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.kill_daemon()
        self.start_daemon()
        self.assertTrue(self.list()['dummy']['autoclean'])

    def test_marks_of_modules_gone_meanwhile_are_dropped(self):
        self.start_daemon()
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.load(self.root, 'loop', AUTOCLEAN)
        self.assertEqual(self.stop_daemon(), 0)
        self.kernel.run_external(['rmmod', 'dummy'], check=True)
        self.start_daemon()
        self.assertEqual(self.get_property('AutoCleanMarks'), 1)
        self.assertIn('Restored 1 AutoClean mark', self.daemon_output())

    def test_reloaded_while_stopped_is_not_ours(self):
        self.start_daemon()
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.assertEqual(self.stop_daemon(), 0)
        self.kernel.run_external(['rmmod', 'dummy'], check=True)
        self.kernel.run_external(['modprobe', 'dummy'], check=True)
        self.start_daemon()
        self.assertEqual(self.get_property('AutoCleanMarks'), 0)
        self.assertEqual(self.autoclean(self.root, ALL), [])
        self.assertIn('dummy', self.kernel.loaded())

    def test_state_file_is_private_and_atomic(self):
        self.start_daemon()
        self.load(self.root, 'dummy', AUTOCLEAN)
        path = os.path.join(self.runtime_dir, 'modules')
        st = os.stat(path)
        self.assertEqual(st.st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(self.runtime_dir).st_mode & 0o077, 0)
        with open(path) as f:
            self.assertIn('[module dummy]', f.read())
        # no temporary files left behind
        self.assertEqual(os.listdir(self.runtime_dir), ['modules'])

    def test_damaged_state_file(self):
        os.makedirs(self.runtime_dir, mode=0o700)
        with open(os.path.join(self.runtime_dir, 'modules'), 'w') as f:
            f.write('garbage[[[\nno group here\n')
        self.start_daemon()
        self.assertEqual(self.get_property('AutoCleanMarks'), 0)
        self.assertIn('Cannot read the saved AutoClean marks', self.daemon_output())
        self.load(self.root, 'dummy', AUTOCLEAN)
        self.assertEqual(self.get_property('AutoCleanMarks'), 1)


class Timer(KmoddTestCase):
    '''The timer, with an interval of 2 s (4 samples per interval), longer
    when the daemon runs slowly (valgrind: KMODD_TEST_TIME_FACTOR).'''

    def setUp(self):
        self.interval = 2 * max(1, round(self.time_factor()))
        self.config = '[Daemon]\nAutoCleanInterval=%d\nAutoCleanSamples=4\n' % self.interval
        super().setUp()
        self.start_daemon()

    def test_interval_property(self):
        self.assertEqual(self.get_property('AutoCleanInterval'), self.interval)

    def test_unused_module_goes_after_two_intervals(self):
        self.watch_signals()
        start = time.monotonic()
        self.load(self.root, 'dummy', AUTOCLEAN)
        # it survives the first pass (its insertion counts as a use)
        time.sleep(1.25 * self.interval)
        self.assertIn('dummy', self.kernel.loaded())
        self.assert_eventually(lambda: 'dummy' not in self.kernel.loaded(),
                               timeout=5 * self.interval)
        self.assertGreaterEqual(time.monotonic() - start, 1.95 * self.interval)
        self.assert_eventually(lambda: self.signals_for('dummy') ==
                               [('ModuleLoaded', {'reason': 'request', 'uid': 0}),
                                ('ModuleUnloaded', {'reason': 'autoclean'})])

    def test_use_between_samples_gives_a_second_chance(self):
        self.load(self.root, 'loop', AUTOCLEAN)
        # in use for one sample period, in the middle of the second interval
        time.sleep(1.1 * self.interval)             # the first pass cleared the bit
        self.assertFalse(self.list()['loop']['visited'])
        self.kernel.set_refcnt('loop', 1)           # losetup
        self.assert_eventually(lambda: self.list()['loop']['visited'], timeout=self.interval)
        self.kernel.set_refcnt('loop', 0)           # losetup -d
        # the second pass sees an unused module whose bit is set: it stays
        time.sleep(1.0 * self.interval)
        self.assertIn('loop', self.kernel.loaded())
        # and goes at the third
        self.assert_eventually(lambda: 'loop' not in self.kernel.loaded(),
                               timeout=5 * self.interval)

    def test_busy_module_stays(self):
        self.load(self.root, 'loop', AUTOCLEAN)
        self.kernel.set_refcnt('loop', 1)
        time.sleep(3.25 * self.interval)            # three passes
        self.assertIn('loop', self.kernel.loaded())
        self.assertTrue(self.list()['loop']['visited'])


class BadConfig(KmoddTestCase):
    config = '[Daemon]\nAutoCleanInterval=soon\n'

    def test_bad_config_means_defaults(self):
        self.start_daemon()
        self.assertEqual(self.get_property('AutoCleanInterval'), 60)
        self.assertIn('kmodd.conf', self.daemon_output())
        self.assertIn('using the defaults', self.daemon_output())


class IdleExit(KmoddTestCase):
    def setUp(self):
        self.idle = max(1, round(self.time_factor()))
        self.config = '[Daemon]\nIdleTimeout=%d\nAutoCleanInterval=0\n' % self.idle
        super().setUp()

    def test_exits_when_idle_without_marks(self):
        self.start_daemon()
        self.list()
        self.assertEqual(self.daemon.wait(10 * self.time_factor()), 0)
        self.daemon = None

    def test_stays_while_holding_marks(self):
        self.start_daemon()
        self.load(self.root, 'dummy', AUTOCLEAN)
        time.sleep(2.5 * self.idle)
        self.assertIsNone(self.daemon.poll())
        self.unload(self.root, 'dummy')
        self.assertEqual(self.daemon.wait(10 * self.time_factor()), 0)
        self.daemon = None


if __name__ == '__main__':
    kmoddtest.main()
