/* kmodd-kernel-load.c: Load, as modprobe(8) does it: the plan (dependencies,
 * softdeps, install commands), the blacklist on every module of it, the
 * caller's parameters checked against the ones the module declares.
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

/* ---- load -------------------------------------------------------------- */

typedef struct {
  KmoddKernel    *kernel;
  KmoddKernelHook hook;
  gpointer        user_data;
  gboolean        dry_run;
  GPtrArray      *planned;   /* struct kmod_module*, in order */
  char           *install_failure;
} Probe;

/* libkmod's print_action callback has no user data; the probe that is
 * running on this thread is kept here. */
static GPrivate current_probe;

static void
probe_print_action (struct kmod_module *mod,
                    bool                install,
                    const char         *options)
{
  Probe *probe = g_private_get (&current_probe);
  guint i;

  g_return_if_fail (probe != NULL);

  for (i = 0; i < probe->planned->len; i++)
    {
      if (g_ptr_array_index (probe->planned, i) == mod)
        return;
    }
  g_ptr_array_add (probe->planned, kmod_module_ref (mod));

  if (!probe->dry_run && probe->hook != NULL)
    probe->hook (kmod_module_get_name (mod), TRUE, TRUE, FALSE, probe->user_data);
}

static int
probe_run_install (struct kmod_module *mod,
                   const char         *cmdline,
                   void               *data)
{
  Probe *probe = data;

  g_clear_pointer (&probe->install_failure, g_free);
  return kernel_run_command (kmod_module_get_name (mod), "install", cmdline,
                             &probe->install_failure);
}

static void
probe_clear (Probe *probe)
{
  g_clear_pointer (&probe->planned, g_ptr_array_unref);
  g_clear_pointer (&probe->install_failure, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Probe, probe_clear)

static gboolean
check_parameters (KmoddKernel *kernel,
                  GPtrArray   *mods,
                  GPtrArray   *parameters,
                  GError     **error)
{
  struct kmod_module *mod;
  g_auto(GStrv) declared = NULL;
  const char *name;

  if (mods->len != 1)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                   "The name matches %u modules; parameters can only be given "
                   "when it names exactly one",
                   mods->len);
      return FALSE;
    }

  mod = g_ptr_array_index (mods, 0);
  name = kmod_module_get_name (mod);

  if (kmod_module_get_initstate (mod) == KMOD_MODULE_BUILTIN)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                   "Module %s is built into the kernel; its parameters can only "
                   "be set on the kernel command line",
                   name);
      return FALSE;
    }

  if (kmod_module_get_install_commands (mod) != NULL)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                   "Module %s has an install command in modprobe.d; parameters "
                   "cannot be passed to it",
                   name);
      return FALSE;
    }

  declared = kernel_module_parameter_names (mod);
  return kmodd_parameters_check_declared (parameters, name,
                                          (const char * const *) declared, error);
}

/* Checks @parameters for @module exactly as Load does. */
gboolean
kmodd_kernel_check_parameters (KmoddKernel *kernel,
                               const char  *module,
                               GPtrArray   *parameters,
                               GError     **error)
{
  g_autoptr(GPtrArray) mods = NULL;

  kernel_refresh (kernel);
  mods = kernel_resolve (kernel, module, error);
  return mods != NULL && check_parameters (kernel, mods, parameters, error);
}

static gboolean
contains_module (GPtrArray          *mods,
                 struct kmod_module *mod)
{
  return g_ptr_array_find (mods, mod, NULL);
}

/* The modules a load of @targets cannot do without: the targets and their
 * dependencies (modules.dep lists them all), not their softdeps. */
static GPtrArray *
required_modules (GPtrArray *targets)
{
  GPtrArray *required = g_ptr_array_new_with_free_func (kernel_unref_module);
  guint i;

  for (i = 0; i < targets->len; i++)
    {
      struct kmod_module *target = g_ptr_array_index (targets, i);
      struct kmod_list *deps = kmod_module_get_dependencies (target);
      struct kmod_list *l;

      g_ptr_array_add (required, kmod_module_ref (target));
      kmod_list_foreach (l, deps)
        g_ptr_array_add (required, kmod_module_get_module (l));
      kmod_module_unref_list (deps);
    }
  return required;
}

void
kernel_append_unique (GPtrArray  *names,
                      const char *name)
{
  if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
    g_ptr_array_add (names, g_strdup (name));
}

GStrv
kernel_names_to_strv (GPtrArray *names)
{
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_steal (names, NULL);
}

/* Returns what was (or, in a dry run, would be) inserted in @out_inserted,
 * also when it fails halfway: then the dependencies that went in stay in,
 * as with modprobe, and the caller must know about them. */
gboolean
kmodd_kernel_load (KmoddKernel    *kernel,
                   const char     *name,
                   GPtrArray      *parameters,
                   gboolean        dry_run,
                   KmoddKernelHook hook,
                   gpointer        user_data,
                   GStrv          *out_inserted,
                   GError        **error)
{
  g_autoptr(GPtrArray) mods = NULL;
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (kernel_unref_module);
  g_autoptr(GPtrArray) inserted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) plan = NULL;
  g_autoptr(GPtrArray) required = NULL;
  g_autoptr(GPtrArray) others = g_ptr_array_new (); /* inserted by someone else */
  g_autofree char *options = NULL;
  g_auto(Probe) probe = { 0, };
  guint i;
  int r = 0;

  g_return_val_if_fail (out_inserted != NULL && *out_inserted == NULL, FALSE);

  kernel_refresh (kernel);

  mods = kernel_resolve (kernel, name, error);
  if (mods == NULL)
    return FALSE;

  /* An alias may match several modules: like modprobe, skip the blacklisted
   * ones; unlike modprobe, a blacklisted module named directly is refused
   * too. */
  for (i = 0; i < mods->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (mods, i);

      if (!kernel_is_blacklisted (kernel, mod))
        g_ptr_array_add (targets, kmod_module_ref (mod));
    }
  if (targets->len == 0)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_BLACKLISTED,
                   "Module %s is blacklisted (modprobe.d or modprobe.blacklist= "
                   "on the kernel command line)",
                   kmod_module_get_name (g_ptr_array_index (mods, 0)));
      return FALSE;
    }

  if (parameters != NULL)
    {
      if (!check_parameters (kernel, targets, parameters, error))
        return FALSE;
      options = kmodd_parameters_to_string (parameters);
    }

  /* First the plan: what modprobe would insert, with nothing inserted. */
  probe.kernel = kernel;
  probe.dry_run = TRUE;
  probe.planned = g_ptr_array_new_with_free_func (kernel_unref_module);
  g_private_set (&current_probe, &probe);
  for (i = 0; i < targets->len && r >= 0; i++)
    r = kmod_module_probe_insert_module (g_ptr_array_index (targets, i),
                                         KMOD_PROBE_DRY_RUN, options,
                                         NULL, NULL, probe_print_action);
  g_private_set (&current_probe, NULL);
  if (r < 0)
    {
      kernel_set_error_from_errno (error, -r, name, TRUE);
      return FALSE;
    }

  for (i = 0; i < probe.planned->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (probe.planned, i);

      if (kernel_is_blacklisted (kernel, mod))
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_BLACKLISTED,
                       "Loading %s needs %s, which is blacklisted (modprobe.d "
                       "or modprobe.blacklist= on the kernel command line)",
                       kmod_module_get_name (g_ptr_array_index (targets, 0)),
                       kmod_module_get_name (mod));
          return FALSE;
        }
    }

  if (dry_run)
    {
      for (i = 0; i < probe.planned->len; i++)
        kernel_append_unique (inserted, kmod_module_get_name (g_ptr_array_index (probe.planned, i)));
      *out_inserted = kernel_names_to_strv (inserted);
      return TRUE;
    }

  /* Then the real thing, one module of the plan at a time, dependencies
   * first, so that each insertion's own answer is seen. libkmod takes
   * EEXIST (someone else inserted the module in the instant between its
   * check and the insertion) for success; with FAIL_ON_LOADED it says so
   * for the module a call is about, and such a module is not this
   * request's: it is neither reported nor recorded as inserted. A failing
   * module that the targets do not depend on (a softdep) does not stop the
   * load, as with modprobe. */
  plan = g_steal_pointer (&probe.planned);
  required = required_modules (targets);
  probe.planned = g_ptr_array_new_with_free_func (kernel_unref_module);
  probe.dry_run = FALSE;
  probe.hook = hook;
  probe.user_data = user_data;
  g_private_set (&current_probe, &probe);
  for (i = 0; i < plan->len && r >= 0; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (plan, i);
      gboolean tried_before = contains_module (probe.planned, mod);

      r = kmod_module_probe_insert_module (mod,
                                           KMOD_PROBE_APPLY_BLACKLIST_ALL |
                                           KMOD_PROBE_FAIL_ON_LOADED,
                                           contains_module (targets, mod) ? options : NULL,
                                           probe_run_install, &probe,
                                           probe_print_action);
      if (r == -EEXIST)
        {
          /* not when an earlier module's call inserted it (a softdep) */
          if (!tried_before)
            g_ptr_array_add (others, mod);
          r = 0;
        }
      else if (r < 0 && !contains_module (required, mod))
        {
          g_debug ("Loading %s, which is not needed, failed: %s",
                   kmod_module_get_name (mod), g_strerror (-r));
          r = 0;
        }
    }
  g_private_set (&current_probe, NULL);

  for (i = 0; i < probe.planned->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (probe.planned, i);
      gboolean in_kernel = kernel_is_loaded_state (kmod_module_get_initstate (mod)) &&
                           !contains_module (others, mod);

      if (contains_module (others, mod))
        g_message ("%s was inserted by someone else at the same time; it is not "
                   "recorded as this request's",
                   kmod_module_get_name (mod));

      if (in_kernel)
        kernel_append_unique (inserted, kmod_module_get_name (mod));
      if (hook != NULL)
        hook (kmod_module_get_name (mod), TRUE, FALSE, in_kernel, user_data);
    }
  *out_inserted = kernel_names_to_strv (inserted);

  if (r > 0)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_BLACKLISTED,
                   "Module %s is blacklisted (modprobe.d or modprobe.blacklist= "
                   "on the kernel command line)",
                   kmod_module_get_name (g_ptr_array_index (targets, 0)));
      return FALSE;
    }
  if (r < 0)
    {
      const char *failed = probe.planned->len > 0
        ? kmod_module_get_name (g_ptr_array_index (probe.planned, probe.planned->len - 1))
        : name;

      if (probe.install_failure != NULL)
        g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                             probe.install_failure);
      else
        kernel_set_error_from_errno (error, -r, failed, TRUE);
      return FALSE;
    }

  return TRUE;
}
