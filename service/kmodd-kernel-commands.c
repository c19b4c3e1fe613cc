/* kmodd-kernel-commands.c: modprobe.d's install and remove commands, run
 * by /bin/sh with a clean environment and a timeout, their failure told in
 * words.
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

static gboolean
cancel_on_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

int
kernel_run_command (const char *module,
                    const char *kind,
                    const char *command,
                    char      **out_failure)
{
  const char *envp[] = {
    "PATH=" KMODD_COMMAND_PATH,
    "HOME=/",
    "LANG=C.UTF-8",
    NULL, /* MODPROBE_MODULE */
    NULL,
  };
  const char *argv[] = { KMODD_COMMAND_SHELL, "-c", command, NULL };
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
