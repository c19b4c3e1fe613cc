#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''The kmodd service over D-Bus, against the fake kernel: loading,
unloading, listing, describing, authorization, signals, life cycle.'''

import errno
import os
import signal
import subprocess
import time

from gi.repository import GLib

import kmoddtest
from kmoddtest import KmoddTestCase, ACTION

B = lambda v: GLib.Variant('b', v)  # noqa: E731
S = lambda v: GLib.Variant('s', v)  # noqa: E731


class Loading(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_load_with_dependencies(self):
        '''msdos needs fat: both go in, fat first, fat held by msdos.'''
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])
        loaded = self.kernel.loaded()
        self.assertEqual(loaded['fat']['holders'], ['msdos'])
        self.assertEqual(loaded['fat']['refcnt'], 1)
        self.assertEqual(loaded['msdos']['state'], 'live')

    def test_load_is_idempotent(self):
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])
        self.assertEqual(self.load(self.root, 'msdos'), [])
        self.assertEqual(self.load(self.root, 'vfat'), ['vfat'])

    def test_load_by_alias(self):
        self.assertEqual(self.load(self.root, 'fs-vfat'), ['fat', 'vfat'])
        self.assertEqual(self.load(self.root, 'char-major-10-237'), ['loop'])
        # a modprobe.d alias
        self.assertEqual(self.load(self.root, 'kmodd-test-alias'), ['dummy'])

    def test_dash_and_underscore_are_the_same(self):
        inserted = self.load(self.root, 'snd-dummy')
        self.assertEqual(inserted[-1], 'snd_dummy')
        self.assertIn('snd_dummy', self.kernel.loaded())
        self.assertEqual(self.load(self.root, 'snd_dummy'), [])

    def test_dry_run(self):
        self.assertEqual(self.load(self.user, 'msdos', {'dry-run': B(True)}), ['fat', 'msdos'])
        self.assertEqual(self.kernel.loaded(), {})
        # a dry run needs no authorization
        self.assertEqual(self.polkit_calls(), [])


if __name__ == '__main__':
    kmoddtest.main()
