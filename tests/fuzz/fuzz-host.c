/* fuzz-host.c: kmodd_host_parse(), on the [USER@]HOST[:PORT] of kmodctl -H
 * and kmodd_client_new_for_host(), which become arguments of ssh.
 *
 * Properties: an accepted string yields a destination ("USER@HOST" or
 * "HOST") that does not start with '-' and has only [A-Za-z0-9._-@:%]
 * (':' and '%' only for an IPv6 address), USER and HOST non-empty, a port
 * 0 (none) or 1..65535 that is what the text says; the text itself had no
 * whitespace or control characters and no leading '-'. A refusal is
 * G_IO_ERROR_INVALID_ARGUMENT with a valid UTF-8 message that does not
 * echo the text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "fuzz-common.h"
#include "kmodd-host.h"

static gboolean
is_host_char (char     c,
              gboolean ipv6)
{
  if (g_ascii_isalnum (c) || c == '.' || c == '_' || c == '-')
    return TRUE;
  return ipv6 && (c == ':' || c == '%');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddHost) host = NULL;
  g_autofree char *destination = NULL;
  gboolean ipv6;
  gsize len = strlen (text);
  gsize i;

  fuzz_set_up ();

  host = kmodd_host_parse (text, &error);
  FUZZ_CHECK ((host == NULL) == (error != NULL));

  if (host == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
      if (len >= 8)
        FUZZ_CHECK (strstr (error->message, text) == NULL);
      return 0;
    }

  FUZZ_CHECK (len > 0 && len <= KMODD_HOST_MAX && text[0] != '-');
  for (i = 0; i < len; i++)
    FUZZ_CHECK ((guchar) text[i] > 0x20 && (guchar) text[i] < 0x7f);

  FUZZ_CHECK (host->host != NULL && host->host[0] != '\0' && host->host[0] != '-');
  ipv6 = strchr (host->host, ':') != NULL;
  for (i = 0; host->host[i] != '\0'; i++)
    FUZZ_CHECK (is_host_char (host->host[i], ipv6));
  if (host->user != NULL)
    {
      FUZZ_CHECK (host->user[0] != '\0' && host->user[0] != '-');
      for (i = 0; host->user[i] != '\0'; i++)
        FUZZ_CHECK (is_host_char (host->user[i], FALSE));
    }
  FUZZ_CHECK (host->port <= 65535);
  if (host->port != 0)
    {
      const char *colon = strrchr (text, ':');
      guint64 port = 0;

      FUZZ_CHECK (colon != NULL);
      FUZZ_CHECK (g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL));
      FUZZ_CHECK (port == host->port);
    }

  destination = kmodd_host_destination (host);
  FUZZ_CHECK (destination[0] != '-');
  FUZZ_CHECK (strchr (destination, '@') == NULL || host->user != NULL);
  return 0;
}
