/*
 * kmodd-config.js: the "Configuration" part of the module details dialog
 * of Cockpit's "Kernel modules" page (kmodd.js shows the dialog).
 *
 * What survives a reboot, as GetConfiguration describes it: load at boot
 * (SetBootLoad), blocked (SetBlocked) and persistent parameters
 * (SetParameters), each with the files that say so, files kmodd does not
 * own included. Kept true by the ConfigurationChanged signal while the
 * dialog is open (kmodd.js passes it to changed()).
 *
 * The Set methods need polkit action org.freedesktop.KernelModules1.configure,
 * which kmodd's group rule does not grant: only with Cockpit's
 * administrative access on (superuser "try") are the controls enabled;
 * otherwise they are disabled with the reason.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

"use strict";

(function () {
  const _ = cockpit.gettext;
  const KMODD_MODPROBE_FILE = "/etc/modprobe.d/kmodd.conf";

  let page = null;         /* window.kmoddPage, once kmodd.js is there */
  let current = null;      /* { name, declared, config, shownParameters } of the open dialog */
  let asked = 0;           /* GetConfiguration calls: only the last reply counts */

  function $(id) {
    return document.getElementById(id);
  }

  function isOpen(name) {
    return current && current.name === name && !$("info-dialog").hidden;
  }

  /* The files that say what the module's state is, for a person */
  function sources(entries, kinds) {
    const files = [];
    for (const [kind, value, source] of entries) {
      if (kinds.indexOf(kind) >= 0 && files.indexOf(source) < 0 &&
          (kind !== "install" || value === "/bin/false" || value === "/bin/true"))
        files.push(source);
    }
    return files;
  }

  function setNote(id, text, kind) {
    const note = $(id);
    note.textContent = text || "";
    note.hidden = !text;
    note.removeAttribute("data-error");
    note.className = "pf-c-helper-text__item kmodd-config-note" + (kind ? " pf-m-" + kind : "");
  }

  function control(id, label, description) {
    const el = page.el;
    return el("div", { class: "pf-c-form__group kmodd-config-group", id: id + "-group" },
              el("div", { class: "pf-c-check" },
                 el("input", { class: "pf-c-check__input", type: "checkbox", role: "switch", id }),
                 el("label", { class: "pf-c-check__label", for: id, text: label }),
                 el("span", { class: "pf-c-check__description", text: description }),
                 el("div", { class: "kmodd-config-source", id: id + "-source" }),
                 el("div", { class: "pf-c-helper-text__item", id: id + "-helper", "aria-live": "polite", hidden: true })));
  }

  /* The section, empty; filled by render() when GetConfiguration answers */
  function section(name, declared) {
    const el = page.el;
    current = { name, declared: declared || {}, config: null, shownParameters: null };
    const params = el("div", { class: "pf-c-form__group kmodd-config-group", id: "config-parameters-group" },
                      el("label", { class: "pf-c-form__label", for: "config-parameters" },
                         el("span", { class: "pf-c-form__label-text", text: _("Parameters at every load") })),
                      el("div", { class: "kmodd-config-row" },
                         el("input", { class: "pf-c-form-control", type: "text", id: "config-parameters", autocomplete: "off",
                                       spellcheck: "false", placeholder: "key=value key2=value2",
                                       "aria-describedby": "config-parameters-helper" }),
                         el("button", { class: "pf-c-button pf-m-secondary", type: "button", id: "config-parameters-save",
                                        text: _("Save"), onclick: saveParameters })),
                      el("div", { class: "kmodd-config-source", id: "config-parameters-source" }),
                      el("div", { class: "pf-c-helper-text__item", id: "config-parameters-helper", "aria-live": "polite", hidden: true }));
    const box = el("section", { class: "kmodd-config", id: "config", "aria-labelledby": "config-title" },
                   el("h2", { class: "pf-c-title pf-m-md", id: "config-title", text: _("Configuration") }),
                   el("div", { class: "kmodd-access", id: "config-access", hidden: true }),
                   el("div", { class: "kmodd-config-loading", id: "config-loading", text: _("Reading the configuration…") }),
                   el("div", { class: "pf-c-form", id: "config-form", hidden: true },
                      control("config-boot", _("Load at boot"),
                              _("systemd-modules-load loads it at every boot.")),
                      control("config-blocked", _("Blocked"),
                              _("No load succeeds, not even an explicit one. Blocking does not unload a loaded module: it stays loaded until it is unloaded or the system restarts.")),
                      el("div", { class: "pf-c-alert pf-m-inline pf-m-warning kmodd-config-confirm", id: "config-confirm", hidden: true },
                         el("p", { class: "pf-c-alert__title", id: "config-confirm-text" }),
                         el("div", { class: "pf-c-alert__action-group" },
                            el("button", { class: "pf-c-button pf-m-danger pf-m-small", type: "button", id: "config-confirm-block",
                                           text: _("Block"), onclick: () => setBlocked(true, true) }),
                            " ",
                            el("button", { class: "pf-c-button pf-m-link pf-m-small", type: "button", id: "config-confirm-cancel",
                                           text: _("Cancel"), onclick: cancelConfirm }))),
                      params,
                      el("div", { class: "kmodd-config-stale", id: "config-stale", hidden: true }),
                      el("div", { id: "config-entries" })));
    box.querySelector("#config-boot").addEventListener("change", event => setBootLoad(event.target.checked));
    box.querySelector("#config-blocked").addEventListener("change", event => {
      if (event.target.checked && current.config && current.config.loaded) {
        event.target.checked = false;
        askToBlock();
      } else {
        setBlocked(event.target.checked, false);
      }
    });
    box.querySelector("#config-parameters").addEventListener("keydown", event => {
      if (event.key === "Enter")
        saveParameters();
    });
    return box;
  }

  function read() {
    if (!current)
      return;
    const name = current.name;
    const seq = ++asked;
    page.call("GetConfiguration", [name, {}]).then(([reply]) => {
      if (seq !== asked || !isOpen(name))
        return;
      current.config = page.unwrap(reply);
      render();
    }, ex => {
      if (seq !== asked || !isOpen(name))
        return;
      $("config-loading").textContent = page.errorMessage(ex);
      $("config-loading").classList.add("kmodd-config-error");
    });
  }

  function describe(id, files, on, onText, offText) {
    const text = on
      ? cockpit.format(onText, files.join(", ") || "?")
      : offText;
    $(id + "-source").textContent = text;
    $(id + "-source").setAttribute("data-files", files.join(" "));
  }

  function render() {
    const config = current.config;
    const entries = config.entries || [];
    $("config-loading").hidden = true;
    $("config-form").hidden = false;

    const loadFiles = sources(entries, ["load"]);
    $("config-boot").checked = !!config["boot-load"];
    describe("config-boot", loadFiles, config["boot-load"], _("Listed in $0."), _("No modules-load.d file lists it."));

    const blockFiles = sources(entries, ["blacklist", "install"]);
    $("config-blocked").checked = !!config.blocked;
    describe("config-blocked", blockFiles, config.blocked, _("Blocked by $0."), _("No file blocks it."));

    /* the field shows kmodd's own options line; the others are named */
    const options = entries.filter(e => e[0] === "options");
    const own = options.filter(e => e[2] === KMODD_MODPROBE_FILE).map(e => e[1]).join(" ");
    const field = $("config-parameters");
    if (current.shownParameters === null || field.value === current.shownParameters)
      field.value = own;
    current.shownParameters = own;
    const others = options.filter(e => e[2] !== KMODD_MODPROBE_FILE);
    $("config-parameters-source").textContent = others.length
      ? others.map(e => cockpit.format(_("$0 gives “$1”."), e[2], e[1])).join(" ")
      : (own ? cockpit.format(_("In $0."), KMODD_MODPROBE_FILE) : _("No file gives it parameters."));

    /* the current values of a loaded module's parameters, next to their
     * names in the details; the ones only root may read are said so */
    const values = config.parameters || {};
    for (const row of document.querySelectorAll("#info-body tr[data-parameter]")) {
      const cell = row.querySelector(".kmodd-parameter-value");
      const p = row.getAttribute("data-parameter");
      if (!cell)
        continue;
      if (p in values)
        cell.textContent = "= " + values[p];
      else if ((config["hidden-parameters"] || []).includes(p))
        cell.textContent = _("(only root may read it)");
      else
        cell.textContent = "";
    }

    const stale = config["initramfs-stale"];
    $("config-stale").hidden = !stale;
    $("config-stale").textContent = stale
      ? cockpit.format(_("The initramfs $0 is older than this configuration: rebuild it for the change to apply early at boot."), config.initramfs || "")
      : "";

    const el = page.el;
    $("config-entries").replaceChildren(entries.length
      ? el("table", { class: "pf-c-table pf-m-compact pf-m-no-border-rows kmodd-config-entries", "aria-label": _("Configuration lines") },
           el("thead", {}, el("tr", {}, el("th", { text: _("Kind") }), el("th", { text: _("Value") }), el("th", { text: _("File") }))),
           el("tbody", {}, ...entries.map(([kind, value, source]) =>
             el("tr", { "data-kind": kind, "data-source": source },
                el("td", { text: kind }), el("td", { text: value }), el("td", { text: source })))))
      : "");
    updateAccess();
  }

  /* Enables the controls with administrative access only */
  function updateAccess() {
    if (!current || !$("config"))
      return;
    const access = page.access;
    const allowed = access.known && access.admin;
    const reason = !access.known ? "" : allowed ? "" : page.configureReason();
    $("config-access").hidden = !reason;
    $("config-access").textContent = reason;
    for (const id of ["config-boot", "config-blocked", "config-parameters", "config-parameters-save", "config-confirm-block"]) {
      const e = $(id);
      e.disabled = !allowed || e.hasAttribute("data-busy");
      e.title = allowed ? "" : reason;
    }
  }

  function busy(ids, on) {
    for (const id of ids) {
      if (on)
        $(id).setAttribute("data-busy", "");
      else
        $(id).removeAttribute("data-busy");
    }
    updateAccess();
  }

  /* The result's note, or the error as a sentence, next to the control */
  function done(id, ids, promise, succeeded) {
    const name = current.name;
    setNote(id + "-helper", "", null);
    busy(ids, true);
    promise.then(([result]) => {
      if (!isOpen(name))
        return;
      const r = page.unwrap(result);
      if (succeeded)
        succeeded();
      let note = r.note || "";
      if (note && !/[.!?]$/.test(note))
        note += ".";
      setNote(id + "-helper", note, "success");
    }, ex => {
      if (!isOpen(name))
        return;
      setNote(id + "-helper", page.errorMessage(ex), "error");
      $(id + "-helper").setAttribute("data-error", page.kmoddErrorName(ex) || ex.name || "");
    }).then(() => {
      if (!isOpen(name))
        return;
      busy(ids, false);
      read();
    });
  }

  function setBootLoad(enabled) {
    done("config-boot", ["config-boot"], page.call("SetBootLoad", [current.name, enabled, {}]));
  }

  function askToBlock() {
    const holders = (page.modules.get(current.name) || {}).holders || [];
    $("config-confirm-text").textContent = cockpit.format(
      _("$0 is loaded$1. Blocking it does not unload it: it stays loaded until it is unloaded or the system restarts, and every later load fails. Block it?"),
      current.name, holders.length ? cockpit.format(_(" and used by $0"), holders.join(", ")) : "");
    $("config-confirm").hidden = false;
    $("config-confirm-block").focus();
  }

  function cancelConfirm() {
    $("config-confirm").hidden = true;
    $("config-blocked").focus();
  }

  function setBlocked(blocked, confirmed) {
    const options = {};
    if (confirmed)
      options["in-use"] = cockpit.variant("b", true);
    $("config-confirm").hidden = true;
    done("config-blocked", ["config-blocked"], page.call("SetBlocked", [current.name, blocked, options]));
  }

  /* Checked as the service checks it: the load dialog's syntax, without
   * quotes (they cannot stand in a modprobe.d line), declared keys only */
  function checkParameters(text) {
    if (text.indexOf("\"") >= 0)
      return _("Quotes cannot be saved in a modprobe.d line.");
    const parsed = page.parseParameters(text);
    if (parsed.error)
      return parsed.error;
    const norm = s => s.replace(/-/g, "_");
    const known = Object.keys(current.declared).map(norm);
    const unknown = parsed.keys.find(k => known.indexOf(norm(k)) < 0);
    if (unknown)
      return cockpit.format(_("Module $0 has no parameter “$1”."), current.name, unknown);
    return null;
  }

  function saveParameters() {
    const field = $("config-parameters");
    const text = field.value.trim().replace(/ +/g, " ");
    const error = text ? checkParameters(text) : null;
    field.setAttribute("aria-invalid", error ? "true" : "false");
    if (error) {
      setNote("config-parameters-helper", error, "error");
      return;
    }
    /* what was typed stays after a refusal; after a change the field
     * follows the file again */
    done("config-parameters", ["config-parameters", "config-parameters-save"],
         page.call("SetParameters", [current.name, text, {}]), () => {
           field.value = text;
           current.shownParameters = text;
         });
  }

  window.kmoddConfig = {
    /* The section for the details of name; declared: Info's parameters */
    section(name, declared) {
      page = window.kmoddPage;
      const box = section(name, declared);
      setTimeout(read, 0);
      return box;
    },
    /* ConfigurationChanged: ask again while the dialog is open */
    changed() {
      if (current && !$("info-dialog").hidden)
        read();
    },
    updateAccess() {
      if (page)
        updateAccess();
    },
  };
})();
