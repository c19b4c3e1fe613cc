/*
 * kmodd.js: Cockpit's "Kernel modules" page.
 *
 * Everything goes through org.freedesktop.KernelModules1 on the system bus
 * (introspection/org.freedesktop.KernelModules1.Manager.xml):
 *   - the kernel's state: the Manager's properties, kept by the proxy;
 *   - the loaded modules: one List call at start, then kept live by the
 *     ModuleLoaded / ModuleUnloaded signals (a row appears or goes at once;
 *     a List call follows to fill in sizes and holders, never a timer);
 *   - details (Info), load (Load with "parameters" and "autoclean"),
 *     unload (Unload), reload (Reload);
 *   - the devices view (kmodd-devices.js: Devices, kept true by
 *     DevicesChanged);
 *   - in the details, what survives a reboot (kmodd-config.js:
 *     GetConfiguration, SetBootLoad, SetBlocked, SetParameters, kept true by
 *     ConfigurationChanged).
 *
 * Authorization: the client asks for superuser "try", so with Cockpit's
 * administrative access on the calls go as root. Without it, members of
 * group kmodd may load (without parameters), unload and reload, as kmodd's
 * polkit rule says; everyone else sees the actions disabled with the reason.
 * Changing the configuration (action ...configure) needs administrative
 * access: the group rule does not grant it.
 * Calls never carry the allow-interactive-authorization flag (the bridge
 * adds it unless told otherwise, see call()): Cockpit 287's bridge has no
 * polkit agent for other services' actions, so nobody could answer a
 * password prompt and the call would wait. A refusal is shown as "needs
 * administrative access".
 *
 * The load dialog's name field completes from ListAvailable.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

"use strict";

(function () {
  const BUS_NAME = "org.freedesktop.KernelModules1";
  const OBJECT_PATH = "/org/freedesktop/KernelModules1";
  const INTERFACE = "org.freedesktop.KernelModules1.Manager";
  const ERROR_PREFIX = "org.freedesktop.KernelModules1.Error.";
  const _ = cockpit.gettext;
  const { validateName, parseParameters } = window.kmoddValidate;   /* kmodd-validate.js */

  const NEEDS_ADMIN = _("This needs administrative access.");

  /* One sentence for every error kmodd returns; the service's own message
   * (which names the module, the holders or the kernel's reason) follows. */
  const ERROR_SENTENCES = {
    InvalidName: _("This is not a valid module name or alias."),
    NotFound: _("No module of this name or alias exists for the running kernel."),
    Blacklisted: _("This module is blacklisted in modprobe.d or on the kernel command line."),
    InvalidParameters: _("The parameters are not valid for this module."),
    InUse: _("The module is in use and cannot be unloaded."),
    Builtin: _("The module is built into the kernel: it cannot be loaded or unloaded."),
    NotLoaded: _("The module is not loaded."),
    ModulesDisabled: _("The kernel no longer allows loading or unloading modules (modules_disabled is set until the next boot)."),
    SignatureRejected: _("The kernel rejected the module's signature."),
    NotAuthorized: NEEDS_ADMIN,
    LimitsExceeded: _("Too many requests are waiting. Try again in a moment."),
    Stopping: _("The kernel module service was stopping and did not do this. Nothing changed; try again."),
    ConfiguredElsewhere: _("A configuration file that kmodd does not manage says otherwise."),
    Failed: _("The kernel refused the request."),
  };

  const DBUS_ERROR_SENTENCES = {
    "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired": NEEDS_ADMIN,
    "org.freedesktop.DBus.Error.AccessDenied": NEEDS_ADMIN,
    "org.freedesktop.DBus.Error.ServiceUnknown": _("The kernel module service (kmodd) is not available on this machine."),
    "org.freedesktop.DBus.Error.NameHasNoOwner": _("The kernel module service (kmodd) is not available on this machine."),
    "org.freedesktop.DBus.Error.NoReply": _("The kernel module service (kmodd) did not answer in time."),
    "org.freedesktop.DBus.Error.Timeout": _("The kernel module service (kmodd) did not answer in time."),
    "org.freedesktop.DBus.Error.InvalidArgs": _("The service did not accept the request."),
  };

  /* Reload's load half failed: the error is the load's own, its message
   * says that the module is gone (service/kmodd-manager-reload.c) */
  const RELOAD_GONE = /^Module (\S+) was removed and could not be loaded again: ([^]*)$/;

  /* The short name of a kmodd error ("InUse"), or null */
  function kmoddErrorName(ex) {
    return ex && ex.name && ex.name.startsWith(ERROR_PREFIX) ? ex.name.slice(ERROR_PREFIX.length) : null;
  }

  /* A readable message for any failed call: never a raw D-Bus name. */
  function errorMessage(ex) {
    const short = kmoddErrorName(ex);
    let detail = ex && ex.message ? String(ex.message) : "";
    let sentence;

    const gone = short && RELOAD_GONE.exec(detail);
    if (gone)
      return cockpit.format(_("$0 was removed and could not be loaded again: it is not loaded now."), gone[1]) +
        " " + errorMessage({ name: ex.name, message: gone[2] });

    if (short)
      sentence = ERROR_SENTENCES[short] || ERROR_SENTENCES.Failed;
    else if (ex && ex.name && DBUS_ERROR_SENTENCES[ex.name])
      sentence = DBUS_ERROR_SENTENCES[ex.name];
    else if (ex && ex.problem)
      return cockpit.message(ex);
    else
      sentence = _("The request failed.");

    /* the service's message adds what the sentence cannot know; drop it
     * when it is only the error's name */
    if (ex && ex.name && (detail === ex.name || detail.indexOf(ex.name) >= 0))
      detail = "";
    if (short === "NotAuthorized" || (ex && DBUS_ERROR_SENTENCES[ex.name] === NEEDS_ADMIN))
      detail = "";
    if (sentence === NEEDS_ADMIN)
      return sentence + " " + adminHint();
    if (!detail)
      return sentence;
    if (!/[.!?]$/.test(detail))
      detail += ".";
    return sentence + " " + detail;
  }

  /* -- small helpers ------------------------------------------------- */

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const key in attrs || {}) {
      if (key === "class")
        e.className = attrs[key];
      else if (key === "text")
        e.textContent = attrs[key];
      else if (key.startsWith("on"))
        e.addEventListener(key.slice(2), attrs[key]);
      else if (attrs[key] === true)
        e.setAttribute(key, "");
      else if (attrs[key] !== false && attrs[key] !== undefined && attrs[key] !== null)
        e.setAttribute(key, attrs[key]);
    }
    for (const c of children) {
      if (c !== null && c !== undefined)
        e.append(c);
    }
    return e;
  }

  function unwrap(dict) {
    const out = {};
    for (const key in dict || {})
      out[key] = dict[key] && typeof dict[key] === "object" && "v" in dict[key] ? dict[key].v : dict[key];
    return out;
  }

  function formatSize(bytes) {
    const n = Number(bytes);
    if (!isFinite(n))
      return "";
    if (n < 1024)
      return cockpit.format(_("$0 B"), n);
    if (n < 1024 * 1024)
      return cockpit.format(_("$0 KiB"), Math.round(n / 1024));
    return cockpit.format(_("$0 MiB"), (n / 1024 / 1024).toFixed(1));
  }

  function formatUser(uid) {
    if (uid === 0)
      return "root";
    if (currentUser && currentUser.id === uid)
      return currentUser.name;
    return cockpit.format(_("uid $0"), uid);
  }

  function showAlert(variant, title, text) {
    const box = el("div", { class: "pf-c-alert pf-m-inline pf-m-" + variant, role: "alert" },
                   el("p", { class: "pf-c-alert__title" }, el("span", { class: "pf-u-screen-reader", text: variant + " alert:" }), title),
                   text ? el("div", { class: "pf-c-alert__description", text }) : null,
                   el("div", { class: "pf-c-alert__action" },
                      el("button", { class: "pf-c-button pf-m-plain", type: "button", "aria-label": _("Close"), text: "✕", onclick: () => box.remove() })));
    $("alerts").append(box);
    return box;
  }

  /* -- state --------------------------------------------------------- */

  const client = cockpit.dbus(BUS_NAME, { bus: "system", superuser: "try" });
  const modules = new Map();       /* name -> unwrapped List dictionary */
  let listed = false;
  let currentUser = null;
  const access = { known: false, admin: false, group: false, load: false, unload: false, reload: false, parameters: false, reason: "" };

  /* A native Promise of the reply's arguments (Cockpit's own promises do
   * not turn an exception in a handler into a rejection). */
  function call(method, args) {
    return new Promise((resolve, reject) => {
      /* Cockpit's bridge sets ALLOW_INTERACTIVE_AUTHORIZATION on every call
       * unless "flags" is given without "i": an empty string turns it off */
      client.call(OBJECT_PATH, INTERFACE, method, args, { flags: "" }).then(reply => resolve(reply), reject);
    });
  }

  /* -- the kernel's state -------------------------------------------- */

  const proxy = client.proxy(INTERFACE, OBJECT_PATH);

  function renderState() {
    if (!proxy.valid)
      return;
    const yesno = (b, yes, no) => (b ? yes : no);
    $("state-release").textContent = proxy.KernelRelease || "";
    $("state-lockdown").textContent = { none: _("None"), integrity: _("Integrity"), confidentiality: _("Confidentiality") }[proxy.Lockdown] || proxy.Lockdown || "";
    $("state-signatures").textContent = yesno(proxy.SignaturesEnforced, _("Enforced: only signed modules load"), _("Not enforced"));
    $("state-disabled").textContent = yesno(proxy.ModulesDisabled, _("Disabled until the next boot"), _("Allowed"));
    $("state-disabled").classList.toggle("kmodd-warning", !!proxy.ModulesDisabled);
    const interval = proxy.AutoCleanInterval;
    $("state-autoclean").textContent = interval
      ? cockpit.format(cockpit.ngettext("Every $0 s, $1 module marked", "Every $0 s, $1 modules marked", proxy.AutoCleanMarks || 0),
                       interval, proxy.AutoCleanMarks || 0)
      : _("Off");
    $("state-version").textContent = proxy.Version || "";
    updateActions();
  }

  proxy.addEventListener("changed", renderState);
  proxy.wait(() => {
    if (proxy.valid)
      renderState();
  });

  /* -- authorization ------------------------------------------------- */

  const permission = cockpit.permission({ admin: true });

  function updateAccess() {
    if (permission.allowed === null || currentUser === null)
      return;
    const admin = permission.allowed === true;
    const group = (currentUser.groups || []).indexOf("kmodd") >= 0;
    access.known = true;
    access.admin = admin;
    access.group = group;
    access.load = admin || group;
    access.unload = admin || group;
    access.reload = admin || group;
    access.parameters = admin;
    if (admin)
      access.reason = "";
    else if (group)
      access.reason = _("As a member of group kmodd you can load, unload and reload modules; loading with parameters needs administrative access.");
    else
      access.reason = _("Loading, unloading and reloading modules needs administrative access, or membership in group kmodd.");
    updateActions();
    if (window.kmoddConfig)
      window.kmoddConfig.updateAccess();
  }

  permission.addEventListener("changed", updateAccess);
  cockpit.user().then(user => {
    currentUser = user;
    updateAccess();
    renderRows();
  }, () => {
    currentUser = { groups: [] };
    updateAccess();
  });

  /* What the user can do about a refusal */
  function adminHint() {
    if (access.group)
      return _("Turn on administrative access in Cockpit.");
    return _("Turn on administrative access in Cockpit, or ask to be added to group kmodd " +
             "(to load and unload modules without parameters).");
  }

  /* Why the configuration controls are disabled */
  function configureReason() {
    return _("Changing what happens at boot (load at boot, blocking, parameters) needs administrative access: " +
             "membership in group kmodd is not enough.") + " " + _("Turn on administrative access in Cockpit.");
  }

  function parametersNote() {
    return access.known && !access.parameters ? _("Loading with parameters needs administrative access.") : null;
  }

  function updateActions() {
    const disabled = !!(proxy.valid && proxy.ModulesDisabled);
    const note = $("access-note");
    const reason = disabled ? _("The kernel no longer allows loading or unloading modules.") : access.reason;

    $("load-button").disabled = !access.known || !access.load || disabled;
    $("load-button").title = $("load-button").disabled ? reason : "";
    note.hidden = !access.known || !reason;
    note.textContent = reason;
    note.classList.toggle("kmodd-access-blocked", !access.load || disabled);
    for (const button of document.querySelectorAll("button.kmodd-unload, button.kmodd-reload")) {
      button.disabled = !access.known || !(button.classList.contains("kmodd-reload") ? access.reload : access.unload) || disabled;
      button.title = button.disabled ? reason : "";
    }
    $("load-parameters").disabled = !access.parameters;
    if (parametersNote())
      setHelper("load-parameters", parametersNote(), false);
  }

  /* -- the list ------------------------------------------------------ */

  function matchesFilter(module, filter) {
    if (!filter)
      return true;
    if (module.name.toLowerCase().indexOf(filter) >= 0)
      return true;
    return (module.holders || []).some(h => h.toLowerCase().indexOf(filter) >= 0);
  }

  function stateLabel(module) {
    if (module.state === "coming")
      return el("span", { class: "pf-c-label pf-m-compact pf-m-blue" }, el("span", { class: "pf-c-label__content", text: _("Loading") }));
    if (module.state === "going")
      return el("span", { class: "pf-c-label pf-m-compact pf-m-orange" }, el("span", { class: "pf-c-label__content", text: _("Unloading") }));
    return null;
  }

  function renderRow(module) {
    const holders = module.holders || [];
    let usedBy = holders.join(", ");
    if (!usedBy && module.refcount > 0)
      usedBy = cockpit.format(cockpit.ngettext("$0 user", "$0 users", module.refcount), module.refcount);

    const autoclean = module.autoclean
      ? el("span", { class: "pf-c-label pf-m-compact pf-m-green kmodd-autoclean" },
           el("span", { class: "pf-c-label__content", text: module.visited ? _("AutoClean, visited") : _("AutoClean") }))
      : null;

    let loadedBy = "—";
    if (module["requested-by"] !== undefined) {
      loadedBy = formatUser(module["requested-by"]);
      if (module["loaded-at"])
        loadedBy += ", " + new Date(Number(module["loaded-at"]) / 1000).toLocaleString();
    }

    const unload = el("button", {
      class: "pf-c-button pf-m-secondary pf-m-small kmodd-unload",
      type: "button",
      disabled: !access.known || !access.unload,
      title: access.unload ? null : access.reason,
      text: _("Unload"),
      onclick: () => unloadModule(module.name, row),
    });
    const reload = el("button", {
      class: "pf-c-button pf-m-secondary pf-m-small kmodd-reload",
      type: "button",
      disabled: !access.known || !access.reload,
      title: access.reload ? null : access.reason,
      text: _("Reload"),
      onclick: () => askReload(module.name, row),
    });

    const row = el("tr", { role: "row", "data-module": module.name },
                   el("td", { role: "cell", "data-label": _("Name") },
                      el("button", { class: "pf-c-button pf-m-link pf-m-inline kmodd-name", type: "button", text: module.name, onclick: () => showInfo(module.name) }),
                      " ", stateLabel(module),
                      module.taint ? el("span", { class: "kmodd-taint", title: _("Taint flags"), text: " (" + module.taint + ")" }) : null),
                   el("td", { role: "cell", "data-label": _("Size"), class: "kmodd-size", text: module.size !== undefined ? formatSize(module.size) : "" }),
                   el("td", { role: "cell", "data-label": _("Used by"), class: "kmodd-used-by", text: usedBy }),
                   el("td", { role: "cell", "data-label": _("AutoClean") }, autoclean),
                   el("td", { role: "cell", "data-label": _("Loaded by"), class: "kmodd-loaded-by", text: loadedBy }),
                   el("td", { role: "cell", class: "pf-c-table__action kmodd-actions" }, reload, unload));
    return row;
  }

  function renderRows() {
    if (!listed)
      return;
    const filter = $("filter").value.trim().toLowerCase();
    const body = $("modules-body");
    const fragment = document.createDocumentFragment();
    const names = Array.from(modules.keys()).sort();
    let shown = 0;

    /* rows whose module and access did not change are kept (and with them
     * focus and the element a pointer is on) */
    const accessKey = [access.known, access.unload, access.reload].join();
    const kept = new Map();
    for (const name of names) {
      const module = modules.get(name);
      if (!matchesFilter(module, filter))
        continue;
      const key = JSON.stringify(module) + accessKey;
      const old = rowCache.get(name);
      const row = old && old.key === key ? old.row : renderRow(module);
      kept.set(name, { key, row });
      fragment.append(row);
      shown++;
    }
    rowCache = kept;
    updateActions();   /* new rows: ModulesDisabled and access as for the others */
    body.replaceChildren(fragment);
    $("count").textContent = filter
      ? cockpit.format(_("$0 of $1 modules"), shown, modules.size)
      : cockpit.format(cockpit.ngettext("$0 module loaded", "$0 modules loaded", modules.size), modules.size);
    $("empty").hidden = shown > 0;
    $("empty-title").textContent = modules.size ? _("No module matches the filter") : _("No module is loaded");
    $("empty-body").textContent = "";
    document.body.setAttribute("data-listed", "true");
  }

  let listing = false;
  let listAgain = false;
  let rowCache = new Map();     /* name -> { key, row } of the rows shown */

  /* One List call at a time; a signal during one asks for one more. */
  function refresh() {
    if (listing) {
      listAgain = true;
      return;
    }
    listing = true;
    call("List", [{}]).then(([reply]) => {
      modules.clear();
      for (const dict of reply) {
        const module = unwrap(dict);
        modules.set(module.name, module);
      }
      listed = true;
      renderRows();
      if (!document.body.hasAttribute("data-first-render-ms"))
        document.body.setAttribute("data-first-render-ms", String(Math.round(performance.now())));
    }, ex => {
      listed = false;
      $("modules-body").replaceChildren();
      $("empty").hidden = false;
      $("empty-title").textContent = _("The modules cannot be listed");
      $("empty-body").textContent = errorMessage(ex);
    }).then(() => {
      listing = false;
      if (listAgain) {
        listAgain = false;
        refresh();
      }
    });
  }

  client.subscribe({ interface: INTERFACE, path: OBJECT_PATH }, (path, iface, signal, args) => {
    const name = args[0];
    if (signal === "ModuleLoaded") {
      if (!modules.has(name))
        modules.set(name, { name, state: "live", holders: [] });
    } else if (signal === "ModuleUnloaded") {
      modules.delete(name);
    } else if (signal === "ConfigurationChanged") {
      if (window.kmoddConfig)
        window.kmoddConfig.changed();
      if (window.kmoddDevices)
        window.kmoddDevices.changed();   /* blacklists */
      return;
    } else if (signal === "DevicesChanged") {
      if (window.kmoddDevices)
        window.kmoddDevices.changed();
      return;
    } else {
      return;
    }
    renderRows();
    refresh();   /* sizes, holders and who loaded it */
  });

  /* kmodd may stop (IdleTimeout in kmodd.conf) and be started again by
   * D-Bus activation: it sends no signals while it is gone, so the list is
   * read again whenever the name gets an owner. */
  let owner;
  client.addEventListener("owner", (event, newOwner) => {
    const before = owner;
    owner = newOwner;
    $("service-note").hidden = newOwner !== null;
    if (before === null && newOwner) {
      refresh();
      if (window.kmoddDevices)
        window.kmoddDevices.changed();
    }
  });

  /* -- unload -------------------------------------------------------- */

  function unloadModule(name, row, options) {
    const buttons = row ? row.querySelectorAll("button") : [];
    buttons.forEach(b => { b.disabled = true });
    call("Unload", [name, options || {}]).then(() => {
      /* the rows go with ModuleUnloaded */
    }, ex => {
      const title = cockpit.format(_("$0 was not unloaded"), name);
      const box = showAlert(kmoddErrorName(ex) === "InUse" ? "warning" : "danger", title, errorMessage(ex));
      box.setAttribute("data-error", kmoddErrorName(ex) || ex.name || "");
      buttons.forEach(b => { b.disabled = false });
      updateActions();
      /* in use because its drivers serve devices: offer what
       * `kmodctl unload --unbind` does, naming the devices */
      if (kmoddErrorName(ex) === "InUse" && !(options && options.unbind))
        offerUnbind(name, box);
    });
  }

  function offerUnbind(name, box) {
    call("Info", [name, {}]).then(([reply]) => {
      const devices = unwrap(reply).devices || [];
      if (!devices.length || !box.isConnected)
        return;
      const button = el("button", {
        class: "pf-c-button pf-m-secondary pf-m-small kmodd-unbind",
        type: "button",
        text: cockpit.format(cockpit.ngettext("Unbind the device and unload", "Unbind the $0 devices and unload", devices.length), devices.length),
        onclick: () => {
          box.remove();
          unloadModule(name, null, { unbind: cockpit.variant("b", true) });
        },
      });
      button.disabled = !access.unload;
      box.append(el("div", { class: "pf-c-alert__action-group" }, button));
    }, () => {});
  }

  /* -- reload -------------------------------------------------------- */

  /* A module whose drivers serve devices takes them away for a moment, and
   * for good if it cannot be loaded again (the machine's network card, for a
   * person using Cockpit over it): ask first. */
  function askReload(name, row) {
    const devices = (modules.get(name) || {}).devices || 0;
    if (!devices)
      return reloadModule(name, row);
    $("reload-title").textContent = cockpit.format(_("Reload $0?"), name);
    $("reload-body").textContent = cockpit.format(cockpit.ngettext(
      "$0 drives $1 device: reloading unbinds it for a moment, and if $0 cannot be loaded again the device stays without a driver.",
      "$0 drives $1 devices: reloading unbinds them for a moment, and if $0 cannot be loaded again they stay without a driver.",
      devices), name, devices);
    $("reload-confirm").onclick = () => {
      $("reload-dialog").hidden = true;
      reloadModule(name, row);
    };
    $("reload-dialog").hidden = false;
    $("reload-cancel").focus();
  }

  function reloadModule(name, row) {
    const buttons = row ? row.querySelectorAll("button") : [];
    buttons.forEach(b => { b.disabled = true });
    call("Reload", [name, {}]).then(([changed]) => {
      /* "-NAME" removed, then "+NAME" inserted; the rows follow the signals */
      const names = sign => changed.filter(c => c[0] === sign).map(c => c.slice(1)).join(", ");
      const box = showAlert("success", cockpit.format(_("$0 was reloaded"), name),
                            cockpit.format(_("Removed $0, then loaded $1."), names("-"), names("+")));
      box.setAttribute("data-reloaded", name);
    }, ex => {
      const short = kmoddErrorName(ex);
      const gone = RELOAD_GONE.test(ex.message || "");
      const box = showAlert(short === "InUse" ? "warning" : "danger",
                            cockpit.format(gone ? _("$0 is no longer loaded") : _("$0 was not reloaded"), name),
                            errorMessage(ex));
      box.setAttribute("data-error", short || ex.name || "");
    }).then(() => {
      buttons.forEach(b => { b.disabled = false });
      updateActions();
    });
  }

  /* -- load ---------------------------------------------------------- */

  function setHelper(field, text, error) {
    const helper = $(field + "-helper");
    const input = $(field);
    helper.replaceChildren();
    if (text)
      helper.append(el("div", { class: "pf-c-helper-text" },
                       el("div", { class: "pf-c-helper-text__item" + (error ? " pf-m-error" : " pf-m-indeterminate") },
                          el("span", { class: "pf-c-helper-text__item-text", text }))));
    input.setAttribute("aria-invalid", error ? "true" : "false");
  }

  /* The name field completes from ListAvailable (every module of the
   * running kernel's modules directory), asked once per page; a kmodd
   * without the method leaves the field without completion. */
  let availableAsked = false;

  function fillAvailable() {
    if (availableAsked)
      return;
    availableAsked = true;
    call("ListAvailable", [{}]).then(([names]) => {
      $("load-names").replaceChildren(...names.map(name => el("option", { value: name })));
    }, () => {
      availableAsked = false;
    });
  }

  function openLoad() {
    fillAvailable();
    $("load-name").value = "";
    $("load-parameters").value = "";
    $("load-autoclean").checked = false;
    $("load-error").textContent = "";
    setHelper("load-name", "", false);
    setHelper("load-parameters", "", false);
    $("load-submit").disabled = false;
    $("load-dialog").hidden = false;
    updateActions();
    $("load-name").focus();
  }

  function closeLoad() {
    $("load-dialog").hidden = true;
  }

  function submitLoad(event) {
    event.preventDefault();
    const name = $("load-name").value.trim();
    const parameters = $("load-parameters").value.trim();
    const nameError = validateName(name);
    let paramsError = null;
    let parsed = null;

    if (parameters) {
      parsed = parseParameters(parameters);
      paramsError = parsed.error || null;
    }
    setHelper("load-name", nameError, !!nameError);
    setHelper("load-parameters", paramsError || parametersNote(), !!paramsError);
    $("load-error").textContent = "";
    if (nameError || paramsError)
      return;

    $("load-submit").disabled = true;
    /* keys the module does not declare are refused by the service too;
     * checking first puts the message next to the field at once */
    const declared = parsed
      ? call("Info", [name, {}]).then(([info]) => {
        const params = unwrap(info).parameters || {};
        const norm = s => s.replace(/-/g, "_");
        const known = Object.keys(params).map(norm);
        const unknown = parsed.keys.find(k => known.indexOf(norm(k)) < 0);
        if (unknown)
          throw { name: ERROR_PREFIX + "InvalidParameters", message: cockpit.format(_("Module $0 has no parameter “$1”."), name, unknown) };
      })
      : Promise.resolve();

    const options = {};
    if (parameters)
      options.parameters = cockpit.variant("s", parameters);
    if ($("load-autoclean").checked)
      options.autoclean = cockpit.variant("b", true);

    declared
      .then(() => call("Load", [name, options]))
      .then(() => closeLoad(), ex => {
        const short = kmoddErrorName(ex);
        const message = errorMessage(ex);
        if (short === "InvalidParameters")
          setHelper("load-parameters", message, true);
        else if (short === "InvalidName" || short === "NotFound" || short === "Blacklisted" || short === "Builtin")
          setHelper("load-name", message, true);
        else
          $("load-error").textContent = message;
        $("load-submit").disabled = false;
      });
  }

  /* -- details ------------------------------------------------------- */

  function term(label, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0))
      return null;
    const dd = el("dd", { class: "pf-c-description-list__description" });
    if (Array.isArray(value))
      dd.append(el("div", { class: "pf-c-description-list__text" }, ...value.map(v => el("div", { text: v }))));
    else if (value instanceof Node)
      dd.append(value);
    else
      dd.append(el("div", { class: "pf-c-description-list__text", text: String(value) }));
    return el("div", { class: "pf-c-description-list__group", "data-term": label },
              el("dt", { class: "pf-c-description-list__term" }, el("span", { class: "pf-c-description-list__text", text: label })),
              dd);
  }

  function showInfo(name) {
    $("info-title").textContent = name;
    $("info-description").textContent = "";
    $("info-body").replaceChildren(el("div", { class: "pf-c-spinner pf-m-md", role: "progressbar", "aria-valuetext": _("Loading…") },
                                      el("span", { class: "pf-c-spinner__clipper" }),
                                      el("span", { class: "pf-c-spinner__lead-ball" }),
                                      el("span", { class: "pf-c-spinner__tail-ball" })));
    $("info-dialog").hidden = false;
    call("Info", [name, {}]).then(([reply]) => {
      const info = unwrap(reply);
      const loaded = modules.get(name);
      $("info-description").textContent = info.description || "";

      let parameters = null;
      const names = Object.keys(info.parameters || {}).sort();
      if (names.length) {
        parameters = el("table", { class: "pf-c-table pf-m-compact pf-m-no-border-rows kmodd-parameters", "aria-label": _("Parameters") },
                        el("tbody", {}, ...names.map(p => el("tr", { "data-parameter": p },
                                                             el("td", { class: "kmodd-parameter-name", text: p }),
                                                             /* the current value, filled from GetConfiguration */
                                                             el("td", { class: "kmodd-parameter-value" }),
                                                             el("td", { text: info.parameters[p] })))));
      }
      const flags = [];
      if (info.builtin)
        flags.push(_("built into the kernel"));
      if (info.loaded)
        flags.push(_("loaded"));
      if (info.blacklisted)
        flags.push(_("blacklisted"));
      if (info["has-install-command"])
        flags.push(_("has an install command in modprobe.d"));

      $("info-body").replaceChildren(
        el("dl", { class: "pf-c-description-list pf-m-horizontal pf-m-compact" },
           term(_("State"), flags.join(", ")),
           term(_("Used by"), loaded ? loaded.holders : null),
           term(_("Drives"), info.devices),
           term(_("Author"), info.author),
           term(_("License"), info.license),
           term(_("Version"), info.version),
           term(_("Signer"), info.signer || _("not signed")),
           term(_("File"), info.filename),
           term(_("Depends on"), info.depends),
           term(_("Soft dependencies"), info.softdeps),
           term(_("Firmware"), info.firmware),
           term(_("Aliases"), info.aliases),
           term(_("Parameters"), parameters)),
        window.kmoddConfig ? window.kmoddConfig.section(name, info.parameters) : null);
    }, ex => {
      $("info-body").replaceChildren(el("div", { class: "pf-c-alert pf-m-inline pf-m-danger" },
                                        el("p", { class: "pf-c-alert__title", text: errorMessage(ex) })));
    });
  }

  /* -- start --------------------------------------------------------- */

  document.addEventListener("DOMContentLoaded", () => {
    $("filter").addEventListener("input", renderRows);
    $("load-button").addEventListener("click", openLoad);
    $("load-cancel").addEventListener("click", closeLoad);
    $("load-form").addEventListener("submit", submitLoad);
    $("info-close").addEventListener("click", () => { $("info-dialog").hidden = true });
    $("reload-cancel").addEventListener("click", () => { $("reload-dialog").hidden = true });
    document.addEventListener("keydown", event => {
      if (event.key === "Escape") {
        closeLoad();
        $("info-dialog").hidden = true;
        $("reload-dialog").hidden = true;
      }
    });
    $("empty").hidden = false;
    updateActions();
    refresh();
  });

  /* for the browser test's figures and for debugging */
  window.kmoddPage = {
    errorMessage, validateName, parseParameters, ERROR_SENTENCES,
    /* for kmodd-config.js */
    call, el, unwrap, kmoddErrorName, configureReason, access, modules,
    /* for kmodd-devices.js */
    showInfo,
  };
})();
