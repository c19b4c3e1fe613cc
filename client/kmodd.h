/* kmodd.h: the kmodd client library. Include this header only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <kmodd-error.h>
#include <kmodd-enums.h>
#include <kmodd-enum-types.h>
#include <kmodd-module.h>
#include <kmodd-device.h>
#include <kmodd-module-info.h>
#include <kmodd-module-event.h>
#include <kmodd-client.h>
#include <kmodd-client-config.h>
