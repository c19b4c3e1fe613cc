/* kmodd-error-docs.c: documentation for the parts of the error domain in
 * common/kmodd-error.c that the client library makes public. Read by
 * g-ir-scanner only; not compiled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * kmodd_error_quark:
 *
 * Gets the quark of the %KMODD_ERROR domain, registering its errors with
 * GDBus on the first call so that `org.freedesktop.KernelModules1.Error.*`
 * errors a remote kmodd returns arrive in this domain with their codes.
 * [class@Kmodd.Client] calls it before its first call.
 *
 * Returns: the error domain's quark
 */
