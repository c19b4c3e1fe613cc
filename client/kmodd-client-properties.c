/* kmodd-client-properties.c: the accessors of KmoddClient's properties,
 * those of the client and the service's, which the proxy caches.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-client.h"
#include "kmodd-private.h"

/* ---- properties ------------------------------------------------------------------- */

/**
 * kmodd_client_get_connection:
 * @client: a client
 *
 * Gets the bus connection the client uses.
 *
 * Returns: (transfer none): the connection
 */
GDBusConnection *
kmodd_client_get_connection (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->connection;
}

/**
 * kmodd_client_get_flags:
 * @client: a client
 *
 * Gets the flags the client was created with.
 *
 * Returns: the flags
 */
KmoddClientFlags
kmodd_client_get_flags (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), KMODD_CLIENT_FLAGS_NONE);
  return client->flags;
}

/**
 * kmodd_client_get_host:
 * @client: a client
 *
 * Gets the host whose service the client reaches over SSH, as given to
 * [func@Kmodd.Client.new_for_host].
 *
 * Returns: (nullable): the host, or %NULL for a client of a local bus
 */
const char *
kmodd_client_get_host (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->host;
}

/**
 * kmodd_client_get_connect_timeout:
 * @client: a client
 *
 * Gets how long a client of a host waits for the connection.
 *
 * Returns: the timeout in seconds; 0 for none
 */
guint
kmodd_client_get_connect_timeout (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), 0);
  return client->connect_timeout;
}

/**
 * kmodd_client_get_allow_interactive_authorization:
 * @client: a client
 *
 * Gets whether calls allow polkit to ask the user for a password.
 *
 * Returns: %TRUE if calls allow interactive authorization
 */
gboolean
kmodd_client_get_allow_interactive_authorization (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  return client->allow_interactive;
}

/**
 * kmodd_client_set_allow_interactive_authorization:
 * @client: a client
 * @allow: whether calls may ask the user for a password
 *
 * Sets whether the calls made from now on allow polkit to ask the user for
 * a password (the D-Bus allow-interactive-authorization flag). Such calls
 * have no timeout: they wait for the user.
 */
void
kmodd_client_set_allow_interactive_authorization (KmoddClient *client,
                                                  gboolean     allow)
{
  g_return_if_fail (KMODD_IS_CLIENT (client));

  allow = !!allow;
  if (client->allow_interactive == allow)
    return;
  client->allow_interactive = allow;
  g_object_notify (G_OBJECT (client), "allow-interactive-authorization");
}

/**
 * kmodd_client_get_service_running:
 * @client: a client
 *
 * Gets whether the service is running: whether its bus name has an owner.
 * While it is not, the service's properties are unset (%NULL, %FALSE or 0);
 * a method call starts it if it can be started.
 *
 * Returns: %TRUE if the service is running
 */
gboolean
kmodd_client_get_service_running (KmoddClient *client)
{
  g_autofree char *owner = NULL;

  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  if (client->proxy == NULL)
    return FALSE;
  owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (client->proxy));
  return owner != NULL;
}

/**
 * kmodd_client_get_version:
 * @client: a client
 *
 * Gets the version of the service.
 *
 * Returns: (nullable): the version, or %NULL if the service is not running
 */
const char *
kmodd_client_get_version (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->proxy ? kmodd_dbus_manager_get_version (client->proxy) : NULL;
}

/**
 * kmodd_client_get_kernel_release:
 * @client: a client
 *
 * Gets the release of the running kernel, as `uname -r` prints it.
 *
 * Returns: (nullable): the release, or %NULL if the service is not running
 */
const char *
kmodd_client_get_kernel_release (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->proxy ? kmodd_dbus_manager_get_kernel_release (client->proxy) : NULL;
}

/**
 * kmodd_client_get_modules_disabled:
 * @client: a client
 *
 * Gets whether the kernel refuses to load and unload modules until the next
 * boot (`/proc/sys/kernel/modules_disabled`).
 *
 * Returns: %TRUE if module loading is disabled
 */
gboolean
kmodd_client_get_modules_disabled (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  return client->proxy ? kmodd_dbus_manager_get_modules_disabled (client->proxy) : FALSE;
}

/**
 * kmodd_client_get_lockdown:
 * @client: a client
 *
 * Gets the kernel's lockdown mode: `"none"`, `"integrity"` or
 * `"confidentiality"`.
 *
 * Returns: (nullable): the lockdown mode, or %NULL if the service is not
 *   running
 */
const char *
kmodd_client_get_lockdown (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), NULL);
  return client->proxy ? kmodd_dbus_manager_get_lockdown (client->proxy) : NULL;
}

/**
 * kmodd_client_get_signatures_enforced:
 * @client: a client
 *
 * Gets whether the kernel loads only modules with a valid signature.
 *
 * Returns: %TRUE if signatures are enforced
 */
gboolean
kmodd_client_get_signatures_enforced (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), FALSE);
  return client->proxy ? kmodd_dbus_manager_get_signatures_enforced (client->proxy) : FALSE;
}

/**
 * kmodd_client_get_autoclean_interval:
 * @client: a client
 *
 * Gets the seconds between two AutoClean passes of the service.
 *
 * Returns: the interval in seconds; 0 when the AutoClean timer is off or
 *   the service is not running
 */
guint
kmodd_client_get_autoclean_interval (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), 0);
  return client->proxy ? kmodd_dbus_manager_get_auto_clean_interval (client->proxy) : 0;
}

/**
 * kmodd_client_get_autoclean_marks:
 * @client: a client
 *
 * Gets how many modules are marked for AutoClean.
 *
 * Returns: the number of marked modules
 */
guint
kmodd_client_get_autoclean_marks (KmoddClient *client)
{
  g_return_val_if_fail (KMODD_IS_CLIENT (client), 0);
  return client->proxy ? kmodd_dbus_manager_get_auto_clean_marks (client->proxy) : 0;
}
