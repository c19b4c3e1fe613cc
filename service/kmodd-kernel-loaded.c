/* kmodd-kernel-loaded.c: what is loaded now: /proc/modules, the builtin
 * modules, a module's use count, holders, bound devices and dependencies.
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

/* ---- state ------------------------------------------------------------- */

GBytes *
kmodd_kernel_read_proc_modules (GError **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (KMODD_PATH_PROC_MODULES, &contents, &length, &local))
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot list the loaded modules: %s", local->message);
      return NULL;
    }
  return g_bytes_new_take (contents, length);
}

GPtrArray *
kmodd_kernel_parse_proc_modules (GBytes *contents)
{
  guint skipped = 0;
  GPtrArray *modules;
  gsize length;
  const char *data = g_bytes_get_data (contents, &length);

  modules = kmodd_proc_modules_parse (data, length, &skipped);
  if (skipped > 0)
    g_warning ("Skipped %u lines of /proc/modules that could not be parsed", skipped);
  return modules;
}

GPtrArray *
kernel_read_proc_modules (GError **error)
{
  g_autoptr(GBytes) contents = kmodd_kernel_read_proc_modules (error);

  if (contents == NULL)
    return NULL;
  return kmodd_kernel_parse_proc_modules (contents);
}

GPtrArray *
kmodd_kernel_list (KmoddKernel *kernel,
                   GError     **error)
{
  return kernel_read_proc_modules (error);
}

const char * const *
kmodd_kernel_get_builtin (KmoddKernel *kernel)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  if (kernel->builtin != NULL)
    return (const char * const *) kernel->builtin;

  names = g_ptr_array_new_with_free_func (g_free);
  path = g_build_filename (kmod_get_dirname (kernel->ctx), "modules.builtin", NULL);
  if (g_file_get_contents (path, &contents, NULL, NULL))
    {
      lines = g_strsplit (contents, "\n", -1);
      for (i = 0; lines[i] != NULL; i++)
        {
          g_autofree char *base = NULL;
          char *dot;

          if (lines[i][0] == '\0')
            continue;
          base = g_path_get_basename (lines[i]);
          dot = strstr (base, ".ko");
          if (dot != NULL)
            *dot = '\0';
          if (kmodd_name_is_module_name (base))
            {
              g_autofree char *norm = kmodd_module_name_normalize (base);

              kernel_append_unique (names, norm);
            }
        }
    }

  kernel->builtin = kernel_names_to_strv (names);
  return (const char * const *) kernel->builtin;
}

gboolean
kmodd_kernel_get_usage (KmoddKernel *kernel,
                        const char  *module,
                        KmoddUsage  *out_usage)
{
  g_autoptr(GPtrArray) holders = g_ptr_array_new_with_free_func (g_free);
  struct kmod_module *mod = NULL;
  int state;

  if (!kmodd_name_is_module_name (module) ||
      kmod_module_new_from_name (kernel->ctx, module, &mod) < 0)
    return FALSE;

  state = kmod_module_get_initstate (mod);
  if (!kernel_is_loaded_state (state))
    {
      kmod_module_unref (mod);
      return FALSE;
    }

  if (out_usage != NULL)
    {
      out_usage->state = state == KMOD_MODULE_LIVE ? KMODD_LOADED_LIVE
                       : state == KMOD_MODULE_COMING ? KMODD_LOADED_COMING
                       : KMODD_LOADED_GOING;
      out_usage->refcount = kmod_module_get_refcnt (mod);
      kernel_read_holders (mod, holders);
      out_usage->n_holders = holders->len;
      out_usage->n_devices = kmodd_kernel_count_devices (kmod_module_get_name (mod));
      out_usage->instance = kmodd_kernel_get_instance (kmod_module_get_name (mod));
      /* an unused module may still be one that can never go */
      if (out_usage->refcount == 0 && out_usage->n_holders == 0 &&
          out_usage->n_devices == 0 &&
          kernel_is_permanent_instance (kernel, kmod_module_get_name (mod),
                                        out_usage->instance))
        out_usage->refcount = -1;
    }
  kmod_module_unref (mod);
  return TRUE;
}

GStrv
kmodd_kernel_get_dependencies (KmoddKernel *kernel,
                               const char  *module)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct kmod_module *mod = NULL;
  struct kmod_list *deps;
  struct kmod_list *l;

  if (kmodd_name_is_module_name (module) &&
      kmod_module_new_from_name (kernel->ctx, module, &mod) >= 0)
    {
      deps = kmod_module_get_dependencies (mod);
      kmod_list_foreach (l, deps)
        {
          struct kmod_module *dep = kmod_module_get_module (l);

          g_ptr_array_add (names, g_strdup (kmod_module_get_name (dep)));
          kmod_module_unref (dep);
        }
      kmod_module_unref_list (deps);
      kmod_module_unref (mod);
    }
  return kernel_names_to_strv (names);
}
