#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Writes the seed corpus of each fuzzer to corpus/<fuzzer>/ (run from
anywhere; the files are in git, this only says where they came from).
The options seeds are serialised GVariant a{sv}, which is why they are
made with GLib rather than by hand.'''

import os
import sys

from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
import initramfs_image  # noqa: E402

PROC_MODULES_GOOD = (
    b'msdos 20480 0 - Live 0xffffffffc0a1c000\n'
    b'fat 86016 1 msdos, Live 0xffffffffc0a00000\n'
    b'nvidia 56123392 2 nvidia_modeset,nvidia_uvm, Live 0xffffffffc1000000 (POE)\n'
    b'slow 16384 0 - Loading 0x0000000000000000 (+)\n'
    b'bye 16384 0 - Unloading 0x0000000000000000 (O-)\n'
    b'perm 16384 0 [permanent], Live 0x0000000000000000\n')

V = GLib.Variant


def vardict(d):
    return V('a{sv}', d).get_data_as_bytes().get_data()


def nested(depth):
    v = V('b', True)
    for _ in range(depth):
        v = V('v', v)
    return v


SEEDS = {
    'fuzz-host': {
        'name': b'localhost',
        'user': b'tester@localhost',
        'port': b'root@server.example.com:2222',
        'ipv4': b'10.0.0.1:22',
        'ipv6': b'[2001:db8::1]:65535',
        'ipv6-zone': b'admin@[fe80::1%eth0]',
        'bare-ipv6': b'fe80::1',
        'option': b'-oProxyCommand=sh',
        'user-option': b'x@-p',
        'port-zero': b'host:0',
        'port-big': b'host:65536',
        'two-at': b'a@b@c',
        'space': b'ho st',
        'control': b'host\x1b[0m',
        'utf8': 'h\u00f3st'.encode(),
        'unclosed': b'[::1',
    },
    'fuzz-name': {
        'module': b'dummy',
        'dashes': b'snd-dummy',
        'alias-fs': b'fs-vfat',
        'alias-char-major': b'char-major-10-237',
        'modalias-pci': b'pci:v00008086d00001234sv00000000sd00000000bc02sc00i00',
        'devname': b'devname:loop-control',
        'symbol': b'symbol:fat_fill_super',
        'option-like': b'-f',
        'path': b'../../tmp/x',
        'dot': b'dccp.evil',
        'long-56': b'a' * 56,
        'long-alias': b'pci:v' + b'0' * 1100,
        'utf8': 'caf\u00e9'.encode(),
        'glob': b'fat*',
        'shell': b'$(id);`id`',
    },
    'fuzz-escape': {
        'plain': b'dummy',
        'newline-esc': b'evil\n\x1b[2Jname',
        'backslash': b'a\\x41\\\\',
        'invalid-utf8': b'\xff\xfe\xc0\xaf',
        'utf8': 'caf\u00e9 \u2028 \U0001F4A3'.encode(),
        'long': b'x' * 199 + b'\n' + b'y' * 60,
        'del-c1': b'\x7f\xc2\x85',
    },
    'fuzz-parameters': {
        'one': b'numdummies=3',
        'several': b'a=1 b=2 flag c=x,y,z',
        'quoted': b'a="x y" b="" c=',
        'dashes': b'max-part=1,2,3 debug',
        'mid-quote': b'p=a"b c"d',
        'double-dash': b'a=1 -- b',
        'shell': b'x=$(touch /tmp/pwn)',
        'open-quote': b'a="unterminated',
        'newline': b'a=1\nb=2',
        'spaces': b'  a=1   b=2  ',
        'too-long': b'a=1 ' * 1250,
        'canonical-longer': (b'a= ' * 1365)[:4095],
    },
    'fuzz-options': {
        'empty': vardict({}),
        'load': vardict({'parameters': V('s', 'numdummies=1'), 'autoclean': V('b', True),
                         'dry-run': V('b', False)}),
        'list': vardict({'names': V('as', ['fat', 'vfat']), 'include-builtin': V('b', True)}),
        'autoclean': vardict({'all': V('b', True)}),
        'unload': vardict({'dependencies': V('b', True), 'dry-run': V('b', True)}),
        'unknown': vardict({'force': V('b', True)}),
        'wrong-type': vardict({'autoclean': V('s', 'yes')}),
        'nested': vardict({'autoclean': nested(8)}),
        'many': vardict({'k%d' % i: V('u', i) for i in range(40)}),
        'names-empty': vardict({'names': V('as', [])}),
        'duplicate': V.new_array(GLib.VariantType('{sv}'), [
            V.new_dict_entry(V('s', 'dry-run'), V('v', V('b', True))),
            V.new_dict_entry(V('s', 'dry-run'), V('v', V('b', False)))]).get_data_as_bytes().get_data(),
    },
    'fuzz-proc-modules': {
        'kernel': PROC_MODULES_GOOD,
        'empty': b'',
        'no-newline': b'dummy 16384 0 - Live 0x0000000000000000',
        'blank-lines': b'\n\nfat 86016 0 - Live 0x0\n\n',
        'bad-fields': (b'toomany 1 2 - Live 0x0 (O) extra\n'
                       b'fat -1 0 - Live 0x0\n'
                       b'fat 1 99999999999 - Live 0x0\n'
                       b'fat 1 0 msdos Live 0x0\n'
                       b'fat 1 0 - Dead 0x0\n'
                       b'f/t 1 0 - Live 0x0\n'
                       b'fat 1 0 - Live 0x0 (o)\n'
                       b'fat 1 0 - Live 0x0 ()\n'),
        'nul': b'fat 86016 0 - Live 0x0\n\0msdos 1 0 - Live 0x0\n',
    },
    'fuzz-config': {
        'defaults': (b'[Daemon]\nAutoCleanInterval=60\nAutoCleanSamples=4\n'
                     b'IdleTimeout=0\nAuthorizationTimeout=60\n'),
        'comments': b'# kmodd.conf\n\n[Daemon]\n# off\nAutoCleanInterval=0\n',
        'empty': b'',
        'unknown-group': b'[Deamon]\nIdleTimeout=5\n',
        'unknown-key': b'[Daemon]\nIdleTimeOut=5\n',
        'out-of-range': b'[Daemon]\nAuthorizationTimeout=0\nAutoCleanSamples=61\n',
        'negative': b'[Daemon]\nIdleTimeout=-1\n',
        'huge': b'[Daemon]\nIdleTimeout=18446744073709551617\n',
        'locale': b'[Daemon]\nAutoCleanInterval[de]=5\n',
        'duplicate': b'[Daemon]\nIdleTimeout=5\nIdleTimeout=6\n[Daemon]\nIdleTimeout=7\n',
    },
}


def initramfs_seeds():
    '''Small images in every shape kmodd reads, and some it must refuse
    (the release is fuzz-initramfs.c's).'''
    rel = '6.1.0-kmodd'
    mods = ['msdos', 'snd-dummy']
    img = initramfs_image.image
    zstd = img(rel, mods, 'zstd')
    return {
        'none': img(rel, mods, 'none', suffix='.ko'),
        'gzip': img(rel, mods, 'gzip', suffix='.ko.gz'),
        'xz': img(rel, mods, 'xz', suffix='.ko.xz'),
        'zstd': zstd,
        'early-zstd': img(rel, mods, 'zstd', early=True),
        'early-gzip-lib': img(rel, mods, 'gzip', early=True, prefix='lib/modules'),
        'early-only': initramfs_image.early_cpio(),
        'two-archives': initramfs_image.newc([('a', 0o100644, b'x')], pad_to=512) +
        img(rel, mods, 'xz'),
        'crc-magic': img(rel, mods, 'none').replace(b'070701', b'070702'),
        'other-release': img('5.10.0-old', mods, 'none'),
        'truncated-zstd': zstd[:len(zstd) // 2],
        'truncated-cpio': img(rel, mods, 'none')[:300],
        'junk-after-zstd': zstd + b'\x01junk',
        'lz4': b'\x02\x21\x4c\x18' + b'\0' * 32,
        'garbage': b'not really a cpio archive',
        'huge-name': b'070701' + b'0' * 88 + b'FFFFFFFF' + b'0' * 8,
        'misaligned': b'\0\0' + img(rel, mods, 'none'),
    }


SEEDS['fuzz-initramfs'] = initramfs_seeds()

for fuzzer, seeds in SEEDS.items():
    d = os.path.join(HERE, 'corpus', fuzzer)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
    print('%s: %d seeds' % (fuzzer, len(seeds)))
