/* test-validate.c: names, parameters, options and log escaping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "kmodd-error.h"
#include "kmodd-host.h"
#include "kmodd-names.h"
#include "kmodd-limits.h"
#include "kmodd-validate.h"

static void
test_host_valid (void)
{
  static const struct {
    const char *text;
    const char *user;
    const char *host;
    guint       port;
    const char *destination;
  } cases[] = {
    { "localhost", NULL, "localhost", 0, "localhost" },
    { "tester@localhost", "tester", "localhost", 0, "tester@localhost" },
    { "root@server.example.com:2222", "root", "server.example.com", 2222,
      "root@server.example.com" },
    { "10.0.0.1:22", NULL, "10.0.0.1", 22, "10.0.0.1" },
    { "[::1]", NULL, "::1", 0, "::1" },
    { "admin@[2001:db8::1]:65535", "admin", "2001:db8::1", 65535, "admin@2001:db8::1" },
    { "[fe80::1%eth0]:1", NULL, "fe80::1%eth0", 1, "fe80::1%eth0" },
    { "[::ffff:10.0.0.1]", NULL, "::ffff:10.0.0.1", 0, "::ffff:10.0.0.1" },
    { "a_b.c-d@h_1", "a_b.c-d", "h_1", 0, "a_b.c-d@h_1" },
    { "h:0022", NULL, "h", 22, "h" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KmoddHost) host = NULL;
      g_autofree char *destination = NULL;

      g_test_message ("host %s", cases[i].text);
      host = kmodd_host_parse (cases[i].text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (host);
      g_assert_cmpstr (host->user, ==, cases[i].user);
      g_assert_cmpstr (host->host, ==, cases[i].host);
      g_assert_cmpuint (host->port, ==, cases[i].port);
      destination = kmodd_host_destination (host);
      g_assert_cmpstr (destination, ==, cases[i].destination);
    }
}

static void
test_host_invalid (void)
{
  g_autofree char *overlong = g_strnfill (KMODD_HOST_MAX + 1, 'a');
  const char * const cases[] = {
    "", "-oProxyCommand=sh", "-p", "user@-oProxyCommand=x", "@host", "user@",
    "a@b@c", "host:", "host:0", "host:65536", "host:99999999999", "host:+22",
    "host:22x", "host:-1", "ho st", "host\n", "host\t", "\x1b[31mhost", "h\x7f",
    "hóst", "fe80::1", "host:22:22", "[::1", "[]", "[::1]x", "[::1]:", "[host]",
    "[1.2.3.4]", "[::1%]", "[::1%a b]", "us\"er@host", "user;id@host", "host/x",
    "$(id)", "`id`", "h,i", "h*", "~user@host", overlong,
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KmoddHost) host = NULL;

      g_test_message ("host %s", cases[i]);
      host = kmodd_host_parse (cases[i], &error);
      g_assert_null (host);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, "Invalid host: "));
      if (strlen (cases[i]) >= 8)
        g_assert_null (strstr (error->message, cases[i]));
    }
  /* the longest accepted */
  overlong[KMODD_HOST_MAX] = '\0';
  {
    g_autoptr(KmoddHost) host = kmodd_host_parse (overlong, NULL);

    g_assert_nonnull (host);
  }
}

static void
test_names_valid (void)
{
  static const struct {
    const char   *name;
    KmoddNameKind kind;
  } cases[] = {
    { "msdos", KMODD_NAME_MODULE },
    { "snd-dummy", KMODD_NAME_MODULE },
    { "snd_dummy", KMODD_NAME_MODULE },
    { "fs-vfat", KMODD_NAME_MODULE },
    { "char-major-10-237", KMODD_NAME_MODULE },
    { "X86_PKG_TEMP_THERMAL", KMODD_NAME_MODULE },
    { "a", KMODD_NAME_MODULE },
    /* 55 characters: the longest module name */
    { "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde", KMODD_NAME_MODULE },
    /* 56 characters is no module name, but still a well-formed alias */
    { "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdef", KMODD_NAME_ALIAS },
    { "pci:v00008086d00001237sv00001AF4sd00001100bc06sc00i00", KMODD_NAME_ALIAS },
    { "usb:v1D6Bp0002d0601dc09dsc00dp01ic09isc00ip00in00", KMODD_NAME_ALIAS },
    { "input:b0019v0000p0001e0000-e0,1,k74,ramlsfw", KMODD_NAME_ALIAS },
    { "symbol:fat_add_entries", KMODD_NAME_ALIAS },
    { "dccp.evil", KMODD_NAME_ALIAS },
    { "evil.ko", KMODD_NAME_ALIAS },
    { "$(id)", KMODD_NAME_ALIAS },
    { ";", KMODD_NAME_ALIAS },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      KmoddNameKind kind = 99;

      g_test_message ("name %s", cases[i].name);
      g_assert_true (kmodd_name_validate (cases[i].name, &kind, &error));
      g_assert_no_error (error);
      g_assert_cmpint (kind, ==, cases[i].kind);
      g_assert_cmpint (kmodd_name_is_module_name (cases[i].name), ==,
                       cases[i].kind == KMODD_NAME_MODULE);
    }
}

static void
test_names_invalid (void)
{
  static const char * const cases[] = {
    "",
    ".",      /* a dot alone is printable, but: */
    "..",
    "../../tmp/x",
    "/tmp/evil.ko",
    "foo/bar",
    "foo\\bar",
    "a b",
    "a\tb",
    "a\nb",
    "\x1b[31mred",
    "-f",
    "--force",
    "-",
    "fat*",
    "fa?",
    "fa[t]",
    "'fat'",
    "\"fat\"",
    "`id`",
    "caf\xc3\xa9",
    "\x7f",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped = kmodd_escape (cases[i]);
      gboolean ok = kmodd_name_validate (cases[i], NULL, &error);

      g_test_message ("name %s", escaped);
      /* "." and ".." are well-formed aliases that simply never match; every
       * other case must be refused outright */
      if (g_str_equal (cases[i], ".") || g_str_equal (cases[i], ".."))
        {
          g_assert_true (ok);
          g_assert_false (kmodd_name_is_module_name (cases[i]));
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME);
      g_assert_false (kmodd_name_is_module_name (cases[i]));
    }
}

static void
test_names_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *alias_max = g_strnfill (KMODD_ALIAS_MAX, 'x');
  g_autofree char *too_long = g_strnfill (KMODD_ALIAS_MAX + 1, 'x');
  g_autofree char *huge = g_strnfill (4096, 'a');

  g_assert_true (kmodd_name_validate (alias_max, NULL, NULL));
  g_assert_false (kmodd_name_validate (too_long, NULL, &error));
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME);
  g_clear_error (&error);
  g_assert_false (kmodd_name_validate (huge, NULL, &error));
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME);
}

static void
test_normalize (void)
{
  g_autofree char *a = kmodd_module_name_normalize ("snd-dummy");
  g_autofree char *b = kmodd_module_name_normalize ("snd_dummy");

  g_assert_cmpstr (a, ==, "snd_dummy");
  g_assert_cmpstr (b, ==, "snd_dummy");
}

static void
test_parameters_valid (void)
{
  static const struct {
    const char *text;
    guint       n;
    const char *canonical;
  } cases[] = {
    { "numdummies=3", 1, "numdummies=3" },
    { "a=1 b=2", 2, "a=1 b=2" },
    { "  a=1   b=2  ", 2, "a=1 b=2" },
    { "debug", 1, "debug" },
    { "max-part=8", 1, "max-part=8" },
    { "list=1,2,3", 1, "list=1,2,3" },
    { "path=/lib/firmware/x.bin", 1, "path=/lib/firmware/x.bin" },
    { "mac=00:11:22:33:44:55", 1, "mac=00:11:22:33:44:55" },
    { "name=\"two words\"", 1, "name=\"two words\"" },
    { "name=\"\"", 1, "name=\"\"" },
    { "x=a\"b c\"d", 1, "x=\"ab cd\"" },
    { "opt=-1", 1, "opt=-1" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) params = kmodd_parameters_parse (cases[i].text, &error);
      g_autofree char *canonical = NULL;

      g_test_message ("parameters %s", cases[i].text);
      g_assert_no_error (error);
      g_assert_nonnull (params);
      g_assert_cmpuint (params->len, ==, cases[i].n);
      canonical = kmodd_parameters_to_string (params);
      g_assert_cmpstr (canonical, ==, cases[i].canonical);
    }
}

static void
test_parameters_invalid (void)
{
  static const char * const cases[] = {
    "",
    "   ",
    "=1",
    "a=1 -- b",
    "-a=1",
    "x=$(touch /tmp/pwn)",
    ";reboot",
    "a=1;reboot",
    "a=`id`",
    "a=1\nb=2",
    "a=1\tb=2",
    "a=\"open",
    "a=\"x\"\"",
    "a='x'",
    "a=x|y",
    "a=x>y",
    "a=x&y",
    "a=x\\y",
    "a.b=1",
    "a=caf\xc3\xa9",
    "a=\x1b[0m",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) params = kmodd_parameters_parse (cases[i], &error);
      g_autofree char *escaped = kmodd_escape (cases[i]);

      g_test_message ("parameters %s", escaped);
      g_assert_null (params);
      g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS);
    }
}

static void
test_parameters_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = g_strnfill (64 * 1024, '1');
  g_autofree char *text = g_strconcat ("a=", value, NULL);
  g_autofree char *key = g_strnfill (65, 'k');
  g_autofree char *long_key = g_strconcat (key, "=1", NULL);
  g_autoptr(GPtrArray) params = NULL;

  params = kmodd_parameters_parse (text, &error);
  g_assert_null (params);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS);
  g_clear_error (&error);

  params = kmodd_parameters_parse (long_key, &error);
  g_assert_null (params);
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS);
}

static void
test_parameters_declared (void)
{
  const char * const declared[] = { "max_loop", "max_part", "hw_queue_depth", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ok = kmodd_parameters_parse ("max-loop=4 max_part=2", NULL);
  g_autoptr(GPtrArray) bad = kmodd_parameters_parse ("max_loop=4 x=1", NULL);

  g_assert_true (kmodd_parameters_check_declared (ok, "loop", declared, &error));
  g_assert_no_error (error);

  g_assert_false (kmodd_parameters_check_declared (bad, "loop", declared, &error));
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS);
  g_assert_nonnull (strstr (error->message, "“x”"));
  g_clear_error (&error);

  g_assert_false (kmodd_parameters_check_declared (ok, "fat", NULL, &error));
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS);
}

static const KmoddOptionSpec spec[] = {
  { "autoclean", "b" },
  { "parameters", "s" },
  { "names", "as" },
  { NULL, NULL },
};

static void
assert_options (GVariant   *options,
                gboolean    valid,
                const char *in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) sunk = g_variant_ref_sink (options);
  gboolean ok = kmodd_options_check (sunk, spec, &error);

  if (valid)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  if (in_message != NULL)
    g_assert_nonnull (strstr (error->message, in_message));
}

static GVariant *
nested (guint depth)
{
  GVariant *v = g_variant_new_boolean (TRUE);
  guint i;

  for (i = 0; i < depth; i++)
    v = g_variant_new_variant (v);
  return v;
}

static void
test_options (void)
{
  GVariantBuilder b;
  guint i;

  assert_options (g_variant_new_parsed ("@a{sv} {}"), TRUE, NULL);
  assert_options (g_variant_new_parsed ("{'autoclean': <true>}"), TRUE, NULL);
  assert_options (g_variant_new_parsed ("{'autoclean': <true>, 'parameters': <'a=1'>}"), TRUE, NULL);
  assert_options (g_variant_new_parsed ("{'names': <['fat']>}"), TRUE, NULL);

  assert_options (g_variant_new_parsed ("{'autoclean': <'yes'>}"), FALSE, "autoclean");
  assert_options (g_variant_new_parsed ("{'autoclean': <1>}"), FALSE, "autoclean");
  assert_options (g_variant_new_parsed ("{'force': <true>}"), FALSE, "force");
  assert_options (g_variant_new_parsed ("{'ignore-blacklist': <true>}"), FALSE, "ignore-blacklist");
  assert_options (g_variant_new_parsed ("{'ignore-install': <true>}"), FALSE, "ignore-install");
  assert_options (g_variant_new_parsed ("{'path': <'/tmp/evil.ko'>}"), FALSE, "path");
  assert_options (g_variant_new_parsed ("{'names': <'fat'>}"), FALSE, "names");
  assert_options (g_variant_new_parsed ("{'autoclean': <true>, 'autoclean': <true>}"), FALSE, "more than once");

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "autoclean", nested (64));
  assert_options (g_variant_builder_end (&b), FALSE, "autoclean");

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (i = 0; i < 10000; i++)
    {
      g_autofree char *key = g_strdup_printf ("key%u", i);

      g_variant_builder_add (&b, "{sv}", key, g_variant_new_boolean (TRUE));
    }
  assert_options (g_variant_builder_end (&b), FALSE, "Too many");

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "bad\nkey", g_variant_new_boolean (TRUE));
  assert_options (g_variant_builder_end (&b), FALSE, "bad\\x0akey");
}

static void
test_escape (void)
{
  static const struct {
    const char *in;
    const char *out;
  } cases[] = {
    { "fat", "fat" },
    { "a\nb", "a\\x0ab" },
    { "\x1b[31m", "\\x1b[31m" },
    { "back\\slash", "back\\\\slash" },
    { "caf\xc3\xa9", "caf\\xc3\\xa9" },
    { "$(id);`x`", "$(id);`x`" },
  };
  g_autofree char *huge = g_strnfill (4096, 'a');
  g_autofree char *escaped = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = kmodd_escape (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }

  escaped = kmodd_escape (huge);
  g_assert_cmpuint (strlen (escaped), <, 300);
  g_assert_nonnull (strstr (escaped, "4096 bytes"));
}

static GVariant *
names_call (guint n,
            gsize len)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_ptr_array_add (names, g_strnfill (len, 'a' + i % 26));
  g_variant_dict_insert_value (&options, "names",
                               g_variant_new_strv ((const char * const *) names->pdata,
                                                   names->len));
  return g_variant_ref_sink (g_variant_new ("(@a{sv})", g_variant_dict_end (&options)));
}

static void
check_limits (GVariant *arguments,
              GQuark    domain,
              gint      code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (arguments);
  /* as the service gets them: serialized */
  g_autoptr(GVariant) wire = g_variant_new_from_bytes (g_variant_get_type (arguments), bytes,
                                                       FALSE);

  g_variant_ref_sink (wire);
  if (domain == 0)
    {
      g_assert_true (kmodd_limits_check (wire, &error));
      g_assert_no_error (error);
    }
  else
    {
      g_assert_false (kmodd_limits_check (wire, &error));
      g_assert_error (error, domain, code);
    }
  g_variant_unref (arguments);
}

static void
test_limits (void)
{
  g_autofree char *string_max = g_strnfill (KMODD_STRING_MAX, 'x');
  g_autofree char *string_over = g_strnfill (KMODD_STRING_MAX + 1, 'x');
  g_auto(GVariantDict) many = G_VARIANT_DICT_INIT (NULL);
  GVariant *nested = g_variant_new_boolean (TRUE);
  guint i;

  /* List "names": up to the array bound, then LimitsExceeded */
  check_limits (names_call (KMODD_ARRAY_MAX, 55), 0, 0);
  check_limits (names_call (KMODD_ARRAY_MAX + 1, 1), KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED);
  /* two million names: refused by the size alone */
  check_limits (names_call (2000000, 1), KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED);
  /* the whole call */
  check_limits (names_call (KMODD_ARRAY_MAX, 100), KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED);

  /* strings */
  check_limits (g_variant_ref_sink (g_variant_new ("(sa{sv})", string_max, NULL)), 0, 0);
  check_limits (g_variant_ref_sink (g_variant_new ("(sa{sv})", string_over, NULL)),
                KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED);
  check_limits (g_variant_ref_sink (g_variant_new_parsed ("('dummy', {'parameters': <%s>})",
                                                          string_over)),
                KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED);

  /* option dictionaries: InvalidArgs past KMODD_OPTIONS_MAX entries */
  for (i = 0; i < KMODD_OPTIONS_MAX + 1; i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);

      g_variant_dict_insert (&many, key, "b", TRUE);
    }
  check_limits (g_variant_ref_sink (g_variant_new ("(@a{sv})", g_variant_dict_end (&many))),
                G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);

  /* nesting */
  for (i = 0; i < 16; i++)
    nested = g_variant_new_variant (nested);
  check_limits (g_variant_ref_sink (g_variant_new_parsed ("({'autoclean': %v},)", nested)),
                G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  check_limits (g_variant_ref_sink (g_variant_new_parsed ("({'autoclean': <<true>>}, )")),
                0, 0);
}

static void
test_error_domain (void)
{
  static const struct {
    KmoddError  code;
    const char *name;
  } cases[] = {
    { KMODD_ERROR_IN_USE, KMODD_DBUS_ERROR_PREFIX "InUse" },
    { KMODD_ERROR_NOT_AUTHORIZED, KMODD_DBUS_ERROR_PREFIX "NotAuthorized" },
    { KMODD_ERROR_SIGNATURE_REJECTED, KMODD_DBUS_ERROR_PREFIX "SignatureRejected" },
    { KMODD_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
      "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (KMODD_ERROR, cases[i].code, "x");
      g_autoptr(GError) back = NULL;
      g_autofree char *name = g_dbus_error_encode_gerror (error);

      g_assert_cmpstr (name, ==, cases[i].name);
      back = g_dbus_error_new_for_dbus_error (name, "msg");
      g_assert_error (back, KMODD_ERROR, (gint) cases[i].code);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/validate/names/valid", test_names_valid);
  g_test_add_func ("/validate/names/invalid", test_names_invalid);
  g_test_add_func ("/validate/names/long", test_names_long);
  g_test_add_func ("/validate/names/normalize", test_normalize);
  g_test_add_func ("/validate/parameters/valid", test_parameters_valid);
  g_test_add_func ("/validate/parameters/invalid", test_parameters_invalid);
  g_test_add_func ("/validate/parameters/long", test_parameters_long);
  g_test_add_func ("/validate/parameters/declared", test_parameters_declared);
  g_test_add_func ("/validate/options", test_options);
  g_test_add_func ("/validate/escape", test_escape);
  g_test_add_func ("/validate/host/valid", test_host_valid);
  g_test_add_func ("/validate/host/invalid", test_host_invalid);
  g_test_add_func ("/validate/limits", test_limits);
  g_test_add_func ("/validate/error-domain", test_error_domain);

  return g_test_run ();
}
