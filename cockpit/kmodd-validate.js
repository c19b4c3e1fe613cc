/*
 * kmodd-validate.js: the checks kmodd makes on a module name and on a Load's
 * "parameters" (common/kmodd-validate.c), made in the page first so that a
 * mistake is shown next to its field at once. kmodd checks again: these
 * only have to refuse what it refuses (a browser test compares them).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

"use strict";

(function () {
  const _ = cockpit.gettext;

  /* Limits and character sets of common/kmodd-validate.c and kmodd-names.h */
  const MODULE_NAME_MAX = 55;
  const ALIAS_MAX = 1024;
  const PARAMETERS_MAX = 4096;
  const NAME_CHARS = /^[A-Za-z0-9_-]$/;
  const VALUE_CHARS = /^[A-Za-z0-9_\-.,:+/=@%~#^!]$/;

  /* -- checks as the service makes them (kmodd-validate.c) ----------- */

  function validateName(name) {
    if (name === "")
      return _("Enter a module name or an alias.");
    if (name[0] === "-")
      return _("A module name or alias cannot start with “-”.");
    let isModuleName = name.length <= MODULE_NAME_MAX;
    for (const c of name) {
      if (!NAME_CHARS.test(c))
        isModuleName = false;
    }
    if (isModuleName)
      return null;
    if (name.length > ALIAS_MAX)
      return cockpit.format(_("The name is $0 characters long; a module name has at most $1 and an alias at most $2."),
                            name.length, MODULE_NAME_MAX, ALIAS_MAX);
    for (let i = 0; i < name.length; i++) {
      const code = name.charCodeAt(i);
      if (code <= 0x20 || code >= 0x7f || "/\\\"'`*?[]".indexOf(name[i]) >= 0)
        return cockpit.format(_("Character $0 is not allowed: a module name is letters, digits, “_” and “-”; " +
                                "an alias is printable ASCII without spaces, quotes, “/”, “\\” or glob characters."), i + 1);
    }
    return null;
  }

  /* Parses "key=value key2 key3=\"a b\"" like kmodd_parameters_parse();
   * returns { keys: [...] } or { error: "..." }. */
  function parseParameters(text) {
    const keys = [];
    let p = 0;
    const fail = (at, what) => ({ error: cockpit.format(_("Position $0: $1."), at + 1, what) });

    if (text.length > PARAMETERS_MAX)
      return { error: cockpit.format(_("At most $0 characters."), PARAMETERS_MAX) };
    while (p < text.length) {
      if (text[p] === " ") {
        p++;
        continue;
      }
      const start = p;
      while (p < text.length && NAME_CHARS.test(text[p]))
        p++;
      if (p === start || text[start] === "-")
        return fail(start, _("expected a parameter name (letters, digits, “_”, “-”)"));
      if (p - start > 64)
        return fail(start, _("the parameter name is too long"));
      keys.push(text.slice(start, p));
      if (text[p] === "=") {
        p++;
        while (p < text.length && text[p] !== " ") {
          if (text[p] === "\"") {
            const open = p++;
            while (p < text.length && text[p] !== "\"") {
              if (text[p] !== " " && !VALUE_CHARS.test(text[p]))
                return fail(p, _("character not allowed in a value"));
              p++;
            }
            if (p >= text.length)
              return fail(open, _("unterminated quote"));
            p++;
          } else if (VALUE_CHARS.test(text[p])) {
            p++;
          } else {
            return fail(p, _("character not allowed in a value"));
          }
        }
      } else if (p < text.length && text[p] !== " ") {
        return fail(p, _("expected “=”, a space or the end"));
      }
    }
    return { keys };
  }

  window.kmoddValidate = { validateName, parseParameters };
})();
