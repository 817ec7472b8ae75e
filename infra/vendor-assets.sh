#!/usr/bin/env bash
# Re-vendor the interactive API docs' assets from their pinned npm releases (run by a maintainer
# after changing a version below; the result is committed, so users and CI never fetch anything).
set -euo pipefail
cd "$(dirname "$0")/.."
SWAGGER_UI=5.35.0
REDOC=2.5.4   # 3.x sends telemetry to redocly.com and loads logos from its CDN: stay on 2.x
HTMX=2.0.11   # the portal's partial updates (4.x is a rewrite with other attributes)
CHARTJS=4.5.1 # the dashboard's charts (UMD build: one file, no modules to serve)
AXE=4.14.1    # accessibility checks of the portal's pages, in the browser tests only
portal=marketplace/portal/static/vendor
dest=marketplace/api/static/vendor
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "swagger-ui-dist@$SWAGGER_UI" "redoc@$REDOC" "htmx.org@$HTMX" "chart.js@$CHARTJS" "axe-core@$AXE" >/dev/null)
rm -rf "$dest/swagger-ui" "$dest/redoc"; mkdir -p "$dest/swagger-ui" "$dest/redoc"
tar xzf "$work/swagger-ui-dist-$SWAGGER_UI.tgz" -C "$work" package/ && mv "$work/package" "$work/swagger"
cp "$work/swagger/"{swagger-ui-bundle.js,swagger-ui-bundle.js.LICENSE.txt,swagger-ui.css,favicon-32x32.png,LICENSE,NOTICE} "$dest/swagger-ui/"
tar xzf "$work/redoc-$REDOC.tgz" -C "$work" package/
cp "$work/package/bundles/"{redoc.standalone.js,redoc.standalone.js.LICENSE.txt} "$work/package/LICENSE" "$dest/redoc/"
# The bundles name their source maps, which are not vendored: drop the reference.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/swagger-ui/swagger-ui-bundle.js" "$dest/redoc/redoc.standalone.js"
cat > "$dest/VERSIONS.txt" <<TXT
swagger-ui-dist $SWAGGER_UI (npm, Apache-2.0: swagger-ui/LICENSE, swagger-ui/NOTICE)
redoc $REDOC (npm, MIT: redoc/LICENSE)
Refreshed by infra/vendor-assets.sh.
TXT
rm -rf "$work/package"; tar xzf "$work/htmx.org-$HTMX.tgz" -C "$work" package/
rm -rf "$portal/htmx"; mkdir -p "$portal/htmx"
cp "$work/package/dist/htmx.min.js" "$work/package/LICENSE" "$portal/htmx/"
rm -rf "$work/package"; tar xzf "$work/chart.js-$CHARTJS.tgz" -C "$work" package/
rm -rf "$portal/chartjs"; mkdir -p "$portal/chartjs"
cp "$work/package/dist/chart.umd.min.js" "$portal/chartjs/"
cp "$work/package/LICENSE.md" "$portal/chartjs/LICENSE"
sed -i '/^\/\/# sourceMappingURL=/d' "$portal/chartjs/chart.umd.min.js"
cat > "$portal/VERSIONS.txt" <<TXT
htmx.org $HTMX (npm, 0BSD: htmx/LICENSE)
chart.js $CHARTJS (npm, MIT: chartjs/LICENSE)
Refreshed by infra/vendor-assets.sh.
TXT
# axe-core is a test tool: vendored beside the browser tests, never shipped with the package.
axe=tests/e2e/portal/vendor/axe-core
rm -rf "$work/package"; tar xzf "$work/axe-core-$AXE.tgz" -C "$work" package/
rm -rf "$axe"; mkdir -p "$axe"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$axe/"
cat > "$axe/VERSION.txt" <<TXT
axe-core $AXE (npm, MPL-2.0: LICENSE)
Refreshed by infra/vendor-assets.sh.
TXT
echo "vendored into $dest, $portal and $axe"; du -sh "$dest" "$portal" "$axe"
