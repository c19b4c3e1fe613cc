/* fuzz-config.c: kmodd_config_parse(), on kmodd.conf.
 *
 * The file belongs to root, but a typo in it must never stop the daemon,
 * and whatever parses must be a configuration the daemon can run with.
 *
 * Properties: on success every value is in its range (the same ranges as
 * kmodd-config.c, so AuthorizationTimeout is never 0); on failure the
 * configuration passed in is left as it was.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "kmodd-config.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  KmoddConfig config;
  KmoddConfig defaults;

  fuzz_set_up ();

  kmodd_config_init_defaults (&defaults);
  config = defaults;

  if (!kmodd_config_parse (&config, (const char *) data, size, &error))
    {
      FUZZ_CHECK (error != NULL);
      FUZZ_CHECK (memcmp (&config, &defaults, sizeof config) == 0);
      return 0;
    }

  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (config.autoclean_interval <= 7 * 24 * 3600);
  FUZZ_CHECK (config.autoclean_samples >= 1 && config.autoclean_samples <= 60);
  FUZZ_CHECK (config.idle_timeout <= 7 * 24 * 3600);
  FUZZ_CHECK (config.authorization_timeout >= 1 && config.authorization_timeout <= 3600);
  return 0;
}
