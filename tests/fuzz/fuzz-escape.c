/* fuzz-escape.c: kmodd_escape(), through which every string a caller
 * sends reaches the log and error messages.
 *
 * Properties: the result is valid UTF-8 with no control character (no
 * forged log line, no terminal escape sequence), bounded in length; and
 * below the truncation length it is exact: unescaping gives the input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "kmodd-validate.h"

#define ESCAPE_MAX 200 /* as in kmodd-validate.c */

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* The inverse of kmodd_escape() for untruncated results; NULL when the
 * text is not something kmodd_escape() writes. */
static char *
unescape (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (*p != '\\')
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (p[1] == '\\')
        {
          g_string_append_c (out, '\\');
          p++;
        }
      else if (p[1] == 'x' && hex_value (p[2]) >= 0 && hex_value (p[3]) >= 0)
        {
          g_string_append_c (out, (char) (hex_value (p[2]) * 16 + hex_value (p[3])));
          p += 3;
        }
      else
        {
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = g_strndup ((const char *) data, size);
  g_autofree char *escaped = NULL;
  gsize len = strlen (input);
  const char *p;

  fuzz_set_up ();

  escaped = kmodd_escape (input);
  FUZZ_CHECK (escaped != NULL);
  FUZZ_CHECK (g_utf8_validate (escaped, -1, NULL));
  /* each input byte becomes at most 4; then "…(N bytes)" */
  FUZZ_CHECK (strlen (escaped) <= 4 * ESCAPE_MAX + 32);

  for (p = escaped; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      FUZZ_CHECK (c >= 0x20 && c != 0x7f);
      FUZZ_CHECK (c < 0x7f || c == 0x2026); /* only the truncation mark */
    }

  if (len <= ESCAPE_MAX)
    {
      g_autofree char *back = unescape (escaped);

      FUZZ_CHECK (strstr (escaped, "\xe2\x80\xa6") == NULL);
      FUZZ_CHECK (back != NULL && strcmp (back, input) == 0);
    }
  else
    FUZZ_CHECK (g_str_has_suffix (escaped, " bytes)"));

  return 0;
}
