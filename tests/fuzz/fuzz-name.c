/* fuzz-name.c: kmodd_name_validate(), on every name a caller sends to
 * Load, Unload and Info.
 *
 * Properties: a name is accepted as a module name exactly when it is one
 * (kmodd_name_is_module_name: [A-Za-z0-9_-], 1 to 55, no leading '-'); an
 * alias is printable ASCII without whitespace, quotes, path separators or
 * glob characters, at most KMODD_ALIAS_MAX bytes, no leading '-'; a
 * refusal is InvalidName with a valid UTF-8 message that does not echo
 * the name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "kmodd-error.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

static gboolean
is_alias_char (char c)
{
  return c > 0x20 && c < 0x7f && strchr ("/\\\"'`*?[]", c) == NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *name = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  KmoddNameKind kind = (KmoddNameKind) -1;
  gsize len = strlen (name);
  gboolean ok;
  gsize i;

  fuzz_set_up ();

  ok = kmodd_name_validate (name, &kind, &error);
  FUZZ_CHECK (ok == (error == NULL));

  if (!ok)
    {
      FUZZ_CHECK (g_error_matches (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME));
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
      /* a name long enough to be recognisable is never echoed raw */
      if (len >= 8)
        FUZZ_CHECK (strstr (error->message, name) == NULL);
      FUZZ_CHECK (!kmodd_name_is_module_name (name));
      return 0;
    }

  FUZZ_CHECK (len > 0 && name[0] != '-');
  if (kind == KMODD_NAME_MODULE)
    {
      g_autofree char *normal = kmodd_module_name_normalize (name);

      FUZZ_CHECK (kmodd_name_is_module_name (name));
      FUZZ_CHECK (len <= KMODD_MODULE_NAME_MAX);
      FUZZ_CHECK (strlen (normal) == len && strchr (normal, '-') == NULL);
      FUZZ_CHECK (kmodd_name_is_module_name (normal));
    }
  else
    {
      FUZZ_CHECK (kind == KMODD_NAME_ALIAS);
      FUZZ_CHECK (!kmodd_name_is_module_name (name));
      FUZZ_CHECK (len <= KMODD_ALIAS_MAX);
      for (i = 0; i < len; i++)
        FUZZ_CHECK (is_alias_char (name[i]));
    }
  return 0;
}
