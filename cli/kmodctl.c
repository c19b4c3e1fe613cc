/* kmodctl: control kmodd, the kernel module service, from the command line.
 *
 *   kmodctl list [--autoclean] [--builtin] [--json]
 *   kmodctl info NAME [--json]
 *   kmodctl load NAME [PARAM=VALUE...] [--autoclean] [--dry-run] [--no-block]
 *   kmodctl unload NAME [--dependencies] [--unbind] [--dry-run]
 *   kmodctl autoclean [--all]
 *   kmodctl monitor [--json]
 *   kmodctl status [--json]
 *
 * Built on libkmodd. Errors are one line on stderr; the exit status says
 * what kind of failure it was (see ExitCode and kmodctl(1)).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <kmodd.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmodctl-agent.h"
#include "kmodctl-output.h"
#include "kmodd-validate.h"

typedef enum {
  EXIT_OK              = 0,
  EXIT_FAILED          = 1, /* anything not below */
  EXIT_USAGE           = 2, /* bad command line; InvalidName, InvalidParameters */
  EXIT_NOT_AUTHORIZED  = 3, /* NotAuthorized, InteractiveAuthorizationRequired */
  EXIT_NOT_FOUND       = 4, /* NotFound, NotLoaded */
  EXIT_IN_USE          = 5, /* InUse */
  EXIT_UNAVAILABLE     = 6, /* no system bus, or the service cannot be reached */
} ExitCode;

typedef struct {
  /* options of all commands; each command offers the ones it takes */
  gboolean  autoclean;
  gboolean  builtin;
  gboolean  json;
  gboolean  dry_run;
  gboolean  no_block;
  gboolean  dependencies;
  gboolean  unbind;
  gboolean  all;
  GStrv     args;
} Options;

typedef struct _Command Command;

struct _Command {
  const char         *name;
  const char         *parameters; /* for the usage line */
  const char         *summary;
  const char         *description;
  const char * const *options;    /* long names of the options it takes */
  int                 min_args;
  int                 max_args;   /* -1: any number */
  int               (*run) (const Command *command,
                            Options       *options);
};

/* ---- errors ---------------------------------------------------------------- */

static gboolean
is_unavailable (const GError *error)
{
  if (error->domain == G_DBUS_ERROR)
    {
      switch (error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_TIMEOUT:
        case G_DBUS_ERROR_TIMED_OUT:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_NO_SERVER:
        case G_DBUS_ERROR_NO_NETWORK:
        case G_DBUS_ERROR_FILE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
        case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
        case G_DBUS_ERROR_SPAWN_FILE_INVALID:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
          return TRUE;
        default:
          break;
        }
      /* systemd refusing to start the unit (masked, failed, ...) */
      return g_dbus_error_is_remote_error (error) &&
             g_str_has_prefix (g_dbus_error_get_remote_error (error), "org.freedesktop.systemd1.");
    }
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_NOT_FOUND:
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_PERMISSION_DENIED:
        case G_IO_ERROR_TIMED_OUT:
        case G_IO_ERROR_CLOSED:
        case G_IO_ERROR_BROKEN_PIPE: /* also G_IO_ERROR_CONNECTION_CLOSED */
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
          return TRUE;
        default:
          break;
        }
    }
  return FALSE;
}

static ExitCode
exit_code_for (const GError *error)
{
  if (error->domain == KMODD_ERROR)
    {
      switch ((KmoddError) error->code)
        {
        case KMODD_ERROR_NOT_AUTHORIZED:
        case KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED:
          return EXIT_NOT_AUTHORIZED;
        case KMODD_ERROR_NOT_FOUND:
        case KMODD_ERROR_NOT_LOADED:
          return EXIT_NOT_FOUND;
        case KMODD_ERROR_IN_USE:
          return EXIT_IN_USE;
        case KMODD_ERROR_INVALID_NAME:
        case KMODD_ERROR_INVALID_PARAMETERS:
          return EXIT_USAGE;
        case KMODD_ERROR_FAILED:
        case KMODD_ERROR_BLACKLISTED:
        case KMODD_ERROR_BUILTIN:
        case KMODD_ERROR_MODULES_DISABLED:
        case KMODD_ERROR_SIGNATURE_REJECTED:
        case KMODD_ERROR_LIMITS_EXCEEDED:
        default:
          return EXIT_FAILED;
        }
    }
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED))
    return EXIT_NOT_AUTHORIZED;
  if (is_unavailable (error))
    return EXIT_UNAVAILABLE;
  return EXIT_FAILED;
}

/* Prints "kmodctl: cannot <what>: <why>" and returns the exit status. */
static int
fail (const GError *error,
      const char   *format,
      ...) G_GNUC_PRINTF (2, 3);

static int
fail (const GError *error,
      const char   *format,
      ...)
{
  g_autofree char *raw = NULL;
  g_autofree char *what = NULL;
  g_autofree char *why = NULL;
  ExitCode code = exit_code_for (error);
  va_list args;

  va_start (args, format);
  raw = g_strdup_vprintf (format, args);
  va_end (args);
  /* it holds the NAME as given: no escape sequences to the terminal */
  what = kmodd_escape (raw);

  if (g_error_matches (error, KMODD_ERROR, KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
    why = g_strdup ("authentication is required; run kmodctl from a terminal to be asked "
                    "for a password, or as root");
  else if (code == EXIT_UNAVAILABLE && error->domain == G_DBUS_ERROR)
    {
      g_autofree char *stripped = g_strdup (error->message);
      GError copy = { error->domain, error->code, stripped };

      g_dbus_error_strip_remote_error (&copy);
      why = g_strdup_printf ("the kernel module service is not available (%s)", copy.message);
      stripped = copy.message;
    }
  else
    why = g_strdup (error->message);

  g_printerr ("kmodctl: cannot %s: %s\n", what, why);
  return code;
}

/* For the commands that only call methods: creating the client asks the
 * bus who owns the name and nothing else; the call starts the service. */
#define ONE_SHOT (KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE | \
                  KMODD_CLIENT_FLAGS_DO_NOT_LOAD_PROPERTIES | \
                  KMODD_CLIENT_FLAGS_DO_NOT_CONNECT_SIGNALS)

static KmoddClient *
connect_client (KmoddClientFlags flags,
                int             *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  KmoddClient *client;

  if (connection == NULL)
    {
      g_printerr ("kmodctl: cannot connect to the system bus: %s\n", error->message);
      *exit_code = EXIT_UNAVAILABLE;
      return NULL;
    }

  client = kmodd_client_new_for_connection_sync (connection, flags, NULL, &error);
  if (client == NULL)
    *exit_code = fail (error, "reach the kernel module service");
  return client;
}

/* A NAME that kmodd would refuse is refused here already, with kmodd's
 * own words and exit status, bus or no bus. */
static gboolean
check_name (const char *name,
            const char *verb,
            int        *exit_code)
{
  g_autoptr(GError) error = NULL;

  if (kmodd_name_validate (name, NULL, &error))
    return TRUE;
  *exit_code = fail (error, "%s %s", verb, name);
  return FALSE;
}

/* ---- commands ---------------------------------------------------------------- */

static int
run_list (const Command *command,
          Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(GPtrArray) modules = NULL;
  int status = EXIT_OK;
  guint i;

  client = connect_client (ONE_SHOT, &status);
  if (client == NULL)
    return status;

  modules = kmodd_client_list_sync (client,
                                    options->builtin ? KMODD_LIST_FLAGS_INCLUDE_BUILTIN
                                                     : KMODD_LIST_FLAGS_NONE,
                                    NULL, NULL, &error);
  if (modules == NULL)
    return fail (error, "list the modules");

  for (i = modules->len; options->autoclean && i > 0; i--)
    {
      if (!kmodd_module_get_autoclean (g_ptr_array_index (modules, i - 1)))
        g_ptr_array_remove_index (modules, i - 1);
    }

  kmodctl_print_modules (modules, options->json);
  return EXIT_OK;
}

static int
run_info (const Command *command,
          Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmoddModuleInfo) info = NULL;
  const char *name = options->args[0];
  int status = EXIT_OK;

  if (!check_name (name, "describe", &status))
    return status;
  client = connect_client (ONE_SHOT, &status);
  if (client == NULL)
    return status;

  info = kmodd_client_info_sync (client, name, NULL, &error);
  if (info == NULL)
    return fail (error, "describe %s", name);

  kmodctl_print_info (info, options->json);
  return EXIT_OK;
}

/* Interactive authorization when a person can answer: stdin is a
 * terminal, and the command waits. */
static KmodctlAgent *
setup_authorization (KmoddClient *client)
{
  gboolean interactive = isatty (STDIN_FILENO);

  kmodd_client_set_allow_interactive_authorization (client, interactive);
  return interactive ? kmodctl_agent_open () : NULL;
}

static int
run_load (const Command *command,
          Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmodctlAgent) agent = NULL;
  g_auto(GStrv) inserted = NULL;
  g_autofree char *parameters = NULL;
  const char *name = options->args[0];
  KmoddLoadFlags flags = KMODD_LOAD_FLAGS_NONE;
  int status = EXIT_OK;
  guint i;

  if (options->no_block && options->dry_run)
    {
      g_printerr ("kmodctl load: --dry-run needs the answer; it cannot go with --no-block\n");
      return EXIT_USAGE;
    }
  if (!check_name (name, "load", &status))
    return status;

  for (i = 1; options->args[i] != NULL; i++)
    {
      if (strchr (options->args[i], '=') == NULL || options->args[i][0] == '=')
        {
          g_printerr ("kmodctl load: “%s” is not PARAM=VALUE\n", options->args[i]);
          return EXIT_USAGE;
        }
    }
  if (options->args[1] != NULL)
    parameters = g_strjoinv (" ", options->args + 1);

  if (options->autoclean)
    flags |= KMODD_LOAD_FLAGS_AUTOCLEAN;
  if (options->dry_run)
    flags |= KMODD_LOAD_FLAGS_DRY_RUN;

  if (options->no_block)
    {
      /* Wait only until kmodd has checked, authorized and queued the
       * request (milliseconds for root), never for the module's init: a
       * truly fire-and-forget call cannot work, because the bus forgets
       * who sent a message once its sender has gone, and kmodd must know
       * who asks. Never interactive. */
      client = connect_client (ONE_SHOT, &status);
      if (client == NULL)
        return status;
      kmodd_client_set_allow_interactive_authorization (client, FALSE);
      inserted = kmodd_client_load_sync (client, name, parameters,
                                         flags | KMODD_LOAD_FLAGS_NO_BLOCK, NULL, &error);
      if (inserted == NULL)
        return fail (error, "load %s", name);
      return EXIT_OK;
    }

  client = connect_client (ONE_SHOT, &status);
  if (client == NULL)
    return status;
  if (!options->dry_run)
    agent = setup_authorization (client);

  inserted = kmodd_client_load_sync (client, name, parameters, flags, NULL, &error);
  if (inserted == NULL)
    return fail (error, "load %s", name);

  kmodctl_print_names (options->dry_run ? "Would insert" : "Inserted",
                       (const char * const *) inserted);
  return EXIT_OK;
}

static int
run_unload (const Command *command,
            Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmodctlAgent) agent = NULL;
  g_auto(GStrv) removed = NULL;
  const char *name = options->args[0];
  KmoddUnloadFlags flags = KMODD_UNLOAD_FLAGS_NONE;
  int status = EXIT_OK;

  if (options->dependencies)
    flags |= KMODD_UNLOAD_FLAGS_DEPENDENCIES;
  if (options->dry_run)
    flags |= KMODD_UNLOAD_FLAGS_DRY_RUN;
  if (options->unbind)
    flags |= KMODD_UNLOAD_FLAGS_UNBIND;

  if (!check_name (name, "unload", &status))
    return status;
  client = connect_client (ONE_SHOT, &status);
  if (client == NULL)
    return status;
  if (!options->dry_run)
    agent = setup_authorization (client);

  removed = kmodd_client_unload_sync (client, name, flags, NULL, &error);
  if (removed == NULL)
    return fail (error, "unload %s", name);

  if (!options->dry_run)
    kmodctl_print_names ("Removed", (const char * const *) removed);
  else
    {
      char **r;

      /* a device that would lose its driver holds a space; a module never */
      for (r = removed; *r != NULL; r++)
        printf ("%s %s\n", strchr (*r, ' ') ? "Would unbind" : "Would remove", *r);
      fflush (stdout);
    }
  return EXIT_OK;
}

static int
run_autoclean (const Command *command,
               Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmodctlAgent) agent = NULL;
  g_auto(GStrv) removed = NULL;
  int status = EXIT_OK;

  client = connect_client (ONE_SHOT, &status);
  if (client == NULL)
    return status;
  agent = setup_authorization (client);

  removed = kmodd_client_autoclean_sync (client,
                                         options->all ? KMODD_AUTO_CLEAN_FLAGS_ALL
                                                      : KMODD_AUTO_CLEAN_FLAGS_NONE,
                                         NULL, &error);
  if (removed == NULL)
    return fail (error, "run AutoClean");

  kmodctl_print_names ("Removed", (const char * const *) removed);
  return EXIT_OK;
}

typedef struct {
  GMainLoop *loop;
  gboolean   json;
  int        status;
} Monitor;

static void
on_module_event (KmoddClient      *client,
                 const char       *name,
                 KmoddModuleEvent *event,
                 Monitor          *monitor)
{
  kmodctl_print_event (event, monitor->json);
}

static void
on_connection_closed (GDBusConnection *connection,
                      gboolean         remote_peer_vanished,
                      GError          *error,
                      Monitor         *monitor)
{
  g_printerr ("kmodctl: cannot monitor: the system bus went away%s%s\n",
              error ? ": " : "", error ? error->message : "");
  monitor->status = EXIT_UNAVAILABLE;
  g_main_loop_quit (monitor->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Monitor *monitor = user_data;

  g_main_loop_quit (monitor->loop);
  return G_SOURCE_CONTINUE;
}

static int
run_monitor (const Command *command,
             Options       *options)
{
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Monitor monitor = { loop, options->json, EXIT_OK };
  guint sigint_id;
  guint sigterm_id;
  int status = EXIT_OK;

  client = connect_client (KMODD_CLIENT_FLAGS_NONE, &status);
  if (client == NULL)
    return status;

  g_signal_connect (client, "module-loaded", G_CALLBACK (on_module_event), &monitor);
  g_signal_connect (client, "module-unloaded", G_CALLBACK (on_module_event), &monitor);
  g_signal_connect (kmodd_client_get_connection (client), "closed",
                    G_CALLBACK (on_connection_closed), &monitor);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &monitor);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &monitor);

  /* the signal subscriptions are in place once the client is: say so on
   * stderr, so that stdout carries events only */
  if (!kmodd_client_get_service_running (client))
    g_printerr ("kmodctl: the kernel module service is not running; waiting for it\n");
  g_printerr ("Monitoring kernel modules; press Ctrl+C to stop.\n");

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (kmodd_client_get_connection (client), &monitor);
  g_signal_handlers_disconnect_by_data (client, &monitor);
  return monitor.status;
}

static int
run_status (const Command *command,
            Options       *options)
{
  g_autoptr(KmoddClient) client = NULL;
  int status = EXIT_OK;

  client = connect_client (KMODD_CLIENT_FLAGS_NONE, &status);
  if (client == NULL)
    return status;

  if (!kmodd_client_get_service_running (client))
    {
      g_printerr ("kmodctl: cannot get the status: the kernel module service is not "
                  "running and could not be started\n");
      return EXIT_UNAVAILABLE;
    }

  kmodctl_print_status (client, options->json);
  return EXIT_OK;
}

/* ---- the command line ------------------------------------------------------------- */

static const Command commands[] = {
  { "list", NULL,
    "List the loaded modules, like lsmod(8).",
    "Shows each module's size, state, AutoClean mark (“marked”, or “visited” when it\n"
    "was used since the last pass) and users: the use count and the modules that\n"
    "hold it.",
    (const char *[]) { "autoclean", "builtin", "json", NULL }, 0, 0, run_list },
  { "info", "NAME",
    "Describe a module, loaded or not, like modinfo(8).",
    "NAME is a module name or an alias.",
    (const char *[]) { "json", NULL }, 1, 1, run_info },
  { "load", "NAME [PARAM=VALUE…]",
    "Load a module and its dependencies, like modprobe(8).",
    "NAME is a module name or an alias (a MODALIAS string works). PARAM=VALUE words\n"
    "set module parameters. Prints the modules inserted, dependencies first.\n"
    "\n"
    "When stdin is a terminal, polkit may ask for a password there. --no-block\n"
    "returns once kmodd has checked and queued the request, not when the module is\n"
    "in (for udev rules); it never asks for a password.",
    (const char *[]) { "autoclean", "dry-run", "no-block", NULL }, 1, -1, run_load },
  { "unload", "NAME",
    "Unload a module.",
    "A module in use is never removed; nor is one whose drivers serve devices,\n"
    "unless --unbind unbinds them first. Prints the modules removed.",
    (const char *[]) { "dependencies", "unbind", "dry-run", NULL }, 1, 1, run_unload },
  { "autoclean", NULL,
    "Run an AutoClean pass now.",
    "Removes the modules marked for AutoClean that are unused and were not used since\n"
    "the last pass (with --all: that are unused). Prints the modules removed.",
    (const char *[]) { "all", NULL }, 0, 0, run_autoclean },
  { "monitor", NULL,
    "Print modules as they are loaded and unloaded, until interrupted.",
    "One line per event on stdout: time, “loaded” or “unloaded”, module, reason\n"
    "(request, autoclean or external) and the uid that asked (“-” if none).",
    (const char *[]) { "json", NULL }, 0, 0, run_monitor },
  { "status", NULL,
    "Show the service's state.",
    "Version, kernel release, lockdown mode, whether module loading is disabled or\n"
    "signatures are enforced, the AutoClean interval and the number of marked modules.",
    (const char *[]) { "json", NULL }, 0, 0, run_status },
};

static GOptionEntry *
entries_for (const Command *command,
             Options       *options)
{
  const GOptionEntry all[] = {
    { "autoclean", 0, 0, G_OPTION_ARG_NONE, &options->autoclean,
      g_str_equal (command->name, "list") ? "Only modules marked for AutoClean"
                                           : "Mark the modules inserted for AutoClean", NULL },
    { "builtin", 0, 0, G_OPTION_ARG_NONE, &options->builtin,
      "Also list the modules built into the kernel", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &options->json,
      g_str_equal (command->name, "monitor") ? "One JSON object per line"
                                              : "Print JSON", NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &options->dry_run,
      "Change nothing; print what would be done", NULL },
    { "no-block", 0, 0, G_OPTION_ARG_NONE, &options->no_block,
      "Return once the request is queued, not when the module is in", NULL },
    { "dependencies", 0, 0, G_OPTION_ARG_NONE, &options->dependencies,
      "Also remove the dependencies left unused", NULL },
    { "unbind", 0, 0, G_OPTION_ARG_NONE, &options->unbind,
      "Unbind the devices the module drives, then remove it", NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &options->all,
      "Remove every unused marked module, used recently or not", NULL },
  };
  GOptionEntry *entries = g_new0 (GOptionEntry, G_N_ELEMENTS (all) + 2);
  guint n = 0;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (all); i++)
    {
      if (g_strv_contains (command->options, all[i].long_name))
        entries[n++] = all[i];
    }
  entries[n].long_name = G_OPTION_REMAINING;
  entries[n].arg = G_OPTION_ARG_STRING_ARRAY;
  entries[n].arg_data = &options->args;
  return entries;
}

static void
print_usage (FILE *out)
{
  gsize i;

  fprintf (out,
           "Usage:\n"
           "  kmodctl [--help] [--version] COMMAND [OPTION…] [ARGUMENT…]\n"
           "\n"
           "Control kmodd, the kernel module service.\n"
           "\n"
           "Commands:\n");
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Run “kmodctl COMMAND --help” for the options of a command.\n"
           "\n"
           "Exit status: 0 success, 1 other failure, 2 usage error or invalid name or\n"
           "parameters, 3 not authorized, 4 no such module or not loaded, 5 module in\n"
           "use, 6 the system bus or the service is not available.\n");
}

static const Command *
find_command (const char *name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (commands[i].name, name))
        return &commands[i];
    }
  return NULL;
}

static int
run_command (const Command *command,
             int            argc,
             char         **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree GOptionEntry *entries = NULL;
  g_autofree char *program = g_strdup_printf ("kmodctl %s", command->name);
  g_auto(GStrv) args = NULL;
  Options options = { 0, };
  int n_args;
  int status;

  context = g_option_context_new (command->parameters);
  g_option_context_set_summary (context, command->summary);
  g_option_context_set_description (context, command->description);
  entries = entries_for (command, &options);
  g_option_context_add_main_entries (context, entries, NULL);

  /* argv[0] is what --help shows as the program */
  argv[0] = program;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodctl %s: %s\nTry “kmodctl %s --help”.\n",
                  command->name, error->message, command->name);
      return EXIT_USAGE;
    }

  if (options.args == NULL)
    options.args = g_new0 (char *, 1);
  args = options.args;
  n_args = (int) g_strv_length (options.args);
  if (n_args < command->min_args ||
      (command->max_args >= 0 && n_args > command->max_args))
    {
      if (n_args < command->min_args)
        g_printerr ("kmodctl %s: missing %s\n", command->name, command->parameters);
      else
        g_printerr ("kmodctl %s: unexpected argument “%s”\n", command->name,
                    options.args[command->max_args]);
      g_printerr ("Try “kmodctl %s --help”.\n", command->name);
      return EXIT_USAGE;
    }

  status = command->run (command, &options);
  return status;
}

int
main (int    argc,
      char **argv)
{
  const Command *command;
  int i;

  setlocale (LC_ALL, "");

  /* options before the command are kmodctl's own */
  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        {
          print_usage (stdout);
          return EXIT_OK;
        }
      if (g_str_equal (argv[i], "--version"))
        {
          printf ("kmodctl %s\n", PACKAGE_VERSION);
          return EXIT_OK;
        }
      g_printerr ("kmodctl: unknown option “%s”\nTry “kmodctl --help”.\n", argv[i]);
      return EXIT_USAGE;
    }

  if (i >= argc)
    {
      g_printerr ("kmodctl: no command given\n\n");
      print_usage (stderr);
      return EXIT_USAGE;
    }

  if (g_str_equal (argv[i], "help"))
    {
      if (i + 1 >= argc)
        {
          print_usage (stdout);
          return EXIT_OK;
        }
      command = find_command (argv[i + 1]);
      if (command != NULL)
        {
          char *help_argv[] = { NULL, (char *) "--help", NULL };

          return run_command (command, 2, help_argv);
        }
      i++;
    }

  command = find_command (argv[i]);
  if (command == NULL)
    {
      g_printerr ("kmodctl: unknown command “%s”\nTry “kmodctl --help”.\n", argv[i]);
      return EXIT_USAGE;
    }

  /* the command's own argv: its name in place of the program's */
  return run_command (command, argc - i, argv + i);
}
