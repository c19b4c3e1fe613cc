/* kmodd-kernel-private.h: what the parts of KmoddKernel share. The kernel
 * is one object in several files: kmodd-kernel.c (the libkmod context,
 * errors, name lookups), kmodd-kernel-load.c, kmodd-kernel-commands.c
 * (modprobe.d's install and remove commands), kmodd-kernel-unload.c,
 * kmodd-kernel-loaded.c (/proc/modules, use counts, dependencies),
 * kmodd-kernel-devices.c (the devices a module drives),
 * kmodd-kernel-devlist.c (every device with a modalias, and its driver),
 * kmodd-kernel-info.c, kmodd-kernel-settings.c (lockdown, signatures,
 * modules_disabled) and kmodd-kernel-watch.c (whether modprobe.d or the
 * indexes changed).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libkmod.h>
#include <sys/stat.h>

#include "kmodd-kernel.h"

#define INSTALL_COMMAND_TIMEOUT_S 60

struct _KmoddKernel {
  struct kmod_ctx *ctx;
  GHashTable      *blacklist;  /* normalized module name set */
  GStrv            builtin;    /* lazily read from modules.builtin */
  GHashTable      *info_cache; /* requested name -> InfoCacheEntry */
  GVariant        *available;  /* ListAvailable's answer (as), */
  struct stat      available_st; /* made from this modules.dep */
  GHashTable      *candidates; /* modalias -> GStrv: the modules its lookup gives */
  GVariant        *devices[2]; /* Devices()'s answer (aa{sv}) [unbound only], kept */
  gboolean         keep_devices; /* while the monitor tells when devices change */
  GHashTable      *permanent;  /* "name@instance" -> whether it has no exit function */
  int              watch_fd;   /* inotify: modprobe.d and the modules directory, or -1 */
  int              modules_wd; /* the modules directory's watch */
};

/* Info's answer for a module, kept: reading a module's modinfo (and
 * libkmod formatting its signature) is most of what Info costs, and it
 * only changes with the file. Whether the module is loaded is the one
 * part that changes without it. */
typedef struct {
  char       *module;
  char       *path;    /* NULL for a builtin module */
  struct stat st;
  GVariant   *reply[2]; /* [loaded] */
} InfoCacheEntry;

#define INFO_CACHE_MAX 128
#define PERMANENT_CACHE_MAX 4096

void kernel_refresh (KmoddKernel *kernel);

typedef enum {
  KERNEL_WATCH_QUIET,   /* nothing changed */
  KERNEL_WATCH_INDEXES, /* something in the modules directory changed */
  KERNEL_WATCH_CONFIG,  /* modprobe.d changed, or the watch was lost */
  KERNEL_WATCH_UNKNOWN, /* nothing is watched: ask libkmod */
} KernelWatchResult;

void kernel_watch_config (KmoddKernel *kernel);
void kernel_watch_indexes (KmoddKernel *kernel,
                           const char  *modules_dir);
KernelWatchResult kernel_watch_check (KmoddKernel *kernel);
void kernel_watch_close (KmoddKernel *kernel);
void kernel_set_error_from_errno (GError    **error,
                                  int         err,
                                  const char *module,
                                  gboolean    insert);
void kernel_unref_module (gpointer mod);
GPtrArray *kernel_resolve (KmoddKernel *kernel,
                           const char  *name,
                           GError     **error);
gboolean kernel_is_blacklisted (KmoddKernel        *kernel,
                                struct kmod_module *mod);
gboolean kernel_is_permanent (const char *name);
gboolean kernel_is_permanent_instance (KmoddKernel *kernel,
                                       const char  *name,
                                       guint64      instance);
gboolean kernel_is_loaded_state (int state);
GStrv kernel_module_parameter_names (struct kmod_module *mod);
int kernel_run_command (const char *module,
                        const char *kind,
                        const char *command,
                        char      **out_failure);
void kernel_append_unique (GPtrArray  *names,
                           const char *name);
GStrv kernel_names_to_strv (GPtrArray *names);
gboolean kernel_read_holders (struct kmod_module *mod,
                              GPtrArray          *out_names);
GPtrArray *kernel_read_proc_modules (GError **error);
char *kernel_udev_db_property (const char *id,
                               const char *key);
void kernel_devices_drop (KmoddKernel *kernel);
