/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-private.h: what the parts of the fake kernel share inside
 * libfakekernel-state: file helpers and per-module state files
 * (fakekernel-files.c), load order, listing and uevents (fakekernel-list.c),
 * parameters (fakekernel-params.c), load and delete (fakekernel-state.c).
 * Hidden symbols: nothing here leaves the static library.
 */
#pragma once

#include "fakekernel-elf.h"
#include "fakekernel-state.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FK_MODULE_INIT_IGNORE_MODVERSIONS 1
#define FK_MODULE_INIT_IGNORE_VERMAGIC 2
#define FK_DEP_WAIT_MS 30000
#define FK_POLL_MS 10
#define FK_MAX_PARAMS 128
#define FK_CHARP_MAX 1024

/* Taint bits that are per module, in the order module_flags_taint()
 * prints them. */
enum
{
  FK_TAINT_PROPRIETARY = 1 << 0,  /* P */
  FK_TAINT_FORCED = 1 << 1,       /* F */
  FK_TAINT_CRAP = 1 << 2,         /* C */
  FK_TAINT_OOT = 1 << 3,          /* O */
  FK_TAINT_UNSIGNED = 1 << 4,     /* E */
};

/* fk_get_state() for a directory without initstate: a builtin module */
#define FK_BUILTIN (-1000)

typedef struct
{
  char (*names)[FK_MODULE_NAME_LEN];
  size_t n;
} FkOrder;

typedef struct
{
  char  key[64];
  char *value;  /* normalized, as the sysfs file shows it */
} FkParam;

typedef struct
{
  FkParam items[FK_MAX_PARAMS];
  size_t  n;
} FkParams;

__attribute__ ((format (printf, 1, 2)))
void fk_debug (const char *fmt, ...);
__attribute__ ((format (printf, 3, 4)))
int fk_path (char *buf, const char *root, const char *fmt, ...);
void fk_sleep_ms (long ms);
ssize_t fk_read_file (const char *path, char *buf, size_t size);
int fk_read_file_alloc (const char *path, char **out);
int fk_read_long (const char *path, long *out);
int fk_write_all (int fd, const char *data, size_t len);
int fk_tmp_path (char *buf, const char *root, const char *what);
int fk_write_mod_attr (const char *root, const char *name, const char *attr,
                       const char *content);
int fk_read_knob_long (const char *root, const char *knob, long *out);
bool fk_signature_rejected (const char *root, const char *name);
bool fk_inserted_first (const char *root, const char *name);
int fk_fail_init_errno (const char *root, const char *name);
long fk_slow_init_ms (const char *root, const char *name);
bool fk_has_cap_sys_module (void);
bool fk_modules_disabled (const char *root);
bool fk_sig_enforced (const char *root);
bool fk_locked_down (const char *root);
int fk_get_state (const char *root, const char *name);
long fk_get_refcnt (const char *root, const char *name);
int fk_put_refcnt (const char *root, const char *name, long v);
int fk_set_state (const char *root, const char *name, FkModState state);
int fk_count_dir (const char *path);
int fk_order_update (const char *root, const char *add, const char *remove);
void fk_strv_free (char **v, size_t n);
int fk_read_dir_names (const char *path, char ***v, size_t *n);
void fk_emit (const char *root, const char *action, const char *name);
uint64_t fk_next_seqnum (const char *root);
void fk_register_drivers (const char *root, const char *module);
void fk_unregister_drivers (const char *root, const char *module);
void fk_params_clear (FkParams *p);
bool fk_module_declares_params (const FkElfModule *mod);
int fk_parse_params (const FkElfModule *mod, const char *args, FkParams *out);
