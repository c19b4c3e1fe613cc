/* kmodd-config.h: /etc/kmodd/kmodd.conf, see kmodd.conf(5).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint autoclean_interval;    /* seconds between passes; 0: off */
  guint autoclean_samples;     /* use samples per interval */
  guint idle_timeout;          /* seconds; 0: never exit when idle */
  guint authorization_timeout; /* seconds to wait for polkit */
} KmoddConfig;

#define KMODD_CONFIG_DEFAULT_AUTOCLEAN_INTERVAL    60
#define KMODD_CONFIG_DEFAULT_AUTOCLEAN_SAMPLES     4
#define KMODD_CONFIG_DEFAULT_IDLE_TIMEOUT          0
#define KMODD_CONFIG_DEFAULT_AUTHORIZATION_TIMEOUT 60

void kmodd_config_init_defaults (KmoddConfig *config);

char *kmodd_config_default_path (void);

void kmodd_config_load (KmoddConfig *config,
                        const char  *path);

gboolean kmodd_config_parse (KmoddConfig *config,
                             const char  *data,
                             gsize        length,
                             GError     **error);

G_END_DECLS
