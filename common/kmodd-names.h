/* kmodd-names.h: every bus name, object path, interface, error name,
 * polkit action id and option key that kmodd uses. No other file spells
 * these strings out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* D-Bus */
#define KMODD_DBUS_NAME      "org.freedesktop.KernelModules1"
#define KMODD_DBUS_PATH      "/org/freedesktop/KernelModules1"
#define KMODD_DBUS_INTERFACE "org.freedesktop.KernelModules1.Manager"
#define KMODD_DBUS_ERROR_PREFIX KMODD_DBUS_NAME ".Error."

#define KMODD_DBUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED \
  "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"

/* the message bus itself */
#define KMODD_BUS_DRIVER_NAME      "org.freedesktop.DBus"
#define KMODD_BUS_DRIVER_PATH      "/org/freedesktop/DBus"
#define KMODD_BUS_DRIVER_INTERFACE "org.freedesktop.DBus"

/* polkit actions */
#define KMODD_ACTION_LOAD                 KMODD_DBUS_NAME ".load"
#define KMODD_ACTION_LOAD_WITH_PARAMETERS KMODD_DBUS_NAME ".load-with-parameters"
#define KMODD_ACTION_UNLOAD               KMODD_DBUS_NAME ".unload"
#define KMODD_ACTION_RELOAD               KMODD_DBUS_NAME ".reload"
#define KMODD_ACTION_AUTOCLEAN            KMODD_DBUS_NAME ".autoclean"
#define KMODD_ACTION_CONFIGURE            KMODD_DBUS_NAME ".configure"

/* polkit details passed with every check */
#define KMODD_POLKIT_DETAIL_MODULE     "module"
#define KMODD_POLKIT_DETAIL_MODULES    "modules"
#define KMODD_POLKIT_DETAIL_REQUEST    "request"
#define KMODD_POLKIT_DETAIL_PARAMETERS "parameters"

/* the group that the shipped polkit rule trusts */
#define KMODD_GROUP "kmodd"

/* method option keys */
#define KMODD_OPTION_PARAMETERS      "parameters"
#define KMODD_OPTION_AUTOCLEAN       "autoclean"
#define KMODD_OPTION_DRY_RUN         "dry-run"
#define KMODD_OPTION_NO_BLOCK        "no-block"
#define KMODD_OPTION_DEPENDENCIES    "dependencies"
#define KMODD_OPTION_INCLUDE_BUILTIN "include-builtin"
#define KMODD_OPTION_NAMES           "names"
#define KMODD_OPTION_ALL             "all"
#define KMODD_OPTION_RUNTIME         "runtime"
#define KMODD_OPTION_NOW             "now"
#define KMODD_OPTION_IN_USE          "in-use"
#define KMODD_OPTION_UNBIND          "unbind"
#define KMODD_OPTION_UNBOUND         "unbound"

/* List entry keys */
#define KMODD_MODULE_NAME         "name"
#define KMODD_MODULE_STATE        "state"
#define KMODD_MODULE_SIZE         "size"
#define KMODD_MODULE_REFCOUNT     "refcount"
#define KMODD_MODULE_HOLDERS      "holders"
#define KMODD_MODULE_TAINT        "taint"
#define KMODD_MODULE_AUTOCLEAN    "autoclean"
#define KMODD_MODULE_VISITED      "visited"
#define KMODD_MODULE_REQUESTED_BY "requested-by"
#define KMODD_MODULE_LOADED_AT    "loaded-at"
#define KMODD_MODULE_DEVICES      "devices"

/* module states in List */
#define KMODD_STATE_LIVE    "live"
#define KMODD_STATE_COMING  "coming"
#define KMODD_STATE_GOING   "going"
#define KMODD_STATE_BUILTIN "builtin"

/* Info keys (besides the modinfo keys themselves) */
#define KMODD_INFO_NAME                "name"
#define KMODD_INFO_FILENAME            "filename"
#define KMODD_INFO_DEPENDS             "depends"
#define KMODD_INFO_ALIASES             "aliases"
#define KMODD_INFO_SOFTDEPS            "softdeps"
#define KMODD_INFO_FIRMWARE            "firmware"
#define KMODD_INFO_PARAMETERS          "parameters"
#define KMODD_INFO_LOADED              "loaded"
#define KMODD_INFO_BUILTIN             "builtin"
#define KMODD_INFO_BLACKLISTED         "blacklisted"
#define KMODD_INFO_HAS_INSTALL_COMMAND "has-install-command"
#define KMODD_INFO_DEVICES             "devices"

/* Devices entry keys */
#define KMODD_DEVICE_SYSPATH     "syspath"
#define KMODD_DEVICE_SUBSYSTEM   "subsystem"
#define KMODD_DEVICE_MODALIAS    "modalias"
#define KMODD_DEVICE_VENDOR      "vendor"
#define KMODD_DEVICE_MODEL       "model"
#define KMODD_DEVICE_DRIVER      "driver"
#define KMODD_DEVICE_MODULE      "module"
#define KMODD_DEVICE_CANDIDATES  "candidates"
#define KMODD_DEVICE_BLACKLISTED "blacklisted"

/* DevicesChanged actions */
#define KMODD_DEVICE_ACTION_ADD    "add"
#define KMODD_DEVICE_ACTION_REMOVE "remove"
#define KMODD_DEVICE_ACTION_BIND   "bind"
#define KMODD_DEVICE_ACTION_UNBIND "unbind"

/* signal detail keys and reasons */
#define KMODD_DETAIL_REASON "reason"
#define KMODD_DETAIL_UID    "uid"
#define KMODD_REASON_REQUEST   "request"
#define KMODD_REASON_AUTOCLEAN "autoclean"
#define KMODD_REASON_EXTERNAL  "external"

/* what the daemon reads of the kernel (the fake kernel's shim redirects
 * them in the tests) */
#define KMODD_PATH_PROC_MODULES     "/proc/modules"
#define KMODD_PATH_SYS_MODULE       "/sys/module"
#define KMODD_PATH_SYS_BUS          "/sys/bus"
#define KMODD_PATH_SYS_CLASS        "/sys/class"
#define KMODD_PATH_UDEV_DATA        "/run/udev/data"
#define KMODD_PATH_MODULES_DISABLED "/proc/sys/kernel/modules_disabled"
#define KMODD_PATH_LOCKDOWN         "/sys/kernel/security/lockdown"
#define KMODD_PATH_SIG_ENFORCE      "/sys/module/module/parameters/sig_enforce"

/* install and remove commands run with this shell and only this PATH */
#define KMODD_COMMAND_SHELL "/bin/sh"
#define KMODD_COMMAND_PATH  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* the directories systemd gives the unit (RuntimeDirectory=,
 * ConfigurationDirectory=) */
#define KMODD_ENV_RUNTIME_DIRECTORY       "RUNTIME_DIRECTORY"
#define KMODD_ENV_CONFIGURATION_DIRECTORY "CONFIGURATION_DIRECTORY"

/* the limits are in kmodd-limits.h */
#include "kmodd-limits.h"
