/* kmodctl-remote.c: kmodctl -H/--host=[USER@]HOST[:PORT] and --timeout,
 * on kmodd_client's "host" and "connect-timeout" (ssh HOST
 * systemd-stdio-bridge, as systemctl -H does).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "kmodctl-remote.h"
#include "kmodd-host.h"
#include "kmodd-validate.h"

/* "-H" "VALUE", "-HVALUE", "--host" "VALUE", "--host=VALUE": the value, or
 * NULL when argv[*i] is not the option */
static const char *
option_value (int         argc,
              char      **argv,
              int        *i,
              const char *short_name,
              const char *long_name,
              gboolean   *missing)
{
  const char *arg = argv[*i];
  gsize long_len = strlen (long_name);

  if ((short_name != NULL && g_str_equal (arg, short_name)) || g_str_equal (arg, long_name))
    {
      if (*i + 1 >= argc)
        {
          *missing = TRUE;
          return arg;
        }
      *i += 1;
      return argv[*i];
    }
  if (short_name != NULL && g_str_has_prefix (arg, short_name))
    return arg + strlen (short_name);
  if (strncmp (arg, long_name, long_len) == 0 && arg[long_len] == '=')
    return arg + long_len + 1;
  return NULL;
}

gboolean
kmodctl_remote_parse_option (KmodctlRemote *remote,
                             int            argc,
                             char         **argv,
                             int           *i,
                             gboolean      *usage_error)
{
  gboolean missing = FALSE;
  const char *value;

  *usage_error = FALSE;

  value = option_value (argc, argv, i, "-H", "--host", &missing);
  if (value != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KmoddHost) host = NULL;

      if (missing)
        {
          g_printerr ("kmodctl: -H/--host needs [USER@]HOST[:PORT]\n");
          *usage_error = TRUE;
          return TRUE;
        }
      host = kmodd_host_parse (value, &error);
      if (host == NULL)
        {
          g_autofree char *escaped = kmodd_escape (value);

          g_printerr ("kmodctl: cannot use host “%s”: %s\n", escaped, error->message);
          *usage_error = TRUE;
          return TRUE;
        }
      remote->host = value;
      return TRUE;
    }

  value = option_value (argc, argv, i, NULL, "--timeout", &missing);
  if (value != NULL)
    {
      guint64 seconds = 0;

      if (missing ||
          !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &seconds, NULL))
        {
          g_printerr ("kmodctl: --timeout needs a number of seconds (0: no timeout)\n");
          *usage_error = TRUE;
          return TRUE;
        }
      remote->timeout = (guint) seconds;
      return TRUE;
    }

  return FALSE;
}

KmoddClient *
kmodctl_remote_connect (const KmodctlRemote *remote,
                        KmoddClientFlags     flags,
                        GError             **error)
{
  g_return_val_if_fail (remote->host != NULL, NULL);

  return g_initable_new (KMODD_TYPE_CLIENT, NULL, error,
                         "host", remote->host,
                         "connect-timeout", remote->timeout,
                         "flags", flags,
                         NULL);
}

gboolean
kmodctl_remote_is_lost (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED);
}
