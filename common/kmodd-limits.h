/* kmodd-limits.h: every bound kmodd puts on what callers send and ask for.
 *
 * The bounds on a call's arguments are checked by kmodd_limits_check()
 * (kmodd-limits.c), which the service's gate runs on every call before
 * any other work; they are documented in the interface XML and in
 * docs/security.md. Change them there too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what a name, parameters and options may be (kmodd-validate.c) */
#define KMODD_MODULE_NAME_MAX     55   /* MODULE_NAME_LEN - 1 on 64-bit */
#define KMODD_ALIAS_MAX           1024
#define KMODD_PARAMETERS_MAX      4096
#define KMODD_OPTIONS_MAX         32   /* entries of an a{sv}: InvalidArgs beyond */

/* every call's arguments, before anything else (kmodd_limits_check) */
#define KMODD_CALL_SIZE_MAX       65536 /* bytes of all arguments, serialized */
#define KMODD_STRING_MAX          KMODD_PARAMETERS_MAX /* bytes of any string */
#define KMODD_ARRAY_MAX           1024  /* elements of any array, e.g. List's "names" */
#define KMODD_DEPTH_MAX           6     /* containers nested in the arguments */

/* requests in flight, from arrival until their work is done
 * (kmodd-manager.c, kmodd-manager-callers.c, kmodd-worker.c) */
#define KMODD_CALLER_INFLIGHT_MAX 16   /* per connection */
#define KMODD_USER_INFLIGHT_MAX   32   /* per uid other than 0, "no-block" included */
#define KMODD_QUEUE_MAX           256  /* per lane: uid 0 has a queue of its own */
#define KMODD_WORKERS_MAX         4    /* threads; other users' work may occupy 3 */

gboolean kmodd_limits_check (GVariant *arguments,
                             GError  **error);

G_END_DECLS
