/* kmodd-host.c: parsing the [USER@]HOST[:PORT] of kmodctl -H.
 *
 * The result becomes arguments of ssh(1), after "--": nothing here may let
 * a string be taken for an option, and nothing but the characters of user
 * names, host names and addresses gets through. A pure function of its
 * input, unit-tested (tests/test-validate.c) and fuzzed (fuzz-host).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "kmodd-host.h"

void
kmodd_host_free (KmoddHost *host)
{
  if (host == NULL)
    return;
  g_free (host->user);
  g_free (host->host);
  g_free (host);
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '_' || c == '-';
}

static gboolean
all_name_chars (const char *start,
                gsize       len)
{
  gsize i;

  for (i = 0; i < len; i++)
    {
      if (!is_name_char (start[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
invalid (GError    **error,
         const char *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Invalid host: %s; expected [USER@]HOST[:PORT]", why);
  return FALSE;
}

static KmoddHost *
invalid_host (GError    **error,
              const char *why)
{
  invalid (error, why);
  return NULL;
}

static gboolean
parse_port (const char *text,
            guint      *out_port,
            GError    **error)
{
  guint port = 0;
  gsize i;

  if (text[0] == '\0')
    return invalid (error, "the port is empty");
  for (i = 0; text[i] != '\0'; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return invalid (error, "the port is not a number");
      port = port * 10 + (guint) (text[i] - '0');
      if (port > 65535)
        return invalid (error, "the port is not between 1 and 65535");
    }
  if (port == 0)
    return invalid (error, "the port is not between 1 and 65535");
  *out_port = port;
  return TRUE;
}

/* inside [ ]: an IPv6 address, maybe with a %zone */
static gboolean
parse_ipv6 (const char *start,
            gsize       len,
            GError    **error)
{
  const char *percent = memchr (start, '%', len);
  gsize addr_len = percent ? (gsize) (percent - start) : len;
  gboolean colon = FALSE;
  gsize i;

  if (addr_len == 0)
    return invalid (error, "the address between [ ] is empty");
  for (i = 0; i < addr_len; i++)
    {
      if (start[i] == ':')
        colon = TRUE;
      else if (!g_ascii_isxdigit (start[i]) && start[i] != '.')
        return invalid (error, "only an IPv6 address goes between [ ]");
    }
  if (!colon)
    return invalid (error, "only an IPv6 address goes between [ ]");
  if (percent != NULL &&
      (len - addr_len < 2 || !all_name_chars (percent + 1, len - addr_len - 1)))
    return invalid (error, "the IPv6 zone is not valid");
  return TRUE;
}

KmoddHost *
kmodd_host_parse (const char *text,
                  GError    **error)
{
  KmoddHost *result;
  const char *user = NULL;
  gsize user_len_out = 0;
  const char *host_start;
  gsize host_len;
  guint port_number = 0;
  const char *at;
  const char *rest;
  const char *host_end;
  const char *port = NULL;
  gsize len;
  gsize i;

  g_return_val_if_fail (text != NULL, NULL);

  len = strlen (text);
  if (len == 0)
    return invalid_host (error, "it is empty");
  if (len > KMODD_HOST_MAX)
    return invalid_host (error, "it is too long");
  if (text[0] == '-')
    return invalid_host (error, "it cannot start with “-”");
  for (i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];

      if (c <= 0x20 || c >= 0x7f)
        return invalid_host (error, "it contains whitespace, control or non-ASCII characters");
    }

  at = strchr (text, '@');
  if (at != NULL)
    {
      gsize user_len = (gsize) (at - text);

      if (strchr (at + 1, '@') != NULL)
        return invalid_host (error, "it contains more than one “@”");
      if (user_len == 0)
        return invalid_host (error, "the user name is empty");
      if (!all_name_chars (text, user_len))
        return invalid_host (error, "the user name contains a character other than "
                                    "letters, digits, “.”, “_” and “-”");
      user = text;
      user_len_out = user_len;
      rest = at + 1;
    }
  else
    rest = text;

  if (rest[0] == '[')
    {
      const char *close = strchr (rest, ']');

      if (close == NULL)
        return invalid_host (error, "“[” without “]”");
      if (!parse_ipv6 (rest + 1, (gsize) (close - rest - 1), error))
        return NULL;
      if (close[1] == ':')
        port = close + 2;
      else if (close[1] != '\0')
        return invalid_host (error, "only “:PORT” may follow “]”");
      host_start = rest + 1;
      host_len = (gsize) (close - rest - 1);
    }
  else
    {
      const char *colon = strchr (rest, ':');

      if (colon != NULL && strchr (colon + 1, ':') != NULL)
        return invalid_host (error, "an IPv6 address goes between [ ]");
      host_end = colon ? colon : rest + strlen (rest);
      if (host_end == rest)
        return invalid_host (error, "the host name is empty");
      if (rest[0] == '-')
        return invalid_host (error, "the host name cannot start with “-”");
      if (!all_name_chars (rest, (gsize) (host_end - rest)))
        return invalid_host (error, "the host name contains a character other than "
                                    "letters, digits, “.”, “_” and “-”");
      if (colon != NULL)
        port = colon + 1;
      host_start = rest;
      host_len = (gsize) (host_end - rest);
    }

  if (port != NULL && !parse_port (port, &port_number, error))
    return NULL;

  /* only now, all checked: nothing to free on the way out above */
  result = g_new0 (KmoddHost, 1);
  result->user = user ? g_strndup (user, user_len_out) : NULL;
  result->host = g_strndup (host_start, host_len);
  result->port = port_number;

  return result;
}

char *
kmodd_host_destination (const KmoddHost *host)
{
  g_return_val_if_fail (host != NULL, NULL);

  if (host->user != NULL)
    return g_strconcat (host->user, "@", host->host, NULL);
  return g_strdup (host->host);
}
