/* kmodctl-agent.c: starts pkttyagent for kmodctl's own process, the way
 * systemctl does, so that polkit can ask for a password on the terminal.
 *
 * The agent is started only when it can be of use: not for root (kmodd
 * never asks polkit about uid 0), not without a terminal on stdin, and not
 * when pkttyagent is not installed. kmodctl waits until the agent says it
 * is registered with polkit (by closing its --notify-fd) before it makes
 * the call that may need it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kmodctl-agent.h"

#define AGENT_NOTIFY_FD   3
#define AGENT_WAIT_MS     (30 * 1000)

struct _KmodctlAgent {
  GPid pid;
};

static void
wait_for_notification (int fd)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  gint64 deadline = g_get_monotonic_time () + AGENT_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      int r;

      if (left <= 0)
        {
          g_printerr ("kmodctl: the polkit agent did not start in time; going on without it\n");
          return;
        }
      r = poll (&pfd, 1, (int) left);
      if (r < 0 && errno == EINTR)
        continue;
      /* data, or the agent closed the pipe (registered, or died) */
      return;
    }
}

/* Returns NULL when no agent was started; that is not an error. */
KmodctlAgent *
kmodctl_agent_open (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *pid = NULL;
  g_autofree char *notify_fd = NULL;
  KmodctlAgent *agent;
  int fds[2];
  int source_fds[1];
  int target_fds[1] = { AGENT_NOTIFY_FD };

  if (geteuid () == 0 || !isatty (STDIN_FILENO))
    return NULL;

  path = g_find_program_in_path ("pkttyagent");
  if (path == NULL)
    return NULL;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, &error))
    {
      g_printerr ("kmodctl: cannot start the polkit agent: %s\n", error->message);
      return NULL;
    }

  pid = g_strdup_printf ("%d", (int) getpid ());
  notify_fd = g_strdup_printf ("%d", AGENT_NOTIFY_FD);
  source_fds[0] = fds[1];

  agent = g_new0 (KmodctlAgent, 1);
  {
    const char *argv[] = { path, "--process", pid, "--notify-fd", notify_fd, "--fallback", NULL };

    if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_CHILD_INHERITS_STDIN,
                                           NULL, NULL, -1, -1, -1,
                                           source_fds, target_fds, 1,
                                           &agent->pid, NULL, NULL, NULL, &error))
      {
        g_printerr ("kmodctl: cannot start the polkit agent: %s\n", error->message);
        close (fds[0]);
        close (fds[1]);
        g_free (agent);
        return NULL;
      }
  }

  close (fds[1]);
  wait_for_notification (fds[0]);
  close (fds[0]);
  return agent;
}

void
kmodctl_agent_close (KmodctlAgent *agent)
{
  if (agent == NULL)
    return;

  kill (agent->pid, SIGTERM);
  kill (agent->pid, SIGCONT);
  while (waitpid (agent->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (agent->pid);
  g_free (agent);
}
