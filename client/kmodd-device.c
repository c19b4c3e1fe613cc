/* kmodd-device.c: one entry of the service's Devices.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-names.h"
#include "kmodd-private.h"

/**
 * KmoddDevice:
 *
 * A device as [method@Kmodd.Client.devices_async] lists it: a device the
 * kernel gives a modalias, which driver serves it and which modules could.
 * A snapshot, never updated: watch [signal@Kmodd.Client::devices-changed]
 * and list again to stay current.
 *
 * Every value is also a read-only property, so that list widgets can bind
 * to them.
 */
struct _KmoddDevice {
  GObject parent_instance;

  char   *syspath;
  char   *subsystem;
  char   *modalias;
  char   *vendor;
  char   *model;
  char   *driver;
  char   *module;
  GStrv   candidates;
  GStrv   blacklisted;
};

G_DEFINE_FINAL_TYPE (KmoddDevice, kmodd_device, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SYSPATH,
  PROP_SUBSYSTEM,
  PROP_MODALIAS,
  PROP_VENDOR,
  PROP_MODEL,
  PROP_DRIVER,
  PROP_MODULE,
  PROP_CANDIDATES,
  PROP_BLACKLISTED,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
take_string (char    **field,
             GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      g_free (*field);
      *field = g_variant_dup_string (value, NULL);
    }
}

static void
take_strv (GStrv    *field,
           GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_strfreev (*field);
      *field = g_variant_dup_strv (value, NULL);
    }
}

KmoddDevice *
_kmodd_device_new_from_variant (GVariant *entry)
{
  KmoddDevice *self = g_object_new (KMODD_TYPE_DEVICE, NULL);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, entry);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (g_str_equal (key, KMODD_DEVICE_SYSPATH))
        take_string (&self->syspath, value);
      else if (g_str_equal (key, KMODD_DEVICE_SUBSYSTEM))
        take_string (&self->subsystem, value);
      else if (g_str_equal (key, KMODD_DEVICE_MODALIAS))
        take_string (&self->modalias, value);
      else if (g_str_equal (key, KMODD_DEVICE_VENDOR))
        take_string (&self->vendor, value);
      else if (g_str_equal (key, KMODD_DEVICE_MODEL))
        take_string (&self->model, value);
      else if (g_str_equal (key, KMODD_DEVICE_DRIVER))
        take_string (&self->driver, value);
      else if (g_str_equal (key, KMODD_DEVICE_MODULE))
        take_string (&self->module, value);
      else if (g_str_equal (key, KMODD_DEVICE_CANDIDATES))
        take_strv (&self->candidates, value);
      else if (g_str_equal (key, KMODD_DEVICE_BLACKLISTED))
        take_strv (&self->blacklisted, value);
    }

  if (self->syspath == NULL)
    self->syspath = g_strdup ("");
  if (self->subsystem == NULL)
    self->subsystem = g_strdup ("");
  if (self->modalias == NULL)
    self->modalias = g_strdup ("");
  if (self->candidates == NULL)
    self->candidates = g_new0 (char *, 1);
  if (self->blacklisted == NULL)
    self->blacklisted = g_new0 (char *, 1);
  return self;
}

/**
 * kmodd_device_get_syspath:
 * @device: a device
 *
 * Gets the device's path in sysfs: what identifies it, and what
 * [signal@Kmodd.Client::devices-changed] names.
 *
 * Returns: the path
 */
const char *
kmodd_device_get_syspath (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return device->syspath;
}

/**
 * kmodd_device_get_subsystem:
 * @device: a device
 *
 * Gets the device's bus or class (`pci`, `usb`, `platform`, `input`).
 *
 * Returns: the subsystem
 */
const char *
kmodd_device_get_subsystem (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return device->subsystem;
}

/**
 * kmodd_device_get_modalias:
 * @device: a device
 *
 * Gets the device's MODALIAS, the string the kernel matches against
 * the modules' aliases.
 *
 * Returns: the modalias
 */
const char *
kmodd_device_get_modalias (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return device->modalias;
}

/**
 * kmodd_device_get_vendor:
 * @device: a device
 *
 * Gets the device's vendor as udev's hardware database names it
 * (`Intel Corporation`).
 *
 * Returns: (nullable): the vendor, or %NULL when udev does not know it
 */
const char *
kmodd_device_get_vendor (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return device->vendor;
}

/**
 * kmodd_device_get_model:
 * @device: a device
 *
 * Gets the device's model as udev's hardware database names it.
 *
 * Returns: (nullable): the model, or %NULL when udev does not know it
 */
const char *
kmodd_device_get_model (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return device->model;
}

/**
 * kmodd_device_get_driver:
 * @device: a device
 *
 * Gets the driver bound to the device.
 *
 * Returns: (nullable): the driver, or %NULL when the device has none
 */
const char *
kmodd_device_get_driver (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return device->driver;
}

/**
 * kmodd_device_get_module:
 * @device: a device
 *
 * Gets the module that registers the driver bound to the device.
 *
 * Returns: (nullable): the module, or %NULL when the device has no driver
 *   (or the driver has no module)
 */
const char *
kmodd_device_get_module (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return device->module;
}

/**
 * kmodd_device_get_candidates:
 * @device: a device
 *
 * Gets every module whose aliases match the device's modalias, in the
 * order modprobe(8) tries them.
 *
 * Returns: (transfer none) (array zero-terminated=1): the modules, never %NULL
 */
const char * const *
kmodd_device_get_candidates (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return (const char * const *) device->candidates;
}

/**
 * kmodd_device_get_blacklisted:
 * @device: a device
 *
 * Gets the candidates that a blacklist in modprobe.d or on the kernel
 * command line names: the service will not load them for the device.
 *
 * Returns: (transfer none) (array zero-terminated=1): the modules, never %NULL
 */
const char * const *
kmodd_device_get_blacklisted (KmoddDevice *device)
{
  g_return_val_if_fail (KMODD_IS_DEVICE (device), NULL);
  return (const char * const *) device->blacklisted;
}

static void
kmodd_device_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KmoddDevice *self = KMODD_DEVICE (object);

  switch (prop_id)
    {
    case PROP_SYSPATH:
      g_value_set_string (value, self->syspath);
      break;
    case PROP_SUBSYSTEM:
      g_value_set_string (value, self->subsystem);
      break;
    case PROP_MODALIAS:
      g_value_set_string (value, self->modalias);
      break;
    case PROP_VENDOR:
      g_value_set_string (value, self->vendor);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_DRIVER:
      g_value_set_string (value, self->driver);
      break;
    case PROP_MODULE:
      g_value_set_string (value, self->module);
      break;
    case PROP_CANDIDATES:
      g_value_set_boxed (value, self->candidates);
      break;
    case PROP_BLACKLISTED:
      g_value_set_boxed (value, self->blacklisted);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kmodd_device_finalize (GObject *object)
{
  KmoddDevice *self = KMODD_DEVICE (object);

  g_free (self->syspath);
  g_free (self->subsystem);
  g_free (self->modalias);
  g_free (self->vendor);
  g_free (self->model);
  g_free (self->driver);
  g_free (self->module);
  g_strfreev (self->candidates);
  g_strfreev (self->blacklisted);

  G_OBJECT_CLASS (kmodd_device_parent_class)->finalize (object);
}

static void
kmodd_device_init (KmoddDevice *self)
{
}

static void
kmodd_device_class_init (KmoddDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kmodd_device_get_property;
  object_class->finalize = kmodd_device_finalize;

  /**
   * KmoddDevice:syspath: (getter get_syspath)
   *
   * The device's syspath.
   */
  props[PROP_SYSPATH] = g_param_spec_string ("syspath", NULL, NULL, NULL, flags);

  /**
   * KmoddDevice:subsystem: (getter get_subsystem)
   *
   * The device's subsystem.
   */
  props[PROP_SUBSYSTEM] = g_param_spec_string ("subsystem", NULL, NULL, NULL, flags);

  /**
   * KmoddDevice:modalias: (getter get_modalias)
   *
   * The device's modalias.
   */
  props[PROP_MODALIAS] = g_param_spec_string ("modalias", NULL, NULL, NULL, flags);

  /**
   * KmoddDevice:vendor: (getter get_vendor)
   *
   * The device's vendor.
   */
  props[PROP_VENDOR] = g_param_spec_string ("vendor", NULL, NULL, NULL, flags);

  /**
   * KmoddDevice:model: (getter get_model)
   *
   * The device's model.
   */
  props[PROP_MODEL] = g_param_spec_string ("model", NULL, NULL, NULL, flags);

  /**
   * KmoddDevice:driver: (getter get_driver)
   *
   * The device's driver.
   */
  props[PROP_DRIVER] = g_param_spec_string ("driver", NULL, NULL, NULL, flags);

  /**
   * KmoddDevice:module: (getter get_module)
   *
   * The device's module.
   */
  props[PROP_MODULE] = g_param_spec_string ("module", NULL, NULL, NULL, flags);

  /**
   * KmoddDevice:candidates: (getter get_candidates)
   *
   * The modules whose aliases match it.
   */
  props[PROP_CANDIDATES] = g_param_spec_boxed ("candidates", NULL, NULL, G_TYPE_STRV, flags);

  /**
   * KmoddDevice:blacklisted: (getter get_blacklisted)
   *
   * The blacklisted candidates.
   */
  props[PROP_BLACKLISTED] = g_param_spec_boxed ("blacklisted", NULL, NULL, G_TYPE_STRV, flags);

  g_object_class_install_properties (object_class, N_PROPS, props);
}
