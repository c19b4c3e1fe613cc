# SPDX-License-Identifier: LGPL-2.1-or-later
'''Initramfs images for the tests and the fuzzer's seeds: cpio "newc"
archives, compressed as Debian's initramfs-tools and dracut do, with an
uncompressed early archive (microcode) in front when asked.'''

import gzip
import lzma
import subprocess

REGULAR = 0o100644
DIRECTORY = 0o040755


def newc(entries, magic='070701', pad_to=4):
    '''entries: (name, mode, data); the trailer is added.'''
    out = bytearray()

    def pad(n):
        while len(out) % n:
            out.append(0)

    for ino, (name, mode, data) in enumerate(list(entries) + [('TRAILER!!!', 0, b'')], 1):
        encoded = name.encode() + b'\0'
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0)
        out += (magic + ''.join('%08X' % v for v in fields)).encode()
        out += encoded
        pad(4)
        out += data
        pad(4)
    pad(pad_to)
    return bytes(out)


def compress(data, compression):
    if compression == 'none':
        return data
    if compression == 'gzip':
        return gzip.compress(data, 6, mtime=0)
    if compression == 'xz':
        return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    if compression == 'zstd':
        return subprocess.run(['zstd', '-q', '-c', '-3'], input=data, stdout=subprocess.PIPE,
                              check=True).stdout
    raise ValueError(compression)


def module_entries(release, modules, prefix='usr/lib/modules', suffix='.ko', size=64):
    '''Directories and one file per module under PREFIX/RELEASE/kernel/.'''
    base = '%s/%s/kernel/drivers' % (prefix, release)
    entries = [(d, DIRECTORY, b'') for d in ('usr', 'usr/lib', prefix, prefix + '/' + release,
                                              prefix + '/' + release + '/kernel', base)]
    for name in modules:
        entries.append(('%s/%s%s' % (base, name, suffix), REGULAR, b'\x7fELF' + b'm' * size))
    entries.append(('%s/%s/modules.dep' % (prefix, release), REGULAR, b'kernel/x.ko:\n'))
    entries.append(('etc/modprobe.d/kmodd.conf', REGULAR, b'blacklist msdos\n'))
    return entries


def early_cpio():
    '''The uncompressed microcode archive initramfs-tools puts first.'''
    return newc([('kernel', DIRECTORY, b''), ('kernel/x86', DIRECTORY, b''),
                 ('kernel/x86/microcode', DIRECTORY, b''),
                 ('kernel/x86/microcode/GenuineIntel.bin', REGULAR, b'\x01' * 1000)],
                pad_to=512)


def image(release, modules, compression='zstd', early=False, suffix='.ko.zst', **kw):
    main = compress(newc(module_entries(release, modules, suffix=suffix, **kw)), compression)
    return (early_cpio() if early else b'') + main
