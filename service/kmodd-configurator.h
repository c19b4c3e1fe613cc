/* kmodd-configurator.h: SetBootLoad, SetBlocked, SetParameters,
 * GetConfiguration and ConfigurationChanged.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "kmodd-authority.h"
#include "kmodd-dbus-generated.h"
#include "kmodd-kernel.h"

G_BEGIN_DECLS

typedef struct _KmoddConfigurator KmoddConfigurator;

/* Handles the configuration methods of @skeleton. @kernel and @authority
 * belong to @owner (the manager), which every request holds a reference to
 * until it is answered. */
KmoddConfigurator *kmodd_configurator_new (GObject          *owner,
                                           KmoddDBusManager *skeleton,
                                           KmoddKernel      *kernel,
                                           KmoddAuthority   *authority);
void kmodd_configurator_free (KmoddConfigurator *configurator);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddConfigurator, kmodd_configurator_free)

/* SIGTERM: the reads of the initramfs stop; the GetConfiguration calls
 * waiting for them are answered without "initramfs-contains". */
void kmodd_configurator_shutdown (KmoddConfigurator *configurator);

/* Requests not yet answered: the idle exit waits for them. */
guint kmodd_configurator_get_pending (KmoddConfigurator *configurator);

/* Called when a request arrives and when it has been answered. */
void kmodd_configurator_set_activity_func (KmoddConfigurator  *configurator,
                                           void             ( *activity ) (GObject *owner));

G_END_DECLS
