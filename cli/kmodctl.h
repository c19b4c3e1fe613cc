/* kmodctl.h: what kmodctl.c (the errors, the connection, the command line
 * and main) and kmodctl-commands.c (the commands on the service) share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <kmodd.h>

#include "kmodctl-remote.h"

G_BEGIN_DECLS

typedef enum {
  EXIT_OK              = 0,
  EXIT_FAILED          = 1, /* anything not below */
  EXIT_USAGE           = 2, /* bad command line; InvalidName, InvalidParameters */
  EXIT_NOT_AUTHORIZED  = 3, /* NotAuthorized, InteractiveAuthorizationRequired */
  EXIT_NOT_FOUND       = 4, /* NotFound, NotLoaded */
  EXIT_IN_USE          = 5, /* InUse */
  EXIT_UNAVAILABLE     = 6, /* no system bus, or the service cannot be reached */
  EXIT_NO_CONNECTION   = 7, /* -H: no connection to the host, or it was lost */
} ExitCode;


typedef struct {
  /* options of all commands; each command offers the ones it takes */
  gboolean autoclean;
  gboolean builtin;
  gboolean json;
  gboolean dry_run;
  gboolean no_block;
  gboolean dependencies;
  gboolean unbind;
  gboolean all;
  char    *parameters;
  gboolean unbound;
  GStrv    args;
} Options;

typedef struct _Command Command;

struct _Command {
  const char         *name;
  const char         *parameters; /* for the usage line */
  const char         *summary;
  const char         *description;
  const char * const *options;    /* long names of the options it takes */
  int                 min_args;
  int                 max_args;   /* -1: any number */
  int                 (*run) (const Command *command,
                              Options       *options);
};

/* -H/--host and --timeout, given before the command (kmodctl.c) */
extern KmodctlRemote kmodctl_remote;

/* For the commands that only call methods: creating the client asks the
 * bus who owns the name and nothing else; the call starts the service. */
#define ONE_SHOT (KMODD_CLIENT_FLAGS_DO_NOT_START_SERVICE | \
                  KMODD_CLIENT_FLAGS_DO_NOT_LOAD_PROPERTIES | \
                  KMODD_CLIENT_FLAGS_DO_NOT_CONNECT_SIGNALS)

/* kmodctl.c: prints "kmodctl: cannot WHAT: why" and returns the exit status
 * for @error */
int kmodctl_failf          (const GError *error,
                            const char   *format,
                            ...) G_GNUC_PRINTF (2, 3);

/* kmodctl-commands.c */
int kmodctl_run_list       (const Command *command,
                            Options       *options);
int kmodctl_run_devices    (const Command *command,
                            Options       *options);
int kmodctl_run_info       (const Command *command,
                            Options       *options);
int kmodctl_run_load       (const Command *command,
                            Options       *options);
int kmodctl_run_unload     (const Command *command,
                            Options       *options);
int kmodctl_run_reload     (const Command *command,
                            Options       *options);
int kmodctl_run_autoclean  (const Command *command,
                            Options       *options);
int kmodctl_run_monitor    (const Command *command,
                            Options       *options);
int kmodctl_run_status     (const Command *command,
                            Options       *options);

G_END_DECLS
