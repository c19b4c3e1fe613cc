/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-state.c: module load/unload semantics of the fake kernel.
 *
 * The behaviour follows Linux 6.1 kernel/module/main.c as closely as a
 * user-space file tree allows:
 *
 *  init_module/finit_module
 *    - EPERM without CAP_SYS_MODULE or with modules_disabled = 1
 *    - EINVAL for unknown finit flags
 *    - signature: a name listed in fake/reject-signature -> EKEYREJECTED;
 *      an unsigned (or forced) module -> EKEYREJECTED if sig_enforce is
 *      Y, EPERM under lockdown, else taint E
 *    - ENOEXEC when not a valid x86-64 module, or a vermagic mismatch
 *      (forcing with MODULE_INIT_IGNORE_* taints F, CONFIG_MODULE_FORCE_LOAD=y)
 *    - a module of the same name in state coming is waited for, then
 *      EEXIST (any other loaded state: EEXIST at once); a builtin of
 *      that name -> EINVAL ("module is already loaded", from sysfs)
 *    - a depends= module missing or going -> ENOENT ("Unknown symbol"),
 *      coming -> waited for up to 30 s, then EBUSY
 *    - bad parameter value -> EINVAL/ERANGE/ENOSPC; unknown keys ignored
 *    - then: state coming (refcnt 1: the kernel holds a reference during
 *      init), dependencies refcnt+1 and holder links, "add" uevent, the
 *      init (fake/init-delay-ms, fake/slow-init, fake/fail-init), then live (refcnt-1)
 *      or, if init fails, going + removal + "remove" uevent.
 *  delete_module
 *    - EPERM as above; ENOENT if not loaded or builtin; EWOULDBLOCK with
 *      holders; EBUSY if not live; EWOULDBLOCK if refcnt > 0 unless
 *      O_TRUNC (force, CONFIG_MODULE_FORCE_UNLOAD=y); then going
 *      (fake/exit-delay-ms), removal and a "remove" uevent.
 */

#include "fakekernel-private.h"
#include "fakekernel-uevent.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ----------------------------------------------------------------- */
/* load                                                               */

static bool
fk_license_is_gpl_compatible (const char *license)
{
  static const char * const ok[] = {
    "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL",
    "Dual MIT/GPL", "Dual MPL/GPL",
  };
  size_t i;

  for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp (license, ok[i]) == 0)
      return true;
  return false;
}

static void
fk_taint_string (unsigned int taints, char *buf, size_t size)
{
  snprintf (buf, size, "%s%s%s%s%s",
            taints & FK_TAINT_PROPRIETARY ? "P" : "",
            taints & FK_TAINT_FORCED ? "F" : "",
            taints & FK_TAINT_CRAP ? "C" : "",
            taints & FK_TAINT_OOT ? "O" : "",
            taints & FK_TAINT_UNSIGNED ? "E" : "");
}

static int
fk_write_new_file (const char *dir, const char *name, const char *content)
{
  char path[PATH_MAX];
  int fd, r;

  if (snprintf (path, sizeof path, "%s/%s", dir, name) >= (int) sizeof path)
    return -ENAMETOOLONG;
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  r = fk_write_all (fd, content, strlen (content));
  if (close (fd) < 0 && r == 0)
    r = -errno;
  return r;
}

/* Builds the sysfs directory of a coming module in fake/tmp and moves
 * it into place. */
static int
fk_create_module_dir (const char *root, const FkElfModule *mod,
                      unsigned int taints, const FkParams *params)
{
  char tmp[PATH_MAX], sub[PATH_MAX], dest[PATH_MAX], buf[256];
  const char *v;
  size_t i;
  int r;

  r = fk_tmp_path (tmp, root, "mod");
  if (r < 0)
    return r;
  r = fk_path (dest, root, "sys/module/%s", mod->name);
  if (r < 0)
    return r;
  if (mkdir (tmp, 0755) < 0)
    return -errno;

  r = fk_write_new_file (tmp, "initstate", "coming\n");
  if (r == 0)
    r = fk_write_new_file (tmp, "refcnt", "1\n");  /* held during init */
  snprintf (buf, sizeof buf, "%lu\n", mod->core_size);
  if (r == 0)
    r = fk_write_new_file (tmp, "coresize", buf);
  snprintf (buf, sizeof buf, "%lu\n", mod->init_size);
  if (r == 0)
    r = fk_write_new_file (tmp, "initsize", buf);
  fk_taint_string (taints, buf, sizeof buf);
  snprintf (buf + strlen (buf), sizeof buf - strlen (buf), "\n");
  if (r == 0)
    r = fk_write_new_file (tmp, "taint", buf);
  if (r == 0 && (v = fk_elf_modinfo_get (mod, "srcversion")) != NULL)
    {
      snprintf (buf, sizeof buf, "%s\n", v);
      r = fk_write_new_file (tmp, "srcversion", buf);
    }
  if (r == 0 && (v = fk_elf_modinfo_get (mod, "version")) != NULL)
    {
      snprintf (buf, sizeof buf, "%s\n", v);
      r = fk_write_new_file (tmp, "version", buf);
    }
  if (r == 0 && snprintf (sub, sizeof sub, "%s/holders", tmp) >= PATH_MAX)
    r = -ENAMETOOLONG;
  if (r == 0 && mkdir (sub, 0755) < 0)
    r = -errno;
  if (r == 0 && fk_module_declares_params (mod))
    {
      if (snprintf (sub, sizeof sub, "%s/parameters", tmp) >= PATH_MAX)
        r = -ENAMETOOLONG;
      else if (mkdir (sub, 0755) < 0)
        r = -errno;
      for (i = 0; r == 0 && i < params->n; i++)
        {
          char *content;

          if (asprintf (&content, "%s\n", params->items[i].value) < 0)
            {
              r = -ENOMEM;
              break;
            }
          r = fk_write_new_file (sub, params->items[i].key, content);
          free (content);
        }
    }
  if (r == 0 && rename (tmp, dest) < 0)
    r = -errno;
  if (r < 0)
    fk_rm_rf (tmp);
  return r;
}

static int
fk_write_pending (const char *root, const char *name, bool set)
{
  char path[PATH_MAX], buf[32];
  int r = fk_path (path, root, "fake/pending/%s", name);

  if (r < 0)
    return r;
  if (!set)
    return unlink (path) < 0 && errno != ENOENT ? -errno : 0;
  snprintf (buf, sizeof buf, "%d\n", (int) getpid ());
  return fk_write_file_atomic (root, path, buf);
}

/* Visits the modules whose holders/ contains @name (@name's
 * dependencies). */
static void
fk_foreach_dependency (const char *root, const char *name,
                       void (*fn)(const char *root, const char *dep,
                                  const char *holder))
{
  char path[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i;
  struct stat st;

  if (fk_path (path, root, "sys/module") < 0
      || fk_read_dir_names (path, &names, &n) < 0)
    return;
  for (i = 0; i < n; i++)
    {
      if (fk_path (path, root, "sys/module/%s/holders/%s", names[i], name) < 0)
        continue;
      if (lstat (path, &st) == 0)
        fn (root, names[i], name);
    }
  fk_strv_free (names, n);
}

static void
fk_release_dependency (const char *root, const char *dep, const char *holder)
{
  char path[PATH_MAX];
  long refcnt = fk_get_refcnt (root, dep);

  if (fk_path (path, root, "sys/module/%s/holders/%s", dep, holder) == 0)
    unlink (path);
  fk_put_refcnt (root, dep, refcnt > 0 ? refcnt - 1 : 0);
}

/* Removes a module that is (now) going: drops its use of its
 * dependencies, its sysfs dir, and emits "remove".  Lock held. */
static void
fk_teardown (const char *root, const char *name)
{
  char path[PATH_MAX], dead[PATH_MAX];

  /* the module's exit unregisters its drivers, unbinding their devices */
  fk_unregister_drivers (root, name);
  fk_foreach_dependency (root, name, fk_release_dependency);
  /* The directory is moved aside and kept, not deleted: sysfs never gives
   * a new load of a module the inode of an old one (kmodd tells loads
   * apart by it), but a disk file system would reuse a freed inode at
   * once. */
  if (fk_path (path, root, "sys/module/%s", name) == 0
      && fk_tmp_path (dead, root, "dead") == 0)
    {
      /* fake/tmp/dead.PID.TID.N -> fake/graveyard/dead.PID.TID.N */
      char grave[PATH_MAX];
      const char *base = strrchr (dead, '/') + 1;

      if (fk_path (grave, root, "fake/graveyard") == 0)
        mkdir (grave, 0755);
      if (fk_path (grave, root, "fake/graveyard/%s", base) < 0
          || rename (path, grave) < 0)
        fk_rm_rf (path);
    }
  fk_order_update (root, NULL, name);
  fk_write_pending (root, name, false);
  fk_regenerate_proc_modules (root);
  fk_emit (root, "remove", name);
}

/* The end of do_init_module(): live, or removed if init "fails".
 * Lock held.  Returns 0 or -errno of the failed init. */
static int
fk_finish_init (const char *root, const char *name)
{
  int e;

  if (fk_get_state (root, name) != FK_MOD_COMING)
    return 0;
  e = fk_fail_init_errno (root, name);
  if (e != 0)
    {
      fk_debug ("%s: init fails with %s", name, strerror (e));
      fk_set_state (root, name, FK_MOD_GOING);
      fk_teardown (root, name);
      return -e;
    }
  fk_set_state (root, name, FK_MOD_LIVE);
  fk_put_refcnt (root, name, fk_get_refcnt (root, name) - 1);
  fk_write_mod_attr (root, name, "initsize", "0\n");
  fk_register_drivers (root, name);
  fk_write_pending (root, name, false);
  fk_regenerate_proc_modules (root);
  return 0;
}

void
fk_reap_pending (const char *root)
{
  char path[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i;

  if (fk_path (path, root, "fake/pending") < 0)
    return;
  if (fk_read_dir_names (path, &names, &n) < 0)
    {
      fk_strv_free (names, n);
      return;
    }
  for (i = 0; i < n; i++)
    {
      long pid = 0;
      int st;

      if (fk_path (path, root, "fake/pending/%s", names[i]) < 0
          || fk_read_long (path, &pid) < 0 || pid <= 0)
        continue;
      if (pid == getpid () || kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      st = fk_get_state (root, names[i]);
      fk_debug ("%s: process %ld died during %s, finishing it", names[i], pid,
                st == FK_MOD_GOING ? "exit" : "init");
      if (st == FK_MOD_COMING)
        fk_finish_init (root, names[i]);
      else if (st == FK_MOD_GOING)
        fk_teardown (root, names[i]);
      else
        unlink (path);
    }
  fk_strv_free (names, n);
}

/* Drops the lock, sleeps a poll interval and takes it again. */
static int
fk_relock (const char *root, int *lock_fd)
{
  fk_unlock (*lock_fd);
  fk_sleep_ms (FK_POLL_MS);
  *lock_fd = fk_lock (root);
  if (*lock_fd < 0)
    return *lock_fd;
  fk_reap_pending (root);
  return 0;
}

static int
fk_check_signature_and_magic (const char *root, const FkElfModule *mod,
                              int flags, unsigned int *taints)
{
  char release[128];
  const char *vermagic;
  bool sig_ok = false;

  /* module_sig_check(): the signature is only looked at without flags */
  if (flags == 0 && mod->has_signature)
    {
      if (fk_signature_rejected (root, mod->name))
        return -EKEYREJECTED;
      sig_ok = true;
    }
  if (!sig_ok)
    {
      if (fk_sig_enforced (root))
        return -EKEYREJECTED;
      if (fk_locked_down (root))
        return -EPERM;
      *taints |= FK_TAINT_UNSIGNED;
    }

  /* check_modinfo(): vermagic */
  vermagic = fk_elf_modinfo_get (mod, "vermagic");
  if ((flags & FK_MODULE_INIT_IGNORE_VERMAGIC) || vermagic == NULL)
    *taints |= FK_TAINT_FORCED;  /* try_to_force_load() */
  else if (fk_read_release (root, release, sizeof release) == 0)
    {
      size_t len = strlen (release);

      if (strncmp (vermagic, release, len) != 0
          || (vermagic[len] != ' ' && vermagic[len] != '\0'))
        return -ENOEXEC;
    }
  if (flags & FK_MODULE_INIT_IGNORE_MODVERSIONS)
    *taints |= FK_TAINT_FORCED;
  return 0;
}

static unsigned int
fk_modinfo_taints (const FkElfModule *mod)
{
  const char *v;
  unsigned int taints = 0;

  v = fk_elf_modinfo_get (mod, "intree");
  if (v == NULL || strcmp (v, "Y") != 0)
    taints |= FK_TAINT_OOT;
  v = fk_elf_modinfo_get (mod, "staging");
  if (v != NULL && strcmp (v, "Y") == 0)
    taints |= FK_TAINT_CRAP;
  v = fk_elf_modinfo_get (mod, "license");
  if (v == NULL || !fk_license_is_gpl_compatible (v))
    taints |= FK_TAINT_PROPRIETARY;
  return taints;
}

/* modinfo's depends= may spell names with '-' (snd-timer); the kernel's
 * names, and so sysfs, always have '_'. */
static void
fk_normalize_name (char *name)
{
  for (; *name != '\0'; name++)
    if (*name == '-')
      *name = '_';
}

/* Checks the dependencies with the lock held; 1 means "wait and retry". */
static int
fk_check_dependencies (const char *root, const FkElfModule *mod)
{
  const char *deps = fk_elf_modinfo_get (mod, "depends");
  char buf[4096], *dep, *save = NULL;

  if (deps == NULL || deps[0] == '\0')
    return 0;
  snprintf (buf, sizeof buf, "%s", deps);
  for (dep = strtok_r (buf, ",", &save); dep != NULL;
       dep = strtok_r (NULL, ",", &save))
    {
      int st;

      fk_normalize_name (dep);
      st = fk_get_state (root, dep);

      if (st == FK_BUILTIN)
        continue;  /* resolved against vmlinux */
      if (st == FK_MOD_COMING)
        return 1;
      if (st != FK_MOD_LIVE)
        {
          fk_debug ("%s: Unknown symbol (needs %s)", mod->name, dep);
          return -ENOENT;
        }
    }
  return 0;
}

static void
fk_take_dependencies (const char *root, const FkElfModule *mod)
{
  const char *deps = fk_elf_modinfo_get (mod, "depends");
  char buf[4096], *dep, *save = NULL;

  if (deps == NULL)
    return;
  snprintf (buf, sizeof buf, "%s", deps);
  for (dep = strtok_r (buf, ",", &save); dep != NULL;
       dep = strtok_r (NULL, ",", &save))
    {
      char path[PATH_MAX], target[PATH_MAX];

      fk_normalize_name (dep);
      if (fk_get_state (root, dep) == FK_BUILTIN)
        continue;
      fk_put_refcnt (root, dep, fk_get_refcnt (root, dep) + 1);
      snprintf (target, sizeof target, "../../%s", mod->name);
      if (fk_path (path, root, "sys/module/%s/holders/%s", dep, mod->name) == 0
          && symlink (target, path) < 0)
        fk_debug ("%s: cannot link holder: %s", dep, strerror (errno));
    }
}

static int
fk_kernel_load (const char *root, const void *image, size_t len,
                const char *args, int flags)
{
  FkElfModule mod;
  FkParams params = { .n = 0 };
  unsigned int taints;
  struct timespec start, now;
  long delay = 0;
  int lock_fd, r;

  if (!fk_has_cap_sys_module () || fk_modules_disabled (root))
    return -EPERM;
  if (args == NULL)
    return -EFAULT;

  r = fk_elf_parse_module (image, len, &mod);
  if (r < 0)
    {
      fk_debug ("init_module: not a kernel module (%zu bytes)", len);
      return r;
    }
  taints = fk_modinfo_taints (&mod);
  r = fk_check_signature_and_magic (root, &mod, flags, &taints);
  if (r < 0)
    {
      fk_debug ("%s: rejected: %s", mod.name, strerror (-r));
      return r;
    }

  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  fk_reap_pending (root);

  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      long waited;
      int st = fk_get_state (root, mod.name);

      if (st < 0 && fk_inserted_first (root, mod.name))
        {
          FkParams none = { .n = 0 };

          fk_debug ("%s: someone else loads it first", mod.name);
          r = fk_create_module_dir (root, &mod, taints, &none);
          if (r < 0)
            goto out;
          fk_take_dependencies (root, &mod);
          fk_order_update (root, mod.name, NULL);
          fk_write_pending (root, mod.name, true);
          fk_regenerate_proc_modules (root);
          fk_emit (root, "add", mod.name);
          fk_finish_init (root, mod.name);
          continue;
        }

      /* add_unformed_module(): wait for a coming namesake */
      if (st == FK_MOD_COMING)
        {
          r = fk_relock (root, &lock_fd);
          if (r < 0)
            return r;
          continue;
        }
      if (st == FK_BUILTIN)
        {
          r = -EINVAL;  /* mod_sysfs_init(): "module is already loaded" */
          goto out;
        }
      if (st >= 0)
        {
          r = -EEXIST;
          goto out;
        }

      /* resolve_symbol_wait(): wait for coming dependencies */
      r = fk_check_dependencies (root, &mod);
      if (r <= 0)
        break;
      clock_gettime (CLOCK_MONOTONIC, &now);
      waited = (now.tv_sec - start.tv_sec) * 1000
               + (now.tv_nsec - start.tv_nsec) / 1000000;
      if (waited > FK_DEP_WAIT_MS)
        {
          r = -EBUSY;
          goto out;
        }
      r = fk_relock (root, &lock_fd);
      if (r < 0)
        return r;
    }
  if (r < 0)
    goto out;

  r = fk_parse_params (&mod, args, &params);
  if (r < 0)
    goto out;

  r = fk_create_module_dir (root, &mod, taints, &params);
  fk_params_clear (&params);
  if (r < 0)
    goto out;
  fk_take_dependencies (root, &mod);
  fk_order_update (root, mod.name, NULL);
  fk_write_pending (root, mod.name, true);
  fk_regenerate_proc_modules (root);
  /* mod_sysfs_setup() announces the module before its init runs */
  fk_emit (root, "add", mod.name);
  fk_debug ("%s: coming", mod.name);

  fk_read_knob_long (root, "init-delay-ms", &delay);
  delay += fk_slow_init_ms (root, mod.name);
  if (delay > 0)
    {
      fk_unlock (lock_fd);
      fk_sleep_ms (delay);
      lock_fd = fk_lock (root);
      if (lock_fd < 0)
        return lock_fd;
    }
  r = fk_finish_init (root, mod.name);
  fk_debug ("%s: %s", mod.name, r == 0 ? "live" : "init failed");

out:
  fk_unlock (lock_fd);
  return r;
}

int
fk_kernel_init_module (const char *root, const void *image, size_t len,
                       const char *args)
{
  if (image == NULL)
    return -EFAULT;
  return fk_kernel_load (root, image, len, args, 0);
}

int
fk_kernel_finit_module (const char *root, int fd, const char *args, int flags)
{
  struct stat st;
  void *image;
  int r, fl;

  if (!fk_has_cap_sys_module () || fk_modules_disabled (root))
    return -EPERM;
  if (flags & ~(FK_MODULE_INIT_IGNORE_MODVERSIONS
                | FK_MODULE_INIT_IGNORE_VERMAGIC))
    return -EINVAL;
  fl = fcntl (fd, F_GETFL);
  if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY || (fl & O_PATH))
    return -EBADF;
  if (fstat (fd, &st) < 0)
    return -errno;
  if (!S_ISREG (st.st_mode) || st.st_size <= 0)
    return -EINVAL;

  image = mmap (NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (image == MAP_FAILED)
    return -errno;
  r = fk_kernel_load (root, image, (size_t) st.st_size, args, flags);
  munmap (image, (size_t) st.st_size);
  return r;
}

/* ----------------------------------------------------------------- */
/* delete                                                             */

int
fk_kernel_delete_module (const char *root, const char *name,
                         unsigned int flags)
{
  char path[PATH_MAX];
  long delay = 0;
  int lock_fd, st, r = 0;

  if (!fk_has_cap_sys_module () || fk_modules_disabled (root))
    return -EPERM;
  if (name == NULL)
    return -EFAULT;
  if (!fk_name_is_valid (name))
    return -ENOENT;

  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  fk_reap_pending (root);

  st = fk_get_state (root, name);
  if (st < 0)  /* not loaded, or builtin: find_module() fails */
    {
      r = -ENOENT;
      goto out;
    }
  r = fk_path (path, root, "sys/module/%s/holders", name);
  if (r < 0)
    goto out;
  if (fk_count_dir (path) > 0)
    {
      r = -EWOULDBLOCK;  /* other modules depend on us */
      goto out;
    }
  if (st != FK_MOD_LIVE)
    {
      r = -EBUSY;
      goto out;
    }
  if (fk_get_refcnt (root, name) > 0 && !(flags & O_TRUNC))
    {
      r = -EWOULDBLOCK;
      goto out;
    }

  fk_set_state (root, name, FK_MOD_GOING);
  fk_read_knob_long (root, "exit-delay-ms", &delay);
  if (delay > 0)
    {
      fk_write_pending (root, name, true);
      fk_regenerate_proc_modules (root);
      fk_unlock (lock_fd);
      fk_sleep_ms (delay);
      lock_fd = fk_lock (root);
      if (lock_fd < 0)
        return lock_fd;
      if (fk_get_state (root, name) != FK_MOD_GOING)
        goto out;  /* finished by someone else */
    }
  fk_teardown (root, name);
  fk_debug ("%s: removed", name);

out:
  fk_unlock (lock_fd);
  return r;
}

/* ----------------------------------------------------------------- */
/* control                                                            */

int
fk_set_refcnt (const char *root, const char *name, long refcnt)
{
  int lock_fd, st, r;

  if (refcnt < 0)
    return -EINVAL;
  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  fk_reap_pending (root);
  st = fk_get_state (root, name);
  if (st < 0)
    r = -ENOENT;
  else
    {
      r = fk_put_refcnt (root, name, refcnt);
      if (r == 0)
        r = fk_regenerate_proc_modules (root);
    }
  fk_unlock (lock_fd);
  return r;
}
