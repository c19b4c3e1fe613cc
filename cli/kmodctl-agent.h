/* kmodctl-agent.h: a polkit text agent for kmodctl's own process.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KmodctlAgent KmodctlAgent;

KmodctlAgent *kmodctl_agent_open  (void);
void          kmodctl_agent_close (KmodctlAgent *agent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmodctlAgent, kmodctl_agent_close)

G_END_DECLS
