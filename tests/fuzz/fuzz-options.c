/* fuzz-options.c: kmodd_options_check(), on the a{sv} options that end
 * every method call.
 *
 * The input is the serialised form of an a{sv}, taken as untrusted (GVariant
 * checks it, as GDBus does for what comes off the bus) and brought into
 * normal form, as GDBus hands it to the daemon. It is checked against the
 * spec table of each method, the daemon's own (kmodd-validate.c).
 *
 * Properties: accepted options hold at most KMODD_OPTIONS_MAX entries, each
 * key once, each in the table with the type the table says, so that the
 * daemon's g_variant_lookup() calls find what they expect; a refusal is
 * InvalidArgs with a valid UTF-8 message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "fuzz-common.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

static const KmoddOptionSpec * const methods[] = {
  kmodd_load_options,
  kmodd_unload_options,
  kmodd_autoclean_options,
  kmodd_list_options,
  NULL, /* Info */
};

static void
check_accepted (GVariant              *options,
                const KmoddOptionSpec *spec)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantIter iter;
  const char *key;
  GVariant *value;
  const KmoddOptionSpec *s;

  FUZZ_CHECK (g_variant_n_children (options) <= KMODD_OPTIONS_MAX);

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const KmoddOptionSpec *match = NULL;

      for (s = spec; s != NULL && s->key != NULL; s++)
        if (g_str_equal (s->key, key))
          match = s;
      FUZZ_CHECK (match != NULL);
      FUZZ_CHECK (g_variant_is_of_type (value, G_VARIANT_TYPE (match->type)));
      FUZZ_CHECK (g_hash_table_add (seen, (gpointer) match->key));
    }

  /* what the method handlers then do */
  for (s = spec; s != NULL && s->key != NULL; s++)
    {
      g_autoptr(GVariant) found = g_variant_lookup_value (options, s->key, NULL);

      FUZZ_CHECK ((found != NULL) == g_hash_table_contains (seen, s->key));
      if (found == NULL)
        continue;
      if (g_str_equal (s->type, "b"))
        {
          gboolean b;

          FUZZ_CHECK (g_variant_lookup (options, s->key, "b", &b));
        }
      else if (g_str_equal (s->type, "s"))
        {
          g_autofree char *str = NULL;

          FUZZ_CHECK (g_variant_lookup (options, s->key, "s", &str));
          FUZZ_CHECK (g_utf8_validate (str, -1, NULL));
        }
      else if (g_str_equal (s->type, "as"))
        {
          g_autofree const char **names = NULL;

          FUZZ_CHECK (g_variant_lookup (options, s->key, "^a&s", &names));
          FUZZ_CHECK (names != NULL);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GVariant) wire = NULL;
  g_autoptr(GVariant) options = NULL;
  gsize m;

  fuzz_set_up ();

  wire = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));
  options = g_variant_get_normal_form (wire);
  FUZZ_CHECK (g_variant_is_normal_form (options));

  for (m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr(GError) error = NULL;

      if (kmodd_options_check (options, methods[m], &error))
        {
          FUZZ_CHECK (error == NULL);
          check_accepted (options, methods[m]);
        }
      else
        {
          FUZZ_CHECK (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
          FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
          /* Info takes no options: anything is refused */
        }
      if (methods[m] == NULL)
        FUZZ_CHECK (error != NULL || g_variant_n_children (options) == 0);
    }
  return 0;
}
