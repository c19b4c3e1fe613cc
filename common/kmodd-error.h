/* kmodd-error.h: the error domain shared by the daemon and its clients.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * KmoddError:
 * @KMODD_ERROR_FAILED: Anything else; the message carries the kernel's
 *   reason.
 * @KMODD_ERROR_INVALID_NAME: The name is neither a module name nor an alias.
 * @KMODD_ERROR_NOT_FOUND: No module of that name or alias exists.
 * @KMODD_ERROR_BLACKLISTED: The module is blacklisted.
 * @KMODD_ERROR_INVALID_PARAMETERS: The module parameters are malformed, not
 *   declared by the module, or not allowed for it.
 * @KMODD_ERROR_IN_USE: The module is in use; the message names the holders or
 *   the use count.
 * @KMODD_ERROR_BUILTIN: The module is built into the kernel.
 * @KMODD_ERROR_NOT_LOADED: The module is not loaded.
 * @KMODD_ERROR_MODULES_DISABLED: Module loading is disabled in the kernel.
 * @KMODD_ERROR_SIGNATURE_REJECTED: The kernel rejected the module's signature.
 * @KMODD_ERROR_NOT_AUTHORIZED: The caller is not authorized, or polkit could
 *   not be asked.
 * @KMODD_ERROR_LIMITS_EXCEEDED: Too many requests are in flight, or the
 *   call's arguments are over a size bound (kmodd-limits.h).
 * @KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED: The action needs
 *   authentication but the call did not allow interaction
 *   (org.freedesktop.DBus.Error.InteractiveAuthorizationRequired).
 * @KMODD_ERROR_STOPPING: The service is stopping: the request was waiting
 *   and was not done. Nothing of it happened; call again (a new instance
 *   is started on demand).
 * @KMODD_ERROR_CONFIGURED_ELSEWHERE: A configuration file kmodd does not own
 *   says otherwise; the message names the file.
 *
 * Errors in the %KMODD_ERROR domain. Over D-Bus they are
 * `org.freedesktop.KernelModules1.Error.<Name>`.
 */
typedef enum {
  KMODD_ERROR_FAILED,
  KMODD_ERROR_INVALID_NAME,
  KMODD_ERROR_NOT_FOUND,
  KMODD_ERROR_BLACKLISTED,
  KMODD_ERROR_INVALID_PARAMETERS,
  KMODD_ERROR_IN_USE,
  KMODD_ERROR_BUILTIN,
  KMODD_ERROR_NOT_LOADED,
  KMODD_ERROR_MODULES_DISABLED,
  KMODD_ERROR_SIGNATURE_REJECTED,
  KMODD_ERROR_NOT_AUTHORIZED,
  KMODD_ERROR_LIMITS_EXCEEDED,
  KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
  KMODD_ERROR_STOPPING,
  KMODD_ERROR_CONFIGURED_ELSEWHERE,
} KmoddError;

/**
 * KMODD_ERROR:
 *
 * The error domain of kmodd. Registered with GDBus, so errors a remote
 * kmodd returns arrive in this domain with their code.
 */
#define KMODD_ERROR (kmodd_error_quark ())

GQuark kmodd_error_quark (void);

G_END_DECLS
