#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry.
# Usage: scripts/refresh_vendor.sh [BOOTSTRAP_VERSION]
# Pinned versions live here; the site loads nothing from any CDN.
set -euo pipefail
BOOTSTRAP_VERSION="${1:-5.3.9}"
NOTO_VERSION="${2:-5.3.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/static/vendor/bootstrap"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "bootstrap@${BOOTSTRAP_VERSION}" >/dev/null
tar -xzf "bootstrap-${BOOTSTRAP_VERSION}.tgz"
rm -rf "$dest"
mkdir -p "$dest/css" "$dest/js"
cp package/dist/css/bootstrap.min.css package/dist/css/bootstrap.min.css.map "$dest/css/"
cp package/dist/js/bootstrap.bundle.min.js package/dist/js/bootstrap.bundle.min.js.map "$dest/js/"
cp package/LICENSE "$dest/LICENSE"
echo "$BOOTSTRAP_VERSION" > "$dest/VERSION"
echo "bootstrap $BOOTSTRAP_VERSION vendored into static/vendor/bootstrap"

# Noto Sans (SIL OFL 1.1), used by the PDF reports: the PDF renderer may fetch nothing from the network.
fonts="$here/static/vendor/noto-sans"
rm -rf package "$fonts"
npm pack --silent "@fontsource/noto-sans@${NOTO_VERSION}" >/dev/null
tar -xzf "fontsource-noto-sans-${NOTO_VERSION}.tgz"
mkdir -p "$fonts"
for weight in 400 700; do
  for style in normal italic; do
    cp "package/files/noto-sans-latin-${weight}-${style}.woff" "$fonts/"
  done
done
cp package/LICENSE "$fonts/LICENSE"
echo "$NOTO_VERSION" > "$fonts/VERSION"
echo "noto-sans $NOTO_VERSION vendored into static/vendor/noto-sans"

# axe-core (MPL-2.0), injected by the accessibility tests only; never served by the site.
AXE_VERSION="${3:-4.14.1}"
rm -rf package
npm pack --silent "axe-core@${AXE_VERSION}" >/dev/null
tar -xzf "axe-core-${AXE_VERSION}.tgz"
cp package/axe.min.js "$here/tests/vendor/axe.min.js"
cp package/LICENSE "$here/tests/vendor/axe-LICENSE"
echo "axe-core $AXE_VERSION vendored into tests/vendor"
