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
 * This is the one place where errno values and libkmod failures become
 * KmoddError codes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "kmodd"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <libkmod.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <syslog.h>

#include "kmodd-error.h"
#include "kmodd-kernel.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

#define INSTALL_COMMAND_TIMEOUT_S 60

struct _KmoddKernel {
  struct kmod_ctx *ctx;
  GHashTable      *blacklist;  /* normalized module name set */
  GStrv            builtin;    /* lazily read from modules.builtin */
  GHashTable      *info_cache; /* requested name -> InfoCacheEntry */
};

/* Info's answer for a module, kept: reading a module's modinfo (and
 * libkmod formatting its signature) is most of what Info costs, and it
 * only changes with the file. Whether the module is loaded is the one
 * part that changes without it. */
typedef struct {
  char     *module;
  char     *path;      /* NULL for a builtin module */
  struct stat st;
  GVariant *reply[2];  /* [loaded] */
} InfoCacheEntry;

#define INFO_CACHE_MAX 128

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
  if (kernel->info_cache != NULL)
    g_hash_table_remove_all (kernel->info_cache);
}

static gboolean
kernel_open (KmoddKernel *kernel,
             GError     **error)
{
  struct kmod_ctx *ctx = kmod_new (NULL, NULL);
  struct kmod_config_iter *iter;
  int r;

  if (ctx == NULL)
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                           "Could not create a libkmod context");
      return FALSE;
    }

  kmod_set_log_fn (ctx, log_libkmod, NULL);
  kmod_set_log_priority (ctx, LOG_WARNING);

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

/* Pick up changes to modprobe.d and the depmod indexes, as udevd does. */
static void
kernel_refresh (KmoddKernel *kernel)
{
  g_autoptr(GError) error = NULL;

  if (kmod_validate_resources (kernel->ctx) == KMOD_RESOURCES_OK)
    return;

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
  if (!kernel_open (kernel, error))
    return NULL;
  return g_steal_pointer (&kernel);
}

void
kmodd_kernel_free (KmoddKernel *kernel)
{
  if (kernel == NULL)
    return;
  kernel_drop_caches (kernel);
  g_clear_pointer (&kernel->info_cache, g_hash_table_unref);
  g_clear_pointer (&kernel->ctx, kmod_unref);
  g_free (kernel);
}

const char *
kmodd_kernel_get_modules_dir (KmoddKernel *kernel)
{
  return kmod_get_dirname (kernel->ctx);
}

/* ---- errors ---------------------------------------------------------- */

static void
set_error_from_errno (GError    **error,
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

static void
unref_module (gpointer mod)
{
  kmod_module_unref (mod);
}

/* Resolves @name to modules, as modprobe does. A string that is not a
 * module name only ever reaches the alias sources of the lookup (modprobe.d
 * aliases, modules.alias, modules.symbols, builtin aliases): the index of
 * module names has only [a-z0-9_] keys, so "dccp.evil" cannot match "dccp",
 * and it is never passed to kmod_module_new_from_name(), which would
 * truncate it. */
static GPtrArray *
resolve (KmoddKernel *kernel,
         const char  *name,
         GError     **error)
{
  g_autoptr(GPtrArray) mods = g_ptr_array_new_with_free_func (unref_module);
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

static gboolean
is_blacklisted (KmoddKernel       *kernel,
                struct kmod_module *mod)
{
  return g_hash_table_contains (kernel->blacklist, kmod_module_get_name (mod));
}

static GPtrArray *read_proc_modules (GError **error);

/* Whether the kernel says the module can never be removed: it has an init
 * function but no exit function ("[permanent]" in /proc/modules). Only
 * /proc/modules tells, so this is only asked of removal candidates. */
static gboolean
is_permanent (const char *name)
{
  g_autoptr(GPtrArray) modules = read_proc_modules (NULL);
  guint i;

  for (i = 0; modules != NULL && i < modules->len; i++)
    {
      KmoddLoadedModule *m = g_ptr_array_index (modules, i);

      if (g_str_equal (m->name, name))
        return m->permanent;
    }
  return FALSE;
}

guint64
kmodd_kernel_get_instance (const char *module)
{
  g_autofree char *path = NULL;
  struct stat st;

  if (!kmodd_name_is_module_name (module))
    return 0;
  /* sysfs makes a new directory, with a new inode, for every load */
  path = g_build_filename ("/sys/module", module, "initstate", NULL);
  if (stat (path, &st) < 0)
    return 0;
  *strrchr (path, '/') = '\0';
  if (stat (path, &st) < 0 || !S_ISDIR (st.st_mode))
    return 0;
  return (guint64) st.st_ino;
}

static gboolean
is_loaded_state (int state)
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
  mods = resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;
  return g_strdup (kmod_module_get_name (g_ptr_array_index (mods, 0)));
}

static GStrv
module_parameter_names (struct kmod_module *mod)
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

static gboolean
cancel_on_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static int
run_command (const char *module,
             const char *kind,
             const char *command,
             char      **out_failure)
{
  const char *envp[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/",
    "LANG=C.UTF-8",
    NULL, /* MODPROBE_MODULE */
    NULL,
  };
  const char *argv[] = { "/bin/sh", "-c", command, NULL };
  g_autofree char *modenv = g_strdup_printf ("MODPROBE_MODULE=%s", module);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *escaped = kmodd_escape (command);
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GBytes) stdout_bytes = NULL;
  GSource *timeout;
  gboolean finished;

  envp[3] = modenv;

  g_message ("Running the %s command for %s from modprobe.d: %s",
             kind, module, escaped);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_environ (launcher, (char **) envp);
  g_subprocess_launcher_set_cwd (launcher, "/");
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (proc == NULL)
    {
      *out_failure = g_strdup_printf ("The %s command for %s could not be run: %s",
                                      kind, module, error->message);
      return -EINVAL;
    }

  /* An install command is an administrator's shell code; give it a minute,
   * then stop it rather than block every other request forever. The timer
   * runs on the main context, which is always running while we are. */
  cancellable = g_cancellable_new ();
  timeout = g_timeout_source_new_seconds (INSTALL_COMMAND_TIMEOUT_S);
  g_source_set_callback (timeout, cancel_on_timeout, g_object_ref (cancellable),
                         g_object_unref);
  g_source_attach (timeout, NULL);
  finished = g_subprocess_communicate (proc, NULL, cancellable, &stdout_bytes, NULL, NULL);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  if (!finished)
    {
      g_subprocess_force_exit (proc);
      g_subprocess_wait (proc, NULL, NULL);
      *out_failure = g_strdup_printf ("The %s command for %s in modprobe.d did not "
                                      "finish within %d seconds and was stopped",
                                      kind, module, INSTALL_COMMAND_TIMEOUT_S);
      return -ETIMEDOUT;
    }

  if (stdout_bytes != NULL && g_bytes_get_size (stdout_bytes) > 0)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (stdout_bytes, NULL),
                                         g_bytes_get_size (stdout_bytes));

      output = kmodd_escape (g_strstrip (text));
    }

  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return 0;

  if (g_subprocess_get_if_exited (proc))
    *out_failure = g_strdup_printf ("The %s command for %s in modprobe.d failed "
                                    "with exit status %d%s%s",
                                    kind, module, g_subprocess_get_exit_status (proc),
                                    output ? ": " : "", output ? output : "");
  else
    *out_failure = g_strdup_printf ("The %s command for %s in modprobe.d was "
                                    "killed by signal %d",
                                    kind, module, g_subprocess_get_term_sig (proc));
  return -EINVAL;
}

static int
probe_run_install (struct kmod_module *mod,
                   const char         *cmdline,
                   void               *data)
{
  Probe *probe = data;

  g_clear_pointer (&probe->install_failure, g_free);
  return run_command (kmod_module_get_name (mod), "install", cmdline,
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
check_parameters (KmoddKernel        *kernel,
                  GPtrArray          *mods,
                  GPtrArray          *parameters,
                  GError            **error)
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

  declared = module_parameter_names (mod);
  return kmodd_parameters_check_declared (parameters, name,
                                          (const char * const *) declared, error);
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
  mods = resolve (kernel, name, error);
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

/* Checks @parameters for @module exactly as Load does. */
gboolean
kmodd_kernel_check_parameters (KmoddKernel *kernel,
                               const char  *module,
                               GPtrArray   *parameters,
                               GError     **error)
{
  g_autoptr(GPtrArray) mods = NULL;

  kernel_refresh (kernel);
  mods = resolve (kernel, module, error);
  return mods != NULL && check_parameters (kernel, mods, parameters, error);
}

static void
append_unique (GPtrArray  *names,
               const char *name)
{
  if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
    g_ptr_array_add (names, g_strdup (name));
}

static GStrv
names_to_strv (GPtrArray *names)
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
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (unref_module);
  g_autoptr(GPtrArray) inserted = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *options = NULL;
  g_auto(Probe) probe = { 0, };
  guint i;
  int r = 0;

  g_return_val_if_fail (out_inserted != NULL && *out_inserted == NULL, FALSE);

  kernel_refresh (kernel);

  mods = resolve (kernel, name, error);
  if (mods == NULL)
    return FALSE;

  /* An alias may match several modules: like modprobe, skip the blacklisted
   * ones; unlike modprobe, a blacklisted module named directly is refused
   * too. */
  for (i = 0; i < mods->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (mods, i);

      if (!is_blacklisted (kernel, mod))
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
  probe.planned = g_ptr_array_new_with_free_func (unref_module);
  g_private_set (&current_probe, &probe);
  for (i = 0; i < targets->len && r >= 0; i++)
    r = kmod_module_probe_insert_module (g_ptr_array_index (targets, i),
                                         KMOD_PROBE_DRY_RUN, options,
                                         NULL, NULL, probe_print_action);
  g_private_set (&current_probe, NULL);
  if (r < 0)
    {
      set_error_from_errno (error, -r, name, TRUE);
      return FALSE;
    }

  for (i = 0; i < probe.planned->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (probe.planned, i);

      if (is_blacklisted (kernel, mod))
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
        append_unique (inserted, kmod_module_get_name (g_ptr_array_index (probe.planned, i)));
      *out_inserted = names_to_strv (inserted);
      return TRUE;
    }

  /* Then the real thing. */
  g_ptr_array_set_size (probe.planned, 0);
  probe.dry_run = FALSE;
  probe.hook = hook;
  probe.user_data = user_data;
  g_private_set (&current_probe, &probe);
  for (i = 0; i < targets->len && r >= 0; i++)
    r = kmod_module_probe_insert_module (g_ptr_array_index (targets, i),
                                         KMOD_PROBE_APPLY_BLACKLIST_ALL, options,
                                         probe_run_install, &probe,
                                         probe_print_action);
  g_private_set (&current_probe, NULL);

  for (i = 0; i < probe.planned->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (probe.planned, i);
      gboolean in_kernel = is_loaded_state (kmod_module_get_initstate (mod));

      if (in_kernel)
        append_unique (inserted, kmod_module_get_name (mod));
      if (hook != NULL)
        hook (kmod_module_get_name (mod), TRUE, FALSE, in_kernel, user_data);
    }
  *out_inserted = names_to_strv (inserted);

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
        set_error_from_errno (error, -r, failed, TRUE);
      return FALSE;
    }

  return TRUE;
}

/* ---- unload ------------------------------------------------------------- */

typedef struct {
  KmoddKernel    *kernel;
  KmoddKernelHook hook;
  gpointer        user_data;
  gboolean        dry_run;
  GPtrArray      *removed; /* names */
  GHashTable     *gone;    /* names removed by this dry run */
} Removal;

static gboolean
read_holders (struct kmod_module *mod,
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
  if (!is_loaded_state (state) ||
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

  read_holders (mod, holders);
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

      read_holders (mod, all);
      refcnt -= (int) all->len;
    }
  if (refcnt > 0)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE,
                   "Module %s is in use (use count %d)", name, refcnt);
      return FALSE;
    }
  if (is_permanent (name))
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

static gboolean
remove_one (Removal            *removal,
            struct kmod_module *mod,
            GError            **error)
{
  const char *name = kmod_module_get_name (mod);
  const char *cmd = kmod_module_get_remove_commands (mod);
  int r;

  if (!check_removable (removal, mod, error))
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

      r = run_command (name, "remove", cmd, &failure);
      if (r < 0)
        {
          if (removal->hook != NULL)
            removal->hook (name, FALSE, FALSE, FALSE, removal->user_data);
          g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_FAILED, failure);
          return FALSE;
        }
      r = is_loaded_state (kmod_module_get_initstate (mod)) ? -EBUSY : 0;
    }
  else
    r = kmod_module_remove_module (mod, KMOD_REMOVE_NOLOG);

  if (removal->hook != NULL)
    removal->hook (name, FALSE, FALSE, r == 0, removal->user_data);

  if (r < 0)
    {
      set_error_from_errno (error, -r, name, FALSE);
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

  return check_removable (removal, mod, &error);
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
        remove_one (removal, m, NULL);
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

  if (!check_removable (removal, mod, error))
    return FALSE;

  kmod_module_get_softdeps (mod, &pre, &post);

  /* modprobe -r: post-softdeps, the module, dependencies left unused,
   * pre-softdeps. */
  remove_unused_list (removal, post);

  if (!remove_one (removal, mod, error))
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

          if (is_unused (removal, dep) && remove_one (removal, dep, NULL))
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

  mods = resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;

  if (dry_run)
    gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  removal.kernel = kernel;
  removal.hook = hook;
  removal.user_data = user_data;
  removal.dry_run = dry_run;
  removal.removed = removed;
  removal.gone = gone;

  /* An alias names every module it matches; only the loaded ones are
   * removed, and it is an error if none is. */
  for (i = 0; i < mods->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (mods, i);

      if (is_loaded_state (kmod_module_get_initstate (mod)))
        {
          first_loaded = mod;
          break;
        }
    }
  if (first_loaded == NULL)
    {
      /* say why about the first match: builtin or not loaded */
      check_removable (&removal, g_ptr_array_index (mods, 0), error);
      return NULL;
    }

  for (i = 0; i < mods->len; i++)
    {
      struct kmod_module *mod = g_ptr_array_index (mods, i);
      gboolean ok;

      if (!is_loaded_state (kmod_module_get_initstate (mod)))
        continue;
      if (gone != NULL && g_hash_table_contains (gone, kmod_module_get_name (mod)))
        continue;

      if (dependencies)
        ok = remove_with_dependencies (&removal, mod, error);
      else
        ok = remove_one (&removal, mod, error);
      if (!ok)
        return NULL;
    }

  return names_to_strv (removed);
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
      set_error_from_errno (error, -r, module, FALSE);
      return FALSE;
    }

  removal.kernel = kernel;
  removal.hook = hook;
  removal.user_data = user_data;
  removal.removed = removed;
  ok = remove_one (&removal, mod, error);
  kmod_module_unref (mod);
  return ok;
}

/* ---- state ------------------------------------------------------------- */

GBytes *
kmodd_kernel_read_proc_modules (GError **error)
{
  g_autoptr(GError) local = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents ("/proc/modules", &contents, &length, &local))
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

static GPtrArray *
read_proc_modules (GError **error)
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
  return read_proc_modules (error);
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

              append_unique (names, norm);
            }
        }
    }

  kernel->builtin = names_to_strv (names);
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
  if (!is_loaded_state (state))
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
      read_holders (mod, holders);
      out_usage->n_holders = holders->len;
      out_usage->instance = kmodd_kernel_get_instance (kmod_module_get_name (mod));
      /* an unused module may still be one that can never go */
      if (out_usage->refcount == 0 && out_usage->n_holders == 0 &&
          is_permanent (kmod_module_get_name (mod)))
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
  return names_to_strv (names);
}

/* ---- info -------------------------------------------------------------- */

static void
add_string_list (GVariantDict *dict,
                 const char   *key,
                 GPtrArray    *values)
{
  g_variant_dict_insert_value (dict, key,
                               g_variant_new_strv ((const char * const *) values->pdata,
                                                   values->len));
}

static GVariant *
build_info (KmoddKernel *kernel,
            const char  *name,
            char       **out_module,
            char       **out_path,
            gboolean    *out_loaded,
            GError     **error)
{
  g_autoptr(GPtrArray) mods = NULL;
  g_autoptr(GPtrArray) depends = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) aliases = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) firmware = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) softdeps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) parm = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) parmtype = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) parm_order = g_ptr_array_new_with_free_func (g_free);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GVariantBuilder params;
  struct kmod_module *mod;
  struct kmod_list *info = NULL;
  struct kmod_list *l;
  const char *path;
  int state;
  int r;
  guint i;


  mods = resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;
  mod = g_ptr_array_index (mods, 0);

  state = kmod_module_get_initstate (mod);
  g_variant_dict_insert (&dict, KMODD_INFO_NAME, "s", kmod_module_get_name (mod));

  path = kmod_module_get_path (mod);
  if (path != NULL)
    g_variant_dict_insert (&dict, KMODD_INFO_FILENAME, "s", path);
  else if (state == KMOD_MODULE_BUILTIN)
    g_variant_dict_insert (&dict, KMODD_INFO_FILENAME, "s", "(builtin)");

  r = kmod_module_get_info (mod, &info);
  if (r < 0 && state != KMOD_MODULE_BUILTIN)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot read the information of module %s: %s",
                   kmod_module_get_name (mod), g_strerror (-r));
      return NULL;
    }

  kmod_list_foreach (l, info)
    {
      const char *key = kmod_module_info_get_key (l);
      const char *value = kmod_module_info_get_value (l);

      if (value == NULL)
        value = "";

      if (g_str_equal (key, "depends"))
        {
          g_auto(GStrv) parts = g_strsplit (value, ",", -1);

          for (i = 0; parts[i] != NULL; i++)
            if (parts[i][0] != '\0')
              g_ptr_array_add (depends, g_strdup (parts[i]));
        }
      else if (g_str_equal (key, "alias"))
        g_ptr_array_add (aliases, g_strdup (value));
      else if (g_str_equal (key, "firmware"))
        g_ptr_array_add (firmware, g_strdup (value));
      else if (g_str_equal (key, "softdep"))
        g_ptr_array_add (softdeps, g_strdup (value));
      else if (g_str_equal (key, "parm") || g_str_equal (key, "parmtype"))
        {
          const char *colon = strchr (value, ':');
          char *pname;

          if (colon == NULL || colon == value)
            continue;
          pname = g_strndup (value, colon - value);
          /* modinfo(8) shows them in the reverse of libkmod's order */
          if (!g_hash_table_contains (parm, pname) && !g_hash_table_contains (parmtype, pname))
            g_ptr_array_insert (parm_order, 0, g_strdup (pname));
          g_hash_table_replace (g_str_equal (key, "parm") ? parm : parmtype,
                                pname, g_strdup (colon + 1));
        }
      else if (g_str_equal (key, "description") || g_str_equal (key, "author") ||
               g_str_equal (key, "license") || g_str_equal (key, "version") ||
               g_str_equal (key, "vermagic") || g_str_equal (key, "signer") ||
               g_str_equal (key, "srcversion") || g_str_equal (key, "sig_hashalgo") ||
               g_str_equal (key, "sig_key"))
        {
          /* several authors are joined, as modinfo prints them */
          const char *old = NULL;

          if (g_variant_dict_lookup (&dict, key, "&s", &old))
            {
              g_autofree char *joined = g_strdup_printf ("%s, %s", old, value);

              g_variant_dict_insert (&dict, key, "s", joined);
            }
          else
            g_variant_dict_insert (&dict, key, "s", value);
        }
    }
  kmod_module_info_free_list (info);

  add_string_list (&dict, KMODD_INFO_DEPENDS, depends);
  add_string_list (&dict, KMODD_INFO_ALIASES, aliases);
  add_string_list (&dict, KMODD_INFO_FIRMWARE, firmware);
  if (softdeps->len > 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (softdeps, NULL);
      joined = g_strjoinv ("; ", (char **) softdeps->pdata);
      g_variant_dict_insert (&dict, KMODD_INFO_SOFTDEPS, "s", joined);
    }

  g_variant_builder_init (&params, G_VARIANT_TYPE ("a{ss}"));
  for (i = 0; i < parm_order->len; i++)
    {
      const char *pname = g_ptr_array_index (parm_order, i);
      const char *desc = g_hash_table_lookup (parm, pname);
      const char *type = g_hash_table_lookup (parmtype, pname);
      g_autofree char *text = NULL;

      if (desc != NULL && type != NULL)
        text = g_strdup_printf ("%s (%s)", desc, type);
      else
        text = g_strdup (desc != NULL ? desc : type != NULL ? type : "");
      g_variant_builder_add (&params, "{ss}", pname, text);
    }
  g_variant_dict_insert_value (&dict, KMODD_INFO_PARAMETERS, g_variant_builder_end (&params));

  g_variant_dict_insert (&dict, KMODD_INFO_LOADED, "b",
                         is_loaded_state (state) || state == KMOD_MODULE_BUILTIN);
  g_variant_dict_insert (&dict, KMODD_INFO_BUILTIN, "b", state == KMOD_MODULE_BUILTIN);
  g_variant_dict_insert (&dict, KMODD_INFO_BLACKLISTED, "b", is_blacklisted (kernel, mod));
  g_variant_dict_insert (&dict, KMODD_INFO_HAS_INSTALL_COMMAND, "b",
                         kmod_module_get_install_commands (mod) != NULL);

  *out_module = g_strdup (kmod_module_get_name (mod));
  *out_path = g_strdup (path);
  *out_loaded = is_loaded_state (state) || state == KMOD_MODULE_BUILTIN;
  return g_variant_dict_end (&dict);
}

static gboolean
same_file (const struct stat *a,
           const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

GVariant *
kmodd_kernel_info (KmoddKernel *kernel,
                   const char  *name,
                   GError     **error)
{
  InfoCacheEntry *entry;
  g_autofree char *module = NULL;
  g_autofree char *path = NULL;
  struct stat st = { 0, };
  gboolean loaded = FALSE;
  GVariant *reply;

  /* drops the cache when modprobe.d or the indexes changed */
  kernel_refresh (kernel);

  entry = g_hash_table_lookup (kernel->info_cache, name);
  if (entry != NULL)
    {
      gboolean valid = entry->path == NULL ||
                       (stat (entry->path, &st) == 0 && same_file (&st, &entry->st));

      loaded = entry->path == NULL || kmodd_kernel_get_instance (entry->module) != 0;
      if (valid && entry->reply[loaded] != NULL)
        return g_variant_ref (entry->reply[loaded]);
      if (!valid)
        g_hash_table_remove (kernel->info_cache, name);
    }

  reply = build_info (kernel, name, &module, &path, &loaded, error);
  if (reply == NULL)
    return NULL;
  reply = g_variant_ref_sink (reply);

  entry = g_hash_table_lookup (kernel->info_cache, name);
  if (entry == NULL && (path == NULL || stat (path, &st) == 0))
    {
      if (g_hash_table_size (kernel->info_cache) >= INFO_CACHE_MAX)
        g_hash_table_remove_all (kernel->info_cache);
      entry = g_new0 (InfoCacheEntry, 1);
      entry->module = g_steal_pointer (&module);
      entry->path = g_steal_pointer (&path);
      entry->st = st;
      g_hash_table_insert (kernel->info_cache, g_strdup (name), entry);
    }
  if (entry != NULL && entry->reply[loaded] == NULL)
    entry->reply[loaded] = g_variant_ref (reply);
  return reply;
}


/* ---- properties ---------------------------------------------------------- */

static char *
read_trimmed (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return g_strstrip (contents);
}

char *
kmodd_kernel_release (void)
{
  struct utsname u;

  if (uname (&u) < 0)
    return g_strdup ("");
  return g_strdup (u.release);
}

gboolean
kmodd_kernel_modules_disabled (void)
{
  g_autofree char *value = read_trimmed ("/proc/sys/kernel/modules_disabled");

  return value != NULL && g_str_equal (value, "1");
}

char *
kmodd_kernel_lockdown (void)
{
  g_autofree char *value = read_trimmed ("/sys/kernel/security/lockdown");
  const char *open;
  const char *close;

  /* "none [integrity] confidentiality": the active mode is in brackets */
  if (value == NULL || (open = strchr (value, '[')) == NULL ||
      (close = strchr (open, ']')) == NULL)
    return g_strdup ("none");
  return g_strndup (open + 1, close - open - 1);
}

gboolean
kmodd_kernel_signatures_enforced (void)
{
  g_autofree char *value = read_trimmed ("/sys/module/module/parameters/sig_enforce");
  g_autofree char *lockdown = kmodd_kernel_lockdown ();

  return (value != NULL && g_str_equal (value, "Y")) ||
         !g_str_equal (lockdown, "none");
}
