/* kmodd-bench-ping: the smallest GDBus service, the benchmark's reference
 * for "a method call on a service through the same bus".
 *
 *   kmodd-bench-ping [--name NAME]
 *
 * It owns NAME (org.kmodd.Bench.Ping) on the system bus the way kmodd does
 * (g_bus_own_name, object exported in bus-acquired) and answers on
 * /org/kmodd/Bench/Ping, interface org.kmodd.Bench.Ping:
 *
 *   Ping () -> ()              nothing at all: the bus floor of a service call
 *   Capture (s) -> (u)         calls kmodd's List, Info(s) and Devices once
 *                              and keeps the replies; returns the number of
 *                              modules
 *   Blob () -> (aa{sv})        returns the kept List reply, already built:
 *                              the floor of a List-sized answer (transport
 *                              and (de)serialization, no work)
 *   InfoBlob () -> (a{sv})     the same for the kept Info reply
 *   DevicesBlob () -> (aa{sv}) the same for the kept Devices reply (an
 *                              error if kmodd had no Devices)
 *
 * SIGTERM and SIGINT end it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <stdlib.h>

#include "bench-names.h"
#include "kmodd-names.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" BENCH_PING_INTERFACE "'>"
                                             "    <method name='Ping'/>"
                                             "    <method name='Capture'>"
                                             "      <arg type='s' direction='in'/><arg type='u' direction='out'/>"
                                             "    </method>"
                                             "    <method name='Blob'><arg type='aa{sv}' direction='out'/></method>"
                                             "    <method name='InfoBlob'><arg type='a{sv}' direction='out'/></method>"
                                             "    <method name='DevicesBlob'><arg type='aa{sv}' direction='out'/></method>"
                                             "  </interface>"
                                             "</node>";

typedef struct {
  GMainLoop *loop;
  GVariant  *blob;      /* (aa{sv}) */
  GVariant  *info_blob; /* (a{sv}) */
  GVariant  *devices_blob; /* (aa{sv}) */
  int        status;
} Ping;

static void
handle_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *object_path,
                    const char            *interface_name,
                    const char            *method_name,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  Ping *ping = user_data;

  if (g_str_equal (method_name, "Ping"))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else if (g_str_equal (method_name, "Blob") || g_str_equal (method_name, "InfoBlob") ||
           g_str_equal (method_name, "DevicesBlob"))
    {
      GVariant *blob = g_str_equal (method_name, "Blob") ? ping->blob
                       : g_str_equal (method_name, "InfoBlob") ? ping->info_blob
                       : ping->devices_blob;

      if (blob == NULL)
        g_dbus_method_invocation_return_dbus_error (invocation,
                                                    BENCH_PING_INTERFACE ".Error.NoBlob",
                                                    "Call Capture first");
      else
        g_dbus_method_invocation_return_value (invocation, blob);
    }
  else if (g_str_equal (method_name, "Capture"))
    {
      g_autoptr(GError) error = NULL;
      const char *name = NULL;
      GVariant *reply;
      GVariant *info_reply;
      g_autoptr(GVariant) modules = NULL;

      /* kept as GDBus parsed them: in tree form, as a service builds a
       * reply (a serialized GVariant is slower to send) */
      g_variant_get (parameters, "(&s)", &name);
      reply = g_dbus_connection_call_sync (connection, KMODD_DBUS_NAME, KMODD_DBUS_PATH,
                                           KMODD_DBUS_INTERFACE, "List",
                                           g_variant_new_parsed ("(@a{sv} {},)"),
                                           NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      if (reply == NULL)
        {
          g_dbus_method_invocation_return_gerror (invocation, error);
          return;
        }
      info_reply = g_dbus_connection_call_sync (connection, KMODD_DBUS_NAME, KMODD_DBUS_PATH,
                                                KMODD_DBUS_INTERFACE, "Info",
                                                g_variant_new_parsed ("(%s, @a{sv} {})", name),
                                                NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      if (info_reply == NULL)
        {
          g_variant_unref (reply);
          g_dbus_method_invocation_return_gerror (invocation, error);
          return;
        }
      g_clear_pointer (&ping->blob, g_variant_unref);
      g_clear_pointer (&ping->info_blob, g_variant_unref);
      g_clear_pointer (&ping->devices_blob, g_variant_unref);
      ping->blob = reply;
      ping->info_blob = info_reply;
      /* NULL from a kmodd without Devices: DevicesBlob then fails */
      ping->devices_blob = g_dbus_connection_call_sync (connection, KMODD_DBUS_NAME,
                                                        KMODD_DBUS_PATH, KMODD_DBUS_INTERFACE,
                                                        "Devices",
                                                        g_variant_new_parsed ("(@a{sv} {},)"),
                                                        NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                        NULL);
      modules = g_variant_get_child_value (reply, 0);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u)",
                                                            (guint32) g_variant_n_children (modules)));
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                           G_DBUS_ERROR_UNKNOWN_METHOD, "No such method");
}

static const GDBusInterfaceVTable vtable = { handle_method_call, NULL, NULL, { 0 } };

static void
on_bus_acquired (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  Ping *ping = user_data;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_autoptr(GError) error = NULL;

  if (g_dbus_connection_register_object (connection, BENCH_PING_PATH, info->interfaces[0],
                                         &vtable, ping, NULL, &error) == 0)
    {
      g_printerr ("kmodd-bench-ping: %s\n", error->message);
      ping->status = EXIT_FAILURE;
      g_main_loop_quit (ping->loop);
    }
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Ping *ping = user_data;

  g_printerr ("kmodd-bench-ping: cannot own or lost %s\n", name);
  ping->status = EXIT_FAILURE;
  g_main_loop_quit (ping->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Ping *ping = user_data;

  g_main_loop_quit (ping->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *name = NULL;
  const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, "Bus name to own", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  Ping ping = { 0, };
  guint owner_id;
  guint sigterm_id;
  guint sigint_id;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodd-bench-ping: %s\n", error->message);
      return 2;
    }

  ping.loop = g_main_loop_new (NULL, FALSE);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &ping);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &ping);
  owner_id = g_bus_own_name (G_BUS_TYPE_SYSTEM, name ? name : BENCH_PING_NAME,
                             G_BUS_NAME_OWNER_FLAGS_NONE,
                             on_bus_acquired, NULL, on_name_lost, &ping, NULL);
  g_main_loop_run (ping.loop);

  g_bus_unown_name (owner_id);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  g_clear_pointer (&ping.blob, g_variant_unref);
  g_clear_pointer (&ping.info_blob, g_variant_unref);
  g_clear_pointer (&ping.devices_blob, g_variant_unref);
  g_main_loop_unref (ping.loop);
  return ping.status;
}
