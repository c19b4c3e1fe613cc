/* kmodd-configurator.c: configuration that survives a reboot.
 *
 * SetBootLoad, SetBlocked and SetParameters change kmodd's own file in
 * modules-load.d or modprobe.d (kmodd-conffile.c), in /etc or, with
 * "runtime", in /run. Each goes through the same steps as a Load:
 *
 *   1. options, name and value are checked; the name is resolved to the
 *      one module it stands for;
 *   2. the change is planned against the files as they are now: conflicts
 *      with other files, "in-use", "now" are found before any password
 *      prompt, and a dry run ends here with what would be written;
 *   3. it is authorized (org.freedesktop.KernelModules1.configure);
 *   4. it is planned again (the files may have changed meanwhile) and
 *      written. Steps 4 of all requests run on the main thread, one at a
 *      time, each reading the file again before changing it: 50 concurrent
 *      calls leave 50 entries.
 *
 * ConfigurationChanged comes from a GFileMonitor on every directory, so
 * that hand edits are signalled too; kmodd's own writes are signalled when
 * they are made, with who asked, and their echo from the monitor is
 * dropped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmodd-conffile.h"
#include "kmodd-configurator.h"
#include "kmodd-confview.h"
#include "kmodd-error.h"
#include "kmodd-initramfs.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

#define CONFIG_PENDING_MAX 64
#define CMDLINE_SOURCE     "/proc/cmdline"

struct _KmoddConfigurator {
  GObject             *owner;
  KmoddDBusManager    *skeleton;
  KmoddKernel         *kernel;
  KmoddAuthority      *authority;
  GPtrArray           *monitors;
  GHashTable          *written; /* path -> the text kmodd last wrote there ("" : removed) */
  KmoddInitramfsCache *initramfs;
  guint                pending;
  void                 (*activity) (GObject *owner);
  gulong               handler_ids[4];
};

static const KmoddOptionSpec boot_load_options[] = {
  { KMODD_OPTION_RUNTIME, "b" },
  { KMODD_OPTION_DRY_RUN, "b" },
  { NULL, NULL },
};

static const KmoddOptionSpec blocked_options[] = {
  { KMODD_OPTION_RUNTIME, "b" },
  { KMODD_OPTION_DRY_RUN, "b" },
  { KMODD_OPTION_IN_USE, "b" },
  { NULL, NULL },
};

static const KmoddOptionSpec parameters_options[] = {
  { KMODD_OPTION_RUNTIME, "b" },
  { KMODD_OPTION_DRY_RUN, "b" },
  { KMODD_OPTION_NOW, "b" },
  { NULL, NULL },
};

typedef enum {
  SET_BOOT_LOAD,
  SET_BLOCKED,
  SET_PARAMETERS,
  GET_CONFIGURATION,
} Method;

static const char * const method_names[] = {
  "SetBootLoad", "SetBlocked", "SetParameters", "GetConfiguration",
};

typedef struct {
  KmoddConfigurator     *configurator;
  GDBusMethodInvocation *invocation;
  Method                 method;
  char                  *name;
  char                  *module;
  gboolean               enabled;    /* SetBootLoad, SetBlocked */
  GPtrArray             *parameters; /* SetParameters; NULL: remove */
  char                  *options;    /* the options line's words */
  gboolean               runtime;
  gboolean               dry_run;
  gboolean               in_use;
  gboolean               now;
  guint32                uid;
  char                  *initramfs;  /* GetConfiguration */
} Request;

static void
request_free (Request *request)
{
  KmoddConfigurator *self = request->configurator;
  GObject *owner = self->owner;

  g_clear_object (&request->invocation);
  g_free (request->name);
  g_free (request->module);
  g_clear_pointer (&request->parameters, g_ptr_array_unref);
  g_free (request->options);
  g_free (request->initramfs);
  g_free (request);

  self->pending--;
  if (self->activity != NULL)
    self->activity (owner);
  g_object_unref (owner);   /* may free self */
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static Request *
request_new (KmoddConfigurator     *self,
             GDBusMethodInvocation *invocation,
             Method                 method,
             const char            *name)
{
  Request *request = g_new0 (Request, 1);

  request->configurator = self;
  g_object_ref (self->owner);
  self->pending++;
  if (self->activity != NULL)
    self->activity (self->owner);
  request->invocation = g_object_ref (invocation);
  request->method = method;
  request->name = g_strdup (name);
  request->uid = G_MAXUINT32;
  return request;
}

static void
return_error (Request      *request,
              const GError *error)
{
  g_autofree char *escaped = kmodd_escape (error->message);

  g_debug ("%s() from %s failed: %s", method_names[request->method],
           g_dbus_method_invocation_get_sender (request->invocation), escaped);
  g_dbus_method_invocation_return_gerror (request->invocation, error);
}

/* ---- planning ------------------------------------------------------------------ */

typedef struct {
  char    *dir;
  char    *path;
  char    *text;      /* the new text; NULL: the file goes */
  gboolean changed;
  char    *note;
} Plan;

static void
plan_clear (Plan *plan)
{
  g_free (plan->dir);
  g_free (plan->path);
  g_free (plan->text);
  g_free (plan->note);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Plan, plan_clear)

/* The sources other than @own that have an entry @matches accepts. */
static char *
other_sources (GPtrArray   *entries,
               const char  *own,
               gboolean   (*matches)(const KmoddConfEntry *entry))
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  guint i;

  for (i = 0; i < entries->len; i++)
    {
      const KmoddConfEntry *entry = g_ptr_array_index (entries, i);

      if (matches (entry) && !g_str_equal (entry->source, own) &&
          !g_ptr_array_find_with_equal_func (paths, entry->source, g_str_equal, NULL))
        g_ptr_array_add (paths, entry->source);
    }
  if (paths->len == 0)
    return NULL;
  g_ptr_array_add (paths, NULL);
  return g_strjoinv (", ", (char **) paths->pdata);
}

static gboolean
is_in_use (KmoddKernel *kernel,
           const char  *module,
           KmoddUsage  *usage)
{
  return kmodd_kernel_get_usage (kernel, module, usage) &&
         (usage->refcount > 0 || usage->n_holders > 0);
}

static gboolean
plan_request (Request *request,
              Plan    *plan,
              GError **error)
{
  KmoddConfigurator *self = request->configurator;
  gboolean modprobe = request->method != SET_BOOT_LOAD;
  KmoddConffileKind kind = modprobe ? KMODD_CONFFILE_MODPROBE : KMODD_CONFFILE_MODULES_LOAD;
  const char *base = request->runtime ? "/run" : "/etc";
  const char *name = request->runtime ? KMODD_CONFFILE_RUNTIME_NAME : KMODD_CONFFILE_NAME;
  g_autoptr(GPtrArray) entries = kmodd_conffile_scan (request->module);
  g_autoptr(KmoddConffile) conffile = NULL;
  g_autofree char *old = NULL;
  g_autofree char *others = NULL;
  KmoddUsage usage;
  gboolean ok = FALSE;
  guint i;

  plan->dir = g_build_filename (base, modprobe ? "modprobe.d" : "modules-load.d", NULL);
  plan->path = g_build_filename (plan->dir, name, NULL);
  if (!kmodd_conffile_read (plan->path, &old, error))
    return FALSE;
  conffile = kmodd_conffile_parse (kind, old, strlen (old));

  switch (request->method)
    {
    case SET_BOOT_LOAD:
      for (i = 0; request->enabled && i < entries->len; i++)
        if (kmodd_conf_entry_is_block (g_ptr_array_index (entries, i)))
          {
            const KmoddConfEntry *entry = g_ptr_array_index (entries, i);

            g_set_error (error, KMODD_ERROR, KMODD_ERROR_BLACKLISTED,
                         "Module %s is blocked by %s; systemd-modules-load would not "
                         "load it", request->module, entry->source);
            return FALSE;
          }
      if (!request->enabled && (others = other_sources (entries, plan->path, kmodd_conf_entry_is_load)))
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_CONFIGURED_ELSEWHERE,
                       "Module %s is also loaded at boot by %s, which kmodd does not "
                       "change", request->module, others);
          return FALSE;
        }
      ok = kmodd_conffile_set_boot_load (conffile, request->module, request->enabled,
                                         &plan->changed, error);
      if (request->enabled && !kmodd_kernel_get_usage (self->kernel, request->module, NULL))
        plan->note = g_strdup_printf ("%s will be loaded at the next boot; it is not "
                                      "loaded now", request->module);
      break;

    case SET_BLOCKED:
      if (!request->enabled && (others = other_sources (entries, plan->path, kmodd_conf_entry_is_block)))
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_CONFIGURED_ELSEWHERE,
                       "Module %s is also blocked by %s, which kmodd does not change",
                       request->module, others);
          return FALSE;
        }
      if (request->enabled && !request->in_use &&
          is_in_use (self->kernel, request->module, &usage))
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_IN_USE,
                       "Module %s is in use (use count %d, %u holders): the next boot "
                       "would go without it; pass “in-use” to block it all the same",
                       request->module, usage.refcount, usage.n_holders);
          return FALSE;
        }
      ok = kmodd_conffile_set_blocked (conffile, request->module, request->enabled,
                                       &plan->changed, error);
      if (request->enabled && kmodd_kernel_get_usage (self->kernel, request->module, NULL))
        plan->note = g_strdup_printf ("Blocking does not unload: %s stays loaded until it "
                                      "is unloaded or the system restarts; every later "
                                      "load fails", request->module);
      break;

    case SET_PARAMETERS:
      if (request->options == NULL &&
          (others = other_sources (entries, plan->path, kmodd_conf_entry_is_options)))
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_CONFIGURED_ELSEWHERE,
                       "Module %s also gets options from %s, which kmodd does not "
                       "change", request->module, others);
          return FALSE;
        }
      if (request->now &&
          !kmodd_confview_check_runtime (self->kernel, request->module, request->parameters,
                                         error))
        return FALSE;
      ok = kmodd_conffile_set_options (conffile, request->module, request->options,
                                       &plan->changed, error);
      if (!request->now && kmodd_kernel_get_usage (self->kernel, request->module, NULL))
        plan->note = g_strdup_printf ("%s is loaded: the options apply from its next "
                                      "load", request->module);
      break;

    case GET_CONFIGURATION:
    default:
      g_assert_not_reached ();
    }

  if (ok)
    plan->text = kmodd_conffile_to_string (conffile);
  return ok;
}

static GVariant *
plan_result (Request  *request,
             Plan     *plan,
             GVariant *applied)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "module", "s", request->module);
  g_variant_dict_insert (&dict, "file", "s", plan->path);
  g_variant_dict_insert (&dict, "changed", "b", plan->changed);
  g_variant_dict_insert (&dict, "contents", "s", plan->text ? plan->text : "");
  if (plan->note != NULL)
    g_variant_dict_insert (&dict, "note", "s", plan->note);
  if (applied != NULL)
    g_variant_dict_insert_value (&dict, "applied", applied);
  return g_variant_dict_end (&dict);
}

/* ---- step 4 ------------------------------------------------------------------------ */

static void
emit_changed (KmoddConfigurator *self,
              const char        *path,
              Request           *request)
{
  g_auto(GVariantDict) details = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&details, KMODD_DETAIL_REASON, "s",
                         request ? KMODD_REASON_REQUEST : KMODD_REASON_EXTERNAL);
  if (request != NULL)
    {
      g_variant_dict_insert (&details, KMODD_DETAIL_UID, "u", request->uid);
      g_variant_dict_insert (&details, "module", "s", request->module);
    }
  kmodd_dbus_manager_emit_configuration_changed (self->skeleton, path,
                                                 g_variant_dict_end (&details));
}

static void
commit (Request *request)
{
  KmoddConfigurator *self = request->configurator;
  g_autoptr(GError) error = NULL;
  g_auto(Plan) plan = { 0, };
  GVariant *applied = NULL;

  if (!plan_request (request, &plan, &error))
    {
      return_error (request, error);
      return;
    }

  if (plan.changed)
    {
      if (!kmodd_conffile_replace (plan.dir, plan.path + strlen (plan.dir) + 1, plan.text, &error))
        {
          g_warning ("%s", error->message);
          return_error (request, error);
          return;
        }
      g_hash_table_insert (self->written, g_strdup (plan.path),
                           g_strdup (plan.text ? plan.text : ""));
      emit_changed (self, plan.path, request);
    }

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "KMODD_METHOD", method_names[request->method],
                    "KMODD_MODULES", request->module,
                    "MESSAGE", "%s(%s) for uid %u: %s %s", method_names[request->method],
                    request->module, request->uid,
                    plan.changed ? (plan.text ? "wrote" : "removed") : "nothing to change in",
                    plan.path);

  if (request->now)
    {
      applied = kmodd_confview_write_runtime (request->module, request->parameters, &error);
      if (applied == NULL)
        {
          g_prefix_error (&error, "%s was written, but ", plan.path);
          return_error (request, error);
          return;
        }
    }

  g_dbus_method_invocation_return_value (request->invocation,
                                         g_variant_new ("(@a{sv})",
                                                        plan_result (request, &plan, applied)));
}

static void
describe (Request    *request,
          GHashTable *initramfs_contents)
{
  GVariant *config = kmodd_confview_describe (request->configurator->kernel, request->module,
                                              request->uid == 0, request->initramfs,
                                              initramfs_contents);

  g_dbus_method_invocation_return_value (request->invocation,
                                         g_variant_new ("(@a{sv})", config));
}

static void
on_initramfs_read (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) contents = kmodd_initramfs_cache_get_finish (request->configurator->initramfs,
                                                                     result, &error);

  describe (request, contents);
}

/* the reply waits for the initramfs, read in a thread when it changed */
static void
get_configuration (Request *request)
{
  request->initramfs = kmodd_confview_find_initramfs ();
  if (request->initramfs == NULL)
    {
      describe (request, NULL);
      request_free (request);
      return;
    }
  g_debug ("GetConfiguration(%s) reads %s", request->module, request->initramfs);
  kmodd_initramfs_cache_get_async (request->configurator->initramfs, request->initramfs,
                                   on_initramfs_read, request);
}

static void
on_authorized (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  KmoddConfigurator *self = request->configurator;
  g_autoptr(GError) error = NULL;

  if (!kmodd_authority_check_finish (self->authority, res, &request->uid, &error))
    {
      g_message ("Refused %s(%s) for uid %u (%s): %s", method_names[request->method],
                 request->module, request->uid,
                 g_dbus_method_invocation_get_sender (request->invocation), error->message);
      return_error (request, error);
      return;
    }

  if (request->method == GET_CONFIGURATION)
    get_configuration (g_steal_pointer (&request));
  else
    commit (request);
}

static void
authorize (Request *request)
{
  KmoddConfigurator *self = request->configurator;
  const KmoddMethodRule *rule = kmodd_authority_find_rule (method_names[request->method]);
  const char *action;

  /* the gate let the call in, so its method has a rule; without one,
   * refuse all the same */
  if (rule == NULL)
    {
      g_dbus_method_invocation_return_error (request->invocation, KMODD_ERROR,
                                             KMODD_ERROR_NOT_AUTHORIZED, "Not authorized");
      request_free (request);
      return;
    }
  action = kmodd_method_rule_get_action (rule, FALSE);
  kmodd_authority_check_async (self->authority, request->invocation, action,
                               request->module, NULL, request->name,
                               KMODD_AUTHORITY_UID_UNKNOWN, NULL,
                               on_authorized, request);
}

/* ---- method handlers ------------------------------------------------------------------ */

/* Steps 1 and 2; then a dry run is answered, anything else authorized. */
static void
accept_request (Request               *request,
                GVariant              *options,
                const KmoddOptionSpec *spec)
{
  KmoddConfigurator *self = request->configurator;
  g_autoptr(GError) error = NULL;
  g_auto(Plan) plan = { 0, };

  if (!kmodd_options_check (options, spec, &error) ||
      !kmodd_name_validate (request->name, NULL, &error))
    goto fail;

  if (self->pending > CONFIG_PENDING_MAX)
    {
      g_set_error (&error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                   "Too many configuration requests in flight (at most %d)",
                   CONFIG_PENDING_MAX);
      goto fail;
    }

  g_variant_lookup (options, KMODD_OPTION_RUNTIME, "b", &request->runtime);
  g_variant_lookup (options, KMODD_OPTION_DRY_RUN, "b", &request->dry_run);
  g_variant_lookup (options, KMODD_OPTION_IN_USE, "b", &request->in_use);
  g_variant_lookup (options, KMODD_OPTION_NOW, "b", &request->now);

  request->module = kmodd_kernel_resolve_one (self->kernel, request->name, &error);
  if (request->module == NULL)
    goto fail;

  if (request->parameters != NULL)
    {
      if (!kmodd_kernel_check_parameters (self->kernel, request->module,
                                          request->parameters, &error))
        goto fail;
      request->options = kmodd_parameters_to_string (request->parameters);
      if (!kmodd_conffile_options_are_safe (request->options))
        {
          g_set_error_literal (&error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                               "Invalid parameters: a value with a space or a quote "
                               "cannot be written to modprobe.d, nor “#”");
          goto fail;
        }
    }

  if (!plan_request (request, &plan, &error))
    goto fail;

  if (request->dry_run)
    {
      g_dbus_method_invocation_return_value (request->invocation,
                                             g_variant_new ("(@a{sv})",
                                                            plan_result (request, &plan, NULL)));
      request_free (request);
      return;
    }

  authorize (request);
  return;

fail:
  return_error (request, error);
  request_free (request);
}

static gboolean
handle_set_boot_load (KmoddDBusManager      *skeleton,
                      GDBusMethodInvocation *invocation,
                      const char            *name,
                      gboolean               enabled,
                      GVariant              *options,
                      KmoddConfigurator     *self)
{
  Request *request = request_new (self, invocation, SET_BOOT_LOAD, name);

  request->enabled = enabled;
  accept_request (request, options, boot_load_options);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_blocked (KmoddDBusManager      *skeleton,
                    GDBusMethodInvocation *invocation,
                    const char            *name,
                    gboolean               blocked,
                    GVariant              *options,
                    KmoddConfigurator     *self)
{
  Request *request = request_new (self, invocation, SET_BLOCKED, name);

  request->enabled = blocked;
  accept_request (request, options, blocked_options);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_parameters (KmoddDBusManager      *skeleton,
                       GDBusMethodInvocation *invocation,
                       const char            *name,
                       const char            *parameters,
                       GVariant              *options,
                       KmoddConfigurator     *self)
{
  Request *request = request_new (self, invocation, SET_PARAMETERS, name);
  g_autoptr(GError) error = NULL;

  if (parameters[0] != '\0')
    {
      request->parameters = kmodd_parameters_parse (parameters, &error);
      if (request->parameters == NULL)
        {
          return_error (request, error);
          request_free (request);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
    }
  accept_request (request, options, parameters_options);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- GetConfiguration -------------------------------------------------------------------- */

static gboolean
handle_get_configuration (KmoddDBusManager      *skeleton,
                          GDBusMethodInvocation *invocation,
                          const char            *name,
                          GVariant              *options,
                          KmoddConfigurator     *self)
{
  Request *request = request_new (self, invocation, GET_CONFIGURATION, name);
  g_autoptr(GError) error = NULL;

  if (!kmodd_options_check (options, NULL, &error) ||
      !kmodd_name_validate (name, NULL, &error))
    goto fail;

  request->module = kmodd_kernel_resolve_one (self->kernel, name, &error);
  if (request->module == NULL && g_error_matches (error, KMODD_ERROR, KMODD_ERROR_BUILTIN))
    {
      g_clear_error (&error);
      request->module = kmodd_kernel_resolve_name (self->kernel, name, &error);
    }
  if (request->module == NULL)
    goto fail;

  /* no action: this only asks the bus who the caller is, for the values
   * of parameters only root may read */
  authorize (request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;

fail:
  return_error (request, error);
  request_free (request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- hand edits -------------------------------------------------------------------------- */

static void
on_directory_changed (GFileMonitor      *monitor,
                      GFile             *file,
                      GFile             *other,
                      GFileMonitorEvent  event,
                      KmoddConfigurator *self)
{
  g_autofree char *path = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *text = NULL;
  const char *expected;

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_RENAMED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      if (event == G_FILE_MONITOR_EVENT_RENAMED && other != NULL)
        file = other;
      break;
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
      break;
    default:
      return;
    }

  basename = g_file_get_basename (file);
  if (basename[0] == '.' || !g_str_has_suffix (basename, ".conf"))
    return;
  path = g_file_get_path (file);

  /* the echo of kmodd's own write */
  expected = g_hash_table_lookup (self->written, path);
  if (expected != NULL)
    {
      if (!g_file_get_contents (path, &text, NULL, NULL))
        text = g_strdup ("");
      if (g_str_equal (text, expected))
        return;
      g_hash_table_remove (self->written, path);
    }

  g_debug ("%s changed outside kmodd", path);
  emit_changed (self, path, NULL);
}

static void
watch_directories (KmoddConfigurator  *self,
                   const char * const *dirs)
{
  guint i;

  for (i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (dirs[i]);
      g_autoptr(GError) error = NULL;
      GFileMonitor *monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES,
                                                        NULL, &error);

      if (monitor == NULL)
        {
          g_debug ("Not watching %s: %s", dirs[i], error->message);
          continue;
        }
      g_signal_connect (monitor, "changed", G_CALLBACK (on_directory_changed), self);
      g_ptr_array_add (self->monitors, monitor);
    }
}

/* ---- life cycle -------------------------------------------------------------------------- */

KmoddConfigurator *
kmodd_configurator_new (GObject          *owner,
                        KmoddDBusManager *skeleton,
                        KmoddKernel      *kernel,
                        KmoddAuthority   *authority)
{
  KmoddConfigurator *self = g_new0 (KmoddConfigurator, 1);
  g_autofree char *release = kmodd_kernel_release ();

  self->owner = owner;
  self->skeleton = g_object_ref (skeleton);
  self->kernel = kernel;
  self->authority = authority;
  self->written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);
  self->initramfs = kmodd_initramfs_cache_new (release);

  self->handler_ids[0] = g_signal_connect (skeleton, "handle-set-boot-load",
                                           G_CALLBACK (handle_set_boot_load), self);
  self->handler_ids[1] = g_signal_connect (skeleton, "handle-set-blocked",
                                           G_CALLBACK (handle_set_blocked), self);
  self->handler_ids[2] = g_signal_connect (skeleton, "handle-set-parameters",
                                           G_CALLBACK (handle_set_parameters), self);
  self->handler_ids[3] = g_signal_connect (skeleton, "handle-get-configuration",
                                           G_CALLBACK (handle_get_configuration), self);

  watch_directories (self, kmodd_modules_load_dirs);
  watch_directories (self, kmodd_modprobe_dirs);
  return self;
}

void
kmodd_configurator_free (KmoddConfigurator *self)
{
  guint i;

  if (self == NULL)
    return;
  g_assert (self->pending == 0);
  for (i = 0; i < G_N_ELEMENTS (self->handler_ids); i++)
    g_signal_handler_disconnect (self->skeleton, self->handler_ids[i]);
  for (i = 0; i < self->monitors->len; i++)
    {
      g_file_monitor_cancel (g_ptr_array_index (self->monitors, i));
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->monitors, i), self);
    }
  g_ptr_array_unref (self->monitors);
  kmodd_initramfs_cache_free (self->initramfs);
  g_hash_table_unref (self->written);
  g_object_unref (self->skeleton);
  g_free (self);
}

void
kmodd_configurator_shutdown (KmoddConfigurator *self)
{
  kmodd_initramfs_cache_shutdown (self->initramfs);
}

guint
kmodd_configurator_get_pending (KmoddConfigurator *self)
{
  return self->pending;
}

void
kmodd_configurator_set_activity_func (KmoddConfigurator  *self,
                                      void             ( *activity ) (GObject *owner))
{
  self->activity = activity;
}
