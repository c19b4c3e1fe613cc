/* kmodd-kernel-watch.c: whether modprobe.d or the depmod indexes may have
 * changed since the libkmod context was made.
 *
 * kmod_validate_resources() answers that by stat()ing every modprobe.d
 * directory and every index file, about a dozen paths, on every call that
 * reads them (each List, Info, Devices, Load...). That is cheap on a local
 * disk but not over a network or 9p file system (a few hundred µs each in
 * the VM). An inotify descriptor per context answers it with one read():
 * nothing to read, nothing changed.
 *
 * What is watched matches what libkmod checks, and more: the modprobe.d
 * directories (an event there means the configuration changed, including a
 * file edited in place, which libkmod's check misses because it compares
 * only the directories' times) and the modules directory (an event there
 * lets libkmod decide, since most files in it are not indexes). A
 * directory that does not exist is not watched: libkmod does not read it
 * either. When the descriptor or a watch cannot be made, kmodd falls back
 * to libkmod's check on every call, as before.
 *
 * Changes that the local kernel does not see (a file server's files
 * changed by another machine) are not reported by inotify: kmodd then sees
 * them with the next local change or restart, as udevd does not either.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "kmodd-conffile.h"
#include "kmodd-kernel-private.h"

#define WATCH_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | \
                      IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

void
kernel_watch_close (KmoddKernel *kernel)
{
  if (kernel->watch_fd >= 0)
    close (kernel->watch_fd);
  kernel->watch_fd = -1;
  kernel->modules_wd = -1;
}

static void
watch_fail (KmoddKernel *kernel,
            const char  *what,
            int          err)
{
  g_debug ("Cannot watch %s (%s); checking modprobe.d and the indexes on every call",
           what, g_strerror (err));
  kernel_watch_close (kernel);
}

/* Before the context reads modprobe.d: a change from now on is seen. */
void
kernel_watch_config (KmoddKernel *kernel)
{
  guint i;

  kernel_watch_close (kernel);
  kernel->watch_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (kernel->watch_fd < 0)
    {
      watch_fail (kernel, "modprobe.d", errno);
      return;
    }
  for (i = 0; kmodd_modprobe_dirs[i] != NULL; i++)
    if (inotify_add_watch (kernel->watch_fd, kmodd_modprobe_dirs[i], WATCH_EVENTS) < 0 &&
        errno != ENOENT && errno != ENOTDIR)
      {
        watch_fail (kernel, kmodd_modprobe_dirs[i], errno);
        return;
      }
}

/* Before the context maps the indexes of @modules_dir. */
void
kernel_watch_indexes (KmoddKernel *kernel,
                      const char  *modules_dir)
{
  if (kernel->watch_fd < 0)
    return;
  kernel->modules_wd = inotify_add_watch (kernel->watch_fd, modules_dir, WATCH_EVENTS);
  if (kernel->modules_wd < 0)
    watch_fail (kernel, modules_dir, errno);
}

/* What happened since the last call; the events are consumed. */
KernelWatchResult
kernel_watch_check (KmoddKernel *kernel)
{
  KernelWatchResult result = KERNEL_WATCH_QUIET;
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));

  if (kernel->watch_fd < 0)
    return KERNEL_WATCH_UNKNOWN;

  for (;;)
    {
      ssize_t n = read (kernel->watch_fd, buf, sizeof buf);
      char *p;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return result;
      if (n <= 0)
        {
          /* the descriptor is broken: no longer trusted */
          watch_fail (kernel, "modprobe.d and the indexes", n < 0 ? errno : EIO);
          return KERNEL_WATCH_CONFIG;
        }
      for (p = buf; p < buf + n; p += sizeof (struct inotify_event) + ((struct inotify_event *) p)->len)
        {
          const struct inotify_event *event = (const struct inotify_event *) p;

          if (event->wd == kernel->modules_wd && !(event->mask & (IN_IGNORED | IN_DELETE_SELF |
                                                                  IN_MOVE_SELF)))
            result = MAX (result, KERNEL_WATCH_INDEXES);
          else
            result = KERNEL_WATCH_CONFIG;
        }
    }
}
