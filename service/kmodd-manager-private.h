/* kmodd-manager-private.h: what the parts of KmoddManager share. The
 * manager is one object in several files: kmodd-manager.c (the skeleton,
 * the method handlers, kernel events and the life cycle),
 * kmodd-manager-callers.c (who is calling, and their cancellables),
 * kmodd-manager-requests.c (requests and their jobs on the worker thread,
 * authorization, replies and the audit log), kmodd-manager-reload.c
 * (Reload, its checks and its job), kmodd-manager-replies.c (List and
 * Info, with the kept List reply), kmodd-manager-devices.c (Devices and
 * DevicesChanged) and kmodd-manager-timers.c (the
 * AutoClean timer and the idle exit).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "kmodd-authority.h"
#include "kmodd-autoclean.h"
#include "kmodd-configurator.h"
#include "kmodd-dbus-generated.h"
#include "kmodd-gate.h"
#include "kmodd-kernel.h"
#include "kmodd-manager.h"
#include "kmodd-monitor.h"
#include "kmodd-validate.h"
#include "kmodd-worker.h"

#define NO_UID G_MAXUINT32

typedef struct _Caller Caller;

struct _KmoddManager {
  GObject             parent_instance;

  KmoddConfig         config;
  KmoddDBusManager   *skeleton;
  GDBusConnection    *connection;

  KmoddKernel        *kernel;  /* main thread only */
  KmoddWorker        *worker;
  KmoddMonitor       *monitor;
  KmoddAutoclean     *autoclean;
  KmoddAuthority     *authority;
  KmoddRefusals      *refusals;
  KmoddConfigurator  *configurator;

  char               *state_dir;
  GMutex              save_lock;

  GHashTable         *callers;  /* unique name -> Caller */
  GHashTable         *users;    /* uid (other than 0) -> its requests in flight */
  guint               inflight;
  guint               requests;  /* alive, from arrival until freed: the idle exit waits for them */
  gboolean            stopping;  /* SIGTERM: answer what waits with Stopping */

  KmoddAutocleanTimer timer;
  guint               timer_id;
  gboolean            timer_running;
  gboolean            pass_queued;
  guint               idle_id;
  guint               trim_id;
  gint64              last_call;

  GVariant           *list_keys[11];    /* N_KEYS */
  GVariant           *list_reply;       /* the last plain List reply, */
  GBytes             *list_contents;    /* built from this /proc/modules */
  guint64             list_generation;  /* and these records, */
  gboolean            devices_followed; /* and no device event since (the monitor runs) */
  GHashTable         *device_counts;    /* module -> devices its drivers serve, kept likewise */
};

struct _Caller {
  KmoddManager *manager;
  char         *sender;
  guint32       uid;       /* NO_UID until the bus said */
  guint         inflight;
  GCancellable *cancellable;
  guint         subscription_id;
};

typedef enum {
  METHOD_LOAD,
  METHOD_UNLOAD,
  METHOD_AUTOCLEAN,
  METHOD_RELOAD,
} Method;

typedef struct {
  KmoddManager          *manager;
  GDBusMethodInvocation *invocation; /* NULL once answered early, and for the timer's passes */
  Caller                *caller;     /* NULL likewise */
  char                  *sender;     /* NULL for the timer's passes */
  gboolean               timer;
  Method                 method;
  char                  *name;
  GStrv                  modules;    /* what name resolves to: each is authorized */
  GStrv                  keys;       /* what the job may touch (kmodd-worker.c) */
  gboolean               counted;    /* against its uid's KMODD_USER_INFLIGHT_MAX */
  guint                  checking;   /* the one polkit is asked about */
  GPtrArray             *parameters;
  char                  *parameters_text;
  gboolean               autoclean;
  gboolean               dry_run;
  gboolean               no_block;
  gboolean               dependencies;
  gboolean               unbind;
  gboolean               all;
  guint32                uid;
} Request;


typedef struct {
  KmoddKernel *kernel;
  Request     *request;
} PassView;

/* The keys of a List entry, made once: building the reply is most of what
 * List costs, and a{sv} entries assembled from ready parts cost a third of
 * what GVariantBuilder's format strings do. */
typedef enum {
  KEY_NAME,
  KEY_STATE,
  KEY_SIZE,
  KEY_REFCOUNT,
  KEY_HOLDERS,
  KEY_TAINT,
  KEY_AUTOCLEAN,
  KEY_VISITED,
  KEY_REQUESTED_BY,
  KEY_LOADED_AT,
  KEY_DEVICES,
  N_KEYS
} ListKey;

void manager_emit_idle (KmoddManager *self);
gboolean manager_accept_call (KmoddManager          *self,
                              GDBusMethodInvocation *invocation,
                              const char            *name,
                              GVariant              *options,
                              const KmoddOptionSpec *spec);
void manager_kernel_hook (const char *module,
                          gboolean    insert,
                          gboolean    before,
                          gboolean    success,
                          gpointer    user_data);
gboolean manager_handle_reload (KmoddDBusManager      *skeleton,
                                GDBusMethodInvocation *invocation,
                                const char            *name,
                                GVariant              *options,
                                KmoddManager          *self);
void manager_job_reload (KmoddKernel *kernel,
                         GTask       *task);
void manager_replies_init (KmoddManager *self);
void manager_replies_clear (KmoddManager *self);
gboolean manager_handle_list_available (KmoddDBusManager      *skeleton,
                                        GDBusMethodInvocation *invocation,
                                        GVariant              *options,
                                        KmoddManager          *self);
void manager_refresh_kernel_properties (KmoddDBusManager *iface);
void manager_caller_free (Caller *caller);
Caller *manager_caller_ref (KmoddManager *self,
                            const char   *sender);
void manager_caller_unref (KmoddManager *self,
                           Caller       *caller);
void manager_request_free (Request *request);
Request *manager_request_new (KmoddManager          *self,
                              GDBusMethodInvocation *invocation,
                              Method                 method);
void manager_return_error (GDBusMethodInvocation *invocation,
                           const GError          *error);
void manager_log_debug_call (GDBusMethodInvocation *invocation,
                             const char            *name,
                             GVariant              *options);
void manager_save_state (KmoddManager *self);
void manager_refresh_properties (KmoddManager *self);
gboolean manager_view_get_usage (gpointer    data,
                                 const char *module,
                                 gint       *refcount,
                                 guint      *n_holders,
                                 guint      *n_devices,
                                 gboolean   *live,
                                 guint64    *instance);
void manager_job_autoclean (KmoddKernel *kernel,
                            GTask       *task);
gboolean manager_queue_job (KmoddManager *self,
                            Request      *request,
                            KmoddJobFunc  func,
                            GError      **error);
void manager_authorize (KmoddManager *self,
                        Request      *request);
void manager_admit (KmoddManager *self,
                    Request      *request);
void manager_user_release (KmoddManager *self,
                           Request      *request);
void manager_request_release (KmoddManager *self,
                              Request      *request);
gboolean manager_handle_list (KmoddDBusManager      *skeleton,
                              GDBusMethodInvocation *invocation,
                              GVariant              *options,
                              KmoddManager          *self);
gboolean manager_handle_info (KmoddDBusManager      *skeleton,
                              GDBusMethodInvocation *invocation,
                              const char            *name,
                              GVariant              *options,
                              KmoddManager          *self);
gboolean manager_handle_devices (KmoddDBusManager      *skeleton,
                                 GDBusMethodInvocation *invocation,
                                 GVariant              *options,
                                 KmoddManager          *self);
void manager_on_device_changed (KmoddMonitor *monitor,
                                const char   *syspath,
                                const char   *action,
                                const char   *subsystem,
                                const char   *modalias,
                                const char   *driver,
                                KmoddManager *self);
guint manager_count_devices (KmoddManager *self,
                             const char   *module);
void manager_schedule_autoclean (KmoddManager *self);
void manager_update_idle (KmoddManager *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, manager_request_free)
