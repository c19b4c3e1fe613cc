/* kmodctl-config.c: the configuration that survives a reboot.
 *
 *   kmodctl enable|disable NAME [--runtime] [--dry-run] [--json]
 *   kmodctl block|unblock NAME [--runtime] [--in-use] [--dry-run] [--json]
 *   kmodctl set-parameters NAME [PARAM=VALUE…] [--runtime] [--now] [--dry-run] [--json]
 *   kmodctl config NAME [--json]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "kmodctl-config.h"

#define EXIT_OK    0
#define EXIT_USAGE 2

typedef enum {
  CMD_ENABLE,
  CMD_DISABLE,
  CMD_BLOCK,
  CMD_UNBLOCK,
  CMD_SET_PARAMETERS,
  CMD_CONFIG,
} CommandId;

typedef struct {
  const char *name;
  CommandId   id;
  const char *parameters;
  const char *summary;
  const char *description;
  gboolean    runtime;  /* takes --runtime and --dry-run */
  const char *verb;     /* for "cannot VERB NAME" */
} ConfigCommand;

static const ConfigCommand config_commands[] = {
  { "enable", CMD_ENABLE, "NAME", "Load a module at every boot (modules-load.d).",
    "Adds NAME to kmodd's file in /etc/modules-load.d (with --runtime: in\n"
    "/run/modules-load.d, until the next boot). Does not load it now.",
    TRUE, "enable" },
  { "disable", CMD_DISABLE, "NAME", "Stop loading a module at boot.",
    "Removes NAME from kmodd's modules-load.d file. A module that another file\n"
    "loads at boot is refused, naming the file. Does not unload it now.",
    TRUE, "disable" },
  { "block", CMD_BLOCK, "NAME", "Block a module: no later load succeeds.",
    "Writes “blacklist NAME” and “install NAME /bin/false” to kmodd's file in\n"
    "/etc/modprobe.d. Does not unload it: a loaded module stays loaded until it is\n"
    "unloaded or the system restarts. A module in use needs --in-use.",
    TRUE, "block" },
  { "unblock", CMD_UNBLOCK, "NAME", "Unblock a module blocked with block.",
    "A module that another file or the kernel command line blocks is refused,\n"
    "naming it.",
    TRUE, "unblock" },
  { "set-parameters", CMD_SET_PARAMETERS, "NAME [PARAM=VALUE…]",
    "Set the parameters a module gets when it is loaded.",
    "Writes “options NAME PARAM=VALUE…” to kmodd's file in /etc/modprobe.d;\n"
    "without PARAM=VALUE, removes it. --now also gives the values to the loaded\n"
    "module, if the kernel lets each of them change at run time.",
    TRUE, "set the parameters of" },
  { "config", CMD_CONFIG, "NAME", "Show the effective configuration of a module.",
    "Whether it is loaded at boot or blocked, every line of modules-load.d,\n"
    "modprobe.d and the kernel command line that concerns it, with its file, the\n"
    "current values of its parameters, whether the initramfs holds the module\n"
    "and whether it is out of date.",
    FALSE, "show the configuration of" },
};

static const ConfigCommand *
find (const char *name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (config_commands); i++)
    if (g_str_equal (config_commands[i].name, name))
      return &config_commands[i];
  return NULL;
}

gboolean
kmodctl_config_has_command (const char *name)
{
  return find (name) != NULL;
}

void
kmodctl_config_print_commands (FILE *out)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (config_commands); i++)
    fprintf (out, "  %-14s %s\n", config_commands[i].name, config_commands[i].summary);
}

/* ---- output ------------------------------------------------------------------ */

static void
print_json (GVariant *dict)
{
  g_autoptr(JsonNode) node = json_gvariant_serialize (dict);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
print_result (GVariant *result,
              gboolean  dry_run)
{
  const char *file = "";
  const char *contents = "";
  const char *note = NULL;
  gboolean changed = FALSE;
  g_autoptr(GVariant) applied = NULL;

  g_variant_lookup (result, "file", "&s", &file);
  g_variant_lookup (result, "contents", "&s", &contents);
  g_variant_lookup (result, "changed", "b", &changed);
  g_variant_lookup (result, "note", "&s", &note);
  applied = g_variant_lookup_value (result, "applied", G_VARIANT_TYPE ("a{ss}"));

  if (!changed)
    g_print ("Nothing to change in %s\n", file);
  else if (contents[0] == '\0')
    g_print ("%s %s\n", dry_run ? "Would remove" : "Removed", file);
  else if (dry_run)
    g_print ("Would write %s:\n%s", file, contents);
  else
    g_print ("Wrote %s\n", file);

  if (applied != NULL)
    {
      GVariantIter iter;
      const char *key;
      const char *value;

      g_variant_iter_init (&iter, applied);
      while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
        g_print ("Set %s=%s in the running module\n", key, value);
    }
  if (note != NULL)
    g_print ("%s\n", note);
}

static const char *
yes_no (GVariant   *dict,
        const char *key)
{
  gboolean value = FALSE;

  g_variant_lookup (dict, key, "b", &value);
  return value ? "yes" : "no";
}

static void
print_configuration (GVariant *config)
{
  g_autoptr(GVariant) entries = g_variant_lookup_value (config, "entries", G_VARIANT_TYPE ("a(sss)"));
  g_autoptr(GVariant) parameters = g_variant_lookup_value (config, "parameters", G_VARIANT_TYPE ("a{ss}"));
  g_autofree const char **hidden = NULL;
  const char *module = "";
  const char *initramfs = NULL;
  gboolean stale = FALSE;
  GVariantIter iter;
  const char *a, *b, *c;

  g_variant_lookup (config, "module", "&s", &module);
  g_print ("Module:          %s\n", module);
  g_print ("Loaded at boot:  %s\n", yes_no (config, "boot-load"));
  g_print ("Blocked:         %s\n", yes_no (config, "blocked"));
  g_print ("Loaded now:      %s\n", yes_no (config, "loaded"));

  if (entries != NULL && g_variant_n_children (entries) > 0)
    {
      g_print ("Configuration:\n");
      g_variant_iter_init (&iter, entries);
      while (g_variant_iter_next (&iter, "(&s&s&s)", &a, &b, &c))
        g_print ("  %-9s %-30s %s\n", a, b, c);
    }
  if (parameters != NULL && g_variant_n_children (parameters) > 0)
    {
      g_print ("Parameters:\n");
      g_variant_iter_init (&iter, parameters);
      while (g_variant_iter_next (&iter, "{&s&s}", &a, &b))
        g_print ("  %s = %s\n", a, b);
    }
  if (g_variant_lookup (config, "hidden-parameters", "^a&s", &hidden) && hidden[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) hidden);

      g_print ("Not shown (only root may read them): %s\n", list);
    }
  if (g_variant_lookup (config, "initramfs", "&s", &initramfs))
    {
      gboolean contains = FALSE;

      g_variant_lookup (config, "initramfs-stale", "b", &stale);
      if (!g_variant_lookup (config, "initramfs-contains", "b", &contains))
        g_print ("Initramfs:       %s (contents unknown)\n", initramfs);
      else
        g_print ("Initramfs:       %s (%s %s)\n", initramfs,
                 contains ? "contains" : "does not contain", module);
      if (stale)
        g_print ("                 older than kmodd's change for %s: rebuild it "
                 "(update-initramfs -u, or dracut -f)\n", module);
    }
}

/* ---- running ----------------------------------------------------------------- */

static int
run (const ConfigCommand *command,
     const char          *name,
     char               **words,
     KmoddConfigureFlags  flags,
     gboolean             json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KmoddClient) client = NULL;
  g_autoptr(KmodctlAgent) agent = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *parameters = NULL;
  g_autofree char *what = NULL;
  int status = EXIT_OK;
  guint i;

  if (!kmodctl_check_name (name, command->verb, &status))
    return status;
  for (i = 0; words != NULL && words[i] != NULL; i++)
    {
      if (strchr (words[i], '=') == NULL || words[i][0] == '=')
        {
          g_printerr ("kmodctl %s: “%s” is not PARAM=VALUE\n", command->name, words[i]);
          return EXIT_USAGE;
        }
    }
  parameters = words != NULL ? g_strjoinv (" ", words) : g_strdup ("");

  client = kmodctl_connect (KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE |
                            KMODD_CLIENT_FLAGS_DO_NOT_LOAD_PROPERTIES |
                            KMODD_CLIENT_FLAGS_DO_NOT_CONNECT_SIGNALS, &status);
  if (client == NULL)
    return status;
  if (command->id != CMD_CONFIG && !(flags & KMODD_CONFIGURE_FLAGS_DRY_RUN))
    agent = kmodctl_setup_authorization (client);

  switch (command->id)
    {
    case CMD_ENABLE:
    case CMD_DISABLE:
      result = kmodd_client_set_boot_load_sync (client, name, command->id == CMD_ENABLE,
                                                flags, NULL, &error);
      break;
    case CMD_BLOCK:
    case CMD_UNBLOCK:
      result = kmodd_client_set_blocked_sync (client, name, command->id == CMD_BLOCK,
                                              flags, NULL, &error);
      break;
    case CMD_SET_PARAMETERS:
      result = kmodd_client_set_parameters_sync (client, name, parameters, flags, NULL, &error);
      break;
    case CMD_CONFIG:
    default:
      result = kmodd_client_get_configuration_sync (client, name, NULL, &error);
      break;
    }

  if (result == NULL)
    {
      what = g_strdup_printf ("%s %s", command->verb, name);
      return kmodctl_fail (error, what);
    }

  if (json)
    print_json (result);
  else if (command->id == CMD_CONFIG)
    print_configuration (result);
  else
    print_result (result, (flags & KMODD_CONFIGURE_FLAGS_DRY_RUN) != 0);
  return EXIT_OK;
}

int
kmodctl_config_run (int    argc,
                    char **argv)
{
  const ConfigCommand *command = find (argv[0]);
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = NULL;
  g_auto(GStrv) args = NULL;
  gboolean runtime = FALSE, dry_run = FALSE, in_use = FALSE, now = FALSE, json = FALSE;
  GOptionEntry entries[8] = { { NULL } };
  KmoddConfigureFlags flags = KMODD_CONFIGURE_FLAGS_NONE;
  guint n = 0;
  guint n_args;

  if (command == NULL)
    return EXIT_USAGE;
  program = g_strdup_printf ("kmodctl %s", command->name);
  if (command->runtime)
    {
      entries[n++] = (GOptionEntry) { "runtime", 0, 0, G_OPTION_ARG_NONE, &runtime,
                                      "Change /run instead of /etc: until the next boot", NULL };
      entries[n++] = (GOptionEntry) { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
                                      "Change nothing; print what would be written", NULL };
    }
  if (command->id == CMD_BLOCK)
    {
      GOptionEntry in_use_entry = { "in-use", 0, 0, G_OPTION_ARG_NONE, &in_use,
                                    "Block the module even though it is in use", NULL };

      entries[n++] = in_use_entry;
    }
  if (command->id == CMD_SET_PARAMETERS)
    {
      GOptionEntry now_entry = { "now", 0, 0, G_OPTION_ARG_NONE, &now,
                                 "Also give the values to the loaded module", NULL };

      entries[n++] = now_entry;
    }
  entries[n++] = (GOptionEntry) { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL };
  entries[n++] = (GOptionEntry) { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args,
                                  NULL, NULL };

  context = g_option_context_new (command->parameters);
  g_option_context_set_summary (context, command->summary);
  g_option_context_set_description (context, command->description);
  g_option_context_add_main_entries (context, entries, NULL);
  argv[0] = program;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kmodctl %s: %s\nTry “kmodctl %s --help”.\n",
                  command->name, error->message, command->name);
      return EXIT_USAGE;
    }

  n_args = args ? g_strv_length (args) : 0;
  if (n_args < 1 || (n_args > 1 && command->id != CMD_SET_PARAMETERS))
    {
      if (n_args < 1)
        g_printerr ("kmodctl %s: missing NAME\n", command->name);
      else
        g_printerr ("kmodctl %s: unexpected argument “%s”\n", command->name, args[1]);
      g_printerr ("Try “kmodctl %s --help”.\n", command->name);
      return EXIT_USAGE;
    }

  if (runtime)
    flags |= KMODD_CONFIGURE_FLAGS_RUNTIME;
  if (dry_run)
    flags |= KMODD_CONFIGURE_FLAGS_DRY_RUN;
  if (in_use)
    flags |= KMODD_CONFIGURE_FLAGS_IN_USE;
  if (now)
    flags |= KMODD_CONFIGURE_FLAGS_NOW;

  return run (command, args[0], args + 1, flags, json);
}
