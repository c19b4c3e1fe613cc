/* kmodd-enums.h: the flags and enumerations of the kmodd client library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * KmoddClientFlags:
 * @KMODD_CLIENT_FLAGS_NONE: Start the service, if it is not running, while
 *   the client is being created (the usual choice for panels).
 * @KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE: Do not start the service while
 *   the client is being created, and so never wait for it; method calls
 *   still start it. Until it runs, [property@Kmodd.Client:service-running]
 *   is %FALSE and the service's properties are unset.
 * @KMODD_CLIENT_FLAGS_DO_NOT_LOAD_PROPERTIES: Neither fetch nor follow the
 *   service's properties: they stay unset (%NULL, %FALSE or 0) and never
 *   notify. Together with %KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE,
 *   creating the client asks the bus only, never the service, so it cannot
 *   hang on a busy service. For one-shot callers like command-line tools.
 * @KMODD_CLIENT_FLAGS_DO_NOT_CONNECT_SIGNALS: Do not follow the service's
 *   signals: [signal@Kmodd.Client::module-loaded] and
 *   [signal@Kmodd.Client::module-unloaded] never fire, and the bus is
 *   spared a match rule. For one-shot callers.
 *
 * How a [class@Kmodd.Client] is created.
 */
typedef enum {
  KMODD_CLIENT_FLAGS_NONE                    = 0,
  KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE    = 1 << 0,
  KMODD_CLIENT_FLAGS_DO_NOT_LOAD_PROPERTIES  = 1 << 1,
  KMODD_CLIENT_FLAGS_DO_NOT_CONNECT_SIGNALS  = 1 << 2,
} KmoddClientFlags;

/**
 * KmoddLoadFlags:
 * @KMODD_LOAD_FLAGS_NONE: No flags.
 * @KMODD_LOAD_FLAGS_AUTOCLEAN: Mark the modules the call inserts for
 *   AutoClean: the service removes them again once they have been unused
 *   for a while.
 * @KMODD_LOAD_FLAGS_DRY_RUN: Insert nothing; return what would be inserted.
 * @KMODD_LOAD_FLAGS_NO_BLOCK: Return as soon as the service has checked,
 *   authorized and queued the request, with an empty list, instead of when
 *   the modules are in; the load goes on even if the caller goes away.
 *   For callers that must not wait for a module's initialisation, like
 *   udev rules. Watch [signal@Kmodd.Client::module-loaded] for the outcome.
 *   Needs no authorization.
 *
 * Flags for [method@Kmodd.Client.load_async].
 */
typedef enum {
  KMODD_LOAD_FLAGS_NONE      = 0,
  KMODD_LOAD_FLAGS_AUTOCLEAN = 1 << 0,
  KMODD_LOAD_FLAGS_DRY_RUN   = 1 << 1,
  KMODD_LOAD_FLAGS_NO_BLOCK  = 1 << 2,
} KmoddLoadFlags;

/**
 * KmoddUnloadFlags:
 * @KMODD_UNLOAD_FLAGS_NONE: No flags.
 * @KMODD_UNLOAD_FLAGS_DEPENDENCIES: Also remove the dependencies that are
 *   left unused, like `modprobe -r`.
 * @KMODD_UNLOAD_FLAGS_DRY_RUN: Remove nothing; return what would be removed
 *   (with %KMODD_UNLOAD_FLAGS_UNBIND, each module is preceded by the devices
 *   that would lose their driver, described as "BUS ADDRESS (VENDOR MODEL)":
 *   they hold a space, which a module name never does).
 * @KMODD_UNLOAD_FLAGS_UNBIND: Unbind the devices the module's drivers serve,
 *   then remove it; without, such a module is in use.
 *
 * Flags for [method@Kmodd.Client.unload_async].
 */
typedef enum {
  KMODD_UNLOAD_FLAGS_NONE         = 0,
  KMODD_UNLOAD_FLAGS_DEPENDENCIES = 1 << 0,
  KMODD_UNLOAD_FLAGS_DRY_RUN      = 1 << 1,
  KMODD_UNLOAD_FLAGS_UNBIND       = 1 << 2,
} KmoddUnloadFlags;

/**
 * KmoddReloadFlags:
 * @KMODD_RELOAD_FLAGS_NONE: No flags.
 * @KMODD_RELOAD_FLAGS_DRY_RUN: Change nothing; return what a reload would
 *   do now. Needs no authorization.
 *
 * Flags for [method@Kmodd.Client.reload_async].
 */
typedef enum {
  KMODD_RELOAD_FLAGS_NONE    = 0,
  KMODD_RELOAD_FLAGS_DRY_RUN = 1 << 0,
} KmoddReloadFlags;

/**
 * KmoddAutoCleanFlags:
 * @KMODD_AUTO_CLEAN_FLAGS_NONE: One ordinary AutoClean pass: marked modules
 *   unused since the last pass are removed.
 * @KMODD_AUTO_CLEAN_FLAGS_ALL: Remove every unused marked module now,
 *   ignoring whether it was used since the last pass.
 *
 * Flags for [method@Kmodd.Client.autoclean_async].
 */
typedef enum {
  KMODD_AUTO_CLEAN_FLAGS_NONE = 0,
  KMODD_AUTO_CLEAN_FLAGS_ALL  = 1 << 0,
} KmoddAutoCleanFlags;

/**
 * KmoddListFlags:
 * @KMODD_LIST_FLAGS_NONE: List the loaded modules.
 * @KMODD_LIST_FLAGS_INCLUDE_BUILTIN: Also list the modules built into the
 *   kernel, with state %KMODD_MODULE_STATE_BUILTIN.
 *
 * Flags for [method@Kmodd.Client.list_async].
 */
typedef enum {
  KMODD_LIST_FLAGS_NONE            = 0,
  KMODD_LIST_FLAGS_INCLUDE_BUILTIN = 1 << 0,
} KmoddListFlags;

/**
 * KmoddDevicesFlags:
 * @KMODD_DEVICES_FLAGS_NONE: List every device that has a modalias.
 * @KMODD_DEVICES_FLAGS_UNBOUND: Only the devices without a driver.
 *
 * Flags for [method@Kmodd.Client.devices_async].
 */
typedef enum {
  KMODD_DEVICES_FLAGS_NONE    = 0,
  KMODD_DEVICES_FLAGS_UNBOUND = 1 << 0,
} KmoddDevicesFlags;

/**
 * KmoddConfigureFlags:
 * @KMODD_CONFIGURE_FLAGS_NONE: Change the configuration in /etc, for every
 *   later boot.
 * @KMODD_CONFIGURE_FLAGS_RUNTIME: Change it in /run instead: the change
 *   lasts until the next boot.
 * @KMODD_CONFIGURE_FLAGS_DRY_RUN: Write nothing; return what would be
 *   written. Needs no authorization.
 * @KMODD_CONFIGURE_FLAGS_IN_USE: Block a module even though it is in use
 *   ([method@Kmodd.Client.set_blocked_async] only).
 * @KMODD_CONFIGURE_FLAGS_NOW: Also give the parameters to the loaded module
 *   ([method@Kmodd.Client.set_parameters_async] only).
 *
 * Flags for the calls that change the configuration of a module.
 */
typedef enum {
  KMODD_CONFIGURE_FLAGS_NONE    = 0,
  KMODD_CONFIGURE_FLAGS_RUNTIME = 1 << 0,
  KMODD_CONFIGURE_FLAGS_DRY_RUN = 1 << 1,
  KMODD_CONFIGURE_FLAGS_IN_USE  = 1 << 2,
  KMODD_CONFIGURE_FLAGS_NOW     = 1 << 3,
} KmoddConfigureFlags;

/**
 * KmoddModuleState:
 * @KMODD_MODULE_STATE_LIVE: Loaded and initialised.
 * @KMODD_MODULE_STATE_COMING: Being loaded: its init function runs.
 * @KMODD_MODULE_STATE_GOING: Being unloaded.
 * @KMODD_MODULE_STATE_BUILTIN: Built into the kernel.
 * @KMODD_MODULE_STATE_UNKNOWN: A state this version of the library does
 *   not know.
 *
 * The state of a module, as [method@Kmodd.Module.get_state] gives it. The
 * nick of each value (`live`, `coming`, `going`, `builtin`) is the string
 * the service uses.
 */
typedef enum {
  KMODD_MODULE_STATE_LIVE,
  KMODD_MODULE_STATE_COMING,
  KMODD_MODULE_STATE_GOING,
  KMODD_MODULE_STATE_BUILTIN,
  KMODD_MODULE_STATE_UNKNOWN,
} KmoddModuleState;

/**
 * KmoddModuleEventKind:
 * @KMODD_MODULE_EVENT_KIND_LOADED: A module entered the kernel.
 * @KMODD_MODULE_EVENT_KIND_UNLOADED: A module left the kernel.
 *
 * What happened, in a [struct@Kmodd.ModuleEvent].
 */
typedef enum {
  KMODD_MODULE_EVENT_KIND_LOADED,
  KMODD_MODULE_EVENT_KIND_UNLOADED,
} KmoddModuleEventKind;

/**
 * KmoddModuleEventReason:
 * @KMODD_MODULE_EVENT_REASON_UNKNOWN: A reason this version of the library
 *   does not know; [method@Kmodd.ModuleEvent.get_details] has it.
 * @KMODD_MODULE_EVENT_REASON_REQUEST: The service loaded or unloaded the
 *   module because someone asked it to;
 *   [method@Kmodd.ModuleEvent.get_uid] tells who.
 * @KMODD_MODULE_EVENT_REASON_AUTOCLEAN: The service removed the module in an
 *   AutoClean pass.
 * @KMODD_MODULE_EVENT_REASON_EXTERNAL: Something else loaded or removed the
 *   module (modprobe, rmmod, the kernel itself).
 *
 * Why a module came or went. The nick of each value (`request`,
 * `autoclean`, `external`) is the string the service uses.
 */
typedef enum {
  KMODD_MODULE_EVENT_REASON_UNKNOWN,
  KMODD_MODULE_EVENT_REASON_REQUEST,
  KMODD_MODULE_EVENT_REASON_AUTOCLEAN,
  KMODD_MODULE_EVENT_REASON_EXTERNAL,
} KmoddModuleEventReason;

G_END_DECLS
