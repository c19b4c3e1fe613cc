/* kmodctl-config.h: kmodctl's commands for the configuration that survives
 * a reboot (enable, disable, block, unblock, set-parameters, config), and
 * what kmodctl.c lends them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <kmodd.h>
#include <stdio.h>

#include "kmodctl-agent.h"

G_BEGIN_DECLS

/* kmodctl.c */
KmoddClient  *kmodctl_connect               (KmoddClientFlags flags,
                                             int             *exit_code);
int           kmodctl_fail                  (const GError *error,
                                             const char   *what);
gboolean      kmodctl_check_name            (const char *name,
                                             const char *verb,
                                             int        *exit_code);
KmodctlAgent *kmodctl_setup_authorization   (KmoddClient *client);

/* kmodctl-config.c */
gboolean      kmodctl_config_has_command    (const char *name);
void          kmodctl_config_print_commands (FILE *out);
int           kmodctl_config_run            (int    argc,
                                             char **argv);

G_END_DECLS
