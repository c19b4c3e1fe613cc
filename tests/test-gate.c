/* test-gate.c: every method of the interface has a row in the
 * authorization table, and the gate refuses a method without one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "kmodd-authority.h"
#include "kmodd-dbus-generated.h"
#include "kmodd-gate.h"

/* Walks the interface's introspection data, generated from the XML: a
 * method added there without a row fails here. */
static void
test_every_method_has_a_rule (void)
{
  GDBusInterfaceInfo *info = kmodd_dbus_manager_interface_info ();
  guint i;

  g_assert_nonnull (info->methods);
  g_assert_nonnull (info->methods[0]);
  for (i = 0; info->methods[i] != NULL; i++)
    {
      const char *method = info->methods[i]->name;
      const KmoddMethodRule *rule = kmodd_authority_find_rule (method);
      g_autoptr(GError) error = NULL;

      if (rule == NULL)
        g_error ("method %s of the interface has no row in the authorization "
                 "table (service/kmodd-authority.c)", method);
      g_assert_cmpstr (rule->method, ==, method);
      /* an action, when there is one, is one of ours */
      if (rule->action != NULL)
        g_assert_true (g_str_has_prefix (rule->action, "org.freedesktop.KernelModules1."));
      if (rule->action_with_parameters != NULL)
        g_assert_true (g_str_has_prefix (rule->action_with_parameters,
                                         "org.freedesktop.KernelModules1."));

      g_assert_true (kmodd_gate_admit (method, ":1.1", NULL, &error) == rule);
      g_assert_no_error (error);
    }
}

/* A row whose method is not in the interface is a leftover. */
static void
test_no_rule_without_method (void)
{
  GDBusInterfaceInfo *info = kmodd_dbus_manager_interface_info ();
  gsize n = 0;
  const KmoddMethodRule *rules = kmodd_authority_get_rules (&n);
  gsize i;

  g_assert_cmpuint (n, >, 0);
  for (i = 0; i < n; i++)
    {
      if (g_dbus_interface_info_lookup_method (info, rules[i].method) == NULL)
        g_error ("the authorization table has a row for %s, which the interface "
                 "does not have", rules[i].method);
      g_assert_true (kmodd_authority_find_rule (rules[i].method) == &rules[i]);
    }
}

static void
test_unknown_method_refused (void)
{
  const char * const methods[] = { "SetSomething", "load", "", "Load " };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_expect_message ("kmodd", G_LOG_LEVEL_WARNING, "BUG: method * has no row*");
      g_assert_null (kmodd_gate_admit (methods[i], ":1.7", NULL, &error));
      g_test_assert_expected_messages ();
      g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
    }
}

/* Load with parameters needs its own action; without, the plain one. */
static void
test_actions (void)
{
  const KmoddMethodRule *load = kmodd_authority_find_rule ("Load");
  const KmoddMethodRule *list = kmodd_authority_find_rule ("List");

  g_assert_nonnull (load);
  g_assert_nonnull (list);
  g_assert_cmpstr (kmodd_method_rule_get_action (load, FALSE), ==,
                   "org.freedesktop.KernelModules1.load");
  g_assert_cmpstr (kmodd_method_rule_get_action (load, TRUE), ==,
                   "org.freedesktop.KernelModules1.load-with-parameters");
  g_assert_null (kmodd_method_rule_get_action (list, FALSE));
  g_assert_null (kmodd_method_rule_get_action (list, TRUE));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gate/every-method-has-a-rule", test_every_method_has_a_rule);
  g_test_add_func ("/gate/no-rule-without-method", test_no_rule_without_method);
  g_test_add_func ("/gate/unknown-method-refused", test_unknown_method_refused);
  g_test_add_func ("/gate/actions", test_actions);

  return g_test_run ();
}
