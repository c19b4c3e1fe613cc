/* kmodd-kernel.c: everything kmodd asks of the kernel, through libkmod.
 *
 * Loading follows modprobe(8): the name or alias is looked up in the depmod
 * indexes and modprobe.d, dependencies and softdeps come first, options from
 * modprobe.d apply, install commands run instead of the insertion. kmodd is
 * stricter in three ways: a blacklist applies to every module, whether named,
 * reached through an alias or needed as a dependency; install commands run
 * with a clean environment; and caller-given parameters must be declared by
 * the module.
 *
 * Removal follows rmmod(8) and `modprobe -r`, without force: builtin, held
 * and used modules are refused before the kernel is asked.
 *
 * This file holds the libkmod context, the conversion of errno values and
 * libkmod failures into KmoddError codes (the one place where that
 * happens) and the lookups of names; the rest of the kernel is in the
 * files kmodd-kernel-private.h lists.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <libkmod.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <syslog.h>

#include "kmodd-error.h"
#include "kmodd-kernel-private.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

static void
info_cache_entry_free (InfoCacheEntry *entry)
{
  g_free (entry->module);
  g_free (entry->path);
  g_clear_pointer (&entry->reply[0], g_variant_unref);
  g_clear_pointer (&entry->reply[1], g_variant_unref);
  g_free (entry);
}

/* libkmod hands us its own printf format */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
log_libkmod (void       *data,
             int         priority,
             const char *file,
             int         line,
             const char *fn,
             const char *format,
             va_list     args)
{
  g_autofree char *msg = g_strdup_vprintf (format, args);

  g_strchomp (msg);
  if (priority <= LOG_WARNING)
    g_debug ("libkmod: %s", msg);
}
#pragma GCC diagnostic pop

static void
kernel_drop_caches (KmoddKernel *kernel)
{
  g_clear_pointer (&kernel->blacklist, g_hash_table_unref);
  g_clear_pointer (&kernel->builtin, g_strfreev);
  g_clear_pointer (&kernel->available, g_variant_unref);
  if (kernel->info_cache != NULL)
    g_hash_table_remove_all (kernel->info_cache);
  if (kernel->candidates != NULL)
    g_hash_table_remove_all (kernel->candidates);
  kernel_devices_drop (kernel);
}

static gboolean
kernel_open (KmoddKernel *kernel,
             GError     **error)
{
  struct kmod_ctx *ctx;
  struct kmod_config_iter *iter;
  int r;

  /* watched before they are read: no change falls in between */
  kernel_watch_config (kernel);
  ctx = kmod_new (NULL, NULL);
  if (ctx == NULL)
    {
      kernel_watch_close (kernel);
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                           "Could not create a libkmod context");
      return FALSE;
    }

  kmod_set_log_fn (ctx, log_libkmod, NULL);
  kmod_set_log_priority (ctx, LOG_WARNING);
  kernel_watch_indexes (kernel, kmod_get_dirname (ctx));

  /* Keep the indexes mapped: every lookup after this one is fast. */
  r = kmod_load_resources (ctx);
  if (r < 0)
    g_warning ("Could not load the module indexes of %s: %s; "
               "lookups will be slow or fail",
               kmod_get_dirname (ctx), g_strerror (-r));

  kernel_drop_caches (kernel);
  g_clear_pointer (&kernel->ctx, kmod_unref);
  kernel->ctx = ctx;

  kernel->blacklist = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  iter = kmod_config_get_blacklists (ctx);
  while (iter != NULL && kmod_config_iter_next (iter))
    g_hash_table_add (kernel->blacklist,
                      kmodd_module_name_normalize (kmod_config_iter_get_key (iter)));
  kmod_config_iter_free_iter (iter);

  return TRUE;
}

/* Pick up changes to modprobe.d and the depmod indexes, as udevd does,
 * asking libkmod only when the watch saw something (or watches nothing). */
void
kernel_refresh (KmoddKernel *kernel)
{
  g_autoptr(GError) error = NULL;

  switch (kernel_watch_check (kernel))
    {
    case KERNEL_WATCH_QUIET:
      return;
    case KERNEL_WATCH_INDEXES:
    case KERNEL_WATCH_UNKNOWN:
      if (kmod_validate_resources (kernel->ctx) == KMOD_RESOURCES_OK)
        return;
      break;
    case KERNEL_WATCH_CONFIG:
    default:
      break;
    }

  g_debug ("modprobe.d or the module indexes changed; reloading them");
  if (!kernel_open (kernel, &error))
    g_warning ("%s", error->message);
}

KmoddKernel *
kmodd_kernel_new (GError **error)
{
  g_autoptr(KmoddKernel) kernel = g_new0 (KmoddKernel, 1);

  kernel->info_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) info_cache_entry_free);
  kernel->candidates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_strfreev);
  kernel->permanent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  kernel->watch_fd = -1;
  kernel->modules_wd = -1;
  if (!kernel_open (kernel, error))
    return NULL;
  return g_steal_pointer (&kernel);
}

void
kmodd_kernel_free (KmoddKernel *kernel)
{
  if (kernel == NULL)
    return;
  kernel_watch_close (kernel);
  kernel_drop_caches (kernel);
  g_clear_pointer (&kernel->info_cache, g_hash_table_unref);
  g_clear_pointer (&kernel->candidates, g_hash_table_unref);
  g_clear_pointer (&kernel->permanent, g_hash_table_unref);
  g_clear_pointer (&kernel->ctx, kmod_unref);
  g_free (kernel);
}

const char *
kmodd_kernel_get_modules_dir (KmoddKernel *kernel)
{
  return kmod_get_dirname (kernel->ctx);
}

/* ---- errors ---------------------------------------------------------- */

void
kernel_set_error_from_errno (GError    **error,
                             int         err,
                             const char *module,
                             gboolean    insert)
{
  const char *verb = insert ? "load" : "unload";

  switch (err)
    {
    case EKEYREJECTED:
    case EKEYEXPIRED:
    case EKEYREVOKED:
    case ENOKEY:
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_SIGNATURE_REJECTED,
                   "The kernel rejected the signature of module %s (%s)",
                   module, g_strerror (err));
      break;

    case EPERM:
      if (kmodd_kernel_modules_disabled ())
        g_set_error (error, KMODD_ERROR, KMODD_ERROR_MODULES_DISABLED,
                     "Cannot %s %s: module loading and unloading is disabled "
                     "(kernel.modules_disabled = 1) until the next boot",
                     verb, module);
      else
        g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                     "The kernel refused to %s %s: operation not permitted "
                     "(kernel lockdown or a security module?)",
                     verb, module);
      break;

    case EWOULDBLOCK:
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE,
                   "Module %s is in use", module);
      break;

    case ENOENT:
      if (insert)
        g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                     "The kernel could not load %s: unknown symbol in module "
                     "(see the kernel log)",
                     module);
      else
        g_set_error (error, KMODD_ERROR, KMODD_ERROR_NOT_LOADED,
                     "Module %s is not loaded", module);
      break;

    case ENOEXEC:
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "The kernel could not load %s: invalid module format "
                   "(built for another kernel?)",
                   module);
      break;

    case EINVAL:
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "The kernel could not %s %s: invalid argument "
                   "(see the kernel log)",
                   verb, module);
      break;

    case EBUSY:
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot %s %s: it is being loaded or unloaded right now; "
                   "try again",
                   verb, module);
      break;

    case ENOSYS:
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot %s %s: the kernel has no module support",
                   verb, module);
      break;

    default:
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "The kernel could not %s %s: %s",
                   verb, module, g_strerror (err));
      break;
    }
}

/* ---- lookups ----------------------------------------------------------- */

void
kernel_unref_module (gpointer mod)
{
  kmod_module_unref (mod);
}

/* Resolves @name to modules, as modprobe does. A string that is not a
 * module name only ever reaches the alias sources of the lookup (modprobe.d
 * aliases, modules.alias, modules.symbols, builtin aliases): the index of
 * module names has only [a-z0-9_] keys, so "dccp.evil" cannot match "dccp",
 * and it is never passed to kmod_module_new_from_name(), which would
 * truncate it. */
GPtrArray *
kernel_resolve (KmoddKernel *kernel,
                const char  *name,
                GError     **error)
{
  g_autoptr(GPtrArray) mods = g_ptr_array_new_with_free_func (kernel_unref_module);
  g_autofree char *escaped = NULL;
  struct kmod_list *list = NULL;
  struct kmod_list *l;
  int r;

  if (!kmodd_name_validate (name, NULL, error))
    return NULL;

  r = kmod_module_new_from_lookup (kernel->ctx, name, &list);
  if (r < 0)
    {
      escaped = kmodd_escape (name);
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Looking up “%s” failed: %s", escaped, g_strerror (-r));
      return NULL;
    }

  kmod_list_foreach (l, list)
    g_ptr_array_add (mods, kmod_module_get_module (l));
  kmod_module_unref_list (list);

  if (mods->len == 0)
    {
      escaped = kmodd_escape (name);
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_NOT_FOUND,
                   "No module or alias “%s” in %s",
                   escaped, kmod_get_dirname (kernel->ctx));
      return NULL;
    }

  return g_steal_pointer (&mods);
}

gboolean
kernel_is_blacklisted (KmoddKernel        *kernel,
                       struct kmod_module *mod)
{
  return g_hash_table_contains (kernel->blacklist, kmod_module_get_name (mod));
}


/* Whether the kernel says the module can never be removed: it has an init
 * function but no exit function ("[permanent]" in /proc/modules). Only
 * /proc/modules tells, so this is only asked of removal candidates. */
gboolean
kernel_is_permanent (const char *name)
{
  g_autoptr(GPtrArray) modules = kernel_read_proc_modules (NULL);
  guint i;

  for (i = 0; modules != NULL && i < modules->len; i++)
    {
      KmoddLoadedModule *m = g_ptr_array_index (modules, i);

      if (g_str_equal (m->name, name))
        return m->permanent;
    }
  return FALSE;
}

/* The same for @name loaded as @instance (kmodd_kernel_get_instance()),
 * kept: whether a module has an exit function depends only on its code, so
 * the answer holds until it is loaded again, while reading /proc/modules
 * for every unused module was most of what an AutoClean sample cost. */
gboolean
kernel_is_permanent_instance (KmoddKernel *kernel,
                              const char  *name,
                              guint64      instance)
{
  g_autofree char *key = NULL;
  gpointer value;
  gboolean permanent;

  if (instance == 0)
    return kernel_is_permanent (name);
  key = g_strdup_printf ("%s@%" G_GUINT64_FORMAT, name, instance);
  if (g_hash_table_lookup_extended (kernel->permanent, key, NULL, &value))
    return GPOINTER_TO_INT (value);
  permanent = kernel_is_permanent (name);
  if (g_hash_table_size (kernel->permanent) >= PERMANENT_CACHE_MAX)
    g_hash_table_remove_all (kernel->permanent);
  g_hash_table_insert (kernel->permanent, g_steal_pointer (&key), GINT_TO_POINTER (permanent));
  return permanent;
}

guint64
kmodd_kernel_get_instance (const char *module)
{
  g_autofree char *path = NULL;
  struct stat st;

  if (!kmodd_name_is_module_name (module))
    return 0;
  /* sysfs makes a new directory, with a new inode, for every load */
  path = g_build_filename (KMODD_PATH_SYS_MODULE, module, "initstate", NULL);
  if (stat (path, &st) < 0)
    return 0;
  *strrchr (path, '/') = '\0';
  if (stat (path, &st) < 0 || !S_ISDIR (st.st_mode))
    return 0;
  return (guint64) st.st_ino;
}

gboolean
kernel_is_loaded_state (int state)
{
  return state == KMOD_MODULE_LIVE ||
         state == KMOD_MODULE_COMING ||
         state == KMOD_MODULE_GOING;
}

char *
kmodd_kernel_resolve_name (KmoddKernel *kernel,
                           const char  *name,
                           GError     **error)
{
  g_autoptr(GPtrArray) mods = NULL;

  kernel_refresh (kernel);
  mods = kernel_resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;
  return g_strdup (kmod_module_get_name (g_ptr_array_index (mods, 0)));
}

GStrv
kernel_module_parameter_names (struct kmod_module *mod)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct kmod_list *info = NULL;
  struct kmod_list *l;

  if (kmod_module_get_info (mod, &info) >= 0)
    {
      kmod_list_foreach (l, info)
        {
          const char *key = kmod_module_info_get_key (l);
          const char *value = kmod_module_info_get_value (l);
          const char *colon;

          /* a parameter has a "parm" description, a "parmtype", or both:
           * module_param_cb() ones (loop's max_loop) have no type */
          if ((!g_str_equal (key, "parmtype") && !g_str_equal (key, "parm")) || value == NULL)
            continue;
          colon = strchr (value, ':');
          if (colon != NULL && colon != value)
            {
              g_autofree char *name = g_strndup (value, colon - value);

              if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
                g_ptr_array_add (names, g_steal_pointer (&name));
            }
        }
      kmod_module_info_free_list (info);
    }

  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/* Every module @name names that a Load (@for_unload FALSE: the matches
 * that are not blacklisted) or an Unload (TRUE: the matches that are not
 * builtin) may insert or remove, whatever the kernel's state, so that
 * each can be authorized: an alias may match several. Never empty: when
 * none is left, the first match. */
GStrv
kmodd_kernel_resolve_all (KmoddKernel *kernel,
                          const char  *name,
                          gboolean     for_unload,
                          GError     **error)
{
  g_autoptr(GPtrArray) mods = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint i;

  kernel_refresh (kernel);
  mods = kernel_resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;

  for (i = 0; i < mods->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (mods, i);
      gboolean candidate = for_unload
                             ? kmod_module_get_initstate (mod) != KMOD_MODULE_BUILTIN
                             : !kernel_is_blacklisted (kernel, mod);

      if (candidate)
        kernel_append_unique (names, kmod_module_get_name (mod));
    }
  if (names->len == 0)
    kernel_append_unique (names, kmod_module_get_name (g_ptr_array_index (mods, 0)));
  return kernel_names_to_strv (names);
}

/* For the configuration methods: the one module @name stands for; an
 * alias that matches several is refused, as is a builtin module. */
char *
kmodd_kernel_resolve_one (KmoddKernel *kernel,
                          const char  *name,
                          GError     **error)
{
  g_autoptr(GPtrArray) mods = NULL;
  struct kmod_module *mod;
  guint i;

  kernel_refresh (kernel);
  mods = kernel_resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;

  if (mods->len > 1)
    {
      g_autoptr(GString) list = g_string_new (NULL);
      g_autofree char *escaped = kmodd_escape (name);

      for (i = 0; i < mods->len; i++)
        g_string_append_printf (list, "%s%s", i > 0 ? ", " : "",
                                kmod_module_get_name (g_ptr_array_index (mods, i)));
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                   "“%s” matches %u modules (%s); name one of them",
                   escaped, mods->len, list->str);
      return NULL;
    }

  mod = g_ptr_array_index (mods, 0);
  if (kmod_module_get_initstate (mod) == KMOD_MODULE_BUILTIN)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_BUILTIN,
                   "Module %s is built into the kernel; modules-load.d and "
                   "modprobe.d do not apply to it",
                   kmod_module_get_name (mod));
      return NULL;
    }
  return g_strdup (kmod_module_get_name (mod));
}
