/* kmodctl-commands.c: kmodctl's commands on the service: list, info, load,
 * unload, autoclean, monitor and status (those of the configuration are in
 * kmodctl-config.c; the command table and main in kmodctl.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <kmodd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmodctl-agent.h"
#include "kmodctl-config.h"
#include "kmodctl-output.h"
#include "kmodctl.h"
#include "kmodd-validate.h"

/* ---- commands ---------------------------------------------------------------- */

int
kmodctl_run_list (const Command *command,
                  Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(GPtrArray) modules = NULL;
  int status = EXIT_OK;
  guint i;

  client = kmodctl_connect (ONE_SHOT, &status);
  if (client == NULL)
    return status;

  modules = kmodd_client_list_sync (client,
                                    options->builtin ? KMODD_LIST_FLAGS_INCLUDE_BUILTIN
                                                     : KMODD_LIST_FLAGS_NONE,
                                    NULL, NULL, &error);
  if (modules == NULL)
    return kmodctl_failf (error, "list the modules");

  for (i = modules->len; options->autoclean && i > 0; i--)
    {
      if (!kmodd_module_get_autoclean (g_ptr_array_index (modules, i - 1)))
        g_ptr_array_remove_index (modules, i - 1);
    }

  kmodctl_print_modules (modules, options->json);
  return EXIT_OK;
}

int
kmodctl_run_devices (const Command *command,
                     Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  int status = EXIT_OK;

  client = kmodctl_connect (ONE_SHOT, &status);
  if (client == NULL)
    return status;

  devices = kmodd_client_devices_sync (client,
                                       options->unbound ? KMODD_DEVICES_FLAGS_UNBOUND
                                                        : KMODD_DEVICES_FLAGS_NONE,
                                       NULL, &error);
  if (devices == NULL)
    return kmodctl_failf (error, "list the devices");

  kmodctl_print_devices (devices, options->json);
  return EXIT_OK;
}

int
kmodctl_run_info (const Command *command,
                  Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmoddModuleInfo) info = NULL;
  const char *name = options->args[0];
  int status = EXIT_OK;

  if (!kmodctl_check_name (name, "describe", &status))
    return status;
  client = kmodctl_connect (ONE_SHOT, &status);
  if (client == NULL)
    return status;

  info = kmodd_client_info_sync (client, name, NULL, &error);
  if (info == NULL)
    return kmodctl_failf (error, "describe %s", name);

  kmodctl_print_info (info, options->json);
  return EXIT_OK;
}

/* Interactive authorization when a person can answer: stdin is a
 * terminal, and the command waits. */
static KmodctlAgent *
setup_authorization (KmoddClient *client)
{
  /* no agent on the far side of -H can answer */
  gboolean interactive = isatty (STDIN_FILENO) && kmodctl_remote.host == NULL;

  kmodd_client_set_allow_interactive_authorization (client, interactive);
  return interactive ? kmodctl_agent_open () : NULL;
}

KmodctlAgent *
kmodctl_setup_authorization (KmoddClient *client)
{
  return setup_authorization (client);
}

int
kmodctl_run_load (const Command *command,
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
  if (!kmodctl_check_name (name, "load", &status))
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
      client = kmodctl_connect (ONE_SHOT, &status);
      if (client == NULL)
        return status;
      kmodd_client_set_allow_interactive_authorization (client, FALSE);
      inserted = kmodd_client_load_sync (client, name, parameters,
                                         flags | KMODD_LOAD_FLAGS_NO_BLOCK, NULL, &error);
      if (inserted == NULL)
        return kmodctl_failf (error, "load %s", name);
      return EXIT_OK;
    }

  client = kmodctl_connect (ONE_SHOT, &status);
  if (client == NULL)
    return status;
  if (!options->dry_run)
    agent = setup_authorization (client);

  inserted = kmodd_client_load_sync (client, name, parameters, flags, NULL, &error);
  if (inserted == NULL)
    return kmodctl_failf (error, "load %s", name);

  kmodctl_print_names (options->dry_run ? "Would insert" : "Inserted",
                       (const char * const *) inserted);
  return EXIT_OK;
}

int
kmodctl_run_unload (const Command *command,
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

  if (!kmodctl_check_name (name, "unload", &status))
    return status;
  client = kmodctl_connect (ONE_SHOT, &status);
  if (client == NULL)
    return status;
  if (!options->dry_run)
    agent = setup_authorization (client);

  removed = kmodd_client_unload_sync (client, name, flags, NULL, &error);
  if (removed == NULL)
    return kmodctl_failf (error, "unload %s", name);

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

int
kmodctl_run_reload (const Command *command,
                    Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmodctlAgent) agent = NULL;
  g_auto(GStrv) changed = NULL;
  const char *name = options->args[0];
  KmoddReloadFlags flags = KMODD_RELOAD_FLAGS_NONE;
  int status = EXIT_OK;
  char **c;

  if (options->dry_run)
    flags |= KMODD_RELOAD_FLAGS_DRY_RUN;

  if (!kmodctl_check_name (name, "reload", &status))
    return status;
  client = kmodctl_connect (ONE_SHOT, &status);
  if (client == NULL)
    return status;
  if (!options->dry_run)
    agent = setup_authorization (client);

  changed = kmodd_client_reload_sync (client, name, options->parameters, flags, NULL, &error);
  if (changed == NULL)
    return kmodctl_failf (error, "reload %s", name);

  /* "-NAME" removed, "+NAME" inserted */
  for (c = changed; *c != NULL; c++)
    {
      gboolean removed = (*c)[0] == '-';

      if (options->dry_run)
        printf ("%s %s\n", removed ? "Would remove" : "Would insert", *c + 1);
      else
        printf ("%s %s\n", removed ? "Removed" : "Inserted", *c + 1);
    }
  fflush (stdout);
  return EXIT_OK;
}

int
kmodctl_run_autoclean (const Command *command,
                       Options       *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmodctlAgent) agent = NULL;
  g_auto(GStrv) removed = NULL;
  int status = EXIT_OK;

  client = kmodctl_connect (ONE_SHOT, &status);
  if (client == NULL)
    return status;
  agent = setup_authorization (client);

  removed = kmodd_client_autoclean_sync (client,
                                         options->all ? KMODD_AUTO_CLEAN_FLAGS_ALL
                                                      : KMODD_AUTO_CLEAN_FLAGS_NONE,
                                         NULL, &error);
  if (removed == NULL)
    return kmodctl_failf (error, "run AutoClean");

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
  if (kmodctl_remote.host != NULL)
    {
      g_printerr ("kmodctl: cannot monitor: the connection to %s was lost\n", kmodctl_remote.host);
      monitor->status = EXIT_NO_CONNECTION;
    }
  else
    {
      g_printerr ("kmodctl: cannot monitor: the system bus went away%s%s\n",
                  error ? ": " : "", error ? error->message : "");
      monitor->status = EXIT_UNAVAILABLE;
    }
  g_main_loop_quit (monitor->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Monitor *monitor = user_data;

  g_main_loop_quit (monitor->loop);
  return G_SOURCE_CONTINUE;
}

int
kmodctl_run_monitor (const Command *command,
                     Options       *options)
{
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Monitor monitor = { loop, options->json, EXIT_OK };
  guint sigint_id;
  guint sigterm_id;
  int status = EXIT_OK;

  client = kmodctl_connect (KMODD_CLIENT_FLAGS_NONE, &status);
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

int
kmodctl_run_status (const Command *command,
                    Options       *options)
{
  g_autoptr(KmoddClient) client = NULL;
  int status = EXIT_OK;

  client = kmodctl_connect (KMODD_CLIENT_FLAGS_NONE, &status);
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
