#!/bin/sh
# update-patternfly.sh: rebuilds patternfly.css, the part of PatternFly 4 the
# page uses, from the version pinned in package.json / package-lock.json.
# The result is committed: building and installing kmodd needs no network
# and no npm. Only this script downloads (npm ci, once); run it after
# changing the pinned version or the component list below, then commit
# patternfly.css.
#
#   cockpit/update-patternfly.sh
#
# PatternFly's own @font-face rules are dropped: the page uses the Red Hat
# fonts that Cockpit serves from /cockpit/static/fonts (as Cockpit's own
# pages do), so the fonts are not copied.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# the same list as the classes kmodd.js, kmodd-config.js, kmodd-devices.js and index.html use
COMPONENTS="
  Alert Backdrop Button Card Check DescriptionList Divider EmptyState
  Form FormControl HelperText InputGroup Label ModalBox Page SearchInput
  Spinner Switch Table Tabs Title Toolbar
"

if [ ! -d node_modules/@patternfly/patternfly ]; then
    npm ci --ignore-scripts --no-audit --no-fund
fi
pf=node_modules/@patternfly/patternfly
version=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$pf/package.json")

files="$pf/patternfly-base.css"
for c in $COMPONENTS; do
    for f in "$pf/components/$c"/*.css; do
        case $f in
        *-theme-dark.css|*/table-tree-view.css|*/table-scrollable.css) ;;
        *) files="$files $f" ;;
        esac
    done
done

/usr/bin/python3 - "$version" $files > patternfly.css.new <<'PY'
import re
import sys

version = sys.argv[1]
fonts = ''.join(
    '@font-face {\n  font-family: "%s";\n  src: url("../../static/fonts/%s-%s.woff2") format("woff2");\n'
    '  font-style: normal;\n  font-weight: %d;\n}\n' % (family, family, style, weight)
    for family in ('RedHatText', 'RedHatDisplay')
    for style, weight in (('Regular', 400), ('Medium', 500), ('Bold', 700))
) + ('@font-face {\n  font-family: "RedHatMono";\n  src: url("../../static/fonts/RedHatMono-Regular.woff2")'
     ' format("woff2");\n  font-style: normal;\n  font-weight: 400;\n}\n')
print('/* PatternFly %s (MIT), cut by cockpit/update-patternfly.sh: base and the'
      ' components the page uses. Do not edit: rerun the script. */' % version)
print(fonts)
for path in sys.argv[2:]:
    text = open(path, encoding='utf-8').read()
    # PatternFly's fonts: Cockpit serves the same ones (above)
    text = re.sub(r'@font-face\s*\{[^}]*\}\s*', '', text)
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    text = re.sub(r'^\s+', '', text, flags=re.M)
    # the form controls' status icons: the sprite is copied beside the page
    text = text.replace('../../assets/images/status-icon-sprite.svg', 'status-icon-sprite.svg')
    print('/* %s */' % path.split('/patternfly/', 1)[1])
    print(text.strip())
PY
mv patternfly.css.new patternfly.css
cp "$pf/assets/images/status-icon-sprite.svg" status-icon-sprite.svg
echo "update-patternfly: wrote patternfly.css from PatternFly $version ($(wc -c < patternfly.css) bytes)"
