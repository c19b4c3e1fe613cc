/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-state.h: the fake kernel's module state, kept in a file
 * tree under a root directory so that every process (the daemon, kmod
 * tools run under the shim, the fake-kernel control tool) sees and
 * changes the same "kernel".  All changes are serialized with flock(2)
 * on ROOT/fake/lock.
 *
 * Layout (paths relative to ROOT):
 *   sys/module/NAME/{initstate,refcnt,coresize,initsize,taint}
 *   sys/module/NAME/holders/HOLDER -> ../../HOLDER
 *   sys/module/NAME/parameters/KEY
 *   sys/module/NAME/              (no initstate: a builtin module)
 *   proc/modules                  (regenerated atomically after every change)
 *   proc/cmdline, proc/sys/kernel/modules_disabled,
 *   sys/kernel/security/lockdown, sys/module/module/parameters/sig_enforce
 *   fake/release                  (what uname() reports)
 *   fake/order                    (load order, oldest first)
 *   fake/seqnum                   (last uevent SEQNUM)
 *   fake/pending/NAME             (pid of the process running NAME's
 *                                  init or exit, to finish it if it dies)
 *   fake/init-delay-ms, fake/exit-delay-ms, fake/reject-signature,
 *   fake/fail-init, fake/slow-init (knobs written by tests)
 *   fake/lock, fake/tmp/
 *   sys/devices, sys/bus, sys/module/NAME/drivers, run/udev/data,
 *   fake/drivers                  (devices and drivers: see
 *                                  fakekernel-devices.c)
 *
 * Plain libc on purpose: this code runs inside every process the shim
 * is preloaded into, including the kmod tools which do not use GLib.
 * Functions return 0 (or a value) on success and -errno on failure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "fakekernel-elf.h"

#define FK_ENV_ROOT "KMODD_FAKE_ROOT"
#define FK_ENV_DEBUG "KMODD_FAKE_DEBUG"

typedef enum
{
  FK_MOD_LIVE,
  FK_MOD_COMING,
  FK_MOD_GOING,
} FkModState;

typedef struct
{
  char          name[FK_MODULE_NAME_LEN];
  FkModState    state;
  long          refcnt;
  unsigned long size;       /* as /proc/modules shows it */
  char          taint[16];  /* e.g. "OE", "" when untainted */
  char        **holders;    /* NULL-terminated, most recent first */
  size_t        n_holders;
  char        **params;     /* NULL-terminated "KEY=value" */
  size_t        n_params;
  unsigned long order;      /* load order, higher is more recent */
} FkModule;

/* Loaded modules (those with an initstate), most recently loaded
 * first, the order of /proc/modules. */
int fk_list_modules (const char *root, FkModule **out, size_t *n_out);
void fk_free_modules (FkModule *mods, size_t n);

const char *fk_mod_state_to_string (FkModState state);

/* Takes the global lock; returns the lock fd or -errno. */
int fk_lock (const char *root);
void fk_unlock (int lock_fd);

/* Rewrites ROOT/proc/modules from the sysfs tree (caller holds the
 * lock). */
int fk_regenerate_proc_modules (const char *root);

/* Finishes the init or exit of modules whose loading process died
 * (caller holds the lock). */
void fk_reap_pending (const char *root);

/* The syscalls. */
int fk_kernel_init_module (const char *root, const void *image, size_t len,
                           const char *args);
int fk_kernel_finit_module (const char *root, int fd, const char *args,
                            int flags);
int fk_kernel_delete_module (const char *root, const char *name,
                             unsigned int flags);

/* Control operations (take the lock themselves). */
int fk_set_refcnt (const char *root, const char *name, long refcnt);

/* Devices and drivers (fakekernel-devices.c); each takes the lock. */
int fk_add_device (const char *root, const char *bus, const char *dev,
                   const char *modalias, const char *vendor,
                   const char *model);
int fk_remove_device (const char *root, const char *bus, const char *dev);
int fk_bind_device (const char *root, const char *bus, const char *drv,
                    const char *dev, bool bind);
/* MODULE registers driver BUS:DRV whenever it is live (now, if it is). */
int fk_add_driver (const char *root, const char *module, const char *spec);
/* Whether @resolved is ROOT/sys/bus/BUS/drivers/DRV/{bind,unbind}
 * (0, or -ENOENT); then a write of a device name to it binds or unbinds. */
int fk_driver_attr_parse (const char *root, const char *resolved, char *bus,
                          char *drv, bool *bind);
int fk_driver_attr_write (const char *root, const char *bus, const char *drv,
                          bool bind, const char *data, size_t len);

/* Reads ROOT/fake/release without the trailing newline. */
int fk_read_release (const char *root, char *buf, size_t size);

/* Name validity for paths: non-empty, no '/', not "." or "..". */
bool fk_name_is_valid (const char *name);

/* Helpers shared with the tool. */
int fk_write_file_atomic (const char *root, const char *path,
                          const char *content);
int fk_rm_rf (const char *path);
