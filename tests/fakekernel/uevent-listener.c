/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-uevent-listener: receives module uevents with exactly the
 * libudev calls the daemon uses, and prints one line per event:
 *
 *   ACTION DEVPATH SUBSYSTEM SYSNAME SEQNUM
 *
 * It prints "READY" once the monitor receives, then runs until
 * --count events arrived plus --linger milliseconds (to catch
 * duplicates), or until --timeout milliseconds passed.
 */
#include <errno.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *
or_dash (const char *s)
{
  return s != NULL ? s : "-";
}

int
main (int argc, char **argv)
{
  struct udev *udev;
  struct udev_monitor *mon;
  long count = -1, timeout = 5000, linger = 300, deadline;
  long received = 0;
  struct pollfd pfd;
  int i;

  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--count") == 0 && i + 1 < argc)
        count = strtol (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--timeout") == 0 && i + 1 < argc)
        timeout = strtol (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--linger") == 0 && i + 1 < argc)
        linger = strtol (argv[++i], NULL, 10);
      else
        {
          fprintf (stderr, "usage: %s [--count N] [--timeout MS] "
                           "[--linger MS]\n", argv[0]);
          return 2;
        }
    }

  udev = udev_new ();
  if (udev == NULL)
    {
      perror ("udev_new");
      return 1;
    }
  mon = udev_monitor_new_from_netlink (udev, "udev");
  if (mon == NULL)
    {
      perror ("udev_monitor_new_from_netlink");
      return 1;
    }
  if (udev_monitor_filter_add_match_subsystem_devtype (mon, "module", NULL) < 0
      || udev_monitor_enable_receiving (mon) < 0)
    {
      perror ("udev_monitor_enable_receiving");
      return 1;
    }

  printf ("READY\n");
  fflush (stdout);

  pfd.fd = udev_monitor_get_fd (mon);
  pfd.events = POLLIN;
  deadline = now_ms () + timeout;
  for (;;)
    {
      long left = deadline - now_ms ();
      int r;

      if (left <= 0)
        break;
      r = poll (&pfd, 1, (int) left);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          perror ("poll");
          return 1;
        }
      if (r == 0)
        break;

      for (;;)
        {
          struct udev_device *dev = udev_monitor_receive_device (mon);

          if (dev == NULL)
            break;
          printf ("%s %s %s %s %s\n",
                  or_dash (udev_device_get_action (dev)),
                  or_dash (udev_device_get_devpath (dev)),
                  or_dash (udev_device_get_subsystem (dev)),
                  or_dash (udev_device_get_sysname (dev)),
                  or_dash (udev_device_get_property_value (dev, "SEQNUM")));
          fflush (stdout);
          udev_device_unref (dev);
          received++;
          if (count >= 0 && received == count)
            deadline = now_ms () + linger;
        }
    }

  udev_monitor_unref (mon);
  udev_unref (udev);
  return 0;
}
