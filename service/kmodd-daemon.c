/* kmodd-daemon.c: main() of kmodd, the kernel module service.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdlib.h>

#include "kmodd-config.h"
#include "kmodd-error.h"
#include "kmodd-manager.h"
#include "kmodd-names.h"

typedef struct {
  GMainLoop    *loop;
  KmoddManager *manager;
  gboolean      name_acquired;
  int           exit_status;
} Daemon;

static void
on_bus_acquired (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!kmodd_manager_export (daemon->manager, connection, &error))
    {
      g_critical ("Cannot export %s: %s", KMODD_DBUS_PATH, error->message);
      daemon->exit_status = EXIT_FAILURE;
      g_main_loop_quit (daemon->loop);
    }
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Daemon *daemon = user_data;

  daemon->name_acquired = TRUE;
  g_message ("kmodd %s ready on the system bus as %s", PACKAGE_VERSION, name);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Daemon *daemon = user_data;

  if (connection == NULL)
    {
      g_warning ("Cannot connect to the system bus");
      daemon->exit_status = EXIT_FAILURE;
    }
  else if (!daemon->name_acquired)
    {
      g_warning ("Cannot own %s: another kmodd runs (use --replace) or the bus "
                 "policy does not allow it",
                 name);
      daemon->exit_status = EXIT_FAILURE;
    }
  else
    g_message ("Lost %s (replaced?); exiting", name);

  g_main_loop_quit (daemon->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message ("Stopping");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_idle (KmoddManager *manager,
         gpointer      user_data)
{
  Daemon *daemon = user_data;

  g_main_loop_quit (daemon->loop);
}

int
main (int    argc,
      char **argv)
{
  gboolean replace = FALSE;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  g_autofree char *config_path = NULL;
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      "Replace a running instance", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      "Log every call with its arguments", NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "Read the configuration from FILE (default: " SYSCONFDIR "/kmodd/kmodd.conf)", "FILE" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(KmoddManager) manager = NULL;
  KmoddConfig config;
  Daemon daemon = { 0, };
  guint owner_id;
  guint sigterm_id;
  guint sigint_id;

  setlocale (LC_ALL, "");

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "The kernel module service: loads, unloads, lists and "
                                "auto-cleans kernel modules for callers on the system "
                                "bus, as polkit allows. Usually started by D-Bus "
                                "activation through systemd; see kmodd(8).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodd: %s\nTry “kmodd --help”.\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("kmodd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  /* make sure remote errors map to our domain in both directions */
  (void) KMODD_ERROR;

  if (config_path == NULL)
    config_path = kmodd_config_default_path ();
  kmodd_config_load (&config, config_path);

  manager = kmodd_manager_new (&config, &error);
  if (manager == NULL)
    {
      g_printerr ("kmodd: %s\n", error->message);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.manager = manager;
  g_signal_connect (manager, "idle", G_CALLBACK (on_idle), &daemon);

  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &daemon);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &daemon);

  owner_id = g_bus_own_name (G_BUS_TYPE_SYSTEM, KMODD_DBUS_NAME,
                             G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                             (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                             on_bus_acquired, on_name_acquired, on_name_lost,
                             &daemon, NULL);

  g_main_loop_run (loop);

  g_bus_unown_name (owner_id);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  kmodd_manager_shutdown (manager);
  g_clear_object (&manager);

  return daemon.exit_status;
}
