/* kmodd-kernel-unload.c: Unload, as rmmod(8) and `modprobe -r` do it,
 * without force: builtin, held and used modules, and modules whose drivers
 * serve devices, are refused before the kernel is asked (the last unless
 * the caller asked to unbind the devices); AutoClean's removal of unused
 * modules.
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

/* ---- unload ------------------------------------------------------------- */

typedef struct {
  KmoddKernel    *kernel;
  KmoddKernelHook hook;
  gpointer        user_data;
  gboolean        dry_run;
  gboolean        unbind;  /* the devices of the module named */
  GPtrArray      *removed; /* names */
  GHashTable     *gone;    /* names removed by this dry run */
} Removal;

gboolean
kernel_read_holders (struct kmod_module *mod,
                     GPtrArray          *out_names)
{
  struct kmod_list *holders = kmod_module_get_holders (mod);
  struct kmod_list *l;

  kmod_list_foreach (l, holders)
    {
      struct kmod_module *h = kmod_module_get_module (l);

      g_ptr_array_add (out_names, g_strdup (kmod_module_get_name (h)));
      kmod_module_unref (h);
    }
  kmod_module_unref_list (holders);
  return out_names->len > 0;
}

/* Whether @mod can be removed now, with the error that says why not. In a
 * dry run, modules that the same dry run has "removed" do not count as
 * holders. */
static gboolean
check_removable (Removal            *removal,
                 struct kmod_module *mod,
                 gboolean            unbind,
                 GError            **error)
{
  const char *name = kmod_module_get_name (mod);
  g_autoptr(GPtrArray) holders = g_ptr_array_new_with_free_func (g_free);
  int state = kmod_module_get_initstate (mod);
  int refcnt;
  guint i;

  if (state == KMOD_MODULE_BUILTIN)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_BUILTIN,
                   "Module %s is built into the kernel and cannot be unloaded",
                   name);
      return FALSE;
    }
  if (!kernel_is_loaded_state (state) ||
      (removal->gone != NULL && g_hash_table_contains (removal->gone, name)))
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_NOT_LOADED,
                   "Module %s is not loaded", name);
      return FALSE;
    }
  if (state != KMOD_MODULE_LIVE)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Module %s is %s right now; try again",
                   name, state == KMOD_MODULE_COMING ? "being loaded" : "being unloaded");
      return FALSE;
    }

  kernel_read_holders (mod, holders);
  for (i = holders->len; removal->gone != NULL && i > 0; i--)
    {
      if (g_hash_table_contains (removal->gone, g_ptr_array_index (holders, i - 1)))
        g_ptr_array_remove_index (holders, i - 1);
    }
  if (holders->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (holders, NULL);
      list = g_strjoinv (", ", (char **) holders->pdata);
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE,
                   "Module %s is in use by %s", name, list);
      return FALSE;
    }

  refcnt = kmod_module_get_refcnt (mod);
  if (removal->dry_run && removal->gone != NULL)
    {
      /* each removed holder dropped one reference */
      g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

      kernel_read_holders (mod, all);
      refcnt -= (int) all->len;
    }
  if (refcnt > 0)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE,
                   "Module %s is in use (use count %d)", name, refcnt);
      return FALSE;
    }
  if (!unbind)
    {
      g_autoptr(GPtrArray) devices = kmodd_kernel_get_devices (name);

      if (devices->len > 0)
        {
          g_autofree char *list = kmodd_devices_describe (devices);

          g_set_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE,
                       "Module %s is in use: it drives %s (the \"unbind\" option "
                       "unbinds %s first)",
                       name, list, devices->len == 1 ? "it" : "them");
          return FALSE;
        }
    }
  if (kernel_is_permanent (name))
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Module %s can never be unloaded: it has no exit function "
                   "(the kernel calls it permanent)",
                   name);
      return FALSE;
    }
  if (refcnt < 0 && refcnt != -ENOENT)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Module %s cannot be unloaded: it has no exit function or "
                   "its use count cannot be read",
                   name);
      return FALSE;
    }
  return TRUE;
}

/* Unbinds the devices the drivers of @mod serve; in a dry run, lists
 * them. */
static gboolean
unbind_devices (Removal            *removal,
                struct kmod_module *mod,
                GError            **error)
{
  g_autoptr(GPtrArray) devices = kmodd_kernel_get_devices (kmod_module_get_name (mod));
  guint i;

  for (i = 0; i < devices->len; i++)
    {
      KmoddDevice *device = g_ptr_array_index (devices, i);

      if (removal->dry_run)
        g_ptr_array_add (removal->removed, kmodd_device_describe (device));
      else if (!kmodd_device_unbind (device, error))
        return FALSE;
      else
        g_message ("Unbound %s %s from its driver to remove %s",
                   device->bus, device->name, kmod_module_get_name (mod));
    }
  return TRUE;
}

/* @unbind: unbind the devices its drivers serve first (only ever for the
 * module named in the request, never for dependencies) */
static gboolean
remove_one (Removal            *removal,
            struct kmod_module *mod,
            gboolean            unbind,
            GError            **error)
{
  const char *name = kmod_module_get_name (mod);
  const char *cmd = kmod_module_get_remove_commands (mod);
  int r;

  if (!check_removable (removal, mod, unbind, error))
    return FALSE;

  if (unbind && !unbind_devices (removal, mod, error))
    return FALSE;

  if (removal->dry_run)
    {
      g_hash_table_add (removal->gone, g_strdup (name));
      g_ptr_array_add (removal->removed, g_strdup (name));
      return TRUE;
    }

  if (removal->hook != NULL)
    removal->hook (name, FALSE, TRUE, FALSE, removal->user_data);

  if (cmd != NULL)
    {
      g_autofree char *failure = NULL;

      r = kernel_run_command (name, "remove", cmd, &failure);
      if (r < 0)
        {
          if (removal->hook != NULL)
            removal->hook (name, FALSE, FALSE, FALSE, removal->user_data);
          g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_FAILED, failure);
          return FALSE;
        }
      r = kernel_is_loaded_state (kmod_module_get_initstate (mod)) ? -EBUSY : 0;
    }
  else
    r = kmod_module_remove_module (mod, KMOD_REMOVE_NOLOG);

  if (removal->hook != NULL)
    removal->hook (name, FALSE, FALSE, r == 0, removal->user_data);

  if (r < 0)
    {
      kernel_set_error_from_errno (error, -r, name, FALSE);
      return FALSE;
    }

  g_ptr_array_add (removal->removed, g_strdup (name));
  return TRUE;
}

static gboolean
is_unused (Removal            *removal,
           struct kmod_module *mod)
{
  g_autoptr(GError) error = NULL;

  return check_removable (removal, mod, FALSE, &error);
}

/* Removes the modules in @list that are loaded and unused, last first, as
 * modprobe -r does with softdeps; failures are not errors. */
static void
remove_unused_list (Removal          *removal,
                    struct kmod_list *list)
{
  struct kmod_list *l;

  kmod_list_foreach_reverse (l, list)
  {
    struct kmod_module *m = kmod_module_get_module (l);

    if (is_unused (removal, m))
      remove_one (removal, m, FALSE, NULL);
    kmod_module_unref (m);
  }
}

static gboolean
remove_with_dependencies (Removal            *removal,
                          struct kmod_module *mod,
                          GError            **error)
{
  struct kmod_list *pre = NULL;
  struct kmod_list *post = NULL;
  struct kmod_list *deps;
  struct kmod_list *l;
  gboolean progress = TRUE;

  if (!check_removable (removal, mod, removal->unbind, error))
    return FALSE;

  kmod_module_get_softdeps (mod, &pre, &post);

  /* modprobe -r: post-softdeps, the module, dependencies left unused,
   * pre-softdeps. */
  remove_unused_list (removal, post);

  if (!remove_one (removal, mod, removal->unbind, error))
    {
      kmod_module_unref_list (pre);
      kmod_module_unref_list (post);
      return FALSE;
    }

  /* modprobe -r looks at each dependency once, in index order, so it
   * leaves behind the ones that another dependency still held at that
   * moment (snd_timer, when snd-dummy goes); go round until nothing more
   * is unused. */
  deps = kmod_module_get_dependencies (mod);
  while (progress)
    {
      progress = FALSE;
      kmod_list_foreach (l, deps)
        {
          struct kmod_module *dep = kmod_module_get_module (l);

          if (is_unused (removal, dep) && remove_one (removal, dep, FALSE, NULL))
            progress = TRUE;
          kmod_module_unref (dep);
        }
    }
  kmod_module_unref_list (deps);

  remove_unused_list (removal, pre);

  kmod_module_unref_list (pre);
  kmod_module_unref_list (post);
  return TRUE;
}

GStrv
kmodd_kernel_unload (KmoddKernel    *kernel,
                     const char     *name,
                     gboolean        dependencies,
                     gboolean        unbind,
                     gboolean        dry_run,
                     KmoddKernelHook hook,
                     gpointer        user_data,
                     GError        **error)
{
  g_autoptr(GPtrArray) mods = NULL;
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) gone = NULL;
  Removal removal = { 0, };
  struct kmod_module *first_loaded = NULL;
  guint i;

  kernel_refresh (kernel);

  mods = kernel_resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;

  if (dry_run)
    gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  removal.kernel = kernel;
  removal.hook = hook;
  removal.user_data = user_data;
  removal.dry_run = dry_run;
  removal.unbind = unbind;
  removal.removed = removed;
  removal.gone = gone;

  /* An alias names every module it matches; only the loaded ones are
   * removed, and it is an error if none is. */
  for (i = 0; i < mods->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (mods, i);

      if (kernel_is_loaded_state (kmod_module_get_initstate (mod)))
        {
          first_loaded = mod;
          break;
        }
    }
  if (first_loaded == NULL)
    {
      /* say why about the first match: builtin or not loaded */
      check_removable (&removal, g_ptr_array_index (mods, 0), unbind, error);
      return NULL;
    }

  for (i = 0; i < mods->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (mods, i);
      gboolean ok;

      if (!kernel_is_loaded_state (kmod_module_get_initstate (mod)))
        continue;
      if (gone != NULL && g_hash_table_contains (gone, kmod_module_get_name (mod)))
        continue;

      if (dependencies)
        ok = remove_with_dependencies (&removal, mod, error);
      else
        ok = remove_one (&removal, mod, unbind, error);
      if (!ok)
        return NULL;
    }

  return kernel_names_to_strv (removed);
}

gboolean
kmodd_kernel_remove_unused (KmoddKernel    *kernel,
                            const char     *module,
                            KmoddKernelHook hook,
                            gpointer        user_data,
                            GError        **error)
{
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  struct kmod_module *mod = NULL;
  Removal removal = { 0, };
  gboolean ok;
  int r;

  if (!kmodd_name_is_module_name (module))
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                   "Invalid module name");
      return FALSE;
    }

  r = kmod_module_new_from_name (kernel->ctx, module, &mod);
  if (r < 0)
    {
      kernel_set_error_from_errno (error, -r, module, FALSE);
      return FALSE;
    }

  removal.kernel = kernel;
  removal.hook = hook;
  removal.user_data = user_data;
  removal.removed = removed;
  ok = remove_one (&removal, mod, FALSE, error);
  kmod_module_unref (mod);
  return ok;
}
