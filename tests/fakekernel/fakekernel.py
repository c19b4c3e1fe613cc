# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python side of the fake kernel used by kmodd's fast tests.

    from fakekernel import FakeKernel

    fk = FakeKernel(tmpdir)
    fk.create()                      # fetch the fixture once, fake-kernel init
    subprocess.run([...], env=fk.env())   # run a process against it
    fk.run_external(['modprobe', 'msdos'])
    fk.loaded()['fat']               # {'refcnt': 1, 'holders': ['msdos'], ...}

The shim and the tool are found through KMODD_FAKEKERNEL_SHIM and
KMODD_FAKEKERNEL_TOOL (set by the meson test definitions), falling back
to a build tree next to the sources.  Must run under /usr/bin/python3
only if the caller needs gi/dbusmock; this module itself is stdlib-only.
"""

import os
import shutil
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(SOURCE_ROOT, 'tests', 'fixtures')

_fixture_lock = threading.Lock()
_fixture = None


def _find_built(env_name, relpath):
    path = os.environ.get(env_name)
    if path:
        return path
    for build in ('build', '_build', 'builddir'):
        cand = os.path.join(SOURCE_ROOT, build, 'tests', 'fakekernel', relpath)
        if os.path.exists(cand):
            return cand
    raise RuntimeError('%s is not set and no build tree holds %s'
                       % (env_name, relpath))


def shim_path():
    return _find_built('KMODD_FAKEKERNEL_SHIM', 'libfakekernel.so')


def tool_path():
    return _find_built('KMODD_FAKEKERNEL_TOOL', 'fake-kernel')


def listener_path():
    return _find_built('KMODD_FAKEKERNEL_LISTENER',
                       'fakekernel-uevent-listener')


def fetch_fixture():
    """(fixture_root, release) from tests/fixtures/fetch-kernel.sh --cached,
    run once per process. The tests never download: tools/fetch-kernel does,
    and tests/requires.sh skips a test (exit 77) while it has not run."""
    global _fixture
    with _fixture_lock:
        if _fixture is None:
            out = subprocess.run(
                ['sh', os.path.join(FIXTURES, 'fetch-kernel.sh'), '--cached'],
                check=True, stdout=subprocess.PIPE, text=True).stdout
            lines = out.strip().splitlines()
            if len(lines) < 2:
                raise RuntimeError('fetch-kernel.sh printed %r' % out)
            _fixture = (lines[-2], lines[-1])
        return _fixture


def _which(name):
    found = shutil.which(name)
    if found:
        return found
    for d in ('/usr/sbin', '/sbin', '/usr/bin', '/bin'):
        cand = os.path.join(d, name)
        if os.access(cand, os.X_OK):
            return cand
    return name


class FakeKernel:
    """A fake kernel rooted at root_dir (created by create())."""

    PROC_STATES = {'Live': 'live', 'Loading': 'coming', 'Unloading': 'going'}

    def __init__(self, root_dir):
        self.root = os.path.abspath(root_dir)
        self.release = None
        # The fixture's real modules directory (usable without the shim);
        # under the shim it is /lib/modules/<release>.
        self.modules_dir = None
        self.shim = shim_path()
        self.tool = tool_path()

    # -- setup ------------------------------------------------------------

    def create(self, cmdline=None, modprobe_d=None):
        """Creates a fresh fake root.  cmdline / modprobe_d default to
        tests/fixtures/cmdline and tests/fixtures/modprobe.d."""
        fixture_root, release = fetch_fixture()
        modules = os.path.join(fixture_root, 'lib', 'modules')
        argv = [self.tool, 'init', self.root, '--modules', modules,
                '--release', release,
                '--cmdline', cmdline or os.path.join(FIXTURES, 'cmdline'),
                '--modprobe-d',
                modprobe_d or os.path.join(FIXTURES, 'modprobe.d')]
        subprocess.run(argv, check=True)
        self.release = release
        self.modules_dir = os.path.join(modules, release)
        return self

    def env(self, base=None):
        """Environment for a process that should run on the fake kernel."""
        env = dict(os.environ if base is None else base)
        preload = env.get('LD_PRELOAD', '')
        if self.shim not in preload.split():
            env['LD_PRELOAD'] = (self.shim + ' ' + preload).strip()
        env['KMODD_FAKE_ROOT'] = self.root
        return env

    def path(self, *parts):
        """Real path of a fake-kernel path, e.g. path('proc/modules')."""
        return os.path.join(self.root, *[p.lstrip('/') for p in parts])

    # -- running things ---------------------------------------------------

    def run_external(self, argv, check=False, timeout=60, **kwargs):
        """Runs argv (e.g. ['modprobe', 'msdos']) under the shim and
        returns the CompletedProcess (text stdout/stderr captured)."""
        argv = [_which(argv[0])] + list(argv[1:])
        kwargs.setdefault('stdout', subprocess.PIPE)
        kwargs.setdefault('stderr', subprocess.PIPE)
        return subprocess.run(argv, env=self.env(kwargs.pop('env', None)),
                              text=True, check=check, timeout=timeout,
                              **kwargs)

    def tool_run(self, *args):
        return subprocess.run([self.tool] + list(args), check=True,
                              stdout=subprocess.PIPE, text=True).stdout

    # -- state ------------------------------------------------------------

    def proc_modules(self):
        with open(self.path('proc/modules')) as f:
            return f.read()

    def _read(self, *parts, default=None):
        try:
            with open(self.path(*parts)) as f:
                return f.read()
        except OSError:
            return default

    def loaded(self):
        """name -> {refcnt, holders, state, params, size, taint} for the
        modules in the fake /proc/modules, most recently loaded first."""
        result = {}
        for line in self.proc_modules().splitlines():
            fields = line.split()
            if len(fields) < 6:
                continue
            name, size, refcnt, holders, state = fields[:5]
            taint = ''
            if len(fields) > 6:
                taint = fields[6].strip('()').rstrip('+-')
            sysstate = self._read('sys/module', name, 'initstate')
            params = {}
            pdir = self.path('sys/module', name, 'parameters')
            if os.path.isdir(pdir):
                for key in sorted(os.listdir(pdir)):
                    value = self._read('sys/module', name, 'parameters', key)
                    if value is not None:
                        params[key] = value.rstrip('\n')
            result[name] = {
                'refcnt': int(refcnt),
                'holders': [] if holders == '-'
                else [h for h in holders.split(',') if h],
                'state': (sysstate.strip() if sysstate
                          else self.PROC_STATES.get(state, state)),
                'params': params,
                'size': int(size),
                'taint': taint,
            }
        return result

    def is_builtin(self, name):
        d = self.path('sys/module', name)
        return (os.path.isdir(d)
                and not os.path.exists(os.path.join(d, 'initstate')))

    # -- knobs ------------------------------------------------------------

    def _knob(self, name, content):
        path = self.path('fake', name)
        if content is None:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            return
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(content)
        os.rename(tmp, path)

    def set_refcnt(self, name, n):
        """Raises/lowers a module's use count, as a mount would."""
        subprocess.run([self.tool, 'set-refcnt', self.root, name, str(n)],
                       check=True)

    def set_init_delay(self, ms):
        """Every module init then takes ms milliseconds (state coming)."""
        self._knob('init-delay-ms', '%d\n' % ms if ms else None)

    def set_exit_delay(self, ms):
        """Every module removal then takes ms milliseconds (state going)."""
        self._knob('exit-delay-ms', '%d\n' % ms if ms else None)

    def reject_signature(self, *names):
        """Loading any of names fails with EKEYREJECTED."""
        self._knob('reject-signature',
                   ''.join(n + '\n' for n in names) if names else None)

    def insert_first(self, *names):
        """Someone else loads any of names just before the caller's own
        init_module(), which then finds it live: EEXIST."""
        self._knob('insert-first',
                   ''.join(n + '\n' for n in names) if names else None)

    def slow_init(self, delays):
        """delays: {name: ms}; that module's init takes ms milliseconds."""
        self._knob('slow-init', ''.join('%s %d\n' % (n, ms)
                                        for n, ms in delays.items())
                   if delays else None)

    def fail_init(self, failures):
        """failures: {name: errno}; the module's init returns -errno."""
        self._knob('fail-init', ''.join('%s %d\n' % (n, e)
                                        for n, e in failures.items())
                   if failures else None)

    # -- devices and drivers ----------------------------------------------

    def add_driver(self, module, driver):
        """module registers driver 'BUS:DRV' whenever it is live (now, if
        it is); its removal unbinds the driver's devices."""
        self.tool_run('add-driver', self.root, module, driver)

    def add_device(self, bus, name, modalias, vendor=None, model=None):
        """A device /sys/bus/BUS/devices/NAME with MODALIAS in its uevent;
        vendor/model go to its udev database entry
        (ID_VENDOR_FROM_DATABASE, ID_MODEL_FROM_DATABASE)."""
        args = ['add-device', self.root, bus, name, modalias]
        if vendor is not None or model is not None:
            args += [vendor or '', model or '']
        self.tool_run(*args)

    def remove_device(self, bus, name):
        """Unplugs the device (unbinding it first)."""
        self.tool_run('remove-device', self.root, bus, name)

    def bind(self, driver, name):
        """Binds device name to driver 'BUS:DRV' (registered, live)."""
        self.tool_run('bind', self.root, driver, name)

    def unbind(self, driver, name):
        self.tool_run('unbind', self.root, driver, name)

    def bound(self, driver):
        """Names of the devices bound to driver 'BUS:DRV' now ([] when the
        driver is not registered)."""
        bus, drv = driver.split(':', 1)
        d = self.path('sys/bus', bus, 'drivers', drv)
        if not os.path.isdir(d):
            return []
        return sorted(n for n in os.listdir(d)
                      if os.path.islink(os.path.join(d, n)) and n != 'module')

    def set_modules_disabled(self, disabled=True):
        with open(self.path('proc/sys/kernel/modules_disabled'), 'w') as f:
            f.write('1\n' if disabled else '0\n')

    def set_sig_enforce(self, enforce=True):
        with open(self.path('sys/module/module/parameters/sig_enforce'),
                  'w') as f:
            f.write('Y\n' if enforce else 'N\n')

    def set_lockdown(self, mode='none'):
        modes = ['none', 'integrity', 'confidentiality']
        with open(self.path('sys/kernel/security/lockdown'), 'w') as f:
            f.write(' '.join('[%s]' % m if m == mode else m
                             for m in modes) + '\n')


__all__ = ['FakeKernel', 'fetch_fixture', 'shim_path', 'tool_path',
           'listener_path']
