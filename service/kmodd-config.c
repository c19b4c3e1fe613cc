/* kmodd-config.c: /etc/kmodd/kmodd.conf.
 *
 *   [Daemon]
 *   AutoCleanInterval=60
 *   AutoCleanSamples=4
 *   IdleTimeout=0
 *   AuthorizationTimeout=60
 *
 * A missing file means the defaults. A file that cannot be parsed, or a
 * value out of range, is logged and the defaults stay: a typo must never
 * keep the daemon from starting.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "kmodd-config.h"
#include "kmodd-names.h"

#define GROUP "Daemon"

typedef struct {
  const char *key;
  gsize       offset;
  guint       min;
  guint       max;
} ConfigKey;

static const ConfigKey config_keys[] = {
  { "AutoCleanInterval", G_STRUCT_OFFSET (KmoddConfig, autoclean_interval), 0, 7 * 24 * 3600 },
  { "AutoCleanSamples", G_STRUCT_OFFSET (KmoddConfig, autoclean_samples), 1, 60 },
  { "IdleTimeout", G_STRUCT_OFFSET (KmoddConfig, idle_timeout), 0, 7 * 24 * 3600 },
  { "AuthorizationTimeout", G_STRUCT_OFFSET (KmoddConfig, authorization_timeout), 1, 3600 },
};

void
kmodd_config_init_defaults (KmoddConfig *config)
{
  config->autoclean_interval = KMODD_CONFIG_DEFAULT_AUTOCLEAN_INTERVAL;
  config->autoclean_samples = KMODD_CONFIG_DEFAULT_AUTOCLEAN_SAMPLES;
  config->idle_timeout = KMODD_CONFIG_DEFAULT_IDLE_TIMEOUT;
  config->authorization_timeout = KMODD_CONFIG_DEFAULT_AUTHORIZATION_TIMEOUT;
}

char *
kmodd_config_default_path (void)
{
  /* systemd's ConfigurationDirectory= sets this */
  const char *dir = g_getenv (KMODD_ENV_CONFIGURATION_DIRECTORY);

  if (dir != NULL && g_path_is_absolute (dir) && strchr (dir, ':') == NULL)
    return g_build_filename (dir, "kmodd.conf", NULL);
  return g_build_filename (SYSCONFDIR, "kmodd", "kmodd.conf", NULL);
}

gboolean
kmodd_config_parse (KmoddConfig *config,
                    const char  *data,
                    gsize        length,
                    GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  KmoddConfig parsed;
  g_auto(GStrv) groups = NULL;
  guint i;

  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, error))
    return FALSE;

  groups = g_key_file_get_groups (file, NULL);
  for (i = 0; groups[i] != NULL; i++)
    {
      if (!g_str_equal (groups[i], GROUP))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                       "Unknown group [%s]; the only group is [" GROUP "]", groups[i]);
          return FALSE;
        }
    }

  parsed = *config;
  if (g_key_file_has_group (file, GROUP))
    {
      g_auto(GStrv) keys = g_key_file_get_keys (file, GROUP, NULL, NULL);

      for (i = 0; keys != NULL && keys[i] != NULL; i++)
        {
          const ConfigKey *spec = NULL;
          g_autoptr(GError) local = NULL;
          guint64 value;
          gsize k;

          for (k = 0; k < G_N_ELEMENTS (config_keys); k++)
            if (g_str_equal (config_keys[k].key, keys[i]))
              spec = &config_keys[k];
          if (spec == NULL)
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                           "Unknown key %s", keys[i]);
              return FALSE;
            }

          value = g_key_file_get_uint64 (file, GROUP, keys[i], &local);
          if (local != NULL)
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "%s: %s", keys[i], local->message);
              return FALSE;
            }
          if (value < spec->min || value > spec->max)
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "%s=%" G_GUINT64_FORMAT " is out of range (%u to %u)",
                           keys[i], value, spec->min, spec->max);
              return FALSE;
            }
          G_STRUCT_MEMBER (guint, &parsed, spec->offset) = (guint) value;
        }
    }

  *config = parsed;
  return TRUE;
}

void
kmodd_config_load (KmoddConfig *config,
                   const char  *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  kmodd_config_init_defaults (config);

  if (!g_file_get_contents (path, &data, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Cannot read %s: %s; using the defaults", path, error->message);
      return;
    }

  if (!kmodd_config_parse (config, data, length, &error))
    {
      g_warning ("Ignoring %s: %s; using the defaults", path, error->message);
      kmodd_config_init_defaults (config);
      return;
    }

  g_debug ("Configuration from %s: AutoCleanInterval=%u AutoCleanSamples=%u "
           "IdleTimeout=%u AuthorizationTimeout=%u",
           path, config->autoclean_interval, config->autoclean_samples,
           config->idle_timeout, config->authorization_timeout);
}
