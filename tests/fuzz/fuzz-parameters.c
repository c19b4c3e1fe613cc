/* fuzz-parameters.c: kmodd_parameters_parse(), on the "parameters" option
 * of Load, and kmodd_parameters_to_string(), which writes what is passed
 * to the kernel.
 *
 * Properties: what parses is key[=value] words with keys of
 * [A-Za-z0-9_-] (no leading '-', at most 64) and values of the safe set;
 * the canonical string only holds those, spaces, '=' and '"'; parsing the
 * canonical string gives the same parameters back, and writing those gives
 * the same string (a fixed point); a refusal is InvalidParameters.
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
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

static gboolean
is_value_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("_-.,:+/=@%~#^!", c) != NULL);
}

static void
check_parameters (GPtrArray *params)
{
  guint i;

  FUZZ_CHECK (params->len > 0);
  for (i = 0; i < params->len; i++)
    {
      const KmoddParameter *param = g_ptr_array_index (params, i);
      const char *p;

      FUZZ_CHECK (param->key != NULL && param->key[0] != '\0' && param->key[0] != '-');
      FUZZ_CHECK (strlen (param->key) <= 64);
      for (p = param->key; *p != '\0'; p++)
        FUZZ_CHECK (is_name_char (*p));
      for (p = param->value; p != NULL && *p != '\0'; p++)
        FUZZ_CHECK (*p == ' ' || is_value_char (*p));
    }
}

static gboolean
same_parameters (GPtrArray *a,
                 GPtrArray *b)
{
  guint i;

  if (a->len != b->len)
    return FALSE;
  for (i = 0; i < a->len; i++)
    {
      const KmoddParameter *x = g_ptr_array_index (a, i);
      const KmoddParameter *y = g_ptr_array_index (b, i);

      if (g_strcmp0 (x->key, y->key) != 0 || g_strcmp0 (x->value, y->value) != 0)
        return FALSE;
    }
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const declared[] = { "numdummies", "max_loop", "max-part", NULL };
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *canonical_again = NULL;
  gboolean all_declared;
  const char *p;
  guint i;

  fuzz_set_up ();

  params = kmodd_parameters_parse (text, &error);
  if (params == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS));
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (strlen (text) <= KMODD_PARAMETERS_MAX);
  check_parameters (params);

  canonical = kmodd_parameters_to_string (params);
  for (p = canonical; *p != '\0'; p++)
    FUZZ_CHECK (is_value_char (*p) || *p == ' ' || *p == '"');

  /* The canonical form can be longer than the input ("a=" becomes
   * "a=\"\""), so past KMODD_PARAMETERS_MAX it no longer parses: kmodd only
   * ever hands it to the kernel, so that is a limit, not a hole. */
  again = kmodd_parameters_parse (canonical, &error);
  if (strlen (canonical) > KMODD_PARAMETERS_MAX)
    {
      FUZZ_CHECK (again == NULL);
      return 0;
    }
  FUZZ_CHECK (again != NULL && error == NULL);
  FUZZ_CHECK (same_parameters (params, again));
  canonical_again = kmodd_parameters_to_string (again);
  FUZZ_CHECK (strcmp (canonical, canonical_again) == 0);

  /* the declared-keys check agrees with a plain comparison ('-' == '_') */
  all_declared = TRUE;
  for (i = 0; i < params->len; i++)
    {
      const KmoddParameter *param = g_ptr_array_index (params, i);
      g_autofree char *key = kmodd_module_name_normalize (param->key);
      gboolean found = FALSE;
      gsize j;

      for (j = 0; declared[j] != NULL; j++)
        {
          g_autofree char *decl = kmodd_module_name_normalize (declared[j]);

          found |= g_str_equal (key, decl);
        }
      all_declared &= found;
    }
  FUZZ_CHECK (kmodd_parameters_check_declared (params, "dummy", declared, &error) == all_declared);
  FUZZ_CHECK (all_declared == (error == NULL));
  if (error != NULL)
    FUZZ_CHECK (g_error_matches (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS));

  return 0;
}
