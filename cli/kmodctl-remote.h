/* kmodctl-remote.h: kmodctl's global -H/--host and --timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <kmodd.h>

G_BEGIN_DECLS

/* seconds; the default of KmoddClient:connect-timeout too */
#define KMODCTL_DEFAULT_TIMEOUT 30

typedef struct {
  const char *host;    /* [USER@]HOST[:PORT]; NULL: the local system bus */
  guint       timeout; /* seconds to wait for the connection; 0: for ever */
} KmodctlRemote;

/* Takes argv[*i] (and argv[*i + 1] for "-H HOST", "--timeout N") when it is
 * -H, --host or --timeout, leaving *i on the last word taken. Returns FALSE when
 * argv[*i] is none of these; sets *usage_error (after printing one line)
 * when it is one of them, malformed. */
gboolean     kmodctl_remote_parse_option (KmodctlRemote *remote,
                                          int            argc,
                                          char         **argv,
                                          int           *i,
                                          gboolean      *usage_error);

/* A client of remote->host's service, or NULL with the error. */
KmoddClient *kmodctl_remote_connect      (const KmodctlRemote *remote,
                                          KmoddClientFlags     flags,
                                          GError             **error);

/* Whether error says the connection to the host was lost. */
gboolean     kmodctl_remote_is_lost      (const GError *error);

G_END_DECLS
