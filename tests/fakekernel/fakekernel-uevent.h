/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-uevent.h: broadcast a module uevent the way systemd-udevd
 * rebroadcasts a processed kernel event, so that a libudev monitor
 * created with udev_monitor_new_from_netlink (udev, "udev") sees it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Sends ACTION=@action DEVPATH=/module/@name SUBSYSTEM=module
 * SEQNUM=@seqnum to NETLINK_KOBJECT_UEVENT multicast group 2.  Returns
 * 0 or -errno (no listener is not an error). */
int fk_uevent_send_module (const char *action, const char *name,
                           uint64_t seqnum);

/* Sends a device's uevent as udev rebroadcasts it: ACTION=@action
 * DEVPATH=@devpath (/devices/...) SUBSYSTEM=@subsystem, DRIVER=@driver
 * when not NULL (bind, and add/remove of a bound device) and
 * MODALIAS=@modalias, as the kernel's bus uevent adds them. */
int fk_uevent_send_device (const char *action, const char *devpath,
                           const char *subsystem, const char *modalias,
                           const char *driver, uint64_t seqnum);

/* MurmurHash2 (seed 0) as libudev uses it for its BPF filter. */
uint32_t fk_murmur_hash2 (const void *key, size_t len, uint32_t seed);
