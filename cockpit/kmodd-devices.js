/*
 * kmodd-devices.js: the "Devices" tab of Cockpit's "Kernel modules" page
 * (kmodd.js has the rest and passes the signals on).
 *
 * Devices({}) lists every device the kernel gives a MODALIAS: its bus
 * address and syspath, subsystem, vendor and model (udev's hardware
 * database), the driver and module serving it, the modules that could
 * drive it (modprobe's order) and which of those are blacklisted. The
 * switch "Only devices without a driver" passes "unbound". A module's name
 * opens its details.
 *
 * No polling: Devices is read when the tab is opened, then again after
 * DevicesChanged, after ConfigurationChanged (a blacklist may have changed)
 * and when kmodd comes back. A burst of signals (a module's removal unbinds
 * each of its devices; a hub brings several) costs one call: the first
 * signal starts a 100 ms timer that the others find running, and one call
 * is in flight at a time, with at most one more after it. While the tab is
 * not shown, signals only mark the list stale.
 *
 * Reading needs no authorization.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

"use strict";

(function () {
  const _ = cockpit.gettext;
  const page = window.kmoddPage;   /* kmodd.js, loaded first */
  const el = page.el;
  const DEBOUNCE_MS = 100;

  let shown = false;       /* the tab is shown */
  let stale = true;        /* something changed since the last read */
  let timer = null;        /* a read is due */
  let reading = false;
  let again = false;
  let reads = 0;           /* Devices calls, for the browser test */
  let rowCache = new Map();   /* syspath -> { key, row } */

  function $(id) {
    return document.getElementById(id);
  }

  function muted(text) {
    return el("span", { class: "kmodd-muted", text });
  }

  function moduleLink(name, cls) {
    return el("button", { class: "pf-c-button pf-m-link pf-m-inline " + cls, type: "button", text: name,
                          onclick: () => page.showInfo(name) });
  }

  function renderRow(device) {
    const blacklisted = device.blacklisted || [];
    const candidates = (device.candidates || []).map(name => {
      const black = blacklisted.indexOf(name) >= 0;
      return el("span", { class: "kmodd-candidate", "data-candidate": name, "data-blacklisted": black ? "true" : null },
                moduleLink(name, "kmodd-candidate-name"),
                black
                  ? el("span", { class: "pf-c-label pf-m-compact pf-m-red", title: _("Blacklisted in modprobe.d or on the kernel command line: kmodd will not load it") },
                       el("span", { class: "pf-c-label__content", text: _("blacklisted") }))
                  : null);
    });
    const vendorModel = [device.vendor, device.model].filter(Boolean).join(" ");
    const address = device.syspath.slice(device.syspath.lastIndexOf("/") + 1);

    return el("tr", { role: "row", "data-syspath": device.syspath },
              el("td", { role: "cell", "data-label": _("Device") },
                 el("div", { class: "kmodd-device-address", text: address, title: device.modalias }),
                 /* a long path breaks after a "/" */
                 el("div", { class: "kmodd-device-syspath" },
                    ...device.syspath.split("/").flatMap((part, i) => (i ? [el("wbr"), "/" + part] : [part])))),
              el("td", { role: "cell", "data-label": _("Subsystem"), text: device.subsystem }),
              el("td", { role: "cell", "data-label": _("Vendor and model") }, vendorModel || muted(_("unknown"))),
              el("td", { role: "cell", "data-label": _("Driver"), class: "kmodd-device-driver" },
                 device.driver || muted(_("none"))),
              el("td", { role: "cell", "data-label": _("Module"), class: "kmodd-device-module" },
                 device.module ? moduleLink(device.module, "kmodd-name") : muted("—")),
              el("td", { role: "cell", "data-label": _("Candidates"), class: "kmodd-device-candidates" },
                 ...(candidates.length ? candidates : [muted(_("none"))])));
  }

  function render(devices) {
    const unbound = $("devices-unbound").checked;
    const kept = new Map();
    /* rows that did not change are kept, and with them focus */
    const rows = devices.map(device => {
      const key = JSON.stringify(device);
      const old = rowCache.get(device.syspath);
      const row = old && old.key === key ? old.row : renderRow(device);
      kept.set(device.syspath, { key, row });
      return row;
    });
    rowCache = kept;
    $("devices-body").replaceChildren(...rows);
    $("devices-count").textContent = unbound
      ? cockpit.format(cockpit.ngettext("$0 device without a driver", "$0 devices without a driver", devices.length), devices.length)
      : cockpit.format(cockpit.ngettext("$0 device", "$0 devices", devices.length), devices.length);
    $("devices-empty").hidden = devices.length > 0;
    $("devices-empty-title").textContent = unbound ? _("Every device has a driver") : _("No device has a modalias");
    $("devices-empty-body").textContent = "";
  }

  /* One Devices call at a time; a change during one asks for one more. */
  function read() {
    const card = $("devices-card");
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    stale = false;
    reads++;
    card.setAttribute("data-reads", String(reads));
    card.setAttribute("data-busy", "true");
    const options = $("devices-unbound").checked ? { unbound: cockpit.variant("b", true) } : {};
    page.call("Devices", [options]).then(([reply]) => {
      render(reply.map(page.unwrap));
      card.setAttribute("data-listed", "true");
    }, ex => {
      rowCache = new Map();
      $("devices-body").replaceChildren();
      $("devices-count").textContent = "";
      $("devices-empty").hidden = false;
      $("devices-empty-title").textContent = _("The devices cannot be listed");
      $("devices-empty-body").textContent = page.errorMessage(ex);
    }).then(() => {
      reading = false;
      if (again) {
        again = false;
        read();
      } else if (timer === null) {
        card.setAttribute("data-busy", "false");
      }
    });
  }

  /* DevicesChanged and the others: one read for a burst */
  function changed() {
    stale = true;
    if (!shown || timer !== null)
      return;
    $("devices-card").setAttribute("data-busy", "true");
    timer = window.setTimeout(() => {
      timer = null;
      read();
    }, DEBOUNCE_MS);
  }

  function showTab(devices) {
    shown = devices;
    for (const [tab, on] of [["tab-modules", !devices], ["tab-devices", devices]]) {
      $(tab).parentNode.classList.toggle("pf-m-current", on);
      $(tab).setAttribute("aria-selected", String(on));
    }
    $("modules-card").hidden = devices;
    $("devices-card").hidden = !devices;
    if (devices && stale)
      read();
  }

  /* the tab is in the address (…/kmodd#/devices), so a reload keeps it */
  function followLocation() {
    showTab(cockpit.location.path[0] === "devices");
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("tab-modules").addEventListener("click", () => cockpit.location.go([]));
    $("tab-devices").addEventListener("click", () => cockpit.location.go(["devices"]));
    $("devices-unbound").addEventListener("change", read);
    cockpit.addEventListener("locationchanged", followLocation);
    followLocation();
  });

  window.kmoddDevices = { changed, reads: () => reads };
})();
