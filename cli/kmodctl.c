/* kmodctl: control kmodd, the kernel module service, from the command line.
 *
 *   kmodctl list [--autoclean] [--builtin] [--json]
 *   kmodctl info NAME [--json]
 *   kmodctl load NAME [PARAM=VALUE...] [--autoclean] [--dry-run] [--no-block]
 *   kmodctl unload NAME [--dependencies] [--unbind] [--dry-run]
 *   kmodctl reload NAME [--parameters=PARAMETERS] [--dry-run]
 *   kmodctl autoclean [--all]
 *   kmodctl monitor [--json]
 *   kmodctl status [--json]
 *
 * and, before the command, -H/--host=[USER@]HOST[:PORT] [--timeout=SECONDS]
 * for the service of another machine, over SSH (kmodctl-remote.c).
 *
 * Built on libkmodd. Errors are one line on stderr; the exit status says
 * what kind of failure it was (see ExitCode in kmodctl.h and kmodctl(1)).
 *
 * This file holds the errors and the connection, the command table and
 * main; the commands on the service are in kmodctl-commands.c, those of
 * the configuration in kmodctl-config.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <kmodd.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmodctl-agent.h"
#include "kmodctl-config.h"
#include "kmodctl-output.h"
#include "kmodctl-remote.h"
#include "kmodctl.h"
#include "kmodd-validate.h"

/* -H/--host and --timeout, given before the command */
KmodctlRemote kmodctl_remote = { NULL, KMODCTL_DEFAULT_TIMEOUT };

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
        case KMODD_ERROR_STOPPING:
          return EXIT_UNAVAILABLE;
        }
    }
  if (kmodctl_remote.host != NULL && kmodctl_remote_is_lost (error))
    return EXIT_NO_CONNECTION;
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED))
    return EXIT_NOT_AUTHORIZED;
  if (is_unavailable (error))
    return EXIT_UNAVAILABLE;
  return EXIT_FAILED;
}

/* Prints "kmodctl: cannot <what>: <why>" and returns the exit status. */
int
kmodctl_failf (const GError *error,
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

  if (g_error_matches (error, KMODD_ERROR, KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED) &&
      kmodctl_remote.host != NULL)
    why = g_strdup ("authentication is required, and no password can be asked for over "
                    "-H; log in to the host as root, or as a user polkit allows without "
                    "one (group kmodd)");
  else if (g_error_matches (error, KMODD_ERROR, KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
    why = g_strdup ("authentication is required; run kmodctl from a terminal to be asked "
                    "for a password, or as root");
  else if (code == EXIT_NO_CONNECTION)
    why = g_strdup_printf ("the connection to %s was lost", kmodctl_remote.host);
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

static KmoddClient *
connect_client (KmoddClientFlags flags,
                int             *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  KmoddClient *client;

  if (kmodctl_remote.host != NULL)
    {
      client = kmodctl_remote_connect (&kmodctl_remote, flags, &error);
      if (client == NULL)
        {
          /* ssh said why on stderr, if it was ssh; this is the one line of
           * kmodctl's own (the host was checked, and is printable) */
          g_printerr ("kmodctl: cannot connect to %s: %s\n", kmodctl_remote.host, error->message);
          *exit_code = EXIT_NO_CONNECTION;
        }
      return client;
    }

  connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("kmodctl: cannot connect to the system bus: %s\n", error->message);
      *exit_code = EXIT_UNAVAILABLE;
      return NULL;
    }

  client = kmodd_client_new_for_connection_sync (connection, flags, NULL, &error);
  if (client == NULL)
    *exit_code = kmodctl_failf (error, "reach the kernel module service");
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
  *exit_code = kmodctl_failf (error, "%s %s", verb, name);
  return FALSE;
}

/* what kmodctl-config.c borrows */
KmoddClient *
kmodctl_connect (KmoddClientFlags flags,
                 int             *exit_code)
{
  return connect_client (flags, exit_code);
}

int
kmodctl_fail (const GError *error,
              const char   *what)
{
  return kmodctl_failf (error, "%s", what);
}

gboolean
kmodctl_check_name (const char *name,
                    const char *verb,
                    int        *exit_code)
{
  return check_name (name, verb, exit_code);
}

/* ---- the command line ------------------------------------------------------------- */

static const Command commands[] = {
  { "list", NULL,
    "List the loaded modules, like lsmod(8).",
    "Shows each module's size, state, AutoClean mark (“marked”, or “visited” when it\n"
    "was used since the last pass), how many devices its drivers serve, and users:\n"
    "the use count and the modules that hold it.",
    (const char *[]) { "autoclean", "builtin", "json", NULL }, 0, 0, kmodctl_run_list },
  { "devices", NULL,
    "List the devices that have a modalias, and which driver serves each.",
    "Shows each device's address, bus or class, vendor and model (from udev's\n"
    "hardware database, when it knows them), its driver (and the driver's module\n"
    "when its name differs; “-” when none) and the candidates: every module whose\n"
    "aliases match the device, in the order modprobe(8) tries them, each one a\n"
    "blacklist names marked “(blacklisted)”.",
    (const char *[]) { "unbound", "json", NULL }, 0, 0, kmodctl_run_devices },
  { "info", "NAME",
    "Describe a module, loaded or not, like modinfo(8).",
    "NAME is a module name or an alias.",
    (const char *[]) { "json", NULL }, 1, 1, kmodctl_run_info },
  { "load", "NAME [PARAM=VALUE…]",
    "Load a module and its dependencies, like modprobe(8).",
    "NAME is a module name or an alias (a MODALIAS string works). PARAM=VALUE words\n"
    "set module parameters. Prints the modules inserted, dependencies first.\n"
    "\n"
    "When stdin is a terminal, polkit may ask for a password there. --no-block\n"
    "returns once kmodd has checked and queued the request, not when the module is\n"
    "in; it never asks for a password. A udev rule waits (no --no-block): see\n"
    "kmodd(8), HOTPLUG.",
    (const char *[]) { "autoclean", "dry-run", "no-block", NULL }, 1, -1, kmodctl_run_load },
  { "unload", "NAME",
    "Unload a module.",
    "A module in use is never removed; nor is one whose drivers serve devices,\n"
    "unless --unbind unbinds them first. Prints the modules removed.",
    (const char *[]) { "dependencies", "unbind", "dry-run", NULL }, 1, 1, kmodctl_run_unload },
  { "reload", "NAME",
    "Unload a module and load it again, like modprobe -r NAME && modprobe NAME.",
    "The devices its drivers serve are unbound first and bound again when it is\n"
    "back; its dependencies stay. It is loaded again with the parameters kmodd\n"
    "loaded it with, if kmodd did (with --parameters: those instead), and\n"
    "modprobe.d's options. A module in use by others is never removed. If it cannot\n"
    "be loaded again, it stays unloaded and kmodctl says so. Prints the modules\n"
    "removed and inserted.",
    (const char *[]) { "parameters", "dry-run", NULL }, 1, 1, kmodctl_run_reload },
  { "autoclean", NULL,
    "Run an AutoClean pass now.",
    "Removes the modules marked for AutoClean that are unused and were not used since\n"
    "the last pass (with --all: that are unused). Prints the modules removed.",
    (const char *[]) { "all", NULL }, 0, 0, kmodctl_run_autoclean },
  { "monitor", NULL,
    "Print modules as they are loaded and unloaded, until interrupted.",
    "One line per event on stdout: time, “loaded” or “unloaded”, module, reason\n"
    "(request, autoclean or external) and the uid that asked (“-” if none).",
    (const char *[]) { "json", NULL }, 0, 0, kmodctl_run_monitor },
  { "status", NULL,
    "Show the service's state.",
    "Version, kernel release, lockdown mode, whether module loading is disabled or\n"
    "signatures are enforced, the AutoClean interval and the number of marked modules.",
    (const char *[]) { "json", NULL }, 0, 0, kmodctl_run_status },
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
    { "parameters", 0, 0, G_OPTION_ARG_STRING, &options->parameters,
      "Load it again with these parameters (“KEY=VALUE …”)", "PARAMETERS" },
    { "unbound", 0, 0, G_OPTION_ARG_NONE, &options->unbound,
      "Only the devices without a driver", NULL },
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
           "  kmodctl [--help] [--version] [-H [USER@]HOST[:PORT] [--timeout=SECONDS]]\n"
           "          COMMAND [OPTION…] [ARGUMENT…]\n"
           "\n"
           "Control kmodd, the kernel module service.\n"
           "\n"
           "Options:\n"
           "  -H, --host=[USER@]HOST[:PORT]  Operate on HOST's service, over ssh\n"
           "  --timeout=SECONDS              With -H: give up connecting after\n"
           "                                 SECONDS (default %u; 0: never)\n"
           "\n"
           "Commands:\n", (unsigned) KMODCTL_DEFAULT_TIMEOUT);
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nConfiguration that survives a reboot:\n");
  kmodctl_config_print_commands (out);
  fprintf (out,
           "\n"
           "Run “kmodctl COMMAND --help” for the options of a command.\n"
           "\n"
           "Exit status: 0 success, 1 other failure, 2 usage error or invalid name or\n"
           "parameters, 3 not authorized, 4 no such module or not loaded, 5 module in\n"
           "use, 6 the system bus or the service is not available, 7 no connection to\n"
           "the host of -H, or it was lost.\n");
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
  g_free (options.parameters);
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
      gboolean usage_error;

      if (kmodctl_remote_parse_option (&kmodctl_remote, argc, argv, &i, &usage_error))
        {
          if (usage_error)
            return EXIT_USAGE;
          continue;
        }
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
      if (kmodctl_config_has_command (argv[i + 1]))
        {
          char *help_argv[] = { argv[i + 1], (char *) "--help", NULL };

          return kmodctl_config_run (2, help_argv);
        }
      command = find_command (argv[i + 1]);
      if (command != NULL)
        {
          char *help_argv[] = { NULL, (char *) "--help", NULL };

          return run_command (command, 2, help_argv);
        }
      i++;
    }

  if (kmodctl_config_has_command (argv[i]))
    return kmodctl_config_run (argc - i, argv + i);
  command = find_command (argv[i]);
  if (command == NULL)
    {
      g_printerr ("kmodctl: unknown command “%s”\nTry “kmodctl --help”.\n", argv[i]);
      return EXIT_USAGE;
    }

  /* a write to an ssh that has gone is an error, not a signal */
  if (kmodctl_remote.host != NULL)
    signal (SIGPIPE, SIG_IGN);

  /* the command's own argv: its name in place of the program's */
  return run_command (command, argc - i, argv + i);
}
