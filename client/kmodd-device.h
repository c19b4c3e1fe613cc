/* kmodd-device.h: one device with a modalias, as the service lists it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define KMODD_TYPE_DEVICE (kmodd_device_get_type ())
G_DECLARE_FINAL_TYPE (KmoddDevice, kmodd_device, KMODD, DEVICE, GObject)

const char         *kmodd_device_get_syspath (KmoddDevice *device);
const char         *kmodd_device_get_subsystem   (KmoddDevice *device);
const char         *kmodd_device_get_modalias    (KmoddDevice *device);
const char         *kmodd_device_get_vendor      (KmoddDevice *device);
const char         *kmodd_device_get_model       (KmoddDevice *device);
const char         *kmodd_device_get_driver      (KmoddDevice *device);
const char         *kmodd_device_get_module      (KmoddDevice *device);
const char * const *kmodd_device_get_candidates  (KmoddDevice *device);
const char * const *kmodd_device_get_blacklisted (KmoddDevice *device);

G_END_DECLS
